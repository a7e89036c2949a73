import { describe, expect, it } from "vitest";
import { MiB, PAGE_SIZE } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { Prng } from "../core/prng.ts";
import type { AccessSize } from "../machine/device-model.ts";
import { CoherentMemorySystem } from "../machine/memory-system.ts";
import { FILL_BYTES, PhysicalMemory } from "../machine/physical-memory.ts";
import { Cpu } from "./cpu.ts";
import { type CpuAccessObserver, type RegisterPort, type VaMapping, VaSpace } from "./va-space.ts";

const FRAMES = 48;

/** A register port that answers from a seeded formula and logs every access. */
class LoggingPort implements RegisterPort {
  readonly log: string[] = [];
  read(address: number, size: AccessSize): number {
    this.log.push(`r${size}@${address}`);
    return (address * 2654435761 + size) >>> 0;
  }
  write(address: number, size: AccessSize, value: number): void {
    this.log.push(`w${size}@${address}=${value}`);
  }
}

function machine(fast: boolean) {
  const memory = new PhysicalMemory(16 * MiB);
  const port = new LoggingPort();
  const va = new VaSpace(new CoherentMemorySystem(memory), port);
  va.fastPath = fast;
  let physicalCalls = 0;
  const read = memory.read.bind(memory);
  const write = memory.write.bind(memory);
  memory.read = (pa, dst) => {
    physicalCalls++;
    read(pa, dst);
  };
  memory.write = (pa, src) => {
    physicalCalls++;
    write(pa, src);
  };
  return { memory, port, va, cpu: new Cpu(va), calls: () => physicalCalls };
}

function outcome(fn: () => unknown): string {
  try {
    const v = fn();
    return v instanceof Uint8Array ? `ok ${Array.from(v).join(",")}` : `ok ${String(v)}`;
  } catch (e) {
    if (e instanceof BugCheckError) return `bugcheck 0x${e.code.toString(16)} ${e.params.join(",")} ${e.message}`;
    throw e;
  }
}

/**
 * The same seeded sequence of maps, unmaps, small and large loads and
 * stores (inside, across pages, past the end), scrubs, device writes,
 * observers coming and going and catch-ups, on one machine: every outcome,
 * observation and register access, logged.
 */
function run(fast: boolean, seed: number) {
  const m = machine(fast);
  const rng = new Prng(seed);
  const maps: VaMapping[] = [];
  const log: string[] = [];
  const seen: string[] = [];
  const observer: CpuAccessObserver = { onCpuAccess: (mp, v, len, write, width) => seen.push(`${mp.tag} ${v} ${len} ${write} ${width}`) };
  let detach: (() => void) | null = null;
  let catchUps = 0;
  let hot: VaMapping | null = null;
  let hotPage = 0;
  for (let step = 0; step < 3000; step++) {
    const op = rng.int(100);
    if (op < 6 || maps.length === 0) {
      const pages = 1 + rng.int(3);
      const pfns = Array.from({ length: pages }, () => 1 + rng.int(FRAMES));
      const kind = rng.int(10);
      const options = { readOnly: kind === 1, deviceMemory: kind === 2, io: kind === 3 };
      maps.push(m.va.map(pfns, rng.chance(0.5) ? "cached" : "noncached", `map${step}`, options));
    } else if (op < 9 && maps.length > 1) {
      const [gone] = maps.splice(rng.int(maps.length), 1);
      m.va.unmap((gone as VaMapping).startVa);
    } else if (op < 10) {
      m.memory.scrub((1 + rng.int(FRAMES)) * PAGE_SIZE, PAGE_SIZE);
    } else if (op < 13) {
      // A device writes the frame behind the CPU's back (bus-master DMA).
      m.memory.write((1 + rng.int(FRAMES)) * PAGE_SIZE + 4 * rng.int(1024), Uint8Array.of(rng.int(256), rng.int(256), rng.int(256), rng.int(256)));
    } else if (op < 15) {
      // Observers come now and then and stay for a while (a trace of part of a run).
      if (detach === null && op === 13) detach = m.va.observers.add(observer);
      else if (detach !== null) {
        detach();
        detach = null;
      }
    } else if (op < 16) {
      m.va.beforeAccess = m.va.beforeAccess === null ? () => void catchUps++ : null;
    } else {
      // Drivers touch one page many times in a row (a descriptor, a register block): mostly the same page as the last access.
      if (hot === null || !maps.includes(hot) || rng.chance(0.1)) hot = maps[rng.int(maps.length)] as VaMapping;
      const mp = hot;
      const span = mp.pages * PAGE_SIZE;
      if (rng.chance(0.1)) hotPage = rng.int(mp.pages);
      const pick = rng.int(10);
      // Mostly inside the hot page, sometimes anywhere, sometimes at the last bytes (crossing into the guard page).
      const at = pick < 7 ? mp.startVa + (Math.min(hotPage, mp.pages - 1) * PAGE_SIZE) + rng.int(PAGE_SIZE) : pick < 9 ? mp.startVa + rng.int(span) : mp.startVa + span - rng.int(8);
      const widths = [1, 2, 4, 8, 0] as const;
      const width = widths[rng.int(widths.length)] as 0 | 1 | 2 | 4 | 8;
      const len = width === 0 ? 1 + rng.int(rng.chance(0.8) ? 16 : 6000) : width;
      const va = width === 0 || rng.chance(0.8) ? at - (at % Math.max(width, 1)) : at;
      const write = rng.chance(0.5);
      if ((width === 1 || width === 2 || width === 4) && rng.chance(0.5)) {
        // The CPU's typed loads and stores (READ/WRITE_REGISTER_*): on registers the fast path goes straight to the device.
        const value = rng.int(2 ** 32);
        if (write) log.push(`W${width} ${va} ${value} ${outcome(() => (width === 1 ? m.cpu.writeU8(va, value) : width === 2 ? m.cpu.writeU16(va, value) : m.cpu.writeU32(va, value)))}`);
        else log.push(`R${width} ${va} ${outcome(() => (width === 1 ? m.cpu.readU8(va) : width === 2 ? m.cpu.readU16(va) : m.cpu.readU32(va)))}`);
      } else if (write) {
        const data = Uint8Array.from({ length: len }, () => rng.int(256));
        log.push(`w ${va} ${len} ${width} ${outcome(() => m.va.write(va, data, width))}`);
      } else {
        const dst = new Uint8Array(len);
        log.push(`r ${va} ${len} ${width} ${outcome(() => (m.va.read(va, dst, width), dst))}`);
      }
    }
  }
  const frames = new Uint8Array((FRAMES + 1) * PAGE_SIZE);
  m.memory.read(0, frames);
  return { log, seen, registers: m.port.log, frames, catchUps, written: m.memory.writtenBytes, backed: m.memory.backedBytes, physicalCalls: m.calls() };
}

describe("VaSpace fast path for small accesses", () => {
  it("a seeded sequence gives the same results, bug checks, observations, register accesses, catch-ups and memory with the fast path on and off (the CPU's typed register loads and stores included)", () => {
    for (const seed of [1, 2, 3]) {
      const on = run(true, seed);
      const off = run(false, seed);
      expect(on.log).toEqual(off.log);
      expect(on.seen).toEqual(off.seen);
      expect(on.registers).toEqual(off.registers);
      expect(on.catchUps).toBe(off.catchUps);
      expect(on.written).toBe(off.written);
      expect(on.backed).toBe(off.backed);
      expect(Buffer.from(on.frames).equals(Buffer.from(off.frames))).toBe(true);
      // The sequence does exercise both paths: bug checks happen, observers see accesses, and the fast path spared
      // a good part of the physical-memory calls (a third here; observed, register, Device-memory and fresh pages take the full path).
      expect(on.log.some((l) => l.includes("bugcheck"))).toBe(true);
      expect(on.physicalCalls).toBeLessThan(off.physicalCalls * 0.75);
      expect(on.seen.length).toBeGreaterThan(0);
    }
  });

  it("serves repeated small accesses to a written page without calling physical memory", () => {
    const m = machine(true);
    const mp = m.va.map([5], "cached", "t");
    m.cpu.writeU32(mp.startVa, 1);
    const before = m.calls();
    for (let i = 0; i < 100; i++) m.cpu.writeU32(mp.startVa + 4 * i, i);
    let s = 0;
    for (let i = 0; i < 100; i++) s += m.cpu.readU32(mp.startVa + 4 * i);
    expect(m.calls()).toBe(before);
    expect(s).toBe(4950);
    expect(m.memory.readU32(5 * PAGE_SIZE + 4 * 99)).toBe(99);
  });

  it("an observer attached after the page was cached sees every later access, and none after it leaves", () => {
    const m = machine(true);
    const mp = m.va.map([5], "cached", "t");
    m.cpu.writeU32(mp.startVa, 7);
    m.cpu.readU32(mp.startVa);
    const seen: number[] = [];
    const detach = m.va.observers.add({ onCpuAccess: (_mp, v) => seen.push(v - mp.startVa) });
    m.cpu.readU32(mp.startVa + 8);
    m.cpu.writeU16(mp.startVa + 12, 1);
    detach();
    m.cpu.readU32(mp.startVa + 16);
    expect(seen).toEqual([8, 12]);
  });

  it("with an observer attached, repeated small accesses to a written page still skip physical memory, and the observer is told of each one as the full path tells it", () => {
    const fast = machine(true);
    const slow = machine(false);
    const logs = [fast, slow].map((m) => {
      const mp = m.va.map([5], "cached", "t");
      const seen: string[] = [];
      m.va.observers.add({ onCpuAccess: (o, v, len, write, width) => seen.push(`${o.tag} ${v - mp.startVa} ${len} ${write} ${width}`) });
      m.cpu.writeU32(mp.startVa, 1);
      const before = m.calls();
      for (let i = 0; i < 50; i++) m.cpu.writeU32(mp.startVa + 4 * i, i);
      m.va.write(mp.startVa + 200, Uint8Array.from({ length: 32 }, (_, i) => i), 4);
      let s = 0;
      for (let i = 0; i < 50; i++) s += m.cpu.readU32(mp.startVa + 4 * i);
      return { seen, s, calls: m.calls() - before };
    });
    const [f, w] = logs as [(typeof logs)[0], (typeof logs)[0]];
    expect(f.calls).toBe(0);
    expect(w.calls).toBeGreaterThan(0);
    expect(f.s).toBe(1225);
    expect(f.seen).toEqual(w.seen);
    expect(f.seen.length).toBe(102);
  });

  it("an observer that scrubs the page it is told of: the access reads what physical memory then holds, as the full path would", () => {
    const m = machine(true);
    const mp = m.va.map([6], "cached", "t");
    m.cpu.writeU32(mp.startVa, 5);
    let once = true;
    m.va.observers.add({
      onCpuAccess: () => {
        if (!once) return;
        once = false;
        m.memory.scrub(6 * PAGE_SIZE, PAGE_SIZE);
      },
    });
    // The scrub inside the observer: this load reads the fill pattern, as physical memory then holds.
    const fill = FILL_BYTES[0] as number;
    expect(m.cpu.readU8(mp.startVa)).toBe(fill);
  });

  it("a scrub of the cached page is seen at once: the next load reads the fill pattern", () => {
    const m = machine(true);
    const mp = m.va.map([9], "cached", "t");
    m.cpu.writeU32(mp.startVa, 0x11223344);
    expect(m.cpu.readU32(mp.startVa)).toBe(0x11223344);
    m.memory.scrub(9 * PAGE_SIZE, PAGE_SIZE);
    expect(m.cpu.readU8(mp.startVa)).toBe(FILL_BYTES[0]);
    expect(m.memory.isFresh(9 * PAGE_SIZE, PAGE_SIZE)).toBe(true);
  });

  it("after unmap, the same VA mapped over other frames reaches the new frames, and the old VA faults meanwhile", () => {
    const m = machine(true);
    const a = m.va.map([3], "cached", "a");
    m.cpu.writeU32(a.startVa, 0xaaaa);
    m.va.unmap(a.startVa);
    expect(() => m.cpu.readU32(a.startVa)).toThrow(/unmapped VA/);
    m.memory.writeU32(4 * PAGE_SIZE, 0xbbbb);
    const b = m.va.map([4], "cached", "b");
    expect(b.startVa).toBe(a.startVa);
    expect(m.cpu.readU32(b.startVa)).toBe(0xbbbb);
  });

  it("a read-only mapping still bug checks 0xBE on a store after loads cached its page", () => {
    const m = machine(true);
    m.memory.writeU32(6 * PAGE_SIZE, 5);
    const mp = m.va.map([6], "cached", "ro", { readOnly: true });
    expect(m.cpu.readU32(mp.startVa)).toBe(5);
    expect(m.cpu.readU32(mp.startVa)).toBe(5);
    expect(() => m.cpu.writeU32(mp.startVa, 1)).toThrow(expect.objectContaining({ code: 0xbe }));
  });

  it("Device memory still faults on a misaligned access after aligned ones", () => {
    const m = machine(true);
    const mp = m.va.map([7], "noncached", "dev", { deviceMemory: true });
    m.cpu.writeU32(mp.startVa, 1);
    m.cpu.writeU32(mp.startVa + 4, 2);
    expect(() => m.cpu.readU32(mp.startVa + 2)).toThrow(/alignment fault/);
  });

  it("register mappings send every access to the device's registers", () => {
    const m = machine(true);
    const mp = m.va.map([8], "noncached", "regs", { io: true });
    m.cpu.writeU32(mp.startVa, 1);
    m.cpu.readU32(mp.startVa);
    m.cpu.readU32(mp.startVa);
    expect(m.port.log).toEqual([`w4@${8 * PAGE_SIZE}=1`, `r4@${8 * PAGE_SIZE}`, `r4@${8 * PAGE_SIZE}`]);
  });

  it("the catch-up before each CPU access runs for fast accesses too", () => {
    const m = machine(true);
    const mp = m.va.map([5], "cached", "t");
    m.cpu.writeU32(mp.startVa, 1);
    let n = 0;
    m.va.beforeAccess = () => void n++;
    for (let i = 0; i < 10; i++) m.cpu.readU32(mp.startVa);
    expect(n).toBe(10);
  });

  it("a memory system other than the plain coherent one (a subclass here) sees every access", () => {
    const memory = new PhysicalMemory(16 * MiB);
    let reads = 0;
    class Counting extends CoherentMemorySystem {
      override cpuRead(pa: number, dst: Uint8Array): void {
        reads++;
        super.cpuRead(pa, dst);
      }
    }
    const va = new VaSpace(new Counting(memory));
    const cpu = new Cpu(va);
    const mp = va.map([5], "cached", "t");
    cpu.writeU32(mp.startVa, 1);
    for (let i = 0; i < 10; i++) cpu.readU32(mp.startVa);
    expect(reads).toBe(10);
  });

  it("switching the fast path off drops the cached page: later accesses take the full path", () => {
    const m = machine(true);
    const mp = m.va.map([5], "cached", "t");
    m.cpu.writeU32(mp.startVa, 1);
    m.cpu.readU32(mp.startVa);
    m.va.fastPath = false;
    const before = m.calls();
    m.cpu.readU32(mp.startVa);
    expect(m.calls()).toBe(before + 1);
  });
});
