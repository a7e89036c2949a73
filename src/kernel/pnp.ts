/**
 * A minimal Plug and Play path: driver objects with a DispatchPnP routine,
 * IRPs with MajorFunction / MinorFunction and an IoStatus block, and the PnP
 * manager's side — start, stop and remove a device by sending
 * IRP_MJ_PNP / IRP_MN_START_DEVICE, _STOP_DEVICE, _REMOVE_DEVICE to the top of
 * its stack (KDOC kernel/irp-mn-start-device, irp-mn-stop-device,
 * irp-mn-remove-device). Later issues extend it (power, surprise removal).
 *
 * The seed (003) asks for the start-device failure path: a driver whose
 * AllocateCommonBuffer returns NULL frees what it claimed and fails the IRP
 * with STATUS_INSUFFICIENT_RESOURCES; the PnP manager then leaves the device
 * not started.
 */
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { createFdo, type DEVICE_OBJECT } from "./device-object.ts";
import { type Kernel, machineSlot } from "./kernel.ts";
import { deviceResources } from "./resources.ts";
import { IoAllocateIrp, IRP_MJ_MAXIMUM_FUNCTION, IRP_MJ_PNP, type IRP, type IRP_PARAMETERS } from "./irp.ts";

export { IO_NO_INCREMENT, IoAllocateIrp, IoCompleteRequest, IoGetCurrentIrpStackLocation, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_MAXIMUM_FUNCTION, IRP_MJ_PNP, IRP_MJ_POWER, type IO_STATUS_BLOCK, type IRP, type IRP_PARAMETERS } from "./irp.ts";

/** IRP_MJ_PNP minor: start the device with its assigned resources (Parameters.StartDevice). */
export const IRP_MN_START_DEVICE = 0x00;
export const IRP_MN_QUERY_REMOVE_DEVICE = 0x01;
/** IRP_MJ_PNP minor: the device is going; release everything. */
export const IRP_MN_REMOVE_DEVICE = 0x02;
export const IRP_MN_CANCEL_REMOVE_DEVICE = 0x03;
/** IRP_MJ_PNP minor: stop (release the hardware) for a resource rebalance. */
export const IRP_MN_STOP_DEVICE = 0x04;
export const IRP_MN_QUERY_STOP_DEVICE = 0x05;
export const IRP_MN_CANCEL_STOP_DEVICE = 0x06;
export const IRP_MN_SURPRISE_REMOVAL = 0x17;

/** A dispatch routine: DRIVER_DISPATCH(DeviceObject, Irp) -> NTSTATUS. */
export type DRIVER_DISPATCH = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => NTSTATUS;
/** AddDevice(DriverObject, PhysicalDeviceObject) -> NTSTATUS. */
export type DRIVER_ADD_DEVICE = (DriverObject: DRIVER_OBJECT, PhysicalDeviceObject: DEVICE_OBJECT) => NTSTATUS;

/** A driver object: the dispatch table and the routines the I/O and PnP managers call. */
export interface DRIVER_OBJECT {
  /** "\\Driver\\Name", for messages. */
  readonly DriverName: string;
  /** Dispatch table, indexed by IRP_MJ_*; DriverEntry fills it. */
  readonly MajorFunction: (DRIVER_DISPATCH | null)[];
  /** DriverExtension->AddDevice. */
  AddDevice: DRIVER_ADD_DEVICE | null;
  /** DriverUnload, or null. */
  DriverUnload: ((DriverObject: DRIVER_OBJECT) => void) | null;
  /** DriverStartIo: the routine IoStartPacket / IoStartNextPacket call at DISPATCH_LEVEL (kernel/start-io.ts). */
  DriverStartIo: ((DeviceObject: DEVICE_OBJECT, Irp: IRP) => void) | null;
}

/** Where a device is in its PnP life. */
export type PnpState = "added" | "started" | "stop-pending" | "stopped" | "remove-pending" | "surprise-removed" | "removed";

interface DeviceNode {
  readonly pdo: DEVICE_OBJECT;
  readonly driver: DRIVER_OBJECT;
  fdo: DEVICE_OBJECT | null;
  state: PnpState;
}

/** The PnP manager's device nodes of a machine, by PDO. */
const NODES = machineSlot<Map<DEVICE_OBJECT, DeviceNode>>("pnp device nodes", () => new Map());
/** Who listens for device removals on a machine. */
const REMOVAL_LISTENERS = machineSlot<((pdo: DEVICE_OBJECT) => void)[]>("pnp removal listeners", () => []);
const driverOf = new WeakMap<DEVICE_OBJECT, DRIVER_OBJECT>();
/** The machine of each FDO, for the I/O rules IoCallDriver checks. */
const kernelOf = new WeakMap<DEVICE_OBJECT, Kernel>();

function nodes(k: Kernel): Map<DEVICE_OBJECT, DeviceNode> {
  return k.slot(NODES);
}

/**
 * A driver object with an empty dispatch table; the driver's DriverEntry
 * (called here) fills it and sets AddDevice. A DriverEntry that fails is a
 * RangeError naming the driver and the status.
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
export function createDriverObject(DriverName: string, driverEntry?: (DriverObject: DRIVER_OBJECT) => NTSTATUS): DRIVER_OBJECT {
  const d: DRIVER_OBJECT = { DriverName, MajorFunction: new Array<DRIVER_DISPATCH | null>(IRP_MJ_MAXIMUM_FUNCTION + 1).fill(null), AddDevice: null, DriverUnload: null, DriverStartIo: null };
  if (driverEntry !== undefined) {
    const s = driverEntry(d);
    if (!NT_SUCCESS(s)) throw new RangeError(`createDriverObject: DriverEntry of ${DriverName} failed with 0x${(s >>> 0).toString(16)}`);
  }
  return d;
}

/**
 * IoCreateDevice + IoAttachDeviceToDeviceStack for a driver's AddDevice: a
 * functional device object "\\Device\\`name`" over `pdo` whose IRPs go to
 * `driver` (see {@link createDriverObject} for a whole WDM driver).
 *
 * @example
 * ```ts
 * import { bootMachine, createDriverObject, IoCreateFdo, pnpAddDevice, STATUS } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * let fdoName = "";
 * const driver = createDriverObject("\\Driver\\Demo", (d) => {
 *   d.AddDevice = (drv, pdo) => ((fdoName = IoCreateFdo(k, drv, pdo, "Demo0").name), STATUS.SUCCESS);
 *   return STATUS.SUCCESS;
 * });
 * pnpAddDevice(k, driver, k.pdo("plx9656"));
 * console.log(fdoName); // \Device\Demo0
 * ```
 */
export function IoCreateFdo(k: Kernel, driver: DRIVER_OBJECT, pdo: DEVICE_OBJECT, name: string): DEVICE_OBJECT {
  const fdo = createFdo(pdo, name, k.profile.cacheLineSize);
  driverOf.set(fdo, driver);
  kernelOf.set(fdo, k);
  const node = nodes(k).get(pdo);
  if (node !== undefined) node.fdo = fdo;
  return fdo;
}

/** The driver that handles IRPs for a device object (undefined for a bare PDO). */
export function driverObjectOf(DeviceObject: DEVICE_OBJECT): DRIVER_OBJECT | undefined {
  return driverOf.get(DeviceObject);
}

/** IoCallDriver: hand the IRP to the device object's driver. A device without a driver completes it with its current status. */
export function IoCallDriver(DeviceObject: DEVICE_OBJECT, Irp: IRP): NTSTATUS {
  const driver = driverOf.get(DeviceObject);
  const dispatch = driver?.MajorFunction[Irp.MajorFunction] ?? null;
  if (dispatch === null) {
    Irp.completed = true;
    return Irp.IoStatus.Status;
  }
  Irp.device = DeviceObject;
  for (let i = dispatching.length - 1; i >= 0; i--) {
    const f = dispatching[i] as DispatchFrame;
    if (f.irp === Irp) {
      f.forwarded = true;
      break;
    }
  }
  const frame: DispatchFrame = { irp: Irp, forwarded: false };
  dispatching.push(frame);
  let status: NTSTATUS;
  try {
    status = dispatch(DeviceObject, Irp);
  } finally {
    dispatching.pop();
  }
  if (!frame.forwarded) checkPendingMark(DeviceObject, Irp, status);
  return status;
}

/** The dispatch routines running, innermost last, and whether each passed its IRP down (it may then return the lower driver's STATUS_PENDING unmarked). */
interface DispatchFrame {
  readonly irp: IRP;
  forwarded: boolean;
}
const dispatching: DispatchFrame[] = [];

/**
 * The WDM rules MarkIrpPending2 and MarkIrpPending (Static Driver Verifier;
 * warning C28143): a dispatch routine returns STATUS_PENDING exactly when it
 * called IoMarkIrpPending, unless it passed the IRP to the driver below.
 */
function checkPendingMark(DeviceObject: DEVICE_OBJECT, Irp: IRP, status: NTSTATUS): void {
  const k = kernelOf.get(DeviceObject);
  if (k === undefined) return;
  const pending = status === STATUS.PENDING;
  if (pending === Irp.PendingReturned) return;
  const params = { major: Irp.MajorFunction, minor: Irp.MinorFunction, status: status >>> 0 };
  const what = `the dispatch routine of ${DeviceObject.name} for IRP 0x${Irp.address.toString(16).toUpperCase()} (major 0x${Irp.MajorFunction.toString(16)})`;
  if (pending) k.report({ code: "IRP_PENDING_NOT_MARKED", routine: "IoCallDriver", device: DeviceObject.config.name, message: `${what} returned STATUS_PENDING without calling IoMarkIrpPending`, params });
  else k.report({ code: "IRP_MARKED_PENDING_NOT_RETURNED", routine: "IoCallDriver", device: DeviceObject.config.name, message: `${what} called IoMarkIrpPending and returned 0x${(status >>> 0).toString(16).toUpperCase()}, not STATUS_PENDING`, params });
}

/**
 * The PnP manager finds the device and calls the driver's AddDevice
 * (PASSIVE_LEVEL). Returns AddDevice's status.
 */
export function pnpAddDevice(k: Kernel, driver: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NTSTATUS {
  if (!pdo.isPdo) throw new TypeError(`pnpAddDevice: ${pdo.name} is not a PDO`);
  if (driver.AddDevice === null) throw new TypeError(`pnpAddDevice: ${driver.DriverName} has no AddDevice routine`);
  if (nodes(k).has(pdo)) throw new RangeError(`pnpAddDevice: ${pdo.name} already has a driver`);
  const node: DeviceNode = { pdo, driver, fdo: null, state: "added" };
  nodes(k).set(pdo, node);
  const s = k.atIrql(PASSIVE_LEVEL, () => (driver.AddDevice as DRIVER_ADD_DEVICE)(driver, pdo));
  if (!NT_SUCCESS(s)) nodes(k).delete(pdo);
  return s;
}

/** The device's PnP state, or undefined when no driver was added for it. */
export function pnpState(k: Kernel, pdo: DEVICE_OBJECT): PnpState | undefined {
  return nodes(k).get(pdo)?.state;
}

function send(k: Kernel, pdo: DEVICE_OBJECT, minor: number, what: string, parameters: IRP_PARAMETERS = {}): IRP {
  const node = nodes(k).get(pdo);
  if (node === undefined) throw new RangeError(`${what}: no driver was added for ${pdo.name}`);
  const top = node.fdo ?? pdo;
  const irp = IoAllocateIrp(IRP_MJ_PNP, minor, parameters, k);
  const status = k.atIrql(PASSIVE_LEVEL, () => IoCallDriver(top, irp));
  // A driver that returns a status must also have put it in the IRP and completed it.
  if (status !== STATUS.PENDING && !irp.completed) throw new RangeError(`${what}: ${node.driver.DriverName} returned without completing the IRP`);
  return irp;
}

/**
 * Send IRP_MN_START_DEVICE with the device's raw and translated resources
 * (Parameters.StartDevice); on success the device is started. Returns the
 * IRP (its IoStatus holds the result).
 */
export function startDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodes(k).get(pdo);
  if (node !== undefined && node.state !== "added" && node.state !== "stopped") throw new RangeError(`startDevice: ${pdo.name} is ${node.state}; only a device that was added (or stopped, for a restart) can start`);
  const r = deviceResources(k, pdo);
  const irp = send(k, pdo, IRP_MN_START_DEVICE, "startDevice", { StartDevice: { AllocatedResources: r.raw, AllocatedResourcesTranslated: r.translated } });
  if (node !== undefined && NT_SUCCESS(irp.IoStatus.Status)) node.state = "started";
  return irp;
}

/**
 * IRP_MN_QUERY_STOP_DEVICE (a started device): may the device stop for a
 * resource rebalance? On success the device is stop-pending; a driver that
 * fails it gets IRP_MN_CANCEL_STOP_DEVICE and stays started (KDOC
 * kernel/irp-mn-query-stop-device). Returns the query IRP.
 */
export function queryStopDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodeIn(k, pdo, ["started"], "queryStopDevice");
  const irp = send(k, pdo, IRP_MN_QUERY_STOP_DEVICE, "queryStopDevice");
  if (NT_SUCCESS(irp.IoStatus.Status)) node.state = "stop-pending";
  else send(k, pdo, IRP_MN_CANCEL_STOP_DEVICE, "queryStopDevice");
  return irp;
}

/** IRP_MN_CANCEL_STOP_DEVICE (a stop-pending device): the stop is off; the device is started again. */
export function cancelStopDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodeIn(k, pdo, ["stop-pending"], "cancelStopDevice");
  const irp = send(k, pdo, IRP_MN_CANCEL_STOP_DEVICE, "cancelStopDevice");
  node.state = "started";
  return irp;
}

/**
 * Stop a started device as the PnP manager does for a rebalance:
 * IRP_MN_QUERY_STOP_DEVICE, then (when it succeeded) IRP_MN_STOP_DEVICE; the
 * driver must release its hardware, and a later startDevice restarts it.
 * Returns the stop IRP, or the failed query IRP when the driver refused.
 */
export function stopDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodeIn(k, pdo, ["started", "stop-pending"], "stopDevice");
  if (node.state === "started") {
    const q = queryStopDevice(k, pdo);
    if (!NT_SUCCESS(q.IoStatus.Status)) return q;
  }
  const irp = send(k, pdo, IRP_MN_STOP_DEVICE, "stopDevice");
  node.state = "stopped";
  return irp;
}

/** A resource rebalance: stop (query-stop, stop), then start again with the device's resources. Returns the start IRP, or the IRP that failed. */
export function rebalanceDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const stop = stopDevice(k, pdo);
  if (stop.MinorFunction !== IRP_MN_STOP_DEVICE) return stop;
  return startDevice(k, pdo);
}

/**
 * The device was pulled out (IRP_MN_SURPRISE_REMOVAL): the hardware is gone
 * from the board first (its registers read all ones, it raises no interrupt
 * and its DMA is refused), then the driver is told. IRP_MN_REMOVE_DEVICE
 * follows with removeDevice once the driver's handles are closed.
 */
export function surpriseRemoveDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodeIn(k, pdo, ["started", "stop-pending", "stopped", "remove-pending"], "surpriseRemoveDevice");
  k.board.unplug(pdo.config.name);
  const irp = send(k, pdo, IRP_MN_SURPRISE_REMOVAL, "surpriseRemoveDevice");
  node.state = "surprise-removed";
  return irp;
}

/** Be told after each device removal (the verifier's leak check); returns a function that stops it. */
export function onDeviceRemoved(k: Kernel, fn: (pdo: DEVICE_OBJECT) => void): () => void {
  const list = k.slot(REMOVAL_LISTENERS);
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * Remove the device's stack. An orderly removal of a started or stopped
 * device first asks (IRP_MN_QUERY_REMOVE_DEVICE): a driver that fails it gets
 * IRP_MN_CANCEL_REMOVE_DEVICE and the device stays; then
 * IRP_MN_REMOVE_DEVICE. After a surprise removal or a failed start, the
 * remove comes without a query. The FDO is deleted afterwards. Returns the
 * remove IRP, or the failed query IRP.
 */
export function removeDevice(k: Kernel, pdo: DEVICE_OBJECT): IRP {
  const node = nodes(k).get(pdo);
  if (node === undefined || node.state === "removed") throw new RangeError(`removeDevice: ${pdo.name} has no device stack to remove`);
  if (node.state === "started" || node.state === "stopped" || node.state === "stop-pending") {
    const q = send(k, pdo, IRP_MN_QUERY_REMOVE_DEVICE, "removeDevice");
    if (!NT_SUCCESS(q.IoStatus.Status)) {
      send(k, pdo, IRP_MN_CANCEL_REMOVE_DEVICE, "removeDevice");
      return q;
    }
    node.state = "remove-pending";
  }
  const irp = send(k, pdo, IRP_MN_REMOVE_DEVICE, "removeDevice");
  node.state = "removed";
  if (node.fdo !== null) node.fdo.deleted = true;
  pdo.AttachedDevice = null;
  nodes(k).delete(pdo);
  for (const fn of k.slot(REMOVAL_LISTENERS).slice()) fn(pdo);
  return irp;
}

function nodeIn(k: Kernel, pdo: DEVICE_OBJECT, states: readonly PnpState[], what: string): DeviceNode {
  const node = nodes(k).get(pdo);
  if (node === undefined) throw new RangeError(`${what}: no driver was added for ${pdo.name}`);
  if (!states.includes(node.state)) throw new RangeError(`${what}: ${pdo.name} is ${node.state}, not ${states.join(" or ")}`);
  return node;
}
