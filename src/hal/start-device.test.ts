/**
 * The start-device flow of seed 003, step 2, as a sample WDM driver would
 * write it: in IRP_MN_START_DEVICE get an adapter and allocate the common
 * buffers; if AllocateCommonBuffer returns NULL, free everything already
 * claimed and fail the IRP with STATUS_INSUFFICIENT_RESOURCES. Stop and
 * remove free everything too.
 */
import { describe, expect, it } from "vitest";
import { physicalAddress, type PHYSICAL_ADDRESS } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { deviceResources } from "../kernel/resources.ts";
import { createDriverObject, IoCompleteRequest, IoCreateFdo, IoGetCurrentIrpStackLocation, IRP_MJ_PNP, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, type IRP, pnpAddDevice, pnpState, removeDevice, startDevice, stopDevice } from "../kernel/pnp.ts";
import { parseProfile } from "../machine/profile.ts";
import { adapterObject } from "./adapter.ts";
import { addHalObserver } from "./hal-state.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, DmaWidth, InterfaceType } from "./types.ts";

interface Ext {
  adapter: DMA_ADAPTER | null;
  buffers: { va: number; la: PHYSICAL_ADDRESS; length: number }[];
  mdl: MDL | null;
}

/** A subordinate (system DMA) sound driver that wants `count` common buffers of `length` bytes at start. */
function soundDriver(k: Kernel, count: number, length: number) {
  const ext = (fdo: DEVICE_OBJECT): Ext => fdo.DeviceExtension as unknown as Ext;
  const releaseAll = (fdo: DEVICE_OBJECT): void => {
    const e = ext(fdo);
    if (e.mdl !== null) IoFreeMdl(k, e.mdl);
    e.mdl = null;
    const a = e.adapter;
    if (a !== null) {
      for (const b of e.buffers) a.DmaOperations.FreeCommonBuffer?.(a, b.length, b.la, b.va, false);
      a.DmaOperations.PutDmaAdapter?.(a);
    }
    e.buffers = [];
    e.adapter = null;
  };
  const start = (fdo: DEVICE_OBJECT): NTSTATUS => {
    const e = ext(fdo);
    const n = { value: 0 };
    e.adapter = IoGetDmaAdapter(k, fdo.pdo, deviceDescription({ Version: 2, Master: false, DmaChannel: 1, DmaWidth: DmaWidth.Width8Bits, InterfaceType: InterfaceType.Isa, AutoInitialize: true, MaximumLength: length }), n);
    if (e.adapter === null) return STATUS.INSUFFICIENT_RESOURCES;
    const a = e.adapter;
    for (let i = 0; i < count; i++) {
      const la = physicalAddress();
      const va = a.DmaOperations.AllocateCommonBuffer?.(a, length, la, false) ?? null;
      if (va === null) {
        // Seed 003 step 2: free whatever was claimed, fail the start.
        releaseAll(fdo);
        return STATUS.INSUFFICIENT_RESOURCES;
      }
      e.buffers.push({ va, la, length });
    }
    const first = e.buffers[0];
    if (first !== undefined) {
      e.mdl = IoAllocateMdl(k, first.va, first.length);
      if (e.mdl !== null) MmBuildMdlForNonPagedPool(k, e.mdl);
    }
    return STATUS.SUCCESS;
  };
  const driver = createDriverObject("\\Driver\\sound", (d) => {
    d.AddDevice = (drv, pdo) => {
      const fdo = IoCreateFdo(k, drv, pdo, "sound0");
      Object.assign(fdo.DeviceExtension, { adapter: null, buffers: [], mdl: null } satisfies Ext);
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_PNP] = (fdo: DEVICE_OBJECT, irp: IRP) => {
      let status: NTSTATUS = STATUS.SUCCESS;
      if (irp.MinorFunction === IRP_MN_START_DEVICE) status = start(fdo);
      else if (irp.MinorFunction === IRP_MN_STOP_DEVICE || irp.MinorFunction === IRP_MN_REMOVE_DEVICE) releaseAll(fdo);
      irp.IoStatus.Status = status;
      IoCompleteRequest(irp);
      return status;
    };
    return STATUS.SUCCESS;
  });
  return { driver, ext };
}

function collect(k: Kernel): FindingInput[] {
  const list: FindingInput[] = [];
  k.findings = { report: (f) => list.push(f) };
  return list;
}

/** Resources the driver could leak: free pages, system VA mappings, live adapters' buffers. */
function resources(k: Kernel) {
  return { free: k.pfm.stats.freePages, mappings: k.va.mappingCount };
}

describe("IRP_MN_START_DEVICE with common buffers (seed 003)", () => {
  it("a start that gets its common buffers succeeds; stop and remove free them and release the adapter", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const pdo = k.pdo("sb16");
    const { driver, ext } = soundDriver(k, 2, 16 * 1024);
    const before = resources(k);
    pnpAddDevice(k, driver, pdo);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    const e = ext(pdo.AttachedDevice as DEVICE_OBJECT);
    expect(e.buffers).toHaveLength(2);
    const a = e.adapter as DMA_ADAPTER;
    stopDevice(k, pdo);
    expect(adapterObject(a).released).toBe(true);
    expect(resources(k)).toEqual(before);
    removeDevice(k, pdo);
    expect(f).toEqual([]);
  });

  it("when AllocateCommonBuffer returns NULL the driver frees what it claimed and fails start with STATUS_INSUFFICIENT_RESOURCES, leaking nothing", () => {
    const p = parseProfile({ name: "isa-tight", arch: "x64", memory: [{ base: 0, length: "32MiB", type: "ram" }], devices: [{ name: "sb16", bus: "isa", dmaChannels: [1] }] });
    const k = bootMachine(p);
    const f = collect(k);
    // Leave only 64 KiB (page frames 16-31) free below 16 MiB: room for four 16 KiB buffers, not five.
    expect(k.pfm.allocatePages(4096 - 32, { effort: "full", kind: "unmovable", lowPfn: 32, highPfn: 4095 })).not.toBeNull();
    expect(k.pfm.allocatePages(16, { effort: "full", kind: "unmovable", lowPfn: 0, highPfn: 15 })).not.toBeNull();
    const events: string[] = [];
    addHalObserver(k, { onCommonBufferAllocated: () => events.push("alloc"), onCommonBufferFreed: () => events.push("free"), onAdapterReleased: () => events.push("put") });
    const pdo = k.pdo("sb16");
    const { driver, ext } = soundDriver(k, 5, 16 * 1024);
    const before = resources(k);
    pnpAddDevice(k, driver, pdo);
    const irp = startDevice(k, pdo);
    expect(irp.IoStatus.Status).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(pnpState(k, pdo)).toBe("added");
    const e = ext(pdo.AttachedDevice as DEVICE_OBJECT);
    expect(e.adapter).toBeNull();
    expect(e.buffers).toEqual([]);
    expect(resources(k)).toEqual(before);
    expect(events).toEqual(["alloc", "alloc", "alloc", "alloc", "free", "free", "free", "free", "put"]);
    expect(f).toEqual([]);
    removeDevice(k, pdo);
  });
});

describe("IRP_MN_START_DEVICE carries the device's resources", () => {
  it("Parameters.StartDevice holds the raw and translated CM_RESOURCE_LISTs the PnP manager assigned", () => {
    const k = bootMachine("x64-desktop");
    let seen: IRP | null = null;
    const driver = createDriverObject("\\Driver\\probe", (d) => {
      d.AddDevice = (drv, pdo) => {
        IoCreateFdo(k, drv, pdo, "probe0");
        return STATUS.SUCCESS;
      };
      d.MajorFunction[IRP_MJ_PNP] = (_fdo: DEVICE_OBJECT, irp: IRP) => {
        if (irp.MinorFunction === IRP_MN_START_DEVICE) seen = irp;
        irp.IoStatus.Status = STATUS.SUCCESS;
        IoCompleteRequest(irp);
        return STATUS.SUCCESS;
      };
      return STATUS.SUCCESS;
    });
    pnpAddDevice(k, driver, k.pdo("plx9656"));
    startDevice(k, k.pdo("plx9656"));
    const irp = seen as IRP | null;
    const start = irp === null ? undefined : IoGetCurrentIrpStackLocation(irp).Parameters.StartDevice;
    expect(start?.AllocatedResourcesTranslated).toEqual(deviceResources(k, "plx9656").translated);
    expect(start?.AllocatedResources).toEqual(deviceResources(k, "plx9656").raw);
  });
});
