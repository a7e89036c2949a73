/**
 * The built-in profiles' descriptions (shown by `dmasim list --json`,
 * `dmasim profile show` and the README table) say what the data says: RAM,
 * NUMA nodes, the IOMMU, and on ARM64 which devices are coherent.
 */
import { describe, expect, it } from "vitest";
import { formatSize } from "../../src/core/address.ts";
import { BUILTIN_PROFILES } from "../../src/machine/builtin-profiles.ts";

const NUMBERS = ["zero", "one", "two", "three", "four", "five"];

describe("built-in profile descriptions", () => {
  for (const p of BUILTIN_PROFILES.values()) {
    it(`${p.name}: names its RAM size and, with several nodes, the node count`, () => {
      const ram = p.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0);
      expect(p.description).toContain(formatSize(ram));
      if (p.nodes > 1) expect(p.description).toContain(`${p.nodes} NUMA nodes`);
    });
  }

  it("only the profile with the IOMMU enabled speaks of remapping, and x64-desktop says it has none", () => {
    for (const p of BUILTIN_PROFILES.values()) expect(/remapping|IOMMU domain/.test(p.description), p.name).toBe(p.iommu.enabled && !p.description.includes("no IOMMU"));
    expect(BUILTIN_PROFILES.get("x64-desktop")?.description).toContain("no IOMMU");
  });

  it("arm64-soc counts its coherent and non-coherent devices (by _CCA) and names each", () => {
    const p = BUILTIN_PROFILES.get("arm64-soc");
    if (p === undefined) throw new Error("no arm64-soc");
    const coherent = p.devices.filter((d) => d.cca === 1);
    const non = p.devices.filter((d) => d.cca === 0);
    expect(p.description).toContain(`${NUMBERS[coherent.length]} coherent`);
    expect(p.description).toContain(`${NUMBERS[non.length]} non-coherent`);
    for (const d of p.devices) expect(p.description).toContain(d.name);
  });
});
