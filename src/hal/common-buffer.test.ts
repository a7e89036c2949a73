import { describe, expect, it } from "vitest";
import { GiB, KiB, MiB, PAGE_SIZE, physicalAddress } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import type { FindingInput } from "../core/findings.ts";
import { MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { FILL_PATTERN } from "../machine/physical-memory.ts";
import { parseProfile } from "../machine/profile.ts";
import { adapterObject } from "./adapter.ts";
import { addHalObserver, commonBufferAt, halState } from "./hal-state.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import type { AdapterEvent, CommonBufferEvent } from "./observer.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, DOMAIN_COMMON_BUFFER_LARGE_PAGE, type DMA_ADAPTER, DmaWidth, InterfaceType, MM_ANY_NODE_OK, MmCached, MmNonCached, MmWriteCombined } from "./types.ts";

function collect(k: Kernel): FindingInput[] {
  const list: FindingInput[] = [];
  k.findings = { report: (f) => list.push(f) };
  return list;
}

function adapterFor(k: Kernel, device: string, d: Partial<DEVICE_DESCRIPTION> = {}): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo(device), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 * MiB, ...d }), { value: 0 });
  if (a === null) throw new Error("IoGetDmaAdapter returned NULL");
  return a;
}

function alloc(a: DMA_ADAPTER, length: number, cacheEnabled = true): { va: number; la: bigint } {
  const la = physicalAddress();
  const va = a.DmaOperations.AllocateCommonBuffer?.(a, length, la, cacheEnabled) ?? null;
  if (va === null) throw new Error("AllocateCommonBuffer returned NULL");
  return { va, la: la.QuadPart };
}

function free(a: DMA_ADAPTER, length: number, b: { va: number; la: bigint }, cacheEnabled = true): void {
  a.DmaOperations.FreeCommonBuffer?.(a, length, { QuadPart: b.la }, b.va, cacheEnabled);
}

const sb16 = { Version: 2, Master: false, ScatterGather: false, DmaChannel: 1, InterfaceType: InterfaceType.Isa, DmaWidth: DmaWidth.Width8Bits, AutoInitialize: true, MaximumLength: 0x8000 } as const;

/** A PC whose RAM runs straight across 4 GiB (no PCI hole), to test the 4 GiB line. */
const flat = parseProfile({ name: "flat", arch: "x64", memory: [{ base: 0, length: "8GiB", type: "ram" }], devices: [{ name: "dev", bus: "pci" }] });
/** Two small NUMA nodes, to exhaust one. */
const numa = parseProfile({ name: "numa-small", arch: "x64", nodes: 2, memory: [{ base: 0, length: "64MiB", type: "ram", node: 0 }, { base: "64MiB", length: "64MiB", type: "ram", node: 1 }], devices: [{ name: "dev", bus: "pci", node: 1 }] });

describe("AllocateCommonBuffer on x64-desktop", () => {
  it("AllocateCommonBuffer of 5000 bytes takes two pages and gives the caller 5000", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, 5000);
    const cb = commonBufferAt(k, b.va);
    expect(cb?.pages).toBe(2);
    expect(cb?.length).toBe(5000);
    expect(k.va.find(b.va)?.pages).toBe(2);
  });

  it("allocates at least a page whatever the Length: a 100-byte request takes one page", () => {
    const k = bootMachine("x64-desktop");
    const free0 = k.pfm.stats.freePages;
    const b = alloc(adapterFor(k, "plx9656"), 100);
    expect(commonBufferAt(k, b.va)?.pages).toBe(1);
    expect(k.pfm.stats.freePages).toBe(free0 - 1);
  });

  it("returns a page-aligned VA and, without remapping, a logical address equal to MmGetPhysicalAddress of the VA", () => {
    const k = bootMachine("x64-desktop");
    const b = alloc(adapterFor(k, "plx9656"), 3 * PAGE_SIZE);
    expect(b.va % PAGE_SIZE).toBe(0);
    expect(MmGetPhysicalAddress(k, b.va).QuadPart).toBe(b.la);
    expect(MmGetPhysicalAddress(k, b.va + 2 * PAGE_SIZE).QuadPart).toBe(b.la + BigInt(2 * PAGE_SIZE));
  });

  it("the buffer appears contiguous to the device: what the CPU writes at VA+n the device reads at LA+n", () => {
    const k = bootMachine("x64-desktop");
    const b = alloc(adapterFor(k, "plx9656"), 2 * PAGE_SIZE);
    k.cpu.writeU32(b.va + PAGE_SIZE - 2, 0x11223344);
    const dev = k.busMasterOf("plx9656");
    expect(k.bus.readU32(dev, Number(b.la) + PAGE_SIZE - 2)).toBe(0x11223344);
  });

  it("CacheEnabled is ignored on x64: FALSE still gives a cached, coherent buffer", () => {
    const k = bootMachine("x64-desktop");
    const b = alloc(adapterFor(k, "plx9656"), PAGE_SIZE, false);
    expect(k.va.find(b.va)?.cache).toBe("cached");
    expect(k.va.find(b.va)?.deviceMemory).toBe(false);
  });

  it("the memory is returned uninitialised (the fill pattern), not zeroed", () => {
    const k = bootMachine("x64-desktop");
    const b = alloc(adapterFor(k, "plx9656"), PAGE_SIZE);
    expect(k.cpu.readU32(b.va)).toBe(FILL_PATTERN);
  });

  it("returns NULL for a Length of 0 and changes nothing", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const free0 = k.pfm.stats.freePages;
    const la = physicalAddress(7);
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, 0, la, true)).toBeNull();
    expect(la.QuadPart).toBe(7n);
    expect(k.pfm.stats.freePages).toBe(free0);
  });

  it("a bus master's buffer comes from above 16 MiB first, sparing ISA-reachable memory (dmasim policy)", () => {
    const k = bootMachine("x64-desktop");
    const b = alloc(adapterFor(k, "plx9656"), PAGE_SIZE);
    expect(b.la).toBeGreaterThanOrEqual(BigInt(16 * MiB));
  });

  it("a 32-bit adapter's buffer lies below 4 GiB", () => {
    const k = bootMachine("x64-desktop", { placement: "highest" });
    const b = alloc(adapterFor(k, "plx9656", { Version: 2, Dma32BitAddresses: true, ScatterGather: false }), 4 * PAGE_SIZE);
    expect(b.la + BigInt(4 * PAGE_SIZE)).toBeLessThanOrEqual(BigInt(4 * GiB));
    const c = alloc(adapterFor(k, "plx9656", { Version: 2, Dma64BitAddresses: true }), 4 * PAGE_SIZE);
    expect(c.la).toBeGreaterThan(BigInt(4 * GiB));
  });

  it("a system DMA (ISA) buffer lies below 16 MiB and never crosses a 64 KiB boundary", () => {
    const k = bootMachine("x64-desktop");
    const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription(sb16), { value: 0 }) as DMA_ADAPTER;
    for (let i = 0; i < 20; i++) {
      const b = alloc(a, 40 * KiB);
      const la = Number(b.la);
      expect(la + 40 * KiB).toBeLessThanOrEqual(16 * MiB);
      expect(Math.floor(la / (64 * KiB))).toBe(Math.floor((la + 40 * KiB - 1) / (64 * KiB)));
    }
  });

  it("a request longer than the adapter's boundary can never succeed: 128 KiB for a system DMA adapter is NULL", () => {
    const k = bootMachine("x64-desktop");
    const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription(sb16), { value: 0 }) as DMA_ADAPTER;
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, 128 * KiB, physicalAddress(), true)).toBeNull();
  });

  it("a bus master's buffer never crosses a 4 GiB line", () => {
    const k = bootMachine(flat);
    const a = adapterFor(k, "dev");
    const la = physicalAddress();
    // Ask for 4 pages no lower than 2 pages below 4 GiB: the run that would straddle the line is refused.
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, physicalAddress(4 * GiB - 2 * PAGE_SIZE), null, 4 * PAGE_SIZE, 0, null, MM_ANY_NODE_OK, la);
    expect(va).not.toBeNull();
    expect(la.QuadPart).toBe(BigInt(4 * GiB));
  });

  it("must be called at PASSIVE_LEVEL: at DISPATCH_LEVEL it is reported as 0xE6 / 0x13", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    k.atDispatch(() => a.DmaOperations.AllocateCommonBuffer?.(a, PAGE_SIZE, physicalAddress(), true));
    expect(f.map((x) => x.bugCheck?.slice(0, 2))).toEqual([[0xe6, 0x13]]);
    expect(f[0]?.routine).toBe("AllocateCommonBuffer");
  });

  it("a NULL DmaAdapter bug checks DRIVER_VERIFIER_DMA_VIOLATION (0xE6) with parameter 1 = 0x19", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    try {
      a.DmaOperations.AllocateCommonBuffer?.(null as unknown as DMA_ADAPTER, PAGE_SIZE, physicalAddress(), true);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect([(e as BugCheckError).code, (e as BugCheckError).params[0]]).toEqual([0xe6, 0x19]);
    }
  });

  it("a Length that is not a ULONG is a RangeError", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    expect(() => a.DmaOperations.AllocateCommonBuffer?.(a, 2 ** 32, physicalAddress(), true)).toThrow(/ULONG/);
    expect(() => a.DmaOperations.AllocateCommonBuffer?.(a, 1.5, physicalAddress(), true)).toThrow(RangeError);
  });
});

describe("FreeCommonBuffer", () => {
  it("FreeCommonBuffer with matching values returns every page and unmaps the VA", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const free0 = k.pfm.stats.freePages;
    const b = alloc(a, 5000);
    free(a, 5000, b);
    expect(k.pfm.stats.freePages).toBe(free0);
    expect(k.va.find(b.va)).toBeUndefined();
    expect(commonBufferAt(k, b.va)).toBeUndefined();
  });

  it("a free with a different Length is reported and the buffer stays allocated and usable", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, 5000);
    free(a, 8192, b);
    expect(f[0]?.code).toBe("DMA_COMMON_BUFFER_FREE_MISMATCH");
    expect(f[0]?.message).toMatch(/Length 8192 \(allocated 5000\)/);
    expect(commonBufferAt(k, b.va)).toBeDefined();
    k.cpu.writeU32(b.va, 1);
    free(a, 5000, b);
    expect(commonBufferAt(k, b.va)).toBeUndefined();
    expect(f).toHaveLength(1);
  });

  it("a free with a different LogicalAddress or CacheEnabled is reported and frees nothing", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, PAGE_SIZE, true);
    const free0 = k.pfm.stats.freePages;
    free(a, PAGE_SIZE, { va: b.va, la: b.la + 4096n });
    free(a, PAGE_SIZE, b, false);
    expect(f.map((x) => x.code)).toEqual(["DMA_COMMON_BUFFER_FREE_MISMATCH", "DMA_COMMON_BUFFER_FREE_MISMATCH"]);
    expect(f[1]?.message).toMatch(/CacheEnabled FALSE \(allocated with TRUE\)/);
    expect(k.pfm.stats.freePages).toBe(free0);
  });

  it("a double free is reported as 0xE6 / 0x03 (too many common buffers freed) and changes nothing", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, PAGE_SIZE);
    free(a, PAGE_SIZE, b);
    const free0 = k.pfm.stats.freePages;
    free(a, PAGE_SIZE, b);
    expect(f[0]?.code).toBe("DMA_COMMON_BUFFER_DOUBLE_FREE");
    expect(f[0]?.bugCheck).toEqual([0xe6, 0x03, 1, 0, 0]);
    expect(k.pfm.stats.freePages).toBe(free0);
  });

  it("a free of an address that was never a common buffer, or that belongs to another adapter, is reported and frees nothing", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const other = adapterFor(k, "nic0");
    const b = alloc(other, PAGE_SIZE);
    free(a, PAGE_SIZE, { va: 0xc000_1234_0000, la: 0n });
    free(a, PAGE_SIZE, b);
    expect(f.map((x) => x.code)).toEqual(["DMA_COMMON_BUFFER_UNKNOWN_FREE", "DMA_COMMON_BUFFER_UNKNOWN_FREE"]);
    expect(f[1]?.message).toMatch(/belongs to adapter .*nic0/);
    expect(commonBufferAt(k, b.va)).toBeDefined();
  });

  it("must be called at PASSIVE_LEVEL", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, PAGE_SIZE);
    k.atDispatch(() => free(a, PAGE_SIZE, b));
    expect(f[0]?.code).toBe("DMA_WRONG_IRQL");
  });
});

describe("PutDmaAdapter", () => {
  it("releases the adapter; with common buffers outstanding it is reported as 0xE6 / 0x07 and the buffers leak", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, PAGE_SIZE);
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(f[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x07]);
    expect(f[0]?.bugCheck?.[3]).toBe(1);
    expect(adapterObject(a).released).toBe(true);
    expect(commonBufferAt(k, b.va)).toBeDefined();
  });

  it("an adapter used after PutDmaAdapter is reported as 0xE6 / 0x18 and the call does nothing", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(f).toHaveLength(0);
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, PAGE_SIZE, physicalAddress(), true)).toBeNull();
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(f.map((x) => x.bugCheck?.[1])).toEqual([0x18, 0x18]);
  });

  it("may be called at DISPATCH_LEVEL", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    k.atDispatch(() => a.DmaOperations.PutDmaAdapter?.(a));
    expect(f).toHaveLength(0);
  });
});

describe("AllocateCommonBufferEx (version 3)", () => {
  it("allocates below MaximumAddress", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferEx?.(a, physicalAddress(8 * MiB - 1), 3 * PAGE_SIZE, la, true, 0);
    expect(va).not.toBeNull();
    expect(la.QuadPart + BigInt(3 * PAGE_SIZE)).toBeLessThanOrEqual(BigInt(8 * MiB));
  });

  it("a MaximumAddress of 0xFFFFFFFFFFFFFFFF means no limit beyond the adapter's reach", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656", { DmaAddressWidth: 32 });
    const la = physicalAddress();
    expect(a.DmaOperations.AllocateCommonBufferEx?.(a, physicalAddress(0xffff_ffff_ffff_ffffn), PAGE_SIZE, la, true, 0)).not.toBeNull();
    expect(la.QuadPart).toBeLessThan(BigInt(4 * GiB));
  });

  it("returns NULL when nothing fits below MaximumAddress", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    expect(a.DmaOperations.AllocateCommonBufferEx?.(a, physicalAddress(PAGE_SIZE - 1), 2 * PAGE_SIZE, physicalAddress(), true, 0)).toBeNull();
  });

  it("honours CacheEnabled on x64: FALSE gives an uncached buffer, TRUE a cached one", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const nc = a.DmaOperations.AllocateCommonBufferEx?.(a, null, PAGE_SIZE, physicalAddress(), false, 0) as number;
    const c = a.DmaOperations.AllocateCommonBufferEx?.(a, null, PAGE_SIZE, physicalAddress(), true, 0) as number;
    expect(k.va.find(nc)?.cache).toBe("noncached");
    expect(k.va.find(nc)?.deviceMemory).toBe(false);
    expect(k.va.find(c)?.cache).toBe("cached");
  });

  it("a PreferredNode that does not exist gives NULL; MM_ANY_NODE_OK is accepted", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    expect(a.DmaOperations.AllocateCommonBufferEx?.(a, null, PAGE_SIZE, physicalAddress(), true, 1)).toBeNull();
    expect(a.DmaOperations.AllocateCommonBufferEx?.(a, null, PAGE_SIZE, physicalAddress(), true, MM_ANY_NODE_OK)).not.toBeNull();
  });
});

describe("AllocateCommonBufferWithBounds", () => {
  it("allocates inside [MinimumAddress, MaximumAddress]", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, physicalAddress(5 * GiB), physicalAddress(6 * GiB - 1), 2 * PAGE_SIZE, 0, null, MM_ANY_NODE_OK, la);
    expect(va).not.toBeNull();
    expect(la.QuadPart).toBeGreaterThanOrEqual(BigInt(5 * GiB));
    expect(la.QuadPart + BigInt(2 * PAGE_SIZE)).toBeLessThanOrEqual(BigInt(6 * GiB));
  });

  it("CacheType MmNonCached gives an uncached buffer that is freed with CacheEnabled FALSE; MmCached a cached one", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, PAGE_SIZE, 0, MmNonCached, MM_ANY_NODE_OK, la) as number;
    expect(k.va.find(va)?.cache).toBe("noncached");
    a.DmaOperations.FreeCommonBuffer?.(a, PAGE_SIZE, la, va, false);
    const la2 = physicalAddress();
    const va2 = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, PAGE_SIZE, 0, MmCached, MM_ANY_NODE_OK, la2) as number;
    expect(k.va.find(va2)?.cache).toBe("cached");
    expect(f).toHaveLength(0);
  });

  it("any CacheType other than MmCached or MmNonCached, or an unknown flag, gives NULL", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    expect(a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, PAGE_SIZE, 0, MmWriteCombined, MM_ANY_NODE_OK, physicalAddress())).toBeNull();
    expect(a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, PAGE_SIZE, 0x2, null, MM_ANY_NODE_OK, physicalAddress())).toBeNull();
  });

  it("DOMAIN_COMMON_BUFFER_LARGE_PAGE allocates in 2 MiB granules, 2 MiB aligned", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, 5000, DOMAIN_COMMON_BUFFER_LARGE_PAGE, null, MM_ANY_NODE_OK, la) as number;
    expect(commonBufferAt(k, va)?.pages).toBe(512);
    expect(la.QuadPart % BigInt(2 * MiB)).toBe(0n);
  });

  it("MinimumAddress above MaximumAddress gives NULL", () => {
    const k = bootMachine("x64-desktop");
    const a = adapterFor(k, "plx9656");
    expect(a.DmaOperations.AllocateCommonBufferWithBounds?.(a, physicalAddress(2 * GiB), physicalAddress(GiB), PAGE_SIZE, 0, null, MM_ANY_NODE_OK, physicalAddress())).toBeNull();
  });
});

describe("common buffers under DMA remapping (x64-iommu)", () => {
  it("the logical address comes from the device's IO-virtual space and differs from MmGetPhysicalAddress of the VA", () => {
    const k = bootMachine("x64-iommu");
    const b = alloc(adapterFor(k, "plx9656", { DmaAddressWidth: 32 }), PAGE_SIZE);
    expect(MmGetPhysicalAddress(k, b.va).QuadPart).not.toBe(b.la);
    expect(b.la).toBeLessThan(BigInt(4 * GiB));
    expect(k.iommu?.physicalAddressOf(k.busMasterOf("plx9656").domain, Number(b.la))).toBe(Number(MmGetPhysicalAddress(k, b.va).QuadPart));
  });

  it("a multi-page buffer may be physically scattered yet is logically contiguous for the device", () => {
    const k = bootMachine("x64-iommu");
    const b = alloc(adapterFor(k, "plx9656"), 16 * PAGE_SIZE);
    const pfns = [...(commonBufferAt(k, b.va)?.pfns ?? [])];
    expect(pfns.some((p, i) => i > 0 && p !== (pfns[i - 1] as number) + 1)).toBe(true);
    const dev = k.busMasterOf("plx9656");
    const data = new Uint8Array(16 * PAGE_SIZE).map((_, i) => i & 0xff);
    expect(k.bus.write(dev, Number(b.la), data)).toBe(true);
    expect([...k.cpu.readBytes(b.va, 16 * PAGE_SIZE)]).toEqual([...data]);
  });

  it("a device that is handed the physical address instead of the logical one faults", () => {
    const k = bootMachine("x64-iommu");
    const b = alloc(adapterFor(k, "plx9656"), PAGE_SIZE);
    const dev = k.busMasterOf("plx9656");
    expect(k.bus.writeU32(dev, Number(MmGetPhysicalAddress(k, b.va).QuadPart), 1)).toBe(false);
    expect(k.bus.faults.at(-1)?.reason).toBe("iommu-not-mapped");
  });

  it("after FreeCommonBuffer the translation is gone: the device faults on the old logical address, and pages and IOVAs are returned", () => {
    const k = bootMachine("x64-iommu");
    const a = adapterFor(k, "plx9656");
    const domain = k.busMasterOf("plx9656").domain;
    const iova0 = k.iommu?.freeIovaRanges(domain);
    const free0 = k.pfm.stats.freePages;
    const b = alloc(a, 3 * PAGE_SIZE);
    free(a, 3 * PAGE_SIZE, b);
    expect(k.bus.writeU32(k.busMasterOf("plx9656"), Number(b.la), 1)).toBe(false);
    expect(k.pfm.stats.freePages).toBe(free0);
    expect(k.iommu?.freeIovaRanges(domain)).toEqual(iova0);
  });

  it("DOMAIN_COMMON_BUFFER_LARGE_PAGE under the IOMMU: a 2 MiB-aligned IOVA backed by one 2 MiB-aligned physical run", () => {
    const k = bootMachine("x64-iommu");
    const a = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, 3 * MiB, DOMAIN_COMMON_BUFFER_LARGE_PAGE, null, MM_ANY_NODE_OK, la) as number;
    const cb = commonBufferAt(k, va);
    expect(cb?.pages).toBe(1024);
    expect(la.QuadPart % BigInt(2 * MiB)).toBe(0n);
    expect(cb?.physicalRuns?.length).toBe(4);
    expect(cb?.physicalRuns?.every((x, i) => i % 2 === 1 || x % 512 === 0)).toBe(true);
  });

  it("a device that does not opt in to remapping (the ISA sound card) still gets logical = physical", () => {
    const k = bootMachine("x64-iommu");
    const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription(sb16), { value: 0 }) as DMA_ADAPTER;
    const b = alloc(a, PAGE_SIZE);
    expect(MmGetPhysicalAddress(k, b.va).QuadPart).toBe(b.la);
  });
});

describe("common buffers on arm64-soc (ACPI _CCA)", () => {
  it("AllocateCommonBuffer for a device with _CCA 0 gives uncached Device memory even with CacheEnabled TRUE", () => {
    const k = bootMachine("arm64-soc");
    const b = alloc(adapterFor(k, "dma-noncoherent", { InterfaceType: InterfaceType.Internal }), PAGE_SIZE, true);
    expect(k.va.find(b.va)).toMatchObject({ cache: "noncached", deviceMemory: true });
  });

  it("AllocateCommonBuffer for a device with _CCA 1 gives cached memory", () => {
    const k = bootMachine("arm64-soc");
    const b = alloc(adapterFor(k, "nic-coherent"), PAGE_SIZE, false);
    expect(k.va.find(b.va)).toMatchObject({ cache: "cached", deviceMemory: false });
  });

  it("AllocateCommonBufferEx: _CCA 0 wins over CacheEnabled TRUE; on a coherent device FALSE gives uncached Device memory", () => {
    const k = bootMachine("arm64-soc");
    const nc = adapterFor(k, "plx9656");
    const va = nc.DmaOperations.AllocateCommonBufferEx?.(nc, null, PAGE_SIZE, physicalAddress(), true, 0) as number;
    expect(k.va.find(va)).toMatchObject({ cache: "noncached", deviceMemory: true });
    const c = adapterFor(k, "nic-coherent");
    const va2 = c.DmaOperations.AllocateCommonBufferEx?.(c, null, PAGE_SIZE, physicalAddress(), false, 0) as number;
    expect(k.va.find(va2)).toMatchObject({ cache: "noncached", deviceMemory: true });
    const va3 = c.DmaOperations.AllocateCommonBufferEx?.(c, null, PAGE_SIZE, physicalAddress(), true, 0) as number;
    expect(k.va.find(va3)).toMatchObject({ cache: "cached", deviceMemory: false });
  });

  it("AllocateCommonBufferWithBounds: an explicit CacheType is followed regardless of the platform (MmCached on _CCA 0 is cached memory); NULL keeps the _CCA default; MmNonCached is uncached Device memory", () => {
    const k = bootMachine("arm64-soc");
    const nc = adapterFor(k, "plx9656");
    const la = physicalAddress();
    const va = nc.DmaOperations.AllocateCommonBufferWithBounds?.(nc, null, null, PAGE_SIZE, 0, MmCached, MM_ANY_NODE_OK, la) as number;
    expect(k.va.find(va)).toMatchObject({ cache: "cached", deviceMemory: false });
    // FreeCommonBuffer repeats CacheEnabled as the buffer was made: TRUE for the cached override.
    nc.DmaOperations.FreeCommonBuffer?.(nc, PAGE_SIZE, la, va, true);
    expect(commonBufferAt(k, va)).toBeUndefined();
    const dflt = nc.DmaOperations.AllocateCommonBufferWithBounds?.(nc, null, null, PAGE_SIZE, 0, null, MM_ANY_NODE_OK, physicalAddress()) as number;
    expect(k.va.find(dflt)).toMatchObject({ cache: "noncached", deviceMemory: true });
    const c = adapterFor(k, "nic-coherent");
    const va2 = c.DmaOperations.AllocateCommonBufferWithBounds?.(c, null, null, PAGE_SIZE, 0, MmNonCached, MM_ANY_NODE_OK, physicalAddress()) as number;
    expect(k.va.find(va2)).toMatchObject({ cache: "noncached", deviceMemory: true });
  });

  it("the buffer is in the SoC's DRAM (at 2 GiB and up) and the device sees the same bytes", () => {
    const k = bootMachine("arm64-soc");
    const b = alloc(adapterFor(k, "nic-coherent"), PAGE_SIZE);
    expect(b.la).toBeGreaterThanOrEqual(0x8000_0000n);
    k.cpu.writeU32(b.va, 0xcafe);
    expect(k.bus.readU32(k.busMasterOf("nic-coherent"), Number(b.la))).toBe(0xcafe);
  });
});

describe("NUMA placement (x64-server and a two-node machine)", () => {
  it("AllocateCommonBufferEx takes memory from PreferredNode", () => {
    const k = bootMachine("x64-server");
    const a = adapterFor(k, "plx9656");
    const va = a.DmaOperations.AllocateCommonBufferEx?.(a, null, 4 * PAGE_SIZE, physicalAddress(), true, 1) as number;
    const pfns = commonBufferAt(k, va)?.pfns ?? new Int32Array();
    expect([...pfns].every((p) => k.map.nodeOfPfn(p) === 1)).toBe(true);
  });

  it("when the preferred node is full the allocation falls back to the nearest other node", () => {
    const k = bootMachine(numa);
    const a = adapterFor(k, "dev");
    // Fill node 1 (64 MiB) with one buffer, then ask node 1 again.
    const big = a.DmaOperations.AllocateCommonBufferEx?.(a, null, 64 * MiB, physicalAddress(), true, 1);
    expect(big).not.toBeNull();
    const va = a.DmaOperations.AllocateCommonBufferEx?.(a, null, PAGE_SIZE, physicalAddress(), true, 1) as number;
    expect(k.map.nodeOfPfn(commonBufferAt(k, va)?.pfns[0] ?? -1)).toBe(0);
  });

  it("under an IOMMU the scattered pages still come from PreferredNode, and from the nearest other node when it is full", () => {
    const p = parseProfile({ ...numa, name: "numa-iommu", iommu: { enabled: true, addressWidth: 48 }, devices: [{ name: "dev", bus: "pci", node: 1, remapping: true }] });
    const k = bootMachine(p);
    const a = adapterFor(k, "dev");
    const va = a.DmaOperations.AllocateCommonBufferEx?.(a, null, 16 * PAGE_SIZE, physicalAddress(), true, 1) as number;
    expect([...(commonBufferAt(k, va)?.pfns ?? [])].every((f) => k.map.nodeOfPfn(f) === 1)).toBe(true);
    // Take (nearly) all of node 1, then ask again: node 0 serves the rest.
    expect(a.DmaOperations.AllocateCommonBufferEx?.(a, null, 64 * MiB - 16 * PAGE_SIZE, physicalAddress(), true, 1)).not.toBeNull();
    const more = a.DmaOperations.AllocateCommonBufferEx?.(a, null, 4 * PAGE_SIZE, physicalAddress(), true, 1) as number;
    expect([...(commonBufferAt(k, more)?.pfns ?? [])].every((f) => k.map.nodeOfPfn(f) === 0)).toBe(true);
  });

  it("AllocateCommonBuffer prefers the device's own node (_PXM) (dmasim policy)", () => {
    const k = bootMachine("x64-server");
    const b = alloc(adapterFor(k, "nic1"), PAGE_SIZE);
    expect(k.map.nodeOfPfn(Number(b.la) / PAGE_SIZE)).toBe(1);
    const c = alloc(adapterFor(k, "plx9656"), PAGE_SIZE);
    expect(k.map.nodeOfPfn(Number(c.la) / PAGE_SIZE)).toBe(0);
  });

  it("the device's node comes before the ISA-zone reserve: a node-0 master whose node is full above 16 MiB gets node 0 below 16 MiB, not node 1", () => {
    const p = parseProfile({ ...numa, name: "numa-node0", devices: [{ name: "dev", bus: "pci", node: 0 }] });
    const k = bootMachine(p);
    // Take all of node 0 above 16 MiB (and below its 64 MiB end).
    const taken = k.pfm.allocateContiguous({ pages: 48 * 256, lowPfn: 16 * 256, highPfn: 64 * 256 - 1, node: 0, nodePolicy: "strict", effort: "free-only" });
    expect(taken).toBeGreaterThanOrEqual(0);
    const b = alloc(adapterFor(k, "dev"), PAGE_SIZE);
    const pfn = Number(b.la) / PAGE_SIZE;
    expect(k.map.nodeOfPfn(pfn)).toBe(0);
    expect(pfn).toBeLessThan(16 * 256);
  });

  it("with room on the device's node above 16 MiB the ISA zone is spared", () => {
    const p = parseProfile({ ...numa, name: "numa-node0", devices: [{ name: "dev", bus: "pci", node: 0 }] });
    const k = bootMachine(p);
    const b = alloc(adapterFor(k, "dev"), PAGE_SIZE);
    expect(Number(b.la)).toBeGreaterThanOrEqual(16 * MiB);
    expect(k.map.nodeOfPfn(Number(b.la) / PAGE_SIZE)).toBe(0);
  });

  it("a 32-bit adapter on a node whose memory is all above 4 GiB falls back to node 0 below 4 GiB", () => {
    const k = bootMachine("x64-server");
    const b = alloc(adapterFor(k, "nic1", { DmaAddressWidth: 32 }), PAGE_SIZE);
    expect(b.la).toBeLessThan(BigInt(4 * GiB));
    expect(k.map.nodeOfPfn(Number(b.la) / PAGE_SIZE)).toBe(0);
  });
});

describe("HAL observer", () => {
  it("sees adapter creation and release and every common-buffer allocation and free, with the inaccessible tail's extent", () => {
    const k = bootMachine("x64-desktop");
    const seen: string[] = [];
    let alloced: CommonBufferEvent | undefined;
    let created: AdapterEvent | undefined;
    addHalObserver(k, {
      onAdapterCreated: (e) => {
        created = e;
        seen.push("created");
      },
      onAdapterReleased: (e) => seen.push(`released:${e.outstandingCommonBuffers}`),
      onCommonBufferAllocated: (e) => {
        alloced = e;
        seen.push("alloc");
      },
      onCommonBufferFreed: (e) => seen.push(`free:${e.routine}`),
    });
    const a = adapterFor(k, "plx9656");
    const b = alloc(a, 5000, false);
    free(a, 5000, b, false);
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(seen).toEqual(["created", "alloc", "free:FreeCommonBuffer", "released:0"]);
    expect(created?.device).toBe("plx9656");
    expect(alloced).toMatchObject({ routine: "AllocateCommonBuffer", va: b.va, length: 5000, pages: 2, logical: Number(b.la), cache: "cached", cacheEnabled: false, deviceMemory: false });
    // The caller's bytes end at va + 5000; the tail up to va + 8192 is not theirs.
    expect((alloced?.pages ?? 0) * PAGE_SIZE - (alloced?.length ?? 0)).toBe(3192);
  });

  it("with no observer installed nothing is called and the HAL still works", () => {
    const k = bootMachine("x64-desktop");
    expect(halState(k).observers.current).toBeNull();
    const a = adapterFor(k, "plx9656");
    free(a, PAGE_SIZE, alloc(a, PAGE_SIZE));
    expect(adapterObject(a).counters).toMatchObject({ commonBuffersAllocated: 1, commonBuffersFreed: 1, scatterGatherListsBuilt: 0 });
  });
});
