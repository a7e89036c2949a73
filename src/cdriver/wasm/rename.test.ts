import { describe, expect, it } from "vitest";
import { body, module, section, str, vec } from "../../../test/cdriver/wasm-bytes.ts";
import { parseModule } from "./decode.ts";
import { renameModule } from "./instrument.ts";

describe("naming a driver module (so V8's stack frames identify it)", () => {
  it("sets the name section's module name, keeping the function names, and the module stays valid", () => {
    const fnNames = vec([[0, ...str("Fn")]]);
    const nameSec = section(0, [...str("name"), 1, fnNames.length, ...fnNames]);
    const m = module(section(1, vec([[0x60, 0, 0]])), section(3, vec([[0]])), section(10, vec([body([])])), nameSec);
    const out = renameModule(m, "dmasim-0123");
    expect(WebAssembly.validate(out as Uint8Array<ArrayBuffer>)).toBe(true);
    expect(parseModule(out).names.get(0)).toBe("Fn");
    expect(new TextDecoder().decode(out)).toContain("dmasim-0123");
    const twice = renameModule(out, "dmasim-4567");
    expect(new TextDecoder().decode(twice)).not.toContain("dmasim-0123");
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(twice as Uint8Array<ArrayBuffer>), "name")).toHaveLength(1);
  });
});
