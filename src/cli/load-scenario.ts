/**
 * What `dmasim run SCENARIO` accepts: a built-in scenario name, a path to a
 * TypeScript or JavaScript module exporting a scenario (loaded through tsx,
 * so no build step is needed, and bound to the command's own copy of the
 * library: user-modules.ts), a JSON scenario file, or a C driver (a folder
 * of .c/.h files or one .c file, compiled to WebAssembly: cdriver/).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { loadCDriverScenario } from "../cdriver/scenario/c-scenario.ts";
import { CDriverBuildError } from "../cdriver/toolchain/build.ts";
import { ToolchainError } from "../cdriver/toolchain/find-toolchain.ts";
import { UninstrumentableError } from "../cdriver/load.ts";
import { basename, extname, resolve } from "node:path";
import type { MachineProfile } from "../machine/profile.ts";
import { BUILTIN_SCENARIOS, builtinScenario } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { parseDuration, type VerifierMode } from "./parse-options.ts";
import { describeLoadError } from "./load-error.ts";
import { clearPending, setPending } from "./pending.ts";
import { profileFromObject, resolveProfile } from "./resolve-profile.ts";
import { scenarioFileProblems, scenarioFileSchema } from "./scenario-file.ts";
import { stepsScenario } from "./steps-scenario.ts";
import { formatFrames } from "./user-frames.ts";
import { importUserModule, installUserModuleLoader } from "./user-modules.ts";
import { UsageError } from "./usage-error.ts";

/** Settings a scenario file brings; command-line options override them. */
export interface ScenarioDefaults {
  readonly profile?: MachineProfile;
  readonly seed?: number;
  readonly uptimeSeconds?: number;
  readonly verifier?: VerifierMode;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** The name to show (a scenario file may rename its run). */
  readonly name: string;
  readonly defaults: ScenarioDefaults;
  readonly source: "builtin" | "module" | "json" | "c";
}

const MODULE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

function knownNames(): string {
  return BUILTIN_SCENARIOS.map((s) => s.name).join(", ") || "none yet";
}

export async function loadScenario(spec: string, cwd: string): Promise<LoadedScenario> {
  const builtin = builtinScenario(spec);
  if (builtin !== undefined) return { scenario: builtin, name: builtin.name, defaults: {}, source: "builtin" };
  const ext = extname(spec).toLowerCase();
  const isPath = spec.includes("/") || spec.includes("\\") || ext === ".json" || ext === ".c" || MODULE_EXTENSIONS.has(ext);
  if (!isPath) throw new UsageError(`unknown scenario "${spec}" (built-in: ${knownNames()}; or give a path to a .ts, .js or .json scenario file, a .c file or a folder of C sources)`);
  const path = resolve(cwd, spec);
  if (!existsSync(path)) throw new UsageError(`scenario file not found: ${spec}`);
  if (ext === ".c" || statSync(path).isDirectory()) return loadCScenario(path);
  if (ext === ".json") return loadJsonScenario(path, spec, cwd);
  if (MODULE_EXTENSIONS.has(ext)) return loadModuleScenario(path, spec, cwd);
  throw new UsageError(`scenario file ${spec}: unsupported extension "${ext || "(none)"}" (use .ts, .js or .json)`);
}

/** A C driver: compiled now, so a compile or link error, uninstrumentable code or a missing toolchain is bad input (exit 2) with the compiler's words. */
function loadCScenario(path: string): LoadedScenario {
  try {
    const scenario = loadCDriverScenario(path);
    return { scenario, name: scenario.name, defaults: {}, source: "c" };
  } catch (e) {
    if (e instanceof CDriverBuildError || e instanceof UninstrumentableError || e instanceof ToolchainError) throw new UsageError(e.message.replace(/^dmasim: /, ""));
    throw e;
  }
}

function loadJsonScenario(path: string, spec: string, cwd: string): LoadedScenario {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`scenario file ${spec} is not valid JSON: ${(e as Error).message}`);
  }
  const r = scenarioFileSchema.safeParse(data);
  if (!r.success) throw new UsageError(`scenario file ${spec}: ${scenarioFileProblems(r.error)}`);
  const f = r.data;
  const scenario = f.steps !== undefined ? stepsScenario(f.name ?? basename(spec, ".json"), f.description ?? `${f.steps.length} steps from ${basename(spec)}`, f.steps) : builtinScenario(f.scenario ?? "");
  if (scenario === undefined) throw new UsageError(`scenario file ${spec}: scenario: unknown scenario "${f.scenario ?? ""}" (built-in: ${knownNames()})`);
  const profile = f.profile === undefined ? undefined : typeof f.profile === "string" ? resolveProfile(f.profile, cwd) : profileFromObject(f.profile, `scenario file ${spec}: profile`);
  const uptimeSeconds = f.uptime === undefined ? undefined : typeof f.uptime === "number" ? f.uptime : parseDuration(f.uptime, `scenario file ${spec}: uptime`);
  return {
    scenario,
    name: f.name ?? scenario.name,
    defaults: {
      ...(profile === undefined ? {} : { profile }),
      ...(f.seed === undefined ? {} : { seed: f.seed }),
      ...(uptimeSeconds === undefined ? {} : { uptimeSeconds }),
      ...(f.verifier === undefined ? {} : { verifier: f.verifier }),
      ...(f.params === undefined ? {} : { params: f.params }),
    },
    source: "json",
  };
}

/** A module's scenario: its default export, or an export named `scenario`. */
async function loadModuleScenario(path: string, spec: string, cwd: string): Promise<LoadedScenario> {
  const own = await installUserModuleLoader();
  let mod: Record<string, unknown>;
  setPending(() => `scenario module ${spec} never finished loading: a top-level await in it (or in a module it imports) waits for something that never comes`);
  try {
    mod = await importUserModule(path);
  } catch (e) {
    const p = describeLoadError(e, path, cwd, own.libDir);
    throw new UsageError(`scenario module ${spec} failed to load: ${p.message}`, formatFrames(p.frames, cwd));
  } finally {
    clearPending();
  }
  const candidate = unwrapDefault(mod["default"]) ?? mod["scenario"];
  const problem = scenarioShapeProblem(candidate);
  if (problem !== undefined) throw new UsageError(`scenario module ${spec}: ${problem}`);
  const scenario = candidate as Scenario;
  return { scenario, name: scenario.name, defaults: {}, source: "module" };
}

/** tsx may wrap a CommonJS or transpiled default export once more. */
function unwrapDefault(v: unknown): unknown {
  if (typeof v === "object" && v !== null && "default" in v && !("run" in v)) return v.default;
  return v;
}

/** Why `v` is not a Scenario, or undefined when it is one. */
export function scenarioShapeProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return "export a scenario object as the default export (or as `scenario`): { name, description, defaultProfile, run(opts) }";
  const s = v as Record<string, unknown>;
  if (typeof s["name"] !== "string" || s["name"].length === 0) return "the scenario has no name (a non-empty string)";
  if (typeof s["run"] !== "function") return `scenario "${s["name"]}" has no run(opts) function`;
  if (s["description"] !== undefined && typeof s["description"] !== "string") return `scenario "${s["name"]}": description must be a string`;
  if (s["defaultProfile"] !== undefined && typeof s["defaultProfile"] !== "string") return `scenario "${s["name"]}": defaultProfile must be a profile name`;
  return undefined;
}
