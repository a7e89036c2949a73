import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkOutputPath } from "./output-paths.ts";

describe("output paths", () => {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-out-"));
  mkdirSync(join(dir, "sub"));
  it("a file in an existing folder is fine", () => expect(() => checkOutputPath("--report", "sub/r.html", dir)).not.toThrow());
  it("a missing folder, a folder as the file, an empty name are usage errors naming the option", () => {
    expect(() => checkOutputPath("--report", "nope/r.html", dir)).toThrow("--report: folder nope does not exist (for nope/r.html)");
    expect(() => checkOutputPath("--trace", "sub", dir)).toThrow("--trace: sub is a folder; give a file name");
    expect(() => checkOutputPath("--wav", "", dir)).toThrow("--wav: give a file name");
  });
});
