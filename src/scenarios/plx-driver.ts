/**
 * A KMDF driver for the PLX 9656 in the shape of Microsoft's PLX9x5x sample
 * (Windows-driver-samples general/PLX9x5x/sys: Init.c, Write.c, Read.c,
 * IsrDpc.c), written against dmasim's WDF as a user would write it:
 *
 *   EvtDriverDeviceAdd -> WdfDeviceCreate -> WdfInterruptCreate ->
 *   PLxInitializeDMA: WdfDeviceSetAlignmentRequirement(FILE_OCTA_ALIGNMENT),
 *   WdfDmaEnablerCreate(ScatterGather64Duplex, 8 KiB),
 *   WdfDmaEnablerSetMaximumScatterGatherElements, two WdfCommonBufferCreate
 *   rings of 3 DMA_TRANSFER_ELEMENTs, two WDFDMATRANSACTIONs.
 *
 * Writes use DMA channel 0, reads channel 1 (clear-count mode). EvtProgramDma
 * turns the scatter/gather list into transfer elements in the ring (through
 * the ring's VA), links them by logical address into the 28-bit DescPtr
 * field (LA.LowPart >> 4) and starts the channel; the ISR acknowledges the
 * channel; the DPC completes the fragment (reads: the transferred length is
 * the fragment length minus the residual counts the chip left in the ring).
 *
 * Differences from the sample:
 * - the rings are zeroed with RtlZeroDeviceMemory, not RtlZeroMemory: on
 *   ARM64 a non-coherent device's common buffer is Device memory, where
 *   memset-style routines may make unaligned accesses;
 * - `ringsFrom` (an option): the sample allocates its rings from the 64-bit enabler, but
 *   the chip's descriptor pointer holds only the low 32 bits of an address,
 *   so the rings must lie below 4 GiB. "transfer-enabler" is the sample as
 *   shipped (it works only while the rings happen to land below 4 GiB);
 *   "ring-enabler" (default) takes them from a second, 32-bit
 *   (WdfDmaProfileScatterGather) enabler so they always do.
 * - `dacChainLoad` (an option, default true): sets DMAMODE bit 18 so the chip takes each
 *   element's PciAddressHigh; the sample fills PciAddressHigh but leaves the
 *   bit clear, so data above 4 GiB would use DMADAC (never written, 0).
 */
import { BYTES_TO_PAGES, HighPart, LowPart, PAGE_SIZE, ROUND_TO_PAGES, type PHYSICAL_ADDRESS } from "../core/address.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import {
  DESC_PTR_FROM_DEVICE,
  DESC_PTR_LAST,
  DESC_PTR_PCI,
  DESC_PTR_TERM_COUNT_INT,
  DMACSR_CLEAR,
  DMACSR_DONE,
  DMACSR_ENABLE,
  DMACSR_START,
  DMAMODE_CLEAR_COUNT,
  DMAMODE_DAC_CHAIN_LOAD,
  DMAMODE_DONE_INT_ENABLE,
  DMAMODE_INT_TO_PCI,
  DMAMODE_SG_MODE,
  DTE_SIZE,
  INTCSR_DMA0_INT_ACTIVE,
  INTCSR_DMA0_INT_ENABLE,
  INTCSR_DMA1_INT_ACTIVE,
  INTCSR_DMA1_INT_ENABLE,
  INTCSR_PCI_INT_ENABLE,
  PLX_REG,
  PLX_SRAM_SIZE,
} from "../devices/plx9656.ts";
import type { SCATTER_GATHER_LIST } from "../hal/types.ts";
import { FILE_OCTA_ALIGNMENT } from "../kernel/device-object.ts";
import { RtlZeroDeviceMemory } from "../kernel/device-memory.ts";
import { MmMapIoSpaceEx, PAGE_NOCACHE, READ_REGISTER_UCHAR, READ_REGISTER_ULONG, WRITE_REGISTER_UCHAR, WRITE_REGISTER_ULONG } from "../kernel/io-space.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MDL } from "../kernel/mdl.ts";
import { CmResourceTypeMemory, descriptorsOfType, deviceResources } from "../kernel/resources.ts";
import { WdfCommonBuffer, WdfCommonBufferCreate, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetAlignedVirtualAddress } from "../wdf/common-buffer.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, WdfDeviceSetAlignmentRequirement, type WDFDEVICE_INIT } from "../wdf/device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "../wdf/driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WdfDmaDirectionReadFromDevice,
  WdfDmaDirectionWriteToDevice,
  type WDF_DMA_DIRECTION,
  WdfDmaEnabler,
  WdfDmaEnablerCreate,
  WdfDmaEnablerSetMaximumScatterGatherElements,
  WdfDmaProfileScatterGather,
  WdfDmaProfileScatterGather64Duplex,
} from "../wdf/dma-enabler.ts";
import {
  WdfDmaTransaction,
  WdfDmaTransactionCreate,
  WdfDmaTransactionDmaCompleted,
  WdfDmaTransactionDmaCompletedWithLength,
  WdfDmaTransactionExecute,
  WdfDmaTransactionGetBytesTransferred,
  WdfDmaTransactionGetCurrentDmaTransferLength,
  WdfDmaTransactionInitialize,
  WdfDmaTransactionRelease,
} from "../wdf/dma-transaction.ts";
import type { WdfDriverOptions } from "../wdf/globals.ts";
import { WDF_INTERRUPT_CONFIG_INIT, WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptCreate, WdfInterruptQueueDpcForIsr, WdfInterruptReleaseLock } from "../wdf/interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "../wdf/object.ts";
import { wdfStartDevice } from "../wdf/pnp-power.ts";

/** PCI9656_MAXIMUM_TRANSFER_LENGTH. */
export const PCI9656_MAXIMUM_TRANSFER_LENGTH = 8 * 1024;
/** STATUS_INVALID_BUFFER_SIZE (ntstatus.h), what the sample fails requests larger than SRAM with. */
export const STATUS_INVALID_BUFFER_SIZE = 0xc0000206;

export interface PlxDriverOptions {
  readonly ringsFrom?: "ring-enabler" | "transfer-enabler";
  readonly dacChainLoad?: boolean;
  readonly kmdf?: WdfDriverOptions;
}

/** One read or write the "application" sends (the sample's WDFREQUEST, reduced). */
export interface PlxRequest {
  readonly mdl: MDL;
  readonly va: number;
  readonly length: number;
  /** Called at DISPATCH_LEVEL from the DPC (or at once when the request fails). */
  readonly complete: (status: NTSTATUS, bytes: number) => void;
}

/** The sample's DEVICE_EXTENSION. */
export interface PlxDeviceExtension {
  readonly device: WdfDevice;
  readonly kernel: Kernel;
  /** BAR0 (the PCI9656_REGS window) mapped into system VA: what PLxPrepareHardware keeps as Regs. */
  readonly regs: number;
  interrupt: WdfInterrupt | null;
  dmaEnabler: WdfDmaEnabler | null;
  ringEnabler: WdfDmaEnabler | null;
  readonly maximumTransferLength: number;
  readonly readTransferElements: number;
  readonly writeTransferElements: number;
  readCommonBuffer: WdfCommonBuffer | null;
  writeCommonBuffer: WdfCommonBuffer | null;
  readCommonBufferBase: number;
  readCommonBufferBaseLA: PHYSICAL_ADDRESS;
  writeCommonBufferBase: number;
  writeCommonBufferBaseLA: PHYSICAL_ADDRESS;
  readDmaTransaction: WdfDmaTransaction | null;
  writeDmaTransaction: WdfDmaTransaction | null;
  /** Shadows the ISR keeps for the DPC. */
  intCsr: number;
  dma0Csr: number;
  dma1Csr: number;
  readRequest: PlxRequest | null;
  writeRequest: PlxRequest | null;
  /** Statistics. */
  interrupts: number;
  dpcs: number;
}

/** A loaded driver with its one device. */
export interface PlxDriver {
  readonly driver: WdfDriver;
  readonly ext: PlxDeviceExtension;
  readonly options: Required<Omit<PlxDriverOptions, "kmdf">>;
}

function readUlong(ext: PlxDeviceExtension, off: number): number {
  return READ_REGISTER_ULONG(ext.kernel, ext.regs + off);
}
function writeUlong(ext: PlxDeviceExtension, off: number, v: number): void {
  WRITE_REGISTER_ULONG(ext.kernel, ext.regs + off, v);
}

/** The length of BAR0 the sample looks for (sizeof the register block). */
const PLX_BAR0_LENGTH = 0x200;
const PAGE_READWRITE = 0x04;

/** PLxInitializeDeviceExtension's descriptor counts: BYTES_TO_PAGES(ROUND_TO_PAGES(max) + PAGE_SIZE). */
export function transferElementsFor(maximumTransferLength: number): number {
  return BYTES_TO_PAGES(ROUND_TO_PAGES(maximumTransferLength) + PAGE_SIZE);
}

/**
 * Load the driver and add its device over `pdoName` (the PnP manager's
 * AddDevice). As PLxPrepareHardware does, it finds BAR0 in the translated
 * resources (the 0x200-byte memory range) and maps it uncached
 * would map). Returns the driver or the failing status.
 */
export function loadPlxDriver(k: Kernel, pdoName: string, options: PlxDriverOptions = {}): PlxDriver | NTSTATUS {
  const opts = { ringsFrom: options.ringsFrom ?? "ring-enabler", dacChainLoad: options.dacChainLoad ?? true } as const;
  const bar0 = descriptorsOfType(deviceResources(k, pdoName).translated, CmResourceTypeMemory).find((d) => d.u.Memory?.Length === PLX_BAR0_LENGTH)?.u.Memory;
  if (bar0 === undefined) return STATUS.DEVICE_CONFIGURATION_ERROR;
  const regs = MmMapIoSpaceEx(k, bar0.Start, bar0.Length, PAGE_READWRITE | PAGE_NOCACHE);
  if (regs === null) return STATUS.INSUFFICIENT_RESOURCES;
  let ext: PlxDeviceExtension | null = null;
  const deviceAdd = (driver: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    const out: HandleOut<WdfDevice> = { value: null };
    let status = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT(), out);
    if (!NT_SUCCESS(status) || out.value === null) return status;
    const max = Math.min(PCI9656_MAXIMUM_TRANSFER_LENGTH, PLX_SRAM_SIZE);
    const n = transferElementsFor(max);
    const e: PlxDeviceExtension = {
      device: out.value,
      kernel: k,
      regs,
      interrupt: null,
      dmaEnabler: null,
      ringEnabler: null,
      maximumTransferLength: max,
      readTransferElements: n,
      writeTransferElements: n,
      readCommonBuffer: null,
      writeCommonBuffer: null,
      readCommonBufferBase: 0,
      readCommonBufferBaseLA: { QuadPart: 0n },
      writeCommonBufferBase: 0,
      writeCommonBufferBaseLA: { QuadPart: 0n },
      readDmaTransaction: null,
      writeDmaTransaction: null,
      intCsr: 0,
      dma0Csr: 0,
      dma1Csr: 0,
      readRequest: null,
      writeRequest: null,
      interrupts: 0,
      dpcs: 0,
    };
    out.value.context.ext = e;
    status = interruptCreate(e);
    if (!NT_SUCCESS(status)) return status;
    status = initializeDma(e, opts.ringsFrom);
    if (!NT_SUCCESS(status)) return status;
    ext = e;
    return STATUS.SUCCESS;
  };
  const drvOut: HandleOut<WdfDriver> = { value: null };
  const st = WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(deviceAdd), drvOut, { ...(options.kmdf ?? {}), name: "PLX9x5x" });
  if (!NT_SUCCESS(st) || drvOut.value === null) return st;
  const driver = drvOut.value;
  // The PnP manager calls AddDevice for the device's PDO.
  const r = wdfAddDevice(driver, pdoName);
  if (!NT_SUCCESS(r.status) || ext === null || r.device === null) return r.status;
  // Then IRP_MN_START_DEVICE: the framework connects the interrupt at D0 entry (EvtInterruptEnable).
  const started = wdfStartDevice(r.device);
  if (!NT_SUCCESS(started)) return started;
  return { driver, ext, options: opts };
}

/** PLxInterruptCreate. */
function interruptCreate(e: PlxDeviceExtension): NTSTATUS {
  const cfg = WDF_INTERRUPT_CONFIG_INIT((i) => isr(e, i), () => dpc(e));
  cfg.AutomaticSerialization = true;
  cfg.EvtInterruptEnable = () => {
    writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) | INTCSR_PCI_INT_ENABLE);
    return STATUS.SUCCESS;
  };
  cfg.EvtInterruptDisable = () => {
    writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) & ~INTCSR_PCI_INT_ENABLE);
    return STATUS.SUCCESS;
  };
  const out: HandleOut<WdfInterrupt> = { value: null };
  const st = WdfInterruptCreate(e.device, cfg, null, out);
  e.interrupt = out.value;
  return st;
}

/** PLxInitializeDMA. */
function initializeDma(e: PlxDeviceExtension, ringsFrom: "ring-enabler" | "transfer-enabler"): NTSTATUS {
  // The transfer elements must be 16-byte aligned: the low 4 bits of DescPtr are flags.
  WdfDeviceSetAlignmentRequirement(e.device, FILE_OCTA_ALIGNMENT);
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  let status = WdfDmaEnablerCreate(e.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64Duplex, e.maximumTransferLength), null, en);
  if (!NT_SUCCESS(status) || en.value === null) return status;
  e.dmaEnabler = en.value;
  WdfDmaEnablerSetMaximumScatterGatherElements(en.value, Math.min(e.readTransferElements, e.writeTransferElements));
  let ringSource = en.value;
  if (ringsFrom === "ring-enabler") {
    const ring: HandleOut<WdfDmaEnabler> = { value: null };
    status = WdfDmaEnablerCreate(e.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather, e.maximumTransferLength), null, ring);
    if (!NT_SUCCESS(status) || ring.value === null) return status;
    e.ringEnabler = ring.value;
    ringSource = ring.value;
  }
  const rb: HandleOut<WdfCommonBuffer> = { value: null };
  status = WdfCommonBufferCreate(ringSource, DTE_SIZE * e.readTransferElements, null, rb);
  if (!NT_SUCCESS(status) || rb.value === null) return status;
  e.readCommonBuffer = rb.value;
  e.readCommonBufferBase = WdfCommonBufferGetAlignedVirtualAddress(rb.value);
  e.readCommonBufferBaseLA = WdfCommonBufferGetAlignedLogicalAddress(rb.value);
  RtlZeroDeviceMemory(e.device.kernel, e.readCommonBufferBase, DTE_SIZE * e.readTransferElements);
  const wb: HandleOut<WdfCommonBuffer> = { value: null };
  status = WdfCommonBufferCreate(ringSource, DTE_SIZE * e.writeTransferElements, null, wb);
  if (!NT_SUCCESS(status) || wb.value === null) return status;
  e.writeCommonBuffer = wb.value;
  e.writeCommonBufferBase = WdfCommonBufferGetAlignedVirtualAddress(wb.value);
  e.writeCommonBufferBaseLA = WdfCommonBufferGetAlignedLogicalAddress(wb.value);
  RtlZeroDeviceMemory(e.device.kernel, e.writeCommonBufferBase, DTE_SIZE * e.writeTransferElements);
  const rt: HandleOut<WdfDmaTransaction> = { value: null };
  status = WdfDmaTransactionCreate(en.value, null, rt);
  if (!NT_SUCCESS(status)) return status;
  e.readDmaTransaction = rt.value;
  const wt: HandleOut<WdfDmaTransaction> = { value: null };
  status = WdfDmaTransactionCreate(en.value, null, wt);
  if (!NT_SUCCESS(status)) return status;
  e.writeDmaTransaction = wt.value;
  return STATUS.SUCCESS;
}

const dteBytes = new Uint8Array(DTE_SIZE);
const dteView = new DataView(dteBytes.buffer);

/** Fill the ring from the list: the body of PLxEvtProgramWriteDma / PLxEvtProgramReadDma up to starting the chip. */
function buildRing(e: PlxDeviceExtension, ringVa: number, ringLa: PHYSICAL_ADDRESS, tx: WdfDmaTransaction, sg: SCATTER_GATHER_LIST, fromDevice: boolean): void {
  const k = e.device.kernel;
  let offset = WdfDmaTransactionGetBytesTransferred(tx);
  // dteLA = LA.LowPart + sizeof(DTE), kept in a ULONG_PTR: the high part of the LA is gone from here on.
  let dteLA = LowPart(ringLa) + DTE_SIZE;
  let dteVA = ringVa;
  const n = sg.NumberOfElements;
  for (let i = 0; i < n; i++) {
    const el = sg.Elements[i] as SCATTER_GATHER_LIST["Elements"][number];
    dteView.setUint32(0, LowPart(el.Address), true);
    dteView.setUint32(4, offset >>> 0, true);
    dteView.setUint32(8, el.Length, true);
    // DescPtr: DescLocation = PCI, TermCountInt = FALSE, LastElement, direction, Address : 28 = dteLA >> 4.
    const last = i === n - 1;
    const desc = (((Math.floor(dteLA / 16) & 0x0fff_ffff) << 4) | DESC_PTR_PCI | (last ? DESC_PTR_LAST : 0) | (fromDevice ? DESC_PTR_FROM_DEVICE : 0)) >>> 0;
    dteView.setUint32(12, desc, true);
    dteView.setUint32(16, HighPart(el.Address), true);
    dteView.setUint32(20, 0, true);
    dteView.setUint32(24, 0, true);
    dteView.setUint32(28, 0, true);
    // The driver writes the element through the ring's VA, one ULONG at a time.
    k.va.write(dteVA, dteBytes, 4);
    offset += el.Length;
    dteVA += DTE_SIZE;
    dteLA += DTE_SIZE;
  }
}

/** Start channel `ch` on the ring at ringLa (under the interrupt lock). */
function startChannel(e: PlxDeviceExtension, ch: 0 | 1, ringLa: PHYSICAL_ADDRESS, dac: boolean): void {
  const interrupt = e.interrupt as WdfInterrupt;
  WdfInterruptAcquireLock(interrupt);
  const modeReg = ch === 0 ? PLX_REG.DMAMODE0 : PLX_REG.DMAMODE1;
  let mode = readUlong(e, modeReg) | DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI;
  if (ch === 1) mode |= DMAMODE_CLEAR_COUNT;
  if (dac) mode |= DMAMODE_DAC_CHAIN_LOAD;
  writeUlong(e, modeReg, mode);
  writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) | INTCSR_PCI_INT_ENABLE | (ch === 0 ? INTCSR_DMA0_INT_ENABLE : INTCSR_DMA1_INT_ENABLE));
  // DMADPR: the ring's LOGICAL address, low part only, in the 28-bit field.
  const dpr = (((Math.floor(LowPart(ringLa) / 16) & 0x0fff_ffff) << 4) | DESC_PTR_PCI | DESC_PTR_TERM_COUNT_INT) >>> 0;
  writeUlong(e, ch === 0 ? PLX_REG.DMADPR0 : PLX_REG.DMADPR1, dpr);
  const csrReg = ch === 0 ? PLX_REG.DMACSR0 : PLX_REG.DMACSR1;
  WRITE_REGISTER_UCHAR(e.kernel, e.regs + csrReg, READ_REGISTER_UCHAR(e.kernel, e.regs + csrReg) | DMACSR_ENABLE | DMACSR_START);
  WdfInterruptReleaseLock(interrupt);
}

function programDma(e: PlxDeviceExtension, dac: boolean): (tx: WdfDmaTransaction, dev: WdfDevice, ctx: unknown, dir: WDF_DMA_DIRECTION, sg: SCATTER_GATHER_LIST) => boolean {
  return (tx, _dev, _ctx, dir, sg) => {
    if (dir === WdfDmaDirectionWriteToDevice) {
      buildRing(e, e.writeCommonBufferBase, e.writeCommonBufferBaseLA, tx, sg, false);
      startChannel(e, 0, e.writeCommonBufferBaseLA, dac);
    } else {
      buildRing(e, e.readCommonBufferBase, e.readCommonBufferBaseLA, tx, sg, true);
      startChannel(e, 1, e.readCommonBufferBaseLA, dac);
    }
    return true;
  };
}

/** PLxEvtIoWrite / PLxEvtIoRead: initialize the transaction for the request and execute it. */
export function submit(drv: PlxDriver, direction: "read" | "write", request: PlxRequest): NTSTATUS {
  const e = drv.ext;
  const write = direction === "write";
  const tx = (write ? e.writeDmaTransaction : e.readDmaTransaction) as WdfDmaTransaction;
  let status: NTSTATUS;
  if (request.length > PLX_SRAM_SIZE) status = STATUS_INVALID_BUFFER_SIZE;
  else {
    status = WdfDmaTransactionInitialize(tx, programDma(e, drv.options.dacChainLoad), write ? WdfDmaDirectionWriteToDevice : WdfDmaDirectionReadFromDevice, request.mdl, request.va, request.length);
    if (NT_SUCCESS(status)) {
      if (write) e.writeRequest = request;
      else e.readRequest = request;
      status = WdfDmaTransactionExecute(tx, null);
    }
  }
  if (!NT_SUCCESS(status)) {
    if (write) e.writeRequest = null;
    else e.readRequest = null;
    WdfDmaTransactionRelease(tx);
    request.complete(status, 0);
  }
  return status;
}

/** PLxEvtInterruptIsr. */
function isr(e: PlxDeviceExtension, _interrupt: WdfInterrupt): boolean {
  const intCsr = readUlong(e, PLX_REG.INTCSR);
  let recognized = false;
  if ((intCsr & INTCSR_DMA0_INT_ACTIVE) !== 0) {
    e.intCsr |= INTCSR_DMA0_INT_ACTIVE;
    e.dma0Csr = READ_REGISTER_UCHAR(e.kernel, e.regs + PLX_REG.DMACSR0);
    WRITE_REGISTER_UCHAR(e.kernel, e.regs + PLX_REG.DMACSR0, e.dma0Csr | DMACSR_CLEAR);
    recognized = true;
  }
  if ((intCsr & INTCSR_DMA1_INT_ACTIVE) !== 0) {
    e.intCsr |= INTCSR_DMA1_INT_ACTIVE;
    e.dma1Csr = READ_REGISTER_UCHAR(e.kernel, e.regs + PLX_REG.DMACSR1);
    WRITE_REGISTER_UCHAR(e.kernel, e.regs + PLX_REG.DMACSR1, e.dma1Csr | DMACSR_CLEAR);
    recognized = true;
  }
  if (recognized) e.interrupts++;
  if (recognized && ((e.dma0Csr & DMACSR_DONE) !== 0 || (e.dma1Csr & DMACSR_DONE) !== 0)) WdfInterruptQueueDpcForIsr(e.interrupt as WdfInterrupt);
  return recognized;
}

/** PLxEvtInterruptDpc. */
function dpc(e: PlxDeviceExtension): void {
  const interrupt = e.interrupt as WdfInterrupt;
  const k = e.device.kernel;
  e.dpcs++;
  let writeDone = false;
  let readDone = false;
  WdfInterruptAcquireLock(interrupt);
  if ((e.intCsr & INTCSR_DMA0_INT_ACTIVE) !== 0 && (e.dma0Csr & DMACSR_DONE) !== 0) {
    e.intCsr &= ~INTCSR_DMA0_INT_ACTIVE;
    e.dma0Csr = 0;
    writeDone = true;
  }
  if ((e.intCsr & INTCSR_DMA1_INT_ACTIVE) !== 0 && (e.dma1Csr & DMACSR_DONE) !== 0) {
    e.intCsr &= ~INTCSR_DMA1_INT_ACTIVE;
    // The sample clears its Dma0Csr copy here (a copy-paste slip); the read channel's copy is the one that is done.
    e.dma1Csr = 0;
    readDone = true;
  }
  WdfInterruptReleaseLock(interrupt);
  if (writeDone) {
    const tx = e.writeDmaTransaction as WdfDmaTransaction;
    const status = { value: 0 };
    if (WdfDmaTransactionDmaCompleted(tx, status)) requestComplete(e, tx, "write", status.value);
  }
  if (readDone) {
    const tx = e.readDmaTransaction as WdfDmaTransaction;
    // Clear-count mode: the chip zeroes each element's TransferSize once done; what is left was not moved.
    let length = WdfDmaTransactionGetCurrentDmaTransferLength(tx);
    let dte = e.readCommonBufferBase;
    for (let i = 0; i < e.readTransferElements; i++, dte += DTE_SIZE) {
      length -= k.cpu.readU32(dte + 8);
      if ((k.cpu.readU32(dte + 12) & DESC_PTR_LAST) !== 0) break;
    }
    const status = { value: 0 };
    if (WdfDmaTransactionDmaCompletedWithLength(tx, Math.max(0, length), status)) requestComplete(e, tx, "read", status.value);
  }
}

/** PLxWriteRequestComplete / PLxReadRequestComplete. */
function requestComplete(e: PlxDeviceExtension, tx: WdfDmaTransaction, direction: "read" | "write", status: NTSTATUS): void {
  const req = direction === "write" ? e.writeRequest : e.readRequest;
  const bytes = WdfDmaTransactionGetBytesTransferred(tx);
  WdfDmaTransactionRelease(tx);
  if (direction === "write") e.writeRequest = null;
  else e.readRequest = null;
  req?.complete(status, bytes);
}

