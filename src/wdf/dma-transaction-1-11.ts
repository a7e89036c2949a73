/**
 * Two KMDF 1.11 DDIs of WDFDMATRANSACTION (Windows-Driver-Frameworks
 * fxdmatransactionapi.cpp, fxdmatransactionbase.cpp; WDK pages of each):
 *
 * - WdfDmaTransactionInitializeUsingOffset: Initialize with a byte offset
 *   into the MDL instead of a virtual address (KMDF computes the VA from the
 *   MDL's and calls Initialize, so an offset past the first MDL is refused
 *   as a VA outside it would be);
 * - WdfDmaTransactionSetImmediateExecution: the transaction's HAL requests
 *   (AllocateAdapterChannelEx, GetScatterGatherListEx, and
 *   BuildScatterGatherListEx for drivers bound to 1.15+) carry
 *   DMA_SYNCHRONOUS_CALLBACK, so Execute either gets its resources at once
 *   or fails with STATUS_INSUFFICIENT_RESOURCES instead of waiting.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, type NTSTATUS } from "../core/ntstatus.ts";
import { DMA_SYNCHRONOUS_CALLBACK } from "../hal/types.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import type { WDF_DMA_DIRECTION } from "./dma-enabler.ts";
import { type EVT_WDF_PROGRAM_DMA, validTransaction, type WdfDmaTransaction, WdfDmaTransactionInitialize } from "./dma-transaction.ts";

/**
 * WdfDmaTransactionInitializeUsingOffset(DmaTransaction,
 * EvtProgramDmaFunction, DmaDirection, Mdl, Offset, Length) (KMDF 1.11,
 * <= DISPATCH_LEVEL): WdfDmaTransactionInitialize at MmGetMdlVirtualAddress(Mdl)
 * + Offset, with its results (STATUS_INVALID_PARAMETER for an offset at or
 * past the end of the first MDL, Length 0, a bad direction, ...).
 */
export function WdfDmaTransactionInitializeUsingOffset(DmaTransaction: WdfDmaTransaction, EvtProgramDmaFunction: EVT_WDF_PROGRAM_DMA, DmaDirection: WDF_DMA_DIRECTION, Mdl: MDL, Offset: number, Length: number): NTSTATUS {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionInitializeUsingOffset");
  if (!Number.isSafeInteger(Offset) || Offset < 0) throw new RangeError(`WdfDmaTransactionInitializeUsingOffset: Offset must be a size_t, got ${Offset}`);
  return WdfDmaTransactionInitialize(tx, EvtProgramDmaFunction, DmaDirection, Mdl, MmGetMdlVirtualAddress(Mdl) + Offset, Length);
}

/**
 * WdfDmaTransactionSetImmediateExecution(DmaTransaction,
 * UseImmediateExecution) (KMDF 1.11, DMA v3, <= DISPATCH_LEVEL): TRUE marks
 * the transaction so that Execute claims the adapter (and, scatter/gather,
 * the list's map registers) at once or returns STATUS_INSUFFICIENT_RESOURCES;
 * FALSE lets it queue again. WdfDmaTransactionRelease clears the mark.
 * Ignored — KMDF traces and breaks into the debugger — when the enabler does
 * not use DMA v3. Called while the transaction runs, KMDF breaks the same
 * way but still sets the mark (its next staging uses it).
 */
export function WdfDmaTransactionSetImmediateExecution(DmaTransaction: WdfDmaTransaction, UseImmediateExecution: boolean): void {
  const routine = "WdfDmaTransactionSetImmediateExecution";
  const tx = validTransaction(DmaTransaction, routine);
  if (typeof UseImmediateExecution !== "boolean") throw new TypeError(`${routine}: UseImmediateExecution must be a BOOLEAN, got ${typeof UseImmediateExecution}`);
  if (!NT_SUCCESS(tx.globals.checkIrql(routine, DISPATCH_LEVEL))) return;
  if (!tx.enabler.usesDmaV3) return;
  tx.dmaFlags = UseImmediateExecution ? tx.dmaFlags | DMA_SYNCHRONOUS_CALLBACK : tx.dmaFlags & ~DMA_SYNCHRONOUS_CALLBACK;
}
