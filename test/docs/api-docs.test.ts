/**
 * The API reference builds (TypeDoc over src/index.ts, as `npm run docs`
 * does) with no broken link, no TypeDoc warning, and no export without a doc
 * comment outside the files listed as PENDING in api-docs.ts; the routines a
 * driver calls have an @example (test/docs/api-examples.test.ts runs them).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiDocsResult, AWAITING_EXPORT, buildApiDocs, checkLinks, EXAMPLE_REQUIRED, isExcused, isPending, unexportedName } from "./api-docs.ts";

const out = mkdtempSync(join(tmpdir(), "dmasim-api-"));
let result: ApiDocsResult;
beforeAll(async () => {
  result = await buildApiDocs(out);
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("API reference (npm run docs)", () => {
  it("builds a page per exported symbol, the README as its front page", () => {
    expect(result.pages).toBeGreaterThan(300);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("Quick start");
    expect(readFileSync(join(out, "functions", "bootMachine.html"), "utf8")).toContain("Boot a machine from a built-in profile name");
  });

  it("every export outside the pending files has a doc comment, and uses no type the package does not export (but those listed in AWAITING_EXPORT)", () => {
    expect(result.problems.filter((p) => p.kind !== "no-example" && !isExcused(p)).map((p) => `${p.file}: ${p.name} (${p.kind})`)).toEqual([]);
  });

  it("every type in AWAITING_EXPORT is still used by the API without being exported (an exported one leaves the list)", () => {
    const waiting = new Set(result.problems.filter((p) => p.kind === "not-exported").map(unexportedName));
    expect(AWAITING_EXPORT.filter((n) => !waiting.has(n))).toEqual([]);
  });

  it("the routines a driver calls have an @example, outside the pending files", () => {
    expect(EXAMPLE_REQUIRED.length).toBeGreaterThan(30);
    expect(result.problems.filter((p) => p.kind === "no-example" && !isPending(p.file)).map((p) => `${p.file}: ${p.name}`)).toEqual([]);
  });

  it("no link in the generated pages is broken, and TypeDoc warned of nothing else (no unresolved {@link})", () => {
    expect(result.brokenLinks).toEqual([]);
    expect(result.otherWarnings).toEqual([]);
  });

  it("the link check finds a broken link when there is one", async () => {
    const { writeFileSync, mkdirSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "dmasim-links-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "a.html"), `<a href="sub/b.html#here">ok</a> <a href="sub/b.html#gone">bad anchor</a> <a href="missing.html">bad file</a> <a href="https://example.com/">external</a>`);
    writeFileSync(join(dir, "sub", "b.html"), `<h2 id="here">x</h2>`);
    expect(checkLinks(dir).broken.map((b) => b.href)).toEqual(["sub/b.html#gone", "missing.html"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
