/**
 * Where dmasim's C side lives in the package: the headers and the C runtime
 * under <package>/include (beside src/ and dist/, so an installed package
 * finds them too).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** <package> for this file at <package>/src/cdriver/toolchain/paths.ts or <package>/dist/cdriver/toolchain/paths.js. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** dmasim's own headers (wdm.h, ntddk.h, sal.h, dmasim/...). */
export const INCLUDE_DIR = join(PACKAGE_ROOT, "include");
/** The C runtime every driver links with (memcpy, memset, memmove, RtlCompareMemory, ...). */
export const RUNTIME_DIR = join(INCLUDE_DIR, "dmasim", "runtime");

/** A clear error when the package was installed without its headers. */
export function checkIncludeDir(): void {
  const wdm = join(INCLUDE_DIR, "wdm.h");
  if (!existsSync(wdm)) throw new Error(`dmasim: its C headers are missing (${wdm}); reinstall the package`);
}
