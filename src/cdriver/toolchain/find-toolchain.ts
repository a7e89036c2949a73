/**
 * Finding a C compiler for wasm32: clang >= 16 with the WebAssembly target,
 * and wasm-ld (lld). Named by an option or DMASIM_CLANG / DMASIM_WASM_LD, or
 * found on PATH (clang-25 ... clang-16, then clang; Debian's clang-19 and
 * lld-19 install as clang-19 and wasm-ld-19). The result is checked once per
 * process by compiling a one-line file for wasm32.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, isAbsolute, join } from "node:path";

export const MIN_CLANG_MAJOR = 16;
/** The documented one-command install (Debian/Ubuntu). */
export const INSTALL_COMMAND = "sudo apt-get install -y clang-19 lld-19";

export interface Toolchain {
  readonly clang: string;
  readonly wasmLd: string;
  /** "Debian clang version 19.1.7 (...)": part of every build's cache key. */
  readonly version: string;
  readonly major: number;
  /** clang's own headers (stddef.h, stdint.h, stdarg.h): -isystem <resourceDir>/include. */
  readonly resourceInclude: string;
  /** Flags this clang needs beyond the common set to keep bulk-memory instructions out (clang 20's bulk-memory-opt). */
  readonly extraFlags: readonly string[];
}

export interface ToolchainOptions {
  /** Path or command name of clang (default: DMASIM_CLANG, else PATH). */
  readonly clang?: string;
  /** Path or command name of wasm-ld (default: DMASIM_WASM_LD, else next to clang or on PATH). */
  readonly wasmLd?: string;
  /** Environment to read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** No usable toolchain: one message saying what is missing and how to install it. */
export class ToolchainError extends Error {
  constructor(detail: string) {
    super(`dmasim: cannot build C drivers: ${detail}.\n  Install clang and lld (Debian/Ubuntu: ${INSTALL_COMMAND}), or name them with DMASIM_CLANG=/path/to/clang and DMASIM_WASM_LD=/path/to/wasm-ld.`);
    this.name = "ToolchainError";
  }
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error !== undefined || r.status !== 0) return { ok: false, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}` };
  return { ok: true, out: r.stdout ?? "" };
}

/** A command on PATH (or an absolute path that exists), else null. */
export function which(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (isAbsolute(cmd) || cmd.includes("/")) return existsSync(cmd) ? cmd : null;
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The major version in `clang --version` output ("... clang version 19.1.7 ..."), or 0. */
export function clangMajor(versionText: string): number {
  const m = /clang version (\d+)\./.exec(versionText);
  return m === null ? 0 : Number(m[1]);
}

/** Candidate wasm-ld names for a clang: the same version suffix, then the directory it lives in, then plain wasm-ld. */
export function wasmLdCandidates(clang: string): string[] {
  const out: string[] = [];
  const m = /clang-(\d+)$/.exec(basename(clang));
  if (m !== null) out.push(`wasm-ld-${m[1]}`);
  if (clang.includes("/")) out.push(join(dirname(clang), m === null ? "wasm-ld" : `wasm-ld-${m[1]}`), join(dirname(clang), "wasm-ld"));
  out.push("wasm-ld");
  return out;
}

let cached: { key: string; value: Toolchain } | null = null;

/** Find and check the toolchain (cached per process and per choice). ToolchainError when none is usable. */
export function findToolchain(opts: ToolchainOptions = {}): Toolchain {
  const env = opts.env ?? process.env;
  const named = opts.clang ?? env["DMASIM_CLANG"];
  const namedLd = opts.wasmLd ?? env["DMASIM_WASM_LD"];
  const key = `${named ?? ""}|${namedLd ?? ""}|${env["PATH"] ?? ""}`;
  if (cached?.key === key) return cached.value;
  const candidates = named !== undefined && named !== "" ? [named] : [...Array.from({ length: 10 }, (_, i) => `clang-${25 - i}`), "clang"];
  const rejected: string[] = [];
  for (const c of candidates) {
    const clang = which(c, env);
    if (clang === null) {
      if (named !== undefined && named !== "") rejected.push(`${named} was not found`);
      continue;
    }
    const v = run(clang, ["--version"]);
    const major = clangMajor(v.out);
    if (!v.ok || major < MIN_CLANG_MAJOR) {
      rejected.push(`${clang} is ${major === 0 ? "not a working clang" : `clang ${major}`} (clang >= ${MIN_CLANG_MAJOR} is needed)`);
      continue;
    }
    const ldNames = namedLd !== undefined && namedLd !== "" ? [namedLd] : wasmLdCandidates(clang);
    const wasmLd = ldNames.map((n) => which(n, env)).find((p): p is string => p !== null) ?? null;
    if (wasmLd === null) {
      rejected.push(`${clang} has no wasm-ld beside it (looked for ${ldNames.join(", ")}; install lld)`);
      continue;
    }
    const res = run(clang, ["-print-resource-dir"]);
    const resourceInclude = join(res.out.trim(), "include");
    if (!res.ok || !existsSync(join(resourceInclude, "stddef.h"))) {
      rejected.push(`${clang} has no resource headers (${resourceInclude})`);
      continue;
    }
    const probe = probeWasm32(clang, resourceInclude);
    if (probe !== null) {
      rejected.push(`${clang} cannot compile for wasm32 (${probe})`);
      continue;
    }
    // clang 20 split memory.copy/fill out of bulk-memory (bulk-memory-opt, on by default): turn it off where it exists.
    const extraFlags = probeWasm32(clang, resourceInclude, ["-mno-bulk-memory-opt"]) === null ? ["-mno-bulk-memory-opt"] : [];
    const value: Toolchain = { clang, wasmLd, version: v.out.split("\n")[0]?.trim() ?? "", major, resourceInclude, extraFlags };
    cached = { key, value };
    return value;
  }
  throw new ToolchainError(rejected.length === 0 ? `no clang (>= ${MIN_CLANG_MAJOR}) found on PATH` : rejected.join("; "));
}

/** Compile `int x;` for wasm32: null when it works, else the first line of the error. */
function probeWasm32(clang: string, resourceInclude: string, flags: readonly string[] = []): string | null {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-probe-"));
  try {
    const src = join(dir, "probe.c");
    writeFileSync(src, "#include <stddef.h>\nsize_t dmasim_probe;\n");
    const r = run(clang, ["--target=wasm32", "-ffreestanding", "-nostdinc", "-isystem", resourceInclude, "-Werror=unused-command-line-argument", ...flags, "-c", src, "-o", join(dir, "probe.o")]);
    return r.ok ? null : (r.out.split("\n").find((l) => l.trim() !== "") ?? "failed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The toolchain, or the reason there is none (for callers that can go on without one, like tests that skip). */
export function toolchainOrReason(opts: ToolchainOptions = {}): Toolchain | ToolchainError {
  try {
    return findToolchain(opts);
  } catch (e) {
    if (e instanceof ToolchainError) return e;
    throw e;
  }
}
