import { describe, expect, it } from "vitest";
import { genericModel, plx9656Model, sb16Model } from "../devices/builtin-models.ts";
import { e1000Model } from "../devices/e1000.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { DSP } from "../devices/sb16.ts";
import { Board } from "./board.ts";
import { DMA_MODE, DMA_REG, type Dma8237Pair, dmaAddressPort, dmaControlPort, dmaCountPort } from "./dma8237.ts";
import { builtinProfile } from "./builtin-profiles.ts";
import { type DeviceModel, DeviceModelRegistry } from "./device-model.ts";
import { type MachineProfileInput, parseProfile, ProfileError } from "./profile.ts";

function registry(...extra: DeviceModel[]): DeviceModelRegistry {
  const r = new DeviceModelRegistry();
  for (const m of [genericModel, sb16Model, plx9656Model, e1000Model, ...extra] as DeviceModel[]) r.register(m);
  return r;
}

function profile(devices: MachineProfileInput["devices"], arch: "x64" | "arm64" = "x64"): ReturnType<typeof parseProfile> {
  return parseProfile({ name: "t", arch, memory: [{ base: 0, length: "64MiB", type: "ram" }, { base: "3GiB", length: "1GiB", type: "mmio" }], devices });
}

/** A device model with one MMIO BAR of `size` bytes whose registers are a plain array. */
function scratchModel(name: string, size = 0x1000): DeviceModel {
  return {
    model: name,
    description: "registers that remember what was written",
    buses: ["pci"],
    bars: [{ kind: "mmio", size }],
    create: () => {
      const regs = new Uint32Array(size / 4);
      return { registers: [{ read: (o) => regs[o >> 2] ?? 0, write: (o, _s, v) => (regs[o >> 2] = v) }] };
    },
  };
}

describe("the board: one object that owns a machine's hardware", () => {
  it("builds every profile device by its model and owns the 8237 pair on x64, none on arm64", () => {
    const x = new Board(builtinProfile("x64-desktop"), { models: registry() });
    expect([...x.devices.keys()]).toEqual(["sb16", "plx9656", "nic0"]);
    expect(x.isaDma).not.toBeNull();
    const a = new Board(builtinProfile("arm64-soc"), { models: registry() });
    expect(a.isaDma).toBeNull();
  });

  it("an unknown device model is one clear error naming the known ones, not a silent generic device", () => {
    expect(() => new Board(profile([{ name: "card", bus: "pci", model: "sb61" }]), { models: registry() })).toThrow(ProfileError);
    expect(() => new Board(profile([{ name: "card", bus: "pci", model: "sb61" }]), { models: registry() })).toThrow(/devices\[0\] \(card\): unknown device model "sb61" \(known: e1000, generic, plx9656, sb16\)/);
  });

  it("a model on a bus it does not sit on is refused", () => {
    expect(() => new Board(profile([{ name: "s", bus: "pci", model: "sb16", irq: 5 }]), { models: registry() })).toThrow(/model sb16 sits on isa, not on the pci bus/);
  });

  it("a model that needs an interrupt line and has none in the profile is refused", () => {
    expect(() => new Board(profile([{ name: "s", bus: "isa", model: "sb16" }]), { models: registry() })).toThrow(/needs an interrupt line/);
  });

  it("PCI memory BARs are placed in the MMIO region aligned to their size (at least a page), ports from 0xC000; ISA ports at their fixed base", () => {
    const b = new Board(profile([{ name: "s", bus: "isa", model: "sb16", irq: 5, dmaChannels: [1, 5] }, { name: "p", bus: "pci", model: "plx9656", irq: 16 }]), { models: registry() });
    expect(b.device("s").bars).toEqual([{ index: 0, kind: "port", base: 0x220, size: 0x10 }]);
    const [bar0, bar1, bar2] = b.device("p").bars;
    expect(bar0).toEqual({ index: 0, kind: "mmio", base: 0xc000_0000, size: 0x200 });
    expect(bar1).toEqual({ index: 1, kind: "port", base: 0xc000, size: 0x100 });
    expect(bar2).toEqual({ index: 2, kind: "mmio", base: 0xc002_0000, size: 0x20000 });
  });

  it("a profile's bars fix a BAR's base", () => {
    const b = new Board(profile([{ name: "p", bus: "pci", model: "plx9656", bars: ["0xFEB00000", null, null] }]), { models: registry() });
    expect(b.device("p").bars[0]?.base).toBe(0xfeb0_0000);
  });

  it("two devices whose BARs overlap are refused, naming both", () => {
    const p = profile([
      { name: "a", bus: "pci", model: "scratch", bars: [0xc000_0000] },
      { name: "b", bus: "pci", model: "scratch", bars: [0xc000_0800] },
    ]);
    expect(() => new Board(p, { models: registry(scratchModel("scratch")) })).toThrow(/b BAR0: MMIO 0xc0000800-0xc00017ff overlaps a BAR0 \(0xc0000000-0xc0000fff\)/);
  });

  it("an ISA IRQ cannot be shared; PCI lines are shared, asserted while any device on them is", () => {
    expect(() => new Board(profile([{ name: "s1", bus: "isa", model: "sb16", irq: 5, dmaChannels: [1] }, { name: "s2", bus: "isa", model: "generic", irq: 5 }]), { models: registry() })).toThrow(/ISA IRQ 5 is already s1's/);
    const b = new Board(profile([{ name: "a", bus: "pci", model: "generic", irq: 16 }, { name: "b", bus: "pci", model: "generic", irq: 16 }]), { models: registry() });
    const la = b.device("a").irq;
    const lb = b.device("b").irq;
    if (la === null || lb === null) throw new Error("no lines");
    la.set(true);
    lb.set(true);
    la.set(false);
    expect(b.interrupts.isHigh(16)).toBe(true);
    lb.set(false);
    expect(b.interrupts.isHigh(16)).toBe(false);
    expect(b.interrupts.edges[16]).toBe(1);
  });

  it("a model whose create() returns no register handler for a BAR it declared is a clear error", () => {
    const broken: DeviceModel = { model: "broken", description: "", buses: ["pci"], bars: [{ kind: "mmio", size: 0x1000 }], create: () => ({}) };
    expect(() => new Board(profile([{ name: "x", bus: "pci", model: "broken" }]), { models: registry(broken) })).toThrow(/create\(\) returned no register handler for BAR0/);
  });

  it("a register access outside every BAR reads all ones and is dropped on write; the access goes to the device that decodes it", () => {
    const b = new Board(profile([{ name: "a", bus: "pci", model: "scratch" }]), { models: registry(scratchModel("scratch")) });
    const base = b.device("a").bars[0]?.base ?? 0;
    b.mmio.write(base + 8, 4, 0x1234_5678);
    expect(b.mmio.read(base + 8, 4)).toBe(0x1234_5678);
    expect(b.mmio.read(base + 0x1000, 4)).toBe(0xffff_ffff);
    expect(b.mmio.read(base + 0x1000, 2)).toBe(0xffff);
    expect(b.mmio.unclaimed).toBe(2);
    expect(b.ports.read(0x3f8, 1)).toBe(0xff);
  });

  it("a model from BootOptions.deviceModels is used for that machine only", () => {
    const p = profile([{ name: "mine", bus: "pci", model: "scratch" }]);
    expect(() => bootMachine(p)).toThrow(/unknown device model "scratch"/);
    const k = bootMachine(p, { deviceModels: [scratchModel("scratch")] });
    expect(k.board.device("mine").model.model).toBe("scratch");
  });

  it("every device gets a seeded random stream of its own: same seed, same numbers", () => {
    const seen: number[][] = [];
    const rnd: DeviceModel = { model: "rnd", description: "", buses: ["pci"], create: (ctx) => (seen.push([ctx.prng.int(1e9), ctx.prng.int(1e9)]), {}) };
    const p = profile([{ name: "r", bus: "pci", model: "rnd" }]);
    bootMachine(p, { seed: 4, deviceModels: [rnd] });
    bootMachine(p, { seed: 4, deviceModels: [rnd] });
    bootMachine(p, { seed: 5, deviceModels: [rnd] });
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).not.toEqual(seen[2]);
  });
});

describe("a device pulled out of the board (surprise removal)", () => {
  it("its registers read all ones, its DMA is refused, its interrupt line stays low", () => {
    let ctxRef: Parameters<DeviceModel["create"]>[0] | null = null;
    const probe: DeviceModel = { model: "probe", description: "", buses: ["pci"], bars: [{ kind: "mmio", size: 0x1000 }], create: (ctx) => ((ctxRef = ctx), { registers: [{ read: () => 7, write: () => undefined }] }) };
    const b = new Board(profile([{ name: "p", bus: "pci", model: "probe", irq: 16 }]), { models: registry(probe) });
    const ctx = ctxRef as Parameters<DeviceModel["create"]>[0] | null;
    if (ctx === null || ctx.dma === null || ctx.irq === null) throw new Error("no context");
    const base = b.device("p").bars[0]?.base ?? 0;
    expect(b.mmio.read(base, 4)).toBe(7);
    expect(ctx.dma.write(0x10_0000, new Uint8Array(4))).toBe(true);
    ctx.irq.set(true);
    b.unplug("p");
    expect(b.interrupts.isHigh(16)).toBe(false);
    expect(b.mmio.read(base, 4)).toBe(0xffff_ffff);
    const dst = new Uint8Array(4);
    expect(ctx.dma.read(0x10_0000, dst)).toBe(false);
    expect(dst).toEqual(new Uint8Array(4).fill(0xff));
    expect(ctx.dma.write(0x10_0000, new Uint8Array(4))).toBe(false);
    ctx.irq.set(true);
    expect(b.interrupts.isHigh(16)).toBe(false);
    expect(() => b.unplug("p")).toThrow(/already removed/);
  });
});

describe("unplugging an ISA card in the middle of a DMA transfer", () => {
  /** Start the SB16 playing 8-bit auto-init from `pa` on channel 1 (the 8237 programmed, then the DSP). */
  function startPlayback(b: Board, pa: number, bytes: number): void {
    const dma = b.isaDma as Dma8237Pair;
    dma.outb(dmaControlPort(1, DMA_REG.SINGLE_MASK), 0x4 | 1);
    dma.outb(dmaControlPort(1, DMA_REG.CLEAR_FLIP_FLOP), 0);
    dma.outb(dmaControlPort(1, DMA_REG.MODE), DMA_MODE.READ | DMA_MODE.SINGLE | DMA_MODE.AUTOINIT | 1);
    dma.outb(dmaAddressPort(1), pa & 0xff);
    dma.outb(dmaAddressPort(1), (pa >> 8) & 0xff);
    dma.outb(0x83, (pa >> 16) & 0xff);
    dma.outb(dmaCountPort(1), (bytes - 1) & 0xff);
    dma.outb(dmaCountPort(1), (bytes - 1) >> 8);
    dma.outb(dmaControlPort(1, DMA_REG.SINGLE_MASK), 1);
    const dsp = (v: number): void => b.ports.write(0x22c, 1, v);
    dsp(DSP.SET_OUTPUT_RATE);
    dsp(22050 >> 8);
    dsp(22050 & 0xff);
    // 8-bit auto-init output, mono unsigned, a block of half the buffer.
    dsp(0xc6);
    dsp(0);
    dsp(((bytes >> 1) - 1) & 0xff);
    dsp(((bytes >> 1) - 1) >> 8);
  }

  it("the SB16's DMA request on the 8237 drops with it: the transfer stops where it is and moves nothing more, whatever the card still schedules", () => {
    const k = bootMachine("x64-desktop");
    const b = k.board;
    const dma = b.isaDma as Dma8237Pair;
    startPlayback(b, 0x10_0000, 8192);
    k.clock.runUntil(k.clock.now + 2_000_000);
    const before = dma.channel(1);
    expect(before.active).toBe(true);
    expect(before.served).toBeGreaterThan(0);
    // The status register's request bits (4..7) show channel 1 requesting.
    expect((dma.inb(dmaControlPort(1, DMA_REG.STATUS_COMMAND)) >> 4) & 0b10).toBe(0b10);
    b.unplug("sb16");
    const at = dma.channel(1);
    expect(at.active).toBe(false);
    k.clock.runUntil(k.clock.now + 50_000_000);
    expect(dma.channel(1).served).toBe(at.served);
    expect(dma.channel(1).currentCount).toBe(at.currentCount);
    expect((dma.inb(dmaControlPort(1, DMA_REG.STATUS_COMMAND)) >> 4) & 0b10).toBe(0);
  });

  it("dropRequestsOf names the channels the device was attached to (the SB16's 8- and 16-bit ones), and none for a device on none", () => {
    const k = bootMachine("x64-desktop");
    const dma = k.board.isaDma as Dma8237Pair;
    expect(dma.dropRequestsOf("sb16")).toEqual([1, 5]);
    expect(dma.dropRequestsOf("plx9656")).toEqual([]);
  });
});

describe("profile validation of device resources", () => {
  it("an arm64 profile whose device names ISA DMA channels is refused", () => {
    expect(() => profile([{ name: "s", bus: "isa", model: "sb16", irq: 5, dmaChannels: [1] }], "arm64")).toThrow(/an arm64 machine has no ISA DMA controller/);
  });

  it("channel 4 (the cascade) cannot be a device's", () => {
    expect(() => profile([{ name: "s", bus: "isa", model: "sb16", irq: 5, dmaChannels: [4] }])).toThrow(/channel 4 carries the cascade/);
  });
});
