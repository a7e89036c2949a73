/**
 * DMA transfer contexts: InitializeDmaTransferContext (version 3 table; DDI
 * nc-wdm-pinitialize_dma_transfer_context) and the HAL's record of each
 * context. The caller allocates DMA_TRANSFER_CONTEXT_SIZE_V1 bytes (a
 * Uint8Array here, as `UCHAR ctx[DMA_TRANSFER_CONTEXT_SIZE_V1]` in C); the
 * routine writes its initial values; the context then carries one allocation
 * request of AllocateAdapterChannelEx, GetScatterGatherListEx or
 * BuildScatterGatherListEx ("must be unique across all adapter allocation
 * requests"), which CancelAdapterChannel and CancelMappedTransfer name.
 *
 * A context's life: idle (initialized) -> pending (queued) -> granted (the
 * channel is the request's) -> done (the routine returned or
 * FreeAdapterObject released it); InitializeDmaTransferContext makes it idle
 * again (KMDF initializes it before each transfer), and a done context may
 * carry the next request. Re-initializing a granted context (the channel
 * still held, KeepObject) keeps the grant: KMDF does so for a transaction
 * whose channel WdfDmaTransactionAllocateResources reserved, and maps and
 * cancels (CancelMappedTransfer) under the context afterwards. CancelAdapterChannel on an idle context cancels its
 * next request before it is made.
 *
 * Reported (dmasim's code DMA_TRANSFER_CONTEXT_MISUSE, with
 * STATUS_INVALID_PARAMETER): a context never initialized, initialized for
 * another adapter, used for a new request while its request is pending or
 * granted, or re-initialized while it is pending (the uniqueness rule).
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import type { MapRegisterFile } from "./map-registers.ts";
import { type DMA_ADAPTER, type DMA_COMPLETION_ROUTINE, type DMA_TRANSFER_CONTEXT, DMA_TRANSFER_CONTEXT_SIZE_V1 } from "./types.ts";

export type ContextState = "idle" | "pending" | "granted" | "done";

/** What the HAL keeps about a context. */
export interface TransferContextRecord {
  readonly adapter: AdapterObject;
  state: ContextState;
  /** CancelAdapterChannel came first: the next request is cancelled when it is made. */
  preCancelled: boolean;
  /** CancelMappedTransfer: no further MapTransferEx under this context. */
  mappedCancelled: boolean;
  /** The register file of the grant (AllocateAdapterChannelEx). */
  file: MapRegisterFile | null;
  device: DEVICE_OBJECT | null;
  /** The completion routine of the system DMA transfer mapped last (MapTransferEx). */
  completion: { readonly routine: DMA_COMPLETION_ROUTINE; readonly context: unknown } | null;
}

const records = new WeakMap<DMA_TRANSFER_CONTEXT, TransferContextRecord>();
/** Register files of Ex grants, back to their context. */
const byFile = new WeakMap<MapRegisterFile, TransferContextRecord>();

/** The caller-allocated context: a Uint8Array (the emulator's TypeError otherwise). */
export function checkContextArgument(ctx: unknown, routine: string): asserts ctx is DMA_TRANSFER_CONTEXT {
  if (!(ctx instanceof Uint8Array)) throw new TypeError(`${routine}: DmaTransferContext must be a caller-allocated buffer (new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1)), got ${ctx === null ? "null" : typeof ctx}`);
}

/**
 * InitializeDmaTransferContext(DmaAdapter, DmaTransferContext)
 * (<= DISPATCH_LEVEL): STATUS_SUCCESS; STATUS_INVALID_PARAMETER for a buffer
 * smaller than DMA_TRANSFER_CONTEXT_SIZE_V1 or a context whose request is
 * still pending (a granted one keeps its grant).
 */
export function InitializeDmaTransferContext(DmaAdapter: DMA_ADAPTER, DmaTransferContext: DMA_TRANSFER_CONTEXT): NTSTATUS {
  const routine = "InitializeDmaTransferContext";
  const ao = liveAdapter(DmaAdapter, routine);
  checkContextArgument(DmaTransferContext, routine);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (DmaTransferContext.byteLength < DMA_TRANSFER_CONTEXT_SIZE_V1) return STATUS.INVALID_PARAMETER;
  const old = records.get(DmaTransferContext);
  if (old !== undefined && old.state === "pending") {
    misuse(ao, routine, old.state, "the context's request is still pending; a context carries one request at a time");
    return STATUS.INVALID_PARAMETER;
  }
  // The initial values: zeros, a tag and the adapter's id (opaque to the caller).
  DmaTransferContext.fill(0, 0, DMA_TRANSFER_CONTEXT_SIZE_V1);
  DmaTransferContext.set([0x44, 0x4d, 0x41, 0x43], 0); // "DMAC"
  new DataView(DmaTransferContext.buffer, DmaTransferContext.byteOffset, DMA_TRANSFER_CONTEXT_SIZE_V1).setUint32(4, ao.id, true);
  if (old !== undefined && old.state === "granted" && old.adapter === ao) {
    // A held grant (KeepObject) stays the context's: KMDF re-initializes a reserved transaction's context before each transfer on it
    // (FxDmaTransactionBase::Initialize) and still maps and cancels under it. A new transfer starts uncancelled.
    Object.assign(old, { preCancelled: false, mappedCancelled: false, completion: null });
    return STATUS.SUCCESS;
  }
  records.set(DmaTransferContext, { adapter: ao, state: "idle", preCancelled: false, mappedCancelled: false, file: null, device: null, completion: null });
  return STATUS.SUCCESS;
}

function misuse(ao: AdapterObject, routine: string, state: string, why: string): void {
  ao.kernel.report({ code: "DMA_TRANSFER_CONTEXT_MISUSE", routine, device: ao.device, message: `${routine}: DMA transfer context misuse: ${why}`, params: { state } });
}

/** The record of a context, if it was ever initialized. */
export function contextRecord(ctx: DMA_TRANSFER_CONTEXT): TransferContextRecord | undefined {
  return records.get(ctx);
}

/** The context an Ex grant's register file belongs to. */
export function contextOfFile(file: MapRegisterFile): TransferContextRecord | undefined {
  return byFile.get(file);
}

export function bindFile(rec: TransferContextRecord, file: MapRegisterFile | null): void {
  rec.file = file;
  if (file !== null) byFile.set(file, rec);
}

/** A context an allocation routine may start a request in: initialized for this adapter and idle. Null (reported) otherwise. */
export function contextForRequest(ao: AdapterObject, routine: string, ctx: DMA_TRANSFER_CONTEXT): TransferContextRecord | null {
  const rec = records.get(ctx);
  if (rec === undefined) {
    misuse(ao, routine, "not initialized", "the context was never passed to InitializeDmaTransferContext");
    return null;
  }
  if (rec.adapter !== ao) {
    misuse(ao, routine, "another adapter's", `the context was initialized for adapter ${rec.adapter.device}, not this one`);
    return null;
  }
  if (rec.state === "pending" || rec.state === "granted") {
    misuse(ao, routine, rec.state, `the context's request is still ${rec.state}; each request needs a unique context`);
    return null;
  }
  // A finished request's context may carry the next one.
  if (rec.state === "done") Object.assign(rec, { state: "idle", mappedCancelled: false, file: null, device: null, completion: null });
  return rec;
}
