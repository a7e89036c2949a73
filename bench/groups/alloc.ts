/**
 * Contiguous allocation at 2^24 simulated pages (64 GiB, two NUMA nodes), goals
 * from reference/allocator-verifier-perf.md section 3.5 A.
 *
 * - moderate: the background workload holds about 5% of RAM (its default size
 *   mix); page-aligned requests of 1-512 pages (log-uniform) with a random
 *   maximum address, boundary and node; effort free-only (no compaction, so
 *   the figure is the allocator's own); 64 allocations live, freed FIFO.
 * - adversarial: 30% of frames pinned one by one at uniformly random places;
 *   1-16 page requests with 64 KiB alignment or a 64 KiB boundary.
 * - unsat: a request one page longer than the largest free run.
 * - speedup_vs_linear: the same moderate request stream on the linear-scan
 *   oracle in the same state, same process.
 * - compaction: a 4 GiB machine full of movable pages with every 8th frame
 *   free; 2048-page requests at PASSIVE_LEVEL effort, pages migrated per wall
 *   second, once with memory never written (only bitmaps change) and once with
 *   the source and target chunks materialized (4 KiB copied per page).
 */
import { GiB } from "../../src/core/address.ts";
import { Prng } from "../../src/core/prng.ts";
import { MemoryMap } from "../../src/machine/memory-map.ts";
import { PhysicalMemory } from "../../src/machine/physical-memory.ts";
import { parseProfile } from "../../src/machine/profile.ts";
import { type ContiguousPagesRequest, PageFrameManager } from "../../src/kernel/page-frames.ts";
import { Workload } from "../../src/kernel/workload.ts";
import { type BenchGroup, type BenchResult, percentile } from "../harness.ts";

const PAGES = 1 << 24;
const LIVE = 64;

function machine(): MemoryMap {
  return new MemoryMap(
    parseProfile({
      name: "bench-64g",
      arch: "x64",
      nodes: 2,
      memory: [
        { base: 0, length: 32 * GiB, type: "ram", node: 0 },
        { base: 32 * GiB, length: 32 * GiB, type: "ram", node: 1 },
      ],
    }),
  );
}

function moderateState(impl: "fast" | "linear-scan"): PageFrameManager {
  const pfm = new PageFrameManager(machine(), { allocator: impl });
  // About 5% of RAM held by the workload: 4% movable, 1% unmovable, then some turnover.
  new Workload(pfm, { seed: "bench-moderate", movableFraction: 0.04, unmovableFraction: 0.01, rampPerSecond: 0.5, movableChurnPerSecond: 0.2 }).run(2);
  return pfm;
}

function adversarialState(): PageFrameManager {
  const pfm = new PageFrameManager(machine());
  // Single pages at random places: 30% of frames pinned uniformly.
  new Workload(pfm, { seed: "bench-adversarial", movableFraction: 0.25, unmovableFraction: 0.05, unmovablePermanentFraction: 0, rampPerSecond: 1, movableBatches: [[1, 1]], unmovableSizes: [[1, 1]] }).run(0.4);
  return pfm;
}

const MAX_ADDRESSES = [PAGES - 1, PAGES - 1, (4 * GiB) / 4096 - 1, (16 * GiB) / 4096 - 1, (48 * GiB) / 4096 - 1];

function moderateStream(count: number): ContiguousPagesRequest[] {
  const rng = new Prng("alloc-moderate");
  const out: ContiguousPagesRequest[] = [];
  for (let i = 0; i < count; i++) {
    const pages = Math.max(1, Math.round(2 ** (rng.next() * 9)));
    const boundaryPages = rng.pick([0, 0, 1 << 20, pages <= 16 ? 16 : 0]);
    const r = rng.int(3);
    out.push({ pages, lowPfn: 0, highPfn: rng.pick(MAX_ADDRESSES), boundaryPages, effort: "free-only", ...(r === 0 ? {} : { node: r - 1, nodePolicy: rng.chance(0.5) ? ("strict" as const) : ("preferred" as const) }) });
  }
  return out;
}

function adversarialStream(count: number): ContiguousPagesRequest[] {
  const rng = new Prng("alloc-adversarial");
  const out: ContiguousPagesRequest[] = [];
  for (let i = 0; i < count; i++) {
    const pages = rng.range(1, 16);
    const aligned = rng.chance(0.5);
    const r = rng.int(3);
    out.push({ pages, lowPfn: 0, highPfn: rng.pick(MAX_ADDRESSES), ...(aligned ? { alignPages: 16 } : { boundaryPages: 16 }), effort: "free-only", ...(r === 0 ? {} : { node: r - 1 }) });
  }
  return out;
}

/** Allocate each request (keeping LIVE runs, freed FIFO); per-allocation latencies in µs. */
function timedRun(pfm: PageFrameManager, stream: readonly ContiguousPagesRequest[]): { lat: Float64Array; failures: number } {
  const lat = new Float64Array(stream.length);
  const live: [number, number][] = [];
  let failures = 0;
  for (let i = 0; i < stream.length; i++) {
    const q = stream[i] as ContiguousPagesRequest;
    const t0 = performance.now();
    const s = pfm.allocateContiguous(q);
    lat[i] = (performance.now() - t0) * 1000;
    if (s < 0) failures++;
    else live.push([s, q.pages]);
    if (live.length > LIVE) {
      const [fs, fn] = live.shift() as [number, number];
      pfm.freeContiguous(fs, fn);
    }
  }
  for (const [fs, fn] of live) pfm.freeContiguous(fs, fn);
  lat.sort();
  return { lat, failures };
}

/** Alloc+free pairs per second over the stream, untimed per call. */
function pairsPerSecond(pfm: PageFrameManager, stream: readonly ContiguousPagesRequest[]): number {
  const live: [number, number][] = [];
  let pairs = 0;
  const t0 = performance.now();
  for (const q of stream) {
    const s = pfm.allocateContiguous(q);
    if (s >= 0) live.push([s, q.pages]);
    if (live.length > LIVE) {
      const [fs, fn] = live.shift() as [number, number];
      pfm.freeContiguous(fs, fn);
      pairs++;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  for (const [fs, fn] of live) pfm.freeContiguous(fs, fn);
  return pairs / elapsed;
}

function wallOf(pfm: PageFrameManager, stream: readonly ContiguousPagesRequest[]): { ms: number; starts: number[] } {
  const starts: number[] = [];
  const live: [number, number][] = [];
  const t0 = performance.now();
  for (const q of stream) {
    const s = pfm.allocateContiguous(q);
    starts.push(s);
    if (s >= 0) live.push([s, q.pages]);
    if (live.length > LIVE) {
      const [fs, fn] = live.shift() as [number, number];
      pfm.freeContiguous(fs, fn);
    }
  }
  const ms = performance.now() - t0;
  for (const [fs, fn] of live) pfm.freeContiguous(fs, fn);
  return { ms, starts };
}

/** Pages migrated per wall second by compaction; `bytes` materializes source and target memory first. */
function compactionRate(bytes: boolean): number {
  const map = new MemoryMap(parseProfile({ name: "bench-4g", arch: "x64", memory: [{ base: 0, length: 4 * GiB, type: "ram" }] }));
  const memory = new PhysicalMemory(4 * GiB);
  const pfm = new PageFrameManager(map, { memory, compaction: { maxPagesPerCall: 1 << 20 } });
  const all = pfm.allocatePages(pfm.stats.freePages, { effort: "free-only", kind: "movable" }) ?? [];
  pfm.freePages(all.filter((p) => p % 8 === 0));
  if (bytes) {
    memory.fill(0, 64 * 2 ** 20, 0x11);
    memory.fill(4 * GiB - 512 * 2 ** 20, 512 * 2 ** 20, 0x22);
  }
  const m0 = pfm.stats.pagesMigrated;
  const t0 = performance.now();
  for (let i = 0; i < 8; i++) {
    if (pfm.allocateContiguous({ pages: 2048, lowPfn: 0, highPfn: 16383, effort: "full" }) < 0) throw new Error("compaction bench: allocation failed");
  }
  return ((pfm.stats.pagesMigrated - m0) / (performance.now() - t0)) * 1000;
}

const group: BenchGroup = {
  name: "alloc",
  async run() {
    const results: BenchResult[] = [];
    const add = (name: string, value: number, unit: string, target?: string): void => {
      results.push({ group: "alloc", name, value, unit, ...(target === undefined ? {} : { target }) });
    };
    const log = (s: string): void => void process.stderr.write(`  alloc: ${s}\n`);

    const map64 = machine();
    new PageFrameManager(map64); // warm-up
    let t = performance.now();
    const probe = new PageFrameManager(map64);
    add("alloc.build_ms", performance.now() - t, "ms", "<= 50");
    add("alloc.meta_bytes_per_page", probe.metadataBytes / PAGES, "B/page", "<= 1");

    t = performance.now();
    const pfm = moderateState("fast");
    const held = 1 - pfm.stats.freePages / pfm.stats.ramPages;
    log(`moderate state: ${(held * 100).toFixed(1)}% held, built in ${(performance.now() - t).toFixed(0)} ms`);
    add("alloc.moderate.pinned_pct", held * 100, "%");
    const stream = moderateStream(200_000);
    timedRun(pfm, stream.slice(0, 20_000)); // warm-up (JIT)
    const mod = timedRun(pfm, stream);
    add("alloc.moderate.p50_us", percentile(mod.lat, 50), "us", "<= 2");
    add("alloc.moderate.p99_us", percentile(mod.lat, 99), "us", "<= 20");
    add("alloc.moderate.max_us", percentile(mod.lat, 100), "us");
    add("alloc.moderate.failed_pct", (100 * mod.failures) / stream.length, "%");
    add("alloc.moderate.pairs_per_s", pairsPerSecond(pfm, stream), "pairs/s", ">= 250000");

    // Unsatisfiable: one page longer than the longest free run anywhere.
    const longest = pfm.allocator.largestFreeRun(0, PAGES - 1);
    const unsat: ContiguousPagesRequest = { pages: longest + 1, lowPfn: 0, highPfn: PAGES - 1, effort: "free-only" };
    for (let i = 0; i < 10_000; i++) pfm.allocateContiguous(unsat);
    t = performance.now();
    const N = 200_000;
    for (let i = 0; i < N; i++) if (pfm.allocateContiguous(unsat) >= 0) throw new Error("unsat request was satisfied");
    add("alloc.unsat_us", ((performance.now() - t) * 1000) / N, "us", "<= 1");

    // Fast vs oracle on the same stream prefix from the same state. Each pass frees what it
    // allocated, so every pass starts from that state; the median pass resists GC pauses and
    // preemption, which would otherwise swamp the fast allocator's half millisecond.
    const oracle = moderateState("linear-scan");
    const K = 1000;
    const prefix = stream.slice(0, K);
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1] as number;
    const fastPasses: number[] = [];
    let fastStarts: number[] = [];
    for (let i = 0; i < 21; i++) {
      const r = wallOf(pfm, prefix);
      fastPasses.push(r.ms);
      fastStarts = r.starts;
    }
    const slowPasses: number[] = [];
    let slowStarts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = wallOf(oracle, prefix);
      slowPasses.push(r.ms);
      slowStarts = r.starts;
    }
    if (fastStarts.some((s, i) => s !== slowStarts[i])) throw new Error("fast allocator and oracle disagree on the bench stream");
    const fastMs = median(fastPasses);
    const slowMs = median(slowPasses);
    log(`speedup over ${K} requests: fast ${fastMs.toFixed(2)} ms, linear ${slowMs.toFixed(0)} ms (medians)`);
    add("alloc.speedup_vs_linear", slowMs / fastMs, "x", ">= 100");
    add("alloc.linear.mean_us", (slowMs * 1000) / K, "us");

    t = performance.now();
    const adv = adversarialState();
    log(`adversarial state: ${((1 - adv.stats.freePages / adv.stats.ramPages) * 100).toFixed(1)}% pinned, built in ${(performance.now() - t).toFixed(0)} ms`);
    add("alloc.adversarial.pinned_pct", (1 - adv.stats.freePages / adv.stats.ramPages) * 100, "%");
    const advStream = adversarialStream(100_000);
    timedRun(adv, advStream.slice(0, 10_000));
    const a = timedRun(adv, advStream);
    add("alloc.adversarial.p50_us", percentile(a.lat, 50), "us");
    add("alloc.adversarial.p99_us", percentile(a.lat, 99), "us", "<= 50");
    add("alloc.adversarial.max_us", percentile(a.lat, 100), "us");
    add("alloc.adversarial.failed_pct", (100 * a.failures) / advStream.length, "%");

    compactionRate(false); // warm-up
    add("alloc.compaction.refs_pages_per_s", compactionRate(false), "pages/s", ">= 20000000");
    add("alloc.compaction.bytes_pages_per_s", compactionRate(true), "pages/s", ">= 4000000");
    return Promise.resolve(results);
  },
};

export default group;
