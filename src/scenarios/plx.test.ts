import { builtinProfile } from "../machine/builtin-profiles.ts";
import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { removeDevice } from "../kernel/pnp.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { WdfCommonBufferGetAlignedLogicalAddress } from "../wdf/common-buffer.ts";
import { WdfDmaEnablerGetMaximumScatterGatherElements } from "../wdf/dma-enabler.ts";
import { loadPlxDriver, type PlxDriver, transferElementsFor } from "./plx-driver.ts";
import { attachPlx9656, bootPlx, PLX_DEFAULTS, plxScenario, writeReadBack } from "./plx.ts";
import { CacheMemorySystem } from "../machine/cache.ts";
import { plxRingAbove4gScenario } from "./plx-ring-above-4g.ts";
import type { ScenarioResult } from "./scenario.ts";

function run(profile: string, params: Record<string, unknown> = {}): ScenarioResult {
  return plxScenario.run({ profile, seed: 7, uptimeSeconds: 0, verifier: "collect", params: { transfers: 24, ...params } }) as ScenarioResult;
}

describe("plx scenario (PLX9x5x-style KMDF driver, write then read back)", () => {
  for (const profile of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
    it(`on ${profile} every byte of every random buffer reads back, with the verifier on and no findings`, () => {
      const r = run(profile);
      expect(r.findings).toEqual([]);
      expect(r.stats?.mismatches).toBe(0);
      expect(r.stats?.failures).toBe(0);
      expect(r.ok).toBe(true);
    });
  }

  it("on arm64-soc with a write-back cache model (non-coherent PLX, speculative refills) the HAL's cache maintenance keeps every byte right", () => {
    const { k, drv, verifier } = bootPlx({ profile: "arm64-soc", seed: 3, uptimeSeconds: 0, verifier: "collect" }, PLX_DEFAULTS, { memorySystem: (m) => new CacheMemorySystem(m, { refill: "page" }) });
    expect(typeof drv).not.toBe("number");
    const o = writeReadBack(k, drv as PlxDriver, 16, 32768, new Prng(9));
    expect(o.mismatches).toBe(0);
    expect(verifier?.findings).toEqual([]);
  });

  it("the driver's rings are 3 transfer elements (96 bytes), 16-byte aligned, and the enabler allows 3 scatter/gather elements", () => {
    const k = bootMachine("x64-desktop");
    const drv = loadPlxDriver(k, "plx9656") as PlxDriver;
    expect(transferElementsFor(8192)).toBe(3);
    expect(drv.ext.readCommonBuffer?.length).toBe(96);
    expect(drv.ext.readCommonBuffer?.alignment).toBe(0xf);
    expect(Number(WdfCommonBufferGetAlignedLogicalAddress(drv.ext.writeCommonBuffer as NonNullable<typeof drv.ext.writeCommonBuffer>).QuadPart) % 16).toBe(0);
    expect(WdfDmaEnablerGetMaximumScatterGatherElements(drv.ext.dmaEnabler as NonNullable<typeof drv.ext.dmaEnabler>)).toBe(3);
  });

  it("requests larger than 8 KiB go out as several fragments, each an interrupt and a DPC", () => {
    const k = bootMachine("x64-desktop");
    const plx = attachPlx9656(k);
    const drv = loadPlxDriver(k, "plx9656") as PlxDriver;
    const o = writeReadBack(k, drv, 1, 20000, new Prng(3));
    expect(o.mismatches).toBe(0);
    expect(plx.elements).toBeGreaterThanOrEqual(2);
    expect(drv.ext.dpcs).toBeGreaterThanOrEqual(2);
    expect(drv.ext.interrupts).toBe(drv.ext.dpcs);
  });

  it("the sample as shipped (rings from the 64-bit enabler) works on x64-desktop while its rings happen to land below 4 GiB", () => {
    const r = run("x64-desktop", { ringsFrom: "transfer-enabler", transfers: 8 });
    expect(r.ok).toBe(true);
  });

  it("without DAC chain load (the sample leaves DMAMODE bit 18 clear) data above 4 GiB is moved at its low 32 bits: bytes differ and the verifier reports truncated addresses", () => {
    const r = run("x64-desktop", { transfers: 8, dacChainLoad: false });
    expect(r.ok).toBe(false);
    expect(r.stats?.mismatches as number).toBeGreaterThan(0);
    expect(r.findings?.[0]?.code).toBe("DMA_OUTSIDE_BUFFER");
  });

  it("removing the device frees both rings and releases every adapter with no finding", () => {
    const k = bootMachine("x64-iommu");
    const v = installVerifier(k, { mode: "collect" });
    const drv = loadPlxDriver(k, "plx9656") as PlxDriver;
    writeReadBack(k, drv, 2, 9000, new Prng(5));
    drv.app.CloseHandle(drv.handle);
    expect(removeDevice(k, drv.pdo).IoStatus.Status).toBe(0);
    expect(drv.ext.regs).toBe(0);
    expect(drv.device.state).toBe("destroyed");
    expect(drv.ext.readCommonBuffer?.state).toBe("destroyed");
    expect(drv.ext.dmaEnabler?.state).toBe("destroyed");
    expect(v.findings).toEqual([]);
  });

  it("the same seed gives the same run (addresses, counts, simulated time)", () => {
    const a = run("x64-iommu", { transfers: 6 });
    const b = run("x64-iommu", { transfers: 6 });
    expect(b.stats).toEqual(a.stats);
    expect(b.tables).toEqual(a.tables);
  });

  it("rejects unknown or out-of-range params with a RangeError naming them", () => {
    expect(() => run("x64-desktop", { bogus: 1 })).toThrow(/bogus/);
    expect(() => run("x64-desktop", { transfers: 0 })).toThrow(/transfers/);
    expect(() => run("x64-desktop", { ringsFrom: "somewhere" })).toThrow(/ringsFrom/);
  });
});

describe("plx-ring-above-4g scenario (the 28-bit descriptor pointer truncates)", () => {
  it("on x64-desktop the ring is above 4 GiB, the chip fetches from its LowPart, and the verifier reports a device access outside any buffer", () => {
    const r = plxRingAbove4gScenario.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect" }) as ScenarioResult;
    expect(r.ok).toBe(true);
    expect(r.stats?.ringLogical as number).toBeGreaterThanOrEqual(2 ** 32);
    expect(r.stats?.firstFetch).toBe(r.stats?.ringLowPart);
    expect(r.stats?.mismatches).toBe(1);
    expect(r.findings?.[0]?.code).toBe("DMA_OUTSIDE_BUFFER");
  });

  it("refuses a profile with an IOMMU: the HAL's logical allocator gives the rings low logical addresses there", () => {
    expect(() => plxRingAbove4gScenario.checkParams?.({ uptimeSeconds: 0, profile: builtinProfile("x64-iommu") })).toThrow("plx-ring-above-4g needs a profile without an IOMMU; x64-iommu has one");
    expect(() => plxRingAbove4gScenario.checkParams?.({ uptimeSeconds: 0, profile: builtinProfile("x64-desktop") })).not.toThrow();
  });

  it("with the verifier in bug-check mode the machine stops at the first wrong fetch", () => {
    const r = plxRingAbove4gScenario.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "bugcheck" }) as ScenarioResult;
    expect(r.ok).toBe(true);
    expect(r.stats?.stopped).toBe(true);
  });
});

describe("the PLX driver finds and maps its registers as PLxPrepareHardware does", () => {
  it("it maps BAR0 (the 0x200-byte memory resource) from the translated resources and reaches the chip only through it", () => {
    const k = bootMachine("x64-desktop");
    const drv = loadPlxDriver(k, "plx9656") as PlxDriver;
    const bar0 = k.board.device("plx9656").bars[0];
    expect(k.va.physicalAddressOf(drv.ext.regs)).toBe(bar0?.base);
    expect(k.va.find(drv.ext.regs)).toMatchObject({ io: true, cache: "noncached", tag: "MmMapIoSpaceEx" });
  });

  it("a profile whose PLX has no BAR0 of the right size fails the start with STATUS_DEVICE_CONFIGURATION_ERROR", () => {
    const p = builtinProfile("x64-desktop");
    const k = bootMachine({ ...p, devices: p.devices.map((d) => (d.name === "plx9656" ? { ...d, model: "generic" } : d)) });
    expect(loadPlxDriver(k, "plx9656")).toBe(0xc0000182);
  });
});
