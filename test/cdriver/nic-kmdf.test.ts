/**
 * examples/c/nic-kmdf, a KMDF driver in C for the e1000 with its rings and
 * packet buffers in common buffers, run through the CLI in-process: every
 * frame back byte for byte with no findings on both x64 profiles; and
 * nic-kmdf-physaddr, which hands the chip MmGetPhysicalAddress of its rings:
 * fine without an IOMMU, caught behind one, the finding naming the C line.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/program.ts";
import { plain } from "../../src/report/summary.ts";
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
  const io: CliIo = { stdout: (t) => out.push(t), stderr: () => undefined, style: plain, stderrIsTty: false, cwd: mkdtempSync(join(tmpdir(), "dmasim-nic-kmdf-")), writeFile: () => undefined };
  const code = await runCli(["run", ...args, "--json"], io);
  return { code, json: JSON.parse(out.join("")) as RunJson };
}

describe.skipIf(!haveToolchain)(`examples/c/nic-kmdf: a KMDF NIC driver in C on the e1000, through the CLI${skipReason}`, () => {
  for (const profile of ["x64-desktop", "x64-iommu"]) {
    it(`on ${profile}: 64 frames out through the TX ring and back through the RX ring byte for byte, its four common buffers in the report, no findings`, async () => {
      const { code, json } = await dmasimRun([join(EXAMPLES, "nic-kmdf"), "--profile", profile]);
      expect(json.findings).toEqual([]);
      expect(code).toBe(0);
      expect(json.ok).toBe(true);
      expect(json.stats["frames"]).toBe(64);
      expect(json.stats["mismatches"]).toBe(0);
      expect(json.summary.some((l) => /64 of 64 frames .* every byte matches/.test(l))).toBe(true);
      // Two rings of 64 16-byte descriptors and two sets of 64 2 KiB packet buffers, made by WdfCommonBufferCreateWithConfig.
      const lengths = json.allocations.filter((a) => a.device === "nic0").map((a) => a.length).sort((a, b) => a - b);
      expect(lengths).toEqual([1024, 1024, 131072, 131072]);
      const trace = (json.tables["driverTrace"] ?? []).map((r) => `${String(r["function"])}: ${String(r["message"])}`);
      expect(trace).toContain("NicEvtDpc: link up");
      expect(trace.some((l) => /^NicEvtD0Exit: D0Exit: 64 frames sent, 64 received/.test(l))).toBe(true);
    }, 180_000);
  }

  it("nic-kmdf-physaddr on x64-iommu: the chip's descriptor fetch at the ring's physical address is blocked and found (DMA_PHYSICAL_ADDRESS_USED, 0xE6 0x26), naming the C line that called MmGetPhysicalAddress; no frame comes back; the run is the expected failure", async () => {
    const { json } = await dmasimRun([join(EXAMPLES, "nic-kmdf-physaddr")]);
    const f = json.findings.find((x) => x.code === "DMA_PHYSICAL_ADDRESS_USED");
    expect(f?.message).toMatch(/nic0 read at 0x[0-9A-F]+, the physical address of the common buffer .* \(give the device the LogicalAddress, not MmGetPhysicalAddress\); the IOMMU blocked it/);
    // It names the C line the address came from.
    const line = readFileSync(join(EXAMPLES, "nic-kmdf", "driver.c"), "utf8").split("\n").findIndex((l) => l.includes("return MmGetPhysicalAddress(b->Va);")) + 1;
    expect(line).toBeGreaterThan(0);
    expect(f?.message).toMatch(new RegExp(`the driver took the address of page 0x[0-9A-F]+ from MmGetPhysicalAddress at \\S*nic-kmdf/driver\\.c:${line}:\\d+ \\(`));
    expect(json.findings.map((x) => x.code)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    // No INF directive: the profile's setting stands, and the summary says so.
    expect(json.summary).toContain("DMA remapping for nic0: on (no INF DMA remapping directive: profile x64-iommu's setting)");
    expect(json.stats["frames"]).toBe(0);
    // With nothing received, the summary does not claim the bytes matched.
    expect(json.summary.some((l) => /0 of 8 frames .*: nothing to compare/.test(l))).toBe(true);
    expect(json.ok).toBe(true);
    expect(json.summary.at(-1)).toBe("expected finding DMA_PHYSICAL_ADDRESS_USED: shown");
  }, 180_000);

  it("nic-kmdf-physaddr without an IOMMU (x64-desktop): physical equals logical, so the bug is invisible and every frame comes back", async () => {
    const { json } = await dmasimRun([join(EXAMPLES, "nic-kmdf-physaddr"), "--profile", "x64-desktop"]);
    expect(json.findings).toEqual([]);
    // No IOMMU: nothing to remap, no remapping line.
    expect(json.summary.some((l) => l.startsWith("DMA remapping for"))).toBe(false);
    expect(json.stats["frames"]).toBe(8);
    expect(json.stats["mismatches"]).toBe(0);
  }, 180_000);

  // The user's own package: the physaddr build of nic-kmdf with an INF saying whether the device takes DMA remapping.
  function withInf(remappingSupported: number): string {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-nic-inf-"));
    cpSync(join(EXAMPLES, "nic-kmdf"), dir, { recursive: true });
    writeFileSync(join(dir, "dmasim.json"), JSON.stringify({ profile: "x64-iommu", device: "nic0", cflags: ["-DNIC_RING_PHYSICAL_ADDRESS"], workload: { kind: "nic-frames", params: { frames: 8 } } }));
    writeFileSync(join(dir, "nic.inf"), `[Nic_Device.NT.HW]\nAddReg=Nic_Dma_AddReg\n\n[Nic_Dma_AddReg]\nHKR,"DMA Management","RemappingSupported",0x00010001,${remappingSupported}\n`);
    return dir;
  }

  it("an INF that opts the device out of DMA remapping (RemappingSupported = 0) on x64-iommu: no IOMMU domain, so the physical-address bug hides as without an IOMMU, and the summary says why", async () => {
    const { json } = await dmasimRun([withInf(0)]);
    expect(json.summary).toContain("DMA remapping for nic0: off (DMA Management\\RemappingSupported = 0 in nic.inf)");
    expect(json.findings).toEqual([]);
    expect(json.stats["mismatches"]).toBe(0);
  }, 180_000);

  it("an INF that opts it in (RemappingSupported = 1): remapped, and the chip's fetch at the physical address is caught", async () => {
    const { json } = await dmasimRun([withInf(1)]);
    expect(json.summary).toContain("DMA remapping for nic0: on (DMA Management\\RemappingSupported = 1 in nic.inf)");
    expect(json.findings.map((f) => f.code)).toContain("DMA_PHYSICAL_ADDRESS_USED");
  }, 180_000);
});
