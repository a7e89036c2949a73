/**
 * One scenario run as the reports see it: what ran, on which machine and
 * settings, what it returned, whether it stopped with a bug check, and the
 * trace recorded while it ran.
 *
 * The run's outcome follows one rule for every scenario (built-in, user
 * module, JSON steps), whatever the scenario does with a stop:
 * - stopped: the machine bug checked — the scenario let a BugCheckError
 *   escape, or the verifier in "bugcheck" mode raised one (even if the
 *   scenario caught it). Reported as the bug check, its name and parameters;
 *   not ok, not passed.
 * - failed: run() threw something else, or returned ok: false. Not ok.
 * - ok: it did what it set out to do; passed when, in addition, the
 *   verifier reported nothing.
 */
import { type BugCheckParameter, bugCheckName } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { ScenarioResult } from "../scenarios/scenario.ts";
import type { TraceLog } from "../trace/trace-log.ts";
import { verifierOf } from "../verifier/registry.ts";

/** One scenario run as the reports see it (the command's `executeScenario` builds it). */
export interface RunRecord {
  readonly scenario: string;
  readonly description: string;
  readonly profile: MachineProfile;
  readonly seed: number;
  readonly uptimeSeconds: number;
  readonly verifier: "off" | "collect" | "bugcheck";
  /** What run() returned; null when it threw. */
  readonly result: ScenarioResult | null;
  /**
   * Why it stopped early: a simulated bug check (its STOP line, and its code
   * and parameters when the runner kept them) or another error.
   */
  readonly error?: { readonly kind: "bugcheck" | "error"; readonly message: string; readonly bugCheck?: { readonly code: number; readonly params: readonly BugCheckParameter[] } };
  /** DMA traffic and allocations recorded while it ran (absent when not traced). */
  readonly trace?: TraceLog;
  /** The last machine the scenario booted (its state when it stopped, for a run that threw). */
  readonly machine?: Kernel;
}

/** The machine to draw: the one the scenario returned, else the one it was running when it stopped. */
export function runMachine(r: RunRecord): Kernel | undefined {
  return r.result?.machine ?? r.machine;
}

/**
 * Findings of a run: what the scenario returned, else (it threw, e.g. a
 * stop) what the verifier of its machine collected up to then.
 */
export function runFindings(r: RunRecord): NonNullable<ScenarioResult["findings"]> {
  return r.result?.findings ?? verifierOf(runMachine(r))?.findings ?? [];
}

/** How often the run's findings happened (a finding groups repeated occurrences). */
export function runOccurrences(r: RunRecord): number {
  return runFindings(r).reduce((s, f) => s + findingCount(f), 0);
}

/** A finding's count (1 for findings from user modules that do not group). */
export function findingCount(f: Finding): number {
  return typeof f.count === "number" && f.count >= 1 ? f.count : 1;
}

/** The bug check a run stopped with. */
export interface RunStop {
  /** Bug check code; null when the record kept only the STOP line. */
  readonly code: number | null;
  /** The bug check's name (DRIVER_VERIFIER_DMA_VIOLATION, DMASIM_VERIFIER_FINDING, ...). */
  readonly name: string;
  /** P1..P4. */
  readonly params: readonly BugCheckParameter[];
  /** The STOP line. */
  readonly message: string;
  /** The verifier finding that raised it, when the verifier did. */
  readonly finding?: Finding;
}

/** ok, stopped (with the stop) or failed (with the reason): the rule in this file's header. */
export type RunOutcome = { readonly kind: "ok" } | { readonly kind: "stopped"; readonly stop: RunStop } | { readonly kind: "failed"; readonly reason: string };

/** The stop a run ended with, from the runner's record or from its machine's verifier. */
export function runStop(r: RunRecord): RunStop | undefined {
  const v = verifierOf(runMachine(r))?.stop ?? null;
  const e = r.error;
  if (e?.kind === "bugcheck") {
    const code = e.bugCheck?.code ?? v?.code;
    const params = e.bugCheck?.params ?? v?.params ?? [];
    // The verifier's stop is this one when the codes and parameters agree (a scenario may have caught it and raised another).
    const same = v !== null && v.code === code && v.params.every((p, i) => BigInt(p) === BigInt(params[i] ?? -1));
    return { code: code ?? null, name: code === undefined ? "bug check" : bugCheckName(code), params, message: e.message, ...(same ? { finding: v.finding } : {}) };
  }
  if (v !== null) return { code: v.code, name: bugCheckName(v.code), params: v.params, message: v.message, finding: v.finding };
  return undefined;
}

/** The run's outcome, by the rule in this file's header. */
export function runOutcome(r: RunRecord): RunOutcome {
  const stop = runStop(r);
  if (stop !== undefined) return { kind: "stopped", stop };
  if (r.error !== undefined) return { kind: "failed", reason: r.error.message };
  if (r.result === null) return { kind: "failed", reason: "the scenario returned nothing" };
  if (!r.result.ok) return { kind: "failed", reason: "the scenario did not complete what it set out to do" };
  return { kind: "ok" };
}

/**
 * A run is ok when it did what it set out to do without stopping (a scenario
 * that demonstrates a bug is ok when it shows the bug, findings included).
 */
export function runOk(r: RunRecord): boolean {
  return runOutcome(r).kind === "ok";
}

/** A run passes when it is ok and the verifier reported nothing (`dmasim run` exits 0 only then). */
export function runPassed(r: RunRecord): boolean {
  return runOk(r) && runFindings(r).length === 0;
}
