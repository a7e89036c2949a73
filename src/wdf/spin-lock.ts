/**
 * WDFSPINLOCK (fxspinlock.cpp, fxspinlockapi.cpp): WdfSpinLockCreate,
 * WdfSpinLockAcquire (<= DISPATCH_LEVEL; raises to DISPATCH_LEVEL) and
 * WdfSpinLockRelease (back to the IRQL of the acquire). The parent is the
 * driver unless the attributes name one (dmasim passes the WDFDRIVER
 * explicitly, as WdfObjectCreate does, since there are no driver globals to
 * find it from).
 *
 * dmasim runs one processor: acquiring a lock already held spins forever on
 * Windows; here it is a RangeError naming the deadlock. Releasing a lock the
 * caller does not hold is the KMDF verifier's WDF_VIOLATION (0x10D) with
 * P1 = 0xB (WDF_INVALID_LOCK_OPERATION), P2 = the lock, P3 = 1.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName, type KIRQL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { type HandleOut, WdfDriver } from "./driver.ts";
import { FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";

/** WDF_INVALID_LOCK_OPERATION, P1 of WDF_VIOLATION. */
export const WDF_VIOLATION_INVALID_LOCK_OPERATION = 0xb;

export class WdfSpinLock extends WdfObject {
  readonly typeName = "WDFSPINLOCK";
  held = false;
  private irql: KIRQL = 0;

  acquire(): void {
    const k = this.globals.kernel;
    const cur = k.KeGetCurrentIrql();
    if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `WdfSpinLockAcquire on ${String(this)} at ${irqlName(cur)} (maximum DISPATCH_LEVEL)`);
    if (this.held) throw new RangeError(`WdfSpinLockAcquire: ${String(this)} is already held (one processor spins on it forever: a deadlock on Windows)`);
    this.irql = k.KeRaiseIrql(DISPATCH_LEVEL);
    this.held = true;
  }

  releaseLock(): void {
    if (!this.held) throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_INVALID_LOCK_OPERATION, this.handle, 1, 0, `WdfSpinLockRelease: ${String(this)} was never acquired`);
    this.held = false;
    this.globals.kernel.KeLowerIrql(this.irql);
  }
}

/** WdfSpinLockCreate(Driver, SpinLockAttributes, SpinLock) (<= DISPATCH_LEVEL). */
export function WdfSpinLockCreate(Driver: WdfDriver, SpinLockAttributes: WDF_OBJECT_ATTRIBUTES | null, SpinLock: HandleOut<WdfSpinLock>): NTSTATUS {
  const drv = validHandle(Driver, WdfDriver, "WdfSpinLockCreate");
  SpinLock.value = null;
  let st = drv.globals.checkIrql("WdfSpinLockCreate", DISPATCH_LEVEL);
  if (!NT_SUCCESS(st)) return st;
  st = FxValidateObjectAttributes(SpinLockAttributes);
  if (!NT_SUCCESS(st)) return st;
  const parent = SpinLockAttributes?.ParentObject ?? drv;
  validHandle(parent, WdfObject, "WdfSpinLockCreate");
  const l = new WdfSpinLock(drv.globals, SpinLockAttributes);
  l.commit(parent);
  SpinLock.value = l;
  return STATUS.SUCCESS;
}

export function WdfSpinLockAcquire(SpinLock: WdfSpinLock): void {
  validHandle(SpinLock, WdfSpinLock, "WdfSpinLockAcquire").acquire();
}

export function WdfSpinLockRelease(SpinLock: WdfSpinLock): void {
  validHandle(SpinLock, WdfSpinLock, "WdfSpinLockRelease").releaseLock();
}
