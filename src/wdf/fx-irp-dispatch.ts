/**
 * The framework's WDM dispatch table. A KMDF driver's DRIVER_OBJECT has the
 * framework's routine in every MajorFunction slot (FxDriver's dispatch); the
 * routine finds the WDFDEVICE behind the device object and hands the IRP to
 * the package that owns its major function (FxDevice::DispatchWithLock):
 *
 * - IRP_MJ_PNP: the PnP/power state machine (pnp-power.ts);
 * - IRP_MJ_READ / WRITE / DEVICE_CONTROL: the I/O package (io-package.ts),
 *   which the first WdfIoQueueCreate installs; without one a request fails
 *   with STATUS_INVALID_DEVICE_REQUEST (FxPkgIo::DispatchStep1 of a function
 *   driver with no queue for the major function);
 * - IRP_MJ_CREATE / CLEANUP / CLOSE: FxPkgGeneral, which with no file-object
 *   callbacks succeeds them.
 *
 * The packages hang off the device object's DeviceExtension, as KMDF's
 * DeviceExtension points to its FxDevice (FxDevice::GetFxDevice): no lookup
 * per IRP, and not per-machine state.
 */
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { IoCompleteRequest, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_PNP, IRP_MJ_READ, IRP_MJ_WRITE, type IRP } from "../kernel/irp.ts";

/** IRP_MJ_INTERNAL_DEVICE_CONTROL. */
export const IRP_MJ_INTERNAL_DEVICE_CONTROL = 0x0f;

/** The package that takes a device's reads, writes and device controls (io-package.ts's FxPkgIo). */
export interface FxIoDispatch {
  /** FxPkgIo::Dispatch. */
  dispatch(irp: IRP): NTSTATUS;
}

/** The packages of one WDFDEVICE that take IRPs. */
export interface FxIrpPackages {
  /** IRP_MJ_PNP (set by WdfDeviceCreate). */
  pnp: ((irp: IRP) => NTSTATUS) | null;
  /** Read, write and device control (set by the first WdfIoQueueCreate). */
  io: FxIoDispatch | null;
}

/** What a framework device object's DeviceExtension holds. */
class FxDeviceExtension implements FxIrpPackages {
  pnp: ((irp: IRP) => NTSTATUS) | null = null;
  io: FxIoDispatch | null = null;
}

/** The packages registered for a framework device object (its DeviceExtension, made on first use). */
export function fxIrpPackages(DeviceObject: DEVICE_OBJECT): FxIrpPackages {
  const ext = DeviceObject.DeviceExtension;
  if (ext instanceof FxDeviceExtension) return ext;
  const p = new FxDeviceExtension();
  DeviceObject.DeviceExtension = p as unknown as Record<string, unknown>;
  return p;
}

function completeWith(irp: IRP, status: NTSTATUS): NTSTATUS {
  irp.IoStatus = { Status: status, Information: 0 };
  IoCompleteRequest(irp);
  return status;
}

/** The routine in every MajorFunction slot of a KMDF driver's DRIVER_OBJECT. */
export function fxDispatch(DeviceObject: DEVICE_OBJECT, Irp: IRP): NTSTATUS {
  const ext = DeviceObject.DeviceExtension;
  const p = ext instanceof FxDeviceExtension ? ext : null;
  switch (Irp.MajorFunction) {
    case IRP_MJ_PNP:
      if (p?.pnp != null) return p.pnp(Irp);
      // No framework device behind it: the bus driver below completes it as it came.
      Irp.completed = true;
      return Irp.IoStatus.Status;
    case IRP_MJ_READ:
    case IRP_MJ_WRITE:
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL:
      if (p?.io != null) return p.io.dispatch(Irp);
      return completeWith(Irp, STATUS.INVALID_DEVICE_REQUEST);
    case IRP_MJ_CREATE:
    case IRP_MJ_CLEANUP:
    case IRP_MJ_CLOSE:
      return completeWith(Irp, STATUS.SUCCESS);
    default:
      return completeWith(Irp, STATUS.INVALID_DEVICE_REQUEST);
  }
}
