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
