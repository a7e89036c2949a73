import { describe, expect, it } from "vitest";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { WdfSpinLock, WdfSpinLockAcquire, WdfSpinLockCreate, WdfSpinLockRelease } from "./spin-lock.ts";
import { wdfTestbed } from "./test-support.ts";

describe("WDFSPINLOCK", () => {
  it("Acquire raises to DISPATCH_LEVEL and Release returns to the IRQL of the acquire", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfSpinLock> = { value: null };
    expect(WdfSpinLockCreate(tb.driver, null, out)).toBe(STATUS.SUCCESS);
    const l = out.value as WdfSpinLock;
    expect(l.parent).toBe(tb.driver);
    WdfSpinLockAcquire(l);
    expect(tb.k.KeGetCurrentIrql()).toBe(DISPATCH_LEVEL);
    WdfSpinLockRelease(l);
    expect(tb.k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
  });

  it("the parent may be named (the lock dies with the device); a bad Size is STATUS_INFO_LENGTH_MISMATCH", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfSpinLock> = { value: null };
    expect(WdfSpinLockCreate(tb.driver, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.SUCCESS);
    expect(out.value?.parent).toBe(tb.device);
    expect(WdfSpinLockCreate(tb.driver, { ...WDF_OBJECT_ATTRIBUTES_INIT(), Size: 4 }, out)).toBe(STATUS.INFO_LENGTH_MISMATCH);
    expect(out.value).toBeNull();
  });

  it("acquiring a held lock is the one-processor deadlock (RangeError); releasing an unheld one is WDF_VIOLATION 0xB with the handle; acquiring above DISPATCH_LEVEL is 0xA", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfSpinLock> = { value: null };
    WdfSpinLockCreate(tb.driver, null, out);
    const l = out.value as WdfSpinLock;
    expect(() => WdfSpinLockRelease(l)).toThrow(expect.objectContaining({ code: BUGCHECK.WDF_VIOLATION, params: [0xb, l.handle, 1, 0] }));
    WdfSpinLockAcquire(l);
    expect(() => WdfSpinLockAcquire(l)).toThrow(/already held.*deadlock/);
    WdfSpinLockRelease(l);
    expect(() => tb.k.atIrql(DISPATCH_LEVEL + 1, () => WdfSpinLockAcquire(l))).toThrow(BugCheckError);
  });
});
