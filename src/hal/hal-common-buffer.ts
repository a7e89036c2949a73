/**
 * The legacy HAL entry points HalAllocateCommonBuffer / HalFreeCommonBuffer
 * (seed 002; ntddk.h of the NT 4 / Windows 2000 era), called directly with the
 * adapter object rather than through DMA_OPERATIONS.
 *
 * The IRQL rule from the HAL document: callers are typically at
 * PASSIVE_LEVEL, where the routine "makes several attempts" — dmasim searches
 * free runs above 16 MiB, then anywhere in reach, and then compacts (moves
 * movable pages out of a window). It may be called at DISPATCH_LEVEL, where
 * "less effort is made": only runs that are already free (the physical
 * search and compaction need <= APC_LEVEL, as in ReactOS
 * MiAllocateContiguousMemory), so after an uptime only one-page requests may
 * succeed, if any. Like AllocateCommonBuffer on x86/x64 Windows it ignores
 * CacheEnabled (ReactOS honours it — a documented divergence).
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { liveAdapter } from "./adapter.ts";
import { allocateCommonBuffer } from "./common-buffer-core.ts";
import { checkBoolean } from "./args.ts";
import { checkFreeArguments, checkOut, checkUlongLength, commonBufferCache, deviceNode, freeChecked } from "./common-buffer.ts";
import type { DMA_ADAPTER } from "./types.ts";

const UP_TO_DISPATCH = { max: DISPATCH_LEVEL } as const;

/**
 * HalAllocateCommonBuffer(AdapterObject, Length, LogicalAddress, CacheEnabled):
 * VA or null; <= DISPATCH_LEVEL (at DISPATCH_LEVEL only runs already free are
 * taken). Free it with HalFreeCommonBuffer or FreeCommonBuffer.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, HalAllocateCommonBuffer, HalFreeCommonBuffer, AllocateCommonBuffer, PutDmaAdapter, installVerifier, physicalAddress, DISPATCH_LEVEL } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 64, MaximumLength: 65536 }), { value: 0 });
 * if (a === null) throw new Error("no adapter");
 * const v = installVerifier(k, { mode: "collect" });
 * const la = physicalAddress(0);
 * const va = k.atIrql(DISPATCH_LEVEL, () => HalAllocateCommonBuffer(a, 4096, la, true)); // allowed at DISPATCH_LEVEL
 * console.log(va !== null, v.findings.length);          // true 0
 * k.atIrql(DISPATCH_LEVEL, () => AllocateCommonBuffer(a, 4096, physicalAddress(0), true)); // PASSIVE_LEVEL only
 * console.log(v.findings.map((f) => f.code));           // [ 'DMA_WRONG_IRQL' ]
 * if (va !== null) HalFreeCommonBuffer(a, 4096, la, va, true);
 * ```
 */
export function HalAllocateCommonBuffer(AdapterObject: DMA_ADAPTER, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean): number | null {
  const routine = "HalAllocateCommonBuffer";
  const ao = liveAdapter(AdapterObject, routine);
  checkUlongLength(Length, routine);
  checkOut(LogicalAddress, routine);
  checkBoolean(CacheEnabled, routine, "CacheEnabled");
  if (ao === null) return null;
  ao.kernel.checkIrql(routine, UP_TO_DISPATCH, ao.device);
  if (Length === 0) return null;
  const c = commonBufferCache(ao, null);
  const cb = allocateCommonBuffer(ao, { routine, length: Length, minAddress: 0, maxAddress: ao.reach.maxAddress, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: CacheEnabled, node: deviceNode(ao), largePage: false });
  if (cb === null) return null;
  LogicalAddress.QuadPart = cb.logicalQuad;
  return cb.va;
}

/** HalFreeCommonBuffer(AdapterObject, Length, LogicalAddress, VirtualAddress, CacheEnabled): the same matching rules as FreeCommonBuffer. */
export function HalFreeCommonBuffer(AdapterObject: DMA_ADAPTER, Length: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: number, CacheEnabled: boolean): void {
  const routine = "HalFreeCommonBuffer";
  const ao = liveAdapter(AdapterObject, routine);
  checkFreeArguments(routine, Length, LogicalAddress, VirtualAddress, CacheEnabled);
  if (ao === null) return;
  ao.kernel.checkIrql(routine, UP_TO_DISPATCH, ao.device);
  freeChecked(ao, routine, Length, LogicalAddress, VirtualAddress, CacheEnabled);
}
