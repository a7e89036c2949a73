import { describe, expect, it } from "vitest";
import fixture from "../../test/fixtures/buffers-scenario.ts";
import { executeScenario } from "../cli/execute.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { commonBufferWalkthroughScenario } from "../scenarios/common-buffer-walkthrough.ts";
import { runToJson } from "./json-result.ts";
import { runResultSchema, traceFileSchema } from "./result-schema.ts";
import { traceFile } from "./trace-file.ts";

const errors = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] => (r.success ? [] : (r.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`));

describe("the documented JSON shapes", () => {
  it("a traced run's --json (buffers, trace summary) is what `dmasim schema result` says", async () => {
    const r = await executeScenario(fixture, { name: fixture.name, profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0, verifier: "collect" });
    expect(errors(runResultSchema.safeParse(JSON.parse(JSON.stringify(runToJson(r)))))).toEqual([]);
  });

  it("a run with grouped findings and their occurrences matches it too", async () => {
    const r = await executeScenario(commonBufferWalkthroughScenario, { name: "common-buffer-walkthrough", profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0, verifier: "collect" });
    const j = JSON.parse(JSON.stringify(runToJson(r))) as { findings: unknown[] };
    expect(j.findings.length).toBeGreaterThan(0);
    expect(errors(runResultSchema.safeParse(j))).toEqual([]);
  });

  it("a run stopped by the verifier (stop, error with its bug check) matches it", async () => {
    const r = await executeScenario(commonBufferWalkthroughScenario, { name: "common-buffer-walkthrough", profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0, verifier: "bugcheck" });
    const j = JSON.parse(JSON.stringify(runToJson(r))) as { outcome: string };
    expect(j.outcome).toBe("stopped");
    expect(errors(runResultSchema.safeParse(j))).toEqual([]);
  });

  it("the --trace file is what `dmasim schema trace` says", async () => {
    const r = await executeScenario(fixture, { name: fixture.name, profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect" });
    if (r.trace === undefined) throw new Error("not traced");
    expect(errors(traceFileSchema.safeParse(JSON.parse(JSON.stringify(traceFile(r.trace)))))).toEqual([]);
  });

  it("the schema refuses what the old shape had: a VA as a number, runs as pairs", () => {
    const bad = { id: 1, device: "d", routine: "r", va: 211106232532992, logical: "0x1000", physical: "0x1000", length: 1, pages: 1, runs: [[1, 1]], cache: "cached", deviceMemory: false, allocatedAt: 0, freedAt: null };
    const r = runResultSchema.shape.allocations.safeParse([bad]);
    expect(errors(r).map((e) => e.split(":")[0])).toEqual(["0.va", "0.runs.0"]);
  });
});
