/**
 * KeFlushIoBuffers (wdm.h) and the cache maintenance the HAL's flush routines
 * share. KeFlushIoBuffers flushes the memory an MDL describes from every
 * processor's data cache (<= DISPATCH_LEVEL): ReadOperation TRUE (device to
 * memory) writes back and invalidates, so that no dirty line can later land on
 * the device's data and the CPU refetches what the device wrote;
 * ReadOperation FALSE (memory to device) writes back. On x64 the platform keeps
 * DMA coherent in hardware and the routine does nothing (KDOC
 * kernel/flushing-cached-data-during-dma-operations); on ARM64 it maintains
 * the lines through the memory system (a no-op where no line is cached).
 */
import { PAGE_SIZE } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import type { Kernel } from "./kernel.ts";
import { MmGetMdlVirtualAddress, type MDL } from "./mdl.ts";

/** A cache maintenance operation over a range: write dirty lines back, drop lines, or both. */
export type CacheOp = "clean" | "invalidate" | "clean-invalidate";

/**
 * Apply a cache operation to [va, va + length) of an MDL's buffer, one
 * physically contiguous run at a time (the MDL must be built: its PFN array filled).
 */
export function maintainMdlRange(k: Kernel, mdl: MDL, va: number, length: number, op: CacheOp): void {
  const start = MmGetMdlVirtualAddress(mdl);
  if (length <= 0) return;
  if (va < start || va + length > start + mdl.ByteCount) throw new RangeError(`maintainMdlRange: [0x${va.toString(16)}, +${length}) is outside the MDL's buffer`);
  let off = va - mdl.StartVa;
  const end = off + length;
  while (off < end) {
    const page = Math.floor(off / PAGE_SIZE);
    const pa = (mdl.pfns[page] as number) * PAGE_SIZE + (off % PAGE_SIZE);
    let n = Math.min(end - off, PAGE_SIZE - (off % PAGE_SIZE));
    let p = page;
    while (off + n < end && mdl.pfns[p + 1] === (mdl.pfns[p] as number) + 1) {
      n = Math.min(end - off, n + PAGE_SIZE);
      p++;
    }
    k.memorySystem.maintain(pa, n, op);
    off += n;
  }
}

/**
 * KeFlushIoBuffers(Mdl, ReadOperation, DmaOperation) (<= DISPATCH_LEVEL):
 * before a transfer, make the MDL's buffer right for a device that does not
 * snoop. ARM64: clean the lines (a write to the device) or clean and
 * invalidate them (ReadOperation: a read from the device). x64: nothing
 * (its DMA is coherent).
 *
 * @example
 * ```ts
 * import { bootMachine, MmAllocateContiguousMemory, MmGetPhysicalAddress, IoAllocateMdl, MmBuildMdlForNonPagedPool, KeFlushIoBuffers, physicalAddress, MAXULONG64 } from "dmasim";
 * const k = bootMachine("arm64-soc");
 * const va = MmAllocateContiguousMemory(k, 4096, physicalAddress(MAXULONG64)) ?? 0;
 * const mdl = IoAllocateMdl(k, va, 4096);
 * if (mdl === null) throw new Error("no MDL");
 * MmBuildMdlForNonPagedPool(k, mdl);
 * k.cpu.writeU32(va, 0x5a5a5a5a);                   // in the CPU cache only
 * const dev = k.busMasterOf("dma-noncoherent");     // _CCA 0: does not snoop
 * const pa = Number(MmGetPhysicalAddress(k, va).QuadPart);
 * console.log(k.bus.readU32(dev, pa).toString(16)); // deadbeef — stale: memory still holds the fill pattern
 * KeFlushIoBuffers(k, mdl, false, true);            // clean before the device reads
 * console.log(k.bus.readU32(dev, pa).toString(16)); // 5a5a5a5a
 * ```
 */
export function KeFlushIoBuffers(k: Kernel, Mdl: MDL, ReadOperation: boolean, DmaOperation: boolean): void {
  void DmaOperation;
  const cur = k.KeGetCurrentIrql();
  if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `KeFlushIoBuffers called at ${irqlName(cur)} (maximum DISPATCH_LEVEL)`);
  if (k.arch === "x64") return;
  maintainMdlRange(k, Mdl, MmGetMdlVirtualAddress(Mdl), Mdl.ByteCount, ReadOperation ? "clean-invalidate" : "clean");
}

/** KeMemoryBarrier: a full fence; drains the write-combining buffers so devices see the stores. */
export function KeMemoryBarrier(k: Kernel): void {
  k.memorySystem.fence();
}
