import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { NumHash } from "./num-hash.ts";

describe("NumHash (typed-array open addressing, backward-shift deletes)", () => {
  it.each([
    ["runs of page numbers", (p: Prng, i: number) => 0x10_0000 + (i % 5000) + 0x4_0000 * p.int(8)],
    ["random 40-bit keys from a small pool", (p: Prng) => (p.int(3000) * 0x9e37) % 2 ** 40],
    ["keys that alias modulo the table size", (p: Prng) => p.int(64) * 2 ** 19 + p.int(4)],
  ])("agrees with a Map oracle under random set/delete/get churn: %s (seeded)", (_name, key) => {
    const p = new Prng(11);
    const h = new NumHash(8);
    const oracle = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const k = key(p, i);
      const op = p.int(10);
      if (op < 5) {
        h.set(k, i);
        oracle.set(k, i);
      } else if (op < 8) {
        const expectVal = p.chance(0.5) ? oracle.get(k) : undefined;
        const removed = h.delete(k, expectVal);
        expect(removed).toBe(oracle.has(k));
        oracle.delete(k);
      } else {
        expect(h.get(k)).toBe(oracle.get(k) ?? -1);
      }
    }
    expect(h.size).toBe(oracle.size);
    for (const [k, v] of oracle) expect(h.get(k)).toBe(v);
  });

  it("delete with a value that does not match leaves the entry", () => {
    const h = new NumHash();
    h.set(5, 1);
    expect(h.delete(5, 2)).toBe(false);
    expect(h.get(5)).toBe(1);
    expect(h.delete(6)).toBe(false);
  });
});

describe("NumHash probe bound (no key pattern clusters)", () => {
  const patterns: [string, (i: number) => number][] = [
    // 3 GiB of page frames above 4 GiB: the keys that piled into one 206,298-probe cluster.
    ["a run of 3 GiB of page numbers above 4 GiB", (i) => 0x10_0000 + i],
    ["2 MiB runs 16 MiB apart", (i) => 0x10_0000 + (i >>> 9) * 4096 + (i & 511)],
    ["page numbers 2^18 apart, interleaved", (i) => (i % 64) * 2 ** 18 + Math.floor(i / 64)],
    ["strides of 4096", (i) => i * 4096],
    ["40-bit logical page numbers", (i) => 2 ** 40 + i * 3],
  ];
  it.each(patterns)("%s: every operation probes a few slots, however many keys", (_name, key) => {
    const n = 3 * 2 ** 18;
    const h = new NumHash(16);
    for (let i = 0; i < n; i++) {
      h.set(key(i), i & 0x7fffffff);
      // Stop at the first long insert: the clustered hash took minutes here.
      if (h.longestProbe > 64) expect.fail(`insert ${i} probed ${h.longestProbe} slots`);
    }
    expect(h.longestProbe).toBeLessThanOrEqual(64);
    // Mean probes per insert (growth rehashes included) stay small.
    expect(h.probes / n).toBeLessThan(4);
    const p0 = h.probes;
    let wrong = 0;
    for (let i = 0; i < n; i += 7) if (h.get(key(i)) !== (i & 0x7fffffff)) wrong++;
    expect(wrong).toBe(0);
    expect((h.probes - p0) / Math.ceil(n / 7)).toBeLessThan(3);
    const p1 = h.probes;
    for (let i = 0; i < n; i++) h.delete(key(i), i & 0x7fffffff);
    expect(h.size).toBe(0);
    expect((h.probes - p1) / n).toBeLessThan(6);
  });
});
