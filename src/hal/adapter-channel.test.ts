import { describe, expect, it } from "vitest";
import type { FindingInput } from "../core/findings.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { adapterObject } from "./adapter.ts";
import { holdsChannel, outstandingChannels } from "./adapter-channel.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { outstandingMapRegisters } from "./map-registers.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, deviceDescription, type DMA_ADAPTER, DmaWidth, type DRIVER_CONTROL, InterfaceType, KeepObject, type MapRegisterBase } from "./types.ts";

function machine(): { k: Kernel; seen: FindingInput[] } {
  const k = bootMachine("x64-desktop");
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return { k, seen };
}

function sysAdapter(k: Kernel, channel = 5): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Master: false, DmaChannel: channel, DmaWidth: channel >= 4 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits, AutoInitialize: true, InterfaceType: InterfaceType.Isa, MaximumLength: 16384 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

function masterAdapter(k: Kernel): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

let fdos = 0;
/** Call AllocateAdapterChannel at DISPATCH_LEVEL, as drivers must. */
function allocate(k: Kernel, a: DMA_ADAPTER, n: number, routine: DRIVER_CONTROL, ctx: unknown = null): number {
  const fdo = createFdo(k.pdo(adapterObject(a).device), `fdo${fdos++}`, 64);
  fdo.CurrentIrp = "the current IRP";
  return k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, fdo, n, routine, ctx) ?? -1);
}

describe("AllocateAdapterChannel / FreeAdapterChannel", () => {
  it("runs the ExecutionRoutine at once at DISPATCH_LEVEL with CurrentIrp, a MapRegisterBase and the Context, and returns STATUS_SUCCESS", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const got: unknown[] = [];
    const st = allocate(k, a, 4, (_d, irp, base, ctx) => (got.push(irp, base !== null, ctx, k.KeGetCurrentIrql()), KeepObject), "ctx");
    expect(st).toBe(STATUS.SUCCESS);
    expect(got).toEqual(["the current IRP", true, "ctx", DISPATCH_LEVEL]);
    expect(holdsChannel(adapterObject(a))).toBe(true);
    expect(seen).toEqual([]);
  });

  it("a second adapter on the same system DMA channel waits; its routine runs when the holder calls FreeAdapterChannel", () => {
    const { k, seen } = machine();
    const a1 = sysAdapter(k);
    const a2 = sysAdapter(k);
    const order: string[] = [];
    allocate(k, a1, 1, () => (order.push("a1"), KeepObject));
    expect(allocate(k, a2, 1, () => (order.push(`a2@${k.KeGetCurrentIrql()}`), KeepObject))).toBe(STATUS.SUCCESS);
    expect(order).toEqual(["a1"]);
    expect(outstandingChannels(adapterObject(a2))).toBe(1);
    k.atDispatch(() => a1.DmaOperations.FreeAdapterChannel?.(a1));
    expect(order).toEqual(["a1", `a2@${DISPATCH_LEVEL}`]);
    expect(holdsChannel(adapterObject(a2))).toBe(true);
    expect(seen).toEqual([]);
  });

  it("adapters on different channels do not wait for each other", () => {
    const { k } = machine();
    let runs = 0;
    allocate(k, sysAdapter(k, 5), 1, () => (runs++, KeepObject));
    allocate(k, sysAdapter(k, 1), 1, () => (runs++, KeepObject));
    expect(runs).toBe(2);
  });

  it("KeepObject keeps channel and map registers; FreeAdapterChannel releases both", () => {
    const { k } = machine();
    const a = sysAdapter(k);
    const ao = adapterObject(a);
    allocate(k, a, 3, () => KeepObject);
    expect(outstandingMapRegisters(ao)).toBe(3);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(holdsChannel(ao)).toBe(false);
    expect(outstandingMapRegisters(ao)).toBe(0);
  });

  it("DeallocateObject frees the channel and the map registers as soon as the routine returns", () => {
    const { k } = machine();
    const a = sysAdapter(k);
    const ao = adapterObject(a);
    allocate(k, a, 3, () => DeallocateObject);
    expect(holdsChannel(ao)).toBe(false);
    expect(outstandingMapRegisters(ao)).toBe(0);
  });

  it("DeallocateObjectKeepRegisters frees the channel but keeps the registers until FreeMapRegisters", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const ao = adapterObject(a);
    let base: MapRegisterBase = null;
    allocate(k, a, 3, (_d, _i, b) => ((base = b), DeallocateObjectKeepRegisters));
    expect(holdsChannel(ao)).toBe(false);
    expect(outstandingMapRegisters(ao)).toBe(3);
    k.atDispatch(() => a.DmaOperations.FreeMapRegisters?.(a, base, 3));
    expect(outstandingMapRegisters(ao)).toBe(0);
    expect(seen).toEqual([]);
  });

  it("asking for more map registers than IoGetDmaAdapter gave fails with STATUS_INSUFFICIENT_RESOURCES, never runs the routine, and is reported as 0xE6 / 0x0C", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const max = adapterObject(a).mapRegisters;
    let ran = false;
    expect(allocate(k, a, max + 1, () => ((ran = true), KeepObject))).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(ran).toBe(false);
    expect(holdsChannel(adapterObject(a))).toBe(false);
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x0c, max + 1, max, 0]]);
  });

  it("a second request on an adapter that already has a channel is reported as 0xE6 / 0x0B and waits", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    let second = false;
    allocate(k, a, 1, () => KeepObject);
    allocate(k, a, 1, () => ((second = true), KeepObject));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x0b, 1, 0, 0]]);
    expect(second).toBe(false);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(second).toBe(true);
  });

  it("FreeAdapterChannel without a channel is reported as 0xE6 / 0x04 and changes nothing", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(seen.map((f) => f.bugCheck)).toEqual([[0xe6, 0x04, 1, 0, 0]]);
    expect(holdsChannel(adapterObject(a))).toBe(false);
  });

  it("AllocateAdapterChannel and FreeAdapterChannel below DISPATCH_LEVEL are reported as 0xE6 / 0x13", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const fdo = createFdo(k.pdo("sb16"), "x", 64);
    let at = -1;
    expect(a.DmaOperations.AllocateAdapterChannel?.(a, fdo, 1, () => ((at = k.KeGetCurrentIrql()), KeepObject), null)).toBe(STATUS.SUCCESS);
    a.DmaOperations.FreeAdapterChannel?.(a);
    expect(seen.map((f) => f.bugCheck)).toEqual([
      [0xe6, 0x13, 1, DISPATCH_LEVEL, PASSIVE_LEVEL],
      [0xe6, 0x13, 1, DISPATCH_LEVEL, PASSIVE_LEVEL],
    ]);
    expect(at).toBe(DISPATCH_LEVEL); // the routine itself still runs at DISPATCH_LEVEL
  });

  it("an AdapterControl routine returning something other than an IO_ALLOCATION_ACTION is a TypeError", () => {
    const { k } = machine();
    const a = sysAdapter(k);
    expect(() => allocate(k, a, 1, () => 7 as unknown as 1)).toThrow(TypeError);
  });

  it("a bus master that needs map registers gets them; its adapter is its own channel", () => {
    const { k } = machine();
    const a1 = masterAdapter(k);
    const a2 = masterAdapter(k);
    const bases: MapRegisterBase[] = [];
    allocate(k, a1, 2, (_d, _i, b) => (bases.push(b), KeepObject));
    allocate(k, a2, 2, (_d, _i, b) => (bases.push(b), KeepObject));
    expect(bases.length).toBe(2);
    expect(bases.every((b) => b !== null)).toBe(true);
  });

  it("PutDmaAdapter with the channel still held is reported as 0xE6 / 0x08 and with map registers still allocated as 0xE6 / 0x09", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    const ao = adapterObject(a);
    allocate(k, a, 2, () => KeepObject);
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(seen.map((f) => f.bugCheck)).toEqual([
      [0xe6, 0x08, ao.address, 1, 0],
      [0xe6, 0x09, ao.address, 2, 0],
    ]);
  });

  it("PutDmaAdapter after FreeAdapterChannel reports nothing", () => {
    const { k, seen } = machine();
    const a = sysAdapter(k);
    allocate(k, a, 2, () => KeepObject);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    a.DmaOperations.PutDmaAdapter?.(a);
    expect(seen).toEqual([]);
  });

  it("a second waiting request from the same device object (on two adapters) is reported", () => {
    const { k, seen } = machine();
    const holder = sysAdapter(k);
    const a1 = sysAdapter(k);
    const a2 = sysAdapter(k);
    allocate(k, holder, 1, () => KeepObject);
    const fdo = createFdo(k.pdo("sb16"), "shared", 64);
    k.atDispatch(() => a1.DmaOperations.AllocateAdapterChannel?.(a1, fdo, 1, () => KeepObject, null));
    expect(seen).toEqual([]);
    k.atDispatch(() => a2.DmaOperations.AllocateAdapterChannel?.(a2, fdo, 1, () => KeepObject, null));
    expect(seen.map((f) => f.code)).toEqual(["DMA_DEVICE_REQUEST_ALREADY_QUEUED"]);
  });

  it("with the verifier in bugcheck mode a double FreeAdapterChannel stops the machine with 0xE6 (0x04, 1, 0, 0)", () => {
    const k = bootMachine("x64-desktop");
    installVerifier(k, { mode: "bugcheck" });
    const a = sysAdapter(k);
    allocate(k, a, 1, () => KeepObject);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    try {
      k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect([(e as BugCheckError).code, ...(e as BugCheckError).params]).toEqual([0xe6, 0x04, 1, 0, 0]);
    }
  });
});
