/**
 * Allocation sites, cheaply: a stack is captured (2-5 us) only the first time a
 * (adapter, routine, length) key is seen; later allocations with the same key
 * share that site. The site is the first stack frame outside dmasim's own
 * layers, i.e. the driver line that called the allocation routine.
 *
 * "dmasim's own" is decided by where this very file is at run time (it is
 * <package>/src/verifier/sites.ts under tsx, <package>/dist/verifier/sites.js
 * when built, wherever the package is installed), not by a folder name
 * somewhere in the path.
 */

/** A frame's location as a plain path ("/x/y.ts", "C:/x/y.ts") or, for non-file URLs, the URL without query. */
function normalizeLocation(where: string): string {
  let s = where.replace(/\?[^:]*(?=(?::\d+){0,2}$)/, "");
  if (s.startsWith("file://")) {
    s = s.slice("file://".length);
    try {
      s = decodeURIComponent(s);
    } catch {
      // keep the undecoded text
    }
    if (/^\/[A-Za-z]:\//.test(s)) s = s.slice(1);
  }
  return s.replace(/\\/g, "/");
}

/**
 * The package root, with a trailing slash, for a module URL inside
 * <root>/<src|dist>/verifier/. Both src/ and dist/ under it are the library:
 * built code may report source-mapped src/ frames.
 */
export function packageRootOf(moduleUrl: string): string {
  const parts = normalizeLocation(moduleUrl).split("/");
  return parts.slice(0, -3).join("/") + "/";
}

// import.meta.url is there in every ES module host (Node, browsers); the core layers are typed without either's declarations.
const ROOT = packageRootOf((import.meta as ImportMeta & { readonly url?: string }).url ?? "");

/**
 * Whether a frame's file is dmasim's own code. The built-in scenarios
 * (scenarios/) and the steps runner (cli/steps-scenario) are drivers, and so
 * are tests and their fixtures: their lines are sites.
 */
export function isLibraryFile(file: string, root: string = ROOT): boolean {
  if (file.startsWith("node:")) return true;
  const path = normalizeLocation(file);
  if (!path.startsWith(root)) return false;
  const inRoot = path.slice(root.length);
  if (!inRoot.startsWith("src/") && !inRoot.startsWith("dist/")) return false;
  const rel = inRoot.slice(inRoot.indexOf("/") + 1);
  if (/\.test\.[cm]?[jt]s$|(^|\/)test-machine\.[cm]?[jt]s$/.test(rel)) return false;
  return !rel.startsWith("scenarios/") && !/^cli\/steps-scenario\.[cm]?[jt]s$/.test(rel);
}

/** One V8 frame line ("    at fn (file:line:col)" or "    at file:line:col") as its parts, or null. */
export function parseFrame(line: string): { fn: string; file: string; line: number; column: number } | null {
  const t = line.trim().replace(/^at /, "");
  const m = /^(?:(.*?) \()?(.+):(\d+):(\d+)\)?$/.exec(t);
  if (m === null || m[2] === undefined) return null;
  return { fn: m[1] ?? "", file: normalizeLocation(m[2]), line: Number(m[3]), column: Number(m[4]) };
}

/** The site text of a stack: "dir/file.ts:line:col (function)" of its first frame outside the library, or "unknown site". */
export function siteOfStack(stack: string, root: string = ROOT): string {
  for (const line of stack.split("\n").slice(1)) {
    const f = parseFrame(line);
    if (f === null || !/\.(?:[cm]?[jt]sx?|c|cc|cpp|h)$/.test(f.file) || isLibraryFile(f.file, root)) continue;
    const short = `${f.file.split("/").slice(-2).join("/")}:${f.line}:${f.column}`;
    return f.fn === "" ? short : `${short} (${f.fn})`;
  }
  return "unknown site";
}

export class SiteTable {
  private readonly byKey = new Map<number, number>();
  private readonly names: string[] = [];
  private lastKey = -1;
  private lastSite = -1;

  /** The site index for a key, capturing the caller's location the first time. */
  siteFor(key: number): number {
    if (key === this.lastKey) return this.lastSite;
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = this.names.length;
      this.names.push(callerLocation());
      this.byKey.set(key, s);
    }
    this.lastKey = key;
    this.lastSite = s;
    return s;
  }

  name(site: number): string {
    return this.names[site] ?? "unknown site";
  }
}

/** "file:line:col (function)" of the first frame outside dmasim's layers, or "unknown site". */
export function callerLocation(): string {
  // V8 lets us raise the frame limit and skip this function; elsewhere a plain Error's stack serves.
  const v8 = Error as unknown as { stackTraceLimit: number | undefined; captureStackTrace?: (o: object, skip: unknown) => void };
  const holder: { stack?: string } = {};
  if (typeof v8.captureStackTrace === "function") {
    const limit = v8.stackTraceLimit;
    // Driver callbacks sit under PnP, WDF and HAL frames: room for all of them.
    v8.stackTraceLimit = 64;
    v8.captureStackTrace(holder, callerLocation);
    v8.stackTraceLimit = limit;
  } else holder.stack = new Error().stack ?? "";
  return siteOfStack(holder.stack ?? "");
}
