import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.ts";
import { type ContiguousRequest, type Placement } from "./contiguous-allocator.ts";
import { FastContiguousAllocator } from "./fast-contiguous-allocator.ts";
import { LinearScanAllocator } from "./linear-scan-allocator.ts";

const POW2 = [1, 2, 4, 8, 16, 32, 64, 128];

function randomRequest(rng: Prng, pageCount: number): ContiguousRequest {
  const pages = rng.chance(0.5) ? rng.range(1, 8) : rng.chance(0.8) ? rng.range(1, 64) : rng.range(1, pageCount);
  const lowPfn = rng.chance(0.5) ? 0 : rng.int(pageCount);
  const highPfn = rng.chance(0.3) ? pageCount - 1 + rng.int(3) * 1000 : lowPfn + rng.int(pageCount - lowPfn);
  const alignPages = rng.chance(0.5) ? 1 : rng.pick(POW2);
  const boundaryPages = rng.chance(0.5) ? 0 : rng.pick(POW2);
  const placement: Placement = rng.chance(0.5) ? "lowest" : "highest";
  return { pages, lowPfn, highPfn, alignPages, boundaryPages, placement };
}

/** Frames as ascending bitmap words and their masks (markUsedWords' form). */
function toWords(pfns: readonly number[]): { words: number[]; masks: Uint32Array } {
  const words: number[] = [];
  const masks: number[] = [];
  for (const p of [...pfns].sort((a, b) => a - b)) {
    if (words[words.length - 1] !== p >>> 5) {
      words.push(p >>> 5);
      masks.push(0);
    }
    masks[masks.length - 1] = ((masks[masks.length - 1] as number) | (1 << (p & 31))) >>> 0;
  }
  return { words, masks: Uint32Array.from(masks) };
}

/**
 * Runs one small machine: random occupancy patterns, allocations, frees and
 * queries, comparing every answer with the oracle. Returns the number of
 * find/allocate comparisons made.
 */
function runMachine(seed: number, ops: number): number {
  const rng = new Prng(seed);
  const pageCount = rng.chance(0.2) ? rng.range(1, 100) : rng.range(100, 1500);
  const leafShift = rng.pick([5, 6, 7, 9]);
  const fast = new FastContiguousAllocator(pageCount, { leafShift });
  const oracle = new LinearScanAllocator(pageCount);
  const live: [number, number][] = [];
  // Boot: mark some ranges free (RAM), leave holes.
  for (let p = 0; p < pageCount; ) {
    const len = Math.min(pageCount - p, rng.range(1, 400));
    if (rng.chance(0.8)) {
      fast.markFree(p, len);
      oracle.markFree(p, len);
    }
    p += len;
  }
  // Pin a fraction of single pages (the fragmenting background).
  const pinned = rng.pick([0, 0.01, 0.05, 0.3, 0.6]);
  for (let p = 0; p < pageCount; p++) {
    if (oracle.isFree(p) && rng.chance(pinned)) {
      fast.markUsed(p, 1);
      oracle.markUsed(p, 1);
    }
  }
  let compared = 0;
  for (let i = 0; i < ops; i++) {
    const r = rng.next();
    if (r < 0.55) {
      const req = randomRequest(rng, pageCount);
      const a = oracle.allocate(req);
      const b = fast.allocate(req);
      compared++;
      if (a !== b) throw new Error(`seed ${seed} op ${i}: ${JSON.stringify(req)} oracle ${a} fast ${b}`);
      if (a >= 0) live.push([a, req.pages]);
    } else if (r < 0.85) {
      if (live.length === 0) continue;
      const k = rng.int(live.length);
      const [s, n] = live[k] as [number, number];
      live[k] = live[live.length - 1] as [number, number];
      live.pop();
      oracle.markFree(s, n);
      fast.markFree(s, n);
    } else if (r < 0.88) {
      // Scattered single frames, as compaction moves them.
      const picks = new Set<number>();
      for (let k = rng.range(1, 40); k > 0; k--) {
        const p = rng.int(pageCount);
        if (oracle.isFree(p)) picks.add(p);
      }
      const list = [...picks];
      if (rng.chance(0.5)) {
        oracle.markUsedMany(list);
        fast.markUsedMany(list);
      } else {
        // The same frames a word at a time, as compaction names them.
        const { words, masks } = toWords(list);
        oracle.markUsedWords(words, masks, words.length);
        fast.markUsedWords(words, masks, words.length);
      }
      if (rng.chance(0.5)) {
        if (rng.chance(0.5)) {
          oracle.markFreeMany(list.reverse());
          fast.markFreeMany(list);
        } else {
          const { words, masks } = toWords(list);
          oracle.markFreeWords(words, masks, words.length);
          fast.markFreeWords(words, masks, words.length);
        }
      } else for (const p of list) live.push([p, 1]);
    } else if (r < 0.95) {
      const req = randomRequest(rng, pageCount);
      compared++;
      const a = oracle.find(req);
      const b = fast.find(req);
      if (a !== b) throw new Error(`seed ${seed} op ${i}: find ${JSON.stringify(req)} oracle ${a} fast ${b}`);
    } else {
      const lo = rng.int(pageCount);
      const hi = lo + rng.int(pageCount - lo);
      if (oracle.largestFreeRun(lo, hi) !== fast.largestFreeRun(lo, hi)) throw new Error(`seed ${seed}: largestFreeRun(${lo}, ${hi})`);
      if (oracle.nextFree(lo) !== fast.nextFree(lo)) throw new Error(`seed ${seed}: nextFree(${lo})`);
      if (oracle.countFree(lo, hi + 1) !== fast.countFree(lo, hi + 1)) throw new Error(`seed ${seed}: countFree(${lo}, ${hi + 1})`);
    }
    if (oracle.freePages !== fast.freePages) throw new Error(`seed ${seed} op ${i}: freePages ${oracle.freePages} vs ${fast.freePages}`);
  }
  return compared;
}

describe("FastContiguousAllocator equals the linear-scan oracle", () => {
  it("returns exactly the oracle's answer on at least 100,000 seeded random cases (allocations, frees, every constraint)", () => {
    let compared = 0;
    let seed = 1;
    while (compared < 100_000) compared += runMachine(seed++, 1500);
    expect(compared).toBeGreaterThanOrEqual(100_000);
  });

  it("agrees on a large machine where runs span many tree levels", () => {
    const pageCount = 1 << 20;
    const fast = new FastContiguousAllocator(pageCount);
    const oracle = new LinearScanAllocator(pageCount);
    fast.markFree(0, pageCount);
    oracle.markFree(0, pageCount);
    const rng = new Prng("large");
    for (let i = 0; i < 2000; i++) {
      const p = rng.int(pageCount);
      if (oracle.isFree(p)) {
        oracle.markUsed(p, 1);
        fast.markUsed(p, 1);
      }
    }
    for (let i = 0; i < 300; i++) {
      const req: ContiguousRequest = { pages: rng.range(1, 2048), lowPfn: rng.int(pageCount / 2), highPfn: pageCount - 1 - rng.int(pageCount / 2), alignPages: rng.pick([1, 16, 512]), boundaryPages: rng.pick([0, 16, 4096]), placement: rng.chance(0.5) ? "lowest" : "highest" };
      expect(fast.find(req)).toBe(oracle.find(req));
    }
  });

  it("an impossible request is rejected from the root summary without scanning", () => {
    const fast = new FastContiguousAllocator(1 << 16);
    fast.markFree(0, 1 << 16);
    for (let p = 99; p < 1 << 16; p += 100) fast.markUsed(p, 1);
    expect(fast.largestFreeRun(0, (1 << 16) - 1)).toBe(99);
    expect(fast.find({ pages: 100, lowPfn: 0, highPfn: (1 << 16) - 1, alignPages: 1, boundaryPages: 0, placement: "lowest" })).toBe(-1);
  });
  it("a bulk edit (beginBulk, flip free bits, endBulk) leaves the same answers as the same flips through markUsed/markFree, on the fast allocator and the oracle", () => {
    const rng = new Prng(77);
    for (const leafShift of [5, 6, 8]) {
      const pageCount = 5000 + rng.int(3000);
      const stepwise = new FastContiguousAllocator(pageCount, { leafShift });
      const bulk = new FastContiguousAllocator(pageCount, { leafShift });
      const oracle = new LinearScanAllocator(pageCount);
      for (const a of [stepwise, bulk, oracle]) a.markFree(0, pageCount);
      for (let round = 0; round < 4; round++) {
        const bits = bulk.beginBulk();
        const oracleBits = oracle.beginBulk();
        let delta = 0;
        for (let i = 0; i < 1500; i++) {
          const p = rng.int(pageCount);
          const m = 1 << (p & 31);
          if (stepwise.isFree(p)) stepwise.markUsed(p, 1);
          else stepwise.markFree(p, 1);
          const wasFree = ((bits[p >>> 5] as number) & m) !== 0;
          bits[p >>> 5] = (bits[p >>> 5] as number) ^ m;
          oracleBits[p >>> 5] = (oracleBits[p >>> 5] as number) ^ m;
          delta += wasFree ? -1 : 1;
        }
        bulk.endBulk(delta);
        oracle.endBulk(delta);
        expect(bulk.freePages).toBe(stepwise.freePages);
        expect(oracle.freePages).toBe(stepwise.freePages);
        expect(bulk.largestFreeRun(0, pageCount - 1)).toBe(stepwise.largestFreeRun(0, pageCount - 1));
        for (let q = 0; q < 300; q++) {
          const req = randomRequest(rng, pageCount);
          expect(bulk.find(req)).toBe(stepwise.find(req));
          expect(oracle.find(req)).toBe(stepwise.find(req));
        }
      }
      expect(() => bulk.endBulk(0)).toThrow(/no bulk edit is open/);
      bulk.beginBulk();
      expect(() => bulk.beginBulk()).toThrow(/already open/);
    }
  });
});
