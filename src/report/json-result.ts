/**
 * `--json`: one JSON object per run (allocations with addresses, findings,
 * statistics); the shape is `dmasim schema result` (result-schema.ts) and
 * docs/json-output.md.
 *
 * Addresses are hex strings, so 64-bit values survive any JSON reader:
 * "0x" and upper-case digits, no padding; kernel VAs in canonical 64-bit
 * form ("0xFFFFC00000001000", what WinDbg shows as 0xFFFFC000`00001000).
 * Physical pages are runs `{ pfn, pages }`. Bug-check codes and parameters
 * are hex strings too, wherever they appear. Times are simulated ns.
 * Each finding is grouped: `count`, `time` (first) and `lastTime`, and
 * `occurrences` (the first ones, each with its time, message and params).
 * `outcome` is "ok", "failed" or "stopped"; a stop adds `stop` (the bug
 * check's code, name and parameters, and the index of the finding that
 * raised it).
 */
import type { BugCheckParameter } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { type BufferInfo, collectBuffers } from "./buffers.ts";
import { findingCount, type RunRecord, runFindings, runOccurrences, runOutcome, runPassed } from "./run-record.ts";
import { summarizeTrace } from "./timeline.ts";

/** A JSON value, as `runToJson` builds them. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** An address as --json writes it: "0x" and upper-case hex digits ("0x1000000"). */
export function hexJson(v: number | bigint): string {
  return `0x${v.toString(16).toUpperCase()}`;
}

/** A kernel VA as --json writes it: canonical, 16 digits ("0xFFFFC00000001000"). dmasim keeps VAs as their low 48 bits. */
export function vaJson(va: number | bigint): string {
  const v = BigInt(va);
  const canonical = v >= 0x8000_0000_0000n && v < 0x1_0000_0000_0000n ? v | 0xffff_0000_0000_0000n : v;
  return `0x${canonical.toString(16).toUpperCase().padStart(16, "0")}`;
}

/** A bug check's code and parameters, each as a hex string. */
function bugCheckJson(values: readonly BugCheckParameter[]): string[] {
  return values.map((v) => hexJson(v));
}

/** Finding parameters that hold addresses: written as hex strings (VAs canonical). */
const VA_PARAMS = new Set(["va", "currentVa"]);
const ADDRESS_PARAMS = new Set(["address", "logical", "physical", "adapter", "line", "truncatedFrom", "allocatedLogical", "fromPhysical", "toPhysical"]);

function paramsJson(params: object | undefined): Json {
  if (params === undefined) return null;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if ((typeof v === "number" && Number.isInteger(v) && v >= 0) || typeof v === "bigint") {
      if (VA_PARAMS.has(k)) out[k] = vaJson(v);
      else if (ADDRESS_PARAMS.has(k)) out[k] = hexJson(v);
      else out[k] = typeof v === "bigint" ? hexJson(v) : v;
    } else out[k] = jsonValue(v);
  }
  return out;
}

/**
 * A common buffer as --json and the trace file write it: `va` canonical,
 * `logical` (null when unknown) and `physical` (its first byte) as hex,
 * `runs` as `{ pfn, pages }` in VA order, times in ns.
 */
export function allocationJson(b: BufferInfo): { [k: string]: Json } {
  const first = b.runs[0];
  return {
    id: b.id,
    device: b.device,
    routine: b.routine,
    va: vaJson(b.va),
    logical: b.logical < 0 ? null : hexJson(b.logical),
    physical: first === undefined ? null : hexJson(first[0] * 4096),
    length: b.length,
    pages: b.pages,
    runs: b.runs.map(([pfn, pages]) => ({ pfn, pages })),
    cache: b.cache,
    deviceMemory: b.deviceMemory,
    allocatedAt: b.allocatedAt,
    freedAt: b.freedAt,
  };
}

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

/** A grouped finding as --json writes it (bug checks and addresses as hex strings). */
export function findingToJson(f: Finding): Json {
  const out = jsonValue({ ...f, count: findingCount(f), lastTime: typeof f.lastTime === "number" ? f.lastTime : f.time }) as { [k: string]: Json };
  if (f.bugCheck !== undefined) out["bugCheck"] = bugCheckJson(f.bugCheck);
  if (f.params !== undefined) out["params"] = paramsJson(f.params);
  if (f.occurrences !== undefined) out["occurrences"] = f.occurrences.map((o) => {
    const j = jsonValue(o) as { [k: string]: Json };
    if (o.bugCheck !== undefined) j["bugCheck"] = bugCheckJson(o.bugCheck);
    if (o.params !== undefined) j["params"] = paramsJson(o.params);
    return j;
  });
  return out;
}

/**
 * One run as `dmasim run --json` prints it (the shape: `dmasim schema result`).
 *
 * @example
 * ```ts
 * import { runToJson, type RunRecord, builtinProfile, bootMachine } from "dmasim";
 * const record: RunRecord = { scenario: "empty", description: "nothing", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "off",
 *   result: { ok: true, summary: ["done"], machine: bootMachine("x64-desktop") } };
 * const j = runToJson(record);
 * console.log(j["outcome"], j["passed"], j["allocations"]); // ok true []
 * ```
 */
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
    allocations: collectBuffers(r).map(allocationJson),
    findings: findings.map(findingToJson),
    findingOccurrences: runOccurrences(r),
  };
  if (outcome.kind === "stopped") {
    const s = outcome.stop;
    out["stop"] = jsonValue({ code: s.code === null ? null : hexJson(s.code), name: s.name, params: bugCheckJson(s.params), message: s.message, finding: s.finding === undefined ? null : findings.indexOf(s.finding) });
  }
  if (r.trace !== undefined) out["trace"] = jsonValue(summarizeTrace(r.trace));
  if (r.error !== undefined) {
    const e = r.error;
    out["error"] = jsonValue({ kind: e.kind, message: e.message, ...(e.bugCheck === undefined ? {} : { bugCheck: { code: hexJson(e.bugCheck.code), params: bugCheckJson(e.bugCheck.params) } }) });
  }
  return out;
}
