import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { adapterObject } from "./adapter.ts";
import { outstandingMapRegisters, registerFileOf } from "./map-registers.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, type DMA_ADAPTER, DMA_SYNCHRONOUS_CALLBACK, KeepObject, type MapRegisterBase } from "./types.ts";
import { context, fdo, machine, masterV3, systemV3 } from "./v3-test-support.ts";

/** A packet master (needs map registers). */
const packet = { ScatterGather: false, DmaAddressWidth: 32 } as const;

function hold(k: Parameters<typeof masterV3>[0], a: DMA_ADAPTER, n = 2): MapRegisterBase {
  const out: { value: MapRegisterBase } = { value: null };
  expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), n, DMA_SYNCHRONOUS_CALLBACK, null, null, out))).toBe(STATUS.SUCCESS);
  return out.value;
}

describe("AllocateAdapterChannelEx", () => {
  it("with the channel free the AdapterControl routine runs at once, at DISPATCH_LEVEL, with the map registers, DeviceObject.CurrentIrp and its context", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    const dev = fdo(k);
    dev.CurrentIrp = { tag: "irp" };
    const calls: unknown[] = [];
    const st = k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), 3, 0, (d, irp, base, c) => (calls.push([d === dev, irp, registerFileOf(base)?.count, c, k.KeGetCurrentIrql()]), DeallocateObject), "ctx", null));
    expect(st).toBe(STATUS.SUCCESS);
    expect(calls).toEqual([[true, { tag: "irp" }, 3, "ctx", DISPATCH_LEVEL]]);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(0);
    expect(seen).toEqual([]);
  });

  it("with the channel busy the request waits in its transfer context and runs when the channel is freed; one device object may have several requests waiting", () => {
    const { k, seen } = machine();
    const a = systemV3(k, 5);
    const b = systemV3(k, 5);
    const dev = fdo(k, "sb16");
    const order: string[] = [];
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), 1, 0, () => (order.push("a"), KeepObject), null, null));
    k.atDispatch(() => b.DmaOperations.AllocateAdapterChannelEx?.(b, dev, context(b), 1, 0, () => (order.push("b"), DeallocateObject), null, null));
    const c = systemV3(k, 5);
    k.atDispatch(() => c.DmaOperations.AllocateAdapterChannelEx?.(c, dev, context(c), 1, 0, () => (order.push("c"), DeallocateObject), null, null));
    expect(order).toEqual(["a"]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(order).toEqual(["a", "b", "c"]);
    expect(seen).toEqual([]);
  });

  it("a request queued behind a grant of the same adapter that keeps the channel and its map registers (KeepObject) is not 0xE6 / 0x15: it holds no registers until the channel frees, and then none are kept", () => {
    const { k, seen } = machine();
    const a = systemV3(k, 5);
    const all = adapterObject(a).mapRegisters;
    expect(all).toBeGreaterThan(1);
    const dev = fdo(k, "sb16");
    const order: string[] = [];
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), all, 0, () => (order.push("first"), KeepObject), null, null));
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), all, 0, () => (order.push("second"), KeepObject), null, null));
    expect(order).toEqual(["first"]);
    expect(seen).toEqual([]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(order).toEqual(["first", "second"]);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(all);
    expect(seen).toEqual([]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
  });

  it("a queued request granted while an earlier grant's kept registers (DeallocateObjectKeepRegisters) leave too few is 0xE6 / 0x15 at its grant, naming AllocateAdapterChannelEx", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    const all = adapterObject(a).mapRegisters;
    const dev = fdo(k);
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), 1, 0, () => KeepObject, null, null));
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), 1, 0, () => DeallocateObjectKeepRegisters, null, null));
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, context(a), all, 0, () => DeallocateObject, null, null));
    expect(seen).toEqual([]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(seen.map((f) => [f.code, f.routine, f.bugCheck])).toEqual([["DMA_TOO_MANY_MAP_REGISTERS_ALLOCATED", "AllocateAdapterChannelEx", [0xe6, 0x15, all + 1, all, 0]]]);
  });

  it("DMA_SYNCHRONOUS_CALLBACK without a routine hands back the MapRegisterBase; with the channel busy it is STATUS_INSUFFICIENT_RESOURCES and nothing waits", () => {
    const { k } = machine();
    const a = masterV3(k, packet);
    const base = hold(k, a, 2);
    expect(registerFileOf(base)?.count).toBe(2);
    const out: { value: MapRegisterBase } = { value: null };
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, DMA_SYNCHRONOUS_CALLBACK, null, null, out))).toBe(STATUS.INSUFFICIENT_RESOURCES);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, DMA_SYNCHRONOUS_CALLBACK, null, null, out))).toBe(STATUS.SUCCESS);
  });

  it("parameter rules: MapRegisterBase without DMA_SYNCHRONOUS_CALLBACK, neither routine nor MapRegisterBase, both, or an unknown flag are STATUS_INVALID_PARAMETER", () => {
    const { k } = machine();
    const a = masterV3(k, packet);
    const out = { value: null };
    const call = (flags: number, routine: (() => 2) | null, base: { value: MapRegisterBase } | null): number | undefined => k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, flags, routine, null, base));
    expect(call(0, null, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(DMA_SYNCHRONOUS_CALLBACK, null, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(DMA_SYNCHRONOUS_CALLBACK, () => DeallocateObject, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(call(0x2, () => DeallocateObject, null)).toBe(STATUS.INVALID_PARAMETER);
  });

  it("more map registers than IoGetDmaAdapter gave is STATUS_INSUFFICIENT_RESOURCES and 0xE6 / 0x0C; the routine never runs", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    let ran = false;
    const n = adapterObject(a).mapRegisters + 1;
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), n, 0, () => ((ran = true), DeallocateObject), null, null))).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(ran).toBe(false);
    expect(seen.map((f) => f.bugCheck?.slice(0, 2))).toEqual([[0xe6, 0x0c]]);
  });

  it("a context that was never initialized, or whose request is still waiting, is STATUS_INVALID_PARAMETER and DMA_TRANSFER_CONTEXT_MISUSE", () => {
    const { k, seen } = machine();
    const a = systemV3(k, 5);
    const b = systemV3(k, 5);
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k, "sb16"), new Uint8Array(128), 1, 0, () => DeallocateObject, null, null))).toBe(STATUS.INVALID_PARAMETER);
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k, "sb16"), context(a), 1, 0, () => KeepObject, null, null));
    const waiting = context(b);
    k.atDispatch(() => b.DmaOperations.AllocateAdapterChannelEx?.(b, fdo(k, "sb16"), waiting, 1, 0, () => DeallocateObject, null, null));
    expect(k.atDispatch(() => b.DmaOperations.AllocateAdapterChannelEx?.(b, fdo(k, "sb16"), waiting, 1, 0, () => DeallocateObject, null, null))).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => [f.code, f.params?.["state" as never]])).toEqual([
      ["DMA_TRANSFER_CONTEXT_MISUSE", "not initialized"],
      ["DMA_TRANSFER_CONTEXT_MISUSE", "pending"],
    ]);
  });

  it("must be called at DISPATCH_LEVEL: at PASSIVE_LEVEL it is 0xE6 / 0x13 (P2 = 1)", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, 0, () => DeallocateObject, null, null);
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x13, 1, DISPATCH_LEVEL, 0]]);
  });
});

describe("CancelAdapterChannel", () => {
  it("cancels a waiting request (TRUE: its routine never runs); a granted one cannot be cancelled (FALSE)", () => {
    const { k } = machine();
    const a = systemV3(k, 5);
    const b = systemV3(k, 5);
    const dev = fdo(k, "sb16");
    const granted = context(a);
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, granted, 1, 0, () => KeepObject, null, null));
    const waiting = context(b);
    let ran = false;
    k.atDispatch(() => b.DmaOperations.AllocateAdapterChannelEx?.(b, dev, waiting, 1, 0, () => ((ran = true), DeallocateObject), null, null));
    expect(k.atDispatch(() => b.DmaOperations.CancelAdapterChannel?.(b, dev, waiting))).toBe(true);
    expect(k.atDispatch(() => a.DmaOperations.CancelAdapterChannel?.(a, dev, granted))).toBe(false);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(ran).toBe(false);
  });

  it("cancels a request before it is made: the next AllocateAdapterChannelEx with that context never runs its routine (STATUS_CANCELLED when synchronous)", () => {
    const { k } = machine();
    const a = masterV3(k, packet);
    const dev = fdo(k);
    const ctx = context(a);
    expect(a.DmaOperations.CancelAdapterChannel?.(a, dev, ctx)).toBe(true);
    let ran = false;
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, ctx, 1, 0, () => ((ran = true), DeallocateObject), null, null))).toBe(STATUS.SUCCESS);
    expect(ran).toBe(false);
    const ctx2 = context(a);
    a.DmaOperations.CancelAdapterChannel?.(a, dev, ctx2);
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, ctx2, 1, DMA_SYNCHRONOUS_CALLBACK, () => ((ran = true), DeallocateObject), null, null))).toBe(STATUS.CANCELLED);
    expect(ran).toBe(false);
  });

  it("a context it does not know is FALSE", () => {
    const { k } = machine();
    const a = masterV3(k, packet);
    expect(a.DmaOperations.CancelAdapterChannel?.(a, fdo(k), new Uint8Array(128))).toBe(false);
  });
});

describe("FreeAdapterObject", () => {
  it("DeallocateObject frees the adapter object and its map registers; the channel is free again", () => {
    const { k } = machine();
    const a = masterV3(k, packet);
    hold(k, a, 3);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(3);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(0);
    hold(k, a, 1);
  });

  it("DeallocateObjectKeepRegisters frees the adapter object only: the registers stay until FreeMapRegisters", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    const base = hold(k, a, 2);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObjectKeepRegisters);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(2);
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, base, 2));
    expect(outstandingMapRegisters(adapterObject(a))).toBe(0);
    expect(seen).toEqual([]);
  });

  it("KeepObject has no effect; freeing an adapter object the adapter does not hold is 0xE6 / 0x04; an AllocationAction outside IO_ALLOCATION_ACTION is a RangeError", () => {
    const { k, seen } = machine();
    const a = masterV3(k, packet);
    hold(k, a, 1);
    a.DmaOperations.FreeAdapterObject?.(a, KeepObject);
    expect(outstandingMapRegisters(adapterObject(a))).toBe(1);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    expect(seen.map((f) => f.bugCheck?.slice(0, 2))).toEqual([[0xe6, 0x04]]);
    expect(() => a.DmaOperations.FreeAdapterObject?.(a, 7 as never)).toThrow(RangeError);
  });
});
