/**
 * WDFDEVICE: WdfDeviceCreate over the PDO the PnP manager hands to
 * EvtDriverDeviceAdd, the device's alignment requirement (a mask kept in the
 * WDM DEVICE_OBJECT, as KMDF does), and the two PnP events dmasim simulates:
 * add (the PnP manager calls EvtDriverDeviceAdd) and remove (the framework
 * deletes the device and everything under it).
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { createFdo, type DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { type HandleOut, type WDFDEVICE_INIT, WdfDriver } from "./driver.ts";
import { pnpPowerDeviceAdded, pnpPowerDuringAdd, pnpPowerRemoveDevice } from "./pnp-power.ts";
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

  constructor(driver: WdfDriver, init: WDFDEVICE_INIT, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(driver.globals, attributes);
    this.driver = driver;
    this.pdo = init.pdo;
    this.fdo = createFdo(init.pdo, `${init.pdo.config.name}-FDO`, driver.kernel.profile.cacheLineSize);
  }

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
 * device gives STATUS_INVALID_DEVICE_STATE.
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
  DeviceInit.consumed = true;
  Device.value = dev;
  return STATUS.SUCCESS;
}

/** WdfDeviceSetAlignmentRequirement: writes the mask into the device object (<= DISPATCH_LEVEL). */
export function WdfDeviceSetAlignmentRequirement(Device: WdfDevice, AlignmentRequirement: number): void {
  const dev = validHandle(Device, WdfDevice, "WdfDeviceSetAlignmentRequirement");
  dev.kernel.checkIrql("WdfDeviceSetAlignmentRequirement", { max: DISPATCH_LEVEL });
  if (!Number.isInteger(AlignmentRequirement) || AlignmentRequirement < 0 || AlignmentRequirement > 0xffff_ffff) throw new RangeError(`WdfDeviceSetAlignmentRequirement: AlignmentRequirement must be a ULONG mask, got ${AlignmentRequirement}`);
  dev.fdo.AlignmentRequirement = AlignmentRequirement;
}

/** WdfDeviceGetAlignmentRequirement. */
export function WdfDeviceGetAlignmentRequirement(Device: WdfDevice): number {
  return validHandle(Device, WdfDevice, "WdfDeviceGetAlignmentRequirement").fdo.AlignmentRequirement;
}

export function WdfDeviceWdmGetDeviceObject(Device: WdfDevice): DEVICE_OBJECT {
  return validHandle(Device, WdfDevice, "WdfDeviceWdmGetDeviceObject").fdo;
}

export function WdfDeviceWdmGetPhysicalDevice(Device: WdfDevice): DEVICE_OBJECT {
  return validHandle(Device, WdfDevice, "WdfDeviceWdmGetPhysicalDevice").pdo;
}

/**
 * Simulated PnP add: the PnP manager calls the driver's EvtDriverDeviceAdd
 * for `pdo` at PASSIVE_LEVEL. If the callback fails after creating its
 * device, the framework deletes the device. Returns the callback's status
 * and the device it created, if any.
 */
export function wdfAddDevice(Driver: WdfDriver, pdo: DEVICE_OBJECT | string): { status: NTSTATUS; device: WdfDevice | null } {
  const drv = validHandle(Driver, WdfDriver, "wdfAddDevice");
  const k = drv.kernel;
  const p = typeof pdo === "string" ? k.pdo(pdo) : pdo;
  const add = drv.config.EvtDriverDeviceAdd;
  if (add === null) throw new TypeError("wdfAddDevice: the driver has no EvtDriverDeviceAdd");
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("wdfAddDevice: the PnP manager calls AddDevice at PASSIVE_LEVEL");
  const init: WDFDEVICE_INIT = { driver: drv, pdo: p, consumed: false };
  const before = new Set(drv.children);
  const status = pnpPowerDuringAdd(k, p, () => add(drv, init));
  const created = drv.children.find((c): c is WdfDevice => c instanceof WdfDevice && !before.has(c) && c.pdo === p) ?? null;
  if (!NT_SUCCESS(status)) {
    if (created !== null) created.deleteObject();
    return { status, device: null };
  }
  if (created !== null) pnpPowerDeviceAdded(created, init);
  return { status, device: created };
}

/**
 * Simulated PnP remove (IRP_MN_REMOVE_DEVICE): the framework deletes the
 * WDFDEVICE, so every child — DMA enablers, their common buffers,
 * transactions — is disposed first, deepest first, then the device.
 */
export function wdfRemoveDevice(Device: WdfDevice): void {
  const dev = validHandle(Device, WdfDevice, "wdfRemoveDevice");
  if (dev.kernel.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("wdfRemoveDevice: remove runs at PASSIVE_LEVEL");
  // A started device leaves D0 and releases its hardware first (pnp-power.ts).
  pnpPowerRemoveDevice(dev);
  dev.deleteObject();
}
