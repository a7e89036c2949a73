import { describe, expect, it } from "vitest";
import { commonBufferWalkthroughScenario as s } from "./common-buffer-walkthrough.ts";

const run = (profile: string) => s.run({ profile, seed: 1, uptimeSeconds: 0, verifier: "collect" }) as Awaited<ReturnType<typeof s.run>>;

describe("common-buffer-walkthrough scenario", () => {
  it("on x64-desktop: logical = physical, contiguous, cached; everything freed with no findings", () => {
    const r = run("x64-desktop");
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.tables?.commonBuffers?.map((b) => [b.buffer, b.length, b.pages, b.physicallyContiguous])).toEqual([
      ["A", 5000, 2, true],
      ["B", 65536, 16, true],
      ["C", 4096, 1, true],
    ]);
    const rows = r.tables?.pages ?? [];
    expect(rows).toHaveLength(2 + 16 + 1);
    for (const row of rows) expect(row.logical).toBe(row.physical);
    expect(rows.filter((x) => x.buffer === "A").map((x) => x.callerBytes)).toEqual([4096, 904]);
    expect(rows.find((x) => x.buffer === "A")?.cache).toBe("cached");
    expect(rows.find((x) => x.buffer === "C")?.cache).toBe("noncached");
    expect(r.summary.join("\n")).toMatch(/ignores CacheEnabled/);
  });

  it("on x64-1tib after 1 s of uptime: the 32-bit device still gets its buffers below 4 GiB (the boot-time pool sits in the largest range)", { timeout: 300_000 }, () => {
    const r = s.run({ profile: "x64-1tib", seed: 1, uptimeSeconds: 1, verifier: "off" }) as Awaited<ReturnType<typeof s.run>>;
    expect(r.ok).toBe(true);
    const rows = r.tables?.pages ?? [];
    expect(rows.length).toBe(2 + 16 + 1);
    for (const row of rows) expect(Number(row.logical)).toBeLessThan(2 ** 32);
  });

  it("on x64-iommu: logical differs from physical and the multi-page buffer is physically scattered", () => {
    const r = run("x64-iommu");
    expect(r.ok).toBe(true);
    const rows = r.tables?.pages ?? [];
    for (const row of rows) expect(row.logical).not.toBe(row.physical);
    expect(r.tables?.commonBuffers?.find((b) => b.buffer === "B")?.physicallyContiguous).toBe(false);
    expect(r.summary.join("\n")).toMatch(/physically scattered, logically contiguous/);
    expect(r.summary.join("\n")).toMatch(/faults in the IOMMU/);
    // The one finding is the walkthrough's deliberate use of the physical address.
    expect(r.findings?.map((f) => f.bugCheck?.[1])).toEqual([0x26]);
  });

  it("on arm64-soc: the _CCA 0 device gets uncached Device memory even with CacheEnabled TRUE", () => {
    const r = run("arm64-soc");
    expect(r.ok).toBe(true);
    for (const row of r.tables?.pages ?? []) expect(row).toMatchObject({ cache: "noncached", deviceMemory: true });
    expect(r.summary.join("\n")).toMatch(/_CCA 0/);
  });

  it("with the verifier in bugcheck mode its deliberate use of the physical address under the IOMMU stops the machine (0xE6 / 0x26)", () => {
    expect(() => s.run({ profile: "x64-iommu", seed: 1, uptimeSeconds: 0, verifier: "bugcheck" })).toThrow(/STOP: 0xE6 \(0x26,/);
    const r = s.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "bugcheck" }) as Awaited<ReturnType<typeof s.run>>;
    expect([r.ok, r.findings]).toEqual([true, []]);
  });

  it("on x64-server it runs with another device chosen by params.device", () => {
    const r = s.run({ profile: "x64-server", seed: 2, uptimeSeconds: 0, verifier: "collect", params: { device: "nic1" } }) as Awaited<ReturnType<typeof s.run>>;
    expect(r.ok).toBe(true);
    expect(r.summary[0]).toMatch(/adapter for nic1/);
  });

  it("rejects an unknown param or device", () => {
    expect(() => s.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "off", params: { colour: 1 } })).toThrow(/unknown param "colour"/);
    expect(() => s.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "off", params: { device: "nope" } })).toThrow(/no device "nope"/);
  });
});
