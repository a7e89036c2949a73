import { describe, expect, it } from "vitest";
import { MiB } from "../core/address.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { parseProfile } from "../machine/profile.ts";
import { FastContiguousAllocator } from "./alloc/fast-contiguous-allocator.ts";
import { PfnDatabase, mergeRuns } from "./pfn-database.ts";

function db(): PfnDatabase {
  const map = new MemoryMap(
    parseProfile({
      name: "p",
      arch: "x64",
      nodes: 2,
      memory: [
        { base: 0, length: 1 * MiB, type: "ram", node: 0 },
        { base: 1 * MiB, length: 1 * MiB, type: "ram", node: 1 },
        { base: 2 * MiB, length: 1 * MiB, type: "mmio", node: 1 },
        { base: 3 * MiB, length: 1 * MiB, type: "ram", node: 1 },
      ],
    }),
  );
  const alloc = new FastContiguousAllocator(map.pageCount);
  const d = new PfnDatabase(map, alloc);
  for (const r of d.ram) alloc.markFree(r.start, r.end - r.start);
  return d;
}

describe("PFN database", () => {
  it("merges touching RAM ranges of different nodes into one run of RAM", () => {
    const d = db();
    expect(d.ram).toEqual([
      { start: 0, end: 512 },
      { start: 768, end: 1024 },
    ]);
    expect(d.ramPages).toBe(768);
  });

  it("derives 'contiguous' (taken, neither movable nor unmovable) and 'reserved' (not RAM)", () => {
    const d = db();
    d.allocator.markUsed(10, 3);
    d.setKind(10, 11, "movable");
    d.setKind(11, 12, "unmovable");
    d.setKind(12, 13, "contiguous");
    expect([d.kindOf(9), d.kindOf(10), d.kindOf(11), d.kindOf(12), d.kindOf(600), d.kindOf(5000)]).toEqual(["free", "movable", "unmovable", "contiguous", "reserved", "reserved"]);
    d.clearKind(10);
    expect(d.kindOf(10)).toBe("contiguous");
  });

  it("summarize counts every kind over partial words and includes non-RAM frames as reserved", () => {
    const d = db();
    d.allocator.markUsed(30, 40);
    d.setKind(30, 45, "movable");
    d.setKind(45, 50, "unmovable");
    const s = d.summarize(31, 700);
    expect(s).toEqual({ free: 512 - 70 + 0, movable: 14, unmovable: 5, contiguous: 20, reserved: 700 - 512 });
    expect(Object.values(d.summarize(0, 1024)).reduce((a, b) => a + b, 0)).toBe(1024);
  });

  it("rejects bad arguments naming the value", () => {
    const d = db();
    expect(() => d.kindOf(-1)).toThrow(/got -1/);
    expect(() => d.summarize(0.5, 3)).toThrow(/startPfn .* got 0.5/);
    expect(() => d.summarize(9, 3)).toThrow(/startPfn \(9\) is above endPfn \(3\)/);
  });

  it("mergeRuns sorts and merges touching runs only", () => {
    expect(mergeRuns([{ start: 10, end: 20 }, { start: 0, end: 10 }, { start: 21, end: 30 }])).toEqual([
      { start: 0, end: 20 },
      { start: 21, end: 30 },
    ]);
  });
});
