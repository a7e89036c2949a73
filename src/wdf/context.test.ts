import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { WDF_DECLARE_CONTEXT_TYPE_WITH_NAME, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE, WdfObjectAllocateContext, WdfObjectGetTypedContextWorker } from "./context.ts";
import { type HandleOut, WdfObjectCreate } from "./driver.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT, type WdfGeneralObject } from "./object.ts";
import { wdfTestbed } from "./test-support.ts";

interface DeviceContext {
  registers: number;
  readonly seen: string[];
}

describe("typed object contexts (WDF_DECLARE_CONTEXT_TYPE)", () => {
  it("an object created with WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE has a fresh context of the driver's type; the accessor returns the same one each time", () => {
    const tb = wdfTestbed();
    const Ctx = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME<DeviceContext>("DEVICE_CONTEXT", () => ({ registers: 0, seen: [] }));
    const a: HandleOut<WdfGeneralObject> = { value: null };
    const b: HandleOut<WdfGeneralObject> = { value: null };
    expect(WdfObjectCreate(tb.driver, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx), a)).toBe(STATUS.SUCCESS);
    WdfObjectCreate(tb.driver, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx), b);
    const ca = Ctx.get(a.value as WdfGeneralObject);
    ca.registers = 0x1234;
    ca.seen.push("x");
    expect(Ctx.get(a.value as WdfGeneralObject)).toBe(ca);
    expect(Ctx.get(b.value as WdfGeneralObject)).toEqual({ registers: 0, seen: [] });
  });

  it("an object without that context: WdfObjectGetTypedContextWorker returns NULL and the accessor is a TypeError naming the type", () => {
    const tb = wdfTestbed();
    const Ctx = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME("QUEUE_CONTEXT", () => ({ n: 1 }));
    expect(WdfObjectGetTypedContextWorker(tb.device, Ctx.info)).toBeNull();
    expect(() => Ctx.get(tb.device)).toThrow(/has no QUEUE_CONTEXT context/);
  });

  it("WdfObjectAllocateContext adds one later; a second of the same type is STATUS_OBJECT_NAME_EXISTS with the existing one; a ParentObject is refused", () => {
    const tb = wdfTestbed();
    const Ctx = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME("EXTRA", () => ({ n: 7 }));
    const out: { value: unknown } = { value: null };
    expect(WdfObjectAllocateContext(tb.device, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx), out)).toBe(STATUS.SUCCESS);
    const first = out.value;
    expect(Ctx.get(tb.device)).toBe(first);
    expect(WdfObjectAllocateContext(tb.device, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx), out)).toBe(STATUS.OBJECT_NAME_EXISTS);
    expect(out.value).toBe(first);
    expect(WdfObjectAllocateContext(tb.device, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.driver, ContextTypeInfo: Ctx.info }), out)).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(WdfObjectAllocateContext(tb.device, WDF_OBJECT_ATTRIBUTES_INIT(), out)).toBe(STATUS.INVALID_PARAMETER);
  });

  it("ContextSizeOverride below the declared size is STATUS_WDF_OBJECT_ATTRIBUTES_INVALID (FxValidateObjectAttributes)", () => {
    const tb = wdfTestbed();
    const Ctx = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME("BIG", () => ({}), 64);
    expect(WdfObjectCreate(tb.driver, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx, { ContextSizeOverride: 32 }), { value: null })).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
  });
});
