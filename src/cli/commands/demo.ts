/** `dmasim demo`: every built-in scenario of the demo plan, one summary, one HTML report. */
import { builtinProfile } from "../../machine/builtin-profiles.ts";
import { renderHtmlReport } from "../../report/html-report.ts";
import { runToJson } from "../../report/json-result.ts";
import { type RunRecord, runOk } from "../../report/run-record.ts";
import { renderRunsSummary } from "../../report/summary.ts";
import { builtinScenario, DEMO_PLAN } from "../../scenarios/index.ts";
import { executeScenario } from "../execute.ts";
import type { CliIo } from "../io.ts";
import { checkOutputPath } from "../output-paths.ts";
import { parseSeed } from "../parse-options.ts";
import { makeProgress } from "../progress.ts";
import { packageVersion } from "../version.ts";

export interface DemoOptions {
  report: string;
  seed?: string;
  json?: boolean;
}

/** The (scenario, profile) pairs the demo runs, skipping scenarios not in the registry. */
export function demoRuns(): { scenario: string; profile: string | undefined }[] {
  const out: { scenario: string; profile: string | undefined }[] = [];
  for (const entry of DEMO_PLAN) {
    if (builtinScenario(entry.scenario) === undefined) continue;
    if (entry.profiles.length === 0) out.push({ scenario: entry.scenario, profile: undefined });
    for (const p of entry.profiles) out.push({ scenario: entry.scenario, profile: p });
  }
  return out;
}

export async function demoCommand(io: CliIo, opts: DemoOptions): Promise<number> {
  const seed = opts.seed === undefined ? 1 : parseSeed(opts.seed);
  checkOutputPath("--report", opts.report, io.cwd);
  const plan = demoRuns();
  const records: RunRecord[] = [];
  for (const [i, item] of plan.entries()) {
    const scenario = builtinScenario(item.scenario);
    if (scenario === undefined) continue;
    const progress = makeProgress(io, `[${i + 1}/${plan.length}] ${item.scenario}${item.profile === undefined ? "" : ` on ${item.profile}`} `);
    progress?.update(0, "");
    records.push(
      await executeScenario(scenario, {
        name: scenario.name,
        ...(item.profile === undefined ? {} : { profile: builtinProfile(item.profile) }),
        seed,
        uptimeSeconds: 0,
        verifier: "collect",
        ...(progress === undefined ? {} : { progress: progress.update }),
      }),
    );
    progress?.done();
  }
  if (opts.json === true) io.stdout(JSON.stringify({ runs: records.map(runToJson), report: opts.report }, null, 2) + "\n");
  else if (records.length === 0) io.stdout("No built-in scenarios are registered yet.\n");
  else io.stdout(renderRunsSummary(records, io.style));
  io.writeFile(opts.report, renderHtmlReport(records, { title: "dmasim demo", version: packageVersion() }));
  if (opts.json !== true) io.stdout(`\nReport written to ${opts.report} — open it in a browser.\n`);
  // Demonstrations of a bug are ok with their findings; the demo fails only when a run fails.
  return records.length > 0 && records.every(runOk) ? 0 : 1;
}
