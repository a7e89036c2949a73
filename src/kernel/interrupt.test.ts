import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { KeInitializeDpc, KeInsertQueueDpc } from "./dpc.ts";
import { dirqlOfLine, interruptControllerOf, interruptResources, IoConnectInterrupt, IoDisconnectInterrupt, type KINTERRUPT, KeSynchronizeExecution, Latched, unclaimedInterrupts } from "./interrupt.ts";
import { bootMachine } from "./kernel.ts";

describe("interrupts", () => {
  it("the SB16's translated resource is latched IRQ 5 at DIRQL 8, not shareable", () => {
    const k = bootMachine("x64-desktop");
    expect(interruptResources(k.pdo("sb16"))).toEqual({ Vector: 5, Irql: 8, SynchronizeIrql: 8, InterruptMode: Latched, ShareVector: false });
    expect(dirqlOfLine(5)).toBe(8);
  });

  it("a connected ISR runs at its DIRQL when its line rises, and the DPC it queues runs next at DISPATCH_LEVEL", () => {
    const k = bootMachine("x64-desktop");
    const log: string[] = [];
    const dpc = KeInitializeDpc(k, () => log.push(`dpc@${k.KeGetCurrentIrql()}`), null);
    const out: { value: KINTERRUPT | null } = { value: null };
    const r = interruptResources(k.pdo("sb16"));
    const st = IoConnectInterrupt(k, out, (_i, ctx) => {
      log.push(`isr@${k.KeGetCurrentIrql()}:${String(ctx)}`);
      KeInsertQueueDpc(k, dpc);
      log.push("isr done");
      return true;
    }, "card", r.Vector, r.Irql, r.SynchronizeIrql, r.InterruptMode, r.ShareVector);
    expect(st).toBe(STATUS.SUCCESS);
    interruptControllerOf(k).setLine(5, true);
    expect(log).toEqual(["isr@8:card", "isr done", `dpc@${DISPATCH_LEVEL}`]);
    expect(k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
    expect(out.value?.claimed).toBe(1);
  });

  it("an interrupt that arrives while the processor is at or above its DIRQL waits until the clock loop regains control", () => {
    const k = bootMachine("x64-desktop");
    let runs = 0;
    const out: { value: KINTERRUPT | null } = { value: null };
    IoConnectInterrupt(k, out, () => (runs++, true), null, 5, 8, 8, Latched, false);
    k.KeRaiseIrql(10);
    interruptControllerOf(k).setLine(5, true);
    expect(runs).toBe(0);
    k.KeLowerIrql(PASSIVE_LEVEL);
    k.clock.runUntil(0);
    expect(runs).toBe(1);
  });

  it("an interrupt no ISR claims is counted", () => {
    const k = bootMachine("x64-desktop");
    const out: { value: KINTERRUPT | null } = { value: null };
    IoConnectInterrupt(k, out, () => false, null, 5, 8, 8, Latched, false);
    interruptControllerOf(k).setLine(5, true);
    expect(unclaimedInterrupts(k)).toBe(1);
  });

  it("IoConnectInterrupt refuses a SynchronizeIrql below the Irql, a non-device IRQL or a bad vector", () => {
    const k = bootMachine("x64-desktop");
    const out: { value: KINTERRUPT | null } = { value: null };
    expect(IoConnectInterrupt(k, out, () => true, null, 5, 8, 7, Latched, false)).toBe(STATUS.INVALID_PARAMETER);
    expect(IoConnectInterrupt(k, out, () => true, null, 5, DISPATCH_LEVEL, DISPATCH_LEVEL, Latched, false)).toBe(STATUS.INVALID_PARAMETER);
    expect(IoConnectInterrupt(k, out, () => true, null, 999, 8, 8, Latched, false)).toBe(STATUS.INVALID_PARAMETER);
    expect(out.value).toBe(null);
  });

  it("IoConnectInterrupt above PASSIVE_LEVEL bug checks IRQL_NOT_LESS_OR_EQUAL", () => {
    const k = bootMachine("x64-desktop");
    k.KeRaiseIrql(DISPATCH_LEVEL);
    expect(() => IoConnectInterrupt(k, { value: null }, () => true, null, 5, 8, 8, Latched, false)).toThrow(BugCheckError);
  });

  it("a disconnected ISR no longer runs", () => {
    const k = bootMachine("x64-desktop");
    let runs = 0;
    const out: { value: KINTERRUPT | null } = { value: null };
    IoConnectInterrupt(k, out, () => (runs++, true), null, 5, 8, 8, Latched, false);
    IoDisconnectInterrupt(k, out.value as KINTERRUPT);
    interruptControllerOf(k).setLine(5, true);
    expect(runs).toBe(0);
    expect(() => IoDisconnectInterrupt(k, out.value as KINTERRUPT)).toThrow(TypeError);
  });

  it("the ISR runs at SynchronizeIrql when it is above Irql", () => {
    const k = bootMachine("x64-desktop");
    let at = -1;
    IoConnectInterrupt(k, { value: null }, () => ((at = k.KeGetCurrentIrql()), true), null, 5, 8, 10, Latched, false);
    interruptControllerOf(k).setLine(5, true);
    expect(at).toBe(10);
  });

  it("KeSynchronizeExecution runs the routine at the interrupt's SynchronizeIrql", () => {
    const k = bootMachine("x64-desktop");
    const out: { value: KINTERRUPT | null } = { value: null };
    IoConnectInterrupt(k, out, () => true, null, 5, 8, 9, Latched, false);
    let at = -1;
    expect(KeSynchronizeExecution(k, out.value as KINTERRUPT, () => ((at = k.KeGetCurrentIrql()), true), null)).toBe(true);
    expect(at).toBe(9);
    expect(k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
  });
});
