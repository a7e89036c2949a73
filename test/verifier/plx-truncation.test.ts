import { describe, expect, it } from "vitest";
import { builtinScenario } from "../../src/scenarios/index.ts";

// The PLX9x5x sample's rings from a 64-bit enabler land above 4 GiB (no IOMMU, top placement); the chip's descriptor pointer keeps 32 bits.
describe("the PLX descriptor pointer that truncates a logical address above 4 GiB", () => {
  const scenario = builtinScenario("plx-ring-above-4g");

  it("without an IOMMU: the first finding is the device access outside any buffer, named as a truncated address", async () => {
    if (scenario === undefined) throw new Error("plx-ring-above-4g is not registered");
    const r = await scenario.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect" });
    expect(r.findings?.[0]?.code).toBe("DMA_OUTSIDE_BUFFER");
    expect(r.findings?.[0]?.message).toMatch(/truncated to 32 bits/);
  });
});
