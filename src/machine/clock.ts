import { EventHeap } from "../core/event-heap.ts";

/** A scheduled callback; `cancelled` lets owners drop it without a heap search. */
export interface TimerHandle {
  readonly time: number;
  cancelled: boolean;
  readonly label: string;
}

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
  private running = false;

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

  /** Run events due up to and including `until`, then set now = until. */
  runUntil(until: number): void {
    if (until < this.t) throw new RangeError(`Clock.runUntil: ${until} ns is before now (${this.t} ns)`);
    if (this.running) {
      // Called from inside an event (a stall): just move time, the outer loop runs the rest.
      this.t = until;
      return;
    }
    this.running = true;
    try {
      while (this.heap.peekTime() <= until) {
        const ev = this.heap.pop();
        if (ev === undefined) break;
        this.t = ev.time;
        if (!ev.item.cancelled) ev.item.fn();
      }
      this.t = until;
    } finally {
      this.running = false;
    }
  }

  /** Charge `ns` of simulated time (runs what falls due). */
  advanceBy(ns: number): void {
    if (!(ns >= 0)) throw new RangeError(`Clock.advanceBy: ns must be >= 0, got ${ns}`);
    this.runUntil(this.t + ns);
  }

  /** Run events until none are left or `limit` is reached; returns the events run. */
  runAll(limit = Infinity): number {
    let n = 0;
    while (this.heap.size > 0 && this.heap.peekTime() <= limit) {
      const ev = this.heap.pop();
      if (ev === undefined) break;
      this.t = ev.time;
      if (!ev.item.cancelled) {
        ev.item.fn();
        n++;
      }
    }
    return n;
  }
}
