import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { haveToolchain, skipReason } from "../../../test/cdriver/support.ts";
import { compileFlags, GEN_DIR, generatedHeader } from "../toolchain/build.ts";
import { findToolchain } from "../toolchain/find-toolchain.ts";
import { INCLUDE_DIR } from "../toolchain/paths.ts";
import { CONSTANTS } from "./constants.ts";
import { generateHeader, generateLayoutAsserts } from "./generate-header.ts";
import { C } from "./structs.ts";

describe("<dmasim/generated.h>: one source of truth for the shared layouts", () => {
  it("prints each struct after the ones it holds by value, packed structs inside #pragma pack, constants and prototypes from the table", () => {
    const h = generateHeader(C, CONSTANTS);
    expect(h.indexOf("union _LARGE_INTEGER {")).toBeGreaterThan(0);
    expect(h.indexOf("union _LARGE_INTEGER {")).toBeLessThan(h.indexOf("struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {"));
    expect(h).toMatch(/#pragma pack\(push, 4\)\n(\/\*[^\n]*\*\/\n)?struct _CM_PARTIAL_RESOURCE_DESCRIPTOR \{/);
    expect(h).toContain("#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)");
    expect(h).toContain("typedef PHYSICAL_ADDRESS MAP_TRANSFER(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice);");
  });

  it("is written into every build (the key covers it), not kept in include/ where it could go stale", () => {
    expect(existsSync(join(INCLUDE_DIR, "dmasim", "generated.h"))).toBe(false);
    expect(generatedHeader()).toBe(generateHeader(C, CONSTANTS));
  });
});

/** Compile a C file against the generated header (written to a scratch include folder); stderr and exit status. */
function compileAgainstHeader(c: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-layout-"));
  try {
    mkdirSync(join(dir, GEN_DIR, "dmasim"), { recursive: true });
    writeFileSync(join(dir, GEN_DIR, "dmasim", "generated.h"), generatedHeader());
    writeFileSync(join(dir, "layout.c"), c);
    const tc = findToolchain();
    const r = spawnSync(tc.clang, [...compileFlags(tc), "-fsyntax-only", "layout.c"], { cwd: dir, encoding: "utf8" });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveToolchain)(`the layouts clang gives the generated header${skipReason}`, () => {
  it("equal the host's offsets: every size, alignment and field offset as a _Static_assert compiles for wasm32", () => {
    const asserts = generateLayoutAsserts(C);
    expect((asserts.match(/_Static_assert/g) ?? []).length).toBeGreaterThan(800);
    const r = compileAgainstHeader(asserts);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("a wrong offset in the table would not compile (the check can fail)", () => {
    const wrong = generateLayoutAsserts(C).replace("offsetof(DEVICE_DESCRIPTION, DmaChannel) == 16", "offsetof(DEVICE_DESCRIPTION, DmaChannel) == 20");
    expect(wrong).toContain("== 20");
    const r = compileAgainstHeader(wrong);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/static assertion failed.*DmaChannel\) == 20/);
  });
});
