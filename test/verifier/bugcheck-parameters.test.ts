/**
 * Every bug-check parameter 1 dmasim raises or reports under 0xE6
 * DRIVER_VERIFIER_DMA_VIOLATION and 0x1DC DMA_COMMON_BUFFER_VECTOR_ERROR is
 * one the bug-check reference pages document
 * (windows-driver-docs debugger/bug-check-0xe6--driver-verifier-dma-violation.md,
 * bug-check-0x1dc--dma-common-buffer-vector-error.md): in the sources that
 * build the tuples and in the finding catalogue.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_CATALOGUE } from "../../src/verifier/codes.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** The 0xE6 page's parameter-1 values (0x12, 0x17, 0x1A and 0x1C are not on it). */
const E6_DOCUMENTED = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x14, 0x15, 0x16, 0x18, 0x19, 0x1b, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26]);
/** The 0x1DC page's types of failure. */
const VECTOR_DOCUMENTED = new Set([1, 2, 3, 4, 5]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Parameter 1 of every 0xE6 tuple the sources build: `[E6, 0x..`, `DRIVER_VERIFIER_DMA_VIOLATION, 0x..`, `[0xe6, 0x..`. */
function e6InSources(): Map<number, string[]> {
  const seen = new Map<number, string[]>();
  for (const f of sources(path.join(root, "src"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:\bE6|DRIVER_VERIFIER_DMA_VIOLATION|\b0xe6),\s*(0x[0-9a-fA-F]+|\d+)\b/g)) {
      const p1 = Number(m[1]);
      seen.set(p1, [...(seen.get(p1) ?? []), path.relative(root, f)]);
    }
  }
  return seen;
}

describe("bug-check parameters against the reference pages", () => {
  it("every 0xE6 parameter 1 the sources build is on the DRIVER_VERIFIER_DMA_VIOLATION page (no 0x28)", () => {
    const seen = e6InSources();
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter(([p1]) => !E6_DOCUMENTED.has(p1)).map(([p1, files]) => `0x${p1.toString(16)} in ${files.join(", ")}`)).toEqual([]);
  });

  it("every 0xE6 and 0x1DC tuple in the finding catalogue has a documented parameter 1", () => {
    const bad: string[] = [];
    for (const c of FINDING_CATALOGUE) {
      for (const m of c.bugCheck.matchAll(/0xE6 \((0x[0-9A-Fa-f]+)/g)) if (!E6_DOCUMENTED.has(Number(m[1]))) bad.push(`${c.code}: ${c.bugCheck}`);
      for (const m of c.bugCheck.matchAll(/0x1DC \((\d+)/g)) if (!VECTOR_DOCUMENTED.has(Number(m[1]))) bad.push(`${c.code}: ${c.bugCheck}`);
    }
    expect(bad).toEqual([]);
  });

  it("the 0x26 tuple's parameter 2 is the faulting device's DEVICE_OBJECT, as the page says (not an adapter or a logical address)", () => {
    const iommu = FINDING_CATALOGUE.find((c) => c.code === "DMA_IOMMU_FAULT");
    expect(iommu?.bugCheck).toMatch(/^0xE6 \(0x26, DEVICE_OBJECT/);
  });
});
