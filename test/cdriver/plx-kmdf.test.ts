/**
 * examples/c/plx-kmdf, the project's own KMDF driver in C for the PLX 9656
 * (the PLX9x5x sample's shape), run through the CLI in-process: queues,
 * scatter/gather DMA through descriptor rings in common buffers, ISR and DPC,
 * byte-exact, with no findings on both x64 profiles; and its leaking variant,
 * whose finding names the C line that allocated what it leaked.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/program.ts";
import { plain } from "../../src/report/summary.ts";
import { DISPATCH_LEVEL } from "../../src/core/irql.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import { CmResourceTypeInterrupt, descriptorsOfType, deviceResources } from "../../src/kernel/resources.ts";
import { EXAMPLES, haveToolchain, skipReason } from "./support.ts";

interface RunJson {
  ok: boolean;
  summary: string[];
  stats: Record<string, number>;
  tables: Record<string, Record<string, unknown>[]>;
  allocations: { device: string; length: number }[];
  findings: { code: string; message: string }[];
}

/** `dmasim run <args> --json` in-process: the exit code and the parsed result. */
async function dmasimRun(args: readonly string[]): Promise<{ code: number; json: RunJson }> {
  const out: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: () => undefined, style: plain, stderrIsTty: false, cwd: mkdtempSync(join(tmpdir(), "dmasim-plx-kmdf-")), writeFile: () => undefined };
  const code = await runCli(["run", ...args, "--json"], io);
  return { code, json: JSON.parse(out.join("")) as RunJson };
}

describe.skipIf(!haveToolchain)(`examples/c/plx-kmdf: a KMDF driver in C on the PLX 9656, through the CLI${skipReason}`, () => {
  for (const profile of ["x64-desktop", "x64-iommu"]) {
    it(`on ${profile}: every buffer written by DMA and read back byte for byte, one interrupt and one DPC per transfer, no findings`, async () => {
      const { code, json } = await dmasimRun([join(EXAMPLES, "plx-kmdf"), "--profile", profile]);
      expect(code).toBe(0);
      expect(json.ok).toBe(true);
      expect(json.findings).toEqual([]);
      expect(json.stats).toMatchObject({ transfers: 16, mismatches: 0, failures: 0, interrupts: 32, interruptsClaimed: 32, dpcs: 32 });
      expect(json.stats["bytes"]).toBeGreaterThan(16);
      const text = json.summary.join("\n");
      expect(text).toMatch(/a KMDF 1\.33 driver \(WdfDriverCreate\)/);
      expect(text).toMatch(/IRP_MN_START_DEVICE: STATUS_SUCCESS/);
      expect(text).toMatch(/every byte matches/);
      expect(text).toMatch(/IRP_MN_REMOVE_DEVICE: STATUS_SUCCESS/);
      // Two descriptor rings (framework common buffers) and the driver's own status block, all on the PLX.
      expect(json.allocations.map((a) => a.length).sort((a, b) => a - b)).toEqual([96, 96, 256]);
      expect(new Set(json.allocations.map((a) => a.device))).toEqual(new Set(["plx9656"]));
    }, 120_000);
  }

  it("its WPP messages reach the run (%Iu, %!STATUS!, at io.c); the ISR ran at the device's DIRQL and the DPC at DISPATCH_LEVEL", async () => {
    const { json } = await dmasimRun([join(EXAMPLES, "plx-kmdf")]);
    const dpc = (json.tables["driverTrace"] ?? []).filter((r) => r["function"] === "PlxEvtDpc");
    expect(dpc.length).toBe(32);
    const k = bootMachine("x64-desktop", { seed: 1 });
    const irq = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeInterrupt)[0]?.u.Interrupt?.Level;
    expect(irq).toBeGreaterThan(DISPATCH_LEVEL);
    for (const r of dpc) expect(String(r["message"])).toMatch(new RegExp(`^channel [01]: \\d+ bytes, STATUS_SUCCESS \\(0x00000000\\) \\(ISR at IRQL ${String(irq)}, DPC at ${DISPATCH_LEVEL}\\)$`));
    expect(String(dpc[0]?.["at"])).toMatch(/^io\.c:\d+$/);
    expect(dpc[0]?.["flags"]).toBe("DBG_DPC");
  }, 120_000);

  it("the leaking variant (PLX_FORGET_FREE_ON_REMOVE) is caught at removal: DMA_COMMON_BUFFER_LEAKED naming the C line of its AllocateCommonBuffer", async () => {
    const { code, json } = await dmasimRun([join(EXAMPLES, "plx-kmdf-leak")]);
    const src = readFileSync(join(EXAMPLES, "plx-kmdf", "driver.c"), "utf8").split("\n");
    const line = src.findIndex((l) => l.includes("->AllocateCommonBuffer(")) + 1;
    expect(line).toBeGreaterThan(0);
    // The example does what it sets out to (ok: the expected finding is shown); a run with findings exits 1.
    expect(json.ok).toBe(true);
    expect(code).toBe(1);
    const leak = json.findings.find((f) => f.code === "DMA_COMMON_BUFFER_LEAKED");
    expect(leak?.message).toContain(`plx-kmdf/driver.c:${line}:`);
    expect(leak?.message).toMatch(/\(PlxEvtPrepareHardware\)$/);
    expect(json.stats["mismatches"]).toBe(0);
  }, 120_000);
});
