/**
 * Scatter/gather DMA for bus masters: GetScatterGatherList /
 * PutScatterGatherList (version 1 table) and CalculateScatterGatherList /
 * BuildScatterGatherList (version 2). Sources: DDI nc-wdm-pget_scatter_gather_list,
 * nc-wdm-pput_scatter_gather_list, nc-wdm-pcalculate_scatter_gather_list_size,
 * nc-wdm-pbuild_scatter_gather_list; KDOC kernel/using-scatter-gather-dma.
 *
 * The list describes the MDL chain's bytes [CurrentVa, CurrentVa + Length)
 * in the addresses the device must use:
 * - no IOMMU, every page inside the adapter's reach: the physical runs
 *   (physically adjacent pages merge into one element);
 * - the device in an IOMMU domain: the pages are mapped at fresh IOVAs of the
 *   device's domain (read-only for a write to the device, write-only for a
 *   read from it), so the list is one logically contiguous element; the
 *   mapping goes away at PutScatterGatherList;
 * - no IOMMU and some page beyond the adapter's reach, or a packet-based
 *   (non-scatter/gather) master and more than one physical run: the HAL
 *   bounces the transfer through map registers (a contiguous buffer it can
 *   reach), copying out before a write to the device and back after a read.
 * For a device that does not snoop CPU caches (ARM64 _CCA 0) the HAL cleans
 * the buffer's lines before the transfer and invalidates them after a read,
 * as HalFlushIoBuffers does on such platforms.
 *
 * The list-control routine runs at DISPATCH_LEVEL, where the caller already
 * is (both Get and Build must be called at DISPATCH_LEVEL).
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { allocateContiguousMapped, type ContiguousRun, freeContiguousMapped } from "../kernel/contiguous-memory.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { type AdapterObject, formatAdapter, liveAdapter } from "./adapter.ts";
import { checkBoolean, checkDeviceObject, checkMdl, checkOutParam, checkRoutine, checkStruct, checkUlong, checkVa } from "./args.ts";
import { notifyTransferMapped, notifyTransferUnmapped } from "./observer.ts";
import type { DMA_ADAPTER, DRIVER_LIST_CONTROL, SCATTER_GATHER_LIST, ULONG_OUT } from "./types.ts";

/** x64 sizes: SCATTER_GATHER_LIST header, one SCATTER_GATHER_ELEMENT, and the HAL's private scratch per list. */
export const SG_LIST_HEADER_SIZE = 16;
export const SG_ELEMENT_SIZE = 24;
export const SG_HAL_SCRATCH_SIZE = 64;

/** What the HAL keeps about a list it built, until PutScatterGatherList. */
interface SgPrivate {
  readonly adapter: AdapterObject;
  readonly writeToDevice: boolean;
  /** IOVA mapping in the device's domain: [iova, pages]. */
  readonly iova: readonly [number, number] | null;
  /** Bounce buffer (map registers) and the physical runs of the real buffer it stands for. */
  readonly bounce: ContiguousRun | null;
  /** Physical runs of the driver's buffer: [pa, len, pa, len, ...]. */
  readonly runs: number[];
  live: boolean;
}

const lists = new WeakMap<SCATTER_GATHER_LIST, SgPrivate>();

/** Physical runs [pa, len, ...] of [CurrentVa, CurrentVa + Length) in an MDL chain; null when the range is not inside the chain. */
function mdlRuns(Mdl: MDL, CurrentVa: number, Length: number): number[] | null {
  const runs: number[] = [];
  let mdl: MDL | null = Mdl;
  let va = CurrentVa;
  let left = Length;
  while (left > 0 && mdl !== null) {
    const start = MmGetMdlVirtualAddress(mdl);
    const end = start + mdl.ByteCount;
    if (va < start || va >= end) {
      // The transfer continues at the start of the next MDL in the chain.
      mdl = mdl.Next;
      if (mdl !== null) va = MmGetMdlVirtualAddress(mdl);
      continue;
    }
    while (left > 0 && va < end) {
      const pageIndex = Math.floor(va / PAGE_SIZE) - Math.floor(mdl.StartVa / PAGE_SIZE);
      const pfn = mdl.pfns[pageIndex] as number;
      const off = va % PAGE_SIZE;
      const n = Math.min(left, PAGE_SIZE - off, end - va);
      const pa = pfn * PAGE_SIZE + off;
      const last = runs.length - 2;
      if (last >= 0 && (runs[last] as number) + (runs[last + 1] as number) === pa) runs[last + 1] = (runs[last + 1] as number) + n;
      else runs.push(pa, n);
      va += n;
      left -= n;
    }
    mdl = mdl.Next;
    if (mdl !== null) va = MmGetMdlVirtualAddress(mdl);
  }
  return left === 0 ? runs : null;
}

function flushForDevice(ao: AdapterObject, runs: readonly number[], writeToDevice: boolean, phase: "before" | "after"): void {
  if (ao.busMaster.coherent) return;
  const ms = ao.kernel.memorySystem;
  for (let i = 0; i < runs.length; i += 2) {
    const pa = runs[i] as number;
    const len = runs[i + 1] as number;
    if (phase === "before") ms.maintain(pa, len, writeToDevice ? "clean" : "clean-invalidate");
    else if (!writeToDevice) ms.maintain(pa, len, "invalidate");
  }
}

/** Build the list into `sg` (elements replaced); a status other than SUCCESS leaves no state behind. */
function build(ao: AdapterObject, Mdl: MDL, CurrentVa: number, Length: number, WriteToDevice: boolean, sg: SCATTER_GATHER_LIST, routine: string): NTSTATUS {
  const k = ao.kernel;
  const runs = mdlRuns(Mdl, CurrentVa, Length);
  if (runs === null) throw new RangeError(`${routine}: [CurrentVa, CurrentVa + ${Length}) is not inside the MDL chain`);
  const remapped = ao.busMaster.domain >= 0 && k.iommu !== null;
  let iova: readonly [number, number] | null = null;
  let bounce: ContiguousRun | null = null;
  const elements: { Address: { QuadPart: bigint }; Length: number }[] = [];
  if (remapped) {
    const iommu = k.iommu;
    // The pages behind the runs, in order, and the IOVA page index where each run starts.
    const pfns: number[] = [];
    const runPage: number[] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const pa = runs[i] as number;
      const len = runs[i + 1] as number;
      const firstPfn = Math.floor(pa / PAGE_SIZE);
      if (pfns[pfns.length - 1] !== firstPfn) pfns.push(firstPfn);
      runPage.push(pfns.length - 1);
      for (let p = firstPfn + 1; p <= Math.floor((pa + len - 1) / PAGE_SIZE); p++) pfns.push(p);
    }
    const base = iommu.allocateIova(ao.busMaster.domain, { pages: pfns.length, maxAddress: ao.reach.maxAddress });
    if (base < 0) return STATUS.INSUFFICIENT_RESOURCES;
    iommu.map(ao.busMaster.domain, base, pfns, { read: WriteToDevice, write: !WriteToDevice });
    iova = [base, pfns.length];
    for (let i = 0; i < runs.length; i += 2) {
      const addr = base + (runPage[i / 2] as number) * PAGE_SIZE + ((runs[i] as number) % PAGE_SIZE);
      const len = runs[i + 1] as number;
      const prev = elements[elements.length - 1];
      if (prev !== undefined && Number(prev.Address.QuadPart) + prev.Length === addr) prev.Length += len;
      else elements.push({ Address: { QuadPart: BigInt(addr) }, Length: len });
    }
  } else {
    let reachable = true;
    for (let i = 0; i < runs.length; i += 2) if ((runs[i] as number) + (runs[i + 1] as number) - 1 > ao.reach.maxAddress) reachable = false;
    // A packet (non-scatter/gather) master takes one logically contiguous run: the HAL double-buffers a scattered one through map registers.
    if (reachable && (ao.scatterGather || runs.length === 2)) {
      for (let i = 0; i < runs.length; i += 2) elements.push({ Address: { QuadPart: BigInt(runs[i] as number) }, Length: runs[i + 1] as number });
    } else {
      const pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(CurrentVa, Length);
      if (pages > ao.mapRegisters) return STATUS.INSUFFICIENT_RESOURCES;
      const highPfn = Math.min(Math.floor((ao.reach.maxAddress + 1) / PAGE_SIZE) - 1, k.map.pageCount - 1);
      bounce = allocateContiguousMapped(k, { pages, lowPfn: 0, highPfn, cache: "cached", tag: "map registers (scatter/gather bounce)" });
      if (bounce === null) return STATUS.INSUFFICIENT_RESOURCES;
      const off = CurrentVa % PAGE_SIZE;
      if (WriteToDevice) copyRuns(ao, runs, bounce.pfn * PAGE_SIZE + off, true);
      elements.push({ Address: { QuadPart: BigInt(bounce.pfn * PAGE_SIZE + off) }, Length });
    }
  }
  flushForDevice(ao, bounce === null ? runs : [bounce.pfn * PAGE_SIZE + (CurrentVa % PAGE_SIZE), Length], WriteToDevice, "before");
  sg.Elements = elements;
  sg.NumberOfElements = elements.length;
  const rec = { adapter: ao, writeToDevice: WriteToDevice, iova, bounce, runs, live: true };
  lists.set(sg, rec);
  // The verifier learns what the device may touch until PutScatterGatherList.
  const o = ao.hal.observers.current;
  if (o !== null) {
    if (iova !== null) notifyTransferMapped(o, rec, ao.device, iova[0] + ((runs[0] as number) % PAGE_SIZE), Length, k.iommu?.mappingAt(ao.busMaster.domain, iova[0])?.pfns);
    else for (const e of elements) notifyTransferMapped(o, rec, ao.device, Number(e.Address.QuadPart), e.Length);
  }
  return STATUS.SUCCESS;
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

/** The arguments Get/BuildScatterGatherList share. */
function checkListRequest(routine: string, DeviceObject: unknown, Mdl: unknown, CurrentVa: unknown, Length: unknown, ExecutionRoutine: unknown, WriteToDevice: unknown): void {
  checkDeviceObject(DeviceObject, routine);
  checkMdl(Mdl, routine);
  checkVa(CurrentVa, routine, "CurrentVa");
  checkUlong(Length, routine, "Length");
  checkRoutine(ExecutionRoutine, routine, "ExecutionRoutine");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
}

/**
 * GetScatterGatherList(DmaAdapter, DeviceObject, Mdl, CurrentVa, Length,
 * ExecutionRoutine, Context, WriteToDevice): builds the list and calls
 * ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, list, Context) at
 * DISPATCH_LEVEL. STATUS_INSUFFICIENT_RESOURCES when the mapping cannot be
 * made (the routine is not called then).
 */
export function GetScatterGatherList(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean): NTSTATUS {
  const routine = "GetScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkListRequest(routine, DeviceObject, Mdl, CurrentVa, Length, ExecutionRoutine, WriteToDevice);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  if (!ao.master) return STATUS.NOT_SUPPORTED;
  if (Length === 0) throw new RangeError(`${routine}: Length must be > 0, got ${Length}`);
  const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
  const st = build(ao, Mdl, CurrentVa, Length, WriteToDevice, sg, routine);
  if (st !== STATUS.SUCCESS) return st;
  ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, sg, Context);
  return STATUS.SUCCESS;
}

/**
 * PutScatterGatherList(DmaAdapter, ScatterGather, WriteToDevice) at
 * DISPATCH_LEVEL: finishes the transfer (copies a bounced read back,
 * invalidates caches for a non-coherent device's read) and releases the
 * mapping. A list that is not live on this adapter is reported (Driver
 * Verifier 0xE6 / 0x28 for a list freed twice) and left alone.
 */
export function PutScatterGatherList(DmaAdapter: DMA_ADAPTER, ScatterGather: SCATTER_GATHER_LIST, WriteToDevice: boolean): void {
  const routine = "PutScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkStruct(ScatterGather, routine, "ScatterGather");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  const p = lists.get(ScatterGather);
  if (p === undefined || !p.live || p.adapter !== ao) {
    k.report({ code: "DMA_SCATTER_GATHER_LIST_NOT_LIVE", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x28, ao.address, 0, 0], routine, device: ao.device, message: `${routine}: the list is not a live scatter/gather list of adapter ${formatAdapter(ao)}${p !== undefined && !p.live ? " (already put)" : ""}`, params: { adapter: ao.address } });
    return;
  }
  if (WriteToDevice !== p.writeToDevice) {
    k.report({ code: "DMA_SCATTER_GATHER_DIRECTION_MISMATCH", routine, device: ao.device, message: `${routine}: WriteToDevice ${String(WriteToDevice).toUpperCase()} differs from the ${String(p.writeToDevice).toUpperCase()} the list was built with`, params: { adapter: ao.address } });
  }
  p.live = false;
  notifyTransferUnmapped(ao.hal.observers.current, p);
  if (p.bounce !== null) {
    const off = ((ScatterGather.Elements[0]?.Address.QuadPart ?? 0n) % BigInt(PAGE_SIZE));
    const bouncePa = p.bounce.pfn * PAGE_SIZE + Number(off);
    flushForDevice(ao, [bouncePa, p.runs.reduce((s, v, i) => (i % 2 === 1 ? s + v : s), 0)], p.writeToDevice, "after");
    if (!p.writeToDevice) copyRuns(ao, p.runs, bouncePa, false);
    freeContiguousMapped(k, p.bounce.va, "PutScatterGatherList");
  } else {
    flushForDevice(ao, p.runs, p.writeToDevice, "after");
  }
  if (p.iova !== null) {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    iommu.unmap(ao.busMaster.domain, p.iova[0]);
    iommu.freeIova(ao.busMaster.domain, p.iova[0], p.iova[1]);
  }
}

/**
 * CalculateScatterGatherList(DmaAdapter, Mdl, CurrentVa, Length,
 * ScatterGatherListSize, NumberOfMapRegisters): the buffer size a list for
 * this transfer needs (header, one element per page spanned, the HAL's
 * scratch) and the map registers it would take. With Mdl NULL, CurrentVa's
 * page offset and Length alone decide.
 */
export function CalculateScatterGatherList(DmaAdapter: DMA_ADAPTER, Mdl: MDL | null, CurrentVa: number, Length: number, ScatterGatherListSize: ULONG_OUT, NumberOfMapRegisters: ULONG_OUT | null): NTSTATUS {
  const routine = "CalculateScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine, "Mdl", true);
  checkVa(CurrentVa, routine, "CurrentVa");
  checkUlong(Length, routine, "Length");
  checkOutParam(ScatterGatherListSize, routine, "ScatterGatherListSize");
  checkOutParam(NumberOfMapRegisters, routine, "NumberOfMapRegisters", true);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  let pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(CurrentVa, Length);
  if (Mdl !== null) {
    // Chained MDLs may start each buffer on a new page: count page by page.
    pages = 0;
    let left = Length;
    for (let m: MDL | null = Mdl; m !== null && left > 0; m = m.Next) {
      const n = Math.min(left, m.ByteCount);
      pages += ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m), n);
      left -= n;
    }
  }
  ScatterGatherListSize.value = SG_LIST_HEADER_SIZE + SG_ELEMENT_SIZE * pages + SG_HAL_SCRATCH_SIZE;
  if (NumberOfMapRegisters !== null) NumberOfMapRegisters.value = pages;
  return STATUS.SUCCESS;
}

/**
 * BuildScatterGatherList(..., ScatterGatherBuffer, ScatterGatherLength): as
 * GetScatterGatherList, in a caller-supplied list; STATUS_BUFFER_TOO_SMALL
 * when ScatterGatherLength is below what CalculateScatterGatherList gives.
 */
export function BuildScatterGatherList(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number): NTSTATUS {
  const routine = "BuildScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkListRequest(routine, DeviceObject, Mdl, CurrentVa, Length, ExecutionRoutine, WriteToDevice);
  checkStruct(ScatterGatherBuffer, routine, "ScatterGatherBuffer");
  checkUlong(ScatterGatherLength, routine, "ScatterGatherLength");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  if (!ao.master) return STATUS.NOT_SUPPORTED;
  if (Length === 0) throw new RangeError(`${routine}: Length must be > 0, got ${Length}`);
  const need = { value: 0 };
  CalculateScatterGatherList(DmaAdapter, Mdl, CurrentVa, Length, need, null);
  if (ScatterGatherLength < need.value) return STATUS.BUFFER_TOO_SMALL;
  const prev = lists.get(ScatterGatherBuffer);
  if (prev !== undefined && prev.live) throw new TypeError(`${routine}: the buffer still holds a live list; PutScatterGatherList it first`);
  const st = build(ao, Mdl, CurrentVa, Length, WriteToDevice, ScatterGatherBuffer, routine);
  if (st !== STATUS.SUCCESS) return st;
  ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, ScatterGatherBuffer, Context);
  return STATUS.SUCCESS;
}
