/**
 * A user's driver module shares the command's one copy of the library, in
 * every way of naming it and every way of running the command: the trace,
 * the report and the verifier see its machine, and its leak is named by its
 * own file and line.
 */
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CommandMode, defaultMode, libraryEntry, type Result, root, runCommand } from "./command.ts";
import { driverSource, leakLine, reportBuffers } from "./user-driver.ts";

interface RunJson {
  scenario: string;
  ok: boolean;
  allocations: { device: string; length: number; va: number | string }[];
  trace: { allocations: number; frees: number; interrupts: number; dmaReadBytes: number; dmaWriteBytes: number };
  findings: { code: string; params: { site?: string } }[];
  error?: { kind: string; message: string; bugCheck?: { code: string } };
}

/** A fresh folder outside the repository with the driver written into it. */
function userFolder(from: string, name = "my-driver.ts", packageJson: object | null = null): { dir: string; file: string; source: string } {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-user-"));
  if (packageJson !== null) writeFileSync(join(dir, "package.json"), JSON.stringify(packageJson));
  const source = driverSource(from);
  writeFileSync(join(dir, name), source);
  return { dir, file: name, source };
}

function runJson(r: Result): RunJson {
  expect(r.stdout, `stderr: ${r.stderr}`).toMatch(/^\{/);
  return JSON.parse(r.stdout) as RunJson;
}

/** What every way of loading must show: the machine's buffers, traffic and interrupts, the leak named by the user's line. */
function expectShared(j: RunJson, file: string, line: number): void {
  expect(j.error).toBeUndefined();
  expect(j.ok).toBe(true);
  expect(j.allocations.filter((a) => a.device === "nic0").map((a) => a.length)).toEqual([8192, 5000]);
  expect(j.trace.allocations).toBeGreaterThanOrEqual(2);
  expect(j.trace.frees).toBeGreaterThanOrEqual(1);
  expect(j.trace.interrupts).toBeGreaterThan(0);
  expect(j.trace.dmaReadBytes).toBeGreaterThanOrEqual(4096);
  expect(j.findings.map((f) => f.code)).toEqual(["DMA_COMMON_BUFFER_LEAKED", "DMA_ADAPTER_NOT_PUT"]);
  expect(j.findings[0]?.params.site).toMatch(new RegExp(`(^|/)${file.replace(/\./g, "\\.")}:${line}:\\d+`));
}

/** Both ways of running the command when it is built; source only otherwise. */
const modes: CommandMode[] = defaultMode === "dist" ? ["dist", "src"] : ["src"];

describe.each(modes)("a user module and the command (%s) share one library", (mode) => {
  it('import from "dmasim" in a folder where dmasim is not installed binds to the command\'s copy', () => {
    const u = userFolder("dmasim");
    const r = runCommand(["run", `./${u.file}`, "--json"], { cwd: u.dir, mode });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1); // a finding
    expectShared(runJson(r), u.file, leakLine(u.source));
  });

  it.each(modes)("import by path of the %s entry maps onto the command's copy", (entryMode) => {
    const u = userFolder(libraryEntry(entryMode));
    const r = runCommand(["run", u.file, "--json"], { cwd: u.dir, mode });
    expect(r.stderr).toBe("");
    expectShared(runJson(r), u.file, leakLine(u.source));
  });

  it('an import/export .ts file in a folder whose package.json says "type": "commonjs" (npm init) still runs as a module', () => {
    const u = userFolder("dmasim", "my-driver.ts", { name: "mine", version: "1.0.0", type: "commonjs" });
    const r = runCommand(["run", u.file, "--json"], { cwd: u.dir, mode });
    expect(r.stderr).toBe("");
    expectShared(runJson(r), u.file, leakLine(u.source));
  });

  it("a CommonJS module's require(\"dmasim\") returns the command's module (its machine is traced)", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-cjs-"));
    writeFileSync(
      join(dir, "driver.cts"),
      `const { bootMachine, IoGetDmaAdapter, deviceDescription, InterfaceType, physicalAddress } = require("dmasim");
module.exports = { name: "cjs-driver", description: "", defaultProfile: "x64-desktop", run(opts: { profile: string; seed: number; onBoot?: (k: unknown) => void }) {
  const k = bootMachine(opts.profile, { seed: opts.seed });
  opts.onBoot?.(k);
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
  const va = a.DmaOperations.AllocateCommonBuffer(a, 4096, physicalAddress(), true);
  return { ok: va !== null, summary: ["one buffer"], machine: k };
} };
`,
    );
    const r = runCommand(["run", "driver.cts", "--json"], { cwd: dir, mode });
    expect(r.stderr).toBe("");
    const j = runJson(r);
    expect(j.allocations.map((a) => a.length)).toEqual([4096]);
    expect(j.trace.allocations).toBe(1);
  });
});

describe("a user module through the command", () => {
  it("npm link: node_modules/dmasim a symlink to the package binds to the command's copy", () => {
    const u = userFolder("dmasim");
    mkdirSync(join(u.dir, "node_modules"));
    symlinkSync(root, join(u.dir, "node_modules", "dmasim"), "dir");
    const r = runCommand(["run", u.file, "--json"], { cwd: u.dir });
    expect(r.stderr).toBe("");
    expectShared(runJson(r), u.file, leakLine(u.source));
  });

  it.skipIf(defaultMode !== "dist")("another installed copy of the package (node_modules/dmasim) is mapped onto the command's copy", () => {
    const u = userFolder("dmasim");
    const copy = join(u.dir, "node_modules", "dmasim");
    mkdirSync(copy, { recursive: true });
    cpSync(join(root, "dist"), join(copy, "dist"), { recursive: true });
    cpSync(join(root, "package.json"), join(copy, "package.json"));
    const r = runCommand(["run", u.file, "--json"], { cwd: u.dir });
    expect(r.stderr).toBe("");
    expectShared(runJson(r), u.file, leakLine(u.source));
  });

  it.skipIf(defaultMode !== "dist")("a copy the command cannot map (another package's build of the library) is announced in one line on stderr", () => {
    const fork = mkdtempSync(join(tmpdir(), "dmasim-fork-"));
    cpSync(join(root, "dist"), join(fork, "dist"), { recursive: true });
    writeFileSync(join(fork, "package.json"), JSON.stringify({ name: "my-fork", type: "module" }));
    symlinkSync(join(root, "node_modules"), join(fork, "node_modules"), "dir");
    const u = userFolder(join(fork, "dist/index.js"));
    const r = runCommand(["run", u.file, "--json"], { cwd: u.dir });
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dmasim: a second copy of the library was loaded \(file:\/\/.*dmasim-fork-.*\/dist\/index\.js, besides file:\/\/.*\/dist\/index\.js\)/);
  });

  it("--verifier bugcheck: the leak stops the run as a typed bug check with its code (0xDA5E) and the user's line", () => {
    const u = userFolder("dmasim");
    const r = runCommand(["run", u.file, "--json", "--verifier", "bugcheck"], { cwd: u.dir });
    expect(r.code).toBe(1);
    const j = runJson(r);
    expect(j.error?.kind).toBe("bugcheck");
    expect(j.error?.bugCheck?.code).toBe("0xDA5E");
    expect(j.error?.message).toMatch(/^\*\*\* STOP: 0xDA5E \(0xB, .*DMA_COMMON_BUFFER_LEAKED/);
    expect(j.error?.message).toMatch(new RegExp(`my-driver\\.ts:${leakLine(u.source)}:`));
  });

  it("--report lists the module's common buffers", () => {
    const u = userFolder("dmasim");
    const r = runCommand(["run", u.file, "--json", "--report", "r.html"], { cwd: u.dir });
    const j = runJson(r);
    expect(reportBuffers(join(u.dir, "r.html")).map((b) => [b.va, b.length])).toEqual(j.allocations.map((a) => [a.va, a.length]));
  });
});
