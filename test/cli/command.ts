/**
 * The real `dmasim` command in a child process, for the CLI tests: the built
 * dist/cli/main.js (npm test builds first) or src/cli/main.ts under tsx.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const distMain = join(root, "dist/cli/main.js");
export const srcMain = join(root, "src/cli/main.ts");
/** tsx's loader by absolute path: `--import tsx` would be looked up from the child's (temporary) folder. */
export const tsxLoader = createRequire(import.meta.url).resolve("tsx");

export type CommandMode = "dist" | "src";
/** The mode the tests use by default: dist when built (DMASIM_CLI_TSX=1 forces source). */
export const defaultMode: CommandMode = existsSync(distMain) && process.env["DMASIM_CLI_TSX"] === undefined ? "dist" : "src";

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly mode?: CommandMode;
  readonly timeoutMs?: number;
}

export function runCommand(args: readonly string[], o: CommandOptions): Result {
  const mode = o.mode ?? defaultMode;
  const argv = mode === "dist" ? [distMain, ...args] : ["--import", tsxLoader, srcMain, ...args];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...o.env };
  // The child decides about --debug itself; a developer's DMASIM_DEBUG must not change what the tests see.
  if (o.env?.["DMASIM_DEBUG"] === undefined) delete env["DMASIM_DEBUG"];
  const r = spawnSync(process.execPath, argv, { cwd: o.cwd, encoding: "utf8", env, timeout: o.timeoutMs ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The library entry of a mode: what a user module names by path. */
export function libraryEntry(mode: CommandMode): string {
  return mode === "dist" ? join(root, "dist/index.js") : join(root, "src/index.ts");
}
