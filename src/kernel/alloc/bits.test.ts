import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.ts";
import { bitRangeMask, clearBits, countBits, countBitsIn, ctz32, forEachRun, popcount32, setBits, testBit } from "./bits.ts";

describe("bitmap helpers", () => {
  it("popcount32 and ctz32 on edge words", () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(ctz32(0)).toBe(32);
    expect(ctz32(0x80000000)).toBe(31);
    expect(ctz32(12)).toBe(2);
  });

  it("bitRangeMask covers [lo, hi) within a word", () => {
    expect(bitRangeMask(0, 32)).toBe(0xffffffff);
    expect(bitRangeMask(4, 8)).toBe(0xf0);
    expect(bitRangeMask(31, 32)).toBe(0x80000000);
    expect(bitRangeMask(5, 5)).toBe(0);
  });

  it("setBits, clearBits, countBits and forEachRun agree with a per-frame model", () => {
    const rng = new Prng("bits");
    for (let t = 0; t < 300; t++) {
      const n = rng.range(1, 300);
      const bits = new Uint32Array(Math.ceil(n / 32));
      const model = new Uint8Array(n);
      for (let k = 0; k < 20; k++) {
        const a = rng.int(n);
        const b = a + rng.int(n - a + 1);
        if (rng.chance(0.5)) {
          setBits(bits, a, b);
          model.fill(1, a, b);
        } else {
          clearBits(bits, a, b);
          model.fill(0, a, b);
        }
      }
      for (let p = 0; p < n; p++) expect(testBit(bits, p)).toBe(model[p] === 1);
      const a = rng.int(n);
      const b = a + rng.int(n - a + 1);
      const expected = model.subarray(a, b).reduce((s, v) => s + v, 0);
      expect(countBitsIn(bits, a, b)).toBe(expected);
      expect(countBits((i) => bits[i] ?? 0, a, b)).toBe(expected);
      const runs: [number, number][] = [];
      forEachRun((i) => bits[i] ?? 0, a, b, (s, len) => runs.push([s, len]));
      const want: [number, number][] = [];
      for (let p = a; p < b; ) {
        if (model[p] === 1) {
          let q = p;
          while (q < b && model[q] === 1) q++;
          want.push([p, q - p]);
          p = q;
        } else p++;
      }
      expect(runs).toEqual(want);
    }
  });
});
