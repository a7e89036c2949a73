/**
 * A framework thread waiting at PASSIVE_LEVEL (KeWaitForSingleObject on an
 * event the driver's completions set): the machine runs — devices, ISRs,
 * DPCs, timers — until the condition holds. When nothing is left to run and
 * it still does not, Windows would wait forever; the caller decides what to
 * report and carries on.
 */
import { PASSIVE_LEVEL } from "../core/irql.ts";
import type { Kernel } from "../kernel/kernel.ts";

/** Run the machine until `done()`; false when nothing left could make it true. */
export function fxWaitFor(k: Kernel, done: () => boolean): boolean {
  if (done()) return true;
  // Above PASSIVE_LEVEL a wait is not allowed (and the DPCs the driver needs could not run): give up at once.
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) return false;
  while (!done()) {
    const t = k.clock.nextEventTime();
    if (t === Infinity) return false;
    k.clock.runUntil(t);
  }
  return true;
}
