/**
 * The DMA verifier: installs itself as a machine's finding sink and as the
 * observer of every hook (CPU accesses, device accesses and bus faults, HAL
 * adapters and common buffers, the cache model, the 8237), keeps compact
 * shadow state (buffer-table.ts) and turns misuse into findings.
 *
 * Modes: "bugcheck" stops at the first finding with a BugCheckError, as
 * Windows Driver Verifier does (the finding's own 0xE6 / 0x1DC / 0x1E tuple
 * when it has one, else DMASIM_VERIFIER_FINDING 0xDA5E); "collect" records
 * every finding and carries on, as Linux dma-debug with all_errors does;
 * "off" installs nothing and drops every finding.
 *
 *   const v = installVerifier(k, { mode: "collect" });
 *   ... run the driver ...
 *   expect(v.findings).toEqual([]);
 */
import { hexAddr, PAGE_MASK, PAGE_SIZE } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import type { Finding, FindingCode, FindingInput, FindingSink } from "../core/findings.ts";
import { NO_FINDINGS, paramsOf } from "../core/findings.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { onDeviceRemoved } from "../kernel/pnp.ts";
import { formatVa, type CpuAccessObserver, type VaMapping } from "../kernel/va-space.ts";
import type { BusFault, BusMaster, BusObserver } from "../machine/bus.ts";
import { CacheMemorySystem, type CoherenceObserver } from "../machine/cache.ts";
import type { Dma8237Observer, DmaWrapEvent } from "../machine/dma8237.ts";
import { adapterObject, deviceObjectAddress } from "../hal/adapter.ts";
import { addHalObserver, halState } from "../hal/hal-state.ts";
import type { AdapterEvent, CommonBufferEvent, HalObserver, TransferEvent } from "../hal/observer.ts";
import type { DMA_ADAPTER } from "../hal/types.ts";
import { BufferTable, KIND_COMMON_BUFFER, KIND_TRANSFER, STATE_FREED, STATE_LIVE } from "./buffer-table.ts";
import { DMASIM_VERIFIER_FINDING, ownCodeNumber } from "./codes.ts";
import { DEFAULT_OCCURRENCE_LIMIT, FindingGroups } from "./finding-groups.ts";
import { fillPatternAddressHint, firstFreeHint, isFillPatternData } from "./finding-hints.ts";
import { registerVerifier, type VerifierStop } from "./registry.ts";
import { SiteTable } from "./sites.ts";
import { DeviceRanges, MappingCache } from "./access-caches.ts";
import { TransferKeys } from "./transfer-keys.ts";

/** "off" (nothing reported), "collect" (record every finding and carry on) or "bugcheck" (stop at the first, as Driver Verifier does). */
export type VerifierMode = "bugcheck" | "collect" | "off";

/** Options of {@link installVerifier}. */
export interface VerifierOptions {
  /** Default "collect". */
  mode?: VerifierMode;
  /** Report device reads of lines nobody initialised since allocation (default true). */
  uninitialized?: boolean;
  /**
   * Report device accesses to memory that is no common buffer or mapped
   * transfer (default true). Turn off for device models that DMA into memory
   * the HAL does not describe.
   */
  outsideBuffers?: boolean;
  /**
   * Occurrences kept per grouped finding (default 16); the finding's count has
   * them all, so memory stays bounded however many accesses go wrong.
   */
  occurrenceLimit?: number;
}

const ISA_LIMIT = 16 * 1024 * 1024;

/** Candidate IOVAs tried per address width when looking for the buffer a truncated address was cut from (2^16 covers 2^48 at 32 bits). */
const MAX_ALIAS_PROBES = 65_536;

/** A device transfer the HAL mapped for a device (MapTransfer, scatter/gather): a legitimate DMA target. */
export interface TransferSpec {
  readonly device: string;
  /** Logical address the device was given. */
  readonly logical: number;
  readonly length: number;
  /** Physical page of each page (logical pages are contiguous). */
  readonly pfns: ArrayLike<number>;
  /** Offset of the logical address in its first page. */
  readonly time?: number;
}

/**
 * The DMA verifier of one machine ({@link installVerifier}): it watches CPU
 * and device accesses, the HAL and the caches as an observer and reports
 * misuse as grouped findings (`findings`), or stops at the first in
 * "bugcheck" mode. The on* methods are its observer hooks, called by the
 * machine, not by drivers.
 */
export class Verifier implements FindingSink, CpuAccessObserver, BusObserver, HalObserver, CoherenceObserver, Dma8237Observer {
  /** The machine it watches. */
  readonly kernel: Kernel;
  /** Its mode. */
  readonly mode: VerifierMode;
  /** @internal shadow state of every common buffer */
  readonly table = new BufferTable();
  /** @internal allocation sites */
  readonly sites = new SiteTable();
  /** Where frees are called from, captured once per (adapter, routine, length) as allocation sites are. */
  private readonly freeSites = new SiteTable();
  private readonly groups: FindingGroups;
  /** Adapters per device (a finding from the HAL names a buffer by VA; its adapter knows the frames). */
  private readonly adaptersOf = new Map<string, DMA_ADAPTER[]>();
  /** Lowest and highest logical page of any translated (IOMMU) buffer seen, bounding the search for truncated IOVAs. */
  private lowLpn = Infinity;
  private highLpn = -1;
  /** The first stop this verifier raised ("bugcheck" mode), for the run's outcome. */
  stop: VerifierStop | null = null;
  /** Memo of the last truncated-pointer search (outside()): the same wild address repeats. */
  private aliasKey = -1;
  private aliasResult: { bits: number; address: number; id: number } | null = null;
  private readonly checkUninit: boolean;
  private readonly checkOutside: boolean;
  private readonly deviceNames: string[] = [];
  private readonly deviceIds = new Map<string, number>();
  // Caches for the hot paths (cleared on every common-buffer allocation and free; see access-caches.ts).
  /** What the CPU accesses' mappings are. */
  private readonly mappings = new MappingCache<VaMapping>();
  /** Buffers the device fast path answers for. */
  private readonly ranges = new DeviceRanges();
  private lastPfn = -1;
  private lastPfnId = -1;
  private lastAdapter: unknown = null;
  private lastAdapterId = 0;
  private lastDevice = "";
  private lastDeviceId = -1;
  // The allocation and free sites seen last, by (adapter, length, routine): a driver allocates and frees alike buffers in a row.
  private allocSiteAdapter: unknown = null;
  private allocSiteLength = -1;
  private allocSiteRoutine = "";
  private allocSite = -1;
  private freeSiteAdapter: unknown = null;
  private freeSiteLength = -1;
  private freeSiteRoutine = "";
  private freeSite = -1;
  /** A stale device read seen by the cache model, reported with the device on the bus callback that follows. */
  private pendingStaleRead = -1;
  private pendingStaleLine = 0;
  /** The CPU access in progress (for stale-CPU-read messages). */
  private cpuVa = 0;

  constructor(kernel: Kernel, opts: VerifierOptions = {}) {
    const mode = opts.mode ?? "collect";
    if (mode !== "bugcheck" && mode !== "collect" && mode !== "off") throw new RangeError(`Verifier: mode must be "bugcheck", "collect" or "off", got "${String(mode)}"`);
    this.kernel = kernel;
    this.mode = mode;
    this.checkUninit = opts.uninitialized ?? true;
    this.checkOutside = opts.outsideBuffers ?? true;
    this.groups = new FindingGroups(opts.occurrenceLimit ?? DEFAULT_OCCURRENCE_LIMIT);
    if (mode !== "off") registerVerifier(kernel, this);
  }

  /** Install on the machine: finding sink and every observer ("off": the no-op sink only). */
  install(): this {
    const k = this.kernel;
    if (this.mode === "off") {
      k.findings = NO_FINDINGS;
      return this;
    }
    k.findings = this;
    // Attach beside any other observers (a trace, a user's probe), in any order; uninstall detaches exactly these.
    this.detachers = [k.va.observers.add(this), k.bus.observers.add(this), addHalObserver(k, this)];
    if (k.memorySystem instanceof CacheMemorySystem) this.detachers.push(k.memorySystem.observers.add(this));
    if (k.board.isaDma !== null) this.detachers.push(k.board.isaDma.observers.add(this));
    this.detachers.push(onDeviceRemoved(k, (pdo) => this.onDeviceRemoved(pdo.config.name)));
    return this;
  }

  private detachers: (() => void)[] = [];

  /** Remove every hook this verifier installed. */
  uninstall(): void {
    const k = this.kernel;
    if (k.findings === this) k.findings = NO_FINDINGS;
    for (const d of this.detachers.splice(0)) d();
  }

  /**
   * The findings, grouped: one per code, site (routine and device) and buffer,
   * with its count, first and last time and first occurrences.
   */
  get findings(): Finding[] {
    return this.groups.list;
  }

  /** Occurrences over all findings (the sum of their counts). */
  get occurrences(): number {
    return this.groups.occurrences;
  }

  /** Findings with a given code. */
  withCode(code: FindingCode): Finding[] {
    return this.findings.filter((f) => f.code === code);
  }

  // ---- FindingSink ----

  /** A finding from another layer (HAL, kernel, KMDF): grouped by the buffer its VA names, with hints. */
  report(f: FindingInput): void {
    if (this.mode === "off") return;
    const p = paramsOf(f);
    const va = typeof p.va === "number" ? p.va : -1;
    const id = va >= 0 ? this.commonBufferIdAt(f.device, va) : -1;
    let input = f;
    if (f.code === "DMA_COMMON_BUFFER_DOUBLE_FREE") {
      const first = this.firstFree(id);
      if (first !== undefined) input = { ...f, message: `${f.message}${firstFreeHint(first)}`, params: { ...f.params, va, length: typeof p.length === "number" ? p.length : 0, firstFreeSite: first.site, firstFreeRoutine: first.routine, firstFreeTime: first.time } };
    }
    this.record(input, id >= 0 ? this.bufferKey(id) : va >= 0 ? `va${va}` : typeof p.adapter === "bigint" ? `a${p.adapter}` : "");
  }

  /** The table id of the live or freed common buffer at `va` of `device`'s adapters, or -1 (found through the HAL: only when a finding names a VA). */
  private commonBufferIdAt(device: string | undefined, va: number): number {
    const live = halState(this.kernel).buffers.get(va);
    let pfn = live?.pfns[0];
    if (pfn === undefined && device !== undefined) {
      for (const a of this.adaptersOf.get(device) ?? []) {
        pfn = adapterObject(a).freedCommonBuffers.get(va)?.pfns[0];
        if (pfn !== undefined) break;
      }
    }
    return pfn === undefined ? -1 : this.table.commonBufferAt(pfn, va);
  }

  /** How the freed buffer `id` was first freed (routine, driver site, time), while the table still remembers it. */
  private firstFree(id: number): { routine: string; site: string; time: number } | undefined {
    if (id < 0 || this.table.stateOf(id) !== STATE_FREED) return undefined;
    const rec = this.table.freeOf(id);
    return rec === undefined ? undefined : { routine: rec.routine, site: this.freeSites.name(rec.site), time: rec.time };
  }

  /** Widen the IOVA range searched for truncated addresses. */
  private noteTranslated(logical: number, pages: number): void {
    const lpn = Math.floor(logical / PAGE_SIZE);
    if (lpn < this.lowLpn) this.lowLpn = lpn;
    if (lpn + pages - 1 > this.highLpn) this.highLpn = lpn + pages - 1;
  }

  /** Group one occurrence (`buffer` keeps occurrences on different buffers apart); in "bugcheck" mode, stop. */
  private record(f: FindingInput, buffer: string): void {
    if (this.mode === "off") return;
    const { finding } = this.groups.add(f, buffer, this.kernel.clock.now);
    if (this.mode !== "bugcheck") return;
    const b = f.bugCheck;
    const p = paramsOf(f);
    const num = (v: unknown): number | bigint => (typeof v === "number" || typeof v === "bigint" ? v : 0);
    const stop = b !== undefined ? new BugCheckError(b[0], b[1], b[2], b[3], b[4], `${f.code}: ${f.message}`) : new BugCheckError(DMASIM_VERIFIER_FINDING, ownCodeNumber(f.code), num(p.address ?? p.va), num(p.length), num(p.line ?? p.channel), `${f.code}: ${f.message}`);
    this.stop ??= { code: stop.code, params: stop.params, finding, message: stop.message };
    throw stop;
  }

  /** Group key of a buffer-table entry. */
  private bufferKey(id: number): string {
    return id >= 0 ? `b${this.table.allocationKey(id)}` : "";
  }

  // ---- HAL observer ----

  /** HAL hook: an adapter was created (the verifier keeps it per device). */
  onAdapterCreated(e: AdapterEvent): void {
    const list = this.adaptersOf.get(e.device);
    if (list === undefined) this.adaptersOf.set(e.device, [e.adapter]);
    else list.push(e.adapter);
  }

  onAdapterReleased(e: AdapterEvent): void {
    const list = this.adaptersOf.get(e.device);
    const i = list?.indexOf(e.adapter) ?? -1;
    if (list !== undefined && i >= 0) list.splice(i, 1);
  }

  /** HAL hook: a common buffer was allocated (its shadow record and allocation site). */
  onCommonBufferAllocated(e: CommonBufferEvent): void {
    const dev = e.device === this.lastDevice ? this.lastDeviceId : this.deviceId(e.device);
    const site = e.adapter === this.allocSiteAdapter && e.length === this.allocSiteLength && e.routine === this.allocSiteRoutine ? this.allocSite : this.allocationSite(e);
    const pfns = e.pfns;
    const pfn0 = pfns[0] as number;
    const contiguous = pfns.length <= 1 || isContiguous(pfns);
    this.table.addFields(KIND_COMMON_BUFFER, e.va, e.length, e.pages, e.logical, contiguous ? null : pfns, pfn0, dev, site, e.time);
    if (!contiguous || e.logical !== pfn0 * PAGE_SIZE) this.noteTranslated(e.logical, e.pages);
    this.resetCaches();
  }

  /** HAL hook: a common buffer was freed (later device accesses are use after free). */
  onCommonBufferFreed(e: CommonBufferEvent): void {
    const t = this.table;
    const id = t.commonBufferAt(e.pfns[0] as number, e.va);
    if (id >= 0 && t.stateOf(id) === STATE_LIVE) {
      // Where the driver freed it, for a later double free or use after free (one stack per adapter, routine and length).
      const site = e.adapter === this.freeSiteAdapter && e.length === this.freeSiteLength && e.routine === this.freeSiteRoutine ? this.freeSite : this.freeingSite(e);
      t.free(id, e.routine, site, e.time);
    }
    this.resetCaches();
  }

  private allocationSite(e: CommonBufferEvent): number {
    const site = this.sites.siteFor(this.adapterIdOf(e.adapter) * 2 ** 36 + e.length * 16 + (e.routine.length & 15));
    this.allocSiteAdapter = e.adapter;
    this.allocSiteLength = e.length;
    this.allocSiteRoutine = e.routine;
    this.allocSite = site;
    return site;
  }

  private freeingSite(e: CommonBufferEvent): number {
    const site = this.freeSites.siteFor(this.adapterIdOf(e.adapter) * 2 ** 36 + e.length * 16 + (e.routine.length & 15));
    this.freeSiteAdapter = e.adapter;
    this.freeSiteLength = e.length;
    this.freeSiteRoutine = e.routine;
    this.freeSite = site;
    return site;
  }

  /**
   * A device leaves the machine (IRP_MN_REMOVE_DEVICE): every adapter of it
   * not released with PutDmaAdapter, and every common buffer it still holds,
   * is a leak (buffers reported with their allocation site).
   */
  onDeviceRemoved(device: string): void {
    // The buffers first: each names the driver line that allocated it, the root of an adapter that could not be put.
    const dev = this.deviceIds.get(device);
    if (dev !== undefined) {
      const t = this.table;
      for (const [, cb] of halState(this.kernel).buffers) {
        const id = t.commonBufferAt(cb.pfns[0] as number, cb.va);
        if (id < 0 || t.stateOf(id) !== STATE_LIVE || t.deviceOf(id) !== dev) continue;
        const site = this.sites.name(t.siteOf(id));
        this.report({ code: "DMA_COMMON_BUFFER_LEAKED", device, routine: cb.routine, message: `${device} removed with the common buffer at ${formatVa(cb.va)} (${cb.length} bytes, logical ${hexAddr(cb.logical)}) still allocated; allocated by ${cb.routine} at ${site}`, params: { va: cb.va, length: cb.length, logical: cb.logical, site } });
      }
    }
    for (const a of this.adaptersOf.get(device) ?? []) {
      const address = adapterObject(a).address;
      this.report({ code: "DMA_ADAPTER_NOT_PUT", device, routine: "PutDmaAdapter", message: `${device} removed while its DMA adapter 0x${address.toString(16).toUpperCase()} was never released with PutDmaAdapter (call it on IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE)`, params: { adapter: address } });
    }
    this.adaptersOf.delete(device);
  }

  /** Handles of the transfers mapped under each HAL key. */
  private readonly transfers = new TransferKeys();
  /** transferUnmapped bound once (TransferKeys.take calls it per handle; no closure per unmap). */
  private readonly unmapHandle = (h: number): void => this.transferUnmapped(h);

  /** HAL hook: a transfer was mapped for a device (MapTransfer, a scatter/gather list): a legitimate DMA target. */
  onTransferMapped(key: object, e: TransferEvent): void {
    this.keepTransfer(key, this.mapTransfer(e.device, e.logical, e.length, e.pfns, this.kernel.clock.now));
  }

  /** HAL hook, the common case of onTransferMapped: a physically contiguous run the device reaches at its physical address (no frames array to make). */
  onContiguousTransferMapped(key: object, device: string, physical: number, length: number): void {
    this.keepTransfer(key, this.mapTransfer(device, physical, length, null, this.kernel.clock.now));
  }

  private keepTransfer(key: object, h: number): void {
    if (h >= 0) this.transfers.add(key, h);
  }

  /** HAL hook: the transfer mapped under `key` is over. */
  onTransferUnmapped(key: object): void {
    this.transfers.take(key, this.unmapHandle);
  }

  /** Register a mapped transfer (MapTransfer / scatter/gather) as a legitimate DMA target; returns a handle for transferUnmapped. */
  transferMapped(s: TransferSpec): number {
    return this.mapTransfer(s.device, s.logical, s.length, s.pfns, s.time ?? this.kernel.clock.now);
  }

  /** transferMapped's work; `pfns` null: the pages from the one holding `logical` on, physically contiguous. */
  private mapTransfer(device: string, logical: number, length: number, pfns: ArrayLike<number> | null, time: number): number {
    const first = pfns === null ? Math.floor(logical / PAGE_SIZE) : (pfns[0] as number);
    const pages = pfns === null ? Math.floor((logical + length - 1) / PAGE_SIZE) - first + 1 : pfns.length;
    const contiguous = pfns === null || isContiguous(pfns);
    // A transfer over a live common buffer (MapTransfer on its MDL) is checked as that buffer.
    for (let p = 0; p < pages; p++) {
      const other = this.table.byPfn.get(pfns === null ? first + p : (pfns[p] as number));
      if (other >= 0 && this.table.stateOf(other) === STATE_LIVE) return -1;
    }
    // Its pages become the newest registration there: the device fast path must not answer for them as another buffer's.
    if (contiguous) this.ranges.dropOverlapping(first * PAGE_SIZE, (first + pages) * PAGE_SIZE);
    else for (let p = 0; p < pages; p++) this.ranges.dropOverlapping((pfns[p] as number) * PAGE_SIZE, ((pfns[p] as number) + 1) * PAGE_SIZE);
    const base = logical - (logical & PAGE_MASK);
    // The transfer's pages hold the driver's data: initialised from the start.
    const id = this.table.addFields(KIND_TRANSFER, 0, length, pages, base, contiguous ? null : Int32Array.from(pfns), first, this.deviceId(device), -1, time, true);
    if (!contiguous || base !== first * PAGE_SIZE) this.noteTranslated(base, pages);
    this.transferChanged();
    // What the full check would conclude at the device's first access: anywhere in its pages at its logical address is fine.
    if (contiguous) this.ranges.add(id, first * PAGE_SIZE, (first + pages) * PAGE_SIZE, base - first * PAGE_SIZE, 0, true, true);
    return id;
  }

  /** The transfer `transferMapped` returned `handle` for is over. */
  transferUnmapped(handle: number): void {
    if (handle < 0) return;
    if (this.table.stateOf(handle) === STATE_LIVE && this.table.kindOf(handle) === KIND_TRANSFER) this.table.free(handle);
    this.ranges.drop(handle);
    this.transferChanged();
  }

  /**
   * What a transfer mapped or unmapped invalidates besides the device fast
   * path's entries over its pages: the truncated-address memo (the live set
   * changed) and the last page look-up (the page may be registered now, or
   * its quarantined owner forgotten). Not the CPU mapping cache: it names
   * live common buffers, whose pages no transfer takes (mapTransfer refuses
   * pages with a live owner) and whose state no transfer changes.
   */
  private transferChanged(): void {
    this.aliasKey = -1;
    this.lastPfn = -1;
    this.lastPfnId = -1;
  }

  /**
   * The HAL programmed a system DMA channel (MapTransfer on a subordinate
   * adapter): ISA DMA reaches only the low 16 MiB.
   */
  onSystemDmaProgrammed(e: { readonly device: string; readonly channel: number; readonly physical: number; readonly length: number }): void {
    if (e.physical + e.length > ISA_LIMIT) {
      this.report({ code: "ISA_DMA_ABOVE_16MB", device: e.device, routine: "MapTransfer", message: `system DMA channel ${e.channel} programmed for ${hexAddr(e.physical)}..${hexAddr(e.physical + e.length - 1)}, at or above 16 MiB, which ISA DMA cannot reach`, params: { address: e.physical, length: e.length, channel: e.channel } });
    }
  }

  /** ReadDmaCounter on an adapter that is not a system DMA channel. */
  onReadDmaCounterOnBusMaster(device: string, adapter: bigint): void {
    this.report({ code: "READ_DMA_COUNTER_ON_BUS_MASTER", device, routine: "ReadDmaCounter", message: `ReadDmaCounter called on the bus-master adapter of ${device}: only a system DMA channel has a counter`, params: { address: adapter } });
  }

  // ---- 8237 ----

  onWrap(e: DmaWrapEvent): void {
    this.report({ code: "ISA_DMA_BOUNDARY_CROSSED", device: `isa-dma-${e.channel}`, message: `system DMA channel ${e.channel} wrapped inside its ${e.pageBytes / 1024} KiB page: after ${hexAddr(e.fromPhysical)} it went on at ${hexAddr(e.toPhysical)} instead of ${hexAddr(e.fromPhysical + (e.channel < 4 ? 1 : 2))}`, params: { address: e.fromPhysical, length: e.pageBytes, channel: e.channel, to: e.toPhysical } });
  }

  // ---- CPU accesses ----

  onCpuAccess(m: VaMapping, va: number, length: number, write: boolean, width: number): void {
    this.cpuVa = va;
    if (m.deviceMemory) this.checkDeviceMemory(m, va, length, write, width);
    // Device registers (MmMapIoSpace of no RAM) are never a common buffer: no look-up, and the cached mapping stays.
    if (m.io) return;
    const c = this.mappings;
    let e = c.find(m);
    if (e < 0) {
      const t = this.table;
      let id = t.commonBufferAt(m.pfns[0] as number, m.startVa);
      if (id >= 0 && t.stateOf(id) !== STATE_LIVE) id = -1;
      e = c.add(m, id, id >= 0 ? t.lengthOf(id) : 0, id >= 0 && t.fullyInitialised(id));
    }
    const id = c.id[e] as number;
    if (id < 0) return;
    const off = va - m.startVa;
    const len = c.length[e] as number;
    if (off + length > len) {
      const at = Math.max(va, m.startVa + len);
      this.tail(id, "CPU", at, va + length - at, write, "CPU");
    }
    // Once every line is initialised it stays so until the buffer is freed (which clears the cache).
    if (write && c.full[e] === 0) {
      const t = this.table;
      t.markInit(id, off, length);
      if (t.fullyInitialised(id)) c.full[e] = 1;
    }
  }

  private checkDeviceMemory(m: VaMapping, va: number, length: number, write: boolean, width: number): void {
    if (width === 0) {
      const id = this.table.commonBufferAt(m.pfns[0] as number, m.startVa);
      this.record({ code: "DEVICE_MEMORY_BULK_ACCESS", message: `a memcpy/memset-style ${write ? "store" : "load"} of ${length} bytes at ${formatVa(va)} on Device memory (${m.tag}): such routines may access it unaligned; use RtlCopyDeviceMemory/RtlFillDeviceMemory or a cached buffer`, params: { va, length, write } }, id >= 0 ? this.bufferKey(id) : `map${m.startVa}`);
      return;
    }
    // A misaligned or too wide access never gets here: the CPU path raises the alignment fault itself (va-space.ts).
  }

  // ---- Device accesses ----

  onDeviceAccess(dev: BusMaster, logical: number, physical: number, length: number, write: boolean): void {
    if (this.pendingStaleRead >= 0) this.flushStaleRead(dev);
    const t = this.table;
    // Fast path: inside the checked bytes of a physically contiguous buffer seen lately, at its logical address.
    const r = this.ranges;
    const f = r.find(logical, physical, length);
    if (f >= 0) {
      if (r.full[f] === 1) return;
      const fid = r.id[f] as number;
      if (t.fullyInitialised(fid)) {
        r.full[f] = 1;
        return;
      }
      const off = physical - (r.lo[f] as number) + (r.base[f] as number);
      if (write) {
        t.markInit(fid, off, length);
        return;
      }
      // An uninitialised line: the full path below reports it.
      if (!this.checkUninit || t.firstUninit(fid, off, length) < 0) return;
    }
    let done = 0;
    while (done < length) {
      const pa = physical + done;
      const pfn = Math.floor(pa / PAGE_SIZE);
      let id: number;
      if (pfn === this.lastPfn) id = this.lastPfnId;
      else {
        id = t.byPfn.get(pfn);
        this.lastPfn = pfn;
        this.lastPfnId = id;
      }
      const la = logical + done;
      if (id < 0) {
        if (this.checkOutside) this.outside(dev, la, pa, length - done, write);
        return;
      }
      if (t.stateOf(id) === STATE_FREED) {
        this.useAfterFree(dev, id, la, length - done, write, null);
        return;
      }
      const pageIdx = t.pageIndex(id, pfn);
      const off = pageIdx * PAGE_SIZE + (pa & PAGE_MASK);
      // How much of this run stays inside the buffer's pages, physically in order.
      const contiguous = t.contiguous(id);
      const n = contiguous ? Math.min(length - done, (t.pagesOf(id)) * PAGE_SIZE - off) : Math.min(length - done, PAGE_SIZE - (pa & PAGE_MASK));
      const expectLa = (t.logicalOf(id)) + off;
      if (la !== expectLa) {
        if (la === pa) this.physicalUsed(dev, id, la, n, write, null);
        else if (this.checkOutside) this.outside(dev, la, pa, n, write);
        return;
      }
      if (t.kindOf(id) === KIND_COMMON_BUFFER) {
        const blen = t.lengthOf(id);
        if (off + n > blen) {
          const at = Math.max(off, blen);
          this.tail(id, dev.name, la + (at - off), off + n - at, write, "device");
          return;
        }
        if (write) t.markInit(id, off, n);
        else if (this.checkUninit && !t.fullyInitialised(id)) {
          const u = t.firstUninit(id, off, n);
          if (u >= 0) {
            this.uninitialized(dev, id, la, n, u);
            return;
          }
        }
      }
      if (n === length) this.rememberRun(id, pfn);
      done += n;
    }
  }

  private readonly run = new Float64Array(3);

  /** The whole access was fine inside buffer `id` at page `pfn`: let the fast path answer for that page's physical run from now on. */
  private rememberRun(id: number, pfn: number): void {
    const t = this.table;
    const run = this.run;
    if (!t.runHolding(id, pfn, run)) return;
    const lo = (run[0] as number) * PAGE_SIZE;
    const base = (run[2] as number) * PAGE_SIZE;
    const runBytes = (run[1] as number) * PAGE_SIZE;
    // A common buffer's checked bytes end at its Length (the rest of its last page is the tail); a transfer's at its last page.
    const bytes = t.kindOf(id) === KIND_COMMON_BUFFER ? Math.min(runBytes, t.lengthOf(id) - base) : runBytes;
    this.ranges.add(id, lo, lo + bytes, t.logicalOf(id) + base - lo, base, false);
  }

  onFault(fault: BusFault): void {
    const t = this.table;
    const dev = { name: fault.device, domain: 0, coherent: true };
    if (fault.reason === "not-ram") {
      if (this.checkOutside) this.outside(dev, fault.logical, fault.physical, fault.length, fault.write);
      return;
    }
    const type = fault.write ? 5 : 6;
    // P2 is the faulting device's DEVICE_OBJECT (bug check 0xE6 page), P3 the address, P4 the hardware fault type.
    const iommuTuple: [number, bigint, bigint, number] = [0x26, deviceObjectAddress(this.kernel, fault.device), BigInt(fault.logical), type];
    // A physical address of a live buffer used as if it were logical?
    const pid = t.byPfn.get(Math.floor(fault.logical / PAGE_SIZE));
    if (pid >= 0 && t.stateOf(pid) === STATE_LIVE) {
      this.physicalUsed(dev, pid, fault.logical, fault.length, fault.write, iommuTuple);
      return;
    }
    // A logical address of a freed buffer?
    const lid = t.byLpn.get(Math.floor(fault.logical / PAGE_SIZE));
    if (lid >= 0 && t.stateOf(lid) === STATE_FREED) {
      this.useAfterFree(dev, lid, fault.logical, fault.length, fault.write, iommuTuple);
      return;
    }
    // LowPart of a live buffer's logical address above 4 GiB: a 64-bit address cut to 32 bits on the way to the device?
    if (fault.logical * 4 + 2 !== this.aliasKey) {
      this.aliasKey = fault.logical * 4 + 2;
      this.aliasResult = this.truncationAlias(fault.logical, [32]);
    }
    const cut = this.aliasResult?.id ?? -1;
    const full = this.aliasResult?.address ?? -1;
    const truncated = cut >= 0 ? `; its low 32 bits match ${hexAddr(full)} in the live ${t.kindOf(cut) === KIND_COMMON_BUFFER ? `common buffer at ${formatVa(t.vaOf(cut))}` : "mapped transfer"} (logical ${hexAddr(t.logicalOf(cut))}): a 64-bit logical address truncated to 32 bits (LowPart only) by the driver or a 32-bit device register` : "";
    const fill = fillPatternAddressHint(fault.logical);
    this.record(
      {
        code: "DMA_IOMMU_FAULT",
        bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, ...iommuTuple],
        device: fault.device,
        message: `the IOMMU blocked a device ${fault.write ? "write" : "read"} of ${fault.length} bytes at logical ${hexAddr(fault.logical)} by ${fault.device} (${fault.reason}); ${fault.write ? "the write was dropped" : "the read completed with all-ones"}${truncated}${fill}`,
        params: { address: fault.logical, length: fault.length, write: fault.write, reason: fault.reason, ...(cut >= 0 ? { truncatedFrom: full } : {}), ...(fill === "" ? {} : { fillPattern: true }) },
      },
      cut >= 0 ? this.bufferKey(cut) : fill === "" ? "" : "fill",
    );
  }

  // ---- Cache model ----

  onStaleDeviceRead(pa: number, length: number, linePa: number): void {
    // The bus reports which device right after the memory access; report then.
    this.pendingStaleRead = pa;
    this.pendingStaleLine = linePa;
    void length;
  }

  private flushStaleRead(dev: BusMaster): void {
    const pa = this.pendingStaleRead;
    this.pendingStaleRead = -1;
    this.report({ code: "DMA_STALE_DEVICE_READ", device: dev.name, message: `${dev.name} (not cache-coherent) read physical ${hexAddr(pa)}, but the line at ${hexAddr(this.pendingStaleLine)} is dirty in the CPU cache: the device got stale bytes (missing KeFlushIoBuffers / clean before the transfer)`, params: { address: pa, line: this.pendingStaleLine } });
  }

  onStaleCpuRead(pa: number, length: number, linePa: number): void {
    this.report({ code: "DMA_STALE_CPU_READ", message: `CPU read of ${length} bytes at ${formatVa(this.cpuVa)} hit the line at physical ${hexAddr(linePa)}, cached before a non-coherent device wrote it: the CPU got stale bytes (missing invalidate / FlushAdapterBuffers after the transfer)`, params: { address: pa, length, line: linePa, va: this.cpuVa } });
  }

  onWritebackClobber(linePa: number): void {
    this.report({ code: "DMA_WRITEBACK_CLOBBER", message: `a dirty CPU cache line at physical ${hexAddr(linePa)} was written back over data a non-coherent device wrote after the line was cached: the device's data is lost`, params: { address: linePa, line: linePa } });
  }

  onUndrainedWriteCombine(pa: number, length: number, linePa: number): void {
    this.report({ code: "DMA_UNDRAINED_WRITE_COMBINE", message: `a device read physical ${hexAddr(pa)} (+${length}) while CPU stores to the line at ${hexAddr(linePa)} were still in a write-combining buffer (no fence before handing the data to the device)`, params: { address: pa, length, line: linePa } });
  }

  // ---- helpers ----

  /** A device read reached line `u` (offset in the buffer) that nobody wrote since allocation. */
  private uninitialized(dev: { name: string }, id: number, la: number, n: number, u: number): void {
    const t = this.table;
    // What the device got: the fill pattern, unless the memory was written behind the verifier's back.
    const line = new Uint8Array(Math.max(1, Math.min(64, PAGE_SIZE - (u % PAGE_SIZE), t.lengthOf(id) - u)));
    const pa = t.physicalAt(id, u);
    this.kernel.memory.read(pa, line);
    const fill = isFillPatternData(line, pa);
    const what = fill ? "it reads the never-written fill pattern EF BE AD DE (0xDEADBEEF): the driver never filled it in" : "it was not written through any mapping the verifier sees";
    this.record({ code: "DMA_UNINITIALIZED_READ", device: dev.name, message: `${dev.name} read ${n} bytes at logical ${hexAddr(la)} of the common buffer at ${formatVa(t.vaOf(id))}; the line at offset ${u} was never written by the CPU or a device since allocation (${what})`, params: { address: la, length: n, offset: u, va: t.vaOf(id), fillPattern: fill } }, this.bufferKey(id));
  }

  private tail(id: number, who: string, at: number, n: number, write: boolean, side: "CPU" | "device"): void {
    const t = this.table;
    const va = t.vaOf(id);
    const len = t.lengthOf(id);
    const where = side === "CPU" ? formatVa(at) : `logical ${hexAddr(at)}`;
    this.record(
      {
        code: "CB_TAIL_ACCESS",
        ...(write ? { bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x0f, 5, BigInt(va) | 0xffff_0000_0000_0000n, side === "CPU" ? BigInt(at) | 0xffff_0000_0000_0000n : at] as const } : {}),
        ...(side === "device" ? { device: who } : {}),
        message: `${who} ${write ? "wrote" : "read"} ${n} bytes at ${where}, past the ${len} bytes of the common buffer at ${formatVa(va)}: the rest of its last page is inaccessible`,
        params: { address: at, length: n, write, bufferLength: len, va },
      },
      this.bufferKey(id),
    );
  }

  private outside(dev: { name: string }, la: number, pa: number, n: number, write: boolean): void {
    const isa = this.isIsa(dev.name);
    // The same wild address tends to repeat (a chip re-fetching its descriptor): search once per address until buffers change.
    const memoKey = la * 4 + (isa ? 1 : 0);
    if (memoKey !== this.aliasKey) {
      this.aliasKey = memoKey;
      this.aliasResult = this.truncationAlias(la, isa ? [24] : [32, 28, 24]);
    }
    const alias = this.aliasResult;
    if (alias !== null && isa) {
      this.record({ code: "ISA_DMA_ABOVE_16MB", device: dev.name, message: `${dev.name} (system DMA) ${write ? "wrote" : "read"} ${n} bytes at ${hexAddr(la)}: the buffer it was meant for is at ${hexAddr(alias.address)}, at or above 16 MiB, which the 8237's 24 address bits cannot reach`, params: { address: alias.address, length: n, channel: -1, truncated: la } }, this.bufferKey(alias.id));
      return;
    }
    const near = alias !== null ? ` (it is ${hexAddr(alias.address)}, a live buffer's logical address, truncated to ${alias.bits} bits)` : this.nearestBuffer(pa >= 0 ? pa : la);
    const fill = fillPatternAddressHint(la);
    this.record(
      {
        code: "DMA_OUTSIDE_BUFFER",
        device: dev.name,
        message: `${dev.name} ${write ? "wrote" : "read"} ${n} bytes at logical ${hexAddr(la)}${pa >= 0 && pa !== la ? ` (physical ${hexAddr(pa)})` : ""}, which is no common buffer or mapped transfer${near}${fill}`,
        params: { address: la, length: n, write, physical: pa, ...(alias === null ? {} : { truncatedFrom: alias.address }), ...(fill === "" ? {} : { fillPattern: true }) },
      },
      // Accesses outside any buffer group by the buffer they were cut from, else by whether they are the fill pattern.
      alias !== null ? this.bufferKey(alias.id) : fill === "" ? "" : "fill",
    );
  }

  private useAfterFree(dev: { name: string }, id: number, la: number, n: number, write: boolean, iommu: [number, bigint, bigint, number] | null): void {
    const t = this.table;
    const transfer = t.kindOf(id) === KIND_TRANSFER;
    const first = transfer ? undefined : this.firstFree(id);
    this.record(
      {
        code: "DMA_USE_AFTER_FREE",
        ...(iommu === null ? {} : { bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, ...iommu] as const }),
        device: dev.name,
        message: `${dev.name} ${write ? "wrote" : "read"} ${n} bytes at logical ${hexAddr(la)} of ${transfer ? "a transfer" : `the common buffer at ${formatVa(t.vaOf(id))}`} (${t.lengthOf(id)} bytes) after it was ${transfer ? "unmapped" : "freed"}${iommu === null ? "" : " (the IOMMU blocked it)"}${firstFreeHint(first)}`,
        params: { address: la, length: n, write, va: t.vaOf(id), ...(first === undefined ? {} : { firstFreeSite: first.site, firstFreeRoutine: first.routine, firstFreeTime: first.time }) },
      },
      this.bufferKey(id),
    );
  }

  private physicalUsed(dev: { name: string }, id: number, la: number, n: number, write: boolean, iommu: [number, bigint, bigint, number] | null): void {
    const t = this.table;
    this.record(
      {
        code: "DMA_PHYSICAL_ADDRESS_USED",
        ...(iommu === null ? {} : { bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, ...iommu] as const }),
        device: dev.name,
        message: `${dev.name} ${write ? "wrote" : "read"} at ${hexAddr(la)}, the physical address of the common buffer at ${formatVa(t.vaOf(id))}; its logical address is ${hexAddr(t.logicalOf(id))} (give the device the LogicalAddress, not MmGetPhysicalAddress)${iommu === null ? "" : "; the IOMMU blocked it"}`,
        params: { address: la, length: n, write, logical: t.logicalOf(id) },
      },
      this.bufferKey(id),
    );
  }

  /**
   * Is `la` a live buffer's logical address with its high bits cut off (a
   * 24-bit ISA page register, a 28-bit PLX descriptor pointer, a 32-bit
   * register)? Searched only when an access already went astray.
   */
  private truncationAlias(la: number, widths: readonly number[]): { bits: number; address: number; id: number } | null {
    const t = this.table;
    const top = this.kernel.memory.size;
    // Candidates la + k * 2^bits: in physical memory (buffers whose logical address is physical), then in the IOVA range translated buffers had.
    const lowIova = this.lowLpn * PAGE_SIZE;
    const topIova = (this.highLpn + 1) * PAGE_SIZE;
    for (const bits of widths) {
      const step = 2 ** bits;
      if (la >= step) continue;
      for (let a = la + step; a < top; a += step) {
        const id = t.byPfn.get(Math.floor(a / PAGE_SIZE));
        if (this.aliasAt(id, a)) return { bits, address: a, id };
      }
      // Bounded: IOVAs of devices with different address widths may span most of the 48-bit space.
      for (let a = la + Math.max(step, Math.ceil((lowIova - la) / step) * step), probes = 0; a < topIova && probes < MAX_ALIAS_PROBES; a += step, probes++) {
        const id = t.byLpn.get(Math.floor(a / PAGE_SIZE));
        if (this.aliasAt(id, a)) return { bits, address: a, id };
      }
    }
    return null;
  }

  /** True when live buffer `id` has logical address `a`. */
  private aliasAt(id: number, a: number): boolean {
    const t = this.table;
    if (id < 0 || t.stateOf(id) !== STATE_LIVE) return false;
    const lo = t.logicalOf(id);
    return a >= lo && a < lo + t.pagesOf(id) * PAGE_SIZE;
  }

  private isIsa(device: string): boolean {
    return device.startsWith("isa-dma-") || this.kernel.profile.devices.some((d) => d.name === device && d.bus === "isa");
  }

  /** ", N bytes after/before the common buffer at VA" for a nearby live buffer (same or adjacent page), else "". */
  private nearestBuffer(pa: number): string {
    const t = this.table;
    const pfn = Math.floor(pa / PAGE_SIZE);
    for (const d of [-1, 1]) {
      const id = t.byPfn.get(pfn + d);
      if (id < 0 || t.stateOf(id) !== STATE_LIVE || t.kindOf(id) !== KIND_COMMON_BUFFER) continue;
      const va = formatVa(t.vaOf(id));
      return d === -1 ? ` (just after the common buffer at ${va})` : ` (just before the common buffer at ${va})`;
    }
    return "";
  }

  private resetCaches(): void {
    this.ranges.clear();
    this.aliasKey = -1;
    this.mappings.clear();
    this.lastPfn = -1;
    this.lastPfnId = -1;
  }

  private deviceId(name: string): number {
    if (name === this.lastDevice) return this.lastDeviceId;
    let id = this.deviceIds.get(name);
    if (id === undefined) {
      id = this.deviceNames.length;
      this.deviceNames.push(name);
      this.deviceIds.set(name, id);
    }
    this.lastDevice = name;
    this.lastDeviceId = id;
    return id;
  }

  private adapterIdOf(a: object): number {
    if (a === this.lastAdapter) return this.lastAdapterId;
    let id: number;
    try {
      id = adapterObject(a as Parameters<typeof adapterObject>[0]).id;
    } catch {
      id = 0;
    }
    this.lastAdapter = a;
    this.lastAdapterId = id;
    return id;
  }
}

function isContiguous(pfns: ArrayLike<number>): boolean {
  const n = pfns.length;
  if (n <= 1) return true;
  const first = pfns[0] as number;
  return pfns[n - 1] === first + n - 1 && (n === 2 || checkRun(pfns, first));
}

function checkRun(pfns: ArrayLike<number>, first: number): boolean {
  for (let i = 1; i < pfns.length; i++) if (pfns[i] !== first + i) return false;
  return true;
}

/**
 * Create and install a verifier on a machine (one per machine): findings go
 * to it from then on. Install it right after booting, before the driver runs.
 *
 * @example
 * ```ts
 * import { bootMachine, installVerifier, IoGetDmaAdapter, deviceDescription, InterfaceType, physicalAddress, MmGetPhysicalAddress } from "dmasim";
 * const k = bootMachine("x64-iommu");
 * const v = installVerifier(k, { mode: "collect" });
 * const pdo = k.pdo("plx9656");
 * const a = IoGetDmaAdapter(k, pdo, deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
 * const va = a === null ? null : (a.DmaOperations.AllocateCommonBuffer?.(a, 4096, physicalAddress(), true) ?? null);
 * if (va !== null) k.bus.write(k.busMasterOf(pdo), Number(MmGetPhysicalAddress(k, va).QuadPart), new Uint8Array(8)); // the bug: a physical address
 * console.log(v.findings.map((f) => f.code)); // [ 'DMA_PHYSICAL_ADDRESS_USED' ]
 * ```
 */
export function installVerifier(kernel: Kernel, opts: VerifierOptions = {}): Verifier {
  return new Verifier(kernel, opts).install();
}
