import { describe, expect, it } from "vitest";
import { GiB, MiB, PAGE_SIZE, physicalAddress } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { bootMachine } from "./kernel.ts";
import {
  MM_ANY_NODE_OK,
  MmAllocateContiguousMemory,
  MmAllocateContiguousMemorySpecifyCache,
  MmAllocateContiguousNodeMemory,
  MmCached,
  MmFreeContiguousMemory,
  MmGetPhysicalAddress,
  MmNonCached,
  PAGE_NOCACHE,
  PAGE_READWRITE,
} from "./contiguous-memory.ts";

const pa = physicalAddress;

describe("Mm contiguous memory routines", () => {
  it("MmAllocateContiguousMemory returns a page-aligned VA whose pages are physically contiguous and below the highest address", () => {
    const k = bootMachine("x64-desktop");
    const va = MmAllocateContiguousMemory(k, 3 * PAGE_SIZE, pa(0xffff_ffff));
    expect(va).not.toBeNull();
    if (va === null) return;
    expect(va % PAGE_SIZE).toBe(0);
    const p0 = Number(MmGetPhysicalAddress(k, va).QuadPart);
    expect(Number(MmGetPhysicalAddress(k, va + 2 * PAGE_SIZE).QuadPart)).toBe(p0 + 2 * PAGE_SIZE);
    expect(p0 + 3 * PAGE_SIZE - 1).toBeLessThanOrEqual(0xffff_ffff);
  });

  it("the memory is not zeroed: it holds the fill pattern", () => {
    const k = bootMachine("x64-desktop");
    const va = MmAllocateContiguousMemory(k, PAGE_SIZE, pa(0xffff_ffff)) as number;
    expect(k.cpu.readU32(va)).toBe(0xdeadbeef);
    k.cpu.writeU32(va, 0);
    MmFreeContiguousMemory(k, va);
    const again = MmAllocateContiguousMemory(k, PAGE_SIZE, pa(0xffff_ffff)) as number;
    expect(k.cpu.readU32(again)).toBe(0xdeadbeef);
  });

  it("SpecifyCache honours the lowest address and the boundary multiple", () => {
    const k = bootMachine("x64-desktop");
    const va = MmAllocateContiguousMemorySpecifyCache(k, 16 * PAGE_SIZE, pa(16 * MiB + 1), pa(0xffff_ffff), pa(64 * 1024), MmNonCached) as number;
    const p = Number(MmGetPhysicalAddress(k, va).QuadPart);
    expect(p).toBeGreaterThanOrEqual(16 * MiB + PAGE_SIZE);
    expect(Math.floor(p / 65536)).toBe(Math.floor((p + 16 * PAGE_SIZE - 1) / 65536));
    expect(k.va.find(va)?.cache).toBe("noncached");
  });

  it("returns NULL for zero bytes, a boundary that is not a power of two, or low above high", () => {
    const k = bootMachine("x64-desktop");
    expect(MmAllocateContiguousMemorySpecifyCache(k, 0, pa(0), pa(0xffff_ffff), pa(0), MmCached)).toBeNull();
    expect(MmAllocateContiguousMemorySpecifyCache(k, 4096, pa(0), pa(0xffff_ffff), pa(3 * 4096), MmCached)).toBeNull();
    expect(MmAllocateContiguousMemorySpecifyCache(k, 4096, pa(0x2000_0000), pa(0x1000_0000), pa(0), MmCached)).toBeNull();
    // A request larger than the boundary can never succeed.
    expect(MmAllocateContiguousMemorySpecifyCache(k, 32 * 4096, pa(0), pa(0xffff_ffff), pa(64 * 1024), MmCached)).toBeNull();
  });

  it("MmAllocateContiguousNodeMemory is strict about the node: from that node or NULL", () => {
    const k = bootMachine("x64-server");
    const va = MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(0xffff_ffff_ffff_ffffn), pa(0), PAGE_READWRITE, 1) as number;
    expect(k.map.nodeOfPfn(Number(MmGetPhysicalAddress(k, va).QuadPart) / PAGE_SIZE)).toBe(1);
    // Node 1 has no memory below 4 GiB: strict means NULL, not a fallback to node 0.
    expect(MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(0xffff_ffff), pa(0), PAGE_READWRITE, 1)).toBeNull();
    expect(MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(0xffff_ffff), pa(0), PAGE_READWRITE, MM_ANY_NODE_OK)).not.toBeNull();
    const nc = MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(2 * GiB), pa(0), PAGE_READWRITE | PAGE_NOCACHE, 0) as number;
    expect(k.va.find(nc)?.cache).toBe("noncached");
    expect(MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(2 * GiB), pa(0), 0x02, 0)).toBeNull();
    expect(() => MmAllocateContiguousNodeMemory(k, PAGE_SIZE, pa(0), pa(2 * GiB), pa(0), PAGE_READWRITE, 5)).toThrow(/PreferredNode 5 does not exist/);
  });

  it("freeing an address that does not start an allocation bug checks BAD_POOL_CALLER 0x60", () => {
    const k = bootMachine("x64-desktop");
    const va = MmAllocateContiguousMemory(k, 2 * PAGE_SIZE, pa(0xffff_ffff)) as number;
    try {
      MmFreeContiguousMemory(k, va + PAGE_SIZE);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect((e as BugCheckError).code).toBe(0xc2);
      expect((e as BugCheckError).params[0]).toBe(0x60);
    }
    MmFreeContiguousMemory(k, va);
  });

  it("MmGetPhysicalAddress of an unmapped VA is 0", () => {
    const k = bootMachine("x64-desktop");
    expect(MmGetPhysicalAddress(k, 0x1234).QuadPart).toBe(0n);
  });

  it("above DISPATCH_LEVEL the routine bug checks IRQL_NOT_LESS_OR_EQUAL; at DISPATCH it only takes free runs", () => {
    const k = bootMachine("x64-desktop");
    k.KeRaiseIrql(DISPATCH_LEVEL);
    expect(MmAllocateContiguousMemory(k, PAGE_SIZE, pa(0xffff_ffff))).not.toBeNull();
    k.KeRaiseIrql(5);
    expect(() => MmAllocateContiguousMemory(k, PAGE_SIZE, pa(0xffff_ffff))).toThrow(BugCheckError);
  });
});
