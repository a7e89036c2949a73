/**
 * `--json`: one JSON object per run (allocations with addresses, findings,
 * statistics). BigInts become "0x..." strings so the output is plain JSON.
 */
import type { Finding } from "../core/findings.ts";
import { collectBuffers } from "./buffers.ts";
import { type RunRecord, runFindings, runOk, runPassed } from "./run-record.ts";
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
  return jsonValue({ ...f });
}

export function runToJson(r: RunRecord): { [k: string]: Json } {
  const ram = r.profile.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0);
  const out: { [k: string]: Json } = {
    scenario: r.scenario,
    description: r.description,
    profile: { name: r.profile.name, arch: r.profile.arch, nodes: r.profile.nodes, ramBytes: ram, iommu: r.profile.iommu.enabled },
    seed: r.seed,
    uptimeSeconds: r.uptimeSeconds,
    verifier: r.verifier,
    passed: runPassed(r),
    ok: runOk(r),
    summary: jsonValue(r.result?.summary ?? []),
    stats: jsonValue(r.result?.stats ?? {}),
    tables: jsonValue(r.result?.tables ?? {}),
    allocations: jsonValue(collectBuffers(r)),
    findings: runFindings(r).map(findingToJson),
  };
  if (r.trace !== undefined) out["trace"] = jsonValue(summarizeTrace(r.trace));
  if (r.error !== undefined) out["error"] = jsonValue(r.error);
  return out;
}
