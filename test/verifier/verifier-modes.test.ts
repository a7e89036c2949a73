/**
 * One rule for the verifier modes, for every scenario (built-in, user module,
 * JSON steps), checked by running each in the three modes through the same
 * runner as `dmasim run` (src/report/run-record.ts states the rule):
 * - off: no verifier is installed and nothing is reported;
 * - collect: every finding is collected and the run carries on;
 * - bugcheck: the first finding stops the run with its bug check — the one
 *   the first collected finding carries — and the run's outcome is that stop
 *   (not ok, not passed), however the scenario handles it.
 */
import { describe, expect, it } from "vitest";
import { executeScenario } from "../../src/cli/execute.ts";
import { stepsScenario, stepsSchema } from "../../src/cli/steps-scenario.ts";
import { BugCheckError } from "../../src/core/bugcheck.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import { builtinProfile } from "../../src/machine/builtin-profiles.ts";
import { runToJson } from "../../src/report/json-result.ts";
import { type RunRecord, runFindings, runMachine, runOutcome, runPassed } from "../../src/report/run-record.ts";
import { plain, renderRunSummary } from "../../src/report/summary.ts";
import { BUILTIN_SCENARIOS } from "../../src/scenarios/index.ts";
import type { Scenario } from "../../src/scenarios/scenario.ts";
import { allocate, busMasterAdapter } from "../../src/verifier/test-machine.ts";
import { DMASIM_VERIFIER_FINDING } from "../../src/verifier/codes.ts";
import { verifierOf } from "../../src/verifier/registry.ts";
import { installVerifier } from "../../src/verifier/verifier.ts";

/** Small settings so that every scenario runs in well under a second. */
const SMALL: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  plx: { transfers: 4 },
  nic: { frames: 16 },
  "nic-physical-address": { frames: 16 },
  "nic-pnp": { frames: 16 },
  "nic-pnp-no-io-stop": { frames: 16 },
  "nic-pnp-d0-exit-leaves-dma": { frames: 16 },
  fragmentation: { trials: 1, sizesPages: [1, 16], uptimesSeconds: [0] },
  "sound-card": { seconds: 0.5 },
  "sound-card-late": { seconds: 0.5 },
  "sound-card-exhausted": { seconds: 0.5 },
  "sound-card-pnp": { seconds: 0.5 },
  "sound-card-pnp-leak": { seconds: 0.5 },
  "plx-pnp": { transfers: 2 },
  "plx-pnp-no-io-stop": { transfers: 2 },
  "plx-pnp-d0-exit-leaves-dma": { transfers: 2 },
  "plx-pnp-double-complete": { transfers: 2 },
};

/** Scenarios whose driver makes Windows itself bug check (no verifier involved): a stop in every mode, with the same code. */
const STOPS_IN_EVERY_MODE = new Set(["plx-pnp-double-complete"]);

/** Runs on the default profile, plus the ones where a scenario's bug shows differently (under the IOMMU). */
const RUNS: { scenario: Scenario; profile: string }[] = [
  ...BUILTIN_SCENARIOS.map((s) => ({ scenario: s, profile: s.defaultProfile })),
  ...BUILTIN_SCENARIOS.filter((s) => s.name === "common-buffer-walkthrough").map((s) => ({ scenario: s, profile: "x64-iommu" })),
];

// A user module that uses the physical address under the IOMMU and lets any stop escape.
const userModule: Scenario = {
  name: "user-physical",
  description: "",
  defaultProfile: "x64-iommu",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    const v = opts.verifier === "off" ? null : installVerifier(k, { mode: opts.verifier });
    const b = allocate(busMasterAdapter(k, "plx9656"), 4096);
    for (let i = 0; i < 3; i++) k.bus.writeU32(k.busMasterOf("plx9656"), k.va.physicalAddressOf(b.va) + 4 * i, i);
    return { ok: true, summary: [], findings: v?.findings ?? [], machine: k };
  },
};

// A driver written as data (a JSON steps file): a leaked buffer at PutDmaAdapter.
const steps = stepsScenario("steps-leak", "", stepsSchema.parse([{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "putAdapter" }]));
RUNS.push({ scenario: userModule, profile: "x64-iommu" }, { scenario: steps, profile: "x64-desktop" });

function run(s: Scenario, profile: string, verifier: "off" | "collect" | "bugcheck"): Promise<RunRecord> {
  const params = SMALL[s.name];
  return executeScenario(s, { name: s.name, profile: builtinProfile(profile), seed: 1, uptimeSeconds: 0, verifier, ...(params === undefined ? {} : { params }) });
}

describe("the verifier modes follow one rule for every scenario", () => {
  for (const { scenario, profile } of RUNS.filter((r) => STOPS_IN_EVERY_MODE.has(r.scenario.name))) {
    it(`${scenario.name} on ${profile}: the driver's own bug check stops the run in every mode, the same stop each time`, async () => {
      const stops = [];
      for (const mode of ["off", "collect", "bugcheck"] as const) {
        const outcome = runOutcome(await run(scenario, profile, mode));
        if (outcome.kind !== "stopped") throw new Error(`${scenario.name} (${mode}): expected a stop, got ${outcome.kind}`);
        stops.push([outcome.stop.code, outcome.stop.params.map(String)]);
      }
      expect(stops[1]).toEqual(stops[0]);
      expect(stops[2]).toEqual(stops[0]);
    });
  }

  for (const { scenario, profile } of RUNS.filter((r) => !STOPS_IN_EVERY_MODE.has(r.scenario.name))) {
    it(`${scenario.name} on ${profile}: off reports nothing, collect collects and carries on, bugcheck stops at the first finding with its bug check`, async () => {
      const off = await run(scenario, profile, "off");
      expect(runFindings(off)).toEqual([]);
      expect(verifierOf(runMachine(off))).toBeUndefined();
      expect(runOutcome(off).kind).toBe("ok");

      const collect = await run(scenario, profile, "collect");
      expect(runOutcome(collect).kind).toBe("ok");
      const collected = runFindings(collect);
      expect(runPassed(collect)).toBe(collected.length === 0);

      const bugcheck = await run(scenario, profile, "bugcheck");
      const outcome = runOutcome(bugcheck);
      const first = collected[0];
      if (first === undefined) {
        expect(outcome.kind).toBe("ok");
        expect(runFindings(bugcheck)).toEqual([]);
        return;
      }
      if (outcome.kind !== "stopped") throw new Error(`${scenario.name}: expected a stop, got ${outcome.kind}`);
      expect(outcome.stop.code).toBe(first.bugCheck?.[0] ?? DMASIM_VERIFIER_FINDING);
      if (first.bugCheck !== undefined) expect(outcome.stop.params.map(BigInt)).toEqual(first.bugCheck.slice(1).map(BigInt));
      expect(outcome.stop.finding?.code).toBe(first.code);
      expect(runFindings(bugcheck).map((f) => [f.code, f.count])).toEqual([[first.code, 1]]);
      expect(runPassed(bugcheck)).toBe(false);
      // The outcome reads the same in the terminal and in --json, whoever caught the stop.
      expect(renderRunSummary(bugcheck, plain)).toMatch(new RegExp(`^STOP 0x${outcome.stop.code?.toString(16).toUpperCase() ?? ""} ${outcome.stop.name} \\(`));
      expect(runToJson(bugcheck)).toMatchObject({ outcome: "stopped", ok: false, passed: false, stop: { name: outcome.stop.name, finding: 0 } });
    });
  }

  it("a bug check Windows raises itself (no verifier involved) is a stop in every mode", async () => {
    const stops: Scenario = {
      name: "null-adapter",
      description: "",
      defaultProfile: "x64-desktop",
      run(opts) {
        const k = bootMachine(opts.profile, { seed: opts.seed });
        opts.onBoot?.(k);
        throw new BugCheckError(0xe6, 0x19, 0, 0, 0, "NULL DMA_ADAPTER");
      },
    };
    for (const mode of ["off", "collect", "bugcheck"] as const) {
      const r = await executeScenario(stops, { name: "null-adapter", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: mode });
      expect(renderRunSummary(r, plain).startsWith("STOP 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x19, 0x0, 0x0, 0x0)  null-adapter")).toBe(true);
      expect(runToJson(r)).toMatchObject({ outcome: "stopped", ok: false, stop: { code: "0xE6", params: ["0x19", "0x0", "0x0", "0x0"], finding: null } });
    }
  });
});
