/**
 * Running one scenario for the command: resolve the settings (command line
 * over scenario file over scenario defaults), attach a trace to every machine
 * the scenario boots, and turn a simulated bug check into the run's result
 * instead of a crash. A failure names the user's line (user-frames.ts); a
 * run() that returns no result names where run() is defined.
 */
import { type BugCheckParameter, BugCheckError } from "../core/bugcheck.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { UptimeInterruptedError } from "../kernel/workload.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { RunRecord } from "../report/run-record.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { attachTrace } from "../trace/attach.ts";
import { TraceLog } from "../trace/trace-log.ts";
import { functionLocation } from "./function-location.ts";
import { ownLibrary } from "./library-paths.ts";
import { formatDuration, type VerifierMode } from "./parse-options.ts";
import { clearPending, setPending } from "./pending.ts";
import { checkUptime } from "./uptime-limit.ts";
import { UsageError } from "./usage-error.ts";
import { frameLocation, type StackFrame, userFrames } from "./user-frames.ts";

export interface RunSettings {
  readonly name: string;
  readonly profile?: MachineProfile;
  readonly seed: number;
  readonly uptimeSeconds: number;
  readonly verifier: VerifierMode;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly progress?: (fraction: number, label: string) => void;
  /** The module the scenario came from (named in messages); absent for built-in scenarios. */
  readonly module?: string;
  /** The working folder locations are shown relative to (default: the process's). */
  readonly cwd?: string;
  /** Host bytes each booted machine's simulated memory may commit (HostMemoryBudgetError past it); default the library's. */
  readonly hostMemoryBudget?: number;
  /** Where an up-front warning goes (a long estimated uptime); default stderr. */
  readonly warn?: (line: string) => void;
  /** Called with the user's stack frames when run() fails (--debug prints them). */
  readonly onFailure?: (frames: readonly StackFrame[]) => void;
  /** Polled between uptime slices: true stops the uptime (Ctrl-C) and the run ends as interrupted. */
  readonly interrupted?: () => boolean;
}

/** How far an interrupted uptime got (simulated seconds). */
export interface UptimeInterruption {
  readonly doneSeconds: number;
  readonly totalSeconds: number;
}

/** A run's record, and when Ctrl-C stopped its uptime, how far that got (the record then holds the partly aged machine). */
export type ExecutedRun = RunRecord & { readonly interrupted?: UptimeInterruption };

/** An UptimeInterruptedError, also one thrown by another copy of the library (its class is not ours, its shape is). */
function isUptimeInterruption(e: unknown): e is UptimeInterruptedError {
  return e instanceof UptimeInterruptedError || (e instanceof Error && e.name === "UptimeInterruptedError" && typeof (e as { doneSeconds?: unknown }).doneSeconds === "number");
}

/** The profile a scenario runs on when none is given. */
export function defaultProfileOf(s: Scenario): MachineProfile {
  const name = typeof s.defaultProfile === "string" && s.defaultProfile !== "" ? s.defaultProfile : "x64-desktop";
  try {
    return builtinProfile(name);
  } catch {
    throw new UsageError(`scenario "${s.name}" names an unknown default profile "${name}"; pass --profile`);
  }
}

/**
 * Settings a scenario rejects up front (its optional checkParams, given the
 * params and the profile it will boot; see scenarios/profile-needs.ts) are
 * the user's mistake: a UsageError.
 */
function checkSettings(scenario: Scenario, settings: RunSettings, profile: MachineProfile): void {
  const check: unknown = (scenario as { checkParams?: unknown }).checkParams;
  if (typeof check !== "function") return;
  try {
    (check as (o: { uptimeSeconds: number; params?: Readonly<Record<string, unknown>>; profile: MachineProfile }) => void).call(scenario, { uptimeSeconds: settings.uptimeSeconds, profile, ...(settings.params === undefined ? {} : { params: settings.params }) });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}

/** A bug check, also one thrown by another copy of the library (its class is not ours, its shape is). */
function isBugCheck(e: unknown): e is Error {
  return e instanceof BugCheckError || (e instanceof Error && e.name === "BugCheckError" && typeof (e as { code?: unknown }).code === "number");
}

/** Why a value is not a ScenarioResult ({ ok: boolean, summary: string[] }), or undefined when it is one. */
export function resultProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return `returned ${v === null ? "null" : typeof v === "undefined" ? "nothing" : `a ${typeof v}`}`;
  const r = v as Record<string, unknown>;
  if (typeof r["ok"] !== "boolean") return "returned a result without ok (true or false)";
  if (!Array.isArray(r["summary"])) return "returned a result without summary (an array of lines)";
  return undefined;
}

function describeLocation(file: string, line: number, column: number, cwd: string): string {
  return frameLocation({ fn: "", file, line, column }, cwd);
}

export async function executeScenario(scenario: Scenario, settings: RunSettings): Promise<ExecutedRun> {
  const profile = settings.profile ?? defaultProfileOf(scenario);
  checkSettings(scenario, settings, profile);
  const stepsUptime = (scenario as { stepsUptimeSeconds?: unknown }).stepsUptimeSeconds;
  checkUptime(settings.uptimeSeconds + (typeof stepsUptime === "number" ? stepsUptime : 0), profile, `scenario "${settings.name}"`, settings.warn ?? ((line) => process.stderr.write(`${line}\n`)));
  const trace = new TraceLog();
  const cwd = settings.cwd ?? process.cwd();
  const libDir = ownLibrary().libDir;
  let booted: Kernel | undefined;
  const base = { scenario: settings.name, description: scenario.description ?? "", profile, seed: settings.seed, uptimeSeconds: settings.uptimeSeconds, verifier: settings.verifier, trace };
  const from = settings.module === undefined ? "" : ` (${settings.module})`;
  setPending(() => {
    const clock = booted?.clock;
    const next = clock?.nextEventTime() ?? Infinity;
    const machine = clock === undefined ? "no machine was booted (opts.onBoot was not called)" : next === Infinity ? "the simulated clock has no events left" : `the simulated clock still has ${clock.pendingEvents} event${clock.pendingEvents === 1 ? "" : "s"} pending (the next at ${(next / 1e6).toFixed(3)} ms; now ${(clock.now / 1e6).toFixed(3)} ms): run it (k.clock.runUntil, advanceBy) instead of waiting on the host`;
    return `scenario "${settings.name}"${from} never finished: its run() promise is still pending and nothing is left that could settle it (no timers, no I/O); ${machine}`;
  });
  try {
    const result: unknown = await scenario.run({
      profile,
      seed: settings.seed,
      uptimeSeconds: settings.uptimeSeconds,
      verifier: settings.verifier,
      onBoot: (k) => {
        booted = k;
        if (settings.hostMemoryBudget !== undefined) k.board.memory.setBudget(settings.hostMemoryBudget);
        attachTrace(k, trace);
      },
      ...(settings.progress === undefined ? {} : { progress: settings.progress }),
      ...(settings.interrupted === undefined ? {} : { interrupted: settings.interrupted }),
      ...(settings.params === undefined ? {} : { params: settings.params }),
    });
    const problem = resultProblem(result);
    if (problem !== undefined) {
      const at = await functionLocation((scenario as { readonly run: unknown }).run);
      const where = at === undefined ? from : ` (run is at ${describeLocation(at.file, at.line, at.column, cwd)})`;
      const machine = booted === undefined ? {} : { machine: booted };
      return { ...base, ...machine, result: null, error: { kind: "error", message: `run() ${problem}, not a ScenarioResult: return { ok, summary } (and findings, machine)${where}` } };
    }
    return { ...base, result: result as NonNullable<RunRecord["result"]> };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const machine = booted === undefined ? {} : { machine: booted };
    if (isUptimeInterruption(e)) {
      const { doneSeconds, totalSeconds } = e;
      const pct = totalSeconds > 0 ? Math.floor((100 * doneSeconds) / totalSeconds) : 100;
      const message = `interrupted (Ctrl-C) during the uptime, after ${formatDuration(doneSeconds)} of ${formatDuration(totalSeconds)} simulated (${pct}%); the machine is as that much uptime left it and the scenario did not run`;
      return { ...base, ...machine, result: null, error: { kind: "error", message }, interrupted: { doneSeconds, totalSeconds } };
    }
    const frames = userFrames(e, libDir);
    const first = frames[0];
    const at = first === undefined ? "" : ` (at ${frameLocation(first, cwd)})`;
    settings.onFailure?.(frames);
    if (isBugCheck(e)) {
      const { code, params } = e as Error & { code: number; params?: readonly BugCheckParameter[] };
      return { ...base, ...machine, result: null, error: { kind: "bugcheck", message: `${e.message}${at}`, bugCheck: { code, params: params ?? [] } } };
    }
    // A scenario's own bad settings (RangeError/TypeError naming the value) are the user's to fix.
    const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
    return { ...base, ...machine, result: null, error: { kind: "error", message: `${message}${at}` } };
  } finally {
    clearPending();
  }
}
