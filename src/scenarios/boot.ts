/**
 * The prologue every scenario shares: boot the machine for the run's profile
 * and seed, hand it to the command (opts.onBoot, which attaches the trace),
 * install the verifier in the run's mode ("off" installs none), then age the
 * machine by the run's uptime with the background workload.
 */
import { bootMachine, type BootOptions, type Kernel } from "../kernel/kernel.ts";
import { type UptimeControl, Workload } from "../kernel/workload.ts";
import { installVerifier, type Verifier } from "../verifier/verifier.ts";
import type { ScenarioOptions } from "./scenario.ts";

export interface ScenarioMachine {
  readonly k: Kernel;
  /** The verifier watching the machine, or null when the run's mode is "off". */
  readonly verifier: Verifier | null;
}

export interface BootScenarioOptions {
  /** Extra boot settings (a cache model, placement, this run's own device models). */
  readonly boot?: BootOptions;
  /** Offer the machine to opts.onBoot (default true; a study with no DMA may decline the trace). */
  readonly traced?: boolean;
  /** Run opts.uptimeSeconds of background workload (default true; a study that ages in steps runs its own). */
  readonly uptime?: boolean;
  /** Runs after the verifier is installed and before the uptime (e.g. taking memory the workload must not age). */
  readonly beforeUptime?: (k: Kernel) => void;
}

/** The run's progress and Ctrl-C, for a Workload.run of its uptime: progress says how far the uptime got. */
export function uptimeControl(opts: ScenarioOptions): UptimeControl {
  const { progress, interrupted } = opts;
  return {
    ...(interrupted === undefined ? {} : { interrupted }),
    ...(progress === undefined ? {} : { progress: (done: number, total: number) => progress(total > 0 ? done / total : 1, `uptime ${Math.round(done)} of ${Math.round(total)} simulated seconds`) }),
  };
}

/** Boot, trace, verify and age a machine for a scenario run; `name` seeds the workload (`<name>:<seed>`). */
export function bootScenario(name: string, opts: ScenarioOptions, o: BootScenarioOptions = {}): ScenarioMachine {
  const k = bootMachine(opts.profile, { ...o.boot, seed: opts.seed });
  if (o.traced !== false) opts.onBoot?.(k);
  const verifier = opts.verifier === "off" ? null : installVerifier(k, { mode: opts.verifier });
  o.beforeUptime?.(k);
  if (o.uptime !== false && opts.uptimeSeconds > 0) new Workload(k.pfm, { seed: `${name}:${opts.seed}`, clock: k.clock }).run(opts.uptimeSeconds, uptimeControl(opts));
  return { k, verifier };
}
