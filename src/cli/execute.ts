/**
 * Running one scenario for the command: resolve the settings (command line
 * over scenario file over scenario defaults), attach a trace to every machine
 * the scenario boots, and turn a simulated bug check into the run's result
 * instead of a crash.
 */
import { BugCheckError } from "../core/bugcheck.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { RunRecord } from "../report/run-record.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { attachTrace } from "../trace/attach.ts";
import { TraceLog } from "../trace/trace-log.ts";
import type { VerifierMode } from "./parse-options.ts";
import { UsageError } from "./usage-error.ts";

export interface RunSettings {
  readonly name: string;
  readonly profile?: MachineProfile;
  readonly seed: number;
  readonly uptimeSeconds: number;
  readonly verifier: VerifierMode;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly progress?: (fraction: number, label: string) => void;
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
 * Settings a scenario rejects up front (its optional checkParams, see
 * scenarios/fragmentation.ts) are the user's mistake: a UsageError.
 */
function checkSettings(scenario: Scenario, settings: RunSettings): void {
  const check: unknown = (scenario as { checkParams?: unknown }).checkParams;
  if (typeof check !== "function") return;
  try {
    (check as (o: { uptimeSeconds: number; params?: Readonly<Record<string, unknown>> }) => void).call(scenario, { uptimeSeconds: settings.uptimeSeconds, ...(settings.params === undefined ? {} : { params: settings.params }) });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}

export async function executeScenario(scenario: Scenario, settings: RunSettings): Promise<RunRecord> {
  checkSettings(scenario, settings);
  const profile = settings.profile ?? defaultProfileOf(scenario);
  const trace = new TraceLog();
  let booted: Kernel | undefined;
  const base = { scenario: settings.name, description: scenario.description ?? "", profile, seed: settings.seed, uptimeSeconds: settings.uptimeSeconds, verifier: settings.verifier, trace };
  try {
    const result = await scenario.run({
      profile,
      seed: settings.seed,
      uptimeSeconds: settings.uptimeSeconds,
      verifier: settings.verifier,
      onBoot: (k) => {
        booted = k;
        attachTrace(k, trace);
      },
      ...(settings.progress === undefined ? {} : { progress: settings.progress }),
      ...(settings.params === undefined ? {} : { params: settings.params }),
    });
    return { ...base, result };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const machine = booted === undefined ? {} : { machine: booted };
    if (e instanceof BugCheckError) return { ...base, ...machine, result: null, error: { kind: "bugcheck", message: e.message } };
    // A scenario's own bad settings (RangeError/TypeError naming the value) are the user's to fix.
    const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
    return { ...base, ...machine, result: null, error: { kind: "error", message } };
  }
}
