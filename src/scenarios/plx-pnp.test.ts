import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { plxPnpD0ExitLeavesDmaScenario, plxPnpDoubleCompleteScenario, plxPnpNoIoStopScenario, plxPnpParams, plxPnpScenario, type PlxPnpOutcome } from "./plx-pnp.ts";
import type { Scenario } from "./scenario.ts";

function run(s: Scenario, profile = "x64-desktop", params: Record<string, unknown> = {}, verifier: "off" | "collect" = "collect"): PlxPnpOutcome {
  return s.run({ profile, seed: 4, uptimeSeconds: 0, verifier, params: { transfers: 4, ...params } }) as PlxPnpOutcome;
}

describe("plx-pnp: I/O, a rebalance in the middle of a write and of a read, I/O, a surprise removal in the middle of I/O", () => {
  for (const profile of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
    it(`on ${profile}: the stopped requests are requeued and redone whole, the removed ones complete with STATUS_DEVICE_REMOVED, nothing is left, zero findings`, () => {
      const r = run(plxPnpScenario, profile);
      expect(r.findings).toEqual([]);
      expect(r.stats).toMatchObject({ mismatches: 0, stopsInFlight: 2, stopsExact: 2, requeued: 2, aborted: 2, prepares: 3, commonBuffersLeft: 0, unmapped: true, deleted: true });
      expect(String(r.stats["removalWrite"])).toMatch(/^STATUS_DEVICE_REMOVED/);
      expect(String(r.stats["removalRead"])).toMatch(/^STATUS_DEVICE_REMOVED/);
      // A purged queue refuses what comes after the removal.
      expect(String(r.stats["afterRemoval"])).toMatch(/^STATUS_INVALID_DEVICE_STATE/);
      expect(r.ok).toBe(true);
    });
  }

  it("a stop that comes after the transfer finished requeues nothing (nothing in flight) and the run is still clean but not the one asked for", () => {
    // 1 ms is far past a 32 KiB transfer (about 70 us at 528 MB/s).
    const r = run(plxPnpScenario, "x64-desktop", { stopAtNs: 1_000_000 });
    expect(r.stats).toMatchObject({ stopsInFlight: 0, requeued: 0, aborted: 0, mismatches: 0, stopsExact: 2 });
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(false);
  });

  it("the sample as shipped (no EvtIoStop): stops still work, but after the surprise removal the framework waits forever (WDF_REQUEST_NOT_COMPLETED) and the application's requests never complete", () => {
    const r = run(plxPnpNoIoStopScenario);
    expect(r.stats).toMatchObject({ mismatches: 0, stopsExact: 2, requeued: 0, removalWrite: "never completed", removalRead: "never completed" });
    expect([...new Set((r.findings ?? []).map((f) => f.code))]).toEqual(["WDF_REQUEST_NOT_COMPLETED"]);
    expect(r.ok).toBe(true);
    // Without the verifier the hang still shows in the application.
    const off = run(plxPnpNoIoStopScenario, "x64-desktop", {}, "off");
    expect(off.findings).toEqual([]);
    expect(off.ok).toBe(true);
  });

  it("a D0Exit that leaves the channel running: while the device is stopped the chip fetches its ring (WDF_DMA_AFTER_D0_EXIT, naming the ring) and moves the released transfer (DMA_USE_AFTER_FREE); the data still arrives", () => {
    const r = run(plxPnpD0ExitLeavesDmaScenario);
    const codes = (r.findings ?? []).map((f) => f.code);
    expect([...new Set(codes)].sort()).toEqual(["DMA_USE_AFTER_FREE", "WDF_DMA_AFTER_D0_EXIT"]);
    expect((r.findings ?? []).find((f) => f.code === "WDF_DMA_AFTER_D0_EXIT")?.message).toMatch(/WDFCOMMONBUFFER/);
    expect(r.stats).toMatchObject({ mismatches: 0, stopsExact: 2, requeued: 2, aborted: 0 });
    expect(r.ok).toBe(true);
    // With a stop too short for the chip to do anything while the device is out of D0, nothing is seen.
    const quick = run(plxPnpD0ExitLeavesDmaScenario, "x64-desktop", { stoppedNs: 0 });
    expect(quick.findings).toEqual([]);
  });

  it("a DPC that completes a write twice stops the machine: WDF_VIOLATION (0x10D) with P1 = 5 (a freed handle)", () => {
    let stop: unknown = null;
    try {
      run(plxPnpDoubleCompleteScenario);
    } catch (e) {
      stop = e;
    }
    expect(stop).toBeInstanceOf(BugCheckError);
    expect((stop as BugCheckError).code).toBe(0x10d);
    expect((stop as BugCheckError).params[0]).toBe(5);
  });

  it("params are checked: unknown names and values out of range are RangeErrors naming them", () => {
    expect(() => plxPnpParams("plx-pnp", { nope: 1 })).toThrow(/unknown param "nope"/);
    expect(() => plxPnpParams("plx-pnp", { maxLength: 100 })).toThrow(/maxLength/);
    expect(() => plxPnpParams("plx-pnp", { stopAtNs: 0.5 })).toThrow(/stopAtNs/);
    expect(plxPnpParams("plx-pnp", {})).toMatchObject({ transfers: 8, stopAtNs: 5000, stoppedNs: 100_000, removeAtNs: 5000 });
  });
});
