/**
 * WDFDEVICE: WdfDeviceCreate over the PDO the PnP manager hands to
 * EvtDriverDeviceAdd (IoCreateDevice + IoAttachDeviceToDeviceStack: the FDO's
 * IRPs go to the framework's dispatch table), the device's I/O type
 * (WdfDeviceInitSetIoType: DO_BUFFERED_IO / DO_DIRECT_IO in the FDO's
 * Flags), its alignment requirement (a mask kept in the WDM DEVICE_OBJECT,
 * as KMDF does), and shortcuts for the PnP manager's add and remove
 * (`wdfAddDevice`, `wdfRemoveDevice`), which go through kernel/pnp.ts as
 * `pnpAddDevice` and `removeDevice` do.
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { DO_BUFFERED_IO, DO_DIRECT_IO } from "../kernel/io-manager.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoCreateFdo, pnpAddDevice, removeDevice } from "../kernel/pnp.ts";
import { type HandleOut, type WDF_DEVICE_IO_TYPE, type WDFDEVICE_INIT, WdfDeviceIoBuffered, WdfDeviceIoDirect, WdfDeviceIoNeither, WdfDriver } from "./driver.ts";
import { fxIrpPackages } from "./fx-irp-dispatch.ts";
import { fxPnpDispatch } from "./pnp-machine.ts";
import { checkDevice, pnpPowerDeviceAdded } from "./pnp-power.ts";
import { installStoppedDeviceChecks } from "./stopped-device-checks.ts";
import { FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED, FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED, FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";

export type { WDFDEVICE_INIT };

export class WdfDevice extends WdfObject {
  readonly typeName = "WDFDEVICE";
  /** A PnP device is deleted by the framework on remove, never by WdfObjectDelete. */
  protected override readonly noDeleteDdi = true;
  readonly driver: WdfDriver;
  readonly fdo: DEVICE_OBJECT;
  readonly pdo: DEVICE_OBJECT;
  /** The device's DMA enablers (FxDeviceBase's enabler list). */
  readonly dmaEnablers = new Set<WdfObject>();
  /** WdfDeviceInitSetIoType's choice (how read and write buffers reach the driver). */
  readonly ioType: WDF_DEVICE_IO_TYPE;
  /** WdfDeviceInitSetRequestAttributes: what every request of the device is created with. */
  readonly requestAttributes: WDF_OBJECT_ATTRIBUTES | null;

  constructor(driver: WdfDriver, init: WDFDEVICE_INIT, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(driver.globals, attributes);
    this.driver = driver;
    this.pdo = init.pdo;
    this.ioType = init.ioType;
    this.requestAttributes = init.requestAttributes;
    this.fdo = IoCreateFdo(driver.kernel, driver.driverObject, init.pdo, `${init.pdo.config.name}-FDO`);
    if (init.ioType === WdfDeviceIoBuffered) this.fdo.Flags |= DO_BUFFERED_IO;
    else if (init.ioType === WdfDeviceIoDirect) this.fdo.Flags |= DO_DIRECT_IO;
    fxIrpPackages(this.fdo).pnp = (irp) => fxPnpDispatch(this, irp);
    installStoppedDeviceChecks(driver.kernel);
  }

  /** The machine the device's driver runs on. */
  get kernel(): Kernel {
    return this.globals.kernel;
  }

  protected override dispose(): void {
    // IoDetachDevice + IoDeleteDevice once every child (enablers, buffers) is gone.
    this.fdo.deleted = true;
    if (this.pdo.AttachedDevice === this.fdo) this.pdo.AttachedDevice = null;
  }
}

/**
 * WdfDeviceCreate(DeviceInit, DeviceAttributes, Device): PASSIVE_LEVEL; the
 * device's parent is the driver. A ParentObject gives
 * STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED; a DeviceInit that already made a
 * device gives STATUS_INVALID_DEVICE_STATE. The framework creates the FDO
 * and attaches it to the PDO; the driver calls this from EvtDriverDeviceAdd.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, WdfDeviceWdmGetDeviceObject, wdfAddDevice, statusSymbol, type HandleOut, type WdfDriver, type WdfDevice } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => {
 *   const dev: HandleOut<WdfDevice> = { value: null };
 *   const st = WdfDeviceCreate(init, null, dev);
 *   console.log(statusSymbol(st), WdfDeviceWdmGetDeviceObject(dev.value!).name); // STATUS_SUCCESS \Device\plx9656-FDO
 *   console.log(statusSymbol(WdfDeviceCreate(init, null, { value: null })));    // STATUS_INVALID_DEVICE_STATE — one device per DeviceInit
 *   return st;
 * }), driver);
 * wdfAddDevice(driver.value!, "plx9656");
 * ```
 */
export function WdfDeviceCreate(DeviceInit: WDFDEVICE_INIT, DeviceAttributes: WDF_OBJECT_ATTRIBUTES | null, Device: HandleOut<WdfDevice>): NTSTATUS {
  const drv = validHandle(DeviceInit.driver, WdfDriver, "WdfDeviceCreate");
  Device.value = null;
  const irql = drv.globals.checkIrql("WdfDeviceCreate", PASSIVE_LEVEL);
  if (!NT_SUCCESS(irql)) return irql;
  const status = FxValidateObjectAttributes(DeviceAttributes, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED | FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED | FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED);
  if (!NT_SUCCESS(status)) return status;
  // A WDFDEVICE_INIT makes one device: a second WdfDeviceCreate with it fails.
  if (DeviceInit.consumed) return STATUS.INVALID_DEVICE_STATE;
  const dev = new WdfDevice(drv, DeviceInit, DeviceAttributes);
  dev.commit(drv);
  pnpPowerDeviceAdded(dev, DeviceInit);
  DeviceInit.consumed = true;
  DeviceInit.created = dev;
  Device.value = dev;
  return STATUS.SUCCESS;
}

/**
 * WdfDeviceInitSetIoType(DeviceInit, IoType): WdfDeviceIoBuffered (the
 * default), WdfDeviceIoDirect or WdfDeviceIoNeither, before WdfDeviceCreate;
 * the FDO gets DO_BUFFERED_IO or DO_DIRECT_IO. Another value is a RangeError.
 */
export function WdfDeviceInitSetIoType(DeviceInit: WDFDEVICE_INIT, IoType: WDF_DEVICE_IO_TYPE): void {
  if (typeof DeviceInit !== "object" || DeviceInit === null) throw new TypeError("WdfDeviceInitSetIoType: DeviceInit is NULL");
  if (DeviceInit.consumed) throw new TypeError("WdfDeviceInitSetIoType: WdfDeviceCreate already consumed this DeviceInit; set the I/O type before WdfDeviceCreate");
  if (IoType !== WdfDeviceIoBuffered && IoType !== WdfDeviceIoDirect && IoType !== WdfDeviceIoNeither) throw new RangeError(`WdfDeviceInitSetIoType: IoType ${String(IoType)} is not WdfDeviceIoNeither (1), WdfDeviceIoBuffered (2) or WdfDeviceIoDirect (3)`);
  DeviceInit.ioType = IoType;
}

/** WdfDeviceInitSetRequestAttributes(DeviceInit, RequestAttributes): the attributes (context, cleanup) every request of the device is created with. */
export function WdfDeviceInitSetRequestAttributes(DeviceInit: WDFDEVICE_INIT, RequestAttributes: WDF_OBJECT_ATTRIBUTES): void {
  if (typeof DeviceInit !== "object" || DeviceInit === null) throw new TypeError("WdfDeviceInitSetRequestAttributes: DeviceInit is NULL");
  if (DeviceInit.consumed) throw new TypeError("WdfDeviceInitSetRequestAttributes: WdfDeviceCreate already consumed this DeviceInit");
  const st = FxValidateObjectAttributes(RequestAttributes, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED);
  if (!NT_SUCCESS(st)) throw new RangeError(`WdfDeviceInitSetRequestAttributes: the attributes are invalid (0x${(st >>> 0).toString(16)}); a request has no parent to assign`);
  DeviceInit.requestAttributes = RequestAttributes;
}

/** WdfDeviceSetAlignmentRequirement: writes the mask into the device object (<= DISPATCH_LEVEL). */
export function WdfDeviceSetAlignmentRequirement(Device: WdfDevice, AlignmentRequirement: number): void {
  const dev = validHandle(Device, WdfDevice, "WdfDeviceSetAlignmentRequirement");
  dev.globals.checkIrql("WdfDeviceSetAlignmentRequirement", DISPATCH_LEVEL);
  if (!Number.isInteger(AlignmentRequirement) || AlignmentRequirement < 0 || AlignmentRequirement > 0xffff_ffff) throw new RangeError(`WdfDeviceSetAlignmentRequirement: AlignmentRequirement must be a ULONG mask, got ${AlignmentRequirement}`);
  dev.fdo.AlignmentRequirement = AlignmentRequirement;
}

/** WdfDeviceGetAlignmentRequirement. */
export function WdfDeviceGetAlignmentRequirement(Device: WdfDevice): number {
  return validHandle(Device, WdfDevice, "WdfDeviceGetAlignmentRequirement").fdo.AlignmentRequirement;
}

/** WdfDeviceWdmGetDeviceObject (<= DISPATCH_LEVEL): the device's WDM DEVICE_OBJECT, the FDO the framework created (for IoGetDmaAdapter-style WDM calls). */
export function WdfDeviceWdmGetDeviceObject(Device: WdfDevice): DEVICE_OBJECT {
  return validHandle(Device, WdfDevice, "WdfDeviceWdmGetDeviceObject").fdo;
}

/** WdfDeviceWdmGetPhysicalDevice (<= DISPATCH_LEVEL): the PDO under the device, the one IoGetDmaAdapter takes. */
export function WdfDeviceWdmGetPhysicalDevice(Device: WdfDevice): DEVICE_OBJECT {
  return validHandle(Device, WdfDevice, "WdfDeviceWdmGetPhysicalDevice").pdo;
}

/**
 * The PnP manager adds the driver for `pdo` (a shortcut for kernel/pnp.ts
 * `pnpAddDevice` with the WDFDRIVER's DRIVER_OBJECT): the framework's
 * AddDevice runs EvtDriverDeviceAdd at PASSIVE_LEVEL, and deletes a device
 * it created when it fails. Returns the callback's status and the device it
 * created, if any. Call it at PASSIVE_LEVEL (a RangeError otherwise).
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, wdfPnpState, statusSymbol, STATUS, type HandleOut, type WdfDriver } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null })), driver);
 * const { status, device } = wdfAddDevice(driver.value!, "plx9656");
 * console.log(statusSymbol(status), wdfPnpState(device!)); // STATUS_SUCCESS added — not started yet (wdfStartDevice)
 * // An EvtDriverDeviceAdd that fails after creating its device: the framework deletes the device.
 * const failing: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => (WdfDeviceCreate(init, null, { value: null }), STATUS.INSUFFICIENT_RESOURCES)), failing);
 * const r = wdfAddDevice(failing.value!, "sb16");
 * console.log(statusSymbol(r.status), r.device); // STATUS_INSUFFICIENT_RESOURCES null
 * ```
 */
export function wdfAddDevice(Driver: WdfDriver, pdo: DEVICE_OBJECT | string): { status: NTSTATUS; device: WdfDevice | null } {
  const drv = validHandle(Driver, WdfDriver, "wdfAddDevice");
  const k = drv.kernel;
  const p = typeof pdo === "string" ? k.pdo(pdo) : pdo;
  if (drv.config.EvtDriverDeviceAdd === null) throw new TypeError("wdfAddDevice: the driver has no EvtDriverDeviceAdd");
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("wdfAddDevice: the PnP manager calls AddDevice at PASSIVE_LEVEL");
  const before = new Set(drv.children);
  const status = pnpAddDevice(k, drv.driverObject, p);
  if (!NT_SUCCESS(status)) return { status, device: null };
  const created = drv.children.find((c): c is WdfDevice => c instanceof WdfDevice && !before.has(c) && c.pdo === p) ?? null;
  return { status, device: created };
}

/**
 * The PnP manager removes the device (a shortcut for kernel/pnp.ts
 * `removeDevice`): IRP_MN_QUERY_REMOVE_DEVICE first for a started or stopped
 * device, then IRP_MN_REMOVE_DEVICE, on which the framework powers the device
 * down, releases its hardware, purges its queues and deletes the WDFDEVICE
 * and every child (enablers, common buffers, transactions, queues),
 * deepest first. Returns the status of the IRP that ended it (the failed
 * query's when the driver refused). PASSIVE_LEVEL (a RangeError otherwise).
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, wdfStartDevice, wdfRemoveDevice, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaProfileScatterGather64,
 *   WdfCommonBufferCreate, liveCommonBuffers, statusSymbol, type HandleOut, type WdfDriver, type WdfDmaEnabler, type WdfCommonBuffer } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null })), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * wdfStartDevice(device!);
 * const enabler: HandleOut<WdfDmaEnabler> = { value: null };
 * WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, enabler);
 * WdfCommonBufferCreate(enabler.value!, 4096, null, { value: null } as HandleOut<WdfCommonBuffer>);
 * console.log(liveCommonBuffers(k).length);                       // 1
 * console.log(statusSymbol(wdfRemoveDevice(device!)), liveCommonBuffers(k).length); // STATUS_SUCCESS 0 — freed with the device, its adapter put
 * ```
 */
export function wdfRemoveDevice(Device: WdfDevice): NTSTATUS {
  const dev = validHandle(Device, WdfDevice, "wdfRemoveDevice");
  checkDevice(dev, "wdfRemoveDevice");
  if (dev.kernel.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("wdfRemoveDevice: remove runs at PASSIVE_LEVEL");
  return removeDevice(dev.kernel, dev.pdo).IoStatus.Status;
}
