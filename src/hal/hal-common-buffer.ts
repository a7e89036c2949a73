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

/** HalAllocateCommonBuffer(AdapterObject, Length, LogicalAddress, CacheEnabled): VA or null; <= DISPATCH_LEVEL. */
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
