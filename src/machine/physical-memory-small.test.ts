import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { CHUNK_SIZE, FILL_BYTES, PhysicalMemory } from "./physical-memory.ts";

// The word-by-word path for small aligned copies must behave exactly like the bulk path.
describe("PhysicalMemory small aligned copies (descriptor fast path)", () => {
  it("a never-written chunk reads as the fill pattern through the small path and is not materialized", () => {
    const m = new PhysicalMemory(4 * CHUNK_SIZE);
    const d = new Uint8Array(64);
    m.read(CHUNK_SIZE + 128, d);
    expect([...d.subarray(0, 4)]).toEqual([...FILL_BYTES]);
    expect(m.backedBytes).toBe(0);
  });

  it("small writes and reads at random aligned and unaligned places agree with a flat oracle (seeded)", () => {
    const m = new PhysicalMemory(2 * CHUNK_SIZE);
    const oracle = new Uint8Array(2 * CHUNK_SIZE);
    m.read(0, oracle);
    const prng = new Prng(9);
    const backing = new Uint8Array(256);
    for (let i = 0; i < 5000; i++) {
      const len = 1 + prng.int(128);
      const pa = prng.int(oracle.length - len);
      const off = prng.int(256 - len);
      const view = backing.subarray(off, off + len);
      if (prng.chance(0.5)) {
        for (let j = 0; j < len; j++) view[j] = prng.int(256);
        m.write(pa, view);
        oracle.set(view, pa);
      } else {
        m.read(pa, view);
        expect(view).toEqual(oracle.subarray(pa, pa + len));
      }
    }
  });

  it("a small copy that would cross a chunk boundary takes the bulk path and is still exact", () => {
    const m = new PhysicalMemory(2 * CHUNK_SIZE);
    const src = Uint8Array.from({ length: 64 }, (_, i) => i);
    m.write(CHUNK_SIZE - 32, src);
    const d = new Uint8Array(64);
    m.read(CHUNK_SIZE - 32, d);
    expect(d).toEqual(src);
  });
});
