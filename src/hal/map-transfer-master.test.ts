import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DeallocateObjectKeepRegisters, deviceDescription, type DEVICE_DESCRIPTION, type DMA_ADAPTER, InterfaceType, KeepObject, type MapRegisterBase } from "./types.ts";

function machine(profile = "x64-desktop"): { k: Kernel; seen: FindingInput[] } {
  const k = bootMachine(profile);
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return { k, seen };
}

function master(k: Kernel, d: Partial<DEVICE_DESCRIPTION>): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Master: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536, ...d }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

function grant(k: Kernel, a: DMA_ADAPTER, n: number, action: typeof KeepObject | typeof DeallocateObjectKeepRegisters = KeepObject): MapRegisterBase {
  let base: MapRegisterBase = null;
  k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("plx9656"), "f", 64), n, (_d, _i, b) => ((base = b), action), null));
  return base;
}

/** Three pages mapped at one VA whose frames are not adjacent (as a locked user buffer's are). */
function scattered(k: Kernel): { va: number; mdl: MDL; pfns: number[] } {
  const pfns = [0x12345, 0x23456, 0x34567];
  for (const p of pfns) if (k.pfm.allocatePages(1, { effort: "full", lowPfn: p, highPfn: p }) === null) throw new Error("page in use");
  const m = k.va.map(pfns, "cached", "user buffer");
  const mdl = IoAllocateMdl(k, m.startVa, 3 * 4096);
  if (mdl === null) throw new Error("no MDL");
  MmBuildMdlForNonPagedPool(k, mdl);
  return { va: m.startVa, mdl, pfns };
}

describe("MapTransfer (bus masters)", () => {
  it("a scatter/gather master without an IOMMU gets the physical address of the first contiguous run and *Length trimmed to it", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 3, ScatterGather: true, DmaAddressWidth: 64 });
    const { va, mdl, pfns } = scattered(k);
    const len = { value: 3 * 4096 - 100 };
    const la = k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 100, len, true));
    expect(la?.QuadPart).toBe(BigInt((pfns[0] as number) * 4096 + 100));
    expect(len.value).toBe(4096 - 100);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, null, va + 100, 4096 - 100, true))).toBe(true);
    expect(seen).toEqual([]);
  });

  it("a 32-bit master without scatter/gather gets a buffer above 4 GiB through map registers below 4 GiB; a device-to-memory transfer is copied back at the flush", () => {
    const { k, seen } = machine();
    const a = master(k, { Dma32BitAddresses: true });
    const va = MmAllocateContiguousMemorySpecifyCache(k, 8192, physicalAddress(5 * 2 ** 30), physicalAddress(6 * 2 ** 30), physicalAddress(0), MmCached);
    if (va === null) throw new Error("no buffer");
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    const base = grant(k, a, 3);
    const len = { value: 8192 };
    const la = Number(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, len, false))?.QuadPart);
    expect(la).toBeLessThan(2 ** 32);
    expect(la).not.toBe(Number(MmGetPhysicalAddress(k, va).QuadPart));
    expect(len.value).toBe(8192);
    // The device writes at the logical address it was given.
    k.bus.write(k.busMasterOf("plx9656"), la, new Uint8Array(8192).fill(0x42));
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 8192, false))).toBe(true);
    expect(k.cpu.readBytes(va, 8192).every((b) => b === 0x42)).toBe(true);
    expect(seen).toEqual([]);
  });

  it("a remapped scatter/gather master (x64-iommu) gets an IOVA the device can use until the flush unmaps it", () => {
    const { k, seen } = machine("x64-iommu");
    const a = master(k, { Version: 3, ScatterGather: true, DmaAddressWidth: 64 });
    const { va, mdl } = scattered(k);
    k.cpu.writeU32(va, 0xfeedf00d);
    const len = { value: 4096 };
    const la = Number(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, len, true))?.QuadPart);
    expect(la).not.toBe(Number(MmGetPhysicalAddress(k, va).QuadPart));
    const dev = k.busMasterOf("plx9656");
    expect(k.bus.readU32(dev, la) >>> 0).toBe(0xfeedf00d);
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, null, va, 4096, true));
    const b = new Uint8Array(4);
    expect(k.bus.read(dev, la, b)).toBe(false);
    expect(seen).toEqual([]);
  });

  it("without map registers a flush is matched by MDL and CurrentVa: another CurrentVa finds nothing mapped (0xE6 / 0x16)", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 3, ScatterGather: true, DmaAddressWidth: 64 });
    const { va, mdl } = scattered(k);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, null, va + 8, 4096, true));
    expect(seen.map((f) => f.code)).toEqual(["DMA_FLUSH_NOT_MAPPED"]);
  });

  it("with map registers a flush whose CurrentVa differs from the one given to MapTransfer is reported", () => {
    const { k, seen } = machine();
    const a = master(k, { Dma32BitAddresses: true });
    const { va, mdl } = scattered(k);
    const base = grant(k, a, 3);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va + 8, 4096, true));
    expect(seen.map((f) => f.code)).toEqual(["DMA_FLUSH_CURRENTVA_MISMATCH"]);
  });
});

describe("map-register pages (the bounce pages behind a grant)", () => {
  /** Take every free page below 4 GiB; the frames taken. */
  function exhaustBelow4G(k: Kernel): number[][] {
    const taken: number[][] = [];
    for (const n of [65536, 4096, 64, 1]) for (let p = k.pfm.allocatePages(n, { effort: "free-only", highPfn: 0xfffff }); p !== null; p = k.pfm.allocatePages(n, { effort: "free-only", highPfn: 0xfffff })) taken.push(p);
    return taken;
  }

  it("are there before the AdapterControl routine runs: memory taken after the grant does not fail MapTransfer, which has no way to fail", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 2, Dma32BitAddresses: true });
    const va = MmAllocateContiguousMemorySpecifyCache(k, 8192, physicalAddress(5 * 2 ** 30), physicalAddress(6 * 2 ** 30), physicalAddress(0), MmCached);
    if (va === null) throw new Error("no buffer");
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    const base = grant(k, a, 3);
    exhaustBelow4G(k);
    k.cpu.writeBytes(va, new Uint8Array(8192).fill(0x5c));
    const len = { value: 8192 };
    const la = Number(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, len, true))?.QuadPart);
    expect(la).toBeGreaterThan(0);
    expect(la + 8192).toBeLessThanOrEqual(2 ** 32);
    expect(k.bus.read(k.busMasterOf("plx9656"), la, new Uint8Array(8192))).toBe(true);
    const got = new Uint8Array(8192);
    k.bus.read(k.busMasterOf("plx9656"), la, got);
    expect(got.every((b) => b === 0x5c)).toBe(true);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 8192, true))).toBe(true);
    expect(seen).toEqual([]);
  });

  it("that memory cannot give make AllocateAdapterChannel fail with STATUS_INSUFFICIENT_RESOURCES, the routine never run", () => {
    const { k } = machine();
    const a = master(k, { Version: 2, Dma32BitAddresses: true });
    const taken = exhaustBelow4G(k);
    let ran = false;
    const st = k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("plx9656"), "f", 64), 2, () => ((ran = true), KeepObject), null));
    expect(st).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(ran).toBe(false);
    // Nothing is held: with memory back, the next request is granted.
    for (const p of taken) k.pfm.freePages(p);
    expect(grant(k, a, 2)).not.toBeNull();
  });

  it("a 24-bit master on a board without RAM below 16 MiB (arm64-soc) gets no grant it could never use (STATUS_INSUFFICIENT_RESOURCES), not a logical address where no memory is", () => {
    const { k } = machine("arm64-soc");
    const a = master(k, { Version: 3, ScatterGather: false, DmaAddressWidth: 24 });
    let ran = false;
    const st = k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("plx9656"), "f", 64), 1, () => ((ran = true), DeallocateObjectKeepRegisters), null));
    expect(st).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(ran).toBe(false);
  });

  it("are made once per adapter at its first grant, taken again by the next grants and freed at PutDmaAdapter; a grant while an earlier one keeps them gets its own", () => {
    const { k } = machine();
    const mapRegisters = { value: 0 };
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 2, Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), mapRegisters);
    if (a === null) throw new Error("no adapter");
    const free0 = k.pfm.stats.freePages;
    const b1 = grant(k, a, 2, DeallocateObjectKeepRegisters);
    expect(free0 - k.pfm.stats.freePages).toBe(mapRegisters.value);
    // Kept registers still hold the adapter's pages: a second grant gets two of its own.
    const b2 = grant(k, a, 2, DeallocateObjectKeepRegisters);
    expect(free0 - k.pfm.stats.freePages).toBe(mapRegisters.value + 2);
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, b2, 2));
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, b1, 2));
    expect(free0 - k.pfm.stats.freePages).toBe(mapRegisters.value);
    const b3 = grant(k, a, 4, DeallocateObjectKeepRegisters);
    expect(free0 - k.pfm.stats.freePages).toBe(mapRegisters.value);
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, b3, 4));
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(k.pfm.stats.freePages).toBe(free0);
  });
});
