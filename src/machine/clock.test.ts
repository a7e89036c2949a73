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
