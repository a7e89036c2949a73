/**
 * The terminal summary of runs: a header line per run, the scenario's own
 * lines, its tables and its findings. Pure: colour comes in as a function
 * (the CLI passes node:util styleText, which honours NO_COLOR and pipes;
 * tests pass `plain`).
 */
import { formatSize } from "../core/address.ts";
import { bugCheckText } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { renderTable } from "./text-table.ts";
import { findingCount, type RunRecord, runFindings, runOccurrences, runOutcome } from "./run-record.ts";

/** The styles the summary uses. */
export type StyleName = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";
/** How the summary colours text: the command passes node:util styleText (which honours NO_COLOR); tests pass {@link plain}. */
export type Style = (style: StyleName, text: string) => string;
/** No colour at all. */
export const plain: Style = (_s, t) => t;

/** Longer tables are not printed in the terminal (they stay in --json and the HTML report). */
export const MAX_TERMINAL_ROWS = 40;

/** Simulated uptime, short, never rounded away: "fresh boot", "0.5 s", "90 s", "15 min", "1.5 h", "3 d" (then " uptime"). */
export function formatUptime(seconds: number): string {
  if (seconds === 0) return "fresh boot";
  const t = (x: number): string => Number(x.toPrecision(3)).toString();
  if (seconds < 120) return `${t(seconds)} s uptime`;
  if (seconds < 2 * 3600) return `${t(seconds / 60)} min uptime`;
  if (seconds < 2 * 86400) return `${t(seconds / 3600)} h uptime`;
  return `${t(seconds / 86400)} d uptime`;
}

/** Simulated time, short: 850 ns, 12.5 us, 3.2 ms, 1.5 s. */
export function formatTime(ns: number): string {
  if (!Number.isFinite(ns)) return "?";
  const t = (x: number): string => Number(x.toPrecision(4)).toString();
  if (ns < 1000) return `${t(ns)} ns`;
  if (ns < 1e6) return `${t(ns / 1e3)} us`;
  if (ns < 1e9) return `${t(ns / 1e6)} ms`;
  return `${t(ns / 1e9)} s`;
}

/** "×62 from 1.2 us to 15.3 us" (or "×3 at 5 us") for a finding that happened more than once, else "". */
export function findingRepeat(f: Finding): string {
  const n = findingCount(f);
  if (n === 1) return "";
  const last = typeof f.lastTime === "number" ? f.lastTime : f.time;
  return last === f.time ? `×${n} at ${formatTime(f.time)}` : `×${n} from ${formatTime(f.time)} to ${formatTime(last)}`;
}

/** One finding as one line: code, where, how often, message (the first occurrence's), bug check. */
export function findingLine(f: Finding): string {
  const where = [f.routine, f.device].filter((x) => x !== undefined).join(" / ");
  const bc = f.bugCheck === undefined ? "" : ` [0x${f.bugCheck[0].toString(16).toUpperCase()}, ${f.bugCheck.slice(1).map((p) => `0x${p.toString(16).toUpperCase()}`).join(", ")}]`;
  const repeat = findingRepeat(f);
  return `${f.code}${where === "" ? "" : ` (${where})`}${repeat === "" ? "" : ` ${repeat}, first`}: ${f.message}${bc}`;
}

export function runHeader(r: RunRecord): string {
  return `${r.scenario} on ${r.profile.name} (${r.profile.arch}, ${formatSize(r.profile.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0))} RAM, seed ${r.seed}, ${formatUptime(r.uptimeSeconds)}, verifier ${r.verifier})`;
}

/** Findings listed one by one in the terminal; the rest are counted by code. */
export const MAX_TERMINAL_FINDINGS = 10;

/** "OK", "OK, 2 findings", "FAILED", or the bug check a run stopped with ("STOP 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x26, …)"). */
export function runBadge(r: RunRecord): string {
  const o = runOutcome(r);
  if (o.kind === "stopped") return o.stop.code === null ? "STOPPED" : `STOP ${bugCheckText(o.stop.code, o.stop.params)}`;
  if (o.kind === "failed") return "FAILED";
  const n = runFindings(r).length;
  return n === 0 ? "OK" : `OK, ${n} finding${n === 1 ? "" : "s"}`;
}

/** "3 verifier findings" or "3 verifier findings, 70 occurrences". */
function findingsCount(findings: number, occurrences: number): string {
  return `${findings} verifier finding${findings === 1 ? "" : "s"}${occurrences > findings ? `, ${occurrences} occurrences` : ""}`;
}

/** One run: header with its status, summary lines, tables, findings, stop reason. */
export function renderRunSummary(r: RunRecord, style: Style = plain): string {
  const out: string[] = [];
  const badgeText = runBadge(r);
  const outcome = runOutcome(r);
  const badge = outcome.kind !== "ok" ? style("red", badgeText) : badgeText === "OK" ? style("green", badgeText) : style("yellow", badgeText);
  out.push(`${badge}  ${style("bold", runHeader(r))}`);
  for (const line of r.result?.summary ?? []) out.push(`  ${line}`);
  for (const [name, rows] of Object.entries(r.result?.tables ?? {})) {
    if (rows.length === 0) continue;
    if (rows.length > MAX_TERMINAL_ROWS) {
      out.push("", `  ${style("cyan", name)}: ${rows.length} rows (see --json or the HTML report)`);
      continue;
    }
    out.push("", `  ${style("cyan", name)}`);
    for (const line of renderTable(rows).trimEnd().split("\n")) out.push(`  ${line}`);
  }
  const findings = runFindings(r);
  if (findings.length > 0) {
    const byCode = new Map<string, number>();
    for (const f of findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
    const counts = [...byCode].map(([c, n]) => `${n} ${c}`).join(", ");
    out.push("", `  ${style("yellow", `${findingsCount(findings.length, runOccurrences(r))}${byCode.size > 1 || findings.length > MAX_TERMINAL_FINDINGS ? ` (${counts})` : ""}:`)}`);
    for (const f of findings.slice(0, MAX_TERMINAL_FINDINGS)) out.push(`  - ${findingLine(f)}`);
    if (findings.length > MAX_TERMINAL_FINDINGS) out.push(`  … and ${findings.length - MAX_TERMINAL_FINDINGS} more (see --json or the HTML report)`);
  }
  if (outcome.kind === "stopped") out.push(`  ${style("red", outcome.stop.message)}`);
  else if (r.error !== undefined) out.push(`  ${style("red", `error: ${r.error.message}`)}`);
  else if (outcome.kind === "failed") out.push(`  ${style("red", outcome.reason)}`);
  return out.join("\n") + "\n";
}

/** Several runs (the demo): each run, then a closing count. */
export function renderRunsSummary(runs: readonly RunRecord[], style: Style = plain): string {
  const parts = runs.map((r) => renderRunSummary(r, style));
  const outcomes = runs.map(runOutcome);
  const ok = outcomes.filter((o) => o.kind === "ok").length;
  const stopped = outcomes.filter((o) => o.kind === "stopped").length;
  const findings = runs.reduce((s, r) => s + runFindings(r).length, 0);
  const occurrences = runs.reduce((s, r) => s + runOccurrences(r), 0);
  const line = `${ok} of ${runs.length} run${runs.length === 1 ? "" : "s"} ok${stopped === 0 ? "" : `, ${stopped} stopped by a bug check`}, ${findingsCount(findings, occurrences)}`;
  parts.push(ok === runs.length ? style("green", line) + "\n" : style("red", line) + "\n");
  return parts.join("\n");
}
