import { describe, expect, it } from "vitest";
import { body, leb, module, section, str, vec } from "../../../test/cdriver/wasm-bytes.ts";
import { parseModule, walkCode } from "./decode.ts";

// (type () -> ()), an import "dmasim" "f", a memory, one function, names.
function sample(code: number[]): Uint8Array {
  const types = section(1, vec([[0x60, 0, 0]]));
  const imports = section(2, vec([[...str("dmasim"), ...str("f"), 0x00, 0]]));
  const funcs = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, 1]]));
  const exports = section(7, vec([[...str("g"), 0x00, 1]]));
  const codeSec = section(10, vec([body(code)]));
  const names = [1, ...leb(vec([[1, ...str("GFunc")], [0, ...str("f")]]).length), ...vec([[0, ...str("f")], [1, ...str("GFunc")]])];
  const nameSec = section(0, [...str("name"), ...names]);
  return module(types, imports, funcs, memory, exports, codeSec, nameSec);
}

describe("reading a WebAssembly module", () => {
  it("finds the imports, exports, function names and the code section", () => {
    const m = parseModule(sample([0x10, 0]));
    expect(m.imports).toEqual([{ module: "dmasim", name: "f", typeIndex: 0 }]);
    expect(m.exports.get("g")).toEqual({ kind: 0, index: 1 });
    expect(m.names.get(1)).toBe("GFunc");
    expect(m.bodies).toHaveLength(1);
    expect(m.bodies[0]?.index).toBe(1);
    expect(m.codeStart).toBeGreaterThan(0);
  });

  it("walks every instruction: calls with targets, loads and stores with their folded offset, in order", () => {
    // i32.const 0; i32.load offset=8; drop; i32.const 4; i32.const 7; i32.store8 offset=3; call 0; block; br 0; end
    const code = [0x41, 0, 0x28, 2, 8, 0x1a, 0x41, 4, 0x41, 7, 0x3a, 0, 3, 0x10, 0, 0x02, 0x40, 0x0c, 0, 0x0b];
    const bytes = sample(code);
    const m = parseModule(bytes);
    const seen: string[] = [];
    walkCode(bytes, m.bodies[0]!, { call: (_o, t) => seen.push(`call ${t}`), memory: (_o, op, off, store) => seen.push(`${store ? "store" : "load"} 0x${op.toString(16)} +${off}`) });
    expect(seen).toEqual(["load 0x28 +8", "store 0x3a +3", "call 0"]);
  });

  it("reports what the memory instrumentation does not see: memory.fill/copy, atomic read-modify-write, memory.grow, SIMD", () => {
    const cases: [number[], string][] = [
      [[0x41, 0, 0x41, 0, 0x41, 4, 0xfc, 11, 0], "memory.fill (bulk memory)"],
      [[0x41, 0, 0x41, 0, 0x41, 4, 0xfc, 10, 0, 0], "memory.copy (bulk memory)"],
      [[0x41, 0, 0x41, 1, 0xfe, 0x1e, 2, 0, 0x1a], "an atomic read-modify-write"],
      [[0x41, 1, 0x40, 0, 0x1a], "memory.grow"],
      [[0x41, 0, 0xfd, 0, 4, 0, 0x1a], "a SIMD instruction"],
    ];
    for (const [code, what] of cases) {
      const bytes = sample(code);
      const m = parseModule(bytes);
      const found: string[] = [];
      walkCode(bytes, m.bodies[0]!, { uninstrumented: (_o, w) => found.push(w) });
      expect(found).toEqual([what]);
    }
  });

  it("skips a call's function index even when nothing watches calls (a multi-byte LEB such as call 79 is not read as opcodes)", () => {
    // call 79 as a padded 5-byte LEB (as wasm-ld writes it: 0xcf 0x80 0x80 0x80 0x00), then memory.fill
    const code = [0x10, 0xcf, 0x80, 0x80, 0x80, 0x00, 0x41, 0, 0x41, 0, 0x41, 4, 0xfc, 11, 0];
    const bytes = sample(code);
    const found: string[] = [];
    walkCode(bytes, parseModule(bytes).bodies[0]!, { uninstrumented: (_o, w) => found.push(w) });
    expect(found).toEqual(["memory.fill (bulk memory)"]);
  });

  it("refuses what is not a module, and an opcode it does not know", () => {
    expect(() => parseModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly module/);
    const bytes = sample([0xff]);
    expect(() => walkCode(bytes, parseModule(bytes).bodies[0]!, {})).toThrow(/unknown opcode 0xff/);
  });
});
