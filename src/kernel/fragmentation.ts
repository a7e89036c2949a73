import { ctz32, forEachRun } from "./alloc/bits.ts";
import type { PageFrameManager } from "./page-frames.ts";

/**
 * Fragmentation indices in the manner of Linux mm/vmstat.c, so tests and
 * reports can state the regime ("after start-up only one-page requests
 * succeed") in numbers.
 *
 * Free memory is decomposed into naturally aligned power-of-two blocks of
 * order 0..MAX_ORDER, exactly the free lists a fully coalesced buddy
 * allocator would hold for the same free frames (Linux /proc/buddyinfo). With
 * F = free pages, B = free blocks, S(o) = order-o pieces obtainable from
 * blocks of order >= o:
 *
 * - unusable free index(o) = (F - S(o) * 2^o) / F, 1 when F = 0 (debugfs
 *   extfrag/unusable_index): the share of free memory useless for an order-o request;
 * - fragmentation index(o) = 1 - (1 + F / 2^o) / B when S(o) = 0, 0 when
 *   B = 0, and -1 ("undefined": the request would succeed) when S(o) > 0
 *   (extfrag/extfrag_index; Linux prints -1.000). Near 0: failure is lack of
 *   memory; near 1: failure is fragmentation.
 *
 * Because this allocator is not a buddy allocator, two run-based figures are
 * added: the largest free run, and the run unusable index(o) = share of free
 * pages in maximal free runs shorter than 2^o pages (a run of 2^o pages need
 * not be aligned to serve a page-aligned contiguous request).
 */

/** Linux MAX_PAGE_ORDER default: orders 0..10 (4 MiB blocks with 4 KiB pages). */
export const MAX_ORDER = 10;

/** Indices of how scattered free memory is ({@link fragmentation}). */
export interface FragmentationReport {
  /** Free pages in scope. */
  freePages: number;
  /** Longest maximal free run, in pages. */
  largestFreeRun: number;
  /** Number of free runs (maximal). */
  freeRuns: number;
  /** [o] = buddy-style free blocks of order o. */
  freeBlocksByOrder: number[];
  /** [o] = free pages held in blocks of order o. */
  freePagesByOrder: number[];
  /** [o] in [0, 1]: Linux's unusable free space index (share of free memory in blocks smaller than order o). */
  unusableFreeIndex: number[];
  /** [o] in [0, 1], or -1 when an order-o block exists: Linux's fragmentation index (mm/vmstat.c). */
  fragmentationIndex: number[];
  /** [o] in [0, 1]: share of free pages in runs shorter than 2^o. */
  runUnusableIndex: number[];
}

/** Which memory {@link fragmentation} looks at: a node and/or frame bounds. */
export interface FragmentationScope {
  /** Only this node's RAM. */
  node?: number;
  /** First frame looked at (inclusive; default 0). */
  lowPfn?: number;
  /** Last frame looked at (inclusive, as a request's highPfn; default the last frame). */
  highPfn?: number;
}

/**
 * Indices over the free memory of a PageFrameManager (optionally one node /
 * PFN range). Word scans only, so cheap even at 1 TiB.
 *
 * @example
 * ```ts
 * import { bootMachine, fragmentation } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const f = fragmentation(k.pfm, { lowPfn: 0, highPfn: 0xfff }); // the first 16 MiB
 * console.log(f.freePages > 0, f.largestFreeRun <= 4096);         // true true
 * ```
 */
export function fragmentation(pfm: PageFrameManager, scope: FragmentationScope = {}): FragmentationReport {
  const low = scope.lowPfn ?? 0;
  const high = scope.highPfn ?? pfm.map.pageCount - 1;
  if (!Number.isSafeInteger(low) || low < 0) throw new RangeError(`fragmentation: lowPfn must be a whole number >= 0, got ${low}`);
  if (!Number.isSafeInteger(high) || high < 0) throw new RangeError(`fragmentation: highPfn must be a whole number >= 0, got ${high}`);
  if (low > high) throw new RangeError(`fragmentation: lowPfn (${low}) is above highPfn (${high})`);
  const ranges = pfm.ramRanges(scope.node);
  const blocks = new Array<number>(MAX_ORDER + 1).fill(0);
  const runPagesBelow = new Array<number>(MAX_ORDER + 2).fill(0); // [o] pages in runs with floor(log2 len) === o (capped)
  let free = 0;
  let largest = 0;
  let runs = 0;
  const word = (i: number): number => pfm.allocator.freeWord(i);
  const onRun = (start: number, len: number): void => {
    runs++;
    free += len;
    if (len > largest) largest = len;
    const lg = Math.min(MAX_ORDER + 1, Math.floor(Math.log2(len)));
    runPagesBelow[lg] = (runPagesBelow[lg] as number) + len;
    const end = start + len;
    let p = start;
    while (p < end) {
      const alignOrder = p === 0 ? 31 : ctz32(p);
      const o = Math.min(MAX_ORDER, alignOrder, Math.floor(Math.log2(end - p)));
      blocks[o] = (blocks[o] as number) + 1;
      p += 2 ** o;
    }
  };
  for (const r of ranges) {
    const s = Math.max(r.startPfn, low);
    const e = Math.min(r.endPfn, high + 1);
    if (s < e) forEachRun(word, s, e, onRun);
  }
  return buildReport(free, largest, runs, blocks, runPagesBelow);
}

function buildReport(free: number, largest: number, runs: number, blocks: number[], runPagesByLog: number[]): FragmentationReport {
  const totalBlocks = blocks.reduce((a, b) => a + b, 0);
  const freePagesByOrder = blocks.map((b, o) => b * 2 ** o);
  const unusableFreeIndex: number[] = [];
  const fragmentationIndex: number[] = [];
  const runUnusableIndex: number[] = [];
  let shortRunPages = 0;
  for (let o = 0; o <= MAX_ORDER; o++) {
    let suitable = 0;
    for (let j = o; j <= MAX_ORDER; j++) suitable += (blocks[j] as number) * 2 ** (j - o);
    unusableFreeIndex.push(free === 0 ? 1 : (free - suitable * 2 ** o) / free);
    fragmentationIndex.push(suitable > 0 ? -1 : totalBlocks === 0 ? 0 : 1 - (1 + free / 2 ** o) / totalBlocks);
    // Runs shorter than 2^o pages are those with floor(log2 len) < o.
    if (o > 0) shortRunPages += runPagesByLog[o - 1] as number;
    runUnusableIndex.push(free === 0 ? 1 : shortRunPages / free);
  }
  return { freePages: free, largestFreeRun: largest, freeRuns: runs, freeBlocksByOrder: blocks, freePagesByOrder, unusableFreeIndex, fragmentationIndex, runUnusableIndex };
}

/** A short one-line summary ("free 12.3%, largest run 7 pages, unusable(9) 0.98"). */
export function describeFragmentation(r: FragmentationReport, ramPages: number): string {
  const pct = ramPages > 0 ? ((100 * r.freePages) / ramPages).toFixed(1) : "0";
  return `free ${pct}% (${r.freePages} pages in ${r.freeRuns} runs), largest run ${r.largestFreeRun} pages, unusable index order 0/4/9: ${fmt(r.unusableFreeIndex[0])}/${fmt(r.unusableFreeIndex[4])}/${fmt(r.unusableFreeIndex[9])}`;
}

function fmt(v: number | undefined): string {
  return (v ?? 0).toFixed(3);
}
