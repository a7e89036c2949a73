import { describe, expect, it } from "vitest";
import { Prng } from "./prng.ts";

describe("Prng", () => {
  it("gives the same sequence for the same seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
  });
  it("gives different sequences for different seeds", () => {
    const a = new Prng(1);
    const b = new Prng(2);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    const sb = Array.from({ length: 8 }, () => b.nextU32());
    expect(sa).not.toEqual(sb);
  });
  it("int(n) stays in [0, n) and covers it", () => {
    const p = new Prng("cover");
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = p.int(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });
  it("rejects a non-positive bound with a RangeError naming it", () => {
    expect(() => new Prng(1).int(0)).toThrow(/n must be a positive safe integer, got 0/);
  });
  it("fork is stable per label", () => {
    expect(new Prng(5).fork("x").nextU32()).toBe(new Prng(5).fork("x").nextU32());
  });
});
