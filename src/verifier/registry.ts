/**
 * Which verifier watches a machine, and how it stopped the machine: the
 * reports derive a run's outcome from it the same way for every scenario
 * (one that returns after catching the stop, one that lets it propagate, a
 * user's module), without the scenario having to pass anything along.
 */
import type { BugCheckParameter } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";

/** The first stop a verifier in "bugcheck" mode raised. */
export interface VerifierStop {
  /** Bug check code (0xE6, 0x1E, 0xDA5E, ...). */
  readonly code: number;
  /** P1..P4. */
  readonly params: readonly [BugCheckParameter, BugCheckParameter, BugCheckParameter, BugCheckParameter];
  /** The finding that raised it. */
  readonly finding: Finding;
  /** The STOP line (BugCheckError message). */
  readonly message: string;
}

/** What the reports read of a machine's verifier. */
export interface VerifierView {
  /** The mode it was installed with. */
  readonly mode: "bugcheck" | "collect" | "off";
  /** Grouped findings, in order of first occurrence. */
  readonly findings: readonly Finding[];
  /** Occurrences over all findings. */
  readonly occurrences: number;
  /** The stop it raised in "bugcheck" mode, else null. */
  readonly stop: VerifierStop | null;
}

/** The machine's verifier, kept on the machine (the latest installed wins). */
const VERIFIER = machineSlot<{ view: VerifierView | undefined }>("verifier", () => ({ view: undefined }));

/** Remember `v` as the verifier of `kernel` (the latest one wins). */
export function registerVerifier(kernel: Kernel, v: VerifierView): void {
  kernel.slot(VERIFIER).view = v;
}

/** The verifier watching `kernel`, if one was installed ("off" installs none). */
export function verifierOf(kernel: Kernel | undefined): VerifierView | undefined {
  return kernel?.slot(VERIFIER).view;
}
