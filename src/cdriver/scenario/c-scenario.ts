/**
 * A C driver as a scenario: `loadCDriverScenario(path)` for a folder of
 * .c/.h files (with an optional dmasim.json) or one .c file. Compiling
 * happens here, before anything boots, so a compile or link error (or code
 * the instrumentation cannot see) is reported as bad input; instrumenting
 * happens on the first run (asynchronously, cached).
 *
 * A run boots the machine as every scenario does (trace, verifier, uptime),
 * loads the driver (DriverEntry), lets the PnP manager add it for its
 * device, runs the workload (sb16-playback: the sound card's playback, the
 * capture compared with the source; lifecycle: start, then remove), removes
 * the device (the verifier's leak checks run there) and unloads the driver.
 * The driver's DbgPrint / TraceEvents messages come back as a table.
 */
import { basename, resolve } from "node:path";
import { statusName, STATUS } from "../../core/ntstatus.ts";
import { builtinProfile } from "../../machine/builtin-profiles.ts";
import type { MachineProfile } from "../../machine/profile.ts";
import { pnpAddDevice, pnpState, removeDevice, startDevice } from "../../kernel/pnp.ts";
import { bootScenario } from "../../scenarios/boot.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "../../scenarios/scenario.ts";
import type { DriverMessage } from "../host/context.ts";
import { withPhysicalQuerySites } from "../host/physical-queries.ts";
import { loadCDriver, type PreparedDriver, prepareCDriver, checkInstrumentable } from "../load.ts";
import { type BuildOptions, buildCDriver } from "../toolchain/build.ts";
import { type CDriverConfig, readCDriverConfig } from "./config.ts";
import { playbackParams, runSb16Playback } from "./sb16-playback.ts";
import { type InfDmaRemapping, infDeviceModel, infDmaRemapping, remappingOptIn } from "./inf-device.ts";
import { kmdfVersionFlags, projectKmdfVersion } from "./project-file.ts";
import { plxIoParams, runPlxIo } from "./plx-io.ts";
import { nicFramesParams, runNicFrames } from "./nic-frames.ts";

export interface CDriverScenarioOptions extends Pick<BuildOptions, "clang" | "wasmLd" | "cache"> {
  /** Extra compiler flags after the config's. */
  readonly cflags?: readonly string[];
  /** Scenario name (default: the config's name, else the folder's). */
  readonly name?: string;
  /** The profile device the driver is for (overrides the config's "device"). */
  readonly device?: string;
  /** Where driver messages go as they happen (besides the result's table). */
  readonly onMessage?: (m: DriverMessage) => void;
}

const TRACE_ROWS = 500;

function deviceOf(profile: MachineProfile, config: CDriverConfig, infModel: string | null): string {
  if (config.device !== undefined) return config.device;
  const names = profile.devices.map((d) => d.name);
  if (names.length === 1) return names[0] as string;
  // The INF's hardware IDs name a model: the profile's device of that model (the first, as PnP would match it).
  const byModel = infModel === null ? undefined : profile.devices.find((d) => d.model === infModel);
  if (byModel !== undefined) return byModel.name;
  throw new RangeError(`dmasim: name the device the C driver is for ("device" in a dmasim.json beside it${infModel === null ? "" : `; its INF is for a ${infModel}, which profile ${profile.name} lacks`}): profile ${profile.name} has ${names.length === 0 ? "none" : names.join(", ")}`);
}

/**
 * The profile with the driver's device remapped or not as its INF's DMA
 * remapping directive says, when the machine has an IOMMU and the directive
 * decides; else the profile as it is (its `remapping` is then the system's
 * choice). On a machine with an IOMMU the summary line says which; without
 * one there is nothing to remap and no line.
 */
function withInfRemapping(profile: MachineProfile, device: string, r: InfDmaRemapping | null, dmaVerification: boolean): { profile: MachineProfile; line: string | null } {
  if (!profile.iommu.enabled) return { profile, line: null };
  if (r === null) {
    // "Let the system determine" (no directive): the profile's own setting for the device stands; say what it is.
    const on = profile.devices.find((d) => d.name === device)?.remapping === true;
    return { profile, line: `DMA remapping for ${device}: ${on ? "on" : "off"} (no INF DMA remapping directive: profile ${profile.name}'s setting)` };
  }
  const on = remappingOptIn(r, dmaVerification);
  const directive = `${r.key === "RemappingSupported" ? "DMA Management\\RemappingSupported" : "Parameters\\DmaRemappingCompatible"} = ${r.value}${r.key === "RemappingSupported" && r.flags !== 0 ? `, RemappingFlags = ${r.flags}` : ""} in ${r.file}`;
  if (on === null) return { profile, line: `DMA remapping for ${device}: the profile's choice (${directive} leaves it to the system)` };
  return { profile: { ...profile, devices: profile.devices.map((d) => (d.name === device ? { ...d, remapping: on } : d)) }, line: `DMA remapping for ${device}: ${on ? "on" : "off"} (${directive}${r.value === 2 || r.flags === 1 ? `, DMA verification ${dmaVerification ? "on" : "off"}` : ""})` };
}

/** The workload when the config names none: a PLX 9656 driver gets an application's reads, writes and IOCTLs, an e1000 driver its frames; others a start and a removal. */
function defaultWorkload(infModel: string | null, device: string | undefined): "plx-io" | "nic-frames" | "lifecycle" {
  if (infModel === "e1000") return "nic-frames";
  return infModel === "plx9656" || device === "plx9656" ? "plx-io" : "lifecycle";
}

/**
 * The scenario for a C driver at `path`. Builds it now (CDriverBuildError
 * for a compile or link error, UninstrumentableError for code dmasim cannot
 * route, ToolchainError when no clang is found).
 */
export function loadCDriverScenario(path: string, options: CDriverScenarioOptions = {}): Scenario {
  const { config, sources } = readCDriverConfig(path);
  const project = projectKmdfVersion(sources);
  const build: BuildOptions = { ...options, cflags: [...kmdfVersionFlags(project), ...(config.cflags ?? []), ...(options.cflags ?? [])] };
  const built = buildCDriver(sources, build);
  checkInstrumentable(built.linked, built.sources);
  const name = options.name ?? config.name ?? (basename(resolve(path)).replace(/\.c$/i, "") || "c-driver");
  const infModel = infDeviceModel(sources);
  const infRemapping = infDmaRemapping(sources);
  const kind = config.workload?.kind ?? defaultWorkload(infModel, options.device ?? config.device);
  let prepared: Promise<PreparedDriver> | null = null;
  const params = (opts: { readonly params?: Readonly<Record<string, unknown>> }): Readonly<Record<string, unknown>> => ({ ...(config.workload?.params ?? {}), ...(opts.params ?? {}) });
  return {
    name,
    description: config.description ?? `the C driver in ${built.sources.display} (${kind})`,
    defaultProfile: config.profile ?? "x64-desktop",
    checkParams(settings) {
      const p = params(settings);
      if (kind === "sb16-playback") playbackParams(p);
      else if (kind === "plx-io") plxIoParams(p);
      else if (kind === "nic-frames") nicFramesParams(p);
      else if (Object.keys(p).length > 0) throw new RangeError(`${name}: the lifecycle workload takes no params (got ${Object.keys(p).join(", ")})`);
    },
    async run(opts: ScenarioOptions): Promise<ScenarioResult> {
      prepared ??= prepareCDriver(built.sources, build);
      const driver = await prepared;
      const p = params(opts);
      const playback = kind === "sb16-playback" ? playbackParams(p) : null;
      const base = typeof opts.profile === "string" ? builtinProfile(opts.profile) : opts.profile;
      const device = deviceOf(base, options.device === undefined ? config : { ...config, device: options.device }, infModel);
      const remapping = withInfRemapping(base, device, infRemapping, opts.verifier !== "off");
      const { k, verifier } = bootScenario(name, { ...opts, profile: remapping.profile });
      const messages: DriverMessage[] = [];
      const d = loadCDriver(k, driver, {
        name,
        onMessage: (m) => {
          if (messages.length < TRACE_ROWS) messages.push(m);
          options.onMessage?.(m);
        },
      });
      const pdo = k.pdo(device);
      const added = pnpAddDevice(k, d.driver, pdo);
      const summary: string[] = [`${built.sources.display}: ${built.sources.sources.length} C file${built.sources.sources.length === 1 ? "" : "s"} built for wasm32 (${built.cached ? "cached" : "compiled"}), ${d.kmdfVersion === null ? "a WDM driver" : `a KMDF ${d.kmdfVersion} driver (WdfDriverCreate${project === null ? "" : `; the version from ${project.file}`})`}, DriverEntry ran; AddDevice(${device}): ${statusName(added)}`];
      if (remapping.line !== null) summary.push(remapping.line);
      let workloadOk = added === STATUS.SUCCESS;
      let stats: Record<string, number | string | boolean> = {};
      let tables: Record<string, readonly Row[]> = {};
      let wav: Uint8Array | undefined;
      if (added === STATUS.SUCCESS && playback !== null) {
        const out = runSb16Playback(k, device, playback, opts.progress);
        summary.push(...out.summary);
        workloadOk = out.ok;
        stats = out.stats;
        tables = out.tables;
        wav = out.wav;
      } else if (added === STATUS.SUCCESS && kind === "plx-io") {
        const out = runPlxIo(k, d, device, plxIoParams(p), opts.seed);
        summary.push(...out.summary);
        workloadOk = out.ok;
        stats = out.stats;
        tables = out.tables;
      } else if (added === STATUS.SUCCESS && kind === "nic-frames") {
        const out = runNicFrames(k, device, nicFramesParams(p), opts.seed);
        summary.push(...out.summary);
        workloadOk = out.ok;
        stats = out.stats;
      } else if (added === STATUS.SUCCESS) {
        const st = startDevice(k, pdo).IoStatus.Status;
        summary.push(`IRP_MN_START_DEVICE: ${statusName(st)}`);
        workloadOk = st === STATUS.SUCCESS;
        if (pnpState(k, pdo) !== undefined && pnpState(k, pdo) !== "removed") summary.push(`IRP_MN_REMOVE_DEVICE: ${statusName(removeDevice(k, pdo).IoStatus.Status)}`);
      }
      d.driver.DriverUnload?.(d.driver);
      const findings = verifier === null ? [] : withPhysicalQuerySites(k, verifier.findings);
      const expected = config.expect?.findings ?? [];
      const shown = expected.filter((c) => findings.some((f) => f.code === c));
      const ok = expected.length > 0 ? shown.length === expected.length : workloadOk && findings.length === 0;
      if (expected.length > 0) summary.push(`expected finding${expected.length === 1 ? "" : "s"} ${expected.join(", ")}: ${shown.length === expected.length ? "shown" : `MISSING ${expected.filter((c) => !shown.includes(c)).join(", ")}`}`);
      const trace: Row[] = messages.map((m) => ({ timeNs: m.time, level: m.level, flags: m.flags, function: m.function, at: `${m.file.split(/[\\/]/).pop() ?? m.file}:${m.line}`, message: m.text }));
      return {
        ok,
        summary,
        tables: { ...tables, driverTrace: trace },
        stats: { ...stats, driverMessages: messages.length, pagesOfWindow: d.host.window.pagesUsed },
        findings,
        machine: k,
        ...(wav === undefined ? {} : { wav }),
      };
    },
  };
}
