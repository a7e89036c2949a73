import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BenchResult, formatTable, main, statusOf } from "../../bench/harness.ts";

// A groups directory with one instant group, for the harness's own behaviour.
const dir = mkdtempSync(join(tmpdir(), "dmasim-bench-"));
writeFileSync(
  join(dir, "fake.ts"),
  `export default { name: "fake", run: async () => [
    { group: "fake", name: "fake.ratio", value: 0.95, unit: "ratio", target: ">= 0.9", maxPlausible: 1.05, against: "a bare copy" },
    { group: "fake", name: "fake.impossible", value: 15.2, unit: "ratio", target: ">= 0.9", maxPlausible: 1.05, against: "a bare copy" },
    { group: "fake", name: "fake.ms", value: 70, unit: "ms", target: "<= 50", against: "something" },
    { group: "fake", name: "fake.context", value: 3, unit: "x", against: "context" },
  ] };\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bench(argv: string[], npmJson = false): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), dir, npmJson });
  return { code, out, err };
}

describe("bench harness", () => {
  it("--json prints nothing but one JSON object on stdout; progress goes to stderr", async () => {
    const r = await bench(["--json", "fake"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { machine: { load1: number; runtime: string }; results: (BenchResult & { status: string })[] };
    expect(j.results.map((x) => x.name)).toEqual(["fake.ratio", "fake.impossible", "fake.ms", "fake.context"]);
    expect(typeof j.machine.load1).toBe("number");
    expect(r.err).toMatch(/bench: fake done/);
  });

  it("npm's own --json (npm_config_json) asks for JSON as --json does", async () => {
    const r = await bench(["fake"], true);
    expect(() => JSON.parse(r.out) as unknown).not.toThrow();
  });

  it("a ratio above its plausible maximum is a broken baseline, not a result", async () => {
    const r = await bench(["--json", "fake"]);
    const j = JSON.parse(r.out) as { results: { name: string; status: string }[] };
    expect(Object.fromEntries(j.results.map((x) => [x.name, x.status]))).toEqual({ "fake.ratio": "ok", "fake.impossible": "broken-baseline", "fake.ms": "miss", "fake.context": "context" });
    const t = await bench(["fake"]);
    expect(t.out).toMatch(/fake\.impossible\s+\(15\.2\)\s+ratio\s+>= 0\.9\s+BROKEN BASELINE/);
  });

  it("the table prints every figure with its goal and what it is measured against", () => {
    const rows: BenchResult[] = [
      { group: "g", name: "g.a", value: 1, unit: "ms", target: "<= 2", against: "the baseline" },
      { group: "g", name: "g.b", value: 5, unit: "x", against: "context only" },
    ];
    const lines = formatTable(rows).split("\n");
    expect(lines[0]).toMatch(/metric\s+value\s+unit\s+goal\s+measured against/);
    expect(lines[2]).toMatch(/g\.a\s+1\s+ms\s+<= 2\s+ok\s+the baseline/);
    expect(lines[3]).toMatch(/g\.b\s+5\s+x\s+-\s+context only/);
    expect(statusOf(rows[1] as BenchResult)).toBe("context");
  });

  it("an unknown group or option is one line on stderr and exit code 2", async () => {
    expect((await bench(["nosuch"])).code).toBe(2);
    const r = await bench(["--fast"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown bench option\(s\): --fast/);
    expect(r.out).toBe("");
  });
});
