/**
 * MapTransferEx, FlushAdapterBuffersEx and CancelMappedTransfer (version 3
 * table; DDI nc-wdm-pmap_transfer_ex, nc-wdm-pflush_adapter_buffers_ex,
 * nc-wdm-pcancel_mapped_transfer, nc-wdm-dma_completion_routine; KDOC
 * kernel/using-the-maptransferex-routine; KMDF fxdmatransactionpacket.hpp).
 *
 * MapTransferEx maps [Offset, Offset + *Length) of an MDL chain on a grant
 * of AllocateAdapterChannelEx and writes the scatter/gather list into the
 * caller's buffer:
 * - bus master: every run at once, as far as the grant's map registers and
 *   the buffer's elements go (*Length says how far; GetDmaTransferInfo gives
 *   the registers and buffer size for all of it). A bus master must pass a
 *   buffer, DeviceOffset 0 and no completion routine;
 * - system DMA: the 8237 has no scatter/gather, so one element per call (the
 *   buffer is optional); the channel is programmed as MapTransfer does. The
 *   PC's 8237 raises no completion interrupt, so the completion routine runs
 *   only when CancelMappedTransfer cancels the transfer (status
 *   DmaCancelled); DeviceOffset has no meaning on the 8237 and is ignored.
 * The HAL keeps the CPU caches right for a device that does not snoop
 * (cleaned before the transfer, invalidated at FlushAdapterBuffersEx), so
 * v3 drivers need no KeFlushIoBuffers.
 *
 * Statuses: STATUS_INVALID_PARAMETER for bad parameters (a buffer too small
 * for one element, a bus master without a buffer, a range the chain does not
 * describe), STATUS_INSUFFICIENT_RESOURCES when nothing can be mapped,
 * STATUS_CANCELLED after CancelMappedTransfer. Each MapTransferEx must be
 * followed by FlushAdapterBuffersEx before the next one (0xE6 / 0x0D
 * otherwise), also after a cancel; a system DMA flush of a transfer neither
 * at its terminal count nor cancelled is 0xE6 / 0x23.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from "../core/address.ts";
import { BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { MDL } from "../kernel/mdl.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { holdsChannel } from "./adapter-channel.ts";
import { checkBoolean, checkMdl, checkOutParam, checkRoutine, checkStruct, checkUlong, checkUlonglong } from "./args.ts";
import { finishMappings, mapRun, systemStep } from "./map-run.ts";
import { bouncePages, endMappings, type MapRegisterFile, type OpenMapping, unregisteredMappings } from "./map-registers.ts";
import { checkMapRegisterBase, grantOf, nothingMapped } from "./map-transfer.ts";
import { notifyTransferMapped } from "./observer.ts";
import { type ChainRange, chainRange, flushForDevice, listCapacity, planList, prefixRange, SG_ELEMENT_SIZE, SG_LIST_HEADER_SIZE } from "./sg-list.ts";
import { bytesLeft, maskChannel } from "./system-dma.ts";
import { contextOfFile, contextRecord, checkContextArgument } from "./transfer-context.ts";
import { type DMA_ADAPTER, type DMA_COMPLETION_ROUTINE, DmaCancelled, type DMA_TRANSFER_CONTEXT, type MapRegisterBase, type SCATTER_GATHER_ELEMENT, type SCATTER_GATHER_LIST, type ULONG_OUT } from "./types.ts";

const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;

function wrongKind(ao: AdapterObject, routine: string, what: string): void {
  ao.kernel.report({ code: "DMA_WRONG_ADAPTER_KIND", routine, device: ao.device, message: `${routine}: ${what}`, params: { master: ao.master } });
}

/** The longest prefix of `r` that fits `registers` map registers and `capacity` list elements (0 when not even one element fits). */
function fitting(ao: AdapterObject, r: ChainRange, registers: number, capacity: number): ChainRange | null {
  let length = r.length;
  if (registers !== Infinity) length = Math.min(length, Math.max(0, registers * PAGE_SIZE - (r.va % PAGE_SIZE)));
  if (length <= 0) return null;
  let cut = prefixRange(r, length);
  // Drop whole runs from the end until the elements fit the caller's buffer.
  while (planList(ao, cut).spans.length / 2 > capacity) {
    let n = 0;
    let at = 0;
    for (const p of cut.pieces) {
      if (at + p.length >= cut.length) break;
      at += p.length;
      n = at;
    }
    if (n === 0) return null;
    cut = prefixRange(cut, n);
  }
  return cut;
}

/** Map a bus master's range: one OpenMapping per piece (the first carries the IOVA range), the elements written to `sg`. */
function mapMasterEx(ao: AdapterObject, routine: string, file: MapRegisterFile | null, r: ChainRange, writeToDevice: boolean, sg: SCATTER_GATHER_LIST): NTSTATUS {
  const k = ao.kernel;
  const plan = planList(ao, r);
  const elements: SCATTER_GATHER_ELEMENT[] = [];
  const maps: OpenMapping[] = [];
  const registers = file === null ? 0 : ADDRESS_AND_SIZE_TO_SPAN_PAGES(r.va, r.length);
  let iova: readonly [number, number] | null = null;
  if (plan.strategy === "iommu") {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    const base = iommu.allocateIova(ao.busMaster.domain, { pages: plan.pfns.length, maxAddress: ao.reach.maxAddress, boundary: ao.reach.boundary });
    if (base < 0) {
      k.report({ code: "DMA_NO_IOVA", routine, device: ao.device, message: `${routine}: no IOVA space for ${plan.pfns.length} pages in ${ao.device}'s domain`, params: { pages: plan.pfns.length } });
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    iommu.map(ao.busMaster.domain, base, plan.pfns, { read: writeToDevice, write: !writeToDevice });
    iova = [base, plan.pfns.length];
    for (const e of plan.elements) elements.push({ Address: { QuadPart: BigInt(base + e.address) }, Length: e.length });
  } else if (plan.strategy === "direct") {
    for (const e of plan.elements) elements.push({ Address: { QuadPart: BigInt(e.address) }, Length: e.length });
  }
  let bounceVa = 0;
  let bouncePa = 0;
  if (plan.strategy === "bounce") {
    const pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(r.va, r.length);
    const b = file === null ? null : bouncePages(file);
    if (file === null || b === null || file.bounceUsed + pages > file.count) {
      k.report({ code: "DMA_NO_BOUNCE_PAGES", bugCheck: [E6, 0x00, 2, pages, 0], routine, device: ao.device, message: `${routine}: ${r.length} bytes need ${pages} contiguous map registers that are not available`, params: { needed: pages, length: r.length } });
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    bounceVa = b.va + file.bounceUsed * PAGE_SIZE + (r.va % PAGE_SIZE);
    bouncePa = b.pfn * PAGE_SIZE + file.bounceUsed * PAGE_SIZE + (r.va % PAGE_SIZE);
    file.bounceUsed += pages;
    elements.push({ Address: { QuadPart: BigInt(bouncePa) }, Length: r.length });
  }
  // One open mapping per piece: the flush copies back and invalidates piece by piece.
  let off = 0;
  let page = -1;
  let lastPfn = -1;
  for (let i = 0; i < r.pieces.length; i++) {
    const p = r.pieces[i] as NonNullable<(typeof r.pieces)[number]>;
    const bounced = plan.strategy === "bounce";
    if (bounced && writeToDevice) {
      const tmp = new Uint8Array(p.length);
      k.va.read(p.va, tmp);
      k.va.write(bounceVa + off, tmp);
    }
    // Under the IOMMU the pieces sit on consecutive IOVA pages in order (planList maps plan.pfns so).
    const pfn = Math.floor(p.pa / PAGE_SIZE);
    if (pfn !== lastPfn) page++;
    lastPfn = Math.floor((p.pa + p.length - 1) / PAGE_SIZE);
    const firstPage = page;
    page += lastPfn - pfn;
    const logical = bounced ? bouncePa + off : iova !== null ? iova[0] + firstPage * PAGE_SIZE + (p.pa % PAGE_SIZE) : p.pa;
    maps.push({ mdl: p.mdl, currentVa: p.va, length: p.length, writeToDevice, logical, bounced, iova: i === 0 ? iova : null, registers: i === 0 ? registers : 0, bounceOffset: bounced ? bounceVa - (file?.bounce?.va ?? 0) + off : 0 });
    off += p.length;
  }
  flushForDevice(ao, plan.strategy === "bounce" ? [bouncePa, r.length] : r.runs, writeToDevice, "before");
  const key = maps[0] as OpenMapping;
  if (file !== null) {
    file.mappings.push(...maps);
    file.registersInUse += registers;
    file.everMapped = true;
  } else {
    unregisteredMappings(ao).push(...maps);
  }
  // The device may touch the elements until FlushAdapterBuffersEx (the observer's key is the first piece's mapping).
  const o = ao.hal.observers.current;
  for (let i = 0; i < elements.length && o !== null; i++) {
    const e = elements[i] as SCATTER_GATHER_ELEMENT;
    if (iova === null) notifyTransferMapped(o, key, ao.device, Number(e.Address.QuadPart), e.Length);
    else {
      const rel = (plan.elements[i] as { address: number }).address;
      notifyTransferMapped(o, key, ao.device, Number(e.Address.QuadPart), e.Length, plan.pfns.slice(Math.floor(rel / PAGE_SIZE), Math.floor((rel + e.Length - 1) / PAGE_SIZE) + 1));
    }
  }
  sg.Elements = elements;
  sg.NumberOfElements = elements.length;
  return STATUS.SUCCESS;
}

/**
 * MapTransferEx(DmaAdapter, Mdl, MapRegisterBase, Offset, DeviceOffset,
 * Length, WriteToDevice, ScatterGatherBuffer, ScatterGatherBufferLength,
 * DmaCompletionRoutine, CompletionContext) (<= DISPATCH_LEVEL).
 */
export function MapTransferEx(DmaAdapter: DMA_ADAPTER, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, DeviceOffset: number, Length: ULONG_OUT, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST | null, ScatterGatherBufferLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown): NTSTATUS {
  const routine = "MapTransferEx";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkMapRegisterBase(MapRegisterBase, routine);
  checkUlonglong(Offset, routine, "Offset");
  checkUlong(DeviceOffset, routine, "DeviceOffset");
  checkOutParam(Length, routine, "Length");
  checkUlong(Length.value, routine, "*Length");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  checkStruct(ScatterGatherBuffer, routine, "ScatterGatherBuffer", true);
  checkUlong(ScatterGatherBufferLength, routine, "ScatterGatherBufferLength");
  checkRoutine(DmaCompletionRoutine, routine, "DmaCompletionRoutine", true);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (ao.master) {
    if (DmaCompletionRoutine !== null) {
      wrongKind(ao, routine, "a DMA completion routine is for system DMA; a bus-master adapter must pass NULL");
      return STATUS.INVALID_PARAMETER;
    }
    if (ScatterGatherBuffer === null || DeviceOffset !== 0) return STATUS.INVALID_PARAMETER;
  }
  // One element needs no HAL scratch: KMDF's packet path passes exactly a header and one element and asserts MapTransferEx never fails (fxdmatransactionpacket.hpp).
  if (ScatterGatherBuffer !== null && ScatterGatherBufferLength < SG_LIST_HEADER_SIZE + SG_ELEMENT_SIZE) return STATUS.INVALID_PARAMETER;
  const len = Length.value;
  if (len === 0) {
    k.report({ code: "DMA_ZERO_LENGTH_MAP", bugCheck: [E6, 0x21, 0, 0, 0], routine, device: ao.device, message: `${routine}: a request to map 0 bytes`, params: {} });
    return STATUS.INVALID_PARAMETER;
  }
  const grant = grantOf(ao, routine, MapRegisterBase);
  if (grant === null) return STATUS.INVALID_PARAMETER;
  const file = grant.file;
  const rec = file === null ? undefined : contextOfFile(file);
  if (rec?.mappedCancelled === true) return STATUS.CANCELLED;
  const r = chainRange(ao, routine, Mdl, Offset, len);
  if (r === null) return STATUS.INVALID_PARAMETER;
  if (file !== null && file.mappings.length > 0) {
    const mapped = file.mappings.reduce((n, m) => n + m.length, 0) + len;
    k.report({ code: "DMA_BUFFERS_NOT_FLUSHED", bugCheck: [E6, 0x0d, mapped, file.count * PAGE_SIZE, 0], routine, device: ao.device, message: `${routine}: MapTransferEx again without FlushAdapterBuffersEx after the previous one (${mapped} bytes mapped since the last flush)`, params: { mapped, maximum: file.count * PAGE_SIZE } });
  }
  if (!ao.master) {
    const p = r.pieces[0] as NonNullable<(typeof r.pieces)[number]>;
    // As much as one programming of the channel moves (a shorter *Length is MapTransferEx's normal answer, not misuse).
    const step = file === null ? 0 : systemStep(ao, p.mdl, p.va, p.length, file.count - file.bounceUsed);
    if (step === 0) return STATUS.INSUFFICIENT_RESOURCES;
    const m = mapRun(ao, routine, p.mdl, file, p.va, step, WriteToDevice);
    if (m === null) return holdsChannel(ao) ? STATUS.INSUFFICIENT_RESOURCES : STATUS.INVALID_PARAMETER;
    Length.value = m.length;
    if (rec !== undefined) rec.completion = DmaCompletionRoutine === null ? null : { routine: DmaCompletionRoutine, context: CompletionContext };
    if (ScatterGatherBuffer !== null) {
      ScatterGatherBuffer.Elements = [{ Address: { QuadPart: BigInt(m.logical) }, Length: m.length }];
      ScatterGatherBuffer.NumberOfElements = 1;
    }
    return STATUS.SUCCESS;
  }
  const capacity = Math.max(1, listCapacity(ScatterGatherBufferLength));
  const registers = file === null ? Infinity : file.count - file.registersInUse;
  const cut = fitting(ao, r, registers, capacity);
  if (cut === null) return STATUS.INSUFFICIENT_RESOURCES;
  const st = mapMasterEx(ao, routine, file, cut, WriteToDevice, ScatterGatherBuffer as SCATTER_GATHER_LIST);
  if (st === STATUS.SUCCESS) Length.value = cut.length;
  return st;
}

/** Whether a (non-auto-initialize) system DMA transfer reached its terminal count. */
function channelDone(ao: AdapterObject): boolean {
  return !ao.description.AutoInitialize && holdsChannel(ao) && bytesLeft(ao) === 0;
}

/**
 * FlushAdapterBuffersEx(DmaAdapter, Mdl, MapRegisterBase, Offset, Length,
 * WriteToDevice) (<= DISPATCH_LEVEL): ends the grant's mappings (copies
 * bounced data back, invalidates a non-snooping device's lines after a read;
 * for system DMA masks the channel, taking only what arrived). STATUS_SUCCESS;
 * STATUS_INVALID_PARAMETER when nothing is mapped there (0xE6 / 0x16 or
 * 0x20) or the range is not the chain's.
 */
export function FlushAdapterBuffersEx(DmaAdapter: DMA_ADAPTER, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, Length: number, WriteToDevice: boolean): NTSTATUS {
  const routine = "FlushAdapterBuffersEx";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkMapRegisterBase(MapRegisterBase, routine);
  checkUlonglong(Offset, routine, "Offset");
  checkUlong(Length, routine, "Length");
  checkBoolean(WriteToDevice, routine, "WriteToDevice");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  const grant = grantOf(ao, routine, MapRegisterBase);
  if (grant === null) return STATUS.INVALID_PARAMETER;
  const file = grant.file;
  let left = 0;
  if (!ao.master) {
    const rec = file === null ? undefined : contextOfFile(file);
    if (file !== null && file.mappings.length > 0 && rec?.mappedCancelled !== true && !channelDone(ao)) {
      const ch = ao.dmaChannel;
      k.report({ code: "DMA_FLUSH_CHANNEL_NOT_DONE", bugCheck: [E6, 0x23, 0, ch < 4 ? 1 : 2, ch], routine, device: ao.device, message: `${routine}: the transfer on DMA channel ${ch} has neither reached its terminal count nor been cancelled (CancelMappedTransfer first)`, params: { controller: ch < 4 ? 1 : 2, channel: ch } });
    }
    left = holdsChannel(ao) ? bytesLeft(ao) : 0;
    maskChannel(k, ao.dmaChannel);
  }
  const r = Length === 0 ? null : chainRange(ao, routine, Mdl, Offset, Length);
  if (r === null) return STATUS.INVALID_PARAMETER;
  const list: OpenMapping[] = file !== null ? [...file.mappings] : unregisteredMappings(ao).filter((m) => r.pieces.some((p) => p.mdl === m.mdl && m.currentVa >= p.va && m.currentVa < p.va + p.length));
  if (list.length === 0) {
    nothingMapped(ao, routine, file, Mdl, r.va);
    return STATUS.INVALID_PARAMETER;
  }
  finishMappings(ao, file, list, WriteToDevice, Length, left);
  if (file !== null) endMappings(file);
  return STATUS.SUCCESS;
}

/**
 * CancelMappedTransfer(DmaAdapter, DmaTransferContext) (<= DISPATCH_LEVEL):
 * cancels the system DMA transfer mapped under the context's grant: the
 * channel is masked, no further MapTransferEx under the context
 * (STATUS_CANCELLED), and the transfer's completion routine runs at
 * DISPATCH_LEVEL with DmaCancelled. STATUS_SUCCESS; STATUS_INVALID_PARAMETER
 * for a context with no grant; STATUS_NOT_SUPPORTED on a bus master.
 */
export function CancelMappedTransfer(DmaAdapter: DMA_ADAPTER, DmaTransferContext: DMA_TRANSFER_CONTEXT): NTSTATUS {
  const routine = "CancelMappedTransfer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkContextArgument(DmaTransferContext, routine);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (ao.master) {
    wrongKind(ao, routine, "CancelMappedTransfer cancels a system DMA transfer; this is a bus-master adapter");
    return STATUS.NOT_SUPPORTED;
  }
  const rec = contextRecord(DmaTransferContext);
  if (rec === undefined || rec.adapter !== ao || rec.file === null) return STATUS.INVALID_PARAMETER;
  rec.mappedCancelled = true;
  if (holdsChannel(ao)) maskChannel(k, ao.dmaChannel);
  const c = rec.completion;
  rec.completion = null;
  if (c !== null && rec.device !== null) {
    const device = rec.device;
    k.atLeastIrql(DISPATCH_LEVEL, () => c.routine(ao.dma, device, c.context, DmaCancelled));
  }
  return STATUS.SUCCESS;
}
