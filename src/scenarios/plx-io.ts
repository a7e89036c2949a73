/**
 * The PLX9x5x-style driver's queue callbacks (the sample's Write.c and
 * Read.c): EvtIoWrite / EvtIoRead turn a request into the channel's DMA
 * transaction (WdfDmaTransactionInitializeUsingRequest, as the sample's
 * reads and its ASSOC_WRITE_REQUEST_WITH_DMA_TRANSACTION writes do) and
 * execute it; EvtProgramDma writes the scatter/gather list
 * into the channel's ring of transfer elements (through the ring's VA),
 * links them by logical address into the 28-bit DescPtr field
 * (LA.LowPart >> 4) and starts the channel. Writes use channel 0, reads
 * channel 1 (clear-count mode). A request longer than the SRAM fails with
 * STATUS_INVALID_BUFFER_SIZE; the data goes to (and comes from) SRAM offset 0.
 *
 * EvtIoStop (which the sample does not have, see plx-device.ts's
 * "no-io-stop"): for a stop (WdfRequestStopActionSuspend) the request goes
 * back to its queue (WdfRequestStopAcknowledge, Requeue TRUE) and
 * EvtDeviceD0Exit aborts the channel; after the restart the queue presents
 * it again and it is done from the start. After a surprise removal the chip
 * will never interrupt again: the transaction is ended and the request
 * completed with STATUS_DEVICE_REMOVED. For a purge (removal) the request is
 * completed with STATUS_DEVICE_REMOVED too.
 */
import { HighPart, LowPart, type PHYSICAL_ADDRESS } from "../core/address.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import {
  DESC_PTR_FROM_DEVICE,
  DESC_PTR_LAST,
  DESC_PTR_PCI,
  DESC_PTR_TERM_COUNT_INT,
  DMACSR_ENABLE,
  DMACSR_START,
  DMAMODE_CLEAR_COUNT,
  DMAMODE_DAC_CHAIN_LOAD,
  DMAMODE_DONE_INT_ENABLE,
  DMAMODE_INT_TO_PCI,
  DMAMODE_SG_MODE,
  DTE_SIZE,
  INTCSR_DMA0_INT_ENABLE,
  INTCSR_DMA1_INT_ENABLE,
  INTCSR_PCI_INT_ENABLE,
  PLX_REG,
  PLX_SRAM_SIZE,
} from "../devices/plx9656.ts";
import type { SCATTER_GATHER_LIST } from "../hal/types.ts";
import { READ_REGISTER_UCHAR, WRITE_REGISTER_UCHAR } from "../kernel/io-space.ts";
import type { WdfDevice } from "../wdf/device.ts";
import { WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION } from "../wdf/dma-enabler.ts";
import { type WdfDmaTransaction, WdfDmaTransactionExecute, WdfDmaTransactionGetBytesTransferred, WdfDmaTransactionRelease } from "../wdf/dma-transaction.ts";
import { WdfDmaTransactionGetRequest, WdfDmaTransactionInitializeUsingRequest } from "../wdf/dma-transaction-request.ts";
import { type WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptReleaseLock } from "../wdf/interrupt.ts";
import { type WdfIoQueue, WdfIoQueueGetDevice, WdfRequestStopAcknowledge, WdfRequestStopActionPurge } from "../wdf/queue.ts";
import { WdfRequestComplete, WdfRequestCompleteWithInformation, type WdfRequest } from "../wdf/request.ts";
import { plxContext, type PlxDeviceExtension, readUlong, STATUS_INVALID_BUFFER_SIZE, writeUlong } from "./plx-device.ts";
import { abortChannel } from "./plx-isr.ts";

/** PLxEvtIoWrite. */
export function PLxEvtIoWrite(Queue: WdfIoQueue, Request: WdfRequest, Length: number): void {
  startRequest(plxContext(WdfIoQueueGetDevice(Queue)), Request, Length, "write");
}

/** PLxEvtIoRead. */
export function PLxEvtIoRead(Queue: WdfIoQueue, Request: WdfRequest, Length: number): void {
  startRequest(plxContext(WdfIoQueueGetDevice(Queue)), Request, Length, "read");
}

function startRequest(e: PlxDeviceExtension, Request: WdfRequest, Length: number, direction: "read" | "write"): void {
  const write = direction === "write";
  const tx = (write ? e.writeDmaTransaction : e.readDmaTransaction) as WdfDmaTransaction;
  let status: NTSTATUS;
  if (Length > PLX_SRAM_SIZE) status = STATUS_INVALID_BUFFER_SIZE;
  else {
    // The transaction over the request's buffer (direct I/O: the MDL of the application's locked pages).
    status = WdfDmaTransactionInitializeUsingRequest(tx, Request, PLxEvtProgramDma, write ? WdfDmaDirectionWriteToDevice : WdfDmaDirectionReadFromDevice);
    if (NT_SUCCESS(status)) {
      // The channel's request, as WdfDmaTransactionGetRequest gives it (EvtIoStop and D0Exit need to know whose it is).
      if (write) e.writeRequest = WdfDmaTransactionGetRequest(tx);
      else e.readRequest = WdfDmaTransactionGetRequest(tx);
      status = WdfDmaTransactionExecute(tx, null);
    }
  }
  if (!NT_SUCCESS(status)) {
    if (write) e.writeRequest = null;
    else e.readRequest = null;
    WdfDmaTransactionRelease(tx);
    WdfRequestComplete(Request, status);
  }
}

/** LA.LowPart and LA.HighPart (the C driver's fields) in number arithmetic when the address is a safe integer (every simulated one), else by LowPart / HighPart. */
function lowPart(pa: PHYSICAL_ADDRESS): number {
  const q = pa.QuadPart;
  // ToUint32 (>>> 0) of an integer below 2^53 is its low 32 bits exactly, without a floating-point remainder.
  return q >= 0n && q <= 0x1f_ffff_ffff_ffffn ? Number(q) >>> 0 : LowPart(pa);
}
function highPart(pa: PHYSICAL_ADDRESS): number {
  const q = pa.QuadPart;
  return q >= 0n && q <= 0x1f_ffff_ffff_ffffn ? Math.floor(Number(q) / 0x1_0000_0000) : HighPart(pa);
}

const dteBytes = new Uint8Array(DTE_SIZE);
const dteView = new DataView(dteBytes.buffer);

/** Fill the ring from the list: the body of PLxEvtProgramWriteDma / PLxEvtProgramReadDma up to starting the chip. */
function buildRing(e: PlxDeviceExtension, ringVa: number, ringLa: PHYSICAL_ADDRESS, tx: WdfDmaTransaction, sg: SCATTER_GATHER_LIST, fromDevice: boolean): void {
  const k = e.kernel;
  let offset = WdfDmaTransactionGetBytesTransferred(tx);
  // dteLA = LA.LowPart + sizeof(DTE), kept in a ULONG_PTR: the high part of the LA is gone from here on.
  let dteLA = lowPart(ringLa) + DTE_SIZE;
  let dteVA = ringVa;
  const n = sg.NumberOfElements;
  for (let i = 0; i < n; i++) {
    const el = sg.Elements[i] as SCATTER_GATHER_LIST["Elements"][number];
    dteView.setUint32(0, lowPart(el.Address), true);
    dteView.setUint32(4, offset >>> 0, true);
    dteView.setUint32(8, el.Length, true);
    // DescPtr: DescLocation = PCI, TermCountInt = FALSE, LastElement, direction, Address : 28 = dteLA >> 4.
    const last = i === n - 1;
    const desc = (((Math.floor(dteLA / 16) & 0x0fff_ffff) << 4) | DESC_PTR_PCI | (last ? DESC_PTR_LAST : 0) | (fromDevice ? DESC_PTR_FROM_DEVICE : 0)) >>> 0;
    dteView.setUint32(12, desc, true);
    dteView.setUint32(16, highPart(el.Address), true);
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
function startChannel(e: PlxDeviceExtension, ch: 0 | 1, ringLa: PHYSICAL_ADDRESS): void {
  const interrupt = e.interrupt as WdfInterrupt;
  WdfInterruptAcquireLock(interrupt);
  const modeReg = ch === 0 ? PLX_REG.DMAMODE0 : PLX_REG.DMAMODE1;
  let mode = readUlong(e, modeReg) | DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI;
  if (ch === 1) mode |= DMAMODE_CLEAR_COUNT;
  if (e.options.dacChainLoad) mode |= DMAMODE_DAC_CHAIN_LOAD;
  writeUlong(e, modeReg, mode);
  writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) | INTCSR_PCI_INT_ENABLE | (ch === 0 ? INTCSR_DMA0_INT_ENABLE : INTCSR_DMA1_INT_ENABLE));
  // DMADPR: the ring's LOGICAL address, low part only, in the 28-bit field.
  const dpr = (((Math.floor(lowPart(ringLa) / 16) & 0x0fff_ffff) << 4) | DESC_PTR_PCI | DESC_PTR_TERM_COUNT_INT) >>> 0;
  writeUlong(e, ch === 0 ? PLX_REG.DMADPR0 : PLX_REG.DMADPR1, dpr);
  const csrReg = ch === 0 ? PLX_REG.DMACSR0 : PLX_REG.DMACSR1;
  WRITE_REGISTER_UCHAR(e.kernel, e.regs + csrReg, READ_REGISTER_UCHAR(e.kernel, e.regs + csrReg) | DMACSR_ENABLE | DMACSR_START);
  WdfInterruptReleaseLock(interrupt);
}

/** PLxEvtProgramWriteDma / PLxEvtProgramReadDma (DISPATCH_LEVEL). */
export function PLxEvtProgramDma(Transaction: WdfDmaTransaction, Device: WdfDevice, _Context: unknown, Direction: WDF_DMA_DIRECTION, SgList: SCATTER_GATHER_LIST): boolean {
  const e = plxContext(Device);
  if (Direction === WdfDmaDirectionWriteToDevice) {
    buildRing(e, e.writeCommonBufferBase, e.writeCommonBufferBaseLA, Transaction, SgList, false);
    startChannel(e, 0, e.writeCommonBufferBaseLA);
  } else {
    buildRing(e, e.readCommonBufferBase, e.readCommonBufferBaseLA, Transaction, SgList, true);
    startChannel(e, 1, e.readCommonBufferBaseLA);
  }
  return true;
}

/**
 * PLxEvtIoStop (read and write queues): the framework is taking the device
 * out of D0 (suspend) or purging the queues (removal) while the driver owns
 * `Request`.
 */
export function PLxEvtIoStop(Queue: WdfIoQueue, Request: WdfRequest, ActionFlags: number): void {
  const e = plxContext(WdfIoQueueGetDevice(Queue));
  const direction = Request === e.writeRequest ? "write" : Request === e.readRequest ? "read" : null;
  if (e.surpriseRemoved || (ActionFlags & WdfRequestStopActionPurge) !== 0) {
    // No interrupt will come for it: end the transfer here (the hardware, if still there, is stopped too).
    if (direction !== null) abortChannel(e, direction, !e.surpriseRemoved);
    WdfRequestCompleteWithInformation(Request, STATUS.DEVICE_REMOVED, 0);
    return;
  }
  // A stop for a rebalance or a power-down: back to the queue; EvtDeviceD0Exit stops the channel, the restart redoes it.
  e.requeued++;
  WdfRequestStopAcknowledge(Request, true);
}
