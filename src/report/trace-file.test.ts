import { describe, expect, it } from "vitest";
import { TraceLog } from "../trace/trace-log.ts";
import { TRACE_COLUMN_MEANING, traceFile } from "./trace-file.ts";

function sample(): TraceLog {
  const t = new TraceLog();
  t.noteAllocation({ device: "plx9656", routine: "AllocateCommonBuffer", va: 0xc000_0000_1000, logical: 0x100_0000, length: 5000, pages: 2, pfns: Int32Array.from([0x1000, 0x1001]), cache: "cached", deviceMemory: false, allocatedAt: 100 });
  t.record("dmaWrite", 250, "plx9656", 0x100_0000, 0x100_0000, 64);
  t.record("interrupt", 300, "plx9656", 16, 0, 0);
  return t;
}

describe("the --trace file", () => {
  it("declares its format, version and units (time in ns, lengths in bytes)", () => {
    const f = traceFile(sample());
    expect(f).toMatchObject({ format: "dmasim-trace", version: 2, units: { timeNs: "simulated nanoseconds since boot", length: "bytes" } });
  });

  it("has named columns of equal length; kind and device index the tables", () => {
    const f = traceFile(sample()) as { kinds: string[]; devices: string[]; count: number; columns: Record<string, number[]> };
    expect(Object.keys(f.columns)).toEqual(["kind", "timeNs", "device", "address", "detail", "length"]);
    for (const c of Object.values(f.columns)) expect(c).toHaveLength(f.count);
    expect(f.columns["kind"]?.map((k) => f.kinds[k])).toEqual(["allocate", "dmaWrite", "interrupt"]);
    expect(f.columns["timeNs"]).toEqual([100, 250, 300]);
    expect(f.columns["device"]?.map((d) => f.devices[d])).toEqual(["plx9656", "plx9656", "plx9656"]);
    expect(f.columns["length"]).toEqual([5000, 64, 0]);
  });

  it("says what address, detail and length mean for every kind of event", () => {
    const f = traceFile(sample()) as { kinds: string[]; meaning: typeof TRACE_COLUMN_MEANING };
    for (const col of ["address", "detail", "length"] as const) expect(Object.keys(f.meaning[col]).sort()).toEqual([...f.kinds].sort());
  });

  it("writes allocations in the --json shape: canonical VA, hex logical and physical addresses, runs as { pfn, pages }", () => {
    const f = traceFile(sample()) as { allocations: unknown[] };
    expect(f.allocations).toEqual([{ id: 1, device: "plx9656", routine: "AllocateCommonBuffer", va: "0xFFFFC00000001000", logical: "0x1000000", physical: "0x1000000", length: 5000, pages: 2, runs: [{ pfn: 0x1000, pages: 2 }], cache: "cached", deviceMemory: false, allocatedAt: 100, freedAt: null }]);
  });

  it("is plain JSON (round-trips)", () => {
    const f = traceFile(sample());
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});
