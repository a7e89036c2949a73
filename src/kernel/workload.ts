import { Prng } from "../core/prng.ts";
import type { Clock, TimerHandle } from "../machine/clock.ts";
import type { PageFrameManager } from "./page-frames.ts";

/**
 * The background workload that ages a machine: the rest of the system using
 * memory while a driver runs. Two populations:
 *
 * - movable pages (page cache and user pages): anonymous and fungible, read
 *   in readahead batches, reclaimed one page at a time by sampling the
 *   movable bitmap, so compaction may relocate them and nobody keeps a
 *   per-page owner;
 * - unmovable pages (nonpaged pool, kernel stacks, page tables): allocated in
 *   a size mix, freed after exponentially distributed lifetimes, a share of
 *   them never (boot-time and driver allocations). Tracked here in a compact
 *   growable Int32Array of PFNs (swap-remove), never per frame.
 *
 * New allocations start at a random PFN and take the lowest free frames from
 * there (wrapping), standing in for the free lists of a long-running system,
 * which hand out whatever was freed last anywhere in memory. After a few
 * turnovers the free frames are scattered: with the defaults (about 96% of
 * RAM in use, 3% unmovable) requests of 8 or more pages fail at
 * DISPATCH_LEVEL and one-page requests still succeed — the regime the
 * AllocateCommonBuffer and HalAllocateCommonBuffer documents warn about.
 *
 * Cost: about 1 µs of host time per page allocated or freed.
 */
export interface WorkloadOptions {
  seed: number | string;
  /** Target share of RAM in movable pages; default 0.93 (with the unmovable 3%, 4% of RAM stays free, as on a busy system). */
  movableFraction?: number;
  /** Target share of RAM in unmovable pages; default 0.03. */
  unmovableFraction?: number;
  /** Share of the unmovable target that is permanent (allocated first in large clustered batches, never freed); default 0.3. */
  unmovablePermanentFraction?: number;
  /**
   * Where the permanent (boot-time) pages go. "largest" (default): from the
   * bottom of the largest RAM range up, as a kernel's early allocations are
   * carved from the largest free memory descriptor the loader reports (ReactOS
   * MiScanMemoryDescriptors keeps it as MxFreeDescriptor, MxGetNextPage takes
   * pages from its base). On a machine whose RAM is one range from 0 that is
   * low memory, ISA DMA's first 16 MiB included, gone for good; on a big
   * machine the largest range lies above 4 GiB, so memory a 32-bit device can
   * reach survives boot. "low": from the lowest free frame up whatever the
   * ranges (a boot-time free list built in ascending PFN order and taken from
   * its head). "scattered": each batch starts at a random frame.
   */
  permanentPlacement?: "largest" | "low" | "scattered";
  /** Mean lifetime of a non-permanent unmovable page, simulated seconds; default 300. */
  unmovableMeanLifetimeS?: number;
  /** Share of the movable pages reclaimed and re-read per simulated second; default 0.05. */
  movableChurnPerSecond?: number;
  /** How fast the populations grow to their targets, as a share of RAM per simulated second; default 0.05 (about 20 s to fill). */
  rampPerSecond?: number;
  /** Simulated length of one step; default 100 ms. */
  tickNs?: number;
  /** Readahead batch sizes (pages) and weights for movable allocations; default 1/4/16/64 pages at 0.4/0.3/0.2/0.1. */
  movableBatches?: readonly (readonly [pages: number, weight: number])[];
  /** Unmovable allocation sizes and weights; default 1/2/6/16 pages at 0.75/0.1/0.1/0.05 (pool pages, x64 kernel stacks, big pool). */
  unmovableSizes?: readonly (readonly [pages: number, weight: number])[];
  /** When given, each step of run()/step() advances this clock by tickNs (running what falls due). See also start(). */
  clock?: Clock;
}

/** What a workload has done so far (`workload.stats`). */
export interface WorkloadStats {
  /** Movable pages held now (page cache, user pages). */
  movablePages: number;
  /** Unmovable pages held now, permanent ones included. */
  unmovablePages: number;
  /** Unmovable pages it will never free (boot-time pool). */
  permanentUnmovablePages: number;
  /** Steps run (one per tickNs). */
  steps: number;
  /** Simulated time it has run, in ns. */
  simulatedNs: number;
  /** Allocations the workload could not make (memory full). */
  failedAllocations: number;
  /** Pages allocated over its life. */
  pagesAllocated: number;
  /** Pages freed over its life. */
  pagesFreed: number;
}

const DEFAULT_MOVABLE_BATCHES: readonly (readonly [number, number])[] = [
  [1, 0.4],
  [4, 0.3],
  [16, 0.2],
  [64, 0.1],
];
const DEFAULT_UNMOVABLE_SIZES: readonly (readonly [number, number])[] = [
  [1, 0.75],
  [2, 0.1],
  [6, 0.1],
  [16, 0.05],
];

/**
 * The background workload that ages a machine (the file comment says how).
 * `run(seconds)` steps it directly; `start(clock)` / `stop()` run it as clock
 * events beside a driver. Same seed, same machine state.
 */
export class Workload {
  readonly pfm: PageFrameManager;
  private readonly rng: Prng;
  private readonly o: Required<Omit<WorkloadOptions, "clock" | "seed">>;
  private readonly clock: Clock | undefined;
  private unmovable = new Int32Array(1024);
  private nUnmovable = 0;
  private readonly ramPages: number;
  private readonly targetMovable: number;
  private readonly targetUnmovable: number;
  private readonly targetPermanent: number;
  private readonly counters = { movablePages: 0, permanentUnmovablePages: 0, steps: 0, simulatedNs: 0, failedAllocations: 0, pagesAllocated: 0, pagesFreed: 0 };
  private readonly ranges: readonly { readonly startPfn: number; readonly endPfn: number }[];
  private readonly largestRangeStart: number;
  private timer: TimerHandle | undefined;
  private background: Clock | undefined;

  constructor(pfm: PageFrameManager, options: WorkloadOptions) {
    if (typeof options !== "object" || options === null) throw new TypeError(`Workload: options must be an object with a seed, got ${String(options)}`);
    if (typeof options.seed !== "number" && typeof options.seed !== "string") throw new TypeError(`Workload: seed must be a number or a string, got ${String(options.seed)}`);
    this.o = {
      movableFraction: fraction(options.movableFraction ?? 0.93, "movableFraction"),
      unmovableFraction: fraction(options.unmovableFraction ?? 0.03, "unmovableFraction"),
      unmovablePermanentFraction: fraction(options.unmovablePermanentFraction ?? 0.3, "unmovablePermanentFraction"),
      unmovableMeanLifetimeS: positive(options.unmovableMeanLifetimeS ?? 300, "unmovableMeanLifetimeS"),
      movableChurnPerSecond: nonNegative(options.movableChurnPerSecond ?? 0.05, "movableChurnPerSecond"),
      rampPerSecond: positive(options.rampPerSecond ?? 0.05, "rampPerSecond"),
      tickNs: positive(options.tickNs ?? 100_000_000, "tickNs"),
      permanentPlacement: placementOf(options.permanentPlacement ?? "largest"),
      movableBatches: mix(options.movableBatches ?? DEFAULT_MOVABLE_BATCHES, "movableBatches"),
      unmovableSizes: mix(options.unmovableSizes ?? DEFAULT_UNMOVABLE_SIZES, "unmovableSizes"),
    };
    if (this.o.movableFraction + this.o.unmovableFraction > 1) throw new RangeError(`Workload: movableFraction + unmovableFraction must be <= 1, got ${this.o.movableFraction + this.o.unmovableFraction}`);
    this.pfm = pfm;
    this.clock = options.clock;
    this.rng = new Prng(options.seed);
    this.ramPages = pfm.stats.ramPages;
    this.ranges = pfm.ramRanges();
    let best = this.ranges[0];
    for (const r of this.ranges) if (best === undefined || r.endPfn - r.startPfn > best.endPfn - best.startPfn) best = r;
    this.largestRangeStart = best?.startPfn ?? 0;
    this.targetMovable = Math.floor(this.ramPages * this.o.movableFraction);
    this.targetUnmovable = Math.floor(this.ramPages * this.o.unmovableFraction);
    this.targetPermanent = Math.floor(this.targetUnmovable * this.o.unmovablePermanentFraction);
  }

  /** Counts so far (a fresh object). */
  get stats(): WorkloadStats {
    return { ...this.counters, unmovablePages: this.nUnmovable + this.counters.permanentUnmovablePages };
  }

  /** Run for `seconds` of simulated time (whole steps). */
  run(seconds: number): WorkloadStats {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`Workload.run: seconds must be a finite number >= 0, got ${seconds}`);
    const steps = Math.round((seconds * 1e9) / this.o.tickNs);
    for (let i = 0; i < steps; i++) this.step();
    return this.stats;
  }

  /**
   * Run in the background on a clock: one step every tickNs of simulated time
   * (as clock events, so the rest of the simulation advances time) until
   * stop(). RangeError if already started.
   */
  start(clock: Clock): void {
    if (this.background !== undefined) throw new RangeError("Workload.start: the workload is already running on a clock; stop() it first");
    this.background = clock;
    const tick = (): void => {
      this.work();
      this.timer = clock.after(this.o.tickNs, tick, "workload");
    };
    this.timer = clock.after(this.o.tickNs, tick, "workload");
  }

  /** Stop background steps started with start(). */
  stop(): void {
    if (this.timer !== undefined && this.background !== undefined) this.background.cancel(this.timer);
    this.timer = undefined;
    this.background = undefined;
  }

  /** One tick: reclaim and re-read page cache, free expired pool pages, grow toward the targets. */
  step(): void {
    this.work();
    if (this.clock !== undefined) this.clock.advanceBy(this.o.tickNs);
  }

  private work(): void {
    const dt = this.o.tickNs / 1e9;
    const ramp = Math.max(1, Math.floor(this.ramPages * this.o.rampPerSecond * dt));
    // Permanent unmovable first (boot-time allocations), in big batches (see permanentPlacement).
    if (this.counters.permanentUnmovablePages < this.targetPermanent) {
      const want = Math.min(ramp, this.targetPermanent - this.counters.permanentUnmovablePages);
      const hintPfn = this.o.permanentPlacement === "largest" ? this.largestRangeStart : this.o.permanentPlacement === "low" ? (this.ranges[0]?.startPfn ?? 0) : this.randomRamPfn();
      const pages = this.pfm.allocatePages(want, { effort: "free-only", kind: "unmovable", hintPfn });
      if (pages === null) this.counters.failedAllocations++;
      else {
        this.counters.permanentUnmovablePages += pages.length;
        this.counters.pagesAllocated += pages.length;
      }
    }
    // Pool pages expire (memoryless lifetimes: each live page goes with probability dt/mean).
    const expire = this.stochasticRound(this.nUnmovable * Math.min(1, dt / this.o.unmovableMeanLifetimeS));
    for (let i = 0; i < expire && this.nUnmovable > 0; i++) {
      const k = this.rng.int(this.nUnmovable);
      const pfn = this.unmovable[k] as number;
      this.unmovable[k] = this.unmovable[this.nUnmovable - 1] as number;
      this.nUnmovable--;
      this.pfm.freePages([pfn]);
      this.counters.pagesFreed++;
    }
    // Page cache turnover: reclaim random movable pages.
    const reclaim = this.stochasticRound(this.counters.movablePages * this.o.movableChurnPerSecond * dt);
    for (let i = 0; i < reclaim; i++) {
      const p = this.randomMovablePage();
      if (p < 0) break;
      this.pfm.freePages([p]);
      this.counters.movablePages--;
      this.counters.pagesFreed++;
    }
    // Grow (or refill) both populations toward their targets.
    const liveTarget = this.targetUnmovable - this.targetPermanent;
    let unmovableBudget = Math.min(liveTarget - this.nUnmovable, expire + ramp);
    while (unmovableBudget > 0) {
      const size = Math.min(unmovableBudget, this.pickSize(this.o.unmovableSizes));
      const pages = this.pfm.allocatePages(size, { effort: "free-only", kind: "unmovable", hintPfn: this.randomRamPfn() });
      if (pages === null) {
        this.counters.failedAllocations++;
        break;
      }
      for (const p of pages) this.pushUnmovable(p);
      this.counters.pagesAllocated += pages.length;
      unmovableBudget -= pages.length;
    }
    let movableBudget = Math.min(this.targetMovable - this.counters.movablePages, reclaim + ramp);
    while (movableBudget > 0) {
      const size = Math.min(movableBudget, this.pickSize(this.o.movableBatches));
      const pages = this.pfm.allocatePages(size, { effort: "free-only", kind: "movable", hintPfn: this.randomRamPfn() });
      if (pages === null) {
        this.counters.failedAllocations++;
        break;
      }
      this.counters.movablePages += pages.length;
      this.counters.pagesAllocated += pages.length;
      movableBudget -= pages.length;
    }
    this.counters.steps++;
    this.counters.simulatedNs += this.o.tickNs;
  }

  /**
   * Drop the whole page cache: free every movable page (found through the
   * movable bitmap, since compaction may have moved them). Returns the count.
   */
  releaseMovable(): number {
    let freed = 0;
    for (const r of this.ranges) {
      for (let w = Math.floor(r.startPfn / 32); w * 32 < r.endPfn; w++) {
        let bits = this.pfm.movableWord(w);
        while (bits !== 0) {
          const b = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          this.pfm.freePages([w * 32 + b]);
          freed++;
        }
      }
    }
    this.counters.movablePages -= freed;
    this.counters.pagesFreed += freed;
    return freed;
  }

  private pushUnmovable(pfn: number): void {
    if (this.nUnmovable === this.unmovable.length) {
      const bigger = new Int32Array(this.unmovable.length * 2);
      bigger.set(this.unmovable);
      this.unmovable = bigger;
    }
    this.unmovable[this.nUnmovable++] = pfn;
  }

  private stochasticRound(x: number): number {
    const f = Math.floor(x);
    return f + (this.rng.next() < x - f ? 1 : 0);
  }

  private pickSize(table: readonly (readonly [number, number])[]): number {
    let total = 0;
    for (const [, w] of table) total += w;
    let r = this.rng.next() * total;
    for (const [size, w] of table) {
      r -= w;
      if (r < 0) return size;
    }
    return (table[table.length - 1] as readonly [number, number])[0];
  }

  private randomRamPfn(): number {
    let k = this.rng.int(this.ramPages);
    for (const r of this.ranges) {
      const len = r.endPfn - r.startPfn;
      if (k < len) return r.startPfn + k;
      k -= len;
    }
    return this.ranges[0]?.startPfn ?? 0;
  }

  /**
   * A movable page chosen uniformly: rejection sampling over random RAM
   * frames (cheap while the page cache fills most of memory). Taking "the next
   * movable page after a random frame" instead would favour pages right after
   * long free runs and grow those runs, the opposite of what reclaim does.
   * Falls back to a scan (wrapping) when movable pages are rare; -1 when none.
   */
  private randomMovablePage(): number {
    if (this.counters.movablePages <= 0) return -1;
    for (let tries = 0; tries < 64; tries++) {
      const p = this.randomRamPfn();
      if (((this.pfm.movableWord(p >>> 5) >>> (p & 31)) & 1) === 1) return p;
    }
    const words = Math.ceil(this.pfm.map.pageCount / 32);
    const start = this.randomRamPfn();
    let w = start >>> 5;
    let bits = this.pfm.movableWord(w) & ~((1 << (start & 31)) - 1);
    for (let i = 0; i <= words; i++) {
      if (bits !== 0) return w * 32 + 31 - Math.clz32(bits & -bits);
      w = w + 1 === words ? 0 : w + 1;
      bits = this.pfm.movableWord(w);
    }
    return -1;
  }
}

/**
 * Create a workload and run it for a simulated uptime of `seconds`: the
 * machine a driver meets after that long. Host time grows with RAM and uptime.
 *
 * @example
 * ```ts
 * import { bootMachine, runUptime, fragmentation } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const before = fragmentation(k.pfm).largestFreeRun;
 * runUptime(k.pfm, { seed: 1, seconds: 10 });
 * console.log(before > fragmentation(k.pfm).largestFreeRun); // true — free memory is scattered
 * ```
 */
export function runUptime(pfm: PageFrameManager, options: WorkloadOptions & { seconds: number }): Workload {
  const w = new Workload(pfm, options);
  w.run(options.seconds);
  return w;
}

/**
 * Host cost of simulated uptime with the default settings, per RAM page per
 * simulated second: measured about 90 ns (x64-desktop, 16 GiB: 30 simulated
 * seconds in 11 s of host time, the first 30 s after boot and the next alike,
 * on a 2-core host shared with other work), rounded up.
 */
export const UPTIME_HOST_NS_PER_PAGE_SECOND = 100;

/** The longest estimated host time an uptime may take: one hour. Longer uptimes are refused (see maxUptimeSeconds). */
export const UPTIME_MAX_HOST_SECONDS = 3600;

/** Estimated host seconds for `seconds` of default-settings uptime on a machine of `ramPages` pages. */
export function estimateUptimeHostSeconds(ramPages: number, seconds: number): number {
  if (!Number.isFinite(ramPages) || ramPages < 0) throw new RangeError(`estimateUptimeHostSeconds: ramPages must be a finite number >= 0, got ${ramPages}`);
  if (Number.isNaN(seconds) || seconds < 0) throw new RangeError(`estimateUptimeHostSeconds: seconds must be >= 0, got ${seconds}`);
  return (ramPages * seconds * UPTIME_HOST_NS_PER_PAGE_SECOND) / 1e9;
}

/** The longest uptime (simulated seconds, whole) whose estimated host time stays within UPTIME_MAX_HOST_SECONDS on `ramPages` pages. */
export function maxUptimeSeconds(ramPages: number): number {
  if (!Number.isFinite(ramPages) || ramPages <= 0) throw new RangeError(`maxUptimeSeconds: ramPages must be a finite number > 0, got ${ramPages}`);
  return Math.floor((UPTIME_MAX_HOST_SECONDS * 1e9) / (ramPages * UPTIME_HOST_NS_PER_PAGE_SECOND));
}

function placementOf(v: "largest" | "low" | "scattered"): "largest" | "low" | "scattered" {
  if (v !== "largest" && v !== "low" && v !== "scattered") throw new RangeError(`Workload: permanentPlacement must be "largest", "low" or "scattered", got ${String(v)}`);
  return v;
}

function fraction(v: number, what: string): number {
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`Workload: ${what} must be in [0, 1], got ${v}`);
  return v;
}

function positive(v: number, what: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`Workload: ${what} must be a finite number > 0, got ${v}`);
  return v;
}

function nonNegative(v: number, what: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`Workload: ${what} must be a finite number >= 0, got ${v}`);
  return v;
}

function mix(table: readonly (readonly [number, number])[], what: string): readonly (readonly [number, number])[] {
  const list: unknown = table;
  if (!Array.isArray(list) || table.length === 0) throw new RangeError(`Workload: ${what} must be a non-empty list of [pages, weight], got ${String(table)}`);
  for (const [pages, weight] of table) {
    if (!Number.isSafeInteger(pages) || pages < 1) throw new RangeError(`Workload: ${what} sizes must be whole numbers >= 1, got ${pages}`);
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`Workload: ${what} weights must be finite and >= 0, got ${weight}`);
  }
  return table;
}
