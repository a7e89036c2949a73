/**
 * The "sound-card-pnp" scenario: the WDM sound-card driver's whole life,
 * driven by an application and the PnP manager at chosen simulated times.
 *
 *   start -> WriteFile A (tone, `seconds` long)
 *         -> at restartAtMs into A: a resource rebalance (query-stop, stop,
 *            start): the driver pauses the card, releases every resource,
 *            claims them again and plays on from the byte the card reached
 *         -> A completes: STATUS_SUCCESS, all of A's bytes
 *         -> WriteFile B1 and B2 overlapped (a second tone, half each)
 *         -> at removeAtMs into B1: surprise removal (the card leaves the
 *            board): B1 completes with STATUS_DEVICE_REMOVED and the bytes
 *            the card played, B2 with STATUS_DEVICE_REMOVED and 0
 *         -> another WriteFile fails with STATUS_DEVICE_REMOVED, CreateFile
 *            with STATUS_DELETE_PENDING -> CloseHandle -> IRP_MN_REMOVE_DEVICE.
 *
 * Checked: the card played exactly A and then B1 up to the removal, byte for
 * byte; the driver holds nothing after the surprise removal and after the
 * removal; zero verifier findings.
 *
 * sound-card-pnp-leak: the same with a driver that, on the surprise removal
 * and the removal, stops the card and fails the writes but gives nothing
 * back: its common buffer and its adapter leak (DMA_COMMON_BUFFER_LEAKED,
 * DMA_ADAPTER_NOT_PUT at IRP_MN_REMOVE_DEVICE); the sound is still right.
 *
 * Params: those of sound-card (seconds defaults to 2 here, for each of A and
 * B), restartAtMs (700: into A) and removeAtMs (400: into B1).
 */
import type { Finding } from "../core/findings.ts";
import { statusName, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { encodeWav } from "../devices/wav.ts";
import { Application } from "../app/application.ts";
import { rebalanceDevice, removeDevice, startDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import type { Row, Scenario, ScenarioOptions } from "./scenario.ts";
import { bootSoundCard, checkSoundCardSettings, heldBySoundDriver, sameBytes, type SoundCardParams, soundCardParams, type SoundCardResult, toneSource, waitWithProgress } from "./sound-card.ts";
import { soundPnpState } from "./sound-card-wdm.ts";

/** The sound-card PnP scenarios' settings: the sound-card ones and when the PnP events come. */
export interface SoundPnpParams extends SoundCardParams {
  readonly restartAtMs: number;
  readonly removeAtMs: number;
}

/** Params with defaults; RangeError naming a bad one (the PnP times must fall inside the writes they interrupt). */
export function soundPnpParams(params: Readonly<Record<string, unknown>> = {}, scenario = "sound-card-pnp"): SoundPnpParams {
  const { restartAtMs, removeAtMs, ...rest } = params;
  if ("refillDelayMs" in rest) throw new RangeError(`${scenario}: unknown param "refillDelayMs" (the driver here refills on time)`);
  const base = soundCardParams("correct", { seconds: 2, ...rest }, scenario);
  const time = (key: string, v: unknown, fallback: number, limitMs: number, what: string): number => {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v >= limitMs) throw new RangeError(`${scenario}: params.${key} must be a number of ms inside ${what} (0 to ${limitMs} exclusive), got ${JSON.stringify(v)}`);
    return v;
  };
  const aMs = base.seconds * 1000;
  const restart = time("restartAtMs", restartAtMs, Math.min(700, aMs / 2), aMs, "the first write");
  const remove = time("removeAtMs", removeAtMs, Math.min(400, aMs / 4), aMs / 2, "the second write (half the seconds)");
  return { ...base, restartAtMs: restart, removeAtMs: remove };
}

/** A whole number of frames: where the second tone is split into B1 and B2. */
function frameSplit(bytes: number, frame: number): number {
  return Math.floor(bytes / frame / 2) * frame;
}

/** Run the WDM sound driver with an application and the PnP manager (a rebalance, a surprise removal); `bug` picks the broken variant. */
export function runSoundCardPnp(opts: ScenarioOptions, bug: "none" | "no-release-on-removal" = "none"): SoundCardResult {
  const p = soundPnpParams(opts.params);
  const m = bootSoundCard("sound-card-pnp", opts, p, undefined, bug);
  const { k, verifier, card, pdo, fdo, e } = m;
  const findings = (): Finding[] => (verifier === null ? [] : verifier.findings);
  const a = toneSource(p, p);
  const b = toneSource({ ...p, toneHz: p.toneHz * 1.5 }, p);
  const split = frameSplit(b.length, (p.bitsPerSample / 8) * p.channels);
  const b1 = b.subarray(0, split);
  const b2 = b.subarray(split);
  const start = startDevice(k, pdo).IoStatus.Status;
  if (start !== STATUS.SUCCESS) return { ok: false, summary: [`IRP_MN_START_DEVICE failed: ${statusName(start)}`], findings: findings(), machine: k, wav: new Uint8Array(0), captured: new Uint8Array(0), source: a };

  const app = new Application(k);
  const open = app.CreateFile(card.name);
  if (open.handle === null) throw new RangeError(`sound-card-pnp: CreateFile failed with ${statusName(open.status)}`);
  const h = open.handle;
  const bufs = [a, b1, b2].map((data) => {
    const buf = app.allocate(data.length);
    buf.write(data);
    return buf;
  });
  const [bufA, bufB1, bufB2] = bufs as [(typeof bufs)[0], (typeof bufs)[0], (typeof bufs)[0]];
  card.clearCapture();
  card.reserveCapture(a.length + b.length);
  const bytesPerSecond = p.sampleRate * p.channels * (p.bitsPerSample / 8);

  // A, with a rebalance in the middle.
  const t0 = k.clock.now;
  let rebalance: NTSTATUS | null = null;
  let startsAfterRebalance = -1;
  k.clock.at(t0 + Math.round(p.restartAtMs * 1e6), () => {
    rebalance = rebalanceDevice(k, pdo).IoStatus.Status;
    startsAfterRebalance = e.starts;
  }, "rebalance");
  const ra = waitWithProgress(k, app.WriteFileOverlapped(h, bufA), (a.length / bytesPerSecond) * 1e9, opts.progress);
  const tA = k.clock.now;

  // B1 and B2 outstanding, a surprise removal in the middle of B1.
  const wb1 = app.WriteFileOverlapped(h, bufB1);
  const wb2 = app.WriteFileOverlapped(h, bufB2);
  let removedAt = -1;
  k.clock.at(tA + Math.round(p.removeAtMs * 1e6), () => {
    surpriseRemoveDevice(k, pdo);
    removedAt = k.clock.now;
  }, "surprise removal");
  const rb1 = wb1.wait();
  const rb2 = wb2.wait();
  const heldAfterSurprise = heldBySoundDriver(m);
  const stateAfterSurprise = soundPnpState(fdo);
  // The application carries on as applications do: another write, another open, then it closes its handle.
  const rc = app.WriteFile(h, bufA);
  const reopen = app.CreateFile(card.name).status;
  app.CloseHandle(h);
  removeDevice(k, pdo);
  for (const buf of bufs) buf.free();
  const heldAfterRemove = heldBySoundDriver(m);

  const captured = card.captured().slice();
  const expected = new Uint8Array(a.length + rb1.information);
  expected.set(a);
  expected.set(b1.subarray(0, rb1.information), a.length);
  const exact = sameBytes(captured, expected);
  const fs = findings();
  const requests: Row[] = [
    { request: "WriteFile A", bytes: a.length, status: statusName(ra.status), information: ra.information, completedMs: ms(tA - t0) },
    { request: "WriteFile B1", bytes: b1.length, status: statusName(rb1.status), information: rb1.information, completedMs: ms(removedAt - t0) },
    { request: "WriteFile B2", bytes: b2.length, status: statusName(rb2.status), information: rb2.information, completedMs: ms(removedAt - t0) },
    { request: "WriteFile after the removal", bytes: a.length, status: statusName(rc.status), information: rc.information, completedMs: ms(removedAt - t0) },
  ];
  const asExpected =
    rebalance === STATUS.SUCCESS &&
    startsAfterRebalance === 2 &&
    ra.status === STATUS.SUCCESS &&
    ra.information === a.length &&
    rb1.status === STATUS.DEVICE_REMOVED &&
    rb1.information > 0 &&
    rb1.information < b1.length &&
    rb2.status === STATUS.DEVICE_REMOVED &&
    rb2.information === 0 &&
    rc.status === STATUS.DEVICE_REMOVED &&
    reopen === STATUS.DELETE_PENDING &&
    stateAfterSurprise === "surprise-removed" &&
    fdo.deleted;
  const codes = new Set(fs.map((f) => f.code));
  // The leaky driver shows its bug in what it still holds, and (with the verifier) in the two leaks at the removal.
  const ok =
    bug === "none"
      ? asExpected && exact && heldAfterSurprise.length === 0 && heldAfterRemove.length === 0 && fs.length === 0
      : asExpected && exact && heldAfterRemove.length > 0 && (verifier === null || (codes.has("DMA_COMMON_BUFFER_LEAKED") && codes.has("DMA_ADAPTER_NOT_PUT")));
  const buffers = e.startBuffers.map((la) => `0x${la.toString(16)}`).join(" then ");
  return {
    ok,
    summary: [
      `WriteFile A (${a.length} bytes): a rebalance at ${p.restartAtMs} ms (${rebalance === null ? "never ran" : statusName(rebalance)}; common buffer at ${buffers}); A completed ${statusName(ra.status)} with ${ra.information} bytes at ${ms(tA - t0)} ms`,
      `WriteFile B1 and B2 outstanding; surprise removal ${p.removeAtMs} ms into B1: B1 ${statusName(rb1.status)} after ${rb1.information} of ${b1.length} bytes, B2 ${statusName(rb2.status)} with ${rb2.information}`,
      `after the removal: WriteFile ${statusName(rc.status)}, CreateFile ${statusName(reopen)}; the driver holds ${heldAfterSurprise.length === 0 ? "nothing" : heldAfterSurprise.join(", ")}; after IRP_MN_REMOVE_DEVICE ${heldAfterRemove.length === 0 ? "nothing" : heldAfterRemove.join(", ")}, FDO ${fdo.deleted ? "deleted" : "NOT deleted"}`,
      `the card played ${captured.length} bytes: ${exact ? "exactly A, then B1 up to the removal" : "NOT A then B1 up to the removal"}; ${e.interrupts} interrupts, ${e.starts} starts`,
    ],
    tables: { requests },
    stats: { exact, capturedBytes: captured.length, starts: e.starts, interrupts: e.interrupts, aStatus: statusName(ra.status), b1Status: statusName(rb1.status), b1Bytes: rb1.information, b2Status: statusName(rb2.status), afterRemovalStatus: statusName(rc.status), reopenStatus: statusName(reopen), heldAfterSurprise: heldAfterSurprise.length, heldAfterRemove: heldAfterRemove.length },
    findings: fs,
    machine: k,
    wav: encodeWav({ sampleRate: p.sampleRate, channels: p.channels, bitsPerSample: p.bitsPerSample, data: captured, signed: p.bitsPerSample === 16 }),
    captured,
    source: expected,
  };
}

function ms(ns: number): number {
  return Number((ns / 1e6).toFixed(3));
}

/** "sound-card-pnp-leak": the driver gives nothing back on removal (DMA_COMMON_BUFFER_LEAKED, DMA_ADAPTER_NOT_PUT). */
export const soundCardPnpLeakScenario: Scenario = {
  name: "sound-card-pnp-leak",
  description: "The same life with a driver that stops the card on the surprise removal but never frees the common buffer or puts its adapter: both leak at the removal (DMA_COMMON_BUFFER_LEAKED, DMA_ADAPTER_NOT_PUT)",
  defaultProfile: "x64-desktop",
  run: (opts) => runSoundCardPnp(opts, "no-release-on-removal"),
  checkParams: (s) => checkSoundCardSettings("sound-card-pnp-leak", s.params, s.profile, (p) => soundPnpParams(p, "sound-card-pnp-leak")),
};

/** "sound-card-pnp": the WDM sound driver through a rebalance and a surprise removal, the stream unbroken. */
export const soundCardPnpScenario: Scenario = {
  name: "sound-card-pnp",
  description: "The WDM sound-card driver driven by an application and the PnP manager: a rebalance (stop, restart) in the middle of one WriteFile and a surprise removal in the middle of the next; every byte played checked, every request completed, nothing held",
  defaultProfile: "x64-desktop",
  run: (opts) => runSoundCardPnp(opts),
  checkParams: (s) => checkSoundCardSettings("sound-card-pnp", s.params, s.profile, (p) => soundPnpParams(p)),
};
