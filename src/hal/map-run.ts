/**
 * Mapping one physically contiguous piece of an MDL for a device, and
 * finishing mappings at the flush — the core MapTransfer and MapTransferEx
 * share (ReactOS IoMapTransfer / IoFlushAdapterBuffers; DDI nc-wdm-pmap_transfer,
 * nc-wdm-pflush_adapter_buffers; reference windows-dma.md §1.4, §3.5).
 *
 * System DMA: the run is programmed into the 8237 channel (mask, flip-flop,
 * mode with the direction and the description's AutoInitialize / DemandMode,
 * address, page, count - 1, unmask); a run the 8237 cannot reach (above
 * 16 MiB, across the channel's 64 KiB / 128 KiB page, not physically
 * contiguous, odd on a 16-bit channel) goes through the grant's map-register
 * bounce pages, copied in first for a write to the device.
 *
 * Bus master: the logical address of the physically contiguous run (a
 * scatter/gather master's length is trimmed to the run), through the bounce
 * pages when the device cannot reach the pages or a packet master's buffer is
 * not contiguous, through an IOMMU mapping when the device is remapped.
 *
 * Verifier checks on the way (0xE6): 0x1D a range already mapped since the
 * last flush, 0x0D more than the registers hold since the last flush (or a
 * system DMA channel mapped again without a flush), 0x22 a copy from an MDL
 * not mapped in system VA, 0x00 / 2 no contiguous map-register pages.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { maintainMdlRange } from "../kernel/flush.ts";
import type { MDL } from "../kernel/mdl.ts";
import { formatVa } from "../kernel/va-space.ts";
import type { AdapterObject } from "./adapter.ts";
import { holdsChannel } from "./adapter-channel.ts";
import { bouncePages, type MapRegisterFile, type OpenMapping, unmapOpenMapping, unregisteredMappings } from "./map-registers.ts";
import { notifyTransferMapped } from "./observer.ts";
import { programChannel } from "./system-dma.ts";
import { checkSystemMapped } from "./transfer-checks.ts";

const PAGE = 4096;
const ISA_LIMIT = 16 * 1024 * 1024;
const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;

/** Length of the physically contiguous run of the MDL starting at byte offset `off` of its pages (at most `len`), and its physical address. */
export function contiguousRun(mdl: MDL, off: number, len: number): { physical: number; bytes: number } {
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
 * How many bytes one system DMA programming moves from [va, va + len) of
 * `mdl` on a grant with `registers` free map registers: the whole (up to what
 * the channel counts) when the 8237 reaches it directly, else what the bounce
 * pages hold — mapSystem's decision without its side effects, so
 * GetDmaTransferInfo can count the steps MapTransferEx will take.
 */
export function systemStep(ao: AdapterObject, mdl: MDL, va: number, len: number, registers: number): number {
  const ch = ao.dmaChannel;
  const bytes = Math.min(len, ch >= 4 ? 0x20000 : 0x10000);
  const run = contiguousRun(mdl, va - mdl.StartVa, bytes);
  if (run.bytes >= bytes && channelCanReach(ch, run.physical, bytes)) return bytes;
  return Math.min(bytes, registers * PAGE);
}

/** The open mappings a new one must not overlap: the grant's, or (no map registers) the adapter's of the same MDL. */
function openMappings(ao: AdapterObject, file: MapRegisterFile | null): readonly OpenMapping[] {
  return file !== null ? file.mappings : unregisteredMappings(ao);
}

/** 0x1D: [va, va + len) of `mdl` overlaps a mapping not flushed yet. */
function alreadyMapped(ao: AdapterObject, routine: string, file: MapRegisterFile | null, mdl: MDL, va: number, len: number): boolean {
  for (const m of openMappings(ao, file)) {
    if (m.mdl !== mdl || va >= m.currentVa + m.length || m.currentVa >= va + len) continue;
    const at = Math.max(va, m.currentVa);
    ao.kernel.report({ code: "DMA_RANGE_ALREADY_MAPPED", bugCheck: [E6, 0x1d, BigInt(va), BigInt(va + len), BigInt(at)], routine, device: ao.device, message: `${routine}: [${formatVa(va)}, +0x${len.toString(16)}) is already mapped from ${formatVa(at)} (MapTransfer since the last FlushAdapterBuffers)`, params: { start: va, end: va + len, mapped: at } });
    return true;
  }
  return false;
}

function bytesSinceFlush(file: MapRegisterFile): number {
  let n = 0;
  for (const m of file.mappings) n += m.length;
  return n;
}

function notFlushed(ao: AdapterObject, routine: string, file: MapRegisterFile, bytes: number, why: string): void {
  const mapped = bytesSinceFlush(file) + bytes;
  const maximum = file.count * PAGE;
  ao.kernel.report({ code: "DMA_BUFFERS_NOT_FLUSHED", bugCheck: [E6, 0x0d, mapped, maximum, 0], routine, device: ao.device, message: `${routine}: ${why} (${mapped} bytes mapped since the last FlushAdapterBuffers; the ${file.count} map registers hold ${maximum})`, params: { mapped, maximum } });
}

/** 0x00 / 2: no contiguous map-register pages for `needed` registers. */
function outOfRegisters(ao: AdapterObject, routine: string, needed: number, what: { channel: number } | { length: number }): void {
  const text = "channel" in what ? `no map-register pages below 16 MiB for a buffer DMA channel ${what.channel} cannot reach` : `${what.length} bytes need map registers that are not available`;
  ao.kernel.report({ code: "DMA_NO_BOUNCE_PAGES", bugCheck: [E6, 0x00, 2, needed, 0], routine, device: ao.device, message: `${routine}: ${text} (out of contiguous map registers: ${needed} needed)`, params: { needed, ...what } });
}

function record(ao: AdapterObject, file: MapRegisterFile | null, m: OpenMapping, pfns?: ArrayLike<number>): OpenMapping {
  if (file !== null) {
    file.mappings.push(m);
    file.registersInUse += m.registers;
    file.everMapped = true;
  } else {
    unregisteredMappings(ao).push(m);
  }
  notifyTransferMapped(ao.hal.observers.current, m, ao.device, m.logical, m.length, pfns);
  return m;
}

/** Copy `bytes` from the driver's buffer at `va` into bounce pages at `bounceVa`. */
function copyIn(ao: AdapterObject, va: number, bounceVa: number, bytes: number): void {
  const tmp = new Uint8Array(bytes);
  ao.kernel.va.read(va, tmp);
  ao.kernel.va.write(bounceVa, tmp);
}

/**
 * Map [va, va + len) of `mdl` (checked to lie inside it, locked) on a
 * grant's registers. Returns the mapping (its length may be less than `len`:
 * a scatter/gather master stops at the end of the contiguous run, system DMA
 * at what the channel can count) or null when nothing was mapped (reported).
 */
export function mapRun(ao: AdapterObject, routine: string, mdl: MDL, file: MapRegisterFile | null, va: number, len: number, writeToDevice: boolean): OpenMapping | null {
  if (alreadyMapped(ao, routine, file, mdl, va, len)) return null;
  const run = contiguousRun(mdl, va - mdl.StartVa, len);
  return ao.master ? mapMaster(ao, routine, mdl, file, va, len, run, writeToDevice) : mapSystem(ao, routine, mdl, file as MapRegisterFile, va, len, run, writeToDevice);
}

function mapSystem(ao: AdapterObject, routine: string, mdl: MDL, f: MapRegisterFile, va: number, len: number, run: { physical: number; bytes: number }, writeToDevice: boolean): OpenMapping | null {
  const k = ao.kernel;
  const ch = ao.dmaChannel;
  if (!holdsChannel(ao)) {
    k.report({ code: "DMA_CHANNEL_NOT_ALLOCATED", routine, device: ao.device, message: `${routine}: adapter ${ao.device} does not hold DMA channel ${ch} (AllocateAdapterChannel first)`, params: { channel: ch } });
    return null;
  }
  const max = ch >= 4 ? 0x20000 : 0x10000;
  let bytes = len;
  if (bytes > max) {
    k.report({ code: "DMA_TRANSFER_TOO_LONG", routine, device: ao.device, message: `${routine}: ${len} bytes is more than DMA channel ${ch} can count (${max}); only ${max} are programmed`, params: { length: len, maximum: max } });
    bytes = max;
  }
  // The channel runs one transfer: programming it again before the flush ends the previous one unflushed.
  if (f.mappings.length > 0) notFlushed(ao, routine, f, bytes, `DMA channel ${ch} is programmed again without FlushAdapterBuffers after the previous transfer`);
  let physical: number;
  let bounced = false;
  let registers = 0;
  let bounceOffset = 0;
  if (run.bytes >= bytes && channelCanReach(ch, run.physical, bytes)) {
    physical = run.physical;
  } else {
    const free = (f.count - f.bounceUsed) * PAGE;
    if (bytes > free) {
      if (f.mappings.length === 0) notFlushed(ao, routine, f, bytes, `${bytes} bytes need bouncing but the grant's map registers hold ${free}`);
      bytes = free;
    }
    const b = bouncePages(f);
    if (b === null || bytes === 0) {
      outOfRegisters(ao, routine, Math.ceil(len / PAGE), { channel: ch });
      return null;
    }
    if (writeToDevice && !checkSystemMapped(ao, routine, mdl)) return null;
    registers = Math.ceil(bytes / PAGE);
    bounceOffset = f.bounceUsed * PAGE;
    f.bounceUsed += registers;
    physical = b.pfn * PAGE + bounceOffset;
    bounced = true;
    if (ao.description.AutoInitialize) {
      // Windows bounces without a word; with auto-initialize the device then loops over a snapshot forever.
      k.report({ code: "DMA_AUTOINIT_BOUNCED", routine, device: ao.device, message: `${routine}: an auto-initialize transfer on channel ${ch} goes through map registers (the buffer is not reachable by the 8237): the device will replay a copy, and later writes to the buffer never reach it — use AllocateCommonBuffer`, params: { channel: ch, length: bytes } });
    }
    if (writeToDevice) copyIn(ao, va, b.va + bounceOffset, bytes);
  }
  programChannel(k, { channel: ch, physical, bytes, writeToDevice, autoInitialize: ao.description.AutoInitialize, demandMode: ao.description.DemandMode });
  return record(ao, f, { mdl, currentVa: va, length: bytes, writeToDevice, logical: physical, bounced, iova: null, registers, bounceOffset });
}

function mapMaster(ao: AdapterObject, routine: string, mdl: MDL, file: MapRegisterFile | null, va: number, len: number, run: { physical: number; bytes: number }, writeToDevice: boolean): OpenMapping | null {
  const k = ao.kernel;
  const sg = ao.scatterGather;
  let bytes = sg ? Math.min(run.bytes, len) : len;
  if (file !== null) {
    // Registers left since the last flush: a scatter/gather master maps what fits, a packet master all or nothing.
    const left = file.count - file.registersInUse;
    if (sg && ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, bytes) > left) bytes = Math.max(0, Math.min(bytes, left * PAGE - (va % PAGE)));
    if (bytes === 0 || ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, bytes) > left) {
      notFlushed(ao, routine, file, sg ? len : bytes, `${sg ? len : bytes} bytes from ${formatVa(va)} need more map registers than the ${left} left`);
      return null;
    }
  }
  const registers = file === null ? 0 : ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, bytes);
  const iommu = k.iommu;
  const off = va - mdl.StartVa;
  if (iommu !== null && ao.busMaster.domain >= 0) {
    // A remapped device: map the pages of the run (scatter/gather) or of the whole range into its domain.
    const firstPage = Math.floor(off / PAGE);
    const pages = Math.ceil(((off % PAGE) + bytes) / PAGE);
    const iova = iommu.allocateIova(ao.busMaster.domain, { pages, minAddress: 0, maxAddress: ao.reach.maxAddress, boundary: ao.reach.boundary });
    if (iova < 0) {
      k.report({ code: "DMA_NO_IOVA", routine, device: ao.device, message: `${routine}: no IOVA space for ${pages} pages in ${ao.device}'s domain`, params: { pages } });
      return null;
    }
    const pfns = mdl.pfns.subarray(firstPage, firstPage + pages);
    iommu.map(ao.busMaster.domain, iova, pfns, { read: true, write: !writeToDevice });
    return record(ao, file, { mdl, currentVa: va, length: bytes, writeToDevice, logical: iova + (off % PAGE), bounced: false, iova: [iova, pages], registers, bounceOffset: 0 }, pfns);
  }
  // Directly when the device reaches the run (a packet master needs the whole buffer in one run), else through the bounce pages.
  if ((sg || run.bytes >= len) && run.physical + bytes - 1 <= ao.reach.maxAddress) {
    return record(ao, file, { mdl, currentVa: va, length: bytes, writeToDevice, logical: run.physical, bounced: false, iova: null, registers, bounceOffset: 0 });
  }
  const need = Math.ceil(bytes / PAGE);
  const b = file === null ? null : bouncePages(file);
  if (file === null || b === null || file.bounceUsed + need > file.count) {
    outOfRegisters(ao, routine, need, { length: bytes });
    return null;
  }
  if (writeToDevice && !checkSystemMapped(ao, routine, mdl)) return null;
  const bounceOffset = file.bounceUsed * PAGE;
  file.bounceUsed += need;
  if (writeToDevice) copyIn(ao, va, b.va + bounceOffset, bytes);
  return record(ao, file, { mdl, currentVa: va, length: bytes, writeToDevice, logical: b.pfn * PAGE + bounceOffset, bounced: true, iova: null, registers, bounceOffset });
}

/**
 * Finish mappings at the flush: drop stale CPU lines after a non-coherent
 * device wrote memory, copy bounced device-to-memory data back (for system
 * DMA only what arrived in the last transfer: its length minus `channelLeft`,
 * unless IgnoreCount), then end each mapping (IOMMU translation, observer).
 */
export function finishMappings(ao: AdapterObject, file: MapRegisterFile | null, list: readonly OpenMapping[], writeToDevice: boolean, length: number, channelLeft: number): void {
  const k = ao.kernel;
  let budget = length;
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as OpenMapping;
    const bounce = m.bounced && file !== null ? file.bounce : null;
    if (!ao.busMaster.coherent && !writeToDevice) {
      if (bounce !== null) k.memorySystem.maintain(bounce.pfn * PAGE + m.bounceOffset, m.length, "invalidate");
      else maintainMdlRange(k, m.mdl, m.currentVa, m.length, "invalidate");
    }
    if (bounce !== null && !writeToDevice) {
      const last = i === list.length - 1;
      const want = Math.min(budget, m.length);
      const arrived = ao.master || ao.description.IgnoreCount || !last ? want : Math.max(0, want - channelLeft);
      if (arrived > 0) {
        const tmp = new Uint8Array(arrived);
        k.va.read(bounce.va + m.bounceOffset, tmp);
        k.va.write(m.currentVa, tmp);
      }
    }
    budget = Math.max(0, budget - m.length);
    if (file === null) {
      const open = unregisteredMappings(ao);
      const j = open.indexOf(m);
      if (j >= 0) open.splice(j, 1);
      unmapOpenMapping(ao, m);
    }
  }
}
