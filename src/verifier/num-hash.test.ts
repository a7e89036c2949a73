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
