import { isPowerOfTwo } from "../../core/address.ts";

/** Which fitting run wins: the lowest start (ReactOS MiFindContiguousPages) or the highest. */
export type Placement = "lowest" | "highest";

/**
 * A request for a physically contiguous run of page frames. Every constraint the
 * HAL needs: count, [lowPfn, highPfn] (inclusive, the whole run inside),
 * alignment of the start, and a power-of-two boundary the run must not cross.
 */
export interface ContiguousRequest {
  readonly pages: number;
  readonly lowPfn: number;
  readonly highPfn: number;
  /** Start PFN must be a multiple of this (power of two, >= 1). */
  readonly alignPages: number;
  /** 0 = no boundary; else a power of two: floor(s / b) === floor((s + pages - 1) / b). */
  readonly boundaryPages: number;
  readonly placement: Placement;
}

/**
 * The page-frame allocator interface. PFNs run 0 .. pageCount-1 and start out
 * in use (holes); boot marks RAM free with markFree. Implementations:
 * LinearScanAllocator (the slow, obviously correct oracle) and
 * FastContiguousAllocator (the one the kernel uses). Both must return exactly
 * the same PFN for the same state and request.
 */
export interface ContiguousAllocator {
  readonly pageCount: number;
  /** Number of free pages. */
  readonly freePages: number;
  /** Whether frame `pfn` is free. */
  isFree(pfn: number): boolean;
  /** Start PFN of the run the placement policy picks, or -1. Changes nothing. */
  find(req: ContiguousRequest): number;
  /** find() and take the run; -1 (and no change) when nothing fits. */
  allocate(req: ContiguousRequest): number;
  /** Take [pfn, pfn+count). RangeError (and no change) if any page is not free. */
  markUsed(pfn: number, count: number): void;
  /** Release [pfn, pfn+count). RangeError (and no change) if any page is already free. */
  markFree(pfn: number, count: number): void;
  /** Take each listed frame (any order). RangeError (and no change) if one is out of range, not free, or listed twice. */
  markUsedMany(pfns: ArrayLike<number>): void;
  /** Release each listed frame. RangeError (and no change) if one is out of range, already free, or listed twice. */
  markFreeMany(pfns: ArrayLike<number>): void;
  /**
   * Take the frames named word by word: for each i < count, the set bits of
   * masks[i] in bitmap word words[i] (frame 32*words[i] + bit; words strictly
   * ascending, masks as 32-bit words). Compaction's scattered frames cost a
   * word each, not a page each. RangeError (and no change) if a word is out
   * of range or out of order, or one of its frames is not free.
   */
  markUsedWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void;
  /** Release frames named word by word (as markUsedWords). RangeError (and no change) if one is already free. */
  markFreeWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number): void;
  /** Lowest free PFN >= fromPfn, or -1. */
  nextFree(fromPfn: number): number;
  /** Length of the longest free run inside [lowPfn, highPfn]. */
  largestFreeRun(lowPfn: number, highPfn: number): number;
  /**
   * Free bits of page frames [32*index, 32*index + 32) as an unsigned word (bit i
   * = frame 32*index + i; 1 = free; frames past pageCount read as 0). Lets
   * callers popcount and scan runs a word at a time (summaries, fragmentation).
   */
  freeWord(index: number): number;
  /** Free frames in [startPfn, endPfn) (end exclusive; clipped to the machine). */
  countFree(startPfn: number, endPfn: number): number;
  /** Host bytes of bookkeeping the allocator holds. */
  readonly metadataBytes: number;
  /**
   * Start a bulk edit: the free bitmap as words (bit i of word w = frame
   * 32*w + i; 1 = free), for a caller that flips many scattered frames (the
   * background workload) and would pay a summary update per frame through
   * markUsed/markFree. Until endBulk, the caller may change only bits of RAM
   * frames and must call nothing else on the allocator.
   */
  beginBulk(): Uint32Array;
  /** End a bulk edit: `freeDelta` = frames the caller freed minus frames it took; summaries are rebuilt once. */
  endBulk(freeDelta: number): void;
}

/** A request with defaults filled in (align 1, no boundary, lowest first). */
export function contiguousRequest(pages: number, lowPfn: number, highPfn: number, opts: Partial<Pick<ContiguousRequest, "alignPages" | "boundaryPages" | "placement">> = {}): ContiguousRequest {
  return { pages, lowPfn, highPfn, alignPages: opts.alignPages ?? 1, boundaryPages: opts.boundaryPages ?? 0, placement: opts.placement ?? "lowest" };
}

/** isPowerOfTwo with a bit-trick fast path for the common (small) case; validation runs on every find. */
function isPow2(n: number): boolean {
  if (n > 0 && n <= 0x40000000 && (n | 0) === n) return (n & (n - 1)) === 0;
  return isPowerOfTwo(n);
}

/** Throws a RangeError naming the bad field; returns normally for a well-formed request. */
export function validateRequest(req: ContiguousRequest, pageCount: number): void {
  if (!Number.isSafeInteger(req.pages) || req.pages < 1) throw new RangeError(`contiguous request: pages must be a whole number >= 1, got ${req.pages}`);
  if (!Number.isSafeInteger(req.lowPfn) || req.lowPfn < 0) throw new RangeError(`contiguous request: lowPfn must be a whole number >= 0, got ${req.lowPfn}`);
  if (!Number.isSafeInteger(req.highPfn) || req.highPfn < 0) throw new RangeError(`contiguous request: highPfn must be a whole number >= 0, got ${req.highPfn}`);
  if (req.lowPfn > req.highPfn) throw new RangeError(`contiguous request: lowPfn (${req.lowPfn}) is above highPfn (${req.highPfn})`);
  if (!isPow2(req.alignPages)) throw new RangeError(`contiguous request: alignPages must be a power of two, got ${req.alignPages}`);
  if (req.boundaryPages !== 0 && !isPow2(req.boundaryPages)) throw new RangeError(`contiguous request: boundaryPages must be 0 or a power of two, got ${req.boundaryPages}`);
  if (req.placement !== "lowest" && req.placement !== "highest") throw new RangeError(`contiguous request: placement must be "lowest" or "highest", got ${String(req.placement)}`);
  if (!Number.isSafeInteger(pageCount)) throw new RangeError(`bad pageCount ${pageCount}`);
}

/**
 * Throws a RangeError naming what is wrong unless words[0..count) are whole
 * bitmap word indexes, strictly ascending, whose masks name only frames below
 * pageCount (markUsedWords / markFreeWords).
 */
export function validateWords(words: ArrayLike<number>, masks: ArrayLike<number>, count: number, pageCount: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > words.length || count > masks.length) {
    throw new RangeError(`${what}: count must be a whole number in [0, ${Math.min(words.length, masks.length)}], got ${count}`);
  }
  const lastWord = (pageCount - 1) >>> 5;
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const w = words[i] as number;
    if (!Number.isSafeInteger(w) || w <= prev || w > lastWord) {
      throw new RangeError(`${what}: word ${i} is ${w}; words must be whole numbers, strictly ascending, at most ${lastWord} (page frames up to ${pageCount - 1})`);
    }
    prev = w;
  }
  if (count > 0 && prev === lastWord && (pageCount & 31) !== 0 && ((masks[count - 1] as number) >>> (pageCount & 31)) !== 0) {
    throw new RangeError(`${what}: the mask of word ${lastWord} names a page frame past the last page frame ${pageCount - 1}`);
  }
}

/** Throws a RangeError naming the value unless it is a whole number >= 0 (a PFN argument). */
export function validatePfn(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${v}`);
}

/** Throws a RangeError unless [pfn, pfn+count) lies inside [0, pageCount). */
export function validateRange(pfn: number, count: number, pageCount: number, what: string): void {
  if (!Number.isSafeInteger(pfn) || pfn < 0) throw new RangeError(`${what}: pfn must be a whole number >= 0, got ${pfn}`);
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`${what}: count must be a whole number >= 1, got ${count}`);
  if (pfn + count > pageCount) throw new RangeError(`${what}: [${pfn}, ${pfn + count}) runs past the last page frame ${pageCount - 1}`);
}

/** True when a run of `pages` starting at `start` satisfies align and boundary. */
export function startFits(start: number, req: ContiguousRequest): boolean {
  if (start % req.alignPages !== 0) return false;
  if (req.boundaryPages !== 0 && Math.floor(start / req.boundaryPages) !== Math.floor((start + req.pages - 1) / req.boundaryPages)) return false;
  return start >= req.lowPfn && start + req.pages - 1 <= req.highPfn;
}
