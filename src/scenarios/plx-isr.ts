/**
 * The PLX9x5x-style driver's interrupt (the sample's IsrDpc.c): the ISR
 * acknowledges the channel that finished and queues the DPC; the DPC tells
 * the transaction its fragment is done (reads: the length moved is the
 * fragment's minus the residual counts the chip left in the ring in
 * clear-count mode) and completes the request when the transaction is.
 * EvtInterruptEnable / Disable set and clear INTCSR's PCI interrupt enable.
 */
import { type NTSTATUS, STATUS } from "../core/ntstatus.ts";
import { DESC_PTR_LAST, DMACSR_ABORT, DMACSR_CLEAR, DMACSR_DONE, DMACSR_ENABLE, DTE_SIZE, INTCSR_DMA0_INT_ACTIVE, INTCSR_DMA1_INT_ACTIVE, INTCSR_PCI_INT_ENABLE, PLX_REG } from "../devices/plx9656.ts";
import { READ_REGISTER_UCHAR, WRITE_REGISTER_UCHAR } from "../kernel/io-space.ts";
import {
  type WdfDmaTransaction,
  WdfDmaTransactionDmaCompleted,
  WdfDmaTransactionDmaCompletedFinal,
  WdfDmaTransactionDmaCompletedWithLength,
  WdfDmaTransactionGetBytesTransferred,
  WdfDmaTransactionGetCurrentDmaTransferLength,
  WdfDmaTransactionRelease,
} from "../wdf/dma-transaction.ts";
import { type WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptGetDevice, WdfInterruptQueueDpcForIsr, WdfInterruptReleaseLock } from "../wdf/interrupt.ts";
import { WdfDmaTransactionGetRequest } from "../wdf/dma-transaction-request.ts";
import { WdfRequestCompleteWithInformation } from "../wdf/request.ts";
import { plxContext, type PlxDeviceExtension, readUlong, writeUlong } from "./plx-device.ts";

/** PLxEvtInterruptIsr. */
export function PLxEvtInterruptIsr(Interrupt: WdfInterrupt, _MessageID: number): boolean {
  const e = plxContext(WdfInterruptGetDevice(Interrupt));
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
  if (recognized && ((e.dma0Csr & DMACSR_DONE) !== 0 || (e.dma1Csr & DMACSR_DONE) !== 0)) WdfInterruptQueueDpcForIsr(Interrupt);
  return recognized;
}

/** The status out-parameter of the DPC's WdfDmaTransactionDmaCompleted* calls (a C driver's local): read right after each call. */
const dmaStatus = { value: 0 as NTSTATUS };

/** PLxEvtInterruptDpc. */
export function PLxEvtInterruptDpc(Interrupt: WdfInterrupt): void {
  const e = plxContext(WdfInterruptGetDevice(Interrupt));
  const k = e.kernel;
  e.dpcs++;
  let writeDone = false;
  let readDone = false;
  WdfInterruptAcquireLock(Interrupt);
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
  WdfInterruptReleaseLock(Interrupt);
  if (writeDone && e.writeRequest !== null) {
    const tx = e.writeDmaTransaction as WdfDmaTransaction;
    dmaStatus.value = 0;
    if (WdfDmaTransactionDmaCompleted(tx, dmaStatus)) requestComplete(e, "write", dmaStatus.value);
  }
  if (readDone && e.readRequest !== null) {
    const tx = e.readDmaTransaction as WdfDmaTransaction;
    // Clear-count mode: the chip zeroes each element's TransferSize once done; what is left was not moved.
    let length = WdfDmaTransactionGetCurrentDmaTransferLength(tx);
    let dte = e.readCommonBufferBase;
    for (let i = 0; i < e.readTransferElements; i++, dte += DTE_SIZE) {
      length -= k.cpu.readU32(dte + 8);
      if ((k.cpu.readU32(dte + 12) & DESC_PTR_LAST) !== 0) break;
    }
    dmaStatus.value = 0;
    if (WdfDmaTransactionDmaCompletedWithLength(tx, Math.max(0, length), dmaStatus)) requestComplete(e, "read", dmaStatus.value);
  }
}

/**
 * PLxWriteRequestComplete / PLxReadRequestComplete: release the transaction
 * and complete its request with the bytes transferred.
 */
export function requestComplete(e: PlxDeviceExtension, direction: "read" | "write", status: NTSTATUS): void {
  const write = direction === "write";
  const tx = (write ? e.writeDmaTransaction : e.readDmaTransaction) as WdfDmaTransaction;
  // The request the transaction was initialized from (PLxReadRequestComplete's WdfDmaTransactionGetRequest).
  const request = WdfDmaTransactionGetRequest(tx);
  if (request === null) return;
  const bytes = WdfDmaTransactionGetBytesTransferred(tx);
  WdfDmaTransactionRelease(tx);
  if (write) e.writeRequest = null;
  else e.readRequest = null;
  WdfRequestCompleteWithInformation(request, status, bytes);
  if (write && e.options.bug === "double-complete") WdfRequestCompleteWithInformation(request, status, bytes);
}

/**
 * Stop a channel that is still working for its request (<= DIRQL, under the
 * interrupt lock when called with it): abort it, acknowledge what the abort
 * left, and end the transaction with what was moved so far
 * (WdfDmaTransactionDmaCompletedFinal) and release it. The request stays
 * with whoever owns it. True when the channel had a request.
 */
export function abortChannel(e: PlxDeviceExtension, direction: "read" | "write", touchHardware: boolean): boolean {
  const write = direction === "write";
  const request = write ? e.writeRequest : e.readRequest;
  if (request === null) return false;
  if (touchHardware && e.regs !== 0) {
    const csr = write ? PLX_REG.DMACSR0 : PLX_REG.DMACSR1;
    WRITE_REGISTER_UCHAR(e.kernel, e.regs + csr, DMACSR_ENABLE | DMACSR_ABORT);
    WRITE_REGISTER_UCHAR(e.kernel, e.regs + csr, DMACSR_CLEAR);
  }
  const tx = (write ? e.writeDmaTransaction : e.readDmaTransaction) as WdfDmaTransaction;
  const status = { value: STATUS.SUCCESS };
  WdfDmaTransactionDmaCompletedFinal(tx, 0, status);
  WdfDmaTransactionRelease(tx);
  if (write) e.writeRequest = null;
  else e.readRequest = null;
  return true;
}

/** PLxEvtInterruptEnable (DIRQL). */
export function PLxEvtInterruptEnable(Interrupt: WdfInterrupt): NTSTATUS {
  const e = plxContext(WdfInterruptGetDevice(Interrupt));
  writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) | INTCSR_PCI_INT_ENABLE);
  return STATUS.SUCCESS;
}

/** PLxEvtInterruptDisable (DIRQL). */
export function PLxEvtInterruptDisable(Interrupt: WdfInterrupt): NTSTATUS {
  const e = plxContext(WdfInterruptGetDevice(Interrupt));
  writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) & ~INTCSR_PCI_INT_ENABLE);
  return STATUS.SUCCESS;
}
