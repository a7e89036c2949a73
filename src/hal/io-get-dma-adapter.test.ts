import { describe, expect, it } from "vitest";
import { GiB, MiB } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import type { FindingInput } from "../core/findings.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { adapterObject } from "./adapter.ts";
import { DMA_ADAPTER_INFO_VERSION1 } from "./adapter-info.ts";
import { IoGetDmaAdapter, MAX_MAP_REGISTERS_SUBORDINATE } from "./io-get-dma-adapter.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, type DMA_ADAPTER_INFO, DmaWidth, InterfaceType } from "./types.ts";

function collect(k: Kernel): FindingInput[] {
  const list: FindingInput[] = [];
  k.findings = { report: (f) => list.push(f) };
  return list;
}

function get(k: Kernel, device: string, d: Partial<DEVICE_DESCRIPTION>): { a: DMA_ADAPTER | null; n: number } {
  const out = { value: -1 };
  const a = IoGetDmaAdapter(k, k.pdo(device), deviceDescription(d), out);
  return { a, n: out.value };
}

const pciMaster = { Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 64 * 1024 } as const;
const sb16 = { Master: false, DmaChannel: 1, InterfaceType: InterfaceType.Isa, DmaWidth: DmaWidth.Width8Bits, AutoInitialize: true, MaximumLength: 0x8000 } as const;
const info = (): DMA_ADAPTER_INFO => ({ Version: DMA_ADAPTER_INFO_VERSION1, V1: { ReadDmaCounterAvailable: false, ScatterGatherLimit: 0, DmaAddressWidth: 0, Flags: 0, MinimumTransferUnit: 0 } });

describe("IoGetDmaAdapter", () => {
  it("DMA_ADAPTER.Version is always 1 whatever table version was asked for", () => {
    const k = bootMachine("x64-desktop");
    for (const Version of [0, 1, 2, 3]) {
      const { a } = get(k, "plx9656", { ...pciMaster, Version, DmaAddressWidth: 32 });
      expect(a?.Version).toBe(1);
      expect(a?.Size).toBe(16);
    }
  });

  it("returns NULL for a DEVICE_DESCRIPTION version above 3 and reports 0xE6 / 0x25", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const { a, n } = get(k, "plx9656", { ...pciMaster, Version: 4 });
    expect(a).toBeNull();
    expect(n).toBe(-1);
    expect(f[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x25]);
  });

  it("returns NULL when Reserved1 is set", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "plx9656", { ...pciMaster, Reserved1: true }).a).toBeNull();
  });

  it("returns NULL for system DMA channel 4 (the cascade), a channel above 7, or a width the channel cannot do", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "sb16", { ...sb16, DmaChannel: 4, DmaWidth: DmaWidth.Width16Bits }).a).toBeNull();
    expect(get(k, "sb16", { ...sb16, DmaChannel: 8 }).a).toBeNull();
    expect(get(k, "sb16", { ...sb16, DmaChannel: 1, DmaWidth: DmaWidth.Width16Bits }).a).toBeNull();
    expect(get(k, "sb16", { ...sb16, DmaChannel: 5, DmaWidth: DmaWidth.Width8Bits }).a).toBeNull();
    expect(get(k, "sb16", { ...sb16, DmaChannel: 5, DmaWidth: DmaWidth.Width16Bits }).a).not.toBeNull();
    expect(get(k, "sb16", { ...sb16, DmaSpeed: 9 as never }).a).toBeNull();
    // EISA channels may use 8-, 16- or 32-bit transfers on any channel.
    expect(get(k, "sb16", { ...sb16, InterfaceType: InterfaceType.Eisa, DmaChannel: 1, DmaWidth: DmaWidth.Width32Bits }).a).not.toBeNull();
  });

  it("returns NULL for a system DMA description on arm64-soc, which has no system DMA controller", () => {
    const k = bootMachine("arm64-soc");
    expect(get(k, "dma-noncoherent", { ...sb16, InterfaceType: InterfaceType.Internal }).a).toBeNull();
  });

  it("returns NULL for a version 3 bus master whose DmaAddressWidth is 0 or above 64", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "plx9656", { ...pciMaster, Version: 3, DmaAddressWidth: 0 }).a).toBeNull();
    expect(get(k, "plx9656", { ...pciMaster, Version: 3, DmaAddressWidth: 65 }).a).toBeNull();
    expect(get(k, "plx9656", { ...pciMaster, Version: 3, DmaAddressWidth: 64 }).a).not.toBeNull();
  });

  it("a device object that is not a PDO bug checks PNP_DETECTED_FATAL_ERROR (0xCA) with parameter 1 = 2", () => {
    const k = bootMachine("x64-desktop");
    const fdo = createFdo(k.pdo("plx9656"), "plx", 64);
    try {
      IoGetDmaAdapter(k, fdo, deviceDescription(pciMaster), { value: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect((e as BugCheckError).code).toBe(0xca);
      expect((e as BugCheckError).params[0]).toBe(2);
    }
  });

  it("must be called at PASSIVE_LEVEL: a call at DISPATCH_LEVEL is reported as 0xE6 / 0x13", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    k.atDispatch(() => get(k, "plx9656", pciMaster));
    expect(f[0]?.code).toBe("DMA_WRONG_IRQL");
    expect(f[0]?.bugCheck).toEqual([0xe6, 0x13, 1, 0, DISPATCH_LEVEL]);
  });

  it("InterfaceTypeUndefined and PNPBus take the PDO's bus; without a PDO, Isa", () => {
    const k = bootMachine("x64-desktop");
    const a = get(k, "plx9656", { Master: true, ScatterGather: true, InterfaceType: InterfaceType.InterfaceTypeUndefined }).a as DMA_ADAPTER;
    expect(adapterObject(a).description.InterfaceType).toBe(InterfaceType.PCIBus);
    const b = get(k, "sb16", { ...sb16, InterfaceType: InterfaceType.PNPBus }).a as DMA_ADAPTER;
    expect(adapterObject(b).description.InterfaceType).toBe(InterfaceType.Isa);
    const c = IoGetDmaAdapter(k, null, deviceDescription({ Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.InterfaceTypeUndefined }), { value: 0 }) as DMA_ADAPTER;
    expect(adapterObject(c).description.InterfaceType).toBe(InterfaceType.Isa);
  });

  it("Version 0 ignores IgnoreCount; Version 1 and later honour it", () => {
    const k = bootMachine("x64-desktop");
    expect(adapterObject(get(k, "sb16", { ...sb16, Version: 0, IgnoreCount: true }).a as DMA_ADAPTER).description.IgnoreCount).toBe(false);
    expect(adapterObject(get(k, "sb16", { ...sb16, Version: 1, IgnoreCount: true }).a as DMA_ADAPTER).description.IgnoreCount).toBe(true);
  });

  it("NumberOfMapRegisters is one more than MaximumLength needs for a scatter/gather master that reaches all memory", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "plx9656", { ...pciMaster, Dma64BitAddresses: true, MaximumLength: 64 * 1024 }).n).toBe(17);
    expect(get(k, "plx9656", { ...pciMaster, Dma64BitAddresses: true, MaximumLength: 1 }).n).toBe(2);
    expect(get(k, "plx9656", { ...pciMaster, Dma64BitAddresses: true, MaximumLength: 8 * MiB }).n).toBe(2049);
  });

  it("NumberOfMapRegisters is capped at what the HAL can give when map registers are needed", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "sb16", { ...sb16, MaximumLength: 0x10000 }).n).toBe(MAX_MAP_REGISTERS_SUBORDINATE);
    expect(get(k, "sb16", { ...sb16, MaximumLength: 0x2000 }).n).toBe(3);
    // A 32-bit master on a 16 GiB machine needs map registers for memory above 4 GiB.
    const a = get(k, "plx9656", { ...pciMaster, MaximumLength: 8 * MiB });
    expect(a.n).toBe(256);
    expect(adapterObject(a.a as DMA_ADAPTER).needsMapRegisters).toBe(true);
  });

  it("under the IOMMU a remapped scatter/gather master needs no map registers", () => {
    const k = bootMachine("x64-iommu");
    const { a, n } = get(k, "plx9656", { ...pciMaster, MaximumLength: 8 * MiB });
    expect(n).toBe(2049);
    expect(adapterObject(a as DMA_ADAPTER).needsMapRegisters).toBe(false);
    expect(adapterObject(a as DMA_ADAPTER).busMaster.domain).toBeGreaterThanOrEqual(0);
  });

  it("adapter reach: ISA system DMA below 16 MiB with a 64 KiB boundary; Dma32 4 GiB; Dma64 everything; SG on PCI treated as 32-bit; otherwise 24-bit", () => {
    const k = bootMachine("x64-desktop");
    const r = (d: Partial<DEVICE_DESCRIPTION>, dev = "plx9656") => adapterObject(get(k, dev, d).a as DMA_ADAPTER).reach;
    expect(r(sb16, "sb16")).toMatchObject({ maxAddress: 16 * MiB - 1, boundary: 64 * 1024 });
    expect(r({ Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus })).toMatchObject({ maxAddress: 4 * GiB - 1, boundary: 4 * GiB });
    expect(r({ Master: true, Dma32BitAddresses: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus }).addressBits).toBe(64);
    expect(r({ Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus }).addressBits).toBe(32);
    expect(r({ Master: true, ScatterGather: true, InterfaceType: InterfaceType.Isa }).addressBits).toBe(24);
    expect(r({ Master: true, InterfaceType: InterfaceType.PCIBus }).addressBits).toBe(24);
  });

  it("version 3 uses DmaAddressWidth and ignores Dma32BitAddresses and Dma64BitAddresses", () => {
    const k = bootMachine("x64-desktop");
    const a = get(k, "plx9656", { Master: true, Version: 3, DmaAddressWidth: 36, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus }).a as DMA_ADAPTER;
    expect(adapterObject(a).reach.maxAddress).toBe(2 ** 36 - 1);
    expect(adapterObject(a).description.Dma64BitAddresses).toBe(false);
  });

  it("a bus master without scatter/gather needs map registers even with 64-bit addressing (its buffers must look contiguous)", () => {
    const k = bootMachine("x64-desktop");
    const { a, n } = get(k, "plx9656", { Master: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 8 * MiB });
    expect(adapterObject(a as DMA_ADAPTER).needsMapRegisters).toBe(true);
    expect(n).toBe(256);
  });

  it("a version-2 subordinate adapter keeps its channel, AutoInitialize and DemandMode for the system DMA controller", () => {
    const k = bootMachine("x64-desktop");
    const ao = adapterObject(get(k, "sb16", { ...sb16, Version: 2, DemandMode: true }).a as DMA_ADAPTER);
    expect(ao.master).toBe(false);
    expect(ao.dmaChannel).toBe(1);
    expect(ao.description).toMatchObject({ AutoInitialize: true, DemandMode: true });
  });

  it("each call gives a separate adapter with its own table and its own common buffers", () => {
    const k = bootMachine("x64-desktop");
    const a = get(k, "plx9656", pciMaster).a as DMA_ADAPTER;
    const b = get(k, "plx9656", pciMaster).a as DMA_ADAPTER;
    expect(a).not.toBe(b);
    expect(adapterObject(a).id).not.toBe(adapterObject(b).id);
    expect(adapterObject(a).commonBuffers).not.toBe(adapterObject(b).commonBuffers);
  });

  it("ScatterGather is ignored for a subordinate device", () => {
    const k = bootMachine("x64-desktop");
    expect(adapterObject(get(k, "sb16", { ...sb16, ScatterGather: true }).a as DMA_ADAPTER).scatterGather).toBe(false);
  });

  it("rejects a description that is not one, or a MaximumLength that is not a ULONG, with a TypeError/RangeError", () => {
    const k = bootMachine("x64-desktop");
    expect(() => IoGetDmaAdapter(k, k.pdo("plx9656"), null as never, { value: 0 })).toThrow(TypeError);
    expect(() => IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ MaximumLength: -1 }), { value: 0 })).toThrow(/MaximumLength/);
  });
});

describe("GetDmaAdapterInfo (version 3)", () => {
  it("reports the adapter's address width, counter availability and transfer unit", () => {
    const k = bootMachine("x64-desktop");
    const m = get(k, "plx9656", { ...pciMaster, Version: 3, DmaAddressWidth: 40 }).a as DMA_ADAPTER;
    const i = info();
    expect(m.DmaOperations.GetDmaAdapterInfo?.(m, i)).toBe(STATUS.SUCCESS);
    expect(i.V1).toMatchObject({ ReadDmaCounterAvailable: false, DmaAddressWidth: 40, Flags: 0, MinimumTransferUnit: 1 });
    const s = get(k, "sb16", { ...sb16, Version: 3, DmaChannel: 5, DmaWidth: DmaWidth.Width16Bits }).a as DMA_ADAPTER;
    const j = info();
    expect(s.DmaOperations.GetDmaAdapterInfo?.(s, j)).toBe(STATUS.SUCCESS);
    expect(j.V1).toMatchObject({ ReadDmaCounterAvailable: true, DmaAddressWidth: 24, MinimumTransferUnit: 2 });
  });

  it("returns STATUS_NOT_SUPPORTED for an unknown DMA_ADAPTER_INFO version and writes nothing", () => {
    const k = bootMachine("x64-desktop");
    const m = get(k, "plx9656", { ...pciMaster, Version: 3, DmaAddressWidth: 40 }).a as DMA_ADAPTER;
    const i = { ...info(), Version: 2 };
    expect(m.DmaOperations.GetDmaAdapterInfo?.(m, i)).toBe(STATUS.NOT_SUPPORTED);
    expect(i.V1.DmaAddressWidth).toBe(0);
  });
});
