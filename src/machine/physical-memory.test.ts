import { describe, expect, it } from "vitest";
import { GiB, MiB } from "../core/address.ts";
import { CHUNK_SIZE, DEFAULT_HOST_MEMORY_BUDGET, FILL_BYTES, HostMemoryBudgetError, PhysicalMemory } from "./physical-memory.ts";

/** Index of the first differing byte, or -1 (vitest's deep equality is slow on megabytes). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("PhysicalMemory", () => {
  it("memory never written reads as the fill pattern, not zeros (Windows does not zero common buffers)", () => {
    const m = new PhysicalMemory(64 * MiB);
    const b = new Uint8Array(8);
    m.read(0x1000, b);
    expect([...b]).toEqual([...FILL_BYTES, ...FILL_BYTES]);
    expect(m.readU32(0x2000)).toBe(0xdeadbeef);
  });

  it("is sparse: a 1 TiB address space costs no backing until written", () => {
    const m = new PhysicalMemory(1024 * GiB);
    expect(m.backedBytes).toBe(0);
    m.writeU32(512 * GiB, 7);
    expect(m.backedBytes).toBe(CHUNK_SIZE);
    expect(m.readU32(512 * GiB)).toBe(7);
  });

  it("bulk writes and reads cross chunk boundaries intact", () => {
    const m = new PhysicalMemory(16 * MiB);
    const src = Uint8Array.from({ length: 3 * CHUNK_SIZE }, (_, i) => (i * 7) & 0xff);
    m.write(CHUNK_SIZE - 100, src.subarray(0, CHUNK_SIZE + 200));
    const back = new Uint8Array(CHUNK_SIZE + 200);
    m.read(CHUNK_SIZE - 100, back);
    expect(firstDiff(back, src.subarray(0, CHUNK_SIZE + 200))).toBe(-1);
  });

  it("scrub puts the fill pattern back over written memory", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(0x3000, 4096, 0);
    m.scrub(0x3000, 4096);
    expect(m.readU32(0x3ffc)).toBe(0xdeadbeef);
  });

  it("copy moves bytes between chunks, overlapping or not", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.write(0x1000, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    m.copy(CHUNK_SIZE + 0x10, 0x1000, 8);
    expect(m.readU64(CHUNK_SIZE + 0x10)).toBe(0x0807060504030201n);
    m.copy(0x1002, 0x1000, 6);
    expect([...new Uint8Array(Array.from({ length: 8 }, (_, i) => m.readU8(0x1000 + i)))]).toEqual([1, 2, 1, 2, 3, 4, 5, 6]);
  });

  it("copyPages copies page frame src[i] to dst[i] in order, one copy per run contiguous on both sides, fresh pages by mark", () => {
    const P = 4096;
    const m = new PhysicalMemory(2 * CHUNK_SIZE);
    const far = CHUNK_SIZE / P; // the first frame of the second chunk
    // Frames 0-2 and 5 written; 4 never written; the destinations hold stale bytes.
    for (const f of [0, 1, 2, 5]) m.fill(f * P, P, 0x10 + f);
    m.fill(far * P, 16 * P, 0xee);
    const copies: number[] = [];
    const copy = m.copy.bind(m);
    m.copy = (d: number, s: number, n: number): void => {
      copies.push(n / P);
      copy(d, s, n);
    };
    // 0,1,2 -> far..far+2 is one run; 4 -> far+5 and 5 -> far+9 are lone pages.
    expect(m.copyPages([far, far + 1, far + 2, far + 5, far + 9], [0, 1, 2, 4, 5], 5)).toBe(3);
    expect([0, 1, 2].map((i) => m.readU8((far + i) * P + 7))).toEqual([0x10, 0x11, 0x12]);
    expect(m.readU8((far + 9) * P + 4095)).toBe(0x15);
    // The never-written source page leaves its target reading as the pattern, by mark.
    expect(m.isFresh((far + 5) * P, P)).toBe(true);
    expect(m.readU32((far + 5) * P)).toBe(0xdeadbeef);
    // The run went through copy() once; a lone page between wholly written chunks does not need it.
    expect(copies[0]).toBe(3);
    expect(m.readU8((far + 3) * P)).toBe(0xee);
  });

  it("copyPages moves a lone page between wholly written chunks in one typed-array copy, without copy()", () => {
    const P = 4096;
    const m = new PhysicalMemory(2 * CHUNK_SIZE);
    m.fill(0, 2 * CHUNK_SIZE, 0x01);
    for (const f of [3, 7]) m.fill(f * P, P, 0x30 + f);
    const far = CHUNK_SIZE / P;
    let copies = 0;
    const copy = m.copy.bind(m);
    m.copy = (d: number, s: number, n: number): void => {
      copies++;
      copy(d, s, n);
    };
    // The same source page twice (the second from the cached view), and two lone pages.
    expect(m.copyPages([far + 1, far + 8, far + 4], [3, 7, 3], 3)).toBe(3);
    expect(copies).toBe(0);
    expect([m.readU8((far + 1) * P), m.readU8((far + 4) * P + 4095), m.readU8((far + 8) * P + 100)]).toEqual([0x33, 0x33, 0x37]);
    expect(m.readU8((far + 2) * P)).toBe(0x01);
  });

  it("copyPages after a chunk is released and written again copies the new bytes, not a stale cached view", () => {
    const P = 4096;
    const far = CHUNK_SIZE / P;
    const m = new PhysicalMemory(2 * CHUNK_SIZE);
    m.fill(0, 2 * CHUNK_SIZE, 0x01);
    m.copyPages([far], [5], 1);
    m.scrub(0, CHUNK_SIZE); // drops chunk 0's backing and its cached page views
    m.fill(0, CHUNK_SIZE, 0x02);
    m.copyPages([far + 1], [5], 1);
    expect([m.readU8(far * P), m.readU8((far + 1) * P)]).toEqual([0x01, 0x02]);
  });

  it("copyPages of a frame outside simulated memory, or a bad count, is a RangeError naming it, before anything is copied", () => {
    const m = new PhysicalMemory(16 * 4096);
    m.fill(0, 4096, 0x42);
    expect(() => m.copyPages([3, 16], [0, 1], 2)).toThrow(/copyPages: page 1 copies frame 1 to frame 16; both must be whole page frame numbers below 16/);
    expect(() => m.copyPages([3], [0.5], 1)).toThrow(/page 0 copies frame 0.5 to frame 3/);
    expect(() => m.copyPages([3], [0], 2)).toThrow(/count must be a whole number in \[0, 1\], got 2/);
    expect(m.copyPages([3], [0], 0)).toBe(0);
    expect(m.readU8(3 * 4096)).toBe(0xef);
  });

  it("rejects an access outside simulated memory with a RangeError naming the range", () => {
    const m = new PhysicalMemory(1 * MiB);
    expect(() => m.read(1 * MiB - 2, new Uint8Array(4))).toThrow(/outside simulated memory/);
    expect(() => new PhysicalMemory(0)).toThrow(/positive whole number/);
  });

  it("little-endian scalar accessors round-trip, including 64-bit values", () => {
    const m = new PhysicalMemory(1 * MiB);
    m.writeU16(10, 0xbeef);
    m.writeU64(16, 0xffff_ffff_ffff_fffen);
    expect(m.readU16(10)).toBe(0xbeef);
    expect(m.readU64(16)).toBe(0xffff_ffff_ffff_fffen);
  });
});

describe("PhysicalMemory host-memory budget", () => {
  it("a write that would commit a chunk past the budget throws HostMemoryBudgetError (a RangeError) naming the budget and what used it", () => {
    const m = new PhysicalMemory(64 * MiB, { budgetBytes: 2 * CHUNK_SIZE });
    m.write(0, new Uint8Array(4096).fill(1));
    m.write(CHUNK_SIZE, new Uint8Array(8192).fill(2));
    let err: unknown;
    try {
      m.write(2 * CHUNK_SIZE, new Uint8Array(1).fill(3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostMemoryBudgetError);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/pass the budget of 4 MiB \(already used: 4 MiB of backing for 12 KiB of written pages\).*BootOptions\.hostMemoryBudget, --memory-budget/);
    expect((err as HostMemoryBudgetError).backedBytes).toBe(2 * CHUNK_SIZE);
    expect(m.backedBytes).toBe(2 * CHUNK_SIZE);
  });

  it("within the budget nothing changes: reads, scrubs and writes into backed chunks still work after a refusal", () => {
    const m = new PhysicalMemory(64 * MiB, { budgetBytes: CHUNK_SIZE });
    m.write(0, new Uint8Array(16).fill(7));
    expect(() => m.fill(CHUNK_SIZE, 16, 1)).toThrow(HostMemoryBudgetError);
    m.write(4096, new Uint8Array(16).fill(8));
    const out = new Uint8Array(16);
    m.read(4096, out);
    expect(out.every((x) => x === 8)).toBe(true);
    m.read(10 * CHUNK_SIZE, out);
    expect(out.every((x, i) => x === FILL_BYTES[i % 4])).toBe(true);
    expect(m.backedBytes).toBe(CHUNK_SIZE);
  });

  it("the default budget is 8 GiB and a bad budget is a RangeError naming it", () => {
    expect(new PhysicalMemory(GiB).budgetBytes).toBe(DEFAULT_HOST_MEMORY_BUDGET);
    expect(DEFAULT_HOST_MEMORY_BUDGET).toBe(8 * GiB);
    expect(() => new PhysicalMemory(GiB, { budgetBytes: 0 })).toThrow(/host-memory budget must be a number of bytes > 0, got 0/);
    expect(() => new PhysicalMemory(GiB, { budgetBytes: Number.NaN })).toThrow(/got NaN/);
    const m = new PhysicalMemory(GiB);
    m.setBudget(CHUNK_SIZE);
    m.write(0, new Uint8Array(1));
    expect(() => m.write(CHUNK_SIZE, new Uint8Array(1))).toThrow(/budget of 2 MiB/);
    expect(() => m.setBudget(-1)).toThrow(/got -1/);
  });
});

describe("PhysicalMemory.writtenPage", () => {
  it("gives the live backing of a written page, and nothing for a fresh, scrubbed or never-backed page, changing nothing", () => {
    const mem = new PhysicalMemory(16 * MiB);
    expect(mem.writtenPage(0x5000)).toBeUndefined();
    mem.writeU32(0x5004, 0x01020304);
    const before = mem.writtenBytes;
    // The neighbour is in a backed chunk but still fresh: no view (a view would have to write the pattern into it).
    expect(mem.writtenPage(0x6000)).toBeUndefined();
    expect(mem.writtenBytes).toBe(before);
    const v = mem.writtenPage(0x5000) as Uint8Array;
    expect(v.length).toBe(4096);
    expect(Array.from(v.subarray(4, 8))).toEqual([4, 3, 2, 1]);
    expect(v[0]).toBe(FILL_BYTES[0]);
    mem.writeU8(0x5fff, 9);
    expect(v[4095]).toBe(9);
    mem.scrub(0x5000, 4096);
    expect(mem.writtenPage(0x5000)).toBeUndefined();
  });

  it("refuses an address that is not a page start or lies outside memory", () => {
    const mem = new PhysicalMemory(1 * MiB);
    expect(() => mem.writtenPage(0x5004)).toThrow(/not the start of a page/);
    expect(() => mem.writtenPage(1 * MiB)).toThrow(/outside simulated memory/);
  });
});
