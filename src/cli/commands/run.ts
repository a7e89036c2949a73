/** `dmasim run SCENARIO`: one scenario, a summary (or --json), optionally an HTML report. */
import { renderHtmlReport } from "../../report/html-report.ts";
import { runToJson } from "../../report/json-result.ts";
import { runPassed } from "../../report/run-record.ts";
import { renderRunSummary } from "../../report/summary.ts";
import { traceFile } from "../../report/trace-file.ts";
import type { Scenario } from "../../scenarios/scenario.ts";
import { soundCardLateScenario, soundCardScenario } from "../../scenarios/sound-card.ts";
import { soundCardPnpLeakScenario, soundCardPnpScenario } from "../../scenarios/sound-card-pnp.ts";
import { executeScenario } from "../execute.ts";
import type { CliIo } from "../io.ts";
import { loadScenario } from "../load-scenario.ts";
import { checkOutputPath } from "../output-paths.ts";
import { totalmem } from "node:os";
import { formatDuration, parseDuration, parseMemoryBudget, parseSeed, parseVerifier } from "../parse-options.ts";
import { type InterruptWatch, watchInterrupt } from "../interrupt.ts";
import { makeProgress } from "../progress.ts";
import { resolveProfile } from "../resolve-profile.ts";
import { UsageError } from "../usage-error.ts";
import { formatFrames } from "../user-frames.ts";
import { packageVersion } from "../version.ts";

export interface RunOptions {
  profile?: string;
  seed?: string;
  uptime?: string;
  /** --memory-budget: host memory the machine may commit (default half the host's). */
  memoryBudget?: string;
  verifier?: string;
  report?: string;
  trace?: string;
  wav?: string;
  json?: boolean;
  /** From --param key=value (parsed already). */
  param?: Record<string, unknown>;
  /** --debug: print the user's stack frames when run() fails. */
  debug?: boolean;
  /** Start the Ctrl-C watcher for a run with uptime (tests pass a stand-in); default the real one (interrupt.ts). */
  watchInterrupt?: (onSigint: () => void) => Promise<InterruptWatch>;
}

/** The built-in scenarios that play audio (a WAV for --wav); any other built-in has none (sound-card-exhausted never starts the card). */
export const AUDIO_SCENARIOS: readonly Scenario[] = [soundCardScenario, soundCardLateScenario, soundCardPnpScenario, soundCardPnpLeakScenario];

export async function runCommand(io: CliIo, spec: string, opts: RunOptions): Promise<number> {
  // Validate every option before running anything.
  const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
  const uptimeSeconds = opts.uptime === undefined ? undefined : parseDuration(opts.uptime);
  const verifier = opts.verifier === undefined ? undefined : parseVerifier(opts.verifier);
  // Half the host's memory by default: the rest is for V8, the trace and the report.
  const hostMemoryBudget = opts.memoryBudget === undefined ? Math.floor(totalmem() / 2) : parseMemoryBudget(opts.memoryBudget);
  const profile = opts.profile === undefined ? undefined : resolveProfile(opts.profile, io.cwd);
  for (const [option, path] of [["--report", opts.report], ["--trace", opts.trace], ["--wav", opts.wav]] as const) if (path !== undefined) checkOutputPath(option, path, io.cwd);
  const loaded = await loadScenario(spec, io.cwd);
  // Built-in scenarios (also through a JSON file) and steps files are known: refuse --wav before running one without audio.
  if (opts.wav !== undefined && loaded.source !== "module" && !AUDIO_SCENARIOS.includes(loaded.scenario)) {
    throw new UsageError(`--wav: ${loaded.name} plays no audio (the scenarios with audio: ${AUDIO_SCENARIOS.map((s) => s.name).join(", ")})`);
  }
  const d = loaded.defaults;
  const progress = makeProgress(io, `${loaded.name} `);
  const chosenProfile = profile ?? d.profile;
  const runUptime = uptimeSeconds ?? d.uptimeSeconds ?? 0;
  const stepsUptime = (loaded.scenario as { stepsUptimeSeconds?: unknown }).stepsUptimeSeconds;
  // Only a run that ages the machine needs the Ctrl-C watcher (a thread); others stop on Ctrl-C as any process does.
  const watch = runUptime > 0 || (typeof stepsUptime === "number" && stepsUptime > 0) ? await (opts.watchInterrupt ?? watchInterrupt)(() => {
    // Ctrl-C while the run awaits something after its uptime: nothing polls the flag there.
    io.stderr(`dmasim: interrupted (Ctrl-C) while ${loaded.name} ran\n`);
    process.exit(130);
  }) : undefined;
  const record = await executeScenario(loaded.scenario, {
    name: loaded.name,
    ...(chosenProfile === undefined ? {} : { profile: chosenProfile }),
    seed: seed ?? d.seed ?? 1,
    uptimeSeconds: runUptime,
    verifier: verifier ?? d.verifier ?? "collect",
    hostMemoryBudget,
    ...(d.params === undefined && opts.param === undefined ? {} : { params: { ...d.params, ...opts.param } }),
    ...(progress === undefined ? {} : { progress: progress.update }),
    ...(loaded.source === "module" ? { module: spec } : {}),
    cwd: io.cwd,
    ...(watch === undefined ? {} : { interrupted: watch.interrupted }),
    onFailure: (frames) => {
      if (opts.debug === true && frames.length > 0) io.stderr(`dmasim: ${loaded.name} failed here:\n${formatFrames(frames, io.cwd).join("\n")}\n`);
    },
  }).finally(() => watch?.stop());
  progress?.done();
  const interrupted = record.interrupted;
  if (opts.json === true) io.stdout(JSON.stringify(interrupted === undefined ? runToJson(record) : { ...runToJson(record), interrupted: { ...interrupted, reason: "SIGINT" } }, null, 2) + "\n");
  else io.stdout(renderRunSummary(record, io.style));
  if (interrupted !== undefined) io.stderr(`dmasim: interrupted after ${formatDuration(interrupted.doneSeconds)} of ${formatDuration(interrupted.totalSeconds)} of uptime; the output is the partial run\n`);
  if (opts.trace !== undefined) {
    io.writeFile(opts.trace, JSON.stringify(record.trace === undefined ? null : traceFile(record.trace)) + "\n");
    if (opts.json !== true) io.stdout(`Trace written to ${opts.trace}\n`);
  }
  if (opts.wav !== undefined) {
    const wav = record.result?.wav;
    if (wav === undefined || wav.length === 0) {
      io.stderr(`dmasim: ${record.scenario} produced no audio to write to ${opts.wav}\n`);
      return 1;
    }
    io.writeFile(opts.wav, wav);
    if (opts.json !== true) io.stdout(`Audio written to ${opts.wav} (${wav.length} bytes)\n`);
  }
  if (opts.report !== undefined) {
    io.writeFile(opts.report, renderHtmlReport([record], { title: `dmasim report: ${record.scenario}`, version: packageVersion() }));
    if (opts.json !== true) io.stdout(`Report written to ${opts.report}\n`);
  }
  // 128 + SIGINT, as a shell reports a process Ctrl-C stopped.
  if (interrupted !== undefined) return 130;
  return runPassed(record) ? 0 : 1;
}
