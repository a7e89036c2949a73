/** `dmasim run SCENARIO`: one scenario, a summary (or --json), optionally an HTML report. */
import { renderHtmlReport } from "../../report/html-report.ts";
import { runToJson } from "../../report/json-result.ts";
import { runPassed } from "../../report/run-record.ts";
import { renderRunSummary } from "../../report/summary.ts";
import { executeScenario } from "../execute.ts";
import type { CliIo } from "../io.ts";
import { loadScenario } from "../load-scenario.ts";
import { parseDuration, parseSeed, parseVerifier } from "../parse-options.ts";
import { makeProgress } from "../progress.ts";
import { resolveProfile } from "../resolve-profile.ts";
import { packageVersion } from "../version.ts";

export interface RunOptions {
  profile?: string;
  seed?: string;
  uptime?: string;
  verifier?: string;
  report?: string;
  trace?: string;
  wav?: string;
  json?: boolean;
  /** From --param key=value (parsed already). */
  param?: Record<string, unknown>;
}

export async function runCommand(io: CliIo, spec: string, opts: RunOptions): Promise<number> {
  // Validate every option before running anything.
  const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
  const uptimeSeconds = opts.uptime === undefined ? undefined : parseDuration(opts.uptime);
  const verifier = opts.verifier === undefined ? undefined : parseVerifier(opts.verifier);
  const profile = opts.profile === undefined ? undefined : resolveProfile(opts.profile, io.cwd);
  const loaded = await loadScenario(spec, io.cwd);
  const d = loaded.defaults;
  const progress = makeProgress(io, `${loaded.name} `);
  const chosenProfile = profile ?? d.profile;
  const record = await executeScenario(loaded.scenario, {
    name: loaded.name,
    ...(chosenProfile === undefined ? {} : { profile: chosenProfile }),
    seed: seed ?? d.seed ?? 1,
    uptimeSeconds: uptimeSeconds ?? d.uptimeSeconds ?? 0,
    verifier: verifier ?? d.verifier ?? "collect",
    ...(d.params === undefined && opts.param === undefined ? {} : { params: { ...d.params, ...opts.param } }),
    ...(progress === undefined ? {} : { progress: progress.update }),
  });
  progress?.done();
  if (opts.json === true) io.stdout(JSON.stringify(runToJson(record), null, 2) + "\n");
  else io.stdout(renderRunSummary(record, io.style));
  if (opts.trace !== undefined) {
    io.writeFile(opts.trace, JSON.stringify(record.trace?.toJSON() ?? null) + "\n");
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
  return runPassed(record) ? 0 : 1;
}
