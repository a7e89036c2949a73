import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { DmaBus } from "../machine/bus.ts";
import { Clock } from "../machine/clock.ts";
import { DMA_MODE, DMA_REG, Dma8237Pair, dmaAddressPort, dmaControlPort, dmaCountPort, timeForUnits } from "../machine/dma8237.ts";
import { InterruptController } from "../machine/interrupts.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { CoherentMemorySystem } from "../machine/memory-system.ts";
import { PhysicalMemory } from "../machine/physical-memory.ts";
import type { InterruptLine } from "../machine/device-model.ts";
import { DSP, Sb16 } from "./sb16.ts";

const BASE = 0x220;

/** The card's IRQ line on a bare controller (what the board hands a device). */
function lineOf(pic: InterruptController, line: number): InterruptLine {
  let level = false;
  return {
    line,
    get asserted() {
      return level;
    },
    set(a: boolean) {
      level = a;
      pic.setLine(line, a);
    },
  };
}

function setup() {
  const map = new MemoryMap(builtinProfile("x64-desktop"));
  const mem = new PhysicalMemory(map.pageCount * PAGE_SIZE);
  const clock = new Clock();
  const dma = new Dma8237Pair({ clock, bus: new DmaBus(map, new CoherentMemorySystem(mem)) });
  const pic = new InterruptController(16);
  const irqs: number[] = [];
  pic.attach({ deliver: () => irqs.push(clock.now) });
  const card = new Sb16({ clock, dma, irq: lineOf(pic, 5), dma8: 1, dma16: 5 });
  return { mem, clock, dma, pic, card, irqs };
}

function dsp(card: Sb16, ...bytes: number[]): void {
  for (const b of bytes) card.outb(BASE + 0xc, b);
}

/** Program channel 5 for `bytes` at pa in auto-init read mode. */
function program16(dma: Dma8237Pair, pa: number, bytes: number, auto = true): void {
  dma.outb(dmaControlPort(5, DMA_REG.SINGLE_MASK), 5);
  dma.outb(dmaControlPort(5, DMA_REG.CLEAR_FLIP_FLOP), 0);
  dma.outb(dmaControlPort(5, DMA_REG.MODE), DMA_MODE.READ | DMA_MODE.SINGLE | (auto ? DMA_MODE.AUTOINIT : 0) | 1);
  dma.outw16(dmaAddressPort(5), (pa >> 1) & 0xffff);
  dma.outb(0x8b, (pa >> 16) & 0xfe);
  dma.outw16(dmaCountPort(5), bytes / 2 - 1);
  dma.outb(dmaControlPort(5, DMA_REG.SINGLE_MASK), 1);
}

/** 16-bit stereo at 44.1 kHz, block of `samples` 16-bit samples. */
function start16(card: Sb16, samples: number, cmd = 0xb6): void {
  dsp(card, DSP.SET_OUTPUT_RATE, 44100 >> 8, 44100 & 0xff);
  dsp(card, cmd, DSP.MODE_SIGNED | DSP.MODE_STEREO, (samples - 1) & 0xff, (samples - 1) >> 8);
}

describe("SB16 card", () => {
  it("a DSP reset (1 then 0 to base+6) answers 0xAA on the read-data port; 0xE1 reports DSP 4.05", () => {
    const { card } = setup();
    card.outb(BASE + 6, 1);
    card.outb(BASE + 6, 0);
    expect(card.inb(BASE + 0xe) & 0x80).toBe(0x80);
    expect(card.inb(BASE + 0xa)).toBe(0xaa);
    dsp(card, DSP.GET_VERSION);
    expect([card.inb(BASE + 0xa), card.inb(BASE + 0xa)]).toEqual([4, 5]);
  });

  it("the mixer reports its IRQ and DMA selection (0x80, 0x81)", () => {
    const { card } = setup();
    card.outb(BASE + 4, 0x80);
    expect(card.inb(BASE + 5)).toBe(2);
    card.outb(BASE + 4, 0x81);
    expect(card.inb(BASE + 5)).toBe(0x22);
  });

  it("16-bit auto-init playback raises the IRQ at the end of each block, sets mixer 0x82 bit 1, and base+0xF acknowledges", () => {
    const { card, dma, clock, irqs, pic } = setup();
    program16(dma, 0x40000, 16384);
    start16(card, 4096);
    // A block is 4096 words at 88 200 words/s.
    const t1 = timeForUnits(4096, 88200);
    const t2 = timeForUnits(8192, 88200);
    clock.runUntil(t1);
    expect(irqs).toEqual([t1]);
    card.outb(BASE + 4, 0x82);
    expect(card.inb(BASE + 5) & 3).toBe(2);
    card.inb(BASE + 0xf);
    expect(pic.isHigh(5)).toBe(false);
    clock.runUntil(t2);
    expect(irqs).toEqual([t1, t2]);
    expect(card.format).toEqual({ sampleRate: 44100, channels: 2, bitsPerSample: 16, signed: true });
    expect(card.blockBytes).toBe(8192);
  });

  it("plays what the 8237 fetches: the capture is the buffer, again and again in auto-init", () => {
    const { card, dma, clock, mem } = setup();
    const src = Uint8Array.from({ length: 4096 }, (_, i) => (i * 13) & 0xff);
    mem.write(0x40000, src);
    program16(dma, 0x40000, 4096);
    start16(card, 1024);
    clock.runUntil(timeForUnits(2048 * 2 + 100, 88200));
    const cap = card.captured();
    expect(cap.length).toBe((2048 * 2 + 100) * 2);
    expect(cap.subarray(0, 4096)).toEqual(src);
    expect(cap.subarray(4096, 8192)).toEqual(src);
    expect(cap.subarray(8192)).toEqual(src.subarray(0, 200));
  });

  it("captured() returns a copy: playing on does not change it, and writing it does not change the card's capture", () => {
    const { card, dma, clock, mem } = setup();
    mem.write(0x40000, new Uint8Array(4096).fill(7));
    program16(dma, 0x40000, 4096);
    start16(card, 1024);
    clock.runUntil(timeForUnits(1024, 88200));
    const first = card.captured();
    const n = first.length;
    first.fill(0xee);
    clock.runUntil(timeForUnits(3000, 88200));
    expect(first.length).toBe(n);
    const later = card.captured();
    expect(later.length).toBeGreaterThan(n);
    expect(later.subarray(0, n).every((b) => b === 7)).toBe(true);
  });

  it("a block end while the IRQ line is still high (not acknowledged) is a lost interrupt", () => {
    const { card, dma, clock, irqs } = setup();
    program16(dma, 0x40000, 16384);
    start16(card, 4096);
    clock.runUntil(timeForUnits(3 * 4096, 88200));
    expect(irqs.length).toBe(1);
    expect(card.stats.lostInterrupts).toBe(2);
  });

  it("single-cycle playback stops after one block", () => {
    const { card, dma, clock, irqs } = setup();
    program16(dma, 0x40000, 16384);
    start16(card, 4096, 0xb2);
    clock.runUntil(1_000_000_000);
    expect(irqs.length).toBe(1);
    expect(card.playing).toBe(false);
    expect(card.captured().length).toBe(8192);
  });

  it("0xD9 exits auto-init at the end of the current block", () => {
    const { card, dma, clock, irqs } = setup();
    program16(dma, 0x40000, 16384);
    start16(card, 4096);
    clock.runUntil(timeForUnits(1000, 88200));
    dsp(card, DSP.EXIT_AUTO_INIT_16);
    clock.runUntil(1_000_000_000);
    expect(irqs.length).toBe(1);
    expect(card.captured().length).toBe(8192);
  });

  it("pause (0xD5) stops the stream and continue (0xD6) resumes it", () => {
    const { card, dma, clock } = setup();
    program16(dma, 0x40000, 16384);
    start16(card, 4096);
    clock.runUntil(10_000_000);
    dsp(card, DSP.PAUSE_16);
    const n = card.captured().length;
    clock.runUntil(20_000_000);
    expect(card.captured().length).toBe(n);
    dsp(card, DSP.CONTINUE_16);
    clock.runUntil(30_000_000);
    expect(card.captured().length).toBeGreaterThan(n);
  });

  it("8-bit mono playback goes over the 8-bit channel and the time constant sets the rate", () => {
    const { card, dma, clock, irqs } = setup();
    dma.outb(DMA_REG.SINGLE_MASK, 5);
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    dma.outb(DMA_REG.MODE, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT | 1);
    dma.outw16(dmaAddressPort(1), 0);
    dma.outb(0x83, 0x05);
    dma.outw16(dmaCountPort(1), 8191);
    dma.outb(DMA_REG.SINGLE_MASK, 1);
    dsp(card, DSP.SET_TIME_CONSTANT, 256 - 100); // 1e6 / 100 = 10 000 Hz
    dsp(card, 0xc6, 0x00, 0xff, 0x0f); // 8-bit auto-init, mono unsigned, 4096 samples
    expect(card.format).toEqual({ sampleRate: 10000, channels: 1, bitsPerSample: 8, signed: false });
    clock.runUntil(timeForUnits(4096, 10000));
    expect(irqs.length).toBe(1);
    card.outb(BASE + 4, 0x82);
    expect(card.inb(BASE + 5) & 3).toBe(1);
    card.inb(BASE + 0xe);
    card.outb(BASE + 4, 0x82);
    expect(card.inb(BASE + 5) & 3).toBe(0);
  });

  it("when the channel is masked the card gets nothing and raises no block interrupt", () => {
    const { card, dma, clock, irqs } = setup();
    program16(dma, 0x40000, 16384);
    dma.outb(dmaControlPort(5, DMA_REG.SINGLE_MASK), 5);
    start16(card, 4096);
    clock.runUntil(1_000_000_000);
    expect(irqs.length).toBe(0);
    expect(card.captured().length).toBe(0);
  });

  it("rejects channels an SB16 cannot use and ports that are not its own", () => {
    const { card, clock, dma, pic } = setup();
    expect(() => new Sb16({ clock, dma, irq: lineOf(pic, 5), dma8: 2, dma16: 5 })).toThrow(RangeError);
    expect(() => card.inb(0x230)).toThrow(RangeError);
  });

  it("recording (input bit 0x08) fills memory from the input source through a write transfer", () => {
    const map = new MemoryMap(builtinProfile("x64-desktop"));
    const mem = new PhysicalMemory(map.pageCount * PAGE_SIZE);
    const clock = new Clock();
    const dma = new Dma8237Pair({ clock, bus: new DmaBus(map, new CoherentMemorySystem(mem)) });
    const pic = new InterruptController(16);
    pic.attach({ deliver: () => undefined });
    let next = 0;
    const card = new Sb16({ clock, dma, irq: lineOf(pic, 5), dma8: 1, dma16: 5, input: (d) => d.forEach((_, i) => (d[i] = next++ & 0xff)) });
    dma.outb(DMA_REG.SINGLE_MASK, 5);
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    dma.outb(DMA_REG.MODE, DMA_MODE.WRITE | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT | 1);
    dma.outw16(dmaAddressPort(1), 0);
    dma.outb(0x83, 0x06);
    dma.outw16(dmaCountPort(1), 255);
    dma.outb(DMA_REG.SINGLE_MASK, 1);
    dsp(card, DSP.SET_INPUT_RATE, 8000 >> 8, 8000 & 0xff);
    dsp(card, 0xce, 0x00, 127, 0); // 8-bit input, auto-init, FIFO; blocks of 128 samples
    clock.runUntil(timeForUnits(256, 8000));
    dma.sync();
    expect(mem.readU8(0x60000)).toBe(0);
    expect(mem.readU8(0x600ff)).toBe(255);
    expect(card.captured().length).toBe(0); // nothing is played while recording
  });

  it("the legacy 8-bit commands: 0x48 sets the block size for 0x1C auto-init; 0x14 plays one block of its own length", () => {
    const { card, dma, clock, irqs } = setup();
    const prog8 = (): void => {
      dma.outb(DMA_REG.SINGLE_MASK, 5);
      dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
      dma.outb(DMA_REG.MODE, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT | 1);
      dma.outw16(dmaAddressPort(1), 0);
      dma.outb(0x83, 0x05);
      dma.outw16(dmaCountPort(1), 4095);
      dma.outb(DMA_REG.SINGLE_MASK, 1);
    };
    prog8();
    dsp(card, DSP.SET_TIME_CONSTANT, 256 - 125); // 8000 Hz
    dsp(card, DSP.SET_BLOCK_SIZE, 0xff, 0x07); // 2048 bytes
    dsp(card, DSP.AUTO_INIT_8_LEGACY);
    clock.runUntil(timeForUnits(2048, 8000));
    expect(irqs.length).toBe(1);
    card.inb(BASE + 0xe);
    clock.runUntil(timeForUnits(4096, 8000));
    expect(irqs.length).toBe(2);
    card.inb(BASE + 0xe);
    dsp(card, DSP.SINGLE_CYCLE_8_LEGACY, 0xff, 0x00); // 256 bytes, then stop
    const t = clock.now;
    clock.runUntil(t + 1_000_000_000);
    expect(irqs.length).toBe(3);
    expect(irqs[2]).toBe(t + timeForUnits(256, 8000));
    expect(card.playing).toBe(false);
  });

  it("0xD1 / 0xD3 switch the speaker on and off", () => {
    const { card } = setup();
    dsp(card, DSP.SPEAKER_ON);
    expect(card.speakerOn).toBe(true);
    dsp(card, DSP.SPEAKER_OFF);
    expect(card.speakerOn).toBe(false);
  });
});
