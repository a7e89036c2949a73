import { describe, expect, it } from "vitest";
import { DeviceRanges, ENTRIES, MappingCache } from "./access-caches.ts";

describe("DeviceRanges (the device fast path's buffer runs)", () => {
  it("finds an access wholly inside an entry's range at its logical offset, not one past its end, before it, or at another offset", () => {
    const r = new DeviceRanges();
    r.add(7, 0x10000, 0x10000 + 100, 0x5000, 0, false);
    expect(r.find(0x15000 + 10, 0x10000 + 10, 16)).toBeGreaterThanOrEqual(0);
    expect(r.find(0x15000 + 90, 0x10000 + 90, 16)).toBe(-1);
    expect(r.find(0x15000 - 1, 0x10000 - 1, 4)).toBe(-1);
    expect(r.find(0x10000 + 10, 0x10000 + 10, 16)).toBe(-1);
  });

  it("holds one entry per buffer: a buffer's new run replaces its old one", () => {
    const r = new DeviceRanges();
    r.add(3, 0x1000, 0x3000, 0, 0, false);
    r.add(3, 0x8000, 0x9000, -0x6000, 0x2000, false);
    expect(r.find(0x1000, 0x1000, 8)).toBe(-1);
    const e = r.find(0x2000, 0x8000, 8);
    expect(r.id[e]).toBe(3);
    expect(r.base[e]).toBe(0x2000);
  });

  it("drop forgets one buffer, dropOverlapping every entry meeting a range, clear all", () => {
    const r = new DeviceRanges();
    r.add(1, 0x1000, 0x2000, 0, 0, false);
    r.add(2, 0x4000, 0x6000, 0, 0, false);
    r.add(3, 0x9000, 0xa000, 0, 0, false);
    r.drop(1);
    expect(r.find(0x1000, 0x1000, 4)).toBe(-1);
    r.dropOverlapping(0x5000, 0x5001);
    expect(r.find(0x4000, 0x4000, 4)).toBe(-1);
    // A range that only touches the entry's end leaves it.
    r.dropOverlapping(0xa000, 0xb000);
    expect(r.find(0x9000, 0x9000, 4)).toBeGreaterThanOrEqual(0);
    r.clear();
    expect(r.find(0x9000, 0x9000, 4)).toBe(-1);
  });

  it("a clear after an earlier clear still forgets what was added between them", () => {
    const r = new DeviceRanges();
    r.clear();
    r.add(5, 0x1000, 0x2000, 0, 0, false);
    r.clear();
    expect(r.find(0x1000, 0x1000, 4)).toBe(-1);
    const c = new MappingCache<object>();
    const m = {};
    c.clear();
    c.add(m, 1, 0, false);
    c.clear();
    expect(c.find(m)).toBe(-1);
  });

  it("makes room by the entry used longest ago; entries added ahead of use give way first", () => {
    const r = new DeviceRanges();
    for (let i = 0; i < ENTRIES; i++) r.add(i, i * 0x10000, i * 0x10000 + 0x1000, 0, 0, false);
    // Use all but buffer 1; a new one then takes buffer 1's entry.
    for (let i = 0; i < ENTRIES; i++) if (i !== 1) r.find(i * 0x10000, i * 0x10000, 4);
    r.add(100, 0x900000, 0x901000, 0, 0, false);
    expect(r.find(0x10000, 0x10000, 4)).toBe(-1);
    expect(r.find(0, 0, 4)).toBeGreaterThanOrEqual(0);
    // Two transfers mapped ahead: the second takes the first's entry, not a buffer in use.
    r.add(200, 0xa00000, 0xa01000, 0, 0, true, true);
    r.add(201, 0xb00000, 0xb01000, 0, 0, true, true);
    expect(r.find(0xa00000, 0xa00000, 4)).toBe(-1);
    expect(r.find(0xb00000, 0xb00000, 4)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < ENTRIES; i++) if (i !== 1 && i !== 2) expect(r.find(i * 0x10000, i * 0x10000, 4), `buffer ${i}`).toBeGreaterThanOrEqual(0);
  });
});

describe("MappingCache (what the CPU accesses' mappings are)", () => {
  it("finds a mapping by identity, not by an equal object", () => {
    const c = new MappingCache<{ va: number }>();
    const m = { va: 1 };
    const e = c.add(m, 4, 100, false);
    expect(c.find(m)).toBe(e);
    expect(c.id[e]).toBe(4);
    expect(c.length[e]).toBe(100);
    expect(c.find({ va: 1 })).toBe(-1);
  });

  it("the mapping hit last is compared first, and is no answer for another mapping nor after clear", () => {
    const c = new MappingCache<object>();
    const a = {};
    const b = {};
    const ea = c.add(a, 1, 10, false);
    const eb = c.add(b, 2, 20, false);
    expect(c.find(a)).toBe(ea);
    expect(c.find(b)).toBe(eb);
    expect(c.find(b)).toBe(eb);
    expect(c.find({})).toBe(-1);
    c.clear();
    expect(c.find(b)).toBe(-1);
  });

  it("makes room by the mapping used longest ago, and clear forgets every one", () => {
    const c = new MappingCache<object>();
    const ms = Array.from({ length: ENTRIES }, () => ({}));
    ms.forEach((m, i) => c.add(m, i, 0, false));
    ms.forEach((m, i) => i !== 3 && c.find(m));
    c.add({}, 99, 0, false);
    expect(c.find(ms[3] as object)).toBe(-1);
    expect(c.find(ms[0] as object)).toBeGreaterThanOrEqual(0);
    c.clear();
    expect(c.find(ms[0] as object)).toBe(-1);
  });
});
