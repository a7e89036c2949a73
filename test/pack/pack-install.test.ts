/**
 * What a user gets: the package as `npm pack` makes it, installed into a
 * fresh folder outside the repository, used only through its published
 * entry points (`npx dmasim ...`, `import ... from "dmasim"`). A test that
 * imports src/ cannot see a broken user path; this one can. Every command
 * of the README section "Use it from your own folder" is run here.
 *
 * It packs the build that is there (npm test builds first; a missing build is
 * made once): `prepack` rebuilding dist/ would rewrite it under the other
 * CLI tests running at the same time.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { root } from "../cli/command.ts";
import { driverSource, leakLine, reportBuffers } from "../cli/user-driver.ts";

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

function tail(text: string, lines = 25): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Run a command; when `expectCode` is given and differs, fail with the command, its exit code and its output. */
function sh(cwd: string, cmd: string, args: readonly string[], expectCode?: number, timeoutMs = 90_000): Ran {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" } });
  const ran: Ran = { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (r.error !== undefined) throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} could not run: ${r.error.message}`);
  if (expectCode !== undefined && ran.code !== expectCode) {
    throw new Error(`\`${cmd} ${args.join(" ")}\` in ${cwd} exited ${String(ran.code)} (expected ${expectCode})\n--- stdout ---\n${tail(ran.stdout)}\n--- stderr ---\n${tail(ran.stderr)}`);
  }
  return ran;
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string; scripts: Record<string, string>; files: string[] };
let folder = "";
let packed: string[] = [];

beforeAll(() => {
  if (!existsSync(join(root, "dist/cli/main.js"))) sh(root, npm, ["run", "build"], 0, 110_000);
  const out = mkdtempSync(join(tmpdir(), "dmasim-pack-"));
  const r = sh(root, npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", out], 0);
  const info = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = join(out, info[0]?.filename ?? "");
  packed = info[0]?.files.map((f) => f.path) ?? [];
  expect(existsSync(tarball), `npm pack made ${tarball}`).toBe(true);
  folder = mkdtempSync(join(tmpdir(), "dmasim-user-folder-"));
  sh(folder, npm, ["init", "-y"], 0);
  sh(folder, npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], 0, 110_000);
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
    expect(j.findings.map((f) => f.code)).toEqual(["DMA_COMMON_BUFFER_LEAKED"]);
    expect(j.findings[0]?.params.site).toMatch(new RegExp(`(^|/)my-driver\\.ts:${leakLine(source)}:\\d+`));
    expect(reportBuffers(join(folder, "r.html")).map((b) => [b.va, b.length])).toEqual(j.allocations.map((a) => [a.va, a.length]));
  });

  it("the same driver with --verifier bugcheck stops with a typed bug check (0xDA5E, the leak's parameters)", () => {
    const r = sh(folder, npx, ["dmasim", "run", "./my-driver.ts", "--verifier", "bugcheck", "--json"], 1);
    const j = JSON.parse(r.stdout) as { error?: { kind: string; message: string; bugCheck?: { code: number; params: unknown[] } } };
    expect(j.error?.kind).toBe("bugcheck");
    expect(j.error?.bugCheck?.code).toBe(0xda5e);
    expect(j.error?.message).toMatch(/^\*\*\* STOP: 0xDA5E \(0xB, .*DMA_COMMON_BUFFER_LEAKED.*my-driver\.ts:/);
  });

  it('a plain Node ES module script: import { bootMachine } from "dmasim" works with node', () => {
    writeFileSync(join(folder, "boot.mjs"), `import { bootMachine, PAGE_SIZE } from "dmasim";\nconst k = bootMachine("x64-iommu", { seed: 3 });\nconsole.log(k.profile.name, PAGE_SIZE);\n`);
    expect(sh(folder, process.execPath, ["boot.mjs"], 0).stdout.trim()).toBe("x64-iommu 4096");
  });

  it("npx dmasim check: the driver is clean (exit 0); a file with a type error exits 1 naming file:line:col", () => {
    expect(sh(folder, npx, ["dmasim", "check", "./my-driver.ts"], 0).stdout).toMatch(/^No type errors \(1 file checked/);
    writeFileSync(join(folder, "typo.ts"), `import { bootMachine } from "dmasim";\nconst k = bootMachine("x64-desktop");\nexport const where: string = k.clock.now;\n`);
    const r = sh(folder, npx, ["dmasim", "check", "./my-driver.ts", "./typo.ts"], 1);
    expect(r.stdout).toMatch(/^typo\.ts:3:14 - error TS2322: Type 'number' is not assignable to type 'string'\.$/m);
    expect(r.stdout).not.toMatch(/my-driver\.ts:/);
  });
});
