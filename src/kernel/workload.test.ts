import { describe, expect, it } from "vitest";
import { MiB } from "../core/address.ts";
import { Clock } from "../machine/clock.ts";
import { MemoryMap } from "../machine/memory-map.ts";
import { parseProfile } from "../machine/profile.ts";
import { fragmentation } from "./fragmentation.ts";
import { type ContiguousPagesRequest, PageFrameManager } from "./page-frames.ts";
import { UptimeInterruptedError, Workload, runUptime } from "./workload.ts";

function machine(mib: number): PageFrameManager {
  return new PageFrameManager(new MemoryMap(parseProfile({ name: "w", arch: "x64", memory: [{ base: 0, length: mib * MiB, type: "ram" }] })));
}

function machineWith2Ranges(): PageFrameManager {
  return new PageFrameManager(new MemoryMap(parseProfile({ name: "w", arch: "x64", memory: [{ base: 0, length: 64 * MiB, type: "ram" }, { base: 4096 * MiB, length: 256 * MiB, type: "ram" }] })));
}

const any = (pages: number, effort: ContiguousPagesRequest["effort"]): ContiguousPagesRequest => ({ pages, lowPfn: 0, highPfn: Number.MAX_SAFE_INTEGER, effort });

describe("background workload (uptime and fragmentation)", () => {
  it("right after boot a large contiguous request succeeds", () => {
    const pfm = machine(128);
    expect(pfm.allocateContiguous(any(4096, "free-only"))).toBe(0);
  });

  it("after uptime, large requests fail at DISPATCH_LEVEL (free-only) and only one-page requests succeed", () => {
    const pfm = machine(128);
    const w = runUptime(pfm, { seed: 7, seconds: 120 });
    const f = fragmentation(pfm);
    expect(w.stats.movablePages + w.stats.unmovablePages + f.freePages).toBe(pfm.stats.ramPages);
    expect(f.unusableFreeIndex[3]).toBeGreaterThanOrEqual(0.9);
    expect(f.largestFreeRun).toBeLessThan(8);
    expect(pfm.allocateContiguous(any(8, "free-only"))).toBe(-1);
    expect(pfm.allocateContiguous(any(16, "free-only"))).toBe(-1);
    expect(pfm.allocateContiguous(any(1, "free-only"))).toBeGreaterThanOrEqual(0);
  });

  it("after uptime, PASSIVE_LEVEL (full effort) compacts movable pages to satisfy a moderate request", () => {
    const pfm = machine(128);
    runUptime(pfm, { seed: 7, seconds: 120 });
    const s = pfm.allocateContiguous(any(16, "full"));
    expect(s).toBeGreaterThanOrEqual(0);
    expect(pfm.stats.compactions).toBe(1);
    expect(pfm.stats.pagesMigrated).toBeGreaterThan(0);
  });

  it("after uptime, a request larger than any window free of unmovable pages fails even at PASSIVE_LEVEL", () => {
    const pfm = machine(128);
    runUptime(pfm, { seed: 7, seconds: 120, unmovableFraction: 0.05 });
    expect(pfm.allocateContiguous(any(2048, "full"))).toBe(-1);
    expect(pfm.stats.compactionFailures).toBe(1);
  });

  it("1% of RAM in scattered unmovable pages makes over 90% of free memory unusable for order-9 (2 MiB) requests; 0.1% does not", () => {
    const pinned = (fraction: number): ReturnType<typeof fragmentation> => {
      const pfm = machine(512);
      runUptime(pfm, { seed: 11, seconds: 2, movableFraction: 0, unmovableFraction: fraction, unmovablePermanentFraction: 0, unmovableSizes: [[1, 1]] });
      return fragmentation(pfm);
    };
    const one = pinned(0.01);
    expect(one.unusableFreeIndex[9]).toBeGreaterThanOrEqual(0.9);
    expect(one.runUnusableIndex[9]).toBeGreaterThanOrEqual(0.9);
    expect(one.unusableFreeIndex[2]).toBeLessThan(0.1);
    const tenth = pinned(0.001);
    expect(tenth.unusableFreeIndex[9]).toBeLessThan(0.5);
  });

  it("the same seed gives the same machine state; another seed a different one", () => {
    const a = machine(32);
    const b = machine(32);
    const c = machine(32);
    runUptime(a, { seed: 1, seconds: 30 });
    runUptime(b, { seed: 1, seconds: 30 });
    runUptime(c, { seed: 2, seconds: 30 });
    const words = (p: PageFrameManager): number[] => Array.from({ length: 256 }, (_, i) => p.allocator.freeWord(i * 31));
    expect(words(a)).toEqual(words(b));
    expect(words(a)).not.toEqual(words(c));
  });

  it("populations settle at their targets", () => {
    const pfm = machine(64);
    const w = runUptime(pfm, { seed: 3, seconds: 60, movableFraction: 0.5, unmovableFraction: 0.1 });
    const ram = pfm.stats.ramPages;
    expect(w.stats.movablePages).toBe(Math.floor(ram * 0.5));
    expect(Math.abs(w.stats.unmovablePages - ram * 0.1)).toBeLessThan(ram * 0.01);
    const s = pfm.summarize(0, pfm.map.pageCount);
    expect(s.movable).toBe(w.stats.movablePages);
    expect(s.unmovable).toBe(w.stats.unmovablePages);
  });

  it("each step advances the simulated clock by tickNs", () => {
    const clock = new Clock();
    const w = new Workload(machine(16), { seed: 1, clock, tickNs: 50_000_000 });
    w.run(2);
    expect(clock.now).toBe(2_000_000_000);
    expect(w.stats.steps).toBe(40);
  });

  it("start() runs a step every tickNs as clock events while the simulation advances time, until stop()", () => {
    const clock = new Clock();
    const pfm = machine(16);
    const w = new Workload(pfm, { seed: 1 });
    w.start(clock);
    expect(() => w.start(clock)).toThrow(/already running/);
    clock.advanceBy(1_000_000_000);
    expect(w.stats.steps).toBe(10);
    expect(pfm.stats.freePages).toBeLessThan(pfm.stats.ramPages);
    w.stop();
    clock.advanceBy(1_000_000_000);
    expect(w.stats.steps).toBe(10);
  });

  it("releaseMovable drops the page cache, including pages compaction moved", () => {
    const pfm = machine(32);
    const w = runUptime(pfm, { seed: 5, seconds: 30 });
    pfm.allocateContiguous(any(16, "full"));
    const freed = w.releaseMovable();
    expect(freed).toBeGreaterThan(0);
    expect(pfm.summarize(0, pfm.map.pageCount).movable).toBe(0);
    expect(w.stats.movablePages).toBe(0);
  });

  it("boot-time (permanent) pool pages fill memory from the bottom by default, so ISA DMA's first 16 MiB is gone for good", () => {
    const pfm = machine(4096);
    runUptime(pfm, { seed: 2, seconds: 1, movableFraction: 0, unmovableFraction: 0.02, unmovablePermanentFraction: 1 });
    const isa = pfm.summarize(0, (16 * MiB) / 4096);
    expect(isa.unmovable).toBe((16 * MiB) / 4096);
    expect(pfm.allocateContiguous({ pages: 1, lowPfn: 0, highPfn: (16 * MiB) / 4096 - 1, effort: "full" })).toBe(-1);
  });

  it("boot-time pool pages go to the largest RAM range by default, so memory below 4 GiB survives on a machine whose largest range lies above it", () => {
    const pfm = machineWith2Ranges();
    runUptime(pfm, { seed: 2, seconds: 1, movableFraction: 0, unmovableFraction: 0.2, unmovablePermanentFraction: 1 });
    expect(pfm.summarize(0, (64 * MiB) / 4096).unmovable).toBe(0);
    expect(pfm.summarize((4096 * MiB) / 4096, ((4096 + 256) * MiB) / 4096).unmovable).toBeGreaterThan(0);
    const low = machineWith2Ranges();
    runUptime(low, { seed: 2, seconds: 1, movableFraction: 0, unmovableFraction: 0.2, unmovablePermanentFraction: 1, permanentPlacement: "low" });
    expect(low.summarize(0, (64 * MiB) / 4096).unmovable).toBeGreaterThan(0);
  });

  it("permanentPlacement 'scattered' starts each boot-time batch at a random frame instead", () => {
    const pfm = machine(4096);
    runUptime(pfm, { seed: 2, seconds: 1, movableFraction: 0, unmovableFraction: 0.02, unmovablePermanentFraction: 1, permanentPlacement: "scattered" });
    expect(pfm.summarize(0, (16 * MiB) / 4096).unmovable).toBeLessThan((16 * MiB) / 4096);
  });

  it("bad knobs are RangeErrors naming the value", () => {
    expect(() => new Workload(machine(16), { seed: 1, permanentPlacement: "top" as never })).toThrow(/permanentPlacement .* got top/);
    const pfm = machine(16);
    expect(() => new Workload(pfm, { seed: 1, movableFraction: 1.5 })).toThrow(/movableFraction .* got 1.5/);
    expect(() => new Workload(pfm, { seed: 1, movableFraction: 0.8, unmovableFraction: 0.5 })).toThrow(/must be <= 1, got 1.3/);
    expect(() => new Workload(pfm, { seed: 1, tickNs: 0 })).toThrow(/tickNs .* got 0/);
    expect(() => new Workload(pfm, { seed: 1, unmovableSizes: [[0, 1]] })).toThrow(/sizes must be whole numbers >= 1, got 0/);
    expect(() => new Workload(pfm, { seed: 1 }).run(-1)).toThrow(/seconds .* got -1/);
    expect(() => new Workload(pfm, { seed: 1, fastForward: "yes" as never })).toThrow(/fastForward must be true or false, got yes/);
    expect(pfm.stats.freePages).toBe(pfm.stats.ramPages);
  });
  it("the bulk workload leaves the same machine on the fast allocator as on the linear-scan oracle", () => {
    const profile = parseProfile({ name: "w", arch: "x64", memory: [{ base: 0, length: 24 * MiB, type: "ram" }, { base: 32 * MiB, length: 8 * MiB, type: "ram" }] });
    const fast = new PageFrameManager(new MemoryMap(profile));
    const oracle = new PageFrameManager(new MemoryMap(profile), { allocator: "linear-scan" });
    const a = runUptime(fast, { seed: 9, seconds: 40 });
    const b = runUptime(oracle, { seed: 9, seconds: 40 });
    expect(a.stats).toEqual(b.stats);
    for (let w = 0; w < Math.ceil(fast.map.pageCount / 32); w++) {
      expect(fast.allocator.freeWord(w)).toBe(oracle.allocator.freeWord(w));
      expect(fast.movableWord(w)).toBe(oracle.movableWord(w));
      expect(fast.unmovableWord(w)).toBe(oracle.unmovableWord(w));
    }
    expect(fast.allocator.freePages).toBe(fragmentation(fast).freePages);
    expect(fast.allocateContiguous(any(4, "full"))).toBe(oracle.allocateContiguous(any(4, "full")));
  });

  it("run() polls control.interrupted between slices: an UptimeInterruptedError says how far it got, and the machine stays consistent", () => {
    const clock = new Clock();
    const pfm = machine(32);
    const w = new Workload(pfm, { seed: 4, clock });
    let polls = 0;
    const progress: number[] = [];
    let caught: unknown;
    try {
      w.run(600, { interrupted: () => ++polls > 3, progress: (done) => progress.push(done) });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UptimeInterruptedError);
    const e = caught as UptimeInterruptedError;
    expect([e.doneSeconds, e.totalSeconds]).toEqual([180, 600]);
    expect(e.message).toMatch(/after 180 of 600 simulated seconds/);
    expect(progress).toEqual([60, 120, 180]);
    expect(w.stats.steps).toBe(1800);
    expect(clock.now).toBe(180e9);
    expect(w.stats.movablePages + w.stats.unmovablePages + pfm.stats.freePages).toBe(pfm.stats.ramPages);
    expect(pfm.allocateContiguous(any(1, "free-only"))).toBeGreaterThanOrEqual(0);
    // And it goes on from there.
    w.run(60);
    expect(w.stats.steps).toBe(2400);
  });

  it("a clock event that falls due during run() sees a consistent machine: it may allocate and free", () => {
    const clock = new Clock();
    const pfm = machine(32);
    const w = new Workload(pfm, { seed: 6, clock });
    const seen: number[] = [];
    clock.at(25_050_000_000, () => {
      const s = pfm.allocateContiguous(any(1, "free-only"));
      seen.push(s, clock.now);
      pfm.freeContiguous(s, 1);
    });
    w.run(120);
    expect(seen[0]).toBeGreaterThanOrEqual(0);
    expect(seen[1]).toBe(25_050_000_000);
    expect(w.stats.steps).toBe(1200);
  });

  it("in the steady state run() fast-forwards the page cache, but not in the ramp, the mix after it or the closing window; fastForward: false never does", () => {
    const pfm = machine(64);
    const w = new Workload(pfm, { seed: 8 });
    w.run(60);
    // 60 s: the ramp (about 19 s) and most of the 48-turnover mix (about 41 s): nothing fast-forwarded yet.
    expect(w.stats.fastForwardedSteps).toBe(0);
    w.run(600);
    const ff = w.stats.fastForwardedSteps;
    // Of the second run's 6000 steps only the closing window (about 7 s) runs in full.
    expect(ff).toBeGreaterThan(5800);
    expect(ff).toBeLessThan(6000);
    const ram = pfm.stats.ramPages;
    expect(w.stats.movablePages).toBe(Math.floor(ram * 0.93));
    const s = pfm.summarize(0, pfm.map.pageCount);
    expect(s.movable).toBe(w.stats.movablePages);
    expect(s.unmovable).toBe(w.stats.unmovablePages);
    expect(w.stats.movablePages + w.stats.unmovablePages + pfm.stats.freePages).toBe(ram);
    const full = new Workload(machine(64), { seed: 8, fastForward: false });
    full.run(660);
    expect(full.stats.fastForwardedSteps).toBe(0);
    // Fast-forward leaves the page cache alone: far fewer pages change hands.
    expect(w.stats.pagesFreed).toBeLessThan(full.stats.pagesFreed / 5);
  });

  it("memory changed between runs (a driver's buffer allocated and freed) makes the next run mix again before it fast-forwards", () => {
    const quiet = new Workload(machine(64), { seed: 3 });
    const touched = new Workload(machine(64), { seed: 3 });
    quiet.run(120);
    touched.run(120);
    const ff = touched.stats.fastForwardedSteps;
    expect(ff).toBe(quiet.stats.fastForwardedSteps);
    const s = touched.pfm.allocateContiguous(any(64, "full"));
    expect(s).toBeGreaterThanOrEqual(0);
    touched.pfm.freeContiguous(s, 64);
    const before = quiet.stats.fastForwardedSteps;
    quiet.run(120);
    touched.run(120);
    // Undisturbed: all but the closing window; disturbed: the 48-turnover mix (about 41 s) first.
    expect(quiet.stats.fastForwardedSteps - before).toBeGreaterThan(1100);
    expect(touched.stats.fastForwardedSteps - ff).toBeLessThan(800);
    expect(touched.stats.fastForwardedSteps - ff).toBeGreaterThan(0);
  });

  it("a clock event due during run() gets full turnover before it: the steps before it are not fast-forwarded", () => {
    const clock = new Clock();
    const w = new Workload(machine(64), { seed: 5, clock });
    w.run(120);
    let atEvent = -1;
    let stepsAtEvent = -1;
    clock.at(clock.now + 300e9, () => {
      atEvent = w.stats.fastForwardedSteps;
      stepsAtEvent = w.stats.steps;
    });
    const ff = w.stats.fastForwardedSteps;
    const steps = w.stats.steps;
    w.run(600);
    expect(stepsAtEvent - steps).toBe(3000);
    // Fast-forwarded until about 7 s (the window) before the event, then full turnover up to it.
    expect(atEvent - ff).toBeGreaterThan(2800);
    expect(atEvent - ff).toBeLessThan(2990);
    // The event looked but did not touch memory, so fast-forward resumes after it.
    expect(w.stats.fastForwardedSteps - atEvent).toBeGreaterThan(2800);
  });

  it("while a bulk edit is open the page-frame manager refuses allocations and frees", () => {
    const pfm = machine(16);
    pfm.beginBulk();
    expect(() => pfm.allocateContiguous(any(1, "free-only"))).toThrow(/allocateContiguous: a bulk edit is open/);
    expect(() => pfm.allocatePages(1, { effort: "free-only" })).toThrow(/allocatePages: a bulk edit is open/);
    expect(() => pfm.freePages([0])).toThrow(/freePages: a bulk edit is open/);
    expect(() => pfm.beginBulk()).toThrow(/already open/);
    pfm.endBulk(0);
    expect(() => pfm.endBulk(0)).toThrow(/no bulk edit is open/);
    expect(pfm.allocateContiguous(any(1, "free-only"))).toBe(0);
  });
});
