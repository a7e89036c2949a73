import { describe, expect, it } from "vitest";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { adapterObject } from "./adapter.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, DmaSpeed, DmaWidth, InterfaceType } from "./types.ts";

function get(k: Kernel, device: string, d: Partial<DEVICE_DESCRIPTION>): DMA_ADAPTER | null {
  return IoGetDmaAdapter(k, k.pdo(device), deviceDescription(d), { value: 0 });
}
const master3 = { Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 } as const;
const sb16 = { Master: false, DmaChannel: 1, InterfaceType: InterfaceType.Isa, DmaWidth: DmaWidth.Width8Bits, MaximumLength: 0x8000 } as const;

describe("IoGetDmaAdapter reads DEVICE_DESCRIPTION field by field and version by version", () => {
  it("a version-3 bus master's DmaAddressWidth must be 24..64: 1 and 23 give NULL (KMDF: DMA v3 fails widths below 24), 24 and 64 give an adapter", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 1 })).toBeNull();
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 23 })).toBeNull();
    expect(adapterObject(get(k, "plx9656", { ...master3, DmaAddressWidth: 24 }) as DMA_ADAPTER).reach.addressBits).toBe(24);
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 64 })).not.toBeNull();
  });

  it("DmaAddressWidth is not used for a subordinate device or before version 3: 0 there is no refusal", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "sb16", { ...sb16, Version: 3, DmaAddressWidth: 0 })).not.toBeNull();
    expect(get(k, "plx9656", { ...master3, Version: 2, DmaAddressWidth: 0, Dma32BitAddresses: true })).not.toBeNull();
  });

  it("DemandMode is used only by a version-2 subordinate device; versions 0, 1 and 3 and bus masters ignore it", () => {
    const k = bootMachine("x64-desktop");
    const demand = (d: Partial<DEVICE_DESCRIPTION>, dev = "sb16"): boolean => adapterObject(get(k, dev, { ...d, DemandMode: true }) as DMA_ADAPTER).description.DemandMode;
    expect(demand({ ...sb16, Version: 2 })).toBe(true);
    expect(demand({ ...sb16, Version: 0 })).toBe(false);
    expect(demand({ ...sb16, Version: 1 })).toBe(false);
    expect(demand({ ...sb16, Version: 3 })).toBe(false);
    expect(demand({ ...master3, Version: 2, Dma32BitAddresses: true }, "plx9656")).toBe(false);
  });

  it("DmaSpeed is checked and kept in versions 0-2 only; version 3 does not use it", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "sb16", { ...sb16, Version: 2, DmaSpeed: 7 as never })).toBeNull();
    const v3 = get(k, "sb16", { ...sb16, Version: 3, DmaSpeed: 7 as never }) as DMA_ADAPTER;
    expect(adapterObject(v3).description.DmaSpeed).toBe(DmaSpeed.Compatible);
    expect(adapterObject(get(k, "sb16", { ...sb16, Version: 2, DmaSpeed: DmaSpeed.TypeB }) as DMA_ADAPTER).description.DmaSpeed).toBe(DmaSpeed.TypeB);
  });

  it("AutoInitialize and DmaWidth count only for subordinate devices; DmaRequestLine and DeviceAddress only for a version-3 subordinate", () => {
    const k = bootMachine("x64-desktop");
    const m = adapterObject(get(k, "plx9656", { ...master3, DmaAddressWidth: 64, AutoInitialize: true, DmaWidth: DmaWidth.Width32Bits, DmaRequestLine: 3, DeviceAddress: { QuadPart: 0x1000n } }) as DMA_ADAPTER).description;
    expect(m).toMatchObject({ AutoInitialize: false, DmaWidth: DmaWidth.Width8Bits, DmaRequestLine: 0, DeviceAddress: { QuadPart: 0n } });
    const s3 = adapterObject(get(k, "sb16", { ...sb16, Version: 3, AutoInitialize: true, DmaRequestLine: 3, DeviceAddress: { QuadPart: 0x22cn } }) as DMA_ADAPTER).description;
    expect(s3).toMatchObject({ AutoInitialize: true, DmaRequestLine: 3, DeviceAddress: { QuadPart: 0x22cn } });
    const s2 = adapterObject(get(k, "sb16", { ...sb16, Version: 2, DmaRequestLine: 3, DeviceAddress: { QuadPart: 0x22cn } }) as DMA_ADAPTER).description;
    expect(s2).toMatchObject({ DmaRequestLine: 0, DeviceAddress: { QuadPart: 0n } });
  });

  it("an InterfaceType outside INTERFACE_TYPE gives NULL; every defined bus type up to ACPIBus is accepted", () => {
    const k = bootMachine("x64-desktop");
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 64, InterfaceType: InterfaceType.MaximumInterfaceType })).toBeNull();
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 64, InterfaceType: -2 as never })).toBeNull();
    expect(get(k, "plx9656", { ...master3, DmaAddressWidth: 64, InterfaceType: InterfaceType.ACPIBus })).not.toBeNull();
  });

  it("Reserved1 must be FALSE in every version", () => {
    const k = bootMachine("x64-desktop");
    for (const Version of [0, 1, 2, 3]) expect(get(k, "plx9656", { ...master3, Version, DmaAddressWidth: 32, Reserved1: true })).toBeNull();
  });

  it("a field without its C type is the emulator's TypeError or RangeError naming the field", () => {
    const k = bootMachine("x64-desktop");
    const pdo = k.pdo("plx9656");
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), Master: 1 as never }, { value: 0 })).toThrow(/DeviceDescription\.Master must be a BOOLEAN/);
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), Version: -1 }, { value: 0 })).toThrow(RangeError);
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), DmaChannel: 1.5 }, { value: 0 })).toThrow(/DmaChannel must be a ULONG/);
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), DmaAddressWidth: "64" as never }, { value: 0 })).toThrow(/DmaAddressWidth must be a ULONG number/);
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), InterfaceType: undefined as never }, { value: 0 })).toThrow(/InterfaceType must be an enumeration value/);
    expect(() => IoGetDmaAdapter(k, pdo, { ...deviceDescription(master3), DeviceAddress: { QuadPart: "x" } as never }, { value: 0 })).toThrow(/DeviceAddress must be a PHYSICAL_ADDRESS/);
    expect(() => IoGetDmaAdapter(k, pdo, deviceDescription(master3), null as never)).toThrow(/NumberOfMapRegisters/);
  });

  it("a PhysicalDeviceObject that is not a DEVICE_OBJECT (such as {}) is the emulator's TypeError naming it", () => {
    const k = bootMachine("x64-desktop");
    expect(() => IoGetDmaAdapter(k, {} as never, deviceDescription({ ...master3, DmaAddressWidth: 64 }), { value: 0 })).toThrow(/PhysicalDeviceObject must be a DEVICE_OBJECT/);
    expect(() => IoGetDmaAdapter(k, 7 as never, deviceDescription({ ...master3, DmaAddressWidth: 64 }), { value: 0 })).toThrow(TypeError);
  });
});
