/**
 * What a scenario is: a driver (or a study) written as a user would write it,
 * run on a booted machine. Built-in scenarios live in this folder; users can
 * write their own modules of the same shape and run them with `dmasim run`.
 */
import type { Finding } from "../core/findings.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";

/** One line of a result table (common buffers and the like), for reports and --json. */
export type Row = Readonly<Record<string, string | number | boolean | null>>;

/**
 * What a scenario's run() returns. The command derives the run's outcome from
 * it (ok, failed, or stopped when the machine bug checked) and draws the
 * report from `machine`, `tables` and the trace.
 *
 * Table names the report knows: "commonBuffers" (rows with va, logical,
 * physical, length, cache, device: listed when the run was not traced),
 * "successRates" (the fragmentation charts) and "allocationCounts" (rows
 * with calls and succeeded: shown when allocations were not listed one by one).
 */
export interface ScenarioResult {
  /** True when the scenario did what it set out to do (a broken-driver scenario is ok when it shows its bug). */
  readonly ok: boolean;
  /** Readable lines for the terminal summary. */
  readonly summary: readonly string[];
  /** Named tables (e.g. "commonBuffers": rows with VA, logical and physical addresses). */
  readonly tables?: Readonly<Record<string, readonly Row[]>>;
  /** Figures (counts, rates). */
  readonly stats?: Readonly<Record<string, number | string | boolean>>;
  /** Verifier findings collected during the run. */
  readonly findings?: readonly Finding[];
  /** The machine as the scenario left it (for the report's memory map), when there is one. */
  readonly machine?: Kernel;
  /** Audio a device played, as a WAV file (the sound-card scenarios); `dmasim run --wav FILE` writes it. */
  readonly wav?: Uint8Array;
}

/** What run() is given: the machine to boot, the seed, the uptime, the verifier mode, the settings. */
export interface ScenarioOptions {
  /** Built-in profile name, or a validated profile object (bootMachine takes either). */
  readonly profile: string | MachineProfile;
  /** Pass to bootMachine: same seed, same run. */
  readonly seed: number;
  /** Simulated uptime before the scenario starts, in seconds (background workload). */
  readonly uptimeSeconds: number;
  /** Pass to installVerifier ({ mode: opts.verifier }). */
  readonly verifier: "off" | "collect" | "bugcheck";
  /** Progress callback for long runs (fraction 0..1). */
  readonly progress?: (fraction: number, label: string) => void;
  /**
   * Polled between slices of the uptime (about a simulated minute each): true
   * stops it with an UptimeInterruptedError (the CLI sets it on Ctrl-C and
   * reports the partial run).
   */
  readonly interrupted?: () => boolean;
  /**
   * Call right after booting each machine (before any driver code runs): the
   * CLI attaches its trace (DMA traffic, interrupts, allocations) here.
   */
  readonly onBoot?: (kernel: Kernel) => void;
  /** Scenario-specific settings (from a JSON scenario file or the CLI). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/**
 * A scenario: a driver (or a study) and the machine it wants, as `dmasim run`
 * runs it. A user module's default export (or export `scenario`) is one; see
 * docs/getting-started.md.
 */
export interface Scenario {
  /** Shown in the summary and the report. */
  readonly name: string;
  /** One line: what it shows. */
  readonly description: string;
  /** Profile used when none is given. */
  readonly defaultProfile: string;
  /** Boot (calling `opts.onBoot?.(k)` right after), run the driver, return what happened. May throw a BugCheckError: that is a stop. */
  run(opts: ScenarioOptions): Promise<ScenarioResult> | ScenarioResult;
  /**
   * Check the run's settings before anything boots: throw a RangeError (or
   * TypeError) naming the bad setting. The command reports it as bad usage
   * (exit 2) instead of a failed run. `profile` is the machine the run will
   * boot (the command always passes it): check what the scenario needs of it
   * (a device, an ISA DMA controller) here too.
   */
  checkParams?(settings: { readonly uptimeSeconds: number; readonly params?: Readonly<Record<string, unknown>>; readonly profile?: MachineProfile }): void;
}
