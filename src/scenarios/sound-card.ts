/**
 * The sound-card scenarios: the sample driver (sound-card-driver.ts) plays a
 * 16-bit stereo tone through the SB16-like card with common-buffer system DMA
 * in auto-initialize mode, and the card's capture is compared with what
 * should have been heard.
 *
 * - "sound-card": the correct driver; the capture equals the source, sample
 *   for sample.
 * - "sound-card-late": the driver refills each half `refillDelayMs` after its
 *   interrupt; once that exceeds the time a half takes to play, the card
 *   replays stale audio at the start of every block. The stale spans are
 *   predicted exactly (predictLateCapture) and the capture must match.
 * - "sound-card-exhausted": memory below 16 MiB is all taken before the
 *   driver starts; AllocateCommonBuffer returns NULL, the start fails with
 *   STATUS_INSUFFICIENT_RESOURCES and nothing is leaked.
 *
 * Params (JSON scenario file or CLI): seconds (10), sampleRate (44100),
 * bufferBytes (16384, at most 64 KiB), toneHz (440), refillDelayMs (late:
 * 60), bitsPerSample (16: signed on the card's 16-bit channel; 8: unsigned on
 * its 8-bit channel), channels (2), ioPortNs (0: the cost of each 8237 port
 * access; with it, count reads can tear and the HAL's read-until-stable loop
 * matters).
 * The result carries the capture as a WAV file in `wav`.
 */
import { PAGE_SIZE } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { statusName, STATUS } from "../core/ntstatus.ts";
import { Application, type Overlapped } from "../app/application.ts";
import { encodeWav } from "../devices/wav.ts";
import { liveCommonBuffers } from "../hal/hal-state.ts";
import { sb16On } from "../devices/builtin-models.ts";
import type { Sb16 } from "../devices/sb16.ts";
import { isaDmaOf } from "../hal/system-dma.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { dpcCount } from "../kernel/dpc.ts";
import type { IoResult } from "../kernel/io-manager.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { pnpAddDevice, removeDevice, startDevice } from "../kernel/pnp.ts";
import { timeForUnits, unitsInTime } from "../machine/dma8237.ts";
import type { Verifier } from "../verifier/verifier.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";
import { bootScenario } from "./boot.ts";
import { needDevice, needIsaDma } from "./profile-needs.ts";
import { type SoundDeviceExtension, type SoundDriverConfig, soundExtension } from "./sound-card-driver.ts";
import { loadSoundDriver } from "./sound-card-wdm.ts";

/** Which sound-card scenario: the correct driver, one that refills late, or a start with no memory below 16 MiB. */
export type SoundCardVariant = "correct" | "late" | "exhausted";

/** The sound-card scenarios' settings (`params`; README: the SB16 section). */
export interface SoundCardParams {
  readonly seconds: number;
  readonly sampleRate: number;
  readonly bufferBytes: number;
  readonly toneHz: number;
  /** Late variant only. */
  readonly refillDelayMs: number;
  /** 16 (signed, on the card's 16-bit channel) or 8 (unsigned, on its 8-bit channel). */
  readonly bitsPerSample: 8 | 16;
  readonly channels: 1 | 2;
  /** Simulated cost of each 8237 port access in ns (0: timeless CPU); ISA I/O takes about 1000. */
  readonly ioPortNs: number;
}

/** The PCM format of a run. */
/** The format of the generated tone (rate, channels, sample size). */
export interface ToneFormat {
  readonly bitsPerSample: 8 | 16;
  readonly channels: 1 | 2;
}
const STEREO16: ToneFormat = { bitsPerSample: 16, channels: 2 };

/** A scenario result with the card's capture as a WAV file. */
export interface SoundCardResult extends ScenarioResult {
  /** The captured audio as a WAV file (empty when nothing played). */
  readonly wav: Uint8Array;
  /** The raw captured PCM and the source it came from. */
  readonly captured: Uint8Array;
  readonly source: Uint8Array;
}

/** Scenario params with defaults; RangeError naming a bad one. */
export function soundCardParams(variant: SoundCardVariant, params: Readonly<Record<string, unknown>> = {}, scenario = "sound-card"): SoundCardParams {
  const known = ["seconds", "sampleRate", "bufferBytes", "toneHz", "refillDelayMs", "bitsPerSample", "channels", "ioPortNs"];
  for (const key of Object.keys(params)) if (!known.includes(key)) throw new RangeError(`${scenario}: unknown param "${key}" (known: ${known.join(", ")})`);
  const num = (key: string, min: number, max: number, fallback: number, integer: boolean): number => {
    const v = params[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) throw new RangeError(`${scenario}: params.${key} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  // At most 64 KiB: a system DMA common buffer may not cross a 64 KiB line.
  const bufferBytes = num("bufferBytes", 2 * PAGE_SIZE, 64 * 1024, 16 * 1024, true);
  if (bufferBytes % PAGE_SIZE !== 0) throw new RangeError(`${scenario}: params.bufferBytes must be a multiple of ${PAGE_SIZE}, got ${bufferBytes}`);
  const sampleRate = num("sampleRate", 4000, 48000, 44100, true);
  const p: SoundCardParams = {
    seconds: num("seconds", 0.1, 3600, 10, false),
    sampleRate,
    bufferBytes,
    toneHz: num("toneHz", 1, 20000, 440, false),
    refillDelayMs: num("refillDelayMs", 0, 10_000, variant === "late" ? 60 : 0, false),
    bitsPerSample: num("bitsPerSample", 8, 16, 16, true) as 8 | 16,
    channels: num("channels", 1, 2, 2, true) as 1 | 2,
    ioPortNs: num("ioPortNs", 0, 100_000, 0, false),
  };
  if (p.bitsPerSample !== 8 && p.bitsPerSample !== 16) throw new RangeError(`${scenario}: params.bitsPerSample must be 8 or 16, got ${String(p.bitsPerSample)}`);
  const bufferMs = (bufferBytes / bytesPerSecond(p.sampleRate, p)) * 1000;
  if (p.refillDelayMs >= bufferMs) throw new RangeError(`${scenario}: params.refillDelayMs must be below the buffer's play time (${bufferMs.toFixed(1)} ms): beyond it refills overtake each other`);
  if (Math.round(p.refillDelayMs * 1e4) !== p.refillDelayMs * 1e4) throw new RangeError(`${scenario}: params.refillDelayMs must be a multiple of 100 ns (KeSetTimer's unit)`);
  return p;
}

/**
 * The test tone: `toneHz` on the left (or only) channel, 1.5 x toneHz on the
 * right; 16-bit signed little-endian or 8-bit unsigned. With an even toneHz
 * the waveform repeats every sampleRate / gcd(sampleRate, toneHz / 2) frames,
 * so one period is computed and tiled.
 */
export function toneSource(p: Pick<SoundCardParams, "seconds" | "sampleRate" | "toneHz">, format: ToneFormat = STEREO16): Uint8Array {
  const frames = Math.round(p.seconds * p.sampleRate);
  const ch = format.channels;
  const out = format.bitsPerSample === 16 ? new Int16Array(frames * ch) : new Uint8Array(frames * ch);
  const amp = format.bitsPerSample === 16 ? [12000, 9000] : [100, 75];
  const bias = format.bitsPerSample === 16 ? 0 : 128;
  const wl = (2 * Math.PI * p.toneHz) / p.sampleRate;
  const half = p.toneHz / 2;
  const period = Number.isInteger(half) && half > 0 ? p.sampleRate / gcd(p.sampleRate, half) : frames;
  const n = Math.min(frames, period);
  for (let i = 0; i < n; i++) {
    out[ch * i] = bias + Math.round((amp[0] as number) * Math.sin(wl * i));
    if (ch === 2) out[2 * i + 1] = bias + Math.round((amp[1] as number) * Math.sin(wl * 1.5 * i));
  }
  for (let have = n; have < frames; have *= 2) out.copyWithin(ch * have, 0, ch * Math.min(have, frames - have));
  return new Uint8Array(out.buffer);
}

/** Bytes per second of a format. */
function bytesPerSecond(sampleRate: number, f: ToneFormat): number {
  return sampleRate * f.channels * (f.bitsPerSample / 8);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Units of block m (m >= 2) the card fetches before the late refill of its
 * half at T(end of block m - 2) + delay: stale ones. A short last block is a
 * new single-cycle transfer the driver starts at the block's first unit; the
 * DSP's request restarts there, so its units count from that instant.
 */
function staleUnits(m: number, blocks: number, lastIsShort: boolean, unitsPerBlock: number, rate: number, delayNs: number): number {
  const refill = timeForUnits((m - 1) * unitsPerBlock, rate) + delayNs;
  let fetched = unitsInTime(refill, rate);
  if (m === blocks - 1 && lastIsShort) {
    const restart = timeForUnits(m * unitsPerBlock, rate);
    fetched = m * unitsPerBlock + (refill > restart ? unitsInTime(refill - restart, rate) : 0);
  }
  return Math.max(0, Math.min(unitsPerBlock, fetched - m * unitsPerBlock));
}

/**
 * What a driver that refills each half `delayNs` after its interrupt makes
 * the card play: block m (m >= 2) starts with the stale content of its half
 * (chunk m - 2) for as many words as the 8237 fetched before the refill at
 * T(end of block m - 2) + delay, then continues with chunk m. Units follow
 * the 8237's lazy rule floor(t * rate / 1e9) from the start t0.
 */
export function predictLateCapture(source: Uint8Array, sampleRate: number, bufferBytes: number, delayNs: number, format: ToneFormat = STEREO16): { capture: Uint8Array; staleBytes: number; staleBlocks: number } {
  const half = bufferBytes / 2;
  const unitBytes = format.bitsPerSample / 8; // a word on the 16-bit channel, a byte on the 8-bit one
  const unitsPerBlock = half / unitBytes;
  const rate = sampleRate * format.channels; // DMA units (samples) per second
  // Start from the source (what a timely driver plays), then overwrite the stale head of each late block.
  const out = source.slice();
  let staleBytes = 0;
  let staleBlocks = 0;
  const blocks = Math.ceil(source.length / half);
  for (let m = 2; m < blocks && delayNs > 0; m++) {
    const stale = staleUnits(m, blocks, source.length - m * half < half, unitsPerBlock, rate, delayNs) * unitBytes;
    if (stale === 0) continue;
    // The half still holds chunk m - 2 (zeros past the end of the source).
    const n = Math.min(stale, source.length - m * half);
    const from = (m - 2) * half;
    out.set(source.subarray(from, from + n), m * half);
    staleBytes += n;
    staleBlocks++;
  }
  return { capture: out, staleBytes, staleBlocks };
}

/** Byte-wise equality of two buffers (word compares; no per-element closure). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const n4 = a.length >> 2;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, n4);
    const wb = new Uint32Array(b.buffer, b.byteOffset, n4);
    for (let i = 0; i < n4; i++) if (wa[i] !== wb[i]) return false;
  } else {
    for (let i = 0; i < n4 * 4; i++) if (a[i] !== b[i]) return false;
  }
  for (let i = n4 * 4; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Take every free page below 16 MiB (as other drivers and the boot have). Returns them for release. */
function exhaustIsaMemory(k: Kernel): number[] {
  const limit = (16 * 1024 * 1024) / PAGE_SIZE;
  const free = k.pfm.summarize(0, limit).free;
  if (free === 0) return [];
  return k.pfm.allocatePages(free, { effort: "free-only", kind: "unmovable", highPfn: limit - 1 }) ?? [];
}

const TABLE_BLOCKS = 12;

/**
 * The first blocks, one row each: when the block interrupt came, what the DPC
 * read with ReadDmaCounter, which half it refilled, and (late driver) when the
 * refill happened and how much of the next pass over that half was stale.
 */
function blockRows(e: SoundDeviceExtension, p: SoundCardParams, sourceBytes: number, delayNs: number): Row[] {
  const unitBytes = p.bitsPerSample / 8;
  const half = p.bufferBytes / 2;
  const unitsPerBlock = half / unitBytes;
  const rate = p.sampleRate * p.channels;
  const blocks = Math.ceil(sourceBytes / half);
  const rows: Row[] = [];
  const n = Math.min(TABLE_BLOCKS, e.counterReads.length);
  for (let b = 0; b < n; b++) {
    const irq = timeForUnits((b + 1) * unitsPerBlock, rate);
    const refill = irq + delayNs;
    const next = b + 2;
    const stale = next < blocks && delayNs > 0 ? staleUnits(next, blocks, sourceBytes - next * half < half, unitsPerBlock, rate, delayNs) * unitBytes : 0;
    rows.push({ block: b, interruptMs: Number((irq / 1e6).toFixed(3)), readDmaCounter: e.counterReads[b] ?? null, refilledHalf: e.refilledHalves[b] ?? null, refillMs: Number((refill / 1e6).toFixed(3)), staleBytesNextPass: stale });
  }
  return rows;
}

/** The card, its driver loaded and added by the PnP manager (AddDevice): what every variant starts from. */
export interface SoundMachine {
  readonly k: Kernel;
  readonly verifier: Verifier | null;
  readonly card: Sb16;
  readonly pdo: DEVICE_OBJECT;
  readonly fdo: DEVICE_OBJECT;
  readonly e: SoundDeviceExtension;
}

/** Boot, load the driver (DriverEntry) and let the PnP manager add the card (AddDevice). */
export function bootSoundCard(name: string, opts: ScenarioOptions, p: SoundCardParams, beforeUptime?: (k: Kernel) => void, bug: SoundDriverConfig["bug"] = "none"): SoundMachine {
  const { k, verifier } = bootScenario(name, opts, beforeUptime === undefined ? {} : { beforeUptime });
  const card = sb16On(k.board, k.profile.devices.find((d) => d.model === "sb16")?.name ?? "sb16");
  isaDmaOf(k).setIoAccessNs(p.ioPortNs);
  const pdo = k.pdo(card.name);
  const driver = loadSoundDriver(k, { bufferBytes: p.bufferBytes, sampleRate: p.sampleRate, refillDelayNs: Math.round(p.refillDelayMs * 1e6), bitsPerSample: p.bitsPerSample, channels: p.channels, bug });
  const added = pnpAddDevice(k, driver, pdo);
  const fdo = pdo.AttachedDevice;
  if (added !== STATUS.SUCCESS || fdo === null) throw new RangeError(`sound-card: AddDevice failed with ${statusName(added)}`);
  return { k, verifier, card, pdo, fdo, e: soundExtension(fdo) };
}

/** What the driver still holds (nothing, once it released the hardware). */
export function heldBySoundDriver(m: SoundMachine): string[] {
  const held: string[] = [];
  if (m.e.adapter !== null) held.push("the DMA adapter");
  if (m.e.mdl !== null) held.push("the common buffer's MDL");
  if (m.e.interrupt !== null) held.push("the interrupt");
  if (m.e.playing) held.push("the adapter channel");
  const buffers = liveCommonBuffers(m.k).length;
  if (buffers > 0) held.push(`${buffers} common buffer${buffers === 1 ? "" : "s"}`);
  return held;
}

/**
 * Run the machine until the request completes, event by event (so the clock
 * stops at the completion), telling `progress` every simulated second.
 */
export function waitWithProgress(k: Kernel, o: Overlapped, expectedNs: number, progress?: (fraction: number, label: string) => void): IoResult {
  const t0 = k.clock.now;
  let told = t0;
  while (!o.done) {
    const t = k.clock.nextEventTime();
    if (t === Infinity) break;
    k.clock.runUntil(t);
    if (progress !== undefined && t - told >= 1e9) {
      told = t;
      progress(Math.min(1, (t - t0) / expectedNs), "playing");
    }
  }
  return o.wait();
}

/** Run one variant. */
export function runSoundCard(variant: SoundCardVariant, opts: ScenarioOptions): SoundCardResult {
  const p = soundCardParams(variant, opts.params);
  // The exhausted machine: every free page below 16 MiB goes to other owners (boot drivers) before any uptime ages it,
  // so that the workload cannot leave movable pages there for compaction to reclaim.
  let taken: number[] = [];
  const m = bootSoundCard("sound-card", opts, p, (mk) => void (taken = variant === "exhausted" ? exhaustIsaMemory(mk) : []));
  const { k, verifier, card, pdo, e } = m;
  const findings = (): Finding[] => (verifier === null ? [] : verifier.findings);

  if (variant === "exhausted") {
    const before = { summary: k.pfm.summarize(0, k.map.pageCount), mappings: k.va.mappingCount, buffers: liveCommonBuffers(k).length };
    const status = startDevice(k, pdo).IoStatus.Status;
    const after = { summary: k.pfm.summarize(0, k.map.pageCount), mappings: k.va.mappingCount, buffers: liveCommonBuffers(k).length };
    const leaked = JSON.stringify(before) !== JSON.stringify(after) || heldBySoundDriver(m).length > 0;
    k.pfm.freePages(taken);
    const failed = status === STATUS.INSUFFICIENT_RESOURCES;
    // A device whose start failed is removed without a query.
    removeDevice(k, pdo);
    const ok = failed && !leaked && findings().length === 0;
    return {
      ok,
      summary: [
        `memory below 16 MiB taken before start: ${taken.length} pages`,
        `IRP_MN_START_DEVICE: ${statusName(status)}${failed ? " (AllocateCommonBuffer returned NULL)" : " (expected STATUS_INSUFFICIENT_RESOURCES)"}`,
        failed && leaked ? "LEAK: the failed start left resources behind" : failed ? "nothing leaked: pages, mappings, common buffers, adapter, MDL and interrupt are as before the start" : "the start found memory below 16 MiB after all",
      ],
      stats: { status: statusName(status), pagesTakenBelow16MiB: taken.length, leaked },
      findings: findings(),
      machine: k,
      wav: new Uint8Array(0),
      captured: new Uint8Array(0),
      source: new Uint8Array(0),
    };
  }

  const source = toneSource(p, p);
  const start = startDevice(k, pdo).IoStatus.Status;
  if (start !== STATUS.SUCCESS) {
    return { ok: false, summary: [`IRP_MN_START_DEVICE failed: ${statusName(start)}`], stats: { status: statusName(start) }, findings: findings(), machine: k, wav: new Uint8Array(0), captured: new Uint8Array(0), source };
  }
  // The application: open the card, put the PCM in its buffer, one WriteFile of the whole stream.
  const app = new Application(k);
  const open = app.CreateFile(card.name);
  if (open.handle === null) throw new RangeError(`sound-card: CreateFile failed with ${statusName(open.status)}`);
  const buffer = app.allocate(source.length);
  buffer.write(source);
  card.clearCapture();
  card.reserveCapture(source.length);
  const t0 = k.clock.now;
  const write = waitWithProgress(k, app.WriteFileOverlapped(open.handle, buffer), (source.length / bytesPerSecond(p.sampleRate, p)) * 1e9, opts.progress);
  const end = k.clock.now;
  const dpcRows = blockRows(e, p, source.length, variant === "late" ? Math.round(p.refillDelayMs * 1e6) : 0);
  const stats = { interrupts: e.interrupts, dpcs: e.dpcs, refills: e.refills, lostInterrupts: card.stats.lostInterrupts };
  app.CloseHandle(open.handle);
  removeDevice(k, pdo);
  buffer.free();
  const held = heldBySoundDriver(m);
  const captured = card.captured(); // the card is not used again: the view is the take
  const wav = encodeWav({ sampleRate: p.sampleRate, channels: p.channels, bitsPerSample: p.bitsPerSample, data: captured, signed: p.bitsPerSample === 16 });
  const delayNs = Math.round(p.refillDelayMs * 1e6);
  // Predictions count time from the start of playback (the 8237's lazy rule depends only on t - t0).
  const exact = sameBytes(captured, source);
  const predicted = variant === "late" ? predictLateCapture(source, p.sampleRate, p.bufferBytes, delayNs, p) : { capture: source, staleBytes: 0, staleBlocks: 0 };
  const matches = variant === "late" ? sameBytes(captured, predicted.capture) : exact;
  const fs = findings();
  const halfPeriodNs = (p.bufferBytes / 2 / bytesPerSecond(p.sampleRate, p)) * 1e9;
  const shows = variant === "late" ? (predicted.staleBytes > 0) === (delayNs > halfPeriodNs) : exact;
  const written = write.status === STATUS.SUCCESS && write.information === source.length;
  const ok = written && matches && fs.length === 0 && shows && held.length === 0;
  const summary = [
    `${p.seconds} s of ${p.sampleRate} Hz ${p.bitsPerSample}-bit ${p.channels === 2 ? "stereo" : "mono"} through a ${p.bufferBytes}-byte common buffer on DMA channel ${p.bitsPerSample === 16 ? card.dma16 : card.dma8} (auto-initialize), IRQ ${card.irq}`,
    `the application's WriteFile of ${source.length} bytes: ${statusName(write.status)}, ${write.information} bytes, after ${((end - t0) / 1e6).toFixed(3)} ms (when the card played the last byte)`,
    `${stats.interrupts} block interrupts, ${stats.dpcs} DPCs, ${stats.refills} refills, ${stats.lostInterrupts} lost interrupts`,
    variant === "late"
      ? `refills ${p.refillDelayMs} ms late: ${predicted.staleBlocks} blocks start with stale audio, ${predicted.staleBytes} bytes (${((predicted.staleBytes / bytesPerSecond(p.sampleRate, p)) * 1000).toFixed(1)} ms) in all; capture ${matches ? "matches" : "DIFFERS FROM"} the prediction`
      : `capture ${exact ? "equals the source sample for sample" : "DIFFERS FROM the source"} (${captured.length} bytes)`,
    held.length === 0 ? "after CloseHandle and the removal the driver holds nothing" : `after the removal the driver still holds ${held.join(", ")}`,
  ];
  return {
    ok,
    summary,
    tables: { blocks: dpcRows },
    stats: { ...stats, writeStatus: statusName(write.status), writeBytes: write.information, capturedBytes: captured.length, sourceBytes: source.length, exact, matchesPrediction: matches, staleBytes: predicted.staleBytes, staleBlocks: predicted.staleBlocks, simulatedSeconds: (end - t0) / 1e9, dpcsTotal: dpcCount(k) },
    findings: fs,
    machine: k,
    wav,
    captured,
    source,
  };
}

/**
 * A sound-card scenario's up-front check: its params, and a profile with the
 * 8237 pair and an SB16 (scenarios/profile-needs.ts).
 */
export function checkSoundCardSettings(scenario: string, params: Readonly<Record<string, unknown>> | undefined, profile: MachineProfile | undefined, read: (params: Readonly<Record<string, unknown>>) => unknown): void {
  read(params ?? {});
  if (profile === undefined) return;
  needIsaDma(scenario, profile);
  needDevice(scenario, profile, "sb16");
}

/** "sound-card": 10 s of a tone through common-buffer system DMA, auto-initialize; the capture equals the source. */
export const soundCardScenario: Scenario = {
  name: "sound-card",
  description: "Common-buffer system DMA in auto-initialize mode: an SB16-like card plays a tone through the 8237; the capture equals the source",
  defaultProfile: "x64-desktop",
  run: (opts) => runSoundCard("correct", opts),
  checkParams: (s) => checkSoundCardSettings("sound-card", s.params, s.profile, (p) => soundCardParams("correct", p, "sound-card")),
};

/** "sound-card-late": the driver refills 60 ms late; stale audio where predicted. */
export const soundCardLateScenario: Scenario = {
  name: "sound-card-late",
  description: "The same driver refilling each half late (params.refillDelayMs, default 60 ms): stale audio is replayed at the predicted places",
  defaultProfile: "x64-desktop",
  run: (opts) => runSoundCard("late", opts),
  checkParams: (s) => checkSoundCardSettings("sound-card-late", s.params, s.profile, (p) => soundCardParams("late", p, "sound-card-late")),
};

/** "sound-card-exhausted": no memory below 16 MiB; the start fails and nothing leaks. */
export const soundCardExhaustedScenario: Scenario = {
  name: "sound-card-exhausted",
  description: "Memory below 16 MiB exhausted before start: AllocateCommonBuffer returns NULL, the start fails with STATUS_INSUFFICIENT_RESOURCES and nothing leaks",
  defaultProfile: "x64-desktop",
  run: (opts) => runSoundCard("exhausted", opts),
  checkParams: (s) => checkSoundCardSettings("sound-card-exhausted", s.params, s.profile, (p) => soundCardParams("exhausted", p, "sound-card-exhausted")),
};
