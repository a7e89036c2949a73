import { describe, expect, it } from "vitest";
import { BUILTIN_SCENARIOS } from "../../src/scenarios/index.ts";

// Every built-in scenario is a correct driver: run with the verifier collecting, it must report nothing.
describe("built-in scenarios run with the verifier on and zero findings", () => {
  it("the registry has scenarios to check", () => {
    expect(BUILTIN_SCENARIOS.length).toBeGreaterThan(0);
  });

  // Scenarios that demonstrate a driver bug the verifier (or Windows) must catch; their own tests expect the findings
  // (src/scenarios/plx.test.ts, plx-pnp.test.ts, nic.test.ts, nic-pnp.test.ts).
  const SHOWS_A_BUG = new Set(["plx-ring-above-4g", "nic-physical-address", "plx-pnp-no-io-stop", "plx-pnp-d0-exit-leaves-dma", "plx-pnp-double-complete", "sound-card-pnp-leak", "nic-pnp-no-io-stop", "nic-pnp-d0-exit-leaves-dma"]);
  for (const s of BUILTIN_SCENARIOS.filter((x) => !SHOWS_A_BUG.has(x.name))) {
    it(`${s.name} on ${s.defaultProfile}: ok, no findings`, async () => {
      const params = s.name === "fragmentation" ? { trials: 1 } : undefined;
      const r = await s.run({ profile: s.defaultProfile, seed: 1, uptimeSeconds: 0, verifier: "collect", ...(params === undefined ? {} : { params }) });
      expect(r.ok).toBe(true);
      expect((r.findings ?? []).map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    });
  }
});
