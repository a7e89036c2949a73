import { describe, expect, it } from "vitest";
import type { CodeMap } from "../wasm/code-map.ts";
import { cFramesOf, type ModuleRecord, rewriteStack } from "./c-stack.ts";

const map: CodeMap = {
  functions: {
    5: { name: "Sb16Dpc", calls: [0x100, 0x120], callLocs: [{ file: "dma.c", line: 10, column: 3 }, { file: "dma.c", line: 12, column: 5 }], accesses: [0x110], accessLocs: [{ file: "dma.c", line: 11, column: 9 }], first: { file: "dma.c", line: 9, column: 1 } },
    6: { name: "Helper", calls: [], callLocs: [], accesses: [], accessLocs: [], first: { file: "/abs/include/x.h", line: 3, column: 1 } },
  },
};
const modules = new Map<string, ModuleRecord>([["dmasim-abc", { name: "dmasim-abc", codeMap: map, sourceRoot: "/src/drv" }]]);
const stack = [
  "BugCheckError: STOP",
  "    at CMemory.badPointer (/x/c-memory.ts:1:1)",
  "    at Sb16Dpc (wasm://wasm/dmasim-abc-1234abcd:wasm-function[5]:0x110)",
  "    at dmasim-abc.Helper (wasm://wasm/dmasim-abc-1234abcd:wasm-function[6]:0x300)",
  "    at other (wasm://wasm/other-99:wasm-function[5]:0x110)",
].join("\n");

describe("the C driver's frames in a JavaScript stack", () => {
  it("maps a driver module's wasm frames to C functions and lines, innermost first (an access, then a point between known ones)", () => {
    expect(cFramesOf(stack, modules)).toEqual([
      { function: "Sb16Dpc", file: "/src/drv/dma.c", line: 11, column: 9, approximate: false },
      { function: "Helper", file: "/abs/include/x.h", line: 3, column: 1, approximate: true },
    ]);
  });

  it("rewrites those frames as C source frames and leaves every other line alone", () => {
    const out = rewriteStack(stack, modules).split("\n");
    expect(out[2]).toBe("    at Sb16Dpc (/src/drv/dma.c:11:9)");
    expect(out[3]).toBe("    at Helper (/abs/include/x.h:3:1)");
    expect(out[1]).toBe("    at CMemory.badPointer (/x/c-memory.ts:1:1)");
    expect(out[4]).toBe("    at other (wasm://wasm/other-99:wasm-function[5]:0x110)");
  });
});
