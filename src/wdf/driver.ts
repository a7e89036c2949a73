/**
 * WDFDRIVER: WdfDriverCreate with WDF_DRIVER_CONFIG, plus the object-level
 * DDIs every object shares (WdfObjectDelete, WdfObjectReference,
 * WdfObjectDereference, WdfObjectCreate, WdfObjectGetTypedContext).
 *
 * The driver is a WDM DRIVER_OBJECT whose dispatch table and AddDevice are
 * the framework's (FxDriver): the kernel's PnP manager calls AddDevice, which
 * runs EvtDriverDeviceAdd with a fresh WDFDEVICE_INIT (and deletes a device
 * it created when it fails); every IRP goes to fxDispatch.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { WdfDriverGlobals, type WdfDriverOptions } from "./globals.ts";
import {
  FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED,
  FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED,
  FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED,
  FxValidateObjectAttributes,
  validHandle,
  WDF_VIOLATION_DEREFERENCE_DELETE,
  type WDF_OBJECT_ATTRIBUTES,
  WdfGeneralObject,
  WdfObject,
} from "./object.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { createDriverObject, type DRIVER_OBJECT } from "../kernel/pnp.ts";
import { IRP_MJ_MAXIMUM_FUNCTION } from "../kernel/irp.ts";
import { fxDispatch } from "./fx-irp-dispatch.ts";
import { pnpPowerDuringAdd } from "./pnp-power.ts";

/** sizeof(WDF_DRIVER_CONFIG) on x64. */
export const WDF_DRIVER_CONFIG_SIZE = 0x20;

/** WDF_DEVICE_IO_TYPE (wdfdevice.h): how read and write requests carry their buffers (WdfDeviceInitSetIoType). 0 is not a valid choice. */
export const WdfDeviceIoUndefined = 0;
/** The caller's user-mode address, unchecked (METHOD_NEITHER style); the driver must probe and lock it itself. */
export const WdfDeviceIoNeither = 1;
/** A system buffer the I/O manager copies to and from (DO_BUFFERED_IO); the default. */
export const WdfDeviceIoBuffered = 2;
/** The caller's buffer locked and described by an MDL (DO_DIRECT_IO): what a DMA driver maps. */
export const WdfDeviceIoDirect = 3;
export type WDF_DEVICE_IO_TYPE = number;

/** What EvtDriverDeviceAdd receives (PWDFDEVICE_INIT); WdfDeviceCreate consumes it. Defined with the driver that hands it out. */
export interface WDFDEVICE_INIT {
  readonly driver: WdfDriver;
  readonly pdo: DEVICE_OBJECT;
  /** Set by a successful WdfDeviceCreate. */
  consumed: boolean;
  /** WdfDeviceInitSetIoType (default buffered, as KMDF). */
  ioType: WDF_DEVICE_IO_TYPE;
  /** The device WdfDeviceCreate made from it (the framework's CreatedDevice). */
  created: WdfObject | null;
  /** WdfDeviceInitSetRequestAttributes: attributes every request of the device gets. */
  requestAttributes: WDF_OBJECT_ATTRIBUTES | null;
}

/** A fresh WDFDEVICE_INIT for `pdo` (what FxDriver::AddDevice allocates). */
export function newDeviceInit(driver: WdfDriver, pdo: DEVICE_OBJECT): WDFDEVICE_INIT {
  return { driver, pdo, consumed: false, ioType: WdfDeviceIoBuffered, created: null, requestAttributes: null };
}

/** EvtDriverDeviceAdd: the PnP manager found a device for the driver; create the WDFDEVICE (WdfDeviceCreate) and its queues. PASSIVE_LEVEL. */
export type EVT_WDF_DRIVER_DEVICE_ADD = (Driver: WdfDriver, DeviceInit: WDFDEVICE_INIT) => NTSTATUS;
/** EvtDriverUnload: the driver is about to be unloaded, after every device is gone. PASSIVE_LEVEL. */
export type EVT_WDF_DRIVER_UNLOAD = (Driver: WdfDriver) => void;

/** WDF_DRIVER_CONFIG: the driver's callbacks for WdfDriverCreate (start from WDF_DRIVER_CONFIG_INIT; Size must be this KMDF version's). */
export interface WDF_DRIVER_CONFIG {
  Size: number;
  EvtDriverDeviceAdd: EVT_WDF_DRIVER_DEVICE_ADD | null;
  EvtDriverUnload: EVT_WDF_DRIVER_UNLOAD | null;
  DriverInitFlags: number;
  DriverPoolTag: number;
}

/** WDF_DRIVER_CONFIG_INIT(&config, EvtDriverDeviceAdd). */
export function WDF_DRIVER_CONFIG_INIT(EvtDriverDeviceAdd: EVT_WDF_DRIVER_DEVICE_ADD | null): WDF_DRIVER_CONFIG {
  return { Size: WDF_DRIVER_CONFIG_SIZE, EvtDriverDeviceAdd, EvtDriverUnload: null, DriverInitFlags: 0, DriverPoolTag: 0 };
}

/** Out parameter for a handle (WDFDRIVER*, WDFDEVICE*, ...). */
export interface HandleOut<T> {
  value: T | null;
}

export class WdfDriver extends WdfObject {
  readonly typeName = "WDFDRIVER";
  protected override readonly noDeleteDdi = true;
  readonly config: WDF_DRIVER_CONFIG;
  /** A readable driver name (the service name). */
  readonly name: string;
  /** The WDM driver object: AddDevice and every dispatch slot are the framework's. */
  readonly driverObject: DRIVER_OBJECT;

  constructor(globals: WdfDriverGlobals, config: WDF_DRIVER_CONFIG, attributes: WDF_OBJECT_ATTRIBUTES | null, name: string) {
    super(globals, attributes);
    this.config = config;
    this.name = name;
    this.driverObject = createDriverObject(`\\Driver\\${name}`, (d) => {
      for (let mj = 0; mj <= IRP_MJ_MAXIMUM_FUNCTION; mj++) d.MajorFunction[mj] = fxDispatch;
      d.AddDevice = (_d, pdo) => this.addDevice(pdo);
      return STATUS.SUCCESS;
    });
  }

  /**
   * FxDriver::AddDevice: EvtDriverDeviceAdd(Driver, DeviceInit) at
   * PASSIVE_LEVEL; when it fails, a device it already created is deleted
   * (DeleteDeviceFromFailedCreate). A driver without EvtDriverDeviceAdd
   * succeeds without a device.
   */
  private addDevice(pdo: DEVICE_OBJECT): NTSTATUS {
    const add = this.config.EvtDriverDeviceAdd;
    if (add === null) return STATUS.SUCCESS;
    const init = newDeviceInit(this, pdo);
    const status = pnpPowerDuringAdd(this.kernel, pdo, () => add(this, init));
    if (!NT_SUCCESS(status) && init.created !== null) init.created.deleteObject();
    return status;
  }

  /** The machine the driver was created on (dmasim's stand-in for the global kernel a real driver calls). */
  get kernel(): Kernel {
    return this.globals.kernel;
  }
}

/**
 * WdfDriverCreate(DriverObject, RegistryPath, DriverAttributes, DriverConfig, Driver).
 * The driver object and registry path are replaced by `options` (the KMDF
 * version the driver binds to, the KMDF verifier switch, a name).
 * PASSIVE_LEVEL (checked under the KMDF verifier). STATUS_INFO_LENGTH_MISMATCH
 * when DriverConfig.Size is not this KMDF version's; a ParentObject in the
 * attributes is refused.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, statusSymbol, type HandleOut, type WdfDriver } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * // EvtDriverDeviceAdd: the framework calls it when the PnP manager adds a device for the driver.
 * const config = WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null }));
 * const driver: HandleOut<WdfDriver> = { value: null };
 * console.log(statusSymbol(WdfDriverCreate(k, null, config, driver, { kmdfVersion: "1.33" }))); // STATUS_SUCCESS
 * console.log(statusSymbol(WdfDriverCreate(k, null, { ...config, Size: 0 }, null))); // STATUS_INFO_LENGTH_MISMATCH
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * console.log(String(driver.value), String(device)); // WDFDRIVER 0x1000 WDFDEVICE 0x1010
 * ```
 */
export function WdfDriverCreate(k: Kernel, DriverAttributes: WDF_OBJECT_ATTRIBUTES | null, DriverConfig: WDF_DRIVER_CONFIG, Driver: HandleOut<WdfDriver> | null, options: WdfDriverOptions & { readonly name?: string } = {}): NTSTATUS {
  const globals = new WdfDriverGlobals(k, options);
  if (Driver !== null) Driver.value = null;
  const irql = globals.checkIrql("WdfDriverCreate");
  if (!NT_SUCCESS(irql)) return irql;
  if (DriverConfig.Size !== WDF_DRIVER_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  const status = FxValidateObjectAttributes(DriverAttributes, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED | FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED | FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED);
  if (!NT_SUCCESS(status)) return status;
  const drv = new WdfDriver(globals, DriverConfig, DriverAttributes, options.name ?? "dmasim-driver");
  drv.commit(null);
  if (Driver !== null) Driver.value = drv;
  return STATUS.SUCCESS;
}

/**
 * WdfObjectDelete (<= DISPATCH_LEVEL). Objects the driver may not delete
 * (WDFDRIVER, a PnP WDFDEVICE) are left alone: KMDF traces
 * STATUS_CANNOT_DELETE and breaks into the debugger under its verifier; we
 * report a finding.
 */
export function WdfObjectDelete(Object: WdfObject): void {
  const o = validHandle(Object, WdfObject, "WdfObjectDelete");
  o.globals.checkIrql("WdfObjectDelete", DISPATCH_LEVEL);
  if (o.isNoDeleteDdi) {
    o.globals.kernel.report({ code: "WDF_CANNOT_DELETE", routine: "WdfObjectDelete", message: `WdfObjectDelete on ${String(o)}, which the driver may not delete (STATUS_CANNOT_DELETE); the framework deletes it`, params: { handle: o.handle, status: STATUS.CANNOT_DELETE } });
    return;
  }
  o.deleteObject();
}

/** WdfObjectReference: one more reference; the object outlives WdfObjectDelete until it is released. */
export function WdfObjectReference(Object: WdfObject): void {
  validHandle(Object, WdfObject, "WdfObjectReference").addRef();
}

/**
 * WdfObjectDereference. Dropping the last reference of an object that was
 * never deleted is the documented WDF_VIOLATION 0x7 (delete by dereference).
 */
export function WdfObjectDereference(Object: WdfObject): void {
  const o = validHandle(Object, WdfObject, "WdfObjectDereference");
  if (o.refCount <= 1 && !o.deleteCalled) throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_DEREFERENCE_DELETE, o.handle, 0, 0, `WdfObjectDereference would delete ${String(o)}; call WdfObjectDelete instead`);
  o.release();
}

/** WdfObjectCreate: a general object; its parent defaults to the driver. */
export function WdfObjectCreate(Driver: WdfDriver, Attributes: WDF_OBJECT_ATTRIBUTES | null, Object: HandleOut<WdfGeneralObject>): NTSTATUS {
  const drv = validHandle(Driver, WdfDriver, "WdfObjectCreate");
  Object.value = null;
  const status = FxValidateObjectAttributes(Attributes);
  if (!NT_SUCCESS(status)) return status;
  const parent = Attributes?.ParentObject ?? drv;
  validHandle(parent, WdfObject, "WdfObjectCreate");
  const o = new WdfGeneralObject(drv.globals, Attributes);
  o.commit(parent);
  Object.value = o;
  return STATUS.SUCCESS;
}

/** WdfDriverWdmGetDriverObject: the WDM DRIVER_OBJECT behind the WDFDRIVER. */
export function WdfDriverWdmGetDriverObject(Driver: WdfDriver): DRIVER_OBJECT {
  return validHandle(Driver, WdfDriver, "WdfDriverWdmGetDriverObject").driverObject;
}

/** WdfObjectGetTypedContext: the object's context record (created empty with the object). */
export function WdfObjectGetTypedContext(Object: WdfObject): Record<string, unknown> {
  return validHandle(Object, WdfObject, "WdfObjectGetTypedContext").context;
}
