/**
 * The verifier's shortcuts (access-caches.ts, transfer-keys.ts, the
 * register-mapping skip, the one-word initialised-line check) never hide a
 * finding: each test first makes the shortcut answer (an access it caches),
 * then does the wrong thing the full check catches, and expects the same
 * finding the full check gives.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, physicalAddress } from "../core/address.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached, MmGetPhysicalAddress, MmNonCached } from "../kernel/contiguous-memory.ts";
import { MmMapIoSpace, READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from "../kernel/io-space.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { BusMaster } from "../machine/bus.ts";
import { ENTRIES } from "./access-caches.ts";
import { allocate, busMasterAdapter, codes, machine, release } from "./test-machine.ts";
import { SLOTS } from "./transfer-keys.ts";

const bytes = (n: number, v = 0x5a) => new Uint8Array(n).fill(v);

/** Physically contiguous pages no common buffer holds (a driver's own memory a transfer maps): their physical address. */
function ownPages(k: Kernel, pages: number): number {
  const va = MmAllocateContiguousMemorySpecifyCache(k, pages * PAGE_SIZE, physicalAddress(0), physicalAddress(0xffff_ffff), physicalAddress(0), MmCached);
  if (va === null) throw new Error("no contiguous memory");
  return Number(MmGetPhysicalAddress(k, va).QuadPart);
}

describe("the device fast path never hides a finding", () => {
  it("a write to a common buffer right after cached accesses to it, once it is freed, is DMA_USE_AFTER_FREE", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 256);
    const dev = k.busMasterOf("plx9656");
    k.bus.write(dev, b.la, bytes(16));
    k.bus.write(dev, b.la + 16, bytes(16));
    expect(v.findings).toEqual([]);
    release(a, b);
    k.bus.write(dev, b.la + 16, bytes(16));
    expect(codes(v)).toEqual(["DMA_USE_AFTER_FREE"]);
  });

  it("an access that starts inside a cached buffer and runs past its Length is CB_TAIL_ACCESS; one past its last page into no buffer is DMA_OUTSIDE_BUFFER", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const dev = k.busMasterOf("plx9656");
    const part = allocate(a, 100);
    k.bus.write(dev, part.la, bytes(64));
    k.bus.write(dev, part.la + 90, bytes(20));
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS"]);
    expect(v.findings[0]?.params).toMatchObject({ address: part.la + 100, length: 10 });
    const whole = allocate(a, PAGE_SIZE);
    k.bus.write(dev, whole.la, bytes(64));
    const next = whole.la + PAGE_SIZE;
    if (v.table.byPfn.get(next / PAGE_SIZE) >= 0) throw new Error("the page after the buffer is another buffer's");
    k.bus.write(dev, next - 8, bytes(16));
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS", "DMA_OUTSIDE_BUFFER"]);
    expect(v.findings[1]?.params).toMatchObject({ address: next, length: 8 });
  });

  it("a read of a line the device never wrote, right after cached accesses to the line before it, is DMA_UNINITIALIZED_READ at that line", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 4 * 64);
    const dev = k.busMasterOf("plx9656");
    k.bus.write(dev, b.la, bytes(64));
    k.bus.read(dev, b.la, new Uint8Array(64));
    expect(v.findings).toEqual([]);
    k.bus.read(dev, b.la, new Uint8Array(128));
    expect(codes(v)).toEqual(["DMA_UNINITIALIZED_READ"]);
    expect(v.findings[0]?.params).toMatchObject({ offset: 64 });
    // Written, the line reads fine through the same cached entry.
    k.bus.write(dev, b.la + 64, bytes(64));
    k.bus.read(dev, b.la, new Uint8Array(128));
    expect(v.findings[0]?.count).toBe(1);
  });

  it("with more buffers in use than the fast path holds, each is still checked: a use after free and a tail access among them are reported", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const dev = k.busMasterOf("plx9656");
    const bufs = Array.from({ length: ENTRIES + 3 }, () => allocate(a, 200));
    for (let round = 0; round < 2; round++) for (const b of bufs) k.bus.write(dev, b.la, bytes(32));
    expect(v.findings).toEqual([]);
    const freed = bufs[1];
    if (freed === undefined) throw new Error("no buffer");
    release(a, freed);
    for (const b of bufs) k.bus.write(dev, b.la, bytes(32));
    k.bus.write(dev, (bufs[ENTRIES + 2]?.la ?? 0) + 190, bytes(20));
    expect(codes(v)).toEqual(["DMA_USE_AFTER_FREE", "CB_TAIL_ACCESS"]);
  });

  it("a mapped transfer is a fast-path entry from the start; once unmapped, a device write to it is DMA_USE_AFTER_FREE; past its last page, DMA_OUTSIDE_BUFFER", () => {
    const { k, v } = machine("x64-desktop");
    const dev = k.busMasterOf("plx9656");
    const pa = ownPages(k, 2);
    const key = {};
    v.onContiguousTransferMapped(key, "plx9656", pa + 100, 2 * PAGE_SIZE - 100);
    k.bus.write(dev, pa + 100, bytes(256));
    k.bus.read(dev, pa, new Uint8Array(2 * PAGE_SIZE));
    expect(v.findings).toEqual([]);
    if (v.table.byPfn.get(pa / PAGE_SIZE + 2) >= 0) throw new Error("the page after the transfer is another buffer's");
    k.bus.write(dev, pa + 2 * PAGE_SIZE - 4, bytes(8));
    expect(codes(v)).toEqual(["DMA_OUTSIDE_BUFFER"]);
    expect(v.findings[0]?.params).toMatchObject({ address: pa + 2 * PAGE_SIZE, length: 4 });
    v.onTransferUnmapped(key);
    k.bus.write(dev, pa + 200, bytes(16));
    expect(codes(v)).toEqual(["DMA_OUTSIDE_BUFFER", "DMA_USE_AFTER_FREE"]);
  });

  it("a scattered transfer is cached by physical run: the device's logical address one page past a run, where the run's physical pages end, is no buffer; at the next run's page it is fine", () => {
    const { k, v } = machine("x64-desktop");
    const run = ownPages(k, 3) / PAGE_SIZE;
    const other = ownPages(k, 1) / PAGE_SIZE;
    // Logical pages L, L+1 on physical run, run+1; logical L+2 on `other` (as an IOMMU would map them).
    const logical = 0x7_0000_0000;
    v.onTransferMapped({}, { device: "plx9656", logical, length: 3 * PAGE_SIZE, pfns: [run, run + 1, other] });
    const dev: BusMaster = { name: "plx9656", domain: 1, coherent: true };
    v.onDeviceAccess(dev, logical + 2 * PAGE_SIZE, other * PAGE_SIZE, 64, false);
    // The first run last: it is the transfer's cached entry now.
    v.onDeviceAccess(dev, logical + 16, run * PAGE_SIZE + 16, 64, true);
    v.onDeviceAccess(dev, logical + PAGE_SIZE, (run + 1) * PAGE_SIZE, 64, false);
    expect(v.findings).toEqual([]);
    // The run's delta would take logical L+2 to physical run+2: not this transfer's page.
    v.onDeviceAccess(dev, logical + 2 * PAGE_SIZE, (run + 2) * PAGE_SIZE, 64, true);
    expect(codes(v)).toEqual(["DMA_OUTSIDE_BUFFER"]);
  });

  it("more transfers in flight than the key queue holds, unmapped newest first: each one's end is seen (DMA_USE_AFTER_FREE after it), the rest stay mapped", () => {
    const { k, v } = machine("x64-desktop");
    const dev = k.busMasterOf("plx9656");
    const n = SLOTS + 6;
    const base = ownPages(k, n);
    const keys = Array.from({ length: n }, (_, i) => {
      const key = {};
      v.onContiguousTransferMapped(key, "plx9656", base + i * PAGE_SIZE, PAGE_SIZE);
      return key;
    });
    for (let i = n - 1; i >= 0; i--) {
      v.onTransferUnmapped(keys[i] as object);
      k.bus.write(dev, base + i * PAGE_SIZE, bytes(8));
      if (i > 0) k.bus.write(dev, base + (i - 1) * PAGE_SIZE, bytes(8));
    }
    expect(v.findings.map((f) => [f.code, f.count])).toEqual(Array.from({ length: n }, () => ["DMA_USE_AFTER_FREE", 1]));
  });
});

describe("the CPU mapping cache never hides a finding", () => {
  it("a CPU write past Length right after cached writes inside the buffer, with register accesses between, is CB_TAIL_ACCESS", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    const bar = k.board.device("plx9656").bars[0]?.base ?? -1;
    const regs = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached);
    if (regs === null) throw new Error("no register mapping");
    k.cpu.writeBytes(b.va, bytes(16));
    WRITE_REGISTER_ULONG(k, regs + 0x10, 1);
    k.cpu.writeBytes(b.va + 16, bytes(16));
    READ_REGISTER_ULONG(k, regs + 0x10);
    expect(v.findings).toEqual([]);
    k.cpu.writeBytes(b.va + 96, bytes(8));
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS"]);
    expect(v.findings[0]?.params).toMatchObject({ address: b.va + 100, length: 4 });
  });

  it("a buffer the CPU filled, freed and allocated again starts uninitialised and with its own Length (the cache forgets the old one)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const dev = k.busMasterOf("plx9656");
    const first = allocate(a, PAGE_SIZE);
    k.cpu.writeBytes(first.va, bytes(PAGE_SIZE));
    k.bus.read(dev, first.la, new Uint8Array(PAGE_SIZE));
    release(a, first);
    const again = allocate(a, 200);
    k.cpu.writeBytes(again.va, bytes(64));
    k.bus.read(dev, again.la, new Uint8Array(128));
    k.cpu.writeBytes(again.va + 196, bytes(8));
    expect(codes(v)).toEqual(["DMA_UNINITIALIZED_READ", "CB_TAIL_ACCESS"]);
  });

  it("with more mappings in use than the cache holds, each buffer's tail is still checked", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const bufs = Array.from({ length: ENTRIES + 2 }, () => allocate(a, 300));
    for (let round = 0; round < 2; round++) for (const b of bufs) k.cpu.writeBytes(b.va, bytes(8));
    for (const b of bufs) k.cpu.writeBytes(b.va + 296, bytes(8));
    expect(v.findings.map((f) => f.code)).toEqual(bufs.map(() => "CB_TAIL_ACCESS"));
  });
});
