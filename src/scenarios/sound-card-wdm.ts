/**
 * The IRP half of the sample WDM sound-card driver (the hardware half is
 * sound-card-driver.ts): DriverEntry fills the dispatch table, AddDevice
 * creates the FDO, and the I/O and PnP managers reach the driver only
 * through IRPs.
 *
 * - IRP_MJ_CREATE / CLEANUP / CLOSE: one open at a time (a wave device is
 *   exclusive; a second CreateFile gets STATUS_ACCESS_DENIED). CLEANUP
 *   cancels the handle's writes; after a removal CREATE gets
 *   STATUS_DELETE_PENDING.
 * - IRP_MJ_WRITE: the PCM stream, a whole number of frames. The device does
 *   direct I/O (DO_DIRECT_IO): the I/O manager locks the application's buffer
 *   and describes it by MdlAddress, and the driver copies from its system
 *   address into the common buffer half by half while the card plays — no
 *   copy of the whole stream is made. Writes go through a StartIo queue
 *   (IoStartPacket): one stream plays at a time, the next starts when the
 *   card has played the last byte of the one before, and the write completes
 *   then with Information = its length.
 * - CancelIo: a queued write leaves the queue (STATUS_CANCELLED); the
 *   playing one stops the card and completes with STATUS_CANCELLED and
 *   Information = the bytes played.
 * - IRP_MJ_PNP: START claims the hardware from
 *   Parameters.StartDevice.AllocatedResourcesTranslated; QUERY_STOP and
 *   QUERY_REMOVE succeed and hold new streams (a write arriving then waits);
 *   STOP pauses the card, keeps the playing write and how far it got
 *   (DriverContext[0]) and releases the hardware; the START that follows
 *   (a rebalance) claims it again and plays on from that byte, so the
 *   application hears the stream unbroken. SURPRISE_REMOVAL (the card is
 *   already gone) stops the DMA, releases the hardware and completes every
 *   write with STATUS_DEVICE_REMOVED, the playing one with Information = the
 *   bytes played; writes after it fail the same way. REMOVE releases
 *   whatever is left; the PnP manager then deletes the FDO.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { DO_DIRECT_IO } from "../kernel/io-manager.ts";
import { IoCompleteRequest, IoMarkIrpPending, IoReleaseCancelSpinLock, IoSetCancelRoutine, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_PNP, IRP_MJ_WRITE, type IRP } from "../kernel/irp.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { MmGetSystemAddressForMdlSafe } from "../kernel/mdl.ts";
import {
  createDriverObject,
  type DRIVER_OBJECT,
  IoCreateFdo,
  IRP_MN_CANCEL_REMOVE_DEVICE,
  IRP_MN_CANCEL_STOP_DEVICE,
  IRP_MN_QUERY_REMOVE_DEVICE,
  IRP_MN_QUERY_STOP_DEVICE,
  IRP_MN_REMOVE_DEVICE,
  IRP_MN_START_DEVICE,
  IRP_MN_STOP_DEVICE,
  IRP_MN_SURPRISE_REMOVAL,
} from "../kernel/pnp.ts";
import { IoStartNextPacket, IoStartPacket } from "../kernel/start-io.ts";
import { SoundAddDevice, soundBlockAlign, type SoundDeviceExtension, type SoundDriverConfig, soundExtension, SoundStartDevice, SoundStartPlayback, SoundStopDevice, SoundStopPlayback } from "./sound-card-driver.ts";

/** STATUS_ACCESS_DENIED (ntstatus.h): the exclusive device is already open. */
export const STATUS_ACCESS_DENIED = 0xc0000022;

/** The WDM sound driver's object name. */
export const SOUND_DRIVER_NAME = "\\Driver\\sb16wave";

/** Where the device is, as the driver tracks it from the PnP IRPs it got. */
export type SoundPnpState = "added" | "started" | "stop-pending" | "stopped" | "remove-pending" | "surprise-removed" | "removed";

/** The IRP side of the device extension. */
interface WdmState {
  pnp: SoundPnpState;
  /** The PnP state before a query (what a cancel returns to). */
  beforeQuery: SoundPnpState;
  opens: number;
  /** Set while the driver empties its queue: the status each queued write gets. */
  failing: NTSTATUS | null;
}

const STATE = new WeakMap<SoundDeviceExtension, WdmState>();

function wdm(fdo: DEVICE_OBJECT): WdmState {
  const s = STATE.get(soundExtension(fdo));
  if (s === undefined) throw new TypeError(`${fdo.name} is not a sound-card device`);
  return s;
}

/** The driver's PnP state of a device (for tests and the scenario's report). */
export function soundPnpState(fdo: DEVICE_OBJECT): SoundPnpState {
  return wdm(fdo).pnp;
}

/**
 * Load the driver: the I/O manager creates the driver object and calls
 * DriverEntry, which fills the dispatch table. The PnP manager then calls
 * AddDevice (pnpAddDevice) for the card's PDO.
 */
export function loadSoundDriver(k: Kernel, config: SoundDriverConfig): DRIVER_OBJECT {
  return createDriverObject(SOUND_DRIVER_NAME, (d) => SoundDriverEntry(k, d, config));
}

function SoundDriverEntry(k: Kernel, DriverObject: DRIVER_OBJECT, config: SoundDriverConfig): NTSTATUS {
  DriverObject.AddDevice = (drv, pdo) => {
    const fdo = IoCreateFdo(k, drv, pdo, "SoundCard0");
    fdo.Flags |= DO_DIRECT_IO;
    SoundAddDevice(k, fdo, config);
    const e = soundExtension(fdo);
    STATE.set(e, { pnp: "added", beforeQuery: "added", opens: 0, failing: null });
    e.onStreamEnd = streamEnded;
    return STATUS.SUCCESS;
  };
  DriverObject.MajorFunction[IRP_MJ_CREATE] = SoundDispatchCreate;
  DriverObject.MajorFunction[IRP_MJ_CLEANUP] = SoundDispatchCleanup;
  DriverObject.MajorFunction[IRP_MJ_CLOSE] = SoundDispatchClose;
  DriverObject.MajorFunction[IRP_MJ_WRITE] = SoundDispatchWrite;
  DriverObject.MajorFunction[IRP_MJ_PNP] = SoundDispatchPnp;
  DriverObject.DriverStartIo = SoundStartIo;
  DriverObject.DriverUnload = () => undefined;
  return STATUS.SUCCESS;
}

function complete(irp: IRP, status: NTSTATUS, information = 0): NTSTATUS {
  irp.IoStatus = { Status: status, Information: information };
  IoCompleteRequest(irp);
  return status;
}

function gone(s: WdmState): boolean {
  return s.pnp === "surprise-removed" || s.pnp === "removed";
}

function SoundDispatchCreate(fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  const s = wdm(fdo);
  if (gone(s) || s.pnp === "remove-pending") return complete(irp, STATUS.DELETE_PENDING);
  if (s.opens > 0) return complete(irp, STATUS_ACCESS_DENIED);
  s.opens++;
  return complete(irp, STATUS.SUCCESS);
}

/** CLEANUP: the last handle is closing; its writes go (the device is exclusive: every write is that handle's). */
function SoundDispatchCleanup(fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  failAll(fdo, STATUS.CANCELLED);
  return complete(irp, STATUS.SUCCESS);
}

function SoundDispatchClose(fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  const s = wdm(fdo);
  if (s.opens > 0) s.opens--;
  return complete(irp, STATUS.SUCCESS);
}

function SoundDispatchWrite(fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  const s = wdm(fdo);
  const e = soundExtension(fdo);
  if (gone(s)) return complete(irp, STATUS.DEVICE_REMOVED);
  const length = irp.Parameters.Write?.Length ?? 0;
  if (length === 0) return complete(irp, STATUS.SUCCESS);
  if (length % soundBlockAlign(e) !== 0 || irp.MdlAddress === null) return complete(irp, STATUS.INVALID_PARAMETER);
  irp.DriverContext[0] = 0;
  IoMarkIrpPending(irp);
  IoStartPacket(e.kernel, fdo, irp);
  return STATUS.PENDING;
}

/** DriverStartIo (DISPATCH_LEVEL): play the write, or hold it while the device is stopped or about to be. */
function SoundStartIo(fdo: DEVICE_OBJECT, irp: IRP): void {
  const s = wdm(fdo);
  const k = soundExtension(fdo).kernel;
  if (s.failing !== null) return finishCurrent(fdo, irp, s.failing, 0);
  if (gone(s)) return finishCurrent(fdo, irp, STATUS.DEVICE_REMOVED, 0);
  if (irp.Cancel) return finishCurrent(fdo, irp, STATUS.CANCELLED, 0);
  IoSetCancelRoutine(irp, SoundCancelCurrent);
  if (s.pnp !== "started") return; // held: START / CANCEL_STOP / CANCEL_REMOVE play it
  const st = playFromContext(k, fdo, irp);
  if (st !== STATUS.SUCCESS) finishCurrent(fdo, irp, st, 0);
}

function playFromContext(k: Kernel, fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  const mdl = irp.MdlAddress;
  const va = mdl === null ? null : MmGetSystemAddressForMdlSafe(mdl);
  if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
  return SoundStartPlayback(k, fdo, { va, length: irp.Parameters.Write?.Length ?? 0 }, irp.DriverContext[0] as number);
}

/** Complete the device's current write and start the next one (DISPATCH_LEVEL or below). */
function finishCurrent(fdo: DEVICE_OBJECT, irp: IRP, status: NTSTATUS, played: number): void {
  const k = soundExtension(fdo).kernel;
  IoSetCancelRoutine(irp, null);
  complete(irp, status, played);
  k.atLeastIrql(DISPATCH_LEVEL, () => IoStartNextPacket(k, fdo));
}

/** The card played the current write's last byte (DPC). */
function streamEnded(fdo: DEVICE_OBJECT): void {
  const e = soundExtension(fdo);
  const irp = fdo.CurrentIrp as IRP;
  const played = SoundStopPlayback(e.kernel, fdo);
  finishCurrent(fdo, irp, STATUS.SUCCESS, played);
}

/** Cancel routine of the current write (DISPATCH_LEVEL, cancel spin lock held). */
function SoundCancelCurrent(fdo: DEVICE_OBJECT, irp: IRP): void {
  const e = soundExtension(fdo);
  IoReleaseCancelSpinLock(e.kernel, irp.CancelIrql);
  if (fdo.CurrentIrp !== irp) return;
  const played = e.playing ? SoundStopPlayback(e.kernel, fdo) : (irp.DriverContext[0] as number);
  finishCurrent(fdo, irp, STATUS.CANCELLED, played);
}

/** Complete the current write (stopping the card) and every queued one with `status`. */
function failAll(fdo: DEVICE_OBJECT, status: NTSTATUS): void {
  const e = soundExtension(fdo);
  const s = wdm(fdo);
  // While this runs, StartIo fails each queued write with `status` as the queue hands it over.
  s.failing = status;
  try {
    const irp = fdo.CurrentIrp as IRP | null;
    if (irp !== null) finishCurrent(fdo, irp, status, e.playing ? SoundStopPlayback(e.kernel, fdo) : (irp.DriverContext[0] as number));
  } finally {
    s.failing = null;
  }
}

/** Play the held write, if any (the device is started again). */
function resume(fdo: DEVICE_OBJECT): void {
  const e = soundExtension(fdo);
  const irp = fdo.CurrentIrp as IRP | null;
  if (irp === null || e.playing) return;
  const st = e.kernel.atIrql(DISPATCH_LEVEL, () => playFromContext(e.kernel, fdo, irp));
  if (st !== STATUS.SUCCESS) finishCurrent(fdo, irp, st, irp.DriverContext[0] as number);
}

function SoundDispatchPnp(fdo: DEVICE_OBJECT, irp: IRP): NTSTATUS {
  const s = wdm(fdo);
  const e = soundExtension(fdo);
  const k = e.kernel;
  switch (irp.MinorFunction) {
    case IRP_MN_START_DEVICE: {
      const resources = irp.Parameters.StartDevice?.AllocatedResourcesTranslated;
      const st = resources === undefined ? STATUS.DEVICE_CONFIGURATION_ERROR : SoundStartDevice(k, fdo, resources);
      if (st !== STATUS.SUCCESS) return complete(irp, st);
      s.pnp = "started";
      resume(fdo);
      return complete(irp, STATUS.SUCCESS);
    }
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
      // The card can pause and resume without losing a sample: never refuse. New streams wait from here on.
      s.beforeQuery = s.pnp;
      s.pnp = irp.MinorFunction === IRP_MN_QUERY_STOP_DEVICE ? "stop-pending" : "remove-pending";
      return complete(irp, STATUS.SUCCESS);
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
      if (s.pnp === "stop-pending" || s.pnp === "remove-pending") s.pnp = s.beforeQuery;
      if (s.pnp === "started") resume(fdo);
      return complete(irp, STATUS.SUCCESS);
    case IRP_MN_STOP_DEVICE: {
      // Keep the playing write and where it got; the start after the rebalance plays on from there.
      const irpNow = fdo.CurrentIrp as IRP | null;
      if (irpNow !== null && e.playing) irpNow.DriverContext[0] = SoundStopPlayback(k, fdo);
      SoundStopDevice(k, fdo);
      s.pnp = "stopped";
      return complete(irp, STATUS.SUCCESS);
    }
    case IRP_MN_SURPRISE_REMOVAL:
      // The card is gone: stop the DMA, give the hardware back, fail what is outstanding.
      s.pnp = "surprise-removed";
      failAll(fdo, STATUS.DEVICE_REMOVED);
      if (e.config.bug !== "no-release-on-removal") SoundStopDevice(k, fdo);
      return complete(irp, STATUS.SUCCESS);
    case IRP_MN_REMOVE_DEVICE:
      s.pnp = "removed";
      failAll(fdo, STATUS.DEVICE_REMOVED);
      if (e.config.bug !== "no-release-on-removal") SoundStopDevice(k, fdo);
      return complete(irp, STATUS.SUCCESS);
    default:
      // Not ours: the bus driver below would answer; there is none, so the IRP keeps the status it came with.
      return complete(irp, irp.IoStatus.Status, irp.IoStatus.Information);
  }
}
