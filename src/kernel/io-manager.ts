/**
 * The I/O manager's side of read, write and device-control requests: an
 * application's call becomes an IRP at the top of the device's stack with
 * the buffers its I/O type calls for, and the IRP's completion becomes the
 * application's result (wdm.h; KDOC kernel/methods-for-accessing-data-buffers,
 * kernel/buffer-descriptions-for-i-o-control-codes):
 *
 * - buffered I/O (DO_BUFFERED_IO; METHOD_BUFFERED): a nonpaged system buffer
 *   in AssociatedIrp.SystemBuffer, filled from the caller's buffer for writes
 *   and input, copied back (IoStatus.Information bytes) for reads and output;
 * - direct I/O (DO_DIRECT_IO; METHOD_IN_DIRECT / METHOD_OUT_DIRECT for the
 *   output buffer): the caller's buffer locked and described by MdlAddress;
 * - neither: the caller's VA in UserBuffer (and Type3InputBuffer for
 *   METHOD_NEITHER input).
 *
 * One address space: an application's buffers are pages mapped in the
 * system VA space for it (app/), so "the caller's VA" is a kernel VA here.
 */
import { BYTES_TO_PAGES } from "../core/address.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { SmallSet } from "../core/small-set.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { IoAllocateIrp, IoCancelIrp, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, type IRP, type IRP_PARAMETERS } from "./irp.ts";
import type { Kernel } from "./kernel.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool } from "./mdl.ts";
import { IoCallDriver } from "./pnp.ts";

/** DEVICE_OBJECT.Flags: how the device takes read and write buffers. */
export const DO_BUFFERED_IO = 0x0000_0004;
/** DEVICE_OBJECT.Flags: reads and writes come as an MDL of the caller's locked buffer (Irp.MdlAddress). */
export const DO_DIRECT_IO = 0x0000_0010;

/** The transfer type in an I/O control code's low two bits. */
export const METHOD_BUFFERED = 0;
/** Input buffered; the output buffer as an MDL the device reads from (DMA out of it). */
export const METHOD_IN_DIRECT = 1;
/** Input buffered; the output buffer as an MDL the device writes into. */
export const METHOD_OUT_DIRECT = 2;
/** The caller's VAs as they are (Type3InputBuffer, UserBuffer). */
export const METHOD_NEITHER = 3;
/** CTL_CODE access: any handle may send it. */
export const FILE_ANY_ACCESS = 0;
/** CTL_CODE access: the handle needs read access. */
export const FILE_READ_ACCESS = 1;
/** CTL_CODE access: the handle needs write access. */
export const FILE_WRITE_ACCESS = 2;
/** A device type for drivers' own codes (0x8000 and up are the vendors'). */
export const FILE_DEVICE_UNKNOWN = 0x22;

/** CTL_CODE(DeviceType, Function, Method, Access). */
export function CTL_CODE(DeviceType: number, Function: number, Method: number, Access: number): number {
  return ((DeviceType << 16) | (Access << 14) | (Function << 2) | Method) >>> 0;
}

/** An open handle's file object: the device it was opened on and the requests still outstanding on it. */
export interface FILE_OBJECT {
  /** The top of the device's stack, where its IRPs go. */
  readonly DeviceObject: DEVICE_OBJECT;
  /** The name it was opened by. */
  readonly name: string;
  /** False after CloseHandle. */
  open: boolean;
  /** IRPs sent on it and not yet completed, oldest first (CancelIo cancels them). A SmallSet: a Set going empty, one, empty on every request rebuilds its table each time. */
  readonly outstanding: SmallSet<IRP>;
}

/** How a request ended, as the application sees it. */
export interface IoResult {
  /** IoStatus.Status. */
  readonly status: NTSTATUS;
  /** IoStatus.Information: bytes transferred (or the driver's value). */
  readonly information: number;
}

/** A request in flight: `done` once the driver completed it. */
export interface IoRequest {
  /** The IRP sent. */
  readonly irp: IRP;
  /** The handle's file object. */
  readonly file: FILE_OBJECT;
  /** What the dispatch routine returned (STATUS_PENDING while the driver holds it). */
  readonly dispatchStatus: NTSTATUS;
  /** Set when the driver completes it. */
  result: IoResult | null;
  /** Called once, when the request completes. */
  onDone: ((r: IoResult) => void) | null;
}

function atPassive(k: Kernel, what: string): void {
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError(`${what}: an application calls in at PASSIVE_LEVEL`);
}

/** Nonpaged pages for a system buffer; returns its VA and how to free it. */
function systemBuffer(k: Kernel, bytes: number): { va: number; free: () => void } {
  const pages = Math.max(1, BYTES_TO_PAGES(bytes));
  const pfns = k.pfm.allocatePages(pages, { effort: "full", kind: "unmovable" });
  if (pfns === null) throw new RangeError(`I/O manager: no memory for a ${bytes}-byte system buffer`);
  const m = k.va.map(pfns, "cached", "system buffer");
  return {
    va: m.startVa,
    free: () => {
      k.va.unmap(m.startVa);
      k.pfm.freePages(pfns);
    },
  };
}

/** Open the device: IRP_MJ_CREATE to the top of its stack. A failed create returns its status and no file. */
export function ioCreate(k: Kernel, device: DEVICE_OBJECT, name: string): { status: NTSTATUS; file: FILE_OBJECT | null } {
  atPassive(k, "CreateFile");
  const file: FILE_OBJECT = { DeviceObject: device, name, open: true, outstanding: new SmallSet<IRP>() };
  const irp = IoAllocateIrp(IRP_MJ_CREATE, 0, {}, k);
  irp.IoStatus.Status = STATUS.SUCCESS;
  const st = IoCallDriver(device, irp);
  const status = st === STATUS.PENDING ? STATUS.PENDING : irp.IoStatus.Status;
  return NT_SUCCESS(status) ? { status, file } : { status, file: null };
}

/** Close the handle: IRP_MJ_CLEANUP then IRP_MJ_CLOSE (the driver may complete or cancel what is outstanding on cleanup). */
export function ioClose(k: Kernel, file: FILE_OBJECT): void {
  atPassive(k, "CloseHandle");
  if (!file.open) throw new RangeError(`CloseHandle: the handle to ${file.name} is already closed`);
  for (const major of [IRP_MJ_CLEANUP, IRP_MJ_CLOSE]) {
    const irp = IoAllocateIrp(major, 0, {}, k);
    irp.IoStatus.Status = STATUS.SUCCESS;
    IoCallDriver(file.DeviceObject, irp);
  }
  file.open = false;
}

/** Cancel every request outstanding on the handle (CancelIo): IoCancelIrp on each. */
export function ioCancel(k: Kernel, file: FILE_OBJECT): number {
  let n = 0;
  for (const irp of [...file.outstanding]) if (IoCancelIrp(k, irp)) n++;
  return n;
}

interface Buffers {
  readonly params: IRP_PARAMETERS;
  readonly setup: (irp: IRP) => void;
  readonly finish: (irp: IRP) => void;
}

/** A request the I/O manager sent: what the application holds, and what to undo when the IRP completes. */
class SentRequest implements IoRequest {
  dispatchStatus: NTSTATUS = STATUS.PENDING;
  result: IoResult | null = null;
  onDone: ((r: IoResult) => void) | null = null;
  readonly irp: IRP;
  readonly file: FILE_OBJECT;
  readonly kernel: Kernel;
  /** The buffers' completion work (buffered I/O's copy back and free), or null. */
  readonly finish: ((irp: IRP) => void) | null;
  /** Direct I/O: the I/O manager made MdlAddress and frees it on completion. */
  readonly ownsMdl: boolean;

  constructor(k: Kernel, irp: IRP, file: FILE_OBJECT, finish: ((irp: IRP) => void) | null, ownsMdl: boolean) {
    this.kernel = k;
    this.irp = irp;
    this.file = file;
    this.finish = finish;
    this.ownsMdl = ownsMdl;
  }
}

/** IRP completion for every request sent here (one function, the request in irp.context: no closure per request). */
function requestCompleted(done: IRP): void {
  const req = done.context as SentRequest;
  req.file.outstanding.delete(done);
  if (req.ownsMdl && done.MdlAddress !== null) IoFreeMdl(req.kernel, done.MdlAddress);
  req.finish?.(done);
  const r: IoResult = { status: done.IoStatus.Status, information: done.IoStatus.Information };
  req.result = r;
  const cb = req.onDone;
  req.onDone = null;
  cb?.(r);
}

/** Send the IRP (its buffers set up) to the top of the file's stack. */
function dispatch(k: Kernel, file: FILE_OBJECT, irp: IRP, finish: ((irp: IRP) => void) | null, ownsMdl: boolean): IoRequest {
  const req = new SentRequest(k, irp, file, finish, ownsMdl);
  // A new IRP: never a member yet.
  file.outstanding.addNew(irp);
  irp.context = req;
  irp.onComplete = requestCompleted;
  req.dispatchStatus = IoCallDriver(file.DeviceObject, irp);
  return req;
}

function send(k: Kernel, file: FILE_OBJECT, major: number, b: Buffers): IoRequest {
  if (!file.open) throw new RangeError(`the handle to ${file.name} is closed`);
  const irp = IoAllocateIrp(major, 0, b.params, k);
  irp.IoStatus.Status = STATUS.SUCCESS;
  b.setup(irp);
  return dispatch(k, file, irp, b.finish, false);
}

/** A read or write on a direct-I/O or neither-I/O device: the common case, with no buffer closures. */
function sendTransfer(k: Kernel, file: FILE_OBJECT, major: number, params: IRP_PARAMETERS, userVa: number, length: number): IoRequest {
  if (!file.open) throw new RangeError(`the handle to ${file.name} is closed`);
  const irp = IoAllocateIrp(major, 0, params, k);
  irp.IoStatus.Status = STATUS.SUCCESS;
  const direct = (file.DeviceObject.Flags & DO_DIRECT_IO) !== 0;
  if (!direct) irp.UserBuffer = userVa;
  else if (length > 0) lockUserBuffer(k, irp, userVa, length);
  return dispatch(k, file, irp, null, direct);
}

/** MdlAddress for the caller's buffer, locked (MmProbeAndLockPages: one address space, so locking is building the PFN array). */
function lockUserBuffer(k: Kernel, irp: IRP, userVa: number, length: number): void {
  const mdl = IoAllocateMdl(k, userVa, length, false, false, irp);
  if (mdl === null) throw new RangeError(`I/O manager: cannot describe a ${length}-byte buffer with an MDL`);
  MmBuildMdlForNonPagedPool(k, mdl);
}

/** The buffers of a read or write of `length` bytes at the caller's VA `userVa` on a buffered-I/O device: a system buffer, copied in for a write and back for a read. */
function bufferedTransfer(k: Kernel, read: boolean, userVa: number, length: number, offset: bigint): Buffers {
  let sys: { va: number; free: () => void } | null = null;
  return {
    params: read ? { Read: { Length: length, ByteOffset: offset } } : { Write: { Length: length, ByteOffset: offset } },
    setup: (irp) => {
      if (length === 0) return;
      sys = systemBuffer(k, length);
      irp.AssociatedIrp.SystemBuffer = sys.va;
      if (!read) k.cpu.RtlCopyMemory(sys.va, userVa, length);
    },
    finish: (irp) => {
      if (sys === null) return;
      if (read && NT_SUCCESS(irp.IoStatus.Status)) k.cpu.RtlCopyMemory(userVa, sys.va, Math.min(length, irp.IoStatus.Information));
      sys.free();
    },
  };
}

/** No extra buffer work (shared, so that a plain read or write allocates no options object). */
const NO_EXTRA: Partial<Buffers> = {};

/** MdlAddress for the caller's buffer: locked for the request, freed on completion. */
function directBuffers(k: Kernel, params: IRP_PARAMETERS, userVa: number, length: number, also: Partial<Buffers> = NO_EXTRA): Buffers {
  return {
    params,
    setup: (irp) => {
      also.setup?.(irp);
      if (length > 0) lockUserBuffer(k, irp, userVa, length);
    },
    finish: (irp) => {
      if (irp.MdlAddress !== null) IoFreeMdl(k, irp.MdlAddress);
      also.finish?.(irp);
    },
  };
}

/** ReadFile: IRP_MJ_READ of `length` bytes into the caller's buffer at `userVa`. */
export function ioRead(k: Kernel, file: FILE_OBJECT, userVa: number, length: number, offset = 0n): IoRequest {
  atPassive(k, "ReadFile");
  if ((file.DeviceObject.Flags & DO_BUFFERED_IO) === 0) return sendTransfer(k, file, IRP_MJ_READ, { Read: { Length: length, ByteOffset: offset } }, userVa, length);
  return send(k, file, IRP_MJ_READ, bufferedTransfer(k, true, userVa, length, offset));
}

/** WriteFile: IRP_MJ_WRITE of `length` bytes from the caller's buffer at `userVa`. */
export function ioWrite(k: Kernel, file: FILE_OBJECT, userVa: number, length: number, offset = 0n): IoRequest {
  atPassive(k, "WriteFile");
  if ((file.DeviceObject.Flags & DO_BUFFERED_IO) === 0) return sendTransfer(k, file, IRP_MJ_WRITE, { Write: { Length: length, ByteOffset: offset } }, userVa, length);
  return send(k, file, IRP_MJ_WRITE, bufferedTransfer(k, false, userVa, length, offset));
}

/** DeviceIoControl: IRP_MJ_DEVICE_CONTROL with the buffers the control code's method calls for. */
export function ioControl(k: Kernel, file: FILE_OBJECT, IoControlCode: number, inVa: number, inLength: number, outVa: number, outLength: number): IoRequest {
  atPassive(k, "DeviceIoControl");
  const method = IoControlCode & 3;
  const params: IRP_PARAMETERS = { DeviceIoControl: { IoControlCode, InputBufferLength: inLength, OutputBufferLength: outLength, Type3InputBuffer: method === METHOD_NEITHER ? inVa : 0 } };
  if (method === METHOD_NEITHER) return send(k, file, IRP_MJ_DEVICE_CONTROL, { params, setup: (irp) => void (irp.UserBuffer = outVa), finish: () => undefined });
  // METHOD_BUFFERED: one system buffer of max(in, out); the direct methods keep the input buffered and lock the output.
  let sys: { va: number; free: () => void } | null = null;
  const sysBytes = method === METHOD_BUFFERED ? Math.max(inLength, outLength) : inLength;
  const buffered: Partial<Buffers> = {
    setup: (irp) => {
      if (sysBytes === 0) return;
      sys = systemBuffer(k, sysBytes);
      irp.AssociatedIrp.SystemBuffer = sys.va;
      if (inLength > 0) k.cpu.RtlCopyMemory(sys.va, inVa, inLength);
    },
    finish: (irp) => {
      if (sys === null) return;
      if (method === METHOD_BUFFERED && outLength > 0 && NT_SUCCESS(irp.IoStatus.Status)) k.cpu.RtlCopyMemory(outVa, sys.va, Math.min(outLength, irp.IoStatus.Information));
      sys.free();
    },
  };
  if (method === METHOD_BUFFERED) return send(k, file, IRP_MJ_DEVICE_CONTROL, { params, setup: (irp) => buffered.setup?.(irp), finish: (irp) => buffered.finish?.(irp) });
  return send(k, file, IRP_MJ_DEVICE_CONTROL, directBuffers(k, params, outVa, outLength, buffered));
}
