/**
 * The scatter/gather list core every list routine shares (GetScatterGatherList,
 * BuildScatterGatherList, their Ex versions, GetDmaTransferInfo,
 * BuildMdlFromScatterGatherList). Sources: DDI nc-wdm-pget_scatter_gather_list,
 * nc-wdm-pbuild_scatter_gather_list(_ex), nc-wdm-pget_dma_transfer_info;
 * KDOC kernel/using-scatter-gather-dma.
 *
 * A list describes [Offset, Offset + Length) of an MDL chain in the addresses
 * the device must use:
 * - no IOMMU, every page inside the adapter's reach: the physical runs
 *   (physically adjacent pages merge into one element);
 * - the device in an IOMMU domain: the pages are mapped at fresh IOVAs of the
 *   device's domain (read-only for a write to the device, write-only for a
 *   read from it), runs that meet at page boundaries merge; the mapping goes
 *   away at PutScatterGatherList;
 * - no IOMMU and some page beyond the adapter's reach, or a packet-based
 *   (non-scatter/gather) master and more than one physical run: the HAL
 *   bounces the transfer through map registers (a contiguous buffer it can
 *   reach), copying out before a write to the device and back after a read.
 * `planList` answers, without side effects, what `buildList` then does, so
 * GetDmaTransferInfo's counts are exactly what the list gets.
 *
 * For a device that does not snoop CPU caches (ARM64 _CCA 0) the HAL cleans
 * the buffer's lines before the transfer and invalidates them after a read.
 *
 * Driver Verifier checks: 0x0E an MDL never locked, 0x1F / 1-2 a start
 * outside the first MDL, 0x24 a Length beyond the chain, 0x06 a list put that
 * is not live (too many lists freed: P2 lists built, P3 freed), 0x0A lists
 * left at PutDmaAdapter (sg-list counts them).
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_MASK, PAGE_SIZE } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { allocateContiguousMapped, type ContiguousRun, freeContiguousMapped } from "../kernel/contiguous-memory.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { formatVa } from "../kernel/va-space.ts";
import { type AdapterObject, formatAdapter } from "./adapter.ts";
import { notifyTransferMapped, notifyTransferUnmapped } from "./observer.ts";
import { checkLocked } from "./transfer-checks.ts";
import type { SCATTER_GATHER_ELEMENT, SCATTER_GATHER_LIST } from "./types.ts";

/** x64 sizes: SCATTER_GATHER_LIST header, one SCATTER_GATHER_ELEMENT, and the HAL's private scratch per list. */
export const SG_LIST_HEADER_SIZE = 16;
export const SG_ELEMENT_SIZE = 24;
export const SG_HAL_SCRATCH_SIZE = 64;

/** Bytes a list of `elements` elements needs (header, elements, the HAL's scratch). */
export function listSize(elements: number): number {
  return SG_LIST_HEADER_SIZE + SG_ELEMENT_SIZE * elements + SG_HAL_SCRATCH_SIZE;
}

/** Elements a caller's buffer of `bytes` can hold. */
export function listCapacity(bytes: number): number {
  return Math.max(0, Math.floor((bytes - SG_LIST_HEADER_SIZE - SG_HAL_SCRATCH_SIZE) / SG_ELEMENT_SIZE));
}

/** One physically contiguous piece of the transfer inside one MDL. */
export interface Piece {
  readonly mdl: MDL;
  readonly va: number;
  readonly pa: number;
  readonly length: number;
}

/** The transfer's pieces, in order, and its physical runs (adjacent pieces merged): [pa, len, pa, len, ...]. */
export interface ChainRange {
  readonly pieces: readonly Piece[];
  readonly runs: readonly number[];
  /** VA of the first byte (for the page offset and span). */
  readonly va: number;
  readonly length: number;
}

const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;

/**
 * [Offset, Offset + Length) of the MDL chain (Offset from the start of the
 * first MDL's buffer, crossing into the next MDLs), as pieces and runs; null
 * (reported) when an MDL is not locked or the chain ends first (0x24, the
 * unaccounted length).
 */
export function chainRange(ao: AdapterObject, routine: string, first: MDL, Offset: number, Length: number): ChainRange | null {
  const runs: number[] = [];
  let mdl: MDL | null = first;
  let skip = Offset;
  while (mdl !== null && skip >= mdl.ByteCount) {
    skip -= mdl.ByteCount;
    mdl = mdl.Next;
  }
  let left = Length;
  let startVa = -1;
  while (left > 0 && mdl !== null) {
    const base = MmGetMdlVirtualAddress(mdl);
    let va = base + skip;
    const n = Math.min(left, mdl.ByteCount - skip);
    if (!checkLocked(ao, routine, mdl, va, n)) return null;
    if (startVa < 0) startVa = va;
    const end = va + n;
    const firstPage = Math.floor(mdl.StartVa / PAGE_SIZE);
    while (va < end) {
      const pa = (mdl.pfns[Math.floor(va / PAGE_SIZE) - firstPage] as number) * PAGE_SIZE + (va & PAGE_MASK);
      const c = Math.min(end - va, PAGE_SIZE - (va & PAGE_MASK));
      const r = runs.length - 2;
      if (r >= 0 && (runs[r] as number) + (runs[r + 1] as number) === pa) runs[r + 1] = (runs[r + 1] as number) + c;
      else runs.push(pa, c);
      va += c;
    }
    left -= n;
    skip = 0;
    mdl = mdl.Next;
  }
  if (left > 0) {
    ao.kernel.report({ code: "DMA_BUFFER_TOO_SMALL_FOR_LENGTH", bugCheck: [E6, 0x24, left, 0, 0], routine, device: ao.device, message: `${routine}: the MDL chain has ${Length - left} bytes from offset ${Offset}; ${left} of the ${Length} requested are not described by it`, params: { unaccounted: left } });
    return null;
  }
  return new WalkedRange(first, Offset, runs, startVa, Length);
}

/**
 * A range chainRange walked (and checked). Its pieces are made when someone
 * asks: building a scatter/gather list needs only the runs, and a piece
 * object per page run is garbage on every transfer.
 */
class WalkedRange implements ChainRange {
  readonly runs: readonly number[];
  readonly va: number;
  readonly length: number;
  private readonly first: MDL;
  private readonly offset: number;
  private made: Piece[] | null = null;

  constructor(first: MDL, offset: number, runs: readonly number[], va: number, length: number) {
    this.first = first;
    this.offset = offset;
    this.runs = runs;
    this.va = va;
    this.length = length;
  }

  get pieces(): readonly Piece[] {
    return (this.made ??= piecesOf(this.first, this.offset, this.length));
  }
}

/** The physically contiguous pieces of [offset, offset + length) of a chain chainRange has checked (a piece never spans two MDLs). */
function piecesOf(first: MDL, offset: number, length: number): Piece[] {
  const pieces: { mdl: MDL; va: number; pa: number; length: number }[] = [];
  let mdl: MDL | null = first;
  let skip = offset;
  while (mdl !== null && skip >= mdl.ByteCount) {
    skip -= mdl.ByteCount;
    mdl = mdl.Next;
  }
  let left = length;
  while (left > 0 && mdl !== null) {
    let va = MmGetMdlVirtualAddress(mdl) + skip;
    const end = va + Math.min(left, mdl.ByteCount - skip);
    left -= end - va;
    while (va < end) {
      const pa = (mdl.pfns[Math.floor(va / PAGE_SIZE) - Math.floor(mdl.StartVa / PAGE_SIZE)] as number) * PAGE_SIZE + (va & PAGE_MASK);
      const c = Math.min(end - va, PAGE_SIZE - (va & PAGE_MASK));
      const last = pieces[pieces.length - 1];
      if (last !== undefined && last.mdl === mdl && last.pa + last.length === pa) last.length += c;
      else pieces.push({ mdl, va, pa, length: c });
      va += c;
    }
    skip = 0;
    mdl = mdl.Next;
  }
  return pieces;
}

/** How the HAL will give the device a transfer. */
export type ListStrategy = "iommu" | "direct" | "bounce";

/**
 * What buildList will do: how, the elements as [address, length, ...] pairs
 * (IOVAs relative to a base of 0 for "iommu"), the map registers (pages
 * spanned) and, for "iommu", the page frames to map in order. Element
 * objects are made only when asked for: building a list reads the pairs.
 */
export class ListPlan {
  readonly strategy: ListStrategy;
  readonly spans: readonly number[];
  readonly mapRegisters: number;
  readonly pfns: readonly number[];
  private made: { address: number; length: number }[] | null = null;

  constructor(strategy: ListStrategy, spans: readonly number[], mapRegisters: number, pfns: readonly number[]) {
    this.strategy = strategy;
    this.spans = spans;
    this.mapRegisters = mapRegisters;
    this.pfns = pfns;
  }

  /** The elements as objects. */
  get elements(): readonly { readonly address: number; readonly length: number }[] {
    if (this.made === null) {
      const s = this.spans;
      const elements: { address: number; length: number }[] = [];
      for (let i = 0; i < s.length; i += 2) elements.push({ address: s[i] as number, length: s[i + 1] as number });
      this.made = elements;
    }
    return this.made;
  }
}

const NO_PFNS: readonly number[] = [];

/** What buildList will do for this range, without doing it. */
export function planList(ao: AdapterObject, r: ChainRange): ListPlan {
  const k = ao.kernel;
  const runs = r.runs;
  const mapRegisters = ADDRESS_AND_SIZE_TO_SPAN_PAGES(r.va, r.length);
  if (ao.busMaster.domain >= 0 && k.iommu !== null) {
    const pfns: number[] = [];
    const spans: number[] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const pa = runs[i] as number;
      const len = runs[i + 1] as number;
      const firstPfn = Math.floor(pa / PAGE_SIZE);
      if (pfns[pfns.length - 1] !== firstPfn) pfns.push(firstPfn);
      const addr = (pfns.length - 1) * PAGE_SIZE + (pa & PAGE_MASK);
      for (let p = firstPfn + 1; p <= Math.floor((pa + len - 1) / PAGE_SIZE); p++) pfns.push(p);
      const last = spans.length - 2;
      if (last >= 0 && (spans[last] as number) + (spans[last + 1] as number) === addr) spans[last + 1] = (spans[last + 1] as number) + len;
      else spans.push(addr, len);
    }
    return new ListPlan("iommu", spans, mapRegisters, pfns);
  }
  let reachable = true;
  for (let i = 0; i < runs.length; i += 2) if ((runs[i] as number) + (runs[i + 1] as number) - 1 > ao.reach.maxAddress) reachable = false;
  // A packet (non-scatter/gather) master takes one logically contiguous run: the HAL double-buffers a scattered one through map registers.
  if (reachable && (ao.scatterGather || runs.length === 2)) return new ListPlan("direct", runs, mapRegisters, NO_PFNS);
  return new ListPlan("bounce", [r.va & PAGE_MASK, r.length], mapRegisters, NO_PFNS);
}

/** What the HAL keeps about a list it built, until PutScatterGatherList. */
export interface SgPrivate {
  readonly adapter: AdapterObject;
  readonly writeToDevice: boolean;
  /** IOVA mapping in the device's domain: [iova, pages]. */
  readonly iova: readonly [number, number] | null;
  /** Bounce buffer (map registers) standing for the driver's buffer, and the data's offset in it. */
  readonly bounce: ContiguousRun | null;
  readonly bounceOffset: number;
  /** Physical runs of the driver's buffer: [pa, len, pa, len, ...]. */
  readonly runs: readonly number[];
  readonly length: number;
  /** The element array given to the list (rewritten in place by the next build into the same buffer). */
  readonly elements: SCATTER_GATHER_ELEMENT[];
  /** The MDL BuildMdlFromScatterGatherList made (a second call gets STATUS_NONE_MAPPED). */
  builtMdl: MDL | null;
  live: boolean;
}

const lists = new WeakMap<SCATTER_GATHER_LIST, SgPrivate>();

/** Lists of an adapter built and not yet put (PutDmaAdapter's 0x0A check). */
export function liveScatterGatherLists(ao: AdapterObject): number {
  return ao.counters.scatterGatherListsLive;
}

/** The HAL's record of a list, if it built it. */
export function listRecord(sg: SCATTER_GATHER_LIST): SgPrivate | undefined {
  return lists.get(sg);
}

/** The first `length` bytes of a range (pieces and runs cut there). */
export function prefixRange(r: ChainRange, length: number): ChainRange {
  if (length >= r.length) return r;
  const pieces: Piece[] = [];
  let left = length;
  for (const p of r.pieces) {
    if (left <= 0) break;
    const n = Math.min(left, p.length);
    pieces.push(n === p.length ? p : { ...p, length: n });
    left -= n;
  }
  const runs: number[] = [];
  left = length;
  for (let i = 0; i < r.runs.length && left > 0; i += 2) {
    const n = Math.min(left, r.runs[i + 1] as number);
    runs.push(r.runs[i] as number, n);
    left -= n;
  }
  return { pieces, runs, va: r.va, length };
}

/** Clean (before) / invalidate (after) a non-snooping device's buffer lines, as HalFlushIoBuffers does on such platforms. */
export function flushForDevice(ao: AdapterObject, runs: readonly number[], writeToDevice: boolean, phase: "before" | "after"): void {
  if (ao.busMaster.coherent) return;
  const ms = ao.kernel.memorySystem;
  for (let i = 0; i < runs.length; i += 2) {
    const pa = runs[i] as number;
    const len = runs[i + 1] as number;
    if (phase === "before") ms.maintain(pa, len, writeToDevice ? "clean" : "clean-invalidate");
    else if (!writeToDevice) ms.maintain(pa, len, "invalidate");
  }
}

/** Copy between the driver's physical runs and a contiguous bounce area at `bouncePa` (toBounce = out to the device's side). */
function copyRuns(ao: AdapterObject, runs: readonly number[], bouncePa: number, toBounce: boolean): void {
  const mem = ao.kernel.memory;
  let off = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const pa = runs[i] as number;
    const len = runs[i + 1] as number;
    const tmp = new Uint8Array(len);
    if (toBounce) {
      mem.read(pa, tmp);
      mem.write(bouncePa + off, tmp);
    } else {
      mem.read(bouncePa + off, tmp);
      mem.write(pa, tmp);
    }
    off += len;
  }
}

/** Element `n` of the list being built: rewritten in place when the buffer held a list before, else appended. */
function putElement(elements: SCATTER_GATHER_ELEMENT[], n: number, address: number, length: number): void {
  const e = elements[n];
  if (e === undefined) elements.push({ Address: { QuadPart: BigInt(address) }, Length: length });
  else {
    e.Address.QuadPart = BigInt(address);
    e.Length = length;
  }
}

/** Build the list into `sg` (elements replaced) as `plan` says; a status other than SUCCESS leaves no state behind. */
export function buildList(ao: AdapterObject, r: ChainRange, plan: ListPlan, writeToDevice: boolean, sg: SCATTER_GATHER_LIST): NTSTATUS {
  const k = ao.kernel;
  let iova: readonly [number, number] | null = null;
  let bounce: ContiguousRun | null = null;
  const off = r.va & PAGE_MASK;
  // A list built here before into the same buffer: its elements are rewritten in place, as the HAL writes the caller's buffer.
  const prev = lists.get(sg);
  const elements: SCATTER_GATHER_ELEMENT[] = prev !== undefined && prev.elements === sg.Elements ? sg.Elements : [];
  let n = 0;
  if (plan.strategy === "iommu") {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    const base = iommu.allocateIova(ao.busMaster.domain, { pages: plan.pfns.length, maxAddress: ao.reach.maxAddress });
    if (base < 0) return STATUS.INSUFFICIENT_RESOURCES;
    iommu.map(ao.busMaster.domain, base, plan.pfns, { read: writeToDevice, write: !writeToDevice });
    iova = [base, plan.pfns.length];
    const spans = plan.spans;
    for (let i = 0; i < spans.length; i += 2) putElement(elements, n++, base + (spans[i] as number), spans[i + 1] as number);
  } else if (plan.strategy === "direct") {
    // The physical runs themselves.
    const spans = plan.spans;
    for (let i = 0; i < spans.length; i += 2) putElement(elements, n++, spans[i] as number, spans[i + 1] as number);
  } else {
    if (plan.mapRegisters > ao.mapRegisters) return STATUS.INSUFFICIENT_RESOURCES;
    const highPfn = Math.min(Math.floor((ao.reach.maxAddress + 1) / PAGE_SIZE) - 1, k.map.pageCount - 1);
    bounce = allocateContiguousMapped(k, { pages: plan.mapRegisters, lowPfn: 0, highPfn, cache: "cached", tag: "map registers (scatter/gather bounce)" });
    if (bounce === null) return STATUS.INSUFFICIENT_RESOURCES;
    if (writeToDevice) copyRuns(ao, r.runs, bounce.pfn * PAGE_SIZE + off, true);
    putElement(elements, n++, bounce.pfn * PAGE_SIZE + off, r.length);
  }
  elements.length = n;
  flushForDevice(ao, bounce === null ? r.runs : [bounce.pfn * PAGE_SIZE + off, r.length], writeToDevice, "before");
  sg.Elements = elements;
  sg.NumberOfElements = elements.length;
  const rec: SgPrivate = { adapter: ao, writeToDevice, iova, bounce, bounceOffset: off, runs: r.runs, length: r.length, elements, builtMdl: null, live: true };
  lists.set(sg, rec);
  const c = ao.counters;
  c.scatterGatherListsBuilt++;
  c.scatterGatherListsLive++;
  // The verifier learns what the device may touch until PutScatterGatherList.
  const o = ao.hal.observers.current;
  if (o !== null) {
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i] as SCATTER_GATHER_ELEMENT;
      if (iova === null) notifyTransferMapped(o, rec, ao.device, Number(e.Address.QuadPart), e.Length);
      else {
        // The frames behind this element's IOVA pages.
        const rel = plan.spans[2 * i] as number;
        const first = Math.floor(rel / PAGE_SIZE);
        const end = Math.floor((rel + e.Length - 1) / PAGE_SIZE) + 1;
        // One element over the whole mapping (the usual case): its frames are the plan's, no copy.
        notifyTransferMapped(o, rec, ao.device, Number(e.Address.QuadPart), e.Length, first === 0 && end === plan.pfns.length ? plan.pfns : plan.pfns.slice(first, end));
      }
    }
  }
  return STATUS.SUCCESS;
}

/**
 * PutScatterGatherList's work: finish the transfer (copy a bounced read back,
 * invalidate caches for a non-coherent device's read) and release the
 * mapping. A list that is not live on this adapter is 0xE6 / 0x06 (too many
 * lists freed) and left alone. False when refused.
 */
export function putList(ao: AdapterObject, routine: string, sg: SCATTER_GATHER_LIST, writeToDevice: boolean): boolean {
  const k = ao.kernel;
  const p = lists.get(sg);
  const c = ao.counters;
  if (p === undefined || !p.live || p.adapter !== ao) {
    k.report({ code: "DMA_TOO_MANY_SCATTER_GATHER_LISTS_FREED", bugCheck: [E6, 0x06, c.scatterGatherListsBuilt, c.scatterGatherListsPut + 1, 0], routine, device: ao.device, message: `${routine}: the list is not a live scatter/gather list of adapter ${formatAdapter(ao)}${p !== undefined && !p.live ? " (already put)" : ""}: ${c.scatterGatherListsBuilt} built, this would be free number ${c.scatterGatherListsPut + 1}`, params: { allocated: c.scatterGatherListsBuilt, freed: c.scatterGatherListsPut + 1 } });
    return false;
  }
  if (writeToDevice !== p.writeToDevice) {
    k.report({ code: "DMA_SCATTER_GATHER_DIRECTION_MISMATCH", routine, device: ao.device, message: `${routine}: WriteToDevice ${String(writeToDevice).toUpperCase()} differs from the ${String(p.writeToDevice).toUpperCase()} the list was built with`, params: { adapter: ao.address } });
  }
  p.live = false;
  c.scatterGatherListsPut++;
  c.scatterGatherListsLive--;
  notifyTransferUnmapped(ao.hal.observers.current, p);
  if (p.bounce !== null) {
    const bouncePa = p.bounce.pfn * PAGE_SIZE + p.bounceOffset;
    flushForDevice(ao, [bouncePa, p.length], p.writeToDevice, "after");
    if (!p.writeToDevice) copyRuns(ao, p.runs, bouncePa, false);
    freeContiguousMapped(k, p.bounce.va, routine);
  } else {
    flushForDevice(ao, p.runs, p.writeToDevice, "after");
  }
  if (p.iova !== null) {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    iommu.unmap(ao.busMaster.domain, p.iova[0]);
    iommu.freeIova(ao.busMaster.domain, p.iova[0], p.iova[1]);
  }
  if (p.builtMdl !== null) IoFreeMdl(k, p.builtMdl);
  return true;
}

/**
 * The MDL BuildMdlFromScatterGatherList hands out for a live list: a new
 * MDL over the bounce copy when the HAL double-buffered the transfer, else
 * the driver's own MDL (DDI: "can be the same as OriginalMdl"). Null when a
 * previous call already made one (STATUS_NONE_MAPPED).
 */
export function mdlForList(ao: AdapterObject, p: SgPrivate, original: MDL): MDL | null | "none-mapped" {
  if (p.builtMdl !== null) return "none-mapped";
  if (p.bounce === null) return original;
  const m = IoAllocateMdl(ao.kernel, p.bounce.va + p.bounceOffset, p.length);
  if (m === null) return null;
  MmBuildMdlForNonPagedPool(ao.kernel, m);
  p.builtMdl = m;
  return m;
}

/** 0x1F / 1-2 for a list's CurrentVa outside the first MDL (the v1/v2 routines take a VA). Returns the chain offset, or -1 (reported). */
export function offsetOfVa(ao: AdapterObject, routine: string, mdl: MDL, va: number): number {
  const base = MmGetMdlVirtualAddress(mdl);
  if (va >= base && va < base + mdl.ByteCount) return va - base;
  const violation = va < base ? 1 : 2;
  ao.kernel.report({ code: "DMA_INVALID_DMA_BUFFER", bugCheck: [E6, 0x1f, violation, BigInt(va), BigInt(base)], routine, device: ao.device, message: `${routine}: CurrentVa ${formatVa(va)} is ${violation === 1 ? "before" : "after"} the first MDL's buffer [${formatVa(base)}, +0x${mdl.ByteCount.toString(16)})`, params: { violation, va, length: 0 } });
  return -1;
}
