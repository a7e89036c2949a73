import { beforeAll, describe, expect, it } from "vitest";
import { BugCheckError } from "../../src/core/bugcheck.ts";
import type { PreparedDriver } from "../../src/cdriver/load.ts";
import { pnpAddDevice, removeDevice, startDevice } from "../../src/kernel/pnp.ts";
import { CmResourceTypeMemory, descriptorsOfType, deviceResources } from "../../src/kernel/resources.ts";
import { callExport, fixture, haveToolchain, instantiate, skipReason } from "./support.ts";

const STATUS_POWER_STATE_INVALID = 0xc00002d3;
const STATUS_NOT_SUPPORTED = 0xc00000bb;

describe.skipIf(!haveToolchain)(`a KMDF driver in C: the framework's objects behind its handles${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("kmdf");
  }, 120_000);

  function started() {
    const { k, d } = instantiate(p);
    d.load();
    expect(d.isKmdf).toBe(true);
    expect(d.kmdfVersion).toBe("1.33");
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(0);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(0);
    return { k, d, pdo };
  }

  it("DriverEntry's WdfDriverCreate makes the kernel's driver object the framework's: AddDevice runs EvtDriverDeviceAdd, the start EvtDevicePrepareHardware", () => {
    const { d, k } = started();
    // The device's typed context, zeroed by the framework, written in EvtDriverDeviceAdd.
    expect(callExport(d, "t_magic")).toBe(0x5a5a);
    // EvtDevicePrepareHardware counted the translated resources: the PLX 9656's BARs and its interrupt.
    const all = deviceResources(k, "plx9656").translated.List.reduce((n, f) => n + f.PartialResourceList.PartialDescriptors.length, 0);
    expect(all).toBeGreaterThanOrEqual(3);
    expect(callExport(d, "t_prepared")).toBe(all);
  });

  it("a context type the object was not given is NULL (WdfObjectGetTypedContext of another type)", () => {
    const { d } = started();
    expect(callExport(d, "t_other_context")).toBe(0);
  });

  it("a value that is no framework handle stops the machine with WDF_VIOLATION (0x10D) naming the routine", () => {
    const { d } = started();
    expect(() => callExport(d, "t_bad_handle")).toThrow(BugCheckError);
    expect(() => callExport(d, "t_bad_handle")).toThrow(/WdfIoQueueGetDevice: 0x12340 is not a WDFQUEUE handle/);
  });

  it("MmGetSystemRoutineAddress gives a callable pointer for a routine dmasim has and NULL for one it does not; the pointer maps the BAR", () => {
    const { d, k } = started();
    expect(callExport(d, "t_routine", 0)).not.toBe(0);
    expect(callExport(d, "t_routine", 1)).toBe(0);
    const bar0 = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeMemory).find((x) => x.u.Memory?.Length === 0x200);
    expect(bar0).toBeDefined();
    // INTCSR after the start: whatever the chip holds, read through the mapping the pointer made (not the 0xFFFFFFFF of a failure).
    expect(callExport(d, "t_map_through_pointer", BigInt(bar0?.u.Memory?.Start.QuadPart ?? 0n))).not.toBe(0xffffffff);
  });

  it("idle settings: waking from S0 is refused (the bus reports no wake capability), idling without wake is not modelled", () => {
    const { d } = started();
    expect((callExport(d, "t_idle", 2) as number) >>> 0).toBe(STATUS_POWER_STATE_INVALID);
    expect((callExport(d, "t_idle", 1) as number) >>> 0).toBe(STATUS_NOT_SUPPORTED);
  });

  it("removal deletes the device: its EvtCleanupCallback runs once", () => {
    const { d, k, pdo } = started();
    expect(callExport(d, "t_cleanups")).toBe(0);
    expect(removeDevice(k, pdo).IoStatus.Status).toBe(0);
    expect(callExport(d, "t_cleanups")).toBe(1);
  });

  it("built for KMDF 1.9 (-DKMDF_VERSION_MINOR=9), the driver binds to 1.9 and its INIT helpers give that version's WDF_PNPPOWER_EVENT_CALLBACKS, which the framework takes", async () => {
    const old = await fixture("kmdf", ["-DKMDF_VERSION_MINOR=9"]);
    const { k, d } = instantiate(old);
    d.load();
    expect(d.kmdfVersion).toBe("1.9");
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(0);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(0);
    expect(callExport(d, "t_prepared") as number).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
