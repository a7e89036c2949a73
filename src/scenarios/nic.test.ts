import { describe, expect, it } from "vitest";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { nicPhysicalAddressScenario, nicScenario } from "./nic.ts";
import type { ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The NIC slot of each built-in profile, holding an e1000 (whatever model the profile itself puts there). */
const NIC_SLOT: Record<string, string> = { "x64-desktop": "nic0", "x64-iommu": "nic0", "arm64-soc": "nic-coherent" };

function withE1000(name: string): MachineProfile {
  const p = builtinProfile(name);
  return { ...p, devices: p.devices.map((d) => (d.name === NIC_SLOT[name] ? { ...d, model: "e1000" } : d)) };
}

function opts(profile: string | MachineProfile, over: Partial<ScenarioOptions> = {}): ScenarioOptions {
  return { profile, seed: 7, uptimeSeconds: 0, verifier: "collect", params: { frames: 96 }, ...over };
}

function run(o: ScenarioOptions, s = nicScenario): ScenarioResult {
  return s.run(o) as ScenarioResult;
}

describe("nic scenario (KMDF e1000 driver, loopback)", () => {
  for (const name of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
    it(`on ${name} every frame comes back byte for byte, with the verifier on and no findings`, () => {
      const r = run(opts(withE1000(name)));
      expect(r.summary).toBeDefined();
      expect(r.findings).toEqual([]);
      expect(r.stats?.frames).toBe(96);
      expect(r.stats?.received).toBe(96);
      expect(r.stats?.mismatches).toBe(0);
      expect(r.ok).toBe(true);
    });
  }

  it("frames are 60..1514 bytes, interrupts are moderated (fewer than frames) and simulated time follows the 1 Gb/s wire", () => {
    const r = run(opts(withE1000("x64-desktop")));
    const bytes = r.stats?.bytes as number;
    expect(bytes).toBeGreaterThanOrEqual(96 * 60);
    expect(bytes).toBeLessThanOrEqual(96 * 1514);
    expect(r.stats?.interrupts as number).toBeGreaterThan(0);
    expect(r.stats?.interrupts as number).toBeLessThan(96);
    // Each frame occupies the wire for (length + FCS + preamble + gap) x 8 ns, back to back at best.
    expect((r.stats?.simulatedMs as number) * 1e6).toBeGreaterThanOrEqual((bytes + 96 * 24) * 8);
  });

  it("on arm64-soc with a non-coherent e1000 (_CCA = 0: common buffers are Device memory) the driver's aligned copies keep every byte right", () => {
    const p = builtinProfile("arm64-soc");
    const nonCoherent = { ...p, devices: p.devices.map((d) => (d.name === "plx9656" ? { ...d, model: "e1000" } : d)) };
    const r = run(opts(nonCoherent, { params: { frames: 48, device: "plx9656" } }));
    expect((r.tables?.commonBuffers ?? []).every((x) => x.deviceMemory === true)).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.stats?.received).toBe(48);
    expect(r.ok).toBe(true);
  });

  it("is deterministic per seed and differs between seeds", () => {
    const a = run(opts(withE1000("x64-desktop")));
    const b = run(opts(withE1000("x64-desktop")));
    const c = run(opts(withE1000("x64-desktop"), { seed: 8 }));
    expect(b.stats).toEqual(a.stats);
    expect(b.tables).toEqual(a.tables);
    expect(c.stats?.bytes).not.toBe(a.stats?.bytes);
  });

  it("lists its four common buffers: rings 16-byte aligned and a multiple of 128 bytes, logical = physical without an IOMMU", () => {
    const r = run(opts(withE1000("x64-desktop")));
    const rows = r.tables?.commonBuffers ?? [];
    expect(rows.map((x) => x.buffer)).toEqual(["TX descriptor ring", "RX descriptor ring", "TX packet buffers", "RX packet buffers"]);
    for (const row of rows) {
      expect(row.alignment).toBe("0xf");
      expect(row.logical).toBe(row.physical);
    }
    expect(rows.slice(0, 2).map((x) => (x.length as number) % 128)).toEqual([0, 0]);
  });

  it("behind the IOMMU the rings' logical addresses are not their physical addresses", () => {
    const rows = run(opts(withE1000("x64-iommu"))).tables?.commonBuffers ?? [];
    expect(rows.every((x) => x.logical !== x.physical)).toBe(true);
  });

  it("a profile without an e1000 fails with one line naming what is missing", () => {
    const p = builtinProfile("x64-desktop");
    const none = { ...p, devices: p.devices.filter((d) => d.model !== "e1000") };
    const r = run(opts(none));
    expect(r.ok).toBe(false);
    expect(r.summary[0]).toMatch(/has no e1000 device/);
  });

  it("refuses unknown params", () => {
    expect(() => run(opts(withE1000("x64-desktop"), { params: { frame: 3 } }))).toThrow(/unknown param "frame"/);
  });

  it("a 16-descriptor RX ring with no interrupt throttling still receives every frame in order", () => {
    const r = run(opts(withE1000("x64-desktop"), { params: { frames: 64, rxDescriptors: 16, txDescriptors: 16, interruptThrottle: 0 } }));
    expect(r.ok).toBe(true);
    expect(r.stats?.received).toBe(64);
  });
});

describe("nic-physical-address scenario (ring base from MmGetPhysicalAddress)", () => {
  it("behind the IOMMU the chip's descriptor fetch faults and the verifier reports DMA_PHYSICAL_ADDRESS_USED", () => {
    const r = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    expect(r.stats?.translated).toBe(true);
    expect(r.stats?.dmaFaults as number).toBeGreaterThan(0);
    expect(r.findings?.map((f) => f.code)).toContain("DMA_PHYSICAL_ADDRESS_USED");
    expect(r.stats?.received).toBe(0);
    expect(r.ok).toBe(true);
  });

  it("with the verifier in bugcheck mode the first device access stops the machine with the same diagnosis", () => {
    const r = run(opts(withE1000("x64-iommu"), { verifier: "bugcheck" }), nicPhysicalAddressScenario);
    expect(r.stats?.stopped).toBe(true);
    expect(r.summary.join("\n")).toMatch(/physical address/);
    expect(r.ok).toBe(true);
  });

  it("with the verifier off the bug still shows as the device's DMA fault (no frame moves)", () => {
    const r = run(opts(withE1000("x64-iommu"), { verifier: "off" }), nicPhysicalAddressScenario);
    expect(r.stats?.dmaFaults as number).toBeGreaterThan(0);
    expect(r.stats?.received).toBe(0);
    expect(r.ok).toBe(true);
  });

  it("on x64-desktop (no DMA remapping) the same driver works: every frame back, no findings", () => {
    const r = run(opts(withE1000("x64-desktop")), nicPhysicalAddressScenario);
    expect(r.stats?.translated).toBe(false);
    expect(r.findings).toEqual([]);
    expect(r.stats?.received).toBe(96);
    expect(r.ok).toBe(true);
  });

  it("is deterministic per seed", () => {
    const a = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    const b = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    expect(b.stats).toEqual(a.stats);
    expect(b.findings?.map((f) => f.message)).toEqual(a.findings?.map((f) => f.message));
  });
});
