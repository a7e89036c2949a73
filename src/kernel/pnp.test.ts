import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { bootMachine } from "./kernel.ts";
import { createDriverObject, driverObjectOf, IoCallDriver, IoAllocateIrp, IoCompleteRequest, IoCreateFdo, IRP_MJ_PNP, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, type IRP, pnpAddDevice, pnpState, removeDevice, startDevice, stopDevice } from "./pnp.ts";

function recordingDriver(k: ReturnType<typeof bootMachine>, startStatus: number) {
  const seen: number[] = [];
  const driver = createDriverObject("\\Driver\\rec", (d) => {
    d.AddDevice = (drv, pdo) => {
      IoCreateFdo(k, drv, pdo, "rec0");
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_PNP] = (_dev: DEVICE_OBJECT, irp: IRP) => {
      seen.push(irp.MinorFunction);
      irp.IoStatus.Status = irp.MinorFunction === IRP_MN_START_DEVICE ? startStatus : STATUS.SUCCESS;
      IoCompleteRequest(irp);
      return irp.IoStatus.Status;
    };
    return STATUS.SUCCESS;
  });
  return { driver, seen };
}

describe("PnP (start, stop, remove)", () => {
  it("AddDevice attaches an FDO whose IRPs go to the driver's DispatchPnP", () => {
    const k = bootMachine("x64-desktop");
    const { driver } = recordingDriver(k, STATUS.SUCCESS);
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, driver, pdo)).toBe(STATUS.SUCCESS);
    expect(pdo.AttachedDevice?.isPdo).toBe(false);
    expect(driverObjectOf(pdo.AttachedDevice as DEVICE_OBJECT)).toBe(driver);
    expect(pnpState(k, pdo)).toBe("added");
  });

  it("start, stop and remove send IRP_MJ_PNP with IRP_MN_START_DEVICE, _STOP_DEVICE and _REMOVE_DEVICE in order", () => {
    const k = bootMachine("x64-desktop");
    const { driver, seen } = recordingDriver(k, STATUS.SUCCESS);
    const pdo = k.pdo("plx9656");
    pnpAddDevice(k, driver, pdo);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(pnpState(k, pdo)).toBe("started");
    stopDevice(k, pdo);
    expect(pnpState(k, pdo)).toBe("stopped");
    const fdo = pdo.AttachedDevice as DEVICE_OBJECT;
    removeDevice(k, pdo);
    expect(seen).toEqual([IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_REMOVE_DEVICE]);
    expect(fdo.deleted).toBe(true);
    expect(pdo.AttachedDevice).toBeNull();
    expect(pnpState(k, pdo)).toBeUndefined();
  });

  it("a failed start leaves the device not started and its status in the IRP", () => {
    const k = bootMachine("x64-desktop");
    const { driver } = recordingDriver(k, STATUS.INSUFFICIENT_RESOURCES);
    const pdo = k.pdo("plx9656");
    pnpAddDevice(k, driver, pdo);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(pnpState(k, pdo)).toBe("added");
    expect(() => stopDevice(k, pdo)).toThrow(/not started/);
  });

  it("completing an IRP twice is refused; a PnP IRP starts as STATUS_NOT_SUPPORTED", () => {
    const irp = IoAllocateIrp(IRP_MJ_PNP, IRP_MN_START_DEVICE);
    expect(irp.IoStatus.Status).toBe(STATUS.NOT_SUPPORTED);
    IoCompleteRequest(irp);
    expect(() => IoCompleteRequest(irp)).toThrow(/already completed/);
  });

  it("an IRP sent to a device without a dispatch routine completes with its current status", () => {
    const k = bootMachine("x64-desktop");
    const irp = IoAllocateIrp(IRP_MJ_PNP, IRP_MN_START_DEVICE);
    expect(IoCallDriver(k.pdo("nic0"), irp)).toBe(STATUS.NOT_SUPPORTED);
    expect(irp.completed).toBe(true);
  });

  it("a driver that returns without completing the IRP is an error; so are adding a driver twice and stopping a device that was never started", () => {
    const k = bootMachine("x64-desktop");
    const driver = createDriverObject("\\Driver\\lazy", (d) => {
      d.AddDevice = (drv, pdo) => (IoCreateFdo(k, drv, pdo, "lazy0"), STATUS.SUCCESS);
      d.MajorFunction[IRP_MJ_PNP] = () => STATUS.SUCCESS;
      return STATUS.SUCCESS;
    });
    const pdo = k.pdo("nic0");
    pnpAddDevice(k, driver, pdo);
    expect(() => startDevice(k, pdo)).toThrow(/without completing/);
    expect(() => pnpAddDevice(k, driver, pdo)).toThrow(/already has a driver/);
    expect(() => stopDevice(k, k.pdo("plx9656"))).toThrow(/not started/);
  });
});
