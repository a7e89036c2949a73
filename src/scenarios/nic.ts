/**
 * The `nic` scenario: the KMDF e1000 driver (nic-driver.ts) on the Intel
 * 8254x model (devices/e1000.ts). The PnP manager adds and starts the
 * device; once the link is up, an application sends seeded random Ethernet
 * frames (60..1514 bytes, addressed to the NIC itself) with WriteFile and
 * keeps ReadFile requests posted; the frames go out through the TX ring and
 * come back through the loopback wire and the RX ring into the reads, each
 * checked byte for byte in order; then the application closes its handle
 * and the device is removed (D0Exit, ReleaseHardware, its common buffers
 * freed).
 *
 * `nic-physical-address` is the same driver with one bug: the ring base
 * registers get MmGetPhysicalAddress of the rings instead of their logical
 * addresses. Without DMA remapping the two are equal and it works, as it
 * does on real machines; behind an IOMMU the chip's first descriptor fetch
 * faults and the verifier names the mistake (DMA_PHYSICAL_ADDRESS_USED).
 */
import { hexAddr } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { NT_SUCCESS, STATUS, statusName } from "../core/ntstatus.ts";
import { Application, type HANDLE, type Overlapped, type UserBuffer } from "../app/application.ts";
import { removeDevice, startDevice } from "../kernel/pnp.ts";
import { Prng } from "../core/prng.ts";
import { type E1000, type E1000Device, ETH_ZLEN } from "../devices/e1000.ts";
import { MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { formatVa } from "../kernel/va-space.ts";
import type { Verifier } from "../verifier/verifier.ts";
import { loadNicDriver, type NicAdapter, type NicDriverOptions, nicBuffers } from "./nic-driver.ts";
import { bootScenario } from "./boot.ts";
import { needDevice } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The largest frame without FCS (1518 with it). */
export const ETH_FRAME_LEN = 1514;
/** An EtherType for local experiments (IEEE 802 local experimental 1). */
const ETHERTYPE = 0x88b5;

export interface NicRunParams {
  readonly frames: number;
  /** The e1000 device to drive (default: the profile's first device whose model is "e1000"). */
  readonly device: string | null;
  readonly txDescriptors: number;
  readonly rxDescriptors: number;
  readonly interruptThrottle: number;
}

export const NIC_DEFAULTS: NicRunParams = { frames: 256, device: null, txDescriptors: 64, rxDescriptors: 64, interruptThrottle: 488 };

function paramsOf(opts: Pick<ScenarioOptions, "params">, name: string): NicRunParams {
  const p = opts.params ?? {};
  const known = Object.keys(NIC_DEFAULTS);
  for (const key of Object.keys(p)) if (!known.includes(key)) throw new RangeError(`${name}: unknown param "${key}" (known: ${known.join(", ")})`);
  const int = (key: "frames" | "txDescriptors" | "rxDescriptors" | "interruptThrottle", min: number, max: number): number => {
    const v = p[key];
    if (v === undefined) return NIC_DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name}: params.${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const device = p.device ?? null;
  if (device !== null && typeof device !== "string") throw new RangeError(`${name}: params.device must be a device name, got ${JSON.stringify(device)}`);
  return { frames: int("frames", 1, 1_000_000), device, txDescriptors: int("txDescriptors", 8, 4096), rxDescriptors: int("rxDescriptors", 8, 4096), interruptThrottle: int("interruptThrottle", 0, 0xffff) };
}

/** The e1000 the run drives: `params.device`, else the profile's first e1000. */
export function e1000DeviceOf(k: Kernel, wanted: string | null): string | null {
  if (wanted !== null) {
    const d = k.board.device(wanted);
    if (d.model.model !== "e1000") throw new RangeError(`device "${wanted}" on profile ${k.profile.name} is a ${d.model.model}, not an e1000`);
    return wanted;
  }
  return k.profile.devices.find((d) => d.model === "e1000")?.name ?? null;
}


/** What loopbackFrames reports: frames sent and received, byte mismatches, failures, the simulated time, how the requests ended. */
export interface NicRunOutcome {
  readonly sent: number;
  readonly received: number;
  readonly mismatches: number;
  readonly bytes: number;
  readonly failures: readonly string[];
  readonly simulatedNs: number;
  /** How the application's requests ended, by status name, beyond the ones that succeeded. */
  readonly writeStatuses: Readonly<Record<string, number>>;
  readonly readStatuses: Readonly<Record<string, number>>;
}

/** The application side of the loopback: an open handle and the reads it keeps posted. */
export interface NicApp {
  readonly app: Application;
  readonly handle: HANDLE;
  readonly mac: Uint8Array;
}

/** Open the NIC for the application (CreateFile on the device's profile name). */
export function openNic(k: Kernel, device: string, mac: Uint8Array): NicApp {
  const app = new Application(k);
  const open = app.CreateFile(device);
  if (open.handle === null) throw new RangeError(`nic: CreateFile(${device}) failed with ${statusName(open.status)}`);
  return { app, handle: open.handle, mac };
}

/** Something the PnP manager does once, `afterNs` into the traffic (a stop, a surprise removal). */
export interface TrafficEvent {
  readonly afterNs: number;
  /** What happens then (e.g. surpriseRemoveDevice); it runs once, from the traffic loop, at PASSIVE_LEVEL. */
  readonly action: () => void;
}

function tally(m: Record<string, number>, status: number): void {
  const name = statusName(status);
  m[name] = (m[name] ?? 0) + 1;
}

/** Bytes of seeded random data the frames' payloads are cut from (32 KiB: far more than one frame, still in the CPU's near cache). */
const POOL_BYTES = 32 * 1024;
/** Payload words of the largest frame (after the 16-byte header). */
const MAX_PAYLOAD_WORDS = Math.ceil((ETH_FRAME_LEN - 16) / 4);
/** Where the frame being sent, the frame read back and the pool sit in a run's one scratch buffer (4-byte aligned). */
const FRAME_AT = 0;
const GOT_AT = (ETH_FRAME_LEN + 3) & ~3;
const POOL_AT = 2 * GOT_AT;

/**
 * A run's scratch: the frame it sends, the frame it reads back and the pool
 * of seeded payload bytes, in one buffer, so that a payload is one bulk copy
 * (copyWithin) and a check compares words; views of the frames by length
 * are made once.
 */
class FrameScratch {
  readonly bytes = new Uint8Array(POOL_AT + POOL_BYTES);
  readonly words = new Int32Array(this.bytes.buffer);
  // Filled arrays (not sparse ones, whose lookups are hash lookups), one slot per length.
  private readonly sent = new Array<Uint8Array | null>(ETH_FRAME_LEN + 1).fill(null);
  private readonly back = new Array<Uint8Array | null>(ETH_FRAME_LEN + 1).fill(null);

  /** The pool: a xorshift32 stream from a fixed nonzero seed (the frames' seeds pick where each payload starts). */
  constructor() {
    let x = 0x2545_f491;
    for (let k = POOL_AT >>> 2; k < this.words.length; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.words[k] = x;
    }
  }

  /** The first `length` bytes of the frame being sent. */
  frame(length: number): Uint8Array {
    return (this.sent[length] ??= this.bytes.subarray(FRAME_AT, FRAME_AT + length));
  }

  /** The first `length` bytes of the frame read back. */
  got(length: number): Uint8Array {
    return (this.back[length] ??= this.bytes.subarray(GOT_AT, GOT_AT + length));
  }
}

/** Where in the scratch (in words) the payload of the frame with this seed starts: somewhere in the pool. */
function poolWord(seed: number): number {
  return (POOL_AT >>> 2) + ((seed >>> 0) % ((POOL_BYTES >>> 2) - MAX_PAYLOAD_WORDS));
}

/** Frame `seq` of the loopback, into the scratch: to and from the NIC's own address, the experimental EtherType, the sequence number, then the payload from pool word `p` (poolWord). */
function makeFrame(s: FrameScratch, mac: Uint8Array, seq: number, length: number, p: number): Uint8Array {
  const f = s.frame(length);
  f.set(mac, 0);
  f.set(mac, 6);
  f[12] = ETHERTYPE >>> 8;
  f[13] = ETHERTYPE & 0xff;
  f[14] = (seq >>> 8) & 0xff;
  f[15] = seq & 0xff;
  const from = p * 4;
  s.bytes.copyWithin(FRAME_AT + 16, from, from + length - 16);
  return f;
}

/**
 * Whether the first `n` bytes read back are frame `seq` as makeFrame made it
 * (`length` bytes, payload from pool word `p`), byte for byte: the header bytes one by one,
 * the payload four at a time against the pool, the last word's bytes one by
 * one.
 */
function isFrame(s: FrameScratch, n: number, mac: Uint8Array, seq: number, length: number, p: number): boolean {
  if (n !== length) return false;
  const b = s.bytes;
  const g = GOT_AT;
  for (let i = 0; i < 6; i++) if (b[g + i] !== mac[i] || b[g + i + 6] !== mac[i]) return false;
  if (b[g + 12] !== ETHERTYPE >>> 8 || b[g + 13] !== (ETHERTYPE & 0xff) || b[g + 14] !== ((seq >>> 8) & 0xff) || b[g + 15] !== (seq & 0xff)) return false;
  const w = s.words;
  const whole = (length - 16) >>> 2;
  const d = p - ((g + 16) >>> 2);
  let k = (g + 16) >>> 2;
  const end = k + whole;
  // Four words a step: any bit that differs in any of them makes the OR of their XORs nonzero.
  for (; k + 3 < end; k += 4) if ((((w[k] as number) ^ (w[k + d] as number)) | ((w[k + 1] as number) ^ (w[k + 1 + d] as number)) | ((w[k + 2] as number) ^ (w[k + 2 + d] as number)) | ((w[k + 3] as number) ^ (w[k + 3 + d] as number))) !== 0) return false;
  for (; k < end; k++) if (w[k] !== w[k + d]) return false;
  for (let i = 16 + whole * 4; i < length; i++) if (b[g + i] !== b[p * 4 + i - 16]) return false;
  return true;
}

/** A first-in first-out queue of at most `capacity` items (the requests a run keeps outstanding), without per-item allocation. */
class Fifo<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  /** Items in the queue. */
  size = 0;

  constructor(capacity: number) {
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  push(x: T): void {
    const cap = this.items.length;
    if (this.size === cap) throw new RangeError(`Fifo: more than ${cap} items`);
    this.items[(this.head + this.size) % cap] = x;
    this.size++;
  }

  /** The oldest item (undefined when empty). */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  shift(): T {
    const x = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return x;
  }
}

/**
 * The application sends `count` seeded frames (60..1514 bytes, addressed to
 * the NIC itself) with WriteFile and keeps `reads` ReadFile requests posted
 * for what the loopback brings back, checking each received frame byte for
 * byte, in order. Writes are overlapped, at most `window` outstanding, each
 * from its own buffer (direct I/O). `frameLength`, when given, makes every
 * frame that many bytes (60..1514) instead of a seeded length. `event`, when given,
 * runs once at its time. Gives up (a failure line) when nothing moves for
 * the frames' wire time plus 10 ms, or once the device refuses requests.
 */
export function loopbackFrames(k: Kernel, nic: NicApp, count: number, prng: Prng, o: { readonly reads?: number; readonly window?: number; readonly frameLength?: number; readonly event?: TrafficEvent } = {}): NicRunOutcome {
  const { app, handle } = nic;
  const fixed = o.frameLength;
  if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < ETH_ZLEN || fixed > ETH_FRAME_LEN)) throw new RangeError(`loopbackFrames: frameLength must be a whole number of bytes from ${ETH_ZLEN} to ${ETH_FRAME_LEN}, got ${String(fixed)}`);
  const failures: string[] = [];
  const writeStatuses: Record<string, number> = {};
  const readStatuses: Record<string, number> = {};
  // Direct I/O: a write's pages are the driver's until it completes (and again if a stop makes it resend): one buffer per outstanding write.
  const window = o.window ?? 64;
  const stages = Array.from({ length: window }, () => app.allocate(ETH_FRAME_LEN));
  const postedReads = o.reads ?? 32;
  // The reads posted, oldest first, and their buffers (a read is posted again only when one ends: never more than postedReads).
  const reads = new Fifo<Overlapped>(postedReads);
  const readBufs = new Fifo<UserBuffer>(postedReads);
  const spare: UserBuffer[] = [];
  const post = (): void => {
    const buf = spare.pop() ?? app.allocate(ETH_FRAME_LEN);
    reads.push(app.ReadFileOverlapped(handle, buf));
    readBufs.push(buf);
  };
  for (let i = 0; i < postedReads; i++) post();
  // What each frame sent was (its length and where in the pool its payload is); it is checked against the same pool when it comes back.
  const expected: number[] = [];
  const writes = new Fifo<Overlapped>(window);
  let received = 0;
  let mismatches = 0;
  let bytes = 0;
  let sent = 0;
  let refused = false;
  const t0 = k.clock.now;
  // Generous: 1518-byte frames take ~12 us at 1 Gb/s; slow links and throttling stay far inside this.
  const deadline = t0 + count * 200_000 + 10_000_000;
  const eventAt = o.event === undefined ? Infinity : t0 + o.event.afterNs;
  let eventDone = o.event === undefined;
  const scratch = new FrameScratch();
  for (;;) {
    while (!refused && sent < count && writes.size < window) {
      const length = fixed ?? prng.range(ETH_ZLEN, ETH_FRAME_LEN);
      const p = poolWord(prng.nextU32());
      const f = makeFrame(scratch, nic.mac, sent, length, p);
      // The oldest write still outstanding is younger than `sent - window`: its buffer is free again.
      const stage = stages[sent % window] as UserBuffer;
      stage.write(f);
      expected.push(length, p);
      writes.push(app.WriteFileOverlapped(handle, stage, length));
      sent++;
    }
    while (writes.peek()?.done === true) {
      const r = writes.shift().result as NonNullable<Overlapped["result"]>;
      if (r.status !== STATUS.SUCCESS) {
        tally(writeStatuses, r.status);
        refused = true;
      }
    }
    while (reads.peek()?.done === true) {
      const r = reads.shift().result as NonNullable<Overlapped["result"]>;
      const buf = readBufs.shift();
      if (r.status !== STATUS.SUCCESS) {
        tally(readStatuses, r.status);
        refused = true;
        spare.push(buf);
        continue;
      }
      // The application reads its buffer (what ReadFile stored), then checks it against the frame sent with this number.
      const n = Math.min(r.information, buf.length);
      k.cpu.va.read(buf.va, scratch.got(n));
      const length = expected[2 * received];
      if (length === undefined || !isFrame(scratch, n, nic.mac, received, length, expected[2 * received + 1] as number)) mismatches++;
      bytes += n;
      received++;
      spare.push(buf);
      if (!refused) post();
    }
    const settled = writes.size === 0 && (received >= sent || refused);
    if (settled && (sent >= count || refused) && eventDone) break;
    const t = k.clock.nextEventTime();
    if (!eventDone && t >= eventAt) {
      k.clock.runUntil(eventAt);
      eventDone = true;
      o.event?.action();
      continue;
    }
    if (t === Infinity || t > deadline) {
      if (!settled) failures.push(`${sent - received} of ${sent} frames did not come back (${writes.size} writes still pending)`);
      break;
    }
    k.clock.runUntil(t);
  }
  // What is still posted is cancelled (on the manual queue: STATUS_CANCELLED) unless the device already ended it.
  if (!refused) app.CancelIo(handle);
  while (reads.size > 0) {
    const rd = reads.shift();
    const buf = readBufs.shift();
    const res = k.clock.runUntilDone(() => rd.done, k.clock.now + 1_000_000) ? rd.result : null;
    if (res !== null && res.status !== STATUS.CANCELLED && res.status !== STATUS.SUCCESS) tally(readStatuses, res.status);
    if (res !== null) spare.push(buf);
  }
  // The application's buffers go back, but not one the device may still hold (a write or read that never ended).
  if (writes.size === 0) for (const b of stages) b.free();
  for (const b of spare) b.free();
  return { sent, received, mismatches, bytes, failures, simulatedNs: k.clock.now - t0, writeStatuses, readStatuses };
}

/** One row per common buffer of the driver (the report's "commonBuffers" columns). */
export function nicBufferRows(k: Kernel, device: string, a: NicAdapter): Row[] {
  return nicBuffers(a).map((b) => {
    const m = k.va.find(b.va);
    return {
      buffer: b.name,
      device,
      routine: "WdfCommonBufferCreateWithConfig",
      va: formatVa(b.va),
      logical: hexAddr(Number(b.la.QuadPart)),
      physical: hexAddr(Number(MmGetPhysicalAddress(k, b.va).QuadPart)),
      length: b.cb.length,
      alignment: `0x${b.cb.alignment.toString(16)}`,
      cache: m?.cache ?? "",
      deviceMemory: m?.deviceMemory === true,
    };
  });
}

interface NicRun {
  readonly k: Kernel;
  readonly verifier: Verifier | null;
  readonly device: string | null;
  readonly nic: E1000 | null;
  readonly adapter: NicAdapter | null;
  readonly start: string | null;
  readonly outcome: NicRunOutcome | null;
  readonly rows: readonly Row[];
  readonly stop: BugCheckError | null;
  readonly translated: boolean;
}

function runNic(opts: ScenarioOptions, name: string, ringAddress: NonNullable<NicDriverOptions["ringAddress"]>): NicRun {
  const params = paramsOf(opts, name);
  const { k, verifier } = bootScenario(name, opts);
  const device = e1000DeviceOf(k, params.device);
  const none = { k, verifier, device, nic: null, adapter: null, outcome: null, rows: [], stop: null, translated: false };
  if (device === null) return { ...none, start: `profile ${k.profile.name} has no e1000 device (a device with "model": "e1000")` };
  const nic = k.board.instanceOf<E1000Device>(device, "e1000").nic;
  const translated = k.board.device(device).busMaster.domain >= 0;
  const drv = loadNicDriver(k, device, { txDescriptors: params.txDescriptors, rxDescriptors: params.rxDescriptors, interruptThrottle: params.interruptThrottle, ringAddress });
  if (typeof drv === "number") return { ...none, nic, translated, start: `AddDevice failed: ${statusName(drv)}` };
  const a = drv.adapter;
  const rows = nicBufferRows(k, device, a);
  const st = startDevice(k, drv.pdo).IoStatus.Status;
  if (!NT_SUCCESS(st)) return { ...none, nic, adapter: a, rows, translated, start: `the device failed to start: ${statusName(st)}` };
  let outcome: NicRunOutcome | null = null;
  let stop: BugCheckError | null = null;
  try {
    // The link comes up (LSC) shortly after D0Entry sets CTRL.SLU.
    if (!k.clock.runUntilDone(() => a.linkUp, k.clock.now + 10_000_000)) outcome = { sent: 0, received: 0, mismatches: 0, bytes: 0, failures: ["the link never came up"], simulatedNs: 0, writeStatuses: {}, readStatuses: {} };
    else {
      const app = openNic(k, device, a.mac);
      outcome = loopbackFrames(k, app, params.frames, new Prng(`${name}-frames:${opts.seed}`), { reads: Math.min(32, params.rxDescriptors), window: params.txDescriptors });
      app.app.CloseHandle(app.handle);
    }
    removeDevice(k, drv.pdo);
  } catch (e) {
    if (!(e instanceof BugCheckError)) throw e;
    stop = e;
  }
  return { k, verifier, device, nic, adapter: a, start: null, outcome, rows, stop, translated };
}

function summaryOf(r: NicRun, verifierMode: string): { lines: string[]; stats: Record<string, number | string | boolean>; findings: readonly Finding[] } {
  const findings: readonly Finding[] = r.verifier?.findings ?? [];
  const o = r.outcome;
  const a = r.adapter;
  const nic = r.nic;
  const lines: string[] = [];
  if (r.start !== null) lines.push(r.start);
  if (o !== null && a !== null && nic !== null) {
    const seconds = o.simulatedNs / 1e9;
    lines.push(`${o.sent} frames (${o.bytes} bytes) sent through the TX ring and received back over the loopback: ${o.received === o.sent && o.mismatches === 0 ? "every byte matches" : `${o.received} received, ${o.mismatches} differ`}`);
    lines.push(`${a.interrupts} interrupts (ITR ${a.options.interruptThrottle} x 256 ns), ${a.dpcs} DPCs, ${nic.counters.rxOverruns} RX overruns, ${nic.counters.dmaFaults} device DMA faults, ${(o.simulatedNs / 1e6).toFixed(3)} ms simulated${seconds > 0 ? ` (${((o.bytes * 8) / seconds / 1e6).toFixed(1)} Mb/s)` : ""}`);
    lines.push(...o.failures.slice(0, 3));
  }
  if (r.stop !== null) lines.push(`the verifier stopped the machine: ${r.stop.message}`);
  else lines.push(`verifier ${verifierMode}: ${findings.length} finding${findings.length === 1 ? "" : "s"}${findings[0] === undefined ? "" : `, first ${findings[0].code}: ${findings[0].message}`}`);
  const stats: Record<string, number | string | boolean> = {
    frames: o?.sent ?? 0,
    received: o?.received ?? 0,
    mismatches: o?.mismatches ?? 0,
    bytes: o?.bytes ?? 0,
    interrupts: a?.interrupts ?? 0,
    dpcs: a?.dpcs ?? 0,
    lineAssertions: nic?.counters.interrupts ?? 0,
    rxOverruns: nic?.counters.rxOverruns ?? 0,
    dmaFaults: nic?.counters.dmaFaults ?? 0,
    simulatedMs: (o?.simulatedNs ?? 0) / 1e6,
    findings: findings.length,
    stopped: r.stop !== null,
  };
  return { lines, stats, findings };
}

function clean(r: NicRun): boolean {
  const o = r.outcome;
  return r.start === null && r.stop === null && o !== null && o.failures.length === 0 && o.mismatches === 0 && o.received === o.sent;
}

/** The NIC scenarios' up-front check: their params, and an e1000 on the profile (params.device or the first one). */
function checkNic(name: string, s: Parameters<NonNullable<Scenario["checkParams"]>>[0]): void {
  const p = paramsOf(s, name);
  if (s.profile !== undefined) needDevice(name, s.profile, "e1000", p.device);
}

/** `dmasim run nic`: the e1000 KMDF driver with its rings in common buffers; seeded frames looped back through the application and checked byte for byte. */
export const nicScenario: Scenario = {
  name: "nic",
  description: "KMDF driver for an Intel 8254x (e1000) NIC: TX/RX descriptor rings and receive buffers in common buffers, sends as DMA transactions from the write requests, PrepareHardware/D0Entry/ISR/DPC; seeded frames looped back and checked byte for byte",
  defaultProfile: "x64-desktop",
  checkParams: (s) => checkNic("nic", s),
  run(opts: ScenarioOptions): ScenarioResult {
    const r = runNic(opts, "nic", "logical");
    const s = summaryOf(r, opts.verifier);
    return { ok: clean(r) && s.findings.length === 0, summary: s.lines, tables: { commonBuffers: r.rows }, stats: s.stats, findings: s.findings, machine: r.k };
  },
};

/** `dmasim run nic-physical-address`: the same driver giving the chip physical addresses; harmless without an IOMMU, a DMA fault and DMA_PHYSICAL_ADDRESS_USED behind one. */
export const nicPhysicalAddressScenario: Scenario = {
  name: "nic-physical-address",
  description: "The e1000 driver with its ring bases programmed from MmGetPhysicalAddress instead of the logical address: fine without an IOMMU, a DMA fault and DMA_PHYSICAL_ADDRESS_USED behind one",
  defaultProfile: "x64-iommu",
  checkParams: (s) => checkNic("nic-physical-address", s),
  run(opts: ScenarioOptions): ScenarioResult {
    const r = runNic(opts, "nic-physical-address", "physical");
    const s = summaryOf(r, opts.verifier);
    const named = s.findings.some((f) => f.code === "DMA_PHYSICAL_ADDRESS_USED") || (r.stop !== null && /physical address/.test(r.stop.message));
    // Shown: behind the IOMMU the chip faults and the verifier (when on) names the bug; without translation it simply works.
    // (A verifier in bugcheck mode stops the machine at the first access, before the chip counts its fault.)
    const faulted = (r.nic?.counters.dmaFaults ?? 0) > 0 || r.stop !== null;
    const shown = r.start === null && (r.translated ? faulted && (opts.verifier === "off" || named) : clean(r) && s.findings.length === 0);
    const head = r.translated ? "DMA remapping is on for this device: the ring bases hold physical addresses the device's IOMMU domain does not map" : "no DMA remapping for this device: the physical address is the logical address, so the bug does not show";
    return { ok: shown, summary: [head, ...s.lines], tables: { commonBuffers: r.rows }, stats: { ...s.stats, translated: r.translated }, findings: s.findings, machine: r.k };
  },
};
