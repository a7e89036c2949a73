import { describe, expect, it } from "vitest";
import { bootMachine } from "../kernel/kernel.ts";
import { DMA_MODE, dmaControlPort, DMA_REG } from "../machine/dma8237.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { sb16On } from "../devices/builtin-models.ts";
import { READ_PORT_UCHAR, WRITE_PORT_UCHAR } from "../kernel/io-space.ts";
import { isaDmaOf, programChannel, readCountRegister } from "./system-dma.ts";

describe("system DMA on the board", () => {
  it("READ_PORT_UCHAR / WRITE_PORT_UCHAR reach the 8237, the page registers and the SB16; other ports read 0xFF", () => {
    const k = bootMachine("x64-desktop");
    WRITE_PORT_UCHAR(k, 0x8b, 0x12);
    expect(READ_PORT_UCHAR(k, 0x8b)).toBe(0x12);
    WRITE_PORT_UCHAR(k, 0x226, 1);
    WRITE_PORT_UCHAR(k, 0x226, 0);
    expect(READ_PORT_UCHAR(k, 0x22a)).toBe(0xaa);
    expect(READ_PORT_UCHAR(k, 0x3f8)).toBe(0xff);
    WRITE_PORT_UCHAR(k, 0x3f8, 1); // nothing there: ignored
  });

  it("the profile's SB16 sits on its DMA channels and IRQ", () => {
    const k = bootMachine("x64-desktop");
    const card = sb16On(k.board, "sb16");
    expect([card.dma8, card.dma16, card.irq]).toEqual([1, 5, 5]);
    expect(() => sb16On(k.board, "plx9656")).toThrow(/is a plx9656, not a sb16/);
  });

  it("an ARM64 machine has no system DMA controller", () => {
    expect(() => isaDmaOf(bootMachine("arm64-soc"))).toThrow(/arm64-soc \(arm64\) has no ISA system DMA controller/);
  });

  it("programChannel writes the HAL's sequence: mode, word address (physical >> 1, low 16 bits), page with bit 0 clear, count - 1, unmasked", () => {
    const k = bootMachine("x64-desktop");
    programChannel(k, { channel: 5, physical: 0x123000, bytes: 0x4000, writeToDevice: true, autoInitialize: true, demandMode: false });
    const ch = isaDmaOf(k).channel(5);
    expect([ch.mode, ch.baseAddress, ch.page, ch.baseCount, ch.masked, ch.nextPhysical]).toEqual([DMA_MODE.READ | DMA_MODE.AUTOINIT | DMA_MODE.SINGLE, 0x1800, 0x12, 0x1fff, false, 0x123000]);
  });

  it("with port accesses costing time, the HAL's count read repeats until the high byte is stable and never returns a torn value", () => {
    const k = bootMachine("x64-desktop");
    const dma = isaDmaOf(k);
    programChannel(k, { channel: 6, physical: 0x40000, bytes: 0x4000, writeToDevice: false, autoInitialize: true, demandMode: false });
    dma.setRequest(6, 88_200);
    dma.setIoAccessNs(1000);
    // Around word 256 (2 902 495 ns) the count borrows from 0x1F00 to 0x1EFF between the low and the high byte read.
    k.clock.runUntil(2_900_000);
    const v = readCountRegister(k, 6);
    expect(v).toBe(0x1eff);
    dma.outb(dmaControlPort(6, DMA_REG.SINGLE_MASK), 6);
  });

  it("a verifier installed right after boot watches the 8237 (boundary wraps are reported)", () => {
    const k = bootMachine("x64-desktop");
    const v = installVerifier(k, { mode: "collect" });
    expect(isaDmaOf(k).observers.list).toContain(v);
    v.uninstall();
    expect(isaDmaOf(k).observers.list).not.toContain(v);
  });
});
