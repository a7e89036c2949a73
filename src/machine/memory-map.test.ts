import { describe, expect, it } from "vitest";
import { GiB, MiB, PAGE_SIZE } from "../core/address.ts";
import { BUILTIN_PROFILES, builtinProfile } from "./builtin-profiles.ts";
import { MemoryMap } from "./memory-map.ts";

describe("MemoryMap", () => {
  it("x64-desktop has 16 GiB of RAM with the PC holes: below 1 MiB, a PCI hole below 4 GiB, RAM remapped above 4 GiB", () => {
    const m = new MemoryMap(builtinProfile("x64-desktop"));
    expect(m.totalRamBytes).toBe(16 * GiB);
    expect(m.isRam(0x9e000 / PAGE_SIZE)).toBe(true);
    expect(m.isRam(0xa0000 / PAGE_SIZE)).toBe(false);
    expect(m.regionAt(3.5 * GiB)?.type).toBe("mmio");
    expect(m.isRam((4 * GiB) / PAGE_SIZE)).toBe(true);
    expect(m.isRam((1 * MiB) / PAGE_SIZE)).toBe(true);
  });

  it("x64-server splits 256 GiB over two NUMA nodes and orders fallback by distance", () => {
    const m = new MemoryMap(builtinProfile("x64-server"));
    expect(m.nodeCount).toBe(2);
    expect(m.totalRamBytes).toBe(256 * GiB);
    expect(m.nodeRamBytes(0)).toBe(128 * GiB);
    expect(m.nodeRamBytes(1)).toBe(128 * GiB);
    expect(m.nodeOfPfn((200 * GiB) / PAGE_SIZE)).toBe(1);
    expect(m.fallbackOrder(1)).toEqual([0]);
  });

  it("x64-1tib has 1 TiB over 4 nodes; fallback goes to the nearest node first", () => {
    const m = new MemoryMap(builtinProfile("x64-1tib"));
    expect(m.totalRamBytes).toBe(1024 * GiB);
    expect(m.nodeCount).toBe(4);
    expect(m.fallbackOrder(0)).toEqual([1, 2, 3]);
    expect(m.fallbackOrder(1)).toEqual([0, 3, 2]);
  });

  it("arm64-soc has 8 GiB of DRAM at 2 GiB and nothing below", () => {
    const m = new MemoryMap(builtinProfile("arm64-soc"));
    expect(m.totalRamBytes).toBe(8 * GiB);
    expect(m.isRam(0)).toBe(false);
    expect(m.ram[0]?.startPfn).toBe((2 * GiB) / PAGE_SIZE);
  });

  it("nodeRanges rejects a node that does not exist, naming it", () => {
    const m = new MemoryMap(builtinProfile("x64-desktop"));
    expect(() => m.nodeRanges(3)).toThrow(/node 3 does not exist/);
  });

  it("every built-in profile validates and has RAM on each node", () => {
    for (const p of BUILTIN_PROFILES.values()) {
      const m = new MemoryMap(p);
      for (let n = 0; n < m.nodeCount; n++) expect(m.nodeRamBytes(n)).toBeGreaterThan(0);
    }
  });
});
