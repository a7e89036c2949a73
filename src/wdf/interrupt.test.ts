import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { interruptControllerOf } from "../kernel/interrupt.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_INTERRUPT_CONFIG_INIT, WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptCreate, WdfInterruptQueueDpcForIsr, WdfInterruptReleaseLock, WdfInterruptSynchronize } from "./interrupt.ts";
import { wdfTestbed } from "./test-support.ts";

describe("WDFINTERRUPT", () => {
  it("the ISR runs at the device's DIRQL when its line rises, and a DPC it queues runs at DISPATCH_LEVEL afterwards", () => {
    const tb = wdfTestbed();
    const log: string[] = [];
    const cfg = WDF_INTERRUPT_CONFIG_INIT((i) => {
      log.push(`isr@${tb.k.KeGetCurrentIrql()}`);
      WdfInterruptQueueDpcForIsr(i);
      return true;
    }, () => log.push(`dpc@${tb.k.KeGetCurrentIrql()}`));
    const out: HandleOut<WdfInterrupt> = { value: null };
    expect(WdfInterruptCreate(tb.device, cfg, null, out)).toBe(STATUS.SUCCESS);
    const irql = out.value?.kinterrupt?.Irql ?? -1;
    interruptControllerOf(tb.k).setLine(tb.k.pdo("plx9656").config.irq as number, true);
    expect(log).toEqual([`isr@${irql}`, "dpc@2"]);
  });

  it("EvtInterruptEnable runs at creation and EvtInterruptDisable when the device goes away", () => {
    const tb = wdfTestbed();
    const log: string[] = [];
    const cfg = WDF_INTERRUPT_CONFIG_INIT(() => true, null);
    cfg.EvtInterruptEnable = () => (log.push("enable"), STATUS.SUCCESS);
    cfg.EvtInterruptDisable = () => (log.push("disable"), STATUS.SUCCESS);
    WdfInterruptCreate(tb.device, cfg, null, { value: null });
    tb.device.deleteObject();
    expect(log).toEqual(["enable", "disable"]);
  });

  it("AcquireLock raises to the interrupt's SynchronizeIrql and ReleaseLock returns", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfInterrupt> = { value: null };
    WdfInterruptCreate(tb.device, WDF_INTERRUPT_CONFIG_INIT(() => true, null), null, out);
    const wi = out.value as WdfInterrupt;
    WdfInterruptAcquireLock(wi);
    expect(tb.k.KeGetCurrentIrql()).toBe(wi.synchronizeIrql);
    WdfInterruptReleaseLock(wi);
    expect(tb.k.KeGetCurrentIrql()).toBe(0);
  });

  it("nested AcquireLock / ReleaseLock pairs each return to the IRQL their own acquire saw (from DISPATCH_LEVEL, then PASSIVE_LEVEL again); one release too many is a TypeError", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfInterrupt> = { value: null };
    WdfInterruptCreate(tb.device, WDF_INTERRUPT_CONFIG_INIT(() => true, null), null, out);
    const wi = out.value as WdfInterrupt;
    for (const start of [2, 0]) {
      tb.k.atIrql(start, () => {
        WdfInterruptAcquireLock(wi);
        WdfInterruptAcquireLock(wi);
        expect(tb.k.KeGetCurrentIrql()).toBe(wi.synchronizeIrql);
        WdfInterruptReleaseLock(wi);
        expect(tb.k.KeGetCurrentIrql()).toBe(wi.synchronizeIrql);
        WdfInterruptReleaseLock(wi);
        expect(tb.k.KeGetCurrentIrql()).toBe(start);
      });
    }
    expect(() => WdfInterruptReleaseLock(wi)).toThrow(TypeError);
    expect(tb.k.KeGetCurrentIrql()).toBe(0);
  });

  it("a WDF_INTERRUPT_CONFIG with the wrong Size gives STATUS_INFO_LENGTH_MISMATCH; a failing EvtInterruptEnable fails the create", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfInterrupt> = { value: null };
    expect(WdfInterruptCreate(tb.device, { ...WDF_INTERRUPT_CONFIG_INIT(() => true, null), Size: 8 }, null, out)).toBe(STATUS.INFO_LENGTH_MISMATCH);
    const cfg = WDF_INTERRUPT_CONFIG_INIT(() => true, null);
    cfg.EvtInterruptEnable = () => STATUS.DEVICE_NOT_READY;
    expect(WdfInterruptCreate(tb.device, cfg, null, out)).toBe(STATUS.DEVICE_NOT_READY);
    expect(out.value).toBeNull();
    expect(tb.device.children).toHaveLength(0);
  });

  it("WdfInterruptSynchronize runs the callback at SynchronizeIrql with the lock held (the ISR waits until it returns) and returns its result", () => {
    const tb = wdfTestbed();
    const log: string[] = [];
    const out: HandleOut<WdfInterrupt> = { value: null };
    WdfInterruptCreate(tb.device, WDF_INTERRUPT_CONFIG_INIT(() => (log.push("isr"), true), null), null, out);
    const wi = out.value as WdfInterrupt;
    const line = tb.k.pdo("plx9656").config.irq as number;
    const r = WdfInterruptSynchronize(wi, (i, ctx) => {
      log.push(`sync@${tb.k.KeGetCurrentIrql()} ${String(ctx)}`);
      interruptControllerOf(tb.k).setLine(line, true);
      log.push("sync done");
      return i === wi;
    }, "ctx");
    expect(r).toBe(true);
    expect(log).toEqual([`sync@${wi.synchronizeIrql} ctx`, "sync done"]);
    // The interrupt raised under the lock is delivered once the processor drops below DIRQL.
    tb.k.clock.runUntil(tb.k.clock.now + 1);
    expect(log).toEqual([`sync@${wi.synchronizeIrql} ctx`, "sync done", "isr"]);
    expect(tb.k.KeGetCurrentIrql()).toBe(0);
  });
});
