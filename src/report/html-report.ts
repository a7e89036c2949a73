/**
 * The HTML report: one self-contained file (inline CSS, inline script, the
 * data as embedded JSON; no network, no server). Text parts (summaries,
 * tables, buffer list, findings) are rendered here as HTML; the canvases
 * (memory maps per NUMA node, timeline, fragmentation charts) are drawn by
 * the inlined page script from aggregated data.
 */
import { formatSize } from "../core/address.ts";
import { type BufferInfo, buffersOfFinding, collectBuffers } from "./buffers.ts";
import { fragmentationPanels } from "./fragmentation-chart.ts";
import { type MemorySnapshot, snapshotMemory } from "./memory-snapshot.ts";
import { reportPage } from "./page/page-script.ts";
import { REPORT_CSS } from "./page/page-style.ts";
import { findingCount, type RunRecord, runFindings, runMachine, runOccurrences, runOk, runOutcome } from "./run-record.ts";
import { findingLine, runBadge, runHeader } from "./summary.ts";
import { cellText } from "./text-table.ts";
import { buildTimeline } from "./timeline.ts";

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** The page title (default "dmasim report"). */
  readonly title?: string;
  /** Shown in the footer (the package version). */
  readonly version?: string;
  /** Cells per node in the memory maps (default 8192). */
  readonly mapCells?: number;
}

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

/** JSON safe inside <script>: no "</script>" or "<!--" can appear. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `0x${x.toString(16).toUpperCase()}` : x)).replace(/</g, "\\u003c");
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(12, "0")}`;
}

/** Simulated time, short: 0 ns, 12.5 µs, 3.2 ms. */
function timeText(ns: number): string {
  if (ns >= 1e9) return `${Number((ns / 1e9).toPrecision(4))} s`;
  if (ns >= 1e6) return `${Number((ns / 1e6).toPrecision(4))} ms`;
  if (ns >= 1e3) return `${Number((ns / 1e3).toPrecision(4))} µs`;
  return `${Math.round(ns)} ns`;
}

function vaText(va: number): string {
  const s = va >= 0x8000_0000_0000 ? `FFFF${va.toString(16).toUpperCase().padStart(12, "0")}` : va.toString(16).toUpperCase().padStart(16, "0");
  return `0x${s.slice(0, 8)}\`${s.slice(8)}`;
}

function table(rows: readonly Readonly<Record<string, unknown>>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td${typeof r[c] === "number" ? ' class="num"' : ""}>${escapeHtml(cellText(r[c] as never))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A run whose buffers were not traced one by one, with the counts its scenario kept instead ("allocationCounts"). */
function allocationCounts(r: RunRecord): string | null {
  const rows = r.result?.tables?.["allocationCounts"] ?? [];
  if (rows.length === 0) return null;
  const total = rows.reduce((n, x) => n + (typeof x["calls"] === "number" ? x["calls"] : 0), 0);
  const ok = rows.reduce((n, x) => n + (typeof x["succeeded"] === "number" ? x["succeeded"] : 0), 0);
  return `<p class="muted">This run made ${total} allocation calls (${ok} succeeded); each buffer was freed at once, so they are counted here, by IRQL and request size, rather than listed and drawn one by one.</p>\n${table(rows.map((x) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== "sizeBytes"))))}`;
}

function bufferTable(buffers: readonly BufferInfo[], findingsOf: Map<number, number[]>, counts: string | null): string {
  if (buffers.length === 0) return counts ?? `<p class="muted">No common buffers were recorded in this run.</p>`;
  const rows = buffers
    .map((b) => {
      const phys = b.runs.length === 0 ? "?" : b.runs.length === 1 ? hex((b.runs[0] as readonly [number, number])[0] * 4096) : `${hex((b.runs[0] as readonly [number, number])[0] * 4096)} (+${b.runs.length - 1} runs)`;
      const f = findingsOf.get(b.id)?.length ?? 0;
      return `<tr data-buffer="${b.id}" tabindex="0"><td class="num">${b.id}</td><td><span class="swatch" data-owner="${escapeHtml(b.device)}"></span>${escapeHtml(b.device)}</td><td class="addr">${vaText(b.va)}</td><td class="addr">${b.logical < 0 ? "?" : hex(b.logical)}</td><td class="addr">${phys}</td><td class="num">${b.length}</td><td>${escapeHtml(b.cache || "?")}${b.deviceMemory ? " (Device)" : ""}</td><td>${b.freedAt === null ? "live" : "freed"}</td><td class="num">${f === 0 ? "" : `<span class="badge">${f}</span>`}</td></tr>`;
    })
    .join("\n");
  return `<table class="buffers"><thead><tr><th>#</th><th>Owner</th><th>Virtual address</th><th>Logical address</th><th>Physical address</th><th>Length</th><th>Cache</th><th>State</th><th>Findings</th></tr></thead><tbody>\n${rows}\n</tbody></table><div class="buffer-details" hidden></div>`;
}

const LEGEND: readonly [string, string][] = [
  ["free", "rgb(226,232,240)"],
  ["movable (file cache, user pages)", "rgb(134,188,134)"],
  ["pool / unmovable", "rgb(196,142,92)"],
  ["driver contiguous", "rgb(120,144,220)"],
  ["reserved", "rgb(90,90,100)"],
  ["ACPI", "rgb(150,110,170)"],
  ["MMIO", "rgb(60,60,70)"],
  ["hole", "rgb(30,30,34)"],
];

function badgeHtml(r: RunRecord): string {
  const text = runBadge(r);
  const cls = runOutcome(r).kind !== "ok" ? "fail" : text === "OK" ? "pass" : "warn";
  return `<span class="badge ${cls}">${escapeHtml(text)}</span>`;
}

/** Buffers listed and drawn in the page; --json has all of them. */
const MAX_HTML_BUFFERS = 1000;

/** Findings listed in the page; the rest are counted. */
const MAX_HTML_FINDINGS = 200;

function runSection(r: RunRecord, index: number, opts: HtmlReportOptions): { html: string; data: unknown; parts: [string, string][] } {
  const id = `run-${index}`;
  const all = collectBuffers(r);
  // A run with very many buffers (probe allocations) keeps the page light: live ones first, then the earliest freed.
  const buffers = all.length <= MAX_HTML_BUFFERS ? all : [...all.filter((b) => b.freedAt === null), ...all.filter((b) => b.freedAt !== null)].slice(0, MAX_HTML_BUFFERS).sort((a, b) => a.id - b.id);
  const findings = runFindings(r);
  const findingBuffers = findings.map((f) => buffersOfFinding(f, buffers));
  const findingsOf = new Map<number, number[]>();
  findingBuffers.forEach((ids, fi) => ids.forEach((b) => findingsOf.set(b, [...(findingsOf.get(b) ?? []), fi])));
  const machine = runMachine(r);
  const memory: MemorySnapshot | null = machine === undefined ? null : snapshotMemory(machine, opts.mapCells ?? 8192);
  const timeline = r.trace === undefined || r.trace.count === 0 ? null : buildTimeline(r.trace);
  // A run whose events all happened at one instant (driver code takes no simulated time) has no time axis to draw.
  const instant = timeline !== null && timeline.end <= timeline.start;
  const tables = Object.entries(r.result?.tables ?? {}).filter(([, rows]) => rows.length > 0);
  const frag = fragmentationPanels(r.result?.tables?.["successRates"]);
  const parts: string[] = [];
  parts.push(`<section class="run" id="${id}">`);
  parts.push(`<h2>${badgeHtml(r)} ${escapeHtml(runHeader(r))}</h2>`);
  if (r.description !== "") parts.push(`<p class="muted">${escapeHtml(r.description)}</p>`);
  const summary = r.result?.summary ?? [];
  if (summary.length > 0) parts.push(`<pre class="summary">${escapeHtml(summary.join("\n"))}</pre>`);
  const outcome = runOutcome(r);
  if (outcome.kind === "stopped") parts.push(`<p class="stop">${escapeHtml(outcome.stop.message)}</p>`);
  else if (r.error !== undefined) parts.push(`<p class="stop">${escapeHtml(r.error.message)}</p>`);
  parts.push(`<h3 id="${id}-memory">Physical memory</h3>`);
  if (memory === null) parts.push(`<p class="muted">The scenario did not return its machine, so there is no memory map.</p>`);
  else {
    parts.push(`<p class="muted">One map per NUMA node, address increasing left to right, top to bottom. Wheel or +/− to zoom, drag to pan, click a buffer marker for its addresses. ${escapeHtml(r.profile.name)}: ${formatSize(machine?.map.totalRamBytes ?? 0)} RAM.</p>`);
    parts.push(`<div class="legend">${LEGEND.map(([n, c]) => `<span><i style="background:${c}"></i>${escapeHtml(n)}</span>`).join("")}<span><i class="cb"></i>common buffer (colour = owner)</span></div>`);
    parts.push(`<div class="maps"></div>`);
  }
  parts.push(`<h3 id="${id}-buffers">Common buffers</h3>`, bufferTable(buffers, findingsOf, allocationCounts(r)));
  if (all.length > buffers.length) parts.push(`<p class="muted">${buffers.length} of ${all.length} buffers shown (all of them are in <code>--json</code>).</p>`);
  parts.push(`<h3 id="${id}-traffic">DMA traffic and interrupts</h3>`);
  if (r.trace === undefined) parts.push(`<p class="muted timeline-note">No trace was recorded for this run.</p>`);
  else if (timeline === null) parts.push(`<p class="muted timeline-note">Nothing was traced in this run: no device access, interrupt or common-buffer allocation on the traced machine.</p>`);
  else if (instant) {
    const s = timeline.summary;
    parts.push(`<p class="muted timeline-note">No timeline: all ${s.events} traced events (${s.dmaWrites} device writes, ${s.dmaReads} device reads, ${s.interrupts} interrupts, ${s.allocations} allocations, ${s.frees} frees) happened at ${escapeHtml(timeText(timeline.start))} of simulated time. Driver code runs in zero simulated time; only devices and timers move the clock.</p>`);
  } else {
    const s = timeline.summary;
    parts.push(`<p class="muted">${s.dmaWrites} device writes (${formatSize(s.dmaWriteBytes)}), ${s.dmaReads} device reads (${formatSize(s.dmaReadBytes)}), ${s.interrupts} interrupts, ${s.faults} faults, ${s.allocations} allocations, ${s.frees} frees. Bars: bytes per time slice (dark = written by the device, light = read); black ticks: interrupts; triangles: allocation (green), free (grey), fault (red).</p>`);
    parts.push(`<div class="legend">${timeline.devices.map((d) => `<span><span class="swatch" data-owner="${escapeHtml(d)}"></span>${escapeHtml(d)}</span>`).join("")}</div>`);
    parts.push(`<canvas class="timeline" width="1024" height="160"></canvas>`);
  }
  if (frag !== null) {
    parts.push(`<h3 id="${id}-fragmentation">Fragmentation: common-buffer success rate by request size</h3>`);
    parts.push(`<div class="frags">${frag.map(() => `<canvas class="frag" width="500" height="240"></canvas>`).join("")}</div>`);
  }
  parts.push(`<h3 id="${id}-findings">Verifier findings</h3>`);
  if (findings.length === 0) parts.push(`<p class="muted">None${r.verifier === "off" ? " (the verifier was off)" : ""}.</p>`);
  else {
    const byCode = new Map<string, number>();
    for (const f of findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + findingCount(f));
    const occurrences = runOccurrences(r);
    parts.push(`<p class="muted">${findings.length} finding${findings.length === 1 ? "" : "s"}${occurrences > findings.length ? `, ${occurrences} occurrences` : ""}: ${[...byCode].map(([c, n]) => `${n} × ${escapeHtml(c)}`).join(", ")}</p>`);
    parts.push(`<ol class="findings">`);
    findings.slice(0, MAX_HTML_FINDINGS).forEach((f, fi) => {
      const links = (findingBuffers[fi] ?? []).map((b) => `<a href="#${id}" data-buffer="${b}">buffer #${b}</a>`).join(" ");
      parts.push(`<li><code>${escapeHtml(findingLine(f))}</code>${links === "" ? "" : ` — ${links}`}</li>`);
    });
    parts.push(`</ol>`);
    if (findings.length > MAX_HTML_FINDINGS) parts.push(`<p class="muted">… and ${findings.length - MAX_HTML_FINDINGS} more (all of them are in <code>--json</code>).</p>`);
  }
  if (tables.length > 0) {
    parts.push(`<details id="${id}-tables"><summary>Scenario tables</summary>`);
    for (const [name, rows] of tables) parts.push(`<h4>${escapeHtml(name)}</h4>`, table(rows));
    parts.push(`</details>`);
  }
  parts.push(`</section>`);
  const data = {
    id,
    memory,
    buffers: buffers.map((b) => ({ ...b, findings: findingsOf.get(b.id) ?? [] })),
    timeline: instant ? null : timeline,
    fragmentation: frag,
    findings: findings.map((f, fi) => ({ code: f.code, message: f.message, count: findingCount(f), buffers: findingBuffers[fi] ?? [] })),
  };
  const toc: [string, string][] = [["memory", "Physical memory"], ["buffers", "Common buffers"], ["traffic", "DMA traffic and interrupts"]];
  if (frag !== null) toc.push(["fragmentation", "Fragmentation"]);
  toc.push(["findings", `Verifier findings (${findings.length})`]);
  if (tables.length > 0) toc.push(["tables", "Scenario tables"]);
  return { html: parts.join("\n"), data, parts: toc };
}

/** The table of contents of a page with several runs: each run, and under it its sections. */
function tableOfContents(runs: readonly RunRecord[], sections: readonly { readonly parts: readonly [string, string][] }[]): string {
  if (runs.length < 2) return "";
  const items = runs.map((r, i) => {
    const sub = (sections[i]?.parts ?? []).map(([anchor, name]) => `<li><a href="#run-${i}-${anchor}">${escapeHtml(name)}</a></li>`).join("");
    return `<li><a href="#run-${i}">${badgeHtml(r)} ${escapeHtml(r.scenario)} · ${escapeHtml(r.profile.name)}</a><ol class="sub">${sub}</ol></li>`;
  });
  return `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${items.join("\n")}</ol></nav>`;
}

/**
 * The whole report as one HTML string: a self-contained page (inline style,
 * script and data) with, per run, the memory maps, the common buffers, the
 * DMA timeline, fragmentation charts and the verifier findings, and a table
 * of contents when there are several runs. Pure: the command writes it.
 *
 * @example
 * ```ts
 * import { renderHtmlReport, builtinProfile, bootMachine, type RunRecord } from "dmasim";
 * const run: RunRecord = { scenario: "empty", description: "", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off",
 *   result: { ok: true, summary: [], machine: bootMachine("x64-desktop") } };
 * const html = renderHtmlReport([run]);
 * console.log(html.startsWith("<!doctype html>"), html.includes("<canvas") || html.includes('class="maps"')); // true true
 * ```
 */
export function renderHtmlReport(runs: readonly RunRecord[], opts: HtmlReportOptions = {}): string {
  const title = opts.title ?? "dmasim report";
  const sections = runs.map((r, i) => runSection(r, i, opts));
  const ok = runs.filter(runOk).length;
  const nav = tableOfContents(runs, sections);
  // __name: some TypeScript runners (tsx, esbuild keepNames) wrap functions in a helper the page does not have.
  const script = `var __name = function (f) { return f; };\n(${reportPage.toString()})();`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${ok} of ${runs.length} run${runs.length === 1 ? "" : "s"} ok. A simulated Windows DMA common-buffer subsystem: where the buffers landed in physical memory, what the devices did with them, and what the verifier saw.</p>
${nav}</header>
<main>
${sections.map((s) => s.html).join("\n")}
</main>
<footer>dmasim${opts.version === undefined ? "" : ` ${escapeHtml(opts.version)}`} · self-contained report (no network)</footer>
<script id="dmasim-data" type="application/json">${scriptJson({ runs: sections.map((s) => s.data) })}</script>
<script>${script.replace(/<\/script/gi, "<\\/script")}</script>
</body>
</html>
`;
}
