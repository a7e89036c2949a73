import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { setBits } from "./alloc/bits.ts";
import { type ContiguousRequest, type Placement, startFits } from "./alloc/contiguous-allocator.ts";
import { FastContiguousAllocator } from "./alloc/fast-contiguous-allocator.ts";
import { PhysicalMemory } from "../machine/physical-memory.ts";
import { compactWindow, copyRuns, findCompactionWindow } from "./compaction.ts";

/** A machine of `pageCount` frames where each frame is free (F), movable (M) or pinned (P). */
function build(pattern: string): { alloc: FastContiguousAllocator; movable: Uint32Array } {
  const alloc = new FastContiguousAllocator(pattern.length);
  const movable = new Uint32Array(Math.ceil(pattern.length / 32));
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "F") alloc.markFree(i, 1);
    if (pattern[i] === "M") setBits(movable, i, i + 1);
  }
  return { alloc, movable };
}

function request(pages: number, lowPfn: number, highPfn: number, placement: Placement, alignPages = 1, boundaryPages = 0): ContiguousRequest {
  return { pages, lowPfn, highPfn, alignPages, boundaryPages, placement };
}

/** The obvious answer: scan every start in placement order. */
function bruteForce(pattern: string, req: ContiguousRequest, maxMigrate: number): number {
  const free = [...pattern].filter((c) => c === "F").length;
  const starts: number[] = [];
  for (let s = req.lowPfn; s + req.pages - 1 <= Math.min(req.highPfn, pattern.length - 1); s++) starts.push(s);
  if (req.placement === "highest") starts.reverse();
  for (const s of starts) {
    if (!startFits(s, req)) continue;
    const w = pattern.slice(s, s + req.pages);
    if (w.includes("P")) continue;
    const mov = [...w].filter((c) => c === "M").length;
    const freeIn = req.pages - mov;
    if (mov === 0 || mov > maxMigrate || free - freeIn < mov) continue;
    return s;
  }
  return -1;
}

describe("compaction window search", () => {
  it("skips windows containing a pinned frame", () => {
    const { alloc, movable } = build("MMPMMMMFFFFF");
    expect(findCompactionWindow(alloc, movable, request(4, 0, 11, "lowest"), 100, 100).window?.start).toBe(3);
  });

  it("prefers the highest window with placement 'highest'", () => {
    const { alloc, movable } = build("MMMMPMFMMFFFFPMM");
        // [10, 13) is already free (that is the free search's job, not compaction's); [8, 11) needs one migration.
    expect(findCompactionWindow(alloc, movable, request(3, 0, 15, "highest"), 100, 100).window?.start).toBe(8);
  });

  it("a window needing more migrations than the cap is skipped", () => {
    const { alloc, movable } = build("MMMMPFMFMFFFFFFF");
    expect(findCompactionWindow(alloc, movable, request(4, 0, 8, "lowest"), 2, 100).window?.start).toBe(5);
  });

  it("needs enough free frames outside the window to take the migrations", () => {
    const { alloc, movable } = build("MMMMF");
    expect(findCompactionWindow(alloc, movable, request(4, 0, 4, "lowest"), 100, 100).window).toBeUndefined();
  });

  it("gives up after maxCandidates windows", () => {
    const { alloc, movable } = build("MPMPMPMPMPMPFFFF");
    const r = findCompactionWindow(alloc, movable, request(1, 0, 15, "lowest"), 100, 3);
    expect(r.window?.start).toBe(0);
    const r2 = findCompactionWindow(build("PPPPPPPPPPPPFFFF").alloc, build("PPPPPPPPPPPPFFFF").movable, request(2, 0, 15, "lowest"), 100, 3);
    expect(r2.window).toBeUndefined();
  });

  it("agrees with a brute-force scan on random machines, constraints and placements", () => {
    const rng = new Prng("compaction");
    for (let t = 0; t < 3000; t++) {
      const n = rng.range(8, 200);
      let pattern = "";
      const pPinned = rng.pick([0, 0.02, 0.1, 0.3]);
      const pFree = rng.pick([0.05, 0.2, 0.5]);
      for (let i = 0; i < n; i++) pattern += rng.chance(pPinned) ? "P" : rng.chance(pFree) ? "F" : "M";
      const { alloc, movable } = build(pattern);
      const low = rng.int(n);
      const req = request(rng.range(1, 20), low, low + rng.int(n - low), rng.chance(0.5) ? "lowest" : "highest", rng.pick([1, 1, 2, 4, 8]), rng.pick([0, 0, 8, 16, 32]));
      const cap = rng.pick([1, 4, 100]);
      const got = findCompactionWindow(alloc, movable, req, cap, 1_000_000).window?.start ?? -1;
      expect(got, `${pattern} ${JSON.stringify(req)} cap ${cap}`).toBe(bruteForce(pattern, req, cap));
    }
  });
});

const PAGE = 4096;

describe("compactWindow", () => {
  it("moves each movable page in the window to the highest free frame outside it", () => {
    const { alloc, movable } = build("MFMMFFPFFF");
    expect(compactWindow(alloc, movable, 0, 4, undefined)).toBe(3);
    for (let p = 0; p < 4; p++) expect(alloc.isFree(p)).toBe(true);
    // Targets: 9, 8, 7 (the highest free frames).
    expect(movable[0]).toBe((1 << 9) | (1 << 8) | (1 << 7));
    expect(alloc.freePages).toBe(6 - 3 + 3);
  });

  it("falls back to free frames below the window when none are above", () => {
    const { alloc, movable } = build("FFFPMM");
    expect(compactWindow(alloc, movable, 4, 2, undefined)).toBe(2);
    expect(alloc.isFree(0)).toBe(true);
    expect(alloc.isFree(1)).toBe(false);
    expect(alloc.isFree(2)).toBe(false);
    expect(movable[0]).toBe(0b110);
  });

  it("carries each page's bytes to its target, pairing sources and targets in ascending order", () => {
    const { alloc, movable } = build("MMFMFFFFFF");
    const mem = new PhysicalMemory(10 * PAGE);
    for (const [pfn, v] of [[0, 10], [1, 11], [3, 13]] as const) mem.fill(pfn * PAGE, PAGE, v);
    expect(compactWindow(alloc, movable, 0, 4, mem)).toBe(3);
    // Targets 7, 8, 9 take sources 0, 1, 3 in order.
    expect([7, 8, 9].map((p) => mem.readU8(p * PAGE + 100))).toEqual([10, 11, 13]);
  });

  it("copies a run of pages contiguous on both sides with one copy, not one per page", () => {
    const { alloc, movable } = build("MMMMMMMMFFFFFFFFFFFF");
    const mem = new PhysicalMemory(20 * PAGE);
    mem.fill(0, 8 * PAGE, 0x5a);
    const copies: number[] = [];
    const copy = mem.copy.bind(mem);
    mem.copy = (d: number, s: number, n: number): void => {
      copies.push(n);
      copy(d, s, n);
    };
    expect(compactWindow(alloc, movable, 0, 8, mem)).toBe(8);
    expect(copies).toEqual([8 * PAGE]);
    expect(mem.readU8(19 * PAGE + 4095)).toBe(0x5a);
  });

  it("copyRuns makes one copy per run contiguous on both sides", () => {
    const mem = new PhysicalMemory(64 * PAGE);
    expect(copyRuns(mem, [1, 2, 3, 5, 6, 9], [20, 21, 22, 30, 32, 33])).toBe(4);
  });

  it("never copies pages never written: their targets read as the fill pattern by mark, even over stale bytes", () => {
    const { alloc, movable } = build("MMMMFFFF");
    const mem = new PhysicalMemory(8 * PAGE);
    // The targets held someone's data before they were freed; the sources were never written.
    mem.fill(4 * PAGE, 4 * PAGE, 0x77);
    const written = mem.writtenBytes;
    compactWindow(alloc, movable, 0, 4, mem);
    expect(mem.isFresh(4 * PAGE, 4 * PAGE)).toBe(true);
    expect(mem.readU32(5 * PAGE)).toBe(0xdeadbeef);
    expect(mem.writtenBytes).toBe(written - 4 * PAGE);
  });

  it("makes no copy at all when neither the window nor the targets' span was ever written (pattern onto pattern)", () => {
    const { alloc, movable } = build("MFMFMMFFFFFFFFFF");
    const mem = new PhysicalMemory(16 * PAGE);
    let copies = 0;
    const copy = mem.copy.bind(mem);
    mem.copy = (d: number, s: number, n: number): void => {
      copies++;
      copy(d, s, n);
    };
    expect(compactWindow(alloc, movable, 0, 6, mem)).toBe(4);
    expect(copies).toBe(0);
    expect(mem.backedBytes).toBe(0);
    expect(mem.isFresh(0, 16 * PAGE)).toBe(true);
  });

  it("takes exactly the highest free frames above the window, then the highest below, on seeded random machines", () => {
    const rng = new Prng("compaction-targets");
    for (let t = 0; t < 400; t++) {
      const n = rng.range(64, 3000);
      const pFree = rng.pick([0.01, 0.1, 0.5, 0.9]);
      let pattern = "";
      for (let i = 0; i < n; i++) pattern += rng.chance(pFree) ? "F" : rng.chance(0.2) ? "P" : "M";
      const len = rng.range(1, 64);
      const start = rng.int(n - len);
      // The window holds only free and movable frames.
      const chars = [...pattern];
      for (let i = start; i < start + len; i++) if (chars[i] === "P") chars[i] = "M";
      pattern = chars.join("");
      const { alloc, movable } = build(pattern);
      const need = [...pattern.slice(start, start + len)].filter((c) => c === "M").length;
      const above = [...pattern].map((c, i) => (c === "F" && i >= start + len ? i : -1)).filter((i) => i >= 0).reverse();
      const below = [...pattern].map((c, i) => (c === "F" && i < start ? i : -1)).filter((i) => i >= 0).reverse();
      const want = [...above, ...below].slice(0, need).sort((x, y) => x - y);
      if (want.length < need) continue;
      compactWindow(alloc, movable, start, len, undefined);
      const got: number[] = [];
      for (let i = 0; i < n; i++) if (pattern[i] === "F" && ((movable[i >>> 5] as number) >>> (i & 31)) & 1) got.push(i);
      expect(got, `${pattern} window ${start}+${len}`).toEqual(want);
    }
  });

  it("changes the allocator's bitmap a word at a time: one call per side, one entry per bitmap word, never one per page", () => {
    // Every 4th frame free over 4096 frames; the window [0, 256) holds 192 movable pages.
    const pattern = Array.from({ length: 4096 }, (_, i) => (i % 4 === 0 ? "F" : "M")).join("");
    const { alloc, movable } = build(pattern);
    const calls: { what: string; count: number; pages: number }[] = [];
    for (const what of ["markUsedWords", "markFreeWords"] as const) {
      const real = alloc[what].bind(alloc);
      alloc[what] = (words, masks, count): void => {
        let pages = 0;
        for (let i = 0; i < count; i++) for (let m = (masks[i] as number) | 0; m !== 0; m &= m - 1) pages++;
        calls.push({ what, count, pages });
        real(words, masks, count);
      };
    }
    const perPage = (): void => {
      throw new Error("compaction must name frames by word, not page by page");
    };
    alloc.markUsedMany = perPage;
    alloc.markFreeMany = perPage;
    expect(compactWindow(alloc, movable, 0, 256, undefined)).toBe(192);
    // Targets: the 192 highest free frames, 8 to a word (24 words); sources: 8 words of 24 pages.
    expect(calls).toEqual([
      { what: "markUsedWords", count: 24, pages: 192 },
      { what: "markFreeWords", count: 8, pages: 192 },
    ]);
    expect(alloc.countFree(0, 256)).toBe(256);
    expect(alloc.countFree(4096 - 768, 4096)).toBe(0);
  });

  it("throws a RangeError if there is nowhere to put a page (a caller bug)", () => {
    const { alloc, movable } = build("MMF");
    expect(() => compactWindow(alloc, movable, 0, 3, undefined)).toThrow(/no free page frame outside \[0, 3\)/);
  });
});
