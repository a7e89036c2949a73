/**
 * Allocation sites, cheaply: a stack is captured (2-5 us) only the first time a
 * (adapter, routine, length) key is seen; later allocations with the same key
 * share that site. The site is the first stack frame outside dmasim's own
 * layers, i.e. the driver line that called the allocation routine.
 */
const INTERNAL = /[\\/]src[\\/](core|machine|devices|kernel|hal|wdf|verifier)[\\/]|node:|[\\/]node_modules[\\/]/;

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
    v8.stackTraceLimit = 30;
    v8.captureStackTrace(holder, callerLocation);
    v8.stackTraceLimit = limit;
  } else holder.stack = new Error().stack ?? "";
  const lines = (holder.stack ?? "").split("\n").slice(1);
  for (const line of lines) {
    // dmasim's own frames are skipped, except tests and their fixtures (they play the driver).
    if (!/\.[cm]?[jt]s:\d+/.test(line)) continue;
    if (INTERNAL.test(line) && !/\.test\.ts:|test-machine\.ts:/.test(line)) continue;
    const t = line.trim().replace(/^at /, "");
    const m = /^(.*?) \((.*)\)$/.exec(t);
    const where = (m?.[2] ?? t).replace(/^file:\/\//, "");
    const short = where.split(/[\\/]/).slice(-2).join("/");
    return m === null ? short : `${short} (${m[1] ?? ""})`;
  }
  return "unknown site";
}
