import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { FILE_OCTA_ALIGNMENT } from "../kernel/device-object.ts";
import { adapterObject } from "../hal/adapter.ts";
import { WdfDeviceSetAlignmentRequirement } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import { WdfObjectCreate } from "./driver.ts";
import {
  DMA_PROFILES,
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER,
  WDF_DMA_ENABLER_CONFIG_V1_9_SIZE,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE,
  WdfDmaDirectionReadFromDevice,
  WdfDmaDirectionWriteToDevice,
  WdfDmaEnabler,
  WdfDmaEnablerConfigureSystemProfile,
  WdfDmaEnablerCreate,
  WdfDmaEnablerGetFragmentLength,
  WdfDmaEnablerGetMaximumLength,
  WdfDmaEnablerGetMaximumScatterGatherElements,
  WdfDmaEnablerSetMaximumScatterGatherElements,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfilePacket,
  WdfDmaProfilePacket64,
  WdfDmaProfileScatterGather,
  WdfDmaProfileScatterGather64,
  WdfDmaProfileScatterGather64Duplex,
  WdfDmaProfileScatterGatherDuplex,
  WdfDmaProfileSystem,
  WdfDmaProfileSystemDuplex,
} from "./dma-enabler.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT, type WdfGeneralObject } from "./object.ts";
import { wdfTestbed } from "./test-support.ts";

function create(tb: ReturnType<typeof wdfTestbed>, profile: number, max = 8192, tweak: Partial<ReturnType<typeof WDF_DMA_ENABLER_CONFIG_INIT>> = {}): { status: number; enabler: WdfDmaEnabler | null } {
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  const status = WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(profile, max), ...tweak }, null, out);
  return { status, enabler: out.value };
}

describe("WdfDmaEnablerCreate profiles", () => {
  const cases: [number, boolean, boolean, boolean][] = [
    [WdfDmaProfilePacket, false, false, false],
    [WdfDmaProfileScatterGather, true, false, false],
    [WdfDmaProfilePacket64, false, true, false],
    [WdfDmaProfileScatterGather64, true, true, false],
    [WdfDmaProfileScatterGatherDuplex, true, false, true],
    [WdfDmaProfileScatterGather64Duplex, true, true, true],
  ];
  for (const [profile, sg, dma64, duplex] of cases) {
    const name = DMA_PROFILES.get(profile)?.name ?? "";
    it(`${name}: a Version 2 PCI bus-master description with ScatterGather ${sg}, Dma64BitAddresses ${dma64}, and ${duplex ? "a read and a write adapter" : "one adapter for both directions"}`, () => {
      const tb = wdfTestbed();
      const { status, enabler } = create(tb, profile);
      expect(status).toBe(STATUS.SUCCESS);
      const en = enabler as WdfDmaEnabler;
      const read = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
      const write = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice);
      expect(read).not.toBeNull();
      expect(read === write).toBe(!duplex);
      const d = adapterObject(read as NonNullable<typeof read>).description;
      expect(d.Version).toBe(2);
      expect(d.Master).toBe(true);
      expect(d.Dma32BitAddresses).toBe(true);
      expect(d.ScatterGather).toBe(sg);
      expect(d.Dma64BitAddresses).toBe(dma64);
      expect(d.MaximumLength).toBe(8192);
      expect(en.parent).toBe(tb.device);
    });
  }

  it("WdfDmaProfileSystem and SystemDuplex make a Version 3 non-master enabler with no adapter until the system profile is configured", () => {
    for (const p of [WdfDmaProfileSystem, WdfDmaProfileSystemDuplex]) {
      const tb = wdfTestbed("x64-desktop", {}, "sb16");
      const { status, enabler } = create(tb, p, 4096);
      expect(status).toBe(STATUS.SUCCESS);
      expect(enabler?.isBusMaster).toBe(false);
      expect(WdfDmaEnablerWdmGetDmaAdapter(enabler as WdfDmaEnabler, WdfDmaDirectionReadFromDevice)).toBeNull();
      expect(enabler?.simplex.DeviceDescription.Version).toBe(3);
    }
  });

  it("WdfDmaEnablerConfigureSystemProfile gets a system DMA adapter for the channel; configuring a direction twice is STATUS_INVALID_PARAMETER", () => {
    const tb = wdfTestbed("x64-desktop", {}, "sb16");
    const en = create(tb, WdfDmaProfileSystem, 4096).enabler as WdfDmaEnabler;
    const cfg = { Size: WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE, DemandMode: false, LoopedTransfer: true, DmaWidth: 0 as const, DeviceAddress: { QuadPart: 0n }, DmaDescriptor: { Channel: 1, Port: 0 } };
    expect(WdfDmaEnablerConfigureSystemProfile(en, cfg, WdfDmaDirectionWriteToDevice)).toBe(STATUS.SUCCESS);
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice);
    expect(adapterObject(a as NonNullable<typeof a>).dmaChannel).toBe(1);
    expect(adapterObject(a as NonNullable<typeof a>).description.AutoInitialize).toBe(true);
    expect(WdfDmaEnablerConfigureSystemProfile(en, cfg, WdfDmaDirectionWriteToDevice)).toBe(STATUS.INVALID_PARAMETER);
    expect(WdfDmaEnablerConfigureSystemProfile(en, { ...cfg, Size: 4 }, WdfDmaDirectionReadFromDevice)).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });

  it("on ARM64 the base description is Version 3 with DmaAddressWidth from the profile (64 for a 64-bit profile)", () => {
    const tb = wdfTestbed("arm64-soc");
    const en = create(tb, WdfDmaProfileScatterGather64).enabler as WdfDmaEnabler;
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
    const d = adapterObject(a as NonNullable<typeof a>).description;
    expect(d.Version).toBe(3);
    expect(d.DmaAddressWidth).toBe(64);
  });

  it("getters: maximum length, unlimited scatter/gather elements until set, fragment length bounded by map registers", () => {
    const tb = wdfTestbed();
    const en = create(tb, WdfDmaProfileScatterGather64Duplex, 8192).enabler as WdfDmaEnabler;
    expect(WdfDmaEnablerGetMaximumLength(en)).toBe(8192);
    expect(WdfDmaEnablerGetMaximumScatterGatherElements(en)).toBe(0xffff_ffff);
    WdfDmaEnablerSetMaximumScatterGatherElements(en, 3);
    expect(WdfDmaEnablerGetMaximumScatterGatherElements(en)).toBe(3);
    WdfDmaEnablerSetMaximumScatterGatherElements(en, 0);
    expect(WdfDmaEnablerGetMaximumScatterGatherElements(en)).toBe(3);
    expect(WdfDmaEnablerGetFragmentLength(en, WdfDmaDirectionWriteToDevice)).toBe(8192);
  });
});

describe("WdfDmaEnablerCreate default common-buffer alignment", () => {
  it("a scatter/gather enabler takes max(device AlignmentRequirement, GetDmaAlignment() - 1): FILE_OCTA_ALIGNMENT set before gives 0xF", () => {
    const tb = wdfTestbed();
    WdfDeviceSetAlignmentRequirement(tb.device, FILE_OCTA_ALIGNMENT);
    expect(create(tb, WdfDmaProfileScatterGather64Duplex).enabler?.commonBufferAlignment).toBe(0xf);
  });
  it("without WdfDeviceSetAlignmentRequirement a scatter/gather enabler inherits the device object's cache-line mask (63)", () => {
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather).enabler?.commonBufferAlignment).toBe(63);
  });
  it("packet profiles keep byte alignment (0) whatever the device's requirement", () => {
    const tb = wdfTestbed();
    WdfDeviceSetAlignmentRequirement(tb.device, 0x1ff);
    expect(create(tb, WdfDmaProfilePacket64).enabler?.commonBufferAlignment).toBe(0);
  });
  it("a KMDF 1.9 driver keeps GetDmaAlignment's byte count (1) as a mask: max(0, 1) = 1 with byte-aligned devices", () => {
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.9" });
    WdfDeviceSetAlignmentRequirement(tb.device, 0);
    expect(create(tb, WdfDmaProfileScatterGather, 8192, { Size: WDF_DMA_ENABLER_CONFIG_V1_9_SIZE }).enabler?.commonBufferAlignment).toBe(1);
  });
  it("setting the device's alignment after the enabler exists does not change the enabler's default", () => {
    const tb = wdfTestbed();
    const en = create(tb, WdfDmaProfileScatterGather).enabler as WdfDmaEnabler;
    WdfDeviceSetAlignmentRequirement(tb.device, 0x1ff);
    expect(en.commonBufferAlignment).toBe(63);
  });
});

describe("WdfDmaEnablerCreate errors", () => {
  it("a Config->Size other than sizeof(WDF_DMA_ENABLER_CONFIG) gives STATUS_INFO_LENGTH_MISMATCH and a NULL handle", () => {
    const tb = wdfTestbed();
    const r = create(tb, WdfDmaProfileScatterGather, 8192, { Size: WDF_DMA_ENABLER_CONFIG_V1_9_SIZE });
    expect(r).toEqual({ status: STATUS.INFO_LENGTH_MISMATCH, enabler: null });
    expect(tb.device.children).toHaveLength(0);
  });
  it("a KMDF 1.9 driver must pass the 1.9 size", () => {
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.9" });
    expect(create(tb, WdfDmaProfileScatterGather).status).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });
  it("WdfDmaProfileInvalid and unknown profiles give STATUS_INVALID_PARAMETER", () => {
    expect(create(wdfTestbed(), 0).status).toBe(STATUS.INVALID_PARAMETER);
    expect(create(wdfTestbed(), 9).status).toBe(STATUS.INVALID_PARAMETER);
  });
  it("MaximumLength 0 gives STATUS_INVALID_PARAMETER", () => {
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather, 0).status).toBe(STATUS.INVALID_PARAMETER);
  });
  it("AddressWidthOverride on a system profile, or above 32 on a 32-bit profile, gives STATUS_INVALID_PARAMETER", () => {
    expect(create(wdfTestbed("x64-desktop", {}, "sb16"), WdfDmaProfileSystem, 4096, { AddressWidthOverride: 24 }).status).toBe(STATUS.INVALID_PARAMETER);
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather, 8192, { AddressWidthOverride: 40 }).status).toBe(STATUS.INVALID_PARAMETER);
  });
  it("AddressWidthOverride on Windows 8+ switches to a Version 3 description with that DmaAddressWidth", () => {
    const en = create(wdfTestbed(), WdfDmaProfileScatterGather64, 8192, { AddressWidthOverride: 36 }).enabler as WdfDmaEnabler;
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
    const d = adapterObject(a as NonNullable<typeof a>).description;
    expect(d.Version).toBe(3);
    expect(d.DmaAddressWidth).toBe(36);
  });
  it("AddressWidthOverride on Windows 7 falls back to 32-bit flags, and below 24 bits fails with STATUS_UNSUCCESSFUL", () => {
    const en = create(wdfTestbed("x64-desktop", { osVersion: "6.1" }), WdfDmaProfileScatterGather64, 8192, { AddressWidthOverride: 36 }).enabler as WdfDmaEnabler;
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
    const d = adapterObject(a as NonNullable<typeof a>).description;
    expect(d.Version).toBe(2);
    expect(d.Dma64BitAddresses).toBe(false);
    expect(d.Dma32BitAddresses).toBe(true);
    expect(create(wdfTestbed("x64-desktop", { osVersion: "6.1" }), WdfDmaProfileScatterGather, 8192, { AddressWidthOverride: 20 }).status).toBe(STATUS.UNSUCCESSFUL);
  });
  it("WdmDmaVersionOverride may raise the version but not lower it", () => {
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather, 8192, { WdmDmaVersionOverride: 1 }).status).toBe(STATUS.INVALID_PARAMETER);
    const en = create(wdfTestbed(), WdfDmaProfileScatterGather, 8192, { WdmDmaVersionOverride: 3 }).enabler as WdfDmaEnabler;
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
    expect(adapterObject(a as NonNullable<typeof a>).description.DmaAddressWidth).toBe(32);
  });
  it("REQUIRE_SINGLE_TRANSFER needs KMDF 1.19 and a Version 3 description", () => {
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather, 8192, { Flags: WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER }).status).toBe(STATUS.INVALID_PARAMETER);
    expect(create(wdfTestbed(), WdfDmaProfileScatterGather, 8192, { Flags: WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER, WdmDmaVersionOverride: 3 }).enabler?.requireSingleTransfer).toBe(true);
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.17" });
    expect(create(tb, WdfDmaProfileScatterGather, 8192, { Flags: WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER, WdmDmaVersionOverride: 3 }).status).toBe(STATUS.INVALID_PARAMETER);
  });
  it("IoGetDmaAdapter returning NULL (WdmDmaVersionOverride 4 is no DEVICE_DESCRIPTION version) gives STATUS_UNSUCCESSFUL, a NULL handle and no enabler on the device", () => {
    const tb = wdfTestbed();
    // WdmDmaVersionOverride 4 is beyond DEVICE_DESCRIPTION_VERSION3: IoGetDmaAdapter returns NULL.
    expect(create(tb, WdfDmaProfileScatterGather64Duplex, 8192, { WdmDmaVersionOverride: 4 })).toEqual({ status: STATUS.UNSUCCESSFUL, enabler: null });
    expect(tb.device.dmaEnablers.size).toBe(0);
  });
  it("KMDF >= 1.11: a parent that does not descend from the device gives STATUS_WDF_OBJECT_ATTRIBUTES_INVALID", () => {
    const tb = wdfTestbed();
    const other: HandleOut<WdfGeneralObject> = { value: null };
    WdfObjectCreate(tb.driver, null, other);
    const out: HandleOut<WdfDmaEnabler> = { value: null };
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather, 8192), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: other.value }), out)).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
    const child: HandleOut<WdfGeneralObject> = { value: null };
    WdfObjectCreate(tb.driver, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), child);
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather, 8192), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: child.value }), out)).toBe(STATUS.SUCCESS);
    expect(out.value?.parent).toBe(child.value);
  });
  it("KMDF < 1.11: a supplied parent is ignored and the device becomes the parent", () => {
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.9" });
    const other: HandleOut<WdfGeneralObject> = { value: null };
    WdfObjectCreate(tb.driver, null, other);
    const out: HandleOut<WdfDmaEnabler> = { value: null };
    expect(WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather, 8192), Size: WDF_DMA_ENABLER_CONFIG_V1_9_SIZE }, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: other.value }), out)).toBe(STATUS.SUCCESS);
    expect(out.value?.parent).toBe(tb.device);
  });
  it("the KMDF verifier makes a call above PASSIVE_LEVEL fail with STATUS_INVALID_DEVICE_REQUEST", () => {
    const tb = wdfTestbed("x64-desktop", { verifier: true });
    const status = tb.k.atDispatch(() => create(tb, WdfDmaProfileScatterGather).status);
    expect(status).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });
});

describe("WDFDMAENABLER lifetime", () => {
  it("PnP remove deletes the enabler and PutDmaAdapter releases both of its adapters", () => {
    const tb = wdfTestbed();
    const en = create(tb, WdfDmaProfileScatterGather64Duplex).enabler as WdfDmaEnabler;
    const r = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice);
    const w = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice);
    tb.device.deleteObject();
    expect(adapterObject(r as NonNullable<typeof r>).released).toBe(true);
    expect(adapterObject(w as NonNullable<typeof w>).released).toBe(true);
    expect(en.state).toBe("destroyed");
  });
});
