/**
 * The KMDF start and remove path of a PnP device (the FxPkgPnp PnP and
 * power state machines, reduced to the first start and the final removal):
 * WDF_PNPPOWER_EVENT_CALLBACKS, WdfDeviceInitSetPnpPowerEventCallbacks,
 * WDFCMRESLIST, and the order the framework calls a function driver back
 * (Windows-Driver-Frameworks pnpstatemachine.cpp / powerstatemachine.cpp;
 * WDK "PnP and Power Management Callback Sequences"):
 *
 * Start (IRP_MN_START_DEVICE, `wdfStartDevice`):
 *   1. EvtDevicePrepareHardware(raw, translated)   PnpEventHardwareAvailable
 *   2. EvtDeviceD0Entry(WdfPowerDeviceD3Final)     PowerD0Starting
 *   3. each interrupt connected, EvtInterruptEnable at its DIRQL
 *                                                  PowerD0StartingConnectInterrupt
 *   4. EvtDeviceD0EntryPostInterruptsEnabled(WdfPowerDeviceD3Final)
 * Failure: PrepareHardware failing goes to PnpFailedOwnHardware, which still
 * calls EvtDeviceReleaseHardware; D0Entry failing (PowerInitialPowerUpFailed)
 * does the same without D0Exit; an interrupt or PostInterruptsEnabled
 * failing disconnects the interrupts and powers down (D0Exit(D3Final)) first.
 * The device is then not started and the start returns the status.
 *
 * Remove (IRP_MN_REMOVE_DEVICE, `wdfRemoveDevice` in device.ts), started:
 *   EvtDeviceD0ExitPreInterruptsDisabled(D3Final) -> interrupts disabled
 *   (EvtInterruptDisable) and disconnected -> EvtDeviceD0Exit(D3Final) ->
 *   EvtDeviceReleaseHardware(translated) -> the object tree's cleanup.
 *
 * Interrupts created in EvtDriverDeviceAdd or EvtDevicePrepareHardware are
 * connected by step 3 (KMDF connects at D0 entry, never at creation). One
 * created anywhere else is connected at once, as dmasim did before it had a
 * start path. Stop/restart, surprise removal, idle power-down, self-managed
 * I/O, DMA enabler power callbacks and power-managed queues are a later
 * issue's: this file is where they grow.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import { type CM_PARTIAL_RESOURCE_DESCRIPTOR, type CM_RESOURCE_LIST, deviceResources } from "../kernel/resources.ts";
import { validHandle, WDF_VIOLATION_BAD_HANDLE, WdfObject } from "./object.ts";

/**
 * The WDFDEVICE the framework passes to the callbacks: device.ts's WdfDevice.
 * Declared by shape here because device.ts imports this file (its
 * wdfAddDevice and wdfRemoveDevice drive the path), and files do not import
 * each other in a circle.
 */
export interface PnpDevice extends WdfObject {
  readonly kernel: Kernel;
  readonly pdo: DEVICE_OBJECT;
  readonly fdo: DEVICE_OBJECT;
}

/** The PWDFDEVICE_INIT EvtDriverDeviceAdd gets (device.ts's WDFDEVICE_INIT), by shape. */
export interface PnpDeviceInit {
  readonly driver: { readonly kernel: Kernel };
  readonly pdo: DEVICE_OBJECT;
  readonly consumed: boolean;
}

/** A callback type whose Device parameter accepts a driver's function declared with the full WdfDevice (parameters compared both ways, as for methods). */
type Callback<A extends unknown[]> = { bivarianceHack(...args: A): NTSTATUS }["bivarianceHack"];

/** WDF_POWER_DEVICE_STATE (wdfdevice.h). */
export const WdfPowerDeviceInvalid = 0;
export const WdfPowerDeviceD0 = 1;
export const WdfPowerDeviceD1 = 2;
export const WdfPowerDeviceD2 = 3;
export const WdfPowerDeviceD3 = 4;
export const WdfPowerDeviceD3Final = 5;
export const WdfPowerDevicePrepareForHibernation = 6;
export const WdfPowerDeviceMaximum = 7;
export type WDF_POWER_DEVICE_STATE = number;

export type EVT_WDF_DEVICE_PREPARE_HARDWARE = Callback<[Device: PnpDevice, ResourcesRaw: WdfCmResList, ResourcesTranslated: WdfCmResList]>;
export type EVT_WDF_DEVICE_RELEASE_HARDWARE = Callback<[Device: PnpDevice, ResourcesTranslated: WdfCmResList]>;
export type EVT_WDF_DEVICE_D0_ENTRY = Callback<[Device: PnpDevice, PreviousState: WDF_POWER_DEVICE_STATE]>;
export type EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED = Callback<[Device: PnpDevice, PreviousState: WDF_POWER_DEVICE_STATE]>;
export type EVT_WDF_DEVICE_D0_EXIT = Callback<[Device: PnpDevice, TargetState: WDF_POWER_DEVICE_STATE]>;
export type EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED = Callback<[Device: PnpDevice, TargetState: WDF_POWER_DEVICE_STATE]>;

/** sizeof(WDF_PNPPOWER_EVENT_CALLBACKS) on x64 for KMDF >= 1.11 (Size + 17 callbacks), and the 1.9 layout (16). */
export const WDF_PNPPOWER_EVENT_CALLBACKS_SIZE = 0x90;
export const WDF_PNPPOWER_EVENT_CALLBACKS_V1_9_SIZE = 0x88;

/**
 * WDF_PNPPOWER_EVENT_CALLBACKS, the callbacks dmasim calls; the structure's
 * other members (self-managed I/O, surprise removal, query stop/remove, usage
 * notifications) come with the full state machine.
 */
export interface WDF_PNPPOWER_EVENT_CALLBACKS {
  Size: number;
  EvtDeviceD0Entry: EVT_WDF_DEVICE_D0_ENTRY | null;
  EvtDeviceD0EntryPostInterruptsEnabled: EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED | null;
  EvtDeviceD0Exit: EVT_WDF_DEVICE_D0_EXIT | null;
  EvtDeviceD0ExitPreInterruptsDisabled: EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED | null;
  EvtDevicePrepareHardware: EVT_WDF_DEVICE_PREPARE_HARDWARE | null;
  EvtDeviceReleaseHardware: EVT_WDF_DEVICE_RELEASE_HARDWARE | null;
}

/** WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&callbacks): zeroed, Size set. */
export function WDF_PNPPOWER_EVENT_CALLBACKS_INIT(fields: Partial<Omit<WDF_PNPPOWER_EVENT_CALLBACKS, "Size">> = {}): WDF_PNPPOWER_EVENT_CALLBACKS {
  return {
    Size: WDF_PNPPOWER_EVENT_CALLBACKS_SIZE,
    EvtDeviceD0Entry: null,
    EvtDeviceD0EntryPostInterruptsEnabled: null,
    EvtDeviceD0Exit: null,
    EvtDeviceD0ExitPreInterruptsDisabled: null,
    EvtDevicePrepareHardware: null,
    EvtDeviceReleaseHardware: null,
    ...fields,
  };
}

/** WDFCMRESLIST: a device's raw or translated resources, one flat list of partial descriptors. */
export class WdfCmResList extends WdfObject {
  readonly typeName = "WDFCMRESLIST";
  readonly descriptors: readonly CM_PARTIAL_RESOURCE_DESCRIPTOR[];

  constructor(device: PnpDevice, list: CM_RESOURCE_LIST) {
    super(device.globals, null);
    this.descriptors = list.List.flatMap((f) => f.PartialResourceList.PartialDescriptors);
  }
}

/** WdfCmResourceListGetCount(List) (<= DISPATCH_LEVEL). */
export function WdfCmResourceListGetCount(List: WdfCmResList): number {
  const l = validHandle(List, WdfCmResList, "WdfCmResourceListGetCount");
  l.globals.kernel.checkIrql("WdfCmResourceListGetCount", { max: DISPATCH_LEVEL });
  return l.descriptors.length;
}

/** WdfCmResourceListGetDescriptor(List, Index) (<= DISPATCH_LEVEL): the descriptor, or NULL for an index past the end. */
export function WdfCmResourceListGetDescriptor(List: WdfCmResList, Index: number): CM_PARTIAL_RESOURCE_DESCRIPTOR | null {
  const l = validHandle(List, WdfCmResList, "WdfCmResourceListGetDescriptor");
  l.globals.kernel.checkIrql("WdfCmResourceListGetDescriptor", { max: DISPATCH_LEVEL });
  if (!Number.isInteger(Index) || Index < 0) throw new RangeError(`WdfCmResourceListGetDescriptor: Index must be a ULONG, got ${String(Index)}`);
  return l.descriptors[Index] ?? null;
}

/** What the start path needs of a WDFINTERRUPT (interrupt.ts implements it). */
export interface PowerManagedInterrupt {
  /** IoConnectInterrupt, then EvtInterruptEnable at DIRQL (nothing when already connected); on a failing enable it disconnects again. */
  connectForD0(): NTSTATUS;
  /** EvtInterruptDisable at DIRQL, then IoDisconnectInterrupt; nothing when not connected. */
  disconnectForDx(): void;
}

/** Where a device is on the start/remove path. */
export type WdfPnpState = "added" | "starting" | "started" | "start-failed" | "removed";

interface DevicePnp {
  callbacks: WDF_PNPPOWER_EVENT_CALLBACKS;
  state: WdfPnpState;
  /** Inside EvtDevicePrepareHardware (interrupts created now connect at D0 entry). */
  preparing: boolean;
  readonly interrupts: PowerManagedInterrupt[];
  raw: WdfCmResList | null;
  translated: WdfCmResList | null;
}

interface PnpSlot {
  readonly devices: WeakMap<PnpDevice, DevicePnp>;
  readonly inits: WeakMap<PnpDeviceInit, WDF_PNPPOWER_EVENT_CALLBACKS>;
  /** PDOs whose EvtDriverDeviceAdd is running. */
  readonly adding: Set<DEVICE_OBJECT>;
}

const PNP = machineSlot<PnpSlot>("wdf-pnp-power", () => ({ devices: new WeakMap(), inits: new WeakMap(), adding: new Set() }));

function slotOf(k: Kernel): PnpSlot {
  return k.slot(PNP);
}

function pnpOf(device: PnpDevice): DevicePnp {
  const s = slotOf(device.kernel);
  let p = s.devices.get(device);
  if (p === undefined) {
    p = { callbacks: WDF_PNPPOWER_EVENT_CALLBACKS_INIT(), state: "added", preparing: false, interrupts: [], raw: null, translated: null };
    s.devices.set(device, p);
  }
  return p;
}

/**
 * WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, PnpPowerEventCallbacks):
 * before WdfDeviceCreate (which consumes DeviceInit); the structure is copied.
 */
export function WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit: PnpDeviceInit, PnpPowerEventCallbacks: WDF_PNPPOWER_EVENT_CALLBACKS): void {
  if (typeof DeviceInit !== "object" || DeviceInit === null) throw new TypeError("WdfDeviceInitSetPnpPowerEventCallbacks: DeviceInit is NULL");
  if (DeviceInit.consumed) throw new TypeError("WdfDeviceInitSetPnpPowerEventCallbacks: WdfDeviceCreate already consumed this DeviceInit (the framework freed it); set the callbacks before WdfDeviceCreate");
  if (typeof PnpPowerEventCallbacks !== "object" || PnpPowerEventCallbacks === null) throw new TypeError("WdfDeviceInitSetPnpPowerEventCallbacks: PnpPowerEventCallbacks is NULL");
  const size = PnpPowerEventCallbacks.Size;
  if (size !== WDF_PNPPOWER_EVENT_CALLBACKS_SIZE && size !== WDF_PNPPOWER_EVENT_CALLBACKS_V1_9_SIZE) {
    throw new RangeError(`WdfDeviceInitSetPnpPowerEventCallbacks: Size 0x${Number(size).toString(16)} is not sizeof(WDF_PNPPOWER_EVENT_CALLBACKS) (0x${WDF_PNPPOWER_EVENT_CALLBACKS_SIZE.toString(16)}); use WDF_PNPPOWER_EVENT_CALLBACKS_INIT`);
  }
  slotOf(DeviceInit.driver.kernel).inits.set(DeviceInit, { ...PnpPowerEventCallbacks });
}

/** The PnP manager's AddDevice is running `add` for `pdo` (called by wdfAddDevice). */
export function pnpPowerDuringAdd<T>(k: Kernel, pdo: DEVICE_OBJECT, add: () => T): T {
  const s = slotOf(k);
  s.adding.add(pdo);
  try {
    return add();
  } finally {
    s.adding.delete(pdo);
  }
}

/** EvtDriverDeviceAdd succeeded with `device`: it takes the callbacks its DeviceInit was given (called by wdfAddDevice). */
export function pnpPowerDeviceAdded(device: PnpDevice, init: PnpDeviceInit): void {
  const cb = slotOf(device.kernel).inits.get(init);
  if (cb !== undefined) pnpOf(device).callbacks = cb;
}

/**
 * A WDFINTERRUPT was created on `device` (called by WdfInterruptCreate). It
 * joins the device's interrupts; true when the framework will connect it at
 * D0 entry (created in EvtDriverDeviceAdd or EvtDevicePrepareHardware before
 * the start), false when the caller connects it now.
 */
export function pnpPowerAdoptInterrupt(device: PnpDevice, interrupt: PowerManagedInterrupt): boolean {
  const p = pnpOf(device);
  p.interrupts.push(interrupt);
  const deferred = (p.state === "added" && slotOf(device.kernel).adding.has(device.pdo)) || (p.state === "starting" && p.preparing);
  return deferred;
}

/** A WDFINTERRUPT of `device` is going away (called by its dispose). */
export function pnpPowerForgetInterrupt(device: PnpDevice, interrupt: PowerManagedInterrupt): void {
  const p = slotOf(device.kernel).devices.get(device);
  if (p === undefined) return;
  const i = p.interrupts.indexOf(interrupt);
  if (i >= 0) p.interrupts.splice(i, 1);
}

/** Where `device` is on the start/remove path. */
export function wdfPnpState(Device: PnpDevice): WdfPnpState {
  return pnpOf(checkDevice(Device, "wdfPnpState")).state;
}

/** The device's resource lists while it is started (what PrepareHardware received), else null. */
export function wdfDeviceResourceLists(Device: PnpDevice): { raw: WdfCmResList; translated: WdfCmResList } | null {
  const p = pnpOf(checkDevice(Device, "wdfDeviceResourceLists"));
  return p.raw !== null && p.translated !== null ? { raw: p.raw, translated: p.translated } : null;
}

function checkDevice(Device: PnpDevice, routine: string): PnpDevice {
  const o = validHandle(Device, WdfObject, routine);
  if (o.typeName !== "WDFDEVICE") throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_BAD_HANDLE, o.handle, 0, 0, `${routine}: ${String(o)} is not a WDFDEVICE`);
  return Device;
}

function atPassive(k: Kernel, routine: string): void {
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError(`${routine}: the PnP manager starts and removes devices at PASSIVE_LEVEL`);
}

/** Disconnect every connected interrupt of the device (NotifyResourceObjectsDx). */
function disconnectAll(p: DevicePnp): void {
  for (const i of [...p.interrupts]) i.disconnectForDx();
}

/**
 * Simulated IRP_MN_START_DEVICE for a device wdfAddDevice added: the
 * framework builds WDFCMRESLISTs from the PnP manager's raw and translated
 * resources (kernel/resources.ts) and runs the start sequence above at
 * PASSIVE_LEVEL. Returns STATUS_SUCCESS with the device in D0 and its
 * interrupts connected, or the failing callback's status with the device not
 * started (its hardware already released). A device that is not freshly
 * added is a RangeError.
 */
export function wdfStartDevice(Device: PnpDevice): NTSTATUS {
  const dev = checkDevice(Device, "wdfStartDevice");
  const k = dev.kernel;
  atPassive(k, "wdfStartDevice");
  const p = pnpOf(dev);
  if (p.state !== "added") throw new RangeError(`wdfStartDevice: ${String(dev)} is ${p.state}; only a device that was added and not yet started can be started`);
  p.state = "starting";
  const res = deviceResources(k, dev.pdo);
  const raw = new WdfCmResList(dev, res.raw);
  const translated = new WdfCmResList(dev, res.translated);
  p.raw = raw;
  p.translated = translated;
  const cb = p.callbacks;
  const fail = (status: NTSTATUS, poweredUp: boolean): NTSTATUS => {
    if (poweredUp) {
      disconnectAll(p);
      cb.EvtDeviceD0Exit?.(dev, WdfPowerDeviceD3Final);
    }
    cb.EvtDeviceReleaseHardware?.(dev, translated);
    releaseLists(p);
    p.state = "start-failed";
    return status;
  };
  // An absent callback succeeds (the framework skips it).
  p.preparing = true;
  let status: NTSTATUS;
  try {
    status = cb.EvtDevicePrepareHardware?.(dev, raw, translated) ?? STATUS.SUCCESS;
  } finally {
    p.preparing = false;
  }
  if (!NT_SUCCESS(status)) return fail(status, false);
  status = cb.EvtDeviceD0Entry?.(dev, WdfPowerDeviceD3Final) ?? STATUS.SUCCESS;
  if (!NT_SUCCESS(status)) return fail(status, false);
  for (const i of [...p.interrupts]) {
    status = i.connectForD0();
    if (!NT_SUCCESS(status)) return fail(status, true);
  }
  status = cb.EvtDeviceD0EntryPostInterruptsEnabled?.(dev, WdfPowerDeviceD3Final) ?? STATUS.SUCCESS;
  if (!NT_SUCCESS(status)) return fail(status, true);
  p.state = "started";
  return STATUS.SUCCESS;
}

function releaseLists(p: DevicePnp): void {
  p.raw?.deleteObject();
  p.translated?.deleteObject();
  p.raw = null;
  p.translated = null;
}

/**
 * The framework's side of IRP_MN_REMOVE_DEVICE before the object tree goes
 * (called by wdfRemoveDevice): a started device leaves D0 for D3Final and
 * releases its hardware in the order above. Statuses are not checked: a
 * remove cannot fail.
 */
export function pnpPowerRemoveDevice(device: PnpDevice): void {
  const p = slotOf(device.kernel).devices.get(device);
  if (p === undefined) return;
  if (p.state === "started") {
    const cb = p.callbacks;
    cb.EvtDeviceD0ExitPreInterruptsDisabled?.(device, WdfPowerDeviceD3Final);
    disconnectAll(p);
    cb.EvtDeviceD0Exit?.(device, WdfPowerDeviceD3Final);
    if (p.translated !== null) cb.EvtDeviceReleaseHardware?.(device, p.translated);
    releaseLists(p);
  }
  p.state = "removed";
}
