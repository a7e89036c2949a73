import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { bootMachine } from "./kernel.ts";
import { createDriverObject, driverObjectOf, IoCallDriver, IoAllocateIrp, IoCompleteRequest, IoCreateFdo, IRP_MJ_PNP, IRP_MN_CANCEL_REMOVE_DEVICE, IRP_MN_CANCEL_STOP_DEVICE, IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_QUERY_STOP_DEVICE, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_SURPRISE_REMOVAL, type IRP, pnpAddDevice, pnpState, queryStopDevice, cancelStopDevice, rebalanceDevice, removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "./pnp.ts";

function recordingDriver(k: ReturnType<typeof bootMachine>, startStatus: number, refuse: readonly number[] = []) {
  const seen: number[] = [];
  const driver = createDriverObject("\\Driver\\rec", (d) => {
    d.AddDevice = (drv, pdo) => {
      IoCreateFdo(k, drv, pdo, "rec0");
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_PNP] = (_dev: DEVICE_OBJECT, irp: IRP) => {
      seen.push(irp.MinorFunction);
      irp.IoStatus.Status = irp.MinorFunction === IRP_MN_START_DEVICE ? startStatus : refuse.includes(irp.MinorFunction) ? STATUS.UNSUCCESSFUL : STATUS.SUCCESS;
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

  it("start, stop and remove send IRP_MJ_PNP: START, then QUERY_STOP before STOP, then QUERY_REMOVE before REMOVE", () => {
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
    expect(seen).toEqual([IRP_MN_START_DEVICE, IRP_MN_QUERY_STOP_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_REMOVE_DEVICE]);
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
    expect(() => stopDevice(k, pdo)).toThrow(/is added, not started or stop-pending/);
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
    expect(() => stopDevice(k, k.pdo("plx9656"))).toThrow(/no driver was added/);
  });
});

describe("PnP order rules (query-stop, cancel-stop, rebalance, query-remove, surprise removal)", () => {
  function started(refuse: readonly number[] = []) {
    const k = bootMachine("x64-desktop");
    const { driver, seen } = recordingDriver(k, STATUS.SUCCESS, refuse);
    const pdo = k.pdo("plx9656");
    pnpAddDevice(k, driver, pdo);
    startDevice(k, pdo);
    seen.length = 0;
    return { k, pdo, seen };
  }

  it("a driver that fails QUERY_STOP gets CANCEL_STOP and stays started; STOP is never sent", () => {
    const { k, pdo, seen } = started([IRP_MN_QUERY_STOP_DEVICE]);
    expect(stopDevice(k, pdo).MinorFunction).toBe(IRP_MN_QUERY_STOP_DEVICE);
    expect(seen).toEqual([IRP_MN_QUERY_STOP_DEVICE, IRP_MN_CANCEL_STOP_DEVICE]);
    expect(pnpState(k, pdo)).toBe("started");
  });

  it("a successful QUERY_STOP leaves the device stop-pending until STOP or CANCEL_STOP", () => {
    const { k, pdo, seen } = started();
    queryStopDevice(k, pdo);
    expect(pnpState(k, pdo)).toBe("stop-pending");
    cancelStopDevice(k, pdo);
    expect(pnpState(k, pdo)).toBe("started");
    expect(seen).toEqual([IRP_MN_QUERY_STOP_DEVICE, IRP_MN_CANCEL_STOP_DEVICE]);
  });

  it("a rebalance is QUERY_STOP, STOP and a new START with the resources", () => {
    const { k, pdo, seen } = started();
    expect(rebalanceDevice(k, pdo).MinorFunction).toBe(IRP_MN_START_DEVICE);
    expect(seen).toEqual([IRP_MN_QUERY_STOP_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_START_DEVICE]);
    expect(pnpState(k, pdo)).toBe("started");
  });

  it("a driver that fails QUERY_REMOVE gets CANCEL_REMOVE and keeps its device", () => {
    const { k, pdo, seen } = started([IRP_MN_QUERY_REMOVE_DEVICE]);
    expect(removeDevice(k, pdo).MinorFunction).toBe(IRP_MN_QUERY_REMOVE_DEVICE);
    expect(seen).toEqual([IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_CANCEL_REMOVE_DEVICE]);
    expect(pnpState(k, pdo)).toBe("started");
  });

  it("surprise removal pulls the hardware first (registers read all ones, no DMA), then SURPRISE_REMOVAL; REMOVE follows without a query", () => {
    const { k, pdo, seen } = started();
    const bar0 = k.board.device("plx9656").bars[0]?.base ?? 0;
    const before = k.board.mmio.read(bar0 + 0x68, 4);
    expect(before).not.toBe(0xffff_ffff);
    surpriseRemoveDevice(k, pdo);
    expect(k.board.mmio.read(bar0 + 0x68, 4)).toBe(0xffff_ffff);
    expect(k.board.device("plx9656").present).toBe(false);
    expect(pnpState(k, pdo)).toBe("surprise-removed");
    expect(() => startDevice(k, pdo)).toThrow(/is surprise-removed/);
    removeDevice(k, pdo);
    expect(seen).toEqual([IRP_MN_SURPRISE_REMOVAL, IRP_MN_REMOVE_DEVICE]);
  });

  it("transitions the PnP manager never makes are refused with the state named", () => {
    const { k, pdo } = started();
    expect(() => cancelStopDevice(k, pdo)).toThrow(/is started, not stop-pending/);
    expect(() => startDevice(k, pdo)).toThrow(/is started/);
  });
});
