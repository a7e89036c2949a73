/**
 * WDFINTERRUPT, reduced to what a bus-master driver needs: WdfInterruptCreate
 * connects EvtInterruptIsr to the device's translated interrupt resource
 * (IoConnectInterrupt) and calls EvtInterruptEnable at DIRQL;
 * WdfInterruptQueueDpcForIsr queues EvtInterruptDpc (KeInsertQueueDpc), which
 * the kernel runs at DISPATCH_LEVEL after the ISR; WdfInterruptAcquireLock /
 * ReleaseLock raise to and return from the interrupt's SynchronizeIrql.
 * The device's removal disables (EvtInterruptDisable) and disconnects it.
 *
 * KMDF connects at D0 entry and disconnects at D0 exit: an interrupt created
 * in EvtDriverDeviceAdd or EvtDevicePrepareHardware is connected when
 * wdfStartDevice brings the device to D0 (pnp-power.ts); one created
 * anywhere else is connected at creation.
 */
import { DISPATCH_LEVEL, type KIRQL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { KeInitializeDpc, KeInsertQueueDpc, type KDPC } from "../kernel/dpc.ts";
import { type InterruptResource, interruptResources, IoConnectInterrupt, IoDisconnectInterrupt, type KINTERRUPT } from "../kernel/interrupt.ts";
import { WdfDevice } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import { FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";
import { pnpPowerAdoptInterrupt, pnpPowerForgetInterrupt, type PowerManagedInterrupt } from "./pnp-power.ts";

/** EvtInterruptIsr: at the line's DIRQL; TRUE when the device interrupted (then quiet it and WdfInterruptQueueDpcForIsr), FALSE for a shared line's other device. */
export type EVT_WDF_INTERRUPT_ISR = (Interrupt: WdfInterrupt, MessageID: number) => boolean;
/** EvtInterruptDpc: the ISR's deferred work, at DISPATCH_LEVEL (complete requests, WdfDmaTransactionDmaCompleted). */
export type EVT_WDF_INTERRUPT_DPC = (Interrupt: WdfInterrupt, AssociatedObject: WdfObject) => void;
/** EvtInterruptEnable / EvtInterruptDisable: at DIRQL holding the interrupt lock, after connecting on D0 entry / before disconnecting on D0 exit; turn the device's interrupts on or off. */
export type EVT_WDF_INTERRUPT_ENABLE = (Interrupt: WdfInterrupt, AssociatedDevice: WdfDevice) => NTSTATUS;

/** sizeof(WDF_INTERRUPT_CONFIG) for KMDF 1.33 on x64 (Size, SpinLock, ShareVector, two BOOLEANs, five callbacks, two descriptors, WaitLock, PassiveHandling, ReportInactiveOnPowerDown, CanWakeDevice). */
export const WDF_INTERRUPT_CONFIG_SIZE = 0x68;

/** WDF_INTERRUPT_CONFIG: the interrupt's callbacks and options for WdfInterruptCreate (start from WDF_INTERRUPT_CONFIG_INIT). */
export interface WDF_INTERRUPT_CONFIG {
  Size: number;
  ShareVector: boolean | null;
  AutomaticSerialization: boolean;
  EvtInterruptIsr: EVT_WDF_INTERRUPT_ISR;
  EvtInterruptDpc: EVT_WDF_INTERRUPT_DPC | null;
  EvtInterruptEnable: EVT_WDF_INTERRUPT_ENABLE | null;
  EvtInterruptDisable: EVT_WDF_INTERRUPT_ENABLE | null;
}

/** WDF_INTERRUPT_CONFIG_INIT(&config, EvtInterruptIsr, EvtInterruptDpc). */
export function WDF_INTERRUPT_CONFIG_INIT(EvtInterruptIsr: EVT_WDF_INTERRUPT_ISR, EvtInterruptDpc: EVT_WDF_INTERRUPT_DPC | null): WDF_INTERRUPT_CONFIG {
  return { Size: WDF_INTERRUPT_CONFIG_SIZE, ShareVector: null, AutomaticSerialization: false, EvtInterruptIsr, EvtInterruptDpc, EvtInterruptEnable: null, EvtInterruptDisable: null };
}

export class WdfInterrupt extends WdfObject implements PowerManagedInterrupt {
  readonly typeName = "WDFINTERRUPT";
  readonly device: WdfDevice;
  readonly config: WDF_INTERRUPT_CONFIG;
  /** The device's translated interrupt resource. */
  readonly resource: InterruptResource;
  kinterrupt: KINTERRUPT | null = null;
  readonly dpc: KDPC;
  /** IRQLs saved by WdfInterruptAcquireLock, lockDepth deep (the array only grows: a pop that empties it would trim its store, and the next push make a new one). */
  private readonly lockIrql: KIRQL[] = [];
  private lockDepth = 0;
  /** DPCs queued and ISR calls (statistics). */
  dpcsQueued = 0;

  constructor(device: WdfDevice, config: WDF_INTERRUPT_CONFIG, attributes: WDF_OBJECT_ATTRIBUTES | null, resource: InterruptResource) {
    super(device.globals, attributes);
    this.device = device;
    this.config = config;
    this.resource = resource;
    this.dpc = KeInitializeDpc(device.kernel, () => {
      const cb = this.config.EvtInterruptDpc;
      if (cb !== null && this.state === "created") cb(this, this.device);
    }, this);
  }

  get line(): number {
    return this.resource.Vector;
  }

  get connected(): boolean {
    return this.kinterrupt !== null;
  }

  /** The IRQL the interrupt's spin lock is taken at (the resource's, also before the connection). */
  get synchronizeIrql(): KIRQL {
    return this.kinterrupt?.SynchronizeIrql ?? this.resource.SynchronizeIrql;
  }

  /** Raise to SynchronizeIrql, remembering the IRQL to return to (WdfInterruptAcquireLock). */
  acquireLock(): void {
    const k = this.device.kernel;
    const cur = k.KeGetCurrentIrql();
    const sync = this.synchronizeIrql;
    this.lockIrql[this.lockDepth] = k.KeRaiseIrql(cur > sync ? cur : sync);
    this.lockDepth++;
  }

  /** Back to the IRQL the matching acquireLock saved (WdfInterruptReleaseLock); a release without an acquire is a TypeError. */
  releaseLock(): void {
    if (this.lockDepth === 0) throw new TypeError(`WdfInterruptReleaseLock on ${String(this)} without WdfInterruptAcquireLock`);
    this.lockDepth--;
    this.device.kernel.KeLowerIrql(this.lockIrql[this.lockDepth] as KIRQL);
  }

  /** IoConnectInterrupt, then EvtInterruptEnable at DIRQL; a failing enable disconnects again (FxInterrupt::Connect). */
  connectForD0(): NTSTATUS {
    if (this.kinterrupt !== null) return STATUS.SUCCESS;
    const k = this.device.kernel;
    const res = this.resource;
    const out: { value: KINTERRUPT | null } = { value: null };
    const status = IoConnectInterrupt(k, out, () => this.state === "created" && this.config.EvtInterruptIsr(this, 0), this, res.Vector, res.Irql, res.SynchronizeIrql, res.InterruptMode, this.config.ShareVector ?? res.ShareVector);
    if (!NT_SUCCESS(status) || out.value === null) return NT_SUCCESS(status) ? STATUS.UNSUCCESSFUL : status;
    const ki = out.value;
    this.kinterrupt = ki;
    const en = this.config.EvtInterruptEnable;
    if (en !== null) {
      const s = k.atIrql(ki.Irql, () => en(this, this.device));
      if (!NT_SUCCESS(s)) {
        IoDisconnectInterrupt(k, ki);
        this.kinterrupt = null;
        return s;
      }
    }
    return STATUS.SUCCESS;
  }

  /** EvtInterruptDisable at DIRQL, then IoDisconnectInterrupt (nothing when not connected). */
  disconnectForDx(): void {
    const ki = this.kinterrupt;
    if (ki === null) return;
    const dis = this.config.EvtInterruptDisable;
    if (dis !== null) this.device.kernel.atIrql(ki.Irql, () => dis(this, this.device));
    IoDisconnectInterrupt(this.device.kernel, ki);
    this.kinterrupt = null;
  }

  protected override dispose(): void {
    this.disconnectForDx();
    pnpPowerForgetInterrupt(this.device, this);
  }
}

/**
 * WdfInterruptCreate(Device, Configuration, Attributes, Interrupt) at
 * PASSIVE_LEVEL; the parent is the device. STATUS_INFO_LENGTH_MISMATCH for a
 * wrong Size; the connection's status otherwise. Created before the device
 * starts (EvtDriverDeviceAdd or EvtDevicePrepareHardware), the interrupt is
 * connected when the device enters D0 and disconnected when it leaves; the
 * ISR runs at the line's DIRQL, the DPC at DISPATCH_LEVEL.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, wdfStartDevice, WdfInterruptCreate, WDF_INTERRUPT_CONFIG_INIT,
 *   statusSymbol, type HandleOut, type WdfDriver, type WdfDevice, type WdfInterrupt } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const irq: HandleOut<WdfInterrupt> = { value: null };
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => {
 *   const dev: HandleOut<WdfDevice> = { value: null };
 *   WdfDeviceCreate(init, null, dev);
 *   const config = WDF_INTERRUPT_CONFIG_INIT(() => false, null); // EvtInterruptIsr: FALSE = not this device's interrupt
 *   const st = WdfInterruptCreate(dev.value!, config, null, irq);
 *   console.log(statusSymbol(st), irq.value?.kinterrupt); // STATUS_SUCCESS null — connected on D0 entry, not now
 *   return st;
 * }), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * wdfStartDevice(device!);
 * console.log(irq.value?.kinterrupt?.Irql);              // 9 — connected at the line's DIRQL
 * ```
 */
export function WdfInterruptCreate(Device: WdfDevice, Configuration: WDF_INTERRUPT_CONFIG, Attributes: WDF_OBJECT_ATTRIBUTES | null, Interrupt: HandleOut<WdfInterrupt>): NTSTATUS {
  const dev = validHandle(Device, WdfDevice, "WdfInterruptCreate");
  Interrupt.value = null;
  if (Configuration.Size !== WDF_INTERRUPT_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  if (typeof Configuration.EvtInterruptIsr !== "function") return STATUS.INVALID_PARAMETER;
  const st = FxValidateObjectAttributes(Attributes);
  if (!NT_SUCCESS(st)) return st;
  const wi = new WdfInterrupt(dev, Configuration, Attributes, interruptResources(dev.fdo));
  wi.commit(dev);
  // Created before the start (EvtDriverDeviceAdd, EvtDevicePrepareHardware): connected at D0 entry.
  if (!pnpPowerAdoptInterrupt(dev, wi)) {
    const status = wi.connectForD0();
    if (!NT_SUCCESS(status)) {
      wi.deleteFromFailedCreate();
      return status;
    }
  }
  Interrupt.value = wi;
  return STATUS.SUCCESS;
}

/** WdfInterruptQueueDpcForIsr: FALSE when the DPC was already queued. */
export function WdfInterruptQueueDpcForIsr(Interrupt: WdfInterrupt): boolean {
  const wi = validInterrupt(Interrupt, "WdfInterruptQueueDpcForIsr");
  const queued = KeInsertQueueDpc(wi.device.kernel, wi.dpc);
  if (queued) wi.dpcsQueued++;
  return queued;
}

/** WdfInterruptAcquireLock: raise to the interrupt's SynchronizeIrql (holding its spin lock). */
export function WdfInterruptAcquireLock(Interrupt: WdfInterrupt): void {
  validInterrupt(Interrupt, "WdfInterruptAcquireLock").acquireLock();
}

/** WdfInterruptReleaseLock: back to the IRQL of the matching WdfInterruptAcquireLock. */
export function WdfInterruptReleaseLock(Interrupt: WdfInterrupt): void {
  validInterrupt(Interrupt, "WdfInterruptReleaseLock").releaseLock();
}

/** EvtInterruptSynchronize: runs at SynchronizeIrql holding the interrupt lock (WdfInterruptSynchronize); its result is returned. */
export type EVT_WDF_INTERRUPT_SYNCHRONIZE = (Interrupt: WdfInterrupt, Context: unknown) => boolean;

/**
 * WdfInterruptSynchronize(Interrupt, Callback, Context) (<= DISPATCH_LEVEL):
 * Callback runs at the interrupt's SynchronizeIrql holding its spin lock (so
 * the ISR cannot run meanwhile), connected or not (FxInterrupt::Synchronize);
 * returns what Callback returns.
 */
export function WdfInterruptSynchronize(Interrupt: WdfInterrupt, Callback: EVT_WDF_INTERRUPT_SYNCHRONIZE, Context: unknown): boolean {
  const wi = validInterrupt(Interrupt, "WdfInterruptSynchronize");
  if (typeof Callback !== "function") throw new TypeError("WdfInterruptSynchronize: Callback is NULL (WDF_VIOLATION 0x4 on Windows)");
  wi.globals.checkIrql("WdfInterruptSynchronize", DISPATCH_LEVEL);
  wi.acquireLock();
  try {
    return Callback(wi, Context) === true;
  } finally {
    wi.releaseLock();
  }
}

/** WdfInterruptGetDevice (<= DIRQL): the device the interrupt belongs to. */
export function WdfInterruptGetDevice(Interrupt: WdfInterrupt): WdfDevice {
  return validInterrupt(Interrupt, "WdfInterruptGetDevice").device;
}

/**
 * validHandle for a WDFINTERRUPT: a call site that sees one class only
 * (the engine decides it in a few instructions); anything else takes
 * validHandle for its WDF_VIOLATION.
 */
function validInterrupt(obj: unknown, routine: string): WdfInterrupt {
  if (obj instanceof WdfInterrupt && obj.state !== "destroyed") return obj;
  return validHandle(obj, WdfInterrupt, routine);
}
