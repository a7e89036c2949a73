/**
 * The HAL's system-DMA routines on the board's 8237 pair: the programming
 * sequence MapTransfer uses, masking, the count-register read, and
 * ReadDmaCounter. The 8237 itself, the page registers and the ISA cards are
 * hardware on the board (machine/board.ts); port I/O is kernel/io-space.ts.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { type Dma8237Pair, DMA_MODE, DMA_PAGE_PORT, DMA_REG, dmaAddressPort, dmaControlPort, dmaCountPort } from "../machine/dma8237.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import type { DMA_ADAPTER } from "./types.ts";

/**
 * The machine's 8237 pair. x64 PCs have one; an ARM64 machine has no
 * system DMA controller (RangeError saying so).
 */
export function isaDmaOf(k: Kernel): Dma8237Pair {
  const dma = k.board.isaDma;
  if (dma === null) throw new RangeError(`profile ${k.profile.name} (${k.arch}) has no ISA system DMA controller (8237); system DMA needs an x64 profile`);
  return dma;
}

/** What the HAL programs into a channel for one transfer. */
export interface ChannelProgram {
  readonly channel: number;
  /** Physical address of the first byte (below 16 MiB, word-aligned on DMA2). */
  readonly physical: number;
  readonly bytes: number;
  /** Memory to device (8237 "read"). */
  readonly writeToDevice: boolean;
  readonly autoInitialize: boolean;
  readonly demandMode: boolean;
}

/**
 * Program a channel the way the HAL does (ReactOS IoMapTransfer; Linux
 * snd_dma_program): mask, clear the flip-flop, mode, address low/high, page,
 * count-1 low/high (in words on DMA2), unmask.
 */
export function programChannel(k: Kernel, p: ChannelProgram): void {
  const ch = p.channel;
  const dma = isaDmaOf(k);
  const wide = ch >= 4;
  const units = wide ? p.bytes >> 1 : p.bytes;
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), 4 | (ch & 3));
  dma.outb(dmaControlPort(ch, DMA_REG.CLEAR_FLIP_FLOP), 0);
  const mode = (p.writeToDevice ? DMA_MODE.READ : DMA_MODE.WRITE) | (p.autoInitialize ? DMA_MODE.AUTOINIT : 0) | (p.demandMode ? DMA_MODE.DEMAND : DMA_MODE.SINGLE) | (ch & 3);
  dma.outb(dmaControlPort(ch, DMA_REG.MODE), mode);
  const addr = wide ? (p.physical >> 1) & 0xffff : p.physical & 0xffff;
  dma.outw16(dmaAddressPort(ch), addr);
  const page = Math.floor(p.physical / 0x10000) & (wide ? 0xfe : 0xff);
  dma.outb(DMA_PAGE_PORT[ch] as number, page);
  dma.outw16(dmaCountPort(ch), (units - 1) & 0xffff);
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), ch & 3);
}

/** Mask a channel (FlushAdapterBuffers, and the first step of programming). */
export function maskChannel(k: Kernel, ch: number): void {
  isaDmaOf(k).outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), 4 | (ch & 3));
}

/**
 * The 8237's count register as the HAL reads it (ReactOS HalReadDmaCounter):
 * clear the flip-flop, read low then high, until two reads agree in the high
 * byte (a borrow between the two byte reads would tear the value).
 */
export function readCountRegister(k: Kernel, ch: number): number {
  const dma = isaDmaOf(k);
  const port = dmaCountPort(ch);
  const clear = dmaControlPort(ch, DMA_REG.CLEAR_FLIP_FLOP);
  let prev = -1;
  for (;;) {
    dma.outb(clear, 0);
    const lo = dma.inb(port);
    const hi = dma.inb(port);
    const v = lo | (hi << 8);
    if (prev >= 0 && (prev & 0xff00) === (v & 0xff00)) return v;
    prev = v;
  }
}

/**
 * ReadDmaCounter(DmaAdapter) (<= DISPATCH_LEVEL): bytes left in the current
 * system DMA transfer: (count + 1) & 0xFFFF, doubled on the 16-bit channels.
 * So 0 at terminal count (a channel that stopped there) and the full length
 * right after an auto-initialize reload. Only subordinate adapters have a
 * counter: a bus-master adapter gets 0 (Windows' DMA_ADAPTER_INFO reports
 * ReadDmaCounterAvailable FALSE for them).
 */
export function ReadDmaCounter(DmaAdapter: DMA_ADAPTER): number {
  const routine = "ReadDmaCounter";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return 0;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (ao.master || ao.dmaChannel < 0) {
    ao.kernel.report({ code: "READ_DMA_COUNTER_ON_BUS_MASTER", routine, device: ao.device, message: `${routine} called on the bus-master adapter of ${ao.device}: only a system DMA channel has a counter`, params: { address: ao.address } });
    return 0;
  }
  return bytesLeft(ao);
}

/** Bytes left on a subordinate adapter's channel (0 for a bus master). */
export function bytesLeft(ao: AdapterObject): number {
  if (ao.master || ao.dmaChannel < 0) return 0;
  const ch = ao.dmaChannel;
  const count = (readCountRegister(ao.kernel, ch) + 1) & 0xffff;
  return ch >= 4 ? count * 2 : count;
}
