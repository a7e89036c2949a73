/**
 * The HAL's private adapter object behind each DMA_ADAPTER a driver holds —
 * in Windows the public header is the first member of the HAL's adapter
 * object (ReactOS ADAPTER_OBJECT.DmaHeader; symbol dumps of
 * _HALP_DMA_ADAPTER_OBJECT). Routines receive the public DMA_ADAPTER and
 * recover this with adapterObject(a).
 *
 * Other HAL files extend it for their state (adapter channels, map registers,
 * scatter/gather) with a module augmentation in their own file:
 *   declare module "./adapter.ts" { interface AdapterObject { channelBusy?: boolean } }
 * and fill their DMA_OPERATIONS slots in src/hal/dma-operations.ts.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { VaMapping } from "../kernel/va-space.ts";
import type { BusMaster } from "../machine/bus.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import type { ObserverSlot } from "../core/hooks.ts";
import type { Prng } from "../core/prng.ts";
import type { CommonBufferRoutine, HalObserver } from "./observer.ts";
import type { DmaOsBuild } from "./os-build.ts";
import type { AdapterReach } from "./reach.ts";
import type { DEVICE_DESCRIPTION, DMA_ADAPTER } from "./types.ts";

/**
 * Per-machine HAL state (kept on the machine, see hal-state.ts): its
 * observers, the "OS build" that decides how long a version-3
 * DMA_OPERATIONS table is, and every live common buffer by VA (so a free on
 * the wrong adapter, and the verifier's tail checks, can find the buffer).
 */
export interface HalState {
  /** Observers of adapters, buffers and mapped transfers; `current` is what call sites use (null: one branch). */
  readonly observers: ObserverSlot<HalObserver>;
  osBuild: DmaOsBuild;
  /** Live common buffers of every adapter, by base VA. */
  readonly buffers: Map<number, CommonBuffer>;
  nextAdapterId: number;
  /** The HAL's own random stream (page scatter under an IOMMU), seeded from the machine's seed. */
  readonly prng: Prng;
}

/** One live common buffer. */
export interface CommonBuffer {
  readonly adapter: AdapterObject;
  readonly routine: CommonBufferRoutine;
  readonly va: number;
  /** The caller's bytes; the rest of the last page is the inaccessible tail. */
  readonly length: number;
  readonly pages: number;
  readonly logical: number;
  /** The same as a PHYSICAL_ADDRESS QuadPart (what the caller got back). */
  readonly logicalQuad: bigint;
  /** Under an IOMMU: the physical runs taken, [pfn, pages, pfn, pages, ...]; null for one contiguous run at `logical`. */
  readonly physicalRuns: readonly number[] | null;
  readonly mapping: VaMapping;
  /** Page frames (physically contiguous unless the adapter's device is remapped by the IOMMU). */
  readonly pfns: Int32Array;
  readonly cache: CacheAttribute;
  /** The CacheEnabled value FreeCommonBuffer must repeat. */
  readonly cacheEnabled: boolean;
  readonly deviceMemory: boolean;
  /** True when the logical address is an IOVA in the device's IOMMU domain. */
  readonly remapped: boolean;
  /** False for CreateCommonBufferFromMdl: the pages and their VA stay the driver's; freeing only ends the HAL's mapping. */
  readonly ownsMemory: boolean;
  /** The DMA domain an AllocateDomainCommonBuffer buffer belongs to (any member's adapter may free it), else null. */
  readonly domain: object | null;
  /** Simulated time of the allocation, ns. */
  readonly time: number;
}

/**
 * The HAL's own record behind a DMA_ADAPTER (adapterObject(adapter)): what
 * the debugger's !dma shows — the resolved description, the reach, the map
 * registers, the live common buffers — for tests, reports and the verifier.
 * Drivers use the DMA_ADAPTER and its DMA_OPERATIONS; this is read-only to them.
 */
export interface AdapterObject {
  readonly id: number;
  /** A kernel-looking address for bug-check parameters and messages. */
  readonly address: bigint;
  readonly kernel: Kernel;
  /** @internal The machine's HAL state (hal-state.ts); not part of the API. */
  readonly hal: HalState;
  /** The PDO the adapter was requested for (null for a legacy request without one). */
  readonly pdo: DEVICE_OBJECT | null;
  readonly device: string;
  /** The description as the HAL keeps it: a copy, InterfaceType resolved, IgnoreCount cleared for Version 0. */
  readonly description: Readonly<DEVICE_DESCRIPTION>;
  /** DMA_OPERATIONS version handed out: 1, 2 or 3. */
  readonly tableVersion: 1 | 2 | 3;
  readonly master: boolean;
  /** Bus master with hardware scatter/gather (ignored for subordinate devices: the 8237 has none). */
  readonly scatterGather: boolean;
  /** System DMA channel (0-7) for a subordinate adapter, -1 for a bus master. */
  readonly dmaChannel: number;
  readonly reach: AdapterReach;
  /** What IoGetDmaAdapter reported through NumberOfMapRegisters. */
  readonly mapRegisters: number;
  /** Whether transfers go through map registers (subordinate, non-SG master, or a master that cannot reach all RAM without an IOMMU). */
  readonly needsMapRegisters: boolean;
  /** The device on the DMA bus (domain >= 0 when the IOMMU remaps it). */
  readonly busMaster: BusMaster;
  /** Live common buffers by VA. */
  readonly commonBuffers: Map<number, CommonBuffer>;
  /** Recently freed buffers by VA (to tell a double free from a free of an unknown address); bounded. */
  readonly freedCommonBuffers: Map<number, CommonBuffer>;
  /** Counters as the debugger's !dma shows them. */
  readonly counters: { commonBuffersAllocated: number; commonBuffersFreed: number; scatterGatherListsBuilt: number; scatterGatherListsPut: number; scatterGatherListsLive: number };
  /** Set by PutDmaAdapter. */
  released: boolean;
  readonly dma: DMA_ADAPTER;
}

const objects = new WeakMap<DMA_ADAPTER, AdapterObject>();

/** Link a public DMA_ADAPTER to its adapter object (IoGetDmaAdapter does this). */
export function registerAdapterObject(a: DMA_ADAPTER, ao: AdapterObject): void {
  objects.set(a, ao);
}

/** The adapter object behind a DMA_ADAPTER; TypeError when the value did not come from IoGetDmaAdapter. */
export function adapterObject(a: DMA_ADAPTER): AdapterObject {
  const ao = objects.get(a);
  if (ao === undefined) throw new TypeError(`not a DMA_ADAPTER from IoGetDmaAdapter: ${typeof a === "object" ? JSON.stringify(a) : String(a)}`);
  return ao;
}

/**
 * The adapter object for a routine call, or null when the call must do
 * nothing because PutDmaAdapter already released the adapter (reported as
 * 0xE6 / 0x18). A NULL adapter bug checks 0xE6 / 0x19. Windows would touch freed memory there; dmasim
 * reports and refuses.
 */
export function liveAdapter(a: DMA_ADAPTER | null | undefined, routine: string): AdapterObject | null {
  if (a === null || a === undefined) {
    // Windows dereferences it (a stop either way); Driver Verifier names it: 0xE6 / 0x19. There is no machine to report to.
    throw new BugCheckError(BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x19, 0, 0, 0, `${routine}: DmaAdapter is NULL`);
  }
  const ao = adapterObject(a);
  if (ao.released) {
    ao.kernel.report({ code: "DMA_ADAPTER_USED_AFTER_RELEASE", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x18, ao.address, 0, 0], routine, device: ao.device, message: `${routine} called on adapter ${formatAdapter(ao)} after PutDmaAdapter released it`, params: { adapter: ao.address } });
    return null;
  }
  return ao;
}

/**
 * A kernel-looking address for a device's PDO, by its place in the profile
 * (0 for a device the profile does not have): bug check 0xE6 / 0x26 names the
 * faulting device's DEVICE_OBJECT in P2, and dmasim's device objects have no
 * address of their own.
 */
export function deviceObjectAddress(k: Kernel, device: string): bigint {
  const i = k.profile.devices.findIndex((d) => d.name === device);
  return i < 0 ? 0n : 0xffff_b000_0000_0000n + BigInt(i + 1) * 0x400n;
}

export function formatAdapter(ao: AdapterObject): string {
  return `0x${ao.address.toString(16).toUpperCase()} (${ao.device})`;
}
