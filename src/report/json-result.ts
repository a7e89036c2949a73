/**
 * `--json`: one JSON object per run (allocations with addresses, findings,
 * statistics). BigInts become "0x..." strings so the output is plain JSON.
 * Each finding is grouped: `count`, `time` (first) and `lastTime`, and
 * `occurrences` (the first ones, each with its time, message and params).
 * `outcome` is "ok", "failed" or "stopped"; a stop adds `stop` (the bug
 * check's code, name and parameters, and the index of the finding that
 * raised it).
 */
import type { Finding } from "../core/findings.ts";
import { collectBuffers } from "./buffers.ts";
import { findingCount, type RunRecord, runFindings, runOccurrences, runOutcome, runPassed } from "./run-record.ts";
import { summarizeTrace } from "./timeline.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function jsonValue(v: unknown): Json {
  if (typeof v === "bigint") return `0x${v.toString(16).toUpperCase()}`;
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === "object") {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = jsonValue(x);
    return o;
  }
  return typeof v === "function" ? "[function]" : typeof v === "symbol" ? v.toString() : null;
}

export function findingToJson(f: Finding): Json {
  return jsonValue({ ...f, count: findingCount(f), lastTime: typeof f.lastTime === "number" ? f.lastTime : f.time });
}

export function runToJson(r: RunRecord): { [k: string]: Json } {
  const ram = r.profile.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0);
  const outcome = runOutcome(r);
  const findings = runFindings(r);
  const out: { [k: string]: Json } = {
    scenario: r.scenario,
    description: r.description,
    profile: { name: r.profile.name, arch: r.profile.arch, nodes: r.profile.nodes, ramBytes: ram, iommu: r.profile.iommu.enabled },
    seed: r.seed,
    uptimeSeconds: r.uptimeSeconds,
    verifier: r.verifier,
    outcome: outcome.kind,
    passed: runPassed(r),
    ok: outcome.kind === "ok",
    summary: jsonValue(r.result?.summary ?? []),
    stats: jsonValue(r.result?.stats ?? {}),
    tables: jsonValue(r.result?.tables ?? {}),
    allocations: jsonValue(collectBuffers(r)),
    findings: findings.map(findingToJson),
    findingOccurrences: runOccurrences(r),
  };
  if (outcome.kind === "stopped") {
    const s = outcome.stop;
    out["stop"] = jsonValue({ code: s.code === null ? null : `0x${s.code.toString(16).toUpperCase()}`, name: s.name, params: s.params.map((p) => `0x${p.toString(16).toUpperCase()}`), message: s.message, finding: s.finding === undefined ? null : findings.indexOf(s.finding) });
  }
  if (r.trace !== undefined) out["trace"] = jsonValue(summarizeTrace(r.trace));
  if (r.error !== undefined) out["error"] = jsonValue(r.error);
  return out;
}
