/**
 * Where the command's own copy of the library is, and how any other way of
 * naming the library (the bare specifier "dmasim", a path into a dmasim
 * package's src/ or dist/, another installed copy) maps onto it. A user module
 * must share the command's one instance: a second copy keeps its own HAL
 * state, so its machines would be invisible to the command's trace and
 * report, and its BugCheckError would not be the command's.
 *
 * Used by the main thread (CommonJS resolution) and by the module-resolution
 * hook (resolve-hook.ts, which runs in Node's loader thread), so it keeps no
 * state but caches.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface OwnLibrary {
  /** The package root (holds package.json). */
  readonly root: string;
  /** src/ when the command runs from source under tsx, dist/ when built. */
  readonly libDir: string;
  /** ".ts" or ".js": the extension of the library's own modules. */
  readonly ext: ".ts" | ".js";
  /** The library entry (index.ts or index.js in libDir). */
  readonly entry: string;
}

/** The library this module belongs to: this file is <root>/<src|dist>/cli/library-paths.<ts|js>. */
export function ownLibrary(moduleUrl: string = import.meta.url): OwnLibrary {
  const file = fileURLToPath(moduleUrl);
  const libDir = dirname(dirname(file));
  const ext = extname(file) === ".ts" ? ".ts" : ".js";
  return { root: dirname(libDir), libDir, ext, entry: join(libDir, `index${ext}`) };
}

const packageNames = new Map<string, string | null>();

/** The "name" of the package.json in `dir`, or null (cached: resolution asks for the same folders again and again). */
function packageNameIn(dir: string): string | null {
  let name = packageNames.get(dir);
  if (name !== undefined) return name;
  name = null;
  const p = join(dir, "package.json");
  if (existsSync(p)) {
    try {
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: unknown };
      name = typeof pkg.name === "string" ? pkg.name : null;
    } catch {
      name = null;
    }
  }
  packageNames.set(dir, name);
  return name;
}

/** The root of the dmasim package that holds `file` (this one or another copy), or undefined. */
export function dmasimRootOf(file: string, own: OwnLibrary): string | undefined {
  if (file.startsWith(own.root + sep)) return own.root;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const name = packageNameIn(dir);
    // The nearest package.json decides which package a file belongs to.
    if (name !== null) return name === "dmasim" ? dir : undefined;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The command's own module for `file` when `file` is a module of some dmasim
 * copy's src/ or dist/ (src/kernel/kernel.ts <-> dist/kernel/kernel.js), or
 * undefined when `file` is not the library's or already is the command's own
 * (or the counterpart does not exist, e.g. a source file not built yet).
 */
export function mapIntoOwn(file: string, own: OwnLibrary): string | undefined {
  const root = dmasimRootOf(file, own);
  if (root === undefined) return undefined;
  const rel = relative(root, file).split(sep);
  const top = rel[0];
  if (rel.length < 2 || (top !== "src" && top !== "dist")) return undefined;
  const inner = rel.slice(1).join(sep);
  const fromExt = top === "src" ? ".ts" : ".js";
  if (!inner.endsWith(fromExt)) return undefined;
  const target = join(own.libDir, inner.slice(0, -fromExt.length) + own.ext);
  if (target === file || !existsSync(target)) return undefined;
  return target;
}

let ownExports: { root: string; exports: unknown } | undefined;

/** A target of the exports map: a path, or a conditions object (first of import, node, default). */
function targetOf(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (typeof entry !== "object" || entry === null) return undefined;
  const c = entry as Record<string, unknown>;
  for (const key of ["import", "node", "default"]) {
    const t = targetOf(c[key]);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The command's own file for `dmasim` or `dmasim/<subpath>`, from its
 * package.json "exports" (mapped back to src/ when the command runs from
 * source), or undefined when the subpath is not exported.
 */
export function exportTarget(specifier: string, own: OwnLibrary): string | undefined {
  if (specifier !== "dmasim" && !specifier.startsWith("dmasim/")) return undefined;
  if (ownExports?.root !== own.root) {
    let exports: unknown;
    try {
      exports = (JSON.parse(readFileSync(join(own.root, "package.json"), "utf8")) as { exports?: unknown }).exports;
    } catch {
      exports = undefined;
    }
    ownExports = { root: own.root, exports };
  }
  const key = specifier === "dmasim" ? "." : `./${specifier.slice("dmasim/".length)}`;
  const entry = typeof ownExports.exports === "object" && ownExports.exports !== null ? (ownExports.exports as Record<string, unknown>)[key] : undefined;
  const target = targetOf(entry);
  if (target === undefined) return key === "." ? own.entry : undefined;
  const file = join(own.root, target);
  return mapIntoOwn(file, own) ?? file;
}

const ESM_SYNTAX = /^[ \t]*(?:import[ \t]*(?:[\w$*{][^=\n]*?\bfrom\b|["'`])|import[ \t]*\{|export[ \t]*(?:\{|\*|default\b|const\b|let\b|var\b|function\b|async\b|class\b|type\b|interface\b|enum\b|declare\b|abstract\b|namespace\b))|\bimport\.meta\b/m;
const syntaxCache = new Map<string, boolean>();

/**
 * Whether a user's .ts/.js file written with import/export should run as an
 * ES module although its folder's package.json does not say "type": "module"
 * (npm init writes "commonjs"). Left to itself, tsx would compile it to
 * CommonJS, whose require() gives the user a second copy of the library.
 * Files in node_modules and explicit .cts/.cjs files keep their format.
 */
export function shouldRunAsModule(file: string): boolean {
  const ext = extname(file);
  if (ext !== ".ts" && ext !== ".tsx" && ext !== ".js" && ext !== ".jsx") return false;
  if (file.split(sep).includes("node_modules")) return false;
  let r = syntaxCache.get(file);
  if (r === undefined) {
    try {
      r = ESM_SYNTAX.test(readFileSync(file, "utf8"));
    } catch {
      r = false;
    }
    syntaxCache.set(file, r);
  }
  return r;
}
