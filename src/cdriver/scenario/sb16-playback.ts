/**
 * The SB16 playback workload for a C sound driver, the same run the
 * TypeScript sound-card scenario makes: an application opens the device,
 * sets the format (IOCTL_SB16_SET_FORMAT, before the start), the PnP manager
 * starts it, the application writes a test tone (direct I/O) and the machine
 * runs until the 8237 has fetched the last sample; then the device is
 * removed. The card's capture must equal the source, sample for sample.
 *
 * Params as the sound-card scenario's: seconds, sampleRate, bufferBytes,
 * toneHz, bitsPerSample, channels, ioPortNs.
 */
import { STATUS, statusName } from "../../core/ntstatus.ts";
import { Application } from "../../app/application.ts";
import { sb16On } from "../../devices/builtin-models.ts";
import { encodeWav } from "../../devices/wav.ts";
import { isaDmaOf } from "../../hal/system-dma.ts";
import { CTL_CODE, FILE_READ_ACCESS, FILE_WRITE_ACCESS, METHOD_BUFFERED } from "../../kernel/io-manager.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { removeDevice, startDevice } from "../../kernel/pnp.ts";
import type { Row } from "../../scenarios/scenario.ts";
import { sameBytes, type SoundCardParams, soundCardParams, toneSource } from "../../scenarios/sound-card.ts";

/** FILE_DEVICE_SOUND. */
const FILE_DEVICE_SOUND = 0x1d;
export const IOCTL_SB16_SET_FORMAT = CTL_CODE(FILE_DEVICE_SOUND, 0x800, METHOD_BUFFERED, FILE_WRITE_ACCESS);
export const IOCTL_SB16_GET_STATS = CTL_CODE(FILE_DEVICE_SOUND, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS);
/** SB16_STATS: Interrupts, Dpcs, Refills, CounterReads[12], RefilledHalves[12] (ULONGs). */
const STATS_BYTES = 4 * (3 + 12 + 12);

export interface PlaybackOutcome {
  readonly ok: boolean;
  readonly summary: string[];
  readonly stats: Record<string, number | string | boolean>;
  readonly tables: Record<string, Row[]>;
  readonly wav: Uint8Array;
  readonly captured: Uint8Array;
  readonly source: Uint8Array;
}

/** Validate the params (RangeError naming a bad one). */
export function playbackParams(params: Readonly<Record<string, unknown>> | undefined): SoundCardParams {
  const p = soundCardParams("correct", params ?? {});
  if (p.refillDelayMs !== 0) throw new RangeError("sb16-playback: refillDelayMs is a setting of the TypeScript sound-card-late scenario, not of a C driver");
  return p;
}

/** Run the playback on a machine whose C driver was added for `device`. `progress` gets the fraction played. */
export function runSb16Playback(k: Kernel, device: string, p: SoundCardParams, progress?: (f: number, label: string) => void): PlaybackOutcome {
  const card = sb16On(k.board, device);
  const dma = isaDmaOf(k);
  dma.setIoAccessNs(p.ioPortNs);
  const pdo = k.pdo(device);
  const app = new Application(k);
  const open = app.CreateFile(device);
  const fail = (what: string): PlaybackOutcome => ({ ok: false, summary: [what], stats: {}, tables: {}, wav: new Uint8Array(0), captured: new Uint8Array(0), source: new Uint8Array(0) });
  if (open.handle === null) return fail(`CreateFile(${device}) failed: ${statusName(open.status)}`);
  const h = open.handle;
  const fmt = app.allocate(12);
  const f = new DataView(new ArrayBuffer(12));
  f.setUint32(0, p.sampleRate, true);
  f.setUint16(4, p.bitsPerSample, true);
  f.setUint16(6, p.channels, true);
  f.setUint32(8, p.bufferBytes, true);
  fmt.write(new Uint8Array(f.buffer));
  const set = app.DeviceIoControl(h, IOCTL_SB16_SET_FORMAT, fmt, null);
  if (set.status !== STATUS.SUCCESS) return fail(`IOCTL_SB16_SET_FORMAT failed: ${statusName(set.status)}`);
  const start = startDevice(k, pdo).IoStatus.Status;
  if (start !== STATUS.SUCCESS) return fail(`IRP_MN_START_DEVICE failed: ${statusName(start)}`);
  const source = toneSource(p, p);
  const user = app.allocate(source.length);
  user.write(source);
  card.clearCapture();
  card.reserveCapture(source.length);
  const channel = p.bitsPerSample === 16 ? card.dma16 : card.dma8;
  const unitBytes = p.bitsPerSample / 8;
  const t0 = k.clock.now;
  const served0 = dma.servedUnits(channel);
  const write = app.WriteFileOverlapped(h, user);
  // The instant the 8237 fetches the last source sample, then in one-second steps for progress.
  const due = dma.timeOfServed(channel, served0 + source.length / unitBytes);
  const end = Number.isFinite(due) ? due : t0;
  for (let t = t0; t < end; ) {
    t = Math.min(end, t + 1e9);
    k.clock.runUntil(t);
    progress?.((t - t0) / Math.max(1, end - t0), "playing");
  }
  const statsBuf = app.allocate(STATS_BYTES);
  const got = app.DeviceIoControl(h, IOCTL_SB16_GET_STATS, null, statsBuf);
  const s = new DataView(statsBuf.read().buffer);
  const interrupts = s.getUint32(0, true);
  const dpcs = s.getUint32(4, true);
  const refills = s.getUint32(8, true);
  const blocks: Row[] = [];
  for (let b = 0; b < Math.min(12, dpcs); b++) blocks.push({ block: b, readDmaCounter: s.getUint32(12 + 4 * b, true), refilledHalf: s.getUint32(12 + 48 + 4 * b, true) });
  app.CloseHandle(h);
  const removed = removeDevice(k, pdo).IoStatus.Status;
  const captured = card.captured();
  const wrote = write.result;
  user.free();
  fmt.free();
  statsBuf.free();
  const exact = sameBytes(captured, source);
  const wav = encodeWav({ sampleRate: p.sampleRate, channels: p.channels, bitsPerSample: p.bitsPerSample, data: captured, signed: p.bitsPerSample === 16 });
  const ok = exact && wrote !== null && wrote.status === STATUS.SUCCESS && wrote.information === source.length && got.status === STATUS.SUCCESS && removed === STATUS.SUCCESS;
  return {
    ok,
    summary: [
      `${p.seconds} s of ${p.sampleRate} Hz ${p.bitsPerSample}-bit ${p.channels === 2 ? "stereo" : "mono"} through a ${p.bufferBytes}-byte common buffer on DMA channel ${channel} (auto-initialize), IRQ ${card.irq}, played by the C driver`,
      `${interrupts} block interrupts, ${dpcs} DPCs, ${refills} refills, ${card.stats.lostInterrupts} lost interrupts`,
      `WriteFile: ${wrote === null ? "still pending" : `${statusName(wrote.status)}, ${wrote.information} bytes`}; capture ${exact ? "equals the source sample for sample" : "DIFFERS FROM the source"} (${captured.length} bytes)`,
    ],
    stats: { interrupts, dpcs, refills, lostInterrupts: card.stats.lostInterrupts, capturedBytes: captured.length, sourceBytes: source.length, exact, simulatedSeconds: (end - t0) / 1e9 },
    tables: { blocks },
    wav,
    captured,
    source,
  };
}
