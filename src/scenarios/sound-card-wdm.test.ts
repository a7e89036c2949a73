import { describe, expect, it } from "vitest";
import { Application, type HANDLE } from "../app/application.ts";
import { STATUS } from "../core/ntstatus.ts";
import { sb16On } from "../devices/builtin-models.ts";
import { liveCommonBuffers } from "../hal/hal-state.ts";
import { DO_DIRECT_IO } from "../kernel/io-manager.ts";
import { IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_PNP, IRP_MJ_READ, IRP_MJ_WRITE } from "../kernel/irp.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { cancelStopDevice, pnpAddDevice, queryStopDevice, removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import { installVerifier, type Verifier } from "../verifier/verifier.ts";
import { sameBytes, toneSource } from "./sound-card.ts";
import { soundExtension } from "./sound-card-driver.ts";
import { loadSoundDriver, soundPnpState, STATUS_ACCESS_DENIED } from "./sound-card-wdm.ts";

// 16-bit stereo at 44.1 kHz: 88 200 words a second on the 16-bit channel; a 16 KiB buffer plays 4096-word blocks.

function machine() {
  const k: Kernel = bootMachine("x64-desktop", { seed: 3 });
  const v: Verifier = installVerifier(k, { mode: "collect" });
  const card = sb16On(k.board, "sb16");
  const pdo = k.pdo("sb16");
  const driver = loadSoundDriver(k, { bufferBytes: 16384, sampleRate: 44100, refillDelayNs: 0 });
  expect(pnpAddDevice(k, driver, pdo)).toBe(STATUS.SUCCESS);
  const fdo = pdo.AttachedDevice;
  if (fdo === null) throw new Error("no FDO");
  const app = new Application(k);
  return { k, v, card, pdo, fdo, driver, app, e: soundExtension(fdo) };
}

function started() {
  const m = machine();
  expect(startDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
  const open = m.app.CreateFile("sb16");
  if (open.handle === null) throw new Error(`CreateFile 0x${open.status.toString(16)}`);
  m.card.clearCapture();
  const h: HANDLE = open.handle;
  return { ...m, h };
}

/** An application buffer holding `seconds` of the test tone at `toneHz`. */
function pcm(m: ReturnType<typeof machine>, seconds: number, toneHz = 440) {
  const data = toneSource({ seconds, sampleRate: 44100, toneHz });
  const buf = m.app.allocate(data.length);
  buf.write(data);
  return { data, buf };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("the sound-card driver's WDM shape", () => {
  it("DriverEntry fills the dispatch table (PnP, create, cleanup, close, write; StartIo) and AddDevice makes a direct-I/O FDO over the card's PDO", () => {
    const { driver, fdo, pdo } = machine();
    for (const major of [IRP_MJ_PNP, IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_WRITE]) expect(driver.MajorFunction[major], `major 0x${major.toString(16)}`).toBeTypeOf("function");
    for (const major of [IRP_MJ_READ, IRP_MJ_DEVICE_CONTROL]) expect(driver.MajorFunction[major]).toBeNull();
    expect(driver.DriverStartIo).toBeTypeOf("function");
    expect(fdo.pdo).toBe(pdo);
    expect(fdo.Flags & DO_DIRECT_IO).toBe(DO_DIRECT_IO);
    expect(soundPnpState(fdo)).toBe("added");
  });

  it("a write completes when the card has played its last byte, with Information = its length; the card played exactly the stream", () => {
    const m = started();
    const { data, buf } = pcm(m, 0.3);
    const t0 = m.k.clock.now;
    const w = m.app.WriteFileOverlapped(m.h, buf);
    expect(w.done).toBe(false);
    expect(w.wait()).toEqual({ status: STATUS.SUCCESS, information: data.length });
    // 13 230 frames = 26 460 words = 6 blocks of 4096 + 1884. The DSP's last, single-cycle transfer starts when word
    // 24 576 is fetched, at ceil(24576e9 / 88200) = 278 639 456 ns; its 1884 words take ceil(1884e9 / 88200) = 21 360 545 ns.
    expect(m.k.clock.now - t0).toBe(278_639_456 + 21_360_545);
    expect(sameBytes(m.card.captured(), data)).toBe(true);
    expect(m.card.playing).toBe(false);
    expect(m.v.findings).toEqual([]);
  });

  it("streams ending on a full block, mid-block or inside the first block all end on their last sample", () => {
    const m = started();
    // 8192 = one block; 16384 = two; 24576 = a full last block after auto-init; 30000 and 8196 end mid-block; 4 is one frame.
    for (const bytes of [8192, 16384, 24576, 30000, 8196, 4]) {
      m.card.clearCapture();
      const data = Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + bytes) & 0xff);
      const buf = m.app.allocate(bytes);
      buf.write(data);
      expect(m.app.WriteFile(m.h, buf), `${bytes} bytes`).toEqual({ status: STATUS.SUCCESS, information: bytes });
      expect(sameBytes(m.card.captured(), data), `${bytes} bytes`).toBe(true);
      buf.free();
    }
    expect(m.v.findings).toEqual([]);
  });

  it("two overlapped writes play back to back through the StartIo queue: the second waits for the first, the card plays both without a gap", () => {
    const m = started();
    const a = pcm(m, 0.2, 440);
    const b = pcm(m, 0.1, 660);
    const t0 = m.k.clock.now;
    const wa = m.app.WriteFileOverlapped(m.h, a.buf);
    const wb = m.app.WriteFileOverlapped(m.h, b.buf);
    expect(wa.wait()).toEqual({ status: STATUS.SUCCESS, information: a.data.length });
    expect(wb.done).toBe(false);
    expect(wb.wait()).toEqual({ status: STATUS.SUCCESS, information: b.data.length });
    expect(sameBytes(m.card.captured(), concat(a.data, b.data))).toBe(true);
    // 17 640 words (4 blocks + 1256) then 8820 (2 blocks + 628), the second run starting at the instant the first
    // ended; each last block restarts the DSP's request: ceil(16384e9 / 88200) + ceil(1256e9 / 88200), and likewise.
    expect(m.k.clock.now - t0).toBe(185_759_638 + 14_240_363 + (92_879_819 + 7_120_182));
  });

  it("bad writes fail at once: a length that is not whole frames is STATUS_INVALID_PARAMETER, an empty write succeeds with 0 bytes", () => {
    const m = started();
    const buf = m.app.allocate(6);
    expect(m.app.WriteFile(m.h, buf)).toEqual({ status: STATUS.INVALID_PARAMETER, information: 0 });
    expect(m.app.WriteFile(m.h, buf, 0)).toEqual({ status: STATUS.SUCCESS, information: 0 });
    expect(m.card.captured().length).toBe(0);
  });

  it("the device is exclusive: a second CreateFile gets STATUS_ACCESS_DENIED until the first handle closes", () => {
    const m = started();
    expect(m.app.CreateFile("sb16").status).toBe(STATUS_ACCESS_DENIED);
    m.app.CloseHandle(m.h);
    expect(m.app.CreateFile("sb16").status).toBe(STATUS.SUCCESS);
  });

  it("CancelIo stops the playing write (STATUS_CANCELLED, Information = the bytes the card played) and takes the queued one off the queue", () => {
    const m = started();
    const a = pcm(m, 0.5);
    const b = pcm(m, 0.5);
    const wa = m.app.WriteFileOverlapped(m.h, a.buf);
    const wb = m.app.WriteFileOverlapped(m.h, b.buf);
    m.k.clock.runUntil(m.k.clock.now + 100_000_000);
    expect(m.app.CancelIo(m.h)).toBe(2);
    // 100 ms of 88 200 words/s: 8820 words, 17 640 bytes.
    expect(wa.result).toEqual({ status: STATUS.CANCELLED, information: 17640 });
    expect(wb.result).toEqual({ status: STATUS.CANCELLED, information: 0 });
    expect(sameBytes(m.card.captured(), a.data.subarray(0, 17640))).toBe(true);
    m.k.clock.runUntil(m.k.clock.now + 100_000_000);
    expect(m.card.captured().length).toBe(17640);
    expect(m.v.findings).toEqual([]);
  });

  it("CloseHandle with a write playing: CLEANUP cancels it and the card stops", () => {
    const m = started();
    const a = pcm(m, 0.5);
    const wa = m.app.WriteFileOverlapped(m.h, a.buf);
    m.k.clock.runUntil(m.k.clock.now + 50_000_000);
    m.app.CloseHandle(m.h);
    expect(wa.result?.status).toBe(STATUS.CANCELLED);
    expect(wa.result?.information).toBe(m.card.captured().length);
    expect(m.card.playing).toBe(false);
  });
});

describe("the sound-card driver through PnP transitions", () => {
  it("a stop in the middle of playback releases the hardware and keeps the write pending; the restart plays on from the byte the card reached", () => {
    const m = started();
    const a = pcm(m, 0.5);
    const w = m.app.WriteFileOverlapped(m.h, a.buf);
    m.k.clock.runUntil(m.k.clock.now + 123_456_789);
    expect(stopDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(soundPnpState(m.fdo)).toBe("stopped");
    // Stopped: no adapter, common buffer, MDL or interrupt; the write waits.
    expect([m.e.adapter, m.e.mdl, m.e.interrupt]).toEqual([null, null, null]);
    expect(liveCommonBuffers(m.k)).toEqual([]);
    const heard = m.card.captured().length;
    expect(heard).toBe(2 * 10888); // floor(123 456 789 * 88 200 / 1e9) words
    m.k.clock.runUntil(m.k.clock.now + 200_000_000);
    expect(w.done).toBe(false);
    expect(m.card.captured().length).toBe(heard);
    expect(startDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(w.wait()).toEqual({ status: STATUS.SUCCESS, information: a.data.length });
    expect(sameBytes(m.card.captured(), a.data)).toBe(true);
    expect(m.e.starts).toBe(2);
    expect(m.v.findings).toEqual([]);
  });

  it("a write that arrives while a stop is pending is held; IRP_MN_CANCEL_STOP_DEVICE plays it", () => {
    const m = started();
    expect(queryStopDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(soundPnpState(m.fdo)).toBe("stop-pending");
    const a = pcm(m, 0.1);
    const w = m.app.WriteFileOverlapped(m.h, a.buf);
    m.k.clock.runUntil(m.k.clock.now + 50_000_000);
    expect(m.card.captured().length).toBe(0);
    cancelStopDevice(m.k, m.pdo);
    expect(soundPnpState(m.fdo)).toBe("started");
    expect(w.wait()).toEqual({ status: STATUS.SUCCESS, information: a.data.length });
    expect(sameBytes(m.card.captured(), a.data)).toBe(true);
  });

  it("surprise removal in the middle of playback: every outstanding write completes with STATUS_DEVICE_REMOVED (the playing one with the bytes played), later writes and opens fail, the driver holds nothing", () => {
    const m = started();
    const a = pcm(m, 0.5);
    const b = pcm(m, 0.5);
    const wa = m.app.WriteFileOverlapped(m.h, a.buf);
    const wb = m.app.WriteFileOverlapped(m.h, b.buf);
    m.k.clock.runUntil(m.k.clock.now + 100_000_000);
    expect(surpriseRemoveDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(wa.result).toEqual({ status: STATUS.DEVICE_REMOVED, information: 17640 });
    expect(wb.result).toEqual({ status: STATUS.DEVICE_REMOVED, information: 0 });
    expect(sameBytes(m.card.captured(), a.data.subarray(0, 17640))).toBe(true);
    // The DMA stopped with the removal: the card is gone and no further byte is fetched.
    m.k.clock.runUntil(m.k.clock.now + 100_000_000);
    expect(m.card.captured().length).toBe(17640);
    expect(m.app.WriteFile(m.h, a.buf)).toEqual({ status: STATUS.DEVICE_REMOVED, information: 0 });
    expect(m.app.CreateFile("sb16").status).toBe(STATUS.DELETE_PENDING);
    expect([m.e.adapter, m.e.mdl, m.e.interrupt]).toEqual([null, null, null]);
    expect(liveCommonBuffers(m.k)).toEqual([]);
    m.app.CloseHandle(m.h);
    removeDevice(m.k, m.pdo);
    expect(m.fdo.deleted).toBe(true);
    expect(m.v.findings).toEqual([]);
  });

  it("an orderly removal of an idle device (query-remove, remove) releases the hardware and deletes the FDO", () => {
    const m = started();
    m.app.CloseHandle(m.h);
    expect(removeDevice(m.k, m.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(soundPnpState(m.fdo)).toBe("removed");
    expect(m.fdo.deleted).toBe(true);
    expect(liveCommonBuffers(m.k)).toEqual([]);
    expect(m.v.findings).toEqual([]);
  });
});
