/**
 * GetDmaAdapterInfo (version 3 table, Windows 8+; DDI nc-wdm-pget_dma_adapter_info,
 * ns-wdm-_dma_adapter_info_v1): the capabilities of the DMA controller behind
 * an adapter.
 */
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { liveAdapter } from "./adapter.ts";
import { type DMA_ADAPTER, type DMA_ADAPTER_INFO, DmaWidth } from "./types.ts";

/** DMA_ADAPTER_INFO.Version for the V1 member: the only version GetDmaAdapterInfo accepts (others: STATUS_NOT_SUPPORTED). */
export const DMA_ADAPTER_INFO_VERSION1 = 1;

/**
 * GetDmaAdapterInfo(DmaAdapter, AdapterInfo): AdapterInfo.Version must be
 * DMA_ADAPTER_INFO_VERSION1 (else STATUS_NOT_SUPPORTED, nothing written).
 * V1: ReadDmaCounterAvailable — true for a system DMA channel (the 8237's
 * count register); ScatterGatherLimit — elements one transfer may use: the
 * map-register count for adapters that need map registers, otherwise
 * unlimited (0xFFFFFFFF); DmaAddressWidth — the adapter's reach in bits;
 * Flags — 0 (none are defined); MinimumTransferUnit — the channel width in
 * bytes for system DMA, 1 for bus masters. <= DISPATCH_LEVEL.
 */
export function GetDmaAdapterInfo(DmaAdapter: DMA_ADAPTER, AdapterInfo: DMA_ADAPTER_INFO): NTSTATUS {
  const routine = "GetDmaAdapterInfo";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (typeof AdapterInfo !== "object" || AdapterInfo === null) throw new TypeError(`${routine}: AdapterInfo must be a DMA_ADAPTER_INFO, got ${String(AdapterInfo)}`);
  if (AdapterInfo.Version !== DMA_ADAPTER_INFO_VERSION1) return STATUS.NOT_SUPPORTED;
  const d = ao.description;
  AdapterInfo.V1 = {
    ReadDmaCounterAvailable: !ao.master,
    ScatterGatherLimit: ao.needsMapRegisters ? ao.mapRegisters : 0xffff_ffff,
    DmaAddressWidth: ao.reach.addressBits,
    Flags: 0,
    MinimumTransferUnit: ao.master ? 1 : d.DmaWidth === DmaWidth.Width16Bits ? 2 : d.DmaWidth === DmaWidth.Width32Bits ? 4 : 1,
  };
  return STATUS.SUCCESS;
}
