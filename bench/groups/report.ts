/**
 * The report on a 1 TiB machine (x64-1tib, 4 NUMA nodes, 2^28 page frames):
 * aggregating physical memory into the map cells (snapshotMemory, word
 * popcounts) and rendering the whole HTML report, after an allocation so the
 * map has something to draw; plus the trace's cost per recorded DMA run.
 */
import { performance } from "node:perf_hooks";
import type { BenchGroup, BenchResult } from "../harness.ts";

function best(times: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const group: BenchGroup = {
  name: "report",
  async run(): Promise<BenchResult[]> {
    const { bootMachine } = await import("../../src/kernel/kernel.ts");
    const { snapshotMemory } = await import("../../src/report/memory-snapshot.ts");
    const { renderHtmlReport } = await import("../../src/report/html-report.ts");
    const { TraceLog } = await import("../../src/trace/trace-log.ts");
    const { attachTrace } = await import("../../src/trace/attach.ts");
    const k = bootMachine("x64-1tib");
    k.pfm.allocatePages(100_000, { effort: "full", kind: "movable", hintPfn: 1 << 20 });
    const snapshotMs = best(3, () => snapshotMemory(k));
    let html = "";
    const renderMs = best(3, () => {
      html = renderHtmlReport([{ scenario: "bench", description: "", profile: k.profile, seed: 1, uptimeSeconds: 0, verifier: "off", result: { ok: true, summary: [], machine: k } }]);
    });
    // Trace cost: DMA runs per second with the trace attached vs without (same 64-byte writes).
    const k2 = bootMachine("x64-desktop");
    const dev = k2.busMasterOf("plx9656");
    const buf = new Uint8Array(64);
    const n = 200_000;
    const plain = best(3, () => {
      for (let i = 0; i < n; i++) k2.bus.write(dev, 0x100_0000 + (i & 1023) * 64, buf);
    });
    attachTrace(k2, new TraceLog({ limit: n * 4 }));
    const traced = best(1, () => {
      for (let i = 0; i < n; i++) k2.bus.write(dev, 0x100_0000 + (i & 1023) * 64, buf);
    });
    return [
      { group: "report", name: "report.snapshot_1tib_ms", value: Math.round(snapshotMs * 10) / 10, unit: "ms", target: "<= 1000", against: "snapshotMemory of x64-1tib (2^28 frames), best of 3" },
      { group: "report", name: "report.html_1tib_ms", value: Math.round(renderMs * 10) / 10, unit: "ms", target: "<= 2000", against: "renderHtmlReport of that machine, best of 3" },
      { group: "report", name: "report.html_1tib_kb", value: Math.round(html.length / 1024), unit: "KiB", target: "<= 1024", against: "that HTML file's size" },
      { group: "report", name: "report.dma_writes_untraced_per_s", value: Math.round(n / (plain / 1000)), unit: "/s", against: "64-byte device writes, no trace (context)" },
      { group: "report", name: "report.dma_writes_traced_per_s", value: Math.round(n / (traced / 1000)), unit: "/s", against: "the same with the trace attached (context)" },
    ];
  },
};

export default group;
