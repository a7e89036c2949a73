/**
 * The system-mode DMA DDIs of WDFDMATRANSACTION (KMDF 1.11+; Windows-Driver-
 * Frameworks fxdmatransactionapi.cpp, fxdmatransactionsystem.cpp,
 * fxdmatransactionbase.cpp; WDK "Supporting System-Mode DMA"):
 * WdfDmaTransactionSetChannelConfigurationCallback,
 * WdfDmaTransactionSetTransferCompleteCallback,
 * WdfDmaTransactionSetDeviceAddressOffset, WdfDmaTransactionStopSystemTransfer,
 * and WdfDmaTransactionGetTransferInfo (any profile).
 *
 * The four system-only routines on a bus-master transaction do what KMDF
 * does: nothing but a trace and a break into a debugger under the KMDF
 * verifier (FxVerifierDbgBreakPoint) — the callback is not set, the offset
 * not changed. How the transfer itself runs is dma-transaction-system.ts.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES } from "../core/address.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DMA_TRANSFER_INFO_VERSION1, type DMA_COMPLETION_STATUS, type DMA_TRANSFER_INFO } from "../hal/types.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import type { WdfDevice } from "./device.ts";
import { WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION } from "./dma-enabler.ts";
import { validTransaction, type WdfDmaTransaction } from "./dma-transaction.ts";
import type { SystemDmaSettings } from "./dma-transaction-system.ts";
import { WDF_VIOLATION_DMA_TRANSACTION_STATE } from "./object.ts";

/**
 * EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL (DISPATCH_LEVEL): runs once
 * per system-mode transfer, after the channel is allocated and before the
 * transfer is mapped and EvtProgramDma runs. `Mdl` is the transaction's
 * first MDL and `Offset` the transfer's byte offset into that chain. FALSE:
 * the framework maps nothing and does not call EvtProgramDma (the driver has
 * ended the transaction itself, typically with WdfDmaTransactionDmaCompletedFinal).
 */
export type EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL = (DmaTransaction: WdfDmaTransaction, Device: WdfDevice, Context: unknown, Mdl: MDL | null, Offset: number, Length: number) => boolean;

/**
 * EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE (DISPATCH_LEVEL): the HAL's
 * DMA completion routine for the transfer in flight — the system DMA
 * controller finished it (DmaComplete), it failed (DmaError), or it was
 * stopped (DmaCancelled). The PC's 8237 has no completion interrupt, so there
 * the HAL reports only stopped transfers; the device's own interrupt tells
 * the driver a transfer ended.
 */
export type EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE = (Transaction: WdfDmaTransaction, Device: WdfDevice, Context: unknown, Direction: WDF_DMA_DIRECTION, Status: DMA_COMPLETION_STATUS) => void;

/** The transaction's system settings, or null (traced; the KMDF verifier breaks) when its enabler is a bus master's. */
function systemOf(tx: WdfDmaTransaction): SystemDmaSettings<WdfDmaTransaction> | null {
  return tx.system;
}

/**
 * WdfDmaTransactionSetChannelConfigurationCallback(DmaTransaction,
 * ConfigureRoutine, ConfigureContext) (<= DISPATCH_LEVEL): set (or, with
 * NULL, clear) the transaction's EvtDmaTransactionConfigureDmaChannel;
 * typically after Initialize and before Execute. It stays set for the
 * transaction's later transfers and across WdfDmaTransactionRelease (KMDF
 * keeps it). Ignored on a bus-master transaction.
 */
export function WdfDmaTransactionSetChannelConfigurationCallback(DmaTransaction: WdfDmaTransaction, ConfigureRoutine: EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL | null, ConfigureContext: unknown): void {
  const s = systemOf(validTransaction(DmaTransaction, "WdfDmaTransactionSetChannelConfigurationCallback"));
  if (s === null) return;
  if (ConfigureRoutine !== null && typeof ConfigureRoutine !== "function") throw new TypeError(`WdfDmaTransactionSetChannelConfigurationCallback: ConfigureRoutine must be a function or null, got ${typeof ConfigureRoutine}`);
  s.configure = ConfigureRoutine;
  s.configureContext = ConfigureContext;
}

/**
 * WdfDmaTransactionSetTransferCompleteCallback(DmaTransaction,
 * DmaCompletionRoutine, DmaCompletionContext) (<= DISPATCH_LEVEL): set (or
 * clear) the EvtDmaTransactionDmaTransferComplete the framework calls when
 * the HAL completes a system-mode transfer; set, the framework passes its
 * completion routine to MapTransferEx. It stays set across
 * WdfDmaTransactionRelease: the docs say Release clears it, but KMDF's
 * source never does. Ignored on a bus-master transaction.
 */
export function WdfDmaTransactionSetTransferCompleteCallback(DmaTransaction: WdfDmaTransaction, DmaCompletionRoutine: EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE | null, DmaCompletionContext: unknown): void {
  const s = systemOf(validTransaction(DmaTransaction, "WdfDmaTransactionSetTransferCompleteCallback"));
  if (s === null) return;
  if (DmaCompletionRoutine !== null && typeof DmaCompletionRoutine !== "function") throw new TypeError(`WdfDmaTransactionSetTransferCompleteCallback: DmaCompletionRoutine must be a function or null, got ${typeof DmaCompletionRoutine}`);
  s.complete = DmaCompletionRoutine;
  s.completeContext = DmaCompletionContext;
}

/**
 * WdfDmaTransactionSetDeviceAddressOffset(DmaTransaction, Offset)
 * (<= DISPATCH_LEVEL): the offset from the enabler's DeviceAddress of the
 * device register the controller moves data to or from (MapTransferEx's
 * DeviceOffset), after Initialize, which resets it to 0. The 8237 has no
 * device address, so its HAL ignores it. Ignored on a bus-master transaction.
 */
export function WdfDmaTransactionSetDeviceAddressOffset(DmaTransaction: WdfDmaTransaction, Offset: number): void {
  const s = systemOf(validTransaction(DmaTransaction, "WdfDmaTransactionSetDeviceAddressOffset"));
  if (s === null) return;
  if (!Number.isInteger(Offset) || Offset < 0 || Offset > 0xffff_ffff) throw new RangeError(`WdfDmaTransactionSetDeviceAddressOffset: Offset must be a ULONG, got ${Offset}`);
  s.deviceAddressOffset = Offset;
}

/**
 * WdfDmaTransactionStopSystemTransfer(DmaTransaction) (<= DISPATCH_LEVEL):
 * stop the system-mode transfer (FxDmaSystemTransaction::StopTransfer):
 * the transaction is marked stopped (its next staging fails with
 * STATUS_CANCELLED) and CancelMappedTransfer is called on its transfer
 * context, which masks the channel and runs the transfer-complete callback
 * with DmaCancelled (once EvtProgramDma has returned, when called from it).
 * The driver then completes the transaction (WdfDmaTransactionDmaCompleted*).
 * When the HAL refuses (nothing mapped yet), the KMDF verifier (1.11+) bug
 * checks WDF_VIOLATION 0x8 (WDF_DMA_FATAL_ERROR); without it nothing
 * happens. Before Initialize or after the transaction has completed KMDF has
 * no adapter to stop (its pointer is NULL): WDF_VIOLATION 0x8 here.
 * Ignored on a bus-master transaction.
 */
export function WdfDmaTransactionStopSystemTransfer(DmaTransaction: WdfDmaTransaction): void {
  const routine = "WdfDmaTransactionStopSystemTransfer";
  const tx = validTransaction(DmaTransaction, routine);
  const s = systemOf(tx);
  if (s === null) return;
  if (tx.txState !== "initialized" && tx.txState !== "executing") tx.wrongState(routine);
  s.cancelled = true;
  const a = tx.enabler.description(tx.direction).AdapterObject;
  const ctx = tx.transferContext;
  const st = a === null || ctx === null ? STATUS.INVALID_PARAMETER : (a.DmaOperations.CancelMappedTransfer?.(a, ctx) ?? STATUS.NOT_SUPPORTED);
  if (st !== STATUS.SUCCESS && tx.globals.verifierOn && tx.globals.isVersionAtLeast(1, 11)) {
    throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_DMA_TRANSACTION_STATE, tx.handle, 0, 0, `${routine}: ${String(tx)} has no mapped transfer to stop (CancelMappedTransfer: 0x${st.toString(16)})`);
  }
}

/**
 * WdfDmaTransactionGetTransferInfo(DmaTransaction, MapRegisterCount,
 * ScatterGatherElementCount) (KMDF 1.11+, <= DISPATCH_LEVEL): what the
 * initialized transaction needs. DMA v3: the HAL's GetDmaTransferInfo for
 * the whole transaction; v2: a worst case counted from the MDL chain (the
 * pages each MDL's part spans; elements = map registers). Either out
 * parameter may be null. A transaction that is not initialized bug checks
 * WDF_VIOLATION 0x8 (WDF_DMA_FATAL_ERROR).
 */
export function WdfDmaTransactionGetTransferInfo(DmaTransaction: WdfDmaTransaction, MapRegisterCount: { value: number } | null, ScatterGatherElementCount: { value: number } | null): void {
  const routine = "WdfDmaTransactionGetTransferInfo";
  const tx = validTransaction(DmaTransaction, routine);
  if (tx.txState !== "initialized") tx.wrongState(routine);
  const { mdl, va, remaining } = tx.nextFragment();
  let registers = 0;
  let elements: number;
  const a = tx.enabler.description(tx.direction).AdapterObject;
  if (tx.enabler.usesDmaV3 && a !== null) {
    const info: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION1 };
    // KMDF ignores the status: a refusal leaves the zeroed info.
    a.DmaOperations.GetDmaTransferInfo?.(a, mdl, va - MmGetMdlVirtualAddress(mdl), remaining, tx.direction === WdfDmaDirectionWriteToDevice, info);
    registers = info.V1?.MapRegisterCount ?? 0;
    elements = info.V1?.ScatterGatherElementCount ?? 0;
  } else {
    let left = remaining;
    let start = va;
    for (let m: MDL | null = mdl; m !== null && left > 0; m = m.Next) {
      const end = MmGetMdlVirtualAddress(m) + m.ByteCount;
      const n = Math.min(end - start, left);
      if (n > 0) registers += ADDRESS_AND_SIZE_TO_SPAN_PAGES(start, n);
      left -= Math.max(0, n);
      if (m.Next !== null) start = MmGetMdlVirtualAddress(m.Next);
    }
    elements = registers;
  }
  if (MapRegisterCount !== null) MapRegisterCount.value = registers;
  if (ScatterGatherElementCount !== null) ScatterGatherElementCount.value = elements;
}
