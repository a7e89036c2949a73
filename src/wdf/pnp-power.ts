/**
 * The shared part of the KMDF PnP and power path (the FxPkgPnp state
 * machines live in pnp-machine.ts): WDF_PNPPOWER_EVENT_CALLBACKS,
 * WdfDeviceInitSetPnpPowerEventCallbacks, WDFCMRESLIST, the per-device
 * record the machine works on, and how the pieces that take part in a power
 * transition join it: interrupts (connected at D0 entry, disconnected at D0
 * exit), the I/O package (power-managed queues held and resumed), DMA
 * enablers (their Fill/Enable/SelfManagedIoStart callbacks and back), and
 * whoever watches transitions (the KMDF verifier checks in
 * stopped-device-checks.ts).
 *
 * `wdfStartDevice` is a shortcut for the PnP manager's start: it sends
 * IRP_MN_START_DEVICE through the kernel (kernel/pnp.ts startDevice), so the
 * framework sees exactly the IRP a `startDevice(k, pdo)` sends.
 *
 * Interrupts created in EvtDriverDeviceAdd or EvtDevicePrepareHardware are
 * connected at D0 entry (KMDF never connects at creation); one created
 * anywhere else is connected at once, as dmasim did before it had a start
 * path.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import { startDevice } from "../kernel/pnp.ts";
import type { CM_PARTIAL_RESOURCE_DESCRIPTOR, CM_RESOURCE_LIST } from "../kernel/resources.ts";
import { validHandle, WDF_VIOLATION_BAD_HANDLE, WdfObject } from "./object.ts";

/**
 * The WDFDEVICE the framework passes to the callbacks: device.ts's WdfDevice.
 * Declared by shape here because device.ts imports this file, and files do
 * not import each other in a circle.
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

/** A void callback type with the same bivariance. */
type VoidCallback<A extends unknown[]> = { bivarianceHack(...args: A): void }["bivarianceHack"];

/** WDF_POWER_DEVICE_STATE (wdfdevice.h): the power state a D0 callback comes from or goes to. 0 is no state. */
export const WdfPowerDeviceInvalid = 0;
/** D0: working. */
export const WdfPowerDeviceD0 = 1;
/** D1: a light sleep state, context kept. */
export const WdfPowerDeviceD1 = 2;
/** D2: a deeper sleep state. */
export const WdfPowerDeviceD2 = 3;
/** D3: off (the device will come back). */
export const WdfPowerDeviceD3 = 4;
/** D3Final: off for good — the device is being stopped or removed (EvtDeviceD0Exit's target then; also the PreviousState of the first D0 entry). */
export const WdfPowerDeviceD3Final = 5;
/** PrepareForHibernation: off, the device on the hibernation path staying usable until the image is written. */
export const WdfPowerDevicePrepareForHibernation = 6;
export const WdfPowerDeviceMaximum = 7;
/** A WDF_POWER_DEVICE_STATE value (WdfPowerDeviceD0 ...). */
export type WDF_POWER_DEVICE_STATE = number;

/** EvtDevicePrepareHardware: the device's resources are assigned; map the registers (MmMapIoSpaceEx), find the interrupt. PASSIVE_LEVEL, before the first D0 entry. */
export type EVT_WDF_DEVICE_PREPARE_HARDWARE = Callback<[Device: PnpDevice, ResourcesRaw: WdfCmResList, ResourcesTranslated: WdfCmResList]>;
/** EvtDeviceReleaseHardware: undo EvtDevicePrepareHardware (unmap the registers). PASSIVE_LEVEL, after the last D0 exit of a stop or removal. */
export type EVT_WDF_DEVICE_RELEASE_HARDWARE = Callback<[Device: PnpDevice, ResourcesTranslated: WdfCmResList]>;
/** EvtDeviceD0Entry: the device entered D0; initialise it. PASSIVE_LEVEL, before the interrupts are connected. */
export type EVT_WDF_DEVICE_D0_ENTRY = Callback<[Device: PnpDevice, PreviousState: WDF_POWER_DEVICE_STATE]>;
/** EvtDeviceD0EntryPostInterruptsEnabled: as EvtDeviceD0Entry, after the interrupts are connected and enabled. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED = Callback<[Device: PnpDevice, PreviousState: WDF_POWER_DEVICE_STATE]>;
/** EvtDeviceD0Exit: the device leaves D0 for TargetState; quiesce it (its DMA must be stopped). PASSIVE_LEVEL, after the interrupts are disabled. */
export type EVT_WDF_DEVICE_D0_EXIT = Callback<[Device: PnpDevice, TargetState: WDF_POWER_DEVICE_STATE]>;
/** EvtDeviceD0ExitPreInterruptsDisabled: as EvtDeviceD0Exit, while the interrupts are still enabled. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED = Callback<[Device: PnpDevice, TargetState: WDF_POWER_DEVICE_STATE]>;
/** EvtDeviceSelfManagedIoInit: start I/O the framework does not manage (timers, a ring the device runs itself), once, on the first start. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT = Callback<[Device: PnpDevice]>;
/** EvtDeviceSelfManagedIoRestart: resume that I/O after a suspend (a restart or a return to D0). PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART = Callback<[Device: PnpDevice]>;
/** EvtDeviceSelfManagedIoSuspend: pause that I/O before the device leaves D0, stops, or is removed. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND = Callback<[Device: PnpDevice]>;
/** EvtDeviceSelfManagedIoFlush: fail what that I/O still holds; on removal, after the suspend. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH = VoidCallback<[Device: PnpDevice]>;
/** EvtDeviceSelfManagedIoCleanup: free what EvtDeviceSelfManagedIoInit made; the last callback of a removal. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP = VoidCallback<[Device: PnpDevice]>;
/** EvtDeviceQueryStop: may the device be stopped (resource rebalance)? A failure status vetoes it. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_QUERY_STOP = Callback<[Device: PnpDevice]>;
/** EvtDeviceQueryRemove: may the device be removed? A failure status vetoes it. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_QUERY_REMOVE = Callback<[Device: PnpDevice]>;
/** EvtDeviceSurpriseRemoval: the device is gone without warning; its registers read all ones from now on. PASSIVE_LEVEL. */
export type EVT_WDF_DEVICE_SURPRISE_REMOVAL = VoidCallback<[Device: PnpDevice]>;

/** sizeof(WDF_PNPPOWER_EVENT_CALLBACKS) on x64 for KMDF >= 1.11 (Size + 17 callbacks), and the 1.9 layout (16). */
export const WDF_PNPPOWER_EVENT_CALLBACKS_SIZE = 0x90;
export const WDF_PNPPOWER_EVENT_CALLBACKS_V1_9_SIZE = 0x88;

/**
 * WDF_PNPPOWER_EVENT_CALLBACKS, the members dmasim calls (the usage
 * notifications and EvtDeviceRelationsQuery have no counterpart here).
 */
export interface WDF_PNPPOWER_EVENT_CALLBACKS {
  Size: number;
  EvtDeviceD0Entry: EVT_WDF_DEVICE_D0_ENTRY | null;
  EvtDeviceD0EntryPostInterruptsEnabled: EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED | null;
  EvtDeviceD0Exit: EVT_WDF_DEVICE_D0_EXIT | null;
  EvtDeviceD0ExitPreInterruptsDisabled: EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED | null;
  EvtDevicePrepareHardware: EVT_WDF_DEVICE_PREPARE_HARDWARE | null;
  EvtDeviceReleaseHardware: EVT_WDF_DEVICE_RELEASE_HARDWARE | null;
  EvtDeviceSelfManagedIoCleanup: EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP | null;
  EvtDeviceSelfManagedIoFlush: EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH | null;
  EvtDeviceSelfManagedIoInit: EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT | null;
  EvtDeviceSelfManagedIoSuspend: EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND | null;
  EvtDeviceSelfManagedIoRestart: EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART | null;
  EvtDeviceSurpriseRemoval: EVT_WDF_DEVICE_SURPRISE_REMOVAL | null;
  EvtDeviceQueryRemove: EVT_WDF_DEVICE_QUERY_REMOVE | null;
  EvtDeviceQueryStop: EVT_WDF_DEVICE_QUERY_STOP | null;
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
    EvtDeviceSelfManagedIoCleanup: null,
    EvtDeviceSelfManagedIoFlush: null,
    EvtDeviceSelfManagedIoInit: null,
    EvtDeviceSelfManagedIoSuspend: null,
    EvtDeviceSelfManagedIoRestart: null,
    EvtDeviceSurpriseRemoval: null,
    EvtDeviceQueryRemove: null,
    EvtDeviceQueryStop: null,
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
  l.globals.checkIrql("WdfCmResourceListGetCount", DISPATCH_LEVEL);
  return l.descriptors.length;
}

/** WdfCmResourceListGetDescriptor(List, Index) (<= DISPATCH_LEVEL): the descriptor, or NULL for an index past the end. */
export function WdfCmResourceListGetDescriptor(List: WdfCmResList, Index: number): CM_PARTIAL_RESOURCE_DESCRIPTOR | null {
  const l = validHandle(List, WdfCmResList, "WdfCmResourceListGetDescriptor");
  l.globals.checkIrql("WdfCmResourceListGetDescriptor", DISPATCH_LEVEL);
  if (!Number.isInteger(Index) || Index < 0) throw new RangeError(`WdfCmResourceListGetDescriptor: Index must be a ULONG, got ${String(Index)}`);
  return l.descriptors[Index] ?? null;
}

/** @internal What the power path needs of a WDFINTERRUPT (interrupt.ts implements it). */
export interface PowerManagedInterrupt {
  /** The WDFINTERRUPT's handle (for findings). */
  readonly handle: number;
  /** The interrupt line of its resource (dmasim's vectors are the lines). */
  readonly line: number;
  /** Connected to its ISR now. */
  readonly connected: boolean;
  /** IoConnectInterrupt, then EvtInterruptEnable at DIRQL (nothing when already connected); on a failing enable it disconnects again. */
  connectForD0(): NTSTATUS;
  /** EvtInterruptDisable at DIRQL, then IoDisconnectInterrupt; nothing when not connected. */
  disconnectForDx(): void;
}

/** How the I/O package's queues stop for a power or PnP transition (FxIoStopProcessingForPower*). */
export type IoPowerStop = "hold" | "purge-managed" | "purge-non-managed";

/** What the power path needs of the device's I/O package (io-package.ts implements it). */
export interface PowerManagedIo {
  /** Hold or purge the queues; returns once the driver-owned requests are accounted for (or nothing left on the machine could). */
  stopForPower(how: IoPowerStop): void;
  /** Let the power-managed queues dispatch again (EvtIoResume for requests stopped in place). */
  resumeForPower(): void;
}

/** @internal What the power path needs of a DMA enabler (dma-enabler.ts implements it). */
export interface PowerManagedDma {
  /** EvtDmaEnablerFill, EvtDmaEnablerEnable, EvtDmaEnablerSelfManagedIoStart; the first failing status, or success. */
  powerUp(): NTSTATUS;
  /** EvtDmaEnablerSelfManagedIoStop, EvtDmaEnablerDisable, EvtDmaEnablerFlush (of what powerUp started); false when one failed. */
  powerDown(): boolean;
}

/** Where a device is in its PnP life, as the framework sees it. */
export type WdfPnpState = "added" | "starting" | "started" | "start-failed" | "stopped" | "failed" | "surprise-removed" | "removed";

/** The self-managed I/O machine (FxSelfManagedIoMachine): which of its callbacks comes next. */
export type SelfManagedIoState = "created" | "started" | "stopped" | "init-failed" | "failed" | "flushed" | "final";

/** A power transition of a device, for those who watch (the KMDF verifier checks). */
export type PowerTransition = "d0-entry" | "d0-exit" | "hardware-released" | "removed";

/** The framework's record of one device on the PnP/power path. */
export interface DevicePnp {
  callbacks: WDF_PNPPOWER_EVENT_CALLBACKS;
  state: WdfPnpState;
  /** D0 from a successful EvtDeviceD0Entry until EvtDeviceD0Exit returns. */
  inD0: boolean;
  /** Between a successful EvtDevicePrepareHardware and EvtDeviceReleaseHardware. */
  ownsHardware: boolean;
  /** Inside EvtDevicePrepareHardware (interrupts created now connect at D0 entry). */
  preparing: boolean;
  /** EvtDeviceSelfManagedIoInit ran (or failed) once: later starts call Restart. */
  smio: SelfManagedIoState;
  readonly interrupts: PowerManagedInterrupt[];
  readonly dma: PowerManagedDma[];
  io: PowerManagedIo | null;
  raw: WdfCmResList | null;
  translated: WdfCmResList | null;
}

interface PnpSlot {
  readonly devices: WeakMap<PnpDevice, DevicePnp>;
  readonly inits: WeakMap<PnpDeviceInit, WDF_PNPPOWER_EVENT_CALLBACKS>;
  /** PDOs whose EvtDriverDeviceAdd is running. */
  readonly adding: Set<DEVICE_OBJECT>;
  readonly watchers: ((device: PnpDevice, t: PowerTransition) => void)[];
}

const PNP = machineSlot<PnpSlot>("wdf-pnp-power", () => ({ devices: new WeakMap(), inits: new WeakMap(), adding: new Set(), watchers: [] }));

function slotOf(k: Kernel): PnpSlot {
  return k.slot(PNP);
}

/** The framework's record of `device` (created on first use). */
export function pnpOf(device: PnpDevice): DevicePnp {
  const s = slotOf(device.kernel);
  let p = s.devices.get(device);
  if (p === undefined) {
    p = { callbacks: WDF_PNPPOWER_EVENT_CALLBACKS_INIT(), state: "added", inD0: false, ownsHardware: false, preparing: false, smio: "created", interrupts: [], dma: [], io: null, raw: null, translated: null };
    s.devices.set(device, p);
  }
  return p;
}

/** Tell the watchers of `device`'s machine about a transition. */
export function pnpPowerNotify(device: PnpDevice, t: PowerTransition): void {
  for (const w of slotOf(device.kernel).watchers.slice()) w(device, t);
}

/** Be told of every WDF device's power transitions on a machine; returns the function that stops it. */
export function onWdfPowerTransition(k: Kernel, fn: (device: PnpDevice, t: PowerTransition) => void): () => void {
  const list = slotOf(k).watchers;
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
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
  // A structure built by hand may leave members out: they read as NULL.
  slotOf(DeviceInit.driver.kernel).inits.set(DeviceInit, { ...WDF_PNPPOWER_EVENT_CALLBACKS_INIT(), ...PnpPowerEventCallbacks });
}

/** The PnP manager's AddDevice is running `add` for `pdo` (FxDriver::AddDevice). */
export function pnpPowerDuringAdd<T>(k: Kernel, pdo: DEVICE_OBJECT, add: () => T): T {
  const s = slotOf(k);
  s.adding.add(pdo);
  try {
    return add();
  } finally {
    s.adding.delete(pdo);
  }
}

/** WdfDeviceCreate made `device` from `init`: it takes the callbacks its DeviceInit was given. */
export function pnpPowerDeviceAdded(device: PnpDevice, init: PnpDeviceInit): void {
  const cb = slotOf(device.kernel).inits.get(init);
  if (cb !== undefined) pnpOf(device).callbacks = cb;
}

/**
 * A WDFINTERRUPT was created on `device` (called by WdfInterruptCreate). It
 * joins the device's interrupts; true when the framework will connect it at
 * D0 entry (created in EvtDriverDeviceAdd, or in EvtDevicePrepareHardware
 * before D0), false when the caller connects it now.
 */
export function pnpPowerAdoptInterrupt(device: PnpDevice, interrupt: PowerManagedInterrupt): boolean {
  const p = pnpOf(device);
  p.interrupts.push(interrupt);
  return (p.state === "added" && slotOf(device.kernel).adding.has(device.pdo)) || p.preparing;
}

/** A WDFINTERRUPT of `device` is going away (called by its dispose). */
export function pnpPowerForgetInterrupt(device: PnpDevice, interrupt: PowerManagedInterrupt): void {
  const p = slotOf(device.kernel).devices.get(device);
  if (p === undefined) return;
  const i = p.interrupts.indexOf(interrupt);
  if (i >= 0) p.interrupts.splice(i, 1);
}

/** The device's I/O package takes part in power transitions (set by the first WdfIoQueueCreate). */
export function pnpPowerAdoptIo(device: PnpDevice, io: PowerManagedIo): void {
  pnpOf(device).io = io;
}

/** A DMA enabler of `device` takes part in power transitions (WdfDmaEnablerCreate); returns the function that takes it out again (its dispose). */
export function pnpPowerAdoptDma(device: PnpDevice, dma: PowerManagedDma): () => void {
  const p = pnpOf(device);
  p.dma.push(dma);
  return () => {
    const i = p.dma.indexOf(dma);
    if (i >= 0) p.dma.splice(i, 1);
  };
}

/** Where `device` is on its PnP path. */
export function wdfPnpState(Device: PnpDevice): WdfPnpState {
  return pnpOf(checkDevice(Device, "wdfPnpState")).state;
}

/** True while the device is in D0 (after EvtDeviceD0Entry, before EvtDeviceD0Exit). */
export function wdfDeviceInD0(Device: PnpDevice): boolean {
  return pnpOf(checkDevice(Device, "wdfDeviceInD0")).inD0;
}

/** The device's resource lists while it owns its hardware (what PrepareHardware received), else null. */
export function wdfDeviceResourceLists(Device: PnpDevice): { raw: WdfCmResList; translated: WdfCmResList } | null {
  const p = pnpOf(checkDevice(Device, "wdfDeviceResourceLists"));
  return p.raw !== null && p.translated !== null ? { raw: p.raw, translated: p.translated } : null;
}

/** The handle, when it is a live WDFDEVICE; WDF_VIOLATION 0x5 otherwise. */
export function checkDevice(Device: PnpDevice, routine: string): PnpDevice {
  const o = validHandle(Device, WdfObject, routine);
  if (o.typeName !== "WDFDEVICE") throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_BAD_HANDLE, o.handle, 0, 0, `${routine}: ${String(o)} is not a WDFDEVICE`);
  return Device;
}

/**
 * The PnP manager starts the device (a shortcut for kernel/pnp.ts
 * `startDevice`): IRP_MN_START_DEVICE with its raw and translated resources
 * goes down the device's stack at PASSIVE_LEVEL and the framework runs its
 * start sequence (pnp-machine.ts). Returns the IRP's status: success with the
 * device in D0, or the failing callback's status with the device not started
 * (its hardware already released). Restarts a stopped device too. A device
 * that is started, removed or failed is a RangeError.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, WdfDeviceInitSetPnpPowerEventCallbacks, WDF_PNPPOWER_EVENT_CALLBACKS_INIT,
 *   WdfCmResourceListGetCount, wdfAddDevice, wdfStartDevice, wdfPnpState, statusSymbol, STATUS, type HandleOut, type WdfDriver } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => {
 *   WdfDeviceInitSetPnpPowerEventCallbacks(init, WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
 *     EvtDevicePrepareHardware: (_dev, _raw, translated) => {
 *       console.log(WdfCmResourceListGetCount(translated) > 0); // true — the device's BARs and interrupt
 *       return STATUS.SUCCESS;
 *     },
 *     EvtDeviceD0Entry: () => STATUS.SUCCESS,
 *   }));
 *   return WdfDeviceCreate(init, null, { value: null });
 * }), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * console.log(statusSymbol(wdfStartDevice(device!)), wdfPnpState(device!)); // STATUS_SUCCESS started
 * ```
 */
export function wdfStartDevice(Device: PnpDevice): NTSTATUS {
  const dev = checkDevice(Device, "wdfStartDevice");
  const k = dev.kernel;
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("wdfStartDevice: the PnP manager starts and removes devices at PASSIVE_LEVEL");
  const p = pnpOf(dev);
  if (p.state !== "added" && p.state !== "stopped") throw new RangeError(`wdfStartDevice: ${String(dev)} is ${p.state}; only a device that was added (or stopped, for a restart) can be started`);
  return startDevice(k, dev.pdo).IoStatus.Status;
}

/** A status the framework takes from an optional callback: an absent callback succeeds. */
export function ok(status: NTSTATUS | undefined): NTSTATUS {
  return status ?? STATUS.SUCCESS;
}
