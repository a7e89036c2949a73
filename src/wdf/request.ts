/**
 * WDFREQUEST: the framework object around an application's IRP
 * (Windows-Driver-Frameworks fxrequest.cpp, fxrequestapi.cpp; wdfrequest.h):
 *
 * - buffers by the device's I/O type and the control code's method
 *   (FxRequest::GetMemoryObject / GetDeviceControlOutputMemoryObject): the
 *   system buffer for buffered I/O and METHOD_BUFFERED, the MDL's system
 *   address for direct I/O and the direct methods' output buffer; a zero
 *   length, or one below MinimumRequiredLength, is STATUS_BUFFER_TOO_SMALL;
 *   the wrong direction (input of a read, output of a write), neither I/O and
 *   METHOD_NEITHER are STATUS_INVALID_DEVICE_REQUEST;
 * - the WDM MDLs: the IRP's MdlAddress for direct I/O, an MDL the framework
 *   builds over the system buffer otherwise (freed at completion);
 * - completion: WdfRequestComplete / CompleteWithInformation /
 *   SetInformation. The request's cleanup callback runs, the IRP is
 *   completed, and the framework's reference goes: the handle is freed, so a
 *   second completion passes a stale handle — WDF_VIOLATION (0x10D) with
 *   P1 = 0x5 (invalid handle), P2 = the handle. A request the driver still
 *   holds a WdfObjectReference on survives its completion; completing it
 *   again completes the IRP twice: MULTIPLE_IRP_COMPLETE_REQUESTS (0x44).
 *   Framework-facility statuses are mapped to standard ones as KMDF does
 *   (STATUS_WDF_PAUSED / BUSY -> STATUS_DEVICE_BUSY, ...).
 *
 * Queue-side operations (cancelable marking, requeue, stop acknowledgement,
 * WdfRequestGetIoQueue) are in queue.ts: they are the queue's.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { IoCompleteRequest, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, type IRP } from "../kernel/irp.ts";
import { METHOD_BUFFERED, METHOD_NEITHER } from "../kernel/io-manager.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetSystemAddressForMdlSafe, type MDL } from "../kernel/mdl.ts";
import type { WdfDevice } from "./device.ts";
import { WdfDeviceIoBuffered, WdfDeviceIoDirect } from "./driver.ts";
import { IRP_MJ_INTERNAL_DEVICE_CONTROL } from "./fx-irp-dispatch.ts";
import { validHandle, WdfObject } from "./object.ts";

/** WDF_REQUEST_TYPE: the IRP major function codes. */
export const WdfRequestTypeCreate = 0x00;
/** IRP_MJ_CLOSE. */
export const WdfRequestTypeClose = 0x02;
/** IRP_MJ_READ: ReadFile. */
export const WdfRequestTypeRead = 0x03;
/** IRP_MJ_WRITE: WriteFile. */
export const WdfRequestTypeWrite = 0x04;
/** IRP_MJ_DEVICE_CONTROL: DeviceIoControl. */
export const WdfRequestTypeDeviceControl = 0x0e;
export const WdfRequestTypeDeviceControlInternal = 0x0f;
export type WDF_REQUEST_TYPE = number;

/** @internal What a queue does for the requests it holds (queue.ts implements it). */
export interface RequestQueue {
  /** The driver completed a request this queue presented or the driver retrieved from it. */
  requestCompleted(request: WdfRequest): void;
}

/** EvtRequestCancel(Request): the driver-owned request was cancelled; the driver completes it. */
export type EVT_WDF_REQUEST_CANCEL = (Request: WdfRequest) => void;

/** A WDFREQUEST: one IRP from the I/O manager, with the framework's state around it. */
export class WdfRequest extends WdfObject {
  readonly typeName = "WDFREQUEST";
  readonly irp: IRP;
  readonly device: WdfDevice;
  /** The queue that holds it, presented it, or the driver retrieved it from (FxRequest::m_IoQueue). */
  queue: RequestQueue | null = null;
  completed = false;
  /** Handed to the driver (a callback or a retrieve) and not completed, requeued or forwarded. */
  driverOwned = false;
  /** The driver saw it once (its cleanup callback runs only then). */
  presented = false;
  /** WdfRequestMarkCancelable[Ex] succeeded and WdfRequestUnmarkCancelable has not been called. */
  cancelable = false;
  /** EvtRequestCancel was called (or is running): the driver must complete it there, not after Unmark. */
  cancelCalled = false;
  cancelRoutine: EVT_WDF_REQUEST_CANCEL | null = null;
  /** Power stop: EvtIoStop was called for it and the framework waits for completion or acknowledgement. */
  stopNotified = false;
  /** WdfRequestStopAcknowledge(Requeue = FALSE): the driver keeps it while the queue is powered off (EvtIoResume on power-up). */
  stoppedInPlace = false;
  /** MDLs the framework built over the system buffer (freed at completion); null until the first (most requests never need one). */
  private built: MDL[] | null = null;

  constructor(device: WdfDevice, irp: IRP) {
    super(device.globals, device.requestAttributes);
    this.device = device;
    this.irp = irp;
  }

  /** An MDL over the system buffer (FxRequest::GetMdl for buffered I/O), built once per buffer. */
  systemBufferMdl(va: number, length: number): MDL | null {
    const built = this.built;
    if (built !== null) for (const m of built) if (m.StartVa + m.ByteOffset === va && m.ByteCount === length) return m;
    const k = this.device.kernel;
    const mdl = IoAllocateMdl(k, va, length, false, false, null);
    if (mdl === null) return null;
    MmBuildMdlForNonPagedPool(k, mdl);
    (this.built ??= []).push(mdl);
    return mdl;
  }

  /** FxRequest::CompleteInternal. */
  complete(status: NTSTATUS): void {
    const k = this.device.kernel;
    this.irp.IoStatus.Status = mapWdfStatus(status);
    // Completing a cancelable request is the race KMDF's verifier warns about; the framework clears the cancel routine either way.
    this.irp.CancelRoutine = null;
    this.cancelable = false;
    const queue = this.queue;
    const wasOwned = this.driverOwned;
    this.completed = true;
    this.driverOwned = false;
    this.queue = null;
    // The cleanup callback runs before the IRP goes back (EarlyDispose); only for a request the driver saw.
    if (this.presented) this.disposeTree();
    if (this.built !== null) {
      for (const m of this.built) IoFreeMdl(k, m);
      this.built = null;
    }
    IoCompleteRequest(this.irp);
    if (this.presented) this.deleteObject();
    else this.deleteFromFailedCreate();
    if (queue !== null && wasOwned) queue.requestCompleted(this);
  }
}

/** Framework-facility statuses a request completes with are mapped to standard ones (FxRequest::CompleteInternal). */
export function mapWdfStatus(status: NTSTATUS): NTSTATUS {
  if (((status >>> 0) & 0x0fff_0000) !== 0x0020_0000) return status;
  switch (status >>> 0) {
    case STATUS.WDF_PAUSED:
    case STATUS.WDF_BUSY:
      return STATUS.DEVICE_BUSY;
    case STATUS.WDF_INTERNAL_ERROR:
      return STATUS.INTERNAL_ERROR;
    default:
      return STATUS.INVALID_DEVICE_REQUEST;
  }
}

function req(Request: WdfRequest, routine: string): WdfRequest {
  const r = validRequest(Request, routine);
  r.globals.checkIrql(routine, DISPATCH_LEVEL);
  return r;
}

/** WdfRequestComplete(Request, Status) (<= DISPATCH_LEVEL), with the Information set before (WdfRequestSetInformation; 0 by default). */
export function WdfRequestComplete(Request: WdfRequest, Status: NTSTATUS): void {
  req(Request, "WdfRequestComplete").complete(Status);
}

/** WdfRequestCompleteWithInformation(Request, Status, Information). */
export function WdfRequestCompleteWithInformation(Request: WdfRequest, Status: NTSTATUS, Information: number): void {
  const r = req(Request, "WdfRequestCompleteWithInformation");
  checkInformation(Information, "WdfRequestCompleteWithInformation");
  r.irp.IoStatus.Information = Information;
  r.complete(Status);
}

/** WdfRequestSetInformation(Request, Information): IoStatus.Information for the completion. */
export function WdfRequestSetInformation(Request: WdfRequest, Information: number): void {
  const r = req(Request, "WdfRequestSetInformation");
  checkInformation(Information, "WdfRequestSetInformation");
  r.irp.IoStatus.Information = Information;
}

/** WdfRequestGetInformation. */
export function WdfRequestGetInformation(Request: WdfRequest): number {
  return req(Request, "WdfRequestGetInformation").irp.IoStatus.Information;
}

/** WdfRequestGetStatus: the IRP's status (the completion's, once completed). */
export function WdfRequestGetStatus(Request: WdfRequest): NTSTATUS {
  return req(Request, "WdfRequestGetStatus").irp.IoStatus.Status;
}

/** WdfRequestWdmGetIrp: the IRP behind the request. */
export function WdfRequestWdmGetIrp(Request: WdfRequest): IRP {
  return req(Request, "WdfRequestWdmGetIrp").irp;
}

/** WdfRequestIsCanceled: IoCancelIrp was called on the request's IRP. */
export function WdfRequestIsCanceled(Request: WdfRequest): boolean {
  return req(Request, "WdfRequestIsCanceled").irp.Cancel;
}

function checkInformation(n: number, routine: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${routine}: Information must be a ULONG_PTR, got ${String(n)}`);
}

/** sizeof(WDF_REQUEST_PARAMETERS) on x64. */
export const WDF_REQUEST_PARAMETERS_SIZE = 0x38;

/** WDF_REQUEST_PARAMETERS (wdfrequest.h): the request's type and stack-location parameters. */
export interface WDF_REQUEST_PARAMETERS {
  Size: number;
  MinorFunction: number;
  Type: WDF_REQUEST_TYPE;
  Parameters: {
    Read: { Length: number; Key: number; DeviceOffset: bigint };
    Write: { Length: number; Key: number; DeviceOffset: bigint };
    DeviceIoControl: { OutputBufferLength: number; InputBufferLength: number; IoControlCode: number; Type3InputBuffer: number };
  };
}

/** WDF_REQUEST_PARAMETERS_INIT(&params): zeroed, Size set. */
export function WDF_REQUEST_PARAMETERS_INIT(): WDF_REQUEST_PARAMETERS {
  return {
    Size: WDF_REQUEST_PARAMETERS_SIZE,
    MinorFunction: 0,
    Type: 0,
    Parameters: { Read: { Length: 0, Key: 0, DeviceOffset: 0n }, Write: { Length: 0, Key: 0, DeviceOffset: 0n }, DeviceIoControl: { OutputBufferLength: 0, InputBufferLength: 0, IoControlCode: 0, Type3InputBuffer: 0 } },
  };
}

/** WdfRequestGetParameters(Request, Parameters): the IRP's stack-location parameters (a wrong Size is a RangeError, as the framework's bug check on it). */
export function WdfRequestGetParameters(Request: WdfRequest, Parameters: WDF_REQUEST_PARAMETERS): void {
  const r = req(Request, "WdfRequestGetParameters");
  if (Parameters.Size !== WDF_REQUEST_PARAMETERS_SIZE) throw new RangeError(`WdfRequestGetParameters: Parameters->Size 0x${Number(Parameters.Size).toString(16)} is not sizeof(WDF_REQUEST_PARAMETERS) (0x${WDF_REQUEST_PARAMETERS_SIZE.toString(16)}); use WDF_REQUEST_PARAMETERS_INIT`);
  const irp = r.irp;
  const p = irp.Parameters;
  Parameters.MinorFunction = irp.MinorFunction;
  Parameters.Type = irp.MajorFunction;
  if (p.Read !== undefined) Parameters.Parameters.Read = { Length: p.Read.Length, Key: 0, DeviceOffset: p.Read.ByteOffset };
  if (p.Write !== undefined) Parameters.Parameters.Write = { Length: p.Write.Length, Key: 0, DeviceOffset: p.Write.ByteOffset };
  if (p.DeviceIoControl !== undefined) Parameters.Parameters.DeviceIoControl = { ...p.DeviceIoControl };
}

/** Out parameters of the buffer routines. */
export interface BufferOut {
  value: number;
}

function isIoctl(irp: IRP): boolean {
  return irp.MajorFunction === IRP_MJ_DEVICE_CONTROL || irp.MajorFunction === IRP_MJ_INTERNAL_DEVICE_CONTROL;
}

/** What memoryObject / ioctlOutput find: a buffer's status, kernel VA, length and MDL (null: the system buffer, no MDL yet). */
interface RequestBuffer {
  status: NTSTATUS;
  va: number;
  length: number;
  mdl: MDL | null;
}

/** The one record memoryObject / ioctlOutput fill in: every caller reads it before anything can ask again, so no object per call. */
const found: RequestBuffer = { status: STATUS.SUCCESS, va: 0, length: 0, mdl: null };

function buffer(status: NTSTATUS, va: number, length: number, mdl: MDL | null): RequestBuffer {
  found.status = status;
  found.va = va;
  found.length = length;
  found.mdl = mdl;
  return found;
}

function fail(status: NTSTATUS): RequestBuffer {
  return buffer(status, 0, 0, null);
}

/** FxRequest::GetMemoryObject: the system buffer of a write, a read or an IOCTL's input, and its length. */
function memoryObject(r: WdfRequest): RequestBuffer {
  const irp = r.irp;
  if (isIoctl(irp)) {
    const io = irp.Parameters.DeviceIoControl;
    const length = io?.InputBufferLength ?? 0;
    if (length === 0) return fail(STATUS.BUFFER_TOO_SMALL);
    if (((io?.IoControlCode ?? 0) & 3) === METHOD_NEITHER) return fail(STATUS.INVALID_DEVICE_REQUEST);
    return buffer(STATUS.SUCCESS, irp.AssociatedIrp.SystemBuffer, length, null);
  }
  if (irp.MajorFunction !== IRP_MJ_READ && irp.MajorFunction !== IRP_MJ_WRITE) return fail(STATUS.INVALID_DEVICE_REQUEST);
  const length = (irp.MajorFunction === IRP_MJ_READ ? irp.Parameters.Read?.Length : irp.Parameters.Write?.Length) ?? 0;
  // A user-mode buffer of a neither-I/O device is not the framework's to hand out.
  if (r.device.ioType !== WdfDeviceIoBuffered && r.device.ioType !== WdfDeviceIoDirect) return fail(STATUS.INVALID_DEVICE_REQUEST);
  if (length === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  if (r.device.ioType === WdfDeviceIoDirect) {
    const mdl = irp.MdlAddress;
    if (mdl === null) return fail(STATUS.BUFFER_TOO_SMALL);
    const va = MmGetSystemAddressForMdlSafe(mdl);
    if (va === null) return fail(STATUS.INSUFFICIENT_RESOURCES);
    return buffer(STATUS.SUCCESS, va, length, mdl);
  }
  return buffer(STATUS.SUCCESS, irp.AssociatedIrp.SystemBuffer, length, null);
}

/** FxRequest::GetDeviceControlOutputMemoryObject: an IOCTL's output buffer. */
function ioctlOutput(r: WdfRequest): RequestBuffer {
  const irp = r.irp;
  const io = irp.Parameters.DeviceIoControl;
  const length = io?.OutputBufferLength ?? 0;
  if (length === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  const method = (io?.IoControlCode ?? 0) & 3;
  if (method === METHOD_NEITHER) return fail(STATUS.INVALID_DEVICE_REQUEST);
  if (method === METHOD_BUFFERED) return buffer(STATUS.SUCCESS, irp.AssociatedIrp.SystemBuffer, length, null);
  const mdl = irp.MdlAddress;
  if (mdl === null) return fail(STATUS.BUFFER_TOO_SMALL);
  const va = MmGetSystemAddressForMdlSafe(mdl);
  if (va === null) return fail(STATUS.INSUFFICIENT_RESOURCES);
  return buffer(STATUS.SUCCESS, va, length, mdl);
}

function giveBuffer(m: RequestBuffer, MinimumRequiredLength: number, Buffer: BufferOut, Length: BufferOut | null, routine: string): NTSTATUS {
  if (!Number.isSafeInteger(MinimumRequiredLength) || MinimumRequiredLength < 0) throw new RangeError(`${routine}: MinimumRequiredLength must be a size_t, got ${String(MinimumRequiredLength)}`);
  if (!NT_SUCCESS(m.status)) return m.status;
  if (m.length < MinimumRequiredLength) return STATUS.BUFFER_TOO_SMALL;
  Buffer.value = m.va;
  if (Length !== null) Length.value = m.length;
  return STATUS.SUCCESS;
}

/**
 * WdfRequestRetrieveInputBuffer(Request, MinimumRequiredLength, Buffer, Length)
 * (<= DISPATCH_LEVEL): a write's buffer or an IOCTL's input buffer (its
 * kernel VA). Buffer and Length are NULL / 0 unless it succeeds.
 */
export function WdfRequestRetrieveInputBuffer(Request: WdfRequest, MinimumRequiredLength: number, Buffer: BufferOut, Length: BufferOut | null = null): NTSTATUS {
  const r = req(Request, "WdfRequestRetrieveInputBuffer");
  Buffer.value = 0;
  if (Length !== null) Length.value = 0;
  if (r.irp.MajorFunction === IRP_MJ_READ) return STATUS.INVALID_DEVICE_REQUEST;
  return giveBuffer(memoryObject(r), MinimumRequiredLength, Buffer, Length, "WdfRequestRetrieveInputBuffer");
}

/** WdfRequestRetrieveOutputBuffer: a read's buffer or an IOCTL's output buffer. */
export function WdfRequestRetrieveOutputBuffer(Request: WdfRequest, MinimumRequiredLength: number, Buffer: BufferOut, Length: BufferOut | null = null): NTSTATUS {
  const r = req(Request, "WdfRequestRetrieveOutputBuffer");
  Buffer.value = 0;
  if (Length !== null) Length.value = 0;
  if (r.irp.MajorFunction === IRP_MJ_WRITE) return STATUS.INVALID_DEVICE_REQUEST;
  return giveBuffer(isIoctl(r.irp) ? ioctlOutput(r) : memoryObject(r), MinimumRequiredLength, Buffer, Length, "WdfRequestRetrieveOutputBuffer");
}

function giveMdl(r: WdfRequest, m: RequestBuffer, Mdl: { value: MDL | null }): NTSTATUS {
  const had = m.mdl;
  // The shared record keeps no MDL alive past this call.
  m.mdl = null;
  if (!NT_SUCCESS(m.status)) return m.status;
  const mdl = had ?? r.systemBufferMdl(m.va, m.length);
  if (mdl === null) return STATUS.INSUFFICIENT_RESOURCES;
  Mdl.value = mdl;
  return STATUS.SUCCESS;
}

/** WdfRequestRetrieveInputWdmMdl(Request, Mdl): a write's (or an IOCTL's input) MDL — the IRP's for direct I/O, one over the system buffer otherwise. */
export function WdfRequestRetrieveInputWdmMdl(Request: WdfRequest, Mdl: { value: MDL | null }): NTSTATUS {
  const r = req(Request, "WdfRequestRetrieveInputWdmMdl");
  Mdl.value = null;
  if (r.irp.MajorFunction === IRP_MJ_READ) return STATUS.INVALID_DEVICE_REQUEST;
  return giveMdl(r, memoryObject(r), Mdl);
}

/** WdfRequestRetrieveOutputWdmMdl(Request, Mdl): a read's (or an IOCTL's output) MDL. */
export function WdfRequestRetrieveOutputWdmMdl(Request: WdfRequest, Mdl: { value: MDL | null }): NTSTATUS {
  const r = req(Request, "WdfRequestRetrieveOutputWdmMdl");
  Mdl.value = null;
  if (r.irp.MajorFunction === IRP_MJ_WRITE) return STATUS.INVALID_DEVICE_REQUEST;
  return giveMdl(r, isIoctl(r.irp) ? ioctlOutput(r) : memoryObject(r), Mdl);
}

/**
 * @internal validHandle for a WDFREQUEST: a call site that sees one class only
 * (the engine decides it in a few instructions); anything else takes
 * validHandle for its WDF_VIOLATION.
 */
export function validRequest(obj: unknown, routine: string): WdfRequest {
  if (obj instanceof WdfRequest && obj.state !== "destroyed") return obj;
  return validHandle(obj, WdfRequest, routine);
}
