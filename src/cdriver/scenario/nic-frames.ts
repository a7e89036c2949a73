/**
 * The `nic-frames` workload: what an application does with a NIC driver on
 * the e1000 model's loopback wire. The PnP manager starts the device
 * (EvtDevicePrepareHardware, EvtDeviceD0Entry, the interrupt enabled); once
 * the link is up the application sends seeded random Ethernet frames
 * (60..1514 bytes, addressed to the NIC itself) with WriteFile, a window of
 * them outstanding, and keeps ReadFile requests posted, exactly one per
 * frame in all (so none is left for the driver to hold when the traffic
 * ends); every frame that comes back is compared byte for byte, in order.
 * Then the handle is closed and the device removed.
 *
 * `nicTraffic` is the application part alone, for any NIC driver already
 * started (the bench runs it against the C driver and the TypeScript one).
 */
import { NT_SUCCESS, STATUS, statusName } from "../../core/ntstatus.ts";
import { Prng } from "../../core/prng.ts";
import { Application, type Overlapped, type UserBuffer } from "../../app/application.ts";
import type { E1000Device } from "../../devices/e1000.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { pnpState, removeDevice, startDevice } from "../../kernel/pnp.ts";

/** What the nic-frames workload does (dmasim.json "workload": { "kind": "nic-frames", "params": {...} }). */
export interface NicFramesParams {
  /** Frames sent and received. */
  readonly frames: number;
  /** Writes outstanding at most. */
  readonly window: number;
  /** Reads kept posted. */
  readonly reads: number;
}

const DEFAULTS: NicFramesParams = { frames: 64, window: 16, reads: 16 };
const ETH_ZLEN = 60;
const ETH_FRAME_LEN = 1514;
/** IEEE 802 local experimental EtherType 1. */
const ETHERTYPE = 0x88b5;

/** The workload's params from a config's or the command line's (RangeError naming a bad one). */
export function nicFramesParams(p: Readonly<Record<string, unknown>>): NicFramesParams {
  const known = Object.keys(DEFAULTS);
  for (const key of Object.keys(p)) if (!known.includes(key)) throw new RangeError(`nic-frames: unknown param "${key}" (known: ${known.join(", ")})`);
  const int = (key: keyof NicFramesParams, min: number, max: number): number => {
    const v = p[key];
    if (v === undefined) return DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`nic-frames: params.${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  return { frames: int("frames", 1, 1_000_000), window: int("window", 1, 256), reads: int("reads", 1, 256) };
}

/** What the application saw. */
export interface NicTrafficOutcome {
  readonly sent: number;
  readonly received: number;
  readonly mismatches: number;
  readonly bytes: number;
  readonly failures: readonly string[];
  /** Simulated time of the traffic, ns. */
  readonly simulatedNs: number;
}


/**
 * The application's traffic through a started NIC driver for `device`:
 * waits for the link, then sends `frames` seeded frames and reads each back.
 */
export function nicTraffic(k: Kernel, device: string, params: NicFramesParams, prng: Prng): NicTrafficOutcome {
  const nic = k.board.instanceOf<E1000Device>(device, "e1000").nic;
  const failures: string[] = [];
  const t0 = k.clock.now;
  const none = { sent: 0, received: 0, mismatches: 0, bytes: 0 };
  // The link comes up (LSC) shortly after D0Entry sets CTRL.SLU.
  if (!k.clock.runUntilDone(() => nic.isLinkUp, t0 + 10_000_000)) return { ...none, failures: ["the link never came up"], simulatedNs: k.clock.now - t0 };
  const app = new Application(k);
  const open = app.CreateFile(device);
  if (open.handle === null) return { ...none, failures: [`CreateFile(${device}) failed: ${statusName(open.status)}`], simulatedNs: k.clock.now - t0 };
  const h = open.handle;
  const writeBuffers = Array.from({ length: params.window }, () => app.allocate(ETH_FRAME_LEN));
  const reads: { o: Overlapped; buf: UserBuffer }[] = [];
  const spare: UserBuffer[] = [];
  const writes: Overlapped[] = [];
  const expected: Uint8Array[] = [];
  let posted = 0;
  let sent = 0;
  let received = 0;
  let mismatches = 0;
  let bytes = 0;
  const post = (): void => {
    const buf = spare.pop() ?? app.allocate(ETH_FRAME_LEN);
    reads.push({ o: app.ReadFileOverlapped(h, buf), buf });
    posted++;
  };
  while (posted < Math.min(params.reads, params.frames)) post();
  const deadline = k.clock.now + params.frames * 200_000 + 10_000_000;
  let failed = false;
  for (;;) {
    while (!failed && sent < params.frames && writes.length < params.window) {
      const length = prng.range(ETH_ZLEN, ETH_FRAME_LEN);
      const f = new Uint8Array(length);
      f.set(nic.mac, 0);
      f.set(nic.mac, 6);
      f[12] = ETHERTYPE >>> 8;
      f[13] = ETHERTYPE & 0xff;
      // Seeded payload, four bytes per draw (the last draw cut short).
      for (let i = 14; i < length; i += 4) {
        const v = prng.nextU32();
        for (let b = 0; b < 4 && i + b < length; b++) f[i + b] = (v >>> (8 * b)) & 0xff;
      }
      const buf = writeBuffers[sent % params.window] as UserBuffer;
      buf.write(f);
      expected.push(f);
      writes.push(app.WriteFileOverlapped(h, buf, length));
      sent++;
    }
    let progressed = false;
    while (writes[0]?.done === true) {
      progressed = true;
      const r = (writes.shift() as Overlapped).result;
      if (r !== null && !NT_SUCCESS(r.status)) {
        failures.push(`a write ended ${statusName(r.status)}`);
        failed = true;
      }
    }
    while (reads[0]?.o.done === true) {
      const { o, buf } = reads.shift() as { o: Overlapped; buf: UserBuffer };
      progressed = true;
      const r = o.result;
      if (r === null || r.status !== STATUS.SUCCESS) {
        failures.push(`a read ended ${r === null ? "without a result" : statusName(r.status)}`);
        failed = true;
        continue;
      }
      const got = buf.read().subarray(0, r.information);
      const want = expected[received];
      let same = want !== undefined && want.length === got.length;
      for (let i = 0; same && i < got.length; i++) if (got[i] !== (want as Uint8Array)[i]) same = false;
      if (!same) mismatches++;
      bytes += got.length;
      received++;
      spare.push(buf);
      if (!failed && posted < params.frames) post();
    }
    if (failed || (received >= params.frames && writes.length === 0)) break;
    // Requests that ended make room for more before the clock moves on.
    if (progressed) continue;
    const t = k.clock.nextEventTime();
    if (t === Infinity || t > deadline) {
      failures.push(`${sent - received} of ${sent} frames did not come back (${writes.length} writes still pending)`);
      break;
    }
    k.clock.runUntil(t);
  }
  app.CloseHandle(h);
  if (writes.length === 0) for (const b of writeBuffers) b.free();
  if (reads.length === 0) for (const b of spare) b.free();
  return { sent, received, mismatches, bytes, failures, simulatedNs: k.clock.now - t0 };
}

/** What the workload reports. */
export interface NicFramesOutcome {
  readonly ok: boolean;
  readonly summary: string[];
  readonly stats: Record<string, number>;
}

/** Start the device, run the application's traffic, remove the device. */
export function runNicFrames(k: Kernel, device: string, params: NicFramesParams, seed: number | string): NicFramesOutcome {
  const summary: string[] = [];
  const pdo = k.pdo(device);
  const started = startDevice(k, pdo).IoStatus.Status;
  summary.push(`IRP_MN_START_DEVICE: ${statusName(started)} (EvtDevicePrepareHardware, EvtDeviceD0Entry, interrupt enabled)`);
  let o: NicTrafficOutcome = { sent: 0, received: 0, mismatches: 0, bytes: 0, failures: [`the device did not start: ${statusName(started)}`], simulatedNs: 0 };
  if (NT_SUCCESS(started)) o = nicTraffic(k, device, params, new Prng(`c-nic-frames:${seed}`));
  summary.push(`${o.received} of ${o.sent} frames (${o.bytes} bytes) sent through the TX ring and received through the RX ring: ${o.mismatches !== 0 ? `${o.mismatches} differ` : o.received === 0 ? "nothing to compare" : "every byte matches"}; ${(o.simulatedNs / 1e6).toFixed(3)} ms simulated`);
  summary.push(...o.failures.slice(0, 5));
  if (pnpState(k, pdo) !== undefined && pnpState(k, pdo) !== "removed") summary.push(`IRP_MN_REMOVE_DEVICE: ${statusName(removeDevice(k, pdo).IoStatus.Status)} (EvtDeviceD0Exit, EvtDeviceReleaseHardware, cleanup)`);
  return {
    ok: NT_SUCCESS(started) && o.failures.length === 0 && o.mismatches === 0 && o.received === params.frames,
    summary,
    stats: { frames: o.received, framesSent: o.sent, bytes: o.bytes, mismatches: o.mismatches, failures: o.failures.length, simulatedMs: o.simulatedNs / 1e6 },
  };
}
