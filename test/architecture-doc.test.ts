import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const doc = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");

describe("docs/architecture.md stays true", () => {
  it("every src/ layer it lists exists, and every layer folder in src/ is listed", () => {
    const listed = [...doc.matchAll(/^ {2}([a-z]+)\/ /gm)].map((m) => m[1] ?? "");
    for (const l of listed) expect(existsSync(join(ROOT, "src", l)), `src/${l}`).toBe(true);
    const layers = ["core", "machine", "devices", "kernel", "hal", "wdf", "verifier", "trace", "scenarios", "report", "cli"];
    for (const l of layers) expect(listed).toContain(l);
  });

  it("every source file it names exists", () => {
    const files = [...doc.matchAll(/[a-z]+\/[a-z0-9.-]+\.ts/g)].map((m) => m[0]);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(existsSync(join(ROOT, "src", f)) || existsSync(join(ROOT, f)), f).toBe(true);
  });
});
