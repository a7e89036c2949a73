/**
 * The framework's side of IRP_MJ_PNP for a function driver: the FxPkgPnp
 * PnP, power and self-managed-I/O state machines reduced to the paths a
 * device takes here, in the order Windows-Driver-Frameworks calls the driver
 * back (pnpstatemachine.cpp, powerstatemachine.cpp,
 * selfmanagediostatemachine.cpp; WDK "PnP and Power Management Callback
 * Sequences"). TargetState and PreviousState are WdfPowerDeviceD3Final on
 * every one of these paths (stop for a rebalance, removal, surprise removal).
 *
 * Power up (IRP_MN_START_DEVICE, first start and restart alike, after
 * EvtDevicePrepareHardware(raw, translated)):
 *   EvtDeviceD0Entry -> interrupts connected, EvtInterruptEnable at DIRQL ->
 *   EvtDeviceD0EntryPostInterruptsEnabled -> each DMA enabler's Fill, Enable,
 *   SelfManagedIoStart -> power-managed queues resume (EvtIoResume) ->
 *   EvtDeviceSelfManagedIoInit (first start) or ...Restart (later starts).
 * Power down (stop, removal, surprise removal), every step even when one fails:
 *   EvtDeviceSelfManagedIoSuspend -> power-managed queues held (EvtIoStop
 *   with WdfRequestStopActionSuspend for each request the driver owns, then a
 *   wait until each is completed or acknowledged) -> each DMA enabler's
 *   SelfManagedIoStop, Disable, Flush -> EvtDeviceD0ExitPreInterruptsDisabled
 *   -> EvtInterruptDisable and disconnect -> EvtDeviceD0Exit.
 * Then EvtDeviceReleaseHardware (stop here for a rebalance); for a removal:
 *   power-managed queues purged (EvtIoStop with WdfRequestStopActionPurge) ->
 *   EvtDeviceSelfManagedIoFlush -> non-power-managed queues purged ->
 *   EvtDeviceSelfManagedIoCleanup -> the device's object tree is deleted.
 *
 * Failures, as the state machines handle them:
 * - EvtDevicePrepareHardware fails: EvtDeviceReleaseHardware still runs
 *   (PnpEventFailedOwnHardware), the start fails with its status;
 * - EvtDeviceD0Entry fails: nothing to power down (no D0Exit), then
 *   ReleaseHardware; an interrupt or D0EntryPostInterruptsEnabled failing
 *   disconnects the interrupts and calls D0Exit (PowerConnectInterruptFailed);
 *   a DMA enabler failing also powers the enablers down and calls
 *   D0ExitPreInterruptsDisabled first (PowerInitialDmaEnableFailed); the
 *   self-managed I/O start failing holds the queues first
 *   (PowerInitialSelfManagedIoFailed). The start fails with the status, the
 *   queues are purged and EvtDeviceSelfManagedIoFlush runs
 *   (PnpCleanupForRemove); the PnP manager then removes the device.
 * - a power-down callback fails: the remaining steps still run, the hardware
 *   is released, and the device is failed (PowerFinalPowerDownFailed ->
 *   PnpEventFailed): its queues are purged; the stop IRP itself succeeds (a
 *   stop cannot fail) and the device waits for its removal.
 * - EvtDeviceQueryStop / EvtDeviceQueryRemove failing fails the query; the
 *   PnP manager cancels the stop or removal and the device stays started.
 *
 * Surprise removal (the device is already off the board):
 * EvtDeviceSurpriseRemoval first, then the power down above and
 * EvtDeviceReleaseHardware (the driver must not touch the hardware), then the
 * queues purged and self-managed I/O flushed; IRP_MN_REMOVE_DEVICE later
 * only finishes the removal.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { IoCompleteRequest, type IRP } from "../kernel/irp.ts";
import { IRP_MN_CANCEL_REMOVE_DEVICE, IRP_MN_CANCEL_STOP_DEVICE, IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_QUERY_STOP_DEVICE, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_SURPRISE_REMOVAL } from "../kernel/pnp.ts";
import { type DevicePnp, type IoPowerStop, ok, type PnpDevice, pnpOf, pnpPowerNotify, WdfCmResList, WdfPowerDeviceD3Final } from "./pnp-power.ts";

/** EvtDevicePrepareHardware / D0Entry see the device coming from (and D0Exit sends it to) D3Final on every path here. */
const DX = WdfPowerDeviceD3Final;

function hasSelfManagedIo(p: DevicePnp): boolean {
  const c = p.callbacks;
  return c.EvtDeviceSelfManagedIoInit !== null || c.EvtDeviceSelfManagedIoRestart !== null || c.EvtDeviceSelfManagedIoSuspend !== null || c.EvtDeviceSelfManagedIoFlush !== null || c.EvtDeviceSelfManagedIoCleanup !== null;
}

/** FxSelfManagedIoMachine::Start: Init the first time, Restart after a suspend. */
function selfManagedIoStart(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (!hasSelfManagedIo(p)) return STATUS.SUCCESS;
  const c = p.callbacks;
  if (p.smio === "created") {
    const st = ok(c.EvtDeviceSelfManagedIoInit?.(dev));
    p.smio = NT_SUCCESS(st) ? "started" : "init-failed";
    return st;
  }
  if (p.smio === "stopped" || p.smio === "flushed") {
    const st = ok(c.EvtDeviceSelfManagedIoRestart?.(dev));
    p.smio = NT_SUCCESS(st) ? "started" : "failed";
    return st;
  }
  return STATUS.SUCCESS;
}

function selfManagedIoSuspend(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (!hasSelfManagedIo(p) || p.smio !== "started") return STATUS.SUCCESS;
  const st = ok(p.callbacks.EvtDeviceSelfManagedIoSuspend?.(dev));
  p.smio = NT_SUCCESS(st) ? "stopped" : "failed";
  return st;
}

/** Flush: not for a machine that never started (Created stays Created). */
function selfManagedIoFlush(dev: PnpDevice, p: DevicePnp): void {
  if (!hasSelfManagedIo(p) || p.smio === "created" || p.smio === "flushed" || p.smio === "final") return;
  p.callbacks.EvtDeviceSelfManagedIoFlush?.(dev);
  p.smio = "flushed";
}

function selfManagedIoCleanup(dev: PnpDevice, p: DevicePnp): void {
  if (!hasSelfManagedIo(p) || p.smio === "final") return;
  if (p.smio !== "created") p.callbacks.EvtDeviceSelfManagedIoCleanup?.(dev);
  p.smio = "final";
}

function stopIo(p: DevicePnp, how: IoPowerStop): void {
  p.io?.stopForPower(how);
}

function disconnectAll(p: DevicePnp): void {
  for (const i of [...p.interrupts]) i.disconnectForDx();
}

/** PowerDmaPowerDown: every enabler, in creation order; false when one failed. */
function dmaPowerDown(p: DevicePnp): boolean {
  let good = true;
  for (const d of [...p.dma]) if (!d.powerDown()) good = false;
  return good;
}

function d0Exit(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  const st = ok(p.callbacks.EvtDeviceD0Exit?.(dev, DX));
  p.inD0 = false;
  pnpPowerNotify(dev, "d0-exit");
  return st;
}

/** PowerConnectInterruptFailed: disconnect what is connected, then D0Exit. */
function connectInterruptFailed(dev: PnpDevice, p: DevicePnp): void {
  disconnectAll(p);
  d0Exit(dev, p);
}

/** The implicit power-up from D3Final (PowerD0Starting ... PowerD0StartingStartSelfManagedIo). */
function powerUp(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  const c = p.callbacks;
  let st = ok(c.EvtDeviceD0Entry?.(dev, DX));
  if (!NT_SUCCESS(st)) return st;
  p.inD0 = true;
  pnpPowerNotify(dev, "d0-entry");
  for (const i of [...p.interrupts]) {
    st = i.connectForD0();
    if (!NT_SUCCESS(st)) return connectInterruptFailed(dev, p), st;
  }
  st = ok(c.EvtDeviceD0EntryPostInterruptsEnabled?.(dev, DX));
  if (!NT_SUCCESS(st)) return connectInterruptFailed(dev, p), st;
  // PowerInitialDmaEnableFailed: every enabler powers down (each skips the undo of what it never did).
  const dmaFailed = (): void => {
    dmaPowerDown(p);
    c.EvtDeviceD0ExitPreInterruptsDisabled?.(dev, DX);
    connectInterruptFailed(dev, p);
  };
  // PowerDmaPowerUp stops at the first enabler that fails.
  for (const d of [...p.dma]) {
    st = d.powerUp();
    if (!NT_SUCCESS(st)) return dmaFailed(), st;
  }
  p.io?.resumeForPower();
  st = selfManagedIoStart(dev, p);
  if (!NT_SUCCESS(st)) {
    stopIo(p, "hold");
    dmaFailed();
    return st;
  }
  return STATUS.SUCCESS;
}

/** The implicit power-down to D3Final (PowerGotoStopped); false when a callback failed (every step still runs). */
function powerDown(dev: PnpDevice, p: DevicePnp): boolean {
  if (!p.inD0) return true;
  const c = p.callbacks;
  let good = NT_SUCCESS(selfManagedIoSuspend(dev, p));
  stopIo(p, "hold");
  if (!dmaPowerDown(p)) good = false;
  if (!NT_SUCCESS(ok(c.EvtDeviceD0ExitPreInterruptsDisabled?.(dev, DX)))) good = false;
  disconnectAll(p);
  if (!NT_SUCCESS(d0Exit(dev, p))) good = false;
  return good;
}

function releaseHardware(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (!p.ownsHardware) return STATUS.SUCCESS;
  const t = p.translated;
  const st = t === null ? STATUS.SUCCESS : ok(p.callbacks.EvtDeviceReleaseHardware?.(dev, t));
  p.ownsHardware = false;
  p.raw?.deleteObject();
  p.translated?.deleteObject();
  p.raw = null;
  p.translated = null;
  pnpPowerNotify(dev, "hardware-released");
  return st;
}

/** PnpCleanupForRemove: purge the power-managed queues, flush self-managed I/O. */
function cleanupForRemove(dev: PnpDevice, p: DevicePnp): void {
  stopIo(p, "purge-managed");
  selfManagedIoFlush(dev, p);
}

/** PnpEventRemovedCommonCode: purge the other queues, clean up self-managed I/O, delete the device's objects. */
function removedCommon(dev: PnpDevice, p: DevicePnp): void {
  stopIo(p, "purge-non-managed");
  selfManagedIoCleanup(dev, p);
  p.state = "removed";
  pnpPowerNotify(dev, "removed");
  dev.deleteObject();
}

function start(dev: PnpDevice, p: DevicePnp, irp: IRP): NTSTATUS {
  if (p.state !== "added" && p.state !== "stopped") return STATUS.INVALID_DEVICE_STATE;
  const res = irp.Parameters.StartDevice;
  if (res === undefined) throw new TypeError(`IRP_MN_START_DEVICE for ${String(dev)} carries no resources (Parameters.StartDevice)`);
  p.state = "starting";
  p.raw = new WdfCmResList(dev, res.AllocatedResources);
  p.translated = new WdfCmResList(dev, res.AllocatedResourcesTranslated);
  p.ownsHardware = true;
  const failed = (st: NTSTATUS): NTSTATUS => {
    releaseHardware(dev, p);
    cleanupForRemove(dev, p);
    p.state = "start-failed";
    return st;
  };
  p.preparing = true;
  let st: NTSTATUS;
  try {
    st = ok(p.callbacks.EvtDevicePrepareHardware?.(dev, p.raw, p.translated));
  } finally {
    p.preparing = false;
  }
  if (!NT_SUCCESS(st)) return failed(st);
  st = powerUp(dev, p);
  if (!NT_SUCCESS(st)) return failed(st);
  p.state = "started";
  return STATUS.SUCCESS;
}

/** Leave D0 and release the hardware; the device is failed (queues purged) when a callback failed. */
function powerDownAndRelease(dev: PnpDevice, p: DevicePnp): boolean {
  let good = powerDown(dev, p);
  if (!NT_SUCCESS(releaseHardware(dev, p))) good = false;
  if (!good) {
    cleanupForRemove(dev, p);
    p.state = "failed";
  }
  return good;
}

function stop(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (p.state !== "started") return STATUS.SUCCESS;
  if (powerDownAndRelease(dev, p)) p.state = "stopped";
  return STATUS.SUCCESS;
}

function surpriseRemoval(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (p.state === "removed" || p.state === "surprise-removed") return STATUS.SUCCESS;
  p.callbacks.EvtDeviceSurpriseRemoval?.(dev);
  if (p.state === "started") powerDown(dev, p);
  releaseHardware(dev, p);
  if (p.state !== "failed" && p.state !== "start-failed") cleanupForRemove(dev, p);
  p.state = "surprise-removed";
  return STATUS.SUCCESS;
}

function remove(dev: PnpDevice, p: DevicePnp): NTSTATUS {
  if (p.state === "started") {
    powerDown(dev, p);
    releaseHardware(dev, p);
  }
  if (p.state === "started" || p.state === "stopped" || p.state === "added") cleanupForRemove(dev, p);
  removedCommon(dev, p);
  return STATUS.SUCCESS;
}

/** The status a minor function the framework does not handle keeps (the bus driver below completes it as sent). */
function passDown(irp: IRP): NTSTATUS {
  return irp.IoStatus.Status;
}

/** IRP_MJ_PNP for a framework device: run the transition, complete the IRP with its status. */
export function fxPnpDispatch(device: PnpDevice, irp: IRP): NTSTATUS {
  const p = pnpOf(device);
  const c = p.callbacks;
  let st: NTSTATUS;
  switch (irp.MinorFunction) {
    case IRP_MN_START_DEVICE:
      st = start(device, p, irp);
      break;
    case IRP_MN_QUERY_STOP_DEVICE:
      st = p.state === "started" ? ok(c.EvtDeviceQueryStop?.(device)) : STATUS.SUCCESS;
      break;
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
      st = STATUS.SUCCESS;
      break;
    case IRP_MN_STOP_DEVICE:
      st = stop(device, p);
      break;
    case IRP_MN_QUERY_REMOVE_DEVICE:
      st = p.state === "started" ? ok(c.EvtDeviceQueryRemove?.(device)) : STATUS.SUCCESS;
      break;
    case IRP_MN_SURPRISE_REMOVAL:
      st = surpriseRemoval(device, p);
      break;
    case IRP_MN_REMOVE_DEVICE:
      st = remove(device, p);
      break;
    default:
      st = passDown(irp);
  }
  irp.IoStatus.Status = st;
  IoCompleteRequest(irp);
  return st;
}
