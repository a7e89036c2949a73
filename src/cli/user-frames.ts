/**
 * The user's part of a stack trace: frames outside the library, Node's
 * internals and installed packages (tsx, commander), with paths shown
 * relative to the working folder. A failing run names the first of them
 * (`my-driver.ts:12:9`); --debug prints them all.
 */
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface StackFrame {
  readonly fn: string;
  /** Absolute path (file: URLs converted, query strings dropped), or the raw location for non-files. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/** Frames of a V8 stack trace that name a file, line and column. */
export function parseStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const text of stack.split("\n")) {
    const m = FRAME.exec(text);
    if (m === null) continue;
    let file = (m[2] ?? "").replace(/[?#][^:]*$/, "");
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    // Module top-level code runs as "<anonymous>": no name is more honest.
    const fn = (m[1] ?? "").replace(/^async /, "");
    out.push({ fn: fn === "<anonymous>" ? "" : fn, file, line: Number(m[3]), column: Number(m[4]) });
  }
  return out;
}

/**
 * Whether a frame is the user's: a real file outside the library (src/ and
 * dist/ of the package holding `libDir`: built code may show source-mapped
 * src/ frames), Node's internals and node_modules.
 */
export function isUserFrame(f: StackFrame, libDir: string): boolean {
  if (!isAbsolute(f.file)) return false;
  const root = dirname(libDir);
  if (f.file.startsWith(join(root, "src") + sep) || f.file.startsWith(join(root, "dist") + sep)) return false;
  return !f.file.split(sep).includes("node_modules");
}

/** "file:line:col", the file relative to `cwd` when it is inside it. */
export function frameLocation(f: StackFrame, cwd: string): string {
  const rel = relative(cwd, f.file);
  const shown = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : f.file;
  return `${shown}:${f.line}:${f.column}`;
}

/** The user's frames of an error, outermost last. */
export function userFrames(e: unknown, libDir: string): StackFrame[] {
  const stack = e instanceof Error && typeof e.stack === "string" ? e.stack : "";
  return parseStack(stack).filter((f) => isUserFrame(f, libDir));
}

/** Lines "    at fn (file:line:col)" for --debug. */
export function formatFrames(frames: readonly StackFrame[], cwd: string): string[] {
  return frames.map((f) => `    at ${f.fn === "" ? "" : `${f.fn} (`}${frameLocation(f, cwd)}${f.fn === "" ? "" : ")"}`);
}
