/**
 * The e1000 driver's device context (NIC_ADAPTER) and register access,
 * shared by nic-driver.ts (EvtDriverDeviceAdd, the PnP and power callbacks,
 * the interrupt) and nic-io.ts (the queues' callbacks and the ring work they
 * share with the DPC).
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from "../kernel/io-space.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { WdfCommonBuffer } from "../wdf/common-buffer.ts";
import type { WdfDevice } from "../wdf/device.ts";
import type { WdfDmaEnabler } from "../wdf/dma-enabler.ts";
import type { WdfDmaTransaction } from "../wdf/dma-transaction.ts";
import type { WdfDriverOptions } from "../wdf/globals.ts";
import type { WdfInterrupt } from "../wdf/interrupt.ts";
import type { WdfIoQueue } from "../wdf/queue.ts";
import type { WdfRequest } from "../wdf/request.ts";

/** One packet buffer per descriptor, the size RCTL.BSIZE = 2048 selects (a full frame fits). */
export const NIC_BUFFER_SIZE = 2048;
/** The largest frame without FCS (1518 with it), and the smallest a write may carry (an Ethernet header). */
export const ETH_FRAME_LEN = 1514;
export const ETH_HLEN = 14;
/** STATUS_INVALID_BUFFER_SIZE: a write that is not one Ethernet frame. */
export const STATUS_INVALID_BUFFER_SIZE = 0xc0000206;

/** How the NIC driver sets up its rings and interrupts (loadNicDriver), and the deliberate bug of the broken variant. */
export interface NicDriverOptions {
  /** Descriptors per ring: a multiple of 8 (rings are 128-byte multiples) from 8 to 4096. Default 64. */
  readonly txDescriptors?: number;
  readonly rxDescriptors?: number;
  /** ITR in 256 ns units (0 = no throttling). Default 488 (about 8000 interrupts/s). */
  readonly interruptThrottle?: number;
  /** What the ring base registers get: the rings' logical addresses (correct) or MmGetPhysicalAddress (the bug). */
  readonly ringAddress?: "logical" | "physical";
  /** A deliberate PnP bug (nic-pnp's broken variants); default "none". */
  readonly bug?: NicBug;
  readonly kmdf?: WdfDriverOptions;
}

/**
 * The NIC driver's deliberate PnP bugs:
 * - "no-io-stop": no EvtIoStop and no EvtDeviceSurpriseRemoval (as many NIC
 *   samples ship): a stop still works, the chip finishes what it holds, but
 *   after a surprise removal nothing ever completes the writes and reads the
 *   driver holds;
 * - "d0-exit-leaves-dma": EvtDeviceD0Exit turns the transmit unit off and
 *   settles the I/O, but leaves the receive unit on and does not reset the
 *   chip: the frames still on the wire land in the RX ring while the device
 *   is out of D0.
 */
export type NicBug = "none" | "no-io-stop" | "d0-exit-leaves-dma";

/** A common buffer and its two addresses. */
export interface NicBuffer {
  readonly name: string;
  readonly cb: WdfCommonBuffer;
  readonly va: number;
  readonly la: PHYSICAL_ADDRESS;
}

/** A write on the TX ring: its request, the transaction over its buffer, the descriptors the frame took. */
export interface NicTxRecord {
  request: WdfRequest;
  tx: WdfDmaTransaction;
  descriptors: number;
}

/** The driver's device context (NIC_ADAPTER). */
export interface NicAdapter {
  readonly device: WdfDevice;
  readonly kernel: Kernel;
  readonly options: Required<Omit<NicDriverOptions, "kmdf">>;
  interrupt: WdfInterrupt | null;
  dmaEnabler: WdfDmaEnabler | null;
  txRing: NicBuffer | null;
  rxRing: NicBuffer | null;
  rxBuffers: NicBuffer | null;
  /** Sends: a parallel queue (one request per free TX descriptor); receives: a manual queue of pending reads. */
  writeQueue: WdfIoQueue | null;
  readQueue: WdfIoQueue | null;
  /** BAR0 mapped (0 when unmapped). */
  regs: number;
  regsLength: number;
  readonly mac: Uint8Array;
  linkUp: boolean;
  /** Next TX descriptor to fill, and to reap; descriptors in flight. */
  txTail: number;
  txHead: number;
  txInFlight: number;
  /** The write in flight whose first TX descriptor is this slot (null elsewhere): its request, the transaction over its buffer, the descriptors the frame took. */
  readonly txWrites: (NicTxRecord | null)[];
  /** The record each slot's writes use, made the first time (txWrites holds it while the write is in flight: no allocation per frame). */
  readonly txRecords: (NicTxRecord | undefined)[];
  /** The DMA transactions no write holds (one per write the queue may present). */
  readonly txPool: WdfDmaTransaction[];
  /** Writes waiting for the link (no transmit while it is down), oldest first; first among them, those a stop's reset dropped. */
  readonly waitingForLink: WdfRequest[];
  /** How many of the first waitingForLink a reset dropped (sent again: counted in `resent`). */
  resendPending: number;
  /** Next RX descriptor the chip fills. */
  rxNext: number;
  /** Causes the ISR read, for the DPC (under the interrupt lock). */
  pendingIcr: number;
  /** EvtDeviceSurpriseRemoval ran: the hardware is gone. */
  surpriseRemoved: boolean;
  /** Figures. */
  interrupts: number;
  dpcs: number;
  txCompleted: number;
  rxIndicated: number;
  rxErrors: number;
  rxOverruns: number;
  /** Frames received with no read pending (dropped, as a NIC does without receive buffers). */
  rxNoRead: number;
  /** Writes sent again after a stop's reset dropped them. */
  resent: number;
  /** Frames EvtDeviceD0Exit handed to pending reads before the reset. */
  rxDrainedAtD0Exit: number;
}

export function rd(a: NicAdapter, off: number): number {
  return READ_REGISTER_ULONG(a.kernel, a.regs + off);
}

export function wr(a: NicAdapter, off: number, v: number): void {
  WRITE_REGISTER_ULONG(a.kernel, a.regs + off, v);
}

/** The context of an e1000 WDFDEVICE. */
export function nicContext(d: WdfDevice): NicAdapter {
  const a = d.context["adapter"];
  if (a === undefined) throw new TypeError(`${String(d)} has no e1000 adapter context`);
  return a as NicAdapter;
}
