import { describe, expect, it } from "vitest";
import { BUILTIN_PROFILES } from "../machine/builtin-profiles.ts";
import { BUILTIN_SCENARIOS, builtinScenario, DEMO_PLAN } from "./index.ts";

describe("scenario registry", () => {
  it("names are unique and each scenario describes itself and names a built-in default profile", () => {
    const names = BUILTIN_SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of BUILTIN_SCENARIOS) {
      expect(s.description.length, s.name).toBeGreaterThan(0);
      expect(BUILTIN_PROFILES.has(s.defaultProfile), `${s.name}: ${s.defaultProfile}`).toBe(true);
    }
  });

  it("the demo runs the common-buffer walk-through on x64-desktop, x64-iommu and arm64-soc, the sound card, the PLX driver, the NIC on three profiles and the fragmentation study", () => {
    expect(DEMO_PLAN.find((p) => p.scenario === "common-buffer-walkthrough")?.profiles).toEqual(["x64-desktop", "x64-iommu", "arm64-soc"]);
    for (const p of DEMO_PLAN) {
      expect(builtinScenario(p.scenario), p.scenario).toBeDefined();
      for (const prof of p.profiles) expect(BUILTIN_PROFILES.has(prof)).toBe(true);
    }
    expect(DEMO_PLAN.map((p) => p.scenario)).toEqual(["common-buffer-walkthrough", "sound-card", "plx", "nic", "fragmentation"]);
  });

  it("an unknown name finds nothing", () => {
    expect(builtinScenario("no-such-scenario")).toBeUndefined();
  });
});
