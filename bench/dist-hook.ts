/**
 * A Node resolve hook for the compiled bench: the groups import the sources'
 * paths (../../src/...), which compile to dist-bench/src/...; this hook loads
 * the built package's module (dist/...) instead, so the bench measures what
 * ships. Registered by use-dist.ts.
 */
import type { ResolveHook } from "node:module";

// This file runs as dist-bench/bench/dist-hook.js.
const root = new URL("../../", import.meta.url);
const from = new URL("dist-bench/src/", root).href;
const to = new URL("dist/", root).href;

export const resolve: ResolveHook = async (specifier, context, next) => {
  const r = await next(specifier, context);
  return r.url.startsWith(from) ? { ...r, url: to + r.url.slice(from.length) } : r;
};
