/**
 * Every @example in a doc comment under src/ is type-checked strictly and
 * run against src/index.ts, and each `console.log` whose line ends in a
 * comment prints what the comment says (test/docs/code-blocks.ts).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { againstSource, exampleBlocks, ROOT, runTsBlock, typeCheck } from "./code-blocks.ts";

const sources = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => join(ROOT, "src", f));
const examples = sources.flatMap(exampleBlocks);
const scratch = mkdtempSync(join(tmpdir(), "dmasim-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("@example blocks in src/", () => {
  it("there are examples (the routines a driver calls have them; test/docs/api-docs.test.ts checks which)", () => {
    expect(examples.length).toBeGreaterThan(20);
  });

  it("every example type-checks strictly against the library", () => {
    const files = examples.map((b, i) => {
      const f = join(scratch, `check-${i}.ts`);
      writeFileSync(f, `export {};\n${againstSource(b.code)}`);
      return f;
    });
    const errors = typeCheck(files).map((e) => {
      const i = Number(/check-(\d+)\.ts/.exec(e)?.[1]);
      return `${examples[i]?.where ?? "?"}: ${e.replace(/^.*?check-\d+\.ts:(\d+)/, (_m, l: string) => `block line ${Number(l) - 1}`)}`;
    });
    expect(errors).toEqual([]);
  });

  for (const [i, b] of examples.entries()) {
    it(`${b.where} runs and prints what its comments say`, async () => {
      const r = await runTsBlock(b, join(scratch, `run-${i}`), "example.ts");
      expect(r.mismatches).toEqual([]);
    });
  }
});
