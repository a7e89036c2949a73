import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { Prng } from "../core/prng.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { pnpState, removeDevice, startDevice, stopDevice } from "../kernel/pnp.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { loopbackFrames, openNic } from "./nic.ts";
import { builtinScenario } from "./index.ts";
import type { NicBug } from "./nic-device.ts";
import { loadNicDriver } from "./nic-driver.ts";
import { nicPnpD0ExitLeavesDmaScenario, nicPnpNoIoStopScenario, nicPnpParams, nicPnpScenario, type NicPnpOutcome } from "./nic-pnp.ts";
import type { Scenario } from "./scenario.ts";

function run(s: Scenario, profile = "x64-desktop", params: Record<string, unknown> = {}, verifier: "off" | "collect" = "collect", seed = 4): NicPnpOutcome {
  return s.run({ profile, seed, uptimeSeconds: 0, verifier, params: { frames: 40, ...params } }) as NicPnpOutcome;
}

const codesOf = (r: NicPnpOutcome): string[] => [...new Set((r.findings ?? []).map((f) => f.code))].sort();

describe("nic-pnp: frames looped back, a rebalance in the middle of traffic, more frames, a surprise removal in the middle of traffic, removal", () => {
  for (const profile of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
    it(`on ${profile}: every frame around the rebalance comes back exact, the writes held at the removal and the posted reads complete with STATUS_DEVICE_REMOVED, nothing is left, zero findings`, () => {
      const r = run(nicPnpScenario, profile);
      expect(r.findings).toEqual([]);
      expect(r.stats).toMatchObject({ mismatches: 0, exactPhases: 3, commonBuffersLeft: 0, unmapped: true, deleted: true });
      expect(r.stats["heldAtStop"] as number).toBeGreaterThan(0);
      expect(r.stats["heldAtRemoval"] as number).toBeGreaterThan(0);
      expect(r.stats["removedWrites"] as number).toBeGreaterThan(0);
      expect(r.stats["removedReads"] as number).toBeGreaterThan(0);
      expect(String(r.stats["rebalance"])).toMatch(/^STATUS_SUCCESS .*\/STATUS_SUCCESS /);
      // A purged queue refuses what comes after the removal.
      expect(String(r.stats["afterRemoval"])).toMatch(/^STATUS_INVALID_DEVICE_STATE/);
      // Only writes still in the queue (not yet presented) end otherwise: cancelled by the framework's purge.
      const writes = r.tables?.phases?.[3]?.writes;
      expect(String(writes)).toMatch(/^\d+ STATUS_DEVICE_REMOVED \(0xC00002B6\)(, \d+ STATUS_CANCELLED \(0xC0000120\))?$/);
      expect(r.ok).toBe(true);
    });
  }

  it("EvtDeviceD0Exit completes what the chip sent, hands what it received to the pending reads, and the writes the reset dropped are sent again after the restart", () => {
    const r = run(nicPnpScenario);
    const resent = r.stats["resent"] as number;
    const drained = r.stats["drainedAtD0Exit"] as number;
    expect(resent).toBeGreaterThan(0);
    expect(drained).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(r.stats["heldAtStop"] as number);
    expect(r.tables?.phases?.map((p) => p.exact)).toEqual([true, true, true, false]);
  });

  it("a stop that comes after the traffic settled holds nothing: the run is clean but not the one asked for (not ok)", () => {
    // 50 ms is far past 40 frames on a 1 Gb/s wire.
    const r = run(nicPnpScenario, "x64-desktop", { stopAtNs: 50_000_000 });
    expect(r.stats).toMatchObject({ heldAtStop: 0, resent: 0, mismatches: 0 });
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(false);
  });

  it("is deterministic per seed and differs between seeds", () => {
    const a = run(nicPnpScenario);
    const b = run(nicPnpScenario);
    const c = run(nicPnpScenario, "x64-desktop", {}, "collect", 5);
    expect(b.stats).toEqual(a.stats);
    expect(b.tables).toEqual(a.tables);
    expect(c.summary).not.toEqual(a.summary);
  });

  it("a driver without EvtIoStop or EvtDeviceSurpriseRemoval: the rebalance still works, but after the surprise removal the held writes never complete and the framework reports exactly WDF_REQUEST_NOT_COMPLETED", () => {
    const r = run(nicPnpNoIoStopScenario);
    expect(codesOf(r)).toEqual(["WDF_REQUEST_NOT_COMPLETED"]);
    expect(r.stats).toMatchObject({ mismatches: 0, exactPhases: 3, resent: 0, removedWrites: 0 });
    expect((r.findings ?? [])[0]?.message).toMatch(/no EvtIoStop/);
    expect(r.ok).toBe(true);
    // Without the verifier the hang still shows in the application (the writes never complete).
    const off = run(nicPnpNoIoStopScenario, "x64-desktop", {}, "off");
    expect(off.findings).toEqual([]);
    expect(off.summary.join("\n")).toMatch(/did not come back/);
    expect(off.ok).toBe(true);
  });

  it("a D0Exit that leaves the receive unit on: while the device is stopped the frames still on the wire land in the RX ring (exactly WDF_DMA_AFTER_D0_EXIT, naming the common buffer); the application sees nothing wrong", () => {
    for (const profile of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
      const r = run(nicPnpD0ExitLeavesDmaScenario, profile);
      expect(codesOf(r), profile).toEqual(["WDF_DMA_AFTER_D0_EXIT"]);
      expect((r.findings ?? [])[0]?.message).toMatch(/WDFCOMMONBUFFER/);
      expect(r.stats).toMatchObject({ mismatches: 0, exactPhases: 3 });
      expect(r.ok).toBe(true);
    }
    // With no time out of D0 the chip does nothing while stopped, and nothing is seen.
    const quick = run(nicPnpD0ExitLeavesDmaScenario, "x64-desktop", { stoppedNs: 0 });
    expect(quick.findings).toEqual([]);
  });

  it("an application's random frames with the stop and the restart scheduled on the clock (PnP calls from clock events, the framework's waits nested in them): every frame back in order, zero findings", () => {
    const k = bootMachine("x64-iommu", { seed: 9 });
    const v = installVerifier(k, { mode: "collect" });
    const drv = loadNicDriver(k, "nic0");
    if (typeof drv === "number") throw new Error(`AddDevice failed: ${drv}`);
    expect(startDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    while (!drv.adapter.linkUp) k.clock.runUntil(k.clock.nextEventTime());
    const nic = openNic(k, "nic0", drv.adapter.mac);
    const states: string[] = [];
    k.clock.after(30_000, () => {
      expect(stopDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
      states.push(String(pnpState(k, drv.pdo)));
      k.clock.after(100_000, () => {
        expect(startDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
        states.push(String(pnpState(k, drv.pdo)));
      }, "the PnP manager restarts the NIC");
    }, "the PnP manager stops the NIC");
    const o = loopbackFrames(k, nic, 64, new Prng("clock-scheduled"), { reads: 32, window: 32 });
    expect(states).toEqual(["stopped", "started"]);
    expect(o).toMatchObject({ sent: 64, received: 64, mismatches: 0, failures: [] });
    expect(drv.adapter.resent).toBeGreaterThan(0);
    nic.app.CloseHandle(nic.handle);
    removeDevice(k, drv.pdo);
    expect(v.findings).toEqual([]);
  });

  it("the three are built-in scenarios (dmasim list / run)", () => {
    expect(builtinScenario("nic-pnp")).toBe(nicPnpScenario);
    expect(builtinScenario("nic-pnp-no-io-stop")).toBe(nicPnpNoIoStopScenario);
    expect(builtinScenario("nic-pnp-d0-exit-leaves-dma")).toBe(nicPnpD0ExitLeavesDmaScenario);
  });

  it("params are checked: unknown names and values out of range are RangeErrors naming them", () => {
    expect(() => nicPnpParams("nic-pnp", { nope: 1 })).toThrow(/unknown param "nope"/);
    expect(() => nicPnpParams("nic-pnp", { frames: 0 })).toThrow(/frames/);
    expect(() => nicPnpParams("nic-pnp", { stopAtNs: 0.5 })).toThrow(/stopAtNs/);
    expect(() => nicPnpParams("nic-pnp", { device: 3 })).toThrow(/params.device/);
    expect(nicPnpParams("nic-pnp", {})).toMatchObject({ frames: 48, stopAtNs: 40_000, stoppedNs: 100_000, removeAtNs: 40_000, device: null });
    expect(() => nicPnpScenario.checkParams?.({ params: { removeAtNs: -1 } } as never)).toThrow(/removeAtNs/);
  });

  it("the NIC driver refuses an unknown bug name", () => {
    const k = bootMachine("x64-desktop");
    expect(() => loadNicDriver(k, "nic0", { bug: "nope" as NicBug })).toThrow(/bug must be one of none, no-io-stop, d0-exit-leaves-dma/);
  });
});
