/**
 * Loading a user's scenario module so that it shares the command's one copy
 * of the library. tsx is registered for the whole process (not under a
 * namespace: a namespaced tsImport gives the module a copy of its own), a
 * resolution hook maps every name of the library onto the command's files
 * (resolve-hook.ts), and CommonJS require("dmasim") returns the very module
 * the command runs.
 */
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";
import { register as registerTsxCjs } from "tsx/cjs/api";
import { register as registerTsxEsm } from "tsx/esm/api";
import { exportTarget, mapIntoOwn, ownLibrary, type OwnLibrary } from "./library-paths.ts";

/** Module internals Node has kept stable for a decade (tsx, ts-node and module-alias patch them too). */
interface CjsModuleInternals {
  _resolveFilename: (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
  _cache: Record<string, unknown>;
}

let installed: OwnLibrary | undefined;

/** The global list src/index.ts checks to notice a second copy of the library (one line on stderr). */
function libraryCopies(): string[] {
  const g = globalThis as { [k: symbol]: string[] | undefined };
  const key = Symbol.for("dmasim.copies");
  return (g[key] ??= []);
}

/** Make user modules loadable (TypeScript included) and bound to this library; idempotent. */
export async function installUserModuleLoader(): Promise<OwnLibrary> {
  if (installed !== undefined) return installed;
  const own = ownLibrary();
  const entryUrl = pathToFileURL(own.entry).href;
  const copies = libraryCopies();
  if (!copies.includes(entryUrl)) copies.unshift(entryUrl);
  // Running from source means a TypeScript loader (tsx) is already there for the whole process.
  if (own.ext === ".js") {
    registerTsxCjs();
    registerTsxEsm();
  }
  // Registered last, so it resolves first (hooks chain last-in, first-out) and hands the rest to tsx.
  register(new URL(`./resolve-hook${own.ext}`, import.meta.url), { data: own });
  await bindCommonJs(own);
  installed = own;
  return own;
}

/**
 * require("dmasim") (from a .cts/.cjs user file) returns the command's ES
 * module namespace, put in require's cache under the entry's own path.
 */
async function bindCommonJs(own: OwnLibrary): Promise<void> {
  const ns = (await import(pathToFileURL(own.entry).href)) as object;
  const M = Module as unknown as CjsModuleInternals & (new (id: string) => { exports: unknown; loaded: boolean; filename: string });
  const shared = new M(own.entry);
  shared.exports = ns;
  shared.filename = own.entry;
  shared.loaded = true;
  M._cache[own.entry] = shared;
  const resolveFilename = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const exported = exportTarget(request, own);
    if (exported !== undefined) return exported;
    const file = resolveFilename.call(this, request, parent, isMain, options);
    return mapIntoOwn(file, own) ?? file;
  };
}

/** Import a user module (TypeScript or JavaScript) by absolute path. */
export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  await installUserModuleLoader();
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}
