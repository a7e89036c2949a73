/**
 * The HAL observer: what the verifier (or a trace) sees of adapters and
 * common buffers. The HAL calls it on adapter creation and release and on
 * every common-buffer allocation and free; with no observer installed the
 * cost is one branch per call site. Install one per machine with
 * setHalObserver(kernel, observer) (src/hal/hal-state.ts).
 *
 * The verifier owns the implementation and may add optional methods and call
 * sites here (small edits).
 */
import type { CacheAttribute } from "../machine/memory-system.ts";
import type { VaMapping } from "../kernel/va-space.ts";
import type { DEVICE_DESCRIPTION, DMA_ADAPTER } from "./types.ts";

/** Which routine made or released a common buffer. */
export type CommonBufferRoutine = "AllocateCommonBuffer" | "AllocateCommonBufferEx" | "AllocateCommonBufferWithBounds" | "HalAllocateCommonBuffer" | "FreeCommonBuffer" | "HalFreeCommonBuffer";

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

export interface HalObserver {
  onAdapterCreated?(e: AdapterEvent): void;
  /** PutDmaAdapter; `outstandingCommonBuffers` are the buffers still allocated (leaked) at that moment. */
  onAdapterReleased?(e: AdapterEvent & { readonly outstandingCommonBuffers: number }): void;
  onCommonBufferAllocated?(e: CommonBufferEvent): void;
  onCommonBufferFreed?(e: CommonBufferEvent): void;
}
