import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { FX_WAIT_LIMIT_NS, fxWaitFor } from "./wait.ts";

describe("fxWaitFor (a framework thread's wait)", () => {
  it("runs the machine's events until the condition holds", () => {
    const k = bootMachine("x64-desktop");
    let done = false;
    k.clock.after(5_000, () => (done = true), "work");
    expect(fxWaitFor(k, () => done)).toBe(true);
    expect(k.clock.now).toBe(5_000);
  });

  it("gives up when nothing is left to run, or when a device keeps the machine busy past the limit, or above PASSIVE_LEVEL", () => {
    const k = bootMachine("x64-desktop");
    expect(fxWaitFor(k, () => false)).toBe(false);
    const tick = (): void => void k.clock.after(100_000, tick, "poll");
    tick();
    const start = k.clock.now;
    expect(fxWaitFor(k, () => false)).toBe(false);
    expect(k.clock.now - start).toBeLessThanOrEqual(FX_WAIT_LIMIT_NS);
    expect(k.clock.now - start).toBeGreaterThan(FX_WAIT_LIMIT_NS - 200_000);
    let done = false;
    k.clock.after(10, () => (done = true), "work");
    expect(k.atIrql(DISPATCH_LEVEL, () => fxWaitFor(k, () => done))).toBe(false);
  });
});
