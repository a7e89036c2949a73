/**
 * GetScatterGatherListEx and BuildScatterGatherListEx (version 3 table) and
 * BuildMdlFromScatterGatherList (version 2). Sources: DDI
 * nc-wdm-pget_scatter_gather_list_ex, nc-wdm-pbuild_scatter_gather_list_ex,
 * nc-wdm-pbuild_mdl_from_scatter_gather_list; KMDF
 * fxdmatransactionscattergather.hpp calls the Ex routines.
 *
 * The Ex routines combine AllocateAdapterChannelEx and MapTransferEx for a
 * bus master: the request waits in its transfer context for the adapter (and
 * can be cancelled with CancelAdapterChannel), then the list is built
 * (sg-list.ts, the same as GetScatterGatherList) and the AdapterListControl
 * routine runs at DISPATCH_LEVEL; the adapter object is released when it
 * returns, the list's resources at PutScatterGatherList. With
 * DMA_SYNCHRONOUS_CALLBACK nothing waits (STATUS_INSUFFICIENT_RESOURCES when
 * busy); without a routine the list comes back in ScatterGatherList and the
 * driver calls FreeAdapterObject, then PutScatterGatherList after the
 * transfer. Only for bus masters ("do not call this routine for a system DMA
 * device"); DmaCompletionRoutine is unused and must be NULL.
 * Get is callable up to DISPATCH_LEVEL, Build at DISPATCH_LEVEL, as the DDI
 * pages give them.
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { submitEx } from "./adapter-channel-ex.ts";
import { checkBoolean, checkDeviceObject, checkMdl, checkOutParam, checkRoutine, checkStruct, checkUlong, checkUlonglong } from "./args.ts";
import { buildList, chainRange, listRecord, listSize, mdlForList, planList } from "./sg-list.ts";
import { checkContextArgument, contextForRequest } from "./transfer-context.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, type DMA_ADAPTER, type DMA_COMPLETION_ROUTINE, DMA_SYNCHRONOUS_CALLBACK, type DMA_TRANSFER_CONTEXT, type DRIVER_LIST_CONTROL, type SCATTER_GATHER_LIST } from "./types.ts";

/** The optional out-parameter that receives a synchronously built list (DMA_SYNCHRONOUS_CALLBACK), or null. */
export type ListOut = { value: SCATTER_GATHER_LIST | null } | null;

interface ExListRequest {
  readonly routine: string;
  readonly DeviceObject: DEVICE_OBJECT;
  readonly ctx: DMA_TRANSFER_CONTEXT;
  readonly Mdl: MDL;
  readonly Offset: number;
  readonly Length: number;
  readonly Flags: number;
  readonly ExecutionRoutine: DRIVER_LIST_CONTROL | null;
  readonly Context: unknown;
  readonly WriteToDevice: boolean;
  readonly DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null;
  readonly ScatterGatherList: ListOut;
}

function checkRequest(q: ExListRequest): void {
  checkDeviceObject(q.DeviceObject, q.routine);
  checkContextArgument(q.ctx, q.routine);
  checkMdl(q.Mdl, q.routine);
  checkUlonglong(q.Offset, q.routine, "Offset");
  checkUlong(q.Length, q.routine, "Length");
  checkUlong(q.Flags, q.routine, "Flags");
  checkRoutine(q.ExecutionRoutine, q.routine, "ExecutionRoutine", true);
  checkBoolean(q.WriteToDevice, q.routine, "WriteToDevice");
  checkRoutine(q.DmaCompletionRoutine, q.routine, "DmaCompletionRoutine", true);
  checkOutParam(q.ScatterGatherList, q.routine, "ScatterGatherList", true);
}

/** The shared body; `buffer` is BuildScatterGatherListEx's (null: the HAL allocates the list). */
function listEx(ao: AdapterObject, q: ExListRequest, buffer: { sg: SCATTER_GATHER_LIST; length: number } | null): NTSTATUS {
  const k = ao.kernel;
  if (!ao.master) {
    k.report({ code: "DMA_WRONG_ADAPTER_KIND", routine: q.routine, device: ao.device, message: `${q.routine}: not for a system DMA adapter (the DDI: do not call this routine for a system DMA device)`, params: { master: false } });
    return STATUS.INVALID_PARAMETER;
  }
  const synchronous = (q.Flags & DMA_SYNCHRONOUS_CALLBACK) !== 0;
  if ((q.Flags & ~DMA_SYNCHRONOUS_CALLBACK) !== 0 || q.DmaCompletionRoutine !== null) return STATUS.INVALID_PARAMETER;
  if (q.ExecutionRoutine === null && (!synchronous || q.ScatterGatherList === null)) return STATUS.INVALID_PARAMETER;
  if (q.Length === 0) {
    k.report({ code: "DMA_ZERO_LENGTH_MAP", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x21, 0, 0, 0], routine: q.routine, device: ao.device, message: `${q.routine}: a request to map 0 bytes`, params: {} });
    return STATUS.INVALID_PARAMETER;
  }
  const rec = contextForRequest(ao, q.routine, q.ctx);
  if (rec === null) return STATUS.INVALID_PARAMETER;
  const r = chainRange(ao, q.routine, q.Mdl, q.Offset, q.Length);
  if (r === null) return STATUS.INVALID_PARAMETER;
  const plan = planList(ao, r);
  if (plan.mapRegisters > ao.mapRegisters) return STATUS.INSUFFICIENT_RESOURCES;
  if (buffer !== null) {
    if (buffer.length < listSize(plan.elements.length)) return STATUS.BUFFER_TOO_SMALL;
    if (listRecord(buffer.sg)?.live === true) throw new TypeError(`${q.routine}: the buffer still holds a live list; PutScatterGatherList it first`);
  }
  let built: NTSTATUS = STATUS.SUCCESS;
  const st = submitEx(q.routine, ao, rec, q.ctx, q.DeviceObject, plan.mapRegisters, false, synchronous, () => {
    const sg = buffer?.sg ?? { NumberOfElements: 0, Elements: [] };
    built = buildList(ao, r, plan, q.WriteToDevice, sg);
    // No list: the routine is not called and the adapter object goes back at once.
    if (built !== STATUS.SUCCESS) return DeallocateObject;
    if (q.ScatterGatherList !== null) q.ScatterGatherList.value = sg;
    if (q.ExecutionRoutine === null) return null;
    q.ExecutionRoutine(q.DeviceObject, q.DeviceObject.CurrentIrp, sg, q.Context);
    return DeallocateObjectKeepRegisters;
  });
  return st !== STATUS.SUCCESS ? st : built;
}

/**
 * GetScatterGatherListEx(DmaAdapter, DeviceObject, DmaTransferContext, Mdl,
 * Offset, Length, Flags, ExecutionRoutine, Context, WriteToDevice,
 * DmaCompletionRoutine, CompletionContext, ScatterGatherList)
 * (<= DISPATCH_LEVEL).
 */
export function GetScatterGatherListEx(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: ListOut): NTSTATUS {
  const routine = "GetScatterGatherListEx";
  const ao = liveAdapter(DmaAdapter, routine);
  const q: ExListRequest = { routine, DeviceObject, ctx: DmaTransferContext, Mdl, Offset, Length, Flags, ExecutionRoutine, Context, WriteToDevice, DmaCompletionRoutine, ScatterGatherList };
  void CompletionContext;
  checkRequest(q);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  return listEx(ao, q, null);
}

/**
 * BuildScatterGatherListEx(..., ScatterGatherBuffer, ScatterGatherLength,
 * DmaCompletionRoutine, CompletionContext, ScatterGatherList)
 * (DISPATCH_LEVEL): as GetScatterGatherListEx in the caller's buffer;
 * STATUS_BUFFER_TOO_SMALL below the size GetDmaTransferInfo gives.
 */
export function BuildScatterGatherListEx(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: ListOut): NTSTATUS {
  const routine = "BuildScatterGatherListEx";
  const ao = liveAdapter(DmaAdapter, routine);
  const q: ExListRequest = { routine, DeviceObject, ctx: DmaTransferContext, Mdl, Offset, Length, Flags, ExecutionRoutine, Context, WriteToDevice, DmaCompletionRoutine, ScatterGatherList };
  void CompletionContext;
  checkRequest(q);
  checkStruct(ScatterGatherBuffer, routine, "ScatterGatherBuffer");
  checkUlong(ScatterGatherLength, routine, "ScatterGatherLength");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  return listEx(ao, q, { sg: ScatterGatherBuffer, length: ScatterGatherLength });
}

/**
 * BuildMdlFromScatterGatherList(DmaAdapter, ScatterGather, OriginalMdl,
 * TargetMdl) (<= DISPATCH_LEVEL; "reserved for system use"): an MDL for the
 * memory the list really describes — a new MDL over the HAL's copy when it
 * double-buffered the transfer, else OriginalMdl itself. STATUS_SUCCESS;
 * STATUS_INVALID_PARAMETER for a NULL OriginalMdl or a list that is not a
 * live list of this adapter; STATUS_NONE_MAPPED when a new MDL was already
 * made for this list; STATUS_INSUFFICIENT_RESOURCES when none can be had.
 * The MDL made goes away with the list (PutScatterGatherList).
 */
export function BuildMdlFromScatterGatherList(DmaAdapter: DMA_ADAPTER, ScatterGather: SCATTER_GATHER_LIST, OriginalMdl: MDL | null, TargetMdl: { value: MDL | null }): NTSTATUS {
  const routine = "BuildMdlFromScatterGatherList";
  const ao = liveAdapter(DmaAdapter, routine);
  checkStruct(ScatterGather, routine, "ScatterGather");
  checkMdl(OriginalMdl, routine, "OriginalMdl", true);
  checkOutParam(TargetMdl, routine, "TargetMdl");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (OriginalMdl === null) return STATUS.INVALID_PARAMETER;
  const p = listRecord(ScatterGather);
  if (p === undefined || !p.live || p.adapter !== ao) return STATUS.INVALID_PARAMETER;
  const m = mdlForList(ao, p, OriginalMdl);
  if (m === "none-mapped") return STATUS.NONE_MAPPED;
  if (m === null) return STATUS.INSUFFICIENT_RESOURCES;
  TargetMdl.value = m;
  return STATUS.SUCCESS;
}
