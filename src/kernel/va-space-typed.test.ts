import { describe, expect, it } from "vitest";
import { MiB, PAGE_SIZE } from "../core/address.ts";
import { BUGCHECK, BugCheckError } from "../core/bugcheck.ts";
import { CoherentMemorySystem } from "../machine/memory-system.ts";
import { FILL_PATTERN, PhysicalMemory } from "../machine/physical-memory.ts";
import { Cpu } from "./cpu.ts";
import { type CpuAccessObserver, VaSpace } from "./va-space.ts";

function setup(fast = true) {
  const mem = new PhysicalMemory(16 * MiB);
  const va = new VaSpace(new CoherentMemorySystem(mem));
  va.fastPath = fast;
  return { mem, va, cpu: new Cpu(va) };
}

describe("typed CPU loads and stores served from the cached page", () => {
  it("a page unmapped and its VA range mapped again over another frame between two loads reads the new frame", () => {
    const { va, cpu, mem } = setup();
    mem.writeU32(7 * PAGE_SIZE, 0x7777_7777);
    mem.writeU32(9 * PAGE_SIZE, 0x9999_9999);
    const a = va.map([7], "cached", "a");
    expect(cpu.readU32(a.startVa)).toBe(0x7777_7777);
    expect(cpu.readU32(a.startVa)).toBe(0x7777_7777);
    va.unmap(a.startVa);
    const b = va.map([9], "cached", "b");
    // First fit hands the same VA out again: only the new frame may answer.
    expect(b.startVa).toBe(a.startVa);
    expect(cpu.readU32(b.startVa)).toBe(0x9999_9999);
    cpu.writeU16(b.startVa, 0x1234);
    expect(mem.readU32(9 * PAGE_SIZE)).toBe(0x9999_1234);
    expect(mem.readU32(7 * PAGE_SIZE)).toBe(0x7777_7777);
  });

  it("a load after the VA is unmapped bug checks 0x50 instead of reading the page it cached", () => {
    const { va, cpu } = setup();
    const a = va.map([7], "cached", "a");
    cpu.writeU32(a.startVa, 1);
    expect(cpu.readU32(a.startVa)).toBe(1);
    va.unmap(a.startVa);
    expect(() => cpu.readU8(a.startVa + 3)).toThrow(BugCheckError);
    expect(() => cpu.writeU8(a.startVa + 3, 1)).toThrow(/write to unmapped VA/);
  });

  it("a fresh page first written by a device reads as the pattern before and as the device's data after", () => {
    const { va, cpu, mem } = setup();
    const m = va.map([12], "cached", "rx buffer");
    expect(cpu.readU32(m.startVa + 16)).toBe(FILL_PATTERN);
    expect(cpu.readU32(m.startVa + 16)).toBe(FILL_PATTERN);
    // Bus-master DMA writes memory behind the CPU's back.
    mem.write(12 * PAGE_SIZE + 16, Uint8Array.of(1, 2, 3, 4));
    expect(cpu.readU32(m.startVa + 16)).toBe(0x0403_0201);
    expect(cpu.readU16(m.startVa + 20)).toBe(FILL_PATTERN & 0xffff);
  });

  it("a cached page scrubbed back to the pattern reads as the pattern at once", () => {
    const { va, cpu, mem } = setup();
    const m = va.map([12], "cached", "t");
    cpu.writeU32(m.startVa, 5);
    expect(cpu.readU32(m.startVa)).toBe(5);
    mem.scrub(12 * PAGE_SIZE, PAGE_SIZE);
    expect(cpu.readU32(m.startVa)).toBe(FILL_PATTERN);
    expect(cpu.readU8(m.startVa + 1)).toBe(0xbe);
  });

  it("a store into a read-only mapping whose page was cached by a load bug checks 0xBE", () => {
    const { va, cpu, mem } = setup();
    mem.writeU32(5 * PAGE_SIZE, 3);
    const m = va.map([5], "cached", "ro", { readOnly: true });
    expect(cpu.readU32(m.startVa)).toBe(3);
    let code = 0;
    try {
      cpu.writeU32(m.startVa, 4);
    } catch (e) {
      code = (e as BugCheckError).code;
    }
    expect(code).toBe(BUGCHECK.ATTEMPTED_WRITE_TO_READONLY_MEMORY);
    expect(mem.readU32(5 * PAGE_SIZE)).toBe(3);
  });

  it("stores keep only the low bits of their width, as with the cached page off", () => {
    const values = [0x1_2345_6789, -1, -2.5, 0x12345, 2 ** 40 + 7, Number.NaN, 255.9];
    const results = [true, false].map((fast) => {
      const { va, cpu, mem } = setup(fast);
      const m = va.map([3], "cached", "t");
      cpu.writeU32(m.startVa, 0);
      const out: number[] = [];
      for (const v of values) {
        cpu.writeU8(m.startVa + 1, v);
        cpu.writeU16(m.startVa + 2, v);
        cpu.writeU32(m.startVa + 4, v);
        out.push(cpu.readU8(m.startVa + 1), cpu.readU16(m.startVa + 2), cpu.readU32(m.startVa + 4), mem.readU32(3 * PAGE_SIZE + 4));
      }
      return out;
    });
    expect(results[0]).toEqual(results[1]);
    expect(results[0]?.slice(0, 4)).toEqual([0x89, 0x6789, 0x2345_6789, 0x2345_6789]);
  });

  it("an observer is told of each typed access to the cached page, with its width", () => {
    const { va, cpu } = setup();
    const m = va.map([4], "cached", "t");
    cpu.writeU32(m.startVa, 1);
    const seen: string[] = [];
    const o: CpuAccessObserver = { onCpuAccess: (mp, at, len, write, w) => void seen.push(`${mp.tag} ${at - m.startVa} ${len} ${write} ${w}`) };
    va.observers.add(o);
    cpu.readU16(m.startVa + 2);
    cpu.writeU8(m.startVa + 9, 1);
    expect(seen).toEqual(["t 2 2 false 2", "t 9 1 true 1"]);
  });
});

describe("the second cached page", () => {
  function counting() {
    const m = setup();
    let calls = 0;
    for (const name of ["read", "write"] as const) {
      const orig = m.mem[name].bind(m.mem);
      m.mem[name] = (pa: number, b: Uint8Array) => {
        calls++;
        orig(pa, b);
      };
    }
    return { ...m, calls: () => calls };
  }

  it("a ring page the driver comes back to between buffers touched once stays cached: only each buffer's one access reaches memory", () => {
    const { va, cpu, mem, calls } = counting();
    const ring = va.map([2], "cached", "ring");
    cpu.writeU32(ring.startVa, 0);
    cpu.readU32(ring.startVa);
    // Two buffers a round (a frame's request buffer and its receive buffer), then the ring again.
    const bufs = Array.from({ length: 16 }, (_, i) => {
      mem.writeU32((20 + i) * PAGE_SIZE, i);
      return va.map([20 + i], "cached", "buffer");
    });
    const before = calls();
    for (let i = 0; i < 8; i++) {
      expect(cpu.readU32((bufs[2 * i] as { startVa: number }).startVa)).toBe(2 * i);
      expect(cpu.readU32((bufs[2 * i + 1] as { startVa: number }).startVa)).toBe(2 * i + 1);
      cpu.writeU32(ring.startVa + 4 * i, i);
      expect(cpu.readU32(ring.startVa + 4 * i)).toBe(i);
    }
    expect(calls() - before).toBe(16);
  });

  it("a page held in the second slot, unmapped and its VA mapped over another frame, reads the new frame", () => {
    const { va, cpu, mem } = setup();
    const ring = va.map([2], "cached", "ring");
    cpu.writeU32(ring.startVa, 1);
    cpu.readU32(ring.startVa);
    mem.writeU32(7 * PAGE_SIZE, 0x7777);
    mem.writeU32(9 * PAGE_SIZE, 0x9999);
    const a = va.map([7], "cached", "a");
    expect(cpu.readU32(a.startVa)).toBe(0x7777);
    // The ring is first again; a's page is the second one.
    expect(cpu.readU32(ring.startVa)).toBe(1);
    va.unmap(a.startVa);
    const b = va.map([9], "cached", "b");
    expect(b.startVa).toBe(a.startVa);
    expect(cpu.readU32(b.startVa)).toBe(0x9999);
    cpu.writeU8(b.startVa + 4, 5);
    expect(mem.readU8(9 * PAGE_SIZE + 4)).toBe(5);
    expect(mem.readU8(7 * PAGE_SIZE + 4)).toBe(FILL_PATTERN & 0xff);
  });

  it("a page held in the second slot and scrubbed reads as the pattern", () => {
    const { va, cpu, mem } = setup();
    const ring = va.map([2], "cached", "ring");
    const other = va.map([3], "cached", "other");
    cpu.writeU32(ring.startVa, 1);
    cpu.readU32(ring.startVa);
    cpu.writeU32(other.startVa, 2);
    cpu.readU32(other.startVa);
    cpu.readU32(ring.startVa);
    mem.scrub(3 * PAGE_SIZE, PAGE_SIZE);
    expect(cpu.readU32(other.startVa)).toBe(FILL_PATTERN);
    expect(cpu.readU32(ring.startVa)).toBe(1);
  });
});

describe("VaSpace.setCatchUp", () => {
  it("runs the catch-up before an access only while its state is pending, ahead of beforeAccess, on the cached page too", () => {
    const { va, cpu } = setup();
    const m = va.map([6], "cached", "t");
    cpu.writeU32(m.startVa, 1);
    const state = { pending: false };
    const order: string[] = [];
    va.setCatchUp(state, () => void order.push("catch-up"));
    va.beforeAccess = () => void order.push("before");
    cpu.readU32(m.startVa);
    expect(order).toEqual(["before"]);
    // Set between two accesses: the very next one sees it.
    state.pending = true;
    cpu.readU32(m.startVa);
    cpu.writeU8(m.startVa, 2);
    va.read(m.startVa, new Uint8Array(100));
    expect(order).toEqual(["before", "catch-up", "before", "catch-up", "before", "catch-up", "before"]);
    state.pending = false;
    cpu.readU32(m.startVa);
    expect(order.filter((s) => s === "catch-up").length).toBe(3);
  });

  it("a catch-up that writes the cached page (a device's DMA) is seen by the load it ran for", () => {
    const { va, cpu, mem } = setup();
    const m = va.map([6], "cached", "t");
    cpu.writeU32(m.startVa, 1);
    va.setCatchUp({ pending: true }, () => mem.writeU32(6 * PAGE_SIZE, 0xabcd));
    expect(cpu.readU32(m.startVa)).toBe(0xabcd);
  });
});
