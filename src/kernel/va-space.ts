/**
 * The system virtual address space: kernel VAs mapped to page frames with a
 * cache attribute, and the CPU's loads and stores through them.
 *
 * VAs are plain numbers below 2^48 with bit 47 set; `formatVa` shows them in
 * canonical kernel form (0xFFFFC000`00001000). A mapping is one record per
 * range (never per page); lookups are a binary search over mapping starts with
 * a one-entry cache for the common repeated case.
 *
 * Small accesses (a driver's register-sized loads and stores, descriptors)
 * have a fast path: the last two pages small accesses reached, when plain
 * memory (a coherent memory system, not registers, not Device memory,
 * already written), is kept as a view of its backing and accessed directly;
 * an observer (the verifier) is still told of each access first, exactly as
 * the full path tells it. The pages are dropped on unmap, and whenever physical
 * memory may read as the pattern again (PhysicalMemory.epoch); anything it
 * does not cover takes the full path, so results, faults and observations
 * are the same.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
// In-page offsets are `x & PAGE_MASK`: for a whole address below 2^53 that is `x % PAGE_SIZE` as an integer operation (a double's `%` is a library call).
import { PAGE_MASK, PAGE_SIZE } from "../core/address.ts";
import { ObserverSlot } from "../core/hooks.ts";
import type { AccessSize } from "../machine/device-model.ts";
import { type CacheAttribute, CoherentMemorySystem, type MemorySystem } from "../machine/memory-system.ts";
import type { PhysicalMemory } from "../machine/physical-memory.ts";

/** STATUS_DATATYPE_MISALIGNMENT: the exception an alignment fault raises. */
export const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;

/** Where CPU accesses to register mappings go (the board's MMIO space). */
export interface RegisterPort {
  /** A load of `size` bytes at physical `address`. */
  read(address: number, size: AccessSize): number;
  /** A store of `size` bytes at physical `address`. */
  write(address: number, size: AccessSize, value: number): void;
}

/** Start of the system VA region handed out to mappings (shown as 0xFFFFC000`00000000). */
/** A VA that is not a whole number (NaN, a fraction, infinity) names no byte: the caller's mistake, said as such. */
function notAnAddress(what: string, va: number): never {
  throw new TypeError(`${what} at ${String(va)}: a virtual address is a whole number`);
}

export const SYSTEM_VA_BASE = 0xc000_0000_0000;
/** End (exclusive) of the system VA region. */
export const SYSTEM_VA_END = 0xffff_ffff_f000;

/** One mapping of the system VA space: virtually contiguous pages over page frames that need not be. */
export interface VaMapping {
  /** Its first VA (a plain number below 2^48; {@link formatVa} shows it canonical). */
  readonly startVa: number;
  /** Pages mapped; the mapping covers [startVa, startVa + pages * 4096). */
  readonly pages: number;
  /** Page frame of each page. */
  readonly pfns: Int32Array;
  /** The cache attribute the CPU uses for it. */
  readonly cache: CacheAttribute;
  /**
   * ARM64 Windows maps uncached common buffers as Device memory: misaligned or
   * wider-than-natural accesses fault there.
   */
  readonly deviceMemory: boolean;
  /** Who made the mapping ("common buffer", "MmMapIoSpace", ...), for messages and the report. */
  readonly tag: string;
  /** Device registers (MmMapIoSpace of a non-RAM range): accesses go to the MMIO space, not to memory. */
  readonly io: boolean;
  /** Mapped read-only (MmMapIoSpaceEx with PAGE_READONLY): a store bug checks 0xBE. */
  readonly readOnly: boolean;
}

/** Extra properties of a mapping. */
export interface MapOptions {
  /** ARM64 Device memory (alignment faults). */
  readonly deviceMemory?: boolean;
  /** Device registers: accesses go to the MMIO space. */
  readonly io?: boolean;
  /** Stores bug check 0xBE. */
  readonly readOnly?: boolean;
}

/** Observers of CPU accesses (verifier): defined here so va-space never imports them. */
export interface CpuAccessObserver {
  /** A CPU load or store of `length` bytes at `va`, inside `mapping`; `widthBytes` is the access size (0 = a byte copy). */
  onCpuAccess(mapping: VaMapping, va: number, length: number, write: boolean, widthBytes: number): void;
}

/** What VaSpace.setCatchUp reads before each access: whether the catch-up may have anything to do. */
interface CatchUpState {
  /** False while the catch-up would change nothing (no 8237 channel running): it is then not called. */
  readonly pending: boolean;
}

/** The catch-up state of a VA space with none set: never pending. */
const NO_CATCH_UP: CatchUpState = { pending: false };
function noCatchUp(): void {}

/** Accesses of at most this many bytes may take the fast path (a byte loop beats a subarray and set below this; a PLX transfer element is 32). */
const FAST_MAX = 32;
/** Slots of VaSpace.find's cache of recent mappings (a power of two). */
const FIND_SLOTS = 16;
/** fastPage when no page is cached: va - NO_PAGE is beyond any page offset. */
const NO_PAGE = -(2 ** 52);

/** A VA as a 64-bit bug-check parameter (sign-extended, canonical). */
function canonical(va: number): bigint {
  return BigInt(va) | (va >= 0x8000_0000_0000 ? 0xffff_0000_0000_0000n : 0n);
}

/**
 * A kernel VA as people read it: canonical, 64 bits, a backtick between the
 * halves, as WinDbg prints it: 0xFFFFC000`00001000. dmasim keeps VAs as
 * numbers below 2^48 (exact in a double); this adds the sign extension.
 */
export function formatVa(va: number): string {
  const canonical = va >= 0x8000_0000_0000 ? 0xffff_0000_0000_0000n | BigInt(va) : BigInt(va);
  const s = canonical.toString(16).toUpperCase().padStart(16, "0");
  return `0x${s.slice(0, 8)}\`${s.slice(8)}`;
}

/**
 * The system VA space (`k.va`): mappings of common buffers, contiguous memory
 * and device registers, and the CPU's loads and stores through them (use
 * `k.cpu` for typed accesses). An access to an unmapped VA bug checks 0x50.
 */
export class VaSpace {
  private readonly mem: MemorySystem;
  /** Live mappings sorted by startVa. */
  private readonly mappings: VaMapping[] = [];
  /** Free VA ranges [start, end) kept sorted; first fit. */
  private readonly freeRanges: [number, number][] = [[SYSTEM_VA_BASE, SYSTEM_VA_END]];
  private last: VaMapping | undefined;
  /** Mappings found lately, by the low bits of a page number they hold (see find). */
  private readonly recent: (VaMapping | undefined)[] = new Array<VaMapping | undefined>(FIND_SLOTS).fill(undefined);
  /** Observers of CPU accesses (verifier, a user's probe): `va.observers.add(o)`. */
  readonly observers = new ObserverSlot<CpuAccessObserver>(["onCpuAccess"]);
  /**
   * Runs before every CPU access: lazily advancing devices (the 8237) catch up
   * to now, so a CPU store never overtakes a DMA transfer that was due earlier.
   */
  beforeAccess: (() => void) | null = null;
  /** The board's catch-up (see setCatchUp) and whether it is due. */
  private catchUpState: CatchUpState = NO_CATCH_UP;
  private catchUpFn: () => void = noCatchUp;
  /** Staging for typed loads and stores that leave the in-place path (separate, so an observer's nested load cannot clobber a store's bytes). */
  private readonly ld = new Uint8Array(4);
  private readonly ldView = new DataView(this.ld.buffer);
  private readonly ldViews = [this.ld.subarray(0, 0), this.ld.subarray(0, 1), this.ld.subarray(0, 2), this.ld.subarray(0, 3), this.ld] as const;
  private readonly st = new Uint8Array(4);
  private readonly stView = new DataView(this.st.buffer);
  private readonly stViews = [this.st.subarray(0, 0), this.st.subarray(0, 1), this.st.subarray(0, 2), this.st.subarray(0, 3), this.st] as const;

  private readonly registers: RegisterPort | null;
  private readonly word = new Uint8Array(4);
  private readonly wordView = new DataView(this.word.buffer);

  private fast = true;
  /** Physical memory when the memory system is the plain coherent one (no cache model), else null: no fast path. */
  private readonly plain: PhysicalMemory | null;
  /** VA of the cached page; far below every VA when none is cached (so that no offset from it is in range). */
  private fastPage = NO_PAGE;
  /** Backing of the cached page (4096 bytes). */
  private fastBytes: Uint8Array = new Uint8Array(0);
  /** Its mapping (dropped with it on unmap) and whether stores may take the fast path too. */
  private fastMapping: VaMapping | null = null;
  private fastWritable = false;
  /** PhysicalMemory.epoch when the page was cached. */
  private fastEpoch = -1;
  /**
   * A second cached page, the same five fields: where a newly cached page
   * goes while the first is held (drivers keep coming back to a ring between
   * touches of buffers seen once); an access that misses the first but falls
   * in this one swaps the two. Dropped with it.
   */
  private altPage = NO_PAGE;
  private altBytes: Uint8Array = new Uint8Array(0);
  private altMapping: VaMapping | null = null;
  private altWritable = false;
  private altEpoch = -1;

  constructor(mem: MemorySystem, registers: RegisterPort | null = null) {
    this.mem = mem;
    this.registers = registers;
    // Only the exact coherent pass-through: a subclass or a patched instance may observe or change accesses.
    const proto = CoherentMemorySystem.prototype;
    this.plain = mem instanceof CoherentMemorySystem && Object.getPrototypeOf(mem) === proto && mem.cpuRead === proto.cpuRead && mem.cpuWrite === proto.cpuWrite ? mem.memory : null;
  }

  /**
   * Whether small accesses may use the cached page translation (see the
   * module comment). Off, every access takes the full path; the results are
   * the same either way (tests compare the two).
   */
  get fastPath(): boolean {
    return this.fast;
  }
  /** Turn the cached page translation on or off (drops what it cached). */
  set fastPath(on: boolean) {
    this.fast = on;
    this.dropFastPage();
  }

  /**
   * The machine's catch-up of lazily advancing devices (Board.sync): run
   * before every CPU access, ahead of beforeAccess, whenever `state.pending`
   * is true. While it is false the catch-up would change nothing, so it is
   * skipped; the board keeps the flag (an 8237 channel started or stopped).
   */
  setCatchUp(state: { readonly pending: boolean }, sync: () => void): void {
    this.catchUpState = state;
    this.catchUpFn = sync;
  }

  /** Live mappings. */
  get mappingCount(): number {
    return this.mappings.length;
  }

  /** Map the given page frames at a fresh VA. Pages are virtually contiguous; frames need not be. */
  map(pfns: ArrayLike<number>, cache: CacheAttribute, tag: string, options: boolean | MapOptions = false): VaMapping {
    const o: MapOptions = typeof options === "boolean" ? { deviceMemory: options } : options;
    const pages = pfns.length;
    if (pages < 1) throw new RangeError("VaSpace.map: at least one page frame is needed");
    const bytes = pages * PAGE_SIZE;
    // One guard page after each mapping so that a run past the end faults.
    const need = bytes + PAGE_SIZE;
    const idx = this.freeRanges.findIndex(([s, e]) => e - s >= need);
    const range = this.freeRanges[idx];
    if (range === undefined) throw new RangeError("VaSpace.map: system VA space exhausted");
    const startVa = range[0];
    range[0] += need;
    if (range[0] === range[1]) this.freeRanges.splice(idx, 1);
    const m: VaMapping = { startVa, pages, pfns: Int32Array.from(pfns), cache, deviceMemory: o.deviceMemory === true, tag, io: o.io === true, readOnly: o.readOnly === true };
    const at = this.insertionIndex(startVa);
    this.mappings.splice(at, 0, m);
    return m;
  }

  /** Remove the mapping that starts exactly at `va`. RangeError when there is none. */
  unmap(va: number): VaMapping {
    const i = this.indexOf(va);
    const m = this.mappings[i];
    if (m === undefined || m.startVa !== va) throw new RangeError(`VaSpace.unmap: no mapping starts at ${formatVa(va)}`);
    this.mappings.splice(i, 1);
    if (this.last === m) this.last = undefined;
    for (let j = 0; j < FIND_SLOTS; j++) if (this.recent[j] === m) this.recent[j] = undefined;
    if (this.fastMapping === m || this.altMapping === m) this.dropFastPage();
    this.release(m.startVa, m.startVa + m.pages * PAGE_SIZE + PAGE_SIZE);
    return m;
  }

  /**
   * The mapping holding `va`, or undefined: what a VA is (its tag, cache
   * attribute, frames).
   *
   * @example
   * ```ts
   * import { bootMachine, MmAllocateContiguousMemory, physicalAddress } from "dmasim";
   * const k = bootMachine("x64-desktop");
   * const va = MmAllocateContiguousMemory(k, 8192, physicalAddress(0xffff_ffff)) ?? 0;
   * const m = k.va.find(va + 5000);
   * console.log(m?.startVa === va, m?.pages, m?.cache); // true 2 cached
   * ```
   */
  find(va: number): VaMapping | undefined {
    const l = this.last;
    if (l !== undefined && va >= l.startVa && va < l.startVa + l.pages * PAGE_SIZE) return l;
    // Drivers go back and forth between a few mappings (registers, a ring, the request's buffer): one per page slot.
    const slot = Math.floor(va / PAGE_SIZE) & (FIND_SLOTS - 1);
    const c = this.recent[slot];
    if (c !== undefined && va >= c.startVa && va < c.startVa + c.pages * PAGE_SIZE) {
      this.last = c;
      return c;
    }
    const m = this.mappings[this.indexOf(va)];
    if (m !== undefined && va >= m.startVa && va < m.startVa + m.pages * PAGE_SIZE) {
      this.last = m;
      this.recent[slot] = m;
      return m;
    }
    return undefined;
  }

  /** Physical address behind va (MmGetPhysicalAddress), or -1 when unmapped. */
  physicalAddressOf(va: number): number {
    if (Math.floor(va) !== va) notAnAddress("physicalAddressOf", va);
    const m = this.find(va);
    if (m === undefined) return -1;
    const off = va - m.startVa;
    return (m.pfns[Math.floor(off / PAGE_SIZE)] as number) * PAGE_SIZE + (off & PAGE_MASK);
  }

  /** CPU load of dst.length bytes at va. `width` is the access size for alignment rules (1, 2, 4, 8; 0 = a byte copy). */
  read(va: number, dst: Uint8Array, width = 0): void {
    this.access(va, dst, false, width);
  }

  /** CPU store of src at va. */
  write(va: number, src: Uint8Array, width = 0): void {
    this.access(va, src, true, width);
  }

  /**
   * A 1, 2 or 4-byte store of `value` at a naturally aligned `va` inside a
   * register mapping, straight to the device: what write() would do there
   * (the observer told, then one register access of that width), without
   * packing the value into bytes and back. False, having done nothing, for
   * anything else (the caller takes write()).
   */
  registerStore(va: number, width: 1 | 2 | 4, value: number): boolean {
    const m = this.registerMappingAt(va, width, true);
    if (m === null) return false;
    if (this.catchUpState.pending) this.catchUpFn();
    if (this.beforeAccess !== null) this.beforeAccess();
    const obs = this.observers.current;
    if (obs !== null) obs.onCpuAccess(m, va, width, true, width);
    const pa = (m.pfns[Math.floor((va - m.startVa) / PAGE_SIZE)] as number) * PAGE_SIZE + ((va - m.startVa) & PAGE_MASK);
    if (this.registers !== null) this.registers.write(pa, width, width === 4 ? value >>> 0 : value & (width === 2 ? 0xffff : 0xff));
    return true;
  }

  /** The load registerStore is to read(): the register's value (all ones with no MMIO space), or -1 when `va` is not such a register (nothing done). */
  registerLoad(va: number, width: 1 | 2 | 4): number {
    const m = this.registerMappingAt(va, width, false);
    if (m === null) return -1;
    if (this.catchUpState.pending) this.catchUpFn();
    if (this.beforeAccess !== null) this.beforeAccess();
    const obs = this.observers.current;
    if (obs !== null) obs.onCpuAccess(m, va, width, false, width);
    const pa = (m.pfns[Math.floor((va - m.startVa) / PAGE_SIZE)] as number) * PAGE_SIZE + ((va - m.startVa) & PAGE_MASK);
    const v = this.registers === null ? 0xffff_ffff : this.registers.read(pa, width);
    return width === 4 ? v >>> 0 : v & (width === 2 ? 0xffff : 0xff);
  }

  /**
   * A 1, 2 or 4-byte load at `va`, unsigned (Cpu.readU8/16/32): a register
   * load (registerLoad) where `va` is a register, else read() of that width.
   * A load from the cached page (module comment) is done in place, with the
   * same catch-up, observation and result.
   */
  load(va: number, width: 1 | 2 | 4): number {
    let at = va - this.fastPage;
    if (!(at >= 0 && at <= PAGE_SIZE - width) && this.promote(va, width)) at = va - this.fastPage;
    // The cached page's mapping is plain memory, so registerLoad would decline: this is read()'s own path.
    if (at >= 0 && at <= PAGE_SIZE - width && Math.floor(va) === va) {
      if (this.catchUpState.pending) this.catchUpFn();
      if (this.beforeAccess !== null) this.beforeAccess();
      const off = va - this.fastPage;
      if (off >= 0 && off + width <= PAGE_SIZE && this.fastEpoch === (this.plain as PhysicalMemory).epoch) {
        const obs = this.observers.current;
        if (obs !== null) {
          const page = this.fastPage;
          obs.onCpuAccess(this.fastMapping as VaMapping, va, width, false, width);
          if (this.fastPage !== page || this.fastEpoch !== (this.plain as PhysicalMemory).epoch) {
            this.fullAccess(va, this.ldViews[width], false, width, false);
            return this.loaded(width);
          }
        }
        const b = this.fastBytes;
        if (width === 1) return b[off] as number;
        if (width === 2) return (b[off] as number) | ((b[off + 1] as number) << 8);
        return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0;
      }
      this.smallMiss(va, this.ldViews[width], false, width);
      return this.loaded(width);
    }
    const r = this.registerLoad(va, width);
    if (r >= 0) return r;
    this.access(va, this.ldViews[width], false, width);
    return this.loaded(width);
  }

  /**
   * A 1, 2 or 4-byte store of `value`'s low bits at `va` (Cpu.writeU8/16/32):
   * registerStore where `va` is a register, else write() of that width; a
   * store into the cached page is done in place (as load()).
   */
  store(va: number, width: 1 | 2 | 4, value: number): void {
    let at = va - this.fastPage;
    if (!(at >= 0 && at <= PAGE_SIZE - width) && this.promote(va, width)) at = va - this.fastPage;
    if (at >= 0 && at <= PAGE_SIZE - width && this.fastWritable && Math.floor(va) === va) {
      if (this.catchUpState.pending) this.catchUpFn();
      if (this.beforeAccess !== null) this.beforeAccess();
      const off = va - this.fastPage;
      if (off >= 0 && off + width <= PAGE_SIZE && this.fastWritable && this.fastEpoch === (this.plain as PhysicalMemory).epoch) {
        const obs = this.observers.current;
        if (obs !== null) {
          const page = this.fastPage;
          obs.onCpuAccess(this.fastMapping as VaMapping, va, width, true, width);
          if (this.fastPage !== page || this.fastEpoch !== (this.plain as PhysicalMemory).epoch) {
            this.fullAccess(va, this.packed(width, value), true, width, false);
            return;
          }
        }
        const b = this.fastBytes;
        if (width === 1) b[off] = value;
        else if (width === 2) {
          b[off] = value;
          b[off + 1] = value >> 8;
        } else {
          const u = value >>> 0;
          b[off] = u;
          b[off + 1] = u >>> 8;
          b[off + 2] = u >>> 16;
          b[off + 3] = u >>> 24;
        }
        return;
      }
      this.smallMiss(va, this.packed(width, value), true, width);
      return;
    }
    if (this.registerStore(va, width, value)) return;
    this.access(va, this.packed(width, value), true, width);
  }

  /** The value of a load staged in `ld`. */
  private loaded(width: 1 | 2 | 4): number {
    return width === 1 ? (this.ld[0] as number) : width === 2 ? this.ldView.getUint16(0, true) : this.ldView.getUint32(0, true);
  }

  /** `value` as the bytes a store of `width` writes (what a DataView store of that width makes of it), staged in `st`. */
  private packed(width: 1 | 2 | 4, value: number): Uint8Array {
    if (width === 1) this.st[0] = value;
    else if (width === 2) this.stView.setUint16(0, value, true);
    else this.stView.setUint32(0, value >>> 0, true);
    return this.stViews[width];
  }

  /** The register mapping wholly holding the aligned access, when the fast register path may take it (not a read-only store). */
  private registerMappingAt(va: number, width: number, write: boolean): VaMapping | null {
    if (!this.fast || Math.floor(va) !== va || (va & (width - 1)) !== 0) return null;
    const m = this.find(va);
    if (m === undefined || !m.io || (write && m.readOnly) || va + width > m.startVa + m.pages * PAGE_SIZE) return null;
    return m;
  }

  private dropFastPage(): void {
    this.fastPage = NO_PAGE;
    this.fastMapping = null;
    this.fastBytes = new Uint8Array(0);
    this.altPage = NO_PAGE;
    this.altMapping = null;
    this.altBytes = this.fastBytes;
  }

  /** When [va, va + len) lies in the other cached page, make it the first (a swap; both stay valid) and say so. */
  private promote(va: number, len: number): boolean {
    const off = va - this.altPage;
    if (!(off >= 0 && off + len <= PAGE_SIZE)) return false;
    const page = this.altPage;
    const bytes = this.altBytes;
    const mapping = this.altMapping;
    const writable = this.altWritable;
    const epoch = this.altEpoch;
    this.altPage = this.fastPage;
    this.altBytes = this.fastBytes;
    this.altMapping = this.fastMapping;
    this.altWritable = this.fastWritable;
    this.altEpoch = this.fastEpoch;
    this.fastPage = page;
    this.fastBytes = bytes;
    this.fastMapping = mapping;
    this.fastWritable = writable;
    this.fastEpoch = epoch;
    return true;
  }

  private access(va: number, buf: Uint8Array, write: boolean, width: number): void {
    if (Math.floor(va) !== va) notAnAddress(write ? "a CPU store" : "a CPU load", va);
    if (this.catchUpState.pending) this.catchUpFn();
    if (this.beforeAccess !== null) this.beforeAccess();
    const len = buf.length;
    if (len <= FAST_MAX) {
      let off = va - this.fastPage;
      // (Not for an empty access: one outside the first page never reached the observer, and still does not.)
      if (!(off >= 0 && off + len <= PAGE_SIZE) && len > 0 && this.promote(va, len)) off = va - this.fastPage;
      if (off >= 0 && off + len <= PAGE_SIZE && (!write || this.fastWritable) && this.fastEpoch === (this.plain as PhysicalMemory).epoch) {
        // What fullAccess would tell the observer: one piece, in this page's mapping (never registers or Device memory).
        const obs = this.observers.current;
        if (obs !== null) {
          const page = this.fastPage;
          obs.onCpuAccess(this.fastMapping as VaMapping, va, len, write, width);
          // An observer that unmapped or scrubbed meanwhile: the data goes the full way (already observed).
          if (this.fastPage !== page || this.fastEpoch !== (this.plain as PhysicalMemory).epoch) {
            this.fullAccess(va, buf, write, width, false);
            return;
          }
        }
        const b = this.fastBytes;
        if (write) for (let i = 0; i < len; i++) b[off + i] = buf[i] as number;
        else for (let i = 0; i < len; i++) buf[i] = b[off + i] as number;
        return;
      }
      this.smallMiss(va, buf, write, width);
      return;
    }
    this.fullAccess(va, buf, write, width);
  }

  /** A small access the cached page did not serve: the full path, then its page cached for the next ones. */
  private smallMiss(va: number, buf: Uint8Array, write: boolean, width: number): void {
    this.fullAccess(va, buf, write, width);
    const len = buf.length;
    const page = Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    if (va + len <= page + PAGE_SIZE && len > 0) this.cachePage(page);
  }

  /**
   * After a small access that took the full path: cache its page for the next
   * ones when it is plain memory (not registers or Device memory, not fresh:
   * a fresh page reads as the pattern and its first store changes bookkeeping,
   * so those stay on the full path).
   */
  private cachePage(page: number): void {
    const memory = this.plain;
    if (memory === null || !this.fast) return;
    const m = this.find(page);
    if (m === undefined || m.io || m.deviceMemory) return;
    const pa = (m.pfns[(page - m.startVa) / PAGE_SIZE] as number) * PAGE_SIZE;
    // Only a page that is written already: its backing, with nothing changed.
    const v = memory.writtenPage(pa);
    if (v === undefined) return;
    if (page !== this.fastPage && this.fastPage !== NO_PAGE) {
      // A new page goes in the other slot and is made the first on its next access: a page touched once per frame
      // (the frame's own buffer) does not push out the ring that every frame comes back to.
      this.altBytes = v;
      this.altPage = page;
      this.altMapping = m;
      this.altWritable = !m.readOnly;
      this.altEpoch = memory.epoch;
      return;
    }
    this.fastBytes = v;
    this.fastPage = page;
    this.fastMapping = m;
    this.fastWritable = !m.readOnly;
    this.fastEpoch = memory.epoch;
  }

  private fullAccess(va: number, buf: Uint8Array, write: boolean, width: number, notify = true): void {
    let done = 0;
    const len = buf.length;
    while (done < len) {
      const a = va + done;
      const m = this.find(a);
      if (m === undefined) {
        // A kernel access to an unmapped VA: PAGE_FAULT_IN_NONPAGED_AREA (address, 1 = write / 0 = read).
        throw new BugCheckError(BUGCHECK.PAGE_FAULT_IN_NONPAGED_AREA, BigInt(a) | (a >= 0x8000_0000_0000 ? 0xffff_0000_0000_0000n : 0n), write ? 1 : 0, 0, 0, `${write ? "write to" : "read from"} unmapped VA ${formatVa(a)}`);
      }
      const end = m.startVa + m.pages * PAGE_SIZE;
      const n = Math.min(len - done, end - a);
      if (write && m.readOnly) throw new BugCheckError(BUGCHECK.ATTEMPTED_WRITE_TO_READONLY_MEMORY, canonical(a), 0, 0, 0, `write to read-only VA ${formatVa(a)} (${m.tag})`);
      // ARM64 Device memory: the processor itself refuses a misaligned or wider-than-natural access (an alignment fault).
      if (m.deviceMemory && width > 0 && (a % width !== 0 || n % width !== 0 || width > 8)) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, STATUS_DATATYPE_MISALIGNMENT, 0, write ? 1 : 0, canonical(a), `alignment fault: ${width}-byte ${write ? "store" : "load"} at ${formatVa(a)} on Device memory (${m.tag}) is not naturally aligned`);
      const obs = notify ? this.observers.current : null;
      if (obs !== null) obs.onCpuAccess(m, a, n, write, width);
      if (m.io) {
        this.registerAccess(m, a, buf, done, n, write, width);
        done += n;
        continue;
      }
      // Within one mapping, copy one physically contiguous run at a time.
      let o = 0;
      while (o < n) {
        const v = a + o;
        const pageIdx = Math.floor((v - m.startVa) / PAGE_SIZE);
        const pa = (m.pfns[pageIdx] as number) * PAGE_SIZE + ((v - m.startVa) & PAGE_MASK);
        let run = PAGE_SIZE - ((v - m.startVa) & PAGE_MASK);
        let p = pageIdx;
        while (o + run < n && p + 1 < m.pages && m.pfns[p + 1] === (m.pfns[p] as number) + 1) {
          run += PAGE_SIZE;
          p++;
        }
        run = Math.min(run, n - o);
        const part = done + o === 0 && run === len ? buf : buf.subarray(done + o, done + o + run);
        if (write) this.mem.cpuWrite(pa, part, m.cache);
        else this.mem.cpuRead(pa, part, m.cache);
        o += run;
      }
      done += n;
    }
  }

  /**
   * Loads and stores at a register mapping become register accesses: of the
   * access's width, or for a byte copy (width 0) 4-byte accesses where aligned
   * and single bytes elsewhere (what a string move does on x64).
   */
  private registerAccess(m: VaMapping, va: number, buf: Uint8Array, at: number, len: number, write: boolean, width: number): void {
    const regs = this.registers;
    let o = 0;
    while (o < len) {
      const v = va + o;
      const left = len - o;
      const wanted: AccessSize = width === 1 || width === 2 || width === 4 ? width : width === 8 || ((v & 3) === 0 && left >= 4) ? 4 : 1;
      // The part of an access that runs off the mapping's end (into the guard page, which then faults) is narrower.
      const w: AccessSize = wanted <= left ? wanted : left >= 2 ? 2 : 1;
      const pageIdx = Math.floor((v - m.startVa) / PAGE_SIZE);
      const pa = (m.pfns[pageIdx] as number) * PAGE_SIZE + ((v - m.startVa) & PAGE_MASK);
      const dv = this.wordView;
      const word = this.word;
      if (write) {
        for (let i = 0; i < w; i++) word[i] = buf[at + o + i] as number;
        const value = w === 1 ? dv.getUint8(0) : w === 2 ? dv.getUint16(0, true) : dv.getUint32(0, true);
        if (regs !== null) regs.write(pa, w, value);
      } else {
        const value = regs === null ? 0xffff_ffff : regs.read(pa, w);
        if (w === 1) dv.setUint8(0, value & 0xff);
        else if (w === 2) dv.setUint16(0, value & 0xffff, true);
        else dv.setUint32(0, value >>> 0, true);
        for (let i = 0; i < w; i++) buf[at + o + i] = word[i] as number;
      }
      o += w;
    }
  }

  private insertionIndex(va: number): number {
    let lo = 0;
    let hi = this.mappings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.mappings[mid] as VaMapping).startVa < va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the last mapping starting at or below va. */
  private indexOf(va: number): number {
    let lo = 0;
    let hi = this.mappings.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.mappings[mid] as VaMapping).startVa <= va) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  private release(start: number, end: number): void {
    // Insert and merge with neighbours, keeping the list sorted.
    let i = 0;
    while (i < this.freeRanges.length && (this.freeRanges[i] as [number, number])[0] < start) i++;
    this.freeRanges.splice(i, 0, [start, end]);
    const prev = this.freeRanges[i - 1];
    const cur = this.freeRanges[i] as [number, number];
    const next = this.freeRanges[i + 1];
    if (next !== undefined && cur[1] === next[0]) {
      cur[1] = next[1];
      this.freeRanges.splice(i + 1, 1);
    }
    if (prev !== undefined && prev[1] === cur[0]) {
      prev[1] = cur[1];
      this.freeRanges.splice(i, 1);
    }
  }
}
