import { describe, expect, it } from "vitest";
import { GiB, physicalAddress } from "../core/address.ts";
import { STATUS } from "../core/ntstatus.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { commonBufferAt, setDmaOsBuild } from "./hal-state.ts";
import {
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeSubSection,
  CommonBufferHardwareAccessReadOnly,
  CommonBufferHardwareAccessWriteOnly,
  type DMA_ADAPTER,
  type DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION,
} from "./types.ts";
import { buffer, machine, masterV3 } from "./v3-test-support.ts";

/** Driver-owned contiguous memory (MmAllocateContiguousMemorySpecifyCache) and its built MDL. */
function ownMemory(k: Kernel, bytes: number, low = 0, high = 4 * GiB - 1): { va: number; mdl: MDL } {
  const va = MmAllocateContiguousMemorySpecifyCache(k, bytes, physicalAddress(low), physicalAddress(high), physicalAddress(0), MmCached) as number;
  const mdl = IoAllocateMdl(k, va, bytes) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  return { va, mdl };
}

function create(a: DMA_ADAPTER, mdl: MDL, configs: DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[] | null = null): { st: number; la: bigint } {
  const la = physicalAddress();
  const st = a.DmaOperations.CreateCommonBufferFromMdl?.(a, mdl, configs, configs?.length ?? 0, la) ?? -1;
  return { st, la: la.QuadPart };
}

describe("CreateCommonBufferFromMdl", () => {
  it("without remapping the driver's contiguous memory becomes a common buffer at its physical address; FreeCommonBuffer with the system VA removes it and leaves the memory the driver's", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const m = ownMemory(k, 8192);
    const r = create(a, m.mdl);
    expect(r.st).toBe(STATUS.SUCCESS);
    expect(r.la).toBe(MmGetPhysicalAddress(k, m.va).QuadPart);
    expect(commonBufferAt(k, m.va)?.routine).toBe("CreateCommonBufferFromMdl");
    k.cpu.writeU32(m.va + 4096, 0x600d);
    expect(k.bus.readU32(k.busMasterOf("plx9656"), Number(r.la) + 4096)).toBe(0x600d);
    a.DmaOperations.FreeCommonBuffer?.(a, 8192, { QuadPart: r.la }, m.va, true);
    expect(commonBufferAt(k, m.va)).toBeUndefined();
    // The pages and the VA are still the driver's.
    expect(k.cpu.readU32(m.va + 4096)).toBe(0x600d);
    expect(k.pfm.kindOf(Number(r.la) / 4096)).toBe("contiguous");
    expect(seen).toEqual([]);
  });

  it("without remapping physically scattered pages are STATUS_INVALID_PARAMETER; under remapping they are mapped at one logical range", () => {
    const desk = machine().k;
    const a = masterV3(desk);
    expect(create(a, buffer(desk, [0x5000, 0x7000]).mdl).st).toBe(STATUS.INVALID_PARAMETER);
    const { k, seen } = machine("x64-iommu");
    const r = masterV3(k);
    const b = buffer(k, [0x5000, 0x7000]);
    k.cpu.writeU32(b.va + 4096, 0x1234);
    const c = create(r, b.mdl);
    expect(c.st).toBe(STATUS.SUCCESS);
    expect(k.bus.readU32(k.busMasterOf("plx9656"), Number(c.la) + 4096)).toBe(0x1234);
    expect(seen).toEqual([]);
  });

  it("the MDL must be locked, mapped in system VA, page aligned and whole pages, and not chained: STATUS_INVALID_PARAMETER otherwise", () => {
    const { k } = machine();
    const a = masterV3(k);
    const m = ownMemory(k, 8192);
    const unbuilt = IoAllocateMdl(k, m.va, 8192) as MDL;
    expect(create(a, unbuilt).st).toBe(STATUS.INVALID_PARAMETER);
    const offset = IoAllocateMdl(k, m.va + 512, 4096) as MDL;
    MmBuildMdlForNonPagedPool(k, offset);
    expect(create(a, offset).st).toBe(STATUS.INVALID_PARAMETER);
    const partial = IoAllocateMdl(k, m.va, 5000) as MDL;
    MmBuildMdlForNonPagedPool(k, partial);
    expect(create(a, partial).st).toBe(STATUS.INVALID_PARAMETER);
    const n = ownMemory(k, 4096);
    m.mdl.Next = n.mdl;
    expect(create(a, m.mdl).st).toBe(STATUS.INVALID_PARAMETER);
  });

  it("a SubSection (page-aligned offset and length) picks a range inside one MDL of a chain; across two MDLs, or misaligned, it is STATUS_INVALID_PARAMETER", () => {
    const { k } = machine();
    const a = masterV3(k);
    const m1 = ownMemory(k, 8192);
    const m2 = ownMemory(k, 16384);
    m1.mdl.Next = m2.mdl;
    const sub = (Offset: number, Length: number): DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[] => [{ ConfigType: CommonBufferConfigTypeSubSection, SubSection: { Offset, Length } }];
    const r = create(a, m1.mdl, sub(8192 + 4096, 8192));
    expect(r.st).toBe(STATUS.SUCCESS);
    expect(r.la).toBe(MmGetPhysicalAddress(k, m2.va + 4096).QuadPart);
    expect(commonBufferAt(k, m2.va + 4096)?.length).toBe(8192);
    expect(create(a, m1.mdl, sub(4096, 8192)).st).toBe(STATUS.INVALID_PARAMETER);
    expect(create(a, m1.mdl, sub(100, 4096)).st).toBe(STATUS.INVALID_PARAMETER);
  });

  it("two configurations of one type, or an unknown type, are STATUS_INVALID_PARAMETER; logical-address limits the pages do not meet are STATUS_INVALID_PARAMETER without remapping", () => {
    const { k } = machine();
    const a = masterV3(k);
    const m = ownMemory(k, 4096, 64 << 20, (128 << 20) - 1);
    const limits = (lo: bigint, hi: bigint): DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION => ({ ConfigType: CommonBufferConfigTypeLogicalAddressLimits, LogicalAddressLimits: { MinimumAddress: { QuadPart: lo }, MaximumAddress: { QuadPart: hi } } });
    expect(create(a, m.mdl, [limits(0n, 0xffffffffn), limits(0n, 0xffffffffn)]).st).toBe(STATUS.INVALID_PARAMETER);
    expect(create(a, m.mdl, [{ ConfigType: 7 }]).st).toBe(STATUS.INVALID_PARAMETER);
    expect(create(a, m.mdl, [limits(0n, BigInt(32 << 20))]).st).toBe(STATUS.INVALID_PARAMETER);
    expect(create(a, m.mdl, [limits(BigInt(32 << 20), BigInt(256 << 20))]).st).toBe(STATUS.SUCCESS);
  });

  it("read-only / write-only device access needs DMA remapping (STATUS_NOT_SUPPORTED without); under the IOMMU a read-only buffer can be read but not written by the device, a write-only one the reverse", () => {
    const desk = machine().k;
    const access = (t: number): DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[] => [{ ConfigType: CommonBufferConfigTypeHardwareAccessPermissions, HardwareAccessType: t }];
    expect(create(masterV3(desk), ownMemory(desk, 4096).mdl, access(CommonBufferHardwareAccessReadOnly)).st).toBe(STATUS.NOT_SUPPORTED);
    const { k } = machine("x64-iommu");
    const a = masterV3(k);
    const dev = k.busMasterOf("plx9656");
    const ro = create(a, buffer(k, [0x5000]).mdl, access(CommonBufferHardwareAccessReadOnly));
    expect(k.bus.read(dev, Number(ro.la), new Uint8Array(4))).toBe(true);
    expect(k.bus.write(dev, Number(ro.la), new Uint8Array(4))).toBe(false);
    const wo = create(a, buffer(k, [0x6000]).mdl, access(CommonBufferHardwareAccessWriteOnly));
    expect(k.bus.write(dev, Number(wo.la), new Uint8Array(4))).toBe(true);
    expect(k.bus.read(dev, Number(wo.la), new Uint8Array(4))).toBe(false);
    expect(create(a, buffer(k, [0x7000]).mdl, access(9)).st).toBe(STATUS.INVALID_PARAMETER);
  });

  it("under the IOMMU the logical address honours LogicalAddressLimits (both bounds inclusive)", () => {
    const { k } = machine("x64-iommu");
    const a = masterV3(k);
    const lo = 0x4000_0000n;
    const hi = 0x4000_2fffn;
    const r = create(a, buffer(k, [0x5000, 0x9000]).mdl, [{ ConfigType: CommonBufferConfigTypeLogicalAddressLimits, LogicalAddressLimits: { MinimumAddress: { QuadPart: lo }, MaximumAddress: { QuadPart: hi } } }]);
    expect(r.st).toBe(STATUS.SUCCESS);
    expect(r.la >= lo && r.la + 8191n <= hi).toBe(true);
  });

  it("is in the Server 2022 table only: older builds' tables have a null slot", () => {
    const { k } = machine();
    setDmaOsBuild(k, "win10-2004");
    expect(masterV3(k).DmaOperations.CreateCommonBufferFromMdl).toBeNull();
  });
});
