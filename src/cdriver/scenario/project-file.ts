/**
 * What a driver folder's Visual Studio project says about the build that
 * matters on dmasim: the KMDF version it targets (`<KMDF_VERSION_MAJOR>` and
 * `<KMDF_VERSION_MINOR>` in its .vcxproj, which the WDK's build turns into
 * the macros of the same names). The driver is then compiled with those
 * macros, so <wdf.h> binds it to that version, as the WDK's build does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** The KMDF version a project file names, and which file. */
export interface ProjectKmdfVersion {
  readonly major: number;
  readonly minor: number;
  readonly file: string;
}

/** The KMDF version of the first .vcxproj in `path` (a folder, or the folder of a .c file) that names one; null when none does. */
export function projectKmdfVersion(path: string): ProjectKmdfVersion | null {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  for (const name of readdirSync(dir).sort()) {
    if (!/\.vcxproj$/i.test(name)) continue;
    const text = readFileSync(join(dir, name), "utf8");
    const major = /<KMDF_VERSION_MAJOR>\s*(\d+)\s*<\/KMDF_VERSION_MAJOR>/.exec(text)?.[1];
    const minor = /<KMDF_VERSION_MINOR>\s*(\d+)\s*<\/KMDF_VERSION_MINOR>/.exec(text)?.[1];
    if (major !== undefined && minor !== undefined) return { major: Number(major), minor: Number(minor), file: name };
  }
  return null;
}

/** The compiler flags for it (none without a project file). */
export function kmdfVersionFlags(v: ProjectKmdfVersion | null): string[] {
  return v === null ? [] : [`-DKMDF_VERSION_MAJOR=${v.major}`, `-DKMDF_VERSION_MINOR=${v.minor}`];
}
