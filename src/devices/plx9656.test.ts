import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { MmAllocateContiguousMemory, MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { BusMaster } from "../machine/bus.ts";
import {
  DESC_PTR_FROM_DEVICE,
  DESC_PTR_LAST,
  DESC_PTR_PCI,
  DMACSR_ABORT,
  DMACSR_CLEAR,
  DMACSR_DONE,
  DMACSR_ENABLE,
  DMACSR_START,
  DMAMODE_CLEAR_COUNT,
  DMAMODE_DAC_CHAIN_LOAD,
  DMAMODE_DONE_INT_ENABLE,
  DMAMODE_INT_TO_PCI,
  DMAMODE_SG_MODE,
  DTE_SIZE,
  INTCSR_DMA0_INT_ACTIVE,
  INTCSR_DMA0_INT_ENABLE,
  INTCSR_DMA1_INT_ENABLE,
  INTCSR_PCI_INT_ENABLE,
  Plx9656,
  PLX_REG,
} from "./plx9656.ts";

const MASTER: BusMaster = { name: "plx9656", domain: -1, coherent: true };

function alloc(k: Kernel, bytes: number): { va: number; pa: number } {
  const va = MmAllocateContiguousMemory(k, bytes, physicalAddress(0xffff_ffffn));
  if (va === null) throw new Error("no memory");
  return { va, pa: Number(MmGetPhysicalAddress(k, va).QuadPart) };
}

/** Write one DTE at ring index i (the driver's view: CPU stores through the VA). */
function dte(k: Kernel, ringVa: number, i: number, pci: number, local: number, size: number, next: number): void {
  const b = new Uint8Array(DTE_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, pci % 0x1_0000_0000, true);
  dv.setUint32(4, local, true);
  dv.setUint32(8, size, true);
  dv.setUint32(12, next >>> 0, true);
  dv.setUint32(16, Math.floor(pci / 0x1_0000_0000), true);
  k.cpu.writeBytes(ringVa + i * DTE_SIZE, b);
}

describe("PLX 9656 device model", () => {
  it("chained DMA to the device fetches each 32-byte element through the bus and copies host memory into SRAM", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ring = alloc(k, 4096);
    const data = alloc(k, 8192);
    const src = new Uint8Array(6000).map((_, i) => (i * 7) & 0xff);
    k.cpu.writeBytes(data.va, src);
    dte(k, ring.va, 0, data.pa, 0x100, 4000, (ring.pa + 32) | DESC_PTR_PCI);
    dte(k, ring.va, 1, data.pa + 4000, 0x100 + 4000, 2000, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI);
    plx.writeRegisterUlong(PLX_REG.INTCSR, INTCSR_PCI_INT_ENABLE | INTCSR_DMA0_INT_ENABLE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    const levels: boolean[] = [];
    plx.onInterrupt = (l) => levels.push(l);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    expect(plx.busy(0)).toBe(true);
    k.clock.runUntilIdle();
    expect(plx.sram.subarray(0x100, 0x100 + 6000)).toEqual(src);
    expect(plx.readRegisterUchar(PLX_REG.DMACSR0) & DMACSR_DONE).toBe(DMACSR_DONE);
    expect(plx.readRegisterUlong(PLX_REG.INTCSR) & INTCSR_DMA0_INT_ACTIVE).toBe(INTCSR_DMA0_INT_ACTIVE);
    expect(levels).toEqual([true]);
    expect(plx.history().map((r) => r.descriptorAddress)).toEqual([ring.pa, ring.pa + 32]);
  });

  it("chained DMA from the device writes SRAM to host memory and, in clear-count mode, zeroes each element's TransferSize", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ring = alloc(k, 4096);
    const data = alloc(k, 8192);
    plx.sram.set(new Uint8Array(5000).fill(0x5a), 0);
    dte(k, ring.va, 0, data.pa, 0, 3000, (ring.pa + 32) | DESC_PTR_PCI | DESC_PTR_FROM_DEVICE);
    dte(k, ring.va, 1, data.pa + 3000, 3000, 2000, DESC_PTR_PCI | DESC_PTR_LAST | DESC_PTR_FROM_DEVICE);
    plx.writeRegisterUlong(PLX_REG.DMAMODE1, DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI | DMAMODE_CLEAR_COUNT);
    plx.writeRegisterUlong(PLX_REG.INTCSR, INTCSR_PCI_INT_ENABLE | INTCSR_DMA1_INT_ENABLE);
    plx.writeRegisterUlong(PLX_REG.DMADPR1, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR1, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(k.cpu.readBytes(data.va, 5000)).toEqual(new Uint8Array(5000).fill(0x5a));
    expect(k.cpu.readU32(ring.va + 8)).toBe(0);
    expect(k.cpu.readU32(ring.va + 32 + 8)).toBe(0);
    expect(plx.interruptAsserted).toBe(true);
  });

  it("writing Clear to DMACSR drops the channel's interrupt", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ring = alloc(k, 4096);
    dte(k, ring.va, 0, ring.pa + 2048, 0, 16, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI);
    plx.writeRegisterUlong(PLX_REG.INTCSR, INTCSR_PCI_INT_ENABLE | INTCSR_DMA0_INT_ENABLE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.interruptAsserted).toBe(true);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, plx.readRegisterUchar(PLX_REG.DMACSR0) | DMACSR_CLEAR);
    expect(plx.interruptAsserted).toBe(false);
  });

  it("the transfer takes simulated time at the configured bus rate (8 KiB at 528 MB/s is about 15.5 us)", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER, busRate: 528e6, transactionLatencyNs: 0 });
    const ring = alloc(k, 4096);
    const data = alloc(k, 8192);
    dte(k, ring.va, 0, data.pa, 0, 8192, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(k.clock.now).toBeCloseTo(((8192 + 32) / 528e6) * 1e9, 3);
  });

  it("the descriptor pointer keeps only 32 address bits: a ring above 4 GiB is fetched from its low 32 bits", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const high = 0x1_0000_0000 + 0x20_0000;
    // The driver writes LowPart >> 4 into the 28-bit field, as the sample does.
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ((high % 0x1_0000_0000) >>> 4 << 4) | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history()[0]?.descriptorAddress).toBe(0x20_0000);
  });

  it("with DAC chain load the element's PciAddressHigh supplies the upper address bits; without it DMADAC does", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ring = alloc(k, 4096);
    dte(k, ring.va, 0, 0x1_2345_0000, 0, 64, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE | DMAMODE_DAC_CHAIN_LOAD);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history()[0]?.pciAddress).toBe(0x1_2345_0000);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE);
    plx.writeRegisterUlong(PLX_REG.DMADAC0, 0);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history()[1]?.pciAddress).toBe(0x2345_0000);
  });

  it("a blocked descriptor fetch ends the chain, records the element as failed and the bus records the fault", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE);
    // 0xC0000000 is the PCI hole: not RAM.
    plx.writeRegisterUlong(PLX_REG.DMADPR0, 0xc000_0000 | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history()[0]?.ok).toBe(false);
    expect(k.bus.faults[0]?.reason).toBe("not-ram");
    expect(plx.readRegisterUchar(PLX_REG.DMACSR0) & DMACSR_DONE).toBe(DMACSR_DONE);
  });

  it("rejects a register offset outside BAR 0 or misaligned with a RangeError", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    expect(() => plx.readRegisterUlong(0x200)).toThrow(RangeError);
    expect(() => plx.writeRegisterUlong(0x82, 1)).toThrow(RangeError);
    expect(() => new Plx9656(k.bus, k.clock, { busMaster: MASTER, busRate: 0 })).toThrow(RangeError);
  });

  it("block mode (scatter/gather off) moves DMASIZ bytes between DMAPADR and DMALADR and raises done", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const data = alloc(k, 4096);
    k.cpu.writeBytes(data.va, new Uint8Array(100).fill(9));
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_DONE_INT_ENABLE);
    plx.writeRegisterUlong(PLX_REG.DMAPADR0, data.pa);
    plx.writeRegisterUlong(PLX_REG.DMALADR0, 0x40);
    plx.writeRegisterUlong(PLX_REG.DMASIZ0, 100);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, 0);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.sram.subarray(0x40, 0x40 + 100)).toEqual(new Uint8Array(100).fill(9));
    expect(plx.readRegisterUlong(PLX_REG.INTCSR) & INTCSR_DMA0_INT_ACTIVE).toBe(INTCSR_DMA0_INT_ACTIVE);
  });

  it("Abort stops a running chain: the channel reports Done and moves nothing more", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ring = alloc(k, 4096);
    const data = alloc(k, 8192);
    k.cpu.writeBytes(data.va, new Uint8Array(64).fill(5));
    dte(k, ring.va, 0, data.pa, 0, 64, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ring.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_ABORT);
    k.clock.runUntilIdle();
    expect(plx.busy(0)).toBe(false);
    expect(plx.readRegisterUchar(PLX_REG.DMACSR0) & DMACSR_DONE).toBe(DMACSR_DONE);
    expect(plx.sram[0]).toBe(0);
  });
  it("an abort and a restart on a new ring before the aborted chain's first fetch: that fetch still reads the old ring, the new chain its own (each element once, in order)", () => {
    const k = bootMachine("x64-desktop");
    const plx = new Plx9656(k.bus, k.clock, { busMaster: MASTER });
    const ringA = alloc(k, 4096);
    const ringB = alloc(k, 4096);
    const data = alloc(k, 8192);
    k.cpu.writeBytes(data.va, new Uint8Array(256).fill(0xa1));
    k.cpu.writeBytes(data.va + 4096, new Uint8Array(256).fill(0xb2));
    dte(k, ringA.va, 0, data.pa, 0, 256, DESC_PTR_PCI | DESC_PTR_LAST);
    dte(k, ringB.va, 0, data.pa + 4096, 0x1000, 256, DESC_PTR_PCI | DESC_PTR_LAST);
    plx.writeRegisterUlong(PLX_REG.DMAMODE0, DMAMODE_SG_MODE | DMAMODE_DONE_INT_ENABLE);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ringA.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_ABORT);
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ringB.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history().map((r) => r.descriptorAddress)).toEqual([ringA.pa, ringB.pa]);
    expect(plx.sram[0]).toBe(0xa1);
    expect(plx.sram[0x1000]).toBe(0xb2);
    // Later chains on the channel run as usual.
    plx.writeRegisterUlong(PLX_REG.DMADPR0, ringA.pa | DESC_PTR_PCI);
    plx.writeRegisterUchar(PLX_REG.DMACSR0, DMACSR_ENABLE | DMACSR_START);
    k.clock.runUntilIdle();
    expect(plx.history().map((r) => r.descriptorAddress)).toEqual([ringA.pa, ringB.pa, ringA.pa]);
  });
});
