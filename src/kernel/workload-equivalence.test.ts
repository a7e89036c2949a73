import { describe, expect, it } from "vitest";
import { bootMachine } from "./kernel.ts";
import { fragmentation } from "./fragmentation.ts";
import { Workload } from "./workload.ts";

/**
 * The reference: what 10 simulated minutes of the default background workload
 * left on x64-desktop (16 GiB) before the workload worked in bulk. Recorded on
 * 2026-12-01 around 11:45 UTC from the code of commit d629682 (one page per
 * allocatePages/freePages call, a summary-tree update per frame), built with
 * `npm run build` and run under plain node: bootMachine("x64-desktop",
 * { seed: 1 }), new Workload(k.pfm, { seed: "uptime-equivalence:1", clock:
 * k.clock }).run(600), then fragmentation(k.pfm). The same run at seeds
 * "uptime-equivalence:2" to ":4" (with a copy of that code's behaviour,
 * checked to give the seed-1 figures below exactly) gave freeRuns 143070,
 * 141456, 142868 and order-1 blocks 11446, 11927, 11462: seed-to-seed noise
 * is about 1% on free runs and 3% on order-1 blocks, and 10-20% on the
 * blocks of order 2 and more, which are therefore not held here. The largest
 * free run is an extreme value: 14, 14, 21 and 16 at seeds 1 to 4, so it is
 * held to that range (widened by 5%), not to 5% of one seed's.
 *
 * The workload that meets these now also fast-forwards the page cache in the
 * steady state (Workload.run): the tests check that it did, for most of the
 * 10 minutes, so they hold the fast-forward to the per-page workload too.
 */
/** Free runs and order-1 blocks of the per-page workload at seeds "uptime-equivalence:2" to ":4". */
const REFERENCE_OTHER_SEEDS = [
  { seed: 2, freeRuns: 143070, order1Blocks: 11446 },
  { seed: 3, freeRuns: 141456, order1Blocks: 11927 },
  { seed: 4, freeRuns: 142868, order1Blocks: 11462 },
] as const;
const REFERENCE_LARGEST_RUNS = [14, 14, 21, 16] as const;
const REFERENCE = {
  freePages: 167773,
  largestFreeRun: 14,
  freeRuns: 141772,
  freeBlocksByOrder: [141843, 11847, 545, 7, 0, 0, 0, 0, 0, 0, 0],
  unusableFreeIndex: [0, 0.8454, 0.9867, 0.9997, 1, 1, 1, 1, 1, 1, 1],
  runUnusableIndex: [0, 0.7295, 0.9629, 0.998, 1, 1, 1, 1, 1, 1, 1],
} as const;

function within5Percent(actual: number, reference: number, what: string): void {
  const tolerance = Math.abs(reference) * 0.05;
  expect(Math.abs(actual - reference), `${what}: ${actual} against the reference ${reference}`).toBeLessThanOrEqual(tolerance);
}

describe("the bulk workload keeps the per-page workload's statistics", () => {
  it("10 simulated minutes on x64-desktop at the reference seed leave fragmentation within 5% of the per-page workload's (the largest free run within its seed range)", () => {
    const k = bootMachine("x64-desktop", { seed: 1 });
    const w = new Workload(k.pfm, { seed: "uptime-equivalence:1", clock: k.clock });
    w.run(600);
    const f = fragmentation(k.pfm);
    expect(w.stats.movablePages + w.stats.unmovablePages + f.freePages).toBe(k.pfm.stats.ramPages);
    expect(k.clock.now).toBe(600e9);
    expect(w.stats.fastForwardedSteps).toBeGreaterThan(0.85 * w.stats.steps);
    within5Percent(f.freePages, REFERENCE.freePages, "free pages");
    within5Percent(f.freeRuns, REFERENCE.freeRuns, "free runs");
    expect(f.largestFreeRun).toBeGreaterThanOrEqual(Math.floor(Math.min(...REFERENCE_LARGEST_RUNS) * 0.95));
    expect(f.largestFreeRun).toBeLessThanOrEqual(Math.ceil(Math.max(...REFERENCE_LARGEST_RUNS) * 1.05));
    within5Percent(f.freePagesByOrder[0] ?? -1, REFERENCE.freeBlocksByOrder[0], "free pages in order-0 blocks");
    within5Percent(f.freePagesByOrder[1] ?? -1, REFERENCE.freeBlocksByOrder[1] * 2, "free pages in order-1 blocks");
    for (let o = 1; o < REFERENCE.unusableFreeIndex.length; o++) {
      within5Percent(f.unusableFreeIndex[o] ?? -1, REFERENCE.unusableFreeIndex[o] ?? 0, `unusable free index, order ${o}`);
      within5Percent(f.runUnusableIndex[o] ?? -1, REFERENCE.runUnusableIndex[o] ?? 0, `run unusable index, order ${o}`);
    }
  });

  it.each(REFERENCE_OTHER_SEEDS)("at seed $seed too: free runs and order-1 blocks within 5% of that seed's per-page figures, the largest free run within the seeds' range", ({ seed, freeRuns, order1Blocks }) => {
    const k = bootMachine("x64-desktop", { seed: 1 });
    const w = new Workload(k.pfm, { seed: `uptime-equivalence:${seed}`, clock: k.clock });
    w.run(600);
    const f = fragmentation(k.pfm);
    expect(w.stats.fastForwardedSteps).toBeGreaterThan(0.85 * w.stats.steps);
    within5Percent(f.freePages, REFERENCE.freePages, "free pages");
    within5Percent(f.freeRuns, freeRuns, "free runs");
    within5Percent(f.freePagesByOrder[1] ?? -1, order1Blocks * 2, "free pages in order-1 blocks");
    expect(f.largestFreeRun).toBeGreaterThanOrEqual(Math.floor(Math.min(...REFERENCE_LARGEST_RUNS) * 0.95));
    expect(f.largestFreeRun).toBeLessThanOrEqual(Math.ceil(Math.max(...REFERENCE_LARGEST_RUNS) * 1.05));
  });
});
