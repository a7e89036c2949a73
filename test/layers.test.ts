import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The layers of DESIGN.md, bottom to top: an import may only point downward (or sideways).
const ORDER = ["core", "machine", "devices", "kernel", "hal", "wdf", "verifier", "trace", "scenarios", "report", "cli"];
const NODE_FREE = new Set(ORDER.slice(0, ORDER.indexOf("report")));
const SRC = join(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

function layerOf(file: string): string | undefined {
  return relative(SRC, file).split("/")[0];
}

describe("layering (DESIGN.md)", () => {
  const files = sources(SRC);
  it("no module imports a layer above its own", () => {
    const bad: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      if (from === undefined || !ORDER.includes(from)) continue;
      for (const m of readFileSync(f, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = layerOf(normalize(join(dirname(f), m[1] ?? "")));
        if (target !== undefined && ORDER.includes(target) && ORDER.indexOf(target) > ORDER.indexOf(from)) bad.push(`${relative(SRC, f)} imports ${m[1] ?? ""}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("nothing below report/ imports a node: module, so the library runs in a browser", () => {
    const bad = files.filter((f) => NODE_FREE.has(layerOf(f) ?? "") && /from\s+"node:/.test(readFileSync(f, "utf8"))).map((f) => relative(SRC, f));
    expect(bad).toEqual([]);
  });
});
