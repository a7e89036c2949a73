import { type ContiguousAllocator, type ContiguousRequest, startFits, validatePfn, validateRange, validateRequest, validateWords } from "./contiguous-allocator.ts";

/**
 * The oracle: one byte per page and a linear scan, in the manner of ReactOS's
 * MiFindContiguousPages (count consecutive free pages; a used page resets the
 * count; a candidate start that would cross the boundary is skipped). Slow and
 * obviously correct; the fast allocator must agree with it exactly.
 */
export class LinearScanAllocator implements ContiguousAllocator {
  readonly pageCount: number;
  private readonly free: Uint8Array;
  private nFree = 0;
  /** The bitmap handed out by beginBulk, until endBulk. */
  private bulk: Uint32Array | undefined;

  constructor(pageCount: number) {
    if (!Number.isSafeInteger(pageCount) || pageCount < 1) throw new RangeError(`pageCount must be >= 1, got ${pageCount}`);
    this.pageCount = pageCount;
    this.free = new Uint8Array(pageCount);
  }

  get freePages(): number {
    return this.nFree;
  }

  /** Whether frame `pfn` is free. */
  isFree(pfn: number): boolean {
    return this.free[pfn] === 1;
  }

  find(req: ContiguousRequest): number {
    validateRequest(req, this.pageCount);
    const high = Math.min(req.highPfn, this.pageCount - 1);
    if (req.placement === "lowest") {
      for (let s = req.lowPfn; s + req.pages - 1 <= high; s++) {
        if (startFits(s, req) && this.allFree(s, req.pages)) return s;
      }
    } else {
      for (let s = high - req.pages + 1; s >= req.lowPfn; s--) {
        if (startFits(s, req) && this.allFree(s, req.pages)) return s;
      }
    }
    return -1;
  }

  allocate(req: ContiguousRequest): number {
    const s = this.find(req);
    if (s >= 0) this.markUsed(s, req.pages);
    return s;
  }

  markUsed(pfn: number, count: number): void {
    validateRange(pfn, count, this.pageCount, "markUsed");
    for (let i = pfn; i < pfn + count; i++) if (this.free[i] !== 1) throw new RangeError(`markUsed: page frame ${i} is not free`);
    this.free.fill(0, pfn, pfn + count);
    this.nFree -= count;
  }

  markFree(pfn: number, count: number): void {
    validateRange(pfn, count, this.pageCount, "markFree");
    for (let i = pfn; i < pfn + count; i++) if (this.free[i] !== 0) throw new RangeError(`markFree: page frame ${i} is already free`);
    this.free.fill(1, pfn, pfn + count);
    this.nFree += count;
  }

  markUsedMany(pfns: ArrayLike<number>): void {
    this.markMany(pfns, 1, "markUsedMany", "is not free");
  }

  markFreeMany(pfns: ArrayLike<number>): void {
    this.markMany(pfns, 0, "markFreeMany", "is already free");
  }

  /** Flip each listed frame from `from` to the other state, all or nothing. */
  private markMany(pfns: ArrayLike<number>, from: 0 | 1, what: string, problem: string): void {
    for (let i = 0; i < pfns.length; i++) validateRange(pfns[i] as number, 1, this.pageCount, what);
    let i = 0;
    for (; i < pfns.length; i++) {
      const p = pfns[i] as number;
      if (this.free[p] !== from) break;
      this.free[p] = 1 - from;
    }
    if (i < pfns.length) {
      const bad = pfns[i] as number;
      for (let j = 0; j < i; j++) this.free[pfns[j] as number] = from;
      throw new RangeError(`${what}: page frame ${bad} ${problem} (or is listed twice)`);
    }
    this.nFree += from === 1 ? -pfns.length : pfns.length;
  }

  markUsedWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void {
    this.markWords(words, masks, count, 1, "markUsedWords", "is not free");
  }

  markFreeWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void {
    this.markWords(words, masks, count, 0, "markFreeWords", "is already free");
  }

  /** The frames of each word's mask, one byte each: all checked, then all flipped. */
  private markWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number, from: 0 | 1, what: string, problem: string): void {
    validateWords(words, masks, count, this.pageCount, what);
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < count; i++) {
        const base = (words[i] as number) * 32;
        const m = (masks[i] as number) | 0;
        for (let b = 0; b < 32; b++) {
          if (((m >>> b) & 1) === 0) continue;
          if (pass === 0) {
            if (this.free[base + b] !== from) throw new RangeError(`${what}: page frame ${base + b} ${problem}`);
            n++;
          } else this.free[base + b] = 1 - from;
        }
      }
    }
    this.nFree += from === 1 ? -n : n;
  }

  nextFree(fromPfn: number): number {
    validatePfn(fromPfn, "nextFree: fromPfn");
    for (let i = Math.max(0, fromPfn); i < this.pageCount; i++) if (this.free[i] === 1) return i;
    return -1;
  }

  largestFreeRun(lowPfn: number, highPfn: number): number {
    validatePfn(lowPfn, "largestFreeRun: lowPfn");
    validatePfn(highPfn, "largestFreeRun: highPfn");
    let best = 0;
    let run = 0;
    for (let i = Math.max(0, lowPfn); i <= Math.min(highPfn, this.pageCount - 1); i++) {
      run = this.free[i] === 1 ? run + 1 : 0;
      if (run > best) best = run;
    }
    return best;
  }

  freeWord(index: number): number {
    let w = 0;
    const base = index * 32;
    for (let i = 0; i < 32 && base + i < this.pageCount; i++) if (this.free[base + i] === 1) w |= 1 << i;
    return w >>> 0;
  }

  countFree(startPfn: number, endPfn: number): number {
    validatePfn(startPfn, "countFree: startPfn");
    validatePfn(endPfn, "countFree: endPfn");
    let n = 0;
    for (let i = Math.max(0, startPfn); i < Math.min(endPfn, this.pageCount); i++) n += this.free[i] as number;
    return n;
  }

  get metadataBytes(): number {
    return this.free.byteLength;
  }

  /** The free bytes as a bitmap copy; endBulk writes it back (the oracle stays one byte per frame). */
  beginBulk(): Uint32Array {
    if (this.bulk !== undefined) throw new Error("LinearScanAllocator.beginBulk: a bulk edit is already open");
    const words = new Uint32Array(Math.ceil(this.pageCount / 32));
    for (let i = 0; i < this.pageCount; i++) if (this.free[i] === 1) words[i >>> 5] = (words[i >>> 5] as number) | (1 << (i & 31));
    this.bulk = words;
    return words;
  }

  endBulk(freeDelta: number): void {
    const words = this.bulk;
    if (words === undefined) throw new Error("LinearScanAllocator.endBulk: no bulk edit is open");
    if (!Number.isSafeInteger(freeDelta)) throw new RangeError(`endBulk: freeDelta must be a whole number, got ${freeDelta}`);
    this.bulk = undefined;
    for (let i = 0; i < this.pageCount; i++) this.free[i] = ((words[i >>> 5] as number) >>> (i & 31)) & 1;
    this.nFree += freeDelta;
  }

  private allFree(s: number, n: number): boolean {
    for (let i = s; i < s + n; i++) if (this.free[i] !== 1) return false;
    return true;
  }
}
