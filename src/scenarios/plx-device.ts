/**
 * The PLX9x5x-style driver's device context (the sample's DEVICE_EXTENSION
 * in Private.h) and its register access, shared by the driver's files:
 * plx-driver.ts (DriverEntry, EvtDeviceAdd, the PnP and power callbacks:
 * Pci9656.c and Init.c), plx-io.ts (the queues' callbacks: Read.c, Write.c,
 * Control.c) and plx-isr.ts (the interrupt: IsrDpc.c).
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from "../kernel/io-space.ts";
import type { WdfCommonBuffer } from "../wdf/common-buffer.ts";
import type { WdfDevice } from "../wdf/device.ts";
import type { WdfDmaEnabler } from "../wdf/dma-enabler.ts";
import type { WdfDmaTransaction } from "../wdf/dma-transaction.ts";
import type { WdfInterrupt } from "../wdf/interrupt.ts";
import type { WdfIoQueue } from "../wdf/queue.ts";
import type { WdfRequest } from "../wdf/request.ts";

/** PCI9656_MAXIMUM_TRANSFER_LENGTH. */
export const PCI9656_MAXIMUM_TRANSFER_LENGTH = 8 * 1024;
/** STATUS_INVALID_BUFFER_SIZE (ntstatus.h), what the sample fails requests larger than SRAM with. */
export const STATUS_INVALID_BUFFER_SIZE = 0xc0000206;
/** The length of BAR0 the sample looks for (the register block). */
export const PLX_BAR0_LENGTH = 0x200;

/**
 * Deliberate bugs, one at a time, for the scenarios that show what the
 * verifier and the framework make of them:
 * - "no-io-stop": the sample as shipped — no EvtIoStop and no
 *   EvtDeviceSurpriseRemoval. A stop still works (the framework waits for the
 *   few microseconds a transfer takes), but after a surprise removal the chip
 *   never interrupts again and the framework waits for the request forever.
 * - "d0-exit-leaves-dma": EvtDeviceD0Exit releases the transaction of a
 *   request it sent back to its queue but never aborts the channel: the chip
 *   goes on reading the buffer after the device left D0.
 * - "double-complete": the DPC completes a finished write twice.
 */
export type PlxBug = "none" | "no-io-stop" | "d0-exit-leaves-dma" | "double-complete";

/** How the PLX9x5x-style driver is loaded (where its rings come from, the DAC chain load, a deliberate bug). */
export interface PlxDriverOptions {
  /**
   * Where the descriptor rings come from: the sample allocates them from the
   * 64-bit enabler, but the chip's descriptor pointer holds only the low 32
   * bits of an address. "transfer-enabler" is the sample as shipped (it works
   * only while the rings happen to land below 4 GiB); "ring-enabler"
   * (default) takes them from a second, 32-bit (WdfDmaProfileScatterGather)
   * enabler so they always do.
   */
  readonly ringsFrom?: "ring-enabler" | "transfer-enabler";
  /**
   * Set DMAMODE bit 18 so the chip takes each element's PciAddressHigh
   * (default true); the sample fills PciAddressHigh but leaves the bit clear,
   * so data above 4 GiB would use DMADAC (0).
   */
  readonly dacChainLoad?: boolean;
  readonly bug?: PlxBug;
}

/** The sample's DEVICE_EXTENSION. */
export interface PlxDeviceExtension {
  readonly device: WdfDevice;
  readonly kernel: Kernel;
  readonly options: Required<PlxDriverOptions>;
  /** BAR0 (the PCI9656_REGS window) and BAR2 (the SRAM) mapped into system VA by EvtDevicePrepareHardware; 0 while unmapped. */
  regs: number;
  regsLength: number;
  sram: number;
  sramLength: number;
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
  readQueue: WdfIoQueue | null;
  writeQueue: WdfIoQueue | null;
  controlQueue: WdfIoQueue | null;
  /** Shadows the ISR keeps for the DPC. */
  intCsr: number;
  dma0Csr: number;
  dma1Csr: number;
  /** The request each channel works for (the sample's TRANSACTION_CONTEXT.Request); null when idle. */
  readRequest: WdfRequest | null;
  writeRequest: WdfRequest | null;
  /** EvtDeviceSurpriseRemoval ran: the hardware is gone. */
  surpriseRemoved: boolean;
  /** Statistics. */
  interrupts: number;
  dpcs: number;
  /** Requests EvtIoStop sent back to their queue for a stop (redone after the restart). */
  requeued: number;
  /** Channels EvtDeviceD0Exit found working for a request and aborted (not counted after a surprise removal: no hardware to touch). */
  aborted: number;
  /** Times EvtDevicePrepareHardware mapped the BARs. */
  prepares: number;
}

export function readUlong(e: PlxDeviceExtension, off: number): number {
  return READ_REGISTER_ULONG(e.kernel, e.regs + off);
}

export function writeUlong(e: PlxDeviceExtension, off: number, v: number): void {
  WRITE_REGISTER_ULONG(e.kernel, e.regs + off, v);
}

/** The context of a PLX WDFDEVICE (PLxGetDeviceContext). */
export function plxContext(device: WdfDevice): PlxDeviceExtension {
  const e = device.context["ext"];
  if (e === undefined) throw new TypeError(`${String(device)} has no PLX device context`);
  return e as PlxDeviceExtension;
}
