/**
 * Mistakes in a user's module, through the real command: each one clear
 * message naming the user's file and line (and with --debug or
 * DMASIM_DEBUG=1 the user's frames only), the README's exit codes (1 a
 * failed run, 2 a module that cannot be used), never a bare exit 13.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Result, runCommand } from "./command.ts";

const work = mkdtempSync(join(tmpdir(), "dmasim-errors-"));

function file(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

function dmasim(args: string[], env: Record<string, string> = {}): Result {
  return runCommand(args, { cwd: work, env });
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split("\n");
  expect(lines, text).toHaveLength(1);
  return lines[0] ?? "";
}

const THROWER = `import { bootMachine, type Scenario } from "dmasim";

function configure(size: number): number {
  if (size === 0) throw new RangeError("ring size 0 is not allowed");
  return size;
}

const scenario: Scenario = {
  name: "thrower",
  description: "throws from a helper",
  defaultProfile: "x64-desktop",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    configure(0);
    return { ok: true, summary: [], machine: k };
  },
};
export default scenario;
`;

describe("errors in user code name the user's file and line", () => {
  it("a throw in run(): one line with the message and the throwing line (exit 1), no stack", () => {
    const r = dmasim(["run", file("thrower.ts", THROWER)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: RangeError: ring size 0 is not allowed (at thrower.ts:4:25)");
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["--debug", ["--debug"], {}],
    ["DMASIM_DEBUG=1", [], { DMASIM_DEBUG: "1" }],
  ] as const)("%s adds the user's frames only (no library, Node or tsx frames)", (_how, extra, env) => {
    const r = dmasim(["run", "thrower.ts", ...extra], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("dmasim: thrower failed here:\n    at configure (thrower.ts:4:25)\n    at Object.run (thrower.ts:15:5)\n");
  });

  it("a TypeScript syntax error: one line with file:line:col and esbuild's reason (exit 2)", () => {
    const r = dmasim(["run", file("syntax.ts", "export default {\n  name: 'x',\n  run() {\n")]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("dmasim: scenario module syntax.ts failed to load: syntax.ts:4:1: Unexpected end of file");
  });

  it("a JavaScript syntax error: one line with file:line (exit 2)", () => {
    const r = dmasim(["run", file("broken.mjs", "export default {\n  name: 'x',\n  run() { return 1 +; },\n};\n")]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("dmasim: scenario module broken.mjs failed to load: broken.mjs:3: SyntaxError: Unexpected token ';'");
  });

  it("a throw while the module loads: its message and line (exit 2)", () => {
    const r = dmasim(["run", file("top.ts", `const size: number = 0;\nif (size === 0) throw new Error("no size configured");\nexport default {};\n`)]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("dmasim: scenario module top.ts failed to load: no size configured (at top.ts:2:23)");
    const d = dmasim(["run", "top.ts", "--debug"]);
    expect(d.code).toBe(2);
    expect(d.stderr).toBe("dmasim: scenario module top.ts failed to load: no size configured (at top.ts:2:23)\n    at top.ts:2:23\n");
  });

  it("an import of a file that is not there: one line naming it (exit 2)", () => {
    const r = dmasim(["run", file("missing-import.ts", `import { x } from "./helpers.ts";\nexport default { name: "m", run: () => ({ ok: x, summary: [] }) };\n`)]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^dmasim: scenario module missing-import\.ts failed to load: Cannot find module '.*helpers\.ts' imported from .*missing-import\.ts$/);
  });

  it("a module without a scenario export: one line saying what to export (exit 2)", () => {
    const r = dmasim(["run", file("no-export.ts", `import { bootMachine } from "dmasim";\nexport const boot = bootMachine;\n`)]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("dmasim: scenario module no-export.ts: export a scenario object as the default export (or as `scenario`): { name, description, defaultProfile, run(opts) }");
  });

  it("a run() that returns nothing: a failed run naming where run() is (exit 1), not an internal error", () => {
    const r = dmasim(["run", file("returns-nothing.ts", `import type { ScenarioOptions } from "dmasim";\nexport default {\n  name: "silent",\n  description: "",\n  defaultProfile: "x64-desktop",\n  run(opts: ScenarioOptions) {\n    void opts;\n  },\n};\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("error: run() returned nothing, not a ScenarioResult: return { ok, summary } (and findings, machine) (run is at returns-nothing.ts:6:3)");
  });

  it("a run() whose promise never settles: exit 1 and a message naming the pending run() (no machine booted)", () => {
    const r = dmasim(["run", file("hangs.mjs", `export default { name: "hangs", run: () => new Promise(() => {}) };\n`)]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('dmasim: scenario "hangs" (hangs.mjs) never finished: its run() promise is still pending and nothing is left that could settle it (no timers, no I/O); no machine was booted (opts.onBoot was not called)');
  });

  it("a run() waiting on the host for a simulated event: the message says the simulated clock has events pending", () => {
    const src = `import { bootMachine, type Scenario } from "dmasim";
const s: Scenario = {
  name: "waits",
  description: "",
  defaultProfile: "x64-desktop",
  async run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    // The device "answers" after 2 ms of simulated time, but nobody runs the clock.
    await new Promise<void>((done) => k.clock.after(2_000_000, () => done()));
    return { ok: true, summary: [], machine: k };
  },
};
export default s;
`;
    const r = dmasim(["run", file("waits.ts", src)]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^dmasim: scenario "waits" \(waits\.ts\) never finished: .*the simulated clock still has 1 event pending \(the next at 2\.000 ms; now 0\.000 ms\): run it/);
  });

  it("a top-level await that never settles: exit 1 naming the module that never finished loading", () => {
    const r = dmasim(["run", file("tla.mjs", `await new Promise(() => {});\nexport default { name: "never" };\n`)]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^dmasim: scenario module tla\.mjs never finished loading: a top-level await/);
  });
});
