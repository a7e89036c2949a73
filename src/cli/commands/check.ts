/**
 * `dmasim check FILE...`: type-check a user's TypeScript driver against the
 * command's own declarations (the TypeScript compiler API, strict settings),
 * without a tsconfig or an install of "dmasim" in the user's folder: the
 * import "dmasim" resolves to the library this command runs. Prints
 * "file:line:col - error TSnnnn: message" lines; exit 1 on type errors.
 */
import { existsSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import type TS from "typescript";
import type { CliIo } from "../io.ts";
import { exportTarget, ownLibrary, type OwnLibrary } from "../library-paths.ts";
import { UsageError } from "../usage-error.ts";

const CHECKABLE = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"]);

/** The settings: strict, ES2023, modules resolved as a bundler would (the command loads every import/export file as an ES module). */
function compilerOptions(ts: typeof TS, js: boolean): TS.CompilerOptions {
  return {
    strict: true,
    noImplicitReturns: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // console, timers and TextEncoder: the library runs in a browser as well as in Node.
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    ...(js ? { allowJs: true, checkJs: true } : {}),
  };
}

/** The declarations for `dmasim` or `dmasim/<subpath>`: the .d.ts beside the built file, or the source itself. */
function declarationsFor(specifier: string, own: OwnLibrary): string | undefined {
  const target = exportTarget(specifier, own);
  if (target === undefined) return undefined;
  if (target.endsWith(".js")) {
    const dts = `${target.slice(0, -3)}.d.ts`;
    return existsSync(dts) ? dts : undefined;
  }
  return target;
}

function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") ? rel : file;
}

export async function checkCommand(io: CliIo, files: readonly string[]): Promise<number> {
  const roots = files.map((f) => {
    const abs = resolve(io.cwd, f);
    if (!existsSync(abs)) throw new UsageError(`check: file not found: ${f}`);
    if (!CHECKABLE.has(extname(abs).toLowerCase())) throw new UsageError(`check: ${f} is not a TypeScript or JavaScript file`);
    return abs;
  });
  const ts = (await import("typescript")).default;
  const own = ownLibrary();
  const options = compilerOptions(ts, roots.some((f) => /\.[cm]?jsx?$/.test(f)));
  const host = ts.createCompilerHost(options, true);
  host.getCurrentDirectory = () => io.cwd;
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts) =>
    literals.map((lit) => {
      const dts = declarationsFor(lit.text, own);
      if (dts !== undefined) return { resolvedModule: { resolvedFileName: dts, extension: dts.endsWith(".d.ts") ? ts.Extension.Dts : ts.Extension.Ts, isExternalLibraryImport: dts.endsWith(".d.ts") } };
      return ts.resolveModuleName(lit.text, containingFile, opts, host, undefined, redirected);
    });
  const program = ts.createProgram({ rootNames: roots, options, host });
  // The user's files only: the library's own sources (when this command runs from src/) are checked by its build.
  const library = [join(own.root, "src") + sep, join(own.root, "dist") + sep];
  const isUsers = (f: string): boolean => !library.some((dir) => resolve(f).startsWith(dir)) && !f.split(/[\\/]/).includes("node_modules");
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || isUsers(d.file.fileName));
  const lines: string[] = [];
  const filesWithErrors = new Set<string>();
  let errors = 0;
  for (const d of diagnostics) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    const kind = ts.DiagnosticCategory[d.category].toLowerCase();
    if (d.category === ts.DiagnosticCategory.Error) errors++;
    if (d.file === undefined || d.start === undefined) {
      lines.push(`${kind} TS${d.code}: ${text}`);
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const name = shown(d.file.fileName, io.cwd);
    if (d.category === ts.DiagnosticCategory.Error) filesWithErrors.add(name);
    lines.push(`${name}:${line + 1}:${character + 1} - ${kind} TS${d.code}: ${text}`);
  }
  const checked = `${roots.length} file${roots.length === 1 ? "" : "s"}`;
  if (lines.length > 0) io.stdout(`${lines.join("\n")}\n`);
  io.stdout(errors === 0 ? `No type errors (${checked} checked against dmasim's declarations).\n` : `${errors} type error${errors === 1 ? "" : "s"} in ${filesWithErrors.size} file${filesWithErrors.size === 1 ? "" : "s"} (${checked} checked).\n`);
  return errors === 0 ? 0 : 1;
}
