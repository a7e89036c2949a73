import { describe, expect, it } from "vitest";
import { Clock, MAX_NESTED_RUNS } from "./clock.ts";

describe("Clock", () => {
  it("runs events in time order and same-time events in scheduling order", () => {
    const c = new Clock();
    const seen: string[] = [];
    c.at(20, () => seen.push("b"));
    c.at(10, () => seen.push("a"));
    c.at(20, () => seen.push("c"));
    c.runUntil(25);
    expect(seen).toEqual(["a", "b", "c"]);
    expect(c.now).toBe(25);
  });
  it("a cancelled event does not run", () => {
    const c = new Clock();
    let ran = false;
    const h = c.after(5, () => (ran = true));
    c.cancel(h);
    c.runUntil(10);
    expect(ran).toBe(false);
  });
  it("refuses to schedule in the past", () => {
    const c = new Clock();
    c.runUntil(100);
    expect(() => c.at(50, () => undefined)).toThrow(/before now/);
  });
  it("advanceBy charges time and runs what falls due", () => {
    const c = new Clock();
    let t = -1;
    c.after(30, () => (t = c.now));
    c.advanceBy(50);
    expect(t).toBe(30);
    expect(c.now).toBe(50);
  });
});

describe("Clock.pendingEvents", () => {
  it("counts events scheduled and not yet run", () => {
    const c = new Clock();
    c.after(10, () => undefined);
    c.after(20, () => undefined);
    expect(c.pendingEvents).toBe(2);
    c.runUntil(15);
    expect(c.pendingEvents).toBe(1);
  });
});

describe("Clock.runUntilIdle", () => {
  it("runs every event when given no deadline and returns how many ran; time stays at the last event", () => {
    const c = new Clock();
    const seen: number[] = [];
    c.after(300, () => seen.push(c.now));
    c.after(100, () => {
      seen.push(c.now);
      c.after(50, () => seen.push(c.now)); // scheduled from an event: runs too
    });
    expect(c.runUntilIdle()).toBe(3);
    expect(seen).toEqual([100, 150, 300]);
    expect(c.now).toBe(300);
  });

  it("stops before the first event due after the deadline, an absolute time (not a duration)", () => {
    const c = new Clock();
    c.advanceBy(1000);
    const seen: number[] = [];
    c.after(500, () => seen.push(c.now)); // at 1500
    c.after(2000, () => seen.push(c.now)); // at 3000
    expect(c.runUntilIdle(1200)).toBe(0); // 1200 is before 1500: nothing runs
    expect(c.runUntilIdle(2000)).toBe(1);
    expect(seen).toEqual([1500]);
    expect(c.pendingEvents).toBe(1);
  });

  it("does not count cancelled events, and refuses a NaN deadline", () => {
    const c = new Clock();
    c.cancel(c.after(10, () => undefined));
    c.after(20, () => undefined);
    expect(c.runUntilIdle()).toBe(1);
    expect(() => c.runUntilIdle(NaN)).toThrow(/deadline is NaN/);
  });

  it("runAll is the same routine under its former name", () => {
    const c = new Clock();
    c.after(10, () => undefined);
    c.after(20, () => undefined);
    expect(c.runAll(15)).toBe(1);
    expect(c.runAll()).toBe(1);
  });
});

describe("Clock: a run from inside an event (a thread that waits there)", () => {
  it("runUntil inside an event runs the events due up to its time in a nested loop; the calling event resumes afterwards and time never goes back", () => {
    const c = new Clock();
    const seen: string[] = [];
    c.at(20, () => seen.push(`b@${c.now}`), "b");
    c.at(40, () => seen.push(`c@${c.now}`), "c");
    c.at(10, () => {
      seen.push(`a@${c.now}`);
      c.runUntil(50);
      seen.push(`a resumes@${c.now}`);
    }, "a");
    c.runUntil(30);
    expect(seen).toEqual(["a@10", "b@20", "c@40", "a resumes@50"]);
    // The nested run went past the outer one's end: now stays at 50.
    expect(c.now).toBe(50);
    expect(c.pendingEvents).toBe(0);
  });

  it("a wait loop inside an event (run to the next event until the condition holds) ends when a later event makes it true, where it used to spin forever", () => {
    const c = new Clock();
    let done = false;
    let waited = -1;
    c.at(5_000, () => (done = true), "completion");
    c.at(100, () => {
      expect(c.inEvent).toBe(true);
      while (!done) c.runUntil(c.nextEventTime());
      waited = c.now;
    }, "waiter");
    c.runUntilIdle();
    expect(waited).toBe(5_000);
    expect(c.inEvent).toBe(false);
  });

  it("advanceBy inside an event is a stall: time moves by the stall, the events it stepped over run after the event returns, and time does not go back for them", () => {
    const c = new Clock();
    const seen: string[] = [];
    c.at(30, () => seen.push(`over@${c.now}`), "stepped over");
    c.at(10, () => {
      c.advanceBy(100);
      seen.push(`stalled to ${c.now}`);
    }, "stall");
    c.runUntil(200);
    expect(seen).toEqual(["stalled to 110", "over@110"]);
    expect(c.now).toBe(200);
  });

  it("after a stall a nested wait runs the events it stepped over (overdue) instead of refusing a time before now", () => {
    const c = new Clock();
    let ran = false;
    c.at(30, () => (ran = true), "stepped over");
    c.at(10, () => {
      c.advanceBy(100);
      c.runUntil(c.nextEventTime());
    }, "stall then wait");
    c.runUntil(20);
    expect(ran).toBe(true);
    expect(c.now).toBe(110);
  });

  it(`runs nested deeper than MAX_NESTED_RUNS (${MAX_NESTED_RUNS}) are a RangeError naming the events (an event waiting on itself)`, () => {
    const c = new Clock();
    const again = (): void => {
      c.after(0, again, "recursive wait");
      c.runUntil(c.now);
    };
    c.after(0, again, "recursive wait");
    expect(() => c.runUntil(0)).toThrow(/64 runs nested inside events \(recursive wait > recursive wait/);
    expect(c.inEvent).toBe(false);
  });

  it("outside events, a time before now or NaN is refused", () => {
    const c = new Clock();
    c.runUntil(100);
    expect(() => c.runUntil(50)).toThrow(/before now/);
    expect(() => c.runUntil(Number.NaN)).toThrow(/NaN/);
  });
  it("runUntilDone runs events one at a time until the condition holds, and stops at that event's time", () => {
    const c = new Clock();
    let n = 0;
    for (const t of [10, 20, 30]) c.at(t, () => n++);
    expect(c.runUntilDone(() => n === 2)).toBe(true);
    expect(c.now).toBe(20);
    expect(c.pendingEvents).toBe(1);
  });
  it("runUntilDone is false when nothing is left to run or the next event lies past the deadline", () => {
    const c = new Clock();
    let n = 0;
    c.at(10, () => n++);
    c.at(100, () => n++);
    expect(c.runUntilDone(() => n === 2, 50)).toBe(false);
    expect(c.now).toBe(10);
    expect(c.runUntilDone(() => n === 3)).toBe(false);
    expect(n).toBe(2);
  });
});
