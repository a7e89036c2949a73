/**
 * Module-resolution hook (node:module register; runs in Node's loader thread)
 * for the modules `dmasim run` loads: every way of naming the library ends at
 * the command's own copy (see library-paths.ts), and a user's import/export
 * file runs as an ES module whatever its folder's package "type" says.
 * Registered after tsx, so it runs first and hands the rest to tsx.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { exportTarget, mapIntoOwn, type OwnLibrary, shouldRunAsModule } from "./library-paths.ts";

interface ResolveContext {
  readonly conditions: readonly string[];
  readonly importAttributes: Record<string, string>;
  readonly parentURL?: string;
}
interface ResolveResult {
  readonly url: string;
  readonly format?: string | null;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: Partial<ResolveContext>) => Promise<ResolveResult>;
interface LoadContext {
  readonly format?: string | null;
  readonly conditions: readonly string[];
  readonly importAttributes: Record<string, string>;
}
interface LoadResult {
  readonly format: string;
  readonly source?: string | ArrayBuffer | Uint8Array | null;
  readonly shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: Partial<LoadContext>) => Promise<LoadResult>;

let own: OwnLibrary | undefined;

/** `data` is the command's OwnLibrary (user-modules.ts). */
export function initialize(data: OwnLibrary): void {
  own = data;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  if (own === undefined) return nextResolve(specifier, context);
  if (specifier === "dmasim" || specifier.startsWith("dmasim/")) {
    const target = exportTarget(specifier, own);
    if (target !== undefined) return { url: pathToFileURL(target).href, format: target.endsWith(".json") ? "json" : "module", shortCircuit: true };
    // Not exported: resolving it as the package itself gives Node's own error naming the subpath.
    return nextResolve(specifier, { ...context, parentURL: pathToFileURL(`${own.root}/package.json`).href });
  }
  const r = await nextResolve(specifier, context);
  if (!r.url.startsWith("file:")) return r;
  const file = fileURLToPath(r.url.replace(/[?#].*$/, ""));
  const mapped = mapIntoOwn(file, own);
  if (mapped !== undefined) return { ...r, url: pathToFileURL(mapped).href, format: "module" };
  if (r.format === "commonjs" && shouldRunAsModule(file)) return { ...r, format: "module" };
  return r;
}

/**
 * CommonJS files go to Node's own CommonJS loader (no source returned), where
 * tsx compiles TypeScript and require("dmasim") finds the command's module
 * (user-modules.ts). Given source, Node would run them with a require() of
 * its own that cannot return an ES module (Node 20).
 */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (own !== undefined && context.format === "commonjs" && url.startsWith("file:")) return { format: "commonjs", source: null, shortCircuit: true };
  return nextLoad(url, context);
}
