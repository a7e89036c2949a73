import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { Application } from "../app/application.ts";
import { STATUS } from "../core/ntstatus.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { pnpState, stopDevice } from "../kernel/pnp.ts";
import { WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfIoQueueCreate, WdfIoQueueDispatchParallel } from "./queue.ts";
import { WdfRequestCompleteWithInformation } from "./request.ts";
import { wdfStartedDevice } from "./test-support.ts";
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

describe("framework waits from inside a clock event (a PnP call scheduled at a chosen time while I/O is in flight)", () => {
  it("fxWaitFor inside an event runs the machine in a nested loop until a later event makes the condition true", () => {
    const k = bootMachine("x64-desktop");
    let done = false;
    let result: boolean | null = null;
    k.clock.after(5_000, () => (done = true), "work");
    k.clock.after(1_000, () => (result = fxWaitFor(k, () => done)), "a PnP thread");
    k.clock.runUntilIdle();
    expect(result).toBe(true);
    expect(k.clock.now).toBe(5_000);
  });

  it("a stop scheduled as a clock event 10 us into a write waits for the driver to finish it (EvtIoStop-less queue) and completes; the write succeeds", () => {
    let stopStatus: number | null = null;
    let completedAt = -1;
    const tb = wdfStartedDevice((dev) => {
      const cfg = WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, {
        EvtIoWrite: (_q, r, n) =>
          void dev.kernel.clock.after(50_000, () => dev.kernel.atDispatch(() => ((completedAt = dev.kernel.clock.now), WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, n))), "the chip finishes"),
      });
      return WdfIoQueueCreate(dev, cfg, null, null);
    });
    const k = tb.k;
    const app = new Application(k);
    const h = app.CreateFile("plx9656").handle;
    if (h === null) throw new Error("CreateFile failed");
    const w = app.WriteFileOverlapped(h, app.allocate(64));
    const t0 = k.clock.now;
    k.clock.after(10_000, () => (stopStatus = stopDevice(k, k.pdo("plx9656")).IoStatus.Status), "the PnP manager stops the device");
    expect(w.wait().status).toBe(STATUS.SUCCESS);
    k.clock.runUntilIdle(k.clock.now + 1_000_000);
    expect(stopStatus).toBe(STATUS.SUCCESS);
    expect(completedAt - t0).toBe(50_000);
    expect(pnpState(k, k.pdo("plx9656"))).toBe("stopped");
  });
});
