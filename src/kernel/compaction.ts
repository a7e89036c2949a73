import { PAGE_SIZE } from "../core/address.ts";
import type { PhysicalMemory } from "../machine/physical-memory.ts";
import * as bits from "./alloc/bits.ts";
import type { ContiguousAllocator, ContiguousRequest } from "./alloc/contiguous-allocator.ts";
import * as fit from "./alloc/fit.ts";

/**
 * Compaction for contiguous requests at IRQL <= APC_LEVEL, after Linux's
 * mm/compaction.c: a window whose frames are all free or movable is emptied by
 * migrating its movable pages to the highest free frames outside it (Linux's
 * free scanner works down from the top of the zone). Frames that are
 * unmovable, contiguous or not RAM make a window hopeless; the scan skips
 * them a word at a time (the cheap pre-check that avoids the "try to evacuate
 * a hopeless region" trap), and the number of candidate windows and the pages
 * one call may migrate are capped.
 */

/** Empty bitmap words the free scanner reads before it asks the tree for the next free frame. */
const EMPTY_WORDS_BEFORE_JUMP = 4;

// Local bindings: under loaders that compile to CommonJS (tsx) imported bindings are getter calls.
const { countBitsIn, ctz32 } = bits;
const { firstValidStart, lastValidStart } = fit;

export interface Candidate {
  readonly start: number;
  /** Movable pages inside the window (what must be migrated). */
  readonly movable: number;
}

export interface WindowSearch {
  readonly window: Candidate | undefined;
  /** Candidate windows evaluated. */
  readonly candidates: number;
  /** Page frames the scanner looked at (charged to simulated time). */
  readonly scannedPages: number;
}

/**
 * The first window (in req.placement order) inside [req.lowPfn, req.highPfn]
 * that satisfies alignment and boundary, holds only free or movable frames,
 * needs at most `maxMigrate` migrations, and leaves enough free frames outside
 * it to take those migrations. Evaluates at most `maxCandidates` windows.
 */
export function findCompactionWindow(alloc: ContiguousAllocator, movable: Uint32Array, req: ContiguousRequest, maxMigrate: number, maxCandidates: number): WindowSearch {
  const n = req.pages;
  const lo = req.lowPfn;
  const end = Math.min(req.highPfn, alloc.pageCount - 1) + 1;
  let candidates = 0;
  let scanned = 0;
  if (end - lo < n || (req.boundaryPages !== 0 && n > req.boundaryPages)) return { window: undefined, candidates, scannedPages: scanned };
  const clean = (w: number): number => (alloc.freeWord(w) | (movable[w] ?? 0)) >>> 0;
  const tryWindow = (s: number): Candidate | undefined => {
    candidates++;
    const mov = countBitsIn(movable, s, s + n);
    if (mov === 0 || mov > maxMigrate) return undefined;
    const freeInside = alloc.countFree(s, s + n);
    if (alloc.freePages - freeInside < mov) return undefined;
    return { start: s, movable: mov };
  };
  if (req.placement === "lowest") {
    let pos = lo;
    while (candidates < maxCandidates) {
      const a = scanUp(clean, pos, end, true);
      scanned += a.scanned;
      if (a.pfn < 0) break;
      const s = firstValidStart(a.pfn, n, req.alignPages, req.boundaryPages);
      if (s < 0 || s + n > end) break;
      // Only the window itself is examined, never the rest of a long clean run.
      scanned += n;
      const u = lastUnclean(clean, s, s + n);
      if (u >= 0) {
        pos = u + 1;
        continue;
      }
      const c = tryWindow(s);
      if (c !== undefined) return { window: c, candidates, scannedPages: scanned };
      pos = s + 1;
    }
  } else {
    let pos = end; // windows must end at or below pos
    while (candidates < maxCandidates) {
      const b = scanDown(clean, pos, lo, true);
      scanned += b.scanned;
      if (b.pfn < 0) break;
      const s = lastValidStart(b.pfn + 1 - n, n, req.alignPages, req.boundaryPages);
      if (s < lo) break;
      scanned += n;
      const u = firstUnclean(clean, s, s + n);
      if (u >= 0) {
        pos = u;
        continue;
      }
      const c = tryWindow(s);
      if (c !== undefined) return { window: c, candidates, scannedPages: scanned };
      pos = s + n - 1;
    }
  }
  return { window: undefined, candidates, scannedPages: scanned };
}

/** Highest frame in [a, b) whose clean bit is 0 (unmovable, contiguous or not RAM), or -1. */
function lastUnclean(word: (w: number) => number, a: number, b: number): number {
  for (let w = (b - 1) >>> 5; w >= a >>> 5; w--) {
    let x = ~word(w);
    const base = w * 32;
    if (base + 32 > b) x &= (1 << (b - base)) - 1;
    if (base < a) x &= ~((1 << (a - base)) - 1);
    if (x !== 0) return base + 31 - Math.clz32(x);
  }
  return -1;
}

/** Lowest frame in [a, b) whose clean bit is 0, or -1. */
function firstUnclean(word: (w: number) => number, a: number, b: number): number {
  for (let w = a >>> 5; w * 32 < b; w++) {
    let x = ~word(w);
    const base = w * 32;
    if (base < a) x &= ~((1 << (a - base)) - 1);
    if (base + 32 > b) x &= (1 << (b - base)) - 1;
    if (x !== 0) return base + ctz32(x);
  }
  return -1;
}

/** First frame in [from, end) whose bit equals `want`, or -1; with the frames looked at. */
function scanUp(word: (w: number) => number, from: number, end: number, want: boolean): { pfn: number; scanned: number } {
  let w = Math.floor(from / 32);
  const last = Math.floor((end - 1) / 32);
  let scanned = 0;
  const off = from & 31;
  let x = (want ? word(w) : ~word(w)) & (off === 0 ? 0xffffffff : ~((1 << off) - 1));
  for (;;) {
    scanned += 32;
    if (x !== 0) {
      const p = w * 32 + ctz32(x);
      return { pfn: p < end ? p : -1, scanned };
    }
    if (++w > last) return { pfn: -1, scanned };
    x = want ? word(w) : ~word(w);
  }
}

/** Highest frame in [lo, top) whose bit equals `want`, or -1. */
function scanDown(word: (w: number) => number, top: number, lo: number, want: boolean): { pfn: number; scanned: number } {
  if (top <= lo) return { pfn: -1, scanned: 0 };
  let w = Math.floor((top - 1) / 32);
  const first = Math.floor(lo / 32);
  let scanned = 0;
  const keep = (top - 1) & 31; // keep bits 0..keep
  let x = (want ? word(w) : ~word(w)) & (keep === 31 ? 0xffffffff : (1 << (keep + 1)) - 1);
  for (;;) {
    scanned += 32;
    if (x !== 0) {
      const p = w * 32 + 31 - Math.clz32(x);
      return { pfn: p >= lo ? p : -1, scanned };
    }
    if (--w < first) return { pfn: -1, scanned };
    x = want ? word(w) : ~word(w);
  }
}

/**
 * Empty [start, start + pages) by moving each movable page in it to the
 * highest free frames outside it (below it when nothing is free above),
 * copying contents when `memory` is given. Sources and targets are paired in
 * ascending order on both sides, so every run of pages contiguous in both is
 * one copy (PhysicalMemory.copyPages: one typed-array copy per backed
 * stretch); a page never written (fresh) is not copied, its target is marked
 * fresh, and when the window and the span of the targets were never written
 * at all nothing is copied or marked (pattern onto pattern). Sources and
 * targets are kept as bitmap words and masks and every bitmap changes a word
 * at a time, so when no bytes move the cost is per bitmap word, not per
 * page; frame lists are built only for the pages whose bytes move. The
 * caller has checked (findCompactionWindow) that the window holds only free
 * and movable frames and that enough free frames exist outside it; otherwise
 * this throws a RangeError and changes nothing. Returns the number of pages
 * migrated.
 */
export function compactWindow(alloc: ContiguousAllocator, movable: Uint32Array, start: number, pages: number, memory: PhysicalMemory | undefined): number {
  const end = start + pages;
  const firstWord = start >>> 5;
  const lastWord = (end - 1) >>> 5;
  const maskOf = (w: number): number => {
    let m = -1;
    const base = w * 32;
    if (base < start) m &= ~((1 << (start - base)) - 1);
    if (base + 32 > end) m &= (1 << (end - base)) - 1;
    return m;
  };
  // The sources: the window's movable bits, word by word.
  const srcWords = (scratch.srcWords = grown(scratch.srcWords, lastWord - firstWord + 1));
  const srcMasks = (scratch.srcMasks = grown(scratch.srcMasks, lastWord - firstWord + 1));
  let ns = 0;
  let count = 0;
  for (let w = firstWord; w <= lastWord; w++) {
    const m = (movable[w] ?? 0) & maskOf(w);
    if (m === 0) continue;
    srcWords[ns] = w;
    srcMasks[ns++] = m;
    count += popcount32(m);
  }
  // The targets: at most one word per page, highest first.
  const tWords = (scratch.tWords = grown(scratch.tWords, count));
  const tMasks = (scratch.tMasks = grown(scratch.tMasks, count));
  const h = freeWordsOutside(alloc, start, end, count, tWords, tMasks);
  if (h.pages < count) throw new RangeError(`compaction: no free page frame outside [${start}, ${end}) to migrate into (${count} needed, ${h.pages} found)`);
  const nt = h.words;
  // Harvested highest first, above the window and then below it: reversed, ascending.
  for (let i = 0, j = nt - 1; i < j; i++, j--) {
    const w = tWords[i] as number;
    const m = tMasks[i] as number;
    tWords[i] = tWords[j] as number;
    tMasks[i] = tMasks[j] as number;
    tWords[j] = w;
    tMasks[j] = m;
  }
  if (memory !== undefined && count > 0) {
    const t0 = (tWords[0] as number) * 32 + ctz32(tMasks[0] as number);
    const tLast = (tWords[nt - 1] as number) * 32 + 31 - Math.clz32(tMasks[nt - 1] as number);
    const untouched = memory.isFresh(start * PAGE_SIZE, pages * PAGE_SIZE) && memory.isFresh(t0 * PAGE_SIZE, (tLast - t0 + 1) * PAGE_SIZE);
    if (!untouched) copyRuns(memory, framesOf(srcWords, srcMasks, ns, count), framesOf(tWords, tMasks, nt, count));
  }
  // Every movable frame of the window is a source: its bits clear a word at a time.
  for (let w = firstWord; w <= lastWord; w++) movable[w] = ((movable[w] ?? 0) & ~maskOf(w)) >>> 0;
  for (let i = 0; i < nt; i++) {
    const w = tWords[i] as number;
    movable[w] = ((movable[w] as number) | (tMasks[i] as number)) >>> 0;
  }
  alloc.markUsedWords(tWords, tMasks, nt);
  alloc.markFreeWords(srcWords, srcMasks, ns);
  return count;
}

/** Word and mask lists reused from call to call (compaction is never re-entered); grown as needed. */
const scratch: { srcWords: Int32Array; srcMasks: Int32Array; tWords: Int32Array; tMasks: Int32Array } = { srcWords: new Int32Array(64), srcMasks: new Int32Array(64), tWords: new Int32Array(64), tMasks: new Int32Array(64) };

function grown(a: Int32Array, n: number): Int32Array {
  return a.length >= n ? a : new Int32Array(Math.max(n, 2 * a.length));
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The frames named by words[0..n) and their masks, ascending (`count` of them): only for pages whose bytes move. */
function framesOf(words: Int32Array, masks: Int32Array, n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const base = (words[i] as number) * 32;
    let m = masks[i] as number;
    while (m !== 0) {
      out[k++] = base + ctz32(m);
      m &= m - 1;
    }
  }
  return out;
}

/**
 * Copy page src[i] to page dst[i] for every i (both ascending), one
 * PhysicalMemory.copy per run that is contiguous on both sides
 * (PhysicalMemory.copyPages). Returns the number of copies made.
 */
export function copyRuns(memory: PhysicalMemory, src: ArrayLike<number>, dst: ArrayLike<number>): number {
  return memory.copyPages(dst, src, Math.min(src.length, dst.length));
}

/**
 * The `count` highest free frames outside [start, end): those above the
 * window first, then the highest below it (Linux's free scanner works down
 * from the top), as bitmap words (highest first) and the masks of the frames
 * taken in each, into outWords / outMasks. The free bitmap is read a word at
 * a time going down; after a few empty words the tree jumps to the next free
 * frame, so sparse and dense free memory both cost about the words taken.
 * Returns how many words and pages were taken.
 */
function freeWordsOutside(alloc: ContiguousAllocator, start: number, end: number, count: number, outWords: Int32Array, outMasks: Int32Array): { words: number; pages: number } {
  let n = 0;
  let words = 0;
  const take = (w: number, bits: number): void => {
    let c = popcount32(bits);
    // The last word holds more than is needed: keep its highest frames.
    while (c > count - n) {
      bits &= bits - 1;
      c--;
    }
    n += c;
    // A word holding both ends of the window is met above it and again below it: one entry.
    if (words > 0 && outWords[words - 1] === w) outMasks[words - 1] = (outMasks[words - 1] as number) | bits;
    else {
      outWords[words] = w;
      outMasks[words++] = bits;
    }
  };
  const harvest = (lo: number, hi: number): void => {
    const loWord = lo >>> 5;
    // Bits of a word outside [lo, hi] do not count.
    const clip = (w: number, bits: number): number => (w === loWord ? bits & ~((1 << (lo & 31)) - 1) : bits);
    let w = hi >>> 5;
    let bits = alloc.freeWord(w) & ((hi & 31) === 31 ? -1 : (1 << ((hi & 31) + 1)) - 1);
    let empty = 0;
    while (n < count && w >= loWord) {
      bits = clip(w, bits);
      if (bits === 0) {
        if (++empty >= EMPTY_WORDS_BEFORE_JUMP) {
          // A long used stretch: let the tree find the next free frame below.
          const t = w * 32 - 1 < lo ? -1 : alloc.find({ pages: 1, lowPfn: lo, highPfn: w * 32 - 1, alignPages: 1, boundaryPages: 0, placement: "highest" });
          if (t < 0) return;
          w = t >>> 5;
          bits = alloc.freeWord(w) & ((t & 31) === 31 ? -1 : (1 << ((t & 31) + 1)) - 1);
          empty = 0;
          continue;
        }
      } else {
        empty = 0;
        take(w, bits);
      }
      if (w === 0) return;
      w--;
      bits = alloc.freeWord(w);
    }
  };
  if (end <= alloc.pageCount - 1) harvest(end, alloc.pageCount - 1);
  if (start > 0 && n < count) harvest(0, start - 1);
  return { words, pages: n };
}
