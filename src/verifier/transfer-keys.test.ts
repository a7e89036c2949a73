import { describe, expect, it } from "vitest";
import { SLOTS, TransferKeys } from "./transfer-keys.ts";

function taken(t: TransferKeys, key: object): number[] {
  const out: number[] = [];
  t.take(key, (h) => out.push(h));
  return out;
}

describe("TransferKeys (the verifier's handles per HAL mapping key)", () => {
  it("gives back each key's handles once, in the order added, whether keys end in order or not", () => {
    const t = new TransferKeys();
    const keys = [{}, {}, {}, {}];
    keys.forEach((k, i) => t.add(k, 10 + i));
    expect(taken(t, keys[2] as object)).toEqual([12]);
    expect(taken(t, keys[0] as object)).toEqual([10]);
    expect(taken(t, keys[0] as object)).toEqual([]);
    expect(taken(t, keys[3] as object)).toEqual([13]);
    expect(taken(t, keys[1] as object)).toEqual([11]);
    expect(t.used).toBe(0);
  });

  it("keeps every handle of a key with several (a list's elements), also added apart from each other", () => {
    const t = new TransferKeys();
    const a = {};
    const b = {};
    t.add(a, 1);
    t.add(a, 2);
    t.add(b, 3);
    t.add(a, 4);
    expect(taken(t, a)).toEqual([1, 2, 4]);
    expect(taken(t, b)).toEqual([3]);
  });

  it("a key never added, or already taken, gives nothing", () => {
    const t = new TransferKeys();
    const a = {};
    expect(taken(t, a)).toEqual([]);
    t.add(a, 5);
    expect(taken(t, a)).toEqual([5]);
    expect(taken(t, a)).toEqual([]);
  });

  it("past SLOTS keys in flight the rest go to the WeakMap and still come back, with handles added to them later", () => {
    const t = new TransferKeys();
    const keys = Array.from({ length: SLOTS + 10 }, () => ({}));
    keys.forEach((k, i) => t.add(k, i));
    expect(t.used).toBe(SLOTS);
    // A spilled key gets another handle after room was made in the queue: it stays in one place.
    expect(taken(t, keys[0] as object)).toEqual([0]);
    t.add(keys[SLOTS + 3] as object, 1000);
    expect(taken(t, keys[SLOTS + 3] as object)).toEqual([SLOTS + 3, 1000]);
    // Taken in reverse: every key's own handle, once.
    for (let i = keys.length - 1; i >= 1; i--) if (i !== SLOTS + 3) expect(taken(t, keys[i] as object)).toEqual([i]);
    expect(t.used).toBe(0);
  });

  it("holes left by keys taken out of order are closed when the queue fills, so it keeps taking new keys", () => {
    const t = new TransferKeys();
    const keep = Array.from({ length: SLOTS }, () => ({}));
    keep.forEach((k, i) => t.add(k, i));
    // Every other one ends, the oldest stays (its slot holds the queue's start in place).
    for (let i = 1; i < SLOTS; i += 2) expect(taken(t, keep[i] as object)).toEqual([i]);
    const fresh = Array.from({ length: SLOTS / 2 }, () => ({}));
    fresh.forEach((k, i) => t.add(k, 500 + i));
    expect(t.used).toBe(SLOTS);
    for (let i = 0; i < SLOTS; i += 2) expect(taken(t, keep[i] as object)).toEqual([i]);
    fresh.forEach((k, i) => expect(taken(t, k)).toEqual([500 + i]));
    expect(t.used).toBe(0);
  });
});
