import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCDriver, CDriverBuildError } from "../../src/cdriver/toolchain/build.ts";
import { haveToolchain, skipReason } from "./support.ts";

function driver(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-kmdf-bad-"));
  writeFileSync(join(dir, "drv.c"), code);
  return dir;
}

describe.skipIf(!haveToolchain)(`KMDF drivers dmasim cannot build, and why${skipReason}`, () => {
  it("a framework routine dmasim does not provide is a compile error naming it, at the driver's file:line", () => {
    const dir = driver('#include <ntddk.h>\n#include <wdf.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) {\n  UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r);\n  WdfDeviceInitSetExclusive(NULL, TRUE);\n  return STATUS_SUCCESS;\n}\n');
    let err: unknown;
    try {
      buildCDriver(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CDriverBuildError);
    expect((err as Error).message).toMatch(/drv\.c:5:\d+: error: call to undeclared function 'WdfDeviceInitSetExclusive'/);
  });
});
