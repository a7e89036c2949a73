/**
 * The verifier's shadow of every DMA target: live common buffers (and mapped
 * transfers), plus recently freed ones kept in a quarantine so that a device
 * touching them is caught as a use after free. Struct-of-arrays records
 * indexed by a small id, and three open-addressing hashes in typed arrays:
 * VA page -> id, physical page -> id, logical page -> id (the last only for
 * buffers whose logical address differs from the physical one). Per 64-byte
 * line of each buffer, one "initialised" bit (written by the CPU or a device
 * since allocation). Allocation + free bookkeeping is O(1) per page.
 */
import { NumHash } from "./num-hash.ts";

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

export class BufferTable {
  state = new Uint8Array(1024);
  kind = new Uint8Array(1024);
  va = new Float64Array(1024);
  length = new Float64Array(1024);
  logical = new Float64Array(1024);
  pfn0 = new Float64Array(1024);
  pages = new Int32Array(1024);
  device = new Int32Array(1024);
  site = new Int32Array(1024);
  time = new Float64Array(1024);
  /** Lines initialised so far (page 0 inline in initLo/initHi, others in initMore). */
  initLines = new Int32Array(1024);
  initLo = new Uint32Array(1024);
  initHi = new Uint32Array(1024);
  readonly initMore: (Uint32Array | null)[] = [];
  readonly pfnList: (Int32Array | null)[] = [];

  readonly byVa = new NumHash(1024);
  readonly byPfn = new NumHash(1024);
  readonly byLpn = new NumHash(64);

  private freeIds: number[] = [];
  private nextId = 0;
  private readonly quarantine = new Int32Array(QUARANTINE).fill(-1);
  private qHead = 0;
  live = 0;

  /** Record a buffer; returns its id. */
  add(s: BufferSpec): number {
    const id = this.freeIds.pop() ?? this.newId();
    this.state[id] = STATE_LIVE;
    this.kind[id] = s.kind;
    this.va[id] = s.va;
    this.length[id] = s.length;
    this.logical[id] = s.logical;
    this.pfn0[id] = s.pfn0;
    this.pages[id] = s.pages;
    this.device[id] = s.device;
    this.site[id] = s.site;
    this.time[id] = s.time;
    this.initLines[id] = 0;
    this.initLo[id] = 0;
    this.initHi[id] = 0;
    this.initMore[id] = s.pages > 1 ? new Uint32Array((s.pages - 1) * 2) : null;
    this.pfnList[id] = s.pfns;
    if (s.kind === KIND_COMMON_BUFFER) this.byVa.set(s.va / PAGE, id);
    const translated = s.logical !== s.pfn0 * PAGE || s.pfns !== null;
    for (let p = 0; p < s.pages; p++) {
      this.byPfn.set(s.pfns === null ? s.pfn0 + p : (s.pfns[p] as number), id);
      if (translated) this.byLpn.set(s.logical / PAGE + p, id);
    }
    this.live++;
    return id;
  }

  /** Mark a buffer freed; it stays findable (quarantine) until QUARANTINE later frees. */
  free(id: number): void {
    this.state[id] = STATE_FREED;
    this.live--;
    const old = this.quarantine[this.qHead] as number;
    this.quarantine[this.qHead] = id;
    this.qHead = (this.qHead + 1) % QUARANTINE;
    if (old >= 0) this.forget(old);
  }

  /** Drop every trace of a freed id and recycle it. */
  private forget(id: number): void {
    if (this.kind[id] === KIND_COMMON_BUFFER) this.byVa.delete((this.va[id] as number) / PAGE, id);
    const pfns = this.pfnList[id] ?? null;
    const pages = this.pages[id] as number;
    const pfn0 = this.pfn0[id] as number;
    const la = this.logical[id] as number;
    const translated = la !== pfn0 * PAGE || pfns !== null;
    for (let p = 0; p < pages; p++) {
      this.byPfn.delete(pfns === null ? pfn0 + p : (pfns[p] as number), id);
      if (translated) this.byLpn.delete(la / PAGE + p, id);
    }
    this.initMore[id] = null;
    this.pfnList[id] = null;
    this.state[id] = STATE_FREE_SLOT;
    this.freeIds.push(id);
  }

  /** Index of physical page pfn within buffer id (-1 when it is not one of its pages). */
  pageIndex(id: number, pfn: number): number {
    const list = this.pfnList[id] ?? null;
    if (list === null) {
      const i = pfn - (this.pfn0[id] as number);
      return i >= 0 && i < (this.pages[id] as number) ? i : -1;
    }
    return list.indexOf(pfn);
  }

  /** Physical address of buffer offset `off`. */
  physicalAt(id: number, off: number): number {
    const p = Math.floor(off / PAGE);
    const list = this.pfnList[id] ?? null;
    const pfn = list === null ? (this.pfn0[id] as number) + p : (list[p] as number);
    return pfn * PAGE + (off % PAGE);
  }

  fullyInitialised(id: number): boolean {
    return (this.initLines[id] as number) >= (this.pages[id] as number) * 64;
  }

  /** Mark lines over buffer offsets [off, off+len) initialised. */
  markInit(id: number, off: number, len: number): void {
    if (this.fullyInitialised(id)) return;
    const end = Math.min(off + len, (this.pages[id] as number) * PAGE);
    let a = Math.max(0, off);
    let added = 0;
    while (a < end) {
      const page = Math.floor(a / PAGE);
      const pe = Math.min(end, (page + 1) * PAGE);
      const first = (a % PAGE) >>> 6;
      const last = ((pe - 1) % PAGE) >>> 6;
      added += this.setBits(id, page, first, last);
      a = pe;
    }
    this.initLines[id] = (this.initLines[id] as number) + added;
  }

  /** First uninitialised byte offset over [off, off+len), or -1. */
  firstUninit(id: number, off: number, len: number): number {
    if (this.fullyInitialised(id)) return -1;
    const end = Math.min(off + len, (this.pages[id] as number) * PAGE);
    let a = Math.max(0, off);
    while (a < end) {
      const page = Math.floor(a / PAGE);
      const pe = Math.min(end, (page + 1) * PAGE);
      const last = ((pe - 1) % PAGE) >>> 6;
      for (let l = (a % PAGE) >>> 6; l <= last; l++) {
        if (!this.bit(id, page, l)) return Math.max(a, page * PAGE + l * 64);
      }
      a = pe;
    }
    return -1;
  }

  private bit(id: number, page: number, line: number): boolean {
    let w: number;
    if (page === 0) w = line < 32 ? (this.initLo[id] as number) : (this.initHi[id] as number);
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
        old = half === 0 ? (this.initLo[id] as number) : (this.initHi[id] as number);
        if (half === 0) this.initLo[id] = old | mask;
        else this.initHi[id] = old | mask;
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
    if (id >= this.state.length) this.grow();
    return id;
  }

  private grow(): void {
    const n = this.state.length * 2;
    const g = <T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.state = g(this.state, (k) => new Uint8Array(k));
    this.kind = g(this.kind, (k) => new Uint8Array(k));
    this.va = g(this.va, (k) => new Float64Array(k));
    this.length = g(this.length, (k) => new Float64Array(k));
    this.logical = g(this.logical, (k) => new Float64Array(k));
    this.pfn0 = g(this.pfn0, (k) => new Float64Array(k));
    this.pages = g(this.pages, (k) => new Int32Array(k));
    this.device = g(this.device, (k) => new Int32Array(k));
    this.site = g(this.site, (k) => new Int32Array(k));
    this.time = g(this.time, (k) => new Float64Array(k));
    this.initLines = g(this.initLines, (k) => new Int32Array(k));
    this.initLo = g(this.initLo, (k) => new Uint32Array(k));
    this.initHi = g(this.initHi, (k) => new Uint32Array(k));
  }
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
