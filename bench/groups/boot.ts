/**
 * Booting the 1 TiB profile (x64-1tib, 2^28 page frames over 4 NUMA nodes):
 * wall time from nothing to "ready to allocate" and the process RSS after it;
 * and simulated uptime's speed (uptime.sim_per_host) on x64-desktop.
 * Measured in a child process (this same file with --child) so that other
 * groups' heaps do not pollute the RSS figure. Uses the kernel's
 * bootMachine(profile); module loading is excluded from the time.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type BenchGroup, type BenchResult, childArgs } from "../harness.ts";

const self = fileURLToPath(import.meta.url);

/** Simulated seconds of the uptime figure: 10 minutes after boot, the ramp to the targets included. */
const UPTIME_SECONDS = 600;
/** Simulated seconds of the steady-state figure, run after those 10 minutes. */
const STEADY_SECONDS = 3600;

interface UptimeReport {
  ms: number;
  cpuMs: number;
  fastForwardedPct: number;
  steadyMs: number;
  steadyCpuMs: number;
}

/** The uptime figure's child: x64-desktop, the default workload as `--uptime 10m` runs it (clock attached). */
async function uptimeChild(): Promise<void> {
  const { bootMachine } = await import("../../src/kernel/kernel.ts");
  const { Workload } = await import("../../src/kernel/workload.ts");
  const k = bootMachine("x64-desktop", { seed: 1 });
  const w = new Workload(k.pfm, { seed: "bench:1", clock: k.clock });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  w.run(UPTIME_SECONDS);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const fastForwardedPct = (100 * w.stats.fastForwardedSteps) / w.stats.steps;
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  w.run(STEADY_SECONDS);
  const steadyMs = performance.now() - t1;
  const cs = process.cpuUsage(c1);
  const report: UptimeReport = { ms, cpuMs: (c.user + c.system) / 1000, fastForwardedPct, steadyMs, steadyCpuMs: (cs.user + cs.system) / 1000 };
  process.stdout.write(JSON.stringify(report));
}

interface ChildReport {
  ms: number;
  rssMb: number;
  baselineRssMb: number;
  metaMb: number;
  pageCount: number;
}

async function child(): Promise<void> {
  const { bootMachine } = await import("../../src/kernel/kernel.ts");
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const k = bootMachine("x64-1tib");
  // Ready to allocate: one 2 MiB run below 4 GiB, and give it back.
  const s = k.pfm.allocateContiguous({ pages: 512, lowPfn: 0, highPfn: (1 << 20) - 1, effort: "free-only" });
  if (s < 0) throw new Error("boot bench: the first allocation failed");
  k.pfm.freeContiguous(s, 512);
  const ms = performance.now() - t0;
  const report: ChildReport = { ms, rssMb: process.memoryUsage().rss / 2 ** 20, baselineRssMb: baseline / 2 ** 20, metaMb: k.pfm.metadataBytes / 2 ** 20, pageCount: k.map.pageCount };
  process.stdout.write(JSON.stringify(report));
}

const group: BenchGroup = {
  name: "boot",
  run() {
    const r = spawnSync(process.execPath, childArgs(import.meta.url, "--child"), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`boot bench child failed (${r.status}): ${r.stderr}`);
    const rep = JSON.parse(r.stdout) as ChildReport;
    const u = spawnSync(process.execPath, childArgs(import.meta.url, "--uptime-child"), { encoding: "utf8" });
    if (u.status !== 0) throw new Error(`uptime bench child failed (${u.status}): ${u.stderr}`);
    const up = JSON.parse(u.stdout) as UptimeReport;
    const results: BenchResult[] = [
      { group: "boot", name: "boot.1tib_ms", value: rep.ms, unit: "ms", target: "<= 1000", against: "bootMachine(\"x64-1tib\") + one 2 MiB allocation, in a fresh process" },
      { group: "boot", name: "boot.1tib_rss_mb", value: rep.rssMb, unit: "MiB", target: "<= 256", against: "the child process's RSS after that boot" },
      { group: "boot", name: "boot.1tib_rss_before_boot_mb", value: rep.baselineRssMb, unit: "MiB", against: "the same process before booting (context)" },
      { group: "boot", name: "boot.1tib_pfm_meta_mb", value: rep.metaMb, unit: "MiB", against: "page-frame database metadata (context)" },
      { group: "boot", name: "uptime.sim_per_host", value: UPTIME_SECONDS / (up.ms / 1000), unit: "x", target: ">= 500", against: "simulated seconds per host second: 10 simulated minutes of the default background workload on x64-desktop (16 GiB) right after boot, in a fresh process" },
      { group: "boot", name: "uptime.sim_per_cpu", value: UPTIME_SECONDS / (up.cpuMs / 1000), unit: "x", against: "the same per second of the process's CPU time (context: the host share other work leaves)" },
      { group: "boot", name: "uptime.fast_forwarded_pct", value: up.fastForwardedPct, unit: "%", against: "steps of those 10 minutes whose page-cache turnover was fast-forwarded (context: the rest is the fill, the mix after it and the closing window, at the full rate)" },
      { group: "boot", name: "uptime.steady_sim_per_host", value: STEADY_SECONDS / (up.steadyMs / 1000), unit: "x", against: "a further simulated hour after those 10 minutes, per host second (context: the rate of long uptimes)" },
      { group: "boot", name: "uptime.steady_sim_per_cpu", value: STEADY_SECONDS / (up.steadyCpuMs / 1000), unit: "x", against: "the same per second of CPU time (context)" },
    ];
    return Promise.resolve(results);
  },
};

export default group;

if (process.argv[1] === self && process.argv.includes("--child")) await child();
if (process.argv[1] === self && process.argv.includes("--uptime-child")) await uptimeChild();
