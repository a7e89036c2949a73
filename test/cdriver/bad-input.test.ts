import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BugCheckError } from "../../src/core/bugcheck.ts";
import { UninstrumentableError } from "../../src/cdriver/load.ts";
import { loadCDriverScenario } from "../../src/cdriver/scenario/c-scenario.ts";
import { FIXTURES, haveToolchain, skipReason } from "./support.ts";

const base = { profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect" } as const;

describe.skipIf(!haveToolchain)(`C drivers dmasim refuses or stops, and why${skipReason}`, () => {
  it("a module whose code still has an instruction the instrumentation cannot see (memory.fill) is refused, naming the C function, the line and the instruction", () => {
    let err: unknown;
    try {
      loadCDriverScenario(join(FIXTURES, "bulk"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UninstrumentableError);
    expect((err as Error).message).toMatch(/bulk\.c:3: ClearWithBulk: memory\.fill \(bulk memory\)/);
    expect((err as Error).message).toMatch(/-mno-bulk-memory/);
  });

  it("the same driver built with -DFLAG from cflags is another build (the flags are part of the input)", () => {
    expect(() => loadCDriverScenario(join(FIXTURES, "bulk"), { cflags: ["-DUNUSED=1"] })).toThrow(UninstrumentableError);
  });

  it("a NULL pointer dereference in AddDevice bug checks 0x50 at that address, naming the C function and line", async () => {
    const s = loadCDriverScenario(join(FIXTURES, "null-deref"));
    let err: unknown;
    try {
      await s.run(base);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BugCheckError);
    const b = err as BugCheckError;
    expect(b.code).toBe(0x50);
    expect(b.params[0]).toBe(4n); // &NULL->Count
    expect(b.message).toMatch(/in NullAddDevice \(.*null-deref\/null\.c:10:\d+\)/);
  });

  it("a dmasim.json with an unknown key is one error naming the file and the key", () => {
    expect(() => loadCDriverScenario(join(FIXTURES, "bad-config"))).toThrow(/bad-config\/dmasim\.json: workload: Unrecognized key: "parms"/);
  });

  it("bad params are refused before anything boots, naming the param", () => {
    const s = loadCDriverScenario(join(FIXTURES, "..", "..", "..", "examples", "c", "sb16-wdm"));
    expect(() => s.checkParams?.({ uptimeSeconds: 0, params: { bitsPerSample: 12 } })).toThrow(/bitsPerSample/);
    expect(() => s.checkParams?.({ uptimeSeconds: 0, params: { volume: 3 } })).toThrow(/unknown param "volume"/);
  });
});

describe.skipIf(!haveToolchain)(`a single .c file${skipReason}`, () => {
  it("runs with the dmasim.json beside it (its device), compiling only that file", async () => {
    const s = loadCDriverScenario(join(FIXTURES, "null-deref", "null.c"));
    expect(s.name).toBe("null");
    await expect(s.run(base)).rejects.toThrow(/0x50[\s\S]*in NullAddDevice/);
  });

  it("without a device named, on a profile with several devices, says which to choose from", async () => {
    const s = loadCDriverScenario(join(FIXTURES, "bulk", "..", "memory", "memory.c"));
    await expect(s.run(base)).rejects.toThrow(/name the device the C driver is for .* profile x64-desktop has .*sb16/);
  });
});
