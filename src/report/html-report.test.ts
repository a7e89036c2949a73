import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { executeScenario } from "../cli/execute.ts";
import { TraceLog } from "../trace/trace-log.ts";
import fixture from "../../test/fixtures/buffers-scenario.ts";
import { buffersOfFinding, collectBuffers, parseAddress } from "./buffers.ts";
import { fragmentationPanels } from "./fragmentation-chart.ts";
import { escapeHtml, renderHtmlReport } from "./html-report.ts";
import { runToJson } from "./json-result.ts";
import type { RunRecord } from "./run-record.ts";
import { plain, renderRunSummary, renderRunsSummary } from "./summary.ts";
import { buildTimeline } from "./timeline.ts";

async function fixtureRun(profile = "x64-desktop"): Promise<RunRecord> {
  return executeScenario(fixture, { name: fixture.name, profile: builtinProfile(profile), seed: 1, uptimeSeconds: 0, verifier: "collect" });
}

// A grouped finding with any params (the report reads them without knowing the code).
const finding = (params?: Readonly<Record<string, number | bigint>>, more: Partial<Finding> = {}): Finding => ({ code: "CB_TAIL_ACCESS", message: "access past Length", routine: "cpu", device: "plx9656", time: 0, seq: 1, count: 1, lastTime: 0, occurrences: [], ...(params === undefined ? {} : { params }), ...more }) as Finding;

describe("HTML report", () => {
  it("is one self-contained file: inline style and script, no external URL, embedded data", async () => {
    const html = renderHtmlReport([await fixtureRun()]);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<script id="dmasim-data" type="application/json">');
    expect(html).toContain("<style>");
  });

  it("lists every common buffer with VA, logical and physical address and cache attribute", async () => {
    const html = renderHtmlReport([await fixtureRun("arm64-soc")]);
    expect(html).toContain('data-buffer="1"');
    expect(html).toContain('data-buffer="3"');
    expect(html).toContain("0xFFFFC000`00000000");
    expect(html).toContain("noncached (Device)");
  });

  it("the embedded data is valid JSON and never closes the script element early", async () => {
    const r = await fixtureRun();
    const evil = { ...r, scenario: "</script><script>alert(1)</script>" };
    const html = renderHtmlReport([evil]);
    const m = /<script id="dmasim-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
    const data = JSON.parse(m?.[1] ?? "null") as { runs: { buffers: unknown[] }[] };
    expect(data.runs[0]?.buffers).toHaveLength(3);
    expect(html).not.toContain("<script>alert(1)");
  });

  it("a run that returned no machine says so instead of drawing a map", () => {
    const r: RunRecord = { scenario: "x", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off", result: { ok: true, summary: [] } };
    expect(renderHtmlReport([r])).toContain("did not return its machine");
  });

  it("a finding is linked to the buffers whose VA, logical or physical range holds one of its addresses", async () => {
    const r = await fixtureRun();
    const bufs = collectBuffers(r);
    const b2 = bufs[1];
    if (b2 === undefined) throw new Error("no buffer");
    expect(buffersOfFinding(finding({ va: BigInt(b2.va) | 0xffff_0000_0000_0000n }), bufs)).toEqual([2]);
    expect(buffersOfFinding(finding({ logical: b2.logical + 10 }), bufs)).toEqual([2]);
    expect(buffersOfFinding(finding({ other: 1 }), bufs)).toEqual([]);
    const withFinding: RunRecord = { ...r, result: { ok: true, summary: [], findings: [finding({ va: b2.va })], ...(r.result?.machine === undefined ? {} : { machine: r.result.machine }) } };
    expect(renderHtmlReport([withFinding])).toMatch(/<a href="#run-0" data-buffer="2">buffer #2<\/a>/);
  });

  it("a run stopped by a bug check still maps the machine as it was at the stop", async () => {
    const stops = {
      name: "stops",
      description: "",
      defaultProfile: "x64-desktop",
      run(opts: Parameters<typeof fixture.run>[0]) {
        const k = bootMachine(opts.profile, { seed: opts.seed });
        opts.onBoot?.(k);
        throw new BugCheckError(0xe6, 7, 0, 0, 0, "stop");
      },
    };
    const r = await executeScenario(stops, { name: "stops", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "bugcheck" });
    expect(r.error?.kind).toBe("bugcheck");
    expect(r.machine).toBeDefined();
    const html = renderHtmlReport([r]);
    expect(html).not.toContain("did not return its machine");
    expect(html).toContain('<div class="maps"></div>');
    expect(html).toContain("*** STOP: 0xE6");
  });

  it("lists at most 1000 buffers, live ones first, and says how many there were", () => {
    const t = new TraceLog();
    for (let i = 0; i < 1200; i++) {
      t.noteAllocation({ device: "nic0", routine: "AllocateCommonBuffer", va: 0xc000_0000_0000 + i * 8192, logical: i * 4096, length: 4096, pages: 1, pfns: [i], cache: "cached", deviceMemory: false, allocatedAt: i });
      if (i < 1100) t.noteFree(0xc000_0000_0000 + i * 8192, i + 1);
    }
    const r: RunRecord = { scenario: "many", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off", result: { ok: true, summary: [] }, trace: t };
    const html = renderHtmlReport([r]);
    expect(html).toContain("1000 of 1200 buffers shown");
    expect(html).toContain('data-buffer="1199"');
    expect(html).not.toContain('data-buffer="1000"');
  });

  it("is deterministic: the same scenario and seed give byte-identical --json and HTML", async () => {
    const a = await fixtureRun("x64-iommu");
    const b = await fixtureRun("x64-iommu");
    expect(JSON.stringify(runToJson(a))).toBe(JSON.stringify(runToJson(b)));
    expect(renderHtmlReport([a])).toBe(renderHtmlReport([b]));
  });

  it("escapes text", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});

describe("buffers from a scenario table", () => {
  it("rows with va/logical/physical/length columns become buffers when no trace recorded them", () => {
    const r: RunRecord = { scenario: "t", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off", result: { ok: true, summary: [], tables: { commonBuffers: [{ device: "nic0", VA: "0xFFFFC000`00001000", LogicalAddress: "0x1000000", PhysicalAddress: "0x1000000", Length: 5000, cache: "cached" }] } } };
    expect(collectBuffers(r)).toEqual([{ id: 1, device: "nic0", routine: "", va: 0xc000_0000_1000, logical: 0x100_0000, length: 5000, pages: 2, runs: [[0x1000, 2]], cache: "cached", deviceMemory: false, allocatedAt: null, freedAt: null }]);
  });

  it("addresses parse from hex with ` or _ separators, decimals and numbers; anything else is NaN", () => {
    expect(parseAddress("0x0000_1000")).toBe(0x1000);
    expect(parseAddress("4096")).toBe(4096);
    expect(parseAddress(12)).toBe(12);
    expect(parseAddress("zz")).toBeNaN();
    expect(parseAddress(null)).toBeNaN();
  });
});

describe("terminal summary and --json", () => {
  it("an ok run prints OK, its header, its summary lines and its tables (golden)", () => {
    const r: RunRecord = { scenario: "demo-x", description: "", profile: builtinProfile("arm64-soc"), seed: 7, uptimeSeconds: 7200, verifier: "collect", result: { ok: true, summary: ["line one"], tables: { t: [{ a: 1, b: "x" }] } } };
    expect(renderRunSummary(r, plain)).toBe(["OK  demo-x on arm64-soc (arm64, 8 GiB RAM, seed 7, 2 h uptime, verifier collect)", "  line one", "", "  t", "  a  b", "  -  -", "  1  x", ""].join("\n"));
  });

  it("findings are counted in the status and listed; a bug check makes the run a STOP with its code, name and parameters (not ok)", () => {
    const base: RunRecord = { scenario: "s", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect", result: { ok: true, summary: [], findings: [finding(undefined, { bugCheck: [0xe6, 0x13, 1, 0, 2] })] } };
    const text = renderRunSummary(base, plain);
    expect(text.startsWith("OK, 1 finding  s on")).toBe(true);
    expect(text).toContain("1 verifier finding:");
    expect(text).toContain("CB_TAIL_ACCESS (cpu / plx9656): access past Length [0xE6, 0x13, 0x1, 0x0, 0x2]");
    const stopped: RunRecord = { ...base, result: null, error: { kind: "bugcheck", message: "*** STOP: 0xE6 (0x7, 0x1, 0x1, 0x0)", bugCheck: { code: 0xe6, params: [7, 1n, 1, 0] } } };
    expect(renderRunSummary(stopped, plain)).toContain("*** STOP: 0xE6 (0x7, 0x1, 0x1, 0x0)");
    expect(renderRunSummary(stopped, plain).startsWith("STOP 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x7, 0x1, 0x1, 0x0)  s on")).toBe(true);
    expect(renderRunsSummary([base, stopped], plain)).toContain("1 of 2 runs ok, 1 stopped by a bug check, 1 verifier finding");
    const lineOnly: RunRecord = { ...stopped, error: { kind: "bugcheck", message: "*** STOP: 0x000000E6" } };
    expect(renderRunSummary(lineOnly, plain).startsWith("STOPPED  s on")).toBe(true);
  });

  it("lists at most 10 findings in the terminal and counts them by code", () => {
    const many = Array.from({ length: 12 }, (_, i) => finding(undefined, { code: i < 11 ? "DMA_OUTSIDE_BUFFER" : "CB_TAIL_ACCESS", seq: i }));
    const r: RunRecord = { scenario: "s", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect", result: { ok: true, summary: [], findings: many } };
    const text = renderRunSummary(r, plain);
    expect(text).toContain("12 verifier findings (11 DMA_OUTSIDE_BUFFER, 1 CB_TAIL_ACCESS):");
    expect(text.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(10);
    expect(text).toContain("… and 2 more");
  });

  it("a grouped finding is shown once with its count and first and last time: terminal, --json and HTML", () => {
    const occurrences = [0, 1, 2].map((i) => ({ time: 1000 + i * 500, seq: i, message: `write ${i}`, params: { address: 0x1000 + 4 * i } }));
    const grouped = finding({ address: 0x1000 }, { code: "DMA_PHYSICAL_ADDRESS_USED", message: "write 0", count: 62, time: 1000, lastTime: 31_500, occurrences });
    const r: RunRecord = { scenario: "s", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect", result: { ok: true, summary: [], findings: [grouped] } };
    const text = renderRunSummary(r, plain);
    expect(text).toContain("1 verifier finding, 62 occurrences:");
    expect(text.split("\n").filter((l) => l.startsWith("  - "))).toEqual(["  - DMA_PHYSICAL_ADDRESS_USED (cpu / plx9656) ×62 from 1 us to 31.5 us, first: write 0"]);
    const j = JSON.parse(JSON.stringify(runToJson(r))) as { findings: Record<string, unknown>[]; findingOccurrences: number };
    expect(j.findings).toHaveLength(1);
    expect(j.findings[0]).toMatchObject({ code: "DMA_PHYSICAL_ADDRESS_USED", count: 62, time: 1000, lastTime: 31_500, occurrences: [{ time: 1000, message: "write 0", params: { address: "0x1000" } }, { seq: 1 }, { seq: 2 }] });
    expect(j.findingOccurrences).toBe(62);
    const html = renderHtmlReport([r]);
    expect(html.match(/<li><code>DMA_PHYSICAL_ADDRESS_USED/g)).toHaveLength(1);
    expect(html).toContain("×62 from 1 us to 31.5 us");
    expect(html).toContain("1 finding, 62 occurrences: 62 × DMA_PHYSICAL_ADDRESS_USED");
    expect(html).toMatch(/"findings":\[\{"code":"DMA_PHYSICAL_ADDRESS_USED","message":"write 0","count":62/);
  });

  it("findings from a user module without a count read as one occurrence each", () => {
    const plainFinding = { code: "DMA_DOUBLE_FREE", message: "freed twice", time: 5, seq: 1 } as unknown as Finding;
    const r: RunRecord = { scenario: "s", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect", result: { ok: true, summary: [], findings: [plainFinding] } };
    expect(renderRunSummary(r, plain)).toContain("1 verifier finding:\n  - DMA_DOUBLE_FREE: freed twice");
    expect(runToJson(r)["findings"]).toEqual([{ code: "DMA_DOUBLE_FREE", message: "freed twice", time: 5, seq: 1, count: 1, lastTime: 5 }]);
  });

  it("tables longer than 40 rows are named, not printed", () => {
    const rows = Array.from({ length: 41 }, (_, i) => ({ i }));
    const r: RunRecord = { scenario: "s", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off", result: { ok: true, summary: [], tables: { big: rows } } };
    expect(renderRunSummary(r, plain)).toContain("big: 41 rows (see --json or the HTML report)");
  });

  it("--json holds allocations with hex addresses (canonical VA, runs as { pfn, pages }), findings with hex bug-check codes and parameters, statistics and the trace summary", async () => {
    const r = await fixtureRun();
    const withFinding: RunRecord = { ...r, result: { ...(r.result ?? { ok: true, summary: [] }), findings: [finding({ va: 0xffff_c000_0000_0000n }, { bugCheck: [0xe6, 0x13n, 1, 0, 2] })] } };
    const j = JSON.parse(JSON.stringify(runToJson(withFinding))) as Record<string, unknown>;
    expect(j["scenario"]).toBe("fixture-buffers");
    expect(j["passed"]).toBe(false);
    expect(j["allocations"]).toHaveLength(3);
    const first = (j["allocations"] as Record<string, unknown>[])[0];
    const traced = r.trace?.allocations[0];
    expect(first).toMatchObject({ device: "plx9656", length: 5000, pages: 2, cache: "cached" });
    expect(first?.["va"]).toMatch(/^0xFFFFC[0-9A-F]{11}$/);
    expect(first?.["logical"]).toBe(`0x${traced?.logical.toString(16).toUpperCase() ?? ""}`);
    expect(first?.["physical"]).toBe(`0x${((traced?.runs[0]?.[0] ?? 0) * 4096).toString(16).toUpperCase()}`);
    expect(first?.["runs"]).toEqual(traced?.runs.map(([pfn, pages]) => ({ pfn, pages })));
    expect((j["findings"] as Record<string, unknown>[])[0]).toMatchObject({ code: "CB_TAIL_ACCESS", bugCheck: ["0xE6", "0x13", "0x1", "0x0", "0x2"], params: { va: "0xFFFFC00000000000" } });
    expect(j["trace"]).toMatchObject({ dmaWrites: 1, dmaWriteBytes: 4096, dmaReads: 1, dmaReadBytes: 16384, allocations: 3, frees: 1 });
    expect(j["stats"]).toEqual({ buffers: 3 });
  });
});

describe("timeline and fragmentation chart data", () => {
  it("DMA bytes fold into time bins per device; allocations and frees become markers", async () => {
    const r = await fixtureRun();
    if (r.trace === undefined) throw new Error("no trace");
    const t = buildTimeline(r.trace, 8);
    expect(t.devices).toEqual(["plx9656"]);
    expect(t.writeBytes[0]?.reduce((s, v) => s + v, 0)).toBe(4096);
    expect(t.readBytes[0]?.reduce((s, v) => s + v, 0)).toBe(16384);
    expect(t.markers.map((m) => m.kind)).toEqual(["allocate", "allocate", "allocate", "free"]);
    expect(() => buildTimeline(r.trace as NonNullable<typeof r.trace>, 0)).toThrow(RangeError);
  });

  it("success-rate rows become one panel per IRQL x request style with one line per uptime, sorted by size", () => {
    const rows = [
      { sizeBytes: 8192, uptime: "0s", irql: "PASSIVE_LEVEL", request: "one request", rate: 1 },
      { sizeBytes: 4096, uptime: "0s", irql: "PASSIVE_LEVEL", request: "one request", rate: 1 },
      { sizeBytes: 4096, uptime: "30s", irql: "DISPATCH_LEVEL", request: "one request", rate: 0.5 },
    ];
    expect(fragmentationPanels(rows)).toEqual([
      { title: "PASSIVE_LEVEL · one request", lines: [{ label: "uptime 0s", points: [[4096, 1], [8192, 1]] }] },
      { title: "DISPATCH_LEVEL · one request", lines: [{ label: "uptime 30s", points: [[4096, 0.5]] }] },
    ]);
    expect(fragmentationPanels(undefined)).toBeNull();
  });
});
