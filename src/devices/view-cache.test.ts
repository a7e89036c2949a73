import { describe, expect, it } from "vitest";
import { ViewCache } from "./view-cache.ts";

describe("ViewCache", () => {
  it("gives the part of the buffer asked for, sharing its bytes", () => {
    const b = new Uint8Array(64).map((_, i) => i);
    const c = new ViewCache(b);
    const v = c.view(10, 5);
    expect([...v]).toEqual([10, 11, 12, 13, 14]);
    v[0] = 200;
    expect(b[10]).toBe(200);
    expect(c.view(0, 0).length).toBe(0);
    expect(c.view(0, 64).length).toBe(64);
  });

  it("the same (offset, length) again is the same view object; a different one is a different view", () => {
    const c = new ViewCache(new Uint8Array(4096));
    const a = c.view(0, 1500);
    expect(c.view(0, 1500)).toBe(a);
    const d = c.view(1500, 1500);
    expect(d).not.toBe(a);
    expect(d.byteOffset).toBe(1500);
    expect(c.view(0, 1499).length).toBe(1499);
  });

  it("pairs that collide in a one-slot-per-bit cache still each get their own bytes", () => {
    const b = new Uint8Array(256).map((_, i) => i);
    const c = new ViewCache(b, 1);
    for (let round = 0; round < 3; round++) {
      for (let off = 0; off < 200; off += 7) {
        const v = c.view(off, 13);
        expect(v.byteOffset).toBe(off);
        expect(v.length).toBe(13);
        expect(v[12]).toBe(off + 12);
      }
    }
  });

  it("a part outside the buffer, or a bad size, is a RangeError naming it", () => {
    const c = new ViewCache(new Uint8Array(16));
    expect(() => c.view(10, 7)).toThrow(/7 bytes at 10 are not inside the 16-byte buffer/);
    expect(() => c.view(-1, 2)).toThrow(RangeError);
    expect(() => c.view(0.5, 2)).toThrow(RangeError);
    expect(() => new ViewCache(new Uint8Array(4), 0)).toThrow(/bits must be/);
  });
});
