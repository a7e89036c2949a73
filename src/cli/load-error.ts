/**
 * Why a user's module did not load, as one line with the place to fix:
 * a TypeScript syntax error (esbuild's "Transform failed" report, whose
 * details are on its following lines), a JavaScript syntax error (V8 gives
 * its location only to an uncaught error, so `node --check` is asked), a
 * module that is not found, or an exception thrown while the module ran.
 */
import { spawnSync } from "node:child_process";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { frameLocation, type StackFrame, userFrames } from "./user-frames.ts";

export interface LoadProblem {
  /** One line: "file:line:col: what" or "what (at file:line:col)". */
  readonly message: string;
  /** The user's frames (for --debug). */
  readonly frames: readonly StackFrame[];
}

function shown(file: string, cwd: string): string {
  const abs = file.startsWith("file:") ? fileURLToPath(file) : file;
  const rel = relative(cwd, abs);
  return rel !== "" && !rel.startsWith("..") ? rel : abs;
}

/** esbuild: "Transform failed with N error(s):\n<file>:<line>:<col0>: ERROR: <text>\n...". */
function transformProblem(message: string, cwd: string): string | undefined {
  const lines = message.split("\n");
  if (!/^Transform failed with \d+ errors?:?$/.test(lines[0] ?? "")) return undefined;
  const details = lines.slice(1).map((l) => /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(l)).filter((m) => m !== null);
  const first = details[0];
  if (first === undefined) return lines.slice(1).join(" ").trim() || lines[0];
  // esbuild counts columns from 0; editors and stack traces from 1.
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return `${shown(first[1] ?? "", cwd)}:${first[2]}:${Number(first[3]) + 1}: ${first[4]}${more}`;
}

/** V8 puts "file:///x.mjs:3" and the source line above the message for some syntax errors. */
function syntaxErrorLocation(e: Error, cwd: string): string | undefined {
  const m = /^((?:file:\/\/)?\/[^\n]*?):(\d+)\n/.exec(e.stack ?? "");
  return m === null ? undefined : `${shown(m[1] ?? "", cwd)}:${m[2]}`;
}

/** `node --check` prints "<file>:<line>" first for a syntax error (the only way to get V8's location here). */
function checkedSyntaxLocation(file: string, cwd: string): string | undefined {
  const r = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 20_000 });
  if (r.status === 0) return undefined;
  const m = /^(.*):(\d+)\s*$/m.exec(r.stderr ?? "");
  return m === null ? undefined : `${shown(m[1] ?? "", cwd)}:${m[2]}`;
}

export function describeLoadError(e: unknown, file: string, cwd: string, libDir: string): LoadProblem {
  if (!(e instanceof Error)) return { message: `it threw ${String(e)}`, frames: [] };
  const transform = transformProblem(e.message, cwd);
  if (transform !== undefined) return { message: transform, frames: [] };
  const frames = userFrames(e, libDir);
  const code = (e as { code?: unknown }).code;
  if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") {
    // CommonJS appends "Require stack:" lines; name only the requiring file.
    const [head, , by] = e.message.split("\n");
    return { message: `${head ?? e.message}${by === undefined ? "" : ` (required by ${shown(by.replace(/^- /, ""), cwd)})`}`, frames };
  }
  if (e.name === "SyntaxError" && frames.length === 0) {
    const where = syntaxErrorLocation(e, cwd) ?? checkedSyntaxLocation(file, cwd);
    return { message: where === undefined ? `SyntaxError: ${e.message} (in a module it imports)` : `${where}: SyntaxError: ${e.message}`, frames };
  }
  const first = frames[0];
  const name = e.name === "Error" ? "" : `${e.name}: `;
  return { message: `${name}${e.message.split("\n")[0] ?? ""}${first === undefined ? "" : ` (at ${frameLocation(first, cwd)})`}`, frames };
}
