/**
 * A CPU data cache in front of physical memory, per 64-byte line: the memory
 * system for machines whose devices may not snoop (ARM64 with ACPI _CCA = 0).
 *
 * - Cached mappings are write-back with write-allocate: a CPU store dirties the
 *   line in the cache and memory keeps the old bytes until the line is cleaned.
 * - Non-cached mappings bypass the cache. Write-combined stores collect in a few
 *   64-byte write-combining buffers that devices never see until `fence()`
 *   drains them (or a buffer is needed for another line: oldest first).
 * - Coherent devices snoop: a read returns dirty CPU data, a write cleans and
 *   invalidates the lines it touches. Non-coherent devices see memory only, so a
 *   missing clean gives the device stale bytes and a missing invalidate gives
 *   the CPU stale bytes — in the simulated data itself.
 * - Speculative refills happen only when asked: by the "page" policy (touching a
 *   page refills the lines of that page the CPU had cached before) or by
 *   `speculativeRefill` / `randomRefills(prng)`, so every run is reproducible.
 *
 * Compact state: a line's bytes are held only while it is dirty or stale
 * (a clean line equals memory); line states are one byte per line and exist only
 * for pages the CPU has touched through a cached mapping, found through an
 * open-addressing hash keyed by page frame. Device transfers over pages with no
 * cached lines are single bulk copies.
 */
import { ObserverSlot } from "../core/hooks.ts";
import type { Prng } from "../core/prng.ts";
import type { CacheAttribute, MemorySystem } from "./memory-system.ts";
import type { PhysicalMemory } from "./physical-memory.ts";
import type { MachineProfile } from "./profile.ts";

/** Bytes per cache line (64 on both architectures), the granule of cleans, invalidates and coherence findings. */
export const CACHE_LINE_SIZE = 64;
const PAGE = 4096;
const LPP = PAGE / CACHE_LINE_SIZE; // lines per page

/** Line state bits. */
const VALID = 1;
const DIRTY = 2;
/** Memory was changed by a non-coherent device after this line was filled: the cached copy is old. */
const STALE = 4;
/** The CPU had this line cached at some point (candidate for a speculative refill). */
const SEEN = 8;
const HAS_DATA = DIRTY | STALE;

/** What the cache model saw go wrong (the verifier turns these into findings). */
export interface CoherenceObserver {
  /** A non-coherent device read memory under a line dirty in the CPU cache: it got the old bytes. */
  onStaleDeviceRead(pa: number, length: number, linePa: number): void;
  /** A CPU read hit a line cached before a non-coherent device wrote memory: it got the old bytes. */
  onStaleCpuRead(pa: number, length: number, linePa: number): void;
  /** A dirty line was written back over bytes a device wrote after the line was cached. */
  onWritebackClobber(linePa: number): void;
  /** A device read bytes still held in a write-combining buffer (not yet drained by a fence). */
  onUndrainedWriteCombine(pa: number, length: number, linePa: number): void;
}

/** Speculative refills: "none" (only when asked), or "page" (touching a page refills the lines of it the CPU cached before). */
export type RefillPolicy = "none" | "page";

/** Options of {@link cacheModel} / {@link CacheMemorySystem}. */
export interface CacheOptions {
  /** Speculative refill policy (default "none"). */
  refill?: RefillPolicy;
  /** Number of 64-byte write-combining buffers (default 8). */
  wcBuffers?: number;
}

/** One cache line's state, for tests and probes. */
export interface LineState {
  /** The CPU holds the line. */
  readonly valid: boolean;
  /** The CPU wrote it and memory does not have those bytes yet. */
  readonly dirty: boolean;
  /** A non-coherent device wrote memory under it after the CPU cached it: a CPU read returns old bytes. */
  readonly stale: boolean;
}

/**
 * The ARM64 cache model: write-back lines for cached mappings, a bypass for
 * non-cached ones, write-combining buffers drained by a fence; coherent
 * devices snoop, non-coherent ones see memory only (see the file comment).
 * ARM64 profiles boot with it; any machine can have it with
 * `bootMachine(p, { memorySystem: cacheModel() })`.
 */
export class CacheMemorySystem implements MemorySystem {
  readonly memory: PhysicalMemory;
  readonly refill: RefillPolicy;
  /** Observers of coherence mistakes (verifier): `cache.observers.add(o)`. */
  readonly observers = new ObserverSlot<CoherenceObserver>(["onStaleCpuRead", "onStaleDeviceRead", "onWritebackClobber", "onUndrainedWriteCombine"]);

  // Page frame -> slot (open addressing, linear probing; key stored as pfn + 1, 0 = empty).
  private hKeys = new Int32Array(1024);
  private hVals = new Int32Array(1024);
  private hMask = 1023;
  // Per slot.
  private slotCount = 0;
  private states = new Uint8Array(64 * LPP);
  private validCount = new Uint8Array(64);
  private dataCount = new Uint8Array(64);
  private dataIndex = new Int32Array(64).fill(-1);
  private slotPfn = new Int32Array(64);
  // Line bytes for dirty/stale lines: one 4 KiB block per page that has any.
  private data = new Uint8Array(16 * PAGE);
  private dataFree: number[] = [];
  private dataUsed = 0;
  /** Lines currently valid / dirty over all pages (fast paths test these). */
  private validLines = 0;
  private dirtyLines = 0;
  // Write-combining buffers.
  private readonly wcLine: Float64Array;
  private readonly wcData: Uint8Array;
  private readonly wcMask: Uint8Array;
  private wcCount = 0;
  private wcNext = 0;
  private readonly lineTmp = new Uint8Array(CACHE_LINE_SIZE);

  constructor(memory: PhysicalMemory, opts: CacheOptions = {}) {
    this.memory = memory;
    this.refill = opts.refill ?? "none";
    if (this.refill !== "none" && this.refill !== "page") throw new RangeError(`CacheMemorySystem: refill policy must be "none" or "page", got "${String(this.refill)}"`);
    const n = opts.wcBuffers ?? 8;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`CacheMemorySystem: wcBuffers must be 1..64, got ${n}`);
    this.wcLine = new Float64Array(n).fill(-1);
    this.wcData = new Uint8Array(n * CACHE_LINE_SIZE);
    this.wcMask = new Uint8Array(n * CACHE_LINE_SIZE);
  }

  /** Pages with line state, lines valid, lines dirty, write-combining buffers in use. */
  get stats(): { pages: number; validLines: number; dirtyLines: number; pendingWriteCombine: number } {
    return { pages: this.slotCount, validLines: this.validLines, dirtyLines: this.dirtyLines, pendingWriteCombine: this.wcCount };
  }

  /** The state of the line holding pa. */
  lineState(pa: number): LineState {
    const slot = this.findSlot(Math.floor(pa / PAGE));
    const s = slot < 0 ? 0 : (this.states[slot * LPP + ((pa % PAGE) >>> 6)] as number);
    return { valid: (s & VALID) !== 0, dirty: (s & DIRTY) !== 0, stale: (s & STALE) !== 0 };
  }

  // ---- CPU side ----

  cpuRead(pa: number, dst: Uint8Array, attr: CacheAttribute): void {
    if (attr !== "cached") {
      this.memory.read(pa, dst);
      if (attr === "writecombined" && this.wcCount > 0) this.wcOverlay(pa, dst);
      return;
    }
    let done = 0;
    const len = dst.length;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      this.cachedReadInPage(a, off, dst.subarray(done, done + n));
      done += n;
    }
  }

  cpuWrite(pa: number, src: Uint8Array, attr: CacheAttribute): void {
    if (attr === "noncached") {
      this.memory.write(pa, src);
      return;
    }
    if (attr === "writecombined") {
      this.wcWrite(pa, src);
      return;
    }
    let done = 0;
    const len = src.length;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      this.cachedWriteInPage(a, off, src.subarray(done, done + n));
      done += n;
    }
  }

  private cachedReadInPage(pa: number, off: number, dst: Uint8Array): void {
    const slot = this.ensureSlot(Math.floor(pa / PAGE));
    const base = slot * LPP;
    const first = off >>> 6;
    const last = (off + dst.length - 1) >>> 6;
    const st = this.states;
    if (this.refill === "page") this.refillSeen(slot);
    if (this.dataCount[slot] === 0) {
      // No line of this page holds its own bytes: memory is what the cache would return.
      this.memory.read(pa, dst);
    } else {
      const d = this.dataIndex[slot] as number;
      let staleAt = -1;
      // Memory first, then the lines that hold newer (dirty) or older (stale) bytes.
      this.memory.read(pa, dst);
      for (let l = first; l <= last; l++) {
        const s = st[base + l] as number;
        if ((s & HAS_DATA) === 0 || (s & VALID) === 0) continue;
        const ls = Math.max(l * CACHE_LINE_SIZE, off);
        const le = Math.min((l + 1) * CACHE_LINE_SIZE, off + dst.length);
        dst.set(this.data.subarray(d * PAGE + ls, d * PAGE + le), ls - off);
        if ((s & STALE) !== 0 && staleAt < 0) staleAt = l;
      }
      if (staleAt >= 0 && this.observers.current !== null) this.observers.current.onStaleCpuRead(pa, dst.length, pa - off + staleAt * CACHE_LINE_SIZE);
    }
    // Fill: every line read becomes valid.
    let added = 0;
    for (let l = first; l <= last; l++) {
      const s = st[base + l] as number;
      if ((s & VALID) === 0) added++;
      st[base + l] = s | VALID | SEEN;
    }
    this.validCount[slot] = (this.validCount[slot] as number) + added;
    this.validLines += added;
  }

  private cachedWriteInPage(pa: number, off: number, src: Uint8Array): void {
    const slot = this.ensureSlot(Math.floor(pa / PAGE));
    const base = slot * LPP;
    const first = off >>> 6;
    const last = (off + src.length - 1) >>> 6;
    const st = this.states;
    if (this.refill === "page") this.refillSeen(slot);
    const d = this.ensureData(slot);
    const pageBase = pa - off;
    let addedValid = 0;
    let addedData = 0;
    let addedDirty = 0;
    for (let l = first; l <= last; l++) {
      const s = st[base + l] as number;
      if ((s & HAS_DATA) === 0) {
        // Write-allocate: a line only partly written is first filled from memory.
        const ls = l * CACHE_LINE_SIZE;
        const whole = off <= ls && off + src.length >= ls + CACHE_LINE_SIZE;
        if (!whole) this.memory.read(pageBase + ls, this.data.subarray(d * PAGE + ls, d * PAGE + ls + CACHE_LINE_SIZE));
        addedData++;
      }
      if ((s & VALID) === 0) addedValid++;
      if ((s & DIRTY) === 0) addedDirty++;
      st[base + l] = s | VALID | DIRTY | SEEN;
    }
    this.data.set(src, d * PAGE + off);
    this.validCount[slot] = (this.validCount[slot] as number) + addedValid;
    this.dataCount[slot] = (this.dataCount[slot] as number) + addedData;
    this.validLines += addedValid;
    this.dirtyLines += addedDirty;
  }

  // ---- Device side ----

  deviceRead(pa: number, dst: Uint8Array, coherent: boolean): void {
    this.memory.read(pa, dst);
    if (this.wcCount > 0) this.wcCheckDevice(pa, dst.length);
    if (this.dirtyLines === 0) return;
    // Lines dirty in the CPU cache: a snooping device gets them, a non-coherent one does not.
    const len = dst.length;
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      const slot = this.findSlot(Math.floor(a / PAGE));
      if (slot >= 0 && this.dataCount[slot] !== 0) {
        const base = slot * LPP;
        const d = this.dataIndex[slot] as number;
        const last = (off + n - 1) >>> 6;
        for (let l = off >>> 6; l <= last; l++) {
          if (((this.states[base + l] as number) & DIRTY) === 0) continue;
          if (!coherent) {
            if (this.observers.current !== null) this.observers.current.onStaleDeviceRead(pa, len, a - off + l * CACHE_LINE_SIZE);
            return;
          }
          const ls = Math.max(l * CACHE_LINE_SIZE, off);
          const le = Math.min((l + 1) * CACHE_LINE_SIZE, off + n);
          dst.set(this.data.subarray(d * PAGE + ls, d * PAGE + le), done + ls - off);
        }
      }
      done += n;
    }
  }

  deviceWrite(pa: number, src: Uint8Array, coherent: boolean): void {
    if (this.validLines === 0) {
      this.memory.write(pa, src);
      return;
    }
    const len = src.length;
    // Before the bytes land: a snooping device makes the CPU write back the dirty
    // lines it touches; a non-coherent one leaves CPU copies that are now old.
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      const slot = this.findSlot(Math.floor(a / PAGE));
      if (slot >= 0 && this.validCount[slot] !== 0) {
        if (coherent) this.snoopBeforeWrite(slot, a - off, off >>> 6, (off + n - 1) >>> 6);
        else this.markStale(slot, a - off, off >>> 6, (off + n - 1) >>> 6);
      }
      done += n;
    }
    this.memory.write(pa, src);
  }

  private snoopBeforeWrite(slot: number, pageBase: number, first: number, last: number): void {
    const base = slot * LPP;
    for (let l = first; l <= last; l++) {
      const s = this.states[base + l] as number;
      if ((s & VALID) === 0) continue;
      if ((s & DIRTY) !== 0) this.writeBackLine(slot, pageBase, l, false);
      this.dropLine(slot, l);
    }
  }

  private markStale(slot: number, pageBase: number, first: number, last: number): void {
    const base = slot * LPP;
    let d = -1;
    for (let l = first; l <= last; l++) {
      const s = this.states[base + l] as number;
      if ((s & VALID) === 0 || (s & STALE) !== 0) continue;
      if ((s & DIRTY) === 0) {
        // Keep the bytes the CPU cached: memory is about to change under them.
        if (d < 0) d = this.ensureData(slot);
        const ls = l * CACHE_LINE_SIZE;
        this.memory.read(pageBase + ls, this.data.subarray(d * PAGE + ls, d * PAGE + ls + CACHE_LINE_SIZE));
        this.dataCount[slot] = (this.dataCount[slot] as number) + 1;
      }
      this.states[base + l] = s | STALE;
    }
  }

  // ---- Maintenance ----

  maintain(pa: number, len: number, op: "clean" | "invalidate" | "clean-invalidate"): void {
    if (op !== "clean" && op !== "invalidate" && op !== "clean-invalidate") throw new RangeError(`maintain: op must be "clean", "invalidate" or "clean-invalidate", got "${String(op)}"`);
    if (!Number.isSafeInteger(pa) || pa < 0 || !Number.isSafeInteger(len) || len < 0) throw new RangeError(`maintain: bad range pa=${pa} len=${len}`);
    if (len === 0 || this.validLines === 0) return;
    const clean = op !== "invalidate";
    const inval = op !== "clean";
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      const slot = this.findSlot(Math.floor(a / PAGE));
      if (slot >= 0 && this.validCount[slot] !== 0) {
        const base = slot * LPP;
        const last = (off + n - 1) >>> 6;
        for (let l = off >>> 6; l <= last; l++) {
          const s = this.states[base + l] as number;
          if ((s & VALID) === 0) continue;
          if (clean && (s & DIRTY) !== 0) this.writeBackLine(slot, a - off, l, true);
          if (inval) this.dropLine(slot, l);
        }
      }
      done += n;
    }
  }

  fence(): void {
    for (let i = 0; i < this.wcLine.length && this.wcCount > 0; i++) {
      if ((this.wcLine[i] as number) >= 0) this.wcDrain(i);
    }
    this.wcNext = 0;
  }

  /** Refill (as clean lines) every line over [pa, pa+len) the CPU had cached before: a speculative prefetch. */
  speculativeRefill(pa: number, len: number): number {
    let refilled = 0;
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a % PAGE;
      const n = Math.min(len - done, PAGE - off);
      const slot = this.findSlot(Math.floor(a / PAGE));
      if (slot >= 0) refilled += this.refillLines(slot, off >>> 6, (off + n - 1) >>> 6);
      done += n;
    }
    return refilled;
  }

  /**
   * `count` seeded speculative refills: each picks, with `prng`, one page the
   * CPU has cached and refills the lines of it the CPU had cached before.
   * Returns the number of lines refilled.
   */
  randomRefills(prng: Prng, count: number): number {
    let refilled = 0;
    for (let i = 0; i < count && this.slotCount > 0; i++) refilled += this.refillLines(prng.int(this.slotCount), 0, LPP - 1);
    return refilled;
  }

  private refillSeen(slot: number): void {
    if ((this.validCount[slot] as number) < LPP) this.refillLines(slot, 0, LPP - 1);
  }

  private refillLines(slot: number, first: number, last: number): number {
    const base = slot * LPP;
    let added = 0;
    for (let l = first; l <= last; l++) {
      const s = this.states[base + l] as number;
      if ((s & SEEN) !== 0 && (s & VALID) === 0) {
        this.states[base + l] = s | VALID;
        added++;
      }
    }
    this.validCount[slot] = (this.validCount[slot] as number) + added;
    this.validLines += added;
    return added;
  }

  // ---- Line helpers ----

  /** Write a dirty line's bytes to memory; it stays valid and becomes clean (its copy now equals memory). */
  private writeBackLine(slot: number, pageBase: number, l: number, report: boolean): void {
    const base = slot * LPP;
    const s = this.states[base + l] as number;
    const d = this.dataIndex[slot] as number;
    const ls = l * CACHE_LINE_SIZE;
    if (report && (s & STALE) !== 0 && this.observers.current !== null) this.observers.current.onWritebackClobber(pageBase + ls);
    this.memory.write(pageBase + ls, this.data.subarray(d * PAGE + ls, d * PAGE + ls + CACHE_LINE_SIZE));
    this.states[base + l] = (s & ~(DIRTY | STALE)) | VALID;
    this.dirtyLines--;
    this.releaseData(slot);
  }

  private dropLine(slot: number, l: number): void {
    const base = slot * LPP;
    const s = this.states[base + l] as number;
    if ((s & VALID) === 0) return;
    if ((s & DIRTY) !== 0) this.dirtyLines--;
    this.states[base + l] = s & SEEN;
    this.validCount[slot] = (this.validCount[slot] as number) - 1;
    this.validLines--;
    if ((s & HAS_DATA) !== 0) this.releaseData(slot);
  }

  /** One line of the slot no longer holds bytes; free the page's block when none does. */
  private releaseData(slot: number): void {
    const c = (this.dataCount[slot] as number) - 1;
    this.dataCount[slot] = c;
    if (c === 0) {
      this.dataFree.push(this.dataIndex[slot] as number);
      this.dataIndex[slot] = -1;
    }
  }

  private ensureData(slot: number): number {
    let d = this.dataIndex[slot] as number;
    if (d >= 0) return d;
    const free = this.dataFree.pop();
    if (free !== undefined) d = free;
    else {
      d = this.dataUsed++;
      if (d * PAGE + PAGE > this.data.length) {
        const bigger = new Uint8Array(this.data.length * 2);
        bigger.set(this.data);
        this.data = bigger;
      }
    }
    this.dataIndex[slot] = d;
    return d;
  }

  private findSlot(pfn: number): number {
    if (this.slotCount === 0) return -1;
    const keys = this.hKeys;
    const mask = this.hMask;
    let i = Math.imul(pfn, 0x9e3779b1) & mask;
    for (;;) {
      const k = keys[i] as number;
      if (k === 0) return -1;
      if (k === pfn + 1) return this.hVals[i] as number;
      i = (i + 1) & mask;
    }
  }

  private ensureSlot(pfn: number): number {
    const found = this.findSlot(pfn);
    if (found >= 0) return found;
    const slot = this.slotCount++;
    if (slot >= this.slotPfn.length) this.growSlots();
    this.slotPfn[slot] = pfn;
    if (this.slotCount * 2 > this.hKeys.length) this.rehash(this.hKeys.length * 2);
    else this.hashInsert(pfn, slot);
    return slot;
  }

  private hashInsert(pfn: number, slot: number): void {
    const mask = this.hMask;
    let i = Math.imul(pfn, 0x9e3779b1) & mask;
    while (this.hKeys[i] !== 0) i = (i + 1) & mask;
    this.hKeys[i] = pfn + 1;
    this.hVals[i] = slot;
  }

  private rehash(size: number): void {
    this.hKeys = new Int32Array(size);
    this.hVals = new Int32Array(size);
    this.hMask = size - 1;
    for (let s = 0; s < this.slotCount; s++) this.hashInsert(this.slotPfn[s] as number, s);
  }

  private growSlots(): void {
    const n = this.slotPfn.length * 2;
    const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.states = grow(this.states, (k) => new Uint8Array(k));
    this.validCount = grow(this.validCount, (k) => new Uint8Array(k));
    this.dataCount = grow(this.dataCount, (k) => new Uint8Array(k));
    const di = new Int32Array(n).fill(-1);
    di.set(this.dataIndex);
    this.dataIndex = di;
    this.slotPfn = grow(this.slotPfn, (k) => new Int32Array(k));
  }

  // ---- Write-combining buffers ----

  private wcWrite(pa: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const a = pa + done;
      const line = a - (a % CACHE_LINE_SIZE);
      const lo = a - line;
      const n = Math.min(src.length - done, CACHE_LINE_SIZE - lo);
      let i = this.wcFind(line);
      if (i < 0) {
        i = this.wcFind(-1);
        if (i < 0) {
          // All buffers busy: the oldest drains first.
          i = this.wcNext;
          this.wcDrain(i);
        }
        this.wcLine[i] = line;
        this.wcCount++;
        this.wcNext = (i + 1) % this.wcLine.length;
      }
      this.wcData.set(src.subarray(done, done + n), i * CACHE_LINE_SIZE + lo);
      this.wcMask.fill(1, i * CACHE_LINE_SIZE + lo, i * CACHE_LINE_SIZE + lo + n);
      done += n;
    }
  }

  private wcFind(line: number): number {
    for (let i = 0; i < this.wcLine.length; i++) if (this.wcLine[i] === line) return i;
    return -1;
  }

  private wcDrain(i: number): void {
    const line = this.wcLine[i] as number;
    const b = i * CACHE_LINE_SIZE;
    let o = 0;
    while (o < CACHE_LINE_SIZE) {
      if (this.wcMask[b + o] === 0) {
        o++;
        continue;
      }
      let e = o;
      while (e < CACHE_LINE_SIZE && this.wcMask[b + e] === 1) e++;
      // A write-combined store reaches memory the way a device write does: CPU cache lines are not updated.
      this.memory.write(line + o, this.wcData.subarray(b + o, b + e));
      o = e;
    }
    this.wcMask.fill(0, b, b + CACHE_LINE_SIZE);
    this.wcLine[i] = -1;
    this.wcCount--;
  }

  /** The CPU sees its own pending write-combined stores. */
  private wcOverlay(pa: number, dst: Uint8Array): void {
    const end = pa + dst.length;
    for (let i = 0; i < this.wcLine.length; i++) {
      const line = this.wcLine[i] as number;
      if (line < 0 || line + CACHE_LINE_SIZE <= pa || line >= end) continue;
      const b = i * CACHE_LINE_SIZE;
      for (let o = Math.max(0, pa - line); o < CACHE_LINE_SIZE && line + o < end; o++) {
        if (this.wcMask[b + o] === 1) dst[line + o - pa] = this.wcData[b + o] as number;
      }
    }
  }

  private wcCheckDevice(pa: number, len: number): void {
    const end = pa + len;
    for (let i = 0; i < this.wcLine.length; i++) {
      const line = this.wcLine[i] as number;
      if (line < 0 || line + CACHE_LINE_SIZE <= pa || line >= end) continue;
      if (this.observers.current !== null) this.observers.current.onUndrainedWriteCombine(pa, len, line);
      return;
    }
  }

  /** Copy one line of memory into a scratch buffer (tests and reports). */
  memoryLine(pa: number): Uint8Array {
    this.memory.read(pa - (pa % CACHE_LINE_SIZE), this.lineTmp);
    return this.lineTmp.slice();
  }
}

/**
 * A `bootMachine({ memorySystem })` factory for the cache model.
 * `bootMachine("arm64-soc", { memorySystem: cacheModel() })`.
 */
export function cacheModel(opts: CacheOptions = {}): (memory: PhysicalMemory, profile: MachineProfile) => MemorySystem {
  return (memory) => new CacheMemorySystem(memory, opts);
}
