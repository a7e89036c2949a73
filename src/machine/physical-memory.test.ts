import { describe, expect, it } from "vitest";
import { GiB, MiB } from "../core/address.ts";
import { CHUNK_SIZE, FILL_BYTES, PhysicalMemory } from "./physical-memory.ts";

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
