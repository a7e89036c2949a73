/**
 * The terminal summary of runs: a header line per run, the scenario's own
 * lines, its tables and its findings. Pure: colour comes in as a function
 * (the CLI passes node:util styleText, which honours NO_COLOR and pipes;
 * tests pass `plain`).
 */
import { formatSize } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { renderTable } from "./text-table.ts";
import { type RunRecord, runFindings, runOk } from "./run-record.ts";

export type StyleName = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";
export type Style = (style: StyleName, text: string) => string;
export const plain: Style = (_s, t) => t;

/** Longer tables are not printed in the terminal (they stay in --json and the HTML report). */
export const MAX_TERMINAL_ROWS = 40;

function formatUptime(seconds: number): string {
  if (seconds === 0) return "fresh boot";
  const h = seconds / 3600;
  return h >= 1 ? `${Number.isInteger(h) ? h : h.toFixed(1)} h uptime` : `${Math.round(seconds)} s uptime`;
}

/** Convert a finding's bigints and numbers into short readable text. */
export function findingLine(f: Finding): string {
  const where = [f.routine, f.device].filter((x) => x !== undefined).join(" / ");
  const bc = f.bugCheck === undefined ? "" : ` [0x${f.bugCheck[0].toString(16).toUpperCase()}, ${f.bugCheck.slice(1).map((p) => `0x${p.toString(16).toUpperCase()}`).join(", ")}]`;
  return `${f.code}${where === "" ? "" : ` (${where})`}: ${f.message}${bc}`;
}

export function runHeader(r: RunRecord): string {
  return `${r.scenario} on ${r.profile.name} (${r.profile.arch}, ${formatSize(r.profile.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0))} RAM, seed ${r.seed}, ${formatUptime(r.uptimeSeconds)}, verifier ${r.verifier})`;
}

/** Findings listed one by one in the terminal; the rest are counted by code. */
export const MAX_TERMINAL_FINDINGS = 10;

/** "OK", "OK, 2 findings" or "FAILED" for a run. */
export function runBadge(r: RunRecord): string {
  const n = runFindings(r).length;
  if (!runOk(r)) return "FAILED";
  return n === 0 ? "OK" : `OK, ${n} finding${n === 1 ? "" : "s"}`;
}

/** One run: header with its status, summary lines, tables, findings, stop reason. */
export function renderRunSummary(r: RunRecord, style: Style = plain): string {
  const out: string[] = [];
  const badgeText = runBadge(r);
  const badge = !runOk(r) ? style("red", badgeText) : badgeText === "OK" ? style("green", badgeText) : style("yellow", badgeText);
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
    out.push("", `  ${style("yellow", `${findings.length} verifier finding${findings.length === 1 ? "" : "s"}${byCode.size > 1 || findings.length > MAX_TERMINAL_FINDINGS ? ` (${counts})` : ""}:`)}`);
    for (const f of findings.slice(0, MAX_TERMINAL_FINDINGS)) out.push(`  - ${findingLine(f)}`);
    if (findings.length > MAX_TERMINAL_FINDINGS) out.push(`  … and ${findings.length - MAX_TERMINAL_FINDINGS} more (see --json or the HTML report)`);
  }
  if (r.error !== undefined) out.push(`  ${style("red", r.error.kind === "bugcheck" ? r.error.message : `error: ${r.error.message}`)}`);
  else if (r.result !== null && !r.result.ok) out.push(`  ${style("red", "the scenario did not complete what it set out to do")}`);
  return out.join("\n") + "\n";
}

/** Several runs (the demo): each run, then a closing count. */
export function renderRunsSummary(runs: readonly RunRecord[], style: Style = plain): string {
  const parts = runs.map((r) => renderRunSummary(r, style));
  const ok = runs.filter(runOk).length;
  const findings = runs.reduce((s, r) => s + runFindings(r).length, 0);
  const line = `${ok} of ${runs.length} run${runs.length === 1 ? "" : "s"} ok, ${findings} verifier finding${findings === 1 ? "" : "s"}`;
  parts.push(ok === runs.length ? style("green", line) + "\n" : style("red", line) + "\n");
  return parts.join("\n");
}
