import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { RunIndex } from "./run-index.ts";

describe("RunIndex (page -> buffer id, registered by run)", () => {
  it("finds every page of a run and nothing around it", () => {
    const r = new RunIndex();
    r.addRun(1000, 3000, 7);
    expect(r.get(999)).toBe(-1);
    expect(r.get(1000)).toBe(7);
    expect(r.get(2047)).toBe(7);
    expect(r.get(3999)).toBe(7);
    expect(r.get(4000)).toBe(-1);
  });

  it("a run's cost is its granules plus two partial ones, not its pages: 4 GiB above 4 GiB is 2048 directory entries", () => {
    const r = new RunIndex();
    const pages = 2 ** 20 - 1; // 4 GiB - 4 KiB
    r.addRun(2 ** 20, pages, 3);
    expect(r.granules).toBe(2048);
    // 2047 whole granules, one partial of 511 pages.
    expect(r.entryWrites).toBeLessThanOrEqual(2048 + 511);
    // A lookup and an insert per new granule, growth rehashes included.
    expect(r.probes).toBeLessThan(8 * 2048);
    expect(r.get(2 ** 21 - 2)).toBe(3);
    expect(r.get(2 ** 21 - 1)).toBe(-1);
    const w = r.work;
    r.deleteRun(2 ** 20, pages, 3);
    expect(r.work - w).toBeLessThan(4 * (2048 + 511));
    expect(r.granules).toBe(0);
    expect(r.get(2 ** 20 + 5)).toBe(-1);
  });

  it("the newest registration of a page wins across whole and partial granules, and removing the older one leaves the newer", () => {
    const r = new RunIndex();
    r.addRun(0, 1024, 1); // two whole granules
    r.addRun(100, 10, 2); // part of the first, newer
    expect(r.get(105)).toBe(2);
    expect(r.get(99)).toBe(1);
    r.deleteRun(0, 1024, 1);
    expect(r.get(105)).toBe(2);
    expect(r.get(99)).toBe(-1);
    r.addRun(512, 512, 3);
    r.addRun(0, 1024, 4); // newer whole over the partial entries of 2
    expect(r.get(105)).toBe(4);
    r.deleteRun(100, 10, 2);
    expect(r.get(105)).toBe(4);
    expect(r.get(600)).toBe(4);
  });

  it("agrees with a page-by-page map under seeded overlapping runs freed in registration order (the quarantine's order)", () => {
    const p = new Prng(21);
    const r = new RunIndex();
    const model = new Map<number, number>();
    const live: [number, number, number][] = [];
    const span = 1 << 14;
    let nextId = 0;
    for (let i = 0; i < 4000; i++) {
      if (live.length > 0 && (live.length > 40 || p.chance(0.45))) {
        const [s, n, id] = live.shift() as [number, number, number];
        r.deleteRun(s, n, id);
        for (let q = s; q < s + n; q++) if (model.get(q) === id) model.delete(q);
      } else {
        const n = p.chance(0.2) ? p.range(400, 3000) : p.range(1, 40);
        const s = p.chance(0.3) ? p.int(span / 512) * 512 : p.int(span - n);
        const id = nextId++ % 5000;
        r.addRun(s, n, id);
        for (let q = s; q < s + n; q++) model.set(q, id);
        live.push([s, n, id]);
      }
      for (let k = 0; k < 20; k++) {
        const q = p.int(span);
        expect(r.get(q)).toBe(model.get(q) ?? -1);
      }
    }
    while (live.length > 0) {
      const [s, n, id] = live.shift() as [number, number, number];
      r.deleteRun(s, n, id);
    }
    expect(r.granules).toBe(0);
  });

  it("one-page registrations (one-page buffers, a path of their own) agree with a page-by-page map under overlap, and leave nothing behind", () => {
    const p = new Prng(22);
    const r = new RunIndex();
    const model = new Map<number, number>();
    const live: [number, number, number][] = [];
    const span = 1 << 12;
    let nextId = 0;
    for (let i = 0; i < 6000; i++) {
      if (live.length > 0 && (live.length > 60 || p.chance(0.45))) {
        const [s, n, id] = live.shift() as [number, number, number];
        r.deleteRun(s, n, id);
        for (let q = s; q < s + n; q++) if (model.get(q) === id) model.delete(q);
      } else {
        const n = p.chance(0.7) ? 1 : p.chance(0.1) ? 512 : p.range(2, 600);
        const s = n === 512 ? p.int(span / 512) * 512 : p.int(span - n);
        const id = nextId++ % 3000;
        r.addRun(s, n, id);
        for (let q = s; q < s + n; q++) model.set(q, id);
        live.push([s, n, id]);
      }
      for (let k = 0; k < 20; k++) {
        const q = p.int(span);
        expect(r.get(q)).toBe(model.get(q) ?? -1);
      }
    }
    while (live.length > 0) {
      const [s, n, id] = live.shift() as [number, number, number];
      r.deleteRun(s, n, id);
    }
    expect(r.granules).toBe(0);
  });

  it("handles logical page numbers far above physical memory (40-bit)", () => {
    const r = new RunIndex();
    r.addRun(2 ** 40 + 300, 1000, 9);
    expect(r.get(2 ** 40 + 1299)).toBe(9);
    expect(r.get(2 ** 40 + 1300)).toBe(-1);
  });

  it("one-page registrations either side of page 2^31 (integer and wide arithmetic) agree with runs over the same pages", () => {
    const r = new RunIndex();
    const edge = 2 ** 31;
    // A run across the edge, then one-page registrations over it, newer, on both sides.
    r.addRun(edge - 600, 1200, 1);
    for (const page of [edge - 2, edge - 1, edge, edge + 1]) r.addRun(page, 1, 2);
    expect([edge - 3, edge - 2, edge - 1, edge, edge + 1, edge + 2].map((q) => r.get(q))).toEqual([1, 2, 2, 2, 2, 1]);
    r.deleteRun(edge - 600, 1200, 1);
    expect([edge - 3, edge - 1, edge, edge + 2].map((q) => r.get(q))).toEqual([-1, 2, 2, -1]);
    for (const page of [edge - 2, edge - 1, edge, edge + 1]) r.deleteRun(page, 1, 2);
    expect([edge - 1, edge].map((q) => r.get(q))).toEqual([-1, -1]);
    expect(r.granules).toBe(0);
  });
});

