/**
 * A framework thread waiting at PASSIVE_LEVEL (KeWaitForSingleObject on an
 * event the driver's completions set): the machine runs — devices, ISRs,
 * DPCs, timers — until the condition holds. When nothing is left to run and
 * it still does not, Windows would wait forever; the caller decides what to
 * report and carries on. A device that keeps scheduling work (a periodic
 * timer, a polling engine) never leaves the machine idle, so the wait also
 * gives up after FX_WAIT_LIMIT_NS of simulated time (dmasim's choice: any
 * transfer a driver waits for ends far sooner; Windows has no such limit on
 * a PnP stop or removal). Called from inside a clock event (a PnP call a
 * scenario scheduled at a chosen time), the wait runs the machine in a
 * nested loop (Clock.runUntil), as a blocked system thread would.
 */
import { PASSIVE_LEVEL } from "../core/irql.ts";
import type { Kernel } from "../kernel/kernel.ts";

/** How long (simulated ns) a framework wait runs the machine before it gives up: one second. */
export const FX_WAIT_LIMIT_NS = 1_000_000_000;

/** Run the machine until `done()`; false when nothing left (within the limit) could make it true. */
export function fxWaitFor(k: Kernel, done: () => boolean): boolean {
  if (done()) return true;
  // Above PASSIVE_LEVEL a wait is not allowed (and the DPCs the driver needs could not run): give up at once.
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) return false;
  return k.clock.runUntilDone(done, k.clock.now + FX_WAIT_LIMIT_NS);
}
