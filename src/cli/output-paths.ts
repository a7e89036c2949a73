/**
 * Output files (--report, --trace, --wav) are checked before anything runs:
 * a long run must not end in "no such file or directory". A path is fine when
 * its folder exists and is writable and the path itself is not a folder.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./usage-error.ts";

export function checkOutputPath(option: string, path: string, cwd: string): void {
  if (path === "") throw new UsageError(`${option}: give a file name`);
  const abs = resolve(cwd, path);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`${option}: ${path} is a folder; give a file name`);
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new UsageError(`${option}: folder ${dirname(path) === "." ? dir : dirname(path)} does not exist (for ${path})`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${option}: ${dirname(path)} is not a folder (for ${path})`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${option}: folder ${dirname(path)} is not writable (for ${path})`);
  }
}
