/**
 * The benchmark harness. Benchmarks measure performance; tests never time anything.
 *
 * `npm run bench` builds the package (dist/), compiles the bench
 * (bench/tsconfig.json, to dist-bench/) and runs it under plain node: the
 * groups' imports of the sources resolve to the built package (see
 * dist-hook.ts), so the figures are those of what ships, without a loader
 * (tsx changes heap layout enough to slow TypedArray.set into a 64 KiB array
 * 15-fold). Run from the sources (`tsx bench/index.ts`) a run says so.
 *
 * Adding a group: create bench/groups/<group>.ts with
 *
 *   import type { BenchGroup } from "../harness.ts";
 *   const group: BenchGroup = {
 *     name: "mygroup",
 *     async run() {
 *       return [{ group: "mygroup", name: "mygroup.copy_gbps", value: 12.3, unit: "GB/s", target: ">= 10", against: "what it is compared with" }];
 *     },
 *   };
 *   export default group;
 *
 * Every module in bench/groups/ is a group (its default export). Names are
 * "<group>.<metric>[_<unit>]"; `target` is "<= x" or ">= x" when the project
 * has a goal for the figure, `against` says what it is measured against, and
 * `maxPlausible` marks a ratio to a bare-copy baseline: above it the
 * baseline is broken (the simulated path cannot beat a bare copy), and the
 * figure is reported as such, not as a result. Groups print progress to
 * stderr only: stdout is the report. Work that must not share a process with
 * other groups (RSS measurements) runs in a child process (childArgs; see
 * groups/boot.ts).
 *
 *   npm run bench                      all groups, a table
 *   npm run -s bench -- --json alloc   one group, one JSON object on stdout (-s: no npm banner)
 *   npm run bench --json alloc         the same (npm's own --json also drops its banner)
 *   { "machine": { node, cpus, cpuModel, totalMemGiB, platform, load1, runtime }, "results": [BenchResult & { status }, ...] }
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
  /** What the figure is measured against (its baseline or workload), for the table and the README. */
  against?: string;
  /** A ratio above this is physically impossible: a broken baseline, not a result. */
  maxPlausible?: number;
}

/** ok / miss against the goal; "context" without one; "broken-baseline" when the ratio is impossible. */
export type BenchStatus = "ok" | "miss" | "context" | "broken-baseline";

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
  /** One-minute load average when the run ended (other processes slow wall-clock figures). */
  load1: number;
  /** "node (dist/)" when compiled (npm run bench), "tsx (sources)" otherwise. */
  runtime: string;
}

/** True when this module runs compiled (dist-bench/), not through a TypeScript loader. */
export const COMPILED = import.meta.url.endsWith(".js");

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    load1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    runtime: COMPILED ? "node (dist/)" : "tsx (sources)",
  };
}

/**
 * Node arguments to run a bench module in a child process the way this one
 * runs: compiled with the dist resolve hook, or through tsx from the sources.
 */
export function childArgs(moduleUrl: string, ...args: string[]): string[] {
  const file = fileURLToPath(moduleUrl);
  if (COMPILED) return ["--import", new URL("./use-dist.js", import.meta.url).href, file, ...args];
  return ["--import", "tsx", file, ...args];
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

export function statusOf(r: BenchResult): BenchStatus {
  if (r.maxPlausible !== undefined && !(r.value <= r.maxPlausible)) return "broken-baseline";
  const ok = meetsTarget(r.value, r.target);
  if (ok === undefined) return "context";
  return ok ? "ok" : "miss";
}

/** Round for display/JSON: 3 significant digits for small values, whole numbers for large. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  if (Math.abs(v) >= 1000) return Math.round(v);
  return Number(v.toPrecision(3));
}

const STATUS_TEXT: Record<BenchStatus, string> = { ok: "ok", miss: "MISS", context: "", "broken-baseline": "BROKEN BASELINE" };

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    const s = statusOf(r);
    const value = s === "broken-baseline" ? `(${round(r.value)})` : String(round(r.value));
    const goal = r.target ?? (s === "broken-baseline" ? "" : "-");
    const status = s === "broken-baseline" ? `BROKEN BASELINE: > ${r.maxPlausible ?? ""} is impossible, not a result` : STATUS_TEXT[s];
    return [r.name, value, r.unit, goal, status, r.against ?? ""];
  });
  const head = ["metric", "value", "unit", "goal", "", "measured against"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Every group in a directory: each module's default export (.js when compiled, .ts from the sources). */
export async function discoverGroups(dir: string): Promise<BenchGroup[]> {
  const ext = COMPILED ? ".js" : ".ts";
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts") && !f.endsWith(`.test${ext}`))
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

export interface MainIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** The groups' directory (default: groups/ beside this module). */
  readonly dir?: string;
  /** npm's own --json (npm_config_json), which asks for JSON as --json does. */
  readonly npmJson?: boolean;
}

const defaultIo: MainIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  npmJson: process.env.npm_config_json === "true",
};

/** The `npm run bench` entry: [--json] [GROUP...]. Returns the exit code. */
export async function main(argv: readonly string[], io: MainIo = defaultIo): Promise<number> {
  const json = argv.includes("--json") || io.npmJson === true;
  const unknownOptions = argv.filter((a) => a.startsWith("--") && a !== "--json");
  if (unknownOptions.length > 0) {
    io.stderr(`unknown bench option(s): ${unknownOptions.join(", ")} (options: --json)\n`);
    return 2;
  }
  const wanted = argv.filter((a) => !a.startsWith("--"));
  const dir = io.dir ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "groups");
  const all = await discoverGroups(dir);
  const unknown = wanted.filter((w) => !all.some((g) => g.name === w));
  if (unknown.length > 0) {
    io.stderr(`unknown bench group(s): ${unknown.join(", ")} (groups: ${all.map((g) => g.name).join(", ")})\n`);
    return 2;
  }
  if (!COMPILED) io.stderr("bench: running from the sources through a loader; `npm run bench` measures the built package\n");
  const groups = wanted.length === 0 ? all : all.filter((g) => wanted.includes(g.name));
  const results: BenchResult[] = [];
  for (const g of groups) {
    io.stderr(`bench: ${g.name}...\n`);
    const t0 = performance.now();
    const rs = await g.run();
    for (const r of rs) results.push({ ...r, value: round(r.value) });
    io.stderr(`bench: ${g.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const m = machineInfo();
  if (json) io.stdout(`${JSON.stringify({ machine: m, results: results.map((r) => ({ ...r, status: statusOf(r) })) }, null, 2)}\n`);
  else io.stdout(`${m.cpuModel}, ${m.cpus} CPUs, ${m.totalMemGiB} GiB, Node ${m.node}, ${m.platform}, ${m.runtime}, load ${m.load1}\n\n${formatTable(results)}\n`);
  return 0;
}
