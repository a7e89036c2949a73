/**
 * `npm run -s bench -- --json GROUP` end to end: it builds the package and
 * the bench, runs the bench compiled against dist/, and prints nothing but the
 * JSON object on stdout. Run in a temporary copy of the project, so that its
 * build never rewrites the dist/ other tests are using.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const copy = mkdtempSync(join(tmpdir(), "dmasim-bench-npm-"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("npm run -s bench -- --json", () => {
  it("builds, runs the compiled bench against dist/, and prints only the JSON object on stdout", () => {
    for (const f of ["package.json", "tsconfig.base.json", "tsconfig.build.json", "src", "bench"]) cpSync(join(root, f), join(copy, f), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "junction");
    const env: Record<string, string | undefined> = { ...process.env };
    delete env["npm_config_json"];
    const r = spawnSync("npm", ["run", "-s", "bench", "--", "--json", "dma"], { cwd: copy, encoding: "utf8", env, timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { machine: { runtime: string }; results: { name: string; status: string }[] };
    expect(j.machine.runtime).toBe("node (dist/)");
    expect(j.results.map((x) => x.name)).toContain("dma.bulk64k_vs_set");
    expect(r.stdout.trimStart().startsWith("{")).toBe(true);
    expect(r.stderr).toMatch(/bench: dma done/);
  }, 600_000);
});
