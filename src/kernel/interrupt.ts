/**
 * Interrupt objects: IoConnectInterrupt, IoDisconnectInterrupt,
 * KeSynchronizeExecution, and the dispatcher that runs ISRs at their
 * SynchronizeIrql (a DIRQL; IoConnectInterrupt's documentation: the DIRQL at
 * which the ISR will run) when the machine's interrupt controller delivers a
 * line, then the DPCs they queued at DISPATCH_LEVEL.
 *
 * DIRQLs: on x64 device IRQLs are 3..12 and the HAL derives them from the
 * vector the I/O APIC routes to (IRQL = vector / 16). dmasim's HAL assigns
 * vectors so that DIRQL = 3 + (line mod 10); drivers take the value from their
 * translated resources (interruptResources), as real drivers do, and never
 * compute it.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DIRQL_MAX, DIRQL_MIN, HIGH_LEVEL, type KIRQL, PASSIVE_LEVEL, irqlName } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { InterruptController } from "../machine/interrupts.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { catchUpDevices, dispatchInterrupt } from "./dpc.ts";
import { type Kernel, machineSlot } from "./kernel.ts";

/** PKSERVICE_ROUTINE(Interrupt, ServiceContext): TRUE when the device interrupted. */
export type KSERVICE_ROUTINE = (Interrupt: KINTERRUPT, ServiceContext: unknown) => boolean;
/** PKSYNCHRONIZE_ROUTINE(SynchronizeContext). */
export type KSYNCHRONIZE_ROUTINE = (SynchronizeContext: unknown) => boolean;

/** KINTERRUPT_MODE: a level-triggered line (PCI; shared). */
export const LevelSensitive = 0;
/** KINTERRUPT_MODE: an edge-triggered line (ISA). */
export const Latched = 1;
/** LevelSensitive or Latched. */
export type KINTERRUPT_MODE = typeof LevelSensitive | typeof Latched;

/** An interrupt object (IoConnectInterrupt). */
export interface KINTERRUPT {
  /** Tag: a KINTERRUPT. */
  readonly Type: "INTERRUPT";
  /** The ISR. */
  readonly ServiceRoutine: KSERVICE_ROUTINE;
  /** Its context. */
  readonly ServiceContext: unknown;
  /** The vector (dmasim: the line number). */
  readonly Vector: number;
  /** The DIRQL the ISR runs at. */
  readonly Irql: KIRQL;
  /** The IRQL KeSynchronizeExecution raises to. */
  readonly SynchronizeIrql: KIRQL;
  /** LevelSensitive or Latched. */
  readonly InterruptMode: KINTERRUPT_MODE;
  /** Whether others may share the vector. */
  readonly ShareVector: boolean;
  /** False after IoDisconnectInterrupt. */
  connected: boolean;
  /** ISR calls and calls that returned TRUE. */
  calls: number;
  claimed: number;
}

/** The translated interrupt resource of a device (CmResourceTypeInterrupt). */
export interface InterruptResource {
  readonly Vector: number;
  readonly Irql: KIRQL;
  readonly SynchronizeIrql: KIRQL;
  readonly InterruptMode: KINTERRUPT_MODE;
  readonly ShareVector: boolean;
}

interface IntState {
  readonly pic: InterruptController;
  readonly byLine: KINTERRUPT[][];
  /** Lines delivered while the processor was at or above their DIRQL. */
  readonly deferred: number[];
  /** Interrupts nobody claimed. */
  unclaimed: number;
}

/** The kernel's interrupt dispatch state, on the machine; it attaches to the board's controller on first use. */
const INTERRUPTS = machineSlot<IntState>("interrupts", (k) => {
  const st: IntState = { pic: k.interrupts, byLine: Array.from({ length: k.interrupts.lines }, () => []), deferred: [], unclaimed: 0 };
  k.interrupts.attach({ deliver: (line) => dispatch(k, st, line) });
  return st;
});

function state(k: Kernel): IntState {
  return k.slot(INTERRUPTS);
}

/** The machine's interrupt controller (device models drive its lines), with the kernel's dispatcher attached. */
export function interruptControllerOf(k: Kernel): InterruptController {
  return state(k).pic;
}

/** Interrupts delivered that no ISR claimed (returned TRUE for). */
export function unclaimedInterrupts(k: Kernel): number {
  return state(k).unclaimed;
}

/** DIRQL the HAL assigns to a line. */
export function dirqlOfLine(line: number): KIRQL {
  return DIRQL_MIN + (line % (DIRQL_MAX - DIRQL_MIN + 1));
}

/** A device's translated interrupt resource, from its profile entry (ISA lines are latched, PCI lines level-sensitive and shareable). */
export function interruptResources(device: DEVICE_OBJECT): InterruptResource {
  const irq = device.pdo.config.irq;
  if (irq === undefined) throw new RangeError(`interruptResources: device ${device.pdo.config.name} has no interrupt in its resources`);
  const isa = device.pdo.config.bus === "isa";
  const irql = dirqlOfLine(irq);
  return { Vector: irq, Irql: irql, SynchronizeIrql: irql, InterruptMode: isa ? Latched : LevelSensitive, ShareVector: !isa };
}

function atPassive(k: Kernel, routine: string): void {
  const cur = k.KeGetCurrentIrql();
  if (cur !== PASSIVE_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `${routine} called at ${irqlName(cur)} (it must be called at PASSIVE_LEVEL)`);
}

/**
 * IoConnectInterrupt (PASSIVE_LEVEL): connect ServiceRoutine to a vector.
 * STATUS_INVALID_PARAMETER when SynchronizeIrql < Irql, the vector is out of
 * range, or the IRQL is not a device IRQL; STATUS_SUCCESS with the object in
 * InterruptObject.value otherwise. The values come from the device's
 * translated interrupt resource ({@link interruptResources}, or the start IRP's list).
 *
 * @example
 * ```ts
 * import { bootMachine, IoConnectInterrupt, interruptResources, irqlName, statusSymbol, type KINTERRUPT } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const r = interruptResources(k.pdo("plx9656"));
 * const line = k.board.device("plx9656").irq;
 * const obj: { value: KINTERRUPT | null } = { value: null };
 * const st = IoConnectInterrupt(k, obj, () => {
 *   console.log(irqlName(k.KeGetCurrentIrql()).startsWith("DIRQL")); // true — the ISR runs at the device's DIRQL
 *   line?.set(false); // acknowledge: the device drops its line
 *   return true;
 * }, null, r.Vector, r.Irql, r.SynchronizeIrql, r.InterruptMode, r.ShareVector);
 * console.log(statusSymbol(st)); // STATUS_SUCCESS
 * line?.set(true); // the device interrupts
 * ```
 */
export function IoConnectInterrupt(
  k: Kernel,
  InterruptObject: { value: KINTERRUPT | null },
  ServiceRoutine: KSERVICE_ROUTINE,
  ServiceContext: unknown,
  Vector: number,
  Irql: KIRQL,
  SynchronizeIrql: KIRQL,
  InterruptMode: KINTERRUPT_MODE,
  ShareVector: boolean,
): NTSTATUS {
  atPassive(k, "IoConnectInterrupt");
  if (typeof ServiceRoutine !== "function") throw new TypeError("IoConnectInterrupt: ServiceRoutine must be a function");
  const s = state(k);
  if (!Number.isInteger(Vector) || Vector < 0 || Vector >= s.pic.lines) return STATUS.INVALID_PARAMETER;
  if (!Number.isInteger(Irql) || Irql < DIRQL_MIN || Irql > DIRQL_MAX || SynchronizeIrql < Irql) return STATUS.INVALID_PARAMETER;
  const list = s.byLine[Vector] as KINTERRUPT[];
  const obj: KINTERRUPT = { Type: "INTERRUPT", ServiceRoutine, ServiceContext, Vector, Irql, SynchronizeIrql, InterruptMode, ShareVector, connected: true, calls: 0, claimed: 0 };
  list.push(obj);
  InterruptObject.value = obj;
  return STATUS.SUCCESS;
}

/** IoDisconnectInterrupt (PASSIVE_LEVEL). */
export function IoDisconnectInterrupt(k: Kernel, InterruptObject: KINTERRUPT): void {
  atPassive(k, "IoDisconnectInterrupt");
  const list = state(k).byLine[InterruptObject.Vector] as KINTERRUPT[];
  const i = list.indexOf(InterruptObject);
  if (i < 0 || !InterruptObject.connected) throw new TypeError("IoDisconnectInterrupt: the interrupt object is not connected");
  list.splice(i, 1);
  InterruptObject.connected = false;
}

/**
 * KeSynchronizeExecution (<= SynchronizeIrql): run SynchronizeRoutine at the
 * interrupt's SynchronizeIrql (holding its spin lock), return its result.
 */
export function KeSynchronizeExecution(k: Kernel, Interrupt: KINTERRUPT, SynchronizeRoutine: KSYNCHRONIZE_ROUTINE, SynchronizeContext: unknown): boolean {
  const cur = k.KeGetCurrentIrql();
  if (cur > Interrupt.SynchronizeIrql) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `KeSynchronizeExecution called at ${irqlName(cur)}, above the interrupt's SynchronizeIrql ${irqlName(Interrupt.SynchronizeIrql)}`);
  return k.atIrql(Interrupt.SynchronizeIrql, () => SynchronizeRoutine(SynchronizeContext));
}

/** The kernel's interrupt dispatch for one delivered line. */
function dispatch(k: Kernel, s: IntState, line: number, retry = false): void {
  const list = s.byLine[line] as KINTERRUPT[];
  let irql = list.length > 0 ? HIGH_LEVEL : DIRQL_MIN;
  for (let i = 0; i < list.length; i++) irql = Math.min(irql, (list[i] as KINTERRUPT).Irql);
  if (k.KeGetCurrentIrql() >= irql) {
    // The processor is at or above this DIRQL: the interrupt waits until the clock loop regains control.
    s.deferred.push(line);
    if (!retry && s.deferred.length === 1) k.clock.after(0, () => redeliver(k, s), "deferred interrupt");
    return;
  }
  dispatchInterrupt(k, () => runIsrs(k, s, list));
}

/** The ISRs on a line, each at its SynchronizeIrql. The list cannot change meanwhile: connecting and disconnecting take PASSIVE_LEVEL. */
function runIsrs(k: Kernel, s: IntState, list: readonly KINTERRUPT[]): void {
  catchUpDevices(k);
  let claimed = false;
  for (let i = 0; i < list.length; i++) {
    const obj = list[i] as KINTERRUPT;
    if (!obj.connected) continue;
    obj.calls++;
    // The ISR runs at SynchronizeIrql (the DDI: "the DIRQL at which the ISR will run"), which is >= Irql.
    const old = k.KeRaiseIrql(obj.SynchronizeIrql);
    let mine: boolean;
    try {
      mine = obj.ServiceRoutine(obj, obj.ServiceContext);
    } finally {
      k.restoreIrql(old);
    }
    if (mine) {
      obj.claimed++;
      claimed = true;
      if (obj.InterruptMode === Latched) break; // an edge belongs to one device
    }
  }
  if (!claimed) s.unclaimed++;
}

function redeliver(k: Kernel, s: IntState): void {
  const lines = s.deferred.splice(0);
  for (const l of lines) dispatch(k, s, l, true);
}
