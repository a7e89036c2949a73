/**
 * GetDmaTransferInfo (version 3 table; DDI nc-wdm-pget_dma_transfer_info,
 * ns-wdm-_dma_transfer_info_v1/_v2): the allocation a transfer of
 * [Offset, Offset + Length) of an MDL chain needs — map registers, list
 * elements, list buffer size. KMDF calls it before every v3 transaction
 * (fxdmatransactionbase.cpp) and sizes BuildScatterGatherListEx /
 * MapTransferEx buffers from it.
 *
 * The counts are exactly what the HAL then does (the same planner,
 * sg-list.ts planList, builds the list): for a bus master the elements
 * BuildScatterGatherListEx / MapTransferEx produce (physical runs, merged
 * IOVA runs under the IOMMU, one bounced element), MapRegisterCount the pages
 * spanned, ScatterGatherListSize the header, the elements and the HAL's
 * scratch; for system DMA, which has no scatter/gather, one element per
 * MapTransferEx call the 8237 will need (a grant of the adapter's map
 * registers assumed). DMA_TRANSFER_INFO_VERSION2 (LogicalPageCount: the
 * device-side pages) exists from Windows 10 1809: on the older builds it is
 * STATUS_NOT_SUPPORTED, as an unknown version is. WriteOnly does not change
 * the counts here (the DDI: it may add cache maintenance at the ends).
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { checkBoolean, checkMdl, checkStruct, checkUlong, checkUlonglong } from "./args.ts";
import { systemStep } from "./map-run.ts";
import { type ChainRange, chainRange, listSize, planList } from "./sg-list.ts";
import { type DMA_ADAPTER, type DMA_TRANSFER_INFO, DMA_TRANSFER_INFO_VERSION1, DMA_TRANSFER_INFO_VERSION2 } from "./types.ts";

/** What a transfer needs, as GetDmaTransferInfo reports it. */
export interface TransferNeeds {
  readonly mapRegisters: number;
  readonly elements: number;
  readonly logicalPages: number;
}

/** The needs of a resolved range (also what MapTransferEx / BuildScatterGatherListEx consume). */
export function transferNeeds(ao: AdapterObject, r: ChainRange): TransferNeeds {
  const mapRegisters = ADDRESS_AND_SIZE_TO_SPAN_PAGES(r.va, r.length);
  if (!ao.master) {
    // One MapTransferEx per step the 8237 can do, piece by piece (a step never leaves its MDL).
    let elements = 0;
    for (const p of r.pieces) {
      let at = p.va;
      let left = p.length;
      while (left > 0) {
        const n = Math.max(1, systemStep(ao, p.mdl, at, left, ao.mapRegisters));
        at += n;
        left -= n;
        elements++;
      }
    }
    return { mapRegisters, elements, logicalPages: mapRegisters };
  }
  const plan = planList(ao, r);
  const logicalPages = plan.strategy === "iommu" ? plan.pfns.length : plan.elements.reduce((n, e) => n + ADDRESS_AND_SIZE_TO_SPAN_PAGES(e.address % PAGE_SIZE, e.length), 0);
  return { mapRegisters, elements: plan.elements.length, logicalPages };
}

/**
 * GetDmaTransferInfo(DmaAdapter, Mdl, Offset, Length, WriteOnly,
 * TransferInfo) (<= DISPATCH_LEVEL): STATUS_SUCCESS with V1 (or V2) filled;
 * STATUS_NOT_SUPPORTED for a Version the build does not have (nothing
 * written); STATUS_INVALID_PARAMETER for a Length of 0 or a range the chain
 * does not describe (0xE6 / 0x24) or that is not locked (0xE6 / 0x0E).
 */
export function GetDmaTransferInfo(DmaAdapter: DMA_ADAPTER, Mdl: MDL, Offset: number, Length: number, WriteOnly: boolean, TransferInfo: DMA_TRANSFER_INFO): NTSTATUS {
  const routine = "GetDmaTransferInfo";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkUlonglong(Offset, routine, "Offset");
  checkUlong(Length, routine, "Length");
  checkBoolean(WriteOnly, routine, "WriteOnly");
  checkStruct(TransferInfo, routine, "TransferInfo");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  const v2 = ao.hal.osBuild === "win10-2004" || ao.hal.osBuild === "server2022";
  if (TransferInfo.Version !== DMA_TRANSFER_INFO_VERSION1 && !(v2 && TransferInfo.Version === DMA_TRANSFER_INFO_VERSION2)) return STATUS.NOT_SUPPORTED;
  if (Length === 0) return STATUS.INVALID_PARAMETER;
  const r = chainRange(ao, routine, Mdl, Offset, Length);
  if (r === null) return STATUS.INVALID_PARAMETER;
  const n = transferNeeds(ao, r);
  const v1 = { MapRegisterCount: n.mapRegisters, ScatterGatherElementCount: n.elements, ScatterGatherListSize: listSize(n.elements) };
  if (TransferInfo.Version === DMA_TRANSFER_INFO_VERSION1) TransferInfo.V1 = v1;
  else TransferInfo.V2 = { ...v1, LogicalPageCount: n.logicalPages };
  return STATUS.SUCCESS;
}
