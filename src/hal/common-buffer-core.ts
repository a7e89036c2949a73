/**
 * The one place common buffers are made and destroyed; the public routines
 * (AllocateCommonBuffer, ...Ex, ...WithBounds, HalAllocateCommonBuffer,
 * FreeCommonBuffer) only work out the constraints and cache attribute.
 *
 * Without remapping: one physically contiguous run inside the adapter's
 * reach that does not cross its boundary (PageFrameManager.allocateContiguous,
 * effort by IRQL), mapped at a fresh system VA, logical
 * address = physical address. With the device in an IOMMU domain: IOVA pages
 * from the device's own space (inside its reach and boundary), physical pages
 * taken a few at a time wherever they are free (so a multi-page buffer may be
 * physically scattered yet logically contiguous), and a read/write
 * translation for the device — the seed's "sets up a translation for the
 * device".
 *
 * Placement policy (dmasim's; Windows documents only PreferredNode): the
 * device's NUMA node first (its _PXM, or PreferredNode), the ISA-zone
 * reserve second — on each node, in fallback order, a bus master whose reach
 * extends past 16 MiB gets memory above 16 MiB first and only then anywhere
 * in its reach, sparing the memory ISA system DMA needs (ReactOS does the
 * same for its map buffers, HalpGrowMapBuffers). So a node-0 master takes
 * node 0's memory below 16 MiB before any of node 1.
 */
import { BYTES_TO_PAGES, MiB, PAGE_SIZE } from "../core/address.ts";
import { type ContiguousPagesRequest, effortForIrql, type NodePolicy } from "../kernel/page-frames.ts";
import type { VaMapping } from "../kernel/va-space.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import type { AdapterObject, CommonBuffer } from "./adapter.ts";
import type { CommonBufferEvent, CommonBufferRoutine } from "./observer.ts";

/** Pages in a 2 MiB granule (DOMAIN_COMMON_BUFFER_LARGE_PAGE). */
export const LARGE_PAGE_PAGES = 512;
const ISA_LIMIT_PFN = (16 * MiB) / PAGE_SIZE;
const SCRATCH = new Int32Array(1024);
/** Node policies in search order: no node; the node's own memory, then the others nearest first. */
const PREFERRED: readonly NodePolicy[] = ["preferred"];
const STRICT_THEN_PREFERRED: readonly NodePolicy[] = ["strict", "preferred"];
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
  /** Preferred NUMA node (its memory first, then the nearest others), or -1 for no preference. */
  readonly node: number;
  readonly largePage: boolean;
  /** A boundary stricter than the adapter's (a DMA domain's, shared by its devices). */
  readonly boundary?: number;
  /** The DMA domain the buffer belongs to (AllocateDomainCommonBuffer). */
  readonly domain?: object;
}

/** Allocate a common buffer for an adapter; null when it cannot be had (no state changes then). */
export function allocateCommonBuffer(ao: AdapterObject, spec: CommonBufferSpec): CommonBuffer | null {
  const k = ao.kernel;
  if (spec.maxAddress < spec.minAddress) return null;
  let pages = BYTES_TO_PAGES(spec.length);
  const align = spec.largePage ? LARGE_PAGE_PAGES : 1;
  if (align > 1) pages = Math.ceil(pages / align) * align;
  const boundary = Math.min(ao.reach.boundary, spec.boundary ?? ao.reach.boundary);
  const boundaryPages = boundary / PAGE_SIZE;
  if (pages > boundaryPages) return null;
  const remapped = ao.master && ao.busMaster.domain >= 0 && k.iommu !== null;
  let logical: number;
  let mapping: VaMapping;
  let physicalRuns: readonly number[] | null = null;
  if (!remapped) {
    const lowPfn = Math.ceil(spec.minAddress / PAGE_SIZE);
    const highPfn = Math.min(Math.floor((spec.maxAddress + 1) / PAGE_SIZE) - 1, k.map.pageCount - 1);
    if (highPfn < lowPfn || highPfn - lowPfn + 1 < pages) return null;
    const req: ContiguousPagesRequest = { pages, lowPfn, highPfn, alignPages: align, boundaryPages, effort: effortForIrql(k.KeGetCurrentIrql()) };
    if (spec.node >= 0) req.node = spec.node;
    // The device's node first, the ISA-zone reserve second: each node policy above 16 MiB, then anywhere in reach.
    const spareIsa = ao.master && lowPfn < ISA_LIMIT_PFN && highPfn - ISA_LIMIT_PFN + 1 >= pages;
    let pfn = -1;
    for (const policy of spec.node >= 0 ? STRICT_THEN_PREFERRED : PREFERRED) {
      if (spec.node >= 0) req.nodePolicy = policy;
      if (spareIsa) {
        req.lowPfn = ISA_LIMIT_PFN;
        pfn = k.pfm.allocateContiguous(req);
        req.lowPfn = lowPfn;
        if (pfn >= 0) break;
      }
      pfn = k.pfm.allocateContiguous(req);
      if (pfn >= 0) break;
    }
    if (pfn < 0) return null;
    // VaSpace.map copies the frames, so a scratch array serves for runs that fit it.
    const pfns = pages <= SCRATCH.length ? SCRATCH.subarray(0, pages) : new Int32Array(pages);
    for (let i = 0; i < pages; i++) pfns[i] = pfn + i;
    mapping = k.va.map(pfns, spec.cache, "common buffer", spec.deviceMemory);
    // Windows does not zero common buffers: fresh pages show the fill pattern.
    // Lines a previous owner left in the CPU cache do not belong to the new buffer.
    k.memorySystem.maintain(pfn * PAGE_SIZE, pages * PAGE_SIZE, "invalidate");
    k.memory.scrub(pfn * PAGE_SIZE, pages * PAGE_SIZE);
    logical = pfn * PAGE_SIZE;
  } else {
    const iommu = k.iommu;
    const domain = ao.busMaster.domain;
    const iova = iommu.allocateIova(domain, { pages, minAddress: spec.minAddress, maxAddress: spec.maxAddress, boundary, align: align * PAGE_SIZE });
    if (iova < 0) return null;
    const runs = takeScatteredPages(ao, pages, spec);
    if (runs === null) {
      iommu.freeIova(domain, iova, pages);
      return null;
    }
    // The translation by run (cost per run, not per page); the CPU's mapping still lists every page.
    iommu.mapRuns(domain, iova, runs, { read: true, write: true });
    mapping = k.va.map(expandRuns(runs, pages), spec.cache, "common buffer", spec.deviceMemory);
    for (let r = 0; r < runs.length; r += 2) {
      k.memorySystem.maintain((runs[r] as number) * PAGE_SIZE, (runs[r + 1] as number) * PAGE_SIZE, "invalidate");
      k.memory.scrub((runs[r] as number) * PAGE_SIZE, (runs[r + 1] as number) * PAGE_SIZE);
    }
    logical = iova;
    physicalRuns = runs;
  }
  const cb: CommonBuffer = { adapter: ao, routine: spec.routine, va: mapping.startVa, length: spec.length, pages, logical, logicalQuad: BigInt(logical), physicalRuns, mapping, pfns: mapping.pfns, cache: spec.cache, cacheEnabled: spec.cacheEnabled, deviceMemory: spec.deviceMemory, remapped, ownsMemory: true, domain: spec.domain ?? null, time: k.clock.now };
  registerCommonBuffer(cb);
  return cb;
}

/** Enter a made buffer in its adapter's and the machine's books and tell the observer. */
export function registerCommonBuffer(cb: CommonBuffer): void {
  const ao = cb.adapter;
  ao.commonBuffers.set(cb.va, cb);
  ao.freedCommonBuffers.delete(cb.va);
  ao.hal.buffers.set(cb.va, cb);
  ao.counters.commonBuffersAllocated++;
  const o = ao.hal.observers.current;
  if (o !== null) o.onCommonBufferAllocated?.(event(cb, cb.routine));
}

/** Destroy a live common buffer (the caller has validated the free). */
export function releaseCommonBuffer(cb: CommonBuffer, routine: CommonBufferRoutine): void {
  const ao = cb.adapter;
  const k = ao.kernel;
  if (cb.remapped) {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    iommu.unmap(ao.busMaster.domain, cb.logical);
    iommu.freeIova(ao.busMaster.domain, cb.logical, cb.pages);
    if (cb.ownsMemory) {
      k.va.unmap(cb.va);
      const runs = cb.physicalRuns ?? [];
      for (let r = 0; r < runs.length; r += 2) k.pfm.freeContiguous(runs[r] as number, runs[r + 1] as number);
    }
  } else if (cb.ownsMemory) {
    k.va.unmap(cb.va);
    k.pfm.freeContiguous(cb.logical / PAGE_SIZE, cb.pages);
  }
  ao.commonBuffers.delete(cb.va);
  ao.hal.buffers.delete(cb.va);
  ao.freedCommonBuffers.set(cb.va, cb);
  if (ao.freedCommonBuffers.size > FREED_MEMORY) {
    const oldest = ao.freedCommonBuffers.keys().next();
    if (oldest.done !== true) ao.freedCommonBuffers.delete(oldest.value);
  }
  ao.counters.commonBuffersFreed++;
  const o = ao.hal.observers.current;
  if (o !== null) o.onCommonBufferFreed?.(event(cb, routine));
}

/**
 * Physical pages for a remapped buffer: runs of up to SCATTER_RUN frames,
 * each from a seeded random place in memory (wrapping), as a long-running
 * system's free lists hand them out — so a buffer of more than SCATTER_RUN
 * pages is physically scattered. A run that cannot be had whole is retried
 * shorter, down to single pages, so any free pages will do (no compaction is
 * ever needed: the IOMMU makes them logically contiguous). With
 * DOMAIN_COMMON_BUFFER_LARGE_PAGE each 2 MiB granule is one aligned physical
 * run (what a 2 MiB IOMMU page maps), at the effort the IRQL allows. All or
 * nothing: returns the runs taken ([pfn, pages] pairs flattened) or null.
 */
export const SCATTER_RUN = 8;

function takeScatteredPages(ao: AdapterObject, pages: number, spec: CommonBufferSpec): number[] | null {
  const k = ao.kernel;
  const frames = k.map.pageCount;
  const large = spec.largePage;
  const req: ContiguousPagesRequest = { pages: 1, lowPfn: 0, highPfn: frames - 1, effort: large ? effortForIrql(k.KeGetCurrentIrql()) : "free-only" };
  if (large) req.alignPages = LARGE_PAGE_PAGES;
  const runLength = large ? LARGE_PAGE_PAGES : SCATTER_RUN;
  const shortest = large ? LARGE_PAGE_PAGES : 1;
  // With a node: that node's memory first (strict), then the fallback order ("preferred" reaches the other nodes).
  const policies = spec.node < 0 ? PREFERRED : STRICT_THEN_PREFERRED;
  if (spec.node >= 0) req.node = spec.node;
  const runs: number[] = [];
  let left = pages;
  while (left > 0) {
    const hint = ao.hal.prng.int(frames);
    let n = 0;
    let pfn = -1;
    // The preferred node down to single pages before any other node.
    for (let p = 0; p < policies.length && pfn < 0; p++) {
      if (spec.node >= 0) req.nodePolicy = policies[p] as NodePolicy;
      n = Math.min(runLength, left);
      pfn = runFrom(ao, req, hint, n);
      while (pfn < 0 && n > shortest) {
        n >>= 1;
        pfn = runFrom(ao, req, hint, n);
      }
    }
    if (pfn < 0) {
      for (let r = 0; r < runs.length; r += 2) k.pfm.freeContiguous(runs[r] as number, runs[r + 1] as number);
      return null;
    }
    runs.push(pfn, n);
    left -= n;
  }
  return runs;
}

/** A free run of n frames at or after hint, else below it (wrapping). */
function runFrom(ao: AdapterObject, req: ContiguousPagesRequest, hint: number, n: number): number {
  const pfm = ao.kernel.pfm;
  const last = ao.kernel.map.pageCount - 1;
  req.pages = n;
  req.lowPfn = hint;
  req.highPfn = last;
  let pfn = pfm.allocateContiguous(req);
  if (pfn < 0 && hint > 0) {
    req.lowPfn = 0;
    req.highPfn = Math.min(last, hint + n - 2);
    pfn = pfm.allocateContiguous(req);
  }
  return pfn;
}

/** Page frames of each page, in order, from [pfn, pages] runs. */
function expandRuns(runs: readonly number[], pages: number): Int32Array {
  const out = new Int32Array(pages);
  let o = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const pfn = runs[r] as number;
    const n = runs[r + 1] as number;
    for (let i = 0; i < n; i++) out[o++] = pfn + i;
  }
  return out;
}

function event(cb: CommonBuffer, routine: CommonBufferRoutine): CommonBufferEvent {
  const ao = cb.adapter;
  return { adapter: ao.dma, device: ao.device, routine, va: cb.va, length: cb.length, pages: cb.pages, logical: cb.logical, pfns: cb.pfns, mapping: cb.mapping, cache: cb.cache, cacheEnabled: cb.cacheEnabled, deviceMemory: cb.deviceMemory, time: ao.kernel.clock.now };
}
