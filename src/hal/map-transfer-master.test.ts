import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DEVICE_DESCRIPTION, type DMA_ADAPTER, InterfaceType, KeepObject, type MapRegisterBase } from "./types.ts";

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

function grant(k: Kernel, a: DMA_ADAPTER, n: number): MapRegisterBase {
  let base: MapRegisterBase = null;
  k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("plx9656"), "f", 64), n, (_d, _i, b) => ((base = b), KeepObject), null));
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
