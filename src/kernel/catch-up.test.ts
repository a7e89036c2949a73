import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { FILL_BYTES } from "../machine/physical-memory.ts";
import { DMA_MODE, DMA_REG, type Dma8237Pair, dmaAddressPort, dmaControlPort, dmaCountPort } from "../machine/dma8237.ts";
import { bootMachine, type Kernel } from "./kernel.ts";

/** Program an 8-bit channel through its ports, as the HAL does, and unmask it. */
function program(dma: Dma8237Pair, ch: number, physical: number, units: number, mode: number): void {
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), 4 | ch);
  dma.outb(dmaControlPort(ch, DMA_REG.CLEAR_FLIP_FLOP), 0);
  dma.outb(dmaControlPort(ch, DMA_REG.MODE), mode | ch);
  dma.outw16(dmaAddressPort(ch), physical & 0xffff);
  dma.outb([0x87, 0x83, 0x81, 0x82][ch] as number, (physical >>> 16) & 0xff);
  dma.outw16(dmaCountPort(ch), units - 1);
  dma.outb(dmaControlPort(ch, DMA_REG.SINGLE_MASK), ch);
}

/** An x64 machine, a written page below 16 MiB mapped for the CPU, and a device on 8237 channel 3 (the SB16 has 1) that supplies `fill` bytes. */
function setup(): { k: Kernel; dma: Dma8237Pair; va: number; pa: number; device: { fill: number } } {
  const k = bootMachine("x64-desktop");
  const dma = k.board.isaDma as Dma8237Pair;
  const device = { fill: 0x11, dmaWrite: (_c: number, d: Uint8Array) => void d.fill(device.fill) };
  dma.attach(3, device, "card");
  const pfn = 0x30;
  const va = k.va.map([pfn], "cached", "dma target").startVa;
  k.cpu.writeU32(va, 0);
  return { k, dma, va, pa: pfn * PAGE_SIZE, device };
}

describe("the catch-up of lazily advancing devices before CPU accesses", () => {
  it("an 8237 transfer programmed between two CPU loads of a cached page has moved its bytes by the second one", () => {
    const { k, dma, va, pa } = setup();
    expect(k.cpu.readU32(va)).toBe(0);
    expect(k.board.syncState.pending).toBe(false);
    program(dma, 3, pa, 8, DMA_MODE.WRITE | DMA_MODE.SINGLE);
    dma.setRequest(3, 1_000_000);
    expect(k.board.syncState.pending).toBe(true);
    k.clock.runUntil(k.clock.now + 1_000_000);
    // Nothing caught the controller up yet: only the CPU's own load does.
    expect(k.cpu.readU32(va)).toBe(0x11111111);
    expect(k.cpu.readU8(va + 7)).toBe(0x11);
    expect(k.cpu.readU8(va + 8)).toBe(FILL_BYTES[0]);
  });

  it("once the channel stops at terminal count the flag drops, and a second transfer re-arms it", () => {
    const { k, dma, va, pa, device } = setup();
    program(dma, 3, pa, 4, DMA_MODE.WRITE | DMA_MODE.SINGLE);
    dma.setRequest(3, 1_000_000);
    k.clock.runUntil(k.clock.now + 1_000_000);
    expect(k.cpu.readU32(va)).toBe(0x11111111);
    expect(k.board.syncState.pending).toBe(false);
    k.cpu.writeU32(va, 5);
    device.fill = 0x22;
    program(dma, 3, pa, 2, DMA_MODE.WRITE | DMA_MODE.SINGLE);
    expect(k.board.syncState.pending).toBe(true);
    k.clock.runUntil(k.clock.now + 1_000_000);
    expect(k.cpu.readU16(va)).toBe(0x2222);
    expect(k.cpu.readU16(va + 2)).toBe(0);
  });

  it("a CPU store catches the transfer up first, so it is never overtaken by bytes that were due earlier", () => {
    const { k, dma, va, pa } = setup();
    program(dma, 3, pa, 8, DMA_MODE.WRITE | DMA_MODE.SINGLE);
    dma.setRequest(3, 1_000_000);
    k.clock.runUntil(k.clock.now + 1_000_000);
    k.cpu.writeU32(va, 0xcafe);
    dma.sync();
    expect(k.cpu.readU32(va)).toBe(0xcafe);
    expect(k.cpu.readU32(va + 4)).toBe(0x11111111);
  });

  it("while no channel runs, the board's sync does nothing and CPU accesses do not call it", () => {
    const { k } = setup();
    let syncs = 0;
    const board = k.board;
    const sync = board.sync.bind(board);
    board.sync = () => {
      syncs++;
      sync();
    };
    const va = k.va.map([0x31], "cached", "t").startVa;
    k.cpu.writeU32(va, 1);
    expect(k.cpu.readU32(va)).toBe(1);
    expect(syncs).toBe(0);
  });
});
