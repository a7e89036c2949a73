/**
 * Code blocks of the documentation, extracted and run so none can rot:
 * fenced blocks of Markdown files and the ```ts blocks of @example tags in
 * doc comments.
 *
 * A TypeScript block imports "dmasim"; it runs against this checkout's
 * src/index.ts (the pack-and-install test runs the built package). Where a
 * `console.log(...)` line ends in a comment, the comment is what the line
 * prints (util.format of its arguments), optionally followed by " — " and
 * an explanation: `console.log(a, b); // 1 2 — why`. The runner checks it.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import ts from "typescript";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const LIBRARY = join(ROOT, "src", "index.ts");

export interface CodeBlock {
  /** The fence's language ("ts", "sh", "json", ...); "ts" for @example blocks. */
  readonly lang: string;
  /** Attributes after the language in the fence: `ts file=my-driver.ts`, `json schema=result`. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly code: string;
  /** Where it is: "README.md:123" or "src/kernel/kernel.ts:200 (bootMachine)". */
  readonly where: string;
  /** The Markdown section (## or ### heading) it sits under, or the symbol of an @example. */
  readonly section: string;
}

/** Every fenced block of a Markdown file, with the heading it sits under. */
export function markdownBlocks(file: string): CodeBlock[] {
  const text = readFileSync(file, "utf8");
  const out: CodeBlock[] = [];
  const lines = text.split("\n");
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const h = /^(#{1,4}) (.+)$/.exec(line);
    if (h !== null) section = h[2] as string;
    const f = /^```(\w*)((?:\s+\w+=\S+)*)\s*$/.exec(line);
    if (f === null) continue;
    const attrs = Object.fromEntries([...(f[2] ?? "").matchAll(/(\w+)=(\S+)/g)].map((a) => [a[1] as string, a[2] as string]));
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith("```"); i++) body.push(lines[i] as string);
    if (i >= lines.length) throw new Error(`${relative(ROOT, file)}:${start + 1}: a code fence is never closed`);
    out.push({ lang: f[1] === "" ? "text" : (f[1] as string), attrs, code: body.join("\n") + "\n", where: `${relative(ROOT, file)}:${start + 1}`, section });
  }
  return out;
}

/** The ```ts blocks of every @example in a source file's doc comments, named by the symbol they document. */
export function exampleBlocks(file: string): CodeBlock[] {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true);
  const out: CodeBlock[] = [];
  const visit = (node: ts.Node): void => {
    for (const doc of ts.getJSDocCommentsAndTags(node)) {
      if (!ts.isJSDoc(doc)) continue;
      for (const tag of doc.tags ?? []) {
        if (tag.tagName.text !== "example") continue;
        const raw = text.slice(tag.pos, tag.end);
        const body = raw.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
        const m = /```ts\n([\s\S]*?)```/.exec(body);
        const name = (node as { name?: ts.Node }).name?.getText(sf) ?? "(anonymous)";
        const line = sf.getLineAndCharacterOfPosition(tag.pos).line + 1;
        if (m === null) throw new Error(`${relative(ROOT, file)}:${line}: the @example of ${name} has no \`\`\`ts block`);
        out.push({ lang: "ts", attrs: {}, code: m[1] as string, where: `${relative(ROOT, file)}:${line} (${name})`, section: name });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The block with "dmasim" (and the README's "./src/index.ts") pointed at this checkout's library. */
export function againstSource(code: string): string {
  return code.replaceAll(/from "dmasim"/g, `from ${JSON.stringify(LIBRARY)}`).replaceAll(/from "\.\/src\/index\.ts"/g, `from ${JSON.stringify(LIBRARY)}`);
}

interface Expectation {
  readonly line: number;
  readonly expected: string;
}

/** `console.log(...)` lines with a trailing output comment, rewritten to report what they print (to `logger`). */
function instrument(code: string, logger = "(globalThis as unknown as { __docLog: (line: number, ...a: unknown[]) => void }).__docLog"): { code: string; expectations: Expectation[] } {
  const expectations: Expectation[] = [];
  const lines = code.split("\n").map((l, i) => {
    const m = /^(.*?)console\.log\((.*)\);(\s*)\/\/ ?(.*)$/.exec(l);
    if (m === null) return l;
    const expected = (m[4] as string).split(" — ")[0]?.trimEnd() ?? "";
    expectations.push({ line: i + 1, expected });
    return `${m[1] as string}${logger}(${i + 1}, ${m[2] as string});${m[3] as string}// ${m[4] as string}`;
  });
  return { code: lines.join("\n"), expectations };
}

export interface RunResult {
  /** What each console.log printed, in order. */
  readonly printed: readonly string[];
  /** Lines whose comment says something other than what they printed. */
  readonly mismatches: readonly string[];
}

/**
 * Run a TypeScript block (as an ES module, in this process) in `dir` under
 * `name`; checks its output comments. Files it imports by relative path must
 * already be in `dir`.
 */
export async function runTsBlock(block: CodeBlock, dir: string, name: string): Promise<RunResult> {
  mkdirSync(dir, { recursive: true });
  const { code, expectations } = instrument(againstSource(block.code));
  const file = join(dir, name);
  writeFileSync(file, code);
  const printed: string[] = [];
  const byLine = new Map<number, string[]>();
  const g = globalThis as unknown as { __docLog?: (line: number, ...a: unknown[]) => void };
  const originalLog = console.log;
  g.__docLog = (line, ...a) => {
    const text = format(...a);
    printed.push(text);
    byLine.set(line, [...(byLine.get(line) ?? []), text]);
  };
  console.log = (...a: unknown[]) => void printed.push(format(...a));
  try {
    await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
  } finally {
    console.log = originalLog;
    delete g.__docLog;
  }
  return { printed, mismatches: compare(block, expectations, byLine) };
}

function compare(block: CodeBlock, expectations: readonly Expectation[], byLine: ReadonlyMap<number, readonly string[]>): string[] {
  const mismatches: string[] = [];
  for (const e of expectations) {
    const got = byLine.get(e.line);
    if (got === undefined) mismatches.push(`${block.where}, line ${e.line} of the block: never printed (expected "${e.expected}")`);
    else for (const g2 of got) if (g2 !== e.expected) mismatches.push(`${block.where}, line ${e.line} of the block: printed "${g2}", the comment says "${e.expected}"`);
  }
  return mismatches;
}

const TSX = join(ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs");
const MARK = String.fromCharCode(1);

/**
 * Run a block in its own Node process with `dir` as its working folder (for
 * blocks that read or write files by relative path): TypeScript through tsx,
 * JavaScript (`lang` "js") as is against the built package (dist/). Checks
 * its output comments as runTsBlock does; throws with its stderr when it fails.
 */
export function runBlockInChild(block: CodeBlock, dir: string, name: string): RunResult {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  const js = block.lang === "js";
  const source = js ? block.code.replaceAll(/from "dmasim"/g, `from ${JSON.stringify(join(ROOT, "dist", "index.js"))}`) : againstSource(block.code);
  const logger = "__docLog";
  const { code, expectations } = instrument(source, logger);
  const head = `import { format as __docFormat } from "node:util";\nconst ${logger} = (line${js ? "" : ": number"}, ...a${js ? "" : ": unknown[]"}) => void process.stdout.write("\\u0001" + line + "\\t" + JSON.stringify(__docFormat(...a)) + "\\n");\n`;
  writeFileSync(join(dir, name), head + code);
  const r = spawnSync(process.execPath, js ? [name] : ["--import", TSX, name], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${block.where}: exit ${String(r.status)}\n${r.stderr}`);
  const printed: string[] = [];
  const byLine = new Map<number, string[]>();
  for (const line of r.stdout.split("\n")) {
    // Instrumented lines start with U+0001 (a marker no ordinary output has).
    const m = line.startsWith(MARK) ? /^.(\d+)\t(.*)$/.exec(line) : null;
    if (m === null) {
      if (line !== "") printed.push(line);
      continue;
    }
    const text = JSON.parse(m[2] as string) as string;
    printed.push(text);
    byLine.set(Number(m[1]), [...(byLine.get(Number(m[1])) ?? []), text]);
  }
  return { printed, mismatches: compare(block, expectations, byLine) };
}

/** Type-check files strictly (as `dmasim check` does), with "dmasim" resolved to this checkout's library; one line per error. */
export function typeCheck(files: readonly string[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    lib: ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts"],
    paths: { dmasim: [LIBRARY] },
  };
  const program = ts.createProgram([...files], options);
  const wanted = new Set(files.map((f) => resolve(f)));
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && wanted.has(resolve(d.file.fileName)))
    .map((d) => {
      const { line, character } = (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0);
      return `${relative(ROOT, (d.file as ts.SourceFile).fileName)}:${line + 1}:${character + 1} - TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
}
