/**
 * The `nic-pnp` scenarios: the KMDF e1000 driver's whole life, driven by an
 * application (WriteFile sends a frame, posted ReadFiles receive the
 * loopback) and by the PnP manager at chosen simulated times, every frame
 * checked byte for byte and in order:
 *
 *   start -> `frames` frames looped back
 *         -> `frames` more, with a rebalance `stopAtNs` into them (query-stop
 *            and stop, the start `stoppedNs` later): EvtIoStop keeps the
 *            writes the driver holds, EvtDeviceD0Exit turns the units off,
 *            completes what the chip sent, hands what it received to the
 *            pending reads and resets the chip; after the restart the
 *            dropped writes go out first, once the link is back
 *         -> `frames` more
 *         -> `frames` more, the card pulled out `removeAtNs` into them: the
 *            writes the driver holds and the reads outstanding complete
 *            with STATUS_DEVICE_REMOVED (a write the queue had not yet
 *            presented is cancelled by the framework's purge); a later
 *            write is refused; CloseHandle; IRP_MN_REMOVE_DEVICE.
 *
 * The broken drivers (nic-device.ts's NicBug), each ok when it shows its bug:
 * - nic-pnp-no-io-stop: no EvtIoStop, no EvtDeviceSurpriseRemoval. The stop
 *   still works (the framework waits for the chip to finish the writes), but
 *   after the surprise removal nothing will ever complete the writes the
 *   driver holds: WDF_REQUEST_NOT_COMPLETED, and the application's writes
 *   never complete.
 * - nic-pnp-d0-exit-leaves-dma: EvtDeviceD0Exit turns the transmit unit off
 *   but leaves the receive unit on and does not reset the chip: while the
 *   device is stopped the frames still on the wire land in the RX ring
 *   (WDF_DMA_AFTER_D0_EXIT, naming the common buffer). The restart resets
 *   the chip and sends the held writes again, so the application sees
 *   nothing wrong: only the verifier shows it.
 *
 * Params: frames (48 per phase), stopAtNs (40000), stoppedNs (100000),
 * removeAtNs (40000), device (the profile's first e1000).
 */
import { type HANDLE, IoHangError } from "../app/application.ts";
import type { Finding } from "../core/findings.ts";
import { NT_SUCCESS, type NTSTATUS, STATUS, statusName } from "../core/ntstatus.ts";
import { Prng } from "../core/prng.ts";
import { liveCommonBuffers } from "../hal/hal-state.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import { bootScenario } from "./boot.ts";
import { e1000DeviceOf, loopbackFrames, type NicApp, type NicRunOutcome, openNic } from "./nic.ts";
import type { NicBug } from "./nic-device.ts";
import { loadNicDriver, type NicAdapter } from "./nic-driver.ts";
import { needDevice } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The NIC PnP scenarios' settings. */
export interface NicPnpParams {
  /** Frames per phase (four phases). */
  readonly frames: number;
  /** How far into the second phase's traffic the rebalance comes (simulated ns). */
  readonly stopAtNs: number;
  /** How long the device stays stopped before the PnP manager starts it again. */
  readonly stoppedNs: number;
  /** How far into the last phase's traffic the card is pulled out. */
  readonly removeAtNs: number;
  /** The e1000 to drive (default: the profile's first). */
  readonly device: string | null;
}

/** The defaults of {@link NicPnpParams}. */
export const NIC_PNP_DEFAULTS: NicPnpParams = { frames: 48, stopAtNs: 40_000, stoppedNs: 100_000, removeAtNs: 40_000, device: null };

/** Params with defaults; RangeError naming a bad one. */
export function nicPnpParams(name: string, params: Readonly<Record<string, unknown>> = {}): NicPnpParams {
  const known = Object.keys(NIC_PNP_DEFAULTS);
  for (const key of Object.keys(params)) if (!known.includes(key)) throw new RangeError(`${name}: unknown param "${key}" (known: ${known.join(", ")})`);
  const num = (key: "frames" | "stopAtNs" | "stoppedNs" | "removeAtNs", min: number, max: number): number => {
    const v = params[key];
    if (v === undefined) return NIC_PNP_DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name}: params.${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const device = params["device"] ?? null;
  if (device !== null && typeof device !== "string") throw new RangeError(`${name}: params.device must be a device name, got ${JSON.stringify(device)}`);
  return { frames: num("frames", 1, 100_000), stopAtNs: num("stopAtNs", 1, 1e9), stoppedNs: num("stoppedNs", 0, 1e9), removeAtNs: num("removeAtNs", 1, 1e9), device };
}


/** The application's writes outstanding in the driver right now (sent, not completed). */
function outstanding(a: NicAdapter): number {
  return a.txInFlight + a.waitingForLink.length;
}

/** A phase's frames all came back, byte for byte, in order. */
function exact(o: NicRunOutcome): boolean {
  return o.failures.length === 0 && o.mismatches === 0 && o.received === o.sent && Object.keys(o.writeStatuses).length === 0 && Object.keys(o.readStatuses).length === 0;
}

/** One more write after the removal: it must be refused (null when it never completes). */
function writeAfter(k: Kernel, nic: NicApp, handle: HANDLE): NTSTATUS | null {
  const buf = nic.app.allocate(64);
  const o = nic.app.WriteFileOverlapped(handle, buf, 64);
  if (!k.clock.runUntilDone(() => o.done, k.clock.now + 1_000_000)) return null;
  buf.free();
  try {
    return o.wait().status;
  } catch (e) {
    if (e instanceof IoHangError) return null;
    throw e;
  }
}

/** What a nic-pnp run returns: the scenario result and its figures. */
export interface NicPnpOutcome extends ScenarioResult {
  readonly stats: Readonly<Record<string, number | string | boolean>>;
}

function run(name: string, bug: NicBug, opts: ScenarioOptions): NicPnpOutcome {
  const p = nicPnpParams(name, opts.params);
  const { k, verifier } = bootScenario(name, opts);
  const findings = (): readonly Finding[] => verifier?.findings ?? [];
  const fail = (line: string): NicPnpOutcome => ({ ok: false, summary: [line], stats: {}, findings: findings(), machine: k });
  const device = e1000DeviceOf(k, p.device);
  if (device === null) return fail(`profile ${k.profile.name} has no e1000 device (a device with "model": "e1000")`);
  const drv = loadNicDriver(k, device, { bug });
  if (typeof drv === "number") return fail(`AddDevice failed: ${statusName(drv)}`);
  const a = drv.adapter;
  const st = startDevice(k, drv.pdo).IoStatus.Status;
  if (!NT_SUCCESS(st)) return fail(`the device failed to start: ${statusName(st)}`);
  if (!k.clock.runUntilDone(() => a.linkUp, k.clock.now + 10_000_000)) return fail("the link never came up");
  const mappingsAtStart = k.va.mappingCount;
  const nic = openNic(k, device, a.mac);
  const prng = new Prng(`${name}-frames:${opts.seed}`);
  const traffic = (event?: { afterNs: number; action: () => void }): NicRunOutcome => loopbackFrames(k, nic, p.frames, prng, { reads: 32, window: 32, ...(event === undefined ? {} : { event }) });
  let stopStatus: NTSTATUS = STATUS.SUCCESS;
  let restartStatus: NTSTATUS = STATUS.SUCCESS;
  let heldAtStop = 0;
  let heldAtRemoval = 0;
  // A verifier in bugcheck mode stops the run at its first finding: the BugCheckError goes on to the runner.
  const before = traffic();
  const aroundStop = traffic({
    afterNs: p.stopAtNs,
    action: () => {
      heldAtStop = outstanding(a);
      stopStatus = stopDevice(k, drv.pdo).IoStatus.Status;
      k.clock.runUntil(k.clock.now + p.stoppedNs);
      if (NT_SUCCESS(stopStatus)) restartStatus = startDevice(k, drv.pdo).IoStatus.Status;
    },
  });
  const after = traffic();
  const removal = traffic({
    afterNs: p.removeAtNs,
    action: () => {
      heldAtRemoval = outstanding(a);
      surpriseRemoveDevice(k, drv.pdo);
    },
  });
  const phases = [before, aroundStop, after, removal];
  const later = writeAfter(k, nic, nic.handle);
  nic.app.CloseHandle(nic.handle);
  removeDevice(k, drv.pdo);
  const buffersLeft = liveCommonBuffers(k).length;
  const unmapped = a.regs === 0;
  const deleted = a.device.state === "destroyed";
  const fs = findings();
  const codes = new Set(fs.map((f) => f.code));
  const cleanTraffic = exact(before) && exact(aroundStop) && exact(after);
  const rebalanced = stopStatus === STATUS.SUCCESS && restartStatus === STATUS.SUCCESS;
  const removedName = statusName(STATUS.DEVICE_REMOVED);
  const removedWrites = removal.writeStatuses[removedName] ?? 0;
  const removedReads = removal.readStatuses[removedName] ?? 0;
  // The writes the driver held end with STATUS_DEVICE_REMOVED; one the queue had not presented yet is cancelled by the framework's purge.
  const cancelledName = statusName(STATUS.CANCELLED);
  const removedRight = removedWrites > 0 && removedReads > 0 && Object.keys(removal.writeStatuses).every((n) => n === removedName || n === cancelledName) && Object.keys(removal.readStatuses).length === 1 && later !== null && later !== STATUS.SUCCESS;
  const released = buffersLeft === 0 && unmapped && deleted && k.va.mappingCount <= mappingsAtStart;
  let ok: boolean;
  if (bug === "none") ok = cleanTraffic && rebalanced && removedRight && released && heldAtStop > 0 && heldAtRemoval > 0 && fs.length === 0;
  // Without a verifier the hang still shows: the writes held at the removal never complete.
  else if (bug === "no-io-stop") ok = cleanTraffic && rebalanced && removedWrites === 0 && removal.failures.length > 0 && (verifier === null || codes.has("WDF_REQUEST_NOT_COMPLETED"));
  // Only the verifier sees the chip working while out of D0.
  else ok = rebalanced && (verifier === null || codes.has("WDF_DMA_AFTER_D0_EXIT"));
  const statuses = (m: Readonly<Record<string, number>>): string =>
    Object.keys(m).length === 0
      ? "none failed"
      : Object.entries(m)
          .map(([s, n]) => `${n} ${s}`)
          .join(", ");
  const phaseRow = (label: string, pnp: string, o: NicRunOutcome): Row => ({ phase: label, pnp, sent: o.sent, received: o.received, mismatches: o.mismatches, writes: statuses(o.writeStatuses), reads: statuses(o.readStatuses), exact: exact(o) });
  const phaseLine = (label: string, o: NicRunOutcome): string => (`${label}: ${o.sent} frames sent, ${o.received} back${o.mismatches === 0 ? "" : `, ${o.mismatches} differ`}; writes ${statuses(o.writeStatuses)}, reads ${statuses(o.readStatuses)}${o.failures.length === 0 ? "" : `; ${o.failures[0] ?? ""}`}`);
  return {
    ok,
    summary: [
      phaseLine("before the stop", before),
      phaseLine(`a rebalance ${p.stopAtNs} ns in (${heldAtStop} writes held, stop ${statusName(stopStatus)}, restart ${statusName(restartStatus)} ${p.stoppedNs} ns later)`, aroundStop),
      phaseLine("after the restart", after),
      phaseLine(`a surprise removal ${p.removeAtNs} ns in (${heldAtRemoval} writes held)`, removal),
      `a write after the removal: ${later === null ? "never completed" : statusName(later)}; ${a.resent} writes sent again after the reset, ${a.rxDrainedAtD0Exit} frames handed to reads by EvtDeviceD0Exit; after the removal ${buffersLeft} common buffers, BAR0 ${unmapped ? "unmapped" : "STILL MAPPED"}, device ${deleted ? "deleted" : "NOT deleted"}`,
      `verifier (${opts.verifier}): ${fs.length} finding${fs.length === 1 ? "" : "s"}${fs[0] === undefined ? "" : `, first ${fs[0].code}: ${fs[0].message}`}`,
    ],
    tables: {
      phases: [phaseRow("before", "", before), phaseRow("around the stop", `rebalance ${p.stopAtNs} ns in`, aroundStop), phaseRow("after", "", after), phaseRow("at the removal", `surprise removal ${p.removeAtNs} ns in`, removal)],
    },
    stats: {
      frames: phases.reduce((n, o) => n + o.sent, 0),
      mismatches: phases.reduce((n, o) => n + o.mismatches, 0),
      exactPhases: phases.filter(exact).length,
      heldAtStop,
      heldAtRemoval,
      rebalance: `${statusName(stopStatus)}/${statusName(restartStatus)}`,
      resent: a.resent,
      drainedAtD0Exit: a.rxDrainedAtD0Exit,
      removedWrites,
      removedReads,
      afterRemoval: later === null ? "never completed" : statusName(later),
      commonBuffersLeft: buffersLeft,
      unmapped,
      deleted,
    },
    findings: fs,
    machine: k,
  };
}

function scenario(name: string, bug: NicBug, description: string): Scenario {
  return {
    name,
    description,
    defaultProfile: "x64-desktop",
    run: (opts) => run(name, bug, opts),
    checkParams: (s) => {
      const p = nicPnpParams(name, s.params);
      if (s.profile !== undefined) needDevice(name, s.profile, "e1000", p.device);
    },
  };
}

/** "nic-pnp": frames looped back through a rebalance and a surprise removal in the middle of traffic; every byte checked. */
export const nicPnpScenario = scenario(
  "nic-pnp",
  "none",
  "The KMDF e1000 driver driven by an application and the PnP manager: frames looped back, a rebalance in the middle of traffic (held writes sent again after the restart), more frames, a surprise removal in the middle of traffic (STATUS_DEVICE_REMOVED), removal; frames sent from the application's pages by DMA transactions from the write requests; every byte checked",
);
/** "nic-pnp-no-io-stop": no EvtIoStop or EvtDeviceSurpriseRemoval: WDF_REQUEST_NOT_COMPLETED after the surprise removal. */
export const nicPnpNoIoStopScenario = scenario(
  "nic-pnp-no-io-stop",
  "no-io-stop",
  "An e1000 driver without EvtIoStop or EvtDeviceSurpriseRemoval: the rebalance works, but after a surprise removal in the middle of traffic the framework waits forever for the writes the driver holds (WDF_REQUEST_NOT_COMPLETED)",
);
/** "nic-pnp-d0-exit-leaves-dma": D0Exit leaves the receive unit on (WDF_DMA_AFTER_D0_EXIT). */
export const nicPnpD0ExitLeavesDmaScenario = scenario(
  "nic-pnp-d0-exit-leaves-dma",
  "d0-exit-leaves-dma",
  "An e1000 driver whose EvtDeviceD0Exit leaves the receive unit on: while the device is stopped the frames still on the wire land in its RX ring (WDF_DMA_AFTER_D0_EXIT)",
);
