/**
 * The system DMA platform of a PC and the HAL's system-DMA routines: the
 * 8237 pair wired to the machine's clock and DMA bus, the ISA cards of the
 * profile (an SB16 for each device whose model is "sb16"), port I/O
 * (READ_PORT_UCHAR / WRITE_PORT_UCHAR), the 8237 programming sequence that
 * MapTransfer uses, and ReadDmaCounter.
 *
 * Kept beside the Kernel in a WeakMap (the kernel layer sits below the HAL).
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { Sb16 } from "../devices/sb16.ts";
import { addCatchUp } from "../kernel/dpc.ts";
import { interruptControllerOf } from "../kernel/interrupt.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { type Dma8237Observer, Dma8237Pair, DMA_MODE, DMA_PAGE_PORT, DMA_REG, dmaAddressPort, dmaControlPort, dmaCountPort } from "../machine/dma8237.ts";
import type { InterruptController } from "../machine/interrupts.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { halState } from "./hal-state.ts";
import type { DMA_ADAPTER } from "./types.ts";

export interface SystemDmaPlatform {
  readonly dma: Dma8237Pair;
  readonly interrupts: InterruptController;
  /** ISA sound cards by device name. */
  readonly cards: ReadonlyMap<string, Sb16>;
}

const platforms = new WeakMap<Kernel, SystemDmaPlatform>();

/**
 * The machine's system DMA platform, built on first use. x64 PCs have one;
 * the ARM64 profile has no 8237 (RangeError).
 */
export function systemDmaOf(k: Kernel): SystemDmaPlatform {
  let p = platforms.get(k);
  if (p !== undefined) return p;
  if (k.arch !== "x64") throw new RangeError(`systemDmaOf: profile ${k.profile.name} (${k.arch}) has no system DMA controller`);
  const dma = new Dma8237Pair({ clock: k.clock, bus: k.bus });
  const interrupts = interruptControllerOf(k);
  const cards = new Map<string, Sb16>();
  for (const d of k.profile.devices) {
    if (d.model !== "sb16") continue;
    const chans = d.dmaChannels ?? [1, 5];
    const dma8 = chans.find((c) => c < 4) ?? 1;
    const dma16 = chans.find((c) => c > 4) ?? -1;
    cards.set(d.name, new Sb16({ clock: k.clock, dma, interrupts, irq: d.irq ?? 5, dma8, dma16, name: d.name }));
  }
  addCatchUp(k, () => dma.sync());
  // A verifier installed before the platform existed watches the 8237 too (its HAL observer also implements the 8237 hook).
  const o = halState(k).observer as (Partial<Dma8237Observer> & object) | null;
  if (o !== null && typeof o.onWrap === "function") dma.observer = o as Dma8237Observer;
  p = { dma, interrupts, cards };
  platforms.set(k, p);
  return p;
}

/** The SB16 model behind a profile device. */
export function sb16Of(k: Kernel, deviceName: string): Sb16 {
  const c = systemDmaOf(k).cards.get(deviceName);
  if (c === undefined) throw new RangeError(`sb16Of: no SB16 named "${deviceName}" on profile ${k.profile.name}`);
  return c;
}

/** READ_PORT_UCHAR: a byte from an I/O port (the 8237 pair, page registers or an ISA card). Undecoded ports read 0xFF. */
export function READ_PORT_UCHAR(k: Kernel, Port: number): number {
  const p = systemDmaOf(k);
  if (Dma8237Pair.decodes(Port)) return p.dma.inb(Port);
  for (const c of p.cards.values()) if (c.decodes(Port)) return c.inb(Port);
  return 0xff;
}

/** WRITE_PORT_UCHAR: a byte to an I/O port. Undecoded ports ignore it. */
export function WRITE_PORT_UCHAR(k: Kernel, Port: number, Value: number): void {
  const p = systemDmaOf(k);
  if (Dma8237Pair.decodes(Port)) {
    p.dma.outb(Port, Value);
    return;
  }
  for (const c of p.cards.values()) {
    if (c.decodes(Port)) {
      c.outb(Port, Value);
      return;
    }
  }
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
  const dma = systemDmaOf(k).dma;
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
  systemDmaOf(k).dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), 4 | (ch & 3));
}

/**
 * The 8237's count register as the HAL reads it (ReactOS HalReadDmaCounter):
 * clear the flip-flop, read low then high, until two reads agree in the high
 * byte (a borrow between the two byte reads would tear the value).
 */
export function readCountRegister(k: Kernel, ch: number): number {
  const dma = systemDmaOf(k).dma;
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
