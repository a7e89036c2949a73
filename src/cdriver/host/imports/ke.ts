/**
 * The kernel's (Ke) routines for a C driver: IRQL, DPCs, timers, events,
 * spin locks, time, stalls and waits, bug checks. DPCs and timers are the
 * kernel's own objects with a closure that calls the driver's routine
 * through its function table, so the kernel's scheduler delivers them at
 * DISPATCH_LEVEL between (or, when the machine interrupts, inside) the
 * driver's calls, as it does for a TypeScript driver.
 */
import { BugCheckError } from "../../../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../../../core/irql.ts";
import { STATUS } from "../../../core/ntstatus.ts";
import { KeCancelTimer, KeInitializeDpc, KeInitializeTimer, KeInsertQueueDpc, KeReadStateTimer, KeRemoveQueueDpc, KeSetTimer } from "../../../kernel/dpc.ts";
import { KeFlushIoBuffers } from "../../../kernel/flush.ts";
import { DISP } from "../c-objects.ts";
import { bool, type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";

/** SPIN_LOCK_ALREADY_OWNED and SPIN_LOCK_NOT_OWNED. */
const SPIN_LOCK_ALREADY_OWNED = 0x0f;
const SPIN_LOCK_NOT_OWNED = 0x10;
const STATUS_TIMEOUT = 0x102;

export function keImports(ctx: DriverContext): ImportTable {
  const { host, k, objects } = ctx;
  const mem = () => host.mem;
  /** Run the machine (a thread waiting) until `done()` or `until` ns; false on a timeout. */
  const waitUntil = (what: string, done: () => boolean, until: number): boolean => {
    while (!done()) {
      if (k.KeGetCurrentIrql() >= DISPATCH_LEVEL) throw new BugCheckError(0x0a, 0, k.KeGetCurrentIrql(), 0, 0, `${what}: a wait at ${irqlName(k.KeGetCurrentIrql())} (waits need IRQL below DISPATCH_LEVEL)`);
      const t = Math.min(k.clock.nextEventTime(), until);
      if (t === Infinity) throw new RangeError(`${what}: the driver waits for something nothing on the machine will ever do (no event left to run at ${k.clock.now} ns)`);
      k.clock.runUntil(Math.max(t, k.clock.now));
      if (t >= until && !done()) return false;
    }
    return true;
  };
  /** A relative (negative, 100 ns units) or absolute (positive) due time as an absolute time in ns. */
  const dueNs = (due: bigint): number => (due < 0n ? k.clock.now + Number(-due) * 100 : Number(due) * 100);
  return {
    KeGetCurrentIrql: () => k.KeGetCurrentIrql(),
    KfRaiseIrql: (irql: number) => k.KeRaiseIrql(irql & 0xff),
    KeLowerIrql: (irql: number) => k.KeLowerIrql(irql & 0xff),
    KeRaiseIrqlToDpcLevel: () => k.KeRaiseIrql(DISPATCH_LEVEL),
    KeInitializeDpc(dpc: number, routine: number, context: number): void {
      const at = u(dpc);
      const r = u(routine);
      const d = KeInitializeDpc(k, (_d, ctxv, a1, a2) => void host.call(r, [at, u(ctxv as number), u((a1 as number | null) ?? 0), u((a2 as number | null) ?? 0)], "the DPC routine"), u(context));
      objects.initDpc(at, r, u(context), d);
    },
    KeInsertQueueDpc: (dpc: number, a1: number, a2: number) => (KeInsertQueueDpc(k, objects.dpc(u(dpc), "KeInsertQueueDpc"), u(a1), u(a2)) ? 1 : 0),
    KeRemoveQueueDpc: (dpc: number) => (KeRemoveQueueDpc(k, objects.dpc(u(dpc), "KeRemoveQueueDpc")) ? 1 : 0),
    KeInitializeTimer(timer: number): void {
      objects.timers.set(u(timer), KeInitializeTimer(k));
    },
    KeSetTimer(timer: number, duePtr: number, dpc: number): number {
      const t = objects.timers.get(u(timer));
      if (t === undefined) throw new BugCheckError(0x1e, 0xc0000005, u(timer), 0, 0, `KeSetTimer: the KTIMER at 0x${u(timer).toString(16)} was never initialized (KeInitializeTimer)`);
      const due = mem().i64At(u(duePtr));
      return KeSetTimer(k, t, due, u(dpc) === 0 ? null : objects.dpc(u(dpc), "KeSetTimer")) ? 1 : 0;
    },
    KeCancelTimer(timer: number): number {
      const t = objects.timers.get(u(timer));
      return t === undefined ? 0 : KeCancelTimer(k, t) ? 1 : 0;
    },
    KeReadStateTimer(timer: number): number {
      const t = objects.timers.get(u(timer));
      return t !== undefined && KeReadStateTimer(t) ? 1 : 0;
    },
    // Events: the state lives in the driver's KEVENT (Header.Type, Header.SignalState), as on Windows.
    KeInitializeEvent(event: number, type: number, state: number): void {
      mem().setU8(u(event) + DISP.Type, type & 1);
      mem().setU32(u(event) + DISP.SignalState, bool(state) ? 1 : 0);
    },
    KeSetEvent(event: number): number {
      const old = mem().i32At(u(event) + DISP.SignalState);
      mem().setU32(u(event) + DISP.SignalState, 1);
      return old;
    },
    KeClearEvent(event: number): void {
      mem().setU32(u(event) + DISP.SignalState, 0);
    },
    KeResetEvent(event: number): number {
      const old = mem().i32At(u(event) + DISP.SignalState);
      mem().setU32(u(event) + DISP.SignalState, 0);
      return old;
    },
    KeReadStateEvent: (event: number) => mem().i32At(u(event) + DISP.SignalState),
    KeWaitForSingleObject(object: number, _reason: number, _mode: number, _alertable: number, timeout: number): number {
      const at = u(object);
      const m = mem();
      const signaled = (): boolean => m.i32At(at + DISP.SignalState) !== 0;
      const until = u(timeout) === 0 ? Infinity : dueNs(m.i64At(u(timeout)));
      if (u(timeout) !== 0 && m.i64At(u(timeout)) === 0n && !signaled()) return STATUS_TIMEOUT;
      if (!waitUntil("KeWaitForSingleObject", signaled, until)) return STATUS_TIMEOUT;
      // A synchronization event lets one waiter through and resets.
      if (m.u8At(at + DISP.Type) === 1) m.setU32(at + DISP.SignalState, 0);
      return STATUS.SUCCESS;
    },
    KeAcquireSpinLockRaiseToDpc(lock: number): number {
      const old = k.KeRaiseIrql(DISPATCH_LEVEL);
      if (mem().u32At(u(lock)) !== 0) throw new BugCheckError(SPIN_LOCK_ALREADY_OWNED, u(lock), 0, 0, 0, `KeAcquireSpinLock: the spin lock at 0x${u(lock).toString(16)} is already held (one processor: it would spin forever)`);
      mem().setU32(u(lock), 1);
      return old;
    },
    KeReleaseSpinLock(lock: number, irql: number): void {
      if (mem().u32At(u(lock)) === 0) throw new BugCheckError(SPIN_LOCK_NOT_OWNED, u(lock), 0, 0, 0, `KeReleaseSpinLock: the spin lock at 0x${u(lock).toString(16)} is not held`);
      mem().setU32(u(lock), 0);
      k.KeLowerIrql(irql & 0xff);
    },
    KeAcquireSpinLockAtDpcLevel(lock: number): void {
      if (mem().u32At(u(lock)) !== 0) throw new BugCheckError(SPIN_LOCK_ALREADY_OWNED, u(lock), 0, 0, 0, `KeAcquireSpinLockAtDpcLevel: the spin lock at 0x${u(lock).toString(16)} is already held`);
      mem().setU32(u(lock), 1);
    },
    KeReleaseSpinLockFromDpcLevel(lock: number): void {
      if (mem().u32At(u(lock)) === 0) throw new BugCheckError(SPIN_LOCK_NOT_OWNED, u(lock), 0, 0, 0, `KeReleaseSpinLockFromDpcLevel: the spin lock at 0x${u(lock).toString(16)} is not held`);
      mem().setU32(u(lock), 0);
    },
    // A stall busy-waits: the time passes on the machine (events due meanwhile run).
    KeStallExecutionProcessor(us: number): void {
      k.clock.advanceBy(u(us) * 1000);
    },
    KeDelayExecutionThread(_mode: number, _alertable: number, interval: number): number {
      const until = dueNs(mem().i64At(u(interval)));
      waitUntil("KeDelayExecutionThread", () => k.clock.now >= until, until);
      return STATUS.SUCCESS;
    },
    KeQueryInterruptTime: () => BigInt(Math.floor(k.clock.now / 100)),
    KeQuerySystemTimePrecise(out: number): void {
      mem().setU64(u(out), BigInt(Math.floor(k.clock.now / 100)));
    },
    KeQueryPerformanceCounter(ret: number, freq: number): void {
      // A 10 MHz counter (the usual on x64 Windows 10).
      if (u(freq) !== 0) mem().setU64(u(freq), 10_000_000n);
      mem().setU64(u(ret), BigInt(Math.floor(k.clock.now / 100)));
    },
    KeFlushIoBuffers(mdl: number, read: number, dma: number): void {
      KeFlushIoBuffers(k, objects.mdl(u(mdl), "KeFlushIoBuffers"), bool(read), bool(dma));
    },
    KeBugCheckEx(code: number, p1: number, p2: number, p3: number, p4: number): void {
      throw new BugCheckError(u(code), u(p1), u(p2), u(p3), u(p4), "KeBugCheckEx called by the driver");
    },
  };
}
