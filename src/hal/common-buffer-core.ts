/**
 * The one place common buffers are made and destroyed; the public routines
 * (AllocateCommonBuffer, ...Ex, ...WithBounds, HalAllocateCommonBuffer,
 * FreeCommonBuffer) only work out the constraints and cache attribute.
 *
 * Without remapping: one physically contiguous run inside the adapter's
 * reach that does not cross its boundary (allocateContiguousMapped), logical
 * address = physical address. With the device in an IOMMU domain: IOVA pages
 * from the device's own space (inside its reach and boundary), physical pages
 * taken one at a time wherever they are free (so a multi-page buffer may be
 * physically scattered yet logically contiguous), and a read/write
 * translation for the device — the seed's "sets up a translation for the
 * device".
 *
 * Policy (dmasim's; Windows does not document it): a bus master whose reach
 * extends past 16 MiB gets memory above 16 MiB first and only then anywhere
 * in its reach, sparing the memory ISA system DMA needs (ReactOS does the
 * same for its map buffers, HalpGrowMapBuffers).
 */
import { BYTES_TO_PAGES, MiB, PAGE_SIZE } from "../core/address.ts";
import { allocateContiguousMapped, freeContiguousMapped } from "../kernel/contiguous-memory.ts";
import { effortForIrql, type NodePolicy } from "../kernel/page-frames.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import type { AdapterObject, CommonBuffer } from "./adapter.ts";
import type { CommonBufferEvent, CommonBufferRoutine } from "./observer.ts";

/** Pages in a 2 MiB granule (DOMAIN_COMMON_BUFFER_LARGE_PAGE). */
export const LARGE_PAGE_PAGES = 512;
const ISA_LIMIT_PFN = (16 * MiB) / PAGE_SIZE;
/** Recently freed buffers kept per adapter for double-free detection. */
const FREED_MEMORY = 256;

export interface CommonBufferSpec {
  readonly routine: CommonBufferRoutine;
  readonly length: number;
  /** Lowest acceptable logical address (inclusive). */
  readonly minAddress: number;
  /** Highest acceptable logical address (inclusive), already clipped to the adapter's reach. */
  readonly maxAddress: number;
  readonly cache: CacheAttribute;
  readonly deviceMemory: boolean;
  /** What FreeCommonBuffer must pass back as CacheEnabled. */
  readonly cacheEnabled: boolean;
  readonly node?: number;
  readonly nodePolicy?: NodePolicy;
  readonly largePage?: boolean;
}

/** Allocate a common buffer for an adapter; null when it cannot be had (no state changes then). */
export function allocateCommonBuffer(ao: AdapterObject, spec: CommonBufferSpec): CommonBuffer | null {
  const k = ao.kernel;
  if (spec.maxAddress < spec.minAddress) return null;
  let pages = BYTES_TO_PAGES(spec.length);
  const align = spec.largePage === true ? LARGE_PAGE_PAGES : 1;
  if (align > 1) pages = Math.ceil(pages / align) * align;
  const boundaryPages = ao.reach.boundary / PAGE_SIZE;
  if (pages > boundaryPages) return null;
  const node = spec.node === undefined ? {} : { node: spec.node, nodePolicy: spec.nodePolicy ?? "preferred" };
  const remapped = ao.master && ao.busMaster.domain >= 0 && k.iommu !== null;
  let pfns: Int32Array;
  let logical: number;
  let mapping;
  if (!remapped) {
    const lowPfn = Math.ceil(spec.minAddress / PAGE_SIZE);
    const highPfn = Math.min(Math.floor((spec.maxAddress + 1) / PAGE_SIZE) - 1, k.map.pageCount - 1);
    if (highPfn < lowPfn || highPfn - lowPfn + 1 < pages) return null;
    const base = { pages, highPfn, boundaryPages, alignPages: align, cache: spec.cache, deviceMemory: spec.deviceMemory, tag: "common buffer", ...node };
    let run = null;
    if (ao.master && lowPfn < ISA_LIMIT_PFN && highPfn - ISA_LIMIT_PFN + 1 >= pages) run = allocateContiguousMapped(k, { ...base, lowPfn: ISA_LIMIT_PFN });
    run ??= allocateContiguousMapped(k, { ...base, lowPfn });
    if (run === null) return null;
    mapping = run.mapping;
    pfns = mapping.pfns;
    logical = run.pfn * PAGE_SIZE;
  } else {
    const iommu = k.iommu;
    const domain = ao.busMaster.domain;
    const iova = iommu.allocateIova(domain, { pages, minAddress: spec.minAddress, maxAddress: spec.maxAddress, boundary: ao.reach.boundary });
    if (iova < 0) return null;
    const taken = takeScatteredPages(ao, pages, node);
    if (taken === null) {
      iommu.freeIova(domain, iova, pages);
      return null;
    }
    iommu.map(domain, iova, taken, { read: true, write: true });
    mapping = k.va.map(taken, spec.cache, "common buffer", spec.deviceMemory);
    for (let i = 0; i < pages; i++) k.memory.scrub((taken[i] as number) * PAGE_SIZE, PAGE_SIZE);
    pfns = mapping.pfns;
    logical = iova;
  }
  const cb: CommonBuffer = { adapter: ao, routine: spec.routine, va: mapping.startVa, length: spec.length, pages, logical, mapping, pfns, cache: spec.cache, cacheEnabled: spec.cacheEnabled, deviceMemory: spec.deviceMemory, remapped, time: k.clock.now };
  ao.commonBuffers.set(cb.va, cb);
  ao.freedCommonBuffers.delete(cb.va);
  ao.hal.buffers.set(cb.va, cb);
  ao.counters.commonBuffersAllocated++;
  const o = ao.hal.observer;
  if (o !== null) o.onCommonBufferAllocated?.(event(cb, spec.routine));
  return cb;
}

/** Destroy a live common buffer (the caller has validated the free). */
export function releaseCommonBuffer(cb: CommonBuffer, routine: CommonBufferRoutine): void {
  const ao = cb.adapter;
  const k = ao.kernel;
  if (cb.remapped) {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    iommu.unmap(ao.busMaster.domain, cb.logical);
    iommu.freeIova(ao.busMaster.domain, cb.logical, cb.pages);
    const pfns = Array.from(cb.pfns);
    k.va.unmap(cb.va);
    k.pfm.freePages(pfns);
  } else {
    freeContiguousMapped(k, cb.va, routine);
  }
  ao.commonBuffers.delete(cb.va);
  ao.hal.buffers.delete(cb.va);
  ao.freedCommonBuffers.set(cb.va, cb);
  if (ao.freedCommonBuffers.size > FREED_MEMORY) {
    const oldest = ao.freedCommonBuffers.keys().next();
    if (oldest.done !== true) ao.freedCommonBuffers.delete(oldest.value);
  }
  ao.counters.commonBuffersFreed++;
  const o = ao.hal.observer;
  if (o !== null) o.onCommonBufferFreed?.(event(cb, routine));
}

/**
 * Physical pages for a remapped buffer, one at a time from a seeded random
 * starting frame each, as a long-running system's free lists hand them out:
 * all or nothing.
 */
function takeScatteredPages(ao: AdapterObject, pages: number, node: { node?: number; nodePolicy?: NodePolicy }): number[] | null {
  const k = ao.kernel;
  const effort = effortForIrql(k.KeGetCurrentIrql());
  const out: number[] = [];
  const last = k.map.pageCount - 1;
  for (let i = 0; i < pages; i++) {
    const got = k.pfm.allocatePages(1, { effort, hintPfn: ao.hal.prng.int(last + 1), ...node });
    if (got === null) {
      if (out.length > 0) k.pfm.freePages(out);
      return null;
    }
    out.push(got[0] as number);
  }
  return out;
}

function event(cb: CommonBuffer, routine: CommonBufferRoutine): CommonBufferEvent {
  const ao = cb.adapter;
  return { adapter: ao.dma, device: ao.device, routine, va: cb.va, length: cb.length, pages: cb.pages, logical: cb.logical, pfns: cb.pfns, mapping: cb.mapping, cache: cb.cache, cacheEnabled: cb.cacheEnabled, deviceMemory: cb.deviceMemory, time: ao.kernel.clock.now };
}
