/**
 * Calling a DMA_OPERATIONS routine through its slot, checked: a slot the
 * adapter's table version does not fill is null, and calling it in C would
 * jump through a NULL pointer. dmaCall reports DMA_ROUTINE_NOT_AVAILABLE
 * (naming the routine, the table version and how to get it) and returns
 * undefined instead of throwing a JavaScript TypeError.
 *
 *   const va = dmaCall(adapter, "AllocateCommonBufferEx", null, 4096, la, true, 0) ?? null;
 */
import { adapterObject } from "../hal/adapter.ts";
import type { DMA_ADAPTER, DMA_OPERATIONS } from "../hal/types.ts";

type RoutineName = Exclude<keyof DMA_OPERATIONS, "Size">;
type Slot<K extends RoutineName> = NonNullable<DMA_OPERATIONS[K]>;
type Rest<K extends RoutineName> = Slot<K> extends (a: DMA_ADAPTER, ...rest: infer P) => unknown ? P : never;
type Ret<K extends RoutineName> = Slot<K> extends (...args: never[]) => infer R ? R : never;

/**
 * Call a DMA_OPERATIONS slot by name, checked: a null slot (a routine the
 * adapter's version does not have) is the finding DMA_ROUTINE_NOT_AVAILABLE
 * and returns undefined, where calling it through `?.` would silently do
 * nothing and calling it directly would be a JavaScript TypeError.
 */
export function dmaCall<K extends RoutineName>(adapter: DMA_ADAPTER, routine: K, ...args: Rest<K>): Ret<K> | undefined {
  const fn = adapter.DmaOperations[routine] as ((a: DMA_ADAPTER, ...rest: Rest<K>) => Ret<K>) | null;
  if (fn !== null) return fn(adapter, ...args);
  const ao = adapterObject(adapter);
  const why = routine === "AllocateCommonBufferEx" || ao.tableVersion < 3 ? `; it needs a version 3 table (IoGetDmaAdapter with DEVICE_DESCRIPTION_VERSION3)` : "";
  ao.kernel.report({ code: "DMA_ROUTINE_NOT_AVAILABLE", routine, device: ao.device, message: `${routine} called through a NULL slot of the DMA_OPERATIONS table (version ${ao.tableVersion}, ${adapter.DmaOperations.Size} bytes) of ${ao.device}${why}`, params: { tableVersion: ao.tableVersion, size: adapter.DmaOperations.Size } });
  return undefined;
}
