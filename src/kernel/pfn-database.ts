import type { MemoryMap } from "../machine/memory-map.ts";
import * as bits from "./alloc/bits.ts";
import type { ContiguousAllocator } from "./alloc/contiguous-allocator.ts";

// Local bindings: under loaders that compile to CommonJS (tsx) imported bindings are getter calls.
const { countBitsIn, setBits, testBit } = bits;

/** What a page frame holds: free; movable (page cache, user pages); unmovable (pool, stacks); contiguous (driver buffers); reserved (not RAM). */
export type PageKind = "free" | "movable" | "unmovable" | "contiguous" | "reserved";

/** A run of page frames [start, end). */
export interface PfnRun {
  readonly start: number;
  readonly end: number;
}

/**
 * The page-frame database: what each physical page frame holds, as bitmaps
 * (1 bit per frame), never an object or a byte per frame. The allocator's
 * free bitmap says "free"; two bitmaps here say "movable" (page cache, user
 * pages: compaction may relocate them) and "unmovable" (pool, kernel stacks).
 * "contiguous" is derived: RAM that is neither free, movable nor unmovable
 * (driver buffers). "reserved" is every frame that is not RAM; it is never free.
 * Untouched bitmap memory costs no host RSS, so a 1 TiB machine pays only for
 * the kinds it uses.
 */
export class PfnDatabase {
  readonly map: MemoryMap;
  readonly allocator: ContiguousAllocator;
  /** Movable bits; compaction updates them in place as it migrates pages. */
  readonly movable: Uint32Array;
  /** Unmovable bits (the workload's bulk edits change them in place, PageFrameManager.beginBulk). */
  readonly unmovable: Uint32Array;
  /** @internal RAM ranges in address order, adjacent ones merged (`pfm.ramRanges()` is the public form). */
  readonly ram: readonly PfnRun[];
  readonly ramPages: number;

  constructor(map: MemoryMap, allocator: ContiguousAllocator) {
    this.map = map;
    this.allocator = allocator;
    const words = Math.ceil(map.pageCount / 32);
    this.movable = new Uint32Array(words);
    this.unmovable = new Uint32Array(words);
    this.ram = mergeRuns(map.ram.map((r) => ({ start: r.startPfn, end: r.endPfn })));
    this.ramPages = this.ram.reduce((n, r) => n + r.end - r.start, 0);
  }

  /** Host bytes of the kind bitmaps. */
  get metadataBytes(): number {
    return this.movable.byteLength + this.unmovable.byteLength;
  }

  /** What frame `pfn` holds (see {@link PageKind}). */
  kindOf(pfn: number): PageKind {
    checkPfn(pfn, "kindOf: page frame");
    if (pfn >= this.map.pageCount || !this.map.isRam(pfn)) return "reserved";
    if (this.allocator.isFree(pfn)) return "free";
    if (testBit(this.movable, pfn)) return "movable";
    if (testBit(this.unmovable, pfn)) return "unmovable";
    return "contiguous";
  }

  /** Page counts by kind over [startPfn, endPfn) (end exclusive), by word popcounts. */
  summarize(startPfn: number, endPfn: number): Record<PageKind, number> {
    checkPfn(startPfn, "summarize: startPfn");
    checkPfn(endPfn, "summarize: endPfn");
    if (startPfn > endPfn) throw new RangeError(`summarize: startPfn (${startPfn}) is above endPfn (${endPfn})`);
    const end = Math.min(endPfn, this.map.pageCount);
    const start = Math.min(startPfn, end);
    let ram = 0;
    for (const r of this.ram) ram += Math.max(0, Math.min(end, r.end) - Math.max(start, r.start));
    const free = this.allocator.countFree(start, end);
    const movable = countBitsIn(this.movable, start, end);
    const unmovable = countBitsIn(this.unmovable, start, end);
    return { free, movable, unmovable, contiguous: ram - free - movable - unmovable, reserved: endPfn - startPfn - ram };
  }

  /** Record the kind of frames [start, end) just taken from the allocator. */
  setKind(start: number, end: number, kind: "contiguous" | "unmovable" | "movable"): void {
    if (kind === "movable") setBits(this.movable, start, end);
    else if (kind === "unmovable") setBits(this.unmovable, start, end);
  }

  /** Forget the kind of a frame about to be freed. */
  clearKind(pfn: number): void {
    const w = pfn >>> 5;
    const m = ~(1 << (pfn & 31));
    this.movable[w] = (this.movable[w] as number) & m;
    this.unmovable[w] = (this.unmovable[w] as number) & m;
  }

  /** Movable bit word (bit i = frame 32*index + i). */
  movableWord(index: number): number {
    return (this.movable[index] ?? 0) >>> 0;
  }

  /** Unmovable bit word (bit i = frame 32*index + i). */
  unmovableWord(index: number): number {
    return (this.unmovable[index] ?? 0) >>> 0;
  }
}

/** Sort and merge touching runs. */
export function mergeRuns(runs: readonly PfnRun[]): PfnRun[] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start) last.end = r.end;
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** RangeError naming the value unless it is a whole number >= 0. */
export function checkPfn(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${v}`);
}
