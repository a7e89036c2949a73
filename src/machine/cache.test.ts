import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { CACHE_LINE_SIZE, CacheMemorySystem, type CoherenceObserver } from "./cache.ts";
import { CoherentMemorySystem, type MemorySystem } from "./memory-system.ts";
import { PhysicalMemory } from "./physical-memory.ts";

const MiB = 1 << 20;
const PA = 0x10_0000;

function events(): CoherenceObserver & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onStaleDeviceRead: (pa, len, line) => log.push(`stale-device-read ${pa.toString(16)}+${len} line ${line.toString(16)}`),
    onStaleCpuRead: (pa, len, line) => log.push(`stale-cpu-read ${pa.toString(16)}+${len} line ${line.toString(16)}`),
    onWritebackClobber: (line) => log.push(`writeback-clobber line ${line.toString(16)}`),
    onUndrainedWriteCombine: (pa, len, line) => log.push(`undrained-wc ${pa.toString(16)}+${len} line ${line.toString(16)}`),
  };
}

function cache(opts: ConstructorParameters<typeof CacheMemorySystem>[1] = {}) {
  const mem = new PhysicalMemory(16 * MiB);
  const c = new CacheMemorySystem(mem, opts);
  const ev = events();
  c.observers.add(ev);
  return { mem, c, ev };
}

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

// One conformance suite: with only coherent devices, every memory system behaves like plain memory.
describe.each([
  ["CoherentMemorySystem", (m: PhysicalMemory): MemorySystem => new CoherentMemorySystem(m)],
  ["CacheMemorySystem", (m: PhysicalMemory): MemorySystem => new CacheMemorySystem(m)],
])("%s with coherent devices (conformance)", (_name, make) => {
  it("a device reads what the CPU wrote through a cached mapping, without any maintenance", () => {
    const ms = make(new PhysicalMemory(16 * MiB));
    ms.cpuWrite(PA + 10, bytes(300, 7), "cached");
    const d = new Uint8Array(320);
    ms.deviceRead(PA, d, true);
    expect(d[9]).not.toBe(7);
    expect(d.subarray(10, 310).every((b) => b === 7)).toBe(true);
  });

  it("the CPU reads what a device wrote, even over lines it had cached", () => {
    const ms = make(new PhysicalMemory(16 * MiB));
    const d = new Uint8Array(256);
    ms.cpuRead(PA, d, "cached");
    ms.deviceWrite(PA + 64, bytes(64, 9), true);
    ms.cpuRead(PA, d, "cached");
    expect(d.subarray(64, 128).every((b) => b === 9)).toBe(true);
  });

  it("a random mix of CPU and coherent-device accesses reads back like a flat array (oracle, seeded)", () => {
    const ms = make(new PhysicalMemory(16 * MiB));
    const oracle = new Uint8Array(8 * 4096);
    ms.deviceRead(PA, oracle, true);
    const prng = new Prng(42);
    for (let i = 0; i < 2000; i++) {
      const off = prng.int(oracle.length - 1);
      const len = 1 + prng.int(Math.min(700, oracle.length - off));
      const op = prng.int(4);
      if (op === 0) {
        const src = bytes(len, prng.int(256));
        ms.cpuWrite(PA + off, src, "cached");
        oracle.set(src, off);
      } else if (op === 1) {
        const src = bytes(len, prng.int(256));
        ms.deviceWrite(PA + off, src, true);
        oracle.set(src, off);
      } else {
        const d = new Uint8Array(len);
        if (op === 2) ms.cpuRead(PA + off, d, "cached");
        else ms.deviceRead(PA + off, d, true);
        expect(d).toEqual(oracle.subarray(off, off + len));
      }
    }
  });
});

describe("CacheMemorySystem: write-back caching and non-coherent devices", () => {
  it("a CPU store through a cached mapping stays in the cache: memory keeps the old bytes until a clean", () => {
    const { mem, c } = cache();
    c.cpuWrite(PA, bytes(64, 1), "cached");
    expect(mem.readU8(PA)).not.toBe(1);
    expect(c.lineState(PA)).toEqual({ valid: true, dirty: true, stale: false });
    c.maintain(PA, 64, "clean");
    expect(mem.readU8(PA)).toBe(1);
    expect(c.lineState(PA)).toEqual({ valid: true, dirty: false, stale: false });
  });

  it("a non-cached store bypasses the cache and reaches memory at once", () => {
    const { mem, c } = cache();
    c.cpuWrite(PA, bytes(8, 3), "noncached");
    expect(mem.readU8(PA + 7)).toBe(3);
    expect(c.stats.validLines).toBe(0);
  });

  it("missing clean: a non-coherent device reads the old bytes and the stale read is reported with the line", () => {
    const { c, ev } = cache();
    const old = new Uint8Array(128);
    c.deviceRead(PA, old, false);
    c.cpuWrite(PA + 70, bytes(4, 0x55), "cached");
    const d = new Uint8Array(128);
    c.deviceRead(PA, d, false);
    expect(d).toEqual(old);
    expect(ev.log).toEqual([`stale-device-read ${PA.toString(16)}+128 line ${(PA + 64).toString(16)}`]);
  });

  it("with the clean done, the non-coherent device reads the new bytes and nothing is reported", () => {
    const { c, ev } = cache();
    c.cpuWrite(PA + 70, bytes(4, 0x55), "cached");
    c.maintain(PA, 128, "clean");
    const d = new Uint8Array(128);
    c.deviceRead(PA, d, false);
    expect(d[70]).toBe(0x55);
    expect(ev.log).toEqual([]);
  });

  it("missing invalidate: the CPU reads the bytes it cached before the non-coherent device wrote, and it is reported", () => {
    const { c, ev } = cache();
    const before = new Uint8Array(64);
    c.cpuRead(PA, before, "cached");
    c.deviceWrite(PA, bytes(64, 0xaa), false);
    const after = new Uint8Array(64);
    c.cpuRead(PA, after, "cached");
    expect(after).toEqual(before);
    expect(c.lineState(PA).stale).toBe(true);
    expect(ev.log).toEqual([`stale-cpu-read ${PA.toString(16)}+64 line ${PA.toString(16)}`]);
  });

  it("with the invalidate done after the DMA, the CPU reads the device's bytes", () => {
    const { c, ev } = cache();
    c.cpuRead(PA, new Uint8Array(64), "cached");
    c.deviceWrite(PA, bytes(64, 0xaa), false);
    c.maintain(PA, 64, "invalidate");
    const after = new Uint8Array(64);
    c.cpuRead(PA, after, "cached");
    expect(after.every((b) => b === 0xaa)).toBe(true);
    expect(ev.log).toEqual([]);
  });

  it("a dirty line written back after the device wrote the same line overwrites the device's data (write-back clobber)", () => {
    const { mem, c, ev } = cache();
    c.cpuWrite(PA, bytes(8, 1), "cached");
    c.deviceWrite(PA + 32, bytes(8, 2), false);
    expect(mem.readU8(PA + 32)).toBe(2);
    c.maintain(PA, 64, "clean");
    expect(mem.readU8(PA + 32)).not.toBe(2);
    expect(ev.log).toEqual([`writeback-clobber line ${PA.toString(16)}`]);
  });

  it("invalidate discards a dirty line's bytes (an invalidate is not a clean)", () => {
    const { mem, c } = cache();
    const old = mem.readU8(PA);
    c.cpuWrite(PA, bytes(64, 1), "cached");
    c.maintain(PA, 64, "invalidate");
    expect(mem.readU8(PA)).toBe(old);
    expect(c.stats).toMatchObject({ validLines: 0, dirtyLines: 0 });
  });

  it("clean-invalidate writes back then drops the line", () => {
    const { mem, c } = cache();
    c.cpuWrite(PA, bytes(64, 1), "cached");
    c.maintain(PA, 1, "clean-invalidate");
    expect(mem.readU8(PA + 63)).toBe(1);
    expect(c.lineState(PA).valid).toBe(false);
  });

  it("a coherent device write over a partly dirty line keeps the CPU's other bytes (snoop writes back first)", () => {
    const { mem, c } = cache();
    c.cpuWrite(PA, bytes(64, 1), "cached");
    c.deviceWrite(PA + 16, bytes(16, 2), true);
    expect(mem.readU8(PA)).toBe(1);
    expect(mem.readU8(PA + 16)).toBe(2);
    expect(c.lineState(PA).valid).toBe(false);
  });

  it("writes that span pages keep per-page line state and read back whole", () => {
    const { c } = cache();
    const src = new Uint8Array(10000).map((_, i) => i & 0xff);
    c.cpuWrite(PA + 100, src, "cached");
    const d = new Uint8Array(10000);
    c.cpuRead(PA + 100, d, "cached");
    expect(d).toEqual(src);
    expect(c.stats.pages).toBe(3);
    c.maintain(PA, 3 * 4096, "clean");
    const m = new Uint8Array(10000);
    c.deviceRead(PA + 100, m, false);
    expect(m).toEqual(src);
    expect(c.stats.dirtyLines).toBe(0);
  });

  it("bad maintenance arguments are rejected with RangeError naming them", () => {
    const { c } = cache();
    expect(() => c.maintain(-1, 64, "clean")).toThrow(/pa=-1/);
    expect(() => c.maintain(0, 64, "flush" as "clean")).toThrow(/flush/);
    expect(() => new CacheMemorySystem(new PhysicalMemory(4096), { wcBuffers: 0 })).toThrow(/wcBuffers/);
    expect(() => new CacheMemorySystem(new PhysicalMemory(4096), { refill: "sometimes" as "page" })).toThrow(/sometimes/);
  });
});

describe("CacheMemorySystem: speculative refills are explicit, seeded events", () => {
  it("a line invalidated before the DMA and refilled speculatively during it gives the CPU stale data", () => {
    const { c, ev } = cache();
    c.cpuRead(PA, new Uint8Array(64), "cached");
    c.maintain(PA, 64, "invalidate");
    expect(c.speculativeRefill(PA, 64)).toBe(1);
    c.deviceWrite(PA, bytes(64, 0xaa), false);
    const d = new Uint8Array(64);
    c.cpuRead(PA, d, "cached");
    expect(d[0]).not.toBe(0xaa);
    expect(ev.log).toHaveLength(1);
  });

  it("the refill policy 'page' refills the lines of a page the CPU touches again", () => {
    const { c } = cache({ refill: "page" });
    c.cpuRead(PA, new Uint8Array(4096), "cached");
    c.maintain(PA, 4096, "invalidate");
    c.cpuRead(PA + 4000, new Uint8Array(8), "cached");
    expect(c.stats.validLines).toBe(64);
  });

  it("a line never cached is never refilled", () => {
    const { c } = cache();
    c.cpuRead(PA, new Uint8Array(64), "cached");
    expect(c.speculativeRefill(PA + 64, 64)).toBe(0);
  });

  it("randomRefills with the same seed refill the same lines", () => {
    const run = () => {
      const { c } = cache();
      for (let p = 0; p < 8; p++) c.cpuRead(PA + p * 4096 + p * 64, new Uint8Array(64), "cached");
      c.maintain(PA, 8 * 4096, "invalidate");
      c.randomRefills(new Prng(7), 3);
      return Array.from({ length: 8 }, (_, p) => c.lineState(PA + p * 4096 + p * 64).valid);
    };
    expect(run()).toEqual(run());
    expect(run().filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe("CacheMemorySystem: write-combining buffers", () => {
  it("write-combined stores are invisible to devices until a fence drains them", () => {
    const { mem, c, ev } = cache();
    c.cpuWrite(PA, bytes(16, 4), "writecombined");
    expect(mem.readU8(PA)).not.toBe(4);
    const d = new Uint8Array(16);
    c.deviceRead(PA, d, true);
    expect(d[0]).not.toBe(4);
    expect(ev.log).toEqual([`undrained-wc ${PA.toString(16)}+16 line ${PA.toString(16)}`]);
    c.fence();
    expect(mem.readU8(PA + 15)).toBe(4);
    expect(c.stats.pendingWriteCombine).toBe(0);
  });

  it("the CPU sees its own pending write-combined stores", () => {
    const { c } = cache();
    c.cpuWrite(PA + 3, bytes(2, 9), "writecombined");
    const d = new Uint8Array(8);
    c.cpuRead(PA, d, "writecombined");
    expect([d[3], d[4]]).toEqual([9, 9]);
  });

  it("stores to the same bytes collapse to the last value, and when all buffers are busy the oldest drains", () => {
    const { mem, c } = cache({ wcBuffers: 2 });
    c.cpuWrite(PA, bytes(4, 1), "writecombined");
    c.cpuWrite(PA, bytes(4, 2), "writecombined");
    c.cpuWrite(PA + CACHE_LINE_SIZE, bytes(4, 3), "writecombined");
    expect(mem.readU8(PA)).not.toBe(2);
    c.cpuWrite(PA + 2 * CACHE_LINE_SIZE, bytes(4, 5), "writecombined");
    expect(mem.readU8(PA)).toBe(2);
    expect(mem.readU8(PA + CACHE_LINE_SIZE)).not.toBe(3);
  });
});

/** The obviously-correct reference: every valid line keeps a full 64-byte copy in a Map. */
class ReferenceCache {
  readonly mem: Uint8Array;
  readonly lines = new Map<number, { data: Uint8Array; dirty: boolean }>();
  constructor(mem: Uint8Array) {
    this.mem = mem;
  }
  private line(l: number): { data: Uint8Array; dirty: boolean } {
    let e = this.lines.get(l);
    if (e === undefined) {
      e = { data: this.mem.slice(l * 64, l * 64 + 64), dirty: false };
      this.lines.set(l, e);
    }
    return e;
  }
  cpuRead(off: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.line(Math.floor((off + i) / 64)).data[(off + i) % 64] as number;
    return out;
  }
  cpuWrite(off: number, src: Uint8Array): void {
    for (let i = 0; i < src.length; i++) {
      const e = this.line(Math.floor((off + i) / 64));
      e.data[(off + i) % 64] = src[i] as number;
      e.dirty = true;
    }
  }
  maintain(off: number, n: number, clean: boolean, inval: boolean): void {
    for (let l = Math.floor(off / 64); l <= Math.floor((off + n - 1) / 64); l++) {
      const e = this.lines.get(l);
      if (e === undefined) continue;
      if (clean && e.dirty) {
        this.mem.set(e.data, l * 64);
        e.dirty = false;
      }
      if (inval) this.lines.delete(l);
    }
  }
}

describe("CacheMemorySystem against a reference cache (non-coherent device, seeded random operations)", () => {
  it("CPU reads, device reads and memory agree with the reference after every operation", () => {
    const SIZE = 4 * 4096;
    const mem = new PhysicalMemory(16 * MiB);
    const c = new CacheMemorySystem(mem);
    const init = new Uint8Array(SIZE);
    mem.read(PA, init);
    const ref = new ReferenceCache(init);
    const prng = new Prng(2024);
    for (let step = 0; step < 3000; step++) {
      const off = prng.int(SIZE - 1);
      const n = 1 + prng.int(Math.min(300, SIZE - off));
      const op = prng.int(6);
      if (op === 0) {
        const src = bytes(n, prng.int(256));
        c.cpuWrite(PA + off, src, "cached");
        ref.cpuWrite(off, src);
      } else if (op === 1) {
        const src = bytes(n, prng.int(256));
        c.deviceWrite(PA + off, src, false);
        ref.mem.set(src, off);
      } else if (op === 2) {
        const d = new Uint8Array(n);
        c.cpuRead(PA + off, d, "cached");
        expect(d).toEqual(ref.cpuRead(off, n));
      } else if (op === 3) {
        const d = new Uint8Array(n);
        c.deviceRead(PA + off, d, false);
        expect(d).toEqual(ref.mem.subarray(off, off + n));
      } else {
        const which = prng.int(3);
        c.maintain(PA + off, n, which === 0 ? "clean" : which === 1 ? "invalidate" : "clean-invalidate");
        ref.maintain(off, n, which !== 1, which !== 0);
      }
    }
    const all = new Uint8Array(SIZE);
    mem.read(PA, all);
    expect(all).toEqual(ref.mem);
  });
});
