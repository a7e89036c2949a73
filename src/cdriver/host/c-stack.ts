/**
 * The C driver's frames in a JavaScript stack trace. V8 shows a wasm frame
 * as "at name (wasm://wasm/<module name>-<hash>:wasm-function[12]:0x4f3)";
 * dmasim names each driver module "dmasim-<key>" and maps the offset back
 * to the C function and line (wasm/code-map.ts). Rewritten frames read
 * "at SoundIsr (/path/to/sb16.c:210:5)", so anything that reads stacks
 * (the verifier's allocation sites, the command's error location) sees the
 * driver's source.
 */
import { isAbsolute, join, relative } from "node:path";
import { type CLocation, type CodeMap, locate } from "../wasm/code-map.ts";

export interface CFrame {
  readonly function: string;
  /** Absolute path of the source, or null when no line is known. */
  readonly file: string | null;
  readonly line: number;
  readonly column: number;
  readonly approximate: boolean;
}

/** A driver module known to this process: its code map and where its sources are. */
export interface ModuleRecord {
  readonly name: string;
  readonly codeMap: CodeMap;
  /** The folder the compiler saw (relative DWARF paths are under it). */
  readonly sourceRoot: string;
}

const WASM_FRAME = /wasm:\/\/wasm\/([^:)\s]+):wasm-function\[(\d+)\]:0x([0-9a-fA-F]+)/;

/** The module name inside a V8 wasm URL ("dmasim-3f2a...-9b1c0d2e" -> "dmasim-3f2a..."). */
function moduleOfUrl(id: string, modules: ReadonlyMap<string, ModuleRecord>): ModuleRecord | undefined {
  for (const [name, rec] of modules) if (id === name || id.startsWith(`${name}-`)) return rec;
  return undefined;
}

function absolute(rec: ModuleRecord, loc: CLocation): string {
  return isAbsolute(loc.file) ? loc.file : join(rec.sourceRoot, loc.file);
}

/** The C frame of one stack line, or null when it is not a frame of a known driver module. */
export function cFrameOf(line: string, modules: ReadonlyMap<string, ModuleRecord>): CFrame | null {
  const m = WASM_FRAME.exec(line);
  if (m === null) return null;
  const rec = moduleOfUrl(m[1] ?? "", modules);
  if (rec === undefined) return null;
  const l = locate(rec.codeMap, Number(m[2]), parseInt(m[3] ?? "0", 16));
  if (l === null) return null;
  return l.location === null ? { function: l.function, file: null, line: 0, column: 0, approximate: l.approximate } : { function: l.function, file: absolute(rec, l.location), line: l.location.line, column: l.location.column, approximate: l.approximate };
}

/** The C frames of a stack, innermost first. */
export function cFramesOf(stack: string, modules: ReadonlyMap<string, ModuleRecord>): CFrame[] {
  return stack.split("\n").flatMap((l) => cFrameOf(l, modules) ?? []);
}

/** "sb16.c:210:5" shown relative to the working folder when inside it. */
export function showLocation(f: CFrame): string {
  if (f.file === null) return "no line information";
  const rel = relative(process.cwd(), f.file);
  const shown = rel.startsWith("..") ? f.file : rel;
  return `${shown}:${f.line}${f.column > 0 ? `:${f.column}` : ""}`;
}

/** A stack with the driver's wasm frames rewritten as C frames ("at Fn (/abs/file.c:line:col)"). */
export function rewriteStack(stack: string, modules: ReadonlyMap<string, ModuleRecord>): string {
  return stack
    .split("\n")
    .map((l) => {
      const f = cFrameOf(l, modules);
      if (f === null) return l;
      const indent = /^\s*/.exec(l)?.[0] ?? "    ";
      return f.file === null ? `${indent}at ${f.function} (C driver, no line information)` : `${indent}at ${f.function} (${f.file}:${f.line}:${Math.max(1, f.column)})`;
    })
    .join("\n");
}
