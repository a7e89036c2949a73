import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { builtinProfile } from "./builtin-profiles.ts";
import { DmaBus } from "./bus.ts";
import { Clock } from "./clock.ts";
import { DMA_BLOCK_RATE, DMA_MODE, DMA_REG, Dma8237Pair, type DmaDevice, type DmaWrapEvent, dmaAddressPort, dmaControlPort, dmaCountPort, timeForUnits, unitsInTime } from "./dma8237.ts";
import { MemoryMap } from "./memory-map.ts";
import { CoherentMemorySystem } from "./memory-system.ts";
import { PhysicalMemory } from "./physical-memory.ts";

function setup() {
  const map = new MemoryMap(builtinProfile("x64-desktop"));
  const mem = new PhysicalMemory(map.pageCount * PAGE_SIZE);
  const clock = new Clock();
  const bus = new DmaBus(map, new CoherentMemorySystem(mem));
  const dma = new Dma8237Pair({ clock, bus });
  return { mem, clock, bus, dma };
}

/** A device that records what it is given and counts TC pulses. */
class Recorder implements DmaDevice {
  chunks: Uint8Array[] = [];
  tcs = 0;
  changes = 0;
  fill = 0x5a;
  dmaRead(_c: number, d: Uint8Array): void {
    this.chunks.push(d.slice());
  }
  dmaWrite(_c: number, d: Uint8Array): void {
    d.fill(this.fill);
  }
  terminalCount(): void {
    this.tcs++;
  }
  dmaStateChanged(): void {
    this.changes++;
  }
  /** Everything received so far (the test catches the controller up first, as any port access would). */
  all(dma: Dma8237Pair): Uint8Array {
    dma.sync();
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Program a channel through the ports as a driver (or the HAL) does. */
function program(dma: Dma8237Pair, ch: number, physical: number, units: number, mode: number): void {
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), 4 | (ch & 3));
  dma.outb(dmaControlPort(ch, DMA_REG.CLEAR_FLIP_FLOP), 0);
  dma.outb(dmaControlPort(ch, DMA_REG.MODE), mode | (ch & 3));
  const wide = ch >= 4;
  dma.outw16(dmaAddressPort(ch), wide ? (physical >> 1) & 0xffff : physical & 0xffff);
  const pagePorts = [0x87, 0x83, 0x81, 0x82, 0x8f, 0x8b, 0x89, 0x8a];
  dma.outb(pagePorts[ch] as number, (physical >>> 16) & (wide ? 0xfe : 0xff));
  dma.outw16(dmaCountPort(ch), units - 1);
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), ch & 3);
}

function readCount(dma: Dma8237Pair, ch: number): number {
  dma.outb(dmaControlPort(ch, DMA_REG.CLEAR_FLIP_FLOP), 0);
  const lo = dma.inb(dmaCountPort(ch));
  return lo | (dma.inb(dmaCountPort(ch)) << 8);
}

function fillPattern(mem: PhysicalMemory, pa: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
  mem.write(pa, b);
  return b;
}

describe("8237A register behaviour", () => {
  it("the byte flip-flop selects low then high byte and a clear resets it to low", () => {
    const { dma } = setup();
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    dma.outb(dmaAddressPort(1), 0x34);
    dma.outb(dmaAddressPort(1), 0x12);
    expect(dma.channel(1).baseAddress).toBe(0x1234);
    dma.outb(dmaAddressPort(1), 0x78); // the flip-flop is back at low after two accesses
    expect(dma.channel(1).baseAddress).toBe(0x1278);
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    expect(dma.inb(dmaAddressPort(1))).toBe(0x78);
    // A read toggles it too: the next access is the high byte.
    dma.outb(dmaAddressPort(1), 0x56);
    expect(dma.channel(1).baseAddress).toBe(0x5678);
  });

  it("each controller has its own flip-flop", () => {
    const { dma } = setup();
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    dma.outb(dmaControlPort(5, DMA_REG.CLEAR_FLIP_FLOP), 0);
    dma.outb(dmaAddressPort(1), 0x11); // DMA1 now expects the high byte
    dma.outb(dmaAddressPort(5), 0x22); // DMA2 still low
    expect(dma.channel(5).baseAddress).toBe(0x0022);
  });

  it("writing an address or count sets base and current together; reads return current", () => {
    const { dma, clock } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    program(dma, 1, 0x20000, 100, DMA_MODE.READ | DMA_MODE.SINGLE);
    const st = dma.channel(1);
    expect([st.baseAddress, st.currentAddress, st.baseCount, st.currentCount]).toEqual([0, 0, 99, 99]);
    dma.setRequest(1, 1_000_000); // 1 byte per microsecond
    clock.runUntil(10_000);
    expect(readCount(dma, 1)).toBe(89);
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    expect(dma.inb(dmaAddressPort(1)) | (dma.inb(dmaAddressPort(1)) << 8)).toBe(10);
    expect(dma.channel(1).baseCount).toBe(99);
  });

  it("the count register holds N-1: programming N-1 moves exactly N units", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    const src = fillPattern(mem, 0x30000, 64);
    program(dma, 1, 0x30000, 16, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(1_000_000);
    expect(dev.all(dma)).toEqual(src.subarray(0, 16));
    expect(dma.servedUnits(1)).toBe(16);
  });

  it("at terminal count without auto-initialize the channel masks itself, the count reads 0xFFFF and the TC status bit is set", () => {
    const { dma, clock } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    program(dma, 1, 0x30000, 16, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(100_000);
    expect(dma.isMasked(1)).toBe(true);
    expect(readCount(dma, 1)).toBe(0xffff);
    expect(dev.tcs).toBe(1);
    const status = dma.inb(DMA_REG.STATUS_COMMAND);
    expect(status & 0x0f).toBe(0x02);
    expect(status & 0x20).toBe(0x20); // channel 1's DREQ is still high
  });

  it("the TC status bits clear when the status register is read", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 4, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(100_000);
    expect(dma.inb(DMA_REG.STATUS_COMMAND) & 0x0f).toBe(0x02);
    expect(dma.inb(DMA_REG.STATUS_COMMAND) & 0x0f).toBe(0);
  });

  it("with auto-initialize the current registers reload from base at TC and the transfer goes on, mask clear", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    const src = fillPattern(mem, 0x30000, 8);
    program(dma, 1, 0x30000, 8, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(20_000); // 20 bytes: two and a half passes
    expect(dma.isMasked(1)).toBe(false);
    const st = dma.channel(1);
    expect(st.currentCount).toBe(3); // 8 - 4 - 1
    expect(st.currentAddress).toBe(4);
    expect(dev.tcs).toBe(2);
    const all = dev.all(dma);
    expect(all.subarray(0, 8)).toEqual(src);
    expect(all.subarray(8, 16)).toEqual(src);
    expect(all.subarray(16, 20)).toEqual(src.subarray(0, 4));
  });

  it("at the instant of an auto-initialize TC the count already reads the full base count again", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 8, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(8_000);
    expect(readCount(dma, 1)).toBe(7);
  });

  it("16-bit channels count words, shift the address left one bit and use page bits 7:1 (128 KiB pages)", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dma.attach(5, dev, "dev");
    // 0x3_0000 + 0x1_0000: upper half of the 128 KiB page at 0x20000 (A16 comes from the address register).
    const pa = 0x30000;
    const src = fillPattern(mem, pa, 32);
    program(dma, 5, pa, 16, DMA_MODE.READ | DMA_MODE.SINGLE);
    const st = dma.channel(5);
    expect(st.currentAddress).toBe(0x8000); // 0x30000 >> 1, low 16 bits; A17+ from the page
    expect(st.page).toBe(0x02);
    expect(st.nextPhysical).toBe(pa);
    dma.setRequest(5, 1_000_000); // words per second
    clock.runUntil(1_000_000);
    expect(dev.all(dma)).toEqual(src); // 16 words = 32 bytes
    expect(readCount(dma, 5)).toBe(0xffff);
  });

  it("page register bit 0 is ignored on a 16-bit channel", () => {
    const { dma } = setup();
    dma.outb(0x8b, 0x03);
    dma.outb(dmaControlPort(5, DMA_REG.CLEAR_FLIP_FLOP), 0);
    dma.outw16(dmaAddressPort(5), 0);
    expect(dma.channel(5).nextPhysical).toBe(0x20000);
  });

  it("an 8-bit transfer that runs past a 64 KiB line wraps to the start of its page and the observer is told", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    const wraps: DmaWrapEvent[] = [];
    dma.observers.add({ onWrap: (e) => wraps.push(e) });
    const tail = fillPattern(mem, 0x3fff8, 8);
    const head = new Uint8Array(8).fill(0xab);
    mem.write(0x30000, head);
    program(dma, 1, 0x3fff8, 16, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(1_000_000);
    const all = dev.all(dma);
    expect(all.subarray(0, 8)).toEqual(tail);
    expect(all.subarray(8, 16)).toEqual(head); // from 0x30000, not 0x40000
    expect(wraps).toEqual([{ channel: 1, fromPhysical: 0x3ffff, toPhysical: 0x30000, pageBytes: 0x10000, time: 1_000_000 }]);
  });

  it("a 16-bit transfer wraps inside its 128 KiB page, not at 64 KiB", () => {
    const { dma, clock } = setup();
    dma.attach(5, new Recorder(), "dev");
    const wraps: DmaWrapEvent[] = [];
    dma.observers.add({ onWrap: (e) => wraps.push(e) });
    program(dma, 5, 0x2fff0, 16, DMA_MODE.READ | DMA_MODE.SINGLE); // crosses 0x30000: fine, same 128 KiB page
    dma.setRequest(5, 1_000_000);
    clock.runUntil(1_000_000);
    dma.sync();
    expect(wraps).toEqual([]);
    program(dma, 5, 0x3fff0, 16, DMA_MODE.READ | DMA_MODE.SINGLE); // crosses 0x40000: wraps to 0x20000
    clock.runUntil(2_000_000);
    dma.sync();
    expect(wraps.map((w) => [w.fromPhysical, w.toPhysical, w.pageBytes])).toEqual([[0x3fffe, 0x20000, 0x20000]]);
  });

  it("a wrap is reported even when the roll-over falls between two catch-ups", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    const wraps: DmaWrapEvent[] = [];
    dma.observers.add({ onWrap: (e) => wraps.push(e) });
    program(dma, 1, 0x3fff8, 16, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(8_000);
    dma.sync(); // exactly at the roll-over
    clock.runUntil(16_000);
    dma.sync();
    expect(wraps.length).toBe(1);
  });

  it("nothing above 16 MiB is reachable: the page register supplies only A16-A23", () => {
    const { dma } = setup();
    dma.outb(0x83, 0xff);
    dma.outb(DMA_REG.CLEAR_FLIP_FLOP, 0);
    dma.outw16(dmaAddressPort(1), 0xffff);
    expect(dma.channel(1).nextPhysical).toBe(0xffffff);
  });

  it("address decrement mode walks down and the device gets the bytes in transfer order", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    mem.write(0x30000, Uint8Array.of(1, 2, 3, 4));
    program(dma, 1, 0x30003, 4, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.DECREMENT);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(1_000_000);
    expect([...dev.all(dma)]).toEqual([4, 3, 2, 1]);
    expect(dma.channel(1).currentAddress).toBe(0xffff);
  });

  it("a write transfer (device to memory) stores what the device supplies", () => {
    const { dma, clock, mem } = setup();
    const dev = new Recorder();
    dev.fill = 0x77;
    dma.attach(1, dev, "dev");
    program(dma, 1, 0x30000, 8, DMA_MODE.WRITE | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(1_000_000);
    dma.sync();
    expect(mem.readU8(0x30007)).toBe(0x77);
    expect(mem.readU8(0x30008)).not.toBe(0x77);
  });

  it("verify mode counts without touching memory or the device's data", () => {
    const { dma, clock } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    program(dma, 1, 0x30000, 8, DMA_MODE.VERIFY | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(1_000_000);
    dma.sync();
    expect(dma.servedUnits(1)).toBe(8);
    expect(dev.chunks.length).toBe(0);
    expect(readCount(dma, 1)).toBe(0xffff);
  });

  it("a masked channel does not transfer; single mask, clear-all and write-all masks work", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 100, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.outb(DMA_REG.SINGLE_MASK, 4 | 1);
    dma.setRequest(1, 1_000_000);
    clock.runUntil(10_000);
    expect(readCount(dma, 1)).toBe(99);
    dma.outb(DMA_REG.CLEAR_MASKS, 0);
    clock.runUntil(20_000);
    expect(readCount(dma, 1)).toBe(89);
    dma.outb(DMA_REG.WRITE_ALL_MASKS, 0x2);
    expect(dma.isMasked(1)).toBe(true);
    expect(dma.isMasked(0)).toBe(false);
  });

  it("DMA1 channels stop when the cascade channel 4 is masked", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 100, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    dma.outb(dmaControlPort(4, DMA_REG.SINGLE_MASK), 4);
    clock.runUntil(10_000);
    expect(readCount(dma, 1)).toBe(99);
  });

  it("the controller-disable command bit stops every channel of that controller", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 100, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 1_000_000);
    dma.outb(DMA_REG.STATUS_COMMAND, 0x04);
    clock.runUntil(10_000);
    expect(readCount(dma, 1)).toBe(99);
  });

  it("master clear masks all four channels and clears flip-flop, status and requests", () => {
    const { dma } = setup();
    dma.outb(DMA_REG.CLEAR_MASKS, 0);
    dma.outb(dmaAddressPort(0), 0x12); // flip-flop now high
    dma.outb(DMA_REG.TEMP_MASTER_CLEAR, 0);
    expect([0, 1, 2, 3].map((c) => dma.isMasked(c))).toEqual([true, true, true, true]);
    dma.outb(dmaAddressPort(0), 0x34); // low byte again
    expect(dma.channel(0).baseAddress & 0xff).toBe(0x34);
  });

  it("a software request in block mode runs to TC at bus speed and clears the request bit", () => {
    const { dma, clock } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 1000, DMA_MODE.READ | DMA_MODE.BLOCK);
    dma.outb(DMA_REG.REQUEST, 4 | 1);
    expect(dma.inb(DMA_REG.STATUS_COMMAND) & 0x20).toBe(0x20);
    clock.runUntil(timeForUnits(1000, DMA_BLOCK_RATE));
    expect(readCount(dma, 1)).toBe(0xffff);
    expect(dma.inb(DMA_REG.STATUS_COMMAND)).toBe(0x02);
  });

  it("channel 4 cannot take a device and undecoded ports read 0xFF", () => {
    const { dma } = setup();
    expect(() => dma.attach(4, new Recorder(), "x")).toThrow(RangeError);
    expect(dma.inb(0xc1)).toBe(0xff);
    expect(() => dma.outb(0x0a, 256)).toThrow(RangeError);
    expect(() => dma.setRequest(8, 1)).toThrow(RangeError);
  });

  it("the current count is exact at any instant: floor(t * rate / 1e9) units have moved", () => {
    const { dma, clock } = setup();
    dma.attach(5, new Recorder(), "dev");
    program(dma, 5, 0x40000, 8192, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT);
    dma.setRequest(5, 88_200);
    for (const t of [1, 11_337, 11_338, 46_439_909, 92_879_819, 92_879_820, 123_456_789]) {
      clock.runUntil(t);
      const moved = unitsInTime(t, 88_200);
      expect(readCount(dma, 5)).toBe(8191 - (moved % 8192)); // reloads to 8191 at each TC
    }
  });

  it("timeOfServed gives the first instant a unit count is reached, Infinity when masked or past TC without auto-init", () => {
    const { dma } = setup();
    dma.attach(1, new Recorder(), "dev");
    program(dma, 1, 0x30000, 10, DMA_MODE.READ | DMA_MODE.SINGLE);
    dma.setRequest(1, 3);
    expect(dma.timeOfServed(1, 1)).toBe(333_333_334);
    expect(dma.timeOfServed(1, 11)).toBe(Infinity);
    dma.outb(DMA_REG.SINGLE_MASK, 5);
    expect(dma.timeOfServed(1, 1)).toBe(Infinity);
  });

  it("a device is told when its channel starts or stops being serviced", () => {
    const { dma } = setup();
    const dev = new Recorder();
    dma.attach(1, dev, "dev");
    dma.setRequest(1, 1000);
    expect(dev.changes).toBe(0); // still masked
    program(dma, 1, 0x30000, 10, DMA_MODE.READ | DMA_MODE.SINGLE);
    expect(dev.changes).toBe(1);
  });

  it("with port accesses costing time, a count read can tear on a borrow between its two byte reads", () => {
    const { dma, clock } = setup();
    dma.attach(5, new Recorder(), "dev");
    program(dma, 5, 0x40000, 8192, DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT);
    dma.setRequest(5, 88_200);
    dma.setIoAccessNs(1000);
    // The count is 0x1F00 from word 255 (2 891 157 ns) until word 256 (2 902 495 ns).
    clock.runUntil(2_900_000);
    dma.outb(dmaControlPort(5, DMA_REG.CLEAR_FLIP_FLOP), 0); // at 2 901 000
    const lo = dma.inb(dmaCountPort(5)); // at 2 902 000: 0x1F00 -> 0x00
    const hi = dma.inb(dmaCountPort(5)); // at 2 903 000: 0x1EFF -> 0x1E
    expect((hi << 8) | lo).toBe(0x1e00); // neither 0x1F00 nor 0x1EFF
    expect(dma.channel(5).currentCount).toBe(0x1eff);
  });

  it("rejects a negative port access cost", () => {
    const { dma } = setup();
    expect(() => dma.setIoAccessNs(-1)).toThrow(RangeError);
  });
});
