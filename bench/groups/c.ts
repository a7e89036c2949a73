/**
 * A C driver's memory accesses (compiled for wasm32, every load and store
 * instrumented):
 *
 * - c.local_access_mops: loads and stores to the driver's own memory (a
 *   global array and the loop's stack), millions per second. They stay in
 *   linear memory behind one inlined compare. Goal >= 100.
 * - c.sim_access_mops: the same loop over a pointer into simulated memory (a
 *   cached kernel mapping, no observers), each access one call into the host
 *   and one CPU-path access (VA -> mapping -> memory system -> physical
 *   memory). Goal >= 10.
 *
 * - c.speed_vs_ts: examples/c/nic-kmdf (the KMDF e1000 driver in C) against
 *   the TypeScript NIC driver (scenarios/nic-driver.ts) on the same
 *   workload in the same run: the application's frames through the loopback
 *   wire (cdriver/scenario/nic-frames.ts nicTraffic), each driver's
 *   simulated time per wall second, C over TypeScript. Goal >= 0.5.
 *
 * The loop is C (below), built with dmasim's toolchain and cached; each
 * figure is the best of many short rounds after warm-up rounds (V8 compiles
 * the module in two tiers; a speed's least disturbed round is the honest one
 * on a shared host). The _cpu figures are the same per CPU second of this
 * process (context: what an idle machine would show). Without clang the
 * group reports nothing and says why.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CDriver } from "../../src/cdriver/host/c-driver.ts";
import { loadCDriver, type PreparedDriver, prepareCDriver } from "../../src/cdriver/load.ts";
import { toolchainOrReason } from "../../src/cdriver/toolchain/find-toolchain.ts";
import { nicTraffic } from "../../src/cdriver/scenario/nic-frames.ts";
import { Prng } from "../../src/core/prng.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import { pnpAddDevice, startDevice } from "../../src/kernel/pnp.ts";
import { loadNicDriver } from "../../src/scenarios/nic-driver.ts";
import { type BenchGroup, type BenchResult, COMPILED } from "../harness.ts";

const SOURCE = `#include <ntddk.h>
static volatile ULONG g_Ring[256];
/* 2 accesses per iteration: a store and a load. */
__attribute__((export_name("local_loop"))) ULONG local_loop(ULONG n) {
    ULONG s = 0;
    for (ULONG i = 0; i < n; i++) { g_Ring[i & 255] = i; s += g_Ring[(i * 7) & 255]; }
    return s;
}
__attribute__((export_name("sim_loop"))) ULONG sim_loop(volatile ULONG *p, ULONG n) {
    ULONG s = 0;
    for (ULONG i = 0; i < n; i++) { p[i & 255] = i; s += p[(i * 7) & 255]; }
    return s;
}
NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r); return STATUS_SUCCESS; }
`;

const ROUNDS = 24;
const WARMUP = 4;

/** Best wall-clock and CPU-time rates of `rounds` runs of fn, in millions of accesses per second. */
function bestMops(rounds: number, accesses: number, fn: () => void): { wall: number; cpu: number } {
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    const ns = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, (accesses / ns) * 1e3);
    cpu = Math.max(cpu, accesses / (c.user + c.system));
  }
  return { wall, cpu };
}

const NIC_FRAMES = 1024;
const NIC_ROUNDS = 5;
/** The repository's examples: this file runs from bench/groups/ (tsx) or dist-bench/bench/groups/ (compiled). */
const NIC_DIR = join(import.meta.dirname, ...(COMPILED ? ["..", "..", ".."] : ["..", ".."]), "examples", "c", "nic-kmdf");

/** One run of the NIC traffic on a fresh machine with the driver `load` puts on nic0: simulated ns per wall ns. */
function nicSpeed(load: (k: ReturnType<typeof bootMachine>) => void): number {
  const k = bootMachine("x64-desktop", { seed: 1 });
  load(k);
  const st = startDevice(k, k.pdo("nic0")).IoStatus.Status;
  if (st !== 0) throw new Error(`c bench: the NIC did not start (0x${(st >>> 0).toString(16)})`);
  const t0 = process.hrtime.bigint();
  const o = nicTraffic(k, "nic0", { frames: NIC_FRAMES, window: 16, reads: 16 }, new Prng("c-bench-nic"));
  const ns = Number(process.hrtime.bigint() - t0);
  if (o.received !== NIC_FRAMES || o.mismatches !== 0 || o.failures.length > 0) throw new Error(`c bench: the NIC traffic failed: ${o.received} of ${o.sent} frames, ${o.mismatches} mismatches, ${o.failures.join("; ")}`);
  return o.simulatedNs / ns;
}

/** Best C and TypeScript speeds, alternating rounds so that both see the same host load. */
function nicSpeeds(p: PreparedDriver): { c: number; ts: number } {
  const c = (): number => nicSpeed((k) => void pnpAddDevice(k, loadCDriver(k, p, { name: "nic-kmdf" }).driver, k.pdo("nic0")));
  const ts = (): number =>
    nicSpeed((k) => {
      if (typeof loadNicDriver(k, "nic0") === "number") throw new Error("c bench: the TypeScript NIC driver did not load");
    });
  // Warm-up: V8 compiles both drivers' paths (and the module's second tier) before anything counts.
  for (let i = 0; i < 2; i++) {
    c();
    ts();
  }
  let best = { c: 0, ts: 0 };
  for (let r = 0; r < NIC_ROUNDS; r++) best = { c: Math.max(best.c, c()), ts: Math.max(best.ts, ts()) };
  return best;
}

const group: BenchGroup = {
  name: "c",
  async run(): Promise<BenchResult[]> {
    const tc = toolchainOrReason();
    if (tc instanceof Error) {
      process.stderr.write(`c: skipped: ${tc.message.split("\n")[0] ?? ""}\n`);
      return [];
    }
    const dir = join(tmpdir(), "dmasim-bench-c");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "bench.c"), SOURCE);
    const p = await prepareCDriver(dir);
    const k = bootMachine("x64-server", { seed: 1 });
    const d = new CDriver(k, p.module, { codeMap: p.codeMap }, p.moduleName, { name: "bench", sourceRoot: p.sources.root });
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" });
    if (pfns === null) throw new Error("c bench: no page");
    const page = d.host.mem.cPointer(k.va.map(pfns, "cached", "bench page").startVa);
    const local = d.host.exports["local_loop"] as (n: number) => number;
    const sim = d.host.exports["sim_loop"] as (p: number, n: number) => number;
    const LOCAL_N = 5_000_000;
    const SIM_N = 500_000;
    for (let i = 0; i < WARMUP; i++) {
      d.host.enter(() => local(LOCAL_N / 4));
      d.host.enter(() => sim(page, SIM_N / 4));
    }
    const localMops = bestMops(ROUNDS, 2 * LOCAL_N, () => void d.host.enter(() => local(LOCAL_N)));
    const simMops = bestMops(ROUNDS, 2 * SIM_N, () => void d.host.enter(() => sim(page, SIM_N)));
    const nic = nicSpeeds(await prepareCDriver(NIC_DIR));
    return [
      { group: "c", name: "c.speed_vs_ts", value: nic.c / nic.ts, unit: "x", target: ">= 0.5", against: `examples/c/nic-kmdf vs the TypeScript NIC driver: ${NIC_FRAMES} frames through the e1000's loopback, simulated time per wall second, best of ${NIC_ROUNDS} each, x64-desktop` },
      { group: "c", name: "c.nic_speed_factor", value: nic.c, unit: "x realtime", against: "the C NIC driver's simulated time per wall second (context)" },
      { group: "c", name: "c.local_access_mops", value: localMops.wall, unit: "M/s", target: ">= 100", against: "a C loop's loads and stores to its own global array (wasm32, instrumented), x64-server" },
      { group: "c", name: "c.local_access_mops_cpu", value: localMops.cpu, unit: "M/s", against: "the same per CPU second (context)" },
      { group: "c", name: "c.sim_access_mops", value: simMops.wall, unit: "M/s", target: ">= 10", against: "the same loop over simulated memory (a cached kernel mapping, no observers): one host call and one CPU-path access each" },
      { group: "c", name: "c.sim_access_mops_cpu", value: simMops.cpu, unit: "M/s", against: "the same per CPU second (context)" },
    ];
  },
};
export default group;
