/**
 * The version-3 channel routines: AllocateAdapterChannelEx,
 * CancelAdapterChannel and FreeAdapterObject (DDI
 * nc-wdm-pallocate_adapter_channel_ex, nc-wdm-pcancel_adapter_channel,
 * nc-wdm-pfree_adapter_object; KMDF fxdmatransactionpacket.hpp calls them
 * this way).
 *
 * AllocateAdapterChannelEx (DISPATCH_LEVEL) requests the channel and map
 * registers for a transfer context: when they are free the AdapterControl
 * routine runs at once, else the request waits (STATUS_SUCCESS either way)
 * and can be cancelled with CancelAdapterChannel. With
 * DMA_SYNCHRONOUS_CALLBACK nothing waits: STATUS_INSUFFICIENT_RESOURCES when
 * the channel is busy; without a routine the MapRegisterBase comes back in
 * the out parameter and the driver later calls FreeAdapterObject. Parameter
 * rules (STATUS_INVALID_PARAMETER): Flags other than DMA_SYNCHRONOUS_CALLBACK;
 * MapRegisterBase without the flag; both ExecutionRoutine and MapRegisterBase
 * NULL; both given. More registers than IoGetDmaAdapter gave:
 * STATUS_INSUFFICIENT_RESOURCES (0xE6 / 0x0C). Unlike AllocateAdapterChannel,
 * the request waits in its transfer context, so a device object may have
 * several requests waiting.
 *
 * A request whose context CancelAdapterChannel cancelled beforehand is
 * cancelled when it is made: the routine never runs (STATUS_SUCCESS, or
 * STATUS_CANCELLED for a synchronous request — dmasim's choice; the DDI only
 * says it "is automatically canceled").
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { cancelWaiting, type ChannelRequest, checkRegisterCount, freeAdapterObject, requestChannel } from "./adapter-channel.ts";
import { checkDeviceObject, checkOutParam, checkRoutine, checkUlong } from "./args.ts";
import type { MapRegisterFile } from "./map-registers.ts";
import { bindFile, checkContextArgument, contextForRequest, contextRecord, type TransferContextRecord } from "./transfer-context.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, type DMA_ADAPTER, DMA_SYNCHRONOUS_CALLBACK, type DMA_TRANSFER_CONTEXT, type DRIVER_CONTROL, type IO_ALLOCATION_ACTION, KeepObject, type MapRegisterBase } from "./types.ts";

const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;
/** The context whose synchronous grant an adapter holds until FreeAdapterObject. */
const holding = new WeakMap<AdapterObject, TransferContextRecord>();

/** Submit an Ex request in its context; the status the routine returns. */
export function submitEx(routine: string, ao: AdapterObject, rec: TransferContextRecord, ctx: DMA_TRANSFER_CONTEXT, device: DEVICE_OBJECT, count: number, withRegisters: boolean, synchronous: boolean, onGrant: (file: MapRegisterFile | null) => IO_ALLOCATION_ACTION | null): NTSTATUS {
  if (rec.preCancelled) {
    rec.preCancelled = false;
    rec.state = "done";
    return synchronous ? STATUS.CANCELLED : STATUS.SUCCESS;
  }
  rec.device = device;
  const w: ChannelRequest = {
    routine,
    ao,
    device,
    count,
    withRegisters,
    context: ctx,
    onGrant: (file) => {
      rec.state = "granted";
      bindFile(rec, file);
      const action = onGrant(file);
      if (action === null) holding.set(ao, rec);
      else if (action !== KeepObject) rec.state = "done";
      return action;
    },
    onCancel: () => void (rec.state = "done"),
  };
  const r = requestChannel(w, synchronous);
  if (r === "busy") return STATUS.INSUFFICIENT_RESOURCES;
  if (r === "queued") rec.state = "pending";
  return STATUS.SUCCESS;
}

/**
 * AllocateAdapterChannelEx(DmaAdapter, DeviceObject, DmaTransferContext,
 * NumberOfMapRegisters, Flags, ExecutionRoutine, ExecutionContext,
 * MapRegisterBase).
 */
export function AllocateAdapterChannelEx(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, NumberOfMapRegisters: number, Flags: number, ExecutionRoutine: DRIVER_CONTROL | null, ExecutionContext: unknown, MapRegisterBase: { value: MapRegisterBase } | null): NTSTATUS {
  const routine = "AllocateAdapterChannelEx";
  const ao = liveAdapter(DmaAdapter, routine);
  checkDeviceObject(DeviceObject, routine);
  checkContextArgument(DmaTransferContext, routine);
  checkUlong(NumberOfMapRegisters, routine, "NumberOfMapRegisters");
  checkUlong(Flags, routine, "Flags");
  checkRoutine(ExecutionRoutine, routine, "ExecutionRoutine", true);
  checkOutParam(MapRegisterBase, routine, "MapRegisterBase", true);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { exact: DISPATCH_LEVEL }, ao.device);
  const synchronous = (Flags & DMA_SYNCHRONOUS_CALLBACK) !== 0;
  if ((Flags & ~DMA_SYNCHRONOUS_CALLBACK) !== 0) return STATUS.INVALID_PARAMETER;
  if (MapRegisterBase !== null && (!synchronous || ExecutionRoutine !== null)) return STATUS.INVALID_PARAMETER;
  if (MapRegisterBase === null && ExecutionRoutine === null) return STATUS.INVALID_PARAMETER;
  const rec = contextForRequest(ao, routine, DmaTransferContext);
  if (rec === null) return STATUS.INVALID_PARAMETER;
  if (!checkRegisterCount(ao, routine, NumberOfMapRegisters)) return STATUS.INSUFFICIENT_RESOURCES;
  return submitEx(routine, ao, rec, DmaTransferContext, DeviceObject, NumberOfMapRegisters, true, synchronous, (file) => {
    if (ExecutionRoutine !== null) return ExecutionRoutine(DeviceObject, DeviceObject.CurrentIrp, file, ExecutionContext);
    (MapRegisterBase as { value: MapRegisterBase }).value = file;
    return null;
  });
}

/**
 * CancelAdapterChannel(DmaAdapter, DeviceObject, DmaTransferContext)
 * (<= DISPATCH_LEVEL): TRUE when the context's request was waiting (it is
 * taken off the queue and its routine never runs) or not yet made (the next
 * request in this context is cancelled); FALSE when the channel was already
 * granted or the context is unknown.
 */
export function CancelAdapterChannel(DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT): boolean {
  const routine = "CancelAdapterChannel";
  const ao = liveAdapter(DmaAdapter, routine);
  checkDeviceObject(DeviceObject, routine);
  checkContextArgument(DmaTransferContext, routine);
  if (ao === null) return false;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  const rec = contextRecord(DmaTransferContext);
  if (rec === undefined || rec.adapter !== ao) return false;
  if (rec.state === "pending") return cancelWaiting(ao, DmaTransferContext, DeviceObject);
  if (rec.state === "idle") {
    rec.preCancelled = true;
    return true;
  }
  return false;
}

/**
 * FreeAdapterObject(DmaAdapter, AllocationAction) (<= DISPATCH_LEVEL):
 * DeallocateObject releases the adapter object and its map registers,
 * DeallocateObjectKeepRegisters the adapter object only (FreeMapRegisters
 * later), KeepObject does nothing. Releasing an adapter object the adapter
 * does not hold is 0xE6 / 0x04 (too many adapter channels freed).
 */
export function FreeAdapterObject(DmaAdapter: DMA_ADAPTER, AllocationAction: IO_ALLOCATION_ACTION): void {
  const routine = "FreeAdapterObject";
  const ao = liveAdapter(DmaAdapter, routine);
  if (AllocationAction !== KeepObject && AllocationAction !== DeallocateObject && AllocationAction !== DeallocateObjectKeepRegisters) throw new RangeError(`${routine}: AllocationAction must be KeepObject (1), DeallocateObject (2) or DeallocateObjectKeepRegisters (3), got ${String(AllocationAction)}`);
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (!freeAdapterObject(ao, AllocationAction)) {
    k.report({ code: "DMA_TOO_MANY_ADAPTER_CHANNELS_FREED", bugCheck: [E6, 0x04, 1, 0, 0], routine, device: ao.device, message: `${routine}: adapter ${ao.device} holds no adapter object to free`, params: { extraFrees: 1 } });
    return;
  }
  const rec = holding.get(ao);
  if (AllocationAction !== KeepObject && rec !== undefined) {
    rec.state = "done";
    holding.delete(ao);
  }
}
