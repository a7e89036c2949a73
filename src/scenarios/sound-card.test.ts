import { describe, expect, it } from "vitest";
import { Application } from "../app/application.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { decodeWav, encodeWav } from "../devices/wav.ts";
import { liveCommonBuffers } from "../hal/hal-state.ts";
import { isaDmaOf } from "../hal/system-dma.ts";
import { IoAllocateIrp, IRP_MJ_PNP } from "../kernel/irp.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoCallDriver, IRP_MN_START_DEVICE, pnpAddDevice, pnpState, removeDevice, startDevice } from "../kernel/pnp.ts";
import { CmResourceTypeDma, deviceResources } from "../kernel/resources.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { predictLateCapture, runSoundCard, sameBytes, soundCardParams, toneSource } from "./sound-card.ts";
import { type SoundDriverConfig, soundExtension } from "./sound-card-driver.ts";
import { loadSoundDriver } from "./sound-card-wdm.ts";

const base = { profile: "x64-desktop", seed: 7, uptimeSeconds: 0, verifier: "collect" } as const;

describe("sound-card scenario (common-buffer system DMA, auto-initialize)", () => {
  it("10 simulated seconds of a 44.1 kHz 16-bit stereo tone play back sample-exact: the captured WAV equals the source WAV", () => {
    const r = runSoundCard("correct", base);
    const src = toneSource({ seconds: 10, sampleRate: 44100, toneHz: 440 });
    expect(r.captured.length).toBe(10 * 44100 * 4);
    expect(sameBytes(r.wav, encodeWav({ sampleRate: 44100, channels: 2, bitsPerSample: 16, data: src, signed: true }))).toBe(true);
    const w = decodeWav(r.wav);
    expect([w.sampleRate, w.channels, w.bitsPerSample]).toEqual([44100, 2, 16]);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    // 1 764 000 bytes / 8 192-byte blocks: 215 whole blocks and a last one of 2720 bytes, one interrupt each.
    expect(r.stats?.["interrupts"]).toBe(216);
    expect(r.stats?.["writeStatus"]).toMatch(/^STATUS_SUCCESS/);
    expect(r.stats?.["writeBytes"]).toBe(10 * 44100 * 4);
    expect(r.stats?.["lostInterrupts"]).toBe(0);
  });

  it("a driver that refills 60 ms late replays stale audio exactly where predicted", () => {
    const r = runSoundCard("late", base);
    const src = r.source;
    const predicted = predictLateCapture(src, 44100, 16384, 60_000_000);
    expect(sameBytes(r.captured, predicted.capture)).toBe(true);
    expect(sameBytes(r.captured, src)).toBe(false);
    // By hand: block 0 ends when word 4096 is fetched, at ceil(4096e9 / 88200) = 46 439 910 ns; the refill of
    // block 2's half comes 60 ms later, when floor(106 439 910 * 88200 / 1e9) = 9388 words have been fetched:
    // block 2 (words 8192..) plays 9388 - 8192 = 1196 stale words (2392 bytes) of block 0 first.
    const b2 = 16384;
    expect(sameBytes(r.captured.subarray(b2, b2 + 2392), src.subarray(0, 2392))).toBe(true);
    expect(sameBytes(r.captured.subarray(b2 + 2392, b2 + 8192), src.subarray(b2 + 2392, b2 + 8192))).toBe(true);
    // The scenario's table shows the same: the DPC for block 0 read 8192 bytes left, refilled half 0, 2392 stale bytes followed.
    expect(r.tables?.["blocks"]?.[0]).toMatchObject({ block: 0, readDmaCounter: 8192, refilledHalf: 0, staleBytesNextPass: 2392 });
    expect(r.tables?.["blocks"]?.[1]).toMatchObject({ block: 1, readDmaCounter: 16384, refilledHalf: 1 });
    // Blocks 0 and 1 came from the initial fill and are clean.
    expect(sameBytes(r.captured.subarray(0, 16384), src.subarray(0, 16384))).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("22.05 kHz 8-bit mono through an 8 KiB buffer on the 8-bit channel (1) plays back sample-exact", () => {
    const r = runSoundCard("correct", { ...base, params: { bitsPerSample: 8, channels: 1, sampleRate: 22050, bufferBytes: 8192, seconds: 5 } });
    expect(sameBytes(r.captured, toneSource({ seconds: 5, sampleRate: 22050, toneHz: 440 }, { bitsPerSample: 8, channels: 1 }))).toBe(true);
    expect(r.summary[0]).toMatch(/DMA channel 1/);
    const w = decodeWav(r.wav);
    expect([w.sampleRate, w.channels, w.bitsPerSample]).toEqual([22050, 1, 8]);
    expect(r.ok).toBe(true);
  });

  it("an 8-bit driver refilling 250 ms late replays 1416 stale bytes at the start of block 2 (hand computation) and everywhere predicted", () => {
    const fmt = { bitsPerSample: 8, channels: 1 } as const;
    const r = runSoundCard("late", { ...base, params: { ...fmt, sampleRate: 22050, bufferBytes: 8192, seconds: 5, refillDelayMs: 250 } });
    // Block 0 ends at ceil(4096e9 / 22050) = 185 759 638 ns; + 250 ms: floor(435 759 638 * 22050 / 1e9) = 9608 bytes fetched, 9608 - 8192 = 1416.
    expect(sameBytes(r.captured.subarray(8192, 8192 + 1416), r.source.subarray(0, 1416))).toBe(true);
    expect(sameBytes(r.captured.subarray(8192 + 1416, 12288), r.source.subarray(8192 + 1416, 12288))).toBe(true);
    expect(sameBytes(r.captured, predictLateCapture(r.source, 22050, 8192, 250_000_000, fmt).capture)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("with 8237 port accesses costing 1 us each (torn count reads possible), the correct driver still plays sample-exact", () => {
    const r = runSoundCard("correct", { ...base, params: { seconds: 3, ioPortNs: 1000 } });
    expect(sameBytes(r.captured, r.source)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("a refill delay shorter than half the buffer's play time produces no stale audio", () => {
    const r = runSoundCard("late", { ...base, params: { seconds: 2, refillDelayMs: 40 } });
    expect(sameBytes(r.captured, r.source)).toBe(true);
    expect(r.stats?.["staleBytes"]).toBe(0);
    expect(r.ok).toBe(true);
  });

  it("a start on a machine whose memory below 16 MiB is exhausted fails with STATUS_INSUFFICIENT_RESOURCES and leaks nothing", () => {
    const r = runSoundCard("exhausted", base);
    expect(r.stats?.["status"]).toMatch(/INSUFFICIENT_RESOURCES/);
    expect(r.stats?.["leaked"]).toBe(false);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("after an uptime (workload pages everywhere else) the exhausted start still fails and leaks nothing", () => {
    const r = runSoundCard("exhausted", { ...base, uptimeSeconds: 2 });
    expect(r.stats?.["status"]).toMatch(/INSUFFICIENT_RESOURCES/);
    expect(r.ok).toBe(true);
  });

  it("the failed start frees what it claimed: the adapter is released and no common buffer, MDL or interrupt remains", () => {
    const k = bootMachine("x64-desktop");
    const v = installVerifier(k, { mode: "collect" });
    const limit = 4096;
    const taken = k.pfm.allocatePages(k.pfm.summarize(0, limit).free, { effort: "free-only", kind: "unmovable", highPfn: limit - 1 }) ?? [];
    const { fdo } = added(k);
    const before = k.pfm.summarize(0, k.map.pageCount);
    const maps = k.va.mappingCount;
    expect(startDevice(k, k.pdo("sb16")).IoStatus.Status).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(pnpState(k, k.pdo("sb16"))).toBe("added");
    expect(k.pfm.summarize(0, k.map.pageCount)).toEqual(before);
    expect(k.va.mappingCount).toBe(maps);
    expect(liveCommonBuffers(k)).toEqual([]);
    const e = soundExtension(fdo);
    expect([e.adapter, e.mdl, e.interrupt]).toEqual([null, null, null]);
    expect(v.findings).toEqual([]);
    k.pfm.freePages(taken);
  });

  it("ReadDmaCounter equals a hand computation at arbitrary instants: 16384 - 2 x (words fetched mod 8192), full right after each reload", () => {
    const k = bootMachine("x64-desktop");
    const { fdo } = added(k);
    expect(startDevice(k, k.pdo("sb16")).IoStatus.Status).toBe(STATUS.SUCCESS);
    const e = soundExtension(fdo);
    const app = new Application(k);
    const h = app.CreateFile("sb16").handle;
    if (h === null) throw new Error("no handle");
    const pcm = app.allocate(65536);
    const t0 = k.clock.now;
    const w = app.WriteFileOverlapped(h, pcm);
    const adapter = e.adapter;
    if (adapter === null) throw new Error("no adapter");
    const read = (): number => k.atDispatch(() => adapter.DmaOperations.ReadDmaCounter?.(adapter) ?? -1);
    expect(read()).toBe(16384);
    // Instants chosen by hand: mid-half, one ns before and at a half boundary, at and after the TC reload, later.
    const cases: [number, number][] = [
      [1_000_000, 16384 - 2 * 88], // floor(1e6 * 88200 / 1e9) = 88 words
      [46_439_909, 16384 - 2 * 4095], // one ns before word 4096
      [46_439_910, 8192], // word 4096: half played
      [92_879_818, 2], // 8191 words: one word left
      [92_879_819, 16384], // word 8192 = TC: reloaded, full again
      [92_879_820, 16384], // still full until the next word
      [123_456_789, 16384 - 2 * (10888 - 8192)], // floor(123 456 789 * 0.0882) = 10 888 words
    ];
    for (const [t, want] of cases) {
      k.clock.runUntil(t0 + t);
      expect([t, read()]).toEqual([t, want]);
    }
    // 65536 bytes = 32768 words: the write completes when the last one is fetched, at ceil(32768e9 / 88200) ns.
    expect(w.wait()).toEqual({ status: STATUS.SUCCESS, information: 65536 });
    expect(k.clock.now - t0).toBe(371_519_275);
    app.CloseHandle(h);
    removeDevice(k, k.pdo("sb16"));
  });

  it("ReadDmaCounter returns 0 after terminal count on a channel without auto-initialize", () => {
    const k = bootMachine("x64-desktop");
    const { fdo } = added(k, { bufferBytes: 8192 });
    expect(startDevice(k, k.pdo("sb16")).IoStatus.Status).toBe(STATUS.SUCCESS);
    const e = soundExtension(fdo);
    const adapter = e.adapter;
    if (adapter === null || e.mdl === null) throw new Error("no adapter");
    const dma = isaDmaOf(k);
    // Reprogram channel 5 as single-cycle (what a non-auto-init adapter's MapTransfer programs).
    dma.outb(0xd4, 5);
    dma.outb(0xd6, 0x49); // read, single, no auto-init, channel 5
    dma.outb(0xd4, 1);
    dma.setRequest(5, 88200);
    k.clock.runUntil(k.clock.now + 1_000_000_000);
    expect(k.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.ReadDmaCounter?.(adapter))).toBe(0);
    dma.setRequest(5, 0);
    removeDevice(k, k.pdo("sb16"));
  });

  it("params are validated: unknown names, non-page buffer sizes and refill delays beyond the buffer time are RangeErrors", () => {
    expect(() => soundCardParams("correct", { nope: 1 })).toThrow(RangeError);
    expect(() => soundCardParams("correct", { bufferBytes: 10000 })).toThrow(/multiple of 4096/);
    expect(() => soundCardParams("late", { refillDelayMs: 100 })).toThrow(/below the buffer's play time/);
    expect(() => soundCardParams("correct", { bitsPerSample: 12 })).toThrow(/8 or 16/);
    expect(() => soundCardParams("correct", { bufferBytes: 128 * 1024 })).toThrow(RangeError);
    expect(soundCardParams("late").refillDelayMs).toBe(60);
  });
});

describe("the sound-card driver takes its hardware from the start IRP's resources", () => {
  it("a card the profile puts at port 0x240 is found there (the DSP reset answers 0xAA through the resource's base)", () => {
    const p = builtinProfile("x64-desktop");
    const k = bootMachine({ ...p, devices: p.devices.map((d) => (d.name === "sb16" ? { ...d, bars: [0x240] } : d)) }, { seed: 1 });
    const { fdo } = added(k);
    expect(startDevice(k, k.pdo("sb16")).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(soundExtension(fdo).portBase).toBe(0x240);
  });

  it("a start IRP whose resource list lacks the DMA channel the format needs fails with STATUS_DEVICE_CONFIGURATION_ERROR and claims nothing", () => {
    const k = bootMachine("x64-desktop", { seed: 1 });
    const { fdo } = added(k);
    const r = deviceResources(k, "sb16");
    const f = r.translated.List[0];
    if (f === undefined) throw new Error("no list");
    const noDma = { Count: 1, List: [{ ...f, PartialResourceList: { ...f.PartialResourceList, PartialDescriptors: f.PartialResourceList.PartialDescriptors.filter((d) => d.Type !== CmResourceTypeDma) } }] };
    // The PnP manager's IRP, with the doctored translated list: the driver must read its channel from there.
    const irp = IoAllocateIrp(IRP_MJ_PNP, IRP_MN_START_DEVICE, { StartDevice: { AllocatedResources: r.raw, AllocatedResourcesTranslated: noDma } }, k);
    expect(IoCallDriver(fdo, irp)).toBe(0xc0000182);
    expect(irp.IoStatus.Status).toBe(0xc0000182);
    expect(liveCommonBuffers(k)).toEqual([]);
  });
});

/** The sound driver loaded and added over the machine's sb16 (DriverEntry, then AddDevice). */
function added(k: Kernel, config: Partial<SoundDriverConfig> = {}) {
  const driver = loadSoundDriver(k, { bufferBytes: 16384, sampleRate: 44100, refillDelayNs: 0, ...config });
  expect(pnpAddDevice(k, driver, k.pdo("sb16"))).toBe(STATUS.SUCCESS);
  const fdo = k.pdo("sb16").AttachedDevice;
  if (fdo === null) throw new Error("no FDO");
  return { driver, fdo };
}
