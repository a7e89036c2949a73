import { describe, expect, it } from "vitest";
import { MiB, physicalAddress } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { commonBufferAt } from "./hal-state.ts";
import { DOMAIN_COMMON_BUFFER_LARGE_PAGE, type DMA_ADAPTER, type DMA_DOMAIN_HANDLE, InterfaceType, MM_ANY_NODE_OK, MmCached } from "./types.ts";
import { machine, masterV3 } from "./v3-test-support.ts";

function domainBuffer(a: DMA_ADAPTER, h: DMA_DOMAIN_HANDLE, length = 4096, flags = 0): { st: number; va: number; la: number } {
  const la = physicalAddress();
  const va = { value: 0 };
  const st = a.DmaOperations.AllocateDomainCommonBuffer?.(a, h, null, length, flags, null, MM_ANY_NODE_OK, la, va) ?? -1;
  return { st, va: va.value, la: Number(la.QuadPart) };
}

const domainOf = (a: DMA_ADAPTER): DMA_DOMAIN_HANDLE => a.DmaOperations.GetDmaDomain?.(a) as DMA_DOMAIN_HANDLE;
const reads = (k: Kernel, device: string, la: number): boolean => k.bus.read(k.busMasterOf(device), la, new Uint8Array(4));

describe("DMA domains", () => {
  it("each device starts in a domain of its own, shared by all its adapters; GetDmaDomain runs at PASSIVE_LEVEL (0xE6 / 0x13 at DISPATCH_LEVEL)", () => {
    const { k, seen } = machine("x64-iommu");
    const p1 = masterV3(k);
    const p2 = masterV3(k, { DmaAddressWidth: 32 });
    const n = masterV3(k, {}, "nic0");
    expect(domainOf(p1)).toBe(domainOf(p2));
    expect(domainOf(n)).not.toBe(domainOf(p1));
    k.atDispatch(() => p1.DmaOperations.GetDmaDomain?.(p1));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x13, 1, 0, DISPATCH_LEVEL]]);
  });

  it("under the IOMMU a domain's devices share one address space: a domain common buffer has one logical address both devices reach, and any member's adapter frees it", () => {
    const { k, seen } = machine("x64-iommu");
    const plx = masterV3(k);
    const nic = masterV3(k, {}, "nic0");
    const dom = domainOf(plx);
    expect(nic.DmaOperations.JoinDmaDomain?.(nic, dom)).toBe(STATUS.SUCCESS);
    expect(domainOf(nic)).toBe(dom);
    const b = domainBuffer(plx, dom);
    expect(b.st).toBe(STATUS.SUCCESS);
    k.cpu.writeU32(b.va, 0xabad1dea);
    expect(k.bus.readU32(k.busMasterOf("plx9656"), b.la) >>> 0).toBe(0xabad1dea);
    expect(k.bus.readU32(k.busMasterOf("nic0"), b.la) >>> 0).toBe(0xabad1dea);
    nic.DmaOperations.FreeCommonBuffer?.(nic, 4096, { QuadPart: BigInt(b.la) }, b.va, true);
    expect(commonBufferAt(k, b.va)).toBeUndefined();
    expect(reads(k, "plx9656", b.la)).toBe(false);
    expect(seen).toEqual([]);
  });

  it("a device leaves for its own domain again (and no longer reaches the domain's buffers); a device in its own domain has nothing to leave (STATUS_INVALID_DEVICE_REQUEST)", () => {
    const { k } = machine("x64-iommu");
    const plx = masterV3(k);
    const nic = masterV3(k, {}, "nic0");
    const own = domainOf(nic);
    nic.DmaOperations.JoinDmaDomain?.(nic, domainOf(plx));
    const b = domainBuffer(plx, domainOf(plx));
    expect(nic.DmaOperations.LeaveDmaDomain?.(nic)).toBe(STATUS.SUCCESS);
    expect(domainOf(nic)).toBe(own);
    expect(reads(k, "nic0", b.la)).toBe(false);
    expect(reads(k, "plx9656", b.la)).toBe(true);
    expect(nic.DmaOperations.LeaveDmaDomain?.(nic)).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });

  it("a remapped device changes address space only when nothing of it is mapped: with a common buffer allocated JoinDmaDomain and LeaveDmaDomain are STATUS_INVALID_DEVICE_STATE", () => {
    const { k } = machine("x64-iommu");
    const plx = masterV3(k);
    const nic = masterV3(k, {}, "nic0");
    const la = physicalAddress();
    const va = nic.DmaOperations.AllocateCommonBuffer?.(nic, 4096, la, true) as number;
    expect(nic.DmaOperations.JoinDmaDomain?.(nic, domainOf(plx))).toBe(STATUS.INVALID_DEVICE_STATE);
    nic.DmaOperations.FreeCommonBuffer?.(nic, 4096, la, va, true);
    expect(nic.DmaOperations.JoinDmaDomain?.(nic, domainOf(plx))).toBe(STATUS.SUCCESS);
    const b = domainBuffer(nic, domainOf(nic));
    expect(nic.DmaOperations.LeaveDmaDomain?.(nic)).toBe(STATUS.INVALID_DEVICE_STATE);
    expect(b.st).toBe(STATUS.SUCCESS);
  });

  it("a remapped device and one that is not cannot share a domain, nor on ARM64 a coherent device and one that does not snoop: STATUS_NOT_SUPPORTED; a handle that is no domain is STATUS_INVALID_HANDLE", () => {
    const { k } = machine("x64-iommu");
    const plx = masterV3(k);
    const isa = masterV3(k, { InterfaceType: InterfaceType.Isa, DmaAddressWidth: 24, ScatterGather: false }, "sb16");
    expect(plx.DmaOperations.JoinDmaDomain?.(plx, domainOf(isa))).toBe(STATUS.NOT_SUPPORTED);
    expect(plx.DmaOperations.JoinDmaDomain?.(plx, { Type: "DMA_DOMAIN" })).toBe(STATUS.INVALID_HANDLE);
    const arm = machine("arm64-soc").k;
    const coherent = masterV3(arm, {}, "nic-coherent");
    const nc = masterV3(arm, {}, "plx9656");
    expect(nc.DmaOperations.JoinDmaDomain?.(nc, domainOf(coherent))).toBe(STATUS.NOT_SUPPORTED);
  });

  it("without remapping domains gather their devices' buffers in physical memory: the buffer lies within every member adapter's reach (a 24-bit member keeps it below 16 MiB)", () => {
    const { k } = machine("x64-desktop");
    const plx = masterV3(k);
    const alone = domainBuffer(plx, domainOf(plx));
    expect(alone.la).toBeGreaterThanOrEqual(16 * MiB);
    const narrow = masterV3(k, { DmaAddressWidth: 24, ScatterGather: false }, "nic0");
    expect(narrow.DmaOperations.JoinDmaDomain?.(narrow, domainOf(plx))).toBe(STATUS.SUCCESS);
    const shared = domainBuffer(plx, domainOf(plx));
    expect(shared.la + 4096).toBeLessThanOrEqual(16 * MiB);
    expect(reads(k, "nic0", shared.la)).toBe(true);
  });

  it("AllocateDomainCommonBuffer: a domain the adapter's device is not in, a Length of 0 or an unknown flag is STATUS_INVALID_PARAMETER; DOMAIN_COMMON_BUFFER_LARGE_PAGE allocates in 2 MiB granules", () => {
    const { k } = machine("x64-iommu");
    const plx = masterV3(k);
    const nic = masterV3(k, {}, "nic0");
    expect(domainBuffer(plx, domainOf(nic)).st).toBe(STATUS.INVALID_PARAMETER);
    expect(domainBuffer(plx, domainOf(plx), 0).st).toBe(STATUS.INVALID_PARAMETER);
    expect(domainBuffer(plx, domainOf(plx), 4096, 0x2).st).toBe(STATUS.INVALID_PARAMETER);
    const big = domainBuffer(plx, domainOf(plx), 5000, DOMAIN_COMMON_BUFFER_LARGE_PAGE);
    expect(big.st).toBe(STATUS.SUCCESS);
    expect(big.la % (2 * MiB)).toBe(0);
    expect(commonBufferAt(k, big.va)?.pages).toBe(512);
  });

  it("AllocateDomainCommonBuffer's MaximumAddress bounds the logical address (an IOVA under the IOMMU, the physical address without); a PreferredNode that does not exist is STATUS_INVALID_PARAMETER", () => {
    for (const profile of ["x64-iommu", "x64-desktop"]) {
      const { k, seen } = machine(profile);
      const plx = masterV3(k);
      const la = physicalAddress();
      const va = { value: 0 };
      const limit = 64 * MiB - 1;
      expect(plx.DmaOperations.AllocateDomainCommonBuffer?.(plx, domainOf(plx), physicalAddress(limit), 3 * 4096, 0, null, MM_ANY_NODE_OK, la, va), profile).toBe(STATUS.SUCCESS);
      expect(Number(la.QuadPart) + 3 * 4096 - 1, profile).toBeLessThanOrEqual(limit);
      k.cpu.writeU32(va.value + 8192, 0x5eed);
      expect(k.bus.readU32(k.busMasterOf("plx9656"), Number(la.QuadPart) + 8192), profile).toBe(0x5eed);
      expect(plx.DmaOperations.AllocateDomainCommonBuffer?.(plx, domainOf(plx), null, 4096, 0, null, k.map.nodeCount, physicalAddress(), { value: 0 }), profile).toBe(STATUS.INVALID_PARAMETER);
      plx.DmaOperations.FreeCommonBuffer?.(plx, 3 * 4096, la, va.value, true);
      expect(seen, profile).toEqual([]);
    }
  });

  it("an explicit CacheType is followed; MmCached buffers are freed with CacheEnabled TRUE", () => {
    const { k, seen } = machine("arm64-soc");
    const nc = masterV3(k, {}, "plx9656");
    const la = physicalAddress();
    const va = { value: 0 };
    expect(nc.DmaOperations.AllocateDomainCommonBuffer?.(nc, domainOf(nc), null, 4096, 0, MmCached, 0, la, va)).toBe(STATUS.SUCCESS);
    expect(k.va.find(va.value)).toMatchObject({ cache: "cached", deviceMemory: false });
    nc.DmaOperations.FreeCommonBuffer?.(nc, 4096, la, va.value, true);
    expect(seen).toEqual([]);
  });
});
