/**
 * Bad settings for a built-in scenario are bad usage, checked before the run:
 * every scenario in the registry (so a new one is covered without touching
 * this file) is run through the real command with an unknown param and on
 * profiles that lack what it drives, and must exit 2 with one line naming the
 * scenario and what the user did, never an internal routine or a stack.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_PROFILES } from "../../src/machine/builtin-profiles.ts";
import { BUILTIN_SCENARIOS } from "../../src/scenarios/index.ts";
import { defaultMode, distMain, type Result, srcMain, tsxLoader } from "./command.ts";

const work = mkdtempSync(join(tmpdir(), "dmasim-params-"));
// An x64 machine with nothing on its buses: every built-in scenario drives some device, so each must refuse it.
const bare = join(work, "bare.json");
writeFileSync(bare, JSON.stringify({ name: "bare-x64", arch: "x64", memory: [{ base: 0, length: "64 MiB", type: "ram" }], devices: [] }));

/** The command, asynchronously (the runs of one scenario go side by side). */
function dmasim(args: readonly string[]): Promise<Result> {
  const argv = defaultMode === "dist" ? [distMain, ...args] : ["--import", tsxLoader, srcMain, ...args];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env["DMASIM_DEBUG"];
  return new Promise((done) => {
    execFile(process.execPath, argv, { cwd: work, env, encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      done({ code, stdout, stderr });
    });
  });
}

/** Names of the library's own routines a message must not show (the systemDmaOf, sb16Of and their like). */
const INTERNAL = /systemDmaOf|sb16Of|sb16On|isaDmaOf|plxOn|instanceOf|e1000DeviceOf|paramsOf|studyParams|bootPlx|bootSoundCard|machineSlot|halState|\bat \S+\.(?:ts|js):\d+/;

/** Exit 2, nothing on stdout, one stderr line that names the scenario and contains every `mentions`. */
function expectUsage(r: Result, scenario: string, ...mentions: string[]): void {
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0] ?? "";
  expect(line).toMatch(new RegExp(`^dmasim: ${scenario}\\b`));
  for (const m of mentions) expect(line).toContain(m);
  expect(line).not.toMatch(INTERNAL);
  expect(line).not.toMatch(/internal error/i);
}

/** The first built-in profile the scenario's own up-front check refuses, with the reason, or undefined. */
function refusingProfile(s: (typeof BUILTIN_SCENARIOS)[number]): { name: string; message: string } | undefined {
  for (const [name, profile] of BUILTIN_PROFILES) {
    try {
      s.checkParams?.({ uptimeSeconds: 0, profile });
    } catch (e) {
      return { name, message: (e as Error).message };
    }
  }
  return undefined;
}

describe("built-in scenarios refuse bad settings as bad usage (exit 2), before the run", () => {
  it("the registry is not empty and every built-in scenario has an up-front check", () => {
    expect(BUILTIN_SCENARIOS.length).toBeGreaterThan(10);
    for (const s of BUILTIN_SCENARIOS) expect(typeof s.checkParams, s.name).toBe("function");
  });

  for (const s of BUILTIN_SCENARIOS) {
    describe.concurrent(s.name, () => {
      it("an unknown param (--param bogus=1) names the scenario and the param", async () => {
        expectUsage(await dmasim(["run", s.name, "--param", "bogus=1"]), s.name, '"bogus"');
      });

      it("a profile with no devices names the scenario and the profile", async () => {
        expectUsage(await dmasim(["run", s.name, "--profile", bare]), s.name, "bare-x64");
      });

      const refused = refusingProfile(s);
      if (refused !== undefined) {
        it(`a built-in profile without what it drives (${refused.name}) is refused with what is missing`, async () => {
          expectUsage(await dmasim(["run", s.name, "--profile", refused.name]), s.name, refused.name, refused.message);
        });
      }
    });
  }

  it("the sound card on arm64 says the machine has no ISA DMA controller (the issue's example)", async () => {
    expectUsage(await dmasim(["run", "sound-card", "--profile", "arm64-soc"]), "sound-card", "needs a profile with an ISA DMA controller", "arm64-soc");
  });

  it("a param of the wrong type names the param and the value", async () => {
    expectUsage(await dmasim(["run", "nic", "--param", "frames=many"]), "nic", "params.frames", '"many"');
  });
});
