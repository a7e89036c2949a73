/**
 * The single-transfer requirement of a WDFDMATRANSACTION (KMDF 1.19;
 * Windows-Driver-Frameworks fxdmatransactionbase.cpp PrepareForSingleTransfer,
 * fxdmatransactionapi.cpp WdfDmaTransactionSetSingleTransferRequirement).
 *
 * It needs DMA v3 (the enabler's WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER
 * flag is refused without it; WdfDmaTransactionSetSingleTransferRequirement
 * on a v2 enabler's transaction is ignored, as KMDF only traces and breaks).
 * WdfDmaTransactionInitialize then asks the HAL with GetDmaTransferInfo what
 * the whole transaction takes, and fails it at once rather than at Execute:
 * longer than the enabler's MaximumLength: STATUS_WDF_TOO_MANY_TRANSFERS;
 * more map registers than IoGetDmaAdapter gave: STATUS_WDF_NOT_ENOUGH_MAP_REGISTERS;
 * more elements than the enabler's limit (or more than one for a packet
 * profile): STATUS_WDF_TOO_FRAGMENTED. A preallocated list too small for the
 * answer's ScatterGatherListSize is replaced by one that fits. A completion
 * that leaves bytes over is STATUS_WDF_TOO_MANY_TRANSFERS.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { DMA_TRANSFER_INFO_VERSION1, type DMA_TRANSFER_INFO } from "../hal/types.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { type WDF_DMA_DIRECTION, WdfDmaDirectionWriteToDevice, type WdfDmaEnabler } from "./dma-enabler.ts";

/** What PrepareForSingleTransfer decides for a transaction. */
export interface SingleTransferPlan {
  /** The fragment length the transaction may use: the enabler's MaximumLength (the HAL's map-register cut does not apply). */
  readonly maxFragmentLength: number;
  /** A list size larger than the enabler's preallocated one, or 0 when that one suffices. */
  readonly sgListSize: number;
}

/**
 * PrepareForSingleTransfer for a transaction of `length` bytes at `va` in
 * `mdl` (the start of an MDL chain) in `direction`: the plan, or the
 * status WdfDmaTransactionInitialize fails with.
 */
export function prepareForSingleTransfer(en: WdfDmaEnabler, direction: WDF_DMA_DIRECTION, mdl: MDL, va: number, length: number): SingleTransferPlan | NTSTATUS {
  const d = en.description(direction);
  const a = d.AdapterObject;
  if (a === null) return STATUS.INVALID_PARAMETER;
  const maxFragmentLength = Math.max(d.MaximumFragmentLength, en.maximumLength);
  if (length > maxFragmentLength) return STATUS.WDF_TOO_MANY_TRANSFERS;
  const info: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION1 };
  const st = a.DmaOperations.GetDmaTransferInfo?.(a, mdl, va - MmGetMdlVirtualAddress(mdl), length, direction === WdfDmaDirectionWriteToDevice, info) ?? STATUS.NOT_SUPPORTED;
  if (!NT_SUCCESS(st)) return st;
  const need = info.V1;
  if (need === undefined) return STATUS.UNSUCCESSFUL;
  if (need.MapRegisterCount > d.NumberOfMapRegisters) return STATUS.WDF_NOT_ENOUGH_MAP_REGISTERS;
  if (need.ScatterGatherElementCount > en.maxSGElements) return STATUS.WDF_TOO_FRAGMENTED;
  if (!en.isScatterGather && en.isBusMaster && need.ScatterGatherElementCount > 1) return STATUS.WDF_TOO_FRAGMENTED;
  const preallocated = en.sgListSize > 0 && !en.noSgListPreallocation;
  return { maxFragmentLength, sgListSize: preallocated && need.ScatterGatherListSize > en.sgListSize ? need.ScatterGatherListSize : 0 };
}
