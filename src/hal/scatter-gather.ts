/**
 * Scatter/gather DMA for bus masters: GetScatterGatherList /
 * PutScatterGatherList (version 1 table) and CalculateScatterGatherList /
 * BuildScatterGatherList (version 2). Sources: DDI nc-wdm-pget_scatter_gather_list,
 * nc-wdm-pput_scatter_gather_list, nc-wdm-pcalculate_scatter_gather_list_size,
 * nc-wdm-pbuild_scatter_gather_list; KDOC kernel/using-scatter-gather-dma.
 * How a list is made (physical runs, IOVAs, bounce) is sg-list.ts.
 *
 * The list describes the MDL chain's bytes [CurrentVa, CurrentVa + Length);
 * the list-control routine runs at DISPATCH_LEVEL, where the caller already
 * is (both Get and Build must be called at DISPATCH_LEVEL). A transfer that
 * needs more map registers than IoGetDmaAdapter gave is
 * STATUS_INSUFFICIENT_RESOURCES; a Length the MDL chain does not have is
 * STATUS_BUFFER_TOO_SMALL ("the buffer is too small for the requested
 * transfer", 0xE6 / 0x24); a zero Length is 0xE6 / 0x21.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { checkBoolean, checkDeviceObject, checkMdl, checkOutParam, checkRoutine, checkStruct, checkUlong, checkVa } from "./args.ts";
import { buildList, chainRange, listRecord, listSize, offsetOfVa, planList, putList } from "./sg-list.ts";
import type { DMA_ADAPTER, DRIVER_LIST_CONTROL, SCATTER_GATHER_LIST, ULONG_OUT } from "./types.ts";

export { SG_ELEMENT_SIZE, SG_HAL_SCRATCH_SIZE, SG_LIST_HEADER_SIZE } from "./sg-list.ts";

/** 0xE6 / 0x21: a request to map nothing. */
export function zeroLength(ao: AdapterObject, routine: string): NTSTATUS {
  ao.kernel.report({ code: "DMA_ZERO_LENGTH_MAP", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x21, 0, 0, 0], routine, device: ao.device, message: `${routine}: a request to map 0 bytes`, params: {} });
  return STATUS.INVALID_PARAMETER;
}

/** Build a list for [CurrentVa, +Length) of the chain into `sg`. */
function build(ao: AdapterObject, routine: string, Mdl: MDL, CurrentVa: number, Length: number, WriteToDevice: boolean, sg: SCATTER_GATHER_LIST): NTSTATUS {
  const offset = offsetOfVa(ao, routine, Mdl, CurrentVa);
  if (offset < 0) return STATUS.INVALID_PARAMETER;
  const r = chainRange(ao, routine, Mdl, offset, Length);
  if (r === null) return STATUS.BUFFER_TOO_SMALL;
  const plan = planList(ao, r);
  if (plan.mapRegisters > ao.mapRegisters) return STATUS.INSUFFICIENT_RESOURCES;
  return buildList(ao, r, plan, WriteToDevice, sg);
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
  if (Length === 0) return zeroLength(ao, routine);
  const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
  const st = build(ao, routine, Mdl, CurrentVa, Length, WriteToDevice, sg);
  if (st !== STATUS.SUCCESS) return st;
  ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, sg, Context);
  return STATUS.SUCCESS;
}

/**
 * PutScatterGatherList(DmaAdapter, ScatterGather, WriteToDevice) at
 * DISPATCH_LEVEL: finishes the transfer (copies a bounced read back,
 * invalidates caches for a non-coherent device's read) and releases the
 * mapping. A list that is not live on this adapter is reported as Driver
 * Verifier's 0xE6 / 0x06 (too many scatter/gather lists freed; P2 lists
 * built, P3 freed) and left alone.
 */
export function PutScatterGatherList(DmaAdapter: DMA_ADAPTER, ScatterGather: SCATTER_GATHER_LIST, WriteToDevice: boolean): void {
  const routine = "PutScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkStruct(ScatterGather, routine, "ScatterGather");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  putList(ao, routine, ScatterGather, WriteToDevice);
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
  const pages = listPages(Mdl, CurrentVa, Length);
  ScatterGatherListSize.value = listSize(pages);
  if (NumberOfMapRegisters !== null) NumberOfMapRegisters.value = pages;
  return STATUS.SUCCESS;
}

/** CalculateScatterGatherList's page count: the pages [CurrentVa, +Length) spans, or with an MDL chain its buffers' pages. */
function listPages(Mdl: MDL | null, CurrentVa: number, Length: number): number {
  if (Mdl === null) return ADDRESS_AND_SIZE_TO_SPAN_PAGES(CurrentVa, Length);
  // Chained MDLs may start each buffer on a new page: count page by page.
  let pages = 0;
  let left = Length;
  for (let m: MDL | null = Mdl; m !== null && left > 0; m = m.Next) {
    const n = Math.min(left, m.ByteCount);
    pages += ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m), n);
    left -= n;
  }
  return pages;
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
  if (Length === 0) return zeroLength(ao, routine);
  // What CalculateScatterGatherList gives (its checks are the ones above).
  if (ScatterGatherLength < listSize(listPages(Mdl, CurrentVa, Length))) return STATUS.BUFFER_TOO_SMALL;
  if (listRecord(ScatterGatherBuffer)?.live === true) throw new TypeError(`${routine}: the buffer still holds a live list; PutScatterGatherList it first`);
  const st = build(ao, routine, Mdl, CurrentVa, Length, WriteToDevice, ScatterGatherBuffer);
  if (st !== STATUS.SUCCESS) return st;
  ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, ScatterGatherBuffer, Context);
  return STATUS.SUCCESS;
}
