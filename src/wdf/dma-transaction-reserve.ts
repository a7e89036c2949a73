/**
 * WdfDmaTransactionAllocateResources / WdfDmaTransactionFreeResources (KMDF
 * 1.11; Windows-Driver-Frameworks fxdmatransactionapi.cpp and
 * FxDmaPacketTransaction::ReserveAdapter / ReleaseAdapter / StartTransfer /
 * _AdapterControl / ReleaseResources in fxdmatransactionpacket.cpp; WDK
 * pages of both DDIs and of EVT_WDF_RESERVE_DMA):
 *
 * - only a packet (Packet, Packet64) or system (System, SystemDuplex)
 *   enabler that uses DMA version 3 can reserve; otherwise
 *   STATUS_INVALID_DEVICE_REQUEST (KMDF traces and breaks into the debugger);
 * - the reservation is one AllocateAdapterChannelEx on the transaction's
 *   transfer context for RequiredMapRegisters (0: a system enabler's whole
 *   NumberOfMapRegisters, a packet one's count for the initialized
 *   transaction); its AdapterControl routine keeps the registers (packet:
 *   DeallocateObjectKeepRegisters) or the channel (system: KeepObject) and
 *   calls EvtReserveDma at DISPATCH_LEVEL instead of mapping anything;
 * - while reserved, Initialize (which re-initializes the transfer context)
 *   and Execute use the registers held: Execute asks the HAL for nothing
 *   and maps the first fragment at once, DmaCompleted and Release keep the
 *   reservation, and a fragment needing more registers than were reserved
 *   is cut to what they map;
 * - FreeResources (or deleting the transaction) gives them back:
 *   FreeMapRegisters (packet) or FreeAdapterChannel (system).
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { type WDF_DMA_DIRECTION, WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, WdfDmaProfilePacket, WdfDmaProfilePacket64, WdfDmaProfileSystem, WdfDmaProfileSystemDuplex, type WdfDmaEnabler } from "./dma-enabler.ts";
import { validTransaction, type WdfDmaTransaction } from "./dma-transaction.ts";
import { WDF_VIOLATION_DMA_TRANSACTION_STATE } from "./object.ts";

/** EVT_WDF_RESERVE_DMA: the reserved channel and map registers are the transaction's (at DISPATCH_LEVEL); the driver may now Initialize and Execute it. */
export type EVT_WDF_RESERVE_DMA = (DmaTransaction: WdfDmaTransaction, Context: unknown) => void;

/** The profiles KMDF lets reserve (packet and system; not scatter/gather). */
function canReserve(en: WdfDmaEnabler): boolean {
  const p = en.profile;
  return p === WdfDmaProfilePacket || p === WdfDmaProfilePacket64 || p === WdfDmaProfileSystem || p === WdfDmaProfileSystemDuplex;
}

/**
 * KMDF's KeRaiseIrql(DISPATCH_LEVEL) around its HAL calls (AllocateAdapterChannel,
 * FreeMapRegistersAndAdapter): the DDIs check no IRQL themselves (only their
 * _IRQL_requires_max_ annotation), so a caller above DISPATCH_LEVEL gets
 * KeRaiseIrql's IRQL_NOT_GREATER_OR_EQUAL (0x9).
 */
function raised<R>(tx: WdfDmaTransaction, f: () => R): R {
  const k = tx.globals.kernel;
  const old = k.KeRaiseIrql(DISPATCH_LEVEL);
  try {
    return f();
  } finally {
    k.restoreIrql(old);
  }
}

/** FxVerifierBugCheck(WDF_DMA_FATAL_ERROR, transaction, state): WDF_VIOLATION 0x8. */
function fatal(tx: WdfDmaTransaction, routine: string, why: string): never {
  throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_DMA_TRANSACTION_STATE, tx.handle, 0, 0, `${routine} on ${String(tx)} in state ${tx.txState}: ${why}`);
}

/**
 * WdfDmaTransactionAllocateResources(DmaTransaction, DmaDirection,
 * RequiredMapRegisters, EvtReserveDmaFunction, EvtReserveDmaContext)
 * (KMDF 1.11, <= DISPATCH_LEVEL; above it KeRaiseIrql's 0x9): reserve the enabler's adapter channel
 * and map registers for this transaction until FreeResources. Returns the
 * HAL's status (STATUS_SUCCESS when the request was granted or queued;
 * STATUS_INSUFFICIENT_RESOURCES for more registers than the adapter has, or
 * none free after WdfDmaTransactionSetImmediateExecution);
 * STATUS_INVALID_DEVICE_REQUEST without DMA v3 or on a scatter/gather
 * enabler; STATUS_INVALID_PARAMETER for a bad direction. WDF_VIOLATION 0x8
 * when the transaction already has a reservation, is executing or
 * completed, or (RequiredMapRegisters 0) is not initialized.
 */
export function WdfDmaTransactionAllocateResources(DmaTransaction: WdfDmaTransaction, DmaDirection: WDF_DMA_DIRECTION, RequiredMapRegisters: number, EvtReserveDmaFunction: EVT_WDF_RESERVE_DMA, EvtReserveDmaContext: unknown): NTSTATUS {
  const routine = "WdfDmaTransactionAllocateResources";
  const tx = validTransaction(DmaTransaction, routine);
  if (!Number.isInteger(RequiredMapRegisters) || RequiredMapRegisters < 0 || RequiredMapRegisters > 0xffff_ffff) throw new RangeError(`${routine}: RequiredMapRegisters must be a ULONG, got ${RequiredMapRegisters}`);
  const en = tx.enabler;
  if (!en.usesDmaV3 || !canReserve(en)) return STATUS.INVALID_DEVICE_REQUEST;
  if (DmaDirection !== WdfDmaDirectionReadFromDevice && DmaDirection !== WdfDmaDirectionWriteToDevice) return STATUS.INVALID_PARAMETER;
  // FxPointerNotNull: the emulator's TypeError, as for EvtProgramDma.
  if (typeof EvtReserveDmaFunction !== "function") throw new TypeError(`${routine}: EvtReserveDmaFunction must be a function`);
  const s = tx.txState;
  if (RequiredMapRegisters === 0) {
    if (s !== "initialized") fatal(tx, routine, "RequiredMapRegisters 0 takes the count from an initialized transaction");
  } else if (s !== "created" && s !== "initialized" && s !== "released") {
    fatal(tx, routine, "the transaction must be created, initialized or released");
  }
  if (tx.reservedRegisters !== 0) fatal(tx, routine, "the transaction already has reserved map registers");
  // A direction the enabler has no adapter for (a simplex system profile's other one) has nothing to reserve.
  if (en.description(DmaDirection).AdapterObject === null) return STATUS.INVALID_PARAMETER;
  const count = RequiredMapRegisters !== 0 ? RequiredMapRegisters : en.isBusMaster ? tx.mapRegistersForTransaction() : en.description(DmaDirection).NumberOfMapRegisters;
  // The HAL runs the AdapterControl routine (and so EvtReserveDma) at DISPATCH_LEVEL.
  return raised(tx, () => tx.reserve(DmaDirection, count, () => EvtReserveDmaFunction(tx, EvtReserveDmaContext)));
}

/**
 * WdfDmaTransactionFreeResources(DmaTransaction) (KMDF 1.11,
 * <= DISPATCH_LEVEL; above it, with a reservation to free, 0x9): give back what AllocateResources reserved
 * (FreeMapRegisters for a packet enabler, FreeAdapterChannel for a system
 * one) and release the transaction for reuse (ReleaseForReuse(TRUE)).
 * Ignored (KMDF traces and breaks) on a scatter/gather enabler or without
 * DMA v3; WDF_VIOLATION 0x8 on a transaction that is created (never
 * initialized or reserved) or executing.
 */
export function WdfDmaTransactionFreeResources(DmaTransaction: WdfDmaTransaction): void {
  const routine = "WdfDmaTransactionFreeResources";
  const tx = validTransaction(DmaTransaction, routine);
  const en = tx.enabler;
  if (!canReserve(en) || !en.usesDmaV3) return;
  if (tx.txState === "created" || tx.txState === "executing") fatal(tx, routine, "nothing to free before a reservation, and not while a transfer runs");
  tx.txState = "released";
  if (tx.reservedRegisters > 0) raised(tx, () => tx.releaseResources(true));
  else tx.releaseResources(true);
  tx.releaseRequest();
  tx.released();
}
