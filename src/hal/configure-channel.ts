/**
 * ConfigureAdapterChannel (version 3 table; DDI nc-wdm-pconfigure_adapter_channel)
 * and the HAL DMA extension it reaches.
 *
 * The routine "invokes a custom function that is implemented by the DMA
 * controller": the HAL passes FunctionNumber and Context to the controller's
 * HAL extension (its DMA_FUNCTION_TABLE ConfigureChannel, as in the WDK
 * sample HalExtSampleDma.c, whose only function is CONFIGURE_ADD_REQ_CONFIG
 * = 0x80000000). Function numbers are the controller's own: no number is
 * defined by Windows, and a function the extension does not implement is
 * STATUS_NOT_IMPLEMENTED. A PC's 8237 pair has no DMA extension, so on the
 * built-in profiles every function is STATUS_NOT_IMPLEMENTED until a
 * simulated controller registers one (setSystemDmaExtension). For system
 * DMA adapters only: a bus master is reported (dmasim's DMA_WRONG_ADAPTER_KIND)
 * and gets STATUS_NOT_IMPLEMENTED.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import { liveAdapter } from "./adapter.ts";
import { checkUlong } from "./args.ts";
import type { DMA_ADAPTER } from "./types.ts";

/** The HAL extension of a system DMA controller (the ConfigureChannel entry of its DMA_FUNCTION_TABLE). */
export interface SystemDmaExtension {
  /** Run custom function FunctionNumber on `channel` with the driver's Context; STATUS_NOT_IMPLEMENTED for a function it does not have. */
  ConfigureChannel(channel: number, FunctionNumber: number, Context: unknown): NTSTATUS;
}

const EXTENSION = machineSlot<{ ext: SystemDmaExtension | null }>("system DMA extension", () => ({ ext: null }));

/** Register (or, with null, remove) the system DMA controller's HAL extension of a machine. */
export function setSystemDmaExtension(k: Kernel, ext: SystemDmaExtension | null): void {
  if (ext !== null && typeof ext.ConfigureChannel !== "function") throw new TypeError("setSystemDmaExtension: the extension must have a ConfigureChannel(channel, FunctionNumber, Context) function");
  k.slot(EXTENSION).ext = ext;
}

/** ConfigureAdapterChannel(DmaAdapter, FunctionNumber, Context) (<= DISPATCH_LEVEL). */
export function ConfigureAdapterChannel(DmaAdapter: DMA_ADAPTER, FunctionNumber: number, Context: unknown): NTSTATUS {
  const routine = "ConfigureAdapterChannel";
  const ao = liveAdapter(DmaAdapter, routine);
  checkUlong(FunctionNumber, routine, "FunctionNumber");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (ao.master) {
    k.report({ code: "DMA_WRONG_ADAPTER_KIND", routine, device: ao.device, message: `${routine}: for system DMA adapters only (the DDI: do not use it for a bus-master adapter); ${ao.device}'s adapter is a bus master`, params: { master: true } });
    return STATUS.NOT_IMPLEMENTED;
  }
  const ext = k.slot(EXTENSION).ext;
  if (ext === null) return STATUS.NOT_IMPLEMENTED;
  const st = ext.ConfigureChannel(ao.dmaChannel, FunctionNumber, Context);
  if (!Number.isInteger(st)) throw new TypeError(`${routine}: the DMA extension's ConfigureChannel returned ${String(st)}, not an NTSTATUS`);
  return st;
}
