/**
 * Deferred procedure calls and kernel timers: KeInitializeDpc,
 * KeInsertQueueDpc, KeRemoveQueueDpc, KeInitializeTimer, KeSetTimer,
 * KeCancelTimer. Queued DPCs run in FIFO order at DISPATCH_LEVEL as soon as
 * the processor's IRQL drops below DISPATCH_LEVEL: right away when queued from
 * PASSIVE/APC code, at the end of the ISR dispatch when queued from an ISR.
 * Timers expire on the simulated clock and queue their DPC.
 *
 * Devices that advance lazily (the 8237) register a catch-up with
 * addCatchUp; it runs before any driver code (ISR, DPC) at a simulated
 * instant and before every CPU access (VaSpace.beforeAccess), so the code
 * sees memory and registers as of that instant.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import type { TimerHandle } from "../machine/clock.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { type Kernel, machineSlot } from "./kernel.ts";

/** PKDEFERRED_ROUTINE(Dpc, DeferredContext, SystemArgument1, SystemArgument2). */
export type KDEFERRED_ROUTINE = (Dpc: KDPC, DeferredContext: unknown, SystemArgument1: unknown, SystemArgument2: unknown) => void;

/** A deferred procedure call object (KeInitializeDpc). */
export interface KDPC {
  /** Tag: a KDPC. */
  readonly Type: "DPC";
  /** What runs at DISPATCH_LEVEL. */
  DeferredRoutine: KDEFERRED_ROUTINE;
  /** Its context, from KeInitializeDpc. */
  DeferredContext: unknown;
  /** From KeInsertQueueDpc. */
  SystemArgument1: unknown;
  /** From KeInsertQueueDpc. */
  SystemArgument2: unknown;
  /** In the DPC queue now. */
  inserted: boolean;
}

/** A kernel timer (KeInitializeTimer / KeSetTimer). */
export interface KTIMER {
  /** Tag: a KTIMER. */
  readonly Type: "TIMER";
  /** Absolute expiry (simulated ns) while set, else -1. */
  dueTime: number;
  /** Signalled once it has expired (KeReadStateTimer). */
  signaled: boolean;
  /** The DPC queued when it expires, or null. */
  dpc: KDPC | null;
  /** Its event on the clock while set. */
  handle: TimerHandle | null;
}

interface DpcState {
  readonly queue: KDPC[];
  draining: boolean;
  /** Interrupt dispatches in progress: they drain the queue themselves when they finish. */
  dispatching: number;
  drainScheduled: boolean;
  readonly catchUps: (() => void)[];
  /** DPCs run (for statistics). */
  ran: number;
}

const DPCS = machineSlot<DpcState>("dpcs", () => ({ queue: [], draining: false, dispatching: 0, drainScheduled: false, catchUps: [], ran: 0 }));
function state(k: Kernel): DpcState {
  return k.slot(DPCS);
}

/**
 * Register a catch-up of something outside the board (a user's lazily
 * advancing model) to run before driver code, after the board's devices.
 */
export function addCatchUp(k: Kernel, fn: () => void): void {
  state(k).catchUps.push(fn);
  // Driver code touching memory at top level (not in an ISR/DPC) needs it caught up too.
  k.va.beforeAccess = () => catchUpDevices(k);
}

/** Bring every lazily advancing device up to now (the board's, then any added with addCatchUp). */
export function catchUpDevices(k: Kernel): void {
  k.board.sync();
  const cs = state(k).catchUps;
  for (let i = 0; i < cs.length; i++) (cs[i] as () => void)();
}

/** DPCs run so far on this machine. */
export function dpcCount(k: Kernel): number {
  return state(k).ran;
}

/** KeInitializeDpc (any IRQL): a DPC object for DeferredRoutine with its context. */
export function KeInitializeDpc(k: Kernel, DeferredRoutine: KDEFERRED_ROUTINE, DeferredContext: unknown): KDPC {
  void k;
  if (typeof DeferredRoutine !== "function") throw new TypeError("KeInitializeDpc: DeferredRoutine must be a function");
  return { Type: "DPC", DeferredRoutine, DeferredContext, SystemArgument1: null, SystemArgument2: null, inserted: false };
}

/**
 * KeInsertQueueDpc (any IRQL): FALSE when the DPC is already queued (its
 * arguments are then not updated), else TRUE. The DPC runs at DISPATCH_LEVEL:
 * at once when queued from PASSIVE_LEVEL, when the ISR returns when queued
 * from one, and when the clock next runs (the DISPATCH software interrupt)
 * when queued at a raised IRQL elsewhere.
 *
 * @example
 * ```ts
 * import { bootMachine, KeInitializeDpc, KeInsertQueueDpc, DISPATCH_LEVEL, irqlName } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const dpc = KeInitializeDpc(k, (_dpc, ctx) => {
 *   console.log(ctx, irqlName(k.KeGetCurrentIrql())); // refill DISPATCH_LEVEL
 * }, "refill");
 * k.atIrql(DISPATCH_LEVEL, () => {
 *   console.log(KeInsertQueueDpc(k, dpc), KeInsertQueueDpc(k, dpc)); // true false — queued once
 * });
 * k.clock.runUntilIdle(); // the DISPATCH software interrupt: the DPC runs
 * ```
 */
export function KeInsertQueueDpc(k: Kernel, Dpc: KDPC, SystemArgument1: unknown = null, SystemArgument2: unknown = null): boolean {
  if (Dpc.Type !== "DPC") throw new TypeError("KeInsertQueueDpc: not a KDPC");
  if (Dpc.inserted) return false;
  Dpc.SystemArgument1 = SystemArgument1;
  Dpc.SystemArgument2 = SystemArgument2;
  Dpc.inserted = true;
  const s = state(k);
  s.queue.push(Dpc);
  if (k.KeGetCurrentIrql() < DISPATCH_LEVEL) drainDpcs(k);
  else if (!s.draining && s.dispatching === 0 && !s.drainScheduled) {
    // Raised by the caller (KeRaiseIrql) outside a dispatcher: the DISPATCH software interrupt fires once the clock loop regains control.
    s.drainScheduled = true;
    k.clock.after(0, () => {
      s.drainScheduled = false;
      if (k.KeGetCurrentIrql() < DISPATCH_LEVEL) drainDpcs(k);
    }, "DPC dispatch");
  }
  return true;
}

/** KeRemoveQueueDpc (any IRQL): TRUE when the DPC was queued and is now removed. */
export function KeRemoveQueueDpc(k: Kernel, Dpc: KDPC): boolean {
  if (!Dpc.inserted) return false;
  const q = state(k).queue;
  const i = q.indexOf(Dpc);
  if (i >= 0) q.splice(i, 1);
  Dpc.inserted = false;
  return true;
}

/**
 * Run `fn` as the kernel's interrupt dispatch (an ISR and what it queues);
 * the DPCs it queued run when it returns, if IRQL is then below
 * DISPATCH_LEVEL.
 */
export function dispatchInterrupt(k: Kernel, fn: () => void): void {
  const s = state(k);
  s.dispatching++;
  try {
    fn();
  } finally {
    s.dispatching--;
  }
  if (s.dispatching === 0) drainDpcs(k);
  else if (s.queue.length > 0 && !s.drainScheduled) {
    s.drainScheduled = true;
    k.clock.after(0, () => {
      s.drainScheduled = false;
      if (k.KeGetCurrentIrql() < DISPATCH_LEVEL) drainDpcs(k);
    }, "DPC dispatch");
  }
}

/**
 * Run queued DPCs at DISPATCH_LEVEL until the queue is empty (the dispatcher
 * calls this when IRQL falls below DISPATCH_LEVEL). A DPC that returns at an
 * IRQL other than DISPATCH_LEVEL bug checks IRQL_UNEXPECTED_VALUE-style with
 * IRQL_NOT_LESS_OR_EQUAL's parameters, as Windows stops on it.
 */
export function drainDpcs(k: Kernel): void {
  const s = state(k);
  if (s.draining || k.KeGetCurrentIrql() >= DISPATCH_LEVEL) return;
  s.draining = true;
  try {
    while (s.queue.length > 0) {
      const dpc = s.queue.shift() as KDPC;
      dpc.inserted = false;
      catchUpDevices(k);
      const old = k.KeRaiseIrql(DISPATCH_LEVEL);
      try {
        dpc.DeferredRoutine(dpc, dpc.DeferredContext, dpc.SystemArgument1, dpc.SystemArgument2);
        const now = k.KeGetCurrentIrql();
        if (now !== DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, now, 0, 0, `a DPC returned at ${irqlName(now)}; DPCs must return at DISPATCH_LEVEL`);
      } finally {
        k.restoreIrql(old);
      }
      s.ran++;
    }
  } finally {
    s.draining = false;
  }
}

/** PIO_DPC_ROUTINE(Dpc, DeviceObject, Irp, Context): a device's DpcForIsr. */
export type IO_DPC_ROUTINE = (Dpc: KDPC, DeviceObject: DEVICE_OBJECT, Irp: unknown, Context: unknown) => void;

/** The DPC object each device object embeds for its DpcForIsr (DEVICE_OBJECT.Dpc in wdm.h). */
const deviceDpcs = new WeakMap<DEVICE_OBJECT, KDPC>();

/** IoInitializeDpcRequest: register the device's DpcForIsr routine (the DPC that IoRequestDpc queues). */
export function IoInitializeDpcRequest(k: Kernel, DeviceObject: DEVICE_OBJECT, DpcRoutine: IO_DPC_ROUTINE): void {
  if (typeof DpcRoutine !== "function") throw new TypeError("IoInitializeDpcRequest: DpcRoutine must be a function");
  deviceDpcs.set(DeviceObject, KeInitializeDpc(k, (dpc, _ctx, irp, context) => DpcRoutine(dpc, DeviceObject, irp, context), DeviceObject));
}

/**
 * IoRequestDpc (from an ISR, at DIRQL): queue the device's DpcForIsr with Irp
 * and Context as its arguments. Like KeInsertQueueDpc, a request while the DPC
 * is still queued is dropped (one DPC run serves both interrupts).
 */
export function IoRequestDpc(k: Kernel, DeviceObject: DEVICE_OBJECT, Irp: unknown, Context: unknown): void {
  const dpc = deviceDpcs.get(DeviceObject);
  if (dpc === undefined) throw new TypeError(`IoRequestDpc: ${DeviceObject.name} has no DpcForIsr (call IoInitializeDpcRequest in AddDevice)`);
  KeInsertQueueDpc(k, dpc, Irp, Context);
}

function atMostDispatch(k: Kernel, routine: string): void {
  const cur = k.KeGetCurrentIrql();
  if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `${routine} called at ${irqlName(cur)} (maximum DISPATCH_LEVEL)`);
}

/** KeInitializeTimer (<= DISPATCH_LEVEL): a notification timer, not signalled. */
export function KeInitializeTimer(k: Kernel): KTIMER {
  atMostDispatch(k, "KeInitializeTimer");
  return { Type: "TIMER", dueTime: -1, signaled: false, dpc: null, handle: null };
}

/**
 * KeSetTimer (<= DISPATCH_LEVEL). DueTime in 100 ns units: negative =
 * relative to now, positive = absolute system time (simulated time since
 * boot). Returns TRUE when the timer was already set (it is reset).
 */
export function KeSetTimer(k: Kernel, Timer: KTIMER, DueTime: number | bigint, Dpc: KDPC | null = null): boolean {
  atMostDispatch(k, "KeSetTimer");
  const due = Number(DueTime);
  if (!Number.isFinite(due)) throw new RangeError(`KeSetTimer: DueTime ${String(DueTime)} is not a time`);
  const wasSet = KeCancelTimer(k, Timer);
  const at = due < 0 ? k.clock.now - due * 100 : Math.max(k.clock.now, due * 100);
  Timer.dueTime = at;
  Timer.signaled = false;
  Timer.dpc = Dpc;
  Timer.handle = k.clock.at(at, () => {
    Timer.handle = null;
    Timer.dueTime = -1;
    Timer.signaled = true;
    if (Timer.dpc !== null) KeInsertQueueDpc(k, Timer.dpc, null, null);
  }, "KTIMER");
  return wasSet;
}

/** KeCancelTimer (<= DISPATCH_LEVEL): TRUE when the timer was set. */
export function KeCancelTimer(k: Kernel, Timer: KTIMER): boolean {
  atMostDispatch(k, "KeCancelTimer");
  if (Timer.handle === null) return false;
  k.clock.cancel(Timer.handle);
  Timer.handle = null;
  Timer.dueTime = -1;
  return true;
}

/** KeReadStateTimer: TRUE once the timer has expired. */
export function KeReadStateTimer(Timer: KTIMER): boolean {
  return Timer.signaled;
}
