/**
 * The common-buffer routines of DMA_OPERATIONS: AllocateCommonBuffer (v1),
 * AllocateCommonBufferEx (v3), AllocateCommonBufferWithBounds (the Windows 10
 * 1803 tail of v3) and FreeCommonBuffer (v1). Called through the table with
 * the adapter first:
 *   const va = a.DmaOperations.AllocateCommonBuffer?.(a, 5000, la, true);
 *
 * Sources: the seeds (nc-wdm-pallocate_common_buffer, _ex), DDI
 * nc-wdm-pfree_common_buffer and nc-wdm-pallocate_common_buffer_with_bounds,
 * reference windows-dma.md §1.3 and §2.5.
 */
import { type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { formatVa } from "../kernel/va-space.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import { type AdapterObject, type CommonBuffer, formatAdapter, liveAdapter } from "./adapter.ts";
import { checkBoolean, checkPhysicalAddress, checkPhysicalAddressOut, checkUlong, checkVa } from "./args.ts";
import { allocateCommonBuffer, releaseCommonBuffer } from "./common-buffer-core.ts";
import { currentDomain } from "./domain-state.ts";
import type { CommonBufferRoutine } from "./observer.ts";
import { DOMAIN_COMMON_BUFFER_LARGE_PAGE, type DMA_ADAPTER, MM_ANY_NODE_OK, MmCached, type MEMORY_CACHING_TYPE, MmNonCached } from "./types.ts";

/** How the CPU maps a buffer: `requestCached` null = the platform's choice. */
export interface CommonBufferCache {
  readonly cache: CacheAttribute;
  readonly deviceMemory: boolean;
}
const CACHED: CommonBufferCache = { cache: "cached", deviceMemory: false };
const UNCACHED: CommonBufferCache = { cache: "noncached", deviceMemory: false };
const DEVICE_MEMORY: CommonBufferCache = { cache: "noncached", deviceMemory: true };

export function commonBufferCache(ao: AdapterObject, requestCached: boolean | null): CommonBufferCache {
  if (ao.kernel.arch === "x64") {
    // x86/x64: cached and assumed coherent unless the caller explicitly asks for uncached (Ex / WithBounds).
    return requestCached === false ? UNCACHED : CACHED;
  }
  // ARM64: ACPI _CCA wins; a non-coherent device always gets uncached memory, which ARM64 Windows maps as Device memory.
  if (!ao.busMaster.coherent || requestCached === false) return DEVICE_MEMORY;
  return CACHED;
}

/**
 * An explicit MEMORY_CACHING_TYPE (AllocateCommonBufferWithBounds,
 * AllocateDomainCommonBuffer): "a caching type override that will be followed
 * regardless of the hardware platform" (DDI
 * nc-wdm-pallocate_common_buffer_with_bounds) — MmCached is cached even for an
 * ARM64 device with _CCA 0 (the driver then maintains the caches itself,
 * e.g. FlushDmaBuffer), MmNonCached is uncached (Device memory on ARM64).
 * NULL is the platform default (commonBufferCache with no request).
 */
export function commonBufferCacheType(ao: AdapterObject, CacheType: MEMORY_CACHING_TYPE | null): CommonBufferCache {
  if (CacheType === null) return commonBufferCache(ao, null);
  if (CacheType === MmCached) return CACHED;
  return ao.kernel.arch === "x64" ? UNCACHED : DEVICE_MEMORY;
}

/** The documented IRQL of the common-buffer routines (one shared rule object: these are hot paths). */
const AT_PASSIVE = { exact: PASSIVE_LEVEL } as const;

/** ULONG Length check: the emulator's own type rule (a TS caller passing a non-ULONG is a programming error). */
export function checkUlongLength(Length: number, routine: string): void {
  checkUlong(Length, routine, "Length");
}

export function checkOut(LogicalAddress: PHYSICAL_ADDRESS, routine: string): void {
  checkPhysicalAddressOut(LogicalAddress, routine, "LogicalAddress");
}

/** A MEMORY_CACHING_TYPE pointer's value, or NULL. */
export function checkCacheType(CacheType: unknown, routine: string): void {
  if (CacheType !== null && (typeof CacheType !== "number" || !Number.isInteger(CacheType))) throw new TypeError(`${routine}: CacheType must be a MEMORY_CACHING_TYPE or null, got ${typeof CacheType}`);
}

/** The device's NUMA proximity (its _PXM), preferred for routines without a PreferredNode; -1 when unknown. */
export function deviceNode(ao: AdapterObject): number {
  const n = ao.pdo?.config.node;
  return n === undefined || n >= ao.kernel.map.nodeCount ? -1 : n;
}

/**
 * PreferredNode rule (dmasim policy; the DDI only gives the 0..N-1 range):
 * MM_ANY_NODE_OK = no preference; 0..N-1 = that node's memory first, then
 * the other nodes nearest first (SLIT distance); anything else cannot be
 * satisfied and the allocation returns NULL.
 */
function preferredNode(ao: AdapterObject, PreferredNode: number): number | null {
  if (PreferredNode >>> 0 === MM_ANY_NODE_OK) return -1;
  if (!Number.isInteger(PreferredNode) || PreferredNode < 0 || PreferredNode >= ao.kernel.map.nodeCount) return null;
  return PreferredNode;
}

/**
 * AllocateCommonBuffer(DmaAdapter, Length, LogicalAddress, CacheEnabled):
 * VA or null; whole pages (at least one), only Length bytes the caller's.
 * CacheEnabled is ignored: x64 gives cached (coherent) memory, ARM64 follows
 * the device's _CCA. PASSIVE_LEVEL.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, AllocateCommonBuffer, FreeCommonBuffer, PutDmaAdapter, physicalAddress, hexAddr, formatVa } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 64, MaximumLength: 65536 }), { value: 0 });
 * if (a === null) throw new Error("no adapter");
 * const la = physicalAddress(0);                        // out: the address the device is given
 * const va = AllocateCommonBuffer(a, 100, la, true);    // a whole page; 100 bytes of it are the driver's
 * if (va === null) throw new Error("no common buffer");
 * console.log(formatVa(va), hexAddr(Number(la.QuadPart))); // 0xFFFFC000`00000000 0x000001000000 — above 16 MiB first
 * console.log(AllocateCommonBuffer(a, 0, physicalAddress(0), true)); // null — zero bytes
 * FreeCommonBuffer(a, 100, la, va, true);               // the same Length, addresses and CacheEnabled
 * PutDmaAdapter(a);
 * ```
 */
export function AllocateCommonBuffer(DmaAdapter: DMA_ADAPTER, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean): number | null {
  const routine = "AllocateCommonBuffer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkUlongLength(Length, routine);
  checkOut(LogicalAddress, routine);
  checkBoolean(CacheEnabled, routine, "CacheEnabled");
  if (ao === null) return null;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  if (Length === 0) return null;
  const c = commonBufferCache(ao, null);
  const cb = allocateCommonBuffer(ao, { routine, length: Length, minAddress: 0, maxAddress: ao.reach.maxAddress, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: CacheEnabled, node: deviceNode(ao), largePage: false });
  return finish(cb, LogicalAddress);
}

/**
 * AllocateCommonBufferEx(DmaAdapter, MaximumAddress, Length, LogicalAddress,
 * CacheEnabled, PreferredNode) — version 3 only. MaximumAddress (optional)
 * lowers the ceiling: it is the highest acceptable logical address, as drivers
 * pass 0xFFFFFFFF for "below 4 GiB" (HighestAcceptableAddress convention); CacheEnabled is honoured (FALSE = uncached) except that
 * on ARM64 a non-coherent device (_CCA 0) always gets uncached Device memory.
 * PASSIVE_LEVEL. PreferredNode is a node number or MM_ANY_NODE_OK.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, AllocateCommonBufferEx, FreeCommonBuffer, PutDmaAdapter, physicalAddress, MM_ANY_NODE_OK } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 64, MaximumLength: 65536 }), { value: 0 });
 * if (a === null) throw new Error("no adapter");
 * const la = physicalAddress(0);
 * // A 64-bit device whose ring must sit below 4 GiB (0xFFFFFFFF: the highest acceptable address), uncached:
 * const va = AllocateCommonBufferEx(a, physicalAddress(0xffff_ffff), 8192, la, false, MM_ANY_NODE_OK);
 * console.log(va !== null, la.QuadPart <= 0xffff_ffffn); // true true
 * console.log(AllocateCommonBufferEx(a, null, 4096, physicalAddress(0), true, 7)); // null — x64-desktop has one NUMA node
 * if (va !== null) FreeCommonBuffer(a, 8192, la, va, false);
 * PutDmaAdapter(a);
 * ```
 */
export function AllocateCommonBufferEx(DmaAdapter: DMA_ADAPTER, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean, PreferredNode: number): number | null {
  const routine = "AllocateCommonBufferEx";
  const ao = liveAdapter(DmaAdapter, routine);
  checkPhysicalAddress(MaximumAddress, routine, "MaximumAddress", true);
  checkUlongLength(Length, routine);
  checkOut(LogicalAddress, routine);
  checkBoolean(CacheEnabled, routine, "CacheEnabled");
  checkUlong(PreferredNode, routine, "PreferredNode");
  if (ao === null) return null;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  if (Length === 0) return null;
  const node = preferredNode(ao, PreferredNode);
  if (node === null) return null;
  const max = MaximumAddress === null ? ao.reach.maxAddress : Math.min(ao.reach.maxAddress, toNumberSaturating(BigInt.asUintN(64, MaximumAddress.QuadPart)));
  const c = commonBufferCache(ao, CacheEnabled);
  const cb = allocateCommonBuffer(ao, { routine, length: Length, minAddress: 0, maxAddress: max, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: CacheEnabled, node, largePage: false });
  return finish(cb, LogicalAddress);
}

/**
 * AllocateCommonBufferWithBounds(DmaAdapter, MinimumAddress, MaximumAddress,
 * Length, Flags, CacheType, PreferredNode, LogicalAddress): both bounds
 * optional and inclusive; CacheType null = the platform's choice, otherwise
 * only MmCached or MmNonCached (anything else: NULL); Flags may hold
 * DOMAIN_COMMON_BUFFER_LARGE_PAGE (2 MiB granules), any other bit: NULL.
 * An explicit CacheType wins over the platform (commonBufferCacheType), so
 * MmCached on an ARM64 _CCA 0 device is cached memory. FreeCommonBuffer must
 * then pass CacheEnabled = (the buffer is cached).
 */
export function AllocateCommonBufferWithBounds(DmaAdapter: DMA_ADAPTER, MinimumAddress: PHYSICAL_ADDRESS | null, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS): number | null {
  const routine = "AllocateCommonBufferWithBounds";
  const ao = liveAdapter(DmaAdapter, routine);
  checkPhysicalAddress(MinimumAddress, routine, "MinimumAddress", true);
  checkPhysicalAddress(MaximumAddress, routine, "MaximumAddress", true);
  checkUlongLength(Length, routine);
  checkUlong(Flags, routine, "Flags");
  checkCacheType(CacheType, routine);
  checkUlong(PreferredNode, routine, "PreferredNode");
  checkOut(LogicalAddress, routine);
  if (ao === null) return null;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  if (Length === 0) return null;
  if ((Flags & ~DOMAIN_COMMON_BUFFER_LARGE_PAGE) !== 0) return null;
  if (CacheType !== null && CacheType !== MmCached && CacheType !== MmNonCached) return null;
  const node = preferredNode(ao, PreferredNode);
  if (node === null) return null;
  const min = MinimumAddress === null ? 0 : toNumberSaturating(BigInt.asUintN(64, MinimumAddress.QuadPart));
  const max = MaximumAddress === null ? ao.reach.maxAddress : Math.min(ao.reach.maxAddress, toNumberSaturating(BigInt.asUintN(64, MaximumAddress.QuadPart)));
  const c = commonBufferCacheType(ao, CacheType);
  const cb = allocateCommonBuffer(ao, { routine, length: Length, minAddress: min, maxAddress: max, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: c.cache === "cached", node, largePage: (Flags & DOMAIN_COMMON_BUFFER_LARGE_PAGE) !== 0 });
  return finish(cb, LogicalAddress);
}

function finish(cb: CommonBuffer | null, LogicalAddress: PHYSICAL_ADDRESS): number | null {
  if (cb === null) return null;
  LogicalAddress.QuadPart = cb.logicalQuad;
  return cb.va;
}

/**
 * FreeCommonBuffer(DmaAdapter, Length, LogicalAddress, VirtualAddress,
 * CacheEnabled): all four values must match the allocation exactly; no
 * partial frees. PASSIVE_LEVEL. A mismatch is reported as
 * DMA_COMMON_BUFFER_FREE_MISMATCH (Driver Verifier's 0xE6 family) and frees
 * nothing.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, AllocateCommonBuffer, FreeCommonBuffer, PutDmaAdapter, installVerifier, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 64, MaximumLength: 65536 }), { value: 0 });
 * if (a === null) throw new Error("no adapter");
 * const v = installVerifier(k, { mode: "collect" });
 * const la = physicalAddress(0);
 * const va = AllocateCommonBuffer(a, 100, la, true);
 * if (va === null) throw new Error("no common buffer");
 * FreeCommonBuffer(a, 4096, la, va, true);              // the bug: the page size, not the Length allocated
 * console.log(v.findings.map((f) => f.code));           // [ 'DMA_COMMON_BUFFER_FREE_MISMATCH' ]
 * FreeCommonBuffer(a, 100, la, va, true);               // the right values: freed
 * PutDmaAdapter(a);
 * console.log(v.findings.length);                       // 1
 * ```
 */
export function FreeCommonBuffer(DmaAdapter: DMA_ADAPTER, Length: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: number, CacheEnabled: boolean): void {
  const routine = "FreeCommonBuffer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkFreeArguments(routine, Length, LogicalAddress, VirtualAddress, CacheEnabled);
  if (ao === null) return;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  freeChecked(ao, routine, Length, LogicalAddress, VirtualAddress, CacheEnabled);
}

/** FreeCommonBuffer's arguments: the emulator's TypeError / RangeError naming the bad one. */
export function checkFreeArguments(routine: string, Length: unknown, LogicalAddress: unknown, VirtualAddress: unknown, CacheEnabled: unknown): void {
  checkUlong(Length, routine, "Length");
  checkPhysicalAddress(LogicalAddress, routine, "LogicalAddress");
  checkVa(VirtualAddress, routine, "VirtualAddress");
  checkBoolean(CacheEnabled, routine, "CacheEnabled");
}

/**
 * Validate a free against the live buffer at VirtualAddress and release it.
 * Windows' HAL finds the buffer by address (a per-domain tree in the symbol
 * dumps) and does not check the rest; Driver Verifier does. dmasim reports
 * every mismatch as a finding and then leaves the buffer allocated, so a bad
 * free never corrupts state:
 * - VA not live on this adapter, freed before: DMA_COMMON_BUFFER_DOUBLE_FREE (0xE6 / 0x03);
 * - VA never a buffer of this adapter: DMA_COMMON_BUFFER_UNKNOWN_FREE (0xE6 / 0x03,
 *   "too many common buffers freed"), naming the owning adapter when there is one;
 * - Length, LogicalAddress or CacheEnabled differ: DMA_COMMON_BUFFER_FREE_MISMATCH
 *   (Windows has no 0xE6 code for it; Linux dma-debug reports the same as an error).
 */
export function freeChecked(ao: AdapterObject, routine: CommonBufferRoutine, Length: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: number, CacheEnabled: boolean): void {
  const k = ao.kernel;
  // A domain common buffer is the domain's: any member's adapter frees it.
  const shared = ao.hal.buffers.get(VirtualAddress);
  const cb = ao.commonBuffers.get(VirtualAddress) ?? (shared !== undefined && shared.domain !== null && shared.domain === currentDomain(ao) ? shared : undefined);
  if (cb === undefined) {
    const freed = ao.freedCommonBuffers.get(VirtualAddress);
    const other = ao.hal.buffers.get(VirtualAddress);
    const va = formatVa(VirtualAddress);
    if (freed !== undefined && other === undefined) {
      k.report({ code: "DMA_COMMON_BUFFER_DOUBLE_FREE", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x03, 1, 0, 0], routine, device: ao.device, message: `${routine}: the common buffer at ${va} (${freed.length} bytes) on adapter ${formatAdapter(ao)} was already freed`, params: { va: VirtualAddress, length: Length } });
    } else {
      const whose = other !== undefined ? `; it belongs to adapter ${formatAdapter(other.adapter)}` : "";
      k.report({ code: "DMA_COMMON_BUFFER_UNKNOWN_FREE", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x03, 1, 0, 0], routine, device: ao.device, message: `${routine}: ${va} is not a common buffer of adapter ${formatAdapter(ao)}${whose}`, params: { va: VirtualAddress, length: Length } });
    }
    return;
  }
  const q = LogicalAddress.QuadPart;
  const la = q < 0n ? BigInt.asUintN(64, q) : q;
  const bad: string[] = [];
  if (Length !== cb.length) bad.push(`Length ${Length} (allocated ${cb.length})`);
  if (la !== cb.logicalQuad) bad.push(`LogicalAddress 0x${la.toString(16)} (allocated 0x${cb.logical.toString(16)})`);
  if (CacheEnabled !== cb.cacheEnabled) bad.push(`CacheEnabled ${String(CacheEnabled).toUpperCase()} (allocated with ${String(cb.cacheEnabled).toUpperCase()})`);
  if (bad.length > 0) {
    k.report({ code: "DMA_COMMON_BUFFER_FREE_MISMATCH", routine, device: ao.device, message: `${routine}: the free of ${formatVa(VirtualAddress)} does not match its allocation by ${cb.routine}: ${bad.join(", ")}; the buffer stays allocated`, params: { va: VirtualAddress, length: Length, allocatedLength: cb.length, logical: la, allocatedLogical: cb.logical, cacheEnabled: CacheEnabled, allocatedCacheEnabled: cb.cacheEnabled } });
    return;
  }
  releaseCommonBuffer(cb, routine);
}
