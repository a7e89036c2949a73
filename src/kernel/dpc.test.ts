import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { createFdo } from "./device-object.ts";
import { IoInitializeDpcRequest, IoRequestDpc, addCatchUp, drainDpcs, dpcCount, KeCancelTimer, KeInitializeDpc, KeInitializeTimer, KeInsertQueueDpc, KeReadStateTimer, KeRemoveQueueDpc, KeSetTimer } from "./dpc.ts";
import { bootMachine } from "./kernel.ts";

describe("DPCs", () => {
  it("a DPC queued at PASSIVE_LEVEL runs at once, at DISPATCH_LEVEL, with its context and arguments", () => {
    const k = bootMachine("x64-desktop");
    const seen: unknown[] = [];
    const dpc = KeInitializeDpc(k, (_d, ctx, a1, a2) => seen.push(ctx, a1, a2, k.KeGetCurrentIrql()), "ctx");
    expect(KeInsertQueueDpc(k, dpc, 1, 2)).toBe(true);
    expect(seen).toEqual(["ctx", 1, 2, DISPATCH_LEVEL]);
    expect(k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
    expect(dpcCount(k)).toBe(1);
  });

  it("a DPC queued at DISPATCH_LEVEL waits until IRQL drops below DISPATCH_LEVEL; queuing it twice returns FALSE", () => {
    const k = bootMachine("x64-desktop");
    let runs = 0;
    const dpc = KeInitializeDpc(k, () => runs++, null);
    k.KeRaiseIrql(DISPATCH_LEVEL);
    expect(KeInsertQueueDpc(k, dpc)).toBe(true);
    expect(KeInsertQueueDpc(k, dpc)).toBe(false);
    expect(runs).toBe(0);
    k.KeLowerIrql(PASSIVE_LEVEL);
    k.clock.runUntil(0);
    expect(runs).toBe(1);
  });

  it("KeRemoveQueueDpc takes a queued DPC out (TRUE) and says FALSE when it is not queued", () => {
    const k = bootMachine("x64-desktop");
    let runs = 0;
    const dpc = KeInitializeDpc(k, () => runs++, null);
    k.KeRaiseIrql(DISPATCH_LEVEL);
    KeInsertQueueDpc(k, dpc);
    expect(KeRemoveQueueDpc(k, dpc)).toBe(true);
    expect(KeRemoveQueueDpc(k, dpc)).toBe(false);
    k.KeLowerIrql(PASSIVE_LEVEL);
    drainDpcs(k);
    k.clock.runUntil(0);
    expect(runs).toBe(0);
  });

  it("a DPC that returns at another IRQL bug checks", () => {
    const k = bootMachine("x64-desktop");
    const dpc = KeInitializeDpc(k, () => k.KeRaiseIrql(5), null);
    expect(() => KeInsertQueueDpc(k, dpc)).toThrow(BugCheckError);
  });

  it("KeInitializeDpc without a routine is a TypeError", () => {
    const k = bootMachine("x64-desktop");
    expect(() => KeInitializeDpc(k, null as unknown as () => void, null)).toThrow(TypeError);
  });

  it("device catch-ups run before each DPC", () => {
    const k = bootMachine("x64-desktop");
    const order: string[] = [];
    addCatchUp(k, () => order.push("catch-up"));
    KeInsertQueueDpc(k, KeInitializeDpc(k, () => order.push("dpc"), null));
    expect(order).toEqual(["catch-up", "dpc"]);
  });
});

describe("DpcForIsr", () => {
  it("IoRequestDpc queues the device's DpcForIsr with the device object, Irp and Context; a second request while queued is dropped", () => {
    const k = bootMachine("x64-desktop");
    const fdo = createFdo(k.pdo("sb16"), "snd", 64);
    const seen: unknown[] = [];
    IoInitializeDpcRequest(k, fdo, (_d, dev, irp, ctx) => seen.push(dev.name, irp, ctx, k.KeGetCurrentIrql()));
    k.KeRaiseIrql(8);
    IoRequestDpc(k, fdo, "irp", 1);
    IoRequestDpc(k, fdo, "irp2", 2);
    k.KeLowerIrql(PASSIVE_LEVEL);
    k.clock.runUntil(0);
    expect(seen).toEqual(["\\Device\\snd", "irp", 1, DISPATCH_LEVEL]);
  });

  it("IoRequestDpc without IoInitializeDpcRequest is a TypeError", () => {
    const k = bootMachine("x64-desktop");
    expect(() => IoRequestDpc(k, createFdo(k.pdo("sb16"), "snd", 64), null, null)).toThrow(TypeError);
  });
});

describe("kernel timers", () => {
  it("KeSetTimer with a negative DueTime expires that many 100 ns units later and queues its DPC", () => {
    const k = bootMachine("x64-desktop");
    const at: number[] = [];
    const t = KeInitializeTimer(k);
    const dpc = KeInitializeDpc(k, () => at.push(k.clock.now), null);
    expect(KeSetTimer(k, t, -10_000, dpc)).toBe(false); // 1 ms
    k.clock.runUntil(5_000_000);
    expect(at).toEqual([1_000_000]);
    expect(KeReadStateTimer(t)).toBe(true);
  });

  it("setting a timer that is already set resets it and returns TRUE; KeCancelTimer stops it", () => {
    const k = bootMachine("x64-desktop");
    let runs = 0;
    const t = KeInitializeTimer(k);
    const dpc = KeInitializeDpc(k, () => runs++, null);
    KeSetTimer(k, t, -10_000, dpc);
    expect(KeSetTimer(k, t, -20_000, dpc)).toBe(true);
    k.clock.runUntil(1_500_000);
    expect(runs).toBe(0);
    expect(KeCancelTimer(k, t)).toBe(true);
    expect(KeCancelTimer(k, t)).toBe(false);
    k.clock.runUntil(5_000_000);
    expect(runs).toBe(0);
  });

  it("a positive DueTime is an absolute time", () => {
    const k = bootMachine("x64-desktop");
    const at: number[] = [];
    KeSetTimer(k, KeInitializeTimer(k), 30_000, KeInitializeDpc(k, () => at.push(k.clock.now), null));
    k.clock.runUntil(10_000_000);
    expect(at).toEqual([3_000_000]);
  });

  it("KeSetTimer above DISPATCH_LEVEL bug checks IRQL_NOT_LESS_OR_EQUAL", () => {
    const k = bootMachine("x64-desktop");
    const t = KeInitializeTimer(k);
    k.KeRaiseIrql(5);
    try {
      KeSetTimer(k, t, -1);
      expect.unreachable();
    } catch (e) {
      expect((e as BugCheckError).code).toBe(0xa);
    }
  });
});
