import { describe, expect, it } from "vitest";
import { Clock } from "./clock.ts";

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
