/**
 * One scenario run as the reports see it: what ran, on which machine and
 * settings, what it returned, whether it stopped with a bug check, and the
 * trace recorded while it ran.
 */
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { ScenarioResult } from "../scenarios/scenario.ts";
import type { TraceLog } from "../trace/trace-log.ts";

export interface RunRecord {
  readonly scenario: string;
  readonly description: string;
  readonly profile: MachineProfile;
  readonly seed: number;
  readonly uptimeSeconds: number;
  readonly verifier: "off" | "collect" | "bugcheck";
  /** What run() returned; null when it threw. */
  readonly result: ScenarioResult | null;
  /** Why it stopped early: a simulated bug check (its STOP line) or another error. */
  readonly error?: { readonly kind: "bugcheck" | "error"; readonly message: string };
  /** DMA traffic and allocations recorded while it ran (absent when not traced). */
  readonly trace?: TraceLog;
  /** The last machine the scenario booted (its state when it stopped, for a run that threw). */
  readonly machine?: Kernel;
}

/** The machine to draw: the one the scenario returned, else the one it was running when it stopped. */
export function runMachine(r: RunRecord): Kernel | undefined {
  return r.result?.machine ?? r.machine;
}

/** Findings of a run (result findings; none when it threw). */
export function runFindings(r: RunRecord): NonNullable<ScenarioResult["findings"]> {
  return r.result?.findings ?? [];
}

/**
 * A run is ok when it did what it set out to do without stopping (a scenario
 * that demonstrates a bug is ok when it shows the bug, findings included).
 */
export function runOk(r: RunRecord): boolean {
  return r.error === undefined && r.result !== null && r.result.ok;
}

/** A run passes when it is ok and the verifier reported nothing (`dmasim run` exits 0 only then). */
export function runPassed(r: RunRecord): boolean {
  return runOk(r) && runFindings(r).length === 0;
}
