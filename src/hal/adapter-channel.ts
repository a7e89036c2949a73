/**
 * Adapter channels: AllocateAdapterChannel and FreeAdapterChannel.
 *
 * Contract (DDI nc-wdm-pallocate_adapter_channel, nc-wdm-driver_control,
 * nc-wdm-pfree_adapter_channel; reference windows-dma.md §1.4, §3.4):
 * - AllocateAdapterChannel runs at DISPATCH_LEVEL. When the channel (and the
 *   map registers) are free the ExecutionRoutine runs at once, else it is
 *   queued and runs, at DISPATCH_LEVEL, when the holder frees the channel;
 *   STATUS_SUCCESS either way. More map registers than IoGetDmaAdapter
 *   reported, or map registers whose bounce pages memory cannot give (see
 *   map-registers.ts): STATUS_INSUFFICIENT_RESOURCES and the routine never
 *   runs. (A queued request granted later whose pages cannot be had still
 *   runs; a MapTransfer that would need them is then reported, 0xE6 / 0x00.)
 * - The routine's IO_ALLOCATION_ACTION: KeepObject keeps channel and
 *   registers (system DMA; later FreeAdapterChannel); DeallocateObject frees
 *   both at once; DeallocateObjectKeepRegisters frees the channel and keeps the
 *   registers (later FreeMapRegisters).
 * - The Irp argument is DeviceObject->CurrentIrp.
 * - A system DMA channel is one piece of hardware: every adapter on that
 *   channel waits in one FIFO queue; a bus master's adapter is its own channel.
 *
 * Misuse Windows lets through is reported (0xE6): 0x04 too many adapter
 * channels freed, 0x0B more than one adapter channel at once on an adapter,
 * 0x0C too many map registers requested, 0x15 too many allocated (registers
 * kept from earlier grants plus the new ones); and (own code) a second waiting
 * request from one device object, whose single wait block (ReactOS uses
 * DeviceObject->Queue.Wcb) cannot be queued twice.
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { machineSlot } from "../kernel/kernel.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { checkDeviceObject, checkRoutine, checkUlong } from "./args.ts";
import { createMapRegisterFile, type MapRegisterFile, outstandingMapRegisters, releaseMapRegisterFile, reserveBouncePages } from "./map-registers.ts";
import { contextOfFile } from "./transfer-context.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, type DMA_ADAPTER, type DRIVER_CONTROL, type IO_ALLOCATION_ACTION, KeepObject } from "./types.ts";

/**
 * A request for the adapter channel: AllocateAdapterChannel's, or an Ex
 * routine's (which carries its transfer context). `onGrant` runs at
 * DISPATCH_LEVEL when the channel is granted and returns what to do with it
 * (an AdapterControl routine's IO_ALLOCATION_ACTION), or null to keep the
 * channel and registers until FreeAdapterObject (a synchronous Ex request
 * without a routine).
 */
export interface ChannelRequest {
  /** The routine that made the request (AllocateAdapterChannel, AllocateAdapterChannelEx, ...), for what its grant reports. */
  readonly routine: string;
  readonly ao: AdapterObject;
  readonly device: DEVICE_OBJECT;
  readonly count: number;
  /** Whether the grant comes with a register file (AllocateAdapterChannel(Ex)); the list routines keep their own. */
  readonly withRegisters: boolean;
  readonly context: object | null;
  readonly onGrant: (file: MapRegisterFile | null) => IO_ALLOCATION_ACTION | null;
  /** Set when the request is cancelled while it waits (CancelAdapterChannel). */
  readonly onCancel?: () => void;
}

interface ChannelQueue {
  owner: AdapterObject | null;
  readonly waiters: ChannelRequest[];
}

interface AdapterChannelState {
  held: boolean;
  pending: number;
  /** Registers that go with the held channel (KeepObject). */
  registers: MapRegisterFile | null;
  /** Grants so far (for reports). */
  grants: number;
}

/** Channel queues of a machine, by adapter or system DMA channel. */
const QUEUES = machineSlot<Map<string, ChannelQueue>>("adapter channel queues", () => new Map());
/** Requests waiting per device object: Windows queues them through the one wait block in the DEVICE_OBJECT. */
const waitingByDevice = new WeakMap<DEVICE_OBJECT, number>();
const states = new WeakMap<AdapterObject, AdapterChannelState>();

function stateOf(ao: AdapterObject): AdapterChannelState {
  let s = states.get(ao);
  if (s === undefined) {
    s = { held: false, pending: 0, registers: null, grants: 0 };
    states.set(ao, s);
  }
  return s;
}

function queueOf(ao: AdapterObject): ChannelQueue {
  const m = ao.kernel.slot(QUEUES);
  const key = ao.master || ao.dmaChannel < 0 ? `adapter:${ao.id}` : `channel:${ao.dmaChannel}`;
  let q = m.get(key);
  if (q === undefined) {
    q = { owner: null, waiters: [] };
    m.set(key, q);
  }
  return q;
}

/** Whether the adapter holds its channel now. */
export function holdsChannel(ao: AdapterObject): boolean {
  return stateOf(ao).held;
}

/** Channels an adapter holds or waits for (for PutDmaAdapter's leak check). */
export function outstandingChannels(ao: AdapterObject): number {
  const s = stateOf(ao);
  return (s.held ? 1 : 0) + s.pending;
}

/** Map registers a request may ask for: 0xE6 / 0x0C above the adapter's count (refused). What its grant then takes is checked at the grant (checkKeptRegisters). */
export function checkRegisterCount(ao: AdapterObject, routine: string, count: number): boolean {
  if (count > ao.mapRegisters) {
    ao.kernel.report({ code: "DMA_TOO_MANY_MAP_REGISTERS_REQUESTED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x0c, count, ao.mapRegisters, 0], routine, device: ao.device, message: `${routine}: ${count} map registers requested; IoGetDmaAdapter gave this adapter ${ao.mapRegisters}`, params: { required: count, maximum: ao.mapRegisters } });
    return false;
  }
  return true;
}

/**
 * 0xE6 / 0x15 when a grant's registers, with those earlier grants still keep
 * (DeallocateObjectKeepRegisters), come to more than the adapter has. Checked
 * when the registers are taken, not when a request queues: a request waiting
 * for a channel another grant holds (KeepObject) has allocated nothing yet.
 */
function checkKeptRegisters(w: ChannelRequest): void {
  const { ao, count, routine } = w;
  const kept = outstandingMapRegisters(ao);
  if (kept > 0 && kept + count > ao.mapRegisters) {
    ao.kernel.report({ code: "DMA_TOO_MANY_MAP_REGISTERS_ALLOCATED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x15, kept + count, ao.mapRegisters, 0], routine, device: ao.device, message: `${routine}: ${count} more map registers while ${kept} are still kept from earlier grants (FreeMapRegisters first)`, params: { allocated: kept + count, maximum: ao.mapRegisters } });
  }
}

/**
 * AllocateAdapterChannel(DmaAdapter, DeviceObject, NumberOfMapRegisters,
 * ExecutionRoutine, Context) (DISPATCH_LEVEL).
 */
export function AllocateAdapterChannel(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, NumberOfMapRegisters: number, ExecutionRoutine: DRIVER_CONTROL, Context: unknown): NTSTATUS {
  const routine = "AllocateAdapterChannel";
  const ao = liveAdapter(DmaAdapter, routine);
  checkDeviceObject(DeviceObject, routine);
  checkUlong(NumberOfMapRegisters, routine, "NumberOfMapRegisters");
  checkRoutine(ExecutionRoutine, routine, "ExecutionRoutine");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  if (!checkRegisterCount(ao, routine, NumberOfMapRegisters)) return STATUS.INSUFFICIENT_RESOURCES;
  const s = stateOf(ao);
  const outstanding = (s.held ? 1 : 0) + s.pending;
  if (outstanding > 0) {
    k.report({ code: "DMA_MORE_THAN_ONE_ADAPTER_CHANNEL", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x0b, outstanding, 0, 0], routine, device: ao.device, message: `${routine}: adapter ${ao.device} already has ${outstanding} adapter channel${outstanding === 1 ? "" : "s"} allocated or requested; only one may be outstanding`, params: { outstanding } });
  }
  const w: ChannelRequest = { routine, ao, device: DeviceObject, count: NumberOfMapRegisters, withRegisters: true, context: null, onGrant: (file) => ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, file, Context) };
  const q = queueOf(ao);
  if (q.owner === null && q.waiters.length === 0) {
    if (!grant(q, w, true)) return STATUS.INSUFFICIENT_RESOURCES;
  } else {
    const waiting = waitingByDevice.get(DeviceObject) ?? 0;
    if (waiting > 0) {
      // The device object's single wait block is already queued: Windows would corrupt its queue.
      k.report({ code: "DMA_DEVICE_REQUEST_ALREADY_QUEUED", routine, device: ao.device, message: `${routine}: ${DeviceObject.name} already has an AllocateAdapterChannel request waiting; a device object can have only one outstanding request`, params: { waiting } });
    }
    waitingByDevice.set(DeviceObject, waiting + 1);
    q.waiters.push(w);
    s.pending++;
  }
  return STATUS.SUCCESS;
}

/**
 * Give the channel to a request and run its grant at DISPATCH_LEVEL. With
 * `mayRefuse` (a request made now, not one that waited), false — nothing
 * granted, nothing run — when the registers' bounce pages cannot be had.
 */
function grant(q: ChannelQueue, w: ChannelRequest, mayRefuse: boolean): boolean {
  const { ao } = w;
  const k = ao.kernel;
  const s = stateOf(ao);
  if (ao.needsMapRegisters && w.withRegisters) checkKeptRegisters(w);
  const file = ao.needsMapRegisters && w.withRegisters ? createMapRegisterFile(ao, w.count, w.context) : null;
  if (file !== null && !reserveBouncePages(file) && mayRefuse) {
    releaseMapRegisterFile(file);
    return false;
  }
  q.owner = ao;
  s.held = true;
  s.grants++;
  s.registers = file;
  const run = (): IO_ALLOCATION_ACTION | null => w.onGrant(file);
  const action = k.KeGetCurrentIrql() <= DISPATCH_LEVEL ? k.atDispatch(run) : run();
  if (action !== null) act(ao, action, "AdapterControl routine");
  return true;
}

/** What an IO_ALLOCATION_ACTION does to a held channel (the AdapterControl routine's return, or FreeAdapterObject's argument). */
function act(ao: AdapterObject, action: IO_ALLOCATION_ACTION, who: string): void {
  const s = stateOf(ao);
  if (action === KeepObject) return;
  if (action === DeallocateObject) {
    release(ao, true);
    return;
  }
  if (action === DeallocateObjectKeepRegisters) {
    s.registers = null; // the driver frees them with FreeMapRegisters
    release(ao, false);
    return;
  }
  throw new TypeError(`${who} returned ${String(action)}; it must be KeepObject (1), DeallocateObject (2) or DeallocateObjectKeepRegisters (3)`);
}

/**
 * Request the channel for an Ex routine: granted at once when it is free
 * ("granted"), else queued ("queued") — or, for a synchronous request, not
 * queued at all ("busy": STATUS_INSUFFICIENT_RESOURCES).
 */
export function requestChannel(w: ChannelRequest, synchronous: boolean): "granted" | "queued" | "busy" {
  const q = queueOf(w.ao);
  if (q.owner === null && q.waiters.length === 0) return grant(q, w, true) ? "granted" : "busy";
  if (synchronous) return "busy";
  q.waiters.push(w);
  stateOf(w.ao).pending++;
  return "queued";
}

/** Take a waiting request with this context off the queue (CancelAdapterChannel). True when one was waiting. */
export function cancelWaiting(ao: AdapterObject, context: object, device: DEVICE_OBJECT): boolean {
  const q = queueOf(ao);
  const i = q.waiters.findIndex((w) => w.ao === ao && w.context === context && w.device === device);
  if (i < 0) return false;
  const [w] = q.waiters.splice(i, 1);
  stateOf(ao).pending--;
  w?.onCancel?.();
  return true;
}

/** The registers that came with the channel the adapter holds (a synchronous AllocateAdapterChannelEx's MapRegisterBase). */
export function heldRegisters(ao: AdapterObject): MapRegisterFile | null {
  return stateOf(ao).registers;
}

/**
 * FreeAdapterObject's work: DeallocateObject frees the adapter object and its
 * registers, DeallocateObjectKeepRegisters the object only, KeepObject
 * nothing. False when the adapter holds no channel.
 */
export function freeAdapterObject(ao: AdapterObject, action: IO_ALLOCATION_ACTION): boolean {
  if (action === KeepObject) return true;
  if (!stateOf(ao).held) return false;
  act(ao, action, "FreeAdapterObject's AllocationAction");
  return true;
}

/** Free the channel (and its registers when asked), then grant the next waiter. */
function release(ao: AdapterObject, freeRegisters: boolean): void {
  const s = stateOf(ao);
  s.held = false;
  if (freeRegisters && s.registers !== null) releaseMapRegisterFile(s.registers);
  s.registers = null;
  const q = queueOf(ao);
  if (q.owner === ao) q.owner = null;
  const next = q.waiters.shift();
  if (next !== undefined) {
    stateOf(next.ao).pending--;
    // Only AllocateAdapterChannel waits through the device object's wait block (an Ex request waits in its context).
    if (next.context === null) waitingByDevice.set(next.device, Math.max(0, (waitingByDevice.get(next.device) ?? 1) - 1));
    grant(q, next, false);
  }
}

/**
 * FreeAdapterChannel(DmaAdapter) (DISPATCH_LEVEL): release the channel and
 * the map registers that came with it (for an AdapterControl routine that
 * returned KeepObject). Freeing a channel the adapter does not hold is
 * reported (0xE6 / 0x04) and does nothing.
 */
export function FreeAdapterChannel(DmaAdapter: DMA_ADAPTER): void {
  const routine = "FreeAdapterChannel";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  if (!stateOf(ao).held) {
    k.report({ code: "DMA_TOO_MANY_ADAPTER_CHANNELS_FREED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x04, 1, 0, 0], routine, device: ao.device, message: `${routine}: adapter ${ao.device} holds no adapter channel (freed twice, or never allocated)`, params: { extraFrees: 1 } });
    return;
  }
  const file = stateOf(ao).registers;
  release(ao, true);
  // An AllocateAdapterChannelEx grant kept with KeepObject ends here: its transfer context may carry the next request.
  const rec = file === null ? undefined : contextOfFile(file);
  if (rec?.state === "granted") rec.state = "done";
}
