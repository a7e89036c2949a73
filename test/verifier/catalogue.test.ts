import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_CATALOGUE } from "../../src/verifier/codes.ts";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every finding code some layer reports: `report({ code: "X", ...` in the sources. */
function reportedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const f of sources(path.join(root, "src"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/report\(\{\s*code: "([A-Z0-9_]+)"/g)) codes.add(m[1] as string);
  }
  return codes;
}

describe("the finding catalogue and the README", () => {
  it("every code reported anywhere in src is in the catalogue", () => {
    const known = new Set(FINDING_CATALOGUE.map((c) => c.code));
    expect([...reportedCodes()].filter((c) => !known.has(c))).toEqual([]);
  });

  it("the README lists every catalogued code on a line of its own", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const missing = FINDING_CATALOGUE.filter((c) => c.code.startsWith("(") === false && !readme.includes(`| \`${c.code}\` |`)).map((c) => c.code);
    expect(missing).toEqual([]);
  });
});
