/**
 * The fragmentation study behind the documents' warning: "After startup, it
 * is possible that only one-page requests will succeed, if any" (seed 000,
 * AllocateCommonBuffer) and "HalAllocateCommonBuffer can be called from
 * IRQL_DISPATCH_LEVEL, but less effort is made ... only one-page requests
 * will succeed, if any" (seed 002).
 *
 * A machine boots, the background workload (kernel/workload.ts) ages it, and
 * at a few uptimes a PCI bus-master driver asks for common buffers with
 * HalAllocateCommonBuffer — the routine the documents allow at both
 * PASSIVE_LEVEL and DISPATCH_LEVEL — for every size from one page to 2 MiB,
 * either as one request or as many one-page requests (the documents'
 * advice when the pages need not be contiguous). Each attempt is freed at
 * once; the success rate over a few trials (with workload time between them)
 * is reported per size x uptime x IRQL x request style.
 */
import { formatSize, physicalAddress } from "../core/address.ts";
import { DISPATCH_LEVEL, irqlName, PASSIVE_LEVEL } from "../core/irql.ts";
import { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "../hal/hal-common-buffer.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import { fragmentation } from "../kernel/fragmentation.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { Workload } from "../kernel/workload.ts";
import { needAnyDevice } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";
import { bootScenario } from "./boot.ts";

/** The study's settings (`params` of a scenario file or `--param`; {@link studyParams} fills in the defaults). */
export interface FragmentationStudyParams {
  /** Request sizes in pages; default 1, 2, 4, ... 512 (4 KiB to 2 MiB). */
  readonly sizesPages: readonly number[];
  /** Uptimes to measure at, seconds; default 0 and three points up to --uptime (default 30 s). */
  readonly uptimesSeconds: readonly number[];
  /** Trials per uptime; default 3. */
  readonly trials: number;
  /** Workload seconds between trials; default 0.5 (so the trials at uptime u span u .. u + 1 s). */
  readonly trialGapSeconds: number;
  /** The bus-master device (a PCI device of the profile); default the first PCI device. */
  readonly device?: string;
}

export const DEFAULT_SIZES_PAGES: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const DEFAULT_UPTIME_S = 30;

/** The study's settings from ScenarioOptions (params override the defaults; RangeError names a bad one). */
export function studyParams(opts: Pick<ScenarioOptions, "uptimeSeconds" | "params">): FragmentationStudyParams {
  const p = opts.params ?? {};
  const known = new Set(["sizesPages", "uptimesSeconds", "trials", "trialGapSeconds", "device"]);
  for (const key of Object.keys(p)) if (!known.has(key)) throw new RangeError(`fragmentation: unknown param "${key}" (known: ${[...known].join(", ")})`);
  const list = (key: string, min: number, max: number, fallback: readonly number[]): readonly number[] => {
    const v = p[key];
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "number" || !Number.isFinite(x) || x < min || x > max)) throw new RangeError(`fragmentation: params.${key} must be a non-empty list of numbers from ${min} to ${max}`);
    return [...new Set(v as number[])].sort((a, b) => a - b);
  };
  const num = (key: string, min: number, max: number, fallback: number, integer: boolean): number => {
    const v = p[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) throw new RangeError(`fragmentation: params.${key} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const max = opts.uptimeSeconds > 0 ? opts.uptimeSeconds : DEFAULT_UPTIME_S;
  const sizes = list("sizesPages", 1, 512 * 1024, DEFAULT_SIZES_PAGES);
  if (sizes.some((s) => !Number.isInteger(s))) throw new RangeError("fragmentation: params.sizesPages must be whole numbers of pages");
  const device = p["device"];
  if (device !== undefined && typeof device !== "string") throw new RangeError(`fragmentation: params.device must be a device name`);
  return {
    sizesPages: sizes,
    uptimesSeconds: list("uptimesSeconds", 0, 86400 * 7, [0, max / 4, max / 2, max].map((x) => Math.round(x * 10) / 10)),
    trials: num("trials", 1, 100, 3, true),
    trialGapSeconds: num("trialGapSeconds", 0, 3600, 0.5, false),
    ...(device === undefined ? {} : { device }),
  };
}

function uptimeLabel(s: number): string {
  if (s === 0) return "0s";
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

type RequestStyle = "one request" | "one-page requests";
const STYLES: readonly RequestStyle[] = ["one request", "one-page requests"];

/** HalAllocateCommonBuffer calls by request length and IRQL: [calls, succeeded]. */
type CallCounts = Map<string, [number, number]>;

/** One attempt: allocate `pages` pages one way, report success, free what was taken (at the same IRQL). */
function attempt(a: DMA_ADAPTER, pages: number, style: RequestStyle, irql: number, calls: CallCounts): boolean {
  const taken: { va: number; la: ReturnType<typeof physicalAddress>; length: number }[] = [];
  let ok = true;
  const count = style === "one request" ? 1 : pages;
  const length = style === "one request" ? pages * 4096 : 4096;
  const key = `${irql}|${length}`;
  const c = calls.get(key) ?? [0, 0];
  calls.set(key, c);
  for (let i = 0; i < count; i++) {
    const la = physicalAddress();
    const va = HalAllocateCommonBuffer(a, length, la, true);
    c[0]++;
    if (va === null) {
      ok = false;
      break;
    }
    c[1]++;
    taken.push({ va, la, length });
  }
  for (const t of taken) HalFreeCommonBuffer(a, t.length, t.la, t.va, true);
  return ok;
}

/** The "allocationCounts" table: every HalAllocateCommonBuffer call the study made, by IRQL and request size. */
interface CallRow {
  readonly routine: string;
  readonly irql: string;
  readonly size: string;
  readonly sizeBytes: number;
  readonly calls: number;
  readonly succeeded: number;
  readonly failed: number;
}

function allocationCountRows(calls: CallCounts): CallRow[] {
  return [...calls]
    .map(([key, [n, ok]]): CallRow => {
      const [irql, length] = key.split("|").map(Number) as [number, number];
      return { routine: "HalAllocateCommonBuffer", irql: irqlName(irql), size: formatSize(length), sizeBytes: length, calls: n, succeeded: ok, failed: n - ok };
    })
    .sort((x, y) => (x.irql === y.irql ? x.sizeBytes - y.sizeBytes : x.irql < y.irql ? -1 : 1));
}

function busMaster(k: Kernel, name: string | undefined): { adapter: DMA_ADAPTER; device: string } {
  const dev = name === undefined ? k.profile.devices.find((d) => d.bus === "pci") : k.profile.devices.find((d) => d.name === name);
  if (dev === undefined) throw new RangeError(name === undefined ? `fragmentation: profile ${k.profile.name} has no PCI device to act as the bus master` : `fragmentation: no device "${name}" on profile ${k.profile.name}`);
  const adapter = IoGetDmaAdapter(k, k.pdo(dev.name), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 2 * 1024 * 1024 }), { value: 0 });
  if (adapter === null) throw new RangeError(`fragmentation: IoGetDmaAdapter gave no adapter for ${dev.name}`);
  return { adapter, device: dev.name };
}

/**
 * Run the fragmentation study (what `dmasim run fragmentation` does): age the
 * machine to each uptime and try HalAllocateCommonBuffer at both IRQLs, as
 * one request and as many one-page requests; tables "successRates",
 * "success rate by request size", "memory" and "allocationCounts".
 */
export function runFragmentationStudy(opts: ScenarioOptions): ScenarioResult {
  const params = studyParams(opts);
  // Not traced: the study makes tens of thousands of short-lived probe allocations and no DMA,
  // so a trace would only bury the report's buffer list. It ages the machine in its own steps.
  // The study's own driver is correct: with the verifier on, it must stay silent.
  const { k, verifier } = bootScenario("fragmentation", opts, { traced: false, uptime: false });
  const { adapter, device } = busMaster(k, params.device);
  const workload = new Workload(k.pfm, { seed: `fragmentation:${opts.seed}`, clock: k.clock });
  const rows: Row[] = [];
  const memoryRows: Row[] = [];
  const calls: CallCounts = new Map();
  const totalSeconds = (params.uptimesSeconds[params.uptimesSeconds.length - 1] ?? 0) + params.uptimesSeconds.length * (params.trials - 1) * params.trialGapSeconds;
  let simulated = 0;
  const advance = (seconds: number, label: string): void => {
    // In one-second steps so that progress moves on long runs.
    let left = seconds;
    while (left > 0) {
      const step = Math.min(1, left);
      workload.run(step, opts.interrupted === undefined ? {} : { interrupted: opts.interrupted });
      left -= step;
      simulated += step;
      opts.progress?.(totalSeconds === 0 ? 1 : Math.min(1, simulated / totalSeconds), label);
    }
  };
  let now = 0;
  for (const uptime of params.uptimesSeconds) {
    advance(uptime - now, `aging to ${uptimeLabel(uptime)}`);
    now = uptime;
    const f = fragmentation(k.pfm);
    memoryRows.push({ uptime: uptimeLabel(uptime), freeMemory: formatSize(f.freePages * 4096), largestFreeRun: formatSize(f.largestFreeRun * 4096), freeRuns: f.freeRuns, unusableFor2MiB: Math.round((f.unusableFreeIndex[9] ?? 1) * 1000) / 1000 });
    const successes = new Map<string, number>();
    for (let t = 0; t < params.trials; t++) {
      if (t > 0) {
        advance(params.trialGapSeconds, `trials at ${uptimeLabel(uptime)}`);
        now += params.trialGapSeconds;
      }
      // DISPATCH_LEVEL first: it only takes free runs, so it leaves memory as it found it.
      for (const irql of [DISPATCH_LEVEL, PASSIVE_LEVEL]) {
        for (const style of STYLES) {
          for (const pages of params.sizesPages) {
            const ok = irql === PASSIVE_LEVEL ? attempt(adapter, pages, style, irql, calls) : k.atIrql(irql, () => attempt(adapter, pages, style, irql, calls));
            const key = `${irql}|${style}|${pages}`;
            successes.set(key, (successes.get(key) ?? 0) + (ok ? 1 : 0));
          }
        }
      }
    }
    for (const irql of [PASSIVE_LEVEL, DISPATCH_LEVEL]) {
      for (const style of STYLES) {
        for (const pages of params.sizesPages) {
          const s = successes.get(`${irql}|${style}|${pages}`) ?? 0;
          rows.push({ size: formatSize(pages * 4096), sizeBytes: pages * 4096, uptime: uptimeLabel(uptime), uptimeSeconds: uptime, irql: irqlName(irql), request: style, attempts: params.trials, successes: s, rate: s / params.trials });
        }
      }
    }
  }
  // The terminal table: one line per uptime x IRQL x request style, one column per size (percent).
  const pivot: Row[] = [];
  for (const uptime of params.uptimesSeconds) {
    for (const irql of [PASSIVE_LEVEL, DISPATCH_LEVEL]) {
      for (const style of STYLES) {
        const row: Record<string, string | number> = { uptime: uptimeLabel(uptime), irql: irqlName(irql).replace("_LEVEL", ""), request: style };
        for (const pages of params.sizesPages) {
          const r = rows.find((x) => x["uptimeSeconds"] === uptime && x["irql"] === irqlName(irql) && x["request"] === style && x["sizeBytes"] === pages * 4096);
          row[formatSize(pages * 4096).replace(" ", "")] = `${Math.round(((r?.["rate"] as number | undefined) ?? 0) * 100)}%`;
        }
        pivot.push(row);
      }
    }
  }
  const last = params.uptimesSeconds[params.uptimesSeconds.length - 1] ?? 0;
  const largestAlways = (irql: number, style: RequestStyle, uptime: number): number => {
    let best = 0;
    for (const r of rows) if (r["uptimeSeconds"] === uptime && r["irql"] === irqlName(irql) && r["request"] === style && r["rate"] === 1) best = Math.max(best, r["sizeBytes"] as number);
    return best;
  };
  const describe = (bytes: number): string => (bytes === 0 ? "none" : formatSize(bytes));
  const summary = [
    `HalAllocateCommonBuffer for ${device} on ${k.profile.name}: ${params.sizesPages.length} sizes (${formatSize((params.sizesPages[0] ?? 1) * 4096)} to ${formatSize((params.sizesPages[params.sizesPages.length - 1] ?? 1) * 4096)}), ${params.uptimesSeconds.length} uptimes, ${params.trials} trial${params.trials === 1 ? "" : "s"} each.`,
    `At ${uptimeLabel(last)}: the largest single request that always succeeded was ${describe(largestAlways(DISPATCH_LEVEL, "one request", last))} at DISPATCH_LEVEL (free runs only) and ${describe(largestAlways(PASSIVE_LEVEL, "one request", last))} at PASSIVE_LEVEL (with compaction).`,
    `Many one-page requests: up to ${describe(largestAlways(DISPATCH_LEVEL, "one-page requests", last))} at DISPATCH_LEVEL — the documents' advice when the pages need not be contiguous.`,
  ];
  const counts = allocationCountRows(calls);
  const callTotal = counts.reduce((n, r) => n + r.calls, 0);
  summary.push(`${callTotal} HalAllocateCommonBuffer calls (${counts.reduce((n, r) => n + r.succeeded, 0)} succeeded), each buffer freed at once: by IRQL and size in allocationCounts.`);
  const pf = k.pfm.stats;
  return {
    ok: true,
    summary,
    tables: { "success rate by request size": pivot, memory: memoryRows, successRates: rows, allocationCounts: counts.map((r): Row => ({ ...r })) },
    stats: { device, compactions: pf.compactions, pagesMigrated: pf.pagesMigrated, contiguousFailures: pf.contiguousFailures, uptimeSeconds: last },
    findings: verifier === null ? [] : [...verifier.findings],
    machine: k,
  };
}

/**
 * A scenario that can check its settings before it runs: the command calls
 * checkParams first and reports a RangeError from it as bad usage (exit 2).
 */
export interface ParamCheckingScenario extends Scenario {
  checkParams(opts: Pick<ScenarioOptions, "uptimeSeconds" | "params"> & { readonly profile?: MachineProfile }): void;
}

/** The built-in "fragmentation" scenario (docs/fragmentation-study.md). */
export const fragmentationScenario: ParamCheckingScenario = {
  name: "fragmentation",
  description: "Success rate of common-buffer requests (4 KiB to 2 MiB) by uptime, IRQL (PASSIVE vs DISPATCH) and one large vs many one-page requests",
  defaultProfile: "x64-desktop",
  run: runFragmentationStudy,
  checkParams: (opts) => {
    const p = studyParams(opts);
    if (opts.profile === undefined) return;
    // The bus master: params.device (any model), else the profile's first PCI device (busMaster below).
    if (p.device !== undefined) needAnyDevice("fragmentation", opts.profile, p.device);
    else if (!opts.profile.devices.some((d) => d.bus === "pci")) throw new RangeError(`fragmentation needs a profile with a PCI device to act as the bus master (or params.device); ${opts.profile.name} has none`);
  },
};
