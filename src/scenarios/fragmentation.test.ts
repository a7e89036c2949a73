import { describe, expect, it } from "vitest";
import { parseProfile } from "../machine/profile.ts";
import { DEFAULT_SIZES_PAGES, fragmentationScenario, runFragmentationStudy, studyParams } from "./fragmentation.ts";

// A 1 GiB machine: aging it takes a fraction of a second, and it is large enough
// that some 2 MiB windows hold only movable pages (so compaction can work).
const small = parseProfile({
  name: "small-pc",
  arch: "x64",
  memory: [
    { base: 0, length: "636KiB", type: "ram" },
    { base: "636KiB", length: "388KiB", type: "reserved" },
    { base: "1MiB", length: "1023MiB", type: "ram" },
  ],
  devices: [{ name: "plx9656", bus: "pci", model: "plx9656", irq: 16 }],
});

describe("fragmentation study", () => {
  it("measures sizes 4 KiB..2 MiB at four uptimes up to --uptime (default 30 s), three trials each", () => {
    const p = studyParams({ uptimeSeconds: 0 });
    expect(p.sizesPages).toEqual(DEFAULT_SIZES_PAGES);
    expect(p.sizesPages[0]).toBe(1);
    expect(p.sizesPages[p.sizesPages.length - 1]).toBe(512);
    expect(p.uptimesSeconds).toEqual([0, 7.5, 15, 30]);
    expect(p.trials).toBe(3);
    expect(studyParams({ uptimeSeconds: 3600 }).uptimesSeconds).toEqual([0, 900, 1800, 3600]);
  });

  it("params override the defaults; an unknown or malformed param is a RangeError naming it", () => {
    expect(studyParams({ uptimeSeconds: 0, params: { sizesPages: [4, 1], trials: 2 } })).toMatchObject({ sizesPages: [1, 4], trials: 2 });
    expect(() => studyParams({ uptimeSeconds: 0, params: { sizes: [1] } })).toThrow('unknown param "sizes"');
    expect(() => studyParams({ uptimeSeconds: 0, params: { trials: 0 } })).toThrow("params.trials");
    expect(() => studyParams({ uptimeSeconds: 0, params: { sizesPages: [1.5] } })).toThrow("params.sizesPages");
    expect(() => studyParams({ uptimeSeconds: 0, params: { sizesPages: "1" } })).toThrow("params.sizesPages");
  });

  // One trial per uptime: the measurement is taken exactly at each uptime (later trials age the machine further).
  const result = runFragmentationStudy({ profile: small, seed: 3, uptimeSeconds: 30, verifier: "off", params: { trials: 1 } });
  const rows = result.tables?.["successRates"] ?? [];
  const rate = (uptime: number, irql: string, request: string, pages: number): unknown => rows.find((r) => r["uptimeSeconds"] === uptime && r["irql"] === irql && r["request"] === request && r["sizeBytes"] === pages * 4096)?.["rate"];

  it("counts every HalAllocateCommonBuffer call by IRQL and request size (allocationCounts), consistent with the success table", () => {
    const counts = result.tables?.["allocationCounts"] ?? [];
    const at = (irql: string, bytes: number): Record<string, unknown> | undefined => counts.find((r) => r["irql"] === irql && r["sizeBytes"] === bytes);
    // One request per size per uptime (1 trial, 4 uptimes) at each IRQL; the 4 KiB row also holds the one-page requests.
    expect(at("DISPATCH_LEVEL", 512 * 4096)?.["calls"]).toBe(4);
    const oneRequest2M = rows.filter((r) => r["irql"] === "DISPATCH_LEVEL" && r["request"] === "one request" && r["sizeBytes"] === 512 * 4096);
    expect(at("DISPATCH_LEVEL", 512 * 4096)?.["succeeded"]).toBe(oneRequest2M.reduce((n, r) => n + (r["successes"] as number), 0));
    for (const r of counts) expect((r["succeeded"] as number) + (r["failed"] as number)).toBe(r["calls"]);
    expect((at("PASSIVE_LEVEL", 4096)?.["calls"] as number) > 4).toBe(true);
    expect(result.summary.some((l) => /^\d+ HalAllocateCommonBuffer calls \(\d+ succeeded\)/.test(l))).toBe(true);
  });

  it("has one row per size x uptime x IRQL x request style", () => {
    expect(rows).toHaveLength(10 * 4 * 2 * 2);
    expect(result.ok).toBe(true);
    expect(result.machine?.profile.name).toBe("small-pc");
  });

  it("on a fresh boot every size succeeds, at PASSIVE_LEVEL and at DISPATCH_LEVEL, as one request or many one-page requests", () => {
    for (const irql of ["PASSIVE_LEVEL", "DISPATCH_LEVEL"]) for (const req of ["one request", "one-page requests"]) expect(rate(0, irql, req, 512)).toBe(1);
  });

  it("after uptime, a 2 MiB request at DISPATCH_LEVEL fails (free runs only) while one-page requests still succeed", () => {
    expect(rate(30, "DISPATCH_LEVEL", "one request", 512)).toBe(0);
    expect(rate(30, "DISPATCH_LEVEL", "one-page requests", 1)).toBe(1);
    expect(rate(30, "DISPATCH_LEVEL", "one-page requests", 512)).toBe(1);
  });

  it("after uptime, PASSIVE_LEVEL still gets 2 MiB by compaction (moving movable pages), which DISPATCH_LEVEL may not do", () => {
    expect(rate(30, "PASSIVE_LEVEL", "one request", 512)).toBe(1);
    expect(result.stats?.["compactions"]).toBeGreaterThan(0);
  });

  it("a profile without a PCI device cannot run the study (RangeError naming the profile)", () => {
    const noPci = parseProfile({ name: "bare", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }] });
    expect(() => runFragmentationStudy({ profile: noPci, seed: 1, uptimeSeconds: 0, verifier: "off" })).toThrow("profile bare has no PCI device");
  });

  it("checkParams rejects bad settings before anything runs (the command turns that into exit 2)", () => {
    expect(() => fragmentationScenario.checkParams({ uptimeSeconds: 0, params: { trials: 0 } })).toThrow(RangeError);
    expect(() => fragmentationScenario.checkParams({ uptimeSeconds: 0, params: { trials: 2 } })).not.toThrow();
  });

  it("is registered as the built-in scenario 'fragmentation' on x64-desktop by default", () => {
    expect(fragmentationScenario.name).toBe("fragmentation");
    expect(fragmentationScenario.defaultProfile).toBe("x64-desktop");
  });
});
