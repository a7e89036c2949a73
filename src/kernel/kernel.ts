/**
 * The kernel of one simulated machine: what `bootMachine` returns and every
 * simulated routine takes. It takes the board (the hardware: memory map,
 * physical memory, memory system, DMA bus, clock, interrupt controller,
 * register spaces, devices) and adds the OS: the memory manager, the system
 * VA space, the current IRQL, the PDOs of the board's devices, the finding
 * sink the verifier plugs into, and the per-machine state of the layers
 * above (see `MachineSlot`).
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { type FindingInput, type FindingSink, NO_FINDINGS } from "../core/findings.ts";
import { DISPATCH_LEVEL, HIGH_LEVEL, irqlName, type KIRQL, PASSIVE_LEVEL } from "../core/irql.ts";
import { Prng } from "../core/prng.ts";
import { deviceModels } from "../devices/registry.ts";
import { Board } from "../machine/board.ts";
import type { BusMaster, DmaBus } from "../machine/bus.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { Clock } from "../machine/clock.ts";
import type { DeviceModel } from "../machine/device-model.ts";
import type { InterruptController } from "../machine/interrupts.ts";
import type { Iommu } from "../machine/iommu.ts";
import type { MemoryMap } from "../machine/memory-map.ts";
import type { MemorySystem } from "../machine/memory-system.ts";
import type { PhysicalMemory } from "../machine/physical-memory.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { Placement } from "./alloc/contiguous-allocator.ts";
import { Cpu } from "./cpu.ts";
import { createPdo, type DEVICE_OBJECT } from "./device-object.ts";
import { PageFrameManager } from "./page-frames.ts";
import { VaSpace } from "./va-space.ts";

/** Options of {@link bootMachine}. */
export interface BootOptions {
  /** Seed for everything random in this machine (default 1). */
  seed?: number;
  /** Contiguous placement: "lowest" first (ReactOS) or "highest" first. Default "lowest". */
  placement?: Placement;
  /** The contiguous allocator: the fast one (default) or the linear-scan oracle the fast one is checked against. */
  allocator?: "fast" | "linear-scan";
  /** Build a memory system other than the coherent default (a cache model). */
  memorySystem?: (memory: PhysicalMemory, profile: MachineProfile) => MemorySystem;
  /** Device models for this machine only, beside the registered ones (registerDeviceModel); they win on a name clash. */
  deviceModels?: readonly DeviceModel[];
  /** Host bytes the machine's simulated memory may commit for backing; past it a write throws HostMemoryBudgetError. Default 8 GiB. */
  hostMemoryBudget?: number;
}

/** A routine's IRQL rule: `max` (<= max) or `exact` (== exact). */
export interface IrqlRule {
  /** The highest IRQL the routine may be called at. */
  readonly max?: KIRQL;
  /** The one IRQL the routine must be called at. */
  readonly exact?: KIRQL;
}

/**
 * A named piece of per-machine state owned by a layer above the kernel (the
 * HAL's adapters and buffers, PnP's device nodes, ...): created on first use
 * by `init`, kept on the machine (`kernel.slot(SLOT)`), gone with it.
 */
export interface MachineSlot<T> {
  /** For messages and debugging. */
  readonly name: string;
  /** Creates the state the first time a machine asks for it. */
  readonly init: (k: Kernel) => T;
}

/** Declare a per-machine slot (once, at module level). */
export function machineSlot<T>(name: string, init: (k: Kernel) => T): MachineSlot<T> {
  return { name, init };
}

/**
 * One simulated machine's OS, over its board: what {@link bootMachine}
 * returns and the first argument of every simulated routine
 * (`IoGetDmaAdapter(k, ...)`, `MmMapIoSpace(k, ...)`).
 *
 * The parts a driver author reaches for: `k.pdo(name)` (a device's PDO),
 * `k.cpu` (loads and stores at kernel VAs), `k.bus` with `k.busMasterOf(pdo)`
 * (what a device does at a logical address), `k.clock` (simulated time),
 * `k.pfm` (page frames: `k.pfm.stats.freePages`), `k.va` (the system VA space:
 * `k.va.find(va)`), `k.KeRaiseIrql` / `k.KeLowerIrql` and `k.atIrql(level, fn)`.
 */
export class Kernel {
  /** The hardware. */
  readonly board: Board;
  /** The validated profile the machine was built from. */
  readonly profile: MachineProfile;
  /** The physical address map and NUMA nodes. */
  readonly map: MemoryMap;
  /** Physical memory (sparse; never-written bytes read as the fill pattern). */
  readonly memory: PhysicalMemory;
  /** Coherent memory (x64) or the cache model (ARM64) between the CPU, devices and memory. */
  readonly memorySystem: MemorySystem;
  /** Simulated time (ns) and the event queue devices schedule on. */
  readonly clock: Clock;
  /** The device side of memory: `k.bus.write(k.busMasterOf(pdo), logical, bytes)`. */
  readonly bus: DmaBus;
  /** The interrupt controller (the board's). */
  readonly interrupts: InterruptController;
  /** The page-frame database and contiguous allocator: `k.pfm.stats`, `k.pfm.allocateContiguous(...)`. */
  readonly pfm: PageFrameManager;
  /** The system VA space: mappings of common buffers, contiguous memory and registers (`k.va.find(va)`). */
  readonly va: VaSpace;
  /** The CPU path: loads and stores at kernel VAs through the mappings (`k.cpu.readU32(va)`). */
  readonly cpu: Cpu;
  /** This machine's seeded random numbers (the OS's; devices have their own). */
  readonly prng: Prng;
  /** The seed it was booted with. */
  readonly seed: number;
  /** PDOs of the profile's devices, by device name. */
  readonly pdos: ReadonlyMap<string, DEVICE_OBJECT>;
  /** The IOMMU when the profile enables DMA remapping (also installed as bus.iommu), else null. */
  readonly iommu: Iommu | null;
  /** Each device's identity on the DMA bus, by device name (see busMasterOf). */
  readonly busMasters: ReadonlyMap<string, BusMaster>;
  /** Where findings go; the verifier replaces it. */
  findings: FindingSink = NO_FINDINGS;
  private irql: KIRQL = PASSIVE_LEVEL;
  private readonly slots = new Map<object, unknown>();

  constructor(board: Board, opts: Pick<BootOptions, "placement" | "allocator"> = {}) {
    this.board = board;
    this.profile = board.profile;
    this.seed = board.seed;
    this.prng = new Prng(this.seed);
    this.map = board.map;
    this.memory = board.memory;
    this.memorySystem = board.memorySystem;
    this.clock = board.clock;
    this.bus = board.bus;
    this.interrupts = board.interrupts;
    this.iommu = board.iommu;
    this.pfm = new PageFrameManager(this.map, { placement: opts.placement ?? "lowest", clock: this.clock, memory: this.memory, ...(opts.allocator === undefined ? {} : { allocator: opts.allocator }) });
    this.va = new VaSpace(this.memorySystem, board.mmio);
    this.cpu = new Cpu(this.va);
    // Lazily advancing devices (the 8237) catch up before every CPU access, so a store never overtakes a transfer due earlier;
    // skipped while the board says nothing is pending (no 8237 channel running, no model with its own sync).
    if (board.hasLazyDevices) this.va.setCatchUp(board.syncState, () => board.sync());
    this.pdos = new Map(this.profile.devices.map((d) => [d.name, createPdo(d, this.profile.cacheLineSize)]));
    this.busMasters = new Map([...board.devices.values()].map((d) => [d.name, d.busMaster]));
  }

  /** This machine's state for `slot`, created on first use. */
  slot<T>(slot: MachineSlot<T>): T {
    // One lookup on the hot path (every IRP, every lock); a slot's state is never undefined once made (init returns an object).
    const had = this.slots.get(slot) as T | undefined;
    if (had !== undefined) return had;
    const v = slot.init(this);
    this.slots.set(slot, v);
    return v;
  }

  /** The profile's architecture. */
  get arch(): "x64" | "arm64" {
    return this.profile.arch;
  }

  /** The PDO of a profile device; RangeError naming the known devices when absent. */
  pdo(name: string): DEVICE_OBJECT {
    const p = this.pdos.get(name);
    if (p === undefined) throw new RangeError(`no device "${name}" on profile ${this.profile.name} (devices: ${[...this.pdos.keys()].join(", ") || "none"})`);
    return p;
  }

  /** A device's bus-master identity ({name, domain, coherent}), from its PDO or any device object over it. */
  busMasterOf(device: DEVICE_OBJECT | string): BusMaster {
    const name = typeof device === "string" ? device : device.pdo.config.name;
    const m = this.busMasters.get(name);
    if (m === undefined) throw new RangeError(`no device "${name}" on profile ${this.profile.name}`);
    return m;
  }

  /** Report a finding to the installed sink (the verifier decides what happens). */
  report(f: FindingInput): void {
    this.findings.report(f);
  }

  /** KeGetCurrentIrql: the IRQL the simulated processor runs at (PASSIVE_LEVEL after boot). */
  KeGetCurrentIrql(): KIRQL {
    return this.irql;
  }

  /** KeRaiseIrql: returns the old IRQL. Raising to a lower level bug checks IRQL_NOT_GREATER_OR_EQUAL (0x9). */
  KeRaiseIrql(newIrql: KIRQL): KIRQL {
    const old = this.irql;
    if (!Number.isInteger(newIrql) || newIrql < PASSIVE_LEVEL || newIrql > HIGH_LEVEL) throw new RangeError(`KeRaiseIrql: ${newIrql} is not an IRQL (0..15)`);
    if (newIrql < old) throw new BugCheckError(BUGCHECK.IRQL_NOT_GREATER_OR_EQUAL, old, newIrql, 0, 0, `KeRaiseIrql from ${irqlName(old)} to lower ${irqlName(newIrql)}`);
    this.irql = newIrql;
    return old;
  }

  /** KeLowerIrql: lowering to a higher level bug checks IRQL_NOT_LESS_OR_EQUAL (0xA). */
  KeLowerIrql(newIrql: KIRQL): void {
    if (!Number.isInteger(newIrql) || newIrql < PASSIVE_LEVEL || newIrql > HIGH_LEVEL) throw new RangeError(`KeLowerIrql: ${newIrql} is not an IRQL (0..15)`);
    if (newIrql > this.irql) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, newIrql, 0, 0, `KeLowerIrql from ${irqlName(this.irql)} to higher ${irqlName(newIrql)}`);
    this.irql = newIrql;
  }

  /**
   * Run `fn` at `irql` (raising, then lowering back, also when it throws):
   * the shape of a DPC or ISR call, or of code under a spin lock.
   *
   * @example
   * ```ts
   * import { bootMachine, DISPATCH_LEVEL, irqlName } from "dmasim";
   * const k = bootMachine("x64-desktop");
   * k.atIrql(DISPATCH_LEVEL, () => console.log(irqlName(k.KeGetCurrentIrql()))); // DISPATCH_LEVEL
   * console.log(irqlName(k.KeGetCurrentIrql()));                                 // PASSIVE_LEVEL
   * ```
   */
  atIrql<T>(irql: KIRQL, fn: () => T): T {
    const old = this.KeRaiseIrql(irql);
    try {
      return fn();
    } finally {
      this.irql = old;
    }
  }

  /**
   * The end of a raised stretch the kernel's own dispatchers open with
   * KeRaiseIrql and close in a `finally` (what atIrql does, without a closure
   * per ISR or DPC): back to `old`, whatever the code in between did.
   */
  restoreIrql(old: KIRQL): void {
    this.irql = old;
  }

  /** Run `fn` at `irql` or at the current IRQL if that is higher (a routine that must run at least at DISPATCH_LEVEL, called from a DPC or an ISR). */
  atLeastIrql<T>(irql: KIRQL, fn: () => T): T {
    return this.atIrql(Math.max(this.irql, irql), fn);
  }

  /** Run `fn` at DISPATCH_LEVEL: `k.atIrql(DISPATCH_LEVEL, fn)`. */
  atDispatch<T>(fn: () => T): T {
    return this.atIrql(DISPATCH_LEVEL, fn);
  }

  /**
   * Check a routine's documented IRQL. A violation is reported as a verifier
   * finding (0xE6 / 0x13: P2 = 1 not the expected IRQL, 2 above the maximum);
   * Windows itself lets it through unless Driver Verifier is on. Returns true
   * when the IRQL is right.
   */
  checkIrql(routine: string, rule: IrqlRule, device?: string): boolean {
    const cur = this.irql;
    if (rule.exact !== undefined && cur !== rule.exact) {
      this.report({ code: "DMA_WRONG_IRQL", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x13, 1, rule.exact, cur], routine, ...(device === undefined ? {} : { device }), message: `${routine} called at ${irqlName(cur)}; it must be called at ${irqlName(rule.exact)}`, params: { expected: rule.exact, current: cur } });
      return false;
    }
    if (rule.max !== undefined && cur > rule.max) {
      this.report({ code: "DMA_WRONG_IRQL", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x13, 2, rule.max, cur], routine, ...(device === undefined ? {} : { device }), message: `${routine} called at ${irqlName(cur)}; the maximum is ${irqlName(rule.max)}`, params: { maximum: rule.max, current: cur } });
      return false;
    }
    return true;
  }
}

/**
 * Boot a machine from a built-in profile name or a validated profile: build
 * its board (every device by its registered model, or one in
 * `opts.deviceModels`), then the kernel over it. The same profile and seed
 * give the same machine, addresses and all.
 *
 * @example
 * ```ts
 * import { bootMachine, formatSize } from "dmasim";
 * const k = bootMachine("x64-iommu", { seed: 3 });
 * console.log(k.profile.name, k.arch, formatSize(k.map.totalRamBytes)); // x64-iommu x64 16 GiB
 * console.log(k.pdo("plx9656").name, k.iommu !== null);                 // \Device\plx9656-PDO true
 * ```
 */
export function bootMachine(profile: string | MachineProfile, opts: BootOptions = {}): Kernel {
  const p = typeof profile === "string" ? builtinProfile(profile) : profile;
  const board = new Board(p, {
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    models: deviceModels.with(opts.deviceModels ?? []),
    ...(opts.memorySystem === undefined ? {} : { memorySystem: opts.memorySystem }),
    ...(opts.hostMemoryBudget === undefined ? {} : { hostMemoryBudget: opts.hostMemoryBudget }),
  });
  return new Kernel(board, { ...(opts.placement === undefined ? {} : { placement: opts.placement }), ...(opts.allocator === undefined ? {} : { allocator: opts.allocator }) });
}
