/**
 * WDFTIMER (fxtimer.cpp, fxtimerapi.cpp; wdftimer.h) over the kernel's
 * KTIMER and KDPC:
 *
 * - WDF_TIMER_CONFIG_INIT (one-shot) / _INIT_PERIODIC (Period in ms);
 *   AutomaticSerialization defaults to TRUE;
 * - WdfTimerCreate(Config, Attributes, Timer): the attributes' ParentObject
 *   is required (STATUS_WDF_PARENT_NOT_SPECIFIED) and must be a device or
 *   one of its descendants (a queue, ...); a wrong Size is
 *   STATUS_INFO_LENGTH_MISMATCH, a missing EvtTimerFunc
 *   STATUS_INVALID_PARAMETER;
 * - WdfTimerStart(Timer, DueTime): DueTime in 100 ns units, negative
 *   relative, positive absolute (WDF_REL_TIMEOUT_IN_MS and friends); a
 *   periodic timer then fires every Period ms after the first expiry; TRUE
 *   when the timer was already queued (it is restarted);
 * - WdfTimerStop(Timer, Wait): TRUE when it was queued; Wait (PASSIVE_LEVEL
 *   only) also waits for a callback in progress, which on one processor only
 *   the callback itself can be (a deadlock on Windows: a RangeError here);
 * - EvtTimerFunc runs at DISPATCH_LEVEL in the timer's DPC.
 * The parent's deletion stops the timer.
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { KeCancelTimer, KeInitializeDpc, KeInitializeTimer, KeSetTimer, type KDPC, type KTIMER } from "../kernel/dpc.ts";
import type { HandleOut } from "./driver.ts";
import { FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG, FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";

export type EVT_WDF_TIMER = (Timer: WdfTimer) => void;

/** sizeof(WDF_TIMER_CONFIG) on x64 (KMDF 1.13 and later: TolerableDelay and UseHighResolutionTimer). */
export const WDF_TIMER_CONFIG_SIZE = 0x20;

export interface WDF_TIMER_CONFIG {
  Size: number;
  EvtTimerFunc: EVT_WDF_TIMER | null;
  /** Milliseconds between expiries; 0 for a one-shot timer. */
  Period: number;
  AutomaticSerialization: boolean;
  TolerableDelay: number;
  UseHighResolutionTimer: boolean;
}

/** WDF_TIMER_CONFIG_INIT(&config, EvtTimerFunc): one-shot, AutomaticSerialization TRUE. */
export function WDF_TIMER_CONFIG_INIT(EvtTimerFunc: EVT_WDF_TIMER): WDF_TIMER_CONFIG {
  return { Size: WDF_TIMER_CONFIG_SIZE, EvtTimerFunc, Period: 0, AutomaticSerialization: true, TolerableDelay: 0, UseHighResolutionTimer: false };
}

/** WDF_TIMER_CONFIG_INIT_PERIODIC(&config, EvtTimerFunc, Period). */
export function WDF_TIMER_CONFIG_INIT_PERIODIC(EvtTimerFunc: EVT_WDF_TIMER, Period: number): WDF_TIMER_CONFIG {
  return { ...WDF_TIMER_CONFIG_INIT(EvtTimerFunc), Period };
}

/** WDF_REL_TIMEOUT_IN_MS / _IN_US / _IN_SEC: a relative DueTime in 100 ns units (negative). */
export function WDF_REL_TIMEOUT_IN_MS(ms: number): number {
  return -ms * 10_000;
}
export function WDF_REL_TIMEOUT_IN_US(us: number): number {
  return -us * 10;
}
export function WDF_REL_TIMEOUT_IN_SEC(s: number): number {
  return -s * 10_000_000;
}
/** WDF_ABS_TIMEOUT_IN_MS: an absolute DueTime (system time in 100 ns units; here since boot). */
export function WDF_ABS_TIMEOUT_IN_MS(ms: number): number {
  return ms * 10_000;
}

export class WdfTimer extends WdfObject {
  readonly typeName = "WDFTIMER";
  readonly config: WDF_TIMER_CONFIG;
  private readonly ktimer: KTIMER;
  private readonly kdpc: KDPC;
  /** Absolute expiry of the pending period (simulated ns), for the next one. */
  private dueNs = 0;
  inCallback = false;
  /** Times EvtTimerFunc ran (statistics). */
  fired = 0;

  constructor(parent: WdfObject, config: WDF_TIMER_CONFIG, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(parent.globals, attributes);
    this.config = { ...config };
    const k = parent.globals.kernel;
    this.ktimer = KeInitializeTimer(k);
    this.kdpc = KeInitializeDpc(k, () => this.expired(), this);
  }

  private expired(): void {
    if (this.state !== "created") return;
    const period = this.config.Period;
    // A periodic timer is re-armed before the callback, as a periodic KTIMER is.
    if (period > 0) this.arm(this.dueNs + period * 1_000_000);
    this.inCallback = true;
    this.fired++;
    try {
      this.config.EvtTimerFunc?.(this);
    } finally {
      this.inCallback = false;
    }
  }

  private arm(atNs: number): void {
    const k = this.globals.kernel;
    this.dueNs = Math.max(atNs, k.clock.now);
    // An absolute DueTime in 100 ns units; KeSetTimer rounds nothing away from a whole-100-ns instant.
    KeSetTimer(k, this.ktimer, Math.ceil(this.dueNs / 100), this.kdpc);
  }

  start(dueTime: number): boolean {
    const k = this.globals.kernel;
    const was = this.ktimer.dueTime >= 0;
    const at = dueTime < 0 ? k.clock.now - dueTime * 100 : dueTime * 100;
    this.arm(at);
    return was;
  }

  stop(): boolean {
    return KeCancelTimer(this.globals.kernel, this.ktimer);
  }

  protected override dispose(): void {
    // The timer dies with its parent: a pending expiry is cancelled.
    this.stop();
  }
}

function ancestorDevice(o: WdfObject): boolean {
  for (let p: WdfObject | null = o; p !== null; p = p.parent) if (p.typeName === "WDFDEVICE") return true;
  return false;
}

/** WdfTimerCreate(Config, Attributes, Timer) (<= DISPATCH_LEVEL). */
export function WdfTimerCreate(Config: WDF_TIMER_CONFIG, Attributes: WDF_OBJECT_ATTRIBUTES | null, Timer: HandleOut<WdfTimer>): NTSTATUS {
  Timer.value = null;
  if (Config === null || Config === undefined) throw new TypeError("WdfTimerCreate: Config is NULL (WDF_VIOLATION 0x4 on Windows)");
  const st = FxValidateObjectAttributes(Attributes, FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG);
  if (!NT_SUCCESS(st)) return st;
  if (Attributes === null || Attributes.ParentObject === null) return STATUS.WDF_PARENT_NOT_SPECIFIED;
  const parent = validHandle(Attributes.ParentObject, WdfObject, "WdfTimerCreate");
  const irql = parent.globals.checkIrql("WdfTimerCreate", DISPATCH_LEVEL);
  if (!NT_SUCCESS(irql)) return irql;
  if (Config.Size !== WDF_TIMER_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  if (typeof Config.EvtTimerFunc !== "function") return STATUS.INVALID_PARAMETER;
  if (!Number.isSafeInteger(Config.Period) || Config.Period < 0 || Config.Period > 0xffff_ffff) throw new RangeError(`WdfTimerCreate: Period must be a ULONG of milliseconds, got ${String(Config.Period)}`);
  if (!ancestorDevice(parent)) return STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
  const t = new WdfTimer(parent, Config, Attributes);
  t.commit(parent);
  Timer.value = t;
  return STATUS.SUCCESS;
}

/** WdfTimerStart(Timer, DueTime) (<= DISPATCH_LEVEL): TRUE when the timer was already queued. */
export function WdfTimerStart(Timer: WdfTimer, DueTime: number): boolean {
  const t = validHandle(Timer, WdfTimer, "WdfTimerStart");
  t.globals.checkIrql("WdfTimerStart", DISPATCH_LEVEL);
  if (!Number.isFinite(DueTime)) throw new RangeError(`WdfTimerStart: DueTime ${String(DueTime)} is not a time`);
  return t.start(DueTime);
}

/** WdfTimerStop(Timer, Wait): TRUE when the timer was queued (and is no more). */
export function WdfTimerStop(Timer: WdfTimer, Wait: boolean): boolean {
  const t = validHandle(Timer, WdfTimer, "WdfTimerStop");
  t.globals.checkIrql("WdfTimerStop", Wait ? PASSIVE_LEVEL : DISPATCH_LEVEL);
  if (Wait && t.inCallback) throw new RangeError(`WdfTimerStop(Wait = TRUE) from ${String(t)}'s own EvtTimerFunc waits for itself (a deadlock on Windows)`);
  return t.stop();
}

export function WdfTimerGetParentObject(Timer: WdfTimer): WdfObject {
  return validHandle(Timer, WdfTimer, "WdfTimerGetParentObject").parent as WdfObject;
}
