/**
 * MapTransfer and FlushAdapterBuffers (version 1 table).
 *
 * MapTransfer (DDI nc-wdm-pmap_transfer; ReactOS IoMapTransfer; reference
 * windows-dma.md §1.4, §3.5): CurrentVa indexes into the MDL; one physically
 * contiguous piece is mapped per call (map-run.ts) and stays mapped until
 * FlushAdapterBuffers — a scatter/gather master maps run after run on one
 * grant and flushes once. The return value is the logical address of the
 * piece (meaningless for system DMA, where it is the address programmed).
 *
 * FlushAdapterBuffers (DDI nc-wdm-pflush_adapter_buffers; ReactOS
 * IoFlushAdapterBuffers): masks the system DMA channel; copies bounced data
 * back for a device-to-memory transfer (for system DMA only what arrived:
 * Length minus the counter, unless IgnoreCount); ends the grant's mappings
 * (those of the MDL from CurrentVa on, for an adapter without map
 * registers); TRUE.
 *
 * Reported misuse (0xE6): 0x21 zero-length map request; 0x0E an MDL never
 * locked or with a frame that is not RAM; 0x1F the range outside the MDL
 * (1 before, 2 after, 3 past its end; 4/5 a non-coherent device's read not
 * cache aligned); 0x1D a range already mapped; 0x0D more than the registers
 * hold since the last flush; 0x1B a flush address outside the MDL; 0x00 / 1
 * a flush past the MDL's end; 0x20 a flush of registers never mapped; 0x16 a
 * flush with nothing mapped.
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { formatVa } from "../kernel/va-space.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { holdsChannel } from "./adapter-channel.ts";
import { checkBoolean, checkMdl, checkOutParam, checkUlong, checkVa } from "./args.ts";
import { finishMappings, mapRun } from "./map-run.ts";
import { endMappings, type MapRegisterFile, type OpenMapping, registerFileOf, unregisteredMappings } from "./map-registers.ts";
import { bytesLeft, maskChannel } from "./system-dma.ts";
import { checkCacheAligned, checkInsideMdl, checkLocked } from "./transfer-checks.ts";
import type { DMA_ADAPTER, MapRegisterBase, ULONG_OUT } from "./types.ts";

const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;

/** MapRegisterBase: the handle an AdapterControl routine got, or NULL. */
export function checkMapRegisterBase(v: unknown, routine: string): void {
  if (v !== null && typeof v !== "object") throw new TypeError(`${routine}: MapRegisterBase must be the handle from the AdapterControl routine (or NULL), got ${typeof v}`);
}

function pa(v: number): PHYSICAL_ADDRESS {
  return { QuadPart: BigInt(v) };
}

/** The grant a MapRegisterBase stands for, or null (reported) when the adapter needs map registers and this is not a live grant of it. */
export function grantOf(ao: AdapterObject, routine: string, MapRegisterBase: MapRegisterBase): { file: MapRegisterFile | null } | null {
  const file = registerFileOf(MapRegisterBase);
  if (ao.needsMapRegisters && (file === null || file.adapter !== ao || !file.live)) {
    ao.kernel.report({ code: "DMA_MAP_WITHOUT_MAP_REGISTERS", routine, device: ao.device, message: `${routine}: MapRegisterBase is not a live grant of adapter ${ao.device} (call it from the AdapterControl routine's grant)`, params: {} });
    return null;
  }
  return { file: file !== null && file.adapter === ao && file.live ? file : null };
}

/**
 * MapTransfer(DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
 * WriteToDevice) (<= DISPATCH_LEVEL): the logical address of the mapped run;
 * *Length is trimmed for a scatter/gather master (and for system DMA when
 * the channel cannot count it all), else unchanged. 0 when nothing was mapped.
 */
export function MapTransfer(DmaAdapter: DMA_ADAPTER, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: ULONG_OUT, WriteToDevice: boolean): PHYSICAL_ADDRESS {
  const routine = "MapTransfer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkMapRegisterBase(MapRegisterBase, routine);
  checkVa(CurrentVa, routine, "CurrentVa");
  checkOutParam(Length, routine, "Length");
  checkUlong(Length.value, routine, "*Length");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  if (ao === null) return pa(0);
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  const len = Length.value;
  if (len === 0) {
    k.report({ code: "DMA_ZERO_LENGTH_MAP", bugCheck: [E6, 0x21, 0, 0, 0], routine, device: ao.device, message: `${routine}: a request to map 0 bytes`, params: {} });
    return pa(0);
  }
  if (!checkLocked(ao, routine, Mdl, MmGetMdlVirtualAddress(Mdl), Mdl.ByteCount)) return pa(0);
  if (!checkInsideMdl(ao, routine, Mdl, CurrentVa, len)) return pa(0);
  checkCacheAligned(ao, routine, CurrentVa, len, WriteToDevice);
  const grant = grantOf(ao, routine, MapRegisterBase);
  if (grant === null) return pa(0);
  const m = mapRun(ao, routine, Mdl, grant.file, CurrentVa, len, WriteToDevice);
  if (m === null) return pa(0);
  if (ao.scatterGather) Length.value = m.length;
  return pa(m.logical);
}

/** 0x1B and 0x00 / 1: the flush range against the MDL. False when the address is outside it. */
export function checkFlushRange(ao: AdapterObject, routine: string, mdl: MDL, va: number, length: number): boolean {
  const k = ao.kernel;
  const mdlVa = MmGetMdlVirtualAddress(mdl);
  const end = mdlVa + mdl.ByteCount;
  if (va < mdlVa || va >= end) {
    k.report({ code: "DMA_ADDRESS_NOT_IN_MDL", bugCheck: [E6, 0x1b, BigInt(va), BigInt(mdlVa), 0], routine, device: ao.device, message: `${routine}: ${formatVa(va)} is not inside the MDL's buffer [${formatVa(mdlVa)}, +0x${mdl.ByteCount.toString(16)})`, params: { currentVa: va, length } });
    return false;
  }
  if (va + length > end) {
    k.report({ code: "DMA_FLUSH_PAST_END", bugCheck: [E6, 0x00, 1, end - va, length], routine, device: ao.device, message: `${routine}: flushing ${length} bytes from ${formatVa(va)}, but the MDL has ${end - va} bytes left there`, params: { bytesLeft: end - va, requested: length } });
  }
  return true;
}

/** 0x20 / 0x16: nothing open to flush. */
export function nothingMapped(ao: AdapterObject, routine: string, file: MapRegisterFile | null, mdl: MDL, va: number): void {
  const k = ao.kernel;
  if (file !== null && !file.everMapped) {
    k.report({ code: "DMA_FLUSH_NEVER_MAPPED", bugCheck: [E6, 0x20, 0, BigInt(va), BigInt(MmGetMdlVirtualAddress(mdl))], routine, device: ao.device, message: `${routine}: these map registers were never mapped (no MapTransfer on this grant)`, params: { currentVa: va } });
    return;
  }
  k.report({ code: "DMA_FLUSH_NOT_MAPPED", bugCheck: [E6, 0x16, file !== null && file.bounce !== null ? BigInt(file.bounce.va) : 0n, 0, 0], routine, device: ao.device, message: `${routine}: nothing is mapped here (no MapTransfer since the last flush)`, params: {} });
}

/**
 * FlushAdapterBuffers(DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
 * WriteToDevice) (<= DISPATCH_LEVEL): always TRUE.
 */
export function FlushAdapterBuffers(DmaAdapter: DMA_ADAPTER, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: number, WriteToDevice: boolean): boolean {
  const routine = "FlushAdapterBuffers";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkMapRegisterBase(MapRegisterBase, routine);
  checkVa(CurrentVa, routine, "CurrentVa");
  checkUlong(Length, routine, "Length");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  if (ao === null) return true;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  // For system DMA the counter tells how much arrived; read it before masking ends the transfer.
  const left = !ao.master && ao.dmaChannel >= 0 && holdsChannel(ao) ? bytesLeft(ao) : 0;
  if (!ao.master && ao.dmaChannel >= 0) maskChannel(k, ao.dmaChannel);
  if (!checkFlushRange(ao, routine, Mdl, CurrentVa, Length)) return true;
  const registered = registerFileOf(MapRegisterBase);
  const file = registered !== null && registered.adapter === ao ? registered : null;
  const list: OpenMapping[] = file !== null ? [...file.mappings] : MapRegisterBase === null ? unregisteredMappings(ao).filter((m) => m.mdl === Mdl && m.currentVa >= CurrentVa && m.currentVa < CurrentVa + Math.max(Length, 1)) : [];
  if (list.length === 0) {
    nothingMapped(ao, routine, file, Mdl, CurrentVa);
    return true;
  }
  const first = list[0] as OpenMapping;
  if (first.currentVa !== CurrentVa) {
    k.report({ code: "DMA_FLUSH_CURRENTVA_MISMATCH", routine, device: ao.device, message: `${routine}: CurrentVa 0x${CurrentVa.toString(16)} differs from the 0x${first.currentVa.toString(16)} given to MapTransfer`, params: { currentVa: CurrentVa, mapped: first.currentVa } });
  }
  finishMappings(ao, file, list, WriteToDevice, Length, left);
  if (file !== null) endMappings(file);
  return true;
}
