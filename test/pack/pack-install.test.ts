/**
 * What a user gets: the package as `npm pack` makes it in a clone (prepack
 * builds it), installed into a fresh folder outside the repository, used
 * only through its published entry points (`npx dmasim ...`, `import ...
 * from "dmasim"`). A test that imports src/ cannot see a broken user path;
 * this one can. The README section "Use it from your own folder" is run as
 * written: its module, its script and every command in it.
 *
 * The clone is a copy of what a clone holds that the build needs, with the
 * repository's node_modules linked in (as after `npm ci`); packing there
 * builds into the copy, never into the dist/ other tests are using.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { root } from "../cli/command.ts";
import { userDeviceSource } from "../cli/user-device.ts";
import { driverSource, leakLine, reportBuffers } from "../cli/user-driver.ts";

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const NOISE = ["--no-audit", "--no-fund", "--prefer-offline"];
/** Every command run, as a user would type it (the test's quieting flags and temporary paths left out). */
const ran = new Set<string>();
let tarball = "";

/** No clang for wasm32 here (CI installs clang-19): the C case says so instead of failing. */
function clangMissing(): string | false {
  for (const c of ["clang-19", "clang"]) if (spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0) return false;
  return "no clang on PATH (apt-get install clang-19 lld-19)";
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Run a command; when `expectCode` is given and differs, fail with the command, its exit code and its output. */
function sh(cwd: string, cmd: string, args: readonly string[], expectCode?: number, env: Readonly<Record<string, string>> = {}, timeoutMs = 100_000): Ran {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...env } });
  const out: Ran = { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  const typed = [cmd.replace(/\.cmd$/, "") === process.execPath ? "node" : cmd.replace(/\.cmd$/, ""), ...args.filter((a) => !NOISE.includes(a)).map((a) => (a === tarball ? `/path/to/${basename(tarball)}` : a))];
  ran.add(typed.join(" ").replace(/ --pack-destination \S+/, ""));
  if (r.error !== undefined) throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} could not run: ${r.error.message}`);
  if (expectCode !== undefined && out.code !== expectCode) {
    throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} exited ${String(out.code)} (expected ${expectCode})\n--- stdout ---\n${tail(out.stdout)}\n--- stderr ---\n${tail(out.stderr)}`);
  }
  return out;
}

/** The README section "Use it from your own folder": its code blocks by language, and its shell commands without comments. */
function readmeSection(): { ts: string; js: string; commands: string[] } {
  const text = readFileSync(join(root, "README.md"), "utf8");
  const start = text.indexOf("\n## Use it from your own folder\n");
  expect(start, 'README.md has the section "Use it from your own folder"').toBeGreaterThan(0);
  const end = text.indexOf("\n## ", start + 5);
  const section = text.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? "", body: m[2] ?? "" }));
  const commands = blocks
    .filter((b) => b.lang === "sh")
    .flatMap((b) => b.body.split("\n"))
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l !== "");
  return { ts: blocks.find((b) => b.lang === "ts")?.body ?? "", js: blocks.find((b) => b.lang === "js")?.body ?? "", commands };
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string; scripts: Record<string, string> };
const readme = readmeSection();
let clone = "";
let folder = "";
let packed: string[] = [];

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "dmasim-clone-"));
  for (const f of ["src", "include", "package.json", "package-lock.json", "README.md", "LICENSE", "tsconfig.base.json", "tsconfig.build.json"]) cpSync(join(root, f), join(clone, f), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir");
  const out = mkdtempSync(join(tmpdir(), "dmasim-pack-"));
  const r = sh(clone, npm, ["pack", "--pack-destination", out], 0);
  tarball = join(out, r.stdout.trim().split("\n").at(-1) ?? "");
  expect(existsSync(tarball), `npm pack wrote ${tarball}`).toBe(true);
  packed = (JSON.parse(sh(clone, npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], 0).stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
  folder = mkdtempSync(join(tmpdir(), "dmasim-user-folder-"));
  sh(folder, npm, ["init", "-y"], 0);
  sh(folder, npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], 0);
}, 115_000);

describe("the packed package, installed in a fresh folder outside the repository", () => {
  it("ships the build, its declarations and the README, and not the sources, tests or source maps", () => {
    expect(packed).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "dist/cli/resolve-hook.js"]));
    expect(packed.filter((p) => /^(src|test|bench)\/|\.map$|^tsconfig/.test(p))).toEqual([]);
    expect(pkg.scripts["prepack"]).toBe("npm run build");
  });

  it("npx dmasim --version prints the package version", () => {
    expect(sh(folder, npx, ["dmasim", "--version"], 0).stdout.trim()).toBe(pkg.version);
  });

  it("npx dmasim demo --report r.html runs every built-in scenario (exit 0) and writes the report", () => {
    const r = sh(folder, npx, ["dmasim", "demo", "--report", "r.html"], 0);
    expect(r.stdout).toMatch(/\d+ of \d+ runs ok/);
    expect(readFileSync(join(folder, "r.html"), "utf8")).toContain('<script id="dmasim-data" type="application/json">');
  });

  it('a TypeScript driver importing "dmasim": npx dmasim run ./my-driver.ts --report r.html --json shows its buffers, traffic, interrupts and its leak at its own line', () => {
    const source = driverSource("dmasim");
    writeFileSync(join(folder, "my-driver.ts"), source);
    const r = sh(folder, npx, ["dmasim", "run", "./my-driver.ts", "--report", "r.html", "--json"], 1);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout) as {
      ok: boolean;
      allocations: { device: string; length: number; va: number | string }[];
      trace: { allocations: number; frees: number; interrupts: number; dmaReadBytes: number; dmaWriteBytes: number };
      findings: { code: string; params: { site?: string } }[];
    };
    expect(j.ok).toBe(true);
    expect(j.allocations.filter((a) => a.device === "nic0").map((a) => a.length)).toEqual([8192, 5000]);
    expect(j.trace.allocations).toBe(j.allocations.length);
    expect(j.trace.frees).toBeGreaterThanOrEqual(1);
    expect(j.trace.interrupts).toBeGreaterThan(0);
    expect(j.trace.dmaReadBytes).toBeGreaterThan(0);
    expect(j.trace.dmaWriteBytes).toBeGreaterThan(0);
    expect(j.findings.map((f) => f.code)).toEqual(["DMA_COMMON_BUFFER_LEAKED", "DMA_ADAPTER_NOT_PUT"]);
    expect(j.findings[0]?.params.site).toMatch(new RegExp(`(^|/)my-driver\\.ts:${leakLine(source)}:\\d+`));
    expect(reportBuffers(join(folder, "r.html")).map((b) => [b.va, b.length])).toEqual(j.allocations.map((a) => [a.va, a.length]));
  });

  it("my own device model and its WDM driver in one module: the board builds my model, the driver maps its BAR, the device's DMA and interrupt reach the trace", () => {
    writeFileSync(join(folder, "my-device.ts"), userDeviceSource("dmasim"));
    const r = sh(folder, npx, ["dmasim", "run", "./my-device.ts", "--json"], 0);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; allocations: { device: string; length: number }[]; trace: { interrupts: number; dmaWriteBytes: number; allocations: number; frees: number }; findings: unknown[] };
    expect(j.ok).toBe(true);
    expect(j.summary[0]).toMatch(/every byte as sent; 1 interrupt/);
    expect(j.allocations.map((a) => [a.device, a.length])).toEqual([["gen0", 4096]]);
    expect(j.trace).toMatchObject({ interrupts: 1, dmaWriteBytes: 256, allocations: 1, frees: 1 });
    expect(j.findings).toEqual([]);
  });

  // Only where no clang exists (CI installs clang-19, so there it runs).
  it.skipIf(clangMissing() !== false)("a C driver from the user's folder: npx dmasim run ./sb16-wdm compiles it with the package's own headers and plays the sound byte-exact", () => {
    cpSync(join(root, "examples", "c", "sb16-wdm"), join(folder, "sb16-wdm"), { recursive: true });
    const r = sh(folder, npx, ["dmasim", "run", "./sb16-wdm", "--json"], 0, {}, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; allocations: { length: number }[]; findings: unknown[] };
    expect(j.ok).toBe(true);
    expect(j.summary.join("\n")).toMatch(/capture equals the source/);
    expect(j.allocations.length).toBeGreaterThan(0);
    expect(j.findings).toEqual([]);
  });

  // Only where no clang exists (CI installs clang-19, so there it runs).
  it.skipIf(clangMissing() !== false)("a KMDF driver from the user's folder: npx dmasim run ./plx-kmdf builds it against the package's <wdf.h> and moves every buffer by DMA byte-exact, no findings", () => {
    cpSync(join(root, "examples", "c", "plx-kmdf"), join(folder, "plx-kmdf"), { recursive: true });
    const r = sh(folder, npx, ["dmasim", "run", "./plx-kmdf", "--json"], 0, {}, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; stats: Record<string, number>; findings: unknown[] };
    expect(j.ok).toBe(true);
    expect(j.summary.join("\n")).toMatch(/a KMDF 1\.33 driver \(WdfDriverCreate\)[\s\S]*every byte matches/);
    expect(j.stats).toMatchObject({ transfers: 16, mismatches: 0, interrupts: 32, dpcs: 32 });
    expect(j.findings).toEqual([]);
  });

  it.skipIf(clangMissing() !== false)("on x64-iommu the user's PLX driver gets logical addresses from the HAL's buddy allocator: the lowest blocks (its first three buffers at 0x1000, 0x2000, 0x3000), not its physical ones", () => {
    const r = sh(folder, npx, ["dmasim", "run", "./plx-kmdf", "--profile", "x64-iommu", "--json"], 0, {}, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; allocations: { device: string; logical: string; physical: string }[]; findings: unknown[] };
    const bufs = j.allocations.filter((a) => a.device === "plx9656");
    expect(bufs.length).toBeGreaterThan(0);
    // Top-down IOVAs would put them just below the device's reach instead.
    expect(bufs.map((a) => a.logical)).toEqual(["0x1000", "0x2000", "0x3000"]);
    for (const a of bufs) expect(a.logical).not.toBe(a.physical);
    expect(j.ok).toBe(true);
    expect(j.findings).toEqual([]);
  });

  it.skipIf(clangMissing() !== false)("the user's INF decides DMA remapping on x64-iommu: with RemappingSupported = 0 the PLX gets no IOMMU domain (logical = physical), and the summary says so", () => {
    writeFileSync(join(folder, "plx-kmdf", "plx.inf"), '[Plx_Device.NT.HW]\nAddReg=Plx_Dma\n\n[Plx_Dma]\nHKR,"DMA Management","RemappingSupported",0x00010001,0\n');
    const r = sh(folder, npx, ["dmasim", "run", "./plx-kmdf", "--profile", "x64-iommu", "--json"], 0, {}, 180_000);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; allocations: { device: string; logical: string; physical?: string }[]; findings: unknown[] };
    expect(j.summary).toContain("DMA remapping for plx9656: off (DMA Management\\RemappingSupported = 0 in plx.inf)");
    const rings = j.allocations.filter((a) => a.device === "plx9656");
    expect(rings.length).toBeGreaterThan(0);
    for (const a of rings) expect(a.logical).toBe(a.physical);
    expect(j.ok).toBe(true);
    expect(j.findings).toEqual([]);
  });

  it("the same driver with --verifier bugcheck stops with a typed bug check (0xDA5E, the leak's parameters)", () => {
    const r = sh(folder, npx, ["dmasim", "run", "./my-driver.ts", "--verifier", "bugcheck", "--json"], 1);
    const j = JSON.parse(r.stdout) as { error?: { kind: string; message: string; bugCheck?: { code: string; params: unknown[] } } };
    expect(j.error?.kind).toBe("bugcheck");
    expect(j.error?.bugCheck?.code).toBe("0xDA5E");
    expect(j.error?.message).toMatch(/^\*\*\* STOP: 0xDA5E \(0xB, .*DMA_COMMON_BUFFER_LEAKED.*my-driver\.ts:/);
  });

  it('the README\'s plain Node script (import { bootMachine } from "dmasim") runs with node boot.mjs', () => {
    expect(readme.js).toContain('from "dmasim"');
    writeFileSync(join(folder, "boot.mjs"), readme.js);
    expect(sh(folder, process.execPath, ["boot.mjs"], 0).stdout.trim()).toBe("x64-iommu 4096");
  });

  it("npx dmasim check: the driver is clean (exit 0); a file with a type error exits 1 naming file:line:col", () => {
    expect(sh(folder, npx, ["dmasim", "check", "./my-driver.ts"], 0).stdout).toMatch(/^No type errors \(1 file checked/);
    writeFileSync(join(folder, "typo.ts"), `import { bootMachine } from "dmasim";\nconst k = bootMachine("x64-desktop");\nexport const where: string = k.clock.now;\n`);
    const r = sh(folder, npx, ["dmasim", "check", "./my-driver.ts", "./typo.ts"], 1);
    expect(r.stdout).toMatch(/^typo\.ts:3:14 - error TS2322: Type 'number' is not assignable to type 'string'\.$/m);
    expect(r.stdout).not.toMatch(/my-driver\.ts:/);
  });

  it("the README's module as my-driver.ts: run --report --json shows its two buffers and its finding; --verifier bugcheck stops; check is clean", () => {
    const dir = join(folder, "readme");
    mkdirSync(dir, { recursive: true });
    expect(readme.ts).toContain('from "dmasim"');
    writeFileSync(join(dir, "my-driver.ts"), readme.ts);
    const r = sh(dir, npx, ["dmasim", "run", "./my-driver.ts", "--report", "r.html", "--json"], 1);
    const j = JSON.parse(r.stdout) as { ok: boolean; allocations: { device: string; length: number; va: number | string }[]; trace: { allocations: number; dmaWriteBytes: number }; findings: { code: string }[] };
    expect(j.ok).toBe(true);
    expect(j.allocations.map((a) => [a.device, a.length])).toEqual([["plx9656", 8192], ["plx9656", 4096]]);
    expect(j.trace.allocations).toBe(2);
    expect(j.trace.dmaWriteBytes).toBe(512);
    expect(j.findings.map((f) => f.code)).toEqual(["DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS"]);
    expect(reportBuffers(join(dir, "r.html"))).toHaveLength(2);
    expect(sh(dir, npx, ["dmasim", "run", "./my-driver.ts", "--verifier", "bugcheck"], 1).stdout).toContain("*** STOP: 0xE6 (0x7, ");
    expect(sh(dir, npx, ["dmasim", "check", "./my-driver.ts"], 0).stdout).toMatch(/^No type errors/);
  });

  it('the README\'s request-driven KMDF driver and its application ("Writing a request-driven KMDF driver"): npx tsx echo-app.ts prints what the comments say; npx dmasim run nic-pnp drives a whole life with zero findings', () => {
    const text = readFileSync(join(root, "README.md"), "utf8");
    const start = text.indexOf("\n## Writing a request-driven KMDF driver and its application\n");
    const section = text.slice(start, text.indexOf("\n## ", start + 5));
    const [driver, app] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    expect(app).toContain('from "dmasim"');
    const dir = join(folder, "requests");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "echo-driver.ts"), driver ?? "");
    writeFileSync(join(dir, "echo-app.ts"), app ?? "");
    expect(sh(dir, npx, ["tsx", "echo-app.ts"], 0).stdout.trim().split("\n")).toEqual(["0", "{ status: 0, information: 16 }", "16 hello, requests!", "c0000184"]);
    const j = JSON.parse(sh(folder, npx, ["dmasim", "run", "nic-pnp", "--json"], 0).stdout) as { ok: boolean; findings: unknown[] };
    expect(j.ok).toBe(true);
    expect(j.findings).toEqual([]);
  });

  it('my own KMDF driver in TypeScript doing system-mode DMA (WdfDmaProfileSystem on the SB16\'s 8237 channel of x64-desktop): npx dmasim run ./my-system-dma.ts plays every byte in three transfers, then again on a channel reserved with WdfDmaTransactionAllocateResources (EvtReserveDma once, FreeResources after), zero findings', () => {
    const source = `import { bootMachine, installVerifier, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, WdfDeviceInitSetPnpPowerEventCallbacks,
  WDF_PNPPOWER_EVENT_CALLBACKS_INIT, wdfAddDevice, wdfStartDevice, wdfRemoveDevice, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor,
  CmResourceTypeDma, CmResourceTypePort, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaProfileSystem, WdfDmaEnablerConfigureSystemProfile,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT, WdfDmaDirectionWriteToDevice, DmaWidth, WdfDmaTransactionCreate, WdfDmaTransactionInitialize,
  WdfDmaTransactionExecute, WdfDmaTransactionDmaCompleted, WdfDmaTransactionRelease, WdfDmaTransactionSetChannelConfigurationCallback,
  WdfDmaTransactionAllocateResources, WdfDmaTransactionFreeResources, WdfInterruptCreate, WDF_INTERRUPT_CONFIG_INIT, WdfInterruptQueueDpcForIsr, READ_PORT_UCHAR, WRITE_PORT_UCHAR, SB_PORT, DSP, sb16On,
  MmAllocateContiguousMemory, IoAllocateMdl, MmBuildMdlForNonPagedPool, physicalAddress, NT_SUCCESS, STATUS, DISPATCH_LEVEL,
  type HandleOut, type WdfDriver, type WdfDevice, type WdfDmaEnabler, type WdfDmaTransaction, type Scenario } from "dmasim";

const scenario: Scenario = {
  name: "my-system-dma",
  description: "a KMDF driver playing a buffer through the system DMA controller",
  defaultProfile: "x64-desktop",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    const verifier = opts.verifier === "off" ? null : installVerifier(k, { mode: opts.verifier });
    let port = 0;
    let enabler: WdfDmaEnabler | null = null;
    let tx: WdfDmaTransaction | null = null;
    let finished = false;
    let transfers = 0;
    const dsp = (...bytes: number[]): void => { for (const b of bytes) WRITE_PORT_UCHAR(k, port + SB_PORT.WRITE, b); };
    const driver: HandleOut<WdfDriver> = { value: null };
    WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => {
      WdfDeviceInitSetPnpPowerEventCallbacks(init, WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
        EvtDevicePrepareHardware: (_dev, _raw, translated) => {
          let status: number = STATUS.DEVICE_CONFIGURATION_ERROR;
          for (let i = 0; i < WdfCmResourceListGetCount(translated); i++) {
            const d = WdfCmResourceListGetDescriptor(translated, i);
            if (d?.Type === CmResourceTypePort && d.u.Port) port = Number(d.u.Port.Start.QuadPart);
            if (d?.Type === CmResourceTypeDma && d.u.Dma && d.u.Dma.Channel < 4) {
              status = WdfDmaEnablerConfigureSystemProfile(enabler!, WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0n }, DmaWidth.Width8Bits, d.u.Dma), WdfDmaDirectionWriteToDevice);
            }
          }
          WRITE_PORT_UCHAR(k, port + SB_PORT.RESET, 1);
          WRITE_PORT_UCHAR(k, port + SB_PORT.RESET, 0);
          dsp(DSP.SET_OUTPUT_RATE, 22050 >> 8, 22050 & 0xff);
          return status;
        },
      }));
      const dev: HandleOut<WdfDevice> = { value: null };
      const st = WdfDeviceCreate(init, null, dev);
      if (!NT_SUCCESS(st)) return st;
      WdfInterruptCreate(dev.value!, WDF_INTERRUPT_CONFIG_INIT((i) => {
        WRITE_PORT_UCHAR(k, port + SB_PORT.MIXER_INDEX, 0x82);
        if ((READ_PORT_UCHAR(k, port + SB_PORT.MIXER_DATA) & 1) === 0) return false;
        READ_PORT_UCHAR(k, port + SB_PORT.READ_STATUS);
        WdfInterruptQueueDpcForIsr(i);
        return true;
      }, () => {
        const status = { value: 0 };
        if (WdfDmaTransactionDmaCompleted(tx!, status)) finished = status.value === STATUS.SUCCESS;
      }), null, { value: null });
      const en: HandleOut<WdfDmaEnabler> = { value: null };
      const created = WdfDmaEnablerCreate(dev.value!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileSystem, 4096), null, en);
      enabler = en.value;
      return created;
    }), driver);
    const { device } = wdfAddDevice(driver.value!, "sb16");
    const started = wdfStartDevice(device!);
    const va = MmAllocateContiguousMemory(k, 12288, physicalAddress(0xffffff)) ?? 0;
    const pcm = Uint8Array.from({ length: 12288 }, (_, i) => (i * 5) & 0xff);
    k.cpu.writeBytes(va, pcm);
    const mdl = IoAllocateMdl(k, va, 12288)!;
    MmBuildMdlForNonPagedPool(k, mdl);
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    WdfDmaTransactionCreate(enabler!, null, t);
    tx = t.value;
    const initialize = (): void => {
      WdfDmaTransactionInitialize(tx!, (_tx, _dev, _ctx, _dir, sg) => {
        const n = sg.Elements[0]!.Length - 1;
        dsp(DSP.START_8 | DSP.CMD_FIFO, 0, n & 0xff, n >> 8);
        return true;
      }, WdfDmaDirectionWriteToDevice, mdl, va, 12288);
      WdfDmaTransactionSetChannelConfigurationCallback(tx!, () => (transfers++, true), null);
    };
    initialize();
    k.atIrql(DISPATCH_LEVEL, () => WdfDmaTransactionExecute(tx!, null));
    k.clock.runUntilDone(() => finished, k.clock.now + 2e9);
    const played = sb16On(k.board, "sb16").captured();
    const same = played.length === pcm.length && played.every((b, i) => b === pcm[i]);
    WdfDmaTransactionRelease(tx!);
    const firstTransfers = transfers;
    // Once more on a channel reserved for the transaction (KMDF 1.11): 0 map registers takes the initialized transaction's count.
    let reservedCalls = 0;
    initialize();
    const reserve = WdfDmaTransactionAllocateResources(tx!, WdfDmaDirectionWriteToDevice, 0, () => void reservedCalls++, null);
    finished = false;
    initialize();
    k.atIrql(DISPATCH_LEVEL, () => WdfDmaTransactionExecute(tx!, null));
    k.clock.runUntilDone(() => finished, k.clock.now + 2e9);
    const again = sb16On(k.board, "sb16").captured().subarray(played.length);
    const sameAgain = again.length === pcm.length && again.every((b, i) => b === pcm[i]);
    WdfDmaTransactionRelease(tx!);
    WdfDmaTransactionFreeResources(tx!);
    wdfRemoveDevice(device!);
    return {
      ok: started === STATUS.SUCCESS && finished && same && reserve === STATUS.SUCCESS && sameAgain,
      summary: [
        "the SB16 played " + played.length + " bytes in " + firstTransfers + " system DMA transfers" + (same ? ", every byte as written" : ", NOT as written"),
        "on a reserved channel (EvtReserveDma ran " + reservedCalls + " time(s)): " + again.length + " bytes more" + (sameAgain ? ", every byte as written" : ", NOT as written"),
      ],
      stats: { transfers: firstTransfers, played: played.length, reservedCalls, playedReserved: again.length, transfersReserved: transfers - firstTransfers },
      findings: verifier?.findings ?? [],
      machine: k,
    };
  },
};

export default scenario;
`;
    writeFileSync(join(folder, "my-system-dma.ts"), source);
    const r = sh(folder, npx, ["dmasim", "run", "./my-system-dma.ts", "--json"], 0);
    const j = JSON.parse(r.stdout) as { ok: boolean; summary: string[]; stats: Record<string, number>; findings: unknown[] };
    expect(j.ok).toBe(true);
    expect(j.summary[0]).toBe("the SB16 played 12288 bytes in 3 system DMA transfers, every byte as written");
    expect(j.summary[1]).toBe("on a reserved channel (EvtReserveDma ran 1 time(s)): 12288 bytes more, every byte as written");
    expect(j.stats).toMatchObject({ transfers: 3, played: 12288 });
    expect(j.stats).toMatchObject({ reservedCalls: 1, playedReserved: 12288, transfersReserved: 3 });
    expect(j.findings).toEqual([]);
    expect(sh(folder, npx, ["dmasim", "check", "./my-system-dma.ts"], 0).code).toBe(0);
  });

  it("npm link instead of a tarball: npm link in the clone, npm link dmasim in a folder, the same driver runs bound to the one library", () => {
    // A global prefix of its own, so the machine's global packages stay untouched.
    const env = { npm_config_prefix: mkdtempSync(join(tmpdir(), "dmasim-prefix-")) };
    sh(clone, npm, ["link", "--no-audit", "--no-fund"], 0, env);
    const linked = mkdtempSync(join(tmpdir(), "dmasim-linked-folder-"));
    sh(linked, npm, ["init", "-y"], 0, env);
    sh(linked, npm, ["link", "dmasim", "--no-audit", "--no-fund"], 0, env);
    const source = driverSource("dmasim");
    writeFileSync(join(linked, "my-driver.ts"), source);
    const j = JSON.parse(sh(linked, npx, ["dmasim", "run", "./my-driver.ts", "--report", "r.html", "--json"], 1, env).stdout) as { allocations: unknown[]; trace: { allocations: number; interrupts: number }; findings: { code: string; params: { site?: string } }[] };
    expect(j.allocations.length).toBe(j.trace.allocations);
    expect(j.trace.interrupts).toBeGreaterThan(0);
    // The leak at its own line, then the adapter the driver never put.
    expect(j.findings.map((f) => f.code)).toEqual(["DMA_COMMON_BUFFER_LEAKED", "DMA_ADAPTER_NOT_PUT"]);
    expect(j.findings[0]?.params.site).toMatch(new RegExp(`(^|/)my-driver\\.ts:${leakLine(source)}:\\d+`));
  });

  it("every command the README section shows was run above, as written", () => {
    expect(readme.commands.length).toBeGreaterThan(5);
    expect(readme.commands.filter((c) => !ran.has(c))).toEqual([]);
  });
});
