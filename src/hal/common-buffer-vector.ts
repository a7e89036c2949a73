/**
 * Common-buffer vectors (DMA_OPERATIONS of Windows 10 2004 and later):
 * AllocateCommonBufferVector, GetCommonBufferFromVectorByIndex,
 * FreeCommonBufferFromVector and FreeCommonBufferVector. A vector is
 * NumberOfElements common buffers of SizeOfElements bytes each, within
 * [LowAddress, HighAddress], with one cache type and ideal node.
 *
 * Misuse is bug check 0x1DC DMA_COMMON_BUFFER_VECTOR_ERROR, raised by Windows
 * itself (KDOC debugger/bug-check-0x1dc--dma-common-buffer-vector-error):
 * P1 = 1 wrong IRQL (P2 current IRQL), 2 vector freed while not empty
 * (P2 index, P3 VA, P4 logical address of a remaining element), 3 index out of
 * bounds (P2 entries, P3 index), 4 index already freed (P2 index), 5 common
 * buffer leaked (raised by PutDmaAdapter for a vector never freed). The DDI
 * pages give no IRQL; dmasim requires PASSIVE_LEVEL for allocating and freeing
 * (as for AllocateCommonBuffer / FreeCommonBuffer) and at most DISPATCH_LEVEL
 * for looking an element up.
 */
import { type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { type AdapterObject, type CommonBuffer, liveAdapter } from "./adapter.ts";
import { checkOutParam, checkPhysicalAddress, checkPhysicalAddressOut, checkUlong, checkUlonglong } from "./args.ts";
import { allocateCommonBuffer, releaseCommonBuffer } from "./common-buffer-core.ts";
import { commonBufferCache, deviceNode } from "./common-buffer.ts";
import { type DMA_ADAPTER, type DMA_COMMON_BUFFER_VECTOR, MM_ANY_NODE_OK, MmCached, type MEMORY_CACHING_TYPE, MmNonCached } from "./types.ts";

export type { DMA_COMMON_BUFFER_VECTOR };

/** The HAL's side of a vector handle. */
interface VectorObject extends DMA_COMMON_BUFFER_VECTOR {
  /** The elements; null once freed with FreeCommonBufferFromVector. */
  readonly elements: (CommonBuffer | null)[];
  freed: boolean;
}

/** Handles this HAL handed out (a handle is the vector object itself). */
const vectors = new WeakSet<DMA_COMMON_BUFFER_VECTOR>();
/** Vectors of each adapter not yet freed with FreeCommonBufferVector. */
const liveByAdapter = new WeakMap<AdapterObject, Set<VectorObject>>();

/**
 * PutDmaAdapter's check: a vector still allocated when its adapter is put is
 * bug check 0x1DC with P1 = 5 (common buffer leaked), which Windows raises
 * itself.
 */
export function checkNoVectorLeaked(ao: AdapterObject): void {
  const live = liveByAdapter.get(ao);
  if (live === undefined || live.size === 0) return;
  throw new BugCheckError(E, 5, 0, 0, 0, `PutDmaAdapter: ${live.size} common-buffer vector${live.size === 1 ? "" : "s"} of adapter ${ao.device} never freed with FreeCommonBufferVector`);
}

function vectorObject(v: DMA_COMMON_BUFFER_VECTOR, routine: string): VectorObject {
  if (typeof v !== "object" || v === null || !vectors.has(v)) throw new TypeError(`${routine}: Vector is not a DMA_COMMON_BUFFER_VECTOR from AllocateCommonBufferVector`);
  return v as VectorObject;
}

const E = BUGCHECK.DMA_COMMON_BUFFER_VECTOR_ERROR;

function irql(ao: AdapterObject, routine: string, max: number): void {
  const cur = ao.kernel.KeGetCurrentIrql();
  if (cur > max) throw new BugCheckError(E, 1, cur, 0, 0, `${routine} called at IRQL ${cur}`);
}

function element(v: VectorObject, Index: number, routine: string): CommonBuffer {
  if (!Number.isInteger(Index) || Index < 0 || Index >= v.elements.length) throw new BugCheckError(E, 3, v.elements.length, Index, 0, `${routine}: index ${Index} is out of bounds (${v.elements.length} entries)`);
  const cb = v.elements[Index] ?? null;
  if (cb === null) throw new BugCheckError(E, 4, Index, 0, 0, `${routine}: element ${Index} was already freed`);
  return cb;
}

/**
 * AllocateCommonBufferVector(DmaAdapter, LowAddress, HighAddress, CacheType,
 * IdealNode, Flags, NumberOfElements, SizeOfElements, VectorOut): all
 * elements or none (STATUS_INSUFFICIENT_RESOURCES, nothing kept). CacheType
 * MmCached or MmNonCached; Flags must be 0; a bad argument is
 * STATUS_INVALID_PARAMETER.
 */
export function AllocateCommonBufferVector(DmaAdapter: DMA_ADAPTER, LowAddress: PHYSICAL_ADDRESS, HighAddress: PHYSICAL_ADDRESS, CacheType: MEMORY_CACHING_TYPE, IdealNode: number, Flags: number, NumberOfElements: number, SizeOfElements: number, VectorOut: { value: DMA_COMMON_BUFFER_VECTOR | null }): NTSTATUS {
  const routine = "AllocateCommonBufferVector";
  const ao = liveAdapter(DmaAdapter, routine);
  checkPhysicalAddress(LowAddress, routine, "LowAddress");
  checkPhysicalAddress(HighAddress, routine, "HighAddress");
  checkUlong(CacheType, routine, "CacheType");
  checkUlong(IdealNode, routine, "IdealNode");
  checkUlong(Flags, routine, "Flags");
  checkUlong(NumberOfElements, routine, "NumberOfElements");
  checkUlonglong(SizeOfElements, routine, "SizeOfElements");
  checkOutParam(VectorOut, routine, "VectorOut");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  irql(ao, routine, PASSIVE_LEVEL);
  VectorOut.value = null;
  if (Flags !== 0 || (CacheType !== MmCached && CacheType !== MmNonCached)) return STATUS.INVALID_PARAMETER;
  if (!Number.isInteger(NumberOfElements) || NumberOfElements < 1 || NumberOfElements > 0xffff_ffff) return STATUS.INVALID_PARAMETER;
  if (!Number.isInteger(SizeOfElements) || SizeOfElements < 1 || SizeOfElements > 0xffff_ffff) return STATUS.INVALID_PARAMETER;
  const min = toNumberSaturating(BigInt.asUintN(64, LowAddress.QuadPart));
  const max = Math.min(ao.reach.maxAddress, toNumberSaturating(BigInt.asUintN(64, HighAddress.QuadPart)));
  const node = IdealNode >>> 0 === MM_ANY_NODE_OK ? deviceNode(ao) : IdealNode;
  if (!Number.isInteger(node) || node >= ao.kernel.map.nodeCount) return STATUS.INVALID_PARAMETER;
  const c = commonBufferCache(ao, CacheType === MmCached);
  const elements: (CommonBuffer | null)[] = [];
  for (let i = 0; i < NumberOfElements; i++) {
    const cb = allocateCommonBuffer(ao, { routine, length: SizeOfElements, minAddress: min, maxAddress: max, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: c.cache === "cached", node, largePage: false });
    if (cb === null) {
      for (const done of elements) if (done !== null) releaseCommonBuffer(done, "FreeCommonBufferFromVector");
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    elements.push(cb);
  }
  const v: VectorObject = { Type: "DMA_COMMON_BUFFER_VECTOR", adapter: DmaAdapter, elements, freed: false };
  vectors.add(v);
  let live = liveByAdapter.get(ao);
  if (live === undefined) liveByAdapter.set(ao, (live = new Set()));
  live.add(v);
  VectorOut.value = v;
  return STATUS.SUCCESS;
}

/** GetCommonBufferFromVectorByIndex(DmaAdapter, Vector, Index, VirtualAddressOut, LogicalAddressOut). */
export function GetCommonBufferFromVectorByIndex(DmaAdapter: DMA_ADAPTER, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number, VirtualAddressOut: { value: number }, LogicalAddressOut: PHYSICAL_ADDRESS): void {
  const routine = "GetCommonBufferFromVectorByIndex";
  const ao = liveAdapter(DmaAdapter, routine);
  checkUlong(Index, routine, "Index");
  checkOutParam(VirtualAddressOut, routine, "VirtualAddressOut");
  checkPhysicalAddressOut(LogicalAddressOut, routine, "LogicalAddressOut");
  if (ao === null) return;
  irql(ao, routine, DISPATCH_LEVEL);
  const cb = element(vectorObject(Vector, routine), Index, routine);
  VirtualAddressOut.value = cb.va;
  LogicalAddressOut.QuadPart = BigInt(cb.logical);
}

/** FreeCommonBufferFromVector(DmaAdapter, Vector, Index). */
export function FreeCommonBufferFromVector(DmaAdapter: DMA_ADAPTER, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number): void {
  const routine = "FreeCommonBufferFromVector";
  const ao = liveAdapter(DmaAdapter, routine);
  checkUlong(Index, routine, "Index");
  if (ao === null) return;
  irql(ao, routine, PASSIVE_LEVEL);
  const v = vectorObject(Vector, routine);
  const cb = element(v, Index, routine);
  releaseCommonBuffer(cb, routine);
  v.elements[Index] = null;
}

/** FreeCommonBufferVector(DmaAdapter, Vector): every element must have been freed first. */
export function FreeCommonBufferVector(DmaAdapter: DMA_ADAPTER, Vector: DMA_COMMON_BUFFER_VECTOR): void {
  const routine = "FreeCommonBufferVector";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return;
  irql(ao, routine, PASSIVE_LEVEL);
  const v = vectorObject(Vector, routine);
  const left = v.elements.findIndex((e) => e !== null);
  if (left >= 0) {
    const cb = v.elements[left] as CommonBuffer;
    throw new BugCheckError(E, 2, left, BigInt(cb.va) | 0xffff_0000_0000_0000n, BigInt(cb.logical), `${routine}: element ${left} is still allocated`);
  }
  v.freed = true;
  liveByAdapter.get(ao)?.delete(v);
}
