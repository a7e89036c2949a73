import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { interruptControllerOf } from "../kernel/interrupt.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { CmResourceTypeInterrupt, CmResourceTypeMemory, CmResourceTypePort, deviceResources } from "../kernel/resources.ts";
import { wdfAddDevice, wdfRemoveDevice, type WdfDevice, WdfDeviceCreate, type WDFDEVICE_INIT } from "./device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "./driver.ts";
import { WDF_INTERRUPT_CONFIG_INIT, type WdfInterrupt, WdfInterruptCreate } from "./interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import {
  WDF_PNPPOWER_EVENT_CALLBACKS_INIT,
  type WDF_PNPPOWER_EVENT_CALLBACKS,
  type WdfCmResList,
  WdfCmResourceListGetCount,
  WdfCmResourceListGetDescriptor,
  WdfDeviceInitSetPnpPowerEventCallbacks,
  wdfPnpState,
  WdfPowerDeviceD3Final,
  wdfStartDevice,
} from "./pnp-power.ts";

interface Rig {
  readonly k: Kernel;
  readonly device: WdfDevice;
  readonly log: string[];
  interrupt: WdfInterrupt | null;
  raw: WdfCmResList | null;
  translated: WdfCmResList | null;
}

interface RigOptions {
  /** Status each callback returns (default success). */
  readonly fail?: Partial<Record<"prepare" | "d0entry" | "enable" | "post", NTSTATUS>>;
  /** Where the driver creates its interrupt. */
  readonly interruptIn?: "add" | "prepare" | "none";
}

/** A driver on the PLX's PDO whose every callback logs itself (with the IRQL where it matters). */
function rig(opts: RigOptions = {}): Rig {
  const k = bootMachine("x64-desktop");
  const log: string[] = [];
  const fail = opts.fail ?? {};
  const where = opts.interruptIn ?? "add";
  const r: { device: WdfDevice | null; interrupt: WdfInterrupt | null; raw: WdfCmResList | null; translated: WdfCmResList | null } = { device: null, interrupt: null, raw: null, translated: null };
  const createInterrupt = (dev: WdfDevice): NTSTATUS => {
    const cfg = WDF_INTERRUPT_CONFIG_INIT(() => (log.push("isr"), true), null);
    cfg.EvtInterruptEnable = () => (log.push(`EvtInterruptEnable@${k.KeGetCurrentIrql()}`), fail.enable ?? STATUS.SUCCESS);
    cfg.EvtInterruptDisable = () => (log.push(`EvtInterruptDisable@${k.KeGetCurrentIrql()}`), STATUS.SUCCESS);
    const out: HandleOut<WdfInterrupt> = { value: null };
    const st = WdfInterruptCreate(dev, cfg, null, out);
    r.interrupt = out.value;
    return st;
  };
  const callbacks: WDF_PNPPOWER_EVENT_CALLBACKS = WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
    EvtDevicePrepareHardware: (dev: WdfDevice, raw, translated) => {
      log.push("EvtDevicePrepareHardware");
      r.raw = raw;
      r.translated = translated;
      if (where === "prepare") {
        const st = createInterrupt(dev);
        if (!NT_SUCCESS(st)) return st;
      }
      return fail.prepare ?? STATUS.SUCCESS;
    },
    EvtDeviceReleaseHardware: (_dev, translated) => (log.push(`EvtDeviceReleaseHardware(${translated === r.translated ? "same list" : "other list"})`), STATUS.SUCCESS),
    EvtDeviceD0Entry: (_dev, prev) => (log.push(`EvtDeviceD0Entry(${prev})`), fail.d0entry ?? STATUS.SUCCESS),
    EvtDeviceD0EntryPostInterruptsEnabled: (_dev, prev) => (log.push(`EvtDeviceD0EntryPostInterruptsEnabled(${prev})`), fail.post ?? STATUS.SUCCESS),
    EvtDeviceD0ExitPreInterruptsDisabled: (_dev, target) => (log.push(`EvtDeviceD0ExitPreInterruptsDisabled(${target})`), STATUS.SUCCESS),
    EvtDeviceD0Exit: (_dev, target) => (log.push(`EvtDeviceD0Exit(${target})`), STATUS.SUCCESS),
  });
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    WdfDeviceInitSetPnpPowerEventCallbacks(init, callbacks);
    const out: HandleOut<WdfDevice> = { value: null };
    const st = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT({ EvtCleanupCallback: () => log.push("EvtCleanupCallback") }), out);
    if (!NT_SUCCESS(st) || out.value === null) return st;
    r.device = out.value;
    return where === "add" ? createInterrupt(out.value) : STATUS.SUCCESS;
  };
  const drv: HandleOut<WdfDriver> = { value: null };
  expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv)).toBe(STATUS.SUCCESS);
  const added = wdfAddDevice(drv.value as WdfDriver, "plx9656");
  expect(added.status).toBe(STATUS.SUCCESS);
  return {
    k,
    device: r.device as WdfDevice,
    log,
    get interrupt() {
      return r.interrupt;
    },
    get raw() {
      return r.raw;
    },
    get translated() {
      return r.translated;
    },
  };
}

const DIRQL_PLX = 3 + (16 % 10);

describe("KMDF start path (wdfStartDevice)", () => {
  it("calls PrepareHardware, D0Entry(D3Final), then connects the interrupt and runs EvtInterruptEnable at DIRQL, then D0EntryPostInterruptsEnabled", () => {
    const t = rig();
    expect(t.interrupt?.kinterrupt).toBeNull();
    expect(t.log).toEqual([]);
    expect(wdfStartDevice(t.device)).toBe(STATUS.SUCCESS);
    expect(t.log).toEqual(["EvtDevicePrepareHardware", `EvtDeviceD0Entry(${WdfPowerDeviceD3Final})`, `EvtInterruptEnable@${DIRQL_PLX}`, `EvtDeviceD0EntryPostInterruptsEnabled(${WdfPowerDeviceD3Final})`]);
    expect(t.interrupt?.kinterrupt?.connected).toBe(true);
    expect(wdfPnpState(t.device)).toBe("started");
  });

  it("an interrupt created in EvtDriverDeviceAdd gets no ISR calls before the start and does after it", () => {
    const t = rig();
    const pic = interruptControllerOf(t.k);
    pic.setLine(16, true);
    pic.setLine(16, false);
    expect(t.log).toEqual([]);
    wdfStartDevice(t.device);
    pic.setLine(16, true);
    expect(t.log.at(-1)).toBe("isr");
  });

  it("an interrupt created in EvtDevicePrepareHardware is connected at D0 entry, after EvtDeviceD0Entry", () => {
    const t = rig({ interruptIn: "prepare" });
    expect(wdfStartDevice(t.device)).toBe(STATUS.SUCCESS);
    expect(t.log.slice(0, 3)).toEqual(["EvtDevicePrepareHardware", `EvtDeviceD0Entry(${WdfPowerDeviceD3Final})`, `EvtInterruptEnable@${DIRQL_PLX}`]);
  });

  it("PrepareHardware gets raw and translated WDFCMRESLISTs with the PnP manager's descriptors, in order", () => {
    const t = rig();
    wdfStartDevice(t.device);
    const { raw, translated } = deviceResources(t.k, "plx9656");
    const rawList = t.raw as WdfCmResList;
    const trList = t.translated as WdfCmResList;
    const flat = (l: typeof raw) => l.List.flatMap((f) => f.PartialResourceList.PartialDescriptors);
    expect(WdfCmResourceListGetCount(rawList)).toBe(flat(raw).length);
    expect(WdfCmResourceListGetCount(trList)).toBe(flat(translated).length);
    const types = Array.from({ length: WdfCmResourceListGetCount(trList) }, (_, i) => WdfCmResourceListGetDescriptor(trList, i)?.Type);
    expect(types).toEqual([CmResourceTypeMemory, CmResourceTypePort, CmResourceTypeMemory, CmResourceTypeInterrupt]);
    expect(WdfCmResourceListGetDescriptor(rawList, 3)?.u.Interrupt?.Level).toBe(16);
    expect(WdfCmResourceListGetDescriptor(trList, 3)?.u.Interrupt?.Level).toBe(DIRQL_PLX);
    expect(WdfCmResourceListGetDescriptor(trList, 4)).toBeNull();
  });

  it("a failing PrepareHardware fails the start; ReleaseHardware is still called (PnpFailedOwnHardware), D0Entry is not", () => {
    const t = rig({ fail: { prepare: STATUS.DEVICE_CONFIGURATION_ERROR } });
    expect(wdfStartDevice(t.device)).toBe(STATUS.DEVICE_CONFIGURATION_ERROR);
    expect(t.log).toEqual(["EvtDevicePrepareHardware", "EvtDeviceReleaseHardware(same list)"]);
    expect(t.interrupt?.kinterrupt).toBeNull();
    expect(wdfPnpState(t.device)).toBe("start-failed");
  });

  it("a failing D0Entry fails the start: no interrupt is enabled, no D0Exit, ReleaseHardware is called", () => {
    const t = rig({ fail: { d0entry: STATUS.DEVICE_NOT_READY } });
    expect(wdfStartDevice(t.device)).toBe(STATUS.DEVICE_NOT_READY);
    expect(t.log).toEqual(["EvtDevicePrepareHardware", `EvtDeviceD0Entry(${WdfPowerDeviceD3Final})`, "EvtDeviceReleaseHardware(same list)"]);
    expect(t.interrupt?.kinterrupt).toBeNull();
  });

  it("a failing EvtInterruptEnable fails the start: the device powers down (D0Exit(D3Final)) and releases its hardware", () => {
    const t = rig({ fail: { enable: STATUS.DEVICE_NOT_READY } });
    expect(wdfStartDevice(t.device)).toBe(STATUS.DEVICE_NOT_READY);
    expect(t.log).toEqual(["EvtDevicePrepareHardware", `EvtDeviceD0Entry(${WdfPowerDeviceD3Final})`, `EvtInterruptEnable@${DIRQL_PLX}`, `EvtDeviceD0Exit(${WdfPowerDeviceD3Final})`, "EvtDeviceReleaseHardware(same list)"]);
    expect(t.interrupt?.kinterrupt).toBeNull();
  });

  it("a failing D0EntryPostInterruptsEnabled disconnects the interrupt (EvtInterruptDisable) before D0Exit and ReleaseHardware", () => {
    const t = rig({ fail: { post: STATUS.UNSUCCESSFUL } });
    expect(wdfStartDevice(t.device)).toBe(STATUS.UNSUCCESSFUL);
    expect(t.log.slice(3)).toEqual([`EvtDeviceD0EntryPostInterruptsEnabled(${WdfPowerDeviceD3Final})`, `EvtInterruptDisable@${DIRQL_PLX}`, `EvtDeviceD0Exit(${WdfPowerDeviceD3Final})`, "EvtDeviceReleaseHardware(same list)"]);
  });

  it("a device that failed to start is removed without further power callbacks, only the cleanup", () => {
    const t = rig({ fail: { d0entry: STATUS.DEVICE_NOT_READY } });
    wdfStartDevice(t.device);
    t.log.length = 0;
    wdfRemoveDevice(t.device);
    expect(t.log).toEqual(["EvtCleanupCallback"]);
  });

  it("starting twice, or at DISPATCH_LEVEL, is refused with a RangeError", () => {
    const t = rig();
    expect(() => t.k.atIrql(DISPATCH_LEVEL, () => wdfStartDevice(t.device))).toThrow(/PASSIVE_LEVEL/);
    wdfStartDevice(t.device);
    expect(() => wdfStartDevice(t.device)).toThrow(/is started; only a device that was added/);
  });
});

describe("KMDF removal path (wdfRemoveDevice of a started device)", () => {
  it("D0ExitPreInterruptsDisabled, EvtInterruptDisable at DIRQL, D0Exit(D3Final), ReleaseHardware, then the object cleanup", () => {
    const t = rig();
    wdfStartDevice(t.device);
    t.log.length = 0;
    const ki = t.interrupt?.kinterrupt;
    wdfRemoveDevice(t.device);
    expect(t.log).toEqual([`EvtDeviceD0ExitPreInterruptsDisabled(${WdfPowerDeviceD3Final})`, `EvtInterruptDisable@${DIRQL_PLX}`, `EvtDeviceD0Exit(${WdfPowerDeviceD3Final})`, "EvtDeviceReleaseHardware(same list)", "EvtCleanupCallback"]);
    expect(ki?.connected).toBe(false);
    // The WDFDEVICE itself is gone with the object tree.
    expect(() => wdfPnpState(t.device)).toThrow(BugCheckError);
  });

  it("the resource lists die with the hardware: using one after ReleaseHardware is a bad handle (WDF_VIOLATION)", () => {
    const t = rig();
    wdfStartDevice(t.device);
    const list = t.translated as WdfCmResList;
    wdfRemoveDevice(t.device);
    expect(() => WdfCmResourceListGetCount(list)).toThrow(BugCheckError);
  });

  it("a device that was never started is removed with no power callbacks", () => {
    const t = rig();
    wdfRemoveDevice(t.device);
    expect(t.log).toEqual(["EvtCleanupCallback"]);
  });
});

describe("WdfDeviceInitSetPnpPowerEventCallbacks", () => {
  it("after WdfDeviceCreate consumed the DeviceInit it is a TypeError; a wrong Size is a RangeError naming sizeof", () => {
    const k = bootMachine("x64-desktop");
    const seen: string[] = [];
    const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
      try {
        WdfDeviceInitSetPnpPowerEventCallbacks(init, { ...WDF_PNPPOWER_EVENT_CALLBACKS_INIT(), Size: 8 });
      } catch (e) {
        seen.push((e as Error).message);
      }
      const st = WdfDeviceCreate(init, null, { value: null });
      try {
        WdfDeviceInitSetPnpPowerEventCallbacks(init, WDF_PNPPOWER_EVENT_CALLBACKS_INIT());
      } catch (e) {
        seen.push((e as Error).message);
      }
      return st;
    };
    const drv: HandleOut<WdfDriver> = { value: null };
    WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv);
    wdfAddDevice(drv.value as WdfDriver, "plx9656");
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/Size 0x8 is not sizeof\(WDF_PNPPOWER_EVENT_CALLBACKS\) \(0x90\)/);
    expect(seen[1]).toMatch(/already consumed this DeviceInit/);
  });

  it("callbacks left NULL are skipped: a device with none starts and is removed", () => {
    const k = bootMachine("x64-desktop");
    const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
      WdfDeviceInitSetPnpPowerEventCallbacks(init, WDF_PNPPOWER_EVENT_CALLBACKS_INIT());
      return WdfDeviceCreate(init, null, { value: null });
    };
    const drv: HandleOut<WdfDriver> = { value: null };
    WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv);
    const { device } = wdfAddDevice(drv.value as WdfDriver, "plx9656");
    expect(wdfStartDevice(device as WdfDevice)).toBe(STATUS.SUCCESS);
    expect(wdfPnpState(device as WdfDevice)).toBe("started");
    wdfRemoveDevice(device as WdfDevice);
    expect(() => wdfPnpState(device as WdfDevice)).toThrow(BugCheckError);
  });
});
