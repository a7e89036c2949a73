import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCDriverScenario } from "../../src/cdriver/scenario/c-scenario.ts";
import { runSoundCard, sameBytes, toneSource } from "../../src/scenarios/sound-card.ts";
import { EXAMPLES, haveToolchain, skipReason } from "./support.ts";

const base = { profile: "x64-desktop", seed: 7, uptimeSeconds: 0, verifier: "collect" } as const;

describe.skipIf(!haveToolchain)(`examples/c/sb16-wdm: the WDM ISA sound driver in C on the SB16${skipReason}`, () => {
  it("plays 10 s of 44.1 kHz 16-bit stereo through common-buffer system DMA (auto-initialize) byte-exact, as the TypeScript driver does", async () => {
    const c = await loadCDriverScenario(join(EXAMPLES, "sb16-wdm")).run(base);
    const ts = runSoundCard("correct", base);
    expect(c.ok).toBe(true);
    expect(c.findings).toEqual([]);
    expect(c.wav).toBeDefined();
    expect(sameBytes(c.wav as Uint8Array, ts.wav)).toBe(true);
    expect(ts.ok).toBe(true);
    // 1 764 000 bytes / 8 192-byte halves: 215 whole blocks, one interrupt and one DPC refill each.
    expect(c.stats?.["interrupts"]).toBe(215);
    expect(c.stats?.["dpcs"]).toBe(215);
    expect(c.stats?.["lostInterrupts"]).toBe(0);
    // The first DPC read 8192 bytes left (the controller in the second half) and refilled the first.
    expect(c.tables?.["blocks"]?.[0]).toMatchObject({ block: 0, readDmaCounter: 8192, refilledHalf: 0 });
    expect(c.tables?.["blocks"]?.[1]).toMatchObject({ block: 1, readDmaCounter: 16384, refilledHalf: 1 });
  }, 120_000);

  it("plays 22.05 kHz 8-bit mono through an 8 KiB buffer on the 8-bit channel sample-exact (params set by the application's IOCTL)", async () => {
    const params = { bitsPerSample: 8, channels: 1, sampleRate: 22050, bufferBytes: 8192, seconds: 3 };
    const r = await loadCDriverScenario(join(EXAMPLES, "sb16-wdm")).run({ ...base, params });
    expect(r.ok).toBe(true);
    expect(r.summary[1]).toMatch(/DMA channel 1/);
    expect(r.stats?.["exact"]).toBe(true);
    expect(r.stats?.["capturedBytes"]).toBe(toneSource({ seconds: 3, sampleRate: 22050, toneHz: 440 }, { bitsPerSample: 8, channels: 1 }).length);
  }, 120_000);

  it("its WPP trace reaches the run: TraceEvents with %!FUNC!, %wZ, %!STATUS! and %I64X formatted by the host", async () => {
    const r = await loadCDriverScenario(join(EXAMPLES, "sb16-wdm")).run({ ...base, params: { seconds: 0.5 } });
    const lines = (r.tables?.["driverTrace"] ?? []).map((x) => `${String(x["function"])}: ${String(x["message"])}`);
    expect(lines[0]).toBe("DriverEntry: DriverEntry \\Registry\\Machine\\System\\CurrentControlSet\\Services\\sb16-wdm");
    expect(lines).toContain("Sb16DispatchPnp: IRP_MN_START_DEVICE: STATUS_SUCCESS (0x00000000)");
    expect(lines.some((l) => /^Sb16StartDma: channel 5: 5 map registers, common buffer 8000[0-9A-F]{4} logical [0-9A-F]{8}$/.test(l))).toBe(true);
    // Each message says where it was traced, as WPP's own %!FILE! and %!LINE! would.
    const dmaRow = (r.tables?.["driverTrace"] ?? []).find((x) => x["function"] === "Sb16StartDma");
    expect(dmaRow?.["at"]).toMatch(/^dma\.c:\d+$/);
    expect(dmaRow?.["level"]).toBe("INFORMATION");
    expect(dmaRow?.["flags"]).toBe("DBG_DMA");
  }, 120_000);

  it("the leaking variant (SB16_FORGET_FREE_ON_REMOVE) is caught: DMA_COMMON_BUFFER_LEAKED at removal, naming the C line that allocated it", async () => {
    const r = await loadCDriverScenario(join(EXAMPLES, "sb16-wdm-leak")).run(base);
    const leak = r.findings?.find((f) => f.code === "DMA_COMMON_BUFFER_LEAKED");
    expect(leak).toBeDefined();
    expect(leak?.message).toMatch(/allocated by AllocateCommonBuffer at sb16-wdm\/dma\.c:75:\d+ \(Sb16StartDma\)/);
    expect(r.ok).toBe(true);
    expect(r.summary.at(-1)).toBe("expected finding DMA_COMMON_BUFFER_LEAKED: shown");
    // The sound still plays: the bug is only the leak.
    expect(r.stats?.["exact"]).toBe(true);
  }, 120_000);
});
