/**
 * Compile and link a C driver for wasm32 against dmasim's headers:
 *
 *   clang --target=wasm32 -O2 -g -ffreestanding -nostdlib -nostdinc
 *         -isystem <clang's include> -isystem <dmasim include> -fshort-wchar
 *         -fms-extensions -mms-bitfields -mno-bulk-memory   (no -matomics)
 *   wasm-ld --no-entry --export-dynamic --export=DriverEntry ...
 *
 * Every kernel routine is a named import (DMASIM_IMPORT in the headers), so
 * a routine dmasim lacks fails the link naming it; --allow-undefined is never
 * used. The result is cached by a hash of the sources, dmasim's headers and C
 * runtime, the flags and the tool versions.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { GLOBAL_BASE, MEMORY_BYTES, STACK_BYTES } from "../abi/memory-layout.ts";
import { BuildCache, KeyHash } from "./cache.ts";
import { formatDiagnostics, linkErrorMessage } from "./diagnostics.ts";
import { findToolchain, type Toolchain, type ToolchainOptions } from "./find-toolchain.ts";
import { checkIncludeDir, INCLUDE_DIR, RUNTIME_DIR } from "./paths.ts";
import { CASE_DIR, type DriverSources, readDriverSources, type SystemHeaders, writeStaging } from "./sources.ts";
import { CONSTANTS } from "../layout/constants.ts";
import { generateHeader } from "../layout/generate-header.ts";
import { C } from "../layout/structs.ts";

/** Where the build writes <dmasim/generated.h> inside the staging tree. */
export const GEN_DIR = ".dmasim-gen";
let generated: string | null = null;
/** The generated header's text (once per process). */
export function generatedHeader(): string {
  generated ??= generateHeader(C, CONSTANTS);
  return generated;
}

/** Bumped when the build's outputs change meaning (layout, flags handling). */
const BUILD_FORMAT = "dmasim-c-build-1";

export interface BuildOptions extends ToolchainOptions {
  /** Extra compiler flags, after dmasim's (e.g. ["-DMY_OPTION=1"]). */
  readonly cflags?: readonly string[];
  readonly cache?: BuildCache;
}

export interface BuiltDriver {
  /** Content hash of everything that went into the build. */
  readonly key: string;
  /** The linked module, with DWARF line tables and the name section. */
  readonly linked: Uint8Array;
  readonly sources: DriverSources;
  readonly toolchain: Toolchain;
  /** The compiler's warnings, file:line as the user sees them ("" when none). */
  readonly warnings: string;
  /** True when the module came from the cache. */
  readonly cached: boolean;
}

/** A compile or link error: the compiler's or linker's message, with the user's file:line. */
export class CDriverBuildError extends Error {
  readonly stage: "compile" | "link";
  /** The diagnostics alone (no summary line). */
  readonly diagnostics: string;
  constructor(stage: "compile" | "link", summary: string, diagnostics: string) {
    super(`${summary}\n${diagnostics}`.trimEnd());
    this.name = "CDriverBuildError";
    this.stage = stage;
    this.diagnostics = diagnostics;
  }
}

/** The compile flags (the staged driver root is the working directory). */
export function compileFlags(tc: Toolchain, extra: readonly string[] = []): string[] {
  return [
    "--target=wasm32",
    "-O2",
    "-g",
    "-gdwarf-4",
    "-ffreestanding",
    "-nostdlib",
    "-nostdinc",
    "-isystem",
    tc.resourceInclude,
    "-isystem",
    INCLUDE_DIR,
    "-isystem",
    GEN_DIR,
    "-isystem",
    CASE_DIR,
    "-I",
    ".",
    "-fshort-wchar",
    "-fms-extensions",
    "-mms-bitfields",
    "-mno-bulk-memory",
    ...tc.extraFlags,
    // MSVC neither relies on strict aliasing nor deletes NULL checks; drivers are written for it.
    "-fno-strict-aliasing",
    "-fno-delete-null-pointer-checks",
    "-fdebug-compilation-dir=.",
    "-fno-color-diagnostics",
    "-Wno-ignored-pragma-intrinsic",
    "-Wno-pragma-pack",
    "-Wno-unknown-pragmas",
    ...extra,
  ];
}

export function linkFlags(): string[] {
  return [
    "--no-entry",
    "--export-dynamic",
    "--export=DriverEntry",
    "--export-table",
    "--growable-table",
    "--stack-first",
    `-zstack-size=${STACK_BYTES}`,
    `--global-base=${GLOBAL_BASE}`,
    `--initial-memory=${MEMORY_BYTES}`,
    `--max-memory=${MEMORY_BYTES}`,
    "--export=__heap_base",
  ];
}

let systemHeaders: { files: [string, Buffer][]; lower: Map<string, string> } | null = null;
/** dmasim's headers and C runtime (read once per process): part of every key, and the case-insensitive lookup table. */
function dmasimHeaders(): { files: [string, Buffer][]; lower: Map<string, string> } {
  if (systemHeaders !== null) return systemHeaders;
  checkIncludeDir();
  const files: [string, Buffer][] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push([relative(INCLUDE_DIR, p).split("\\").join("/"), readFileSync(p)]);
    }
  };
  walk(INCLUDE_DIR);
  systemHeaders = { files, lower: new Map(files.map(([rel]) => [rel.toLowerCase(), rel])) };
  return systemHeaders;
}

function run(cmd: string, args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error === undefined ? "" : `${cmd}: ${r.error.message}`}`;
  return { ok: r.error === undefined && r.status === 0, out };
}

/** Compile and link (or take from the cache) the driver at `path` (a folder or one .c file). */
export function buildCDriver(path: string | DriverSources, opts: BuildOptions = {}): BuiltDriver {
  const sources = typeof path === "string" ? readDriverSources(path) : path;
  const tc = findToolchain(opts);
  const extra = opts.cflags ?? [];
  const cache = opts.cache ?? new BuildCache();
  const headers = dmasimHeaders();
  const key = new KeyHash().add("format", BUILD_FORMAT).add("clang", tc.version).add("flags", [...compileFlags(tc, extra), ...linkFlags()].join(" ").replace(tc.resourceInclude, "<res>").replace(INCLUDE_DIR, "<inc>"));
  for (const [rel, data] of headers.files) key.add(`inc:${rel}`, data);
  key.add("generated.h", generatedHeader());
  for (const f of sources.files) key.add(`src:${f.rel}`, f.content);
  for (const s of sources.sources) key.add("compile", s);
  const digest = key.digest();
  const hit = cache.read("build", digest, "driver.wasm");
  if (hit !== null) {
    const warnings = cache.read("build", digest, "warnings.txt")?.toString("utf8") ?? "";
    return { key: digest, linked: new Uint8Array(hit), sources, toolchain: tc, warnings, cached: true };
  }
  const dir = cache.scratch("stage");
  try {
    const sys: SystemHeaders = { lower: headers.lower, read: (rel) => headers.files.find(([r]) => r === rel)?.[1] ?? new Uint8Array(0) };
    writeStaging(sources, dir, sys);
    mkdirSync(join(dir, ".dmasim-obj"));
    mkdirSync(join(dir, GEN_DIR, "dmasim"), { recursive: true });
    writeFileSync(join(dir, GEN_DIR, "dmasim", "generated.h"), generatedHeader());
    const flags = compileFlags(tc, extra);
    const objects: string[] = [];
    let warnings = "";
    const failures: string[] = [];
    for (const [i, rel] of sources.sources.entries()) {
      const obj = posix.join(".dmasim-obj", `${i}-${posix.basename(rel)}.o`);
      objects.push(obj);
      const r = run(tc.clang, [...flags, "-c", rel, "-o", obj], dir);
      const text = formatDiagnostics(r.out, sources);
      if (!r.ok) failures.push(text || `${rel}: the compiler failed without a message`);
      else warnings += text;
    }
    if (failures.length > 0) throw new CDriverBuildError("compile", `dmasim: ${sources.display}: the C driver does not compile`, failures.join("\n"));
    const rt = posix.join(".dmasim-obj", "dmasim-runtime.o");
    const rr = run(tc.clang, [...compileFlags(tc), "-fno-builtin", "-c", join(RUNTIME_DIR, "runtime.c"), "-o", rt], dir);
    if (!rr.ok) throw new CDriverBuildError("compile", "dmasim: its C runtime does not compile (a broken installation?)", rr.out);
    objects.push(rt);
    const out = posix.join(".dmasim-obj", "driver.wasm");
    const lr = run(tc.wasmLd, [...linkFlags(), ...objects, "-o", out], dir);
    if (!lr.ok) throw new CDriverBuildError("link", `dmasim: ${sources.display}: the C driver does not link`, linkErrorMessage(lr.out, sources));
    const linked = readFileSync(join(dir, out));
    cache.store("build", digest, { "driver.wasm": linked, "warnings.txt": warnings });
    return { key: digest, linked: new Uint8Array(linked), sources, toolchain: tc, warnings, cached: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
