/**
 * The `plx-pnp` scenarios: the PLX9x5x-style KMDF driver's whole life,
 * driven by an application (ReadFile / WriteFile) and the PnP manager at
 * chosen simulated times, every byte checked:
 *
 *   start -> write/read-back of `transfers` random buffers
 *         -> a rebalance (query-stop and stop `stopAtNs` into a write, the
 *            start `stoppedNs` later), and another into a read: EvtIoStop sends the request back to
 *            its queue, EvtDeviceD0Exit aborts the channel, the hardware is
 *            released and prepared again, the queue presents the request
 *            anew and it completes whole
 *         -> `transfers` more buffers
 *         -> a write and a read outstanding, a surprise removal `removeAtNs`
 *            into them: both complete with STATUS_DEVICE_REMOVED; a later
 *            write is refused; CloseHandle; IRP_MN_REMOVE_DEVICE.
 *
 * The broken drivers (plx-device.ts's PlxBug), each ok when it shows its bug:
 * - plx-pnp-no-io-stop: the sample as shipped, no EvtIoStop: the stops
 *   still work (the framework waits for the transfer), but after the surprise
 *   removal the framework waits forever for a request the chip will never
 *   finish: WDF_REQUEST_NOT_COMPLETED, and the application's requests never
 *   complete.
 * - plx-pnp-d0-exit-leaves-dma: EvtDeviceD0Exit ends the transaction of a
 *   request it requeued but does not abort the channel: while the device is
 *   stopped the chip goes on fetching its ring and moving the buffer
 *   (WDF_DMA_AFTER_D0_EXIT), and the buffer's transfer is no longer mapped
 *   for it (DMA_USE_AFTER_FREE). The data still arrives (the chip finishes
 *   the chain, the restart redoes the request): without the verifier nothing
 *   shows.
 * - plx-pnp-double-complete: the DPC completes the first write twice: the
 *   second WdfRequestComplete passes a freed handle, WDF_VIOLATION (0x10D).
 *
 * Params: transfers (8 per phase), maxLength (32768), busRate (528e6),
 * stopAtNs (5000), stoppedNs (100000), removeAtNs (5000).
 */
import { IoHangError, type Overlapped } from "../app/application.ts";
import { BYTES_TO_PAGES, PAGE_SIZE } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { type NTSTATUS, statusName, STATUS } from "../core/ntstatus.ts";
import { Prng } from "../core/prng.ts";
import { liveCommonBuffers } from "../hal/hal-state.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import type { IoResult } from "../kernel/io-manager.ts";
import type { PlxBug, PlxDriver } from "./plx-driver.ts";
import { bootPlx, type IoBuffer, needPlx, PLX_DEFAULTS, userBufferOf, writeReadBack } from "./plx.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The PLX PnP scenarios' settings. */
export interface PlxPnpParams {
  readonly transfers: number;
  readonly maxLength: number;
  readonly busRate: number;
  readonly stopAtNs: number;
  /** How long the device stays stopped before the PnP manager starts it again (the rebalance's gap). */
  readonly stoppedNs: number;
  readonly removeAtNs: number;
}

export const PLX_PNP_DEFAULTS: PlxPnpParams = { transfers: 8, maxLength: 32 * 1024, busRate: 528e6, stopAtNs: 5000, stoppedNs: 100_000, removeAtNs: 5000 };

/** Params with defaults; RangeError naming a bad one. */
export function plxPnpParams(name: string, params: Readonly<Record<string, unknown>> = {}): PlxPnpParams {
  const known = Object.keys(PLX_PNP_DEFAULTS);
  for (const key of Object.keys(params)) if (!known.includes(key)) throw new RangeError(`${name}: unknown param "${key}" (known: ${known.join(", ")})`);
  const num = (key: keyof PlxPnpParams, min: number, max: number): number => {
    const v = params[key];
    if (v === undefined) return PLX_PNP_DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name}: params.${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  return { transfers: num("transfers", 0, 1e5), maxLength: num("maxLength", 8192, 0x20000), busRate: num("busRate", 1e6, 1e11), stopAtNs: num("stopAtNs", 1, 1e9), stoppedNs: num("stoppedNs", 0, 1e9), removeAtNs: num("removeAtNs", 1, 1e9) };
}

/**
 * An application buffer whose pages lie apart in memory, as a user buffer's
 * do: each fragment of a transfer is then a chain of several transfer
 * elements, and a stop can come between two of them.
 */
export function scatteredBuffer(k: Kernel, length: number, offset: number, prng: Prng): IoBuffer | null {
  const pages = BYTES_TO_PAGES(offset + length);
  const pfns = new Int32Array(pages);
  for (let i = 0; i < pages; i++) {
    const got = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable", hintPfn: prng.int(k.map.pageCount) });
    if (got === null) {
      k.pfm.freePages(Array.from(pfns.subarray(0, i)));
      return null;
    }
    pfns[i] = got[0] as number;
  }
  const mapping = k.va.map(pfns, "cached", "application buffer (scattered)");
  return {
    va: mapping.startVa + offset,
    length,
    free: () => {
      k.va.unmap(mapping.startVa);
      k.pfm.freePages(Array.from(pfns));
    },
  };
}

/** A buffer of seeded random bytes, and an empty one of the same length for its read-back. */
function pair(k: Kernel, prng: Prng, length: number): { out: IoBuffer; back: IoBuffer; data: Uint8Array } {
  const out = scatteredBuffer(k, length, prng.int(PAGE_SIZE), prng);
  const back = scatteredBuffer(k, length, prng.int(PAGE_SIZE), prng);
  if (out === null || back === null) throw new RangeError(`plx-pnp: no memory for a ${length}-byte buffer`);
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = prng.int(256);
  k.cpu.writeBytes(out.va, data);
  k.cpu.RtlZeroMemory(back.va, length);
  return { out, back, data };
}

/** Wait for an application request; null when nothing left on the machine will ever complete it. */
function settle(o: Overlapped): IoResult | null {
  try {
    return o.wait();
  } catch (err) {
    if (err instanceof IoHangError) return null;
    throw err;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface StopRun {
  readonly direction: "write" | "read";
  readonly inFlight: boolean;
  readonly rebalance: NTSTATUS;
  readonly result: IoResult | null;
  readonly exact: boolean;
}

/** One rebalance `stopAtNs` into a request: a write, or the read-back of a buffer written before. */
function stopDuring(k: Kernel, drv: PlxDriver, direction: "write" | "read", length: number, prng: Prng, p: PlxPnpParams): StopRun {
  const { out, back, data } = pair(k, prng, length);
  const app = drv.app;
  if (direction === "read") {
    const w = app.WriteFile(drv.handle, userBufferOf(k, out));
    if (w.status !== STATUS.SUCCESS) throw new RangeError(`plx-pnp: the write before the stopped read failed: ${statusName(w.status)}`);
  }
  const o = direction === "write" ? app.WriteFileOverlapped(drv.handle, userBufferOf(k, out)) : app.ReadFileOverlapped(drv.handle, userBufferOf(k, back));
  k.clock.runUntil(k.clock.now + p.stopAtNs);
  const inFlight = !o.done;
  // The rebalance: query-stop and stop now, the start `stoppedNs` later (the device out of D0 meanwhile).
  const stopped = stopDevice(k, drv.pdo).IoStatus.Status;
  k.clock.runUntil(k.clock.now + p.stoppedNs);
  const rebalance = stopped === STATUS.SUCCESS ? startDevice(k, drv.pdo).IoStatus.Status : stopped;
  const result = settle(o);
  if (direction === "write" && result?.status === STATUS.SUCCESS) app.ReadFile(drv.handle, userBufferOf(k, back));
  const exact = result !== null && result.information === length && same(k.cpu.readBytes(back.va, length), data);
  out.free();
  back.free();
  return { direction, inFlight, rebalance, result, exact };
}

export interface PlxPnpOutcome extends ScenarioResult {
  readonly stats: Readonly<Record<string, number | string | boolean>>;
}

function run(name: string, bug: PlxBug, opts: ScenarioOptions): PlxPnpOutcome {
  const p = plxPnpParams(name, opts.params);
  const { k, drv, verifier } = bootPlx(opts, { ...PLX_DEFAULTS, busRate: p.busRate }, {}, { bug });
  const findings = (): readonly Finding[] => verifier?.findings ?? [];
  if (typeof drv === "number") return { ok: false, summary: [`the driver failed to start: ${statusName(drv)}`], stats: {}, findings: findings(), machine: k };
  const e = drv.ext;
  const prng = new Prng(`${name}-data:${opts.seed}`);
  const mappingsAtStart = k.va.mappingCount;
  // I/O, then a stop in the middle of a write and of a read, then I/O again.
  const before = writeReadBack(k, drv, p.transfers, p.maxLength, prng);
  const stops = [stopDuring(k, drv, "write", p.maxLength, prng, p), stopDuring(k, drv, "read", p.maxLength, prng, p)];
  const after = writeReadBack(k, drv, p.transfers, p.maxLength, prng);
  // A write and a read outstanding, and the card pulled out under them.
  const w = pair(k, prng, p.maxLength);
  const r = pair(k, prng, p.maxLength);
  const ow = drv.app.WriteFileOverlapped(drv.handle, userBufferOf(k, w.out));
  const or = drv.app.ReadFileOverlapped(drv.handle, userBufferOf(k, r.back));
  k.clock.runUntil(k.clock.now + p.removeAtNs);
  const inFlightAtRemoval = !ow.done && !or.done;
  surpriseRemoveDevice(k, drv.pdo);
  const rw = settle(ow);
  const rr = settle(or);
  const later = rw === null || rr === null ? null : settle(drv.app.WriteFileOverlapped(drv.handle, userBufferOf(k, w.out)));
  drv.app.CloseHandle(drv.handle);
  removeDevice(k, drv.pdo);
  const buffersLeft = liveCommonBuffers(k).length;
  const unmapped = e.regs === 0 && e.sram === 0;
  const deleted = drv.device.state === "destroyed";
  if (rw !== null && rr !== null) {
    for (const b of [w.out, w.back, r.out, r.back]) b.free();
  }
  const fs = findings();
  const show = (x: IoResult | null): string => (x === null ? "never completed" : `${statusName(x.status)}, ${x.information} bytes`);
  const requests: Row[] = [
    ...stops.map((s) => ({ request: `${s.direction === "write" ? "WriteFile" : "ReadFile"} stopped ${p.stopAtNs} ns in`, inFlight: s.inFlight, pnp: `rebalance ${statusName(s.rebalance)}`, result: show(s.result), bytesMatch: s.exact })),
    { request: `WriteFile at the surprise removal`, inFlight: inFlightAtRemoval, pnp: "surprise removal", result: show(rw), bytesMatch: false },
    { request: `ReadFile at the surprise removal`, inFlight: inFlightAtRemoval, pnp: "surprise removal", result: show(rr), bytesMatch: false },
    { request: "WriteFile after the removal", inFlight: false, pnp: "", result: later === null ? "not issued" : show(later), bytesMatch: false },
  ];
  const clean = before.mismatches === 0 && before.failures.length === 0 && after.mismatches === 0 && after.failures.length === 0 && stops.every((s) => s.exact && s.rebalance === STATUS.SUCCESS);
  const removedRight = rw?.status === STATUS.DEVICE_REMOVED && rr?.status === STATUS.DEVICE_REMOVED && later !== null && later.status !== STATUS.SUCCESS;
  const released = buffersLeft === 0 && unmapped && deleted && k.va.mappingCount <= mappingsAtStart;
  const codes = new Set(fs.map((f) => f.code));
  let ok: boolean;
  if (bug === "none") ok = clean && removedRight && released && stops.every((s) => s.inFlight) && inFlightAtRemoval && fs.length === 0;
  // Without a verifier the hang still shows: the application's requests never complete.
  else if (bug === "no-io-stop") ok = clean && rw === null && rr === null && (verifier === null || codes.has("WDF_REQUEST_NOT_COMPLETED"));
  // Only the verifier sees this one: without it the run has nothing to show (and nothing failed).
  else ok = verifier === null || codes.has("WDF_DMA_AFTER_D0_EXIT");
  return {
    ok,
    summary: [
      `${before.transfers} + ${after.transfers} buffers written and read back around the stops: ${before.mismatches + after.mismatches === 0 ? "every byte matches" : `${before.mismatches + after.mismatches} differ`}`,
      ...stops.map((s) => `a rebalance ${p.stopAtNs} ns into a ${s.direction} (${s.inFlight ? "in flight" : "already done"}): ${show(s.result)}${s.exact ? ", every byte right" : ", BYTES WRONG"}`),
      `surprise removal ${p.removeAtNs} ns into a write and a read: write ${show(rw)}, read ${show(rr)}; a later write ${later === null ? "not issued" : show(later)}`,
      `${e.requeued} request${e.requeued === 1 ? "" : "s"} requeued by EvtIoStop, ${e.aborted} channel${e.aborted === 1 ? "" : "s"} aborted by EvtDeviceD0Exit, hardware prepared ${e.prepares} times; after the removal ${buffersLeft} common buffers, BARs ${unmapped ? "unmapped" : "STILL MAPPED"}, device ${deleted ? "deleted" : "NOT deleted"}`,
      `verifier (${opts.verifier}): ${fs.length} finding${fs.length === 1 ? "" : "s"}${fs[0] === undefined ? "" : `, first ${fs[0].code}: ${fs[0].message}`}`,
    ],
    tables: { requests },
    stats: {
      transfers: before.transfers + after.transfers,
      mismatches: before.mismatches + after.mismatches,
      stopsInFlight: stops.filter((s) => s.inFlight).length,
      stopsExact: stops.filter((s) => s.exact).length,
      requeued: e.requeued,
      aborted: e.aborted,
      prepares: e.prepares,
      removalWrite: rw === null ? "never completed" : statusName(rw.status),
      removalRead: rr === null ? "never completed" : statusName(rr.status),
      afterRemoval: later === null ? "not issued" : statusName(later.status),
      commonBuffersLeft: buffersLeft,
      unmapped,
      deleted,
    },
    findings: fs,
    machine: k,
  };
}

function scenario(name: string, bug: PlxBug, description: string): Scenario {
  return {
    name,
    description,
    defaultProfile: "x64-desktop",
    run: (opts) => run(name, bug, opts),
    checkParams: (s) => {
      plxPnpParams(name, s.params);
      needPlx(name, s.profile);
    },
  };
}

/** "plx-pnp": I/O with a rebalance and a surprise removal in the middle; every byte checked. */
export const plxPnpScenario = scenario("plx-pnp", "none", "The PLX9x5x-style KMDF driver driven by an application and the PnP manager: I/O, a rebalance in the middle of a write and of a read (requeued, redone whole), I/O, a surprise removal in the middle of I/O (STATUS_DEVICE_REMOVED), removal; every byte checked");
/** "plx-pnp-no-io-stop": the sample as shipped (no EvtIoStop): WDF_REQUEST_NOT_COMPLETED. */
export const plxPnpNoIoStopScenario = scenario("plx-pnp-no-io-stop", "no-io-stop", "The PLX9x5x sample as shipped (no EvtIoStop): after a surprise removal in the middle of I/O the framework waits forever for requests the chip will never finish (WDF_REQUEST_NOT_COMPLETED)");
/** "plx-pnp-d0-exit-leaves-dma": D0Exit leaves the channel running (WDF_DMA_AFTER_D0_EXIT, DMA_USE_AFTER_FREE). */
export const plxPnpD0ExitLeavesDmaScenario = scenario("plx-pnp-d0-exit-leaves-dma", "d0-exit-leaves-dma", "A PLX driver whose EvtDeviceD0Exit does not abort the channel of a requeued request: while the device is stopped the chip goes on with its chain (WDF_DMA_AFTER_D0_EXIT) over a transfer no longer mapped (DMA_USE_AFTER_FREE)");
/** "plx-pnp-double-complete": the DPC completes a write twice (WDF_VIOLATION 0x10D). */
export const plxPnpDoubleCompleteScenario = scenario("plx-pnp-double-complete", "double-complete", "A PLX driver whose DPC completes a write twice: the second WdfRequestComplete passes a freed handle (WDF_VIOLATION 0x10D)");
