import { describe, expect, it } from "vitest";
import { MiB, PAGE_SIZE } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { CoherentMemorySystem } from "../machine/memory-system.ts";
import { PhysicalMemory } from "../machine/physical-memory.ts";
import { Cpu } from "./cpu.ts";
import { formatVa, SYSTEM_VA_BASE, VaSpace } from "./va-space.ts";

function setup() {
  const mem = new PhysicalMemory(64 * MiB);
  const va = new VaSpace(new CoherentMemorySystem(mem));
  return { mem, va, cpu: new Cpu(va) };
}

describe("system VA space and CPU access", () => {
  it("maps page frames at a kernel VA and translates VA to physical (MmGetPhysicalAddress)", () => {
    const { va } = setup();
    const m = va.map([100, 101], "cached", "test");
    expect(m.startVa).toBe(SYSTEM_VA_BASE);
    expect(va.physicalAddressOf(m.startVa + 5)).toBe(100 * PAGE_SIZE + 5);
    expect(va.physicalAddressOf(m.startVa + PAGE_SIZE + 1)).toBe(101 * PAGE_SIZE + 1);
    expect(formatVa(m.startVa)).toBe("0xFFFFC000`00000000");
  });

  it("a VA that is not a whole number (a fraction, NaN) is refused with a TypeError naming it, on every path (typed, byte copy, translation), before anything is read or written", () => {
    const { va, mem, cpu } = setup();
    const m = va.map([100], "cached", "test");
    const regs = va.map([200], "noncached", "registers", { io: true });
    cpu.writeU32(m.startVa, 0x11223344);
    for (const bad of [m.startVa + 0.5, Number.NaN, regs.startVa + 4.25]) {
      expect(() => cpu.readU32(bad)).toThrow(TypeError);
      expect(() => cpu.writeU32(bad, 1)).toThrow(/a virtual address is a whole number/);
      expect(() => cpu.readBytes(bad, 300)).toThrow(TypeError);
      expect(() => va.physicalAddressOf(bad)).toThrow(TypeError);
    }
    expect(cpu.readU32(m.startVa)).toBe(0x11223344);
    expect(mem.writtenBytes).toBeGreaterThan(0);
  });

  it("a virtually contiguous buffer over scattered frames reads and writes across pages", () => {
    const { va, mem, cpu } = setup();
    const m = va.map([300, 7, 42], "cached", "test");
    const data = Uint8Array.from({ length: 3 * PAGE_SIZE }, (_, i) => i & 0xff);
    cpu.writeBytes(m.startVa, data);
    expect(cpu.readBytes(m.startVa, data.length)).toEqual(data);
    expect(mem.readU8(7 * PAGE_SIZE)).toBe(data[PAGE_SIZE]);
    expect(mem.readU8(42 * PAGE_SIZE + 1)).toBe(data[2 * PAGE_SIZE + 1]);
  });

  it("an access to an unmapped VA bug checks PAGE_FAULT_IN_NONPAGED_AREA (0x50)", () => {
    const { va, cpu } = setup();
    const m = va.map([1], "cached", "test");
    // The page after a mapping is a guard page.
    expect(() => cpu.readU32(m.startVa + PAGE_SIZE)).toThrow(BugCheckError);
    try {
      cpu.writeU8(m.startVa + PAGE_SIZE, 1);
    } catch (e) {
      expect((e as BugCheckError).code).toBe(0x50);
      expect((e as BugCheckError).params[1]).toBe(1);
    }
  });

  it("unmap releases the VA and later accesses fault; unmapping a non-start VA is a RangeError", () => {
    const { va, cpu } = setup();
    const m = va.map([1, 2], "cached", "test");
    expect(() => va.unmap(m.startVa + 1)).toThrow(/no mapping starts at/);
    va.unmap(m.startVa);
    expect(() => cpu.readU8(m.startVa)).toThrow(BugCheckError);
    const again = va.map([3], "cached", "test");
    expect(again.startVa).toBe(m.startVa);
  });

  it("Rtl helpers: zero, fill, copy, move and compare", () => {
    const { va, cpu } = setup();
    const m = va.map([10, 11], "cached", "test");
    cpu.RtlFillMemory(m.startVa, 100, 0xaa);
    cpu.RtlZeroMemory(m.startVa, 10);
    expect(cpu.readU8(m.startVa + 9)).toBe(0);
    expect(cpu.readU8(m.startVa + 10)).toBe(0xaa);
    cpu.RtlCopyMemory(m.startVa + PAGE_SIZE, m.startVa, 100);
    expect(cpu.RtlCompareMemory(m.startVa, m.startVa + PAGE_SIZE, 100)).toBe(100);
    cpu.RtlMoveMemory(m.startVa + 1, m.startVa, 20);
    expect(cpu.readU8(m.startVa + 10)).toBe(0);
    expect(cpu.readU8(m.startVa + 11)).toBe(0xaa);
  });

  it("typed accessors are little-endian and 64-bit exact", () => {
    const { va, cpu } = setup();
    const m = va.map([5], "cached", "test");
    cpu.writeU64(m.startVa, 0x1122_3344_5566_7788n);
    expect(cpu.readU32(m.startVa)).toBe(0x5566_7788);
    expect(cpu.readU16(m.startVa + 6)).toBe(0x1122);
    expect(cpu.readU64(m.startVa)).toBe(0x1122_3344_5566_7788n);
  });
});

describe("VaSpace.beforeAccess", () => {
  it("runs before every CPU load and store, so lazily advancing devices catch up first", () => {
    const { va, cpu } = setup();
    const m = va.map([9], "cached", "test");
    let calls = 0;
    va.beforeAccess = () => calls++;
    cpu.writeU32(m.startVa, 1);
    cpu.readU32(m.startVa);
    expect(calls).toBe(2);
  });
});
