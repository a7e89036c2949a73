import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { isaDmaOf } from "./system-dma.ts";
import { DmaCancelled, type DMA_ADAPTER, DMA_SYNCHRONOUS_CALLBACK, type DMA_TRANSFER_CONTEXT, type MapRegisterBase, type SCATTER_GATHER_LIST } from "./types.ts";
import { buffer, context, fdo, machine, masterV3, systemV3 } from "./v3-test-support.ts";

/** A synchronous grant of `n` registers in a fresh context: the MapRegisterBase and the context. */
function grant(k: Kernel, a: DMA_ADAPTER, n: number, device = "plx9656"): { base: MapRegisterBase; ctx: DMA_TRANSFER_CONTEXT } {
  const ctx = context(a);
  const out: { value: MapRegisterBase } = { value: null };
  expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k, device), ctx, n, DMA_SYNCHRONOUS_CALLBACK, null, null, out))).toBe(STATUS.SUCCESS);
  return { base: out.value, ctx };
}

const list = (): SCATTER_GATHER_LIST => ({ NumberOfElements: 0, Elements: [] });
const elements = (sg: SCATTER_GATHER_LIST): number[][] => sg.Elements.map((e) => [Number(e.Address.QuadPart), e.Length]);

describe("MapTransferEx / FlushAdapterBuffersEx (bus masters)", () => {
  it("maps a whole MDL chain in one call from Offset (here in the first MDL's second page, on into the second MDL) into the caller's list, *Length unchanged", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b1 = buffer(k, [0x5000, 0x5001], 0, 8192);
    const b2 = buffer(k, [0x7000], 0, 4096);
    b1.mdl.Next = b2.mdl;
    const { base } = grant(k, a, 4);
    const sg = list();
    const len = { value: 8192 - 256 };
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b1.mdl, base, 4096 + 256, 0, len, true, sg, 4096, null, null))).toBe(STATUS.SUCCESS);
    expect(len.value).toBe(8192 - 256);
    expect(elements(sg)).toEqual([
      [0x5001 * 4096 + 256, 4096 - 256],
      [0x7000 * 4096, 4096],
    ]);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, b1.mdl, base, 4096 + 256, 8192 - 256, true))).toBe(STATUS.SUCCESS);
    expect(seen).toEqual([]);
  });

  it("maps only what the grant's map registers hold and says so in *Length (a 32-bit master on a 16 GiB machine needs registers)", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { DmaAddressWidth: 32 });
    const b = buffer(k, [0x5000, 0x6000, 0x7000], 0, 3 * 4096);
    const { base } = grant(k, a, 2);
    const sg = list();
    const len = { value: 3 * 4096 };
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, 0, 0, len, true, sg, 4096, null, null))).toBe(STATUS.SUCCESS);
    expect(len.value).toBe(2 * 4096);
    expect(sg.NumberOfElements).toBe(2);
    expect(seen).toEqual([]);
  });

  it("under the IOMMU the device reaches the pages at IOVAs until FlushAdapterBuffersEx unmaps them", () => {
    const { k, seen } = machine("x64-iommu");
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x9000], 0, 8192);
    k.cpu.writeU32(b.va + 4096, 0xfeedf00d);
    const { base } = grant(k, a, 2);
    const sg = list();
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, 0, 0, { value: 8192 }, true, sg, 4096, null, null));
    expect(sg.NumberOfElements).toBe(1);
    const la = Number(sg.Elements[0]?.Address.QuadPart);
    expect(la).not.toBe(Number(MmGetPhysicalAddress(k, b.va).QuadPart));
    const dev = k.busMasterOf("plx9656");
    expect(k.bus.readU32(dev, la + 4096) >>> 0).toBe(0xfeedf00d);
    // A write to the device maps the pages read-only for it.
    expect(k.bus.write(dev, la, new Uint8Array(4))).toBe(false);
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, b.mdl, base, 0, 8192, true));
    expect(k.bus.read(dev, la, new Uint8Array(4))).toBe(false);
    expect(seen.map((f) => f.code)).toEqual([]);
  });

  it("a packet master's buffer above its reach is bounced through the map registers: copied out before a write, back at the flush after a read", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { ScatterGather: false, DmaAddressWidth: 32 });
    const va = MmAllocateContiguousMemorySpecifyCache(k, 8192, physicalAddress(5 * 2 ** 30), physicalAddress(6 * 2 ** 30), physicalAddress(0), MmCached) as number;
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    const { base } = grant(k, a, 3);
    const sg = list();
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, { value: 8192 }, false, sg, 4096, null, null));
    const la = Number(sg.Elements[0]?.Address.QuadPart);
    expect(la).toBeLessThan(2 ** 32);
    k.bus.write(k.busMasterOf("plx9656"), la, new Uint8Array(8192).fill(0x5a));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 0, 8192, false));
    expect(k.cpu.readBytes(va, 8192).every((x) => x === 0x5a)).toBe(true);
    expect(seen).toEqual([]);
  });

  it("on ARM64 for a device that does not snoop the HAL cleans the CPU's lines before a write to the device and invalidates them at the flush after a read: no KeFlushIoBuffers needed", () => {
    const { k, seen } = machine("arm64-soc");
    const a = masterV3(k, {}, "dma-noncoherent");
    const la0 = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBufferWithBounds?.(a, null, null, 8192, 0, MmCached, 0, la0) as number;
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    k.cpu.writeU32(va, 0x11223344); // dirty in the CPU cache
    const { base } = grant(k, a, 2, "dma-noncoherent");
    const sg = list();
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, { value: 4096 }, true, sg, 4096, null, null));
    const dev = k.busMasterOf("dma-noncoherent");
    expect(k.bus.readU32(dev, Number(sg.Elements[0]?.Address.QuadPart)) >>> 0).toBe(0x11223344);
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 0, 4096, true));
    // A read from the device: the CPU has the line cached from before; after the flush it sees what the device wrote.
    k.cpu.readU32(va + 4096);
    const sg2 = list();
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 4096, 0, { value: 4096 }, false, sg2, 4096, null, null));
    k.bus.write(dev, Number(sg2.Elements[0]?.Address.QuadPart), Uint8Array.of(0x99, 0x88, 0x77, 0x66));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 4096, 4096, false));
    expect(k.cpu.readU32(va + 4096) >>> 0).toBe(0x66778899);
    expect(seen.filter((f) => f.code !== "DMA_UNINITIALIZED_READ")).toEqual([]);
  });

  it("a bus master must pass a list buffer (big enough for one element: a header and one element, what KMDF's packet path passes), DeviceOffset 0 and no completion routine: STATUS_INVALID_PARAMETER otherwise", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    const { base } = grant(k, a, 2);
    const call = (sg: SCATTER_GATHER_LIST | null, size: number, devOff: number, done: (() => void) | null): number | undefined => k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, 0, devOff, { value: 4096 }, true, sg, size, done, null));
    expect(call(null, 0, 0, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(list(), 16 + 23, 0, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(list(), 4096, 8, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(list(), 4096, 0, () => undefined)).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => f.code)).toEqual(["DMA_WRONG_ADAPTER_KIND"]);
    const one = list();
    expect(call(one, 16 + 24, 0, null)).toBe(STATUS.SUCCESS);
    expect(one.NumberOfElements).toBe(1);
  });

  it("a second MapTransferEx before FlushAdapterBuffersEx is 0xE6 / 0x0D (adapter buffers not flushed)", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { DmaAddressWidth: 32 });
    const b = buffer(k, [0x5000, 0x6000], 0, 8192);
    const { base } = grant(k, a, 2);
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, 0, 0, { value: 4096 }, true, list(), 4096, null, null));
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, 4096, 0, { value: 4096 }, true, list(), 4096, null, null));
    expect(seen.map((f) => f.bugCheck?.slice(0, 3))).toEqual([[0xe6, 0x0d, 8192]]);
  });

  it("FlushAdapterBuffersEx with nothing mapped is STATUS_INVALID_PARAMETER (0xE6 / 0x20 for registers never mapped)", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { DmaAddressWidth: 32 });
    const b = buffer(k, [0x5000], 0, 4096);
    const { base } = grant(k, a, 2);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, b.mdl, base, 0, 4096, true))).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => f.bugCheck?.slice(0, 2))).toEqual([[0xe6, 0x20]]);
  });

  it("above DISPATCH_LEVEL MapTransferEx is 0xE6 / 0x13", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    k.atIrql(DISPATCH_LEVEL + 2, () => a.DmaOperations.MapTransferEx?.(a, b.mdl, null, 0, 0, { value: 4096 }, true, list(), 4096, null, null));
    expect(seen[0]?.bugCheck?.slice(0, 3)).toEqual([0xe6, 0x13, 2]);
  });
});

describe("MapTransferEx / FlushAdapterBuffersEx / CancelMappedTransfer (system DMA)", () => {
  /** A common buffer of the adapter, its MDL and a grant. */
  function setup(channel = 5): { k: Kernel; seen: ReturnType<typeof machine>["seen"]; a: DMA_ADAPTER; va: number; pa: number; mdl: MDL; base: MapRegisterBase; ctx: DMA_TRANSFER_CONTEXT } {
    const { k, seen } = machine();
    const a = systemV3(k, channel);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 8192, la, true) as number;
    const mdl = IoAllocateMdl(k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    const { base, ctx } = grant(k, a, 3, "sb16");
    return { k, seen, a, va, pa: Number(la.QuadPart), mdl, base, ctx };
  }

  it("programs the 8237 for one element (no scatter/gather on the PC's controller); the list buffer is optional", () => {
    const { k, seen, a, pa, mdl, base } = setup();
    const sg = list();
    const len = { value: 8192 };
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, len, true, sg, 4096, null, null))).toBe(STATUS.SUCCESS);
    expect(elements(sg)).toEqual([[pa, 8192]]);
    expect(isaDmaOf(k).channel(5).nextPhysical).toBe(pa);
    expect(isaDmaOf(k).channel(5).masked).toBe(false);
    expect(seen).toEqual([]);
  });

  it("GetDmaTransferInfo's element count is the number of MapTransferEx calls a transfer takes", () => {
    const { k, seen } = machine();
    const a = systemV3(k, 5);
    const first = (0x20000 * 40 - 0x8000) / 4096;
    const b = buffer(k, Array.from({ length: 40 }, (_, i) => first + i), 0, 40 * 4096);
    const info = { Version: 1 } as { Version: number; V1?: { ScatterGatherElementCount: number; MapRegisterCount: number; ScatterGatherListSize: number } };
    a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 40 * 4096, true, info);
    const { base } = grant(k, a, 9, "sb16");
    let offset = 0;
    let calls = 0;
    while (offset < 40 * 4096) {
      const len = { value: 40 * 4096 - offset };
      expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, base, offset, 0, len, true, null, 0, null, null))).toBe(STATUS.SUCCESS);
      calls++;
      isaDmaOf(k).setRequest(5, 1_000_000_000); // the device takes the words at once
      k.clock.runUntil(k.clock.now + 1_000_000);
      isaDmaOf(k).setRequest(5, 0);
      expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, b.mdl, base, offset, len.value, true))).toBe(STATUS.SUCCESS);
      offset += len.value;
    }
    expect(calls).toBe(info.V1?.ScatterGatherElementCount);
    expect(seen.filter((f) => f.code !== "DMA_AUTOINIT_BOUNCED")).toEqual([]);
  });

  it("flushing a transfer that neither reached its terminal count nor was cancelled is 0xE6 / 0x23 (0, controller 2, channel 5)", () => {
    const { k, seen, a, mdl, base } = setup();
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, { value: 8192 }, true, null, 0, null, null));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 0, 8192, true));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x23, 0, 2, 5]]);
  });

  it("CancelMappedTransfer masks the channel, runs the completion routine at DISPATCH_LEVEL with DmaCancelled, and further MapTransferEx under the context is STATUS_CANCELLED; the flush after it is clean", () => {
    const { k, seen, a, mdl, base, ctx } = setup();
    const done: unknown[] = [];
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, { value: 4096 }, true, null, 0, (ad, _d, c, st) => done.push([ad === a, c, st, k.KeGetCurrentIrql()]), "cc"));
    expect(done).toEqual([]);
    expect(a.DmaOperations.CancelMappedTransfer?.(a, ctx)).toBe(STATUS.SUCCESS);
    expect(done).toEqual([[true, "cc", DmaCancelled, DISPATCH_LEVEL]]);
    expect(isaDmaOf(k).isMasked(5)).toBe(true);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 0, 4096, true))).toBe(STATUS.SUCCESS);
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 4096, 0, { value: 4096 }, true, null, 0, null, null))).toBe(STATUS.CANCELLED);
    expect(seen).toEqual([]);
  });

  it("a context re-initialized while its grant is held still names the grant: CancelMappedTransfer with it cancels the transfer mapped after, and MapTransferEx works again after the next re-initialization", () => {
    const { k, seen, a, mdl, base, ctx } = setup();
    expect(a.DmaOperations.InitializeDmaTransferContext?.(a, ctx)).toBe(STATUS.SUCCESS);
    const done: unknown[] = [];
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 0, 0, { value: 4096 }, true, null, 0, (_a, _d, c, st) => done.push([c, st]), "first"));
    expect(a.DmaOperations.CancelMappedTransfer?.(a, ctx)).toBe(STATUS.SUCCESS);
    expect(done).toEqual([["first", DmaCancelled]]);
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, base, 0, 4096, true));
    expect(a.DmaOperations.InitializeDmaTransferContext?.(a, ctx)).toBe(STATUS.SUCCESS);
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, mdl, base, 4096, 0, { value: 4096 }, true, null, 0, null, null))).toBe(STATUS.SUCCESS);
    expect(seen).toEqual([]);
  });

  it("CancelMappedTransfer on a bus master is STATUS_NOT_SUPPORTED (DMA_WRONG_ADAPTER_KIND); on a context without a grant STATUS_INVALID_PARAMETER", () => {
    const { k, seen } = machine();
    const m = masterV3(k);
    expect(m.DmaOperations.CancelMappedTransfer?.(m, context(m))).toBe(STATUS.NOT_SUPPORTED);
    const s = systemV3(k, 5);
    expect(s.DmaOperations.CancelMappedTransfer?.(s, context(s))).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => f.code)).toEqual(["DMA_WRONG_ADAPTER_KIND"]);
  });
});
