import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { MmAllocateContiguousMemory, MmAllocateContiguousMemorySpecifyCache, MmGetPhysicalAddress, MmWriteCombined } from "../kernel/contiguous-memory.ts";
import { RtlCopyDeviceMemory, RtlFillDeviceMemory, RtlZeroDeviceMemory } from "../kernel/device-memory.ts";
import { KeFlushIoBuffers, KeMemoryBarrier, maintainMdlRange } from "../kernel/flush.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { CacheMemorySystem, cacheModel } from "../machine/cache.ts";
import { allocate, busMasterAdapter, codes, machine, release } from "./test-machine.ts";
import type { Verifier } from "./verifier.ts";

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

/**
 * A streaming buffer for the ARM64 SoC's non-coherent DMA engine: cached
 * contiguous memory described by an MDL and mapped for the device (as
 * MapTransfer would), with the cache model in the machine.
 */
function streaming(pages = 2): { k: Kernel; v: Verifier; va: number; pa: number; mdl: MDL; dev: ReturnType<Kernel["busMasterOf"]> } {
  const { k, v } = machine("arm64-soc", { memorySystem: cacheModel() });
  const va = MmAllocateContiguousMemory(k, pages * PAGE_SIZE, { QuadPart: 0xffff_ffffn + 0x2_0000_0000n });
  if (va === null) throw new Error("no memory");
  const mdl = IoAllocateMdl(k, va, pages * PAGE_SIZE) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  const pa = Number(MmGetPhysicalAddress(k, va).QuadPart);
  v.transferMapped({ device: "dma-noncoherent", logical: pa, length: pages * PAGE_SIZE, pfns: mdl.pfns });
  return { k, v, va, pa, mdl, dev: k.busMasterOf("dma-noncoherent") };
}

describe("non-coherent DMA on ARM64 (cache model in the machine)", () => {
  it("ARM64 machines boot with the cache model by default; x64 machines with the coherent memory system", () => {
    expect(machine("arm64-soc").k.memorySystem).toBeInstanceOf(CacheMemorySystem);
    expect(machine("x64-desktop").k.memorySystem).not.toBeInstanceOf(CacheMemorySystem);
  });

  it("a page freed with dirty lines in the cache and allocated again shows the fill pattern, not the old owner's bytes", () => {
    const { k, v } = machine("arm64-soc");
    const a = busMasterAdapter(k, "nic-coherent");
    const first = allocate(a, 4096);
    k.cpu.writeBytes(first.va, bytes(64, 0x77));
    release(a, first);
    const again = allocate(a, 4096);
    expect(again.la).toBe(first.la);
    expect(k.cpu.readU32(again.va)).toBe(0xdeadbeef);
    expect(v.findings).toEqual([]);
  });

  it("the ARM64 SoC's _CCA = 0 device does not snoop; the _CCA = 1 one does", () => {
    const { k } = machine("arm64-soc", { memorySystem: cacheModel() });
    expect(k.memorySystem).toBeInstanceOf(CacheMemorySystem);
    expect(k.busMasterOf("dma-noncoherent").coherent).toBe(false);
    expect(k.busMasterOf("nic-coherent").coherent).toBe(true);
  });

  it("broken driver: no KeFlushIoBuffers before a memory-to-device transfer — the device reads stale bytes and DMA_STALE_DEVICE_READ names it", () => {
    const { k, v, va, pa, dev } = streaming();
    k.cpu.writeBytes(va, bytes(256, 0x11));
    const got = new Uint8Array(256);
    k.bus.read(dev, pa, got);
    expect(got[0]).not.toBe(0x11);
    expect(codes(v)).toEqual(["DMA_STALE_DEVICE_READ"]);
    expect(v.findings[0]?.device).toBe("dma-noncoherent");
  });

  it("correct driver: KeFlushIoBuffers(ReadOperation FALSE) before the transfer — the device reads the CPU's bytes", () => {
    const { k, v, va, pa, mdl, dev } = streaming();
    k.cpu.writeBytes(va, bytes(256, 0x11));
    KeFlushIoBuffers(k, mdl, false, true);
    const got = new Uint8Array(256);
    k.bus.read(dev, pa, got);
    expect(got.every((b) => b === 0x11)).toBe(true);
    expect(v.findings).toEqual([]);
  });

  it("broken driver: no invalidate after a device-to-memory transfer — the CPU reads what it cached before, DMA_STALE_CPU_READ", () => {
    const { k, v, va, pa, dev } = streaming();
    k.cpu.writeBytes(va, bytes(64, 0));
    k.memorySystem.maintain(pa, 64, "clean");
    k.bus.write(dev, pa, bytes(64, 0x22));
    expect(k.cpu.readU8(va)).toBe(0);
    expect(codes(v)).toEqual(["DMA_STALE_CPU_READ"]);
  });

  it("correct driver: invalidate after the transfer (FlushAdapterBuffers does it for a non-coherent adapter) — the CPU reads the device's bytes", () => {
    const { k, v, va, pa, mdl, dev } = streaming();
    k.cpu.writeBytes(va, bytes(64, 0));
    KeFlushIoBuffers(k, mdl, true, true);
    k.bus.write(dev, pa, bytes(64, 0x22));
    maintainMdlRange(k, mdl, va, 64, "invalidate");
    expect(k.cpu.readU8(va)).toBe(0x22);
    expect(v.findings).toEqual([]);
  });

  it("FlushDmaBuffer on the non-coherent adapter: a write operation cleans (the device sees the CPU's bytes), a read operation invalidates (the CPU sees the device's)", () => {
    const { k, v, va, pa, mdl, dev } = streaming();
    const a = busMasterAdapter(k, "dma-noncoherent");
    k.cpu.writeBytes(va, bytes(64, 0x31));
    expect(a.DmaOperations.FlushDmaBuffer?.(a, mdl, false)).toBe(0);
    const got = new Uint8Array(64);
    k.bus.read(dev, pa, got);
    expect(got[0]).toBe(0x31);
    k.cpu.readU8(va);
    k.bus.write(dev, pa, bytes(64, 0x32));
    a.DmaOperations.FlushDmaBuffer?.(a, mdl, true);
    expect(k.cpu.readU8(va)).toBe(0x32);
    expect(v.findings).toEqual([]);
  });

  it("FlushDmaBuffer on a coherent adapter leaves the cache alone (nothing to do)", () => {
    const { k } = machine("arm64-soc");
    const a = busMasterAdapter(k, "nic-coherent");
    const va = MmAllocateContiguousMemory(k, PAGE_SIZE, { QuadPart: 0x2_ffff_ffffn }) as number;
    const mdl = IoAllocateMdl(k, va, PAGE_SIZE) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    k.cpu.writeU32(va, 9);
    a.DmaOperations.FlushDmaBuffer?.(a, mdl, false);
    expect((k.memorySystem as CacheMemorySystem).stats.dirtyLines).toBe(1);
  });

  it("broken driver: a dirty line left in the cache while the device writes is written back over the device's data — DMA_WRITEBACK_CLOBBER", () => {
    const { k, v, va, pa, mdl, dev } = streaming();
    k.cpu.writeU32(va, 0x01020304);
    k.bus.write(dev, pa + 16, bytes(16, 0x33));
    KeFlushIoBuffers(k, mdl, true, true);
    expect(k.memory.readU8(pa + 16)).not.toBe(0x33);
    expect(codes(v)).toEqual(["DMA_WRITEBACK_CLOBBER"]);
  });

  it("a coherent device needs no maintenance: it snoops the dirty line", () => {
    const { k, v } = machine("arm64-soc", { memorySystem: cacheModel() });
    const b = allocate(busMasterAdapter(k, "nic-coherent"), 256);
    k.cpu.writeBytes(b.va, bytes(256, 0x44));
    const got = new Uint8Array(256);
    k.bus.read(k.busMasterOf("nic-coherent"), b.la, got);
    expect(got.every((x) => x === 0x44)).toBe(true);
    expect(v.findings).toEqual([]);
  });

  it("KeFlushIoBuffers does nothing on x64 (coherent platform) and bug checks above DISPATCH_LEVEL", () => {
    const { k, v } = machine("x64-desktop", { memorySystem: cacheModel() });
    const va = MmAllocateContiguousMemory(k, PAGE_SIZE, { QuadPart: 0xffff_ffffn }) as number;
    const mdl = IoAllocateMdl(k, va, PAGE_SIZE) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    k.cpu.writeU32(va, 5);
    KeFlushIoBuffers(k, mdl, false, true);
    expect((k.memorySystem as CacheMemorySystem).stats.dirtyLines).toBe(1);
    expect(() => k.atIrql(3, () => KeFlushIoBuffers(k, mdl, false, true))).toThrow(BugCheckError);
    expect(v.findings).toEqual([]);
  });

  it("broken driver: write-combined descriptor stores not fenced before the device reads them — DMA_UNDRAINED_WRITE_COMBINE; KeMemoryBarrier fixes it", () => {
    const { k, v } = machine("arm64-soc", { memorySystem: cacheModel(), outsideBuffers: false });
    const va = MmAllocateContiguousMemorySpecifyCache(k, PAGE_SIZE, { QuadPart: 0n }, { QuadPart: 0x2_ffff_ffffn }, { QuadPart: 0n }, MmWriteCombined) as number;
    const pa = Number(MmGetPhysicalAddress(k, va).QuadPart);
    const dev = k.busMasterOf("nic-coherent");
    k.cpu.writeU32(va, 0xabcd);
    k.bus.read(dev, pa, new Uint8Array(4));
    expect(codes(v)).toEqual(["DMA_UNDRAINED_WRITE_COMBINE"]);
    KeMemoryBarrier(k);
    const got = new Uint8Array(4);
    k.bus.read(dev, pa, got);
    expect(got[0]).toBe(0xcd);
    expect(v.findings).toHaveLength(1);
  });
});

describe("ARM64 Device memory (uncached common buffers)", () => {
  function deviceMemoryBuffer() {
    const { k, v } = machine("arm64-soc");
    const b = allocate(busMasterAdapter(k, "dma-noncoherent"), 256, false);
    expect(k.va.find(b.va)?.deviceMemory).toBe(true);
    return { k, v, b };
  }

  it("broken driver: a misaligned 4-byte store is the processor's alignment fault 0x1E (STATUS_DATATYPE_MISALIGNMENT) even in collect mode, before any finding", () => {
    const { k, v, b } = deviceMemoryBuffer();
    expect(() => k.cpu.writeU32(b.va + 2, 1)).toThrow(expect.objectContaining({ code: 0x1e, params: [0x80000002, 0, 1, expect.any(BigInt)] }));
    expect(codes(v)).toEqual([]);
  });

  it("in bugcheck mode the misaligned access stops the machine like the fault would", () => {
    const { k } = machine("arm64-soc", { mode: "bugcheck" });
    const b = allocate(busMasterAdapter(k, "dma-noncoherent"), 256, false);
    expect(() => k.cpu.readU64(b.va + 4)).toThrow(/0x1E/);
  });

  it("broken driver: RtlZeroMemory (memset) on Device memory is DEVICE_MEMORY_BULK_ACCESS", () => {
    const { k, v, b } = deviceMemoryBuffer();
    k.cpu.RtlZeroMemory(b.va, 256);
    expect(codes(v)).toEqual(["DEVICE_MEMORY_BULK_ACCESS"]);
  });

  it("correct driver: naturally aligned accesses and RtlZeroDeviceMemory / RtlFillDeviceMemory / RtlCopyDeviceMemory give no finding", () => {
    const { k, v, b } = deviceMemoryBuffer();
    RtlZeroDeviceMemory(k, b.va + 1, 100);
    RtlFillDeviceMemory(k, b.va + 128, 13, 0x7e);
    k.cpu.writeU32(b.va + 4, 0x11223344);
    k.cpu.writeU64(b.va + 8, 5n);
    k.cpu.readU16(b.va + 2);
    const tmp = MmAllocateContiguousMemory(k, PAGE_SIZE, { QuadPart: 0x2_ffff_ffffn }) as number;
    RtlCopyDeviceMemory(k, tmp, b.va + 3, 37);
    RtlCopyDeviceMemory(k, b.va + 160, tmp, 21);
    expect(v.findings).toEqual([]);
    expect(k.cpu.readU8(b.va + 1)).toBe(0);
    expect(k.cpu.readU8(b.va + 140)).toBe(0x7e);
    expect(k.cpu.readU32(b.va + 4)).toBe(0x11223344);
  });

  it("RtlFillDeviceMemory with a bad Length is a RangeError naming it", () => {
    const { k, b } = deviceMemoryBuffer();
    expect(() => RtlFillDeviceMemory(k, b.va, -1, 0)).toThrow(/-1/);
    expect(() => RtlCopyDeviceMemory(k, b.va, b.va, 1.5)).toThrow(/1.5/);
  });
});
