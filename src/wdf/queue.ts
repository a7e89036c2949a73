/**
 * WDFQUEUE (Windows-Driver-Frameworks fxioqueue.cpp, fxioqueueapi.cpp;
 * wdfio.h):
 *
 * - WDF_IO_QUEUE_CONFIG_INIT / _INIT_DEFAULT_QUEUE, WdfIoQueueCreate
 *   (sequential: one request in the driver at a time; parallel: up to
 *   NumberOfPresentedRequests; manual: the driver retrieves them). The checks,
 *   in the framework's order: attributes, Size, a non-default queue without
 *   an out handle (STATUS_INVALID_PARAMETER), a default queue after the start
 *   (STATUS_INVALID_DEVICE_STATE), the dispatch type, no callback on a
 *   non-manual queue (STATUS_WDF_NO_CALLBACK), callbacks on a manual queue
 *   and NumberOfPresentedRequests on a non-parallel one
 *   (STATUS_INVALID_PARAMETER). PowerManaged WdfUseDefault is TRUE (a
 *   function driver's queue).
 * - Presentation: EvtIoRead / EvtIoWrite / EvtIoDeviceControl /
 *   EvtIoInternalDeviceControl by type, else EvtIoDefault, else the request
 *   fails with STATUS_INVALID_DEVICE_REQUEST; a zero-length read or write
 *   completes with STATUS_SUCCESS unless AllowZeroLengthRequests. The
 *   callbacks run at the IRQL of whoever made the queue dispatch (the
 *   application's call, or the completion of the previous request in a DPC).
 * - A request cancelled while queued leaves the queue: EvtIoCanceledOnQueue
 *   (the driver owns it and must complete it) or STATUS_CANCELLED.
 * - WdfIoQueueStart / Stop / StopSynchronously / Purge / PurgeSynchronously
 *   with their completion callbacks (when the driver owns no more of the
 *   queue's requests); a stopped queue still accepts, a purged queue refuses
 *   new requests with STATUS_INVALID_DEVICE_STATE and cancels what it holds
 *   (driver-owned cancelable requests get EvtRequestCancel).
 * - Power: a power-managed queue stops dispatching when the device leaves D0
 *   (requests wait in it); each request the driver owns gets EvtIoStop with
 *   WdfRequestStopActionSuspend (| WdfRequestStopRequestCancelable when
 *   marked cancelable) and the framework waits until each is completed or
 *   acknowledged (WdfRequestStopAcknowledge: Requeue TRUE puts it back at the
 *   head, FALSE keeps it in the driver and EvtIoResume follows at D0 entry).
 *   Without EvtIoStop the framework waits for completion. For a removal the
 *   queues are purged: EvtIoStop with WdfRequestStopActionPurge and a wait
 *   for completion. A wait that nothing left on the machine can end (Windows
 *   hangs) is the finding WDF_REQUEST_NOT_COMPLETED for each such request.
 * - Requests: WdfRequestMarkCancelable / MarkCancelableEx /
 *   UnmarkCancelable (EvtRequestCancel runs at the IRQL of the IoCancelIrp
 *   caller once the cancel spin lock is released, as FxIoQueue's cancel path
 *   does; <= DISPATCH_LEVEL as documented), WdfRequestRequeue (manual queues
 *   only), WdfRequestStopAcknowledge, WdfRequestGetIoQueue.
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { removeAt } from "../core/array-edit.ts";
import { SmallSet } from "../core/small-set.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { IoReleaseCancelSpinLock, IoSetCancelRoutine, type IRP, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE } from "../kernel/irp.ts";
import { WdfDevice } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import { IRP_MJ_INTERNAL_DEVICE_CONTROL } from "./fx-irp-dispatch.ts";
import { configureForwarding, type FxPkgIo, ioPackageOf, type PackageQueue, setDefaultQueue } from "./io-package.ts";
import { FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED, FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED, FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";
import { pnpOf } from "./pnp-power.ts";
import { type EVT_WDF_REQUEST_CANCEL, type RequestQueue, validRequest, WdfRequest, type WDF_REQUEST_TYPE } from "./request.ts";
import { fxWaitFor } from "./wait.ts";

/** WDF_IO_QUEUE_DISPATCH_TYPE: how a queue presents its requests. 0 is invalid (WdfIoQueueCreate refuses it). */
export const WdfIoQueueDispatchInvalid = 0;
/** One request at a time: the next is presented when the driver completes (or forwards) the current one. */
export const WdfIoQueueDispatchSequential = 1;
/** As many at once as arrive (up to Settings.Parallel.NumberOfPresentedRequests). */
export const WdfIoQueueDispatchParallel = 2;
/** None presented: the driver takes them with WdfIoQueueRetrieveNextRequest. */
export const WdfIoQueueDispatchManual = 3;
export const WdfIoQueueDispatchMax = 4;
export type WDF_IO_QUEUE_DISPATCH_TYPE = number;

/** WDF_TRI_STATE. */
export const WdfFalse = 0;
export const WdfTrue = 1;
export const WdfUseDefault = 2;
export type WDF_TRI_STATE = number;

/** WDF_REQUEST_STOP_ACTION_FLAGS (EvtIoStop's ActionFlags). */
export const WdfRequestStopActionInvalid = 0;
/** EvtIoStop: the device is leaving D0 for a while; stop the request's I/O and WdfRequestStopAcknowledge it (or complete it). */
export const WdfRequestStopActionSuspend = 0x1;
/** EvtIoStop: the queue is being purged (stop, removal); complete or cancel the request soon. */
export const WdfRequestStopActionPurge = 0x2;
export const WdfRequestStopRequestCancelable = 0x1000_0000;

/** WDF_IO_QUEUE_STATE flags (WdfIoQueueGetState). */
export const WdfIoQueueAcceptRequests = 0x01;
export const WdfIoQueueDispatchRequests = 0x02;
export const WdfIoQueueNoRequests = 0x04;
export const WdfIoQueueDriverNoRequests = 0x08;
export const WdfIoQueuePnpHeld = 0x10;

/** EvtIoDefault: a request of a type the queue has no specific callback for. <= DISPATCH_LEVEL. (The queue callbacks, wdfio.h, get the queue and the request it presents.) */
export type EVT_WDF_IO_QUEUE_IO_DEFAULT = (Queue: WdfIoQueue, Request: WdfRequest) => void;
/** EvtIoRead: a read request of Length bytes; the driver now owns it and must complete it. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_READ = (Queue: WdfIoQueue, Request: WdfRequest, Length: number) => void;
/** EvtIoWrite: a write request of Length bytes; the driver now owns it and must complete it. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_WRITE = (Queue: WdfIoQueue, Request: WdfRequest, Length: number) => void;
/** EvtIoDeviceControl: an IOCTL (IRP_MJ_DEVICE_CONTROL) with its code and buffer lengths. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL = (Queue: WdfIoQueue, Request: WdfRequest, OutputBufferLength: number, InputBufferLength: number, IoControlCode: number) => void;
/** EvtIoStop: a driver-owned request from a power-managed queue whose device leaves D0 or is removed; ActionFlags says suspend or purge. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_STOP = (Queue: WdfIoQueue, Request: WdfRequest, ActionFlags: number) => void;
/** EvtIoResume: the device is back in D0; restart a request EvtIoStop acknowledged as suspended. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_RESUME = (Queue: WdfIoQueue, Request: WdfRequest) => void;
/** EvtIoCanceledOnQueue: a request still waiting in the queue was cancelled (CancelIo); the framework took it out, the driver completes it. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE = (Queue: WdfIoQueue, Request: WdfRequest) => void;
/** EvtIoQueueState: a queue-state notification (the StopComplete / PurgeComplete of WdfIoQueueStop / WdfIoQueuePurge) with its context. <= DISPATCH_LEVEL. */
export type EVT_WDF_IO_QUEUE_STATE = (Queue: WdfIoQueue, Context: unknown) => void;

/** sizeof(WDF_IO_QUEUE_CONFIG) on x64 (KMDF 1.9 and later: Settings.Parallel and Driver included). */
export const WDF_IO_QUEUE_CONFIG_SIZE = 0x60;

/** WDF_IO_QUEUE_CONFIG (wdfio.h); build it with WDF_IO_QUEUE_CONFIG_INIT[_DEFAULT_QUEUE]. */
export interface WDF_IO_QUEUE_CONFIG {
  Size: number;
  DispatchType: WDF_IO_QUEUE_DISPATCH_TYPE;
  PowerManaged: WDF_TRI_STATE;
  AllowZeroLengthRequests: boolean;
  DefaultQueue: boolean;
  EvtIoDefault: EVT_WDF_IO_QUEUE_IO_DEFAULT | null;
  EvtIoRead: EVT_WDF_IO_QUEUE_IO_READ | null;
  EvtIoWrite: EVT_WDF_IO_QUEUE_IO_WRITE | null;
  EvtIoDeviceControl: EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL | null;
  EvtIoInternalDeviceControl: EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL | null;
  EvtIoStop: EVT_WDF_IO_QUEUE_IO_STOP | null;
  EvtIoResume: EVT_WDF_IO_QUEUE_IO_RESUME | null;
  EvtIoCanceledOnQueue: EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE | null;
  Settings: { Parallel: { NumberOfPresentedRequests: number } };
}

/** WDF_IO_QUEUE_CONFIG_INIT(&config, DispatchType): PowerManaged WdfUseDefault; a parallel queue presents without limit ((ULONG)-1). */
export function WDF_IO_QUEUE_CONFIG_INIT(DispatchType: WDF_IO_QUEUE_DISPATCH_TYPE, fields: Partial<Omit<WDF_IO_QUEUE_CONFIG, "Size" | "DispatchType">> = {}): WDF_IO_QUEUE_CONFIG {
  return {
    Size: WDF_IO_QUEUE_CONFIG_SIZE,
    DispatchType,
    PowerManaged: WdfUseDefault,
    AllowZeroLengthRequests: false,
    DefaultQueue: false,
    EvtIoDefault: null,
    EvtIoRead: null,
    EvtIoWrite: null,
    EvtIoDeviceControl: null,
    EvtIoInternalDeviceControl: null,
    EvtIoStop: null,
    EvtIoResume: null,
    EvtIoCanceledOnQueue: null,
    Settings: { Parallel: { NumberOfPresentedRequests: DispatchType === WdfIoQueueDispatchParallel ? 0xffff_ffff : 0 } },
    ...fields,
  };
}

/** WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, DispatchType): the same with DefaultQueue TRUE. */
export function WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(DispatchType: WDF_IO_QUEUE_DISPATCH_TYPE, fields: Partial<Omit<WDF_IO_QUEUE_CONFIG, "Size" | "DispatchType">> = {}): WDF_IO_QUEUE_CONFIG {
  return WDF_IO_QUEUE_CONFIG_INIT(DispatchType, { DefaultQueue: true, ...fields });
}

/** A WDFQUEUE: the requests waiting in it and those the driver owns from it. */
export class WdfIoQueue extends WdfObject implements PackageQueue, RequestQueue {
  readonly typeName = "WDFQUEUE";
  protected override noDeleteDdi = false;
  readonly device: WdfDevice;
  readonly config: WDF_IO_QUEUE_CONFIG;
  readonly powerManaged: boolean;
  /** @internal The device's I/O package (io-package.ts). */
  readonly pkg: FxPkgIo;
  /** Requests waiting in the queue, oldest first. */
  readonly queued: WdfRequest[] = [];
  /** Requests the driver owns, presented or retrieved from this queue (a set, oldest first). */
  readonly owned: {
    /** How many. */
    readonly size: number;
    /** Whether the driver owns `r` from this queue. */
    has(r: WdfRequest): boolean;
    /** The driver owns `r` now. */
    add(r: WdfRequest): unknown;
    /** The driver owns `r` now, which it did not (no membership scan). */
    addNew(r: WdfRequest): unknown;
    /** The driver no longer owns `r`; false when it did not. */
    delete(r: WdfRequest): boolean;
    /** The requests, oldest first. */
    [Symbol.iterator](): Iterator<WdfRequest>;
  } = new SmallSet<WdfRequest>();
  /** WdfIoQueueAcceptRequests: off after a purge. */
  accepting = true;
  /** WdfIoQueueDispatchRequests: off after a stop or purge. */
  started = true;
  /** A power-managed queue dispatches only in D0 (FxIoQueuePowerOn). */
  powerOn: boolean;
  /** Set by a purge: requests the driver marks cancelable are cancelled at once (m_CancelDispatchedRequests). */
  cancelDispatched = false;
  deleted = false;
  private dispatching = false;
  private readonly whenIdle: (() => void)[] = [];
  private readonly maxPresented: number;

  constructor(device: WdfDevice, config: WDF_IO_QUEUE_CONFIG, attributes: WDF_OBJECT_ATTRIBUTES | null, pkg: FxPkgIo) {
    super(device.globals, attributes);
    this.device = device;
    this.config = { ...config, Settings: { Parallel: { ...config.Settings.Parallel } } };
    this.pkg = pkg;
    this.powerManaged = config.PowerManaged !== WdfFalse;
    this.powerOn = !this.powerManaged || pnpOf(device).inD0;
    const n = config.Settings.Parallel.NumberOfPresentedRequests >>> 0;
    this.maxPresented = config.DispatchType === WdfIoQueueDispatchSequential ? 1 : n === 0 ? Infinity : n === 0xffff_ffff ? Infinity : n;
  }

  /** The queue's dispatch type (sequential, parallel, manual). */
  get type(): WDF_IO_QUEUE_DISPATCH_TYPE {
    return this.config.DispatchType;
  }

  /** @internal The default queue and queues given a request type are the framework's to delete (WdfObjectDelete refuses them). */
  markNoDeleteDdi(): void {
    this.noDeleteDdi = true;
  }

  /** IsIoEventHandlerRegistered. */
  takes(type: WDF_REQUEST_TYPE): boolean {
    const c = this.config;
    if (c.DispatchType === WdfIoQueueDispatchManual || c.EvtIoDefault !== null) return true;
    if (type === IRP_MJ_READ) return c.EvtIoRead !== null;
    if (type === IRP_MJ_WRITE) return c.EvtIoWrite !== null;
    if (type === IRP_MJ_DEVICE_CONTROL) return c.EvtIoDeviceControl !== null;
    if (type === IRP_MJ_INTERNAL_DEVICE_CONTROL) return c.EvtIoInternalDeviceControl !== null;
    return false;
  }

  enqueue(r: WdfRequest): void {
    r.queue = this;
    if (!this.accepting || this.deleted) {
      r.complete(STATUS.INVALID_DEVICE_STATE);
      return;
    }
    this.insert(r, false);
    this.dispatchPending();
  }

  /** Into the queue (tail, or head for a requeue) with the framework's cancel routine on the IRP. */
  insert(r: WdfRequest, head: boolean): void {
    r.queue = this;
    r.driverOwned = false;
    if (head) this.queued.unshift(r);
    else this.queued.push(r);
    r.irp.DriverContext[FX_IRP_QUEUE_CSQ_CONTEXT_ENTRY] = r;
    IoSetCancelRoutine(r.irp, irpCancelForQueue);
  }

  /** Out of the queue; false when it was not there. */
  private take(r: WdfRequest): boolean {
    const i = this.queued.indexOf(r);
    if (i < 0) return false;
    removeAt(this.queued, i);
    IoSetCancelRoutine(r.irp, null);
    return true;
  }

  /** A queued request is cancelled (IoCancelIrp or a purge). */
  cancelOnQueue(r: WdfRequest): void {
    const i = this.queued.indexOf(r);
    if (i >= 0) removeAt(this.queued, i);
    r.irp.CancelRoutine = null;
    const cb = this.config.EvtIoCanceledOnQueue;
    if (cb === null) {
      r.complete(STATUS.CANCELLED);
      return;
    }
    this.own(r);
    cb(this, r);
  }

  private own(r: WdfRequest): void {
    r.queue = this;
    // Every request comes here from the queue, never already the driver's (insert follows disown): with a parallel queue's dozens owned, no scan for it.
    if (r.driverOwned) this.owned.add(r);
    else this.owned.addNew(r);
    r.driverOwned = true;
    r.presented = true;
  }

  private canPresent(): boolean {
    return this.started && this.powerOn && !this.deleted && this.owned.size < this.maxPresented;
  }

  /** FxIoQueue::DispatchEvents: present waiting requests while the queue may. */
  dispatchPending(): void {
    if (this.config.DispatchType === WdfIoQueueDispatchManual || this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.queued.length > 0 && this.canPresent()) {
        // The oldest: off the head without a search (take() finds any request).
        const r = this.queued.shift() as WdfRequest;
        IoSetCancelRoutine(r.irp, null);
        this.present(r);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** A zero-length read or write the driver does not take completes at once (true when it did). */
  private zeroLength(r: WdfRequest): boolean {
    if (this.config.AllowZeroLengthRequests) return false;
    const p = r.irp.Parameters;
    const len = r.irp.MajorFunction === IRP_MJ_READ ? p.Read?.Length : r.irp.MajorFunction === IRP_MJ_WRITE ? p.Write?.Length : undefined;
    if (len !== 0) return false;
    r.complete(STATUS.SUCCESS);
    return true;
  }

  /** FxIoQueue::DispatchRequestToDriver. */
  private present(r: WdfRequest): void {
    const c = this.config;
    const irp = r.irp;
    const p = irp.Parameters;
    const mj = irp.MajorFunction;
    if (mj === IRP_MJ_READ && c.EvtIoRead !== null) {
      if (this.zeroLength(r)) return;
      this.own(r);
      c.EvtIoRead(this, r, p.Read?.Length ?? 0);
    } else if (mj === IRP_MJ_WRITE && c.EvtIoWrite !== null) {
      if (this.zeroLength(r)) return;
      this.own(r);
      c.EvtIoWrite(this, r, p.Write?.Length ?? 0);
    } else if (mj === IRP_MJ_DEVICE_CONTROL && c.EvtIoDeviceControl !== null) {
      this.own(r);
      const d = p.DeviceIoControl;
      c.EvtIoDeviceControl(this, r, d?.OutputBufferLength ?? 0, d?.InputBufferLength ?? 0, d?.IoControlCode ?? 0);
    } else if (mj === IRP_MJ_INTERNAL_DEVICE_CONTROL && c.EvtIoInternalDeviceControl !== null) {
      this.own(r);
      const d = p.DeviceIoControl;
      c.EvtIoInternalDeviceControl(this, r, d?.OutputBufferLength ?? 0, d?.InputBufferLength ?? 0, d?.IoControlCode ?? 0);
    } else if (c.EvtIoDefault !== null) {
      if (this.zeroLength(r)) return;
      this.own(r);
      c.EvtIoDefault(this, r);
    } else {
      r.complete(STATUS.INVALID_DEVICE_REQUEST);
    }
  }

  /** WdfIoQueueRetrieveNextRequest's body. */
  retrieve(out: HandleOut<WdfRequest>): NTSTATUS {
    if (this.type === WdfIoQueueDispatchParallel) return STATUS.INVALID_DEVICE_STATE;
    if (!this.powerOn || !this.started) return STATUS.WDF_PAUSED;
    for (;;) {
      const r = this.queued[0];
      if (r === undefined) return STATUS.NO_MORE_ENTRIES;
      this.take(r);
      if (this.zeroLength(r)) continue;
      this.own(r);
      out.value = r;
      return STATUS.SUCCESS;
    }
  }

  requestCompleted(r: WdfRequest): void {
    this.owned.delete(r);
    r.stopNotified = false;
    r.stoppedInPlace = false;
    this.runIdleCallbacks();
    this.dispatchPending();
  }

  /** A driver-owned request leaves the driver without completing (requeue). */
  disown(r: WdfRequest): void {
    this.owned.delete(r);
    r.stopNotified = false;
    r.stoppedInPlace = false;
  }

  private runIdleCallbacks(): void {
    if (this.owned.size > 0 || this.whenIdle.length === 0) return;
    for (const fn of this.whenIdle.splice(0)) fn();
  }

  /** Call `fn` once the driver owns none of the queue's requests (now, when it owns none). */
  whenDriverIdle(fn: () => void): void {
    this.whenIdle.push(fn);
    this.runIdleCallbacks();
  }

  /** Cancel what the queue holds and, for a purge, the driver's cancelable requests. */
  purgeRequests(): void {
    this.accepting = false;
    this.started = false;
    this.cancelDispatched = true;
    for (const r of [...this.queued]) this.cancelOnQueue(r);
    for (const r of [...this.owned]) if (r.cancelable) cancelForDriver(r);
  }

  /** Report each request the driver still owns: nothing left on the machine will complete it. */
  reportStuck(transition: string, done: (r: WdfRequest) => boolean): void {
    const k = this.device.kernel;
    for (const r of this.owned) {
      if (done(r)) continue;
      k.report({
        code: "WDF_REQUEST_NOT_COMPLETED",
        routine: transition,
        device: this.device.pdo.config.name,
        message: `${String(r)} (IRP major 0x${r.irp.MajorFunction.toString(16)}) from ${String(this)} is still the driver's during ${transition} and nothing the machine runs completes ${this.config.EvtIoStop === null ? "it (the queue has no EvtIoStop)" : "or acknowledges it"}; Windows waits here forever`,
        params: { request: r.handle, major: r.irp.MajorFunction, queue: this.handle },
      });
    }
  }

  /** The power side (FxIoQueue::StopProcessingForPower): hold, or purge for a removal. */
  powerStop(purge: boolean): void {
    const k = this.device.kernel;
    const stop = this.config.EvtIoStop;
    if (purge) this.purgeRequests();
    else this.powerOn = false;
    const action = purge ? WdfRequestStopActionPurge : WdfRequestStopActionSuspend;
    const notified: WdfRequest[] = [];
    for (const r of [...this.owned]) {
      if (r.cancelCalled || r.completed) continue;
      if (!purge && r.stoppedInPlace) continue;
      r.stopNotified = true;
      r.stoppedInPlace = false;
      notified.push(r);
      if (stop !== null) stop(this, r, action | (r.cancelable ? WdfRequestStopRequestCancelable : 0));
    }
    // A hold is satisfied by an acknowledgement; a purge only by completion.
    const settled = (r: WdfRequest): boolean => r.completed || !this.owned.has(r) || (!purge && !r.stopNotified);
    const transition = purge ? "the purge of its queues (removal)" : "the power-down (EvtDeviceD0Exit)";
    if (!fxWaitFor(k, () => notified.every(settled))) this.reportStuck(transition, settled);
    for (const r of notified) r.stopNotified = false;
  }

  /** FxIoQueue::ResumeProcessingForPower: EvtIoResume for requests stopped in place, then dispatch again. */
  powerResume(): void {
    this.powerOn = true;
    const resume = this.config.EvtIoResume;
    for (const r of [...this.owned]) {
      if (!r.stoppedInPlace) continue;
      r.stoppedInPlace = false;
      resume?.(this, r);
    }
    this.dispatchPending();
  }

  protected override dispose(): void {
    // Deleting a queue cancels what waits in it; the driver's own requests stay the driver's.
    this.accepting = false;
    for (const r of [...this.queued]) this.cancelOnQueue(r);
    this.deleted = true;
  }
}

/**
 * The IRP's DriverContext entry that names its request while the IRP sits in a
 * queue or on the driver's cancelable list (FxIrpQueue's
 * FX_IRP_QUEUE_CSQ_CONTEXT_ENTRY): one cancel routine serves every request.
 */
const FX_IRP_QUEUE_CSQ_CONTEXT_ENTRY = 3;

/** The request a queued or driver-cancelable IRP belongs to. */
function requestOfIrp(irp: IRP): WdfRequest {
  return irp.DriverContext[FX_IRP_QUEUE_CSQ_CONTEXT_ENTRY] as WdfRequest;
}

/** FxIoQueue::_IrpCancelForQueue: the cancel routine of a queued request's IRP. */
function irpCancelForQueue(_dev: DEVICE_OBJECT, irp: IRP): void {
  const r = requestOfIrp(irp);
  IoReleaseCancelSpinLock(r.device.kernel, irp.CancelIrql);
  (r.queue as WdfIoQueue).cancelOnQueue(r);
}

/** FxIoQueue::_IrpCancelForDriver: the cancel routine of a driver-owned request marked cancelable. */
function irpCancelForDriver(_dev: DEVICE_OBJECT, irp: IRP): void {
  const r = requestOfIrp(irp);
  IoReleaseCancelSpinLock(r.device.kernel, irp.CancelIrql);
  if (r.cancelable) cancelForDriver(r);
}

/** FxIoQueue::CancelForDriver: EvtRequestCancel for a driver-owned cancelable request. */
function cancelForDriver(r: WdfRequest): void {
  const cb = r.cancelRoutine;
  r.cancelable = false;
  r.cancelCalled = true;
  r.irp.CancelRoutine = null;
  cb?.(r);
}

/**
 * WdfIoQueueCreate(Device, Config, QueueAttributes, Queue) (<= DISPATCH_LEVEL).
 * The parent is the device unless the attributes name one.
 */
export function WdfIoQueueCreate(Device: WdfDevice, Config: WDF_IO_QUEUE_CONFIG, QueueAttributes: WDF_OBJECT_ATTRIBUTES | null, Queue: HandleOut<WdfIoQueue> | null): NTSTATUS {
  const dev = validHandle(Device, WdfDevice, "WdfIoQueueCreate");
  if (Config === null || Config === undefined) throw new TypeError("WdfIoQueueCreate: Config is NULL (WDF_VIOLATION 0x4 on Windows)");
  if (Queue !== null) Queue.value = null;
  let st = dev.globals.checkIrql("WdfIoQueueCreate", DISPATCH_LEVEL);
  if (!NT_SUCCESS(st)) return st;
  st = FxValidateObjectAttributes(QueueAttributes, FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED | FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED);
  if (!NT_SUCCESS(st)) return st;
  if (Config.Size !== WDF_IO_QUEUE_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  if (!Config.DefaultQueue && Queue === null) return STATUS.INVALID_PARAMETER;
  const state = pnpOf(dev).state;
  if (Config.DefaultQueue && state !== "added") return STATUS.INVALID_DEVICE_STATE;
  const t = Config.DispatchType;
  if (t !== WdfIoQueueDispatchSequential && t !== WdfIoQueueDispatchParallel && t !== WdfIoQueueDispatchManual) return STATUS.INVALID_PARAMETER;
  const anyCallback = Config.EvtIoDefault !== null || Config.EvtIoRead !== null || Config.EvtIoWrite !== null || Config.EvtIoDeviceControl !== null || Config.EvtIoInternalDeviceControl !== null;
  if (t !== WdfIoQueueDispatchManual && !anyCallback) return STATUS.WDF_NO_CALLBACK;
  if (t === WdfIoQueueDispatchManual && anyCallback) return STATUS.INVALID_PARAMETER;
  if (Config.Settings.Parallel.NumberOfPresentedRequests !== 0 && t !== WdfIoQueueDispatchParallel) return STATUS.INVALID_PARAMETER;
  if (Config.PowerManaged !== WdfFalse && Config.PowerManaged !== WdfTrue && Config.PowerManaged !== WdfUseDefault) throw new RangeError(`WdfIoQueueCreate: PowerManaged ${String(Config.PowerManaged)} is not a WDF_TRI_STATE`);
  const pkg = ioPackageOf(dev);
  const q = new WdfIoQueue(dev, Config, QueueAttributes, pkg);
  const parent = QueueAttributes?.ParentObject ?? dev;
  validHandle(parent, WdfObject, "WdfIoQueueCreate");
  q.commit(parent);
  if (Config.DefaultQueue) {
    st = setDefaultQueue(pkg, q);
    if (!NT_SUCCESS(st)) {
      q.deleteFromFailedCreate();
      return st;
    }
    q.markNoDeleteDdi();
  }
  pkg.queues.push(q);
  if (Queue !== null) Queue.value = q;
  return STATUS.SUCCESS;
}

/** WdfDeviceConfigureRequestDispatching(Device, Queue, RequestType) (<= DISPATCH_LEVEL): requests of the type go to the queue. */
export function WdfDeviceConfigureRequestDispatching(Device: WdfDevice, Queue: WdfIoQueue, RequestType: WDF_REQUEST_TYPE): NTSTATUS {
  const dev = validHandle(Device, WdfDevice, "WdfDeviceConfigureRequestDispatching");
  const q = validQueue(Queue, "WdfDeviceConfigureRequestDispatching");
  if (RequestType !== IRP_MJ_READ && RequestType !== IRP_MJ_WRITE && RequestType !== IRP_MJ_DEVICE_CONTROL && RequestType !== IRP_MJ_INTERNAL_DEVICE_CONTROL) return STATUS.INVALID_PARAMETER;
  if (q.device !== dev) return STATUS.INVALID_PARAMETER;
  const st = configureForwarding(q.pkg, q, RequestType);
  if (NT_SUCCESS(st)) q.markNoDeleteDdi();
  return st;
}

/** WdfDeviceGetDefaultQueue: the device's default queue, or NULL. */
export function WdfDeviceGetDefaultQueue(Device: WdfDevice): WdfIoQueue | null {
  const dev = validHandle(Device, WdfDevice, "WdfDeviceGetDefaultQueue");
  const q = ioPackageOf(dev).defaultQueue;
  return q instanceof WdfIoQueue && !q.deleted ? q : null;
}

/** WdfIoQueueGetDevice: the device the queue belongs to. */
export function WdfIoQueueGetDevice(Queue: WdfIoQueue): WdfDevice {
  return validQueue(Queue, "WdfIoQueueGetDevice").device;
}

/** WdfIoQueueGetState(Queue, QueueRequests, DriverRequests): the WDF_IO_QUEUE_STATE flags and the counts. */
export function WdfIoQueueGetState(Queue: WdfIoQueue, QueueRequests: { value: number } | null = null, DriverRequests: { value: number } | null = null): number {
  const q = validQueue(Queue, "WdfIoQueueGetState");
  if (QueueRequests !== null) QueueRequests.value = q.queued.length;
  if (DriverRequests !== null) DriverRequests.value = q.owned.size;
  let s = 0;
  if (q.accepting) s |= WdfIoQueueAcceptRequests;
  if (q.started) s |= WdfIoQueueDispatchRequests;
  if (q.queued.length === 0) s |= WdfIoQueueNoRequests;
  if (q.owned.size === 0) s |= WdfIoQueueDriverNoRequests;
  if (!q.powerOn) s |= WdfIoQueuePnpHeld;
  return s;
}

/** WdfIoQueueStart (<= DISPATCH_LEVEL): accept and dispatch again (after a stop or purge). */
export function WdfIoQueueStart(Queue: WdfIoQueue): void {
  const q = validQueue(Queue, "WdfIoQueueStart");
  q.globals.checkIrql("WdfIoQueueStart", DISPATCH_LEVEL);
  q.accepting = true;
  q.started = true;
  q.cancelDispatched = false;
  q.dispatchPending();
}

/** WdfIoQueueStop(Queue, StopComplete, Context): stop presenting (the queue still accepts); StopComplete once the driver owns none of its requests. */
export function WdfIoQueueStop(Queue: WdfIoQueue, StopComplete: EVT_WDF_IO_QUEUE_STATE | null, Context: unknown): void {
  const q = validQueue(Queue, "WdfIoQueueStop");
  q.globals.checkIrql("WdfIoQueueStop", DISPATCH_LEVEL);
  q.started = false;
  if (StopComplete !== null) q.whenDriverIdle(() => StopComplete(q, Context));
}

function waitIdle(q: WdfIoQueue, routine: string): void {
  const k = q.device.kernel;
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError(`${routine}: it waits, so it must be called at PASSIVE_LEVEL`);
  if (!fxWaitFor(k, () => q.owned.size === 0)) q.reportStuck(routine, () => false);
}

/** WdfIoQueueStopSynchronously (PASSIVE_LEVEL): stop, and return once the driver owns none of the queue's requests. */
export function WdfIoQueueStopSynchronously(Queue: WdfIoQueue): void {
  const q = validQueue(Queue, "WdfIoQueueStopSynchronously");
  q.started = false;
  waitIdle(q, "WdfIoQueueStopSynchronously");
}

/** WdfIoQueuePurge(Queue, PurgeComplete, Context): refuse new requests, cancel the queued ones and the driver's cancelable ones; PurgeComplete once the driver owns none. */
export function WdfIoQueuePurge(Queue: WdfIoQueue, PurgeComplete: EVT_WDF_IO_QUEUE_STATE | null, Context: unknown): void {
  const q = validQueue(Queue, "WdfIoQueuePurge");
  q.globals.checkIrql("WdfIoQueuePurge", DISPATCH_LEVEL);
  q.purgeRequests();
  if (PurgeComplete !== null) q.whenDriverIdle(() => PurgeComplete(q, Context));
}

/** WdfIoQueuePurgeSynchronously (PASSIVE_LEVEL). */
export function WdfIoQueuePurgeSynchronously(Queue: WdfIoQueue): void {
  const q = validQueue(Queue, "WdfIoQueuePurgeSynchronously");
  q.purgeRequests();
  waitIdle(q, "WdfIoQueuePurgeSynchronously");
}

/**
 * WdfIoQueueRetrieveNextRequest(Queue, OutRequest) (<= DISPATCH_LEVEL): the
 * oldest request of a manual (or sequential) queue, now the driver's.
 * STATUS_NO_MORE_ENTRIES when empty, STATUS_WDF_PAUSED when stopped or
 * powered off, STATUS_INVALID_DEVICE_STATE on a parallel queue.
 */
export function WdfIoQueueRetrieveNextRequest(Queue: WdfIoQueue, OutRequest: HandleOut<WdfRequest>): NTSTATUS {
  const q = validQueue(Queue, "WdfIoQueueRetrieveNextRequest");
  OutRequest.value = null;
  const st = q.globals.checkIrql("WdfIoQueueRetrieveNextRequest", DISPATCH_LEVEL);
  if (!NT_SUCCESS(st)) return st;
  return q.retrieve(OutRequest);
}

/** WdfRequestGetIoQueue: the queue that delivered the request (NULL for one the driver got otherwise). */
export function WdfRequestGetIoQueue(Request: WdfRequest): WdfIoQueue | null {
  const r = validRequest(Request, "WdfRequestGetIoQueue");
  return r.queue instanceof WdfIoQueue ? r.queue : null;
}

function ownedRequest(Request: WdfRequest, routine: string): { r: WdfRequest; q: WdfIoQueue | null } {
  const r = validRequest(Request, routine);
  r.globals.checkIrql(routine, DISPATCH_LEVEL);
  const q = r.queue instanceof WdfIoQueue && r.driverOwned ? r.queue : null;
  return { r, q };
}

function markCancelable(routine: string, Request: WdfRequest, EvtRequestCancel: EVT_WDF_REQUEST_CANCEL, failIfCancelled: boolean): NTSTATUS {
  const { r, q } = ownedRequest(Request, routine);
  if (typeof EvtRequestCancel !== "function") throw new TypeError(`${routine}: EvtRequestCancel must be a function (WDF_VIOLATION 0x4 on Windows)`);
  if (q === null) return STATUS.INVALID_DEVICE_REQUEST;
  r.cancelRoutine = EvtRequestCancel;
  if (r.irp.Cancel || q.cancelDispatched) {
    if (failIfCancelled) {
      r.cancelRoutine = null;
      return STATUS.CANCELLED;
    }
    // MarkCancelable on a request already cancelled calls EvtRequestCancel at once and succeeds.
    cancelForDriver(r);
    return STATUS.SUCCESS;
  }
  r.cancelable = true;
  r.irp.DriverContext[FX_IRP_QUEUE_CSQ_CONTEXT_ENTRY] = r;
  IoSetCancelRoutine(r.irp, irpCancelForDriver);
  return STATUS.SUCCESS;
}

/** WdfRequestMarkCancelable(Request, EvtRequestCancel): a request already cancelled gets EvtRequestCancel at once. */
export function WdfRequestMarkCancelable(Request: WdfRequest, EvtRequestCancel: EVT_WDF_REQUEST_CANCEL): void {
  markCancelable("WdfRequestMarkCancelable", Request, EvtRequestCancel, false);
}

/** WdfRequestMarkCancelableEx: STATUS_CANCELLED (no callback) for a request already cancelled. */
export function WdfRequestMarkCancelableEx(Request: WdfRequest, EvtRequestCancel: EVT_WDF_REQUEST_CANCEL): NTSTATUS {
  return markCancelable("WdfRequestMarkCancelableEx", Request, EvtRequestCancel, true);
}

/**
 * WdfRequestUnmarkCancelable: STATUS_CANCELLED when EvtRequestCancel already
 * ran or is running (the driver must let it complete the request), else
 * success; STATUS_INVALID_DEVICE_REQUEST for a request no queue gave the driver.
 */
export function WdfRequestUnmarkCancelable(Request: WdfRequest): NTSTATUS {
  const { r, q } = ownedRequest(Request, "WdfRequestUnmarkCancelable");
  if (q === null) return STATUS.INVALID_DEVICE_REQUEST;
  if (r.cancelCalled) return STATUS.CANCELLED;
  r.cancelable = false;
  r.cancelRoutine = null;
  IoSetCancelRoutine(r.irp, null);
  return STATUS.SUCCESS;
}

/**
 * WdfRequestStopAcknowledge(Request, Requeue) from EvtIoStop or later:
 * Requeue TRUE puts the request back at the head of its queue; FALSE keeps it
 * in the driver while the queue is powered off (EvtIoResume at power-up). A
 * request without a pending EvtIoStop is a RangeError (KMDF's verifier breaks).
 */
export function WdfRequestStopAcknowledge(Request: WdfRequest, Requeue: boolean): void {
  const { r, q } = ownedRequest(Request, "WdfRequestStopAcknowledge");
  if (q === null || !r.stopNotified) throw new RangeError(`WdfRequestStopAcknowledge: ${String(r)} has no EvtIoStop to acknowledge`);
  r.stopNotified = false;
  if (Requeue) {
    q.disown(r);
    q.insert(r, true);
    return;
  }
  r.stoppedInPlace = true;
}

/** WdfRequestRequeue: a request of a manual queue back to its head (STATUS_INVALID_DEVICE_REQUEST from other queues). */
export function WdfRequestRequeue(Request: WdfRequest): NTSTATUS {
  const { r, q } = ownedRequest(Request, "WdfRequestRequeue");
  if (q === null || q.type !== WdfIoQueueDispatchManual) return STATUS.INVALID_DEVICE_REQUEST;
  q.disown(r);
  r.cancelable = false;
  if (r.irp.Cancel || q.cancelDispatched) {
    q.cancelOnQueue(r);
    return STATUS.CANCELLED;
  }
  q.insert(r, true);
  return STATUS.SUCCESS;
}

/**
 * WdfRequestForwardToIoQueue(Request, DestinationQueue) (<= DISPATCH_LEVEL):
 * a request the driver owns goes to another queue of the same device, which
 * presents it again (the driver does not own it meanwhile). The same queue,
 * another device's queue, or a request still marked cancelable is
 * STATUS_INVALID_DEVICE_REQUEST; a queue that does not accept requests
 * (purged) is STATUS_WDF_BUSY and the request stays the driver's.
 */
export function WdfRequestForwardToIoQueue(Request: WdfRequest, DestinationQueue: WdfIoQueue): NTSTATUS {
  const { r, q } = ownedRequest(Request, "WdfRequestForwardToIoQueue");
  const dest = validHandle(DestinationQueue, WdfIoQueue, "WdfRequestForwardToIoQueue");
  if (q === null || dest === q || dest.device !== q.device || r.cancelable) return STATUS.INVALID_DEVICE_REQUEST;
  if (!dest.accepting || dest.deleted) return STATUS.WDF_BUSY;
  q.disown(r);
  // Leaving the old queue may let it present its next request.
  q.dispatchPending();
  dest.insert(r, false);
  dest.dispatchPending();
  return STATUS.SUCCESS;
}

/**
 * validHandle for a WDFQUEUE: a call site that sees one class only
 * (the engine decides it in a few instructions); anything else takes
 * validHandle for its WDF_VIOLATION.
 */
function validQueue(obj: unknown, routine: string): WdfIoQueue {
  if (obj instanceof WdfIoQueue && obj.state !== "destroyed") return obj;
  return validHandle(obj, WdfIoQueue, routine);
}
