import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { haveToolchain, skipReason } from "../../../test/cdriver/support.ts";
import { parseModule } from "../wasm/decode.ts";
import { buildCDriver, CDriverBuildError } from "./build.ts";
import { BuildCache } from "./cache.ts";

const root = mkdtempSync(join(tmpdir(), "dmasim-build-"));
const cache = new BuildCache(join(root, "cache"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function driver(files: Record<string, string>): string {
  const d = join(root, `drv${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(d, rel);
    rmSync(p, { force: true });
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
  }
  return d;
}
const ENTRY = "#include <ntddk.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r); return STATUS_SUCCESS; }\n";

describe.skipIf(!haveToolchain)(`building a C driver for wasm32${skipReason}`, () => {
  it("links a module that exports DriverEntry and imports each kernel routine it calls from module dmasim", () => {
    const d = driver({ "a.c": "#include <ntddk.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r); return KeGetCurrentIrql(); }\n" });
    const b = buildCDriver(d, { cache });
    const m = parseModule(b.linked);
    expect(m.exports.has("DriverEntry")).toBe(true);
    expect(m.imports.map((i) => `${i.module}.${i.name}`)).toContain("dmasim.KeGetCurrentIrql");
    expect(m.custom(".debug_line")).not.toBeNull();
  });

  it("is cached by content: the same sources build once, a changed byte builds again", () => {
    const d = driver({ "a.c": ENTRY });
    expect(buildCDriver(d, { cache }).cached).toBe(false);
    const again = buildCDriver(d, { cache });
    expect(again.cached).toBe(true);
    writeFileSync(join(d, "a.c"), `${ENTRY}\n`);
    expect(buildCDriver(d, { cache }).cached).toBe(false);
    expect(buildCDriver(d, { cache, cflags: ["-DX=1"] }).cached).toBe(false);
  });

  it("a compile error is the compiler's message with the user's file:line", () => {
    const d = driver({ "bad.c": `${ENTRY}int f(void) {\n  return 1 +;\n}\n` });
    try {
      buildCDriver(d, { cache });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CDriverBuildError);
      const rel = relative(process.cwd(), join(d, "bad.c"));
      const shown = rel.startsWith("..") ? join(d, "bad.c") : rel;
      expect((e as CDriverBuildError).stage).toBe("compile");
      expect((e as Error).message).toContain(`${shown}:4:13: error: expected expression`);
    }
  });

  it("a routine dmasim lacks is a link error naming it and the line that calls it", () => {
    const d = driver({ "link.c": "#include <ntddk.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) {\n  UNREFERENCED_PARAMETER(d);\n  return IoCreateSymbolicLink(r, r);\n}\n" });
    try {
      buildCDriver(d, { cache });
      expect.unreachable();
    } catch (e) {
      expect((e as CDriverBuildError).stage).toBe("link");
      expect((e as Error).message).toMatch(/link\.c:4: error: IoCreateSymbolicLink is not a routine dmasim provides/);
      expect((e as Error).message).toMatch(/undefined symbol: IoCreateSymbolicLink/);
    }
  });

  it("a routine no header declares is a compile error with a note that dmasim does not provide it", () => {
    const d = driver({ "undecl.c": `${ENTRY}void f(void) { ZwOpenKey(0, 0, 0); }\n` });
    expect(() => buildCDriver(d, { cache })).toThrow(/undeclared function 'ZwOpenKey'[\s\S]*note: ZwOpenKey is not declared by dmasim's headers/);
  });

  it("a driver without DriverEntry fails the link saying so", () => {
    const d = driver({ "noentry.c": "#include <wdm.h>\nint x;\n" });
    expect(() => buildCDriver(d, { cache })).toThrow(/the driver has no DriverEntry routine/);
  });
});
