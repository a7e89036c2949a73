/**
 * MapTransfer and FlushAdapterBuffers.
 *
 * MapTransfer (DDI nc-wdm-pmap_transfer; ReactOS IoMapTransfer; reference
 * windows-dma.md §1.4, §3.5): CurrentVa indexes into the MDL. For system DMA
 * it programs the 8237 channel for the run (mask, flip-flop, mode with the
 * direction and the description's AutoInitialize / DemandMode, address, page,
 * count - 1, unmask) and returns the address programmed; a run the 8237
 * cannot reach (above 16 MiB, across a 64 KiB / 128 KiB block, not physically
 * contiguous, odd on a 16-bit channel) goes through the grant's map-register
 * bounce pages, copied in first for a write to the device. For a bus master
 * it returns the logical address of the physically contiguous run (trimming
 * *Length for a scatter/gather master), through map registers when the
 * device cannot reach the pages, through an IOMMU mapping when the device is
 * remapped.
 *
 * FlushAdapterBuffers (DDI nc-wdm-pflush_adapter_buffers; ReactOS
 * IoFlushAdapterBuffers): masks the system DMA channel; copies bounced data
 * back for a device-to-memory transfer (for system DMA only what arrived:
 * Length minus the counter, unless IgnoreCount); ends the mapping; TRUE.
 *
 * Reported misuse (0xE6): 0x21 zero-length map request, 0x1B address not in
 * the MDL, 0x16 flush of a buffer that is not mapped, 0x0D more bytes mapped
 * than the map registers can hold.
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { maintainMdlRange } from "../kernel/flush.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { holdsChannel } from "./adapter-channel.ts";
import { checkBoolean, checkMdl, checkOutParam, checkUlong, checkVa } from "./args.ts";
import { bouncePages, type OpenMapping, registerFileOf, unregisteredMappings } from "./map-registers.ts";
import { notifyTransferMapped, notifyTransferUnmapped } from "./observer.ts";
import { bytesLeft, maskChannel, programChannel } from "./system-dma.ts";
import type { DMA_ADAPTER, MapRegisterBase, ULONG_OUT } from "./types.ts";
import type { PHYSICAL_ADDRESS } from "../core/address.ts";

const PAGE = 4096;
const ISA_LIMIT = 16 * 1024 * 1024;

/** MapRegisterBase: the handle an AdapterControl routine got, or NULL. */
export function checkMapRegisterBase(v: unknown, routine: string): void {
  if (v !== null && typeof v !== "object") throw new TypeError(`${routine}: MapRegisterBase must be the handle from the AdapterControl routine (or NULL), got ${typeof v}`);
}

function pa(v: number): PHYSICAL_ADDRESS {
  return { QuadPart: BigInt(v) };
}

/** Length of the physically contiguous run of the MDL starting at byte offset `off` (at most `len`), and its physical address. */
function contiguousRun(mdl: MDL, off: number, len: number): { physical: number; bytes: number } {
  const first = Math.floor(off / PAGE);
  const physical = (mdl.pfns[first] as number) * PAGE + (off % PAGE);
  let bytes = Math.min(len, PAGE - (off % PAGE));
  let i = first + 1;
  while (bytes < len && i < mdl.pfns.length && mdl.pfns[i] === (mdl.pfns[i - 1] as number) + 1) {
    bytes = Math.min(len, bytes + PAGE);
    i++;
  }
  return { physical, bytes };
}

/** Can the 8237 channel do [physical, +bytes) in one programming? */
function channelCanReach(ch: number, physical: number, bytes: number): boolean {
  const block = ch >= 4 ? 0x20000 : 0x10000;
  if (physical + bytes > ISA_LIMIT) return false;
  if (Math.floor(physical / block) !== Math.floor((physical + bytes - 1) / block)) return false;
  if (ch >= 4 && (physical % 2 !== 0 || bytes % 2 !== 0)) return false;
  return true;
}

/**
 * MapTransfer(DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length,
 * WriteToDevice) (<= DISPATCH_LEVEL): the logical address of the mapped run.
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
    k.report({ code: "DMA_ZERO_LENGTH_MAP", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x21, 0, 0, 0], routine, device: ao.device, message: `${routine}: a request to map 0 bytes`, params: {} });
    return pa(0);
  }
  const mdlVa = MmGetMdlVirtualAddress(Mdl);
  if (CurrentVa < mdlVa || CurrentVa + len > mdlVa + Mdl.ByteCount) {
    k.report({ code: "DMA_ADDRESS_NOT_IN_MDL", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x1b, BigInt(CurrentVa), 0, 0], routine, device: ao.device, message: `${routine}: [CurrentVa, +Length) = [0x${CurrentVa.toString(16)}, +0x${len.toString(16)}) is not inside the MDL's buffer [0x${mdlVa.toString(16)}, +0x${Mdl.ByteCount.toString(16)})`, params: { currentVa: CurrentVa, length: len } });
    return pa(0);
  }
  const file = registerFileOf(MapRegisterBase);
  if (ao.needsMapRegisters && (file === null || file.adapter !== ao || !file.live)) {
    k.report({ code: "DMA_MAP_WITHOUT_MAP_REGISTERS", routine, device: ao.device, message: `${routine}: MapRegisterBase is not a live grant of adapter ${ao.device} (call it from the AdapterControl routine's grant)`, params: {} });
    return pa(0);
  }
  const off = CurrentVa - Mdl.StartVa;
  const run = contiguousRun(Mdl, off, len);
  if (!ao.master) return mapSystem(ao, Mdl, file, CurrentVa, len, run, WriteToDevice);
  return mapMaster(ao, Mdl, file, CurrentVa, Length, run, WriteToDevice);
}

function mapSystem(ao: AdapterObject, mdl: MDL, file: ReturnType<typeof registerFileOf>, currentVa: number, len: number, run: { physical: number; bytes: number }, writeToDevice: boolean): PHYSICAL_ADDRESS {
  const k = ao.kernel;
  const routine = "MapTransfer";
  const ch = ao.dmaChannel;
  if (!holdsChannel(ao)) {
    k.report({ code: "DMA_CHANNEL_NOT_ALLOCATED", routine, device: ao.device, message: `${routine}: adapter ${ao.device} does not hold DMA channel ${ch} (AllocateAdapterChannel first)`, params: { channel: ch } });
    return pa(0);
  }
  const max = ch >= 4 ? 0x20000 : 0x10000;
  let bytes = len;
  if (bytes > max) {
    k.report({ code: "DMA_TRANSFER_TOO_LONG", routine, device: ao.device, message: `${routine}: ${len} bytes is more than DMA channel ${ch} can count (${max}); only ${max} are programmed`, params: { length: len, maximum: max } });
    bytes = max;
  }
  let physical: number;
  let bounced = false;
  if (run.bytes >= bytes && channelCanReach(ch, run.physical, bytes)) {
    physical = run.physical;
  } else {
    const f = file as NonNullable<typeof file>;
    if (bytes > f.count * PAGE) {
      k.report({ code: "DMA_BUFFERS_NOT_FLUSHED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x0d, bytes, f.count * PAGE, 0], routine, device: ao.device, message: `${routine}: ${bytes} bytes need bouncing but the grant's ${f.count} map registers hold ${f.count * PAGE}`, params: { mapped: bytes, maximum: f.count * PAGE } });
      bytes = f.count * PAGE;
    }
    const b = bouncePages(f);
    if (b === null || bytes === 0) {
      k.report({ code: "DMA_NO_BOUNCE_PAGES", routine, device: ao.device, message: `${routine}: no map-register pages below 16 MiB for a buffer DMA channel ${ch} cannot reach`, params: { channel: ch } });
      return pa(0);
    }
    physical = b.pfn * PAGE;
    bounced = true;
    if (ao.description.AutoInitialize) {
      // Windows bounces without a word; with auto-initialize the device then loops over a snapshot forever.
      k.report({ code: "DMA_AUTOINIT_BOUNCED", routine, device: ao.device, message: `${routine}: an auto-initialize transfer on channel ${ch} goes through map registers (the buffer is not reachable by the 8237): the device will replay a copy, and later writes to the buffer never reach it — use AllocateCommonBuffer`, params: { channel: ch, length: bytes } });
    }
    if (writeToDevice) {
      const tmp = new Uint8Array(bytes);
      k.va.read(currentVa, tmp);
      k.va.write(b.va, tmp);
    }
  }
  programChannel(k, { channel: ch, physical, bytes, writeToDevice, autoInitialize: ao.description.AutoInitialize, demandMode: ao.description.DemandMode });
  const m: OpenMapping = { mdl, currentVa, length: bytes, writeToDevice, logical: physical, bounced, iova: null };
  if (file !== null) file.mapping = m;
  notifyTransferMapped(ao.hal.observers.current, m, ao.device, physical, bytes);
  return pa(physical);
}

function mapMaster(ao: AdapterObject, mdl: MDL, file: ReturnType<typeof registerFileOf>, currentVa: number, Length: ULONG_OUT, run: { physical: number; bytes: number }, writeToDevice: boolean): PHYSICAL_ADDRESS {
  const k = ao.kernel;
  const len = Length.value;
  const record = (m: OpenMapping): PHYSICAL_ADDRESS => {
    if (file !== null) file.mapping = m;
    else unregisteredMappings(ao).push(m);
    const fp = Math.floor((m.currentVa - mdl.StartVa) / PAGE);
    notifyTransferMapped(ao.hal.observers.current, m, ao.device, m.logical, m.length, m.iova === null ? undefined : mdl.pfns.subarray(fp, fp + m.iova[1]));
    return pa(m.logical);
  };
  const iommu = k.iommu;
  if (iommu !== null && ao.busMaster.domain >= 0) {
    // A remapped device: map the pages of the run (scatter/gather) or of the whole range into its domain.
    const bytes = ao.scatterGather ? run.bytes : len;
    const off = currentVa - mdl.StartVa;
    const firstPage = Math.floor(off / PAGE);
    const pages = Math.ceil(((off % PAGE) + bytes) / PAGE);
    const iova = iommu.allocateIova(ao.busMaster.domain, { pages, minAddress: 0, maxAddress: ao.reach.maxAddress, boundary: ao.reach.boundary });
    if (iova < 0) {
      k.report({ code: "DMA_NO_IOVA", routine: "MapTransfer", device: ao.device, message: `MapTransfer: no IOVA space for ${pages} pages in ${ao.device}'s domain`, params: { pages } });
      return pa(0);
    }
    iommu.map(ao.busMaster.domain, iova, mdl.pfns.subarray(firstPage, firstPage + pages), { read: true, write: !writeToDevice });
    if (ao.scatterGather) Length.value = bytes;
    return record({ mdl, currentVa, length: bytes, writeToDevice, logical: iova + (off % PAGE), bounced: false, iova: [iova, pages] });
  }
  if (ao.scatterGather) {
    const bytes = Math.min(run.bytes, len);
    Length.value = bytes;
    return record({ mdl, currentVa, length: bytes, writeToDevice, logical: run.physical, bounced: false, iova: null });
  }
  if (run.bytes >= len && run.physical + len - 1 <= ao.reach.maxAddress) {
    return record({ mdl, currentVa, length: len, writeToDevice, logical: run.physical, bounced: false, iova: null });
  }
  const f = file;
  const b = f === null ? null : bouncePages(f);
  if (f === null || b === null || len > f.count * PAGE) {
    k.report({ code: "DMA_NO_BOUNCE_PAGES", routine: "MapTransfer", device: ao.device, message: `MapTransfer: ${len} bytes need map registers that are not available`, params: { length: len } });
    return pa(0);
  }
  if (writeToDevice) {
    const tmp = new Uint8Array(len);
    k.va.read(currentVa, tmp);
    k.va.write(b.va, tmp);
  }
  return record({ mdl, currentVa, length: len, writeToDevice, logical: b.pfn * PAGE, bounced: true, iova: null });
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
  const file = registerFileOf(MapRegisterBase);
  let m: OpenMapping | null = null;
  if (file !== null && file.adapter === ao) {
    m = file.mapping;
    file.mapping = null;
  } else if (MapRegisterBase === null) {
    const list = unregisteredMappings(ao);
    const i = list.findIndex((x) => x.mdl === Mdl && x.currentVa === CurrentVa);
    if (i >= 0) m = list.splice(i, 1)[0] ?? null;
  }
  if (m === null) {
    k.report({ code: "DMA_FLUSH_NOT_MAPPED", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x16, 0, 0, 0], routine, device: ao.device, message: `${routine}: nothing is mapped at this MapRegisterBase (no MapTransfer since the last flush)`, params: {} });
    return true;
  }
  notifyTransferUnmapped(ao.hal.observers.current, m);
  // A device that does not snoop wrote memory behind the CPU's cache: drop the stale lines (x64: coherent, nothing to do).
  if (!ao.busMaster.coherent && !WriteToDevice) {
    if (m.bounced && file !== null && file.bounce !== null) k.memorySystem.maintain(file.bounce.pfn * PAGE, m.length, "invalidate");
    else maintainMdlRange(k, m.mdl, m.currentVa, m.length, "invalidate");
  }
  if (m.currentVa !== CurrentVa) {
    k.report({ code: "DMA_FLUSH_CURRENTVA_MISMATCH", routine, device: ao.device, message: `${routine}: CurrentVa 0x${CurrentVa.toString(16)} differs from the 0x${m.currentVa.toString(16)} given to MapTransfer`, params: { currentVa: CurrentVa, mapped: m.currentVa } });
  }
  if (m.bounced && !WriteToDevice && file !== null && file.bounce !== null) {
    const arrived = ao.master || ao.description.IgnoreCount ? Math.min(Length, m.length) : Math.max(0, Math.min(Length, m.length) - left);
    if (arrived > 0) {
      const tmp = new Uint8Array(arrived);
      k.va.read(file.bounce.va, tmp);
      k.va.write(m.currentVa, tmp);
    }
  }
  if (m.iova !== null && k.iommu !== null) {
    k.iommu.unmap(ao.busMaster.domain, m.iova[0]);
    k.iommu.freeIova(ao.busMaster.domain, m.iova[0], m.iova[1]);
  }
  return true;
}
