/**
 * The device queue a WDM driver gets with a StartIo routine (wdm.h):
 * IoStartPacket hands the IRP to DriverStartIo at DISPATCH_LEVEL when the
 * device is idle, else queues it; IoStartNextPacket, called by the driver
 * when it finishes the current IRP (usually in its DPC), starts the next.
 * DEVICE_OBJECT.CurrentIrp is the IRP StartIo is working on. A queued IRP
 * that is cancelled leaves the queue and completes with STATUS_CANCELLED.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { type DRIVER_CANCEL, IoCompleteRequest, IoReleaseCancelSpinLock, IoSetCancelRoutine, type IRP } from "./irp.ts";
import { type Kernel, machineSlot } from "./kernel.ts";
import { driverObjectOf } from "./pnp.ts";

/** DRIVER_STARTIO(DeviceObject, Irp), at DISPATCH_LEVEL. */
export type DRIVER_STARTIO = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => void;

const QUEUES = machineSlot<Map<DEVICE_OBJECT, IRP[]>>("device queues", () => new Map());

function queueOf(k: Kernel, d: DEVICE_OBJECT): IRP[] {
  const m = k.slot(QUEUES);
  let q = m.get(d);
  if (q === undefined) {
    q = [];
    m.set(d, q);
  }
  return q;
}

function startIoOf(d: DEVICE_OBJECT): DRIVER_STARTIO {
  const s = driverObjectOf(d)?.DriverStartIo ?? null;
  if (s === null) throw new TypeError(`IoStartPacket: the driver of ${d.name} has no DriverStartIo routine`);
  return s;
}

/**
 * IoStartPacket(DeviceObject, Irp, Key, CancelFunction) (<= DISPATCH_LEVEL):
 * start the IRP now (StartIo at DISPATCH_LEVEL) or queue it behind the
 * current one. CancelFunction becomes the IRP's cancel routine while queued.
 *
 * @example
 * ```ts
 * import { bootMachine, createDriverObject, IoCreateFdo, pnpAddDevice, IoCompleteRequest, IoMarkIrpPending, IoStartPacket, IoStartNextPacket,
 *   IoGetCurrentIrpStackLocation, Application, DO_BUFFERED_IO, IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_CLEANUP, IRP_MJ_WRITE, STATUS, statusSymbol, type IRP } from "dmasim";
 *
 * const k = bootMachine("x64-desktop");
 * const complete = (irp: IRP, information = 0): number => {
 *   irp.IoStatus = { Status: STATUS.SUCCESS, Information: information };
 *   IoCompleteRequest(irp);
 *   return STATUS.SUCCESS;
 * };
 * const driver = createDriverObject("\\Driver\\Sink", (d) => {
 *   d.AddDevice = (drv, pdo) => ((IoCreateFdo(k, drv, pdo, "Sink0").Flags |= DO_BUFFERED_IO), STATUS.SUCCESS);
 *   for (const mj of [IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_CLEANUP]) d.MajorFunction[mj] = (_dev, irp) => complete(irp);
 *   d.MajorFunction[IRP_MJ_WRITE] = (dev, irp) => {
 *     IoMarkIrpPending(irp);
 *     IoStartPacket(k, dev, irp); // StartIo now, or queued behind the current write
 *     return STATUS.PENDING;
 *   };
 *   d.DriverStartIo = (dev, irp) => {
 *     complete(irp, IoGetCurrentIrpStackLocation(irp).Parameters.Write?.Length ?? 0);
 *     IoStartNextPacket(k, dev);
 *   };
 *   return STATUS.SUCCESS;
 * });
 * pnpAddDevice(k, driver, k.pdo("plx9656"));
 *
 * const app = new Application(k);
 * const { handle } = app.CreateFile("plx9656");
 * if (handle === null) throw new Error("no device");
 * const r = app.WriteFile(handle, app.allocate(100));
 * console.log(statusSymbol(r.status), r.information); // STATUS_SUCCESS 100
 * app.CloseHandle(handle);
 * ```
 */
export function IoStartPacket(k: Kernel, DeviceObject: DEVICE_OBJECT, Irp: IRP, CancelFunction: DRIVER_CANCEL | null = null): void {
  const startIo = startIoOf(DeviceObject);
  if (DeviceObject.CurrentIrp === null) {
    DeviceObject.CurrentIrp = Irp;
    k.atLeastIrql(DISPATCH_LEVEL, () => startIo(DeviceObject, Irp));
    return;
  }
  const q = queueOf(k, DeviceObject);
  q.push(Irp);
  // While queued the I/O manager's own cancel routine takes it off the queue; the driver's runs after.
  IoSetCancelRoutine(Irp, (dev, irp) => {
    const i = q.indexOf(irp);
    if (i >= 0) q.splice(i, 1);
    IoReleaseCancelSpinLock(k, irp.CancelIrql);
    if (CancelFunction !== null) CancelFunction(dev, irp);
    if (!irp.completed) {
      irp.IoStatus = { Status: STATUS.CANCELLED, Information: 0 };
      IoCompleteRequest(irp);
    }
  });
}

/** IoStartNextPacket(DeviceObject, Cancelable) (DISPATCH_LEVEL): start the next queued IRP, or mark the device idle. */
export function IoStartNextPacket(k: Kernel, DeviceObject: DEVICE_OBJECT, Cancelable = true): void {
  void Cancelable;
  const q = queueOf(k, DeviceObject);
  const next = q.shift();
  if (next === undefined) {
    DeviceObject.CurrentIrp = null;
    return;
  }
  IoSetCancelRoutine(next, null);
  DeviceObject.CurrentIrp = next;
  const startIo = startIoOf(DeviceObject);
  k.atLeastIrql(DISPATCH_LEVEL, () => startIo(DeviceObject, next));
}

/** IRPs waiting in a device's queue (not counting CurrentIrp). */
export function queuedPackets(k: Kernel, DeviceObject: DEVICE_OBJECT): number {
  return queueOf(k, DeviceObject).length;
}
