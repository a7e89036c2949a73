/**
 * The built-in device models, declared through the same device-model API a
 * user's own device uses (machine/device-model.ts).
 */
import type { Board } from "../machine/board.ts";
import type { AccessSize, DeviceInstance, DeviceModel, RegisterHandler } from "../machine/device-model.ts";
import { Plx9656, PLX_REG_WINDOW, PLX_SRAM_SIZE } from "./plx9656.ts";
import { SB16_DEFAULT_BASE, Sb16 } from "./sb16.ts";

/** A device with no registers: it only masters the bus (or not), for drivers that just allocate common buffers. */
export const genericModel: DeviceModel = {
  model: "generic",
  description: "a device with no registers (a PDO to allocate common buffers for)",
  buses: ["pci", "isa", "internal"],
  create: () => ({}),
};

/** The SB16 instance with its port handler. */
export interface Sb16Device extends DeviceInstance {
  readonly card: Sb16;
}

/** A Sound Blaster 16 at its ISA ports (default 0x220), on its IRQ and its 8- and 16-bit ISA DMA channels. */
export const sb16Model: DeviceModel<Sb16Device> = {
  model: "sb16",
  description: "Sound Blaster 16: ISA, 16 ports at 0x220, system DMA (8-bit and 16-bit channels), one IRQ",
  buses: ["isa"],
  bars: [{ kind: "port", size: 0x10, base: SB16_DEFAULT_BASE }],
  interrupt: "required",
  isaDma: true,
  busMaster: false,
  create(ctx) {
    const irq = ctx.irq;
    const dma = ctx.isaDma;
    if (irq === null || dma === null) throw new RangeError(`${ctx.name}: an SB16 needs an IRQ and the ISA DMA controller`);
    const chans = ctx.dmaChannels.length > 0 ? ctx.dmaChannels : [1, 5];
    const dma8 = chans.find((c) => c < 4) ?? 1;
    const dma16 = chans.find((c) => c > 4) ?? -1;
    const base = ctx.bars[0]?.base ?? SB16_DEFAULT_BASE;
    const card = new Sb16({ clock: ctx.clock, dma, irq, dma8, dma16, base, name: ctx.name });
    const ports: RegisterHandler = {
      read: (o, size) => byteWise(size, (i) => card.inb(base + o + i)),
      write: (o, size, v) => {
        for (let i = 0; i < size; i++) card.outb(base + o + i, (v >>> (8 * i)) & 0xff);
      },
    };
    return { card, registers: [ports] };
  },
};

/** The PLX 9656 instance. */
export interface Plx9656Device extends DeviceInstance {
  readonly plx: Plx9656;
}

/** BAR0 as the chip decodes it: the register window, the rest reserved (reads 0). */
const PLX_BAR0 = 0x200;

/**
 * PLX PCI 9656: BAR0 the local configuration registers in memory space
 * (0x200 bytes), BAR1 the same registers in I/O space (0x100 ports), BAR2 the
 * local SRAM (local space 0). Settings (profile `params`): busRate (bytes/s),
 * transactionLatencyNs.
 */
export const plx9656Model: DeviceModel<Plx9656Device> = {
  model: "plx9656",
  description: "PLX PCI 9656 bus master: registers at BAR0 (MMIO) and BAR1 (ports), 128 KiB SRAM at BAR2, two scatter/gather DMA channels",
  buses: ["pci"],
  bars: [
    { kind: "mmio", size: PLX_BAR0 },
    { kind: "port", size: 0x100 },
    { kind: "mmio", size: PLX_SRAM_SIZE },
  ],
  interrupt: "optional",
  create(ctx) {
    const dma = ctx.dma;
    if (dma === null) throw new RangeError(`${ctx.name}: a PLX 9656 is a bus master`);
    const busRate = numberParam(ctx.params, "busRate", ctx.name);
    const transactionLatencyNs = numberParam(ctx.params, "transactionLatencyNs", ctx.name);
    const plx = new Plx9656({ read: (_m, la, dst) => dma.read(la, dst), write: (_m, la, src) => dma.write(la, src) }, ctx.clock, {
      busMaster: dma.master,
      ...(busRate === undefined ? {} : { busRate }),
      ...(transactionLatencyNs === undefined ? {} : { transactionLatencyNs }),
    });
    const irq = ctx.irq;
    if (irq !== null) plx.onInterrupt = (level) => irq.set(level);
    const regs: RegisterHandler = {
      read: (o, size) => {
        if (o + size > PLX_REG_WINDOW) return 0;
        if (size === 4 && o % 4 === 0) return plx.readRegisterUlong(o);
        // A byte register (DMACSR): no per-byte callback for the common case.
        if (size === 1) return plx.readRegisterUchar(o);
        return byteWise(size, (i) => plx.readRegisterUchar(o + i));
      },
      write: (o, size, v) => {
        if (o + size > PLX_REG_WINDOW) return;
        if (size === 4 && o % 4 === 0) plx.writeRegisterUlong(o, v);
        else for (let i = 0; i < size; i++) plx.writeRegisterUchar(o + i, (v >>> (8 * i)) & 0xff);
      },
    };
    const sram = new DataView(plx.sram.buffer, plx.sram.byteOffset, plx.sram.byteLength);
    const local: RegisterHandler = {
      read: (o, size) => (size === 1 ? sram.getUint8(o) : size === 2 ? sram.getUint16(o, true) : sram.getUint32(o, true)),
      write: (o, size, v) => (size === 1 ? sram.setUint8(o, v) : size === 2 ? sram.setUint16(o, v, true) : sram.setUint32(o, v, true)),
    };
    return { plx, registers: [regs, regs, local] };
  },
};

function byteWise(size: AccessSize, byte: (i: number) => number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v |= (byte(i) & 0xff) << (8 * i);
  return v >>> 0;
}

function numberParam(params: Readonly<Record<string, unknown>>, key: string, device: string): number | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number") throw new RangeError(`${device}: params.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** The SB16 behind a board device (RangeError naming what is there when it is not an SB16). */
export function sb16On(board: Board, name: string): Sb16 {
  return board.instanceOf<Sb16Device>(name, "sb16").card;
}

/** The PLX 9656 behind a board device. */
export function plx9656On(board: Board, name: string): Plx9656 {
  return board.instanceOf<Plx9656Device>(name, "plx9656").plx;
}
