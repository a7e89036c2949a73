/**
 * The README's routine table (section "DMA adapters and common buffers")
 * lists every routine of the DMA_OPERATIONS tables, IoGetDmaAdapter and the
 * legacy HAL pair, each with its table, its IRQL and the sources it was
 * checked against.
 */
import { describe, expect, it } from "vitest";
import { buildDmaOperations } from "../../src/hal/dma-operations.ts";
import { readmeSection } from "./readme-section.ts";

const rows = readmeSection("DMA adapters and common buffers")
  .split("\n")
  .filter((l) => l.startsWith("| `"))
  .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));

describe("README routine table", () => {
  it("lists every slot of the newest version-3 table, IoGetDmaAdapter and HalAllocateCommonBuffer / HalFreeCommonBuffer", () => {
    const listed = new Set(rows.flatMap((r) => [...(r[0] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1] as string)));
    const slots = Object.keys(buildDmaOperations(3, "server2022")).filter((s) => s !== "Size");
    expect(slots).toHaveLength(39);
    expect([...slots, "IoGetDmaAdapter", "HalAllocateCommonBuffer", "HalFreeCommonBuffer"].filter((s) => !listed.has(s))).toEqual([]);
  });

  it("each row names its table, an IRQL and at least one source", () => {
    for (const [routine, table, irql, sources] of rows) {
      expect(table, routine).toMatch(/^(v1|v2|v3 \((win8|win10|win10-1803|win10-2004|server2022)\)|\(.+\))$/);
      expect(irql, routine).toMatch(/PASSIVE|DISPATCH|any/);
      expect(sources, routine).toMatch(/DDI|KDOC|WDF|ReactOS|seed/);
    }
  });
});
