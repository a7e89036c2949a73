import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { builtinProfile } from "./builtin-profiles.ts";
import { DmaBus } from "./bus.ts";
import { Prng } from "../core/prng.ts";
import { Iommu } from "./iommu.ts";
import { MemoryMap } from "./memory-map.ts";
import { CoherentMemorySystem } from "./memory-system.ts";
import { PhysicalMemory } from "./physical-memory.ts";

const GiB4 = 2 ** 32;

describe("Iommu (DMA remapping)", () => {
  it("gives each device its own domain with its own IOVA space", () => {
    const io = new Iommu(48);
    const a = io.createDomain("a");
    const b = io.createDomain("b");
    expect(a).not.toBe(b);
    const ia = io.allocateIova(a, { pages: 1 });
    const ib = io.allocateIova(b, { pages: 1 });
    // Same allocator state in both spaces gives the same IOVA: the spaces are separate.
    expect(ia).toBe(ib);
    io.map(a, ia, [100], { read: true, write: true });
    const out = new Float64Array(8);
    expect(io.translate(a, ia + 5, 10, false, out)).toBe(1);
    expect(io.translate(b, ib + 5, 10, false, out)).toBe("iommu-not-mapped");
  });

  it("allocates IOVAs as the HAL's buddy allocator: the lowest power-of-two block on its own boundary, never page 0", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    // 1 page at page 1 (page 0 is never handed out); 2 pages on a 2-page boundary; 3 pages take a 4-page block.
    expect(io.allocateIova(d, { pages: 1, maxAddress: GiB4 - 1 })).toBe(PAGE_SIZE);
    expect(io.allocateIova(d, { pages: 2, maxAddress: GiB4 - 1 })).toBe(2 * PAGE_SIZE);
    expect(io.allocateIova(d, { pages: 3, maxAddress: GiB4 - 1 })).toBe(4 * PAGE_SIZE);
    // The 4th page of that block is reserved with it: the next page goes above the block.
    expect(io.allocateIova(d, { pages: 1 })).toBe(8 * PAGE_SIZE);
    // A 64-bit device's ceiling changes nothing: low addresses are favoured.
    expect(io.allocateIova(d, { pages: 8, maxAddress: 2 ** 48 - 1 })).toBe(16 * PAGE_SIZE);
    expect(io.allocateIova(d, { pages: 1, maxAddress: 2 * PAGE_SIZE - 1 })).toBe(-1);
  });

  it("freeing a rounded block gives the whole block back, and a free hole is reused lowest first", () => {
    const io = new Iommu(40);
    const d = io.createDomain("d");
    const a = io.allocateIova(d, { pages: 3 });
    const b = io.allocateIova(d, { pages: 1 });
    expect([a, b]).toEqual([4 * PAGE_SIZE, PAGE_SIZE]);
    io.freeIova(d, a, 3);
    expect(io.allocateIova(d, { pages: 4 })).toBe(a);
    expect(io.allocateIova(d, { pages: 1 })).toBe(2 * PAGE_SIZE);
    expect(() => io.freeIova(d, a, 3)).toThrow(/has 4 pages, not 3/);
  });

  it("a block never crosses the requested boundary; a request larger than the boundary fails", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const crossing = io.allocateIova(d, { pages: 3, boundary: 4 * PAGE_SIZE });
    expect(crossing).toBe(4 * PAGE_SIZE);
    expect(Math.floor(crossing / (4 * PAGE_SIZE))).toBe(Math.floor((crossing + 3 * PAGE_SIZE - 1) / (4 * PAGE_SIZE)));
    expect(io.allocateIova(d, { pages: 5, boundary: 4 * PAGE_SIZE })).toBe(-1);
  });

  it("a 32-bit device gets at most a 2 GiB block: a larger one needs the whole 4 GiB, page 0 included", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    expect(io.allocateIova(d, { pages: 2 ** 19 + 1, maxAddress: GiB4 - 1 })).toBe(-1);
    expect(io.allocateIova(d, { pages: 2 ** 19, maxAddress: GiB4 - 1 })).toBe(GiB4 / 2);
  });

  it("aligns the start when asked (2 MiB granules for large pages)", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    io.allocateIova(d, { pages: 1, maxAddress: GiB4 - 1 });
    const big = io.allocateIova(d, { pages: 3, maxAddress: GiB4 - 1, align: 2 * 1024 * 1024, boundary: GiB4 });
    expect(big).toBe(2 * 1024 * 1024);
    expect(() => io.allocateIova(d, { pages: 1, align: 3000 })).toThrow(/align/);
  });

  it("respects a minimum address and fails when the window is too small", () => {
    const io = new Iommu(40);
    const d = io.createDomain("d");
    expect(io.allocateIova(d, { pages: 4, minAddress: 0x10000, maxAddress: 0x13fff })).toBe(0x10000);
    expect(io.allocateIova(d, { pages: 1, minAddress: 0x10000, maxAddress: 0x13fff })).toBe(-1);
  });

  it("translate fills physical runs, merging physically adjacent pages, for a logically contiguous range", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const iova = io.allocateIova(d, { pages: 3 });
    io.map(d, iova, [10, 11, 50], { read: true, write: true });
    const out = new Float64Array(8);
    expect(io.translate(d, iova + 100, 3 * PAGE_SIZE - 200, true, out)).toBe(2);
    expect([...out.subarray(0, 4)]).toEqual([10 * PAGE_SIZE + 100, 2 * PAGE_SIZE - 100, 50 * PAGE_SIZE, PAGE_SIZE - 100]);
  });

  it("faults an unmapped page, a write without write permission and a read without read permission", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const ro = io.allocateIova(d, { pages: 1 });
    const wo = io.allocateIova(d, { pages: 1 });
    io.map(d, ro, [7], { read: true, write: false });
    io.map(d, wo, [8], { read: false, write: true });
    const out = new Float64Array(4);
    expect(io.translate(d, ro, 4, true, out)).toBe("iommu-no-write");
    expect(io.translate(d, wo, 4, false, out)).toBe("iommu-no-read");
    expect(io.translate(d, wo + 2 * PAGE_SIZE, 4, false, out)).toBe("iommu-not-mapped");
    // A range that runs from a mapped page into an unmapped one faults as a whole.
    expect(io.translate(d, wo + PAGE_SIZE - 2, 4, true, out)).toBe("iommu-not-mapped");
    expect(io.translate(99, ro, 4, false, out)).toBe("iommu-not-mapped");
  });

  it("unmap and freeIova restore the free IOVA ranges exactly", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const before = io.freeIovaRanges(d);
    const x = io.allocateIova(d, { pages: 3, maxAddress: GiB4 - 1 });
    const y = io.allocateIova(d, { pages: 1, maxAddress: GiB4 - 1 });
    io.map(d, x, [1, 2, 3], { read: true, write: true });
    expect(() => io.freeIova(d, x, 3)).toThrow(/still has a mapping/);
    io.unmap(d, x);
    io.freeIova(d, x, 3);
    io.freeIova(d, y, 1);
    expect(io.freeIovaRanges(d)).toEqual(before);
    expect(io.mappingCount(d)).toBe(0);
  });

  it("rejects bad requests with RangeErrors and leaves state unchanged", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const x = io.allocateIova(d, { pages: 2 });
    io.map(d, x, [1, 2], { read: true, write: true });
    const before = io.freeIovaRanges(d);
    expect(() => io.map(d, x + PAGE_SIZE, [3], { read: true, write: true })).toThrow(/overlaps/);
    expect(() => io.unmap(d, x + PAGE_SIZE)).toThrow(/no mapping starts/);
    expect(() => io.freeIova(d, x, 1)).toThrow(/has 2 pages, not 1/);
    expect(() => io.allocateIova(d, { pages: 0 })).toThrow(RangeError);
    expect(() => io.allocateIova(d, { pages: 1, boundary: 5000 })).toThrow(/boundary/);
    expect(() => io.allocateIova(7, { pages: 1 })).toThrow(/no domain 7/);
    expect(() => new Iommu(16)).toThrow(/addressWidth/);
    expect(io.freeIovaRanges(d)).toEqual(before);
    expect(io.mappingCount(d)).toBe(1);
  });

  it("as the bus's translator: a device in a domain reaches memory only through its mappings", () => {
    const map = new MemoryMap(builtinProfile("x64-iommu"));
    const mem = new PhysicalMemory(map.pageCount * PAGE_SIZE);
    const bus = new DmaBus(map, new CoherentMemorySystem(mem));
    const io = new Iommu(48);
    bus.iommu = io;
    const dev = { name: "nic", domain: io.createDomain("nic"), coherent: true };
    const iova = io.allocateIova(dev.domain, { pages: 2, maxAddress: GiB4 - 1 });
    io.map(dev.domain, iova, [0x2000, 0x1000], { read: true, write: true });
    expect(bus.write(dev, iova + PAGE_SIZE - 2, Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(mem.readU8(0x2000 * PAGE_SIZE + PAGE_SIZE - 2)).toBe(1);
    expect(mem.readU8(0x1000 * PAGE_SIZE + 1)).toBe(4);
    // The physical address itself is not a valid logical address for the device.
    const b = new Uint8Array(2);
    expect(bus.read(dev, 0x2000 * PAGE_SIZE, b)).toBe(false);
    expect(bus.faults.at(-1)?.reason).toBe("iommu-not-mapped");
  });

  it("stores contiguous page frames as one run: a 4 GiB mapping is one record with one run, mapped by run or by page list", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const pages = 2 ** 20 - 1;
    const a = io.allocateIova(d, { pages });
    const m = io.mapRuns(d, a, [0x10_0000, pages], { read: true, write: true });
    expect([...m.runs]).toEqual([0x10_0000, pages]);
    const out = new Float64Array(8);
    expect(io.translate(d, a + 3 * GiB4 / 4 + 100, 64 * 1024, false, out)).toBe(1);
    expect(out[0]).toBe(0x10_0000 * PAGE_SIZE + 3 * GiB4 / 4 + 100);
    expect(io.physicalAddressOf(d, a + (pages - 1) * PAGE_SIZE + 5)).toBe((0x10_0000 + pages - 1) * PAGE_SIZE + 5);
    const b = io.allocateIova(d, { pages: 4096 });
    const list = Int32Array.from({ length: 4096 }, (_, i) => 0x30_0000 + i);
    expect([...io.map(d, b, list, { read: true, write: true }).runs]).toEqual([0x30_0000, 4096]);
  });

  it("a page list is coalesced into its runs, and the per-page frames are still available", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const a = io.allocateIova(d, { pages: 6 });
    const m = io.map(d, a, [5, 6, 7, 100, 3, 4], { read: true, write: true });
    expect([...m.runs]).toEqual([5, 3, 100, 1, 3, 2]);
    expect([...m.pfns]).toEqual([5, 6, 7, 100, 3, 4]);
    // Runs given out of canonical form are joined.
    const b = io.allocateIova(d, { pages: 3 });
    expect([...io.mapRuns(d, b, [9, 1, 10, 2], { read: true, write: true }).runs]).toEqual([9, 3]);
  });

  it("translate through runs agrees with a page-by-page oracle on seeded scattered mappings", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const p = new Prng(4);
    const out = new Float64Array(8192);
    for (let t = 0; t < 300; t++) {
      const pages = p.range(1, 200);
      const pfns: number[] = [];
      let pfn = p.int(1 << 20);
      for (let i = 0; i < pages; i++) {
        pfns.push(pfn);
        pfn = p.chance(0.7) ? pfn + 1 : p.int(1 << 20);
      }
      const iova = io.allocateIova(d, { pages });
      io.map(d, iova, pfns, { read: true, write: true });
      for (let k = 0; k < 5; k++) {
        const from = p.int(pages * PAGE_SIZE);
        const len = 1 + p.int(pages * PAGE_SIZE - from);
        const n = io.translate(d, iova + from, len, false, out);
        expect(typeof n).toBe("number");
        // Oracle: byte by page.
        const want: number[] = [];
        for (let o = from; o < from + len; ) {
          const pg = Math.floor(o / PAGE_SIZE);
          const chunk = Math.min(PAGE_SIZE - (o % PAGE_SIZE), from + len - o);
          const pa = (pfns[pg] as number) * PAGE_SIZE + (o % PAGE_SIZE);
          if (want.length > 0 && (want[want.length - 2] as number) + (want[want.length - 1] as number) === pa) want[want.length - 1] = (want[want.length - 1] as number) + chunk;
          else want.push(pa, chunk);
          o += chunk;
        }
        expect([...out.subarray(0, 2 * (n as number))]).toEqual(want);
      }
      io.unmap(d, iova);
      io.freeIova(d, iova, pages);
    }
  });

  it("mapRuns rejects a malformed run list with a RangeError naming the run", () => {
    const io = new Iommu(48);
    const d = io.createDomain("d");
    const a = io.allocateIova(d, { pages: 4 });
    expect(() => io.mapRuns(d, a, [1], { read: true, write: true })).toThrow(/\[pfn, pages, \.\.\.\] pairs/);
    expect(() => io.mapRuns(d, a, [1, 2, 7, 0], { read: true, write: true })).toThrow(/run 1 must be/);
    expect(io.mappingCount(d)).toBe(0);
  });
});

describe("Iommu.shareSpace (DMA domains)", () => {
  it("a domain made to share another's space translates that space's mappings and allocates its IOVAs there; back on its own space it sees its own again", () => {
    const io = new Iommu(48);
    const a = io.createDomain("a");
    const b = io.createDomain("b");
    const iova = io.allocateIova(a, { pages: 1 });
    io.map(a, iova, [0x1234], { read: true, write: true });
    const out = new Float64Array(8);
    expect(io.translate(b, iova, 4, false, out)).toBe("iommu-not-mapped");
    io.shareSpace(b, a);
    expect(io.spaceOf(b)).toBe(a);
    expect(io.translate(b, iova, 4, false, out)).toBe(1);
    expect(out[0]).toBe(0x1234 * PAGE_SIZE);
    // What b maps now lands in a's space.
    const second = io.allocateIova(b, { pages: 1 });
    io.map(b, second, [0x2000], { read: true, write: false });
    expect(io.physicalAddressOf(a, second)).toBe(0x2000 * PAGE_SIZE);
    io.shareSpace(b, b);
    expect(io.translate(b, iova, 4, false, out)).toBe("iommu-not-mapped");
    expect(io.mappingCount(a)).toBe(2);
    expect(() => io.shareSpace(b, 9)).toThrow(/no domain 9/);
  });
});
