/**
 * A PLX PCI 9656-like bus master, as the KMDF PLX9x5x sample drives it
 * (register layout from the sample's Reg9656.h; chained-DMA behaviour from the
 * PLX 9x5x data books as summarised in torvalds/linux
 * drivers/comedi/drivers/plx9080.h):
 *
 * - BAR 0 registers: INTCSR, per-channel DMAMODE, DMAPADR, DMALADR, DMASIZ,
 *   DMADPR, DMACSR (8-bit) and DMADAC (upper PCI address bits).
 * - 128 KiB of local SRAM.
 * - Two DMA channels (0: the sample's write side, 1: its read side). In
 *   scatter/gather mode a channel fetches 32-byte transfer elements
 *   {PciAddressLow, LocalAddress, TransferSize, DescPtr, PciAddressHigh, pad[3]}
 *   from host memory at the 28-bit descriptor pointer (bits 31:4; only the low
 *   32 bits of an address fit), moves the data between host memory and SRAM,
 *   writes 0 into TransferSize when clear-count mode is on, follows DescPtr
 *   until the end-of-chain bit, then sets Done and raises the channel's
 *   interrupt.
 *
 * Every host access goes through the machine's DmaBus with logical addresses
 * (IOMMU, coherence, the bus observer), timed at a configurable bus rate.
 */
import type { BusMaster, DmaBus } from "../machine/bus.ts";
import { ViewCache } from "./view-cache.ts";

/** The part of the DMA bus the engine uses (the board's DmaBus, or a device's own path). */
export type PlxBus = Pick<DmaBus, "read" | "write">;
import type { Clock } from "../machine/clock.ts";

/** Register offsets (PCI9656_REGS in Reg9656.h). */
export const PLX_REG = {
  INTCSR: 0x68,
  CNTRL: 0x6c,
  DMAMODE0: 0x80,
  DMAPADR0: 0x84,
  DMALADR0: 0x88,
  DMASIZ0: 0x8c,
  DMADPR0: 0x90,
  DMAMODE1: 0x94,
  DMAPADR1: 0x98,
  DMALADR1: 0x9c,
  DMASIZ1: 0xa0,
  DMADPR1: 0xa4,
  DMACSR0: 0xa8,
  DMACSR1: 0xa9,
  DMAARB: 0xac,
  DMATHR: 0xb0,
  DMADAC0: 0xb4,
  DMADAC1: 0xb8,
} as const;
/** Size of the register window (through Abort_Address at 0x104). */
export const PLX_REG_WINDOW = 0x108;

/** DMAMODE bits. */
export const DMAMODE_SG_MODE = 1 << 9;
export const DMAMODE_DONE_INT_ENABLE = 1 << 10;
export const DMAMODE_CLEAR_COUNT = 1 << 16;
export const DMAMODE_INT_TO_PCI = 1 << 17;
export const DMAMODE_DAC_CHAIN_LOAD = 1 << 18;

/** DMACSR bits. */
export const DMACSR_ENABLE = 1 << 0;
export const DMACSR_START = 1 << 1;
export const DMACSR_ABORT = 1 << 2;
export const DMACSR_CLEAR = 1 << 3;
export const DMACSR_DONE = 1 << 4;

/** INTCSR bits. */
export const INTCSR_PCI_INT_ENABLE = 1 << 8;
export const INTCSR_DMA0_INT_ENABLE = 1 << 18;
export const INTCSR_DMA1_INT_ENABLE = 1 << 19;
export const INTCSR_DMA0_INT_ACTIVE = 1 << 21;
export const INTCSR_DMA1_INT_ACTIVE = 1 << 22;

/** DESC_PTR bits. */
export const DESC_PTR_PCI = 1 << 0;
export const DESC_PTR_LAST = 1 << 1;
export const DESC_PTR_TERM_COUNT_INT = 1 << 2;
export const DESC_PTR_FROM_DEVICE = 1 << 3;
export const DESC_PTR_ADDR_MASK = 0xffff_fff0;

/** sizeof(DMA_TRANSFER_ELEMENT). */
export const DTE_SIZE = 32;
/** PCI9656_SRAM_SIZE. */
export const PLX_SRAM_SIZE = 0x20000;
/** DMASIZ holds 23 bits (transfers up to 8 MiB - 1). */
const SIZE_MASK = 0x7f_ffff;
/**
 * Simulation guards, not chip features: a chain longer than MAX_CHAIN
 * elements or moving more than MAX_CHAIN_BYTES is a loop or garbage the
 * driver pointed the chip at (the data books have no such guard; real
 * hardware would keep going and corrupt memory). The engine then stops as
 * if the chain had ended and counts a `runaway`.
 */
const MAX_CHAIN = 4096;
const MAX_CHAIN_BYTES = 32 * 1024 * 1024;

/** How a {@link Plx9656} is built (the plx9656 device model fills these in). */
export interface Plx9656Options {
  /** Who the device is on the bus (name, IOMMU domain, coherence). */
  readonly busMaster: BusMaster;
  /** Bytes per second the device moves on the bus; default 528 MB/s (64-bit, 66 MHz PCI). */
  readonly busRate?: number;
  /** Fixed cost of each bus transaction (arbitration, target latency) in ns; default 240 (16 clocks at 66 MHz). */
  readonly transactionLatencyNs?: number;
  readonly sramSize?: number;
}

/** One transfer element the engine processed (for scenarios and the report). */
export interface PlxDescriptorRecord {
  readonly channel: 0 | 1;
  /** Where the engine fetched the element from (logical address). */
  readonly descriptorAddress: number;
  readonly pciAddress: number;
  readonly localAddress: number;
  readonly size: number;
  readonly fromDevice: boolean;
  /** False when a bus access for this element was blocked (IOMMU fault, not RAM). */
  readonly ok: boolean;
}

const MODE_OFF = [PLX_REG.DMAMODE0, PLX_REG.DMAMODE1] as const;
const PADR_OFF = [PLX_REG.DMAPADR0, PLX_REG.DMAPADR1] as const;
const LADR_OFF = [PLX_REG.DMALADR0, PLX_REG.DMALADR1] as const;
const SIZ_OFF = [PLX_REG.DMASIZ0, PLX_REG.DMASIZ1] as const;
const DPR_OFF = [PLX_REG.DMADPR0, PLX_REG.DMADPR1] as const;
const CSR_OFF = [PLX_REG.DMACSR0, PLX_REG.DMACSR1] as const;
const DAC_OFF = [PLX_REG.DMADAC0, PLX_REG.DMADAC1] as const;
const INT_ENABLE = [INTCSR_DMA0_INT_ENABLE, INTCSR_DMA1_INT_ENABLE] as const;
const INT_ACTIVE = [INTCSR_DMA0_INT_ACTIVE, INTCSR_DMA1_INT_ACTIVE] as const;
/** The engines' event labels (what a hung run names), made once. */
const DESCRIPTOR_LABEL = ["plx ch0 descriptor", "plx ch1 descriptor"] as const;
const BLOCK_LABEL = ["plx ch0 block", "plx ch1 block"] as const;
const DONE_LABEL = ["plx ch0 done", "plx ch1 done"] as const;

/**
 * A PLX PCI 9656-like bus master: its register window (BAR0), 128 KiB of
 * local SRAM, and two DMA engines running block or chained (scatter/gather)
 * transfers over 16- or 32-byte transfer elements fetched from host memory,
 * with the done interrupt. `plx9656On(k, name)` finds a board's instance.
 */
export class Plx9656 {
  /** The device's path to memory (its own, through the IOMMU). */
  readonly bus: PlxBus;
  /** The machine's clock: transfers take simulated time at `busRate`. */
  readonly clock: Clock;
  /** Who it is on the bus. */
  busMaster: BusMaster;
  readonly busRate: number;
  readonly transactionLatencyNs: number;
  readonly sram: Uint8Array;
  /** Called with true when the interrupt line goes up, false when it drops (level-triggered INTA#). */
  onInterrupt: ((asserted: boolean) => void) | null = null;
  /** How many processed elements `history()` keeps (0 turns recording off). */
  historyLimit = 256;
  /** Bytes moved by the engines and elements processed, since power-on. */
  bytesMoved = 0;
  elements = 0;
  private readonly regs = new Uint8Array(PLX_REG_WINDOW);
  private readonly dv = new DataView(this.regs.buffer);
  private readonly dte = new Uint8Array(DTE_SIZE);
  private readonly dteView = new DataView(this.dte.buffer);
  private readonly zero4 = new Uint8Array(4);
  private readonly running: [boolean, boolean] = [false, false];
  private readonly chainCount: [number, number] = [0, 0];
  private readonly chainBytes: [number, number] = [0, 0];
  /** Chains stopped by the simulation guards (see MAX_CHAIN). */
  runaways = 0;
  private line = false;
  private readonly ring: PlxDescriptorRecord[] = [];
  private ringNext = 0;
  private readonly nsPerByte: number;
  /** SRAM windows as the bus gets them (a transfer's elements land on the same ones again and again). */
  private readonly sramViews: ViewCache;
  /** The element each channel fetches next: the argument of its pending step event (stepFns). */
  private readonly nextDescriptor: [number, number] = [0, 0];
  /** Step events pending per channel (more than one only when a restart comes before an aborted chain's next fetch). */
  private readonly stepsPending: [number, number] = [0, 0];
  /** Each channel's engine events, made once: fetch the next element, the block transfer, the chain's end. */
  private readonly stepFns: readonly [() => void, () => void] = [() => this.stepEvent(0, this.nextDescriptor[0]), () => this.stepEvent(1, this.nextDescriptor[1])];
  private readonly blockFns: readonly [() => void, () => void] = [() => this.block(0), () => this.block(1)];
  private readonly finishFns: readonly [() => void, () => void] = [() => this.finish(0), () => this.finish(1)];

  constructor(bus: PlxBus, clock: Clock, opts: Plx9656Options) {
    const rate = opts.busRate ?? 528e6;
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`Plx9656: busRate must be a positive number of bytes per second, got ${rate}`);
    const lat = opts.transactionLatencyNs ?? 240;
    if (!(lat >= 0) || !Number.isFinite(lat)) throw new RangeError(`Plx9656: transactionLatencyNs must be >= 0, got ${lat}`);
    const sram = opts.sramSize ?? PLX_SRAM_SIZE;
    if (!Number.isInteger(sram) || sram <= 0 || (sram & (sram - 1)) !== 0) throw new RangeError(`Plx9656: sramSize must be a power of two, got ${sram}`);
    this.bus = bus;
    this.clock = clock;
    this.busMaster = opts.busMaster;
    this.busRate = rate;
    this.transactionLatencyNs = lat;
    this.nsPerByte = 1e9 / rate;
    this.sram = new Uint8Array(sram);
    this.sramViews = new ViewCache(this.sram, 8);
  }

  /** Level of the interrupt line. */
  get interruptAsserted(): boolean {
    return this.line;
  }

  /** True while channel `ch` is moving data. */
  busy(ch: 0 | 1): boolean {
    return this.running[ch];
  }

  /** READ_REGISTER_ULONG on BAR 0. */
  readRegisterUlong(offset: number): number {
    return this.dv.getUint32(this.checkOffset(offset, 4), true);
  }

  /** WRITE_REGISTER_ULONG on BAR 0. */
  writeRegisterUlong(at: number, value: number): void {
    const offset = this.checkOffset(at, 4);
    if (offset === PLX_REG.DMACSR0) {
      // A 32-bit write at 0xA8 covers both channel CSRs.
      this.writeRegisterUchar(PLX_REG.DMACSR0, value & 0xff);
      this.writeRegisterUchar(PLX_REG.DMACSR1, (value >>> 8) & 0xff);
      return;
    }
    if (offset === PLX_REG.INTCSR) {
      // The active bits are status (read-only); the rest is written.
      const keep = this.dv.getUint32(offset, true) & (INTCSR_DMA0_INT_ACTIVE | INTCSR_DMA1_INT_ACTIVE);
      this.dv.setUint32(offset, ((value >>> 0) & ~(INTCSR_DMA0_INT_ACTIVE | INTCSR_DMA1_INT_ACTIVE)) | keep, true);
      this.updateLine();
      return;
    }
    this.dv.setUint32(offset, value >>> 0, true);
  }

  /** A byte read of the register window at `offset` (BAR0). */
  readRegisterUchar(offset: number): number {
    return this.regs[this.checkOffset(offset, 1)] as number;
  }

  /** WRITE_REGISTER_UCHAR: DMACSR writes start, abort and clear a channel. */
  writeRegisterUchar(at: number, value: number): void {
    const offset = this.checkOffset(at, 1);
    if (offset !== PLX_REG.DMACSR0 && offset !== PLX_REG.DMACSR1) {
      this.regs[offset] = value & 0xff;
      return;
    }
    const ch = offset === PLX_REG.DMACSR0 ? 0 : 1;
    let csr = this.regs[offset] as number;
    // Enable is stored; Done is status; Start, Abort and Clear are commands.
    csr = (csr & ~DMACSR_ENABLE) | (value & DMACSR_ENABLE);
    if ((value & DMACSR_CLEAR) !== 0) {
      this.dv.setUint32(PLX_REG.INTCSR, this.dv.getUint32(PLX_REG.INTCSR, true) & ~INT_ACTIVE[ch], true);
    }
    if ((value & DMACSR_ABORT) !== 0 && this.running[ch]) {
      this.running[ch] = false;
      csr |= DMACSR_DONE;
    }
    this.regs[offset] = csr;
    if ((value & DMACSR_START) !== 0 && (value & DMACSR_ENABLE) !== 0 && !this.running[ch]) this.start(ch);
    this.updateLine();
  }

  /** `offset` as a small integer, checked: inside BAR 0 and aligned to `width` (1 or 4). */
  private checkOffset(offset: number, width: 1 | 4): number {
    // In int32 arithmetic: the offset may come as a floating-point value (a difference of 48-bit addresses), where % is a slow remainder.
    const o = offset | 0;
    if (o !== offset || o < 0 || o + width > PLX_REG_WINDOW || (o & (width - 1)) !== 0) throw new RangeError(`Plx9656: register offset 0x${offset.toString(16)} is outside BAR 0 or not ${width}-byte aligned`);
    return o;
  }

  private start(ch: 0 | 1): void {
    this.running[ch] = true;
    this.chainCount[ch] = 0;
    this.chainBytes[ch] = 0;
    this.regs[CSR_OFF[ch]] = (this.regs[CSR_OFF[ch]] as number) & ~DMACSR_DONE;
    const mode = this.dv.getUint32(MODE_OFF[ch], true);
    if ((mode & DMAMODE_SG_MODE) !== 0) {
      this.scheduleStep(ch, (this.dv.getUint32(DPR_OFF[ch], true) & DESC_PTR_ADDR_MASK) >>> 0, this.transactionLatencyNs);
    } else {
      // Block mode: one transfer from the registers.
      this.clock.after(this.transactionLatencyNs, this.blockFns[ch], BLOCK_LABEL[ch]);
    }
  }

  /** Process one chained element at `descAddr`, then schedule the next or finish. */
  private step(ch: 0 | 1, descAddr: number): void {
    if (!this.running[ch]) return;
    const dte = this.dte;
    const fetched = this.bus.read(this.busMaster, descAddr, dte);
    const dv = this.dteView;
    const mode = this.dv.getUint32(MODE_OFF[ch], true);
    const low = dv.getUint32(0, true);
    const high = (mode & DMAMODE_DAC_CHAIN_LOAD) !== 0 ? dv.getUint32(16, true) : this.dv.getUint32(DAC_OFF[ch], true);
    const pci = high * 0x1_0000_0000 + low;
    const local = dv.getUint32(4, true);
    const size = dv.getUint32(8, true) & SIZE_MASK;
    const dpr = dv.getUint32(12, true);
    // The engine loads the element into its registers, as the chip does.
    this.dv.setUint32(PADR_OFF[ch], low, true);
    this.dv.setUint32(LADR_OFF[ch], local, true);
    this.dv.setUint32(SIZ_OFF[ch], size, true);
    this.dv.setUint32(DPR_OFF[ch], dpr, true);
    const fromDevice = (dpr & DESC_PTR_FROM_DEVICE) !== 0;
    this.chainBytes[ch] += size;
    const runaway = this.chainCount[ch] + 1 >= MAX_CHAIN || this.chainBytes[ch] > MAX_CHAIN_BYTES;
    if (runaway) this.runaways++;
    const moved = fetched && !runaway ? this.move(ch, pci, local, size, fromDevice) : false;
    if (fetched && (mode & DMAMODE_CLEAR_COUNT) !== 0) this.bus.write(this.busMaster, descAddr + 8, this.zero4);
    if (this.historyLimit > 0) this.record({ channel: ch, descriptorAddress: descAddr, pciAddress: pci, localAddress: local, size, fromDevice, ok: fetched && moved });
    const duration = this.transferNs(DTE_SIZE) + this.transferNs(size) + ((mode & DMAMODE_CLEAR_COUNT) !== 0 ? this.transferNs(4) : 0);
    if ((dpr & DESC_PTR_TERM_COUNT_INT) !== 0) this.raise(ch, false);
    const last = (dpr & DESC_PTR_LAST) !== 0 || !fetched;
    this.chainCount[ch]++;
    if (last || runaway) {
      this.clock.after(duration, this.finishFns[ch], DONE_LABEL[ch]);
      return;
    }
    this.scheduleStep(ch, (dpr & DESC_PTR_ADDR_MASK) >>> 0, duration);
  }

  /** Fetch the element at `descAddr` after `delay` ns. */
  private scheduleStep(ch: 0 | 1, descAddr: number, delay: number): void {
    if (this.stepsPending[ch]++ === 0) {
      this.nextDescriptor[ch] = descAddr;
      this.clock.after(delay, this.stepFns[ch], DESCRIPTOR_LABEL[ch]);
      return;
    }
    // Another fetch of this channel is still pending (an aborted chain's): this one keeps its own address.
    this.clock.after(delay, () => this.stepEvent(ch, descAddr), DESCRIPTOR_LABEL[ch]);
  }

  private stepEvent(ch: 0 | 1, descAddr: number): void {
    this.stepsPending[ch]--;
    this.step(ch, descAddr);
  }

  private block(ch: 0 | 1): void {
    if (!this.running[ch]) return;
    const low = this.dv.getUint32(PADR_OFF[ch], true);
    const pci = this.dv.getUint32(DAC_OFF[ch], true) * 0x1_0000_0000 + low;
    const local = this.dv.getUint32(LADR_OFF[ch], true);
    const size = this.dv.getUint32(SIZ_OFF[ch], true) & SIZE_MASK;
    const fromDevice = (this.dv.getUint32(DPR_OFF[ch], true) & DESC_PTR_FROM_DEVICE) !== 0;
    const ok = this.move(ch, pci, local, size, fromDevice);
    this.record({ channel: ch, descriptorAddress: -1, pciAddress: pci, localAddress: local, size, fromDevice, ok });
    this.clock.after(this.transferNs(size), this.finishFns[ch], DONE_LABEL[ch]);
  }

  /** Move `size` bytes between host memory at `pci` and SRAM at `local` (wrapping at the SRAM size). */
  private move(ch: 0 | 1, pci: number, local: number, size: number, fromDevice: boolean): boolean {
    void ch;
    if (size === 0) return true;
    const sram = this.sram;
    const mask = sram.length - 1;
    let off = 0;
    let ok = true;
    while (off < size) {
      const l = (local + off) & mask;
      const n = Math.min(size - off, sram.length - l);
      const part = this.sramViews.view(l, n);
      const r = fromDevice ? this.bus.write(this.busMaster, pci + off, part) : this.bus.read(this.busMaster, pci + off, part);
      ok &&= r;
      off += n;
    }
    this.bytesMoved += size;
    this.elements++;
    return ok;
  }

  private finish(ch: 0 | 1): void {
    if (!this.running[ch]) return;
    this.running[ch] = false;
    this.regs[CSR_OFF[ch]] = (this.regs[CSR_OFF[ch]] as number) | DMACSR_DONE;
    if ((this.dv.getUint32(MODE_OFF[ch], true) & DMAMODE_DONE_INT_ENABLE) !== 0) this.raise(ch, true);
  }

  private raise(ch: 0 | 1, done: boolean): void {
    void done;
    this.dv.setUint32(PLX_REG.INTCSR, this.dv.getUint32(PLX_REG.INTCSR, true) | INT_ACTIVE[ch], true);
    this.updateLine();
  }

  /** INTA# = PCI interrupts enabled and some channel active, enabled and routed to PCI. */
  private updateLine(): void {
    const intcsr = this.dv.getUint32(PLX_REG.INTCSR, true);
    let level = false;
    if ((intcsr & INTCSR_PCI_INT_ENABLE) !== 0) {
      for (let ch = 0; ch < 2; ch++) {
        if ((intcsr & (INT_ACTIVE[ch] as number)) !== 0 && (intcsr & (INT_ENABLE[ch] as number)) !== 0 && (this.dv.getUint32(MODE_OFF[ch] as number, true) & DMAMODE_INT_TO_PCI) !== 0) level = true;
      }
    }
    if (level !== this.line) {
      this.line = level;
      if (this.onInterrupt !== null) this.onInterrupt(level);
    }
  }

  private transferNs(bytes: number): number {
    return bytes === 0 ? 0 : this.transactionLatencyNs + bytes * this.nsPerByte;
  }

  private record(r: PlxDescriptorRecord): void {
    const limit = this.historyLimit;
    if (limit <= 0) return;
    if (this.ring.length < limit) this.ring.push(r);
    else this.ring[this.ringNext % limit] = r;
    this.ringNext++;
  }

  /** The most recently processed elements, oldest first. */
  history(): PlxDescriptorRecord[] {
    const n = this.ring.length;
    if (this.ringNext <= n) return [...this.ring];
    const start = this.ringNext % n;
    return [...this.ring.slice(start), ...this.ring.slice(0, start)];
  }
}
