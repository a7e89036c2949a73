/**
 * The memory manager's contiguous-memory routines (wdm.h):
 * MmAllocateContiguousMemory[SpecifyCache[Node]], MmAllocateContiguousNodeMemory,
 * MmFreeContiguousMemory[SpecifyCache] and MmGetPhysicalAddress, on top of the
 * page-frame manager and the system VA space. Fresh pages get the fill pattern
 * (the memory is returned uninitialised, never zeroed).
 *
 * Windows first tries nonpaged pool for cached requests (ReactOS
 * MiAllocateContiguousMemory, "Where did all that contiguous memory come
 * from?"); dmasim has no pool model, so the only source is the page-frame
 * search — which is why above APC_LEVEL only already-free runs are taken.
 */
import { BYTES_TO_PAGES, isPowerOfTwo, PAGE_SIZE, type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import { type Kernel, machineSlot } from "./kernel.ts";
import { effortForIrql, type NodePolicy } from "./page-frames.ts";
import { formatVa, type VaMapping } from "./va-space.ts";

/** MEMORY_CACHING_TYPE values (wdm.h). */
export const MmNonCached = 0;
export const MmCached = 1;
export const MmWriteCombined = 2;
export const MmHardwareCoherentCached = 3;
export const MmNonCachedUnordered = 4;
export const MmUSWCCached = 5;

/** NODE_REQUIREMENT value that lets the system pick the node. */
export const MM_ANY_NODE_OK = 0x80000000;

/** Page protection flags accepted by MmAllocateContiguousNodeMemory and MmMapIoSpaceEx: PAGE_READWRITE, read and write. */
export const PAGE_READWRITE = 0x04;
/** PAGE_EXECUTE_READWRITE (accepted as PAGE_READWRITE; dmasim runs no code from memory). */
export const PAGE_EXECUTE_READWRITE = 0x40;
/** PAGE_NOCACHE, or-ed with a protection: the mapping is not cached (MmNonCached). */
export const PAGE_NOCACHE = 0x200;
/** PAGE_WRITECOMBINE, or-ed with a protection: write-combined (MmWriteCombined). */
export const PAGE_WRITECOMBINE = 0x400;

/**
 * MEMORY_CACHING_TYPE -> the attribute the page gets (the x86/x64 platform
 * table, as in ReactOS MiPlatformCacheAttributes).
 */
export function cacheAttributeOf(cacheType: number): CacheAttribute {
  switch (cacheType) {
    case MmNonCached:
    case MmNonCachedUnordered:
      return "noncached";
    case MmCached:
    case MmHardwareCoherentCached:
      return "cached";
    case MmWriteCombined:
    case MmUSWCCached:
      return "writecombined";
    default:
      throw new RangeError(`not a MEMORY_CACHING_TYPE: ${cacheType}`);
  }
}

export interface ContiguousRunRequest {
  readonly pages: number;
  readonly lowPfn: number;
  readonly highPfn: number;
  readonly boundaryPages?: number;
  readonly alignPages?: number;
  readonly node?: number;
  readonly nodePolicy?: NodePolicy;
  readonly cache: CacheAttribute;
  /** ARM64 Windows maps uncached common buffers as Device memory. */
  readonly deviceMemory?: boolean;
  readonly tag: string;
}

/** A physically contiguous allocation, mapped: what the HAL and MmAllocateContiguousMemory* keep per buffer. */
export interface ContiguousRun {
  /** Its VA. */
  readonly va: number;
  /** Its first page frame (the run is [pfn, pfn + pages)). */
  readonly pfn: number;
  /** Pages. */
  readonly pages: number;
  /** Its VA mapping. */
  readonly mapping: VaMapping;
}

/** Live contiguous allocations of a kernel, by VA (one entry per allocation). */
const RUNS = machineSlot<Map<number, ContiguousRun>>("contiguous runs", () => new Map());
function runs(k: Kernel): Map<number, ContiguousRun> {
  return k.slot(RUNS);
}

/**
 * Allocate a physically contiguous run, map it at a fresh VA with the given
 * cache attribute and fill it with the fill pattern. Effort follows the
 * current IRQL. Null when nothing fits (no state changes then).
 */
export function allocateContiguousMapped(k: Kernel, req: ContiguousRunRequest): ContiguousRun | null {
  const pfn = k.pfm.allocateContiguous({
    pages: req.pages,
    lowPfn: req.lowPfn,
    highPfn: req.highPfn,
    ...(req.alignPages === undefined ? {} : { alignPages: req.alignPages }),
    ...(req.boundaryPages === undefined ? {} : { boundaryPages: req.boundaryPages }),
    ...(req.node === undefined ? {} : { node: req.node }),
    ...(req.nodePolicy === undefined ? {} : { nodePolicy: req.nodePolicy }),
    effort: effortForIrql(k.KeGetCurrentIrql()),
  });
  if (pfn < 0) return null;
  const pfns = new Int32Array(req.pages);
  for (let i = 0; i < req.pages; i++) pfns[i] = pfn + i;
  const mapping = k.va.map(pfns, req.cache, req.tag, req.deviceMemory ?? false);
  // Lines a previous owner left in the CPU cache do not belong to the new allocation.
  k.memorySystem.maintain(pfn * PAGE_SIZE, req.pages * PAGE_SIZE, "invalidate");
  k.memory.scrub(pfn * PAGE_SIZE, req.pages * PAGE_SIZE);
  const run: ContiguousRun = { va: mapping.startVa, pfn, pages: req.pages, mapping };
  runs(k).set(run.va, run);
  return run;
}

/** The live contiguous run that starts at va, if any. */
export function contiguousRunAt(k: Kernel, va: number): ContiguousRun | undefined {
  return runs(k).get(va);
}

/**
 * Unmap and free a run from allocateContiguousMapped. A VA that does not
 * start a live contiguous allocation bug checks BAD_POOL_CALLER (0xC2) with
 * subcode 0x60, as freeing from the middle of one does.
 */
export function freeContiguousMapped(k: Kernel, va: number, routine = "MmFreeContiguousMemory"): ContiguousRun {
  const run = runs(k).get(va);
  if (run === undefined) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x60, BigInt(va) | 0xffff_0000_0000_0000n, 0, 0, `${routine}: ${formatVa(va)} is not the start of a contiguous allocation`);
  runs(k).delete(va);
  k.va.unmap(va);
  k.pfm.freeContiguous(run.pfn, run.pages);
  return run;
}

function checkIrqlAtMostDispatch(k: Kernel, routine: string): void {
  const cur = k.KeGetCurrentIrql();
  if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `${routine} called at ${irqlName(cur)} (maximum DISPATCH_LEVEL)`);
}

/** Turn byte bounds into a PFN request; null when the bounds make the request impossible. */
function boundsToPfns(k: Kernel, bytes: number, low: PHYSICAL_ADDRESS, high: PHYSICAL_ADDRESS, boundary: PHYSICAL_ADDRESS): { pages: number; lowPfn: number; highPfn: number; boundaryPages: number } | null {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return null;
  const pages = BYTES_TO_PAGES(bytes);
  const lowB = toNumberSaturating(low.QuadPart);
  const highB = toNumberSaturating(high.QuadPart);
  const boundB = toNumberSaturating(boundary.QuadPart);
  // The lowest acceptable address rounds up to a page; the highest is the last acceptable byte.
  const lowPfn = Math.ceil(lowB / PAGE_SIZE);
  const highPfn = Math.min(Math.floor((highB + 1) / PAGE_SIZE) - 1, k.map.pageCount - 1);
  if (boundB !== 0 && (boundB % PAGE_SIZE !== 0 || !isPowerOfTwo(boundB))) return null;
  const boundaryPages = boundB / PAGE_SIZE;
  if (highPfn < lowPfn) return null;
  return { pages, lowPfn, highPfn, boundaryPages };
}

/**
 * MmAllocateContiguousMemorySpecifyCache(NumberOfBytes, LowestAcceptableAddress,
 * HighestAcceptableAddress, BoundaryAddressMultiple, CacheType): VA or null.
 * Both acceptable addresses are inclusive (the run lies inside
 * [Lowest, Highest]); a BoundaryAddressMultiple of 0 means none. The pages
 * are not zeroed (they hold the fill pattern). <= DISPATCH_LEVEL; above
 * APC_LEVEL only runs that are already free are taken.
 *
 * @example
 * ```ts
 * import { bootMachine, MmAllocateContiguousMemorySpecifyCache, MmFreeContiguousMemory, MmCached, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * // 64 KiB below 16 MiB, not crossing a 64 KiB line (an ISA-style buffer):
 * const va = MmAllocateContiguousMemorySpecifyCache(k, 65536, physicalAddress(0), physicalAddress(0xff_ffff), physicalAddress(0x1_0000), MmCached);
 * if (va !== null) {
 *   console.log(k.cpu.readU32(va).toString(16)); // deadbeef — never written, never zeroed
 *   MmFreeContiguousMemory(k, va);
 * }
 * ```
 */
export function MmAllocateContiguousMemorySpecifyCache(k: Kernel, NumberOfBytes: number, LowestAcceptableAddress: PHYSICAL_ADDRESS, HighestAcceptableAddress: PHYSICAL_ADDRESS, BoundaryAddressMultiple: PHYSICAL_ADDRESS, CacheType: number): number | null {
  checkIrqlAtMostDispatch(k, "MmAllocateContiguousMemorySpecifyCache");
  const cache = cacheAttributeOf(CacheType);
  const b = boundsToPfns(k, NumberOfBytes, LowestAcceptableAddress, HighestAcceptableAddress, BoundaryAddressMultiple);
  if (b === null) return null;
  return allocateContiguousMapped(k, { ...b, cache, tag: "MmAllocateContiguousMemory" })?.va ?? null;
}

/** MmAllocateContiguousMemory(NumberOfBytes, HighestAcceptableAddress): cached, no lower bound, no boundary. */
export function MmAllocateContiguousMemory(k: Kernel, NumberOfBytes: number, HighestAcceptableAddress: PHYSICAL_ADDRESS): number | null {
  checkIrqlAtMostDispatch(k, "MmAllocateContiguousMemory");
  return MmAllocateContiguousMemorySpecifyCache(k, NumberOfBytes, { QuadPart: 0n }, HighestAcceptableAddress, { QuadPart: 0n }, MmCached);
}

function nodeRule(k: Kernel, PreferredNode: number, routine: string): { node?: number; nodePolicy?: NodePolicy } {
  if (PreferredNode >>> 0 === MM_ANY_NODE_OK) return {};
  if (!Number.isInteger(PreferredNode) || PreferredNode < 0 || PreferredNode >= k.map.nodeCount) throw new RangeError(`${routine}: PreferredNode ${PreferredNode} does not exist (this machine has ${k.map.nodeCount} node${k.map.nodeCount === 1 ? "" : "s"}; use MM_ANY_NODE_OK to let the system choose)`);
  // The documented rule: a specific node is strict — from that node or NULL.
  return { node: PreferredNode, nodePolicy: "strict" };
}

/** MmAllocateContiguousMemorySpecifyCacheNode(..., CacheType, PreferredNode): strict NUMA node unless MM_ANY_NODE_OK. */
export function MmAllocateContiguousMemorySpecifyCacheNode(k: Kernel, NumberOfBytes: number, LowestAcceptableAddress: PHYSICAL_ADDRESS, HighestAcceptableAddress: PHYSICAL_ADDRESS, BoundaryAddressMultiple: PHYSICAL_ADDRESS, CacheType: number, PreferredNode: number): number | null {
  checkIrqlAtMostDispatch(k, "MmAllocateContiguousMemorySpecifyCacheNode");
  const cache = cacheAttributeOf(CacheType);
  const node = nodeRule(k, PreferredNode, "MmAllocateContiguousMemorySpecifyCacheNode");
  const b = boundsToPfns(k, NumberOfBytes, LowestAcceptableAddress, HighestAcceptableAddress, BoundaryAddressMultiple);
  if (b === null) return null;
  return allocateContiguousMapped(k, { ...b, ...node, cache, tag: "MmAllocateContiguousMemory" })?.va ?? null;
}

/**
 * MmAllocateContiguousNodeMemory(..., Protect, PreferredNode): Protect is
 * PAGE_READWRITE or PAGE_EXECUTE_READWRITE, optionally | PAGE_NOCACHE or
 * | PAGE_WRITECOMBINE; anything else gives NULL. Strict NUMA node unless MM_ANY_NODE_OK.
 */
export function MmAllocateContiguousNodeMemory(k: Kernel, NumberOfBytes: number, LowestAcceptableAddress: PHYSICAL_ADDRESS, HighestAcceptableAddress: PHYSICAL_ADDRESS, BoundaryAddressMultiple: PHYSICAL_ADDRESS, Protect: number, PreferredNode: number): number | null {
  checkIrqlAtMostDispatch(k, "MmAllocateContiguousNodeMemory");
  const base = Protect & ~(PAGE_NOCACHE | PAGE_WRITECOMBINE);
  const extra = Protect & (PAGE_NOCACHE | PAGE_WRITECOMBINE);
  if ((base !== PAGE_READWRITE && base !== PAGE_EXECUTE_READWRITE) || extra === (PAGE_NOCACHE | PAGE_WRITECOMBINE)) return null;
  const cache: CacheAttribute = extra === PAGE_NOCACHE ? "noncached" : extra === PAGE_WRITECOMBINE ? "writecombined" : "cached";
  const node = nodeRule(k, PreferredNode, "MmAllocateContiguousNodeMemory");
  const b = boundsToPfns(k, NumberOfBytes, LowestAcceptableAddress, HighestAcceptableAddress, BoundaryAddressMultiple);
  if (b === null) return null;
  return allocateContiguousMapped(k, { ...b, ...node, cache, tag: "MmAllocateContiguousNodeMemory" })?.va ?? null;
}

/** MmFreeContiguousMemory(BaseAddress). The size comes from the allocation (as in Windows). */
export function MmFreeContiguousMemory(k: Kernel, BaseAddress: number): void {
  checkIrqlAtMostDispatch(k, "MmFreeContiguousMemory");
  freeContiguousMapped(k, BaseAddress, "MmFreeContiguousMemory");
}

/** MmFreeContiguousMemorySpecifyCache(BaseAddress, NumberOfBytes, CacheType): size and cache are not used to find the run. */
export function MmFreeContiguousMemorySpecifyCache(k: Kernel, BaseAddress: number, NumberOfBytes: number, CacheType: number): void {
  void NumberOfBytes;
  cacheAttributeOf(CacheType);
  checkIrqlAtMostDispatch(k, "MmFreeContiguousMemorySpecifyCache");
  freeContiguousMapped(k, BaseAddress, "MmFreeContiguousMemorySpecifyCache");
}

/**
 * MmGetPhysicalAddress: the physical address behind a VA; 0 when the VA is
 * not mapped. Not what a device is given: under an IOMMU a device needs the
 * logical address its adapter returned (handing it this one is the finding
 * DMA_PHYSICAL_ADDRESS_USED).
 *
 * @example
 * ```ts
 * import { bootMachine, MmAllocateContiguousMemory, MmGetPhysicalAddress, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const va = MmAllocateContiguousMemory(k, 4096, physicalAddress(0xffff_ffff)) ?? 0;
 * console.log(MmGetPhysicalAddress(k, va + 0x10).QuadPart); // 4112n — page 1 (page 0 is the firmware's) + 0x10
 * ```
 */
export function MmGetPhysicalAddress(k: Kernel, BaseAddress: number): PHYSICAL_ADDRESS {
  const pa = k.va.physicalAddressOf(BaseAddress);
  return { QuadPart: BigInt(pa < 0 ? 0 : pa) };
}
