import { describe, expect, it } from "vitest";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { Application } from "../app/application.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_QUERY_STOP_DEVICE, pnpState, rebalanceDevice, removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, type WDFDEVICE_INIT, wdfRemoveDevice } from "./device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "./driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64 } from "./dma-enabler.ts";
import { WDF_INTERRUPT_CONFIG_INIT, WdfInterruptCreate } from "./interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { WDF_PNPPOWER_EVENT_CALLBACKS_INIT, WdfDeviceInitSetPnpPowerEventCallbacks, wdfPnpState, WdfPowerDeviceD3Final, wdfStartDevice } from "./pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfDeviceConfigureRequestDispatching, WdfFalse, type WdfIoQueue, WdfIoQueueCreate, WdfIoQueueDispatchParallel, WdfRequestStopActionPurge, WdfRequestStopActionSuspend } from "./queue.ts";
import { type WdfRequest, WdfRequestComplete, WdfRequestTypeWrite } from "./request.ts";

type Step = "prepare" | "d0entry" | "post" | "enable" | "fill" | "dmaEnable" | "dmaStart" | "smioInit" | "smioRestart" | "smioSuspend" | "preDisable" | "d0exit" | "release" | "queryStop" | "queryRemove" | "dmaStop" | "dmaDisable" | "dmaFlush";

const F = WdfPowerDeviceD3Final;

/**
 * A driver that logs every PnP, power, interrupt, DMA-enabler and queue
 * callback; `fail` makes a callback return an error. Its power-managed
 * default queue holds every read; a second, non-power-managed queue takes
 * writes and holds them too (EvtIoStop completes what it is told to purge).
 */
function rig(fail: Partial<Record<Step, NTSTATUS>> = {}) {
  const k = bootMachine("x64-desktop");
  const log: string[] = [];
  const held: WdfRequest[] = [];
  const say = (s: string, step?: Step): NTSTATUS => (log.push(s), step === undefined ? STATUS.SUCCESS : (fail[step] ?? STATUS.SUCCESS));
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    WdfDeviceInitSetPnpPowerEventCallbacks(
      init,
      WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
        EvtDevicePrepareHardware: () => say("PrepareHardware", "prepare"),
        EvtDeviceReleaseHardware: () => say("ReleaseHardware", "release"),
        EvtDeviceD0Entry: (_dev, prev) => say(`D0Entry(${prev})`, "d0entry"),
        EvtDeviceD0EntryPostInterruptsEnabled: (_dev, prev) => say(`PostInterruptsEnabled(${prev})`, "post"),
        EvtDeviceD0ExitPreInterruptsDisabled: (_dev, t) => say(`PreInterruptsDisabled(${t})`, "preDisable"),
        EvtDeviceD0Exit: (_dev, t) => say(`D0Exit(${t})`, "d0exit"),
        EvtDeviceSelfManagedIoInit: () => say("SmioInit", "smioInit"),
        EvtDeviceSelfManagedIoRestart: () => say("SmioRestart", "smioRestart"),
        EvtDeviceSelfManagedIoSuspend: () => say("SmioSuspend", "smioSuspend"),
        EvtDeviceSelfManagedIoFlush: () => void say("SmioFlush"),
        EvtDeviceSelfManagedIoCleanup: () => void say("SmioCleanup"),
        EvtDeviceSurpriseRemoval: () => void say("SurpriseRemoval"),
        EvtDeviceQueryStop: () => say("QueryStop", "queryStop"),
        EvtDeviceQueryRemove: () => say("QueryRemove", "queryRemove"),
      }),
    );
    const out: HandleOut<WdfDevice> = { value: null };
    let st = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT({ EvtCleanupCallback: () => log.push("DeviceCleanup") }), out);
    if (!NT_SUCCESS(st)) return st;
    const dev = out.value as WdfDevice;
    const icfg = WDF_INTERRUPT_CONFIG_INIT(() => false, null);
    icfg.EvtInterruptEnable = () => say("InterruptEnable", "enable");
    icfg.EvtInterruptDisable = () => say("InterruptDisable");
    st = WdfInterruptCreate(dev, icfg, null, { value: null });
    if (!NT_SUCCESS(st)) return st;
    const ecfg = WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 0x10000, dev);
    ecfg.EvtDmaEnablerFill = () => say("DmaFill", "fill");
    ecfg.EvtDmaEnablerEnable = () => say("DmaEnable", "dmaEnable");
    ecfg.EvtDmaEnablerSelfManagedIoStart = () => say("DmaSmioStart", "dmaStart");
    ecfg.EvtDmaEnablerSelfManagedIoStop = () => say("DmaSmioStop", "dmaStop");
    ecfg.EvtDmaEnablerDisable = () => say("DmaDisable", "dmaDisable");
    ecfg.EvtDmaEnablerFlush = () => say("DmaFlush", "dmaFlush");
    st = WdfDmaEnablerCreate(dev, ecfg, null, { value: null });
    if (!NT_SUCCESS(st)) return st;
    const stop = (name: string) => (_q: unknown, r: WdfRequest, flags: number) => {
      log.push(`${name}.IoStop(${flags === WdfRequestStopActionPurge ? "purge" : flags === WdfRequestStopActionSuspend ? "suspend" : flags})`);
      if (flags === WdfRequestStopActionPurge) {
        held.splice(held.indexOf(r), 1);
        WdfRequestComplete(r, STATUS.CANCELLED);
      } else {
        held.splice(held.indexOf(r), 1);
        WdfRequestComplete(r, STATUS.DEVICE_BUSY);
      }
    };
    st = WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r), EvtIoStop: stop("managed") }), null, null);
    if (!NT_SUCCESS(st)) return st;
    const q: HandleOut<WdfIoQueue> = { value: null };
    st = WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchParallel, { PowerManaged: WdfFalse, EvtIoWrite: (_q, r) => void held.push(r), EvtIoStop: stop("unmanaged") }), null, q);
    if (!NT_SUCCESS(st)) return st;
    // The unmanaged queue takes writes.
    return WdfDeviceConfigureRequestDispatching(dev, q.value as WdfIoQueue, WdfRequestTypeWrite);
  };
  const drv: HandleOut<WdfDriver> = { value: null };
  expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv)).toBe(STATUS.SUCCESS);
  const { status, device } = wdfAddDevice(drv.value as WdfDriver, "plx9656");
  expect(status).toBe(STATUS.SUCCESS);
  return { k, log, held, device: device as WdfDevice, pdo: k.pdo("plx9656") };
}

const START = ["PrepareHardware", `D0Entry(${F})`, "InterruptEnable", `PostInterruptsEnabled(${F})`, "DmaFill", "DmaEnable", "DmaSmioStart", "SmioInit"];
const POWER_DOWN = ["SmioSuspend", "DmaSmioStop", "DmaDisable", "DmaFlush", `PreInterruptsDisabled(${F})`, "InterruptDisable", `D0Exit(${F})`];

describe("KMDF PnP/power callback order on every transition (driven by the kernel's PnP manager)", () => {
  it("start: PrepareHardware, D0Entry(D3Final), interrupts enabled, PostInterruptsEnabled, the DMA enabler's Fill/Enable/SelfManagedIoStart, then SelfManagedIoInit", () => {
    const t = rig();
    expect(startDevice(t.k, t.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(t.log).toEqual(START);
    expect(wdfPnpState(t.device)).toBe("started");
  });

  it("stop (query-stop, stop): QueryStop, SelfManagedIoSuspend, the power-managed queue's EvtIoStop(Suspend), the enabler's SelfManagedIoStop/Disable/Flush, PreInterruptsDisabled, InterruptDisable, D0Exit(D3Final), ReleaseHardware", () => {
    const t = rig();
    startDevice(t.k, t.pdo);
    const app = new Application(t.k);
    const h = app.CreateFile("plx9656").handle!;
    const read = app.ReadFileOverlapped(h, app.allocate(8));
    t.log.length = 0;
    stopDevice(t.k, t.pdo);
    expect(t.log).toEqual(["QueryStop", "SmioSuspend", "managed.IoStop(suspend)", ...POWER_DOWN.slice(1), "ReleaseHardware"]);
    expect(read.result?.status).toBe(STATUS.DEVICE_BUSY);
    expect(wdfPnpState(t.device)).toBe("stopped");
  });

  it("restart after a rebalance: PrepareHardware, D0Entry(D3Final) ... and SelfManagedIoRestart, not Init", () => {
    const t = rig();
    startDevice(t.k, t.pdo);
    t.log.length = 0;
    expect(rebalanceDevice(t.k, t.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(t.log).toEqual(["QueryStop", ...POWER_DOWN, "ReleaseHardware", ...START.slice(0, -1), "SmioRestart"]);
    expect(wdfPnpState(t.device)).toBe("started");
  });

  it("a failing EvtDeviceQueryStop fails the query: the PnP manager sends cancel-stop and the device stays started with no power callback", () => {
    const t = rig({ queryStop: STATUS.UNSUCCESSFUL });
    startDevice(t.k, t.pdo);
    t.log.length = 0;
    const irp = stopDevice(t.k, t.pdo);
    expect(irp.MinorFunction).toBe(IRP_MN_QUERY_STOP_DEVICE);
    expect(irp.IoStatus.Status).toBe(STATUS.UNSUCCESSFUL);
    expect(t.log).toEqual(["QueryStop"]);
    expect(pnpState(t.k, t.pdo)).toBe("started");
    expect(wdfPnpState(t.device)).toBe("started");
  });

  it("orderly removal: QueryRemove, the power-down, ReleaseHardware, the power-managed queue purged (EvtIoStop(Purge)), SelfManagedIoFlush, the other queue purged, SelfManagedIoCleanup, then the device's cleanup", () => {
    const t = rig();
    startDevice(t.k, t.pdo);
    const app = new Application(t.k);
    const h = app.CreateFile("plx9656").handle!;
    const w = app.WriteFileOverlapped(h, app.allocate(8));
    t.log.length = 0;
    expect(wdfRemoveDevice(t.device)).toBe(STATUS.SUCCESS);
    expect(t.log).toEqual(["QueryRemove", ...POWER_DOWN, "ReleaseHardware", "SmioFlush", "unmanaged.IoStop(purge)", "SmioCleanup", "DeviceCleanup"]);
    expect(w.result?.status).toBe(STATUS.CANCELLED);
    expect(pnpState(t.k, t.pdo)).toBeUndefined();
  });

  it("a failing EvtDeviceQueryRemove fails the query: cancel-remove follows and the device stays started", () => {
    const t = rig({ queryRemove: STATUS.UNSUCCESSFUL });
    startDevice(t.k, t.pdo);
    t.log.length = 0;
    const irp = removeDevice(t.k, t.pdo);
    expect(irp.MinorFunction).toBe(IRP_MN_QUERY_REMOVE_DEVICE);
    expect(t.log).toEqual(["QueryRemove"]);
    expect(wdfPnpState(t.device)).toBe("started");
  });

  it("surprise removal: EvtDeviceSurpriseRemoval first, then the power-down and ReleaseHardware with the device already off the board, the queue purge and SelfManagedIoFlush; the remove that follows only finishes", () => {
    const t = rig();
    startDevice(t.k, t.pdo);
    const app = new Application(t.k);
    const h = app.CreateFile("plx9656").handle!;
    const r = app.ReadFileOverlapped(h, app.allocate(8));
    t.log.length = 0;
    surpriseRemoveDevice(t.k, t.pdo);
    expect(t.k.board.devices.get("plx9656")?.present).toBe(false);
    expect(t.log).toEqual(["SurpriseRemoval", "SmioSuspend", "managed.IoStop(suspend)", ...POWER_DOWN.slice(1), "ReleaseHardware", "SmioFlush"]);
    expect(r.result?.status).toBe(STATUS.DEVICE_BUSY);
    expect(app.ReadFile(h, app.allocate(8)).status).toBe(STATUS.INVALID_DEVICE_STATE);
    t.log.length = 0;
    removeDevice(t.k, t.pdo);
    expect(t.log).toEqual(["SmioCleanup", "DeviceCleanup"]);
  });

  it("a device removed without ever starting gets no power or self-managed I/O callbacks, only its cleanup", () => {
    const t = rig();
    wdfRemoveDevice(t.device);
    expect(t.log).toEqual(["DeviceCleanup"]);
  });
});

describe("KMDF start failures, as the power state machine unwinds them", () => {
  const unwind = (fail: Partial<Record<Step, NTSTATUS>>) => {
    const t = rig(fail);
    const st = wdfStartDevice(t.device);
    return { t, st };
  };

  it("EvtDevicePrepareHardware fails: ReleaseHardware still runs, nothing else; the start fails with its status", () => {
    const { t, st } = unwind({ prepare: STATUS.DEVICE_CONFIGURATION_ERROR });
    expect(st).toBe(STATUS.DEVICE_CONFIGURATION_ERROR);
    expect(t.log).toEqual(["PrepareHardware", "ReleaseHardware"]);
    expect(wdfPnpState(t.device)).toBe("start-failed");
  });

  it("the DMA enabler's Enable fails: every enabler powers down (no Flush for the one that failed Enable), PreInterruptsDisabled, interrupts off, D0Exit, ReleaseHardware", () => {
    const { t, st } = unwind({ dmaEnable: STATUS.DEVICE_NOT_READY });
    expect(st).toBe(STATUS.DEVICE_NOT_READY);
    expect(t.log).toEqual([...START.slice(0, 6), "DmaSmioStop", "DmaDisable", `PreInterruptsDisabled(${F})`, "InterruptDisable", `D0Exit(${F})`, "ReleaseHardware"]);
  });

  it("the DMA enabler's Fill fails: its Disable and Flush are skipped on the way down", () => {
    const { t } = unwind({ fill: STATUS.DEVICE_NOT_READY });
    expect(t.log).toEqual([...START.slice(0, 5), "DmaSmioStop", `PreInterruptsDisabled(${F})`, "InterruptDisable", `D0Exit(${F})`, "ReleaseHardware"]);
  });

  it("EvtDeviceSelfManagedIoInit fails: the queues are held, the DMA enabler, interrupts and D0 unwind, ReleaseHardware; Flush then, and Cleanup at the removal", () => {
    const { t, st } = unwind({ smioInit: STATUS.INSUFFICIENT_RESOURCES });
    expect(st).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(t.log).toEqual([...START, "DmaSmioStop", "DmaDisable", "DmaFlush", `PreInterruptsDisabled(${F})`, "InterruptDisable", `D0Exit(${F})`, "ReleaseHardware", "SmioFlush"]);
    t.log.length = 0;
    removeDevice(t.k, t.pdo);
    expect(t.log).toEqual(["SmioCleanup", "DeviceCleanup"]);
  });

  it("EvtDeviceSelfManagedIoRestart fails on a restart: the same unwind, and the restart fails", () => {
    const t = rig({ smioRestart: STATUS.UNSUCCESSFUL });
    startDevice(t.k, t.pdo);
    stopDevice(t.k, t.pdo);
    t.log.length = 0;
    expect(startDevice(t.k, t.pdo).IoStatus.Status).toBe(STATUS.UNSUCCESSFUL);
    expect(t.log).toEqual([...START.slice(0, -1), "SmioRestart", "DmaSmioStop", "DmaDisable", "DmaFlush", `PreInterruptsDisabled(${F})`, "InterruptDisable", `D0Exit(${F})`, "ReleaseHardware", "SmioFlush"]);
    expect(wdfPnpState(t.device)).toBe("start-failed");
  });
});

describe("KMDF power-down failures", () => {
  it("a failing EvtDeviceD0Exit on a stop: every step still runs, the hardware is released, the stop succeeds, and the device is failed (its queues purged)", () => {
    const t = rig({ d0exit: STATUS.UNSUCCESSFUL });
    startDevice(t.k, t.pdo);
    t.log.length = 0;
    expect(stopDevice(t.k, t.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(t.log).toEqual(["QueryStop", ...POWER_DOWN, "ReleaseHardware", "SmioFlush"]);
    expect(wdfPnpState(t.device)).toBe("failed");
    const app = new Application(t.k);
    const h = app.CreateFile("plx9656").handle!;
    expect(app.ReadFile(h, app.allocate(8)).status).toBe(STATUS.INVALID_DEVICE_STATE);
    t.log.length = 0;
    removeDevice(t.k, t.pdo);
    expect(t.log).toEqual(["SmioCleanup", "DeviceCleanup"]);
  });

  it("a failing EvtDeviceSelfManagedIoSuspend does not stop the power-down", () => {
    const t = rig({ smioSuspend: STATUS.UNSUCCESSFUL });
    startDevice(t.k, t.pdo);
    t.log.length = 0;
    stopDevice(t.k, t.pdo);
    expect(t.log.slice(0, 3)).toEqual(["QueryStop", "SmioSuspend", "DmaSmioStop"]);
    expect(t.log).toContain(`D0Exit(${F})`);
    expect(wdfPnpState(t.device)).toBe("failed");
  });
});

describe("wdfStartDevice and friends are the kernel's PnP IRPs", () => {
  it("wdfStartDevice restarts a stopped device and refuses a started one", () => {
    const t = rig();
    expect(wdfStartDevice(t.device)).toBe(STATUS.SUCCESS);
    expect(() => wdfStartDevice(t.device)).toThrow(/is started/);
    stopDevice(t.k, t.pdo);
    expect(wdfStartDevice(t.device)).toBe(STATUS.SUCCESS);
    expect(pnpState(t.k, t.pdo)).toBe("started");
  });

  it("the FDO the framework created is the top of the PDO's stack and its IRPs reach the framework", () => {
    const t = rig();
    expect(t.pdo.AttachedDevice).toBe(t.device.fdo);
    const k: Kernel = t.k;
    expect(startDevice(k, t.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(t.log[0]).toBe("PrepareHardware");
  });
});
