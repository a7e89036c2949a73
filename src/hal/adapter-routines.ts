/**
 * The adapter's own DMA_OPERATIONS routines: PutDmaAdapter and GetDmaAlignment
 * (version 1 table).
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { formatAdapter, liveAdapter } from "./adapter.ts";
import { outstandingChannels } from "./adapter-channel.ts";
import { checkNoVectorLeaked } from "./common-buffer-vector.ts";
import { outstandingMapRegisters, releaseBouncePool } from "./map-registers.ts";
import { liveScatterGatherLists } from "./sg-list.ts";
import type { DMA_ADAPTER } from "./types.ts";

/**
 * PutDmaAdapter(DmaAdapter): releases the adapter (<= DISPATCH_LEVEL). It
 * must come after every common buffer and map register is freed; Windows
 * frees the adapter anyway and the buffers leak — reported as 0xE6 / 0x07
 * (adapter released with common buffers outstanding); channels (0x08), map
 * registers (0x09) and scatter/gather lists (0x0A) still held are reported
 * likewise. Any later use of the adapter is reported as 0xE6 / 0x18 and does
 * nothing.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, AllocateCommonBuffer, PutDmaAdapter, installVerifier, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 64, MaximumLength: 65536 }), { value: 0 });
 * if (a === null) throw new Error("no adapter");
 * const v = installVerifier(k, { mode: "collect" });
 * AllocateCommonBuffer(a, 4096, physicalAddress(0), true);
 * PutDmaAdapter(a);                                     // the bug: the buffer was never freed
 * console.log(v.findings.map((f) => f.code));           // [ 'DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS' ]
 * ```
 */
export function PutDmaAdapter(DmaAdapter: DMA_ADAPTER): void {
  const routine = "PutDmaAdapter";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  checkNoVectorLeaked(ao);
  const outstanding = ao.commonBuffers.size;
  if (outstanding > 0) {
    k.report({ code: "DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x07, ao.address, outstanding, 0], routine, device: ao.device, message: `${routine}: adapter ${formatAdapter(ao)} released with ${outstanding} common buffer${outstanding === 1 ? "" : "s"} still allocated (leaked)`, params: { adapter: ao.address, outstanding } });
  }
  // Adapter channels and map registers (sysdma): 0x08 channels outstanding, 0x09 map registers outstanding.
  const channels = outstandingChannels(ao);
  if (channels > 0) {
    k.report({ code: "DMA_ADAPTER_RELEASED_WITH_CHANNELS", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x08, ao.address, channels, 0], routine, device: ao.device, message: `${routine}: adapter ${formatAdapter(ao)} released with ${channels} adapter channel${channels === 1 ? "" : "s"} allocated or requested (call FreeAdapterChannel first)`, params: { adapter: ao.address, outstanding: channels } });
  }
  const registers = outstandingMapRegisters(ao);
  if (registers > 0) {
    k.report({ code: "DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x09, ao.address, registers, 0], routine, device: ao.device, message: `${routine}: adapter ${formatAdapter(ao)} released with ${registers} map register${registers === 1 ? "" : "s"} still allocated (call FreeMapRegisters or FreeAdapterChannel first)`, params: { adapter: ao.address, outstanding: registers } });
  }
  const sgLists = liveScatterGatherLists(ao);
  if (sgLists > 0) {
    k.report({ code: "DMA_ADAPTER_RELEASED_WITH_SCATTER_GATHER_LISTS", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x0a, ao.address, sgLists, 0], routine, device: ao.device, message: `${routine}: adapter ${formatAdapter(ao)} released with ${sgLists} scatter/gather list${sgLists === 1 ? "" : "s"} not put (call PutScatterGatherList first)`, params: { adapter: ao.address, outstanding: sgLists } });
  }
  ao.released = true;
  releaseBouncePool(ao);
  const o = ao.hal.observers.current;
  if (o !== null) o.onAdapterReleased?.({ adapter: ao.dma, device: ao.device, description: ao.description, mapRegisters: ao.mapRegisters, maxAddress: ao.reach.maxAddress, time: k.clock.now, outstandingCommonBuffers: outstanding });
}

/**
 * GetDmaAlignment(DmaAdapter): the alignment, in bytes, buffers must have for
 * the device. Windows returns 1 (KMDF's fxdmaenabler.hpp comment on
 * m_CommonBufferAlignment; ReactOS HalpDmaGetDmaAlignment also returns 1).
 */
export function GetDmaAlignment(DmaAdapter: DMA_ADAPTER): number {
  const routine = "GetDmaAlignment";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return 1;
  ao.kernel.checkIrql(routine, { exact: PASSIVE_LEVEL }, ao.device);
  return 1;
}
