import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { paramsOf } from "../core/findings.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { createDriverObject, IoCompleteRequest, IoCreateFdo, IRP_MJ_PNP, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, type IRP, pnpAddDevice, removeDevice, startDevice } from "../kernel/pnp.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { isaDmaOf, programChannel } from "../hal/system-dma.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, deviceDescription, type DMA_ADAPTER, InterfaceType, KeepObject } from "../hal/types.ts";
import { dmaCall } from "./checked-call.ts";
import { FINDING_CATALOGUE, OWN_CODES, ownCodeNumber } from "./codes.ts";
import { allocate, busMasterAdapter, codes, machine, release } from "./test-machine.ts";

describe("freeing common buffers", () => {
  it("broken driver: a double free is DMA_COMMON_BUFFER_DOUBLE_FREE (0xE6 / 0x03)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    release(a, b);
    release(a, b);
    expect(codes(v)).toEqual(["DMA_COMMON_BUFFER_DOUBLE_FREE"]);
    expect(v.findings[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x03]);
  });

  it.each([
    ["length", (b: { length: number; la: number }) => ({ Length: b.length + 1, la: b.la, cache: true })],
    ["logical address", (b: { length: number; la: number }) => ({ Length: b.length, la: b.la + 4096, cache: true })],
    ["cache flag", (b: { length: number; la: number }) => ({ Length: b.length, la: b.la, cache: false })],
  ])("broken driver: a free with the wrong %s is DMA_COMMON_BUFFER_FREE_MISMATCH and the buffer stays allocated", (_what, wrong) => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    const w = wrong(b);
    a.DmaOperations.FreeCommonBuffer?.(a, w.Length, { QuadPart: BigInt(w.la) }, b.va, w.cache);
    expect(codes(v)).toEqual(["DMA_COMMON_BUFFER_FREE_MISMATCH"]);
    expect(k.va.find(b.va)).toBeDefined();
  });

  it("broken driver: a free with the wrong VA (something never allocated) is DMA_COMMON_BUFFER_UNKNOWN_FREE", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    a.DmaOperations.FreeCommonBuffer?.(a, 100, { QuadPart: BigInt(b.la) }, b.va + 8, true);
    expect(codes(v)).toEqual(["DMA_COMMON_BUFFER_UNKNOWN_FREE"]);
  });

  it("correct driver: a free with exactly the allocation's values gives no finding", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    release(a, allocate(a, 100));
    expect(v.findings).toEqual([]);
    expect(v.table.live).toBe(0);
  });
});

describe("PutDmaAdapter with resources outstanding", () => {
  function subordinate(k: Kernel): DMA_ADAPTER {
    const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Version: 2, Master: false, DmaChannel: 1, InterfaceType: InterfaceType.Isa, AutoInitialize: true, MaximumLength: 0x8000 }), { value: 0 });
    if (a === null) throw new Error("no adapter");
    return a;
  }

  it("broken driver: common buffers still allocated — DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS (0xE6 / 0x07, count 2)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    allocate(a, 100);
    allocate(a, 100);
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(codes(v)).toEqual(["DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS"]);
    expect(v.findings[0]?.bugCheck?.[3]).toBe(2);
  });

  it("broken driver: the adapter channel still held — DMA_ADAPTER_RELEASED_WITH_CHANNELS (0xE6 / 0x08)", () => {
    const { k, v } = machine("x64-desktop");
    // A 64-bit scatter/gather bus master needs no map registers: only the channel is held.
    const a = busMasterAdapter(k, "plx9656");
    const fdo = k.pdo("plx9656");
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, fdo, 1, () => KeepObject, null));
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(codes(v)).toEqual(["DMA_ADAPTER_RELEASED_WITH_CHANNELS"]);
    expect(v.findings[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x08]);
  });

  it("broken driver: map registers kept and never freed — DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS (0xE6 / 0x09)", () => {
    const { k, v } = machine("x64-desktop");
    const a = subordinate(k);
    const fdo = k.pdo("sb16");
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, fdo, 2, () => DeallocateObjectKeepRegisters, null));
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(codes(v)).toEqual(["DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS"]);
    expect(v.findings[0]?.bugCheck?.slice(0, 4)).toEqual([0xe6, 0x09, expect.any(BigInt), 2]);
  });

  it("correct driver: channel and registers returned (DeallocateObject), buffers freed — no finding", () => {
    const { k, v } = machine("x64-desktop");
    const a = subordinate(k);
    const fdo = k.pdo("sb16");
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, fdo, 2, () => DeallocateObject, null));
    const b = allocate(a, 4096);
    release(a, b);
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(v.findings).toEqual([]);
  });
});

describe("leaks at device removal, named by allocation site", () => {
  function driverThatFrees(k: Kernel, freeOnRemove: boolean) {
    const ext: { a?: DMA_ADAPTER; b?: { va: number; la: number; length: number } } = {};
    const driver = createDriverObject("\\Driver\\leaky", (d) => {
      d.AddDevice = (drv, pdo) => {
        IoCreateFdo(k, drv, pdo, "leaky0");
        return STATUS.SUCCESS;
      };
      d.MajorFunction[IRP_MJ_PNP] = (_dev: DEVICE_OBJECT, irp: IRP) => {
        if (irp.MinorFunction === IRP_MN_START_DEVICE) {
          ext.a = busMasterAdapter(k, "plx9656");
          ext.b = allocate(ext.a, 3000);
        } else if (irp.MinorFunction === IRP_MN_REMOVE_DEVICE && freeOnRemove && ext.a !== undefined && ext.b !== undefined) {
          // The correct driver frees its buffer and releases its adapter; the leaky one does neither.
          release(ext.a, ext.b);
          ext.a.DmaOperations.PutDmaAdapter?.(ext.a);
        }
        irp.IoStatus.Status = STATUS.SUCCESS;
        IoCompleteRequest(irp);
        return STATUS.SUCCESS;
      };
      return STATUS.SUCCESS;
    });
    pnpAddDevice(k, driver, k.pdo("plx9656"));
    startDevice(k, k.pdo("plx9656"));
  }

  it("broken driver: a buffer still allocated after IRP_MN_REMOVE_DEVICE is DMA_COMMON_BUFFER_LEAKED naming this test file as the site; the adapter never put is DMA_ADAPTER_NOT_PUT", () => {
    const { k, v } = machine("x64-desktop");
    driverThatFrees(k, false);
    removeDevice(k, k.pdo("plx9656"));
    expect(codes(v)).toEqual(["DMA_COMMON_BUFFER_LEAKED", "DMA_ADAPTER_NOT_PUT"]);
    expect(paramsOf(v.findings[0] ?? {}).site).toMatch(/test-machine\.ts|hal-rules\.test\.ts/);
    expect(paramsOf(v.findings[0] ?? {}).length).toBe(3000);
  });

  it("correct driver: the buffer is freed and the adapter put in IRP_MN_REMOVE_DEVICE — no finding", () => {
    const { k, v } = machine("x64-desktop");
    driverThatFrees(k, true);
    removeDevice(k, k.pdo("plx9656"));
    expect(v.findings).toEqual([]);
  });
});

describe("routines missing from the adapter's table", () => {
  it("broken driver: AllocateCommonBufferEx through a version 2 table is DMA_ROUTINE_NOT_AVAILABLE (not a TypeError) and gives no buffer", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656", { Version: 2 });
    expect(a.DmaOperations.AllocateCommonBufferEx).toBeNull();
    const va = dmaCall(a, "AllocateCommonBufferEx", null, 4096, physicalAddress(), true, 0);
    expect(va).toBeUndefined();
    expect(codes(v)).toEqual(["DMA_ROUTINE_NOT_AVAILABLE"]);
    expect(v.findings[0]?.message).toMatch(/DEVICE_DESCRIPTION_VERSION3/);
  });

  it("correct driver: with a version 3 table dmaCall calls the routine", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const va = dmaCall(a, "AllocateCommonBufferEx", null, 4096, physicalAddress(), true, 0);
    expect(typeof va).toBe("number");
    expect(v.findings).toEqual([]);
  });
});

describe("system DMA (8237)", () => {
  it("broken driver: IoGetDmaAdapter with an unknown DEVICE_DESCRIPTION version is DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION (0xE6 / 0x25)", () => {
    const { k, v } = machine("x64-desktop");
    expect(IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 7, Master: true, InterfaceType: InterfaceType.PCIBus }), { value: 0 })).toBeNull();
    expect(codes(v)).toEqual(["DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION"]);
  });

  it("broken driver: ReadDmaCounter on a bus-master adapter is READ_DMA_COUNTER_ON_BUS_MASTER", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    expect(k.atDispatch(() => a.DmaOperations.ReadDmaCounter?.(a))).toBe(0);
    expect(codes(v)).toEqual(["READ_DMA_COUNTER_ON_BUS_MASTER"]);
  });

  it("correct driver: ReadDmaCounter on the subordinate adapter gives no finding", () => {
    const { k, v } = machine("x64-desktop");
    const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Version: 2, Master: false, DmaChannel: 1, InterfaceType: InterfaceType.Isa, MaximumLength: 0x8000 }), { value: 0 }) as DMA_ADAPTER;
    k.atIrql(DISPATCH_LEVEL, () => a.DmaOperations.ReadDmaCounter?.(a));
    expect(v.findings).toEqual([]);
  });
});

describe("8237 address limits", () => {
  function run(k: Kernel, physical: number, bytes: number): void {
    const dma = isaDmaOf(k);
    dma.attach(3, { dmaRead: () => undefined }, "isa-dma-3");
    programChannel(k, { channel: 3, physical, bytes, writeToDevice: true, autoInitialize: false, demandMode: false });
    dma.setRequest(3, 1_000_000);
    k.clock.runUntil(k.clock.now + 1_000_000);
    dma.sync();
  }

  it("broken driver: a transfer programmed across a 64 KiB page wraps inside the page — ISA_DMA_BOUNDARY_CROSSED", () => {
    const { k, v } = machine("x64-desktop", { outsideBuffers: false });
    run(k, 0x1_fff0, 0x40);
    expect(codes(v)).toEqual(["ISA_DMA_BOUNDARY_CROSSED"]);
    expect(v.findings[0]?.params).toMatchObject({ address: 0x1_ffff, to: 0x1_0000, channel: 3 });
  });

  it("correct driver: a transfer inside one 64 KiB page gives no finding", () => {
    const { k, v } = machine("x64-desktop", { outsideBuffers: false });
    run(k, 0x1_0000, 0x40);
    expect(v.findings).toEqual([]);
  });

  it("broken driver: the 8237 programmed with a buffer above 16 MiB reaches its address mod 16 MiB — ISA_DMA_ABOVE_16MB", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 4096);
    expect(b.la).toBeGreaterThanOrEqual(16 * 2 ** 20);
    k.cpu.RtlZeroMemory(b.va, 4096);
    run(k, b.la, 0x40);
    expect(codes(v)).toEqual(["ISA_DMA_ABOVE_16MB"]);
    expect(paramsOf(v.findings[0] ?? {}).address).toBe(b.la);
  });
});

describe("the finding catalogue", () => {
  it("lists every own code once, numbered from 1", () => {
    expect(new Set(OWN_CODES).size).toBe(OWN_CODES.length);
    expect(ownCodeNumber("CB_TAIL_ACCESS")).toBe(1);
    expect(ownCodeNumber("DMA_WRONG_IRQL")).toBe(0);
    for (const c of OWN_CODES) expect(FINDING_CATALOGUE.some((e) => e.code === c)).toBe(true);
  });
});
