/**
 * The README section "Run your C driver" stays true: its dmasim.json example
 * is a valid config, the examples it runs exist, and the line it says a leak
 * names is the line that allocates the common buffer.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cDriverConfigSchema } from "../../src/cdriver/scenario/config.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TITLE = "## Run your C driver\n";

function section(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(TITLE);
  if (start < 0) throw new Error(`README.md has no section "${TITLE.trim()}"`);
  const end = readme.indexOf("\n## ", start + TITLE.length);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README "Run your C driver"', () => {
  it("its dmasim.json example is a valid config", () => {
    const json = /```json\n([\s\S]*?)```/.exec(section())?.[1];
    expect(json).toBeDefined();
    expect(cDriverConfigSchema.safeParse(JSON.parse(json ?? "{}")).success).toBe(true);
  });

  it("every example it runs exists, with its dmasim.json", () => {
    // The repository's examples (the PLX9x5x sample is the user's own clone, outside it).
    const runs = [...section().matchAll(/^dmasim run (examples\/\S+)/gm)].map((m) => m[1] ?? "");
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const r of runs) expect(existsSync(join(ROOT, r, "dmasim.json")), r).toBe(true);
  });

  it("the leak it promises at dma.c:75 is where sb16-wdm calls AllocateCommonBuffer", () => {
    const line = Number(/leak finding at dma\.c:(\d+)/.exec(section())?.[1]);
    const src = readFileSync(join(ROOT, "examples", "c", "sb16-wdm", "dma.c"), "utf8").split("\n");
    expect(src[line - 1]).toMatch(/->AllocateCommonBuffer\(/);
  });

  it("the leak it promises at driver.c:113 is where plx-kmdf calls AllocateCommonBuffer", () => {
    const line = Number(/leak finding at driver\.c:(\d+)/.exec(section())?.[1]);
    const src = readFileSync(join(ROOT, "examples", "c", "plx-kmdf", "driver.c"), "utf8").split("\n");
    expect(src[line - 1]).toMatch(/->AllocateCommonBuffer\(/);
  });
});
