import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { Prng } from "../core/prng.ts";
import { PLX_SRAM_SIZE } from "../devices/plx9656.ts";
import { DO_DIRECT_IO } from "../kernel/io-manager.ts";
import { IoAllocateIrp, IRP_MJ_PNP } from "../kernel/irp.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoCallDriver, IRP_MN_START_DEVICE, pnpAddDevice, rebalanceDevice, removeDevice, stopDevice, startDevice } from "../kernel/pnp.ts";
import { CmResourceTypeMemory, deviceResources } from "../kernel/resources.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { WdfDriverWdmGetDriverObject } from "../wdf/driver.ts";
import { WdfDevice } from "../wdf/device.ts";
import { IOCTL_PLX9X5X_GET_STATISTICS, PLX_STATISTICS_SIZE } from "./plx-control.ts";
import { plxContext, STATUS_INVALID_BUFFER_SIZE } from "./plx-device.ts";
import { loadPlxDriver, type PlxDriver, PlxDriverEntry } from "./plx-driver.ts";
import { allocateIoBuffer, transfer } from "./plx.ts";

function loaded(k: Kernel): PlxDriver {
  const drv = loadPlxDriver(k, "plx9656");
  if (typeof drv === "number") throw new Error(`the driver failed to start: 0x${drv.toString(16)}`);
  return drv;
}

/** The driver added (AddDevice) but not started: its device and context. */
function added(k: Kernel) {
  const driver = PlxDriverEntry(k);
  if (typeof driver === "number") throw new Error("DriverEntry failed");
  expect(pnpAddDevice(k, WdfDriverWdmGetDriverObject(driver), k.pdo("plx9656"))).toBe(STATUS.SUCCESS);
  const device = driver.children.find((c): c is WdfDevice => c instanceof WdfDevice);
  if (device === undefined) throw new Error("no device");
  return { driver, device, e: plxContext(device) };
}

describe("the PLX driver in the PLX9x5x sample's shape", () => {
  it("EvtDeviceAdd makes a direct-I/O device with sequential write, read and control queues and touches no hardware (no BAR mapped before the start)", () => {
    const k = bootMachine("x64-desktop");
    const { device, e } = added(k);
    expect(device.fdo.Flags & DO_DIRECT_IO).toBe(DO_DIRECT_IO);
    expect([e.writeQueue, e.readQueue, e.controlQueue].every((q) => q !== null)).toBe(true);
    expect(new Set([e.writeQueue, e.readQueue, e.controlQueue]).size).toBe(3);
    expect([e.regs, e.sram, e.prepares]).toEqual([0, 0, 0]);
  });

  it("EvtDevicePrepareHardware finds BAR0 (0x200 bytes) and BAR2 (the 128 KiB SRAM) in the translated resources and maps both; the SRAM mapping shows what a write put there", () => {
    const k = bootMachine("x64-desktop");
    const drv = loaded(k);
    const mem = deviceResources(k, "plx9656").translated.List[0]?.PartialResourceList.PartialDescriptors.filter((d) => d.Type === CmResourceTypeMemory) ?? [];
    expect(mem.map((d) => d.u.Memory?.Length)).toEqual([0x200, PLX_SRAM_SIZE]);
    expect(drv.ext.regs).not.toBe(0);
    expect(drv.ext.sram).not.toBe(0);
    expect(drv.ext.sramLength).toBe(PLX_SRAM_SIZE);
    const buf = allocateIoBuffer(k, 4096, 100, new Prng(1));
    if (buf === null) throw new Error("no memory");
    k.cpu.writeBytes(buf.va, Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
    expect(transfer(k, drv, "write", buf)).toEqual({ status: STATUS.SUCCESS, bytes: 4096 });
    // The write lands at SRAM offset 0; a register read of the mapped BAR2 sees it.
    expect(k.cpu.readU32(drv.ext.sram)).toBe(0x03020100);
    expect(k.cpu.readU32(drv.ext.sram + 4092)).toBe(0xfffefdfc);
  });

  it("a start IRP whose translated list lacks BAR2 fails with STATUS_DEVICE_CONFIGURATION_ERROR and maps nothing", () => {
    const k = bootMachine("x64-desktop");
    const { device, e } = added(k);
    const r = deviceResources(k, "plx9656");
    const full = r.translated.List[0];
    if (full === undefined) throw new Error("no list");
    const noSram = { Count: 1, List: [{ ...full, PartialResourceList: { ...full.PartialResourceList, PartialDescriptors: full.PartialResourceList.PartialDescriptors.filter((d) => !(d.Type === CmResourceTypeMemory && d.u.Memory?.Length === PLX_SRAM_SIZE)) } }] };
    const irp = IoAllocateIrp(IRP_MJ_PNP, IRP_MN_START_DEVICE, { StartDevice: { AllocatedResources: r.raw, AllocatedResourcesTranslated: noSram } }, k);
    expect(IoCallDriver(device.fdo, irp)).toBe(STATUS.DEVICE_CONFIGURATION_ERROR);
    expect([e.regs, e.sram]).toEqual([0, 0]);
  });

  it("a stop releases the hardware (both BARs unmapped) and the restart prepares it again; I/O works after", () => {
    const k = bootMachine("x64-desktop");
    const v = installVerifier(k, { mode: "collect" });
    const drv = loaded(k);
    expect(stopDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect([drv.ext.regs, drv.ext.sram]).toEqual([0, 0]);
    expect(startDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(drv.ext.prepares).toBe(2);
    expect(rebalanceDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(drv.ext.prepares).toBe(3);
    const buf = allocateIoBuffer(k, 9000, 7, new Prng(2));
    if (buf === null) throw new Error("no memory");
    expect(transfer(k, drv, "write", buf).bytes).toBe(9000);
    expect(transfer(k, drv, "read", buf).bytes).toBe(9000);
    expect(v.findings).toEqual([]);
  });

  it("a write longer than the SRAM fails at once with STATUS_INVALID_BUFFER_SIZE (as the sample's EvtIoWrite does)", () => {
    const k = bootMachine("x64-desktop");
    const drv = loaded(k);
    const buf = allocateIoBuffer(k, PLX_SRAM_SIZE + 16, 0, new Prng(3));
    if (buf === null) throw new Error("no memory");
    expect(transfer(k, drv, "write", buf)).toEqual({ status: STATUS_INVALID_BUFFER_SIZE, bytes: 0 });
  });

  it("two overlapped writes go through the sequential write queue one after the other; a read runs on its own queue and channel meanwhile", () => {
    const k = bootMachine("x64-desktop");
    const drv = loaded(k);
    const prng = new Prng(4);
    const [a, b, c] = [0, 1, 2].map(() => allocateIoBuffer(k, 8192, 0, prng));
    if (a == null || b == null || c == null) throw new Error("no memory");
    const wa = drv.app.WriteFileOverlapped(drv.handle, { ...a, read: () => new Uint8Array(0), write: () => undefined });
    const first = drv.ext.writeRequest;
    const wb = drv.app.WriteFileOverlapped(drv.handle, { ...b, read: () => new Uint8Array(0), write: () => undefined });
    const rc = drv.app.ReadFileOverlapped(drv.handle, { ...c, read: () => new Uint8Array(0), write: () => undefined });
    // The second write waits in its queue; the read is already the read channel's.
    expect(drv.ext.writeRequest).toBe(first);
    expect(drv.ext.readRequest).not.toBeNull();
    expect(wa.wait().status).toBe(STATUS.SUCCESS);
    expect(wb.wait()).toEqual({ status: STATUS.SUCCESS, information: 8192 });
    expect(rc.wait()).toEqual({ status: STATUS.SUCCESS, information: 8192 });
  });

  it("the control queue answers IOCTL_PLX9X5X_GET_STATISTICS with the driver's counts and fails other codes with STATUS_INVALID_DEVICE_REQUEST", () => {
    const k = bootMachine("x64-desktop");
    const drv = loaded(k);
    const buf = allocateIoBuffer(k, 8192, 0, new Prng(5));
    if (buf === null) throw new Error("no memory");
    transfer(k, drv, "write", buf);
    const out = drv.app.allocate(PLX_STATISTICS_SIZE);
    expect(drv.app.DeviceIoControl(drv.handle, IOCTL_PLX9X5X_GET_STATISTICS, null, out)).toEqual({ status: STATUS.SUCCESS, information: PLX_STATISTICS_SIZE });
    const words = new Uint32Array(out.read().buffer.slice(0, PLX_STATISTICS_SIZE));
    expect(Array.from(words)).toEqual([drv.ext.interrupts, drv.ext.dpcs, 0, 0, 1]);
    expect(drv.ext.interrupts).toBeGreaterThan(0);
    expect(drv.app.DeviceIoControl(drv.handle, IOCTL_PLX9X5X_GET_STATISTICS + 4, null, out).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(drv.app.DeviceIoControl(drv.handle, IOCTL_PLX9X5X_GET_STATISTICS, null, drv.app.allocate(8)).status).toBe(STATUS.BUFFER_TOO_SMALL);
  });

  it("an orderly removal (after CloseHandle) unmaps the BARs and deletes the device with its queues, enablers and rings", () => {
    const k = bootMachine("x64-iommu");
    const v = installVerifier(k, { mode: "collect" });
    const drv = loaded(k);
    drv.app.CloseHandle(drv.handle);
    expect(removeDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect([drv.ext.regs, drv.ext.sram]).toEqual([0, 0]);
    expect([drv.device.state, drv.ext.writeQueue?.state, drv.ext.dmaEnabler?.state, drv.ext.readCommonBuffer?.state]).toEqual(["destroyed", "destroyed", "destroyed", "destroyed"]);
    expect(v.findings).toEqual([]);
  });
});
