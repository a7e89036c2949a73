import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_CODES } from "../../src/core/finding-codes.ts";
import { FINDING_CATALOGUE } from "../../src/verifier/codes.ts";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every finding code some layer reports: `report({ code: "X", ...` (or the verifier's `record(`) in the sources. */
function reportedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const f of sources(path.join(root, "src"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:report|record)\(\s*\{\s*code: "([A-Z0-9_]+)"/g)) codes.add(m[1] as string);
  }
  return codes;
}

/** The README's catalogue table: its rows as [code, bug check, meaning], in order. */
function readmeRows(): string[][] {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const start = readme.indexOf("| Code | Bug check (P1, P2, P3, P4) | Meaning |");
  expect(start).toBeGreaterThan(0);
  const rows: string[][] = [];
  for (const line of readme.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const cells = line.slice(1, -1).split(" | ").map((c) => c.trim());
    rows.push([(cells[0] ?? "").replace(/^`|`$/g, ""), cells[1] ?? "", cells.slice(2).join(" | ")]);
  }
  return rows;
}

describe("the finding catalogue and the README", () => {
  it("every code reported anywhere in src is in the catalogue", () => {
    const known = new Set<string>(FINDING_CATALOGUE.map((c) => c.code));
    expect([...reportedCodes()].filter((c) => !known.has(c))).toEqual([]);
  });

  it("the catalogue has every code of core/finding-codes.ts exactly once, in its order, then the stops that are never findings", () => {
    const codes = FINDING_CATALOGUE.filter((c) => c.code !== "(bug check)").map((c) => c.code);
    expect(codes).toEqual([...FINDING_CODES]);
    expect(FINDING_CATALOGUE.slice(codes.length).every((c) => c.code === "(bug check)")).toBe(true);
  });

  it("the README table is the catalogue, row for row: code, bug check and meaning", () => {
    expect(readmeRows()).toEqual(FINDING_CATALOGUE.map((c) => [c.code, c.bugCheck, c.meaning]));
  });
});
