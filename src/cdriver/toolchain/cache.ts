/**
 * The build cache: artifacts stored under a content hash of everything that
 * decides them (sources, headers, flags, tool versions), so an unchanged
 * driver is never compiled twice. Entries are written to a temporary folder
 * and renamed into place, so parallel runs (test workers) never see half an
 * entry; the first writer wins.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./paths.ts";

/** DMASIM_CACHE_DIR, else node_modules/.cache/dmasim-c beside the package, else the system temp folder. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const named = env["DMASIM_CACHE_DIR"];
  if (named !== undefined && named !== "") return named;
  const nm = join(PACKAGE_ROOT, "node_modules");
  return existsSync(nm) ? join(nm, ".cache", "dmasim-c") : join(tmpdir(), "dmasim-c-cache");
}

/** A hash of labelled parts (labels keep "a"+"bc" apart from "ab"+"c"). */
export class KeyHash {
  private readonly h = createHash("sha256");
  add(label: string, data: string | Uint8Array): this {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.h.update(`${label}\0${bytes.length}\0`);
    this.h.update(bytes);
    return this;
  }
  digest(): string {
    return this.h.digest("hex").slice(0, 32);
  }
}

export class BuildCache {
  readonly root: string;
  constructor(root: string = cacheRoot()) {
    this.root = root;
  }

  entryDir(kind: string, key: string): string {
    return join(this.root, kind, key);
  }

  /** The bytes of one file of an entry, or null when the entry is absent. */
  read(kind: string, key: string, file: string): Buffer | null {
    const p = join(this.entryDir(kind, key), file);
    try {
      return readFileSync(p);
    } catch {
      return null;
    }
  }

  /** A fresh scratch folder inside the cache (same file system as the entries, so the final rename is atomic). */
  scratch(kind: string): string {
    mkdirSync(join(this.root, kind), { recursive: true });
    return mkdtempSync(join(this.root, kind, ".tmp-"));
  }

  /** Store files as one entry; when another process stored it first, keep theirs. */
  store(kind: string, key: string, files: Readonly<Record<string, string | Uint8Array>>): void {
    const tmp = this.scratch(kind);
    for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
    const dest = this.entryDir(kind, key);
    try {
      renameSync(tmp, dest);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
