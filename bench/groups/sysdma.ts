/**
 * System DMA: the whole sound-card scenario (boot, verifier in collect mode,
 * tone generation, start device, 44.1 kHz 16-bit stereo auto-initialize
 * playback through the 8237 with a DPC refill per half buffer, stop, WAV
 * encoding, comparison with the source) timed end to end.
 *
 * sysdma.speed_factor: simulated seconds of playback per wall-clock second
 * (issue 4 goal >= 1000). Two warm-up runs, then the best of ten 60-second
 * runs (the figure is a speed, so the least disturbed run is the honest one).
 * sysdma.speed_factor_cpu: the same per CPU second of this process (what the
 * figure would be on an idle machine; wall time suffers when the host is busy).
 */
import { runSoundCard } from "../../src/scenarios/sound-card.ts";
import type { BenchGroup, BenchResult } from "../harness.ts";

const SECONDS = 60;

function once(seconds: number, variant: "correct" | "late"): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runSoundCard(variant, { profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect", params: { seconds } });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (!r.ok) throw new Error(`sound-card (${variant}) did not play back as expected: ${r.summary.join("; ")}`);
  return { wall: seconds / (ms / 1000), cpu: seconds / ((c.user + c.system) / 1e6) };
}

function best(variant: "correct" | "late", runs: number): { wall: number; cpu: number } {
  once(SECONDS, variant);
  once(SECONDS, variant);
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < runs; i++) {
    const r = once(SECONDS, variant);
    wall = Math.max(wall, r.wall);
    cpu = Math.max(cpu, r.cpu);
  }
  return { wall, cpu };
}

const group: BenchGroup = {
  name: "sysdma",
  run(): Promise<BenchResult[]> {
    process.stderr.write("sysdma: sound-card scenario, 60 s of 44.1 kHz 16-bit stereo, verifier on\n");
    const correct = best("correct", 10);
    process.stderr.write("sysdma: late-refill variant\n");
    const late = best("late", 5);
    return Promise.resolve([
      { group: "sysdma", name: "sysdma.speed_factor", value: Math.round(correct.wall), unit: "x realtime", target: ">= 1000", against: "60 s of 44.1 kHz 16-bit stereo playback, whole scenario, verifier on, best of 10" },
      { group: "sysdma", name: "sysdma.speed_factor_cpu", value: Math.round(correct.cpu), unit: "x realtime", against: "the same per CPU second of this process (context)" },
      { group: "sysdma", name: "sysdma.late_speed_factor", value: Math.round(late.wall), unit: "x realtime", against: "the late-refill variant (context)" },
    ]);
  },
};

export default group;
