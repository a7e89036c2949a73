/**
 * A user's own KMDF system-mode DMA driver in C, run from their folder
 * through the installed package: the package as `npm pack` makes it in a
 * clone (prepack builds it), installed into a fresh folder outside the
 * repository, and `npx dmasim run ./my-sb16-kmdf --json` compiling the
 * driver against the package's own <wdf.h> (WdfDmaProfileSystem,
 * WdfDmaEnablerConfigureSystemProfile, the channel-configuration and
 * transfer-complete callbacks) and running it on the SB16 under the
 * verifier; and the same driver built with a cflag that makes its start
 * also play on a channel reserved with WdfDmaTransactionAllocateResources.
 * Packing happens in a copy of what a clone holds, so the dist/
 * other tests use is never touched.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { root } from "../cli/command.ts";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

/** No clang for wasm32 here (CI installs clang-19): the test says so instead of failing. */
function clangMissing(): boolean {
  return !["clang-19", "clang"].some((c) => spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0);
}

/** Run a command in `cwd`; a different exit code fails with the command and the tail of its output. */
function sh(cwd: string, cmd: string, args: readonly string[], expectCode: number, timeoutMs = 110_000): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" } });
  if (r.error !== undefined) throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} could not run: ${r.error.message}`);
  const tail = (t: string): string => t.trimEnd().split("\n").slice(-25).join("\n");
  if (r.status !== expectCode) throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} exited ${String(r.status)} (expected ${expectCode})\n--- stdout ---\n${tail(r.stdout ?? "")}\n--- stderr ---\n${tail(r.stderr ?? "")}`);
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const skip = clangMissing();
let folder = "";

beforeAll(() => {
  if (skip) return;
  const clone = mkdtempSync(join(tmpdir(), "dmasim-clone-"));
  for (const f of ["src", "include", "package.json", "package-lock.json", "README.md", "LICENSE", "tsconfig.base.json", "tsconfig.build.json"]) cpSync(join(root, f), join(clone, f), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir");
  const out = mkdtempSync(join(tmpdir(), "dmasim-pack-"));
  const packed = sh(clone, npm, ["pack", "--pack-destination", out], 0);
  const tarball = join(out, packed.stdout.trim().split("\n").at(-1) ?? "");
  expect(existsSync(tarball), `npm pack wrote ${tarball}`).toBe(true);
  folder = mkdtempSync(join(tmpdir(), "dmasim-user-folder-"));
  sh(folder, npm, ["init", "-y"], 0);
  sh(folder, npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], 0);
  // The user's driver: its C file and its dmasim.json (the SB16 of x64-desktop, start and remove).
  mkdirSync(join(folder, "my-sb16-kmdf"));
  cpSync(join(root, "test", "cdriver", "fixtures", "sb16-kmdf-system"), join(folder, "my-sb16-kmdf"), { recursive: true });
  // The same driver built to play on a reserved channel too (KMDF 1.11's WdfDmaTransactionAllocateResources), by a cflag of its dmasim.json.
  mkdirSync(join(folder, "my-sb16-reserve"));
  cpSync(join(root, "test", "cdriver", "fixtures", "sb16-kmdf-system", "sysdma.c"), join(folder, "my-sb16-reserve", "sysdma.c"));
  writeFileSync(join(folder, "my-sb16-reserve", "dmasim.json"), JSON.stringify({ profile: "x64-desktop", device: "sb16", cflags: ["-DSB16_PLAY_ON_RESERVATION"], workload: { kind: "lifecycle" } }));
}, 300_000);

describe("a user's C KMDF system-mode DMA driver, run by the installed package", () => {
  it.skipIf(skip)("npx dmasim run ./my-sb16-kmdf --json builds it with the package's <wdf.h>, the start plays 12 KiB through the 8237 in three transfers, and the verifier finds nothing", () => {
    const r = sh(folder, npx, ["dmasim", "run", "./my-sb16-kmdf", "--json"], 0, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; findings: unknown[]; tables?: Record<string, { message?: string }[]> };
    expect(j.ok).toBe(true);
    expect(j.findings).toEqual([]);
    expect(j.summary[0]).toMatch(/my-sb16-kmdf: 1 C file built for wasm32 \((cached|compiled)\), a KMDF 1\.33 driver \(WdfDriverCreate\), DriverEntry ran; AddDevice\(sb16\): STATUS_SUCCESS/);
    expect(j.summary).toContain("IRP_MN_START_DEVICE: STATUS_SUCCESS (0x00000000)");
    expect(j.summary).toContain("IRP_MN_REMOVE_DEVICE: STATUS_SUCCESS (0x00000000)");
    const trace = (j.tables?.["driverTrace"] ?? []).map((x) => x.message);
    expect(trace).toContain("sb16-kmdf-system: played 12288 bytes in 3 transfers: 0x00000000");
  }, 200_000);

  it.skipIf(skip)("npx dmasim run ./my-sb16-reserve --json: WdfDmaTransactionAllocateResources from the package's <wdf.h>, EvtReserveDma once, the buffer played twice on the one reserved channel, WdfDmaTransactionFreeResources, and the verifier finds nothing", () => {
    const r = sh(folder, npx, ["dmasim", "run", "./my-sb16-reserve", "--json"], 0, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; findings: unknown[]; tables?: Record<string, { message?: string }[]> };
    expect(j.ok).toBe(true);
    expect(j.findings).toEqual([]);
    expect(j.summary).toContain("IRP_MN_START_DEVICE: STATUS_SUCCESS (0x00000000)");
    const trace = (j.tables?.["driverTrace"] ?? []).map((x) => x.message);
    expect(trace).toContain("sb16-kmdf-system: on one reservation (EvtReserveDma 1 time(s)) played 24576 bytes in 2 plays: 0x00000000");
  }, 200_000);
});
