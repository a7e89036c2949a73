/**
 * I/O request packets as a driver sees them (wdm.h): the IRP with its I/O
 * status, buffers (AssociatedIrp.SystemBuffer for buffered I/O, MdlAddress
 * for direct I/O, UserBuffer for neither) and the current stack location's
 * parameters; IoCompleteRequest, IoMarkIrpPending, the cancel routine and
 * the cancel spin lock.
 *
 * dmasim keeps one stack location per IRP: a driver that passes an IRP down
 * calls the lower driver's dispatch itself. Completing an IRP twice is
 * MULTIPLE_IRP_COMPLETE_REQUESTS (0x44), as Windows bug checks.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName, type KIRQL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { type Kernel, machineSlot } from "./kernel.ts";
import type { MDL } from "./mdl.ts";
import type { CM_RESOURCE_LIST } from "./resources.ts";

/** IRP_MJ_CREATE: CreateFile opened the device. */
export const IRP_MJ_CREATE = 0x00;
/** IRP_MJ_CLOSE: the file object is going (after IRP_MJ_CLEANUP). */
export const IRP_MJ_CLOSE = 0x02;
/** IRP_MJ_READ: ReadFile (Parameters.Read). */
export const IRP_MJ_READ = 0x03;
/** IRP_MJ_WRITE: WriteFile (Parameters.Write). */
export const IRP_MJ_WRITE = 0x04;
/** IRP_MJ_DEVICE_CONTROL: DeviceIoControl (Parameters.DeviceIoControl). */
export const IRP_MJ_DEVICE_CONTROL = 0x0e;
/** IRP_MJ_CLEANUP: the last handle to a file object was closed (cancel its pending IRPs). */
export const IRP_MJ_CLEANUP = 0x12;
export const IRP_MJ_POWER = 0x16;
/** IRP_MJ_PNP: Plug and Play (MinorFunction IRP_MN_*). */
export const IRP_MJ_PNP = 0x1b;
export const IRP_MJ_MAXIMUM_FUNCTION = 0x1b;

export const IO_NO_INCREMENT = 0;

/** An IRP's result: the status and, for reads and writes, the bytes transferred. */
export interface IO_STATUS_BLOCK {
  /** The final NTSTATUS. */
  Status: NTSTATUS;
  /** Bytes transferred (reads, writes, IOCTL output), or another request-specific count. */
  Information: number;
}

/** The parameters of the IRP's current stack location (IO_STACK_LOCATION.Parameters), as far as dmasim sends them. */
export interface IRP_PARAMETERS {
  /** IRP_MN_START_DEVICE: the resources the PnP manager assigned. */
  readonly StartDevice?: { readonly AllocatedResources: CM_RESOURCE_LIST; readonly AllocatedResourcesTranslated: CM_RESOURCE_LIST };
  /** IRP_MJ_READ. */
  readonly Read?: { readonly Length: number; readonly ByteOffset: bigint };
  /** IRP_MJ_WRITE. */
  readonly Write?: { readonly Length: number; readonly ByteOffset: bigint };
  /** IRP_MJ_DEVICE_CONTROL. Type3InputBuffer is the caller's input VA (METHOD_NEITHER only). */
  readonly DeviceIoControl?: { readonly OutputBufferLength: number; readonly InputBufferLength: number; readonly IoControlCode: number; readonly Type3InputBuffer: number };
}

/** PDRIVER_CANCEL(DeviceObject, Irp): called at DISPATCH_LEVEL holding the cancel spin lock. */
export type DRIVER_CANCEL = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => void;

/** An I/O request packet with its single stack location (see the file comment). */
export interface IRP {
  /** IRP_MJ_*. */
  readonly MajorFunction: number;
  /** IRP_MN_* for PnP and power IRPs, else 0. */
  readonly MinorFunction: number;
  /** The current stack location's parameters. */
  readonly Parameters: IRP_PARAMETERS;
  /** Set by the driver before IoCompleteRequest. */
  IoStatus: IO_STATUS_BLOCK;
  /** Buffered I/O: the system buffer (a nonpaged kernel VA), 0 when none. */
  readonly AssociatedIrp: { SystemBuffer: number };
  /** Direct I/O: the MDL describing the caller's buffer, locked. */
  MdlAddress: MDL | null;
  /** Neither I/O (and METHOD_NEITHER output): the caller's buffer VA, 0 when none. */
  UserBuffer: number;
  /** Set by IoCancelIrp. */
  Cancel: boolean;
  /** The routine IoCancelIrp calls (IoSetCancelRoutine), or null. */
  CancelRoutine: DRIVER_CANCEL | null;
  /** The IRQL IoAcquireCancelSpinLock saved (for the cancel routine's IoReleaseCancelSpinLock). */
  CancelIrql: KIRQL;
  /** Set by IoMarkIrpPending (SL_PENDING_RETURNED). */
  PendingReturned: boolean;
  /** Four pointers of driver storage while the driver owns the IRP (Tail.Overlay.DriverContext). */
  readonly DriverContext: unknown[];
  /** Set by IoCompleteRequest. */
  completed: boolean;
  /** The device object the IRP was sent to (for the cancel routine). */
  device: DEVICE_OBJECT | null;
  /** Who to tell when the IRP completes (the I/O manager's completion); not driver-visible. */
  onComplete: ((irp: IRP) => void) | null;
  /** The sender's own record for onComplete (the I/O manager's request); not driver-visible. */
  context: unknown;
  /** A kernel-looking address for bug-check parameters (per machine, in allocation order). */
  readonly address: bigint;
}

/** Per-machine IRP numbering, so bug-check parameters are the same in every run. */
const IRP_NUMBERS = machineSlot<{ next: number }>("irp numbers", () => ({ next: 1 }));

/**
 * A fresh IRP (the I/O and PnP managers build them with this); PnP IRPs start
 * with STATUS_NOT_SUPPORTED in IoStatus, as the PnP manager sends them. With
 * the machine given, the IRP gets an address for bug-check parameters.
 */
export function IoAllocateIrp(MajorFunction: number, MinorFunction: number, Parameters: IRP_PARAMETERS = {}, k?: Kernel): IRP {
  return new Irp(MajorFunction, MinorFunction, Parameters, k === undefined ? 0 : k.slot(IRP_NUMBERS).next++);
}

/** The IRP IoAllocateIrp makes: one shape for every IRP, and its bug-check address made only when a bug check asks for it (a BigInt per request otherwise). */
class Irp implements IRP {
  IoStatus: IO_STATUS_BLOCK = { Status: STATUS.NOT_SUPPORTED, Information: 0 };
  readonly AssociatedIrp = { SystemBuffer: 0 };
  MdlAddress: MDL | null = null;
  UserBuffer = 0;
  Cancel = false;
  CancelRoutine: DRIVER_CANCEL | null = null;
  CancelIrql: KIRQL = 0;
  PendingReturned = false;
  readonly DriverContext: unknown[] = [null, null, null, null];
  completed = false;
  device: DEVICE_OBJECT | null = null;
  onComplete: ((irp: IRP) => void) | null = null;
  context: unknown = null;

  readonly MajorFunction: number;
  readonly MinorFunction: number;
  readonly Parameters: IRP_PARAMETERS;
  /** The machine's IRP number, 0 without a machine. */
  private readonly serial: number;

  constructor(MajorFunction: number, MinorFunction: number, Parameters: IRP_PARAMETERS, serial: number) {
    this.MajorFunction = MajorFunction;
    this.MinorFunction = MinorFunction;
    this.Parameters = Parameters;
    this.serial = serial;
  }

  get address(): bigint {
    return this.serial === 0 ? 0n : 0xffff_c000_1000_0000n + BigInt(this.serial) * 0x100n;
  }
}

/** IoGetCurrentIrpStackLocation: the driver's view of the IRP (major and minor function, parameters). */
export function IoGetCurrentIrpStackLocation(Irp: IRP): { readonly MajorFunction: number; readonly MinorFunction: number; readonly Parameters: IRP_PARAMETERS; readonly DeviceObject: DEVICE_OBJECT | null } {
  return { MajorFunction: Irp.MajorFunction, MinorFunction: Irp.MinorFunction, Parameters: Irp.Parameters, DeviceObject: Irp.device };
}

/**
 * IoCompleteRequest(Irp, PriorityBoost) (<= DISPATCH_LEVEL): the driver is
 * done with the IRP. A second completion is MULTIPLE_IRP_COMPLETE_REQUESTS
 * (0x44, P1 = the IRP); a cancel routine still set is the driver's bug too
 * (Windows asserts it on checked builds): the I/O manager clears it.
 *
 * @example
 * ```ts
 * import { bootMachine, createDriverObject, IoCreateFdo, IoCompleteRequest, IoGetCurrentIrpStackLocation, pnpAddDevice, startDevice, statusSymbol,
 *   IRP_MJ_PNP, IRP_MN_START_DEVICE, STATUS, type DRIVER_OBJECT, type DEVICE_OBJECT, type IRP } from "dmasim";
 *
 * const k = bootMachine("x64-desktop");
 * const driver = createDriverObject("\\Driver\\Demo", (d: DRIVER_OBJECT) => {
 *   d.AddDevice = (drv, pdo) => (IoCreateFdo(k, drv, pdo, "Demo0"), STATUS.SUCCESS);
 *   d.MajorFunction[IRP_MJ_PNP] = (_fdo: DEVICE_OBJECT, irp: IRP) => {
 *     const started = IoGetCurrentIrpStackLocation(irp).MinorFunction === IRP_MN_START_DEVICE;
 *     irp.IoStatus.Status = started ? STATUS.SUCCESS : irp.IoStatus.Status; // other minor codes: not handled, pass the status on
 *     IoCompleteRequest(irp);
 *     return irp.IoStatus.Status;
 *   };
 *   return STATUS.SUCCESS;
 * });
 * pnpAddDevice(k, driver, k.pdo("plx9656"));
 * console.log(statusSymbol(startDevice(k, k.pdo("plx9656")).IoStatus.Status)); // STATUS_SUCCESS
 * ```
 */
export function IoCompleteRequest(Irp: IRP, PriorityBoost = IO_NO_INCREMENT): void {
  void PriorityBoost;
  if (Irp.completed) throw new BugCheckError(BUGCHECK.MULTIPLE_IRP_COMPLETE_REQUESTS, Irp.address, 0, 0, 0, `IoCompleteRequest: the IRP (major 0x${Irp.MajorFunction.toString(16)}) was already completed`);
  Irp.completed = true;
  Irp.CancelRoutine = null;
  const done = Irp.onComplete;
  Irp.onComplete = null;
  if (done !== null) done(Irp);
}

/** IoMarkIrpPending: the dispatch routine will return STATUS_PENDING and complete the IRP later. */
export function IoMarkIrpPending(Irp: IRP): void {
  Irp.PendingReturned = true;
}

/** IoSetCancelRoutine(Irp, CancelRoutine): set (or clear, with null) the cancel routine; returns the previous one. */
export function IoSetCancelRoutine(Irp: IRP, CancelRoutine: DRIVER_CANCEL | null): DRIVER_CANCEL | null {
  const old = Irp.CancelRoutine;
  Irp.CancelRoutine = CancelRoutine;
  return old;
}

/** The system-wide cancel spin lock: held by one party at a time, at DISPATCH_LEVEL. */
const CANCEL_LOCK = machineSlot<{ held: boolean }>("cancel spin lock", () => ({ held: false }));
function cancelLock(k: Kernel): { held: boolean } {
  return k.slot(CANCEL_LOCK);
}

/** IoAcquireCancelSpinLock(&Irql): raise to DISPATCH_LEVEL and take the cancel spin lock; returns the old IRQL. */
export function IoAcquireCancelSpinLock(k: Kernel): KIRQL {
  const l = cancelLock(k);
  // A second acquire on the one processor spins forever: Windows hangs; dmasim names it.
  if (l.held) throw new RangeError("IoAcquireCancelSpinLock: the cancel spin lock is already held (a deadlock on Windows)");
  const old = k.KeRaiseIrql(DISPATCH_LEVEL);
  l.held = true;
  return old;
}

/** IoReleaseCancelSpinLock(Irql): release it and return to Irql. */
export function IoReleaseCancelSpinLock(k: Kernel, Irql: KIRQL): void {
  const l = cancelLock(k);
  if (!l.held) throw new RangeError("IoReleaseCancelSpinLock: the cancel spin lock is not held");
  l.held = false;
  k.KeLowerIrql(Irql);
}

/**
 * IoCancelIrp(Irp) (<= DISPATCH_LEVEL): mark it cancelled; when it has a
 * cancel routine, clear it and call it at DISPATCH_LEVEL holding the cancel
 * spin lock (the routine releases the lock). TRUE when a routine was called.
 */
export function IoCancelIrp(k: Kernel, Irp: IRP): boolean {
  const cur = k.KeGetCurrentIrql();
  if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `IoCancelIrp called at ${irqlName(cur)}`);
  if (Irp.completed) return false;
  const old = IoAcquireCancelSpinLock(k);
  Irp.Cancel = true;
  const routine = IoSetCancelRoutine(Irp, null);
  if (routine === null || Irp.device === null) {
    IoReleaseCancelSpinLock(k, old);
    return false;
  }
  Irp.CancelIrql = old;
  routine(Irp.device, Irp);
  // A cancel routine must release the lock; one that did not leaves the processor at DISPATCH_LEVEL.
  if (cancelLock(k).held) {
    IoReleaseCancelSpinLock(k, old);
    throw new RangeError("IoCancelIrp: the cancel routine returned holding the cancel spin lock (it must call IoReleaseCancelSpinLock(Irp->CancelIrql))");
  }
  return true;
}
