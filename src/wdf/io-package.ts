/**
 * A device's I/O package (FxPkgIo, fxpkgio.cpp): the dispatch table from
 * request type to queue, the default queue, and the step from an IRP to a
 * WDFREQUEST in a queue.
 *
 * - An IRP whose type has no queue fails with STATUS_INVALID_DEVICE_REQUEST
 *   (a function driver; DispatchStep1).
 * - Otherwise the framework makes a WDFREQUEST, marks the IRP pending and
 *   queues it; the dispatch routine returns STATUS_PENDING whatever the
 *   driver does with the request (DispatchStep2).
 * - The default queue takes every type no WdfDeviceConfigureRequestDispatching
 *   claimed (FxPkgIo::InitializeDefaultQueue); a second default queue is
 *   STATUS_UNSUCCESSFUL.
 * - WdfDeviceConfigureRequestDispatching(Device, Queue, RequestType):
 *   STATUS_INVALID_DEVICE_REQUEST when the queue has no callback for the type
 *   (a manual queue takes any) or is the default queue, STATUS_WDF_BUSY when
 *   another queue already has the type (FxPkgIo::ConfigureForwarding).
 * - Power transitions reach every queue (StopProcessingForPower /
 *   ResumeProcessingForPower): a hold stops the power-managed queues, a
 *   managed purge purges them, a non-managed purge purges the rest.
 */
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { IoCompleteRequest, IoMarkIrpPending, type IRP, IRP_MJ_MAXIMUM_FUNCTION } from "../kernel/irp.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import type { WdfDevice } from "./device.ts";
import { fxIrpPackages } from "./fx-irp-dispatch.ts";
import { type IoPowerStop, pnpPowerAdoptIo, type PowerManagedIo } from "./pnp-power.ts";
import { WdfRequest, type WDF_REQUEST_TYPE } from "./request.ts";

/** @internal What the package needs of a queue (queue.ts's WdfIoQueue). */
export interface PackageQueue {
  readonly powerManaged: boolean;
  /** The queue's callbacks can take this request type (IsIoEventHandlerRegistered). */
  takes(type: WDF_REQUEST_TYPE): boolean;
  /** FxIoQueue::QueueRequest: the request is the queue's now. */
  enqueue(request: WdfRequest): void;
  /** The power side of the queue. */
  powerStop(purge: boolean): void;
  powerResume(): void;
  /** The queue is being deleted: it leaves the package. */
  readonly deleted: boolean;
}

/** @internal FxPkgIo: one device's dispatch table, default queue and queues. */
export class FxPkgIo implements PowerManagedIo {
  readonly device: WdfDevice;
  defaultQueue: PackageQueue | null = null;
  /** Dispatch table by IRP major function (WDF_REQUEST_TYPE); set it with route(). */
  readonly table = new Map<number, PackageQueue>();
  /** The same table as an array by major function: dispatch reads it without a Map lookup per IRP. */
  private readonly byMajor: (PackageQueue | undefined)[] = new Array<PackageQueue | undefined>(IRP_MJ_MAXIMUM_FUNCTION + 1).fill(undefined);
  readonly queues: PackageQueue[] = [];

  constructor(device: WdfDevice) {
    this.device = device;
  }

  /** The IRP arrives (FxPkgIo::Dispatch). */
  dispatch(irp: IRP): NTSTATUS {
    const q = this.byMajor[irp.MajorFunction] ?? null;
    if (q === null || q.deleted) {
      irp.IoStatus.Status = STATUS.INVALID_DEVICE_REQUEST;
      irp.IoStatus.Information = 0;
      IoCompleteRequest(irp);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    irp.IoStatus.Status = STATUS.SUCCESS;
    irp.IoStatus.Information = 0;
    const r = new WdfRequest(this.device, irp);
    IoMarkIrpPending(irp);
    q.enqueue(r);
    return STATUS.PENDING;
  }

  /** Request type `type` goes to queue `q`. */
  route(type: WDF_REQUEST_TYPE, q: PackageQueue): void {
    this.table.set(type, q);
    if (type >= 0 && type < this.byMajor.length) this.byMajor[type] = q;
  }

  stopForPower(how: IoPowerStop): void {
    for (const q of [...this.queues]) {
      if (q.deleted) continue;
      if (how === "hold" && q.powerManaged) q.powerStop(false);
      else if (how === "purge-managed" && q.powerManaged) q.powerStop(true);
      else if (how === "purge-non-managed" && !q.powerManaged) q.powerStop(true);
    }
  }

  resumeForPower(): void {
    for (const q of [...this.queues]) if (!q.deleted && q.powerManaged) q.powerResume();
  }
}

const PACKAGES = machineSlot<WeakMap<WdfDevice, FxPkgIo>>("wdf io packages", () => new WeakMap());

/** The device's I/O package, created (and installed in its dispatch table and power path) on first use. */
export function ioPackageOf(device: WdfDevice): FxPkgIo {
  const k: Kernel = device.kernel;
  const m = k.slot(PACKAGES);
  let p = m.get(device);
  if (p === undefined) {
    const pkg = new FxPkgIo(device);
    p = pkg;
    m.set(device, pkg);
    fxIrpPackages(device.fdo).io = pkg;
    pnpPowerAdoptIo(device, pkg);
  }
  return p;
}

/** FxPkgIo::InitializeDefaultQueue: the queue takes every type not yet claimed. */
export function setDefaultQueue(pkg: FxPkgIo, q: PackageQueue): NTSTATUS {
  if (pkg.defaultQueue !== null && !pkg.defaultQueue.deleted) return STATUS.UNSUCCESSFUL;
  for (const mj of [0x03, 0x04, 0x0e, 0x0f]) if (!pkg.table.has(mj) || pkg.table.get(mj)?.deleted === true) pkg.route(mj, q);
  pkg.defaultQueue = q;
  return STATUS.SUCCESS;
}

/** FxPkgIo::ConfigureForwarding. */
export function configureForwarding(pkg: FxPkgIo, q: PackageQueue, type: WDF_REQUEST_TYPE): NTSTATUS {
  if (!q.takes(type)) return STATUS.INVALID_DEVICE_REQUEST;
  if (q === pkg.defaultQueue) return STATUS.INVALID_DEVICE_REQUEST;
  const had = pkg.table.get(type);
  if (had !== undefined && had !== pkg.defaultQueue && !had.deleted) return STATUS.WDF_BUSY;
  pkg.route(type, q);
  return STATUS.SUCCESS;
}
