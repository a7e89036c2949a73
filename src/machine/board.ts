/**
 * One machine's hardware as one object, built from a profile: memory map,
 * physical memory, memory system (coherent, or the ARM64 cache model),
 * clock, DMA bus, IOMMU, interrupt controller, the PC's 8237 pair on x64,
 * the I/O-port and MMIO spaces, and the devices by name, each built by the
 * device model its profile entry names (device-model.ts). The kernel takes
 * a board; nothing else assembles hardware.
 *
 * Resources are assigned as a PC's firmware would: a BAR with a fixed base
 * (an ISA card's ports, or `bars` in the profile) gets that base; the others
 * are placed upward in the profile's MMIO regions (memory BARs, aligned to
 * their size and at least a page, so no two devices share a page; above the
 * top of the map when those are full or absent) and from port 0xC000 (port
 * BARs, aligned to their size).
 */
import { Prng } from "../core/prng.ts";
import { type BusMaster, DmaBus } from "./bus.ts";
import { CacheMemorySystem } from "./cache.ts";
import { Clock } from "./clock.ts";
import { type AssignedBar, barRequestsOf, type DeviceDma, type DeviceInstance, type DeviceModel, type DeviceModelLookup, type InterruptLine } from "./device-model.ts";
import { Dma8237Pair } from "./dma8237.ts";
import { InterruptController } from "./interrupts.ts";
import { RegisterSpace } from "./io-space.ts";
import { Iommu } from "./iommu.ts";
import { MemoryMap } from "./memory-map.ts";
import { CoherentMemorySystem, type MemorySystem } from "./memory-system.ts";
import { PhysicalMemory } from "./physical-memory.ts";
import { type DeviceConfig, type MachineProfile, ProfileError } from "./profile.ts";

/** How {@link Board} is built; `bootMachine` fills these in from its own options. */
export interface BoardOptions {
  /** Seed for everything random in the hardware (default 1). */
  readonly seed?: number;
  /** The device models the profile's `model` fields name. */
  readonly models: DeviceModelLookup;
  /** Build a memory system other than the platform default. */
  readonly memorySystem?: (memory: PhysicalMemory, profile: MachineProfile) => MemorySystem;
  /** Host bytes the simulated memory may commit for backing (default DEFAULT_HOST_MEMORY_BUDGET). */
  readonly hostMemoryBudget?: number;
}

/** A device on the board. */
export interface BoardDevice {
  readonly name: string;
  readonly config: DeviceConfig;
  readonly model: DeviceModel;
  readonly instance: DeviceInstance;
  /** Its identity on the DMA bus (IOMMU domain, coherence). */
  readonly busMaster: BusMaster;
  readonly bars: readonly AssignedBar[];
  /** Its interrupt line, or null. */
  readonly irq: InterruptLine | null;
  /** False once the device was pulled out (unplug). */
  readonly present: boolean;
}

/** The first PCI I/O port a BIOS hands out. */
const PCI_PORT_BASE = 0xc000;
const PORT_LIMIT = 0x10000;
const MMIO_LIMIT = 2 ** 52;

/**
 * A machine's hardware as one object (`k.board`): memory map, physical memory
 * and the memory system, the clock, the DMA bus and IOMMU, the interrupt
 * controller, the 8237 pair, the port and MMIO spaces, and the devices of the
 * profile built by their models, with BARs assigned as a PC BIOS would.
 * `bootMachine` builds it; `k.board.device("plx9656")` finds a device.
 */
export class Board {
  readonly profile: MachineProfile;
  readonly seed: number;
  readonly map: MemoryMap;
  readonly memory: PhysicalMemory;
  readonly memorySystem: MemorySystem;
  readonly clock: Clock;
  readonly bus: DmaBus;
  /** The IOMMU when the profile enables DMA remapping (also the bus's translator), else null. */
  readonly iommu: Iommu | null;
  readonly interrupts: InterruptController;
  /** The 8237 pair (x64 boards), else null. */
  readonly isaDma: Dma8237Pair | null;
  readonly ports: RegisterSpace;
  readonly mmio: RegisterSpace;
  readonly devices: ReadonlyMap<string, BoardDevice>;
  private readonly syncs: (() => void)[] = [];
  /** Behind syncState: kept true while a model has its own sync or an 8237 channel is active. */
  private readonly pendingState = { pending: false };
  /** Models with a sync() of their own (they may have work due at any time). */
  private modelSyncs = 0;
  /**
   * Whether sync() may have anything to do: some 8237 channel is being
   * serviced, or a device model has its own sync. While false sync() changes
   * nothing, so the CPU path (VaSpace.setCatchUp) skips calling it.
   */
  readonly syncState: { readonly pending: boolean } = this.pendingState;
  /** Devices pulled out: their DMA and interrupts no longer reach the machine. */
  private readonly gone = new Set<string>();
  private readonly lineLevels: Uint16Array;

  constructor(profile: MachineProfile, opts: BoardOptions) {
    this.profile = profile;
    this.seed = opts.seed ?? 1;
    this.map = new MemoryMap(profile);
    this.memory = new PhysicalMemory(this.map.pageCount * 4096, opts.hostMemoryBudget === undefined ? {} : { budgetBytes: opts.hostMemoryBudget });
    // ARM64 devices may not snoop (_CCA = 0): the CPU cache is modelled there, so missing maintenance shows in the data.
    this.memorySystem = opts.memorySystem?.(this.memory, profile) ?? (profile.arch === "arm64" ? new CacheMemorySystem(this.memory) : new CoherentMemorySystem(this.memory));
    this.clock = new Clock();
    this.bus = new DmaBus(this.map, this.memorySystem);
    // DMA remapping: one IOMMU domain per device that opts in (Kernel DMA Protection's sandboxing).
    this.iommu = profile.iommu.enabled ? new Iommu(profile.iommu.addressWidth) : null;
    this.bus.iommu = this.iommu;
    this.interrupts = new InterruptController(256);
    this.lineLevels = new Uint16Array(256);
    this.ports = new RegisterSpace("port", PORT_LIMIT);
    this.mmio = new RegisterSpace("mmio", MMIO_LIMIT);
    const ps = this.pendingState;
    this.isaDma = profile.arch === "x64" ? new Dma8237Pair({ clock: this.clock, bus: this.bus, onActivity: (on) => void (ps.pending = on || this.modelSyncs > 0) }) : null;
    if (this.isaDma !== null) {
      const dma = this.isaDma;
      const h = { read: (o: number) => dma.inb(o), write: (o: number, _s: number, v: number) => dma.outb(o, v) };
      // DMA1 (0x00-0x0F), page registers (0x80-0x8F), DMA2 (0xC0-0xDF): the handler takes the port itself.
      this.ports.claim("dma8237", 0, 0x00, 0x10, { read: (o) => h.read(o), write: (o, s, v) => h.write(o, s, v) });
      this.ports.claim("dma8237", 1, 0x80, 0x10, { read: (o) => h.read(0x80 + o), write: (o, s, v) => h.write(0x80 + o, s, v) });
      this.ports.claim("dma8237", 2, 0xc0, 0x20, { read: (o) => ((o & 1) === 0 ? h.read(0xc0 + o) : 0xff), write: (o, s, v) => (o & 1) === 0 && h.write(0xc0 + o, s, v) });
      this.syncs.push(() => dma.sync());
    }
    this.devices = this.buildDevices(opts.models);
  }

  /** The profile's architecture. */
  get arch(): "x64" | "arm64" {
    return this.profile.arch;
  }

  /** A device by name; RangeError naming the board's devices when absent. */
  device(name: string): BoardDevice {
    const d = this.devices.get(name);
    if (d === undefined) throw new RangeError(`no device "${name}" on profile ${this.profile.name} (devices: ${[...this.devices.keys()].join(", ") || "none"})`);
    return d;
  }

  /**
   * The model instance behind a device, checked against the model name:
   * `board.instanceOf<Sb16>("sb16", "sb16")`.
   */
  instanceOf<T extends DeviceInstance>(name: string, model: string): T {
    const d = this.device(name);
    if (d.model.model !== model) throw new RangeError(`device "${name}" on profile ${this.profile.name} is a ${d.model.model}, not a ${model}`);
    return d.instance as T;
  }

  /**
   * The device leaves the machine (surprise removal): its BARs stop
   * decoding (reads return all ones), its interrupt line drops and stays
   * low, and its DMA is refused. An ISA card's DMA requests on the 8237
   * drop too (its DREQ lines go with it): a transfer in progress stops
   * where it is, and the card cannot raise them again (its ports are gone).
   * What the model still schedules runs against nothing.
   */
  unplug(name: string): void {
    const d = this.device(name);
    if (!d.present) throw new RangeError(`unplug: device "${name}" was already removed`);
    (d as { present: boolean }).present = false;
    this.mmio.release(name);
    this.ports.release(name);
    d.irq?.set(false);
    this.isaDma?.dropRequestsOf(name);
    this.gone.add(name);
  }

  /** Bring every lazily advancing device (the 8237, models with sync) up to now. */
  sync(): void {
    if (!this.pendingState.pending) return;
    const s = this.syncs;
    for (let i = 0; i < s.length; i++) (s[i] as () => void)();
  }

  /** True when some device needs catching up before driver code runs. */
  get hasLazyDevices(): boolean {
    return this.syncs.length > 0;
  }

  private buildDevices(models: DeviceModelLookup): Map<string, BoardDevice> {
    const out = new Map<string, BoardDevice>();
    const p = this.profile;
    const isaLines = new Map<number, string>();
    let nextPort = PCI_PORT_BASE;
    const mmioRegions = this.map.regions.filter((r) => r.type === "mmio").map((r) => ({ next: r.base, end: r.base + r.length }));
    // A profile with no (or full) MMIO regions still gets its BARs: above everything the map describes, as 64-bit BARs go above RAM.
    const aboveTheMap = { next: this.map.pageCount * 4096, end: MMIO_LIMIT };
    p.devices.forEach((config, i) => {
      const where = `profile ${p.name}: devices[${i}] (${config.name})`;
      const model = models.get(config.model);
      if (model === undefined) throw new ProfileError(`${where}: unknown device model "${config.model}" (known: ${models.names().join(", ")})`);
      if (!model.buses.includes(config.bus)) throw new ProfileError(`${where}: model ${model.model} sits on ${model.buses.join(" or ")}, not on the ${config.bus} bus`);
      if (model.interrupt === "required" && config.irq === undefined) throw new ProfileError(`${where}: model ${model.model} needs an interrupt line (irq)`);
      if (model.isaDma === true && this.isaDma === null) throw new ProfileError(`${where}: model ${model.model} needs ISA DMA channels; ${p.arch} board ${p.name} has no 8237 DMA controller`);
      if (config.irq !== undefined && config.bus === "isa") {
        // An ISA IRQ is an edge owned by one card; PCI lines are level-triggered and shareable.
        const had = isaLines.get(config.irq);
        if (had !== undefined) throw new ProfileError(`${where}: ISA IRQ ${config.irq} is already ${had}'s (ISA interrupts cannot be shared)`);
        isaLines.set(config.irq, config.name);
      }
      const reqs = barRequestsOf(model, config);
      const bars: AssignedBar[] = reqs.map((r, index) => {
        if (!Number.isInteger(r.size) || r.size <= 0 || (r.size & (r.size - 1)) !== 0) throw new ProfileError(`${where}: model ${model.model} BAR${index} size ${r.size} is not a power of two`);
        const fixed = config.bars?.[index] ?? r.base;
        let base: number;
        if (fixed !== undefined && fixed !== null) base = fixed;
        else if (r.kind === "port") {
          base = alignUp(nextPort, r.size);
          nextPort = base + r.size;
        } else {
          const align = Math.max(r.size, 4096);
          const region = mmioRegions.find((m) => alignUp(m.next, align) + r.size <= m.end) ?? aboveTheMap;
          base = alignUp(region.next, align);
          region.next = base + r.size;
        }
        return { index, kind: r.kind, base, size: r.size };
      });
      const iommu = this.iommu;
      const busMaster: BusMaster = { name: config.name, domain: iommu !== null && config.remapping === true ? iommu.createDomain(config.name) : -1, coherent: p.arch === "x64" || config.cca === 1 };
      const mastering = model.busMaster ?? config.bus !== "isa";
      const irq = config.irq === undefined ? null : this.lineFor(config.irq, config.name);
      const instance = model.create({
        name: config.name,
        config,
        params: config.params ?? {},
        clock: this.clock,
        dma: mastering ? this.dmaFor(busMaster) : null,
        irq,
        isaDma: model.isaDma === true ? this.isaDma : null,
        dmaChannels: config.dmaChannels ?? [],
        bars,
        prng: new Prng(`device:${config.name}:${this.seed}`),
      });
      if (typeof instance !== "object" || instance === null) throw new TypeError(`device model ${model.model}: create() must return an object (the device instance)`);
      bars.forEach((b) => {
        const h = instance.registers?.[b.index];
        if (h === undefined) throw new TypeError(`device model ${model.model}: create() returned no register handler for BAR${b.index}`);
        try {
          (b.kind === "port" ? this.ports : this.mmio).claim(config.name, b.index, b.base, b.size, h);
        } catch (e) {
          throw new ProfileError(`${where}: ${(e as Error).message}`);
        }
      });
      if (typeof instance.sync === "function") {
        this.syncs.push(() => instance.sync?.());
        this.modelSyncs++;
        this.pendingState.pending = true;
      }
      out.set(config.name, { name: config.name, config, model, instance, busMaster, bars, irq, present: true });
    });
    return out;
  }

  private dmaFor(master: BusMaster): DeviceDma {
    const bus = this.bus;
    const gone = this.gone;
    const name = master.name;
    // A device that was pulled out reaches no memory: reads see all ones, writes vanish.
    return {
      master,
      read: (la, dst) => (gone.has(name) ? (dst.fill(0xff), false) : bus.read(master, la, dst)),
      write: (la, src) => !gone.has(name) && bus.write(master, la, src),
      readU32: (la) => (gone.has(name) ? 0xffff_ffff : bus.readU32(master, la)),
      writeU32: (la, v) => !gone.has(name) && bus.writeU32(master, la, v),
    };
  }

  /** One device's view of an interrupt line; shared lines are the OR of their devices' levels. */
  private lineFor(line: number, device: string): InterruptLine {
    const gone = this.gone;
    const pic = this.interrupts;
    const levels = this.lineLevels;
    let mine = false;
    return {
      line,
      get asserted() {
        return mine;
      },
      set(asserted: boolean) {
        if (asserted && gone.has(device)) return;
        if (asserted === mine) return;
        mine = asserted;
        levels[line] = (levels[line] as number) + (asserted ? 1 : -1);
        pic.setLine(line, levels[line] > 0);
      },
    };
  }
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
