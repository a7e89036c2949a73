import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { wdfTestbed } from "./test-support.ts";
import { WDF_ABS_TIMEOUT_IN_MS, WDF_REL_TIMEOUT_IN_MS, WDF_REL_TIMEOUT_IN_US, WDF_TIMER_CONFIG_INIT, WDF_TIMER_CONFIG_INIT_PERIODIC, WdfTimer, WdfTimerCreate, WdfTimerStart, WdfTimerStop } from "./timer.ts";

function timer(period = 0) {
  const tb = wdfTestbed();
  const at: { ns: number; irql: number }[] = [];
  const cb = () => void at.push({ ns: tb.k.clock.now, irql: tb.k.KeGetCurrentIrql() });
  const out: HandleOut<WdfTimer> = { value: null };
  expect(WdfTimerCreate(period > 0 ? WDF_TIMER_CONFIG_INIT_PERIODIC(cb, period) : WDF_TIMER_CONFIG_INIT(cb), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.SUCCESS);
  return { tb, at, t: out.value as WdfTimer };
}

describe("WDFTIMER", () => {
  it("a one-shot timer started with a relative DueTime fires once, at DISPATCH_LEVEL, that long after the start", () => {
    const { tb, at, t } = timer();
    tb.k.clock.runUntil(1000);
    expect(WdfTimerStart(t, WDF_REL_TIMEOUT_IN_US(50))).toBe(false);
    tb.k.clock.runUntil(1_000_000);
    expect(at).toEqual([{ ns: 51_000, irql: DISPATCH_LEVEL }]);
  });

  it("an absolute DueTime is a system time (here: since boot); a periodic timer fires every Period ms after the first expiry", () => {
    const { tb, at, t } = timer(2);
    WdfTimerStart(t, WDF_ABS_TIMEOUT_IN_MS(1));
    tb.k.clock.runUntil(7_500_000);
    expect(at.map((a) => a.ns)).toEqual([1_000_000, 3_000_000, 5_000_000, 7_000_000]);
  });

  it("starting a queued timer restarts it and returns TRUE; WdfTimerStop returns TRUE only when it was queued, and nothing fires after", () => {
    const { tb, at, t } = timer();
    WdfTimerStart(t, WDF_REL_TIMEOUT_IN_MS(1));
    expect(WdfTimerStart(t, WDF_REL_TIMEOUT_IN_MS(3))).toBe(true);
    tb.k.clock.runUntil(2_000_000);
    expect(at).toEqual([]);
    expect(WdfTimerStop(t, false)).toBe(true);
    expect(WdfTimerStop(t, false)).toBe(false);
    tb.k.clock.runUntil(10_000_000);
    expect(at).toEqual([]);
  });

  it("the parent is required (STATUS_WDF_PARENT_NOT_SPECIFIED) and must lead to a device (STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED for the driver); no EvtTimerFunc is STATUS_INVALID_PARAMETER; a bad Size STATUS_INFO_LENGTH_MISMATCH", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfTimer> = { value: null };
    const cfg = WDF_TIMER_CONFIG_INIT(() => undefined);
    expect(WdfTimerCreate(cfg, null, out)).toBe(STATUS.WDF_PARENT_NOT_SPECIFIED);
    expect(WdfTimerCreate(cfg, WDF_OBJECT_ATTRIBUTES_INIT(), out)).toBe(STATUS.WDF_PARENT_NOT_SPECIFIED);
    expect(WdfTimerCreate(cfg, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.driver }), out)).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(WdfTimerCreate({ ...cfg, EvtTimerFunc: null }, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.INVALID_PARAMETER);
    expect(WdfTimerCreate({ ...cfg, Size: 0x18 }, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.INFO_LENGTH_MISMATCH);
    expect(out.value).toBeNull();
  });

  it("deleting the parent stops the timer; WdfTimerStop(Wait = TRUE) from its own callback is the deadlock (RangeError)", () => {
    const { tb, at, t } = timer();
    WdfTimerStart(t, WDF_REL_TIMEOUT_IN_MS(1));
    tb.device.deleteObject();
    tb.k.clock.runUntil(5_000_000);
    expect(at).toEqual([]);
    const tb2 = wdfTestbed();
    const out: HandleOut<WdfTimer> = { value: null };
    let err: unknown = null;
    WdfTimerCreate(WDF_TIMER_CONFIG_INIT((self) => {
      try {
        WdfTimerStop(self, true);
      } catch (e) {
        err = e;
      }
    }), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb2.device }), out);
    WdfTimerStart(out.value as WdfTimer, WDF_REL_TIMEOUT_IN_MS(1));
    tb2.k.clock.runUntil(2_000_000);
    expect(String(err)).toMatch(/waits for itself/);
  });
});
