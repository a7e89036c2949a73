/**
 * Every code block of README.md and docs/*.md, run so none can rot:
 * - TypeScript blocks are type-checked strictly against the library and run
 *   against src/ (in this process, or in their own process when they touch
 *   files); a `console.log` line's trailing comment is what it prints;
 * - JavaScript blocks run with Node against the built package (dist/);
 * - shell blocks: each line that invokes dmasim runs through the real
 *   command (dist/cli/main.js) in a scratch folder holding the files the
 *   page writes (`ts file=NAME`, `json file=NAME`); it must not be bad usage
 *   (exit 2) or an internal error. Other commands (npm, git, cd, aplay, ...)
 *   are named in SKIPPED and left to the pack-and-install test;
 * - JSON blocks are validated against the schema they claim: `json
 *   schema=result|trace|demo`, else a scenario file (has "scenario" or
 *   "steps"), a machine profile (has "arch") or a C driver's dmasim.json
 *   (has "sources" or "workload").
 * A block another imports (`from "./echo-driver.ts"`) is written under that
 * name: the block of the page that exports what is imported. The guides'
 * output comments are checked, the README's as well (a comment that is
 * prose goes after " — ": `console.log(x); // 49374 — why`), except in
 * "Writing a request-driven KMDF driver and its application", whose values
 * readme-request-driver.test.ts checks.
 * The README's "Writing a device model and its driver" section is run, with
 * its printed values checked, by readme-device-model.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cDriverConfigSchema } from "../../src/cdriver/scenario/config.ts";
import { parseProfile } from "../../src/machine/profile.ts";
import { scenarioFileSchema } from "../../src/cli/scenario-file.ts";
import { demoResultSchema, runResultSchema, traceFileSchema } from "../../src/report/result-schema.ts";
import { againstSource, type CodeBlock, markdownBlocks, ROOT, runBlockInChild, runTsBlock, typeCheck } from "./code-blocks.ts";

const DEVICE_MODEL_SECTION = "Writing a device model and its driver";
/** README sections whose printed values their own test checks (readme-request-driver.test.ts): run here, comments not compared. */
const VALUES_CHECKED_ELSEWHERE = new Set(["Writing a request-driven KMDF driver and its application"]);
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const CLI = join(ROOT, "dist", "cli", "main.js");
const scratch = mkdtempSync(join(tmpdir(), "dmasim-doc-blocks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Commands a shell block may hold that are not dmasim: covered by the pack-and-install test or outside dmasim. */
const SKIPPED = new Set(["npm", "git", "cd", "aplay", "ffplay", "npx tsx listen.ts", "node boot.mjs"]);

/** The name a block is written under in its page's folder: its `file=`, the module another block imports it as, else what the README's prose calls it. */
function fileName(b: CodeBlock, page: readonly CodeBlock[]): string | undefined {
  if (b.attrs["file"] !== undefined) return b.attrs["file"];
  for (const other of page) {
    for (const m of other.code.matchAll(/import \{([^}]*)\} from "\.\/([\w.-]+\.ts)"/g)) {
      const first = (m[1] as string).split(",")[0]?.trim().replace(/^type /, "") ?? "";
      if (first !== "" && new RegExp(`export (?:async )?(?:function|const|class) ${first}\\b`).test(b.code)) return m[2];
    }
  }
  if (b.lang === "ts" && /export default scenario/.test(b.code)) return "my-driver.ts";
  if (b.lang === "js") return "boot.mjs";
  if (b.lang === "json") {
    const j = JSON.parse(b.code) as Record<string, unknown>;
    if ("steps" in j) return "steps.json";
    if ("scenario" in j) return "my-run.json";
    if ("arch" in j) return "my-board.json";
  }
  return undefined;
}

/** Split a shell line into words (quotes, no expansion), dropping a trailing comment. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== null) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] as string))) break;
    else if (/\s/.test(c)) {
      if (cur !== "" || any) out.push(cur);
      cur = "";
      any = false;
    } else cur += c;
  }
  if (cur !== "" || any) out.push(cur);
  return out;
}

interface Command {
  readonly text: string;
  /** The dmasim arguments, or null for a skipped command. */
  readonly args: string[] | null;
  /** `> FILE`: stdout goes there. */
  readonly stdoutTo?: string;
}

/** The commands of a shell block, one per line and per `&&` part. */
function commands(block: CodeBlock): Command[] {
  const out: Command[] = [];
  for (const raw of block.code.split("\n")) {
    for (const part of words(raw).join("\u0000").split("\u0000&&\u0000")) {
      let w = part.split("\u0000").filter((x) => x !== "");
      if (w.length === 0) continue;
      const text = w.join(" ");
      const pipe = w.indexOf("|");
      if (pipe >= 0) w = w.slice(0, pipe);
      let stdoutTo: string | undefined;
      const redirect = w.indexOf(">");
      if (redirect >= 0) {
        stdoutTo = w[redirect + 1];
        w = w.slice(0, redirect);
      }
      const prefix = [["dmasim"], ["npx", "dmasim"], ["node", "dist/cli/main.js"], ["npx", "tsx", "src/cli/main.ts"]].find((p) => p.every((x, i) => w[i] === x));
      if (prefix !== undefined) out.push({ text, args: w.slice(prefix.length), ...(stdoutTo === undefined ? {} : { stdoutTo }) });
      else if (SKIPPED.has(w[0] as string) || SKIPPED.has(w.join(" "))) out.push({ text, args: null });
      else throw new Error(`${block.where}: "${text}" is neither a dmasim command nor one of the skipped ones (${[...SKIPPED].join(", ")})`);
    }
  }
  return out;
}

function schemaErrors(r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] {
  return r.success ? [] : (r.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
}

/** The JSON block against the schema it claims. */
function validateJson(b: CodeBlock): string[] {
  const j = JSON.parse(b.code) as Record<string, unknown>;
  const claim = b.attrs["schema"];
  if (claim === "result") return schemaErrors(runResultSchema.safeParse(j));
  if (claim === "demo") return schemaErrors(demoResultSchema.safeParse(j));
  if (claim === "trace") return schemaErrors(traceFileSchema.safeParse(j));
  if (claim !== undefined) return [`unknown schema "${claim}"`];
  if ("sources" in j || "workload" in j) return schemaErrors(cDriverConfigSchema.safeParse(j));
  if ("scenario" in j || "steps" in j) {
    const e = schemaErrors(scenarioFileSchema.safeParse(j));
    if (e.length > 0) return e;
    if (typeof j["profile"] === "object") parseProfile(j["profile"]);
    return [];
  }
  if ("arch" in j) {
    parseProfile(j);
    return [];
  }
  return ['a JSON block that names no schema and is neither a scenario file nor a profile (add schema=result, trace or demo to its fence)'];
}

const pages = PAGES.map((page) => {
  const all = markdownBlocks(join(ROOT, page));
  const covered = page === "README.md" ? all.filter((b) => b.section !== DEVICE_MODEL_SECTION) : all;
  return { page, all, blocks: covered, dir: join(scratch, page.replaceAll("/", "_")) };
});

describe("documentation code blocks", () => {
  it("README.md and docs/*.md hold runnable blocks, each of a kind this test runs (ts, js, sh, json) or plain text", () => {
    const kinds = new Set(pages.flatMap((p) => p.all.map((b) => b.lang)));
    for (const k of kinds) expect(["ts", "js", "sh", "json", "text"], `a ${k} block`).toContain(k);
    expect(pages.flatMap((p) => p.blocks).filter((b) => b.lang === "ts").length).toBeGreaterThan(10);
    // The device-model section is the other test's; it checks there are exactly its two blocks.
    expect(existsSync(join(ROOT, "test", "docs", "readme-device-model.test.ts"))).toBe(true);
  });

  it("an output comment that is not what the line prints is caught (a read printed as 49374 commented 0xc0de), and one that is passes", async () => {
    const block = (code: string): CodeBlock => ({ lang: "ts", attrs: {}, code, where: "check", section: "check" });
    const dir = join(scratch, "comment-check");
    const wrong = await runTsBlock(block("console.log(0xc0de); // 0xc0de — the device reads it\n"), dir, "wrong.ts");
    expect(wrong.mismatches).toEqual(['check, line 1 of the block: printed "49374", the comment says "0xc0de"']);
    const right = await runTsBlock(block("console.log((0xc0de).toString(16), 49374); // c0de 49374 — the device reads it\nconsole.log(1); // 1\n"), dir, "right.ts");
    expect(right.mismatches).toEqual([]);
    expect(right.printed).toEqual(["c0de 49374", "1"]);
  });

  it("every TypeScript block type-checks strictly against the library", () => {
    const files: string[] = [];
    const where: string[] = [];
    for (const p of pages)
      p.blocks.forEach((b, i) => {
        if (b.lang !== "ts") return;
        const dir = join(scratch, "check", p.page.replaceAll("/", "_"));
        mkdirSync(dir, { recursive: true });
        const module = fileName(b, p.blocks);
        if (module !== undefined) writeFileSync(join(dir, module), againstSource(b.code));
        const f = join(dir, `${i}-${b.attrs["file"] ?? "block.ts"}`);
        writeFileSync(f, `export {};\n${againstSource(b.code)}`);
        files.push(f);
        where.push(b.where);
      });
    const errors = typeCheck(files).map((e) => {
      const i = files.findIndex((f) => e.includes(f.slice(ROOT.length + 1)) || e.includes(f));
      return `${where[i] ?? "?"}: ${e}`;
    });
    expect(errors).toEqual([]);
  });

  for (const p of pages.filter((x) => x.blocks.some((b) => b.lang !== "text"))) {
    describe(p.page, () => {
      // The files the page's blocks are written as, for the blocks and commands after them.
      mkdirSync(p.dir, { recursive: true });
      writeFileSync(join(p.dir, "package.json"), JSON.stringify({ type: "module" }));
      // The README's C-driver commands name the repository's example folders.
      if (!existsSync(join(p.dir, "examples"))) symlinkSync(join(ROOT, "examples"), join(p.dir, "examples"));
      for (const b of p.blocks) {
        const name = fileName(b, p.blocks);
        if (name !== undefined) writeFileSync(join(p.dir, name), b.lang === "ts" ? againstSource(b.code) : b.code);
      }
      p.blocks.forEach((b, i) => {
        if (b.lang === "ts") {
          const compared = !(p.page === "README.md" && VALUES_CHECKED_ELSEWHERE.has(b.section));
          it(`${b.where} (TypeScript) runs${compared ? " and prints what its comments say" : ""}`, async () => {
            const childNeeded = /from "node:(fs|child_process)"/.test(b.code);
            const r = childNeeded ? runBlockInChild(b, p.dir, `block-${i}.ts`) : await runTsBlock(b, p.dir, `block-${i}.ts`);
            if (compared) expect(r.mismatches).toEqual([]);
          });
        } else if (b.lang === "js") {
          it(`${b.where} (JavaScript) runs with Node against the built package`, () => {
            expect(existsSync(join(ROOT, "dist", "index.js")), "dist/ is missing: npm run build").toBe(true);
            expect(runBlockInChild(b, p.dir, `block-${i}.mjs`).mismatches).toEqual([]);
          });
        } else if (b.lang === "json") {
          it(`${b.where} (JSON) is valid against its schema`, () => {
            expect(validateJson(b)).toEqual([]);
          });
        } else if (b.lang === "sh") {
          it(`${b.where} (shell): every dmasim command runs through the real command, none is bad usage or an internal error`, () => {
            expect(existsSync(CLI), "dist/cli/main.js is missing: npm run build").toBe(true);
            for (const c of commands(b)) {
              if (c.args === null) continue;
              const r = spawnSync(process.execPath, [CLI, ...c.args], { cwd: p.dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
              if (c.stdoutTo !== undefined) writeFileSync(join(p.dir, c.stdoutTo), r.stdout);
              expect(r.stderr, `${c.text}: stderr`).not.toMatch(/internal error|Error:\s*\n\s+at /);
              expect([0, 1], `${c.text}: exit ${String(r.status)} ${r.stderr.trim()}`).toContain(r.status);
            }
          }, 900_000);
        }
      });
    });
  }
});
