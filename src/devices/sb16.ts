/**
 * A Sound Blaster 16-like card: a subordinate (system DMA) device on an ISA
 * DMA channel. It has the DSP's command/data ports, the mixer's interrupt
 * status, and plays by consuming bytes through the 8237 at its sample rate;
 * what it plays is captured (and can be written as a WAV with devices/wav.ts).
 *
 * Facts (hardware.md §2.2; copy/v86 src/sb16.js, qemu hw/audio/sb16.c, Linux
 * sound/isa/sb/sb16_main.c): ports base+6 reset (0xAA answers), +0xA read
 * data, +0xC command/data, +0xE read status and 8-bit IRQ acknowledge, +0xF
 * 16-bit IRQ acknowledge, +4/+5 mixer index/data (0x80 IRQ, 0x81 DMA, 0x82
 * IRQ status bit 0 = 8-bit DMA, bit 1 = 16-bit DMA). DSP 0x41 sets the output
 * rate (high byte first), 0x40 a time constant, 0xB0-0xBF / 0xC0-0xCF start
 * 16-/8-bit transfers (bit 2 auto-init, bit 3 input; mode bit 4 signed,
 * bit 5 stereo; then length-1 low, high, counted in samples of the transfer
 * width). The card raises its IRQ at the end of each block; in auto-init it
 * goes on, single-cycle stops. 0xD9/0xDA exit auto-init after the current
 * block, 0xD5/0xD6 and 0xD0/0xD4 pause and continue.
 *
 * Model choice: the DMA position is the play position (no FIFO lead), so
 * what was transferred at time t is what was heard at time t.
 */
import type { Clock, TimerHandle } from "../machine/clock.ts";
import type { InterruptLine } from "../machine/device-model.ts";
import type { Dma8237Pair, DmaDevice } from "../machine/dma8237.ts";

/** The card's usual port base (0x220). */
export const SB16_DEFAULT_BASE = 0x220;

/** DSP commands used by drivers. */
export const DSP = {
  SET_TIME_CONSTANT: 0x40,
  SET_OUTPUT_RATE: 0x41,
  SET_INPUT_RATE: 0x42,
  SET_BLOCK_SIZE: 0x48,
  SINGLE_CYCLE_8_LEGACY: 0x14,
  AUTO_INIT_8_LEGACY: 0x1c,
  /** 16-bit output, auto-init, FIFO: 0xB6. */
  START_16: 0xb0,
  START_8: 0xc0,
  CMD_AUTO_INIT: 0x04,
  CMD_FIFO: 0x02,
  CMD_INPUT: 0x08,
  MODE_SIGNED: 0x10,
  MODE_STEREO: 0x20,
  PAUSE_8: 0xd0,
  SPEAKER_ON: 0xd1,
  SPEAKER_OFF: 0xd3,
  CONTINUE_8: 0xd4,
  PAUSE_16: 0xd5,
  CONTINUE_16: 0xd6,
  EXIT_AUTO_INIT_16: 0xd9,
  EXIT_AUTO_INIT_8: 0xda,
  GET_VERSION: 0xe1,
} as const;

/** Port offsets from the base. */
export const SB_PORT = { MIXER_INDEX: 4, MIXER_DATA: 5, RESET: 6, READ_DATA: 0xa, WRITE: 0xc, READ_STATUS: 0xe, ACK_16: 0xf } as const;

/** How an {@link Sb16} is built (the sb16 device model fills these in from the profile). */
export interface Sb16Options {
  /** The machine's clock. */
  readonly clock: Clock;
  /** The board's 8237 pair, which feeds the card. */
  readonly dma: Dma8237Pair;
  /** The card's IRQ line (held high until the ISR acknowledges). */
  readonly irq: InterruptLine;
  /** 8-bit DMA channel (0, 1 or 3) and 16-bit channel (5, 6, 7; -1 = none: 16-bit data goes over the 8-bit channel). */
  readonly dma8: number;
  /** See `dma8`. */
  readonly dma16: number;
  /** Port base (default 0x220). */
  readonly base?: number;
  /** The profile's device name, for messages. */
  readonly name?: string;
  /** Recording source: fills dst with the next input bytes (default silence). */
  readonly input?: (dst: Uint8Array) => void;
}

/** The format of what the card is playing (or last played). */
export interface Sb16Format {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly bitsPerSample: 8 | 16;
  readonly signed: boolean;
}

/** Arguments each DSP command takes. */
function argCount(cmd: number): number {
  if (cmd === DSP.SET_OUTPUT_RATE || cmd === DSP.SET_INPUT_RATE || cmd === DSP.SET_BLOCK_SIZE || cmd === DSP.SINGLE_CYCLE_8_LEGACY) return 2;
  if (cmd === DSP.SET_TIME_CONSTANT) return 1;
  if (cmd >= 0xb0 && cmd <= 0xcf) return 3;
  return 0;
}

export class Sb16 implements DmaDevice {
  readonly name: string;
  readonly base: number;
  readonly irq: number;
  readonly dma8: number;
  readonly dma16: number;
  private readonly clock: Clock;
  private readonly dma: Dma8237Pair;
  private readonly line: InterruptLine;
  private readonly input: ((dst: Uint8Array) => void) | undefined;

  // DSP
  private cmd = -1;
  private args: number[] = [];
  private readonly out: number[] = [];
  private resetHigh = false;
  private mixerIndex = 0;
  private irqStatus = 0;
  private rate = 22050;
  private timeConstant = -1;
  private legacyBlock = 0x800;
  speakerOn = false;

  // Transfer
  private running = false;
  private paused = false;
  private autoInit = false;
  private exitAfterBlock = false;
  private recording = false;
  private is16 = false;
  private channel = -1;
  private blockUnits = 0;
  private nextTarget = 0;
  private timer: TimerHandle | null = null;
  private fmt: Sb16Format = { sampleRate: 22050, channels: 1, bitsPerSample: 8, signed: false };

  // Capture
  private cap = new Uint8Array(1 << 16);
  private capLen = 0;
  /** Blocks completed, interrupts raised (edges), and block ends that found the line still high (lost). */
  readonly stats = { blocks: 0, interrupts: 0, lostInterrupts: 0, starts: 0 };

  constructor(o: Sb16Options) {
    this.clock = o.clock;
    this.dma = o.dma;
    this.line = o.irq;
    this.irq = o.irq.line;
    this.dma8 = o.dma8;
    this.dma16 = o.dma16;
    this.base = o.base ?? SB16_DEFAULT_BASE;
    this.name = o.name ?? "sb16";
    this.input = o.input;
    if (![0, 1, 3].includes(o.dma8)) throw new RangeError(`Sb16: 8-bit DMA channel must be 0, 1 or 3, got ${o.dma8}`);
    if (![-1, 5, 6, 7].includes(o.dma16)) throw new RangeError(`Sb16: 16-bit DMA channel must be 5, 6, 7 or -1, got ${o.dma16}`);
    this.dma.attach(o.dma8, this, this.name);
    if (o.dma16 >= 0) this.dma.attach(o.dma16, this, this.name);
  }

  /** True when `port` is one of the card's. */
  decodes(port: number): boolean {
    return port >= this.base && port < this.base + 0x10;
  }

  // ---- ports ----------------------------------------------------------------

  /** An IN from one of the card's ports (base + 0..0xF). */
  inb(port: number): number {
    const off = this.offset(port);
    switch (off) {
      case SB_PORT.READ_DATA:
        return this.out.length > 0 ? (this.out.shift() as number) : 0xff;
      case SB_PORT.WRITE:
        return 0x7f; // bit 7 clear: ready for a command
      case SB_PORT.READ_STATUS:
        // Reading the status port acknowledges the 8-bit DMA interrupt.
        this.ack(1);
        return this.out.length > 0 ? 0xff : 0x7f;
      case SB_PORT.ACK_16:
        this.ack(2);
        return 0xff;
      case SB_PORT.MIXER_DATA:
        return this.mixerRead(this.mixerIndex);
      default:
        return 0xff;
    }
  }

  /** An OUT to one of the card's ports. */
  outb(port: number, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`Sb16.outb: value ${value} is not a byte`);
    const off = this.offset(port);
    switch (off) {
      case SB_PORT.RESET:
        if ((value & 1) === 1) this.resetHigh = true;
        else if (this.resetHigh) {
          this.resetHigh = false;
          this.reset();
        }
        return;
      case SB_PORT.WRITE:
        this.dspWrite(value);
        return;
      case SB_PORT.MIXER_INDEX:
        this.mixerIndex = value;
        return;
      default:
        return; // mixer data writes (volumes) and undecoded offsets have no effect on the stream
    }
  }

  private offset(port: number): number {
    if (!this.decodes(port)) throw new RangeError(`Sb16: port 0x${port.toString(16)} is not the card's (0x${this.base.toString(16)}-0x${(this.base + 15).toString(16)})`);
    return port - this.base;
  }

  private mixerRead(index: number): number {
    if (index === 0x80) return ({ 2: 1, 5: 2, 7: 4, 10: 8 } as Record<number, number>)[this.irq] ?? 0;
    if (index === 0x81) return (1 << this.dma8) | (this.dma16 >= 0 ? 1 << this.dma16 : 0);
    if (index === 0x82) return this.irqStatus;
    return 0;
  }

  private ack(bit: number): void {
    this.irqStatus &= ~bit;
    if (this.irqStatus === 0) this.line.set(false);
  }

  private reset(): void {
    this.stop();
    this.cmd = -1;
    this.args = [];
    this.out.length = 0;
    this.out.push(0xaa);
    this.irqStatus = 0;
    this.line.set(false);
    this.timeConstant = -1;
  }

  private dspWrite(v: number): void {
    if (this.cmd < 0) {
      this.cmd = v;
      this.args = [];
    } else {
      this.args.push(v);
    }
    if (this.args.length < argCount(this.cmd)) return;
    const cmd = this.cmd;
    const a = this.args;
    this.cmd = -1;
    this.execute(cmd, a);
  }

  private execute(cmd: number, a: number[]): void {
    const a0 = a[0] ?? 0;
    const a1 = a[1] ?? 0;
    const a2 = a[2] ?? 0;
    if (cmd === DSP.SET_OUTPUT_RATE || cmd === DSP.SET_INPUT_RATE) {
      this.rate = (a0 << 8) | a1;
      this.timeConstant = -1;
    } else if (cmd === DSP.SET_TIME_CONSTANT) {
      this.timeConstant = a0;
    } else if (cmd === DSP.SET_BLOCK_SIZE) {
      this.legacyBlock = (a0 | (a1 << 8)) + 1;
    } else if (cmd === DSP.SINGLE_CYCLE_8_LEGACY) {
      this.start(false, false, false, false, false, (a0 | (a1 << 8)) + 1);
    } else if (cmd === DSP.AUTO_INIT_8_LEGACY) {
      this.start(false, true, false, false, false, this.legacyBlock);
    } else if (cmd >= 0xb0 && cmd <= 0xcf) {
      this.start(cmd < 0xc0, (cmd & DSP.CMD_AUTO_INIT) !== 0, (cmd & DSP.CMD_INPUT) !== 0, (a0 & DSP.MODE_STEREO) !== 0, (a0 & DSP.MODE_SIGNED) !== 0, (a1 | (a2 << 8)) + 1);
    } else if (cmd === DSP.PAUSE_8 || cmd === DSP.PAUSE_16) {
      if (this.running && !this.paused) {
        this.paused = true;
        this.dma.setRequest(this.channel, 0);
      }
    } else if (cmd === DSP.CONTINUE_8 || cmd === DSP.CONTINUE_16) {
      if (this.running && this.paused) {
        this.paused = false;
        this.dma.setRequest(this.channel, this.unitsPerSecond());
      }
    } else if (cmd === DSP.EXIT_AUTO_INIT_8 || cmd === DSP.EXIT_AUTO_INIT_16) {
      this.exitAfterBlock = true;
    } else if (cmd === DSP.SPEAKER_ON) {
      this.speakerOn = true;
    } else if (cmd === DSP.SPEAKER_OFF) {
      this.speakerOn = false;
    } else if (cmd === DSP.GET_VERSION) {
      this.out.push(4, 5); // DSP 4.05, an SB16
    }
  }

  private unitsPerSecond(): number {
    const bytesPerSecond = this.fmt.sampleRate * this.fmt.channels * (this.fmt.bitsPerSample / 8);
    return this.channel >= 4 ? bytesPerSecond / 2 : bytesPerSecond;
  }

  private start(bits16: boolean, auto: boolean, input: boolean, stereo: boolean, signed: boolean, samples: number): void {
    this.stop();
    const channels = stereo ? 2 : 1;
    const rate = this.timeConstant >= 0 ? Math.round(1_000_000 / (256 - this.timeConstant) / channels) : this.rate;
    this.fmt = { sampleRate: rate, channels, bitsPerSample: bits16 ? 16 : 8, signed };
    this.is16 = bits16;
    this.channel = bits16 && this.dma16 >= 0 ? this.dma16 : this.dma8;
    // The block length counts samples of the transfer width; the DMA unit is a word on DMA2.
    const blockBytes = samples * (bits16 ? 2 : 1);
    this.blockUnits = this.channel >= 4 ? Math.max(1, blockBytes >> 1) : blockBytes;
    this.autoInit = auto;
    this.recording = input;
    this.exitAfterBlock = false;
    this.running = true;
    this.paused = false;
    this.stats.starts++;
    this.nextTarget = this.dma.servedUnits(this.channel) + this.blockUnits;
    this.dma.setRequest(this.channel, this.unitsPerSecond());
    this.schedule();
  }

  /** Stop requesting DMA and forget the block timer. */
  private stop(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    if (this.running) {
      this.running = false;
      this.dma.setRequest(this.channel, 0);
    }
  }

  private schedule(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    if (!this.running) return;
    const t = this.dma.timeOfServed(this.channel, this.nextTarget);
    if (t === Infinity) return; // not serviced now: dmaStateChanged reschedules
    this.timer = this.clock.at(t, () => this.blockEnd(), `${this.name} block end`);
  }

  private blockEnd(): void {
    this.timer = null;
    if (!this.running) return;
    if (this.dma.servedUnits(this.channel) < this.nextTarget) {
      this.schedule();
      return;
    }
    this.stats.blocks++;
    const bit = this.is16 ? 2 : 1;
    if (this.line.asserted) this.stats.lostInterrupts++;
    else this.stats.interrupts++;
    this.irqStatus |= bit;
    if (this.autoInit && !this.exitAfterBlock) {
      this.nextTarget += this.blockUnits;
      this.schedule();
    } else {
      this.running = false;
      this.dma.setRequest(this.channel, 0);
    }
    this.line.set(true);
  }

  // ---- DmaDevice --------------------------------------------------------------

  dmaRead(_channel: number, data: Uint8Array): void {
    if (this.recording) return;
    if (this.capLen + data.length > this.cap.length) {
      let n = this.cap.length * 2;
      while (n < this.capLen + data.length) n *= 2;
      const next = new Uint8Array(n);
      next.set(this.cap.subarray(0, this.capLen));
      this.cap = next;
    }
    this.cap.set(data, this.capLen);
    this.capLen += data.length;
  }

  dmaWrite(_channel: number, dst: Uint8Array): void {
    if (this.input !== undefined) this.input(dst);
    else dst.fill(this.fmt.signed || this.fmt.bitsPerSample === 16 ? 0 : 0x80);
  }

  dmaStateChanged(channel: number): void {
    if (this.running && channel === this.channel) this.schedule();
  }

  // ---- what was played ----------------------------------------------------------

  /**
   * Every byte the card has played so far, in order: a copy (later playback
   * does not change it, and changing it does not change the card's capture).
   */
  captured(): Uint8Array {
    this.dma.sync();
    return this.cap.slice(0, this.capLen);
  }

  /** Make room for `bytes` of capture up front (avoids regrowing during a long take). */
  reserveCapture(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`Sb16.reserveCapture: ${bytes} is not a byte count`);
    if (bytes <= this.cap.length) return;
    const next = new Uint8Array(bytes);
    next.set(this.cap.subarray(0, this.capLen));
    this.cap = next;
  }

  /** Forget the capture (a new take). */
  clearCapture(): void {
    this.dma.sync();
    this.capLen = 0;
  }

  /** What it plays (or last played): rate, channels, bits. */
  get format(): Sb16Format {
    return this.fmt;
  }

  /** A transfer is running and not paused. */
  get playing(): boolean {
    return this.running && !this.paused;
  }

  /** Bytes in one block (the IRQ period), as programmed. */
  get blockBytes(): number {
    return this.channel >= 4 ? this.blockUnits * 2 : this.blockUnits;
  }
}
