import { describe, expect, it } from "vitest";
import { MiB, PAGE_SIZE } from "../core/address.ts";
import { APC_LEVEL, DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { Prng } from "../core/prng.ts";
import { Clock } from "../machine/clock.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { PhysicalMemory } from "../machine/physical-memory.ts";
import { parseProfile } from "../machine/profile.ts";
import { type ContiguousPagesRequest, PageFrameManager, type PageFrameOptions, effortForIrql } from "./page-frames.ts";

/**
 * A small 2-node machine: node 0 RAM [0, 4 MiB) and [5 MiB, 8 MiB) around a
 * 1 MiB MMIO hole, node 1 RAM [8 MiB, 16 MiB). 4096 page frames.
 */
function twoNodeMap(): MemoryMap {
  return new MemoryMap(
    parseProfile({
      name: "t2",
      arch: "x64",
      nodes: 2,
      memory: [
        { base: 0, length: 4 * MiB, type: "ram", node: 0 },
        { base: 4 * MiB, length: 1 * MiB, type: "mmio", node: 0 },
        { base: 5 * MiB, length: 3 * MiB, type: "ram", node: 0 },
        { base: 8 * MiB, length: 8 * MiB, type: "ram", node: 1 },
      ],
    }),
  );
}

const P = (mib: number): number => (mib * MiB) / PAGE_SIZE;

function req(pages: number, extra: Partial<ContiguousPagesRequest> = {}): ContiguousPagesRequest {
  return { pages, lowPfn: 0, highPfn: 0xfffff, effort: "free-only", ...extra };
}

/** Everything observable about the page-frame state, for before/after comparisons. */
function snapshot(pfm: PageFrameManager): string {
  const words: number[] = [];
  for (let i = 0; i * 32 < pfm.map.pageCount; i++) words.push(pfm.allocator.freeWord(i), pfm.movableWord(i), pfm.unmovableWord(i));
  return JSON.stringify([pfm.stats, pfm.liveContiguousRuns, pfm.summarize(0, pfm.map.pageCount), words]);
}

describe("PageFrameManager.ramRanges", () => {
  it("gives RAM as { startPfn, endPfn } runs, end exclusive, merged across nodes and per node (the MMIO hole splits node 0)", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const pairs = (node?: number): number[][] => pfm.ramRanges(node).map((r) => [r.startPfn, r.endPfn]);
    expect(pairs()).toEqual([[0, P(4)], [P(5), P(16)]]);
    expect(pairs(0)).toEqual([[0, P(4)], [P(5), P(8)]]);
    expect(pairs(1)).toEqual([[P(8), P(16)]]);
    // The end is exclusive: the summary over the run counts exactly its frames.
    const [r] = pfm.ramRanges(1);
    expect(pfm.summarize(r!.startPfn, r!.endPfn).free).toBe(r!.endPfn - r!.startPfn);
  });

  it("keeps the former start/end names as the same numbers", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    for (const r of pfm.ramRanges()) expect([r.start, r.end]).toEqual([r.startPfn, r.endPfn]);
  });
});

describe("PageFrameManager", () => {
  it("boots with every RAM frame free and every other frame reserved", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.stats.freePages).toBe(P(15));
    expect(pfm.stats.ramPages).toBe(P(15));
    expect(pfm.kindOf(P(4))).toBe("reserved");
    expect(pfm.kindOf(P(4) - 1)).toBe("free");
    expect(pfm.summarize(0, P(16))).toEqual({ free: P(15), movable: 0, unmovable: 0, contiguous: 0, reserved: P(1) });
  });

  it("a contiguous run never includes non-RAM frames (the MMIO hole splits RAM)", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const s = pfm.allocateContiguous(req(P(3) + 1, { lowPfn: P(2), highPfn: P(8) - 1 }));
    expect(s).toBe(-1);
    expect(pfm.allocateContiguous(req(P(3), { lowPfn: P(2), highPfn: P(8) - 1 }))).toBe(P(5));
  });

  it("allocated pages become 'contiguous' and freeContiguous returns them", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const s = pfm.allocateContiguous(req(16));
    expect(s).toBe(0);
    expect(pfm.kindOf(5)).toBe("contiguous");
    expect(pfm.summarize(0, 32).contiguous).toBe(16);
    pfm.freeContiguous(s, 16);
    expect(pfm.kindOf(5)).toBe("free");
    expect(pfm.stats.freePages).toBe(P(15));
  });

  it("placement 'highest' takes the highest fitting run", () => {
    const pfm = new PageFrameManager(twoNodeMap(), { placement: "highest" });
    expect(pfm.allocateContiguous(req(4))).toBe(P(16) - 4);
    expect(pfm.allocateContiguous(req(4, { highPfn: P(4) - 1 }))).toBe(P(4) - 4);
  });

  it("a maximum address above the machine is clipped to the last frame", () => {
    const pfm = new PageFrameManager(twoNodeMap(), { placement: "highest" });
    expect(pfm.allocateContiguous(req(1, { highPfn: Number.MAX_SAFE_INTEGER }))).toBe(P(16) - 1);
  });

  it("ISA-style constraints: below 16 MiB and no 64 KiB crossing", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    pfm.allocateContiguous(req(10));
    expect(pfm.allocateContiguous(req(16, { highPfn: P(16) - 1, boundaryPages: 16 }))).toBe(16);
  });

  it("node 'preferred' tries the node's RAM first", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.allocateContiguous(req(8, { node: 1 }))).toBe(P(8));
    expect(pfm.allocateContiguous(req(8, { node: 0 }))).toBe(0);
  });

  it("node 'preferred' falls back to the other nodes when its node cannot satisfy the request", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.allocateContiguous(req(P(5), { node: 0 }))).toBe(P(8));
  });

  it("node 'strict' (MmAllocateContiguousNodeMemory) fails rather than use another node", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.allocateContiguous(req(P(5), { node: 0, nodePolicy: "strict" }))).toBe(-1);
    expect(pfm.allocateContiguous(req(P(5), { node: 1, nodePolicy: "strict" }))).toBe(P(8));
  });

  it("within a node, the lowest fitting start wins across its RAM ranges", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    pfm.allocateContiguous(req(P(4) - 2));
    expect(pfm.allocateContiguous(req(4, { node: 0, nodePolicy: "strict" }))).toBe(P(5));
  });

  it("freeContiguous of something that is not exactly a live run is a RangeError and changes nothing", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const s = pfm.allocateContiguous(req(8));
    const before = snapshot(pfm);
    expect(() => pfm.freeContiguous(s + 1, 7)).toThrow(/page frame 1 does not start a live contiguous allocation/);
    expect(() => pfm.freeContiguous(s, 4)).toThrow(/has 8 pages, not 4/);
    expect(() => pfm.freeContiguous(-3, 4)).toThrow(/got -3/);
    expect(() => pfm.freeContiguous(s, 0)).toThrow(/got 0/);
    expect(snapshot(pfm)).toBe(before);
    pfm.freeContiguous(s, 8);
    expect(() => pfm.freeContiguous(s, 8)).toThrow(/does not start a live/);
  });

  it("every bad argument is a RangeError naming the value, and the state is unchanged", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    pfm.allocateContiguous(req(3));
    pfm.allocatePages(5, { effort: "free-only", kind: "movable" });
    const before = snapshot(pfm);
    expect(() => pfm.allocateContiguous(req(0))).toThrow(/pages .* got 0/);
    expect(() => pfm.allocateContiguous(req(1, { lowPfn: 9, highPfn: 3 }))).toThrow(/lowPfn \(9\) is above highPfn \(3\)/);
    expect(() => pfm.allocateContiguous(req(1, { boundaryPages: 48 }))).toThrow(/boundaryPages .* got 48/);
    expect(() => pfm.allocateContiguous(req(1, { alignPages: 0 }))).toThrow(/alignPages .* got 0/);
    expect(() => pfm.allocateContiguous(req(1, { node: 2 }))).toThrow(/node 2 does not exist/);
    expect(() => pfm.allocateContiguous(req(1, { node: 0, nodePolicy: "maybe" as never }))).toThrow(/nodePolicy .* got maybe/);
    expect(() => pfm.allocateContiguous(req(1, { effort: "hard" as never }))).toThrow(/effort .* got hard/);
    expect(() => pfm.allocatePages(0, { effort: "full" })).toThrow(/count .* got 0/);
    expect(() => pfm.allocatePages(1, { effort: "full", node: 7 })).toThrow(/node 7 does not exist/);
    expect(() => pfm.allocatePages(1, { effort: "full", lowPfn: 10, highPfn: 2 })).toThrow(/lowPfn \(10\) is above highPfn \(2\)/);
    expect(() => pfm.allocatePages(1, { effort: "full", kind: "pool" as never })).toThrow(/kind .* got pool/);
    expect(() => pfm.freePages([P(9)])).toThrow(/page frame 2304 is free/);
    expect(() => pfm.freePages([P(4)])).toThrow(/page frame 1024 is reserved/);
    expect(() => pfm.freePages([1])).toThrow(/belongs to a contiguous run/);
    expect(() => pfm.freePages([3, 3])).toThrow(/names a page frame twice/);
    expect(() => pfm.freePages([P(99)])).toThrow(/past the last page frame/);
    expect(() => pfm.kindOf(-1)).toThrow(/got -1/);
    expect(() => pfm.summarize(10, 5)).toThrow(/startPfn \(10\) is above endPfn \(5\)/);
    expect(snapshot(pfm)).toBe(before);
  });

  it("bad options are RangeErrors naming the value", () => {
    const map = twoNodeMap();
    expect(() => new PageFrameManager(map, { placement: "middle" as never })).toThrow(/placement .* got middle/);
    expect(() => new PageFrameManager(map, { compaction: { maxPagesPerCall: -1 } })).toThrow(/maxPagesPerCall .* got -1/);
    expect(() => new PageFrameManager(map, { compaction: { nsPerPage: Number.NaN } })).toThrow(/nsPerPage .* got NaN/);
  });

  it("allocatePages is all or nothing", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const before = snapshot(pfm);
    expect(pfm.allocatePages(P(15) + 1, { effort: "full" })).toBeNull();
    expect(snapshot(pfm)).toBe(before);
    const pages = pfm.allocatePages(P(15), { effort: "full" });
    expect(pages?.length).toBe(P(15));
    expect(pfm.stats.freePages).toBe(0);
  });

  it("allocatePages takes pages of the requested kind from the hint upward, wrapping", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.allocatePages(3, { effort: "free-only", kind: "unmovable", hintPfn: 100 })).toEqual([100, 101, 102]);
    expect(pfm.kindOf(101)).toBe("unmovable");
    expect(pfm.allocatePages(2, { effort: "free-only", kind: "movable", lowPfn: 0, highPfn: 9, hintPfn: 9 })).toEqual([9, 0]);
    expect(pfm.kindOf(9)).toBe("movable");
    pfm.freePages([100, 9]);
    expect(pfm.kindOf(100)).toBe("free");
    expect(pfm.kindOf(9)).toBe("free");
  });

  it("allocatePages honours strict node placement", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const pages = pfm.allocatePages(4, { effort: "free-only", node: 1, nodePolicy: "strict" });
    expect(pages).toEqual([P(8), P(8) + 1, P(8) + 2, P(8) + 3]);
    expect(pfm.allocatePages(P(8), { effort: "free-only", node: 1, nodePolicy: "strict" })).toBeNull();
  });

  it("effort follows IRQL: full at PASSIVE_LEVEL and APC_LEVEL, free-only at DISPATCH_LEVEL", () => {
    expect(effortForIrql(PASSIVE_LEVEL)).toBe("full");
    expect(effortForIrql(APC_LEVEL)).toBe("full");
    expect(effortForIrql(DISPATCH_LEVEL)).toBe("free-only");
  });

  it("reports metadata within 1 byte per page frame", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    expect(pfm.metadataBytes / pfm.map.pageCount).toBeLessThanOrEqual(1);
  });
});

/** Fill the machine with movable pages except every 8th frame, so no free run is longer than 1 page. */
function fragmentWithMovable(pfm: PageFrameManager): void {
  const all = pfm.allocatePages(pfm.stats.freePages, { effort: "free-only", kind: "movable" }) ?? [];
  pfm.freePages(all.filter((p) => p % 8 === 0));
}

describe("PageFrameManager compaction (effort 'full')", () => {
  it("free-only (DISPATCH_LEVEL) takes only runs that are already free, so a fragmented machine fails", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    fragmentWithMovable(pfm);
    expect(pfm.allocateContiguous(req(2))).toBe(-1);
    expect(pfm.allocateContiguous(req(1))).toBe(0);
    expect(pfm.stats.compactions).toBe(0);
  });

  it("full (PASSIVE_LEVEL) relocates movable pages to make the run and keeps the movable count", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    fragmentWithMovable(pfm);
    const movableBefore = pfm.summarize(0, P(16)).movable;
    const s = pfm.allocateContiguous(req(16, { effort: "full" }));
    expect(s).toBe(0);
    for (let p = 0; p < 16; p++) expect(pfm.kindOf(p)).toBe("contiguous");
    expect(pfm.summarize(0, P(16)).movable).toBe(movableBefore);
    expect(pfm.stats.compactions).toBe(1);
    expect(pfm.stats.pagesMigrated).toBe(14);
  });

  it("migrated pages keep their contents (copied with PhysicalMemory.copy)", () => {
    const map = twoNodeMap();
    const memory = new PhysicalMemory(map.pageCount * PAGE_SIZE);
    const pfm = new PageFrameManager(map, { memory });
    fragmentWithMovable(pfm);
    memory.fill(1 * PAGE_SIZE, PAGE_SIZE, 0x5a);
    const before = pfm.summarize(P(15), P(16));
    pfm.allocateContiguous(req(2, { effort: "full" }));
    // Page 1 moved to the highest free frame (the free scanner works down from the top).
    const after = pfm.summarize(P(15), P(16));
    expect(after.movable).toBe(before.movable + 1);
    expect(memory.readU8((P(16) - 8) * PAGE_SIZE)).toBe(0x5a);
    expect(pfm.kindOf(P(16) - 8)).toBe("movable");
  });

  it("compaction cost is charged to the simulated clock", () => {
    const clock = new Clock();
    const pfm = new PageFrameManager(twoNodeMap(), { clock, compaction: { nsPerPage: 1000, nsPerScannedPage: 0 } });
    fragmentWithMovable(pfm);
    pfm.allocateContiguous(req(16, { effort: "full" }));
    expect(clock.now).toBe(14 * 1000);
    expect(pfm.stats.compactionNs).toBe(14_000);
  });

  it("a window containing an unmovable page is never chosen", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    fragmentWithMovable(pfm);
    // An unmovable page at frame 8 (was free) spoils the window [0, 16).
    expect(pfm.allocatePages(1, { effort: "free-only", kind: "unmovable", hintPfn: 8 })).toEqual([8]);
    expect(pfm.allocateContiguous(req(16, { effort: "full", alignPages: 16 }))).toBe(16);
  });

  it("the per-call migration cap makes a request that needs more migrations fail", () => {
    const pfm = new PageFrameManager(twoNodeMap(), { compaction: { maxPagesPerCall: 10 } });
    fragmentWithMovable(pfm);
    const before = snapshot(pfm);
    expect(pfm.allocateContiguous(req(16, { effort: "full" }))).toBe(-1);
    expect(pfm.stats.compactionFailures).toBe(1);
    expect(pfm.allocateContiguous(req(8, { effort: "full" }))).toBe(0);
    expect(before).not.toBe(snapshot(pfm));
  });

  it("when every page is unmovable, compaction fails (it must be allowed to fail)", () => {
    const pfm = new PageFrameManager(twoNodeMap());
    const all = pfm.allocatePages(pfm.stats.freePages, { effort: "free-only", kind: "unmovable" }) ?? [];
    pfm.freePages(all.filter((p) => p % 2 === 0));
    expect(pfm.allocateContiguous(req(2, { effort: "full" }))).toBe(-1);
    expect(pfm.stats.pagesMigrated).toBe(0);
  });

  it("placement 'highest' compacts the highest eligible window", () => {
    const pfm = new PageFrameManager(twoNodeMap(), { placement: "highest" });
    fragmentWithMovable(pfm);
    expect(pfm.allocateContiguous(req(16, { effort: "full" }))).toBe(P(16) - 16);
  });
});

describe("PageFrameManager with the fast allocator equals it with the linear-scan oracle", () => {
  it("gives the same PFN for every request in a seeded stream (nodes, policies, placement, effort)", () => {
    for (const placement of ["lowest", "highest"] as const) {
      const opts: PageFrameOptions = { placement, compaction: { maxPagesPerCall: 64 } };
      const fast = new PageFrameManager(twoNodeMap(), opts);
      const slow = new PageFrameManager(twoNodeMap(), { ...opts, allocator: "linear-scan" });
      const rng = new Prng(`pfm-${placement}`);
      const live: [number, number][] = [];
      for (let i = 0; i < 3000; i++) {
        const r = rng.next();
        if (r < 0.15) {
          const n = rng.range(1, 4);
          const kind = rng.chance(0.8) ? "movable" : "unmovable";
          const hint = rng.int(P(16));
          expect(fast.allocatePages(n, { effort: "free-only", kind, hintPfn: hint })).toEqual(slow.allocatePages(n, { effort: "free-only", kind, hintPfn: hint }));
        } else if (r < 0.7) {
          const q: ContiguousPagesRequest = {
            pages: rng.range(1, 40),
            lowPfn: rng.chance(0.5) ? 0 : rng.int(P(16)),
            highPfn: P(16) - 1 - rng.int(P(8)),
            alignPages: rng.pick([1, 1, 4, 16]),
            boundaryPages: rng.pick([0, 0, 16, 64]),
            effort: rng.chance(0.3) ? "full" : "free-only",
            ...(rng.chance(0.5) ? { node: rng.int(2), nodePolicy: rng.chance(0.5) ? ("strict" as const) : ("preferred" as const) } : {}),
          };
          if (q.lowPfn > q.highPfn) continue;
          const a = fast.allocateContiguous(q);
          expect(a).toBe(slow.allocateContiguous(q));
          if (a >= 0) live.push([a, q.pages]);
        } else if (live.length > 0) {
          const [s, n] = live.splice(rng.int(live.length), 1)[0] as [number, number];
          fast.freeContiguous(s, n);
          slow.freeContiguous(s, n);
        }
      }
      expect(snapshot(fast)).toBe(snapshot(slow));
      // The stream exercises compaction (word-at-a-time bitmap updates on both allocators), not only free runs.
      expect(fast.stats.compactions).toBeGreaterThan(0);
    }
  });
});
