/**
 * The HAL observer: what the verifier (or a trace) sees of adapters and
 * common buffers. The HAL calls it on adapter creation and release and on
 * every common-buffer allocation and free; with no observer installed the
 * cost is one branch per call site. Attach any number per machine with
 * addHalObserver(kernel, observer) (src/hal/hal-state.ts).
 *
 * The verifier owns the implementation and may add optional methods and call
 * sites here (small edits).
 */
import type { CacheAttribute } from "../machine/memory-system.ts";
import type { VaMapping } from "../kernel/va-space.ts";
import type { DEVICE_DESCRIPTION, DMA_ADAPTER } from "./types.ts";

/** Which routine made or released a common buffer. */
export type CommonBufferRoutine = "AllocateCommonBuffer" | "AllocateCommonBufferEx" | "AllocateCommonBufferWithBounds" | "AllocateDomainCommonBuffer" | "CreateCommonBufferFromMdl" | "HalAllocateCommonBuffer" | "FreeCommonBuffer" | "HalFreeCommonBuffer" | "AllocateCommonBufferVector" | "FreeCommonBufferFromVector";

/** What a HAL observer is told when an adapter is created (IoGetDmaAdapter) or released (PutDmaAdapter). */
export interface AdapterEvent {
  readonly adapter: DMA_ADAPTER;
  /** Device name (the PDO's profile entry), or "legacy" for an adapter without a PDO. */
  readonly device: string;
  /** A copy of the description the adapter was built from (after InterfaceType resolution). */
  readonly description: Readonly<DEVICE_DESCRIPTION>;
  /** Map registers reported through NumberOfMapRegisters. */
  readonly mapRegisters: number;
  /** Highest logical address the adapter reaches (inclusive). */
  readonly maxAddress: number;
  /** Simulated time, ns. */
  readonly time: number;
}

/** What a HAL observer is told when a common buffer is allocated or freed, by whichever routine. */
export interface CommonBufferEvent {
  readonly adapter: DMA_ADAPTER;
  readonly device: string;
  readonly routine: CommonBufferRoutine;
  /** Base VA returned to the driver. */
  readonly va: number;
  /** The caller's bytes: [va, va + length). The rest of the last page is inaccessible (the tail). */
  readonly length: number;
  /** Whole pages taken. */
  readonly pages: number;
  /** Logical address the device uses. */
  readonly logical: number;
  /** Page frame of each page (not contiguous under an IOMMU). */
  readonly pfns: Int32Array;
  /** The CPU mapping (its cache attribute and Device-memory flag). */
  readonly mapping: VaMapping;
  readonly cache: CacheAttribute;
  /** The CacheEnabled argument as passed (for WithBounds: CacheType !== MmNonCached). */
  readonly cacheEnabled: boolean;
  /** ARM64 Device memory (uncached common buffer): no misaligned access. */
  readonly deviceMemory: boolean;
  readonly time: number;
}

/** Every hook a HAL observer may have (a fan-out of several observers forwards each). */
export const HAL_OBSERVER_METHODS = ["onAdapterCreated", "onAdapterReleased", "onCommonBufferAllocated", "onCommonBufferFreed", "onTransferMapped", "onTransferUnmapped"] as const;

/**
 * Hooks on the HAL's DMA events for one machine (addHalObserver): the trace
 * and the verifier are two such observers. Each hook runs synchronously inside
 * the HAL routine, at the caller's IRQL, after the HAL's own bookkeeping.
 */
export interface HalObserver extends TransferObserver {
  /** IoGetDmaAdapter returned an adapter. */
  onAdapterCreated?(e: AdapterEvent): void;
  /** PutDmaAdapter; `outstandingCommonBuffers` are the buffers still allocated (leaked) at that moment. */
  onAdapterReleased?(e: AdapterEvent & { readonly outstandingCommonBuffers: number }): void;
  /** A common buffer was allocated (any of the allocating routines, CreateCommonBufferFromMdl included). */
  onCommonBufferAllocated?(e: CommonBufferEvent): void;
  /** A common buffer was freed with matching arguments (a mismatched free frees nothing and is not reported here). */
  onCommonBufferFreed?(e: CommonBufferEvent): void;
}

/**
 * A transfer the HAL mapped for a device (MapTransfer, a scatter/gather
 * element, bounce pages): a legitimate DMA target until it is unmapped.
 */
export interface TransferEvent {
  readonly device: string;
  /** Logical address given to the device. */
  readonly logical: number;
  readonly length: number;
  /** Physical page behind each logical page, from the page holding `logical`. */
  readonly pfns: ArrayLike<number>;
}

/** Optional transfer hooks (the verifier implements them); `key` is the HAL's own record of the mapping. */
export interface TransferObserver {
  /** The HAL mapped a transfer for the device (MapTransfer, a scatter/gather list, bounce pages). */
  onTransferMapped?(key: object, e: TransferEvent): void;
  /**
   * Optional fast form of onTransferMapped for a physically contiguous run
   * at its own physical address (`pfns` would be the pages from the one
   * holding `physical` on): no event or frames array is made. Called only on
   * a lone observer that has it (a fan-out of several gets onTransferMapped),
   * so an observer with this hook must mean the same by both.
   */
  onContiguousTransferMapped?(key: object, device: string, physical: number, length: number): void;
  /** The mapping under `key` ended (its map registers flushed or freed, its scatter/gather list put). */
  onTransferUnmapped?(key: object): void;
}

/**
 * Tell the observer a transfer is mapped. Without `pfns` the logical address
 * is physical and the run is physically contiguous.
 */
export function notifyTransferMapped(o: (HalObserver & TransferObserver) | null, key: object, device: string, logical: number, length: number, pfns?: ArrayLike<number>): void {
  if (o === null || length <= 0) return;
  if (pfns === undefined && o.onContiguousTransferMapped !== undefined) {
    o.onContiguousTransferMapped(key, device, logical, length);
    return;
  }
  if (o.onTransferMapped === undefined) return;
  let frames = pfns;
  if (frames === undefined) {
    const first = Math.floor(logical / 4096);
    const n = Math.floor((logical + length - 1) / 4096) - first + 1;
    const f = new Int32Array(n);
    for (let i = 0; i < n; i++) f[i] = first + i;
    frames = f;
  }
  o.onTransferMapped(key, { device, logical, length, pfns: frames });
}

/** Tell the observer a transfer is no longer mapped. */
export function notifyTransferUnmapped(o: (HalObserver & TransferObserver) | null, key: object): void {
  if (o !== null) o.onTransferUnmapped?.(key);
}
