import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { haveToolchain, skipReason } from "../../../test/cdriver/support.ts";
import { compileFlags } from "../toolchain/build.ts";
import { findToolchain } from "../toolchain/find-toolchain.ts";
import { GENERATED_HEADER } from "../toolchain/paths.ts";
import { CONSTANTS } from "./constants.ts";
import { generateHeader, generateLayoutAsserts } from "./generate-header.ts";
import { C } from "./structs.ts";

describe("include/dmasim/generated.h: one source of truth for the shared layouts", () => {
  it("the committed header is what the type table generates (run src/cdriver/layout/write-header.ts after changing it)", () => {
    expect(readFileSync(GENERATED_HEADER, "utf8")).toBe(generateHeader(C, CONSTANTS));
  });

  it("prints each struct after the ones it holds by value, packed structs inside #pragma pack", () => {
    const h = generateHeader(C, CONSTANTS);
    expect(h.indexOf("struct _LARGE_INTEGER {") >= 0 || h.indexOf("union _LARGE_INTEGER {") >= 0).toBe(true);
    expect(h.indexOf("union _LARGE_INTEGER {")).toBeLessThan(h.indexOf("struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {"));
    expect(h).toMatch(/#pragma pack\(push, 4\)\n\/\*[^\n]*\*\/?\n?struct _CM_PARTIAL_RESOURCE_DESCRIPTOR|#pragma pack\(push, 4\)\nstruct _CM_PARTIAL_RESOURCE_DESCRIPTOR/);
    expect(h).toContain("#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)");
    expect(h).toContain("typedef PHYSICAL_ADDRESS MAP_TRANSFER(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice);");
  });
});

describe.skipIf(!haveToolchain)(`the layouts clang gives the generated header${skipReason}`, () => {
  it("equal the host's offsets: every size, alignment and field offset as a _Static_assert compiles for wasm32", () => {
    const asserts = generateLayoutAsserts(C);
    expect((asserts.match(/_Static_assert/g) ?? []).length).toBeGreaterThan(800);
    const dir = mkdtempSync(join(tmpdir(), "dmasim-layout-"));
    try {
      writeFileSync(join(dir, "layout.c"), asserts);
      const tc = findToolchain();
      const r = spawnSync(tc.clang, [...compileFlags(tc), "-fsyntax-only", "layout.c"], { cwd: dir, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a wrong offset in the table would not compile (the check can fail)", () => {
    const wrong = generateLayoutAsserts(C).replace("offsetof(DEVICE_DESCRIPTION, DmaChannel) == 16", "offsetof(DEVICE_DESCRIPTION, DmaChannel) == 20");
    expect(wrong).toContain("== 20");
    const dir = mkdtempSync(join(tmpdir(), "dmasim-layout-"));
    try {
      writeFileSync(join(dir, "layout.c"), wrong);
      const tc = findToolchain();
      const r = spawnSync(tc.clang, [...compileFlags(tc), "-fsyntax-only", "layout.c"], { cwd: dir, encoding: "utf8" });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/static assertion failed.*DmaChannel\) == 20/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
