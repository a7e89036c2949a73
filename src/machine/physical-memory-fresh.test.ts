import { describe, expect, it } from "vitest";
import { GiB, MiB } from "../core/address.ts";
import { Prng } from "../core/prng.ts";
import { CHUNK_SIZE, FILL_BYTES, PhysicalMemory } from "./physical-memory.ts";

const PAGE = 4096;

function patternAt(pa: number, len: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => FILL_BYTES[(pa + i) & 3] as number);
}

/** Index of the first differing byte, or -1 (vitest's deep equality is slow on megabytes). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("PhysicalMemory fresh marks (the fill pattern as a mark, not bytes)", () => {
  it("scrubbing a whole written chunk releases its backing; it reads as the pattern again", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(CHUNK_SIZE, CHUNK_SIZE, 0x11);
    expect(m.backedBytes).toBe(CHUNK_SIZE);
    m.scrub(CHUNK_SIZE, CHUNK_SIZE);
    expect(m.backedBytes).toBe(0);
    expect(m.writtenBytes).toBe(0);
    expect(m.readU32(CHUNK_SIZE + 0x100)).toBe(0xdeadbeef);
    expect(m.isFresh(CHUNK_SIZE, CHUNK_SIZE)).toBe(true);
  });

  it("scrubbing whole pages of a written chunk marks them fresh without writing them", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(0, CHUNK_SIZE, 0x22);
    // A view sees the backing itself: the scrub must not write the pattern into it.
    const raw = m.view(0x4000, 2 * PAGE) as Uint8Array;
    m.scrub(0x4000, 2 * PAGE);
    expect(raw[0]).toBe(0x22);
    expect(m.readU32(0x4000)).toBe(0xdeadbeef);
    expect(m.readU32(0x5ffc)).toBe(0xdeadbeef);
    expect(m.readU8(0x3fff)).toBe(0x22);
    expect(m.readU8(0x6000)).toBe(0x22);
    expect(m.writtenBytes).toBe(CHUNK_SIZE - 2 * PAGE);
  });

  it("a bulk read across fresh and written pages returns each page's own bytes", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(0, 8 * PAGE, 0x33);
    m.scrub(2 * PAGE, PAGE);
    m.scrub(5 * PAGE, 2 * PAGE);
    const got = new Uint8Array(8 * PAGE - 10);
    m.read(5, got);
    for (let p = 0; p < 8; p++) {
      const fresh = p === 2 || p === 5 || p === 6;
      const at = Math.max(0, p * PAGE - 5) + 1;
      expect(got[at]).toBe(fresh ? (FILL_BYTES[(5 + at) & 3] as number) : 0x33);
    }
  });

  it("the first partial write into a fresh page fills the rest of that page with the pattern, once", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.writeU32(0x10010, 0x01020304);
    expect(m.backedBytes).toBe(CHUNK_SIZE);
    expect(m.writtenBytes).toBe(PAGE);
    expect(m.readU32(0x10000)).toBe(0xdeadbeef);
    expect(m.readU32(0x10010)).toBe(0x01020304);
    expect(m.readU32(0x10ffc)).toBe(0xdeadbeef);
    m.writeU32(0x10020, 5);
    expect(m.writtenBytes).toBe(PAGE);
  });

  it("backing costs the pages written: a new chunk commits nothing for pages never written", () => {
    const m = new PhysicalMemory(64 * MiB);
    m.write(3 * MiB, new Uint8Array(5 * PAGE).fill(1));
    expect(m.writtenBytes).toBe(5 * PAGE);
    m.write(3 * MiB, new Uint8Array(5 * PAGE).fill(2));
    expect(m.writtenBytes).toBe(5 * PAGE);
  });

  it("scrubbing memory never written costs nothing and creates no backing", () => {
    const m = new PhysicalMemory(1024 * GiB);
    m.scrub(0, 1024 * GiB);
    expect(m.backedBytes).toBe(0);
  });

  it("scrub of a range that is not page aligned writes the pattern only into the partial pages", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(0, 4 * PAGE, 0x44);
    m.scrub(PAGE + 6, 2 * PAGE);
    expect(m.readU8(PAGE + 5)).toBe(0x44);
    const b = new Uint8Array(2 * PAGE);
    m.read(PAGE + 6, b);
    expect(b).toEqual(patternAt(PAGE + 6, 2 * PAGE));
    expect(m.readU8(3 * PAGE + 6)).toBe(0x44);
    expect(m.isFresh(2 * PAGE, PAGE)).toBe(true);
    expect(m.isFresh(PAGE, PAGE)).toBe(false);
  });

  it("copy from fresh pages marks the destination fresh instead of copying bytes", () => {
    const m = new PhysicalMemory(16 * MiB);
    m.fill(0, CHUNK_SIZE, 0x55);
    m.fill(4 * CHUNK_SIZE, CHUNK_SIZE, 0x66);
    m.scrub(0x8000, 4 * PAGE);
    const before = m.writtenBytes;
    m.copy(4 * CHUNK_SIZE + 0x20000, 0x8000, 4 * PAGE);
    expect(m.isFresh(4 * CHUNK_SIZE + 0x20000, 4 * PAGE)).toBe(true);
    expect(m.writtenBytes).toBe(before - 4 * PAGE);
    // A never-written source chunk does the same.
    m.copy(4 * CHUNK_SIZE, 6 * CHUNK_SIZE, PAGE);
    expect(m.isFresh(4 * CHUNK_SIZE, PAGE)).toBe(true);
  });

  it("copy from the pattern at another phase writes the pattern bytes as they read at the source", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.fill(0, PAGE, 0);
    m.copy(1, 0x100000, 8);
    const b = new Uint8Array(8);
    m.read(1, b);
    expect(b).toEqual(patternAt(0x100000, 8));
    expect(m.readU8(0)).toBe(0);
  });

  it("agrees with a flat oracle under seeded random writes, fills, scrubs, copies and reads", () => {
    const size = 4 * CHUNK_SIZE;
    const m = new PhysicalMemory(size);
    const oracle = patternAt(0, size);
    const p = new Prng(5);
    const span = (): [number, number] => {
      const len = p.chance(0.3) ? p.range(1, 64) : p.chance(0.5) ? p.range(1, 3) * PAGE : p.range(1, 3 * PAGE);
      const pa = p.chance(0.5) ? p.int(size / PAGE - 4) * PAGE : p.int(size - len);
      return [pa, Math.min(len, size - pa)];
    };
    for (let i = 0; i < 3000; i++) {
      const [pa, len] = span();
      const op = p.int(6);
      if (op === 0) {
        const src = Uint8Array.from({ length: len }, () => p.int(256));
        m.write(pa, src);
        oracle.set(src, pa);
      } else if (op === 1) {
        const v = p.int(256);
        m.fill(pa, len, v);
        oracle.fill(v, pa, pa + len);
      } else if (op === 2) {
        m.scrub(pa, len);
        oracle.set(patternAt(pa, len), pa);
      } else if (op === 3) {
        const [to] = span();
        const n = Math.min(len, size - to);
        if (pa < to + n && to < pa + n) continue;
        m.copy(to, pa, n);
        oracle.copyWithin(to, pa, pa + n);
      } else if (op === 4) {
        const b = new Uint8Array(len);
        m.read(pa, b);
        expect(firstDiff(b, oracle.subarray(pa, pa + len))).toBe(-1);
      } else {
        expect(m.readU8(pa)).toBe(oracle[pa]);
      }
    }
    const all = new Uint8Array(size);
    m.read(0, all);
    expect(firstDiff(all, oracle)).toBe(-1);
  });

  it("page copies see a released and re-backed chunk's new bytes, not the old backing", () => {
    const m = new PhysicalMemory(16 * MiB);
    m.fill(0, CHUNK_SIZE, 0x10);
    m.fill(4 * CHUNK_SIZE, CHUNK_SIZE, 0x20);
    m.copy(4 * CHUNK_SIZE, 5 * PAGE, PAGE);
    expect(m.readU8(4 * CHUNK_SIZE + 7)).toBe(0x10);
    m.scrub(0, CHUNK_SIZE);
    m.fill(0, CHUNK_SIZE, 0x30);
    m.copy(4 * CHUNK_SIZE + PAGE, 5 * PAGE, PAGE);
    expect(m.readU8(4 * CHUNK_SIZE + PAGE + 7)).toBe(0x30);
  });

  it("a view of fresh pages holds the pattern, and writes through it are memory", () => {
    const m = new PhysicalMemory(8 * MiB);
    m.writeU8(0, 1);
    const v = m.view(PAGE, 2 * PAGE) as Uint8Array;
    expect(v.subarray(0, 4)).toEqual(Uint8Array.from(FILL_BYTES));
    v[8] = 0x77;
    expect(m.readU8(PAGE + 8)).toBe(0x77);
  });
});
