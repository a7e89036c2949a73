import * as bits from "./bits.ts";
import * as contiguous from "./contiguous-allocator.ts";
import type { ContiguousAllocator, ContiguousRequest } from "./contiguous-allocator.ts";
import * as fit from "./fit.ts";

// Module-local bindings for the hot helpers: under loaders that compile modules to CommonJS
// (tsx), every use of an imported binding is a property getter call; locals are not.
const { countBitsIn, clearBits, ctz32, popcount32, setBits } = bits;
const { firstValidStart, lastValidStart } = fit;
const { validatePfn, validateRange, validateRequest, validateWords } = contiguous;

/**
 * The fast contiguous allocator: a free bitmap (1 bit per frame, 1 = free)
 * and a segment tree over fixed-size leaves of the bitmap. Every tree node
 * keeps the free run at its start (prefix), at its end (suffix) and the longest
 * free run inside it, so:
 *
 * - "no run of n pages anywhere" is one look at the root (O(1));
 * - the lowest window of n free pages at or after a position is one climb and
 *   one descent, carrying the free run that ends where the walk is (O(log N)
 *   plus a few words at the leaves); the highest window is the mirror image;
 * - alignment and boundary are applied in closed form on the window found
 *   (fit.ts); if the aligned window is not all free, the search restarts just
 *   past its last used frame. Every start skipped that way provably fails
 *   (it is unaligned, crosses the boundary, or contains that used frame), so
 *   nothing that fits is ever skipped — the trap Linux's vmalloc augmented
 *   tree fell into. No start position is cached between calls.
 *
 * Leaves hold 2^leafShift frames (64 for machines up to 2^26 frames, larger
 * above so that the tree stays <= 2^21 nodes): at 2^24 frames the metadata is
 * 2 MiB of bitmap + 6 MiB of tree = 0.5 byte per frame.
 */
export class FastContiguousAllocator implements ContiguousAllocator {
  readonly pageCount: number;
  /** log2 of frames per leaf (default 6, or more on very large machines; 5..16 allowed). */
  readonly leafShift: number;
  private readonly leafWords: number;
  private readonly leafCount: number;
  private readonly leafDepth: number;
  private readonly bits: Uint32Array;
  /** Per node i: [3i] prefix, [3i+1] suffix, [3i+2] longest free run (frames). */
  private readonly sum: Int32Array;
  private nFree = 0;
  /** Run carried out of the last leaf scan (avoids allocating a result object). */
  private carry = 0;
  /** A bulk edit is open (beginBulk): the tree is stale until endBulk. */
  private inBulk = false;
  /** markUsedWords / markFreeWords' list of leaves to recompute, reused between calls. */
  private leafScratch = new Int32Array(64);

  constructor(pageCount: number, options: { leafShift?: number } = {}) {
    if (!Number.isSafeInteger(pageCount) || pageCount < 1 || pageCount > 2 ** 31) throw new RangeError(`pageCount must be a whole number in [1, 2^31], got ${pageCount}`);
    const bitsNeeded = Math.ceil(Math.log2(Math.max(pageCount, 64)));
    const leafShift = options.leafShift ?? Math.max(6, bitsNeeded - 20);
    if (!Number.isInteger(leafShift) || leafShift < 5 || leafShift > 16) throw new RangeError(`leafShift must be a whole number in [5, 16], got ${leafShift}`);
    this.pageCount = pageCount;
    this.leafShift = leafShift;
    this.leafWords = 1 << (leafShift - 5);
    const leaves = Math.ceil(pageCount / (1 << leafShift));
    this.leafDepth = Math.ceil(Math.log2(Math.max(leaves, 1)));
    this.leafCount = 1 << this.leafDepth;
    this.bits = new Uint32Array(leaves * this.leafWords);
    this.sum = new Int32Array(2 * this.leafCount * 3);
  }

  get freePages(): number {
    return this.nFree;
  }

  get metadataBytes(): number {
    return this.bits.byteLength + this.sum.byteLength;
  }

  /** Whether frame `pfn` is free. */
  isFree(pfn: number): boolean {
    if (!(pfn >= 0 && pfn < this.pageCount)) return false;
    return (((this.bits[pfn >>> 5] as number) >>> (pfn & 31)) & 1) === 1;
  }

  freeWord(index: number): number {
    return (this.bits[index] ?? 0) >>> 0;
  }

  countFree(startPfn: number, endPfn: number): number {
    validatePfn(startPfn, "countFree: startPfn");
    validatePfn(endPfn, "countFree: endPfn");
    const s = Math.max(0, startPfn);
    const e = Math.min(endPfn, this.pageCount);
    return s < e ? countBitsIn(this.bits, s, e) : 0;
  }

  find(req: ContiguousRequest): number {
    validateRequest(req, this.pageCount);
    return this.findValid(req);
  }

  /**
   * find() for a request the caller has already validated (PageFrameManager
   * checks every field before it searches, once per call rather than once per
   * node range).
   */
  findValid(req: ContiguousRequest): number {
    const n = req.pages;
    const lo = req.lowPfn;
    const limit = Math.min(req.highPfn, this.pageCount - 1) + 1; // windows must end at or below
    if (lo + n > limit) return -1;
    if ((this.sum[5] as number) < n) return -1; // root longest run
    const align = req.alignPages;
    const boundary = req.boundaryPages;
    if (boundary !== 0 && n > boundary) return -1;
    if (req.placement === "lowest") {
      let from = lo;
      for (;;) {
        const s = this.firstWindow(from, n, limit);
        if (s < 0) return -1;
        const v = firstValidStart(s, n, align, boundary);
        if (v < 0 || v + n > limit) return -1;
        if (v === s) return s;
        const u = this.lastUsed(v, v + n);
        if (u < 0) return v;
        from = u + 1;
      }
    }
    let to = limit;
    for (;;) {
      const s = this.lastWindow(to, n, lo);
      if (s < 0) return -1;
      const v = lastValidStart(s, n, align, boundary);
      if (v < lo) return -1;
      if (v === s) return s;
      const u = this.firstUsed(v, v + n);
      if (u < 0) return v;
      to = u;
    }
  }

  allocate(req: ContiguousRequest): number {
    const s = this.find(req);
    if (s >= 0) this.markUsed(s, req.pages);
    return s;
  }

  markUsed(pfn: number, count: number): void {
    validateRange(pfn, count, this.pageCount, "markUsed");
    const free = countBitsIn(this.bits, pfn, pfn + count);
    if (free !== count) throw new RangeError(`markUsed: page frame ${this.firstUsed(pfn, pfn + count)} is not free`);
    clearBits(this.bits, pfn, pfn + count);
    this.nFree -= count;
    this.update(pfn, pfn + count);
  }

  markFree(pfn: number, count: number): void {
    validateRange(pfn, count, this.pageCount, "markFree");
    const free = countBitsIn(this.bits, pfn, pfn + count);
    if (free !== 0) throw new RangeError(`markFree: page frame ${this.firstFree(pfn, pfn + count)} is already free`);
    setBits(this.bits, pfn, pfn + count);
    this.nFree += count;
    this.update(pfn, pfn + count);
  }

  markUsedMany(pfns: ArrayLike<number>): void {
    this.markMany(pfns, true, "markUsedMany", "is not free");
  }

  markFreeMany(pfns: ArrayLike<number>): void {
    this.markMany(pfns, false, "markFreeMany", "is already free");
  }

  /**
   * Flip each listed frame (free -> used when `take`), all or nothing, then
   * recompute each affected leaf once and each affected ancestor once, level
   * by level: compaction's scattered single pages cost O(k + distinct nodes)
   * rather than k full root paths.
   */
  private markMany(pfns: ArrayLike<number>, take: boolean, what: string, problem: string): void {
    const bits = this.bits;
    for (let i = 0; i < pfns.length; i++) validateRange(pfns[i] as number, 1, this.pageCount, what);
    let i = 0;
    for (; i < pfns.length; i++) {
      const p = pfns[i] as number;
      const m = 1 << (p & 31);
      const isFree = ((bits[p >>> 5] as number) & m) !== 0;
      if (isFree !== take) break;
      bits[p >>> 5] = (bits[p >>> 5] as number) ^ m;
    }
    if (i < pfns.length) {
      const bad = pfns[i] as number;
      for (let j = 0; j < i; j++) {
        const p = pfns[j] as number;
        bits[p >>> 5] = (bits[p >>> 5] as number) ^ (1 << (p & 31));
      }
      throw new RangeError(`${what}: page frame ${bad} ${problem} (or is listed twice)`);
    }
    this.nFree += take ? -pfns.length : pfns.length;
    if (pfns.length === 0) return;
    const leaves = new Int32Array(pfns.length);
    let sorted = true;
    for (let j = 0; j < pfns.length; j++) {
      leaves[j] = (pfns[j] as number) >>> this.leafShift;
      if (j > 0 && (leaves[j] as number) < (leaves[j - 1] as number)) sorted = false;
    }
    // Compaction passes its frames in ascending order: no sort needed then.
    if (!sorted) leaves.sort();
    this.updateLeaves(leaves, leaves.length);
  }

  markUsedWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void {
    this.markWords(words, masks, count, true, "markUsedWords", "is not free");
  }

  markFreeWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void {
    this.markWords(words, masks, count, false, "markFreeWords", "is already free");
  }

  /** markMany a word at a time: every mask checked first (all or nothing), then flipped; each leaf touched is recomputed once. */
  private markWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number, take: boolean, what: string, problem: string): void {
    validateWords(words, masks, count, this.pageCount, what);
    const bits = this.bits;
    let flipped = 0;
    for (let i = 0; i < count; i++) {
      const w = words[i] as number;
      const m = (masks[i] as number) | 0;
      const have = (bits[w] as number) & m;
      if (have !== (take ? m : 0)) {
        const bad = take ? m & ~have : have;
        throw new RangeError(`${what}: page frame ${w * 32 + ctz32(bad)} ${problem}`);
      }
      flipped += popcount32(m);
    }
    // Ascending words give ascending leaves: each one listed once.
    const shift = this.leafShift - 5;
    if (this.leafScratch.length < count) this.leafScratch = new Int32Array(Math.max(count, 2 * this.leafScratch.length));
    const leaves = this.leafScratch;
    let nLeaves = 0;
    let prev = -1;
    for (let i = 0; i < count; i++) {
      const w = words[i] as number;
      bits[w] = (bits[w] as number) ^ (masks[i] as number);
      const leaf = w >>> shift;
      if (leaf !== prev) leaves[nLeaves++] = prev = leaf;
    }
    this.nFree += take ? -flipped : flipped;
    this.updateLeaves(leaves, nLeaves);
  }

  /**
   * Recompute the leaves listed in leaves[0..n) (ascending, repeats allowed)
   * once each, then each ancestor whose children changed once, level by level.
   * Overwrites `leaves`.
   */
  private updateLeaves(leaves: Int32Array, n: number): void {
    // Only nodes whose summary changed are carried up; a parent is recomputed once.
    let nodes = 0;
    let prev = -1;
    for (let j = 0; j < n; j++) {
      const leaf = leaves[j] as number;
      if (leaf === prev) continue;
      prev = leaf;
      if (this.summarizeLeaf(leaf)) leaves[nodes++] = leaf + this.leafCount;
    }
    let childSize = 1 << this.leafShift;
    const sum = this.sum;
    while (nodes > 0 && (leaves[0] as number) > 1) {
      let out = 0;
      let lastParent = -1;
      for (let j = 0; j < nodes; j++) {
        const node = (leaves[j] as number) >>> 1;
        if (node === lastParent) continue;
        lastParent = node;
        if (recombine(sum, node, childSize)) leaves[out++] = node;
      }
      nodes = out;
      childSize *= 2;
    }
  }

  beginBulk(): Uint32Array {
    if (this.inBulk) throw new Error("FastContiguousAllocator.beginBulk: a bulk edit is already open");
    this.inBulk = true;
    return this.bits;
  }

  endBulk(freeDelta: number): void {
    if (!this.inBulk) throw new Error("FastContiguousAllocator.endBulk: no bulk edit is open");
    if (!Number.isSafeInteger(freeDelta)) throw new RangeError(`endBulk: freeDelta must be a whole number, got ${freeDelta}`);
    this.inBulk = false;
    this.nFree += freeDelta;
    this.rebuild();
  }

  /**
   * Recompute every leaf, then every inner node level by level: O(nodes), the
   * cost of a few hundred thousand single-frame updates' root paths avoided.
   */
  private rebuild(): void {
    const leaves = Math.ceil(this.pageCount / (1 << this.leafShift));
    for (let leaf = 0; leaf < leaves; leaf++) this.summarizeLeaf(leaf);
    const sum = this.sum;
    let childSize = 1 << this.leafShift;
    for (let first = this.leafCount >>> 1; first >= 1; first >>>= 1) {
      for (let node = first; node < first * 2; node++) recombine(sum, node, childSize);
      childSize *= 2;
    }
  }

  nextFree(fromPfn: number): number {
    validatePfn(fromPfn, "nextFree: fromPfn");
    const from = Math.max(0, Math.ceil(fromPfn));
    if (from >= this.pageCount || this.nFree === 0) return -1;
    return this.firstWindow(from, 1, this.pageCount);
  }

  largestFreeRun(lowPfn: number, highPfn: number): number {
    validatePfn(lowPfn, "largestFreeRun: lowPfn");
    validatePfn(highPfn, "largestFreeRun: highPfn");
    const lo = Math.max(0, lowPfn);
    const end = Math.min(highPfn, this.pageCount - 1) + 1;
    if (lo >= end) return 0;
    const leafPages = 1 << this.leafShift;
    let best = 0;
    let run = 0;
    let pos = lo;
    while (pos < end) {
      if (pos % leafPages !== 0 || pos + leafPages > end) {
        // Partial leaf: bits up to the next leaf edge (or end).
        const stop = Math.min(end, (Math.floor(pos / leafPages) + 1) * leafPages);
        for (; pos < stop; ) {
          const w = pos >>> 5;
          const hiBit = Math.min(32, stop - w * 32);
          for (let b = pos & 31; b < hiBit; b++) {
            if ((((this.bits[w] as number) >>> b) & 1) === 1) {
              run++;
              if (run > best) best = run;
            } else run = 0;
          }
          pos = w * 32 + hiBit;
        }
        continue;
      }
      // The largest aligned node starting at pos that fits inside [pos, end).
      let leaf = pos >>> this.leafShift;
      let level = 0;
      while (level < this.leafDepth && (leaf & 1) === 0 && pos + (leafPages << (level + 1)) <= end) {
        leaf >>>= 1;
        level++;
      }
      const node = (this.leafCount >>> level) + leaf;
      const size = leafPages << level;
      const k = node * 3;
      const p = this.sum[k] as number;
      best = Math.max(best, run + p, this.sum[k + 2] as number);
      run = p === size ? run + size : (this.sum[k + 1] as number);
      pos += size;
    }
    return best;
  }

  // ---- search ----

  /** Lowest s >= from with [s, s + n) free and s + n <= limit, or -1. */
  private firstWindow(from: number, n: number, limit: number): number {
    if (from + n > limit) return -1;
    const leaf = from >>> this.leafShift;
    const w0 = from >>> 5;
    const wEnd = (leaf + 1) * this.leafWords;
    const hit = this.scanForward(w0, from & 31, wEnd, 0, n);
    if (hit >= 0) return hit + n <= limit ? hit : -1;
    let run = this.carry;
    let node = this.leafCount + leaf;
    // start and size of `node`, kept incrementally (no per-step power computations).
    let size = 1 << this.leafShift;
    let start = leaf * size;
    const sum = this.sum;
    for (;;) {
      while ((node & 1) === 1) {
        if (node === 1) return -1;
        node >>>= 1;
        start -= size;
        size *= 2;
      }
      node += 1;
      start += size;
      if (start - run + n > limit) return -1;
      const k = node * 3;
      const p = sum[k] as number;
      if (run + p >= n) return start - run;
      if ((sum[k + 2] as number) >= n) {
        const s = this.descendForward(node, start, size, run, n);
        return s + n <= limit ? s : -1;
      }
      run = p === size ? run + size : (sum[k + 1] as number);
    }
  }

  /** Inside `node` (which is known to hold the answer), the lowest window given the carried run. */
  private descendForward(node: number, start: number, size: number, run: number, n: number): number {
    const sum = this.sum;
    while (node < this.leafCount) {
      const l = node * 2;
      const half = size / 2;
      const k = l * 3;
      const p = sum[k] as number;
      if (run + p >= n) return start - run;
      if ((sum[k + 2] as number) >= n) {
        node = l;
      } else {
        run = p === half ? run + half : (sum[k + 1] as number);
        node = l + 1;
        start += half;
      }
      size = half;
    }
    const leaf = node - this.leafCount;
    const hit = this.scanForward(leaf * this.leafWords, 0, (leaf + 1) * this.leafWords, run, n);
    if (hit < 0) throw new Error(`FastContiguousAllocator: tree summary and bitmap disagree at leaf ${leaf}`);
    return hit;
  }

  /**
   * Scan words [w, wEnd) from bit `bit` of the first, with `run` free frames
   * already counted just before; returns the lowest window start or -1 (and
   * leaves the run at the end in this.carry).
   */
  private scanForward(w: number, bit: number, wEnd: number, run: number, n: number): number {
    const bits = this.bits;
    let r = run;
    for (; w < wEnd; w++) {
      let x = (bits[w] as number) >>> 0;
      if (bit !== 0) {
        x = (x & ~((1 << bit) - 1)) >>> 0;
        bit = 0;
      }
      const base = w * 32;
      if (x === 0xffffffff) {
        if (r + 32 >= n) return base - r;
        r += 32;
        continue;
      }
      if (x === 0) {
        r = 0;
        continue;
      }
      const t = ctz32(~x);
      if (r + t >= n) return base - r;
      let b = t;
      r = 0;
      for (;;) {
        const y = x >>> b;
        if (y === 0) break;
        b += ctz32(y);
        const ones = ctz32(~(x >>> b));
        if (ones >= n) return base + b;
        if (b + ones >= 32) {
          r = ones;
          break;
        }
        b += ones;
      }
    }
    this.carry = r;
    return -1;
  }

  /** Highest s with s + n <= to, s >= lo and [s, s + n) free, or -1. */
  private lastWindow(to: number, n: number, lo: number): number {
    if (to - n < lo) return -1;
    const last = to - 1;
    const leaf = last >>> this.leafShift;
    const hit = this.scanBackward(last >>> 5, (last & 31) + 1, leaf * this.leafWords, 0, n);
    if (hit >= 0) return hit >= lo ? hit : -1;
    let run = this.carry;
    let node = this.leafCount + leaf;
    let size = 1 << this.leafShift;
    let start = leaf * size;
    const sum = this.sum;
    for (;;) {
      while ((node & 1) === 0) {
        node >>>= 1;
        size *= 2;
      }
      if (node === 1) return -1;
      // node is a right child: its parent starts `size` earlier; move to the left sibling.
      node -= 1;
      start -= size;
      const end = start + size;
      if (end + run - n < lo) return -1;
      const k = node * 3;
      const sf = sum[k + 1] as number;
      if (run + sf >= n) return end + run - n;
      if ((sum[k + 2] as number) >= n) {
        const s = this.descendBackward(node, start, size, run, n);
        return s >= lo ? s : -1;
      }
      run = sf === size ? run + size : (sum[k] as number);
    }
  }

  private descendBackward(node: number, start: number, size: number, run: number, n: number): number {
    const sum = this.sum;
    while (node < this.leafCount) {
      const r = node * 2 + 1;
      const half = size / 2;
      const k = r * 3;
      const sf = sum[k + 1] as number;
      if (run + sf >= n) return start + size + run - n;
      if ((sum[k + 2] as number) >= n) {
        node = r;
        start += half;
      } else {
        run = sf === half ? run + half : (sum[k] as number);
        node = r - 1;
      }
      size = half;
    }
    const leaf = node - this.leafCount;
    const hit = this.scanBackward((leaf + 1) * this.leafWords - 1, 32, leaf * this.leafWords, run, n);
    if (hit < 0) throw new Error(`FastContiguousAllocator: tree summary and bitmap disagree at leaf ${leaf}`);
    return hit;
  }

  /**
   * Scan words from w down to wStop (inclusive), the first word only below bit
   * `topBit`, with `run` free frames counted just after; returns the highest
   * window start or -1 (run at the bottom left in this.carry).
   */
  private scanBackward(w: number, topBit: number, wStop: number, run: number, n: number): number {
    const bits = this.bits;
    let r = run;
    for (; w >= wStop; w--) {
      let x = (bits[w] as number) >>> 0;
      if (topBit !== 32) {
        x = (x & ((1 << topBit) - 1)) >>> 0;
        topBit = 32;
      }
      const base = w * 32;
      if (x === 0xffffffff) {
        if (r + 32 >= n) return base + 32 + r - n;
        r += 32;
        continue;
      }
      if (x === 0) {
        r = 0;
        continue;
      }
      const t = Math.clz32(~x);
      if (r + t >= n) return base + 32 + r - n;
      let b = 32 - t; // bits below b remain; bit b-1 is used
      r = 0;
      for (;;) {
        const y = b >= 32 ? x : x & ((1 << b) - 1);
        if (y === 0) break;
        const top = 31 - Math.clz32(y);
        const ones = Math.clz32(~(x << (31 - top)));
        if (ones >= n) return base + top + 1 - n;
        if (top + 1 - ones <= 0) {
          r = ones;
          break;
        }
        b = top + 1 - ones;
      }
    }
    this.carry = r;
    return -1;
  }

  /** Highest used frame in [a, b), or -1. */
  private lastUsed(a: number, b: number): number {
    for (let w = (b - 1) >>> 5; w >= a >>> 5; w--) {
      let used = ~(this.bits[w] as number);
      const base = w * 32;
      if (base + 32 > b) used &= (1 << (b - base)) - 1;
      if (base < a) used &= ~((1 << (a - base)) - 1);
      if (used !== 0) return base + 31 - Math.clz32(used);
    }
    return -1;
  }

  /** Lowest used frame in [a, b), or -1. */
  private firstUsed(a: number, b: number): number {
    return this.firstMatching(a, b, 0xffffffff);
  }

  /** Lowest free frame in [a, b), or -1. */
  private firstFree(a: number, b: number): number {
    return this.firstMatching(a, b, 0);
  }

  /** Lowest frame in [a, b) whose free bit, XORed with `flip` (0 or all ones), is set; or -1. */
  private firstMatching(a: number, b: number, flip: number): number {
    for (let w = a >>> 5; w * 32 < b; w++) {
      let hits = ((this.bits[w] as number) ^ flip) | 0;
      const base = w * 32;
      if (base < a) hits &= ~((1 << (a - base)) - 1);
      if (base + 32 > b) hits &= (1 << (b - base)) - 1;
      if (hits !== 0) return base + ctz32(hits);
    }
    return -1;
  }

  // ---- maintenance ----

  /** Recompute the leaves covering [start, end) and their ancestors. */
  private update(start: number, end: number): void {
    let a = start >>> this.leafShift;
    let b = (end - 1) >>> this.leafShift;
    let changed = false;
    for (let leaf = a; leaf <= b; leaf++) if (this.summarizeLeaf(leaf)) changed = true;
    a += this.leafCount;
    b += this.leafCount;
    let childSize = 1 << this.leafShift;
    const sum = this.sum;
    // Once a whole level comes out unchanged, nothing above it can change.
    while (changed && a > 1) {
      a >>>= 1;
      b >>>= 1;
      changed = false;
      for (let i = a; i <= b; i++) {
        if (recombine(sum, i, childSize)) changed = true;
      }
      childSize *= 2;
    }
  }

  /** Recompute one leaf's summary; true when it changed. */
  private summarizeLeaf(leaf: number): boolean {
    const bits = this.bits;
    const w0 = leaf * this.leafWords;
    const w1 = w0 + this.leafWords;
    let pre = 0;
    let preDone = false;
    let best = 0;
    let run = 0;
    for (let w = w0; w < w1; w++) {
      const x = (bits[w] ?? 0) >>> 0;
      if (x === 0xffffffff) {
        run += 32;
        if (!preDone) pre += 32;
        continue;
      }
      const t = ctz32(~x);
      if (!preDone) {
        pre += t;
        preDone = true;
      }
      if (run + t > best) best = run + t;
      if (x !== 0) {
        // Longest run inside the word: walk its runs (one step per run, not per bit).
        let b = t;
        for (;;) {
          const y = x >>> b;
          if (y === 0) break;
          b += ctz32(y);
          const ones = ctz32(~(x >>> b));
          if (ones > best) best = ones;
          b += ones;
          if (b >= 32) break;
        }
      }
      run = Math.clz32(~x);
    }
    if (run > best) best = run;
    const k = (this.leafCount + leaf) * 3;
    const sum = this.sum;
    if (sum[k] === pre && sum[k + 1] === run && sum[k + 2] === best) return false;
    sum[k] = pre;
    sum[k + 1] = run;
    sum[k + 2] = best;
    return true;
  }
}

/**
 * Recompute node's (prefix, suffix, longest) free-run summary from its two
 * children (each covering childSize frames); true when it changed.
 */
function recombine(sum: Int32Array, node: number, childSize: number): boolean {
  const l = node * 6;
  const r = l + 3;
  const lp = sum[l] as number;
  const ls = sum[l + 1] as number;
  const rp = sum[r] as number;
  const rs = sum[r + 1] as number;
  const k = node * 3;
  const p = lp === childSize ? childSize + rp : lp;
  const sf = rs === childSize ? childSize + ls : rs;
  const lon = Math.max(sum[l + 2] as number, sum[r + 2] as number, ls + rp);
  if (p === sum[k] && sf === sum[k + 1] && lon === sum[k + 2]) return false;
  sum[k] = p;
  sum[k + 1] = sf;
  sum[k + 2] = lon;
  return true;
}
