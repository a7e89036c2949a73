import { describe, expect, it } from "vitest";
import { MiB } from "../core/address.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { parseProfile } from "../machine/profile.ts";
import { MAX_ORDER, describeFragmentation, fragmentation } from "./fragmentation.ts";
import { PageFrameManager } from "./page-frames.ts";

function machine(mib: number, nodes = 1): PageFrameManager {
  const per = mib / nodes;
  return new PageFrameManager(
    new MemoryMap(parseProfile({ name: "f", arch: "x64", nodes, memory: Array.from({ length: nodes }, (_, n) => ({ base: n * per * MiB, length: per * MiB, type: "ram", node: n })) })),
  );
}

describe("fragmentation indices", () => {
  it("an empty machine has one run, all free memory in top-order blocks and index 0 everywhere", () => {
    const pfm = machine(16);
    const r = fragmentation(pfm);
    expect(r.freePages).toBe(4096);
    expect(r.largestFreeRun).toBe(4096);
    expect(r.freeRuns).toBe(1);
    expect(r.freeBlocksByOrder[MAX_ORDER]).toBe(4);
    expect(r.freePagesByOrder.reduce((a, b) => a + b, 0)).toBe(4096);
    expect(r.unusableFreeIndex.every((v) => v === 0)).toBe(true);
    expect(r.fragmentationIndex.every((v) => v === -1)).toBe(true);
  });

  it("free blocks are naturally aligned like a coalesced buddy allocator's free lists", () => {
    const pfm = machine(16);
    pfm.allocatePages(4096, { effort: "free-only", kind: "unmovable" });
    pfm.freePages([1, 2, 3, 4, 5, 6, 7]); // run [1, 8): blocks 1 (order 0), 2-3 (order 1), 4-7 (order 2)
    const r = fragmentation(pfm);
    expect(r.freeBlocksByOrder.slice(0, 4)).toEqual([1, 1, 1, 0]);
    expect(r.largestFreeRun).toBe(7);
  });

  it("unusable free index follows Linux: (F - S*2^o)/F, 1 with no free memory", () => {
    const pfm = machine(16);
    const all = pfm.allocatePages(4096, { effort: "free-only", kind: "unmovable" }) ?? [];
    expect(fragmentation(pfm).unusableFreeIndex[0]).toBe(1);
    pfm.freePages(all.filter((p) => p % 4 === 0)); // 1024 single free pages
    const r = fragmentation(pfm);
    expect(r.unusableFreeIndex[0]).toBe(0);
    expect(r.unusableFreeIndex[1]).toBe(1);
    // fragmentation index(1) = 1 - (1 + F/2)/B = 1 - (1 + 512)/1024
    expect(r.fragmentationIndex[1]).toBeCloseTo(1 - 513 / 1024, 10);
    expect(r.fragmentationIndex[0]).toBe(-1);
    expect(r.runUnusableIndex[1]).toBe(1);
    expect(r.runUnusableIndex[0]).toBe(0);
  });

  it("one percent of scattered pinned pages makes most free memory useless for order-9 (2 MiB) requests", () => {
    const pfm = machine(256);
    const all = pfm.allocatePages(pfm.stats.freePages, { effort: "free-only", kind: "unmovable" }) ?? [];
    // Keep every 100th page pinned (1%), free the rest.
    pfm.freePages(all.filter((p) => p % 100 !== 37));
    const r = fragmentation(pfm);
    expect(r.unusableFreeIndex[9]).toBeGreaterThanOrEqual(0.9);
    expect(r.largestFreeRun).toBe(99);
  });

  it("can be scoped to one node or a PFN range", () => {
    const pfm = machine(32, 2);
    pfm.allocateContiguous({ pages: 100, lowPfn: 0, highPfn: 10_000, effort: "free-only", node: 1, nodePolicy: "strict" });
    expect(fragmentation(pfm, { node: 0 }).freePages).toBe(4096);
    expect(fragmentation(pfm, { node: 1 }).freePages).toBe(4096 - 100);
    expect(fragmentation(pfm, { lowPfn: 4000, highPfn: 4199 }).freePages).toBe(100);
    expect(() => fragmentation(pfm, { node: 5 })).toThrow(/node 5 does not exist/);
    expect(() => fragmentation(pfm, { lowPfn: 9, highPfn: 1 })).toThrow(/lowPfn \(9\) is above highPfn \(1\)/);
  });

  it("describes itself in one line", () => {
    const pfm = machine(16);
    expect(describeFragmentation(fragmentation(pfm), pfm.stats.ramPages)).toMatch(/free 100.0% .* largest run 4096 pages/);
  });
});
