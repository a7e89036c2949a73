/**
 * Map registers: the HAL's translation resource an adapter channel grant
 * comes with (the MapRegisterBase handed to the AdapterControl routine), and
 * FreeMapRegisters. On a PC without an IOMMU a map register is a bounce page
 * the device can reach: below 16 MiB and inside one 64 KiB block for system
 * DMA (ReactOS HalpGrowMapBuffers builds its pool that way, with non-cached
 * pages), below the adapter's reach for bus masters. dmasim allocates a
 * grant's bounce pages on first need (MapTransfer of a buffer the device
 * cannot reach) and frees them with the registers.
 *
 * A grant's registers carry every MapTransfer since the last
 * FlushAdapterBuffers (a scatter/gather master maps run after run, then
 * flushes once), each in its own slice of the bounce pages.
 *
 * Misuse Windows lets through is reported with the Driver Verifier codes
 * (0xE6): 0x05 too many map registers freed, 0x10 freed while still mapped
 * (P2 = registers still mapped).
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { type ContiguousRun, allocateContiguousMapped, freeContiguousMapped } from "../kernel/contiguous-memory.ts";
import type { MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { checkUlong } from "./args.ts";
import { notifyTransferUnmapped } from "./observer.ts";
import type { DMA_ADAPTER, MapRegisterBase } from "./types.ts";

/** The 16 MiB line of the ISA bus. */
const ISA_LIMIT_PFN = (16 * 1024 * 1024) / 4096;

/** One open MapTransfer, until FlushAdapterBuffers. */
export interface OpenMapping {
  readonly mdl: MDL;
  readonly currentVa: number;
  readonly length: number;
  readonly writeToDevice: boolean;
  /** Logical address handed to the device. */
  readonly logical: number;
  /** True when the data goes through the bounce pages. */
  readonly bounced: boolean;
  /** IOMMU mapping made for a remapped bus master: [iova, pages], else null. */
  readonly iova: readonly [number, number] | null;
  /** Map registers (pages) the mapping takes. */
  readonly registers: number;
  /** Byte offset of its data in the grant's bounce pages (when bounced). */
  readonly bounceOffset: number;
}

/** The object behind a MapRegisterBase handle. */
export interface MapRegisterFile {
  readonly Type: "MAP_REGISTER_BASE";
  readonly adapter: AdapterObject;
  readonly count: number;
  live: boolean;
  bounce: ContiguousRun | null;
  /** The MapTransfers since the last flush, in order. */
  readonly mappings: OpenMapping[];
  /** Registers those mappings take, and bounce pages handed out to them. */
  registersInUse: number;
  bounceUsed: number;
  /** Whether any MapTransfer ever used the registers (a flush of never-mapped registers is 0xE6 / 0x20). */
  everMapped: boolean;
  /** The transfer context of an AllocateAdapterChannelEx grant (opaque here; see transfer-context.ts). */
  readonly context: object | null;
}

interface RegisterState {
  readonly live: Set<MapRegisterFile>;
  /** Mappings of adapters that need no map registers (MapRegisterBase NULL). */
  readonly unregistered: OpenMapping[];
  /** The adapter's own bounce run (its registers' pages), once made, and the grant holding it. */
  pool: ContiguousRun | null;
  poolHolder: MapRegisterFile | null;
}

const states = new WeakMap<AdapterObject, RegisterState>();
function state(ao: AdapterObject): RegisterState {
  let s = states.get(ao);
  if (s === undefined) {
    s = { live: new Set(), unregistered: [], pool: null, poolHolder: null };
    states.set(ao, s);
  }
  return s;
}

/** Map registers an adapter holds now (for PutDmaAdapter's leak check and reports). */
export function outstandingMapRegisters(ao: AdapterObject): number {
  let n = 0;
  for (const f of state(ao).live) n += f.count;
  return n;
}

/** Open mappings of an adapter that works without map registers. */
export function unregisteredMappings(ao: AdapterObject): OpenMapping[] {
  return state(ao).unregistered;
}

/** A new register file for a channel grant (the HAL side of AllocateAdapterChannel). */
export function createMapRegisterFile(ao: AdapterObject, count: number, context: object | null = null): MapRegisterFile {
  const f: MapRegisterFile = { Type: "MAP_REGISTER_BASE", adapter: ao, count, live: true, bounce: null, mappings: [], registersInUse: 0, bounceUsed: 0, everMapped: false, context };
  state(ao).live.add(f);
  return f;
}

/** The register file behind a handle, or null when the handle is not one. */
export function registerFileOf(base: MapRegisterBase): MapRegisterFile | null {
  if (base === null || typeof base !== "object") return null;
  const f = base as Partial<MapRegisterFile>;
  return f.Type === "MAP_REGISTER_BASE" ? (base as MapRegisterFile) : null;
}

/** Whether the adapter's transfers can need bounce pages: not a bus master its IOMMU domain remaps. */
function canBounce(ao: AdapterObject): boolean {
  return !ao.master || ao.busMaster.domain < 0 || ao.kernel.iommu === null;
}

/** `pages` contiguous non-cached pages the adapter reaches (below 16 MiB and inside the channel's block for system DMA), or null. */
function reachablePages(ao: AdapterObject, pages: number): ContiguousRun | null {
  const k = ao.kernel;
  const highPfn = Math.min(ao.master ? Math.floor((ao.reach.maxAddress + 1) / 4096) - 1 : ISA_LIMIT_PFN - 1, k.map.pageCount - 1);
  // The channel's page (64 KiB, or 128 KiB on 5-7) for system DMA; a master's reach boundary.
  const boundaryPages = Math.min(ao.reach.boundary / 4096, 2 ** 30);
  return allocateContiguousMapped(k, { pages, lowPfn: 0, highPfn, boundaryPages, cache: "noncached", tag: "map registers" });
}

/**
 * Give a new grant its bounce pages: the adapter's run when it is free (made
 * now if this is the first grant), else a run of its own. False when memory
 * cannot give them (at DISPATCH_LEVEL only already-free runs are taken).
 */
export function reserveBouncePages(f: MapRegisterFile): boolean {
  const ao = f.adapter;
  if (f.bounce !== null || f.count === 0 || !canBounce(ao)) return true;
  const s = state(ao);
  if (s.pool === null) s.pool = reachablePages(ao, Math.max(ao.mapRegisters, f.count));
  if (s.pool !== null && s.poolHolder === null && f.count <= s.pool.pages) {
    s.poolHolder = f;
    f.bounce = s.pool;
    return true;
  }
  f.bounce = reachablePages(ao, f.count);
  return f.bounce !== null;
}

/** The bounce pages of a register file (reserved at the grant; reserved now for one that got none then), or null when there are none. */
export function bouncePages(f: MapRegisterFile): ContiguousRun | null {
  if (f.bounce === null && f.count > 0) reserveBouncePages(f);
  return f.bounce;
}

/** PutDmaAdapter: free the adapter's bounce run (unless a grant leaked with it: it goes with the leak). */
export function releaseBouncePool(ao: AdapterObject): void {
  const s = states.get(ao);
  if (s === undefined || s.pool === null || s.poolHolder !== null) return;
  freeContiguousMapped(ao.kernel, s.pool.va, "PutDmaAdapter");
  s.pool = null;
}

/** End one open mapping: its IOMMU translation goes away and the observer stops treating it as a DMA target. */
export function unmapOpenMapping(ao: AdapterObject, m: OpenMapping): void {
  notifyTransferUnmapped(ao.hal.observers.current, m);
  const iommu = ao.kernel.iommu;
  if (m.iova !== null && iommu !== null) {
    iommu.unmap(ao.busMaster.domain, m.iova[0]);
    iommu.freeIova(ao.busMaster.domain, m.iova[0], m.iova[1]);
  }
}

/** End the open mappings of a register file (flushed, or abandoned with the registers). */
export function endMappings(f: MapRegisterFile): void {
  for (const m of f.mappings) unmapOpenMapping(f.adapter, m);
  f.mappings.length = 0;
  f.registersInUse = 0;
  f.bounceUsed = 0;
}

/** Release a register file (FreeMapRegisters, FreeAdapterChannel, DeallocateObject). */
export function releaseMapRegisterFile(f: MapRegisterFile): void {
  if (!f.live) return;
  endMappings(f);
  f.live = false;
  state(f.adapter).live.delete(f);
  if (f.bounce !== null) {
    const s = state(f.adapter);
    if (s.poolHolder === f) s.poolHolder = null;
    else freeContiguousMapped(f.adapter.kernel, f.bounce.va, "FreeMapRegisters");
    f.bounce = null;
  }
}

/**
 * FreeMapRegisters(DmaAdapter, MapRegisterBase, NumberOfMapRegisters)
 * (DISPATCH_LEVEL): release registers kept with DeallocateObjectKeepRegisters,
 * after FlushAdapterBuffers. NumberOfMapRegisters must repeat the count given
 * to AllocateAdapterChannel.
 */
export function FreeMapRegisters(DmaAdapter: DMA_ADAPTER, MapRegisterBase: MapRegisterBase, NumberOfMapRegisters: number): void {
  const routine = "FreeMapRegisters";
  const ao = liveAdapter(DmaAdapter, routine);
  if (MapRegisterBase !== null && typeof MapRegisterBase !== "object") throw new TypeError(`${routine}: MapRegisterBase must be the handle from the AdapterControl routine (or NULL), got ${typeof MapRegisterBase}`);
  checkUlong(NumberOfMapRegisters, routine, "NumberOfMapRegisters");
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  const f = registerFileOf(MapRegisterBase);
  if (f === null && MapRegisterBase === null && !ao.needsMapRegisters) return; // nothing was allocated
  if (f?.adapter !== ao || !f.live) {
    k.report({ code: "DMA_TOO_MANY_MAP_REGISTERS_FREED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x05, 1, 0, 0], routine, device: ao.device, message: `${routine}: the map registers at this MapRegisterBase are not allocated to adapter ${ao.device} (already freed, or never allocated)`, params: { extraFrees: 1 } });
    return;
  }
  if (f.mappings.length > 0) {
    const still = f.registersInUse;
    k.report({ code: "DMA_MAP_REGISTERS_FREED_WHILE_MAPPED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x10, still, 0, 0], routine, device: ao.device, message: `${routine}: map registers freed while ${still} of them still map ${f.mappings.length === 1 ? "a transfer" : `${f.mappings.length} transfers`} (call FlushAdapterBuffers first)`, params: { stillMapped: still } });
  }
  if (NumberOfMapRegisters !== f.count) {
    k.report({ code: "DMA_MAP_REGISTER_COUNT_MISMATCH", routine, device: ao.device, message: `${routine}: NumberOfMapRegisters ${NumberOfMapRegisters} differs from the ${f.count} allocated with AllocateAdapterChannel`, params: { given: NumberOfMapRegisters, allocated: f.count } });
  }
  endMappings(f);
  releaseMapRegisterFile(f);
}
