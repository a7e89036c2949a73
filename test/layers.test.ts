import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The layers of DESIGN.md, bottom to top: an import may only point downward (or sideways).
const ORDER = ["core", "machine", "devices", "kernel", "hal", "wdf", "app", "verifier", "trace", "scenarios", "cdriver", "report", "cli"];
// cdriver/ runs clang and keeps a build cache: it is the first layer allowed node: modules.
const NODE_FREE = new Set(ORDER.slice(0, ORDER.indexOf("cdriver")));
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

  it("nothing below cdriver/ imports a node: module, so the library runs in a browser", () => {
    const bad = files.filter((f) => NODE_FREE.has(layerOf(f) ?? "") && /from\s+"node:/.test(readFileSync(f, "utf8"))).map((f) => relative(SRC, f));
    expect(bad).toEqual([]);
  });

  it("no import cycle among production files (type-only imports count: they tie the files together too)", () => {
    const edges = new Map<string, string[]>();
    for (const f of files) {
      const out: string[] = [];
      for (const m of readFileSync(f, "utf8").matchAll(/(?:import|export)[^'"]*?from\s*["'](\.[^'"]+)["']/g)) {
        const t = normalize(join(dirname(f), m[1] ?? ""));
        if (files.includes(t)) out.push(t);
      }
      edges.set(f, out);
    }
    // Tarjan's strongly connected components: any component of two or more files is a cycle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
      }
      if (low.get(v) === idx.get(v)) {
        const c: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w === undefined) break;
          onStack.delete(w);
          c.push(relative(SRC, w));
        } while (w !== v);
        if (c.length > 1) cycles.push(c.sort());
      }
    };
    for (const f of files) if (!idx.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
