/**
 * The e1000 driver's I/O: an application sends a frame with WriteFile and
 * receives one with ReadFile (direct I/O: the request's buffer is the
 * application's locked pages, at their system address).
 *
 * - Sends: a parallel queue presents at most (txDescriptors - 1) / 2 writes
 *   (a frame of up to 1514 bytes crosses at most one page boundary, so it
 *   takes one or two descriptors; one descriptor stays free: TDT catching up
 *   with TDH would read as an empty ring). EvtIoWrite turns the write into a
 *   DMA transaction over its buffer (WdfDmaTransactionInitializeUsingRequest)
 *   and executes it; EvtProgramDma puts each scatter/gather element in a TX
 *   descriptor (EOP | RS on the last, IFCS) and rings the doorbell: the chip
 *   reads the frame from the application's pages. The DPC ends the
 *   transaction and completes the write when the chip wrote DD back on the
 *   frame's last descriptor. A write that is not one frame (14..1514 bytes)
 *   fails with STATUS_INVALID_BUFFER_SIZE.
 * - Receives: a manual queue holds the pending reads; the DPC takes the next
 *   one for each frame the chip wrote back and completes it with the frame
 *   (STATUS_BUFFER_TOO_SMALL when the frame does not fit). A frame with no
 *   read pending is dropped (counted), as a NIC without receive buffers
 *   drops it. The queue is not power-managed, so EvtDeviceD0Exit can still
 *   hand the frames already received to pending reads before it resets the
 *   chip.
 * - No link, no transmit: a write that comes while the link is down waits in
 *   the driver (the chip would send it into nothing) and goes out, in order,
 *   when the DPC sees the link come up.
 * - Stops: EvtIoStop keeps each write the driver holds
 *   (WdfRequestStopAcknowledge, Requeue FALSE); EvtDeviceD0Exit completes the
 *   ones the chip finished, ends the transactions of the others (the reset
 *   drops them from the wire before they arrive; no transaction may outlive
 *   D0) and puts them first in line for the link after the restart, when
 *   each gets a new transaction. After a surprise removal, or for a purge, EvtIoStop completes
 *   the write with STATUS_DEVICE_REMOVED; EvtDeviceSurpriseRemoval completes
 *   the pending reads the same way and purges their queue.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { E1000_DESC_SIZE, E1000_REG, E1000_RXD_STAT_DD, E1000_RXD_STAT_EOP, E1000_TXD_CMD_EOP, E1000_TXD_CMD_IFCS, E1000_TXD_CMD_RS, E1000_TXD_STAT_DD } from "../devices/e1000.ts";
import type { SCATTER_GATHER_LIST } from "../hal/types.ts";
import { RtlCopyDeviceMemory } from "../kernel/device-memory.ts";
import type { WdfDevice } from "../wdf/device.ts";
import { WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION } from "../wdf/dma-enabler.ts";
import { type WdfDmaTransaction, WdfDmaTransactionDmaCompleted, WdfDmaTransactionDmaCompletedFinal, WdfDmaTransactionExecute, WdfDmaTransactionGetBytesTransferred, WdfDmaTransactionRelease } from "../wdf/dma-transaction.ts";
import { WdfDmaTransactionGetRequest, WdfDmaTransactionInitializeUsingRequest } from "../wdf/dma-transaction-request.ts";
import type { HandleOut } from "../wdf/driver.ts";
import { type WdfIoQueue, WdfIoQueueGetDevice, WdfIoQueuePurge, WdfIoQueueRetrieveNextRequest, WdfRequestStopAcknowledge, WdfRequestStopActionPurge } from "../wdf/queue.ts";
import { type BufferOut, type WdfRequest, WdfRequestCompleteWithInformation, WdfRequestRetrieveOutputBuffer } from "../wdf/request.ts";
import { ETH_FRAME_LEN, ETH_HLEN, NIC_BUFFER_SIZE, type NicAdapter, type NicBuffer, nicContext, STATUS_INVALID_BUFFER_SIZE, wr } from "./nic-device.ts";

/**
 * Receive descriptors handed back to the chip per RDT write at most: the DPC
 * writes the tail after this many, and once at its end (Intel's e1000
 * driver returns its buffers the same way, E1000_RX_BUFFER_WRITE = 16: one
 * tail write per frame is a posted MMIO write per frame for nothing).
 */
export const RX_BUFFER_WRITE = 16;

/** NicEvtIoWrite. */
export function NicEvtIoWrite(Queue: WdfIoQueue, Request: WdfRequest, Length: number): void {
  const a = nicContext(WdfIoQueueGetDevice(Queue));
  if (Length < ETH_HLEN || Length > ETH_FRAME_LEN) return WdfRequestCompleteWithInformation(Request, STATUS_INVALID_BUFFER_SIZE, 0);
  if (!a.linkUp || a.waitingForLink.length > 0) {
    a.waitingForLink.push(Request);
    return;
  }
  const st = transmit(a, Request);
  if (!NT_SUCCESS(st)) WdfRequestCompleteWithInformation(Request, st, 0);
}

/** The link is up (DPC): the writes that waited for it go out, oldest first. */
export function sendWaiting(a: NicAdapter): void {
  while (a.linkUp && a.waitingForLink.length > 0) {
    const r = a.waitingForLink.shift() as WdfRequest;
    if (a.resendPending > 0) {
      a.resendPending--;
      a.resent++;
    }
    const st = transmit(a, r);
    if (!NT_SUCCESS(st)) WdfRequestCompleteWithInformation(r, st, 0);
  }
}

/** Send the write's frame: a transaction from the request, executed (EvtProgramDma fills the descriptors). */
function transmit(a: NicAdapter, Request: WdfRequest): NTSTATUS {
  const tx = a.txPool.pop();
  // The queue presents no more writes than there are transactions.
  if (tx === undefined) return STATUS.INSUFFICIENT_RESOURCES;
  let st = WdfDmaTransactionInitializeUsingRequest(tx, Request, NicEvtProgramDma, WdfDmaDirectionWriteToDevice);
  if (NT_SUCCESS(st)) st = WdfDmaTransactionExecute(tx, null);
  if (!NT_SUCCESS(st)) {
    WdfDmaTransactionRelease(tx);
    a.txPool.push(tx);
  }
  return st;
}

/** NicEvtProgramDma (DISPATCH_LEVEL): one TX descriptor per scatter/gather element of the frame, then the doorbell. */
export function NicEvtProgramDma(Transaction: WdfDmaTransaction, Device: WdfDevice, _Context: unknown, _Direction: WDF_DMA_DIRECTION, SgList: SCATTER_GATHER_LIST): boolean {
  const a = nicContext(Device);
  const k = a.kernel;
  const ring = a.txRing as NicBuffer;
  const nt = a.options.txDescriptors;
  const n = SgList.NumberOfElements;
  const request = WdfDmaTransactionGetRequest(Transaction);
  if (request === null || n === 0 || a.txInFlight + n > nt - 1) return false;
  const first = a.txTail;
  for (let i = 0; i < n; i++) {
    const el = SgList.Elements[i] as SCATTER_GATHER_LIST["Elements"][number];
    const d = ring.va + a.txTail * E1000_DESC_SIZE;
    // Three stores, as a 64-bit driver fills a legacy descriptor: the buffer address, then length/CSO/CMD, then STA/CSS/special (DD cleared).
    k.cpu.writeU64(d, el.Address.QuadPart);
    const cmd = E1000_TXD_CMD_IFCS | (i === n - 1 ? E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS : 0);
    k.cpu.writeU32(d + 8, (el.Length | (cmd << 24)) >>> 0);
    k.cpu.writeU32(d + 12, 0);
    a.txTail = (a.txTail + 1) % nt;
  }
  let rec = a.txRecords[first];
  if (rec === undefined) a.txRecords[first] = rec = { request, tx: Transaction, descriptors: n };
  else {
    rec.request = request;
    rec.tx = Transaction;
    rec.descriptors = n;
  }
  a.txWrites[first] = rec;
  a.txInFlight += n;
  wr(a, E1000_REG.TDT, a.txTail);
  return true;
}

/** End a write's transaction without the chip (a stop, a removal): nothing more of it is moved; the transaction goes back to the pool. */
function endTransaction(a: NicAdapter, tx: WdfDmaTransaction): void {
  const status = { value: STATUS.SUCCESS };
  WdfDmaTransactionDmaCompletedFinal(tx, 0, status);
  WdfDmaTransactionRelease(tx);
  a.txPool.push(tx);
}

/**
 * The out-parameters the DPC's framework calls fill (a C driver's locals on
 * its stack): read right after each call, so one of each serves every call.
 */
const completedStatus = { value: STATUS.SUCCESS as NTSTATUS };
const nextRead: HandleOut<WdfRequest> = { value: null };
const outputBuffer: BufferOut = { value: 0 };

/** Reap the frames the chip sent (DD on each frame's last descriptor, in ring order): end their transactions and complete their writes. */
export function reapTx(a: NicAdapter): number {
  const k = a.kernel;
  const ring = a.txRing as NicBuffer;
  const nt = a.options.txDescriptors;
  let reaped = 0;
  while (a.txInFlight > 0) {
    const w = a.txWrites[a.txHead] ?? null;
    if (w === null) break;
    // The slot's record is reused by the next write from this slot: what this one needs is taken out first.
    const { request, tx, descriptors } = w;
    const eop = (a.txHead + descriptors - 1) % nt;
    if ((k.cpu.readU8(ring.va + eop * E1000_DESC_SIZE + 12) & E1000_TXD_STAT_DD) === 0) break;
    a.txWrites[a.txHead] = null;
    a.txHead = (eop + 1) % nt;
    a.txInFlight -= descriptors;
    reaped++;
    completedStatus.value = STATUS.SUCCESS;
    if (!WdfDmaTransactionDmaCompleted(tx, completedStatus)) continue;
    const status = completedStatus.value;
    const bytes = WdfDmaTransactionGetBytesTransferred(tx);
    WdfDmaTransactionRelease(tx);
    a.txPool.push(tx);
    WdfRequestCompleteWithInformation(request, status, bytes);
  }
  a.txCompleted += reaped;
  return reaped;
}

/**
 * Hand each frame the chip wrote back (DD, in ring order) to the next pending
 * read, and the descriptors back to the chip: their status dword cleared
 * (the buffer address stays; the chip writes only the upper half back), then
 * one RDT write per RX_BUFFER_WRITE descriptors and one at the end.
 */
export function deliverRx(a: NicAdapter): number {
  const k = a.kernel;
  const rx = a.rxRing as NicBuffer;
  const rxb = a.rxBuffers as NicBuffer;
  const nr = a.options.rxDescriptors;
  let n = 0;
  let unreturned = 0;
  for (;;) {
    const d = rx.va + a.rxNext * E1000_DESC_SIZE;
    // Status and errors in one load (bytes 12 and 13 of the written-back descriptor), then the length.
    const upper = k.cpu.readU32(d + 12);
    if ((upper & E1000_RXD_STAT_DD) === 0) break;
    const length = k.cpu.readU16(d + 8);
    if ((upper & E1000_RXD_STAT_EOP) === 0 || (upper & 0xff00) !== 0) a.rxErrors++;
    else indicate(a, rxb.va + a.rxNext * NIC_BUFFER_SIZE, length);
    k.cpu.writeU32(d + 12, 0);
    a.rxNext = (a.rxNext + 1) % nr;
    n++;
    // The descriptor just cleaned becomes the tail: the chip owns up to the one before it.
    if (++unreturned === RX_BUFFER_WRITE) {
      wr(a, E1000_REG.RDT, (a.rxNext + nr - 1) % nr);
      unreturned = 0;
    }
  }
  if (unreturned > 0) wr(a, E1000_REG.RDT, (a.rxNext + nr - 1) % nr);
  return n;
}

/** One received frame to the oldest pending read. */
function indicate(a: NicAdapter, va: number, length: number): void {
  nextRead.value = null;
  const got = a.readQueue === null ? STATUS.UNSUCCESSFUL : WdfIoQueueRetrieveNextRequest(a.readQueue, nextRead);
  const request = nextRead.value;
  if (got !== STATUS.SUCCESS || request === null) {
    a.rxNoRead++;
    return;
  }
  outputBuffer.value = 0;
  const st = WdfRequestRetrieveOutputBuffer(request, length, outputBuffer);
  const buffer = outputBuffer.value;
  if (!NT_SUCCESS(st)) return WdfRequestCompleteWithInformation(request, st, 0);
  RtlCopyDeviceMemory(a.kernel, buffer, va, length);
  a.rxIndicated++;
  WdfRequestCompleteWithInformation(request, STATUS.SUCCESS, length);
}

/** NicEvtIoStop (write queue). */
export function NicEvtIoStop(Queue: WdfIoQueue, Request: WdfRequest, ActionFlags: number): void {
  const a = nicContext(WdfIoQueueGetDevice(Queue));
  if (a.surpriseRemoved || (ActionFlags & WdfRequestStopActionPurge) !== 0) {
    forget(a, Request);
    return WdfRequestCompleteWithInformation(Request, STATUS.DEVICE_REMOVED, 0);
  }
  // Kept while the device is out of D0: D0Exit sees whether the chip sent it; if not it goes out once the link is back.
  WdfRequestStopAcknowledge(Request, false);
}

function forget(a: NicAdapter, Request: WdfRequest): void {
  const slot = a.txWrites.findIndex((w) => w?.request === Request);
  const w = a.txWrites[slot] ?? null;
  if (w !== null) {
    // Its ring slots stay taken (the device is gone, or the reset empties the ring): only the transaction ends.
    a.txWrites[slot] = null;
    endTransaction(a, w.tx);
  }
  const i = a.waitingForLink.indexOf(Request);
  if (i >= 0) a.waitingForLink.splice(i, 1);
}

/**
 * EvtDeviceD0Exit's I/O part (the units already off): complete what the
 * chip finished, give pending reads what it received, and note the writes
 * the reset will drop, oldest first.
 */
export function settleForD0Exit(a: NicAdapter): void {
  reapTx(a);
  a.rxDrainedAtD0Exit += deliverRx(a);
  // The writes the reset drops go first when the link is back, before those that never reached the ring.
  const dropped = endTransmits(a);
  a.waitingForLink.unshift(...dropped);
  a.resendPending += dropped.length;
}

/**
 * End the transaction of every write still on the ring, oldest first, and
 * empty the ring's bookkeeping; returns their requests (still the driver's).
 * EvtDeviceD0Exit calls it, after a surprise removal too: no transaction
 * may still be executing when the device leaves D0.
 */
export function endTransmits(a: NicAdapter): WdfRequest[] {
  const nt = a.options.txDescriptors;
  const dropped: WdfRequest[] = [];
  for (let i = 0, slot = a.txHead; i < nt; i++, slot = (slot + 1) % nt) {
    const w = a.txWrites[slot] ?? null;
    if (w === null) continue;
    const { request, tx } = w;
    a.txWrites[slot] = null;
    endTransaction(a, tx);
    dropped.push(request);
  }
  a.txInFlight = 0;
  a.txHead = a.txTail;
  return dropped;
}

/** EvtDeviceSurpriseRemoval's I/O part: the pending reads will never get a frame. */
export function failPendingReads(a: NicAdapter): void {
  const q = a.readQueue;
  if (q === null) return;
  const out: HandleOut<WdfRequest> = { value: null };
  while (WdfIoQueueRetrieveNextRequest(q, out) === STATUS.SUCCESS && out.value !== null) WdfRequestCompleteWithInformation(out.value, STATUS.DEVICE_REMOVED, 0);
  // From here on the queue refuses reads (STATUS_INVALID_DEVICE_STATE).
  WdfIoQueuePurge(q, null, null);
}
