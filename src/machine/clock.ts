import { EventHeap } from "../core/event-heap.ts";

/** A scheduled callback; `cancelled` lets owners drop it without a heap search. */
export interface TimerHandle {
  /** When it runs: absolute simulated time in ns. */
  readonly time: number;
  /** Set by {@link Clock.cancel}: the event is skipped when its time comes. */
  cancelled: boolean;
  /** What scheduled it ("filler done"): shown when a run hangs with events pending. */
  readonly label: string;
}

/** How deep runs may nest inside events before {@link Clock.runUntil} gives up (a wait on itself). */
export const MAX_NESTED_RUNS = 64;

interface Entry extends TimerHandle {
  readonly fn: () => void;
}

/**
 * The simulated clock: discrete events in simulated nanoseconds. Same-time
 * events run in the order they were scheduled. Driver code runs in zero
 * simulated time; `advanceBy` charges work (a stall, compaction) to the clock
 * and runs every event that falls due on the way.
 */
export class Clock {
  private t = 0;
  private readonly heap = new EventHeap<Entry>();
  /** Labels of the events whose callbacks are running, outermost first (nested waits push more). */
  private readonly running: string[] = [];

  /** Current simulated time in nanoseconds. */
  get now(): number {
    return this.t;
  }

  /** Schedule `fn` at absolute time `at` (>= now). */
  at(at: number, fn: () => void, label = "event"): TimerHandle {
    if (!(at >= this.t) || !Number.isFinite(at)) throw new RangeError(`Clock.at: time ${at} ns is before now (${this.t} ns) or not finite`);
    const e: Entry = { time: at, cancelled: false, label, fn };
    this.heap.push(at, e);
    return e;
  }

  /** Schedule `fn` after `delay` ns. */
  after(delay: number, fn: () => void, label = "event"): TimerHandle {
    if (!(delay >= 0)) throw new RangeError(`Clock.after: delay must be >= 0 ns, got ${delay}`);
    return this.at(this.t + delay, fn, label);
  }

  /** Drop a scheduled event: it will not run (a no-op when it already ran). */
  cancel(h: TimerHandle): void {
    h.cancelled = true;
  }

  /** Events scheduled and not yet run (cancelled ones included until their time comes). */
  get pendingEvents(): number {
    return this.heap.size;
  }

  /** Time of the next pending event, or Infinity. */
  nextEventTime(): number {
    return this.heap.peekTime();
  }

  /**
   * Run the pending events one at a time until `done()` holds; false when
   * nothing is left to run, or the next event lies after `deadline`
   * (absolute simulated ns), first. Time stops at the last event run.
   */
  runUntilDone(done: () => boolean, deadline = Infinity): boolean {
    while (!done()) {
      const t = this.nextEventTime();
      if (t === Infinity || t > deadline) return false;
      this.runUntil(t);
    }
    return true;
  }

  /**
   * Run events due up to and including `until`, then set now = until.
   *
   * Called from inside an event (a PASSIVE_LEVEL thread that waits: a
   * framework wait in a PnP stop, a synchronous ReadFile, scheduled there by
   * a scenario), it runs the machine in a nested loop, as a blocked thread
   * lets the rest of the machine go on: the events due up to `until` run
   * (the calling event's code resumes afterwards) and time never goes back.
   * A nest deeper than MAX_NESTED_RUNS (64) is a RangeError naming the
   * events in it (a wait that waits on itself).
   */
  runUntil(until: number): void {
    if (Number.isNaN(until)) throw new RangeError("Clock.runUntil: the time is NaN");
    if (this.running.length === 0) {
      if (until < this.t) throw new RangeError(`Clock.runUntil: ${until} ns is before now (${this.t} ns)`);
    } else if (this.running.length >= MAX_NESTED_RUNS) {
      throw new RangeError(`Clock.runUntil: ${this.running.length} runs nested inside events (${this.running.slice(-4).join(" > ")}): an event waits for something that only its own return can bring`);
    }
    // Nested after a stall (advanceBy inside the event) the events it stepped over are overdue: they run now.
    const end = Math.max(until, this.t);
    for (let time = this.heap.peekTime(); time <= end; time = this.heap.peekTime()) {
      const item = this.heap.popItem();
      if (item === undefined) break;
      if (!item.cancelled) this.fire(time, item);
    }
    // A nested run may have gone past `until`: time does not go back.
    if (end > this.t) this.t = end;
  }

  private fire(time: number, e: Entry): void {
    if (time > this.t) this.t = time;
    this.running.push(e.label);
    try {
      e.fn();
    } finally {
      this.running.pop();
    }
  }

  /** An event is running now (its callback is on the stack): a wait from here runs a nested loop. */
  get inEvent(): boolean {
    return this.running.length > 0;
  }

  /**
   * Charge `ns` of simulated time (runs what falls due). From inside an event
   * it is a stall (KeStallExecutionProcessor, compaction's cost): time moves
   * and the events on the way run when the event returns.
   */
  advanceBy(ns: number): void {
    if (!(ns >= 0)) throw new RangeError(`Clock.advanceBy: ns must be >= 0, got ${ns}`);
    if (this.running.length > 0) {
      this.t += ns;
      return;
    }
    this.runUntil(this.t + ns);
  }

  /**
   * Run events until none are left, or until the next one is due after
   * `deadline` (an absolute simulated time in ns, like {@link runUntil}'s; not a
   * duration and not a count). Returns how many events ran. Unlike
   * `runUntil`, time stops at the last event run, not at the deadline.
   *
   * @example
   * ```ts
   * import { Clock } from "dmasim";
   * const clock = new Clock();
   * clock.after(500, () => console.log("at", clock.now));  // at 500
   * clock.after(2000, () => console.log("never"));
   * console.log(clock.runUntilIdle(1000), clock.now);       // 1 500
   * ```
   */
  runUntilIdle(deadline = Infinity): number {
    if (Number.isNaN(deadline)) throw new RangeError("Clock.runUntilIdle: the deadline is NaN (an absolute time in ns, or Infinity)");
    let n = 0;
    while (this.heap.size > 0 && this.heap.peekTime() <= deadline) {
      const time = this.heap.peekTime();
      const item = this.heap.popItem();
      if (item === undefined) break;
      if (time > this.t) this.t = time;
      if (!item.cancelled) {
        this.fire(time, item);
        n++;
      }
    }
    return n;
  }

  /**
   * The former name of {@link runUntilIdle}; `limit` is an absolute time (ns).
   * @deprecated use `runUntilIdle(deadline)`: the name says what the argument is.
   */
  runAll(limit = Infinity): number {
    return this.runUntilIdle(limit);
  }
}
