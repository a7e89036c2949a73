/**
 * The verifier's shadow of every DMA target: live common buffers (and mapped
 * transfers), plus recently freed ones kept in a quarantine so that a device
 * touching them is caught as a use after free. Records are 64-byte rows
 * indexed by a small id, and two run indexes (RunIndex: 2 MiB granules in a
 * typed-array hash, leaves for partly covered granules): physical page -> id
 * and logical page -> id (the latter only for buffers whose logical address
 * differs from the physical one). Buffers are registered by run of
 * physically contiguous pages, so bookkeeping for a buffer of P pages in R
 * runs costs O(P / 512 + R) index entries plus at most two partial granules
 * per run, never a hash entry per page. A buffer is found from its VA
 * through the page frame of its mapping's first page. Per 64-byte line of
 * each buffer, one "initialised" bit (written by the CPU or a device since
 * allocation). A freed record remembers how it was freed (routine, site,
 * time) for double-free and use-after-free hints, and each allocation of a
 * slot has its own key, so that findings on two buffers stay apart even when
 * the second reuses the first one's slot.
 */
import { RunIndex } from "./run-index.ts";

const PAGE = 4096;
export const STATE_FREE_SLOT = 0;
export const STATE_LIVE = 1;
export const STATE_FREED = 2;

export const KIND_COMMON_BUFFER = 0;
export const KIND_TRANSFER = 1;

/** Freed buffers remembered for use-after-free detection. */
const QUARANTINE = 4096;

export interface BufferSpec {
  readonly kind: number;
  readonly va: number;
  readonly length: number;
  readonly pages: number;
  readonly logical: number;
  /** Page frames; null when contiguous from pfn0. */
  readonly pfns: Int32Array | null;
  readonly pfn0: number;
  readonly device: number;
  readonly site: number;
  readonly time: number;
}

// Record layout: one 64-byte row per id in one buffer, seen as 8 float64
// slots (addresses, lengths, time) and as 16 int32 slots (the rest), so that
// the bookkeeping for one buffer — allocation, free, quarantine exit —
// touches one row, with integer fields read without float conversions. What
// a free reads and writes (VA, flags, time, free site) comes first, within
// 24 bytes: however the row sits across cache lines, most often in one line.
const D_VA = 0;
/** Allocation time; the time of the free once freed. */
const D_TIME = 1;
const D_LOGICAL = 3;
const D_LENGTH = 4;
const D_PFN0 = 5;
const D_STRIDE = 8;
/** state | kind << 2 | (scattered pages ? 8 : 0) | free routine index + 1 << 4 (0: not freed since allocation). */
const I_FLAGS = 4;
const I_FREE_SITE = 5;
const I_PAGES = 12;
const I_DEVICE = 13;
const I_SITE = 14;
/** Allocations of this id so far (with the id, names one allocation). */
const I_GEN = 15;
const I_STRIDE = 16;
const SCATTERED = 8;
const ROUTINE_SHIFT = 4;

/** How a freed buffer was freed (routine, the free site's index, simulated ns). */
export interface FreeRecord {
  readonly routine: string;
  readonly site: number;
  readonly time: number;
}

export class BufferTable {
  private f64 = new Float64Array(1024 * D_STRIDE);
  private i32 = new Int32Array(this.f64.buffer);
  /** Per id: lines initialised, then the init bits of page 0 (two words); other pages in initMore. */
  private init = new Uint32Array(1024 * 3);
  readonly initMore: (Uint32Array | null)[] = [];
  readonly pfnList: (Int32Array | null)[] = [];
  /** Per scattered id: its physical runs as [pfn, pages, first page index] triples, sorted by pfn. */
  private readonly runList: (Float64Array | null)[] = [];
  private capacity = 1024;

  readonly byPfn = new RunIndex();
  readonly byLpn = new RunIndex();

  private readonly freeIds: number[] = [];
  private nextId = 0;
  private readonly quarantine = new Int32Array(QUARANTINE).fill(-1);
  private qHead = 0;
  /** Routines that freed buffers (free records hold their index + 1). */
  private readonly routines: string[] = [];
  private lastRoutine = "";
  private lastRoutineCode = 0;
  live = 0;

  stateOf(id: number): number {
    return (this.i32[id * I_STRIDE + I_FLAGS] as number) & 3;
  }
  kindOf(id: number): number {
    return ((this.i32[id * I_STRIDE + I_FLAGS] as number) >>> 2) & 1;
  }
  vaOf(id: number): number {
    return this.f64[id * D_STRIDE + D_VA] as number;
  }
  lengthOf(id: number): number {
    return this.f64[id * D_STRIDE + D_LENGTH] as number;
  }
  logicalOf(id: number): number {
    return this.f64[id * D_STRIDE + D_LOGICAL] as number;
  }
  pfn0Of(id: number): number {
    return this.f64[id * D_STRIDE + D_PFN0] as number;
  }
  pagesOf(id: number): number {
    return this.i32[id * I_STRIDE + I_PAGES] as number;
  }
  deviceOf(id: number): number {
    return this.i32[id * I_STRIDE + I_DEVICE] as number;
  }
  siteOf(id: number): number {
    return this.i32[id * I_STRIDE + I_SITE] as number;
  }
  /** Simulated ns of the allocation, or of the free once the buffer is freed. */
  timeOf(id: number): number {
    return this.f64[id * D_STRIDE + D_TIME] as number;
  }
  /** True when the buffer's pages are physically contiguous. */
  contiguous(id: number): boolean {
    return ((this.i32[id * I_STRIDE + I_FLAGS] as number) & SCATTERED) === 0;
  }
  /** Names the allocation now (or last) in slot `id`, distinct from every other allocation of the table, also one reusing the slot. */
  allocationKey(id: number): string {
    return `${id}.${this.i32[id * I_STRIDE + I_GEN] as number}`;
  }

  /** Record a buffer; returns its id. */
  add(s: BufferSpec): number {
    return this.addFields(s.kind, s.va, s.length, s.pages, s.logical, s.pfns, s.pfn0, s.device, s.site, s.time);
  }

  /**
   * add() without the spec object (the allocation hot path; small, so that
   * callers inline it and pass its numbers unboxed). `initialised`: every
   * line counts as written from the start (a mapped transfer: the driver's
   * data), so no per-page bits are kept.
   */
  addFields(kind: number, va: number, length: number, pages: number, logical: number, pfns: Int32Array | null, pfn0: number, device: number, site: number, time: number, initialised = false): number {
    const id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.newId();
    this.resetInit(id, pages, initialised);
    const d = id * D_STRIDE;
    const f = this.f64;
    f[d + D_VA] = va;
    f[d + D_LOGICAL] = logical;
    f[d + D_LENGTH] = length;
    f[d + D_TIME] = time;
    f[d + D_PFN0] = pfn0;
    const o = id * I_STRIDE;
    const n = this.i32;
    n[o + I_FLAGS] = STATE_LIVE | (kind << 2) | (pfns === null ? 0 : SCATTERED);
    n[o + I_PAGES] = pages;
    n[o + I_DEVICE] = device;
    n[o + I_SITE] = site;
    n[o + I_GEN] = ((n[o + I_GEN] as number) + 1) | 0;
    // One physical page at its own logical address: one index entry; anything else in register().
    if (pages === 1 && pfns === null && logical === pfn0 * PAGE) this.byPfn.addPage(pfn0, id);
    else this.register(id, pages, logical, pfns, pfn0, initialised);
    this.live++;
    return id;
  }

  /** Lines initialised and page 0's bits: none, or all (`initialised`). */
  private resetInit(id: number, pages: number, initialised: boolean): void {
    const i = id * 3;
    const bits = initialised ? 0xffffffff : 0;
    this.init[i] = initialised ? pages * 64 : 0;
    this.init[i + 1] = bits;
    this.init[i + 2] = bits;
  }

  /** addFields' registration of a buffer of several pages, scattered ones or a translated logical address. */
  private register(id: number, pages: number, logical: number, pfns: Int32Array | null, pfn0: number, initialised: boolean): void {
    // Fully initialised, the bits are never read (fullyInitialised answers first).
    if (pages > 1 && !initialised) this.initMore[id] = new Uint32Array((pages - 1) * 2);
    if (pfns === null) this.byPfn.addRun(pfn0, pages, id);
    else {
      this.pfnList[id] = pfns;
      const runs = physicalRuns(pfns);
      this.runList[id] = runs;
      for (let r = 0; r < runs.length; r += 3) this.byPfn.addRun(runs[r] as number, runs[r + 1] as number, id);
    }
    if (logical !== pfn0 * PAGE || pfns !== null) this.byLpn.addRun(logical / PAGE, pages, id);
  }

  /**
   * Mark a buffer freed; it stays findable (quarantine) until QUARANTINE
   * later frees. With `routine`, how it was freed is remembered (freeOf)
   * as long as the record is.
   */
  free(id: number, routine?: string, site = -1, time = 0): void {
    const o = id * I_STRIDE;
    const n = this.i32;
    let code = 0;
    if (routine !== undefined) {
      code = routine === this.lastRoutine ? this.lastRoutineCode : this.routineCode(routine);
      n[o + I_FREE_SITE] = site;
      this.f64[id * D_STRIDE + D_TIME] = time;
    }
    n[o + I_FLAGS] = ((n[o + I_FLAGS] as number) & (SCATTERED | 4)) | STATE_FREED | (code << ROUTINE_SHIFT);
    this.live--;
    const q = this.qHead;
    const old = this.quarantine[q] as number;
    this.quarantine[q] = id;
    this.qHead = q + 1 === QUARANTINE ? 0 : q + 1;
    if (old >= 0) this.forget(old);
  }

  /** How freed buffer `id` was freed, when free() was told. */
  freeOf(id: number): FreeRecord | undefined {
    if (id < 0 || id >= this.nextId) return undefined;
    const o = id * I_STRIDE;
    const flags = this.i32[o + I_FLAGS] as number;
    const code = flags >>> ROUTINE_SHIFT;
    if ((flags & 3) !== STATE_FREED || code === 0) return undefined;
    return { routine: this.routines[code - 1] ?? "?", site: this.i32[o + I_FREE_SITE] as number, time: this.f64[id * D_STRIDE + D_TIME] as number };
  }

  private routineCode(routine: string): number {
    let r = this.routines.indexOf(routine);
    if (r < 0) r = this.routines.push(routine) - 1;
    this.lastRoutine = routine;
    this.lastRoutineCode = r + 1;
    return r + 1;
  }

  /** Drop every trace of a freed id and recycle it. */
  private forget(id: number): void {
    const o = id * I_STRIDE;
    const n = this.i32;
    const pages = n[o + I_PAGES] as number;
    const flags = n[o + I_FLAGS] as number;
    const pfn0 = this.f64[id * D_STRIDE + D_PFN0] as number;
    const la = this.f64[id * D_STRIDE + D_LOGICAL] as number;
    if (pages === 1 && (flags & SCATTERED) === 0 && la === pfn0 * PAGE) this.byPfn.deletePage(pfn0, id);
    else this.forgetPages(id, pages, pfn0, la, (flags & SCATTERED) !== 0);
    n[o + I_FLAGS] = STATE_FREE_SLOT;
    this.freeIds.push(id);
  }

  /** forget() of a buffer of several pages, scattered ones or a translated logical address. */
  private forgetPages(id: number, pages: number, pfn0: number, la: number, scattered: boolean): void {
    if (la !== pfn0 * PAGE || scattered) this.byLpn.deleteRun(la / PAGE, pages, id);
    if (!scattered) this.byPfn.deleteRun(pfn0, pages, id);
    else {
      const runs = this.runList[id] as Float64Array;
      for (let i = 0; i < runs.length; i += 3) this.byPfn.deleteRun(runs[i] as number, runs[i + 1] as number, id);
      this.pfnList[id] = null;
      this.runList[id] = null;
    }
    if (pages > 1) this.initMore[id] = null;
  }

  /** The live or quarantined common buffer whose first page is pfn and whose VA is va, or -1. */
  commonBufferAt(pfn: number, va: number): number {
    const id = this.byPfn.get(pfn);
    return id >= 0 && this.kindOf(id) === KIND_COMMON_BUFFER && this.vaOf(id) === va ? id : -1;
  }

  /** Index of physical page pfn within buffer id (-1 when it is not one of its pages). */
  pageIndex(id: number, pfn: number): number {
    if (this.contiguous(id)) {
      const i = pfn - this.pfn0Of(id);
      return i >= 0 && i < this.pagesOf(id) ? i : -1;
    }
    const r = this.runOf(id, pfn);
    if (r < 0) return -1;
    const runs = this.runList[id] as Float64Array;
    return (runs[r * 3 + 2] as number) + (pfn - (runs[r * 3] as number));
  }

  /** The run of scattered buffer `id` holding page `pfn` (a binary search over its runs, sorted by first page frame), or -1. */
  private runOf(id: number, pfn: number): number {
    const runs = this.runList[id] as Float64Array;
    let lo = 0;
    let hi = runs.length / 3 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = runs[mid * 3] as number;
      if (pfn < start) hi = mid - 1;
      else if (pfn >= start + (runs[mid * 3 + 1] as number)) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /**
   * The physically contiguous run of buffer `id` that holds page `pfn`: its
   * first page frame, its pages and the index of its first page in the
   * buffer, in out[0..2]; false (out untouched) when pfn is none of its pages.
   */
  runHolding(id: number, pfn: number, out: Float64Array): boolean {
    if (this.contiguous(id)) {
      const i = pfn - this.pfn0Of(id);
      if (i < 0 || i >= this.pagesOf(id)) return false;
      out[0] = this.pfn0Of(id);
      out[1] = this.pagesOf(id);
      out[2] = 0;
      return true;
    }
    const r = this.runOf(id, pfn);
    if (r < 0) return false;
    const runs = this.runList[id] as Float64Array;
    out[0] = runs[r * 3] as number;
    out[1] = runs[r * 3 + 1] as number;
    out[2] = runs[r * 3 + 2] as number;
    return true;
  }

  /** Physical address of buffer offset `off`. */
  physicalAt(id: number, off: number): number {
    const p = Math.floor(off / PAGE);
    const pfn = this.contiguous(id) ? this.pfn0Of(id) + p : ((this.pfnList[id] as Int32Array)[p] as number);
    return pfn * PAGE + (off & (PAGE - 1));
  }

  fullyInitialised(id: number): boolean {
    return (this.init[id * 3] as number) >= this.pagesOf(id) * 64;
  }

  /** Mark lines over buffer offsets [off, off+len) initialised. */
  markInit(id: number, off: number, len: number): void {
    const pages = this.pagesOf(id);
    if ((this.init[id * 3] as number) >= pages * 64) return;
    const end = Math.min(off + len, pages * PAGE);
    let a = Math.max(0, off);
    if (this.linesSet(id, a, end)) return;
    let added = 0;
    while (a < end) {
      const page = Math.floor(a / PAGE);
      const pe = Math.min(end, (page + 1) * PAGE);
      const first = (a & (PAGE - 1)) >>> 6;
      const last = ((pe - 1) & (PAGE - 1)) >>> 6;
      added += this.setBits(id, page, first, last);
      a = pe;
    }
    this.init[id * 3] = (this.init[id * 3] as number) + added;
  }

  /** First uninitialised byte offset over [off, off+len), or -1. */
  firstUninit(id: number, off: number, len: number): number {
    const pages = this.pagesOf(id);
    if ((this.init[id * 3] as number) >= pages * 64) return -1;
    const end = Math.min(off + len, pages * PAGE);
    let a = Math.max(0, off);
    if (this.linesSet(id, a, end)) return -1;
    while (a < end) {
      const page = Math.floor(a / PAGE);
      const pe = Math.min(end, (page + 1) * PAGE);
      const last = ((pe - 1) & (PAGE - 1)) >>> 6;
      for (let l = (a & (PAGE - 1)) >>> 6; l <= last; l++) {
        if (!this.bit(id, page, l)) return Math.max(a, page * PAGE + l * 64);
      }
      a = pe;
    }
    return -1;
  }

  /**
   * True when offsets [a, end) lie in one page and in the 32 lines of one
   * bit word, every one of them initialised: the common case of a ring
   * slot or a buffer written again, answered with one word read (false
   * sends the caller the whole way).
   */
  private linesSet(id: number, a: number, end: number): boolean {
    if (a >= end) return true;
    const page = Math.floor(a / PAGE);
    if (end > (page + 1) * PAGE) return false;
    const first = (a & (PAGE - 1)) >>> 6;
    const last = ((end - 1) & (PAGE - 1)) >>> 6;
    const half = first >>> 5;
    if (half !== last >>> 5) return false;
    const lo = first & 31;
    const hi = last & 31;
    const mask = hi - lo === 31 ? 0xffffffff : (((1 << (hi - lo + 1)) - 1) << lo) >>> 0;
    const w = page === 0 ? (this.init[id * 3 + 1 + half] as number) : ((this.initMore[id] as Uint32Array)[(page - 1) * 2 + half] as number);
    return ((w & mask) >>> 0) === mask;
  }

  private bit(id: number, page: number, line: number): boolean {
    let w: number;
    if (page === 0) w = this.init[id * 3 + 1 + (line >>> 5)] as number;
    else w = ((this.initMore[id] as Uint32Array)[(page - 1) * 2 + (line >>> 5)] as number);
    return ((w >>> (line & 31)) & 1) === 1;
  }

  /** Set bits first..last (0..63) of one page; returns how many were newly set. */
  private setBits(id: number, page: number, first: number, last: number): number {
    let added = 0;
    for (let half = first >>> 5; half <= last >>> 5; half++) {
      const lo = half === first >>> 5 ? first & 31 : 0;
      const hi = half === last >>> 5 ? last & 31 : 31;
      const mask = hi - lo === 31 ? 0xffffffff : (((1 << (hi - lo + 1)) - 1) << lo) >>> 0;
      let old: number;
      if (page === 0) {
        old = this.init[id * 3 + 1 + half] as number;
        this.init[id * 3 + 1 + half] = old | mask;
      } else {
        const more = this.initMore[id] as Uint32Array;
        const i = (page - 1) * 2 + half;
        old = more[i] as number;
        more[i] = old | mask;
      }
      added += popcount((~old & mask) >>> 0);
    }
    return added;
  }

  private newId(): number {
    const id = this.nextId++;
    if (id >= this.capacity) {
      this.capacity *= 2;
      const f64 = new Float64Array(this.capacity * D_STRIDE);
      f64.set(this.f64);
      this.f64 = f64;
      this.i32 = new Int32Array(f64.buffer);
      const init = new Uint32Array(this.capacity * 3);
      init.set(this.init);
      this.init = init;
    }
    return id;
  }
}

/** The physically contiguous runs of a page list as [pfn, pages, first index] triples, sorted by pfn. */
function physicalRuns(pfns: Int32Array): Float64Array {
  const starts: number[] = [];
  for (let i = 0; i < pfns.length; i++) if (i === 0 || pfns[i] !== (pfns[i - 1] as number) + 1) starts.push(i);
  const order = starts.map((s, k) => [pfns[s] as number, (starts[k + 1] ?? pfns.length) - s, s] as const).sort((a, b) => a[0] - b[0]);
  const out = new Float64Array(order.length * 3);
  order.forEach((t, k) => out.set(t, k * 3));
  return out;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
