/**
 * The real `dmasim` command in a child process: dist/cli/main.js when built
 * (npm test builds first), else src/cli/main.ts through tsx.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultMode, distMain, libraryEntry, type Result, root, runCommand, srcMain, tsxLoader } from "./command.ts";

const useDist = defaultMode === "dist";
const work = mkdtempSync(join(tmpdir(), "dmasim-cli-"));

function dmasim(args: string[], env: Record<string, string> = {}): Result {
  return runCommand(args, { cwd: work, env });
}

function file(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

/** A user scenario module importing the same build of the library as the command. */
const libEntry = libraryEntry(defaultMode);
const userScenario = `
import { bootMachine } from ${JSON.stringify(libEntry)};
export default {
  name: "user-scenario",
  description: "a user's own module",
  defaultProfile: "x64-desktop",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    return { ok: true, summary: ["hello from a user module on " + k.profile.name], stats: { seed: opts.seed }, machine: k };
  },
};
`;

function expectUsage(r: Result, message: RegExp | string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(typeof message === "string" ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("dmasim command", () => {
  it("--help lists every subcommand and exits 0", () => {
    const r = dmasim(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["demo", "run", "check", "list", "profile"]) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain("--debug");
  });

  it("every subcommand has --help with an example (exit 0)", () => {
    for (const args of [["demo"], ["run"], ["check"], ["list"], ["profile"], ["profile", "show"], ["schema"]]) {
      const r = dmasim([...args, "--help"]);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: dmasim/);
      expect(r.stdout).toMatch(/Examples?:/);
    }
  });

  it("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const r = dmasim(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("demo runs the built-in scenarios, prints a summary per run and writes dmasim-report.html", () => {
    const r = dmasim(["demo"]);
    expect(r.stdout).toContain("common-buffer-walkthrough on x64-desktop");
    expect(r.stdout).toContain("common-buffer-walkthrough on x64-iommu");
    expect(r.stdout).toContain("common-buffer-walkthrough on arm64-soc");
    expect(r.stdout).toContain("fragmentation on x64-desktop");
    expect(r.stdout).toMatch(/\d+ of \d+ runs ok/);
    expect(r.stdout).toContain("Report written to dmasim-report.html");
    // Exit 0 when every run is ok, 1 when one failed; the summary says which.
    expect(r.code).toBe(/FAILED {2}/.test(r.stdout) ? 1 : 0);
    const html = readFileSync(join(work, "dmasim-report.html"), "utf8");
    expect(html).toContain("common-buffer-walkthrough");
    expect(html).toContain('<script id="dmasim-data" type="application/json">');
  });

  it("demo --json prints every run as data and --report chooses the file", () => {
    const r = dmasim(["demo", "--json", "--report", "other.html"]);
    const j = JSON.parse(r.stdout) as { runs: { scenario: string; allocations: unknown[] }[]; report: string };
    expect(j.report).toBe("other.html");
    expect(j.runs.map((x) => x.scenario)).toContain("common-buffer-walkthrough");
    expect(j.runs.find((x) => x.scenario === "common-buffer-walkthrough")?.allocations.length).toBeGreaterThan(0);
    expect(existsSync(join(work, "other.html"))).toBe(true);
  });

  it("schema prints the JSON Schema of scenario files (steps included) and of profiles", () => {
    const r = dmasim(["schema"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { title: string; properties: Record<string, unknown> };
    expect(j.title).toBe("dmasim scenario file");
    expect(Object.keys(j.properties)).toEqual(expect.arrayContaining(["scenario", "steps", "profile", "seed", "uptime", "verifier", "params"]));
    const p = JSON.parse(dmasim(["schema", "profile"]).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(p.properties)).toEqual(expect.arrayContaining(["name", "arch", "memory", "devices", "iommu"]));
  });

  it("schema result / demo / trace print the shapes of run --json, demo --json and the --trace file", () => {
    const r = JSON.parse(dmasim(["schema", "result"]).stdout) as { title: string; properties: Record<string, { items?: { properties?: Record<string, unknown> } }> };
    expect(r.title).toBe("dmasim run --json");
    expect(Object.keys(r.properties["allocations"]?.items?.properties ?? {})).toEqual(expect.arrayContaining(["va", "logical", "physical", "runs"]));
    expect((JSON.parse(dmasim(["schema", "demo"]).stdout) as { title: string }).title).toBe("dmasim demo --json");
    const t = JSON.parse(dmasim(["schema", "trace"]).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(t.properties)).toEqual(expect.arrayContaining(["format", "units", "columns", "meaning", "allocations"]));
  });

  it("list shows the scenarios and the built-in profiles; --json gives both as data", () => {
    const r = dmasim(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fragmentation");
    for (const p of ["x64-desktop", "x64-iommu", "x64-server", "arm64-soc", "x64-1tib"]) expect(r.stdout).toContain(p);
    const j = JSON.parse(dmasim(["list", "--json"]).stdout) as { scenarios: { name: string }[]; profiles: { name: string; ramBytes: number }[] };
    expect(j.scenarios.map((s) => s.name)).toContain("fragmentation");
    expect(j.profiles.find((p) => p.name === "x64-1tib")?.ramBytes).toBe(2 ** 40);
  });

  it("`list profiles`, `list scenarios` and `profile list` list one kind; anything else is bad usage", () => {
    const profiles = dmasim(["list", "profiles"]);
    expect(profiles.code).toBe(0);
    expect(profiles.stdout).toContain("arm64-soc");
    expect(profiles.stdout).not.toContain("Scenarios");
    expect(dmasim(["profile", "list"]).stdout).toBe(profiles.stdout);
    const scenarios = dmasim(["list", "scenarios"]);
    expect(scenarios.stdout).toContain("fragmentation");
    expect(scenarios.stdout).not.toContain("Profiles");
    const j = JSON.parse(dmasim(["profile", "list", "--json"]).stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["profiles"]);
    expectUsage(dmasim(["list", "drivers"]), 'list: "drivers" is not something to list (scenarios or profiles)');
  });

  it("the run header shows the uptime as given: --uptime 0.5s is 0.5 s", () => {
    const tiny = file("tiny-profile.json", JSON.stringify({ name: "tiny", arch: "x64", memory: [{ base: 0, length: "32MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] }));
    const r = dmasim(["run", "fragmentation", "--profile", tiny, "--uptime", "0.5s", "--param", "trials=1", "--param", "sizesPages=[1]"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toContain("0.5 s uptime");
  });

  it("profile show prints the memory map and devices; --json the validated profile; a profile file works too", () => {
    const r = dmasim(["profile", "show", "arm64-soc"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Memory map");
    expect(r.stdout).toContain("dma-noncoherent");
    const j = JSON.parse(dmasim(["profile", "show", "x64-iommu", "--json"]).stdout) as { iommu: { enabled: boolean } };
    expect(j.iommu.enabled).toBe(true);
    const f = file("board.json", JSON.stringify({ $schema: "./profile.schema.json", name: "board", arch: "arm64", memory: [{ base: "2GiB", length: "1GiB", type: "ram" }] }));
    const fr = dmasim(["profile", "show", f]);
    expect(fr.code).toBe(0);
    expect(fr.stdout).toContain("board");
    expect(fr.stdout).toContain("1 GiB");
  });

  it("run of a user's TypeScript module (no build step) prints its summary and exits 0", () => {
    const m = file("user.ts", `${userScenario}\nconst typed: number = 1;\nvoid typed;\n`);
    const r = dmasim(["run", m, "--profile", "arm64-soc", "--seed", "9"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OK  user-scenario on arm64-soc");
    expect(r.stdout).toContain("hello from a user module on arm64-soc");
  });

  it("run --json prints one JSON object: scenario, profile, allocations, findings, statistics", () => {
    const m = file("user2.mjs", userScenario);
    const r = dmasim(["run", m, "--json", "--seed", "0x10"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["scenario", "profile", "seed", "uptimeSeconds", "verifier", "passed", "ok", "summary", "stats", "tables", "allocations", "findings"]));
    expect(j["scenario"]).toBe("user-scenario");
    expect(j["seed"]).toBe(16);
    expect(j["stats"]).toEqual({ seed: 16 });
    expect(j["findings"]).toEqual([]);
  });

  it("run --report writes a self-contained HTML report", () => {
    const m = file("user3.mjs", userScenario);
    const out = join(work, "r.html");
    const r = dmasim(["run", m, "--report", out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<!doctype html>");
    expect(html).toContain("user-scenario");
  });

  it("a JSON scenario file runs a built-in scenario with its settings (inline profile, params)", () => {
    const f = file(
      "frag.json",
      JSON.stringify({
        scenario: "fragmentation",
        name: "small-frag",
        profile: { name: "tiny", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] },
        seed: 2,
        uptime: "20s",
        params: { sizesPages: [1, 16, 512], trials: 1 },
      }),
    );
    const r = dmasim(["run", f, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { scenario: string; profile: { name: string }; uptimeSeconds: number; tables: { successRates: unknown[] } };
    expect(j.scenario).toBe("small-frag");
    expect(j.profile.name).toBe("tiny");
    expect(j.uptimeSeconds).toBe(20);
    expect(j.tables.successRates).toHaveLength(3 * 4 * 2 * 2);
  });

  it("a JSON file with steps runs a driver written as data (allocations in --json, findings exit 1)", () => {
    const f = file(
      "steps.json",
      JSON.stringify({
        name: "ring",
        profile: "x64-iommu",
        steps: [
          { op: "adapter", device: "plx9656" },
          { op: "allocate", as: "ring", length: 5000 },
          { op: "cpuWrite", buffer: "ring", fill: 7 },
          { op: "deviceRead", buffer: "ring", expectFill: 7 },
          { op: "free", buffer: "ring" },
          { op: "putAdapter" },
        ],
      }),
    );
    const r = dmasim(["run", f, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { scenario: string; allocations: { length: number; routine: string }[]; findings: unknown[] };
    expect(j.scenario).toBe("ring");
    expect(j.allocations).toMatchObject([{ length: 5000, routine: "AllocateCommonBuffer" }]);
    const leak = file("leak.json", JSON.stringify({ steps: [{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "putAdapter" }] }));
    const lr = dmasim(["run", leak]);
    expect(lr.code).toBe(1);
    expect(lr.stdout).toContain("DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS");
  });

  it("--verifier bugcheck stops the run at the first finding with the STOP line (exit 1); --verifier off reports nothing", () => {
    const leak = file("leak2.json", JSON.stringify({ steps: [{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "putAdapter" }] }));
    const stop = dmasim(["run", leak, "--verifier", "bugcheck"]);
    expect(stop.code).toBe(1);
    // The run's headline is the stop (summary.ts) — FAILED in older summaries.
    expect(stop.stdout).toMatch(/^(FAILED|STOP 0xE6 DRIVER_VERIFIER_DMA_VIOLATION \([^)]*\)) {2}leak2/);
    expect(stop.stdout).toContain("*** STOP: 0xE6 (0x7,");
    const off = dmasim(["run", leak, "--verifier", "off"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/^OK {2}leak2/);
  });

  it("run --trace writes the event trace as column-wise JSON with named columns, units and allocations", () => {
    const f = file("traced.json", JSON.stringify({ steps: [{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "deviceWrite", buffer: "b", length: 64 }, { op: "free", buffer: "b" }] }));
    const out = join(work, "trace.json");
    const r = dmasim(["run", f, "--trace", out]);
    expect(r.code).toBe(0);
    const t = JSON.parse(readFileSync(out, "utf8")) as { format: string; units: { timeNs: string }; devices: string[]; kinds: string[]; columns: { kind: number[]; length: number[]; timeNs: number[] }; allocations: { va: string }[] };
    expect(t.format).toBe("dmasim-trace");
    expect(t.units.timeNs).toMatch(/nanoseconds/);
    expect(t.devices).toEqual(["plx9656"]);
    expect(t.columns.kind.map((k) => t.kinds[k])).toEqual(["allocate", "dmaWrite", "free"]);
    expect(t.columns.length[1]).toBe(64);
    expect(t.allocations).toHaveLength(1);
    expect(t.allocations[0]?.va).toMatch(/^0xFFFF[0-9A-F]{12}$/);
  });

  it("--param sets scenario settings from the command line (over a scenario file's params)", () => {
    const f = file("frag4.json", JSON.stringify({ scenario: "fragmentation", profile: { name: "tiny", arch: "x64", memory: [{ base: 0, length: "32MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] }, params: { trials: 3, sizesPages: [1, 2, 4] } }));
    const r = dmasim(["run", f, "--json", "--param", "trials=1", "--param", "sizesPages=[1,512]"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { tables: { successRates: { attempts: number; sizeBytes: number }[] } };
    expect(new Set(j.tables.successRates.map((x) => x.sizeBytes))).toEqual(new Set([4096, 2 * 1024 * 1024]));
    expect(j.tables.successRates.every((x) => x.attempts === 1)).toBe(true);
  });

  it("run fragmentation prints the success-rate table (sizes as columns) in the terminal", () => {
    const f = file("frag2.json", JSON.stringify({ scenario: "fragmentation", profile: { name: "tiny", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] }, params: { trials: 1 } }));
    const r = dmasim(["run", f, "--uptime", "10s"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("success rate by request size");
    expect(r.stdout).toMatch(/4KiB .* 2MiB/);
    expect(r.stdout).toMatch(/10s +DISPATCH +one request/);
  });

  it("progress never reaches a non-terminal stderr, and NO_COLOR output has no escape codes", () => {
    const f = file("frag3.json", JSON.stringify({ scenario: "fragmentation", profile: { name: "tiny", arch: "x64", memory: [{ base: 0, length: "32MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] }, params: { trials: 1, sizesPages: [1] } }));
    const r = dmasim(["run", f]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("a scenario that finishes not ok exits 1", () => {
    const m = file("bad.mjs", `export default { name: "fails", run: () => ({ ok: false, summary: ["it did not work"] }) };`);
    const r = dmasim(["run", m]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAILED  fails");
  });

  it("a scenario with findings is ok but exits 1, and lists them", () => {
    const m = file("finds.mjs", `export default { name: "finds", run: () => ({ ok: true, summary: [], findings: [{ code: "DMA_DOUBLE_FREE", message: "freed twice", time: 0, seq: 1 }] }) };`);
    const r = dmasim(["run", m]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("OK, 1 finding  finds");
    expect(r.stdout).toContain("DMA_DOUBLE_FREE: freed twice");
  });

  it("a scenario that throws fails with one line (exit 1), no stack trace", () => {
    const m = file("throws.mjs", `export default { name: "throws", run: () => { throw new RangeError("length 0 is not allowed"); } };`);
    const r = dmasim(["run", m]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: RangeError: length 0 is not allowed");
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  describe("bad input: one line naming the problem, exit 2", () => {
    it("unknown command", () => expectUsage(dmasim(["lst"]), "unknown command 'lst'"));
    it("unknown option", () => expectUsage(dmasim(["list", "--bogus"]), "unknown option '--bogus'"));
    it("unknown schema", () => expectUsage(dmasim(["schema", "driver"]), 'schema: "driver" is not a schema (scenario, profile, result, demo, trace)'));
    it("missing scenario argument", () => expectUsage(dmasim(["run"]), "missing required argument 'scenario'"));
    it("unknown scenario", () => expectUsage(dmasim(["run", "no-such-scenario"]), 'unknown scenario "no-such-scenario"'));
    it("unknown profile", () => expectUsage(dmasim(["run", "fragmentation", "--profile", "vax"]), 'unknown profile "vax"'));
    it("unknown profile in profile show", () => expectUsage(dmasim(["profile", "show", "pdp11"]), 'unknown profile "pdp11"'));
    it("bad seed", () => expectUsage(dmasim(["run", "fragmentation", "--seed", "x"]), '--seed: "x" is not a seed'));
    it("bad uptime", () => expectUsage(dmasim(["run", "fragmentation", "--uptime", "soon"]), '--uptime: "soon" is not a duration'));
    it("bad --param", () => expectUsage(dmasim(["run", "fragmentation", "--param", "trials"]), '--param: "trials" is not key=value'));
    it("bad verifier mode", () => expectUsage(dmasim(["run", "fragmentation", "--verifier", "loud"]), '--verifier: "loud" is not a verifier mode'));
    it("scenario file not found", () => expectUsage(dmasim(["run", "./missing.json"]), "scenario file not found: ./missing.json"));
    it("scenario file with a wrong extension", () => expectUsage(dmasim(["run", file("s.yaml", "x: 1")]), 'unsupported extension ".yaml"'));
    it("malformed JSON scenario file", () => expectUsage(dmasim(["run", file("broken.json", "{ nope")]), /scenario file .*broken\.json is not valid JSON/));
    it("scenario file with a wrongly typed field names the field", () => expectUsage(dmasim(["run", file("typed.json", JSON.stringify({ scenario: "fragmentation", seed: "one" }))]), /seed: .*expected number/));
    it("scenario file with an unknown key names it", () => expectUsage(dmasim(["run", file("typo.json", JSON.stringify({ scenario: "fragmentation", sead: 1 }))]), /Unrecognized key: "sead"/));
    it("scenario file with a bad step names the step's field", () => expectUsage(dmasim(["run", file("badstep.json", JSON.stringify({ steps: [{ op: "allocate", as: "b", length: "lots" }] }))]), 'steps[0].length: not a size: "lots"'));
    it("scenario file with neither scenario nor steps", () => expectUsage(dmasim(["run", file("neither.json", JSON.stringify({ seed: 1 }))]), 'give exactly one of "scenario"'));
    it("scenario file naming an unknown scenario", () => expectUsage(dmasim(["run", file("unk.json", JSON.stringify({ scenario: "warp-drive" }))]), 'scenario: unknown scenario "warp-drive"'));
    it("impossible inline profile (overlapping regions) names the field", () =>
      expectUsage(dmasim(["run", file("overlap.json", JSON.stringify({ scenario: "fragmentation", profile: { name: "o", arch: "x64", memory: [{ base: 0, length: "2MiB", type: "ram" }, { base: "1MiB", length: "1MiB", type: "ram" }] } }))]), /memory\[1\]\.base: region overlaps memory\[0\]/));
    it("impossible profile file (node without RAM)", () => expectUsage(dmasim(["profile", "show", file("nodes.json", JSON.stringify({ name: "n", arch: "x64", nodes: 2, memory: [{ base: 0, length: "1MiB", type: "ram" }] }))]), "node 1 has no RAM"));
    it("profile file that is not JSON", () => expectUsage(dmasim(["profile", "show", file("p.json", "[")]), /profile file .* is not valid JSON/));
    it("module without a scenario export", () => expectUsage(dmasim(["run", file("empty.mjs", "export const x = 1;")]), "export a scenario object"));
    it("module that does not load (syntax error)", () => expectUsage(dmasim(["run", file("syntax.ts", "export default {")]), /scenario module .*syntax\.ts failed to load/));
    it("bad params for a built-in scenario that checks them (file or --param)", () => {
      expectUsage(dmasim(["run", file("params.json", JSON.stringify({ scenario: "fragmentation", params: { trials: -1 } }))]), "fragmentation: params.trials must be a whole number from 1 to 100, got -1");
      expectUsage(dmasim(["run", "fragmentation", "--param", "trails=2"]), 'fragmentation: unknown param "trails"');
    });
  });
  it("run sound-card-late --wav writes the card's capture as a WAV file", () => {
    const r = dmasim(["run", "sound-card-late", "--param", "seconds=1", "--wav", "late.wav"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Audio written to late\.wav/);
    const wav = readFileSync(join(work, "late.wav"));
    expect(wav.subarray(0, 4).toString("latin1")).toBe("RIFF");
    expect(wav.subarray(8, 12).toString("latin1")).toBe("WAVE");
  });

  it("--wav on a built-in scenario without audio is refused before running (exit 2, one line)", () => {
    expectUsage(dmasim(["run", "common-buffer-walkthrough", "--wav", "none.wav"]), "--wav: common-buffer-walkthrough plays no audio (the scenarios with audio: sound-card, sound-card-late, sound-card-pnp, sound-card-pnp-leak)");
    expect(existsSync(join(work, "none.wav"))).toBe(false);
    const steps = file("nowav.json", JSON.stringify({ steps: [{ op: "adapter", device: "plx9656" }] }));
    expectUsage(dmasim(["run", steps, "--wav", "none.wav"]), "--wav: nowav plays no audio");
  });

  it("--wav on a user module that produced no audio fails after the run (exit 1) and writes nothing", () => {
    const m = file("silent.mjs", userScenario);
    const r = dmasim(["run", m, "--wav", "silent.wav"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/user-scenario produced no audio to write to silent\.wav/);
    expect(existsSync(join(work, "silent.wav"))).toBe(false);
  });

  describe("output paths are checked before the run: a missing folder is exit 2 naming it", () => {
    it("run --report", () => expectUsage(dmasim(["run", "fragmentation", "--report", "no/such/dir/r.html"]), "--report: folder no/such/dir does not exist (for no/such/dir/r.html)"));
    it("run --trace", () => expectUsage(dmasim(["run", "fragmentation", "--trace", "/nonexistent-dmasim/t.json"]), "--trace: folder /nonexistent-dmasim does not exist"));
    it("run --wav", () => expectUsage(dmasim(["run", "sound-card", "--wav", "gone/x.wav"]), "--wav: folder gone does not exist"));
    it("demo --report", () => expectUsage(dmasim(["demo", "--report", "missing-dir/d.html"]), "--report: folder missing-dir does not exist"));
    it("a path that is a folder", () => {
      mkdirSync(join(work, "out-dir"), { recursive: true });
      expectUsage(dmasim(["run", "fragmentation", "--report", "out-dir"]), "--report: out-dir is a folder; give a file name");
    });
  });

  it("a built-in scenario on a profile it cannot use names what is missing, not an internal function", () => {
    const r = dmasim(["run", "sound-card", "--profile", "arm64-soc"]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(/systemDmaOf|sb16Of|isaDmaOf|machineSlot|halState/);
    expect(r.stderr).toMatch(/sound-card needs a profile with an ISA DMA controller \(8237\); arm64-soc \(arm64\) has none/);
  });

  it("dmasim demo | head -1: the closed pipe ends the run quietly with exit 0 (no EPIPE stack)", () => {
    const cmd = useDist ? `"${process.execPath}" "${distMain}"` : `"${process.execPath}" --import "${tsxLoader}" "${srcMain}"`;
    const r = spawnSync("bash", ["-c", `${cmd} demo --report "${join(work, "piped.html")}" | head -1; echo "dmasim exit $\{PIPESTATUS[0]}" >&2`], { cwd: work, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    expect(r.stdout.split("\n").filter((l) => l !== "")).toHaveLength(1);
    expect(r.stdout).toMatch(/^OK {2}common-buffer-walkthrough/);
    expect(r.stderr.trim()).toBe("dmasim exit 0");
  });

  describe("dmasim check type-checks user modules against the package's declarations", () => {
    it("a correct module: no diagnostics, exit 0", () => {
      const m = file("typed-ok.ts", `import { bootMachine, type Scenario } from "dmasim";\nconst s: Scenario = { name: "t", description: "", defaultProfile: "x64-desktop", run(opts) { const k = bootMachine(opts.profile); opts.onBoot?.(k); return { ok: true, summary: [String(k.clock.now)], machine: k }; } };\nexport default s;\n`);
      const r = dmasim(["check", m]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^No type errors \(1 file checked/);
    });

    it("type errors: file:line:col lines naming each, exit 1", () => {
      const ok = file("typed-ok2.ts", `import { PAGE_SIZE } from "dmasim";\nexport const n: number = PAGE_SIZE;\n`);
      const bad = file("typed-bad.ts", `import { bootMachine } from "dmasim";\nconst k = bootMachine("x64-desktop");\nexport const t: string = k.clock.now;\nexport const u = bootMachine(42);\n`);
      const r = dmasim(["check", ok, bad]);
      expect(r.code).toBe(1);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/typed-bad\.ts:3:14 - error TS2322: Type 'number' is not assignable to type 'string'\./);
      expect(lines[1]).toMatch(/typed-bad\.ts:4:30 - error TS2345: /);
      expect(lines.at(-1)).toBe("2 type errors in 1 file (2 files checked).");
    });

    it("a file that does not exist is bad usage (exit 2)", () => expectUsage(dmasim(["check", "nowhere.ts"]), "check: file not found: nowhere.ts"));
  });
});
