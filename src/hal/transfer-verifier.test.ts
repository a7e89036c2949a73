import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { STATUS } from "../core/ntstatus.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached } from "../kernel/contiguous-memory.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MDL_MAPPED_TO_SYSTEM_VA, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DEVICE_DESCRIPTION, type DMA_ADAPTER, DmaWidth, InterfaceType, KeepObject, DeallocateObjectKeepRegisters, type MapRegisterBase, type SCATTER_GATHER_LIST } from "./types.ts";

function machine(profile = "x64-desktop"): { k: Kernel; seen: FindingInput[] } {
  const k = bootMachine(profile);
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return { k, seen };
}

function master(k: Kernel, d: Partial<DEVICE_DESCRIPTION> = {}, device = "plx9656"): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo(device), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536, ...d }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

function sysAdapter(k: Kernel, channel = 1): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Master: false, DmaChannel: channel, DmaWidth: channel >= 4 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits, InterfaceType: InterfaceType.Isa, MaximumLength: 16384 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

function grant(k: Kernel, a: DMA_ADAPTER, n: number, action: 1 | 3 = KeepObject, device = "plx9656"): MapRegisterBase {
  let base: MapRegisterBase = null;
  k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo(device), "f", 64), n, (_d, _i, b) => ((base = b), action), null));
  return base;
}

/** Pages at the given frames, mapped at one VA; built into an MDL unless `build` is false. */
function buffer(k: Kernel, pfns: number[], build = true): { va: number; mdl: MDL } {
  for (const p of pfns) if (k.pfm.allocatePages(1, { effort: "full", lowPfn: p, highPfn: p }) === null) throw new Error("page in use");
  const m = k.va.map(pfns, "cached", "test buffer");
  const mdl = IoAllocateMdl(k, m.startVa, pfns.length * 4096) as MDL;
  if (build) MmBuildMdlForNonPagedPool(k, mdl);
  return { va: m.startVa, mdl };
}

const codes = (seen: FindingInput[]): unknown[] => seen.map((f) => [f.code, ...(f.bugCheck?.slice(1, 3) ?? [])]);

describe("Driver Verifier checks of the buffer a transfer maps (0xE6)", () => {
  it("MapTransfer on an MDL never passed to MmBuildMdlForNonPagedPool is 0xE6 / 0x0E (DMA on an unlocked buffer) and maps nothing", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000], false);
    const la = k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, { value: 4096 }, true));
    expect(la?.QuadPart).toBe(0n);
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x0e, BigInt(va), 0, 0]]);
  });

  it("an MDL whose PFN array names a frame that is not RAM is 0xE6 / 0x0E too", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000]);
    mdl.pfns[0] = 0xc0000; // 3 GiB: the PCI hole
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, { value: 4096 }, true));
    expect(seen.map((f) => f.code)).toEqual(["DMA_BUFFER_NOT_LOCKED"]);
    expect(seen[0]?.params).toMatchObject({ pfn: 0xc0000 });
  });

  it("a second MapTransfer of the same range before FlushAdapterBuffers is 0xE6 / 0x1D (range already mapped)", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000, 0x5001]);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, { value: 8192 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 4096, { value: 4096 }, true));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x1d, BigInt(va + 4096), BigInt(va + 8192), BigInt(va + 4096)]]);
  });

  it("a scatter/gather master maps run after run on one grant and flushes once: no finding, and the flush ends every run", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 2, Dma32BitAddresses: true, DmaAddressWidth: 0 });
    const { va, mdl } = buffer(k, [0x5000, 0x7000, 0x9000]);
    const base = grant(k, a, 3);
    let at = va;
    while (at < va + 3 * 4096) {
      const len = { value: va + 3 * 4096 - at };
      k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, at, len, true));
      at += len.value;
    }
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 3 * 4096, true))).toBe(true);
    expect(seen).toEqual([]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
  });

  it("mapping more than the grant's registers hold since the last flush is 0xE6 / 0x0D (buffers not flushed)", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 2, Dma32BitAddresses: true, DmaAddressWidth: 0 });
    const { va, mdl } = buffer(k, [0x5000, 0x7000, 0x9000]);
    const base = grant(k, a, 2);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va + 4096, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va + 8192, { value: 4096 }, true));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x0d, 3 * 4096, 2 * 4096, 0]]);
  });

  it("programming a system DMA channel again without FlushAdapterBuffers is 0xE6 / 0x0D", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 8192, la, true) as number;
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    const base = grant(k, a, 3, KeepObject, "sb16");
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va + 4096, { value: 4096 }, true));
    expect(codes(seen)).toEqual([["DMA_BUFFERS_NOT_FLUSHED", 0x0d, 8192]]);
  });

  it("CurrentVa before or after the MDL's buffer is 0xE6 / 0x1F with P2 = 1 / 2", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000]);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va - 16, { value: 16 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 4096, { value: 16 }, true));
    expect(codes(seen)).toEqual([
      ["DMA_INVALID_DMA_BUFFER", 0x1f, 1],
      ["DMA_INVALID_DMA_BUFFER", 0x1f, 2],
    ]);
  });

  it("FlushAdapterBuffers with CurrentVa outside the MDL is 0xE6 / 0x1B; flushing past the MDL's end is 0xE6 / 0x00 with P2 = 1", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000]);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, null, va + 8192, 4096, true));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, null, va, 8192, true));
    expect(seen.map((f) => f.bugCheck)).toEqual([
      [0xe6, 0x1b, BigInt(va + 8192), BigInt(va), 0],
      [0xe6, 0x00, 1, 4096, 8192],
    ]);
  });

  it("bouncing data out of an MDL that is not mapped in system VA is 0xE6 / 0x22", () => {
    const { k, seen } = machine();
    const a = master(k, { Version: 2, Dma32BitAddresses: true, DmaAddressWidth: 0 });
    const va = MmAllocateContiguousMemorySpecifyCache(k, 4096, physicalAddress(5 * 2 ** 30), physicalAddress(6 * 2 ** 30), physicalAddress(0), MmCached) as number;
    const mdl = IoAllocateMdl(k, va, 4096) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    mdl.MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
    const base = grant(k, a, 2);
    expect(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true))?.QuadPart).toBe(0n);
    expect(codes(seen)).toEqual([["DMA_BUFFER_NOT_SYSTEM_MAPPED", 0x22, BigInt(va)]]);
  });

  it("for a device that does not snoop (ARM64 _CCA 0) a device-to-memory buffer not cache aligned is 0xE6 / 0x1F with P2 = 4 (start) or 5 (length); writes to the device are not checked", () => {
    const { k, seen } = machine("arm64-soc");
    const a = master(k, {}, "dma-noncoherent");
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferEx?.(a, null, 8192, la, true, 0) as number;
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 8, { value: 64 }, false));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 1024, { value: 100 }, false));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, null, va + 2048, { value: 100 }, true));
    expect(codes(seen)).toEqual([
      ["DMA_INVALID_DMA_BUFFER", 0x1f, 4],
      ["DMA_INVALID_DMA_BUFFER", 0x1f, 5],
    ]);
  });

  it("keeping registers across grants beyond what IoGetDmaAdapter gave is 0xE6 / 0x15 (too many map registers allocated)", () => {
    const { k, seen } = machine();
    const out = { value: 0 };
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 8192 }), out) as DMA_ADAPTER;
    expect(out.value).toBe(3);
    grant(k, a, 2, DeallocateObjectKeepRegisters);
    grant(k, a, 2, DeallocateObjectKeepRegisters);
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x15, 4, 3, 0]]);
  });

  it("GetScatterGatherList for more bytes than the MDL chain has is 0xE6 / 0x24 and STATUS_BUFFER_TOO_SMALL; the routine is not called", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000]);
    let called = false;
    const st = k.atDispatch(() => a.DmaOperations.GetScatterGatherList?.(a, k.pdo("plx9656"), mdl, va + 100, 5000, () => void (called = true), null, true));
    expect(st).toBe(STATUS.BUFFER_TOO_SMALL);
    expect(called).toBe(false);
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x24, 5000 - 3996, 0, 0]]);
  });

  it("PutDmaAdapter with a scatter/gather list never put is 0xE6 / 0x0A (P2 adapter, P3 lists)", () => {
    const { k, seen } = machine();
    const a = master(k);
    const { va, mdl } = buffer(k, [0x5000]);
    let list: SCATTER_GATHER_LIST | null = null;
    k.atDispatch(() => a.DmaOperations.GetScatterGatherList?.(a, k.pdo("plx9656"), mdl, va, 4096, (_d, _i, sg) => void (list = sg), null, true));
    expect(list).not.toBeNull();
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(seen.map((f) => [f.code, f.bugCheck?.[1], f.bugCheck?.[3]])).toEqual([["DMA_ADAPTER_RELEASED_WITH_SCATTER_GATHER_LISTS", 0x0a, 1]]);
  });

  it("a request that waited for the channel and then finds no map-register pages still runs; its MapTransfer of a buffer the channel cannot reach is 0xE6 / 0x00 with P2 = 2 (out of contiguous map registers)", () => {
    const { k, seen } = machine();
    const first = sysAdapter(k, 1);
    const second = sysAdapter(k, 1);
    grant(k, first, 1, KeepObject, "sb16");
    let base: MapRegisterBase | undefined;
    k.atDispatch(() => second.DmaOperations.AllocateAdapterChannel?.(second, createFdo(k.pdo("sb16"), "g", 64), 2, (_d, _i, b) => ((base = b), KeepObject), null));
    expect(base).toBeUndefined();
    // Take every page below 16 MiB, then hand the channel on: the waiting grant's pages cannot be had.
    for (const n of [4096, 64, 1]) while (k.pfm.allocatePages(n, { effort: "free-only", highPfn: 0xfff }) !== null);
    k.atDispatch(() => first.DmaOperations.FreeAdapterChannel?.(first));
    expect(base).toBeDefined();
    const { va, mdl } = buffer(k, [0x5000, 0x5001]);
    k.atDispatch(() => second.DmaOperations.MapTransfer?.(second, mdl, base ?? null, va, { value: 8192 }, true));
    expect(seen.at(-1)?.bugCheck).toEqual([0xe6, 0x00, 2, 2, 0]);
  });
});
