import { describe, expect, it } from "vitest";
import { decodeWav } from "../devices/wav.ts";
import { runSoundCardPnp, soundCardPnpLeakScenario, soundPnpParams } from "./sound-card-pnp.ts";
import type { SoundCardResult } from "./sound-card.ts";
import { sameBytes, toneSource } from "./sound-card.ts";

const base = { profile: "x64-desktop", seed: 5, uptimeSeconds: 0, verifier: "collect" } as const;

describe("sound-card-pnp: a rebalance and a surprise removal in the middle of an application's writes", () => {
  it("A plays whole across the rebalance; B1 stops at the removal with STATUS_DEVICE_REMOVED and the bytes played, B2 gets 0; zero findings, nothing held", () => {
    const r = runSoundCardPnp(base);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    const a = toneSource({ seconds: 2, sampleRate: 44100, toneHz: 440 });
    const b = toneSource({ seconds: 2, sampleRate: 44100, toneHz: 660 });
    // 400 ms into B1 at 88 200 words/s: floor(0.4 * 88200) = 35 280 words, 70 560 bytes.
    expect(r.stats?.["b1Bytes"]).toBe(70560);
    expect(r.captured.length).toBe(a.length + 70560);
    expect(sameBytes(r.captured.subarray(0, a.length), a)).toBe(true);
    expect(sameBytes(r.captured.subarray(a.length), b.subarray(0, 70560))).toBe(true);
    expect(r.stats).toMatchObject({ starts: 2, heldAfterSurprise: 0, heldAfterRemove: 0 });
    expect(String(r.stats?.["aStatus"])).toMatch(/^STATUS_SUCCESS/);
    for (const key of ["b1Status", "b2Status", "afterRemovalStatus"]) expect(String(r.stats?.[key]), key).toMatch(/^STATUS_DEVICE_REMOVED/);
    expect(String(r.stats?.["reopenStatus"])).toMatch(/^STATUS_DELETE_PENDING/);
    const rows = r.tables?.["requests"] ?? [];
    expect(rows.map((row) => row["information"])).toEqual([a.length, 70560, 0, 0]);
    // A ends when its last word is fetched: the rebalance cost no sample, only the request restarts' rounding.
    expect(rows[0]?.["completedMs"]).toBeCloseTo(2000, 3);
    expect(decodeWav(r.wav).data.length).toBe(r.captured.length);
  });

  it("with the times moved (rebalance at 1234.5 ms, removal at 10 ms) the same holds and B1 carries 1764 bytes", () => {
    const r = runSoundCardPnp({ ...base, params: { restartAtMs: 1234.5, removeAtMs: 10 } });
    expect(r.ok).toBe(true);
    // floor(0.01 * 88200) = 882 words.
    expect(r.stats?.["b1Bytes"]).toBe(1764);
  });

  it("8-bit mono on the 8-bit channel: the rebalance and the removal behave the same", () => {
    const r = runSoundCardPnp({ ...base, params: { bitsPerSample: 8, channels: 1, sampleRate: 22050, bufferBytes: 8192, seconds: 1 } });
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    // 1 s writes: the removal defaults to a quarter of the first write's time, 250 ms: floor(0.25 * 22050) = 5512 bytes of B1.
    expect(r.stats?.["b1Bytes"]).toBe(5512);
  });

  it("a driver that gives nothing back on the removal: the sound and the requests are as before, but its common buffer and adapter leak (DMA_COMMON_BUFFER_LEAKED, DMA_ADAPTER_NOT_PUT) and it still holds them", () => {
    const r = soundCardPnpLeakScenario.run(base) as SoundCardResult;
    expect(r.stats?.["exact"]).toBe(true);
    expect(r.stats?.["b1Bytes"]).toBe(70560);
    expect((r.findings ?? []).map((f) => f.code).sort()).toEqual(["DMA_ADAPTER_NOT_PUT", "DMA_COMMON_BUFFER_LEAKED"]);
    expect(r.stats?.["heldAfterRemove"]).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  });

  it("params: the PnP times must fall inside the writes they interrupt; a late refill is not a param here", () => {
    expect(() => soundPnpParams({ restartAtMs: 2000 })).toThrow(/restartAtMs.*inside the first write/);
    expect(() => soundPnpParams({ removeAtMs: 1000 })).toThrow(/removeAtMs.*inside the second write/);
    expect(() => soundPnpParams({ refillDelayMs: 10 })).toThrow(/refillDelayMs/);
    expect(() => soundPnpParams({ nope: 1 })).toThrow(/unknown param "nope"/);
    expect(soundPnpParams({ seconds: 0.5 })).toMatchObject({ seconds: 0.5, restartAtMs: 250, removeAtMs: 125 });
  });
});
