/**
 * The device-model API: how a piece of hardware (built-in or the user's own)
 * plugs into a board. A model declares what it decodes and needs — BARs
 * (MMIO or I/O-port ranges), an interrupt line, ISA DMA channels or bus
 * mastering — and `create` builds one instance per profile device with a
 * context that gives it the clock, its own DMA path (through the IOMMU and
 * the coherence model, as that device), its interrupt line and the
 * resources the board assigned. The board routes CPU register accesses at
 * the assigned ranges to the instance's handlers.
 *
 * @example
 * ```ts
 * import { bootMachine, registerDeviceModel, builtinProfile, parseProfile, MmMapIoSpace, MmNonCached, READ_REGISTER_ULONG, type DeviceModel } from "dmasim";
 * const counter: DeviceModel = {
 *   model: "counter", description: "a 32-bit up-counter at BAR0", buses: ["pci"],
 *   bars: [{ kind: "mmio", size: 0x1000 }],
 *   create(ctx) {
 *     let n = 0;
 *     return { registers: [{ read: () => n++, write: (_o, _s, v) => { n = v; } }] };
 *   },
 * };
 * registerDeviceModel(counter);
 * const base = builtinProfile("x64-desktop");
 * const k = bootMachine(parseProfile({ ...base, devices: [...base.devices, { name: "counter0", bus: "pci", model: "counter" }] }));
 * const bar = k.board.device("counter0").bars[0];
 * const regs = bar === undefined ? null : MmMapIoSpace(k, { QuadPart: BigInt(bar.base) }, bar.size, MmNonCached);
 * if (regs !== null) console.log(READ_REGISTER_ULONG(k, regs), READ_REGISTER_ULONG(k, regs)); // 0 1
 * ```
 */
import type { Prng } from "../core/prng.ts";
import type { BusMaster } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { Dma8237Pair } from "./dma8237.ts";
import type { BusType, DeviceConfig } from "./profile.ts";

/** Width of one register access in bytes. */
export type AccessSize = 1 | 2 | 4;

/** What a BAR decodes: memory space (MMIO) or I/O-port space. */
export type BarKind = "mmio" | "port";

/** A BAR as the model asks for it. */
export interface BarRequest {
  readonly kind: BarKind;
  /** Bytes decoded: a power of two (PCI BARs are naturally aligned to their size). */
  readonly size: number;
  /** A fixed base (ISA cards, legacy ports); absent = the board assigns one, as a PCI BIOS does. */
  readonly base?: number;
}

/** A BAR as the board assigned it. */
export interface AssignedBar {
  readonly index: number;
  readonly kind: BarKind;
  /** Physical address (mmio) or port number (port). */
  readonly base: number;
  readonly size: number;
}

/**
 * Register handlers for one BAR. Offsets are from the BAR's base; a 4-byte
 * access at offset 0x10 is one call with size 4. 8-byte accesses reach the
 * handler as two 4-byte accesses, low half first.
 */
export interface RegisterHandler {
  /** A CPU load of `size` bytes at `offset`: the value read (unsigned). */
  read(offset: number, size: AccessSize): number;
  /** A CPU store of `value` (`size` bytes) at `offset`. */
  write(offset: number, size: AccessSize, value: number): void;
}

/** A device's interrupt line (level: a PCI INTx# or an ISA IRQ held high until acknowledged). */
export interface InterruptLine {
  readonly line: number;
  /** Drive the line high (asserted) or low. */
  set(asserted: boolean): void;
  readonly asserted: boolean;
}

/** A device's own path to memory: logical addresses, translated and checked as this device. */
export interface DeviceDma {
  readonly master: BusMaster;
  /** Read dst.length bytes at logical address la; false when the bus blocked it (dst holds all-ones). */
  read(la: number, dst: Uint8Array): boolean;
  /** Write src at la; false when blocked (the write is dropped). */
  write(la: number, src: Uint8Array): boolean;
  /** 32-bit little-endian read at `la` (a descriptor field); all ones when blocked. */
  readU32(la: number): number;
  /** 32-bit little-endian write at `la`; false when blocked. */
  writeU32(la: number, value: number): boolean;
}

/** What the board hands a model's `create`. */
export interface DeviceContext {
  /** The profile device's name (also its PDO's). */
  readonly name: string;
  readonly config: DeviceConfig;
  /** The profile device's `params` (model settings), {} when absent. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
  /** Bus-master access as this device (null on a device that is not a bus master). */
  readonly dma: DeviceDma | null;
  /** The interrupt line from the profile (null when the device has none). */
  readonly irq: InterruptLine | null;
  /** The 8237 pair (x64 boards) for a device with ISA DMA channels, else null. */
  readonly isaDma: Dma8237Pair | null;
  /** ISA DMA channels from the profile. */
  readonly dmaChannels: readonly number[];
  /** The BARs the board assigned, in the order the model asked for them. */
  readonly bars: readonly AssignedBar[];
  /** A random stream of this device's own, seeded from the machine's seed and the device name. */
  readonly prng: Prng;
}

/** One device on the board, as its model built it. */
export interface DeviceInstance {
  /** Register handlers, one per BAR, in the order of the model's `bars`. */
  readonly registers?: readonly RegisterHandler[];
  /** Bring lazily advanced state up to the clock (runs before driver code and CPU accesses). */
  sync?(): void;
}

/** A device model: registered by name, instantiated once per profile device that names it. */
export interface DeviceModel<T extends DeviceInstance = DeviceInstance> {
  /** The name a profile's `model` field uses. */
  readonly model: string;
  readonly description: string;
  /** Buses it can sit on; a profile placing it elsewhere is refused. */
  readonly buses: readonly BusType[];
  /** BARs to decode (may depend on the profile entry). */
  readonly bars?: readonly BarRequest[] | ((config: DeviceConfig) => readonly BarRequest[]);
  /** "required": the profile must give the device an irq. Default "optional". */
  readonly interrupt?: "required" | "optional";
  /** The device masters the bus (default: true on pci and internal buses, false on isa). */
  readonly busMaster?: boolean;
  /** The device needs ISA DMA channels (the profile's dmaChannels). */
  readonly isaDma?: boolean;
  /** Build one instance for one profile entry: its register handlers per BAR (in BAR order) and any state it keeps. */
  create(ctx: DeviceContext): T;
}

/** Where a board finds models by name. */
export interface DeviceModelLookup {
  /** The model called `model`, or undefined. */
  get(model: string): DeviceModel | undefined;
  /** Every model name, sorted. */
  names(): readonly string[];
}

/** A set of device models by name. */
export class DeviceModelRegistry implements DeviceModelLookup {
  private readonly models = new Map<string, DeviceModel>();

  /** Add a model; RangeError when the name is taken by another model (re-registering the same object is a no-op). */
  register(m: DeviceModel): void {
    checkModel(m);
    const had = this.models.get(m.model);
    if (had !== undefined && had !== m) throw new RangeError(`device model "${m.model}" is already registered`);
    this.models.set(m.model, m);
  }

  /** The model called `model`, or undefined. */
  get(model: string): DeviceModel | undefined {
    return this.models.get(model);
  }

  /** Every registered name, sorted. */
  names(): readonly string[] {
    return [...this.models.keys()].sort();
  }

  /** This registry's models, then `extra` (which win on a name clash). */
  with(extra: readonly DeviceModel[]): DeviceModelLookup {
    if (extra.length === 0) return this;
    const m = new Map<string, DeviceModel>(this.models);
    for (const e of extra) {
      checkModel(e);
      m.set(e.model, e);
    }
    return { get: (n) => m.get(n), names: () => [...m.keys()].sort() };
  }
}

function checkModel(m: DeviceModel): void {
  if (typeof m !== "object" || m === null) throw new TypeError("device model must be an object { model, description, buses, create }");
  if (typeof m.model !== "string" || m.model === "") throw new TypeError("device model: `model` must be a non-empty name");
  if (typeof m.create !== "function") throw new TypeError(`device model "${m.model}": create(ctx) must be a function`);
  if (!Array.isArray(m.buses) || m.buses.length === 0) throw new TypeError(`device model "${m.model}": buses must list the buses it sits on`);
}

/** The model's BAR requests for a profile entry. */
export function barRequestsOf(m: DeviceModel, config: DeviceConfig): readonly BarRequest[] {
  const b = m.bars;
  if (b === undefined) return [];
  return typeof b === "function" ? b(config) : b;
}
