import { describe, expect, it } from "vitest";
import { pfnRuns, TraceLog } from "./trace-log.ts";

describe("TraceLog", () => {
  it("records events in order into growing typed columns and reads them back", () => {
    const t = new TraceLog();
    for (let i = 0; i < 1000; i++) t.record(i % 2 === 0 ? "dmaWrite" : "dmaRead", i * 10, i % 3 === 0 ? "plx9656" : "sb16", 0x1000 + i, 0x2000 + i, 64);
    expect(t.count).toBe(1000);
    expect(t.event(0)).toEqual({ kind: "dmaWrite", time: 0, device: "plx9656", a: 0x1000, b: 0x2000, length: 64 });
    expect(t.event(999)).toEqual({ kind: "dmaRead", time: 9990, device: "plx9656", a: 0x1000 + 999, b: 0x2000 + 999, length: 64 });
    expect([...t.events()].length).toBe(1000);
  });

  it("interns device names: the JSON export holds each name once and an index per event", () => {
    const t = new TraceLog();
    t.record("interrupt", 5, "sb16", 5, 0, 0);
    t.record("dmaFault", 6, "plx9656", 0xdead000, -1, 4);
    t.record("interrupt", 7, "sb16", 5, 0, 0);
    const j = t.toJSON();
    expect(j.devices).toEqual(["sb16", "plx9656"]);
    expect(j.device).toEqual([0, 1, 0]);
    expect(j.kind.map((k) => j.kinds[k])).toEqual(["interrupt", "dmaFault", "interrupt"]);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it("stops storing at its limit and counts the dropped events", () => {
    const t = new TraceLog({ limit: 3 });
    for (let i = 0; i < 5; i++) t.record("dmaRead", i, "d", 0, 0, 1);
    expect(t.count).toBe(3);
    expect(t.dropped).toBe(2);
    expect(t.toJSON().dropped).toBe(2);
  });

  it("allocation records keep physical frames as runs and note their free once", () => {
    const t = new TraceLog();
    const rec = t.noteAllocation({ device: "plx9656", routine: "AllocateCommonBuffer", va: 0xc000_0000_0000, logical: 0x100_0000, length: 5000, pages: 2, pfns: Int32Array.from([10, 11]), cache: "cached", deviceMemory: false, allocatedAt: 100 });
    expect(rec.runs).toEqual([[10, 2]]);
    expect(t.noteFree(0xc000_0000_0000, 200)).toBe(true);
    expect(t.noteFree(0xc000_0000_0000, 300)).toBe(false);
    expect(t.allocations[0]?.freedAt).toBe(200);
    expect([...t.events()].map((e) => e.kind)).toEqual(["allocate", "free"]);
  });

  it("pfnRuns folds consecutive frames and keeps scattered ones apart (an IOMMU buffer)", () => {
    expect(pfnRuns([5, 6, 7, 20, 9, 10])).toEqual([
      [5, 3],
      [20, 1],
      [9, 2],
    ]);
    expect(pfnRuns([])).toEqual([]);
  });

  it("rejects a bad limit, an unknown kind and an index outside the log", () => {
    expect(() => new TraceLog({ limit: 0 })).toThrow(RangeError);
    const t = new TraceLog();
    expect(() => t.record("bogus" as never, 0, "d", 0, 0, 0)).toThrow('unknown event kind "bogus"');
    expect(t.count).toBe(0);
    expect(() => t.event(0)).toThrow(RangeError);
  });
});
