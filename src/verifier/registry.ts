/**
 * Which verifier watches a machine, and how it stopped the machine: the
 * reports derive a run's outcome from it the same way for every scenario
 * (one that returns after catching the stop, one that lets it propagate, a
 * user's module), without the scenario having to pass anything along.
 */
import type { Finding } from "../core/findings.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";

type P = number | bigint;

/** The first stop a verifier in "bugcheck" mode raised. */
export interface VerifierStop {
  /** Bug check code (0xE6, 0x1E, 0xDA5E, ...). */
  readonly code: number;
  readonly params: readonly [P, P, P, P];
  /** The finding that raised it. */
  readonly finding: Finding;
  /** The STOP line (BugCheckError message). */
  readonly message: string;
}

/** What the reports read of a machine's verifier. */
export interface VerifierView {
  readonly mode: "bugcheck" | "collect" | "off";
  /** Grouped findings, in order of first occurrence. */
  readonly findings: readonly Finding[];
  /** Occurrences over all findings. */
  readonly occurrences: number;
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
