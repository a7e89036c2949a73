/**
 * The simulated machine and kernel in one object: what `bootMachine` returns
 * and every simulated routine takes. It owns the hardware (memory map,
 * physical memory, memory system, DMA bus, clock), the memory manager, the
 * system VA space, the current IRQL, the PDOs of the profile's devices, and
 * the finding sink the verifier plugs into.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { type FindingInput, type FindingSink, NO_FINDINGS } from "../core/findings.ts";
import { DISPATCH_LEVEL, HIGH_LEVEL, irqlName, type KIRQL, PASSIVE_LEVEL } from "../core/irql.ts";
import { Prng } from "../core/prng.ts";
import { type BusMaster, DmaBus } from "../machine/bus.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { Clock } from "../machine/clock.ts";
import { Iommu } from "../machine/iommu.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { CacheMemorySystem } from "../machine/cache.ts";
import { CoherentMemorySystem, type MemorySystem } from "../machine/memory-system.ts";
import { PhysicalMemory } from "../machine/physical-memory.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { Placement } from "./alloc/contiguous-allocator.ts";
import { Cpu } from "./cpu.ts";
import { createPdo, type DEVICE_OBJECT } from "./device-object.ts";
import { PageFrameManager } from "./page-frames.ts";
import { VaSpace } from "./va-space.ts";

export interface BootOptions {
  /** Seed for everything random in this machine (default 1). */
  seed?: number;
  /** Contiguous placement: "lowest" first (ReactOS) or "highest" first. Default "lowest". */
  placement?: Placement;
  /** Build a memory system other than the coherent default (a cache model). */
  memorySystem?: (memory: PhysicalMemory, profile: MachineProfile) => MemorySystem;
}

/** A routine's IRQL rule: `max` (<= max) or `exact` (== exact). */
export interface IrqlRule {
  readonly max?: KIRQL;
  readonly exact?: KIRQL;
}

export class Kernel {
  readonly profile: MachineProfile;
  readonly map: MemoryMap;
  readonly memory: PhysicalMemory;
  readonly memorySystem: MemorySystem;
  readonly clock: Clock;
  readonly bus: DmaBus;
  readonly pfm: PageFrameManager;
  readonly va: VaSpace;
  readonly cpu: Cpu;
  readonly prng: Prng;
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

  constructor(profile: MachineProfile, opts: BootOptions = {}) {
    this.profile = profile;
    this.seed = opts.seed ?? 1;
    this.prng = new Prng(this.seed);
    this.map = new MemoryMap(profile);
    this.memory = new PhysicalMemory(this.map.pageCount * 4096);
    // ARM64 devices may not snoop (_CCA = 0): the CPU cache is modelled there, so missing maintenance shows in the data.
    this.memorySystem = opts.memorySystem?.(this.memory, profile) ?? (profile.arch === "arm64" ? new CacheMemorySystem(this.memory) : new CoherentMemorySystem(this.memory));
    this.clock = new Clock();
    this.bus = new DmaBus(this.map, this.memorySystem);
    this.pfm = new PageFrameManager(this.map, { placement: opts.placement ?? "lowest", clock: this.clock, memory: this.memory });
    this.va = new VaSpace(this.memorySystem);
    this.cpu = new Cpu(this.va);
    this.pdos = new Map(profile.devices.map((d) => [d.name, createPdo(d, profile.cacheLineSize)]));
    // DMA remapping: one IOMMU domain per device that opts in (Kernel DMA Protection's sandboxing).
    this.iommu = profile.iommu.enabled ? new Iommu(profile.iommu.addressWidth) : null;
    this.bus.iommu = this.iommu;
    const iommu = this.iommu;
    // Coherence: x64 devices snoop; on ARM64 the device's ACPI _CCA decides (absent = not coherent).
    this.busMasters = new Map(profile.devices.map((d) => [d.name, { name: d.name, domain: iommu !== null && d.remapping === true ? iommu.createDomain(d.name) : -1, coherent: profile.arch === "x64" || d.cca === 1 }]));
  }

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

  /** Run `fn` at `irql` (raising, then lowering back): the shape of a DPC or ISR call. */
  atIrql<T>(irql: KIRQL, fn: () => T): T {
    const old = this.KeRaiseIrql(irql);
    try {
      return fn();
    } finally {
      this.irql = old;
    }
  }

  /** Run `fn` at DISPATCH_LEVEL. */
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

/** Boot a machine from a built-in profile name or a validated profile. */
export function bootMachine(profile: string | MachineProfile, opts: BootOptions = {}): Kernel {
  return new Kernel(typeof profile === "string" ? builtinProfile(profile) : profile, opts);
}
