import { isPowerOfTwo } from "../core/address.ts";
import { APC_LEVEL, type KIRQL } from "../core/irql.ts";
import type { Clock } from "../machine/clock.ts";
import type { MemoryMap } from "../machine/memory-map.ts";
import type { PhysicalMemory } from "../machine/physical-memory.ts";
import { type ContiguousAllocator, type ContiguousRequest, type Placement } from "./alloc/contiguous-allocator.ts";
import { FastContiguousAllocator } from "./alloc/fast-contiguous-allocator.ts";
import { LinearScanAllocator } from "./alloc/linear-scan-allocator.ts";
import { type Candidate, compactWindow, findCompactionWindow } from "./compaction.ts";
import * as pfnDatabase from "./pfn-database.ts";
import { PfnDatabase, type PageKind, type PfnRun, mergeRuns } from "./pfn-database.ts";

// A local binding for a helper on the allocation path: under loaders that compile to
// CommonJS (tsx) every use of an imported binding is a getter call.
const { checkPfn } = pfnDatabase;

/**
 * How hard an allocation may try. "full" is IRQL <= APC_LEVEL: free runs first,
 * then compaction (relocating movable pages). "free-only" is DISPATCH_LEVEL and
 * above: only runs that are already free. This follows Microsoft's "Where did
 * all that contiguous memory come from?" (the physical-page search needs
 * APC-level synchronization) and ReactOS MiAllocateContiguousMemory, which
 * gives up above APC_LEVEL.
 */
export type Effort = "full" | "free-only";
/**
 * "preferred": the node's RAM first, then the other nodes nearest first
 * (MemoryMap.fallbackOrder) — AllocateCommonBufferEx's PreferredNode.
 * "strict": that node or nothing — MmAllocateContiguousNodeMemory without
 * MM_ANY_NODE_OK.
 */
export type NodePolicy = "preferred" | "strict";
export type { PageKind } from "./pfn-database.ts";
export type { Placement } from "./alloc/contiguous-allocator.ts";

/**
 * A request for a physically contiguous run ({@link PageFrameManager.allocateContiguous}).
 * Bounds are inclusive, as the DDIs' Lowest/HighestAcceptableAddress are: the
 * whole run lies in [lowPfn, highPfn].
 */
export interface ContiguousPagesRequest {
  /** Pages in the run (at least 1). */
  pages: number;
  /** Lowest acceptable PFN (inclusive). */
  lowPfn: number;
  /** Highest acceptable PFN (inclusive); may lie past the last frame (a 64-bit maximum address). */
  highPfn: number;
  /** Start PFN multiple (power of two); default 1. */
  alignPages?: number;
  /** Power-of-two boundary (in pages) the run must not cross; 0 or absent = none. */
  boundaryPages?: number;
  /** undefined = any node (one search over all RAM in [lowPfn, highPfn]). */
  node?: number;
  /** Default "preferred". */
  nodePolicy?: NodePolicy;
  /** "full" (may compact; PASSIVE/APC_LEVEL) or "free-only" (DISPATCH_LEVEL): {@link effortForIrql}. */
  effort: Effort;
}

/** What compaction may do per call and what it costs in simulated time. */
export interface CompactionOptions {
  /** Most movable pages one call may migrate (a window needing more is skipped); default 4096. */
  maxPagesPerCall?: number;
  /** Simulated cost per migrated page, charged to the clock; default 250 ns (a 4 KiB copy plus remap). */
  nsPerPage?: number;
  /** Simulated cost per page frame the scanner examined; default 1 ns. */
  nsPerScannedPage?: number;
  /** Most candidate windows one call evaluates before giving up; default 256. */
  maxCandidates?: number;
}

/** Options of a {@link PageFrameManager} (`bootMachine` passes its own). */
export interface PageFrameOptions {
  /** Which fitting run wins; default "lowest" (ReactOS MiFindContiguousPages). */
  placement?: Placement;
  /** Compaction costs are charged here (clock.advanceBy) after the allocation completes. */
  clock?: Clock;
  /** When given, compaction copies page contents (only materialized chunks cost anything). */
  memory?: PhysicalMemory;
  /** Compaction limits and costs. */
  compaction?: CompactionOptions;
  /** "fast" (default) or "linear-scan" (the oracle; for tests at small sizes). */
  allocator?: "fast" | "linear-scan";
}

/** Options of {@link PageFrameManager.allocatePages} (any pages, all or nothing). */
export interface AllocatePagesOptions {
  /** Take them from this node (undefined: anywhere). */
  node?: number;
  /** With `node`: "preferred" (default) falls back to other nodes, "strict" does not. */
  nodePolicy?: NodePolicy;
  /** Lowest acceptable frame (inclusive; default 0). */
  lowPfn?: number;
  /** Highest acceptable frame (inclusive; default the last). */
  highPfn?: number;
  /** "full" or "free-only" (see {@link Effort}). */
  effort: Effort;
  /** Default "contiguous" (driver pages, e.g. a common buffer under an IOMMU). */
  kind?: "contiguous" | "unmovable" | "movable";
  /** Start the search here and wrap around (the workload scatters pages with it); default lowPfn. */
  hintPfn?: number;
}

/** `k.pfm.stats`: a snapshot of the page-frame counts. */
export interface PageFrameStats {
  /** Free page frames now (`k.pfm.stats.freePages * 4096` bytes). */
  freePages: number;
  /** Page frames of RAM (free or not). */
  ramPages: number;
  /** Successful allocateContiguous calls. */
  contiguousAllocations: number;
  /** allocateContiguous calls that returned -1. */
  contiguousFailures: number;
  /** Allocations that needed compaction and got it. */
  compactions: number;
  /** Compaction attempts that found no usable window. */
  compactionFailures: number;
  /** Movable pages compaction moved. */
  pagesMigrated: number;
  /** Simulated nanoseconds charged for compaction. */
  compactionNs: number;
}

/**
 * The frame bitmaps of an open bulk edit ({@link PageFrameManager.beginBulk}),
 * 32 frames per word (bit i of word w = frame 32*w + i).
 */
export interface FrameBitmaps {
  /** 1 = free (the allocator's own bitmap). */
  readonly free: Uint32Array;
  /** 1 = movable (page cache, user pages). */
  readonly movable: Uint32Array;
  /** 1 = unmovable (pool, kernel stacks). */
  readonly unmovable: Uint32Array;
}

/** IRQL -> effort: the physical search (and compaction) only at or below APC_LEVEL. */
export function effortForIrql(irql: KIRQL): Effort {
  return irql <= APC_LEVEL ? "full" : "free-only";
}

type Range = PfnRun;

/**
 * A run of RAM page frames, end exclusive: [startPfn, endPfn), as
 * {@link PfnRange} and `summarize(startPfn, endPfn)` use (bounds a request
 * accepts, `lowPfn`/`highPfn`, are inclusive instead).
 */
export interface RamRange {
  /** The first frame of the run. */
  readonly startPfn: number;
  /** The frame after the last one (exclusive). */
  readonly endPfn: number;
  /** @deprecated the same as `startPfn` (the former name). */
  readonly start: number;
  /** @deprecated the same as `endPfn` (the former name). */
  readonly end: number;
}

function ramRange(r: PfnRun): RamRange {
  return { startPfn: r.start, endPfn: r.end, start: r.start, end: r.end };
}

/**
 * The memory manager's page frames: the contiguous allocator (free bitmap and
 * summary tree), the PFN database (what each frame holds, pfn-database.ts) and
 * compaction. State is bitmaps, 1 bit per frame each; live contiguous runs are
 * kept per allocation (start -> pages), never per page.
 *
 * Search rules: with `node` undefined, one search over [lowPfn, highPfn]. With
 * a node, the node's RAM ranges (adjacent ones merged) clipped to
 * [lowPfn, highPfn], in address order for placement "lowest" (reverse for
 * "highest"), so the lowest fitting start within the node wins; then, for
 * "preferred", the other nodes in fallbackOrder(node). Effort "full" first
 * runs that whole free-only search and only then compacts, node by node in the
 * same order.
 */
export class PageFrameManager {
  readonly map: MemoryMap;
  readonly allocator: ContiguousAllocator;
  readonly placement: Placement;
  /** What each frame holds (kind bitmaps over the allocator's free bitmap). */
  readonly pfnDb: PfnDatabase;
  private readonly runs = new Map<number, number>();
  private readonly nodeRam: readonly (readonly Range[])[];
  /** ramRanges() answers: all RAM, then per node. */
  private readonly ramRangeLists: { readonly all: readonly RamRange[]; readonly byNode: readonly (readonly RamRange[])[] };
  /** Per node: RAM ranges in search order for [strict, preferred] (placement applied). */
  private readonly searchOrder: readonly (readonly [readonly Range[], readonly Range[]])[];
  /** The allocator's search for requests validated here (the fast one skips re-validation). */
  private readonly search: (q: ContiguousRequest) => number;
  /** Scratch request reused by allocateContiguous (no allocation per call). */
  private readonly scratch: { pages: number; lowPfn: number; highPfn: number; alignPages: number; boundaryPages: number; placement: Placement };
  private readonly clock: Clock | undefined;
  private readonly memory: PhysicalMemory | undefined;
  private readonly compaction: Required<CompactionOptions>;
  private readonly counters = { contiguousAllocations: 0, contiguousFailures: 0, compactions: 0, compactionFailures: 0, pagesMigrated: 0, compactionNs: 0 };
  /** A bulk edit is open (beginBulk): the allocator's summaries are stale. */
  private inBulk = false;

  constructor(map: MemoryMap, options: PageFrameOptions = {}) {
    const placement = options.placement ?? "lowest";
    if (placement !== "lowest" && placement !== "highest") throw new RangeError(`PageFrameManager: placement must be "lowest" or "highest", got ${String(placement)}`);
    const impl = options.allocator ?? "fast";
    if (impl !== "fast" && impl !== "linear-scan") throw new RangeError(`PageFrameManager: allocator must be "fast" or "linear-scan", got ${String(impl)}`);
    const c = options.compaction ?? {};
    this.compaction = {
      maxPagesPerCall: checkCount(c.maxPagesPerCall ?? 4096, "compaction.maxPagesPerCall", 0),
      nsPerPage: checkNs(c.nsPerPage ?? 250, "compaction.nsPerPage"),
      nsPerScannedPage: checkNs(c.nsPerScannedPage ?? 1, "compaction.nsPerScannedPage"),
      maxCandidates: checkCount(c.maxCandidates ?? 256, "compaction.maxCandidates", 1),
    };
    this.map = map;
    this.placement = placement;
    this.clock = options.clock;
    this.memory = options.memory;
    if (impl === "fast") {
      const fast = new FastContiguousAllocator(map.pageCount);
      this.allocator = fast;
      this.search = (q) => fast.findValid(q);
    } else {
      const oracle = new LinearScanAllocator(map.pageCount);
      this.allocator = oracle;
      this.search = (q) => oracle.find(q);
    }
    this.pfnDb = new PfnDatabase(map, this.allocator);
    this.nodeRam = Array.from({ length: map.nodeCount }, (_, n) => mergeRuns(map.ram.filter((r) => r.node === n).map((r) => ({ start: r.startPfn, end: r.endPfn }))));
    this.ramRangeLists = { all: this.pfnDb.ram.map(ramRange), byNode: this.nodeRam.map((rs) => rs.map(ramRange)) };
    const ordered = (nodes: number[]): Range[] => {
      const out: Range[] = [];
      for (const n of nodes) {
        const rs = [...(this.nodeRam[n] ?? [])];
        if (placement === "highest") rs.reverse();
        out.push(...rs);
      }
      return out;
    };
    this.searchOrder = Array.from({ length: map.nodeCount }, (_, n) => [ordered([n]), ordered([n, ...map.fallbackOrder(n)])] as const);
    this.scratch = { pages: 1, lowPfn: 0, highPfn: 0, alignPages: 1, boundaryPages: 0, placement };
    for (const r of this.pfnDb.ram) this.allocator.markFree(r.start, r.end - r.start);
  }

  /** Counts now (a fresh object each time): free pages, RAM pages, allocations, compactions. */
  get stats(): PageFrameStats {
    return { freePages: this.allocator.freePages, ramPages: this.pfnDb.ramPages, ...this.counters };
  }

  /** Host bytes of page-frame bookkeeping (allocator + kind bitmaps). */
  get metadataBytes(): number {
    return this.allocator.metadataBytes + this.pfnDb.metadataBytes;
  }

  /** Number of live contiguous runs (allocateContiguous minus freeContiguous). */
  get liveContiguousRuns(): number {
    return this.runs.size;
  }

  /**
   * A physically contiguous run honouring every constraint; the pages become
   * "contiguous". Returns the start PFN or -1. RangeError (state unchanged) on
   * a malformed request.
   */
  allocateContiguous(req: ContiguousPagesRequest): number {
    if (this.inBulk) this.bulkOpen("allocateContiguous");
    this.validateContiguous(req);
    const q = this.scratch;
    q.pages = req.pages;
    q.alignPages = req.alignPages ?? 1;
    q.boundaryPages = req.boundaryPages ?? 0;
    const low = req.lowPfn;
    const end = Math.min(req.highPfn, this.map.pageCount - 1) + 1;
    const policy = req.nodePolicy ?? "preferred";
    // The free-only search, without building the segment list (the hot path).
    let start = -1;
    if (req.node === undefined) {
      if (low < end) {
        q.lowPfn = low;
        q.highPfn = end - 1;
        start = this.search(q);
      }
    } else {
      const order = this.searchOrder[req.node]?.[policy === "strict" ? 0 : 1] ?? [];
      for (const r of order) {
        const s = r.start > low ? r.start : low;
        const e = r.end < end ? r.end : end;
        if (s >= e) continue;
        q.lowPfn = s;
        q.highPfn = e - 1;
        start = this.search(q);
        if (start >= 0) break;
      }
    }
    if (start >= 0) {
      this.allocator.markUsed(start, req.pages);
    } else if (req.effort === "full") {
      start = this.compactFor({ ...q, lowPfn: 0, highPfn: 0 }, this.segments(low, end - 1, req.node, policy));
    }
    if (start < 0) {
      this.counters.contiguousFailures++;
      return -1;
    }
    this.runs.set(start, req.pages);
    this.counters.contiguousAllocations++;
    return start;
  }

  /** Free a run from allocateContiguous; RangeError (state unchanged) unless it is exactly a live run. */
  freeContiguous(startPfn: number, pages: number): void {
    if (this.inBulk) this.bulkOpen("freeContiguous");
    if (!Number.isSafeInteger(startPfn) || startPfn < 0) throw new RangeError(`freeContiguous: startPfn must be a whole number >= 0, got ${startPfn}`);
    if (!Number.isSafeInteger(pages) || pages < 1) throw new RangeError(`freeContiguous: pages must be a whole number >= 1, got ${pages}`);
    const live = this.runs.get(startPfn);
    if (live === undefined) throw new RangeError(`freeContiguous: page frame ${startPfn} does not start a live contiguous allocation`);
    if (live !== pages) throw new RangeError(`freeContiguous: the allocation at page frame ${startPfn} has ${live} pages, not ${pages}`);
    this.runs.delete(startPfn);
    this.allocator.markFree(startPfn, pages);
  }

  /**
   * `count` pages anywhere (not necessarily contiguous), all or nothing: the
   * lowest free pages at or after hintPfn (wrapping) within the allowed
   * range(s), node rules as for allocateContiguous. Effort only matters for
   * validation here: compaction cannot create free pages, so both efforts take
   * free pages only. Returns the PFNs in the order taken, or null.
   */
  allocatePages(count: number, opts: AllocatePagesOptions): number[] | null {
    if (this.inBulk) this.bulkOpen("allocatePages");
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`allocatePages: count must be a whole number >= 1, got ${count}`);
    if (typeof opts !== "object" || opts === null) throw new TypeError(`allocatePages: options must be an object, got ${String(opts)}`);
    checkEffort(opts.effort, "allocatePages");
    const kind = opts.kind ?? "contiguous";
    if (kind !== "contiguous" && kind !== "unmovable" && kind !== "movable") throw new RangeError(`allocatePages: kind must be "contiguous", "unmovable" or "movable", got ${String(kind)}`);
    const low = opts.lowPfn ?? 0;
    const high = opts.highPfn ?? this.map.pageCount - 1;
    checkPfn(low, "allocatePages: lowPfn");
    checkPfn(high, "allocatePages: highPfn");
    if (low > high) throw new RangeError(`allocatePages: lowPfn (${low}) is above highPfn (${high})`);
    this.checkNode(opts.node, opts.nodePolicy, "allocatePages");
    const hint = opts.hintPfn ?? low;
    checkPfn(hint, "allocatePages: hintPfn");
    if (count > this.allocator.freePages) return null;
    const segments = this.segments(low, high, opts.node, opts.nodePolicy ?? "preferred");
    const out: number[] = [];
    for (const seg of segments) {
      const h = Math.min(Math.max(hint, seg.start), seg.end);
      this.collectFree(h, seg.end, count, out);
      if (out.length < count) this.collectFree(seg.start, h, count, out);
      if (out.length >= count) break;
    }
    if (out.length < count) return null;
    this.takePages(out, kind);
    return out;
  }

  /** Free pages from allocatePages (any kind). RangeError (state unchanged) if one is free, reserved, duplicated or part of a contiguous run. */
  freePages(pfns: readonly number[]): void {
    if (this.inBulk) this.bulkOpen("freePages");
    const list: unknown = pfns;
    if (!Array.isArray(list)) throw new TypeError(`freePages: expected an array of page frame numbers, got ${String(list)}`);
    for (const p of pfns) {
      checkPfn(p, "freePages: page frame");
      if (p >= this.map.pageCount) throw new RangeError(`freePages: page frame ${p} is past the last page frame ${this.map.pageCount - 1}`);
      const k = this.kindOf(p);
      if (k === "free" || k === "reserved") throw new RangeError(`freePages: page frame ${p} is ${k}, not allocated`);
      if (k === "contiguous" && this.inRun(p)) throw new RangeError(`freePages: page frame ${p} belongs to a contiguous run; free it with freeContiguous`);
    }
    if (pfns.length > 1 && new Set(pfns).size !== pfns.length) throw new RangeError(`freePages: the list names a page frame twice`);
    for (const p of pfns) this.pfnDb.clearKind(p);
    if (pfns.length === 1) this.allocator.markFree(pfns[0] as number, 1);
    else this.allocator.markFreeMany(pfns);
  }

  /** What frame `pfn` holds: free, movable, unmovable, contiguous, or reserved (not RAM). */
  kindOf(pfn: number): PageKind {
    return this.pfnDb.kindOf(pfn);
  }

  /** Page counts by kind over [startPfn, endPfn) (end exclusive), by word popcounts. */
  summarize(startPfn: number, endPfn: number): Record<PageKind, number> {
    return this.pfnDb.summarize(startPfn, endPfn);
  }

  /**
   * The RAM of a node (or of the whole machine), adjacent ranges merged, in
   * address order: `{ startPfn, endPfn }` runs, end exclusive.
   */
  ramRanges(node?: number): readonly RamRange[] {
    if (node === undefined) return this.ramRangeLists.all;
    this.checkNode(node, undefined, "ramRanges");
    return this.ramRangeLists.byNode[node] ?? [];
  }

  /**
   * Open a bulk edit for a caller that takes and frees many scattered single
   * frames at once (the background workload): the free, movable and unmovable
   * bitmaps to change in place, with the allocator's summaries rebuilt once at
   * endBulk instead of once per frame. Only movable and unmovable frames may
   * change (free <-> that kind, one bit in each bitmap); until endBulk every
   * allocation or free on this manager is an Error.
   */
  beginBulk(): FrameBitmaps {
    if (this.inBulk) throw new Error("PageFrameManager.beginBulk: a bulk edit is already open");
    const free = this.allocator.beginBulk();
    this.inBulk = true;
    return { free, movable: this.pfnDb.movable, unmovable: this.pfnDb.unmovable };
  }

  /** Close the bulk edit: `freeDelta` = frames freed minus frames taken during it. */
  endBulk(freeDelta: number): void {
    if (!this.inBulk) throw new Error("PageFrameManager.endBulk: no bulk edit is open");
    this.inBulk = false;
    this.allocator.endBulk(freeDelta);
  }

  /** Movable bit word (bit i = frame 32*index + i); for the workload. */
  movableWord(index: number): number {
    return this.pfnDb.movableWord(index);
  }

  /** Unmovable bit word (bit i = frame 32*index + i). */
  unmovableWord(index: number): number {
    return this.pfnDb.unmovableWord(index);
  }

  // ---- internals ----

  private bulkOpen(what: string): never {
    throw new Error(`PageFrameManager.${what}: a bulk edit is open (beginBulk); call endBulk first`);
  }

  private validateContiguous(req: ContiguousPagesRequest): void {
    if (typeof req !== "object" || req === null) throw new TypeError(`allocateContiguous: request must be an object, got ${String(req)}`);
    if (!Number.isSafeInteger(req.pages) || req.pages < 1) throw new RangeError(`allocateContiguous: pages must be a whole number >= 1, got ${req.pages}`);
    checkPfn(req.lowPfn, "allocateContiguous: lowPfn");
    checkPfn(req.highPfn, "allocateContiguous: highPfn");
    if (req.lowPfn > req.highPfn) throw new RangeError(`allocateContiguous: lowPfn (${req.lowPfn}) is above highPfn (${req.highPfn})`);
    const alignPages = req.alignPages ?? 1;
    if (!isPow2(alignPages)) throw new RangeError(`allocateContiguous: alignPages must be a power of two, got ${alignPages}`);
    const boundaryPages = req.boundaryPages ?? 0;
    if (boundaryPages !== 0 && !isPow2(boundaryPages)) throw new RangeError(`allocateContiguous: boundaryPages must be 0 or a power of two, got ${boundaryPages}`);
    this.checkNode(req.node, req.nodePolicy, "allocateContiguous");
    checkEffort(req.effort, "allocateContiguous");
  }

  private checkNode(node: number | undefined, policy: NodePolicy | undefined, what: string): void {
    if (node !== undefined && (!Number.isInteger(node) || node < 0 || node >= this.map.nodeCount)) {
      throw new RangeError(`${what}: node ${node} does not exist (this machine has ${this.map.nodeCount} node${this.map.nodeCount === 1 ? "" : "s"})`);
    }
    if (policy !== undefined && policy !== "preferred" && policy !== "strict") throw new RangeError(`${what}: nodePolicy must be "preferred" or "strict", got ${String(policy)}`);
  }

  /** The [start, end) ranges to search, in search order (see the class comment). */
  private segments(low: number, high: number, node: number | undefined, policy: NodePolicy): Range[] {
    const end = Math.min(high, this.map.pageCount - 1) + 1;
    if (low >= end) return [];
    if (node === undefined) return [{ start: low, end }];
    const order = this.searchOrder[node]?.[policy === "strict" ? 0 : 1] ?? [];
    const out: Range[] = [];
    for (const r of order) {
      const s = r.start > low ? r.start : low;
      const e = r.end < end ? r.end : end;
      if (s < e) out.push({ start: s, end: e });
    }
    return out;
  }

  private collectFree(from: number, to: number, count: number, out: number[]): void {
    let p = from;
    while (out.length < count && p < to) {
      p = this.allocator.nextFree(p);
      if (p < 0 || p >= to) return;
      out.push(p);
      p++;
    }
  }

  private takePages(pfns: readonly number[], kind: "contiguous" | "unmovable" | "movable"): void {
    let i = 0;
    while (i < pfns.length) {
      const s = pfns[i] as number;
      let n = 1;
      while (i + n < pfns.length && pfns[i + n] === s + n) n++;
      this.allocator.markUsed(s, n);
      this.pfnDb.setKind(s, s + n, kind);
      i += n;
    }
  }

  private inRun(pfn: number): boolean {
    for (const [s, n] of this.runs) if (pfn >= s && pfn < s + n) return true;
    return false;
  }

  /** PASSIVE-level fallback: make a window free by migrating movable pages out of it. */
  private compactFor(base: ContiguousRequest, segments: readonly Range[]): number {
    const cap = this.compaction;
    let scanned = 0;
    let found: Candidate | undefined;
    // Cheap pre-check: fewer free pages than the request anywhere means migration cannot help.
    if (this.allocator.freePages >= base.pages) {
      let budget = cap.maxCandidates;
      for (const seg of segments) {
        const res = findCompactionWindow(this.allocator, this.pfnDb.movable, { ...base, lowPfn: seg.start, highPfn: seg.end - 1 }, cap.maxPagesPerCall, budget);
        scanned += res.scannedPages;
        budget -= res.candidates;
        if (res.window !== undefined) {
          found = res.window;
          break;
        }
        if (budget <= 0) break;
      }
    }
    let start = -1;
    let migrated = 0;
    if (found !== undefined) {
      migrated = compactWindow(this.allocator, this.pfnDb.movable, found.start, base.pages, this.memory);
      this.allocator.markUsed(found.start, base.pages);
      start = found.start;
      this.counters.compactions++;
      this.counters.pagesMigrated += migrated;
    } else {
      this.counters.compactionFailures++;
    }
    const ns = migrated * cap.nsPerPage + scanned * cap.nsPerScannedPage;
    this.counters.compactionNs += ns;
    if (this.clock !== undefined && ns > 0) this.clock.advanceBy(ns);
    return start;
  }
}

/** isPowerOfTwo with a bit-trick fast path (runs on every allocation). */
function isPow2(n: number): boolean {
  if (n > 0 && n <= 0x40000000 && (n | 0) === n) return (n & (n - 1)) === 0;
  return isPowerOfTwo(n);
}

function checkCount(v: number, what: string, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`PageFrameManager: ${what} must be a whole number >= ${min}, got ${v}`);
  return v;
}

function checkNs(v: number, what: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`PageFrameManager: ${what} must be a finite number of ns >= 0, got ${v}`);
  return v;
}

function checkEffort(e: Effort, what: string): void {
  if (e !== "full" && e !== "free-only") throw new RangeError(`${what}: effort must be "full" or "free-only", got ${String(e)}`);
}
