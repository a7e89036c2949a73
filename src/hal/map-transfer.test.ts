import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { DMA_MODE } from "../machine/dma8237.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { isaDmaOf } from "./system-dma.ts";
import { deviceDescription, type DEVICE_DESCRIPTION, type DMA_ADAPTER, DmaWidth, InterfaceType, KeepObject, DeallocateObjectKeepRegisters, type MapRegisterBase } from "./types.ts";

function machine(): { k: Kernel; seen: FindingInput[] } {
  const k = bootMachine("x64-desktop");
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return { k, seen };
}

function sysAdapter(k: Kernel, channel = 5, more: Partial<DEVICE_DESCRIPTION> = {}): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Master: false, DmaChannel: channel, DmaWidth: channel >= 4 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits, AutoInitialize: true, InterfaceType: InterfaceType.Isa, MaximumLength: 16384, ...more }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

/** Grant the channel (KeepObject, or DeallocateObjectKeepRegisters) and return the MapRegisterBase. */
function grant(k: Kernel, a: DMA_ADAPTER, n = 5, action: 1 | 3 = KeepObject): MapRegisterBase {
  let base: MapRegisterBase = null;
  k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("sb16"), "f", 64), n, (_d, _i, b) => ((base = b), action), null));
  return base;
}

function mdlFor(k: Kernel, va: number, len: number): MDL {
  const m = IoAllocateMdl(k, va, len);
  if (m === null) throw new Error("no MDL");
  MmBuildMdlForNonPagedPool(k, m);
  return m;
}

/** A common buffer of the adapter (below 16 MiB, no 64 KiB crossing). */
function commonBuffer(a: DMA_ADAPTER, len: number): { va: number; pa: number } {
  const la = physicalAddress();
  const va = a.DmaOperations.AllocateCommonBuffer?.(a, len, la, false) ?? null;
  if (va === null) throw new Error("no common buffer");
  return { va, pa: Number(la.QuadPart) };
}

/** A buffer above 16 MiB (where no 8237 can reach). */
function highBuffer(k: Kernel, len: number): number {
  const va = MmAllocateContiguousMemorySpecifyCache(k, len, physicalAddress(32 << 20), physicalAddress((64 << 20) - 1), physicalAddress(0), MmCached);
  if (va === null) throw new Error("no buffer");
  return va;
}

describe("MapTransfer (system DMA)", () => {
  it("programs the 8237 for the MDL's run: read transfer, auto-init from the description, single mode, address, page and count; unmasks; returns the address", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va, pa } = commonBuffer(a, 16384);
    const mdl = mdlFor(k, va, 16384);
    const base = grant(k, a);
    const len = { value: 16384 };
    const la = k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, MmGetMdlVirtualAddress(mdl), len, true));
    expect(la?.QuadPart).toBe(BigInt(pa));
    expect(len.value).toBe(16384);
    const ch = isaDmaOf(k).channel(5);
    expect(ch.mode).toBe(DMA_MODE.READ | DMA_MODE.AUTOINIT | DMA_MODE.SINGLE);
    expect(ch.baseAddress).toBe((pa >> 1) & 0xffff);
    expect(ch.page).toBe((pa >>> 16) & 0xfe);
    expect(ch.baseCount).toBe(8191);
    expect(ch.nextPhysical).toBe(pa);
    expect(ch.masked).toBe(false);
    expect(seen).toEqual([]);
  });

  it("DemandMode of a version-2 description programs demand mode; WriteToDevice FALSE programs a write (device-to-memory) transfer; no auto-init when the description has none", () => {
    const { k } = machine();
    const a = sysAdapter(k, 1, { Version: 2, DemandMode: true, AutoInitialize: false });
    const { va } = commonBuffer(a, 4096);
    const mdl = mdlFor(k, va, 4096);
    const base = grant(k, a, 2);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, false));
    const ch = isaDmaOf(k).channel(1);
    expect(ch.mode).toBe(DMA_MODE.WRITE | DMA_MODE.DEMAND);
    expect(ch.baseCount).toBe(4095);
  });

  it("a buffer above 16 MiB goes through map-register pages below 16 MiB, copied in first for a write to the device", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k, 5, { AutoInitialize: false });
    const va = highBuffer(k, 8192);
    const data = Uint8Array.from({ length: 8192 }, (_, i) => (i * 31) & 0xff);
    k.cpu.writeBytes(va, data);
    const mdl = mdlFor(k, va, 8192);
    const base = grant(k, a, 2);
    const la = Number(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 8192 }, true))?.QuadPart);
    expect(la).toBeLessThan(16 << 20);
    expect(la).not.toBe(Number(MmGetPhysicalAddress(k, va).QuadPart));
    const got = new Uint8Array(8192);
    k.memory.read(la, got);
    expect(got).toEqual(data);
    expect(isaDmaOf(k).channel(5).nextPhysical).toBe(la);
    expect(seen).toEqual([]);
  });

  it("a zero-length request is reported as 0xE6 / 0x21; a Length running past the MDL's end as 0xE6 / 0x1F with P2 = 3 (extra length past the MDL)", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 8192);
    const mdl = mdlFor(k, va, 8192);
    const base = grant(k, a);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 0 }, true));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va + 4096, { value: 8192 }, true));
    expect(seen.map((f) => f.bugCheck?.slice(0, 3))).toEqual([
      [0xe6, 0x21, 0],
      [0xe6, 0x1f, 3],
    ]);
  });

  it("without the channel MapTransfer programs nothing and is reported", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 4096);
    const mdl = mdlFor(k, va, 4096);
    const before = isaDmaOf(k).channel(5);
    const base = grant(k, a, 1);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true));
    expect(seen.map((f) => f.code)).toContain("DMA_MAP_WITHOUT_MAP_REGISTERS");
    expect(isaDmaOf(k).channel(5)).toEqual(before);
  });
});

describe("MapTransfer (system DMA) failure paths", () => {
  it("an auto-initialize transfer that has to be bounced is reported: the device would loop over a stale copy", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const va = highBuffer(k, 8192);
    const mdl = mdlFor(k, va, 8192);
    const base = grant(k, a, 2);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 8192 }, true));
    expect(seen.map((f) => f.code)).toEqual(["DMA_AUTOINIT_BOUNCED"]);
  });

  it("registers kept with DeallocateObjectKeepRegisters do not give the channel: MapTransfer then programs nothing and is reported", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 4096);
    const mdl = mdlFor(k, va, 4096);
    const base = grant(k, a, 2, DeallocateObjectKeepRegisters);
    const before = isaDmaOf(k).channel(5);
    expect(k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true))?.QuadPart).toBe(0n);
    expect(seen.map((f) => f.code)).toEqual(["DMA_CHANNEL_NOT_ALLOCATED"]);
    expect(isaDmaOf(k).channel(5)).toEqual(before);
  });

  it("a transfer longer than an 8-bit channel can count (64 KiB) is reported and cut; bouncing more than the map registers hold is 0xE6 / 0x0D", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k, 1, { AutoInitialize: false });
    const va = highBuffer(k, 0x11000);
    const mdl = mdlFor(k, va, 0x11000);
    const base = grant(k, a, 5);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 0x11000 }, true));
    expect(seen.map((f) => f.code)).toEqual(["DMA_TRANSFER_TOO_LONG", "DMA_BUFFERS_NOT_FLUSHED"]);
    expect(seen[1]?.bugCheck).toEqual([0xe6, 0x0d, 0x10000, 5 * 4096, 0]);
    expect(isaDmaOf(k).channel(1).baseCount).toBe(5 * 4096 - 1);
  });
});

describe("FlushAdapterBuffers", () => {
  it("masks the system DMA channel and returns TRUE", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 16384);
    const mdl = mdlFor(k, va, 16384);
    const base = grant(k, a);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 16384 }, true));
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 16384, true))).toBe(true);
    expect(isaDmaOf(k).isMasked(5)).toBe(true);
    expect(seen).toEqual([]);
  });

  it("copies a bounced device-to-memory transfer back: only the bytes that arrived (Length minus ReadDmaCounter)", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k, 6, { AutoInitialize: false }); // channel 6: no card; the data lines float high (0xFF)
    const va = highBuffer(k, 8192);
    k.cpu.RtlFillMemory(va, 8192, 0x11);
    const mdl = mdlFor(k, va, 8192);
    const base = grant(k, a, 2);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 8192 }, false));
    const dma = isaDmaOf(k);
    dma.setRequest(6, 1_000_000); // a device requesting one word per microsecond
    k.clock.runUntil(k.clock.now + 1000_000); // 1000 words = 2000 bytes
    expect(k.atDispatch(() => a.DmaOperations.ReadDmaCounter?.(a))).toBe(8192 - 2000);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 8192, false))).toBe(true);
    dma.setRequest(6, 0);
    const got = k.cpu.readBytes(va, 8192);
    expect(got.subarray(0, 2000).every((b) => b === 0xff)).toBe(true);
    expect(got.subarray(2000).every((b) => b === 0x11)).toBe(true);
    expect(seen).toEqual([]);
  });

  it("a flush of map registers no MapTransfer ever used is 0xE6 / 0x20; a second flush after one transfer is 0xE6 / 0x16; both return TRUE", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 4096);
    const mdl = mdlFor(k, va, 4096);
    const base = grant(k, a);
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 4096, true))).toBe(true);
    k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, va, { value: 4096 }, true));
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 4096, true));
    expect(k.atDispatch(() => a.DmaOperations.FlushAdapterBuffers?.(a, mdl, base, va, 4096, true))).toBe(true);
    expect(seen.map((f) => [f.code, ...(f.bugCheck?.slice(0, 2) ?? [])])).toEqual([
      ["DMA_FLUSH_NEVER_MAPPED", 0xe6, 0x20],
      ["DMA_FLUSH_NOT_MAPPED", 0xe6, 0x16],
    ]);
  });
});

describe("FreeMapRegisters", () => {
  it("freeing registers still mapped is reported as 0xE6 / 0x10; freeing them again as 0xE6 / 0x05", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const { va } = commonBuffer(a, 4096);
    const mdl = mdlFor(k, va, 4096);
    let base: MapRegisterBase = null;
    k.atDispatch(() =>
      a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("sb16"), "f", 64), 2, (_d, _i, b) => {
        base = b;
        a.DmaOperations.MapTransfer?.(a, mdl, b, va, { value: 4096 }, true);
        return DeallocateObjectKeepRegisters;
      }, null),
    );
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, base, 2));
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, base, 2));
    expect(seen.map((f) => f.bugCheck?.slice(0, 2))).toEqual([
      [0xe6, 0x10],
      [0xe6, 0x05],
    ]);
  });

  it("a count different from the one allocated is reported", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const base = grant(k, a, 3, DeallocateObjectKeepRegisters);
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, base, 2));
    expect(seen.map((f) => f.code)).toEqual(["DMA_MAP_REGISTER_COUNT_MISMATCH"]);
  });
});

describe("ReadDmaCounter", () => {
  it("on a bus-master adapter returns 0 and is reported", () => {
    const { k, seen } = machine();
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 4096 }), { value: 0 }) as DMA_ADAPTER;
    expect(a.DmaOperations.ReadDmaCounter?.(a)).toBe(0);
    expect(seen.map((f) => f.code)).toEqual(["READ_DMA_COUNTER_ON_BUS_MASTER"]);
  });

  it("above DISPATCH_LEVEL is reported as 0xE6 / 0x13", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    k.atIrql(5, () => a.DmaOperations.ReadDmaCounter?.(a));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x13, 2, 2, 5]]);
  });
});
