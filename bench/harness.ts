/**
 * The benchmark harness. Benchmarks measure performance; tests never time anything.
 *
 * Adding a group: create bench/groups/<group>.ts with
 *
 *   import type { BenchGroup } from "../harness.ts";
 *   const group: BenchGroup = {
 *     name: "mygroup",
 *     async run() {
 *       return [{ group: "mygroup", name: "mygroup.copy_gbps", value: 12.3, unit: "GB/s", target: ">= 10" }];
 *     },
 *   };
 *   export default group;
 *
 * Every .ts file in bench/groups/ is a group (its default export). Names are
 * "<group>.<metric>[_<unit>]"; `target` is "<= x" or ">= x" when the project
 * has a goal for the figure. Groups print progress to stderr only: stdout is
 * the report. Work that must not share a process with other groups (RSS
 * measurements) runs in a child process (see groups/boot.ts).
 *
 *   npm run bench                     all groups, a table
 *   npm run bench -- --json alloc     one group, one JSON object on stdout:
 *   { "machine": { node, cpus, cpuModel, totalMemGiB, platform }, "results": [BenchResult, ...] }
 */
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchResult {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** "<= 2", ">= 250000": the goal this figure is held to, if any. */
  target?: string;
}

export interface BenchGroup {
  name: string;
  run: () => Promise<BenchResult[]>;
}

export interface MachineInfo {
  node: string;
  cpus: number;
  cpuModel: string;
  totalMemGiB: number;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The p-th percentile (0..100) of an ascending-sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Whether a value meets a "<= x" / ">= x" / "< x" / "> x" target; undefined without one. */
export function meetsTarget(value: number, target: string | undefined): boolean | undefined {
  if (target === undefined) return undefined;
  const m = /^\s*(<=|>=|<|>)\s*([0-9.eE+-]+)\s*$/.exec(target);
  if (m === null) return undefined;
  const t = Number(m[2]);
  const op = m[1];
  if (op === "<=") return value <= t;
  if (op === ">=") return value >= t;
  if (op === "<") return value < t;
  return value > t;
}

/** Round for display/JSON: 3 significant digits for small values, whole numbers for large. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  if (Math.abs(v) >= 1000) return Math.round(v);
  return Number(v.toPrecision(3));
}

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    const ok = meetsTarget(r.value, r.target);
    return [r.name, String(round(r.value)), r.unit, r.target ?? "", ok === undefined ? "" : ok ? "ok" : "MISS"];
  });
  const head = ["metric", "value", "unit", "target", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Every group in a directory: each .ts file's default export. */
export async function discoverGroups(dir: string): Promise<BenchGroup[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort();
  const groups: BenchGroup[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: BenchGroup };
    const g = mod.default;
    if (g === undefined || typeof g.name !== "string" || typeof g.run !== "function") throw new TypeError(`bench/groups/${f} must export default { name, run }`);
    groups.push(g);
  }
  return groups;
}

/** The `npm run bench` entry: [--json] [GROUP...]. */
export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const wanted = argv.filter((a) => !a.startsWith("--"));
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "groups");
  const all = await discoverGroups(dir);
  const unknown = wanted.filter((w) => !all.some((g) => g.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench group(s): ${unknown.join(", ")} (groups: ${all.map((g) => g.name).join(", ")})\n`);
    return 2;
  }
  const groups = wanted.length === 0 ? all : all.filter((g) => wanted.includes(g.name));
  const results: BenchResult[] = [];
  for (const g of groups) {
    process.stderr.write(`bench: ${g.name}...\n`);
    const t0 = performance.now();
    const rs = await g.run();
    for (const r of rs) results.push({ ...r, value: round(r.value) });
    process.stderr.write(`bench: ${g.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ machine: machineInfo(), results }, null, 2)}\n`);
  else {
    const m = machineInfo();
    process.stdout.write(`${m.cpuModel}, ${m.cpus} CPUs, ${m.totalMemGiB} GiB, Node ${m.node}, ${m.platform}\n\n${formatTable(results)}\n`);
  }
  return 0;
}
