import { Prng } from "../core/prng.ts";
import type { Clock, TimerHandle } from "../machine/clock.ts";
import * as bits from "./alloc/bits.ts";
import type { PageFrameManager } from "./page-frames.ts";

// A local binding for the hot helper: under loaders that compile to CommonJS (tsx) imported bindings are getter calls.
const { popcount32 } = bits;

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
 * Cost: it works in bulk, the frame bitmaps edited in place for a whole
 * run (PageFrameManager.beginBulk) and the allocator's summaries rebuilt
 * when it ends or a clock event falls due; readahead batches and pool
 * allocations take whole words of the free bitmap, and reclaim draws its
 * candidates bucket by bucket. Full turnover costs about 3 ns of host time
 * per RAM page per simulated second (UPTIME_HOST_NS_PER_PAGE_SECOND). In the
 * steady state run() fast-forwards the page cache (see Workload.run), about
 * fifty times cheaper, and the statistics after 10 minutes stay those of
 * the former page-at-a-time workload (workload-equivalence.test.ts).
 *
 * Evicting whole readahead batches instead of single pages was tried and
 * does not keep them: a batch takes whole free runs and gives them back
 * whole, so runs survive and merge (after 10 minutes on x64-desktop 73,000
 * free runs instead of 142,000, the largest 53 frames instead of 14 to 21).
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
  /**
   * Let run() fast-forward the page cache in the steady state (see
   * Workload.run); default true. false runs the full page-cache turnover in
   * every step (about ten times the host time for long uptimes).
   */
  fastForward?: boolean;
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
  /** Steps whose page-cache turnover run() fast-forwarded (see Workload.run), of `steps`. */
  fastForwardedSteps: number;
}

/** How run() reports and stops: both called between slices of about a simulated minute. */
export interface UptimeControl {
  /** True stops the run (UptimeInterruptedError); e.g. a flag a Ctrl-C handler sets. */
  readonly interrupted?: () => boolean;
  /** Simulated seconds run so far, of the total asked. */
  readonly progress?: (doneSeconds: number, totalSeconds: number) => void;
}

/** A run() stopped between slices because its control said so: how far it got. */
export class UptimeInterruptedError extends Error {
  /** Simulated seconds the workload ran before it stopped. */
  readonly doneSeconds: number;
  /** Simulated seconds asked for. */
  readonly totalSeconds: number;
  /** The workload's counts when it stopped. */
  readonly stats: WorkloadStats;

  constructor(doneSeconds: number, totalSeconds: number, stats: WorkloadStats) {
    super(`uptime interrupted after ${doneSeconds} of ${totalSeconds} simulated seconds`);
    this.name = "UptimeInterruptedError";
    this.doneSeconds = doneSeconds;
    this.totalSeconds = totalSeconds;
    this.stats = stats;
  }
}

/** Simulated length of one bulk slice of run(): the allocator's summaries are rebuilt once per slice. */
const SLICE_NS = 60e9;

/**
 * Fast-forward (quiet()), in turnovers of the free memory (the time the page
 * cache's reclaim takes to free as many pages as are free: about 0.9 s with
 * the defaults). WINDOW: full turnover before anything looks at memory.
 * MIX: full turnover in the steady state before the first fast-forward, and
 * again after anything else changed memory (the boot-time fill's free runs,
 * or a freed buffer's, take about that long to dissolve; with fewer the
 * largest free run after 10 minutes on x64-desktop comes out 30 to 60 frames
 * instead of the full workload's 14 to 21).
 */
const WINDOW_TURNOVERS = 8;
const MIX_TURNOVERS = 48;

/** reclaimPass: buckets of 2^POISSON_SHIFT frames; used when the mean per bucket stays small (a short table search). */
const POISSON_SHIFT = 10;
const POISSON_BUCKET = 1 << POISSON_SHIFT;
const POISSON_MAX_MEAN = 24;
const POISSON_TABLE = 96;
/** Smaller reclaims draw frame by frame; the pass aims a little short of the count so it rarely stops early. */
const POISSON_MIN_NEED = 512;
const POISSON_SHARE = 0.98;
/** bucketSort sorts at most this many keys by insertion (the counting sort passes over every bucket). */
const SMALL_SORT = 128;

/** What take() gives the frames to. */
const MOVABLE = 0;
const POOL = 1;
const PERMANENT = 2;

const EMPTY = new Uint32Array(0);
const EMPTY_INDEX = new Int32Array(0);

/** A size mix as flat arrays (the weights summed once, in the order pickSize subtracts them). */
interface SizeTable {
  readonly sizes: Float64Array;
  readonly weights: Float64Array;
  readonly total: number;
}

function sizeTable(table: readonly (readonly [number, number])[]): SizeTable {
  let total = 0;
  for (const [, w] of table) total += w;
  return { sizes: Float64Array.from(table, ([p]) => p), weights: Float64Array.from(table, ([, w]) => w), total };
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
  private readonly counters = { movablePages: 0, permanentUnmovablePages: 0, steps: 0, simulatedNs: 0, failedAllocations: 0, pagesAllocated: 0, pagesFreed: 0, fastForwardedSteps: 0 };
  private readonly ranges: readonly { readonly startPfn: number; readonly endPfn: number }[];
  private readonly largestRangeStart: number;
  private timer: TimerHandle | undefined;
  private background: Clock | undefined;
  private readonly pageCount: number;
  private readonly rangeStarts: Float64Array;
  private readonly rangeLens: Float64Array;
  private readonly movableTable: SizeTable;
  private readonly unmovableTable: SizeTable;
  // The open bulk edit (open()/close()): the frame bitmaps, edited in place, and the free count.
  private free: Uint32Array = EMPTY;
  private movable: Uint32Array = EMPTY;
  private unmovableBits: Uint32Array = EMPTY;
  private freeCount = 0;
  private freeDelta = 0;
  /**
   * An index over the free bitmap while a bulk edit is open, so a batch whose
   * hint lands in a stretch with no free frame (the zone past the boot-time
   * pool, a hole) skips it a thousand frames at a time: bit i of l1 says word
   * i of the free bitmap has a free frame, bit j of l2 that word j of l1 is
   * not zero.
   */
  private l1: Int32Array = EMPTY_INDEX;
  private l2: Int32Array = EMPTY_INDEX;
  private readonly words: number;
  // Scratch of a tick: readahead batches, reclaim candidates, bucket order.
  private batchHints = new Uint32Array(1024);
  private batchSizes = new Uint32Array(1024);
  private candidates = new Uint32Array(1024);
  private order = new Int32Array(1024);
  private sorted = new Uint32Array(1024);
  private readonly poisson = new Float64Array(POISSON_TABLE);
  private readonly bucketShift: number;
  private readonly bucketCounts: Int32Array;
  // A second xoshiro128** stream (seeded from the first) for the per-page draws, its state
  // in an Int32Array (always int32, so no field changes representation) that the hot loops
  // copy into locals: one 32-bit draw per random frame.
  private readonly xs = new Int32Array(4);
  /** Ticks in a row that ended with both populations at their targets (see quiet()). */
  private steadyTicks = 0;
  /** A hash of the free bitmap when the bulk edit last closed in the steady state (see buildIndex). */
  private freeHash = 0;
  /** Ticks of full page-cache turnover before any observation (see quiet()); Infinity when the page cache does not turn over. */
  private readonly windowTicks: number;
  /** Ticks of full turnover after the populations reach their targets before the first fast-forward (the boot-time fill's free runs dissolve). */
  private readonly mixTicks: number;

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
      fastForward: flag(options.fastForward ?? true, "fastForward"),
    };
    if (this.o.movableFraction + this.o.unmovableFraction > 1) throw new RangeError(`Workload: movableFraction + unmovableFraction must be <= 1, got ${this.o.movableFraction + this.o.unmovableFraction}`);
    this.pfm = pfm;
    this.clock = options.clock;
    this.rng = new Prng(options.seed);
    const xs = this.xs;
    for (let i = 0; i < 4; i++) xs[i] = this.rng.nextU32();
    if (((xs[0] as number) | (xs[1] as number) | (xs[2] as number) | (xs[3] as number)) === 0) xs[3] = 1;
    this.ramPages = pfm.stats.ramPages;
    this.ranges = pfm.ramRanges();
    let best = this.ranges[0];
    for (const r of this.ranges) if (best === undefined || r.endPfn - r.startPfn > best.endPfn - best.startPfn) best = r;
    this.largestRangeStart = best?.startPfn ?? 0;
    this.targetMovable = Math.floor(this.ramPages * this.o.movableFraction);
    this.targetUnmovable = Math.floor(this.ramPages * this.o.unmovableFraction);
    this.targetPermanent = Math.floor(this.targetUnmovable * this.o.unmovablePermanentFraction);
    this.pageCount = pfm.map.pageCount;
    this.words = Math.ceil(this.pageCount / 32);
    // Buckets of 1024 frames (32 words), at most 4096 of them (bigger buckets on bigger machines).
    this.bucketShift = Math.max(10, Math.ceil(Math.log2(Math.max(2, this.pageCount))) - 12);
    this.bucketCounts = new Int32Array((Math.ceil(this.pageCount / 2 ** this.bucketShift) || 1) + 1);
    this.rangeStarts = Float64Array.from(this.ranges, (r) => r.startPfn);
    this.rangeLens = Float64Array.from(this.ranges, (r) => r.endPfn - r.startPfn);
    this.movableTable = sizeTable(this.o.movableBatches);
    this.unmovableTable = sizeTable(this.o.unmovableSizes);
    const freeTarget = Math.max(1, this.ramPages - this.targetMovable - this.targetUnmovable);
    const turnoverS = freeTarget / (Math.max(1, this.targetMovable) * this.o.movableChurnPerSecond);
    this.windowTicks = Number.isFinite(turnoverS) ? Math.ceil((WINDOW_TURNOVERS * turnoverS * 1e9) / this.o.tickNs) : Infinity;
    this.mixTicks = Number.isFinite(turnoverS) ? Math.ceil((MIX_TURNOVERS * turnoverS * 1e9) / this.o.tickNs) : Infinity;
  }

  /** Counts so far (a fresh object). */
  get stats(): WorkloadStats {
    return { ...this.counters, unmovablePages: this.nUnmovable + this.counters.permanentUnmovablePages };
  }

  /**
   * Run for `seconds` of simulated time (whole steps), in bulk: the frame
   * bitmaps stay open for edits across steps and the allocator's summaries
   * are rebuilt at the end, before a clock event falls due and around
   * `control.progress`, so whatever looks sees a consistent machine.
   * `control` is polled between slices (about a simulated minute) and may
   * stop the run there: then an UptimeInterruptedError says how far it got
   * (the machine is consistent, aged by the steps run).
   *
   * Fast-forward (unless `fastForward: false`): once both populations have
   * sat at their targets for 48 turnovers of the free memory (about 41 s with
   * the defaults: the boot-time fill's free runs have dissolved), a step more
   * than 8 turnovers (about 7 s) before the end of the run and before the
   * clock's next event leaves the page cache alone: the pool pages still
   * expire and are allocated, the page cache reads into the frames the pool
   * frees at once and gives back as many random pages. The free memory's
   * make-up is forgotten within a few turnovers, so the 8 turnovers of full
   * turnover at the end leave it as the full workload would
   * (workload-equivalence.test.ts). Anything else that changed memory since
   * the last run (a driver's buffers, compaction) starts the 48 again.
   */
  run(seconds: number, control: UptimeControl = {}): WorkloadStats {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`Workload.run: seconds must be a finite number >= 0, got ${seconds}`);
    if (typeof control !== "object" || control === null) throw new TypeError(`Workload.run: control must be an object, got ${String(control)}`);
    const steps = Math.round((seconds * 1e9) / this.o.tickNs);
    const stepsPerSlice = Math.max(1, Math.round(SLICE_NS / this.o.tickNs));
    const clock = this.clock;
    const tick = this.o.tickNs;
    const keepHash = this.o.fastForward && Number.isFinite(this.mixTicks);
    let done = 0;
    if (steps === 0) return this.stats;
    this.open();
    try {
      while (done < steps) {
        if (control.interrupted?.() === true) throw new UptimeInterruptedError((done * tick) / 1e9, seconds, this.stats);
        const sliceEnd = Math.min(steps, done + stepsPerSlice);
        while (done < sliceEnd) {
          this.work(this.quiet(steps - done));
          done++;
          if (clock === undefined) continue;
          // An event due within this tick may touch memory: let it see a consistent machine.
          if (clock.nextEventTime() <= clock.now + tick) {
            this.close(keepHash);
            try {
              clock.advanceBy(tick);
            } finally {
              this.open();
            }
          } else clock.advanceBy(tick);
        }
        if (control.progress === undefined) continue;
        // The callback sees a consistent machine (it may look at memory).
        this.close(keepHash);
        try {
          control.progress((done * tick) / 1e9, seconds);
        } finally {
          this.open();
        }
      }
    } finally {
      this.close(keepHash);
    }
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
      this.tickInSession();
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

  /**
   * May this tick leave the page cache alone (fast-forward)? Only in the
   * steady state (both populations at their targets for a whole window),
   * and only when the run's end and the clock's next event are more than a
   * window away, so that whatever looks at memory next sees at least a
   * window of full turnover before it.
   */
  private quiet(ticksLeft: number): boolean {
    const window = this.windowTicks;
    if (!this.o.fastForward || this.steadyTicks < this.mixTicks || ticksLeft <= window) return false;
    const clock = this.clock;
    return clock === undefined || clock.nextEventTime() > clock.now + (window + 1) * this.o.tickNs;
  }

  /** One tick: reclaim and re-read page cache, free expired pool pages, grow toward the targets. */
  step(): void {
    this.open();
    try {
      this.work();
    } finally {
      this.close();
    }
    if (this.clock !== undefined) this.clock.advanceBy(this.o.tickNs);
  }

  /** One tick as a clock event (start()): the bitmaps are consistent again before the event returns. */
  private tickInSession(): void {
    this.open();
    try {
      this.work();
    } finally {
      this.close();
    }
  }

  /** Open a bulk edit of the frame bitmaps (see PageFrameManager.beginBulk). */
  private open(): void {
    const b = this.pfm.beginBulk();
    this.free = b.free;
    this.movable = b.movable;
    this.unmovableBits = b.unmovable;
    this.freeCount = this.pfm.allocator.freePages;
    this.freeDelta = 0;
    this.buildIndex();
  }

  /** Build l1/l2 from the free bitmap (one pass over its words). */
  private buildIndex(): void {
    const words = this.words;
    if (this.l1.length !== Math.ceil(words / 32)) {
      this.l1 = new Int32Array(Math.ceil(words / 32));
      this.l2 = new Int32Array(Math.ceil(this.l1.length / 32));
    }
    const free = this.free;
    const l1 = this.l1;
    const l2 = this.l2;
    l2.fill(0);
    let h = 0;
    for (let i = 0; i < l1.length; i++) {
      let m = 0;
      const end = Math.min(words, (i + 1) * 32);
      for (let w = i * 32; w < end; w++) {
        const x = free[w] as number;
        h = Math.imul(h ^ x, 0x9e3779b1) ^ (h >>> 15);
        if (x !== 0) m |= 1 << (w & 31);
      }
      l1[i] = m;
      if (m !== 0) l2[i >>> 5] = (l2[i >>> 5] as number) | (1 << (i & 31));
    }
    // Memory changed since this workload last closed its edit (a driver's buffers, compaction): mix again before a fast-forward.
    if (h !== this.freeHash) this.steadyTicks = 0;
  }

  /** freeHash of the free bitmap as it is now (buildIndex's hash, without the index). */
  private hashFree(): number {
    const free = this.free;
    let h = 0;
    for (let w = 0; w < this.words; w++) h = Math.imul(h ^ (free[w] as number), 0x9e3779b1) ^ (h >>> 15);
    return h;
  }

  /** Word w of the free bitmap went from no free frame to some: index it. */
  private wordGainedFree(w: number): void {
    const i = w >>> 5;
    const before = this.l1[i] as number;
    this.l1[i] = before | (1 << (w & 31));
    if (before === 0) this.l2[i >>> 5] = (this.l2[i >>> 5] as number) | (1 << (i & 31));
  }

  /** Reclaim frame p if it holds a movable (page-cache) page: movable bit off, free bit on, the word indexed. */
  private reclaimFrame(p: number): boolean {
    const w = p >>> 5;
    const m = 1 << (p & 31);
    const word = this.movable[w] as number;
    if ((word & m) === 0) return false;
    this.movable[w] = word & ~m;
    const before = this.free[w] as number;
    this.free[w] = before | m;
    if (before === 0) this.wordGainedFree(w);
    return true;
  }

  /** Word w of the free bitmap has no free frame left: unindex it. */
  private wordLostFree(w: number): void {
    const i = w >>> 5;
    const after = (this.l1[i] as number) & ~(1 << (w & 31));
    this.l1[i] = after;
    if (after === 0) this.l2[i >>> 5] = (this.l2[i >>> 5] as number) & ~(1 << (i & 31));
  }

  /** The first word at or after w with a free frame, or -1. */
  private nextFreeWord(w: number): number {
    if (w >= this.words) return -1;
    if (this.free[w] !== 0) return w;
    const l1 = this.l1;
    let i = w >>> 5;
    const here = (l1[i] as number) & (-1 << (w & 31));
    if (here !== 0) return (i << 5) + 31 - Math.clz32(here & -here);
    const l2 = this.l2;
    let j = i >>> 5;
    const b = (i & 31) + 1;
    let m = b === 32 ? 0 : (l2[j] as number) & (-1 << b);
    while (m === 0) {
      if (++j >= l2.length) return -1;
      m = l2[j] as number;
    }
    i = (j << 5) + 31 - Math.clz32(m & -m);
    const word = l1[i] as number;
    return (i << 5) + 31 - Math.clz32(word & -word);
  }

  /** Close it: the allocator rebuilds its summaries once. `keepHash` (run() with fast-forward) remembers the free bitmap's hash. */
  private close(keepHash = false): void {
    // Only a steady machine can fast-forward; its hash tells the next open() whether anything else touched memory meanwhile.
    if (keepHash) this.freeHash = this.hashFree();
    const delta = this.freeDelta;
    this.freeDelta = 0;
    this.free = EMPTY;
    this.movable = EMPTY;
    this.unmovableBits = EMPTY;
    this.pfm.endBulk(delta);
  }

  private work(quiet = false): void {
    const dt = this.o.tickNs / 1e9;
    const ramp = Math.max(1, Math.floor(this.ramPages * this.o.rampPerSecond * dt));
    // Permanent unmovable first (boot-time allocations), in big batches (see permanentPlacement).
    if (this.counters.permanentUnmovablePages < this.targetPermanent) {
      const want = Math.min(ramp, this.targetPermanent - this.counters.permanentUnmovablePages);
      const hintPfn = this.o.permanentPlacement === "largest" ? this.largestRangeStart : this.o.permanentPlacement === "low" ? (this.ranges[0]?.startPfn ?? 0) : this.randomRamPfn();
      if (!this.take(want, hintPfn, PERMANENT)) this.counters.failedAllocations++;
      else {
        this.counters.permanentUnmovablePages += want;
        this.counters.pagesAllocated += want;
      }
    }
    // Pool pages expire (memoryless lifetimes: each live page goes with probability dt/mean).
    const expire = this.stochasticRound(this.nUnmovable * Math.min(1, dt / this.o.unmovableMeanLifetimeS));
    const um = this.unmovableBits;
    const free = this.free;
    let expired = 0;
    for (; expired < expire && this.nUnmovable > 0; expired++) {
      const k = this.rng.int(this.nUnmovable);
      const pfn = this.unmovable[k] as number;
      this.unmovable[k] = this.unmovable[this.nUnmovable - 1] as number;
      this.nUnmovable--;
      const w = pfn >>> 5;
      const m = 1 << (pfn & 31);
      um[w] = (um[w] as number) & ~m;
      if (quiet) {
        // Fast-forward: the page cache reads into the frame at once (in full turnover it would within about a tick or two).
        this.movable[w] = (this.movable[w] as number) | m;
        continue;
      }
      const before = free[w] as number;
      free[w] = before | m;
      if (before === 0) this.wordGainedFree(w);
    }
    this.counters.pagesFreed += expired;
    if (quiet) {
      this.counters.movablePages += expired;
      this.counters.pagesAllocated += expired;
    } else {
      this.freeCount += expired;
      this.freeDelta += expired;
    }
    // Page cache turnover: reclaim random movable pages, one frame each (a bit in two bitmaps); fast-forwarded, only as many as the pool gave it.
    const reclaimed = quiet ? this.reclaimFew(expired) : this.reclaimMovable(this.stochasticRound(this.counters.movablePages * this.o.movableChurnPerSecond * dt));
    this.counters.movablePages -= reclaimed;
    this.counters.pagesFreed += reclaimed;
    this.freeCount += reclaimed;
    this.freeDelta += reclaimed;
    // Grow (or refill) both populations toward their targets: pool allocations and readahead batches.
    const liveTarget = this.targetUnmovable - this.targetPermanent;
    let unmovableBudget = Math.min(liveTarget - this.nUnmovable, expire + ramp);
    while (unmovableBudget > 0) {
      const size = Math.min(unmovableBudget, this.pickSize(this.unmovableTable));
      if (!this.take(size, this.randomRamPfn(), POOL)) {
        this.counters.failedAllocations++;
        break;
      }
      this.counters.pagesAllocated += size;
      unmovableBudget -= size;
    }
    this.readahead(Math.min(this.targetMovable - this.counters.movablePages, reclaimed + ramp));
    if (this.counters.movablePages >= this.targetMovable && this.counters.permanentUnmovablePages >= this.targetPermanent) this.steadyTicks++;
    else this.steadyTicks = 0;
    this.counters.steps++;
    if (quiet) this.counters.fastForwardedSteps++;
    this.counters.simulatedNs += this.o.tickNs;
  }

  /**
   * This tick's readahead batches, `budget` pages in all. Each batch takes the
   * lowest free frames after a random hint (wrapping), and which frames end up
   * taken does not depend on the order the batches go in (the property of
   * linear probing: the occupied set is the same for any insertion order), so
   * they go in address order, bucketed by hint: the bitmaps are walked nearly
   * sequentially instead of at random.
   */
  private readahead(budget: number): void {
    if (budget <= 0) return;
    let left = budget;
    let n = 0;
    while (left > 0) {
      const size = Math.min(left, this.pickSize(this.movableTable));
      if (size > this.freeCount) {
        this.counters.failedAllocations++;
        break;
      }
      if (n === this.batchHints.length) this.growBatches();
      this.batchHints[n] = this.randomRamPfn();
      this.batchSizes[n] = size;
      n++;
      this.freeCount -= size;
      this.freeDelta -= size;
      this.counters.movablePages += size;
      this.counters.pagesAllocated += size;
      left -= size;
    }
    const order = this.bucketOrder(this.batchHints, n);
    for (let j = 0; j < n; j++) {
      const i = order[j] as number;
      const hint = this.batchHints[i] as number;
      const size = this.batchSizes[i] as number;
      let rest = this.takeRange(hint, this.pageCount, size, MOVABLE);
      if (rest > 0) rest = this.takeRange(0, hint, rest, MOVABLE);
      if (rest !== 0) throw new Error(`Workload: the free count and the free bitmap disagree (${rest} of ${size} frames not found)`);
    }
  }

  private growBatches(): void {
    const hints = new Uint32Array(this.batchHints.length * 2);
    hints.set(this.batchHints);
    this.batchHints = hints;
    const sizes = new Uint32Array(this.batchSizes.length * 2);
    sizes.set(this.batchSizes);
    this.batchSizes = sizes;
  }

  /** The first `n` frame numbers of `keys` in bucket order (bucketOrder's sort, moving the keys themselves). */
  private bucketSort(keys: Uint32Array, n: number): Uint32Array {
    if (this.sorted.length < n) this.sorted = new Uint32Array(Math.max(n, this.sorted.length * 2));
    const out = this.sorted;
    const shift = this.bucketShift;
    if (n <= SMALL_SORT) {
      // A few keys (a reclaim round while the page cache is rare): a stable insertion sort by bucket gives the same order without a pass over every bucket.
      for (let i = 0; i < n; i++) {
        const k = keys[i] as number;
        const b = k >>> shift;
        let j = i;
        for (; j > 0 && (out[j - 1] as number) >>> shift > b; j--) out[j] = out[j - 1] as number;
        out[j] = k;
      }
      return out;
    }
    const counts = this.bucketStarts(keys, n);
    for (let i = 0; i < n; i++) {
      const k = keys[i] as number;
      const b = k >>> shift;
      const at = counts[b] as number;
      counts[b] = at + 1;
      out[at] = k;
    }
    return out;
  }

  /**
   * Indices 0..n-1 of `keys` (frame numbers) in order of their 2^bucketShift
   * frame bucket (a counting sort): each bucket's frames share a few cache
   * lines of every bitmap. Within a bucket the order is the draw order.
   */
  private bucketOrder(keys: Uint32Array, n: number): Int32Array {
    if (this.order.length < n) this.order = new Int32Array(Math.max(n, this.order.length * 2));
    const order = this.order;
    const counts = this.bucketStarts(keys, n);
    const shift = this.bucketShift;
    for (let i = 0; i < n; i++) {
      const b = (keys[i] as number) >>> shift;
      const at = counts[b] as number;
      counts[b] = at + 1;
      order[at] = i;
    }
    return order;
  }

  /** The counting sort's first pass: where each bucket of the first `n` keys starts in the sorted output. */
  private bucketStarts(keys: Uint32Array, n: number): Int32Array {
    const counts = this.bucketCounts;
    const shift = this.bucketShift;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = ((keys[i] as number) >>> shift) + 1;
      counts[b] = (counts[b] as number) + 1;
    }
    for (let b = 1; b < counts.length; b++) counts[b] = (counts[b] as number) + (counts[b - 1] as number);
    return counts;
  }

  /**
   * Take `count` free frames, all or nothing: the lowest at or after `hint`,
   * then (wrapping) from frame 0, as allocatePages does, a word at a time.
   * Pool pages are remembered one by one (they expire singly); movable and
   * permanent ones only in their bitmap.
   */
  private take(count: number, hint: number, what: number): boolean {
    if (count > this.freeCount) return false;
    let left = this.takeRange(hint, this.pageCount, count, what);
    if (left > 0) left = this.takeRange(0, hint, left, what);
    if (left !== 0) throw new Error(`Workload: the free count and the free bitmap disagree (${left} of ${count} frames not found)`);
    this.freeCount -= count;
    this.freeDelta -= count;
    return true;
  }

  /** Take up to `left` free frames in [from, to), lowest first; returns how many are still wanted. */
  private takeRange(from: number, to: number, left: number, what: number): number {
    if (from >= to) return left;
    const free = this.free;
    const kind = what === MOVABLE ? this.movable : this.unmovableBits;
    const lastWord = (to - 1) >>> 5;
    const lastMask = (to & 31) === 0 ? -1 : (1 << (to & 31)) - 1;
    let w = from >>> 5;
    let x = (free[w] as number) & (-1 << (from & 31));
    for (;;) {
      if (x === 0) {
        // Nothing free in this word: the index skips the words with nothing free.
        w = this.nextFreeWord(w + 1);
        if (w < 0 || w > lastWord) return left;
        x = free[w] as number;
      }
      if (w === lastWord) {
        x &= lastMask;
        if (x === 0) return left;
      }
      let n = popcount32(x);
      if (n > left) {
        // Keep only the lowest `left` frames of the word.
        let keep = 0;
        for (let i = 0; i < left; i++) {
          const low = x & -x;
          keep |= low;
          x ^= low;
        }
        x = keep;
        n = left;
      }
      const after = (free[w] as number) & ~x;
      free[w] = after;
      if (after === 0) this.wordLostFree(w);
      kind[w] = (kind[w] as number) | x;
      if (what === POOL) {
        let y = x;
        while (y !== 0) {
          const low = y & -y;
          this.pushUnmovable(w * 32 + 31 - Math.clz32(low));
          y ^= low;
        }
      }
      left -= n;
      if (left === 0 || w >= lastWord) return left;
      w++;
      x = free[w] as number;
    }
  }


  /**
   * Drop the whole page cache: free every movable page (found through the
   * movable bitmap, since compaction may have moved them), a word at a time.
   * Returns the count.
   */
  releaseMovable(): number {
    let freed = 0;
    this.open();
    try {
      const mv = this.movable;
      const free = this.free;
      for (const r of this.ranges) {
        for (let w = Math.floor(r.startPfn / 32); w * 32 < r.endPfn; w++) {
          const bits = mv[w] as number;
          if (bits === 0) continue;
          free[w] = (free[w] as number) | bits;
          mv[w] = 0;
          freed += popcount32(bits);
        }
      }
      this.freeDelta += freed;
    } finally {
      this.close();
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

  private pickSize(table: SizeTable): number {
    let r = (this.nextU32() / 4294967296) * table.total;
    const { sizes, weights } = table;
    for (let i = 0; i < sizes.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return sizes[i] as number;
    }
    return sizes[sizes.length - 1] as number;
  }

  /** The fast stream's next unsigned 32-bit draw (xoshiro128**, as core/prng.ts). */
  private nextU32(): number {
    const xs = this.xs;
    const x0 = xs[0] as number;
    const x1 = xs[1] as number;
    let x2 = xs[2] as number;
    let x3 = xs[3] as number;
    const result = Math.imul(rotl(Math.imul(x1, 5), 7), 9) >>> 0;
    const t = x1 << 9;
    x2 ^= x0;
    x3 ^= x1;
    xs[1] = x1 ^ x2;
    xs[0] = x0 ^ x3;
    xs[2] = x2 ^ t;
    xs[3] = rotl(x3, 11);
    return result;
  }

  /** A RAM frame chosen uniformly (one 32-bit draw: the bias, under ramPages / 2^32, is below any figure's noise). */
  private randomRamPfn(): number {
    return this.ramPfnAt(Math.floor((this.nextU32() / 4294967296) * this.ramPages));
  }

  /** The k-th RAM frame (k in [0, ramPages)). */
  private ramPfnAt(index: number): number {
    let k = index;
    const starts = this.rangeStarts;
    const lens = this.rangeLens;
    for (let i = 0; i < starts.length; i++) {
      const len = lens[i] as number;
      if (k < len) return (starts[i] as number) + k;
      k -= len;
    }
    return starts[0] ?? 0;
  }

  /**
   * Reclaim `count` movable pages chosen uniformly, one frame each (a bit in
   * two bitmaps): rejection sampling over random RAM frames, cheap while the
   * page cache fills most of memory. Returns how many (fewer only when the
   * page cache runs dry). The candidates of a round are drawn first and
   * checked in bucket order, so the bitmaps are read nearly sequentially; a
   * candidate that is not movable (any more) is a miss and the next round
   * draws again. Which pages go is the same in law as one draw at a time: the
   * accepted set is a uniform sample of the movable pages either way.
   */
  private reclaimMovable(count: number): number {
    let done = 0;
    let left = this.counters.movablePages;
    let fruitless = 0;
    let passes = 0;
    while (done < count && left > 0) {
      const need = Math.min(count - done, left);
      // The first pass of a big reclaim: candidates by bucket straight away (reclaimPass); the rest as below.
      if (passes++ === 0 && need >= POISSON_MIN_NEED && (POISSON_SHARE * need * POISSON_BUCKET) / left <= POISSON_MAX_MEAN) {
        const got = this.reclaimPass(count - done, (POISSON_SHARE * need) / left);
        done += got;
        left -= got;
        continue;
      }
      const sorted = this.bucketSort(this.drawFrames(need), need);
      let got = 0;
      for (let j = 0; j < need; j++) {
        if (this.reclaimFrame(sorted[j] as number)) got++;
      }
      done += got;
      left -= got;
      if (got > 0) fruitless = 0;
      else if (++fruitless >= 64) {
        // 64 rounds that found nothing: movable pages are rare; take the rest by scanning.
        for (; done < count && left > 0; done++, left--) {
          const p = this.scanMovable();
          if (p < 0) break;
          this.reclaimFrame(p);
        }
        break;
      }
    }
    return done;
  }

  /**
   * A fast-forwarded tick's reclaim: `count` (a few) movable pages chosen
   * uniformly, one random frame at a time, no sort; reclaimMovable for what
   * 64 draws a page did not find. Returns how many.
   */
  private reclaimFew(count: number): number {
    let done = 0;
    for (let tries = 0; done < count && tries < 64 * count; tries++) if (this.reclaimFrame(this.randomRamPfn())) done++;
    return done < count ? done + this.reclaimMovable(count - done) : done;
  }

  /**
   * One pass of candidates at `rate` per frame over all frames, bucket by
   * bucket from a random bucket (wrapping): a Poisson number of candidates in
   * each 1024-frame bucket, each at a uniform offset in it, which is the same
   * in law as drawing the frames one by one and sorting them, without the
   * sort, and with the bucket's words in cache. A frame that is not movable
   * (a hole, a pool page, free, or taken already) is a miss. Stops at `most`
   * pages reclaimed; returns how many.
   */
  private reclaimPass(most: number, rate: number): number {
    const table = this.poissonTable(rate * POISSON_BUCKET);
    const buckets = Math.ceil(this.pageCount / POISSON_BUCKET);
    const pageCount = this.pageCount;
    let b = Math.floor((this.nextU32() / 4294967296) * buckets);
    const mv = this.movable;
    const free = this.free;
    const xs = this.xs;
    let x0 = xs[0] as number;
    let x1 = xs[1] as number;
    let x2 = xs[2] as number;
    let x3 = xs[3] as number;
    let got = 0;
    for (let seen = 0; seen < buckets && got < most; seen++, b = b + 1 === buckets ? 0 : b + 1) {
      let r = Math.imul(rotl(Math.imul(x1, 5), 7), 9) >>> 0;
      let t = x1 << 9;
      x2 ^= x0;
      x3 ^= x1;
      x1 ^= x2;
      x0 ^= x3;
      x2 ^= t;
      x3 = (x3 << 11) | (x3 >>> 21);
      let k = 0;
      while (r >= (table[k] as number)) k++;
      const base = b * POISSON_BUCKET;
      for (; k > 0; k--) {
        r = Math.imul(rotl(Math.imul(x1, 5), 7), 9) >>> 0;
        t = x1 << 9;
        x2 ^= x0;
        x3 ^= x1;
        x1 ^= x2;
        x0 ^= x3;
        x2 ^= t;
        x3 = (x3 << 11) | (x3 >>> 21);
        const p = base + (r >>> (32 - POISSON_SHIFT));
        if (p >= pageCount) continue;
        // reclaimFrame, inline (the hot loop of a reclaim).
        const w = p >>> 5;
        const m = 1 << (p & 31);
        const word = mv[w] as number;
        if ((word & m) === 0) continue;
        mv[w] = word & ~m;
        const before = free[w] as number;
        free[w] = before | m;
        if (before === 0) this.wordGainedFree(w);
        if (++got === most) break;
      }
    }
    xs[0] = x0;
    xs[1] = x1;
    xs[2] = x2;
    xs[3] = x3;
    return got;
  }

  /** Thresholds for a Poisson(mean) draw from one 32-bit number: k is the first index whose threshold exceeds it. */
  private poissonTable(mean: number): Float64Array {
    const table = this.poisson;
    let p = Math.exp(-mean);
    let cdf = p;
    let k = 0;
    for (; k < table.length - 1; k++) {
      table[k] = Math.floor(cdf * 4294967296);
      p *= mean / (k + 1);
      cdf += p;
    }
    table[k] = Infinity;
    return table;
  }

  /** `n` RAM frames drawn uniformly into the candidates scratch (the stream inline). */
  private drawFrames(n: number): Uint32Array {
    if (this.candidates.length < n) this.candidates = new Uint32Array(Math.max(n, this.candidates.length * 2));
    const cand = this.candidates;
    const single = this.rangeStarts.length === 1;
    const base = this.rangeStarts[0] ?? 0;
    const scale = this.ramPages / 4294967296;
    const xs = this.xs;
    let x0 = xs[0] as number;
    let x1 = xs[1] as number;
    let x2 = xs[2] as number;
    let x3 = xs[3] as number;
    for (let i = 0; i < n; i++) {
      const r = Math.imul(rotl(Math.imul(x1, 5), 7), 9) >>> 0;
      const t = x1 << 9;
      x2 ^= x0;
      x3 ^= x1;
      x1 ^= x2;
      x0 ^= x3;
      x2 ^= t;
      x3 = (x3 << 11) | (x3 >>> 21);
      const k = Math.floor(r * scale);
      cand[i] = single ? base + k : this.ramPfnAt(k);
    }
    xs[0] = x0;
    xs[1] = x1;
    xs[2] = x2;
    xs[3] = x3;
    return cand;
  }

  /**
   * reclaimMovable's fallback when 64 random frames held no movable page (the
   * page cache is rare): the first movable page after a random frame
   * (wrapping), or -1 when none. Only a fallback: as the rule, "the next
   * movable page after a random frame" would favour pages right after long
   * free runs and grow those runs, the opposite of what reclaim does.
   */
  private scanMovable(): number {
    const mv = this.movable;
    const words = Math.ceil(this.pageCount / 32);
    const start = this.randomRamPfn();
    let w = start >>> 5;
    let bits = (mv[w] as number) & ~((1 << (start & 31)) - 1);
    for (let i = 0; i <= words; i++) {
      if (bits !== 0) return w * 32 + 31 - Math.clz32(bits & -bits);
      w = w + 1 === words ? 0 : w + 1;
      bits = mv[w] as number;
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
 * Host cost of full page-cache turnover with the default settings, per RAM
 * page per simulated second: measured about 2.4 ns of CPU time (x64-desktop,
 * 16 GiB: 10 ms per simulated second after the ramp), rounded up. On a host
 * shared with other work the wall time is longer by the share it gets.
 */
export const UPTIME_HOST_NS_PER_PAGE_SECOND = 3;

/**
 * Host cost of a fast-forwarded simulated second (Workload.run: pool pages
 * only, the page cache left alone), per RAM page: measured about 0.026 ns of
 * CPU time on x64-desktop (0.11 ms per simulated second), doubled for a
 * shared host and rounded up.
 */
export const UPTIME_FAST_FORWARD_NS_PER_PAGE_SECOND = 0.06;

/**
 * Simulated seconds of a run at the full rate before it may fast-forward,
 * with the default settings: the ramp to the targets (about 19 s), the mix
 * (48 turnovers of the free memory, about 41 s) and the closing window (8,
 * about 7 s), rounded up.
 */
export const UPTIME_FULL_RATE_SECONDS = 70;

/** The longest estimated host time an uptime may take: one hour. Longer uptimes are refused (see maxUptimeSeconds). */
export const UPTIME_MAX_HOST_SECONDS = 3600;

/**
 * Estimated host seconds for `seconds` of default-settings uptime on a
 * machine of `ramPages` pages, from boot: the first UPTIME_FULL_RATE_SECONDS
 * at the full rate, the rest fast-forwarded.
 */
export function estimateUptimeHostSeconds(ramPages: number, seconds: number): number {
  if (!Number.isFinite(ramPages) || ramPages < 0) throw new RangeError(`estimateUptimeHostSeconds: ramPages must be a finite number >= 0, got ${ramPages}`);
  if (Number.isNaN(seconds) || seconds < 0) throw new RangeError(`estimateUptimeHostSeconds: seconds must be >= 0, got ${seconds}`);
  const full = Math.min(seconds, UPTIME_FULL_RATE_SECONDS);
  return (ramPages * (full * UPTIME_HOST_NS_PER_PAGE_SECOND + (seconds - full) * UPTIME_FAST_FORWARD_NS_PER_PAGE_SECOND)) / 1e9;
}

/** The longest uptime (simulated seconds, whole) whose estimated host time stays within UPTIME_MAX_HOST_SECONDS on `ramPages` pages. */
export function maxUptimeSeconds(ramPages: number): number {
  if (!Number.isFinite(ramPages) || ramPages <= 0) throw new RangeError(`maxUptimeSeconds: ramPages must be a finite number > 0, got ${ramPages}`);
  const budgetNs = (UPTIME_MAX_HOST_SECONDS * 1e9) / ramPages;
  const fullNs = UPTIME_FULL_RATE_SECONDS * UPTIME_HOST_NS_PER_PAGE_SECOND;
  if (budgetNs <= fullNs) return Math.floor(budgetNs / UPTIME_HOST_NS_PER_PAGE_SECOND);
  return Math.floor(UPTIME_FULL_RATE_SECONDS + (budgetNs - fullNs) / UPTIME_FAST_FORWARD_NS_PER_PAGE_SECOND);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function placementOf(v: "largest" | "low" | "scattered"): "largest" | "low" | "scattered" {
  if (v !== "largest" && v !== "low" && v !== "scattered") throw new RangeError(`Workload: permanentPlacement must be "largest", "low" or "scattered", got ${String(v)}`);
  return v;
}

function flag(v: boolean, what: string): boolean {
  if (typeof v !== "boolean") throw new RangeError(`Workload: ${what} must be true or false, got ${String(v)}`);
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
