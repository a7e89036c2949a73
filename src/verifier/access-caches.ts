/**
 * The verifier's per-access caches: what the last look-ups found, so that an
 * access to a buffer seen recently costs a few compares instead of the index
 * look-ups. A driver works on a few buffers at once (a descriptor ring, its
 * data buffers, the mapped transfer of the I/O in progress), so each cache
 * keeps a few entries. An entry is only ever a shortcut to
 * what the full check would conclude: the verifier drops entries whenever
 * that could change (buffers allocated or freed, a transfer mapped over an
 * entry's pages, a transfer unmapped).
 */

/** Entries per cache: the buffers a device or the CPU moves between within one I/O. */
export const ENTRIES = 8;

/**
 * Device accesses: physically contiguous runs of live buffers (a whole
 * contiguous buffer, or one run of a scattered one) by physical range, with
 * the logical - physical offset the device must use there. Inside an entry's
 * range, at that offset, an access is to that buffer's checked bytes (a
 * common buffer's Length, a transfer's pages) and nothing but the
 * initialised-line bits is left to check. A buffer has one entry at a time
 * (its run seen last), so a big scattered buffer does not crowd out the rest;
 * the entry used longest ago makes room for a new one.
 */
export class DeviceRanges {
  /** Buffer-table id per entry (-1: empty). */
  readonly id = new Int32Array(ENTRIES).fill(-1);
  /** Physical start of the run. */
  readonly lo = new Float64Array(ENTRIES);
  /** Offset in the buffer of the run's first byte. */
  readonly base = new Float64Array(ENTRIES);
  /** Physical end of the bytes accesses may touch. */
  readonly end = new Float64Array(ENTRIES);
  /** Logical - physical. */
  readonly delta = new Float64Array(ENTRIES);
  /** 1 once every line is initialised (it stays so until the buffer is freed, which drops the entry). */
  readonly full = new Uint8Array(ENTRIES);
  /** When each entry was last used (0: never since added ahead of use). */
  private readonly used = new Float64Array(ENTRIES);
  private clock = 0;

  /** The entry holding [physical, physical + length) with this logical address, or -1. */
  find(logical: number, physical: number, length: number): number {
    const ids = this.id;
    for (let i = 0; i < ENTRIES; i++) {
      if ((ids[i] as number) >= 0 && physical >= (this.lo[i] as number) && physical + length <= (this.end[i] as number) && logical - physical === this.delta[i]) {
        this.used[i] = ++this.clock;
        return i;
      }
    }
    return -1;
  }

  /**
   * Remember a run of buffer `id` starting at buffer offset `base`, replacing
   * the buffer's entry when it has one, else an empty one, else the one used
   * longest ago. `ahead`: added before any access (a transfer just mapped,
   * of which a driver may queue many): it counts as used longest ago, so a
   * queue of them takes the place of one another, not of the buffers in use.
   */
  add(id: number, lo: number, end: number, delta: number, base: number, full: boolean, ahead = false): void {
    const ids = this.id;
    const used = this.used;
    // One pass: the buffer's own entry wins, then the first empty one, then the oldest.
    let own = -1;
    let empty = -1;
    let oldest = 0;
    for (let j = 0; j < ENTRIES; j++) {
      const e = ids[j] as number;
      if (e === id) {
        own = j;
        break;
      }
      if (e < 0) {
        if (empty < 0) empty = j;
      } else if ((used[j] as number) < (used[oldest] as number)) oldest = j;
    }
    const i = own >= 0 ? own : empty >= 0 ? empty : oldest;
    used[i] = ahead ? 0 : ++this.clock;
    this.filled = true;
    ids[i] = id;
    this.lo[i] = lo;
    this.base[i] = base;
    this.end[i] = end;
    this.delta[i] = delta;
    this.full[i] = full ? 1 : 0;
  }

  /** Forget buffer `id`. */
  drop(id: number): void {
    const ids = this.id;
    for (let i = 0; i < ENTRIES; i++) if (ids[i] === id) ids[i] = -1;
  }

  /** Forget every entry whose range meets physical [lo, end). */
  dropOverlapping(lo: number, end: number): void {
    const ids = this.id;
    for (let i = 0; i < ENTRIES; i++) if ((ids[i] as number) >= 0 && lo < (this.end[i] as number) && end > (this.lo[i] as number)) ids[i] = -1;
  }

  /** Some entry was added since the last clear (so that clearing caches that are empty, once per buffer allocated or freed, costs one test). */
  private filled = false;

  /** Forget every entry. */
  clear(): void {
    if (!this.filled) return;
    this.filled = false;
    for (let i = 0; i < ENTRIES; i++) this.id[i] = -1;
  }
}

/**
 * CPU accesses: VA mappings (by identity) and the live common buffer each
 * one is (-1: none), with the buffer's Length and whether every line of it
 * is initialised. The entry used longest ago makes room for a new one (a
 * driver's rings stay while a mapping per I/O comes and goes).
 */
export class MappingCache<M extends object> {
  private readonly mapping: (M | null)[] = new Array<M | null>(ENTRIES).fill(null);
  /** Buffer-table id per entry, -1 for a mapping that is no live common buffer. */
  readonly id = new Int32Array(ENTRIES);
  readonly length = new Float64Array(ENTRIES);
  /** 1 once every line of the buffer is initialised. */
  readonly full = new Uint8Array(ENTRIES);
  /** When each entry was last used. */
  private readonly used = new Float64Array(ENTRIES);
  private clock = 0;

  /** The entry found or added last: accesses come in runs to one mapping (a descriptor's fields, a copy). */
  private last = 0;
  /** Some mapping was added since the last clear (see DeviceRanges). */
  private filled = false;

  /** The entry of mapping `m`, or -1. */
  find(m: M): number {
    const maps = this.mapping;
    let i = this.last;
    if (maps[i] !== m) {
      for (i = 0; i < ENTRIES && maps[i] !== m; i++);
      if (i === ENTRIES) return -1;
      this.last = i;
    }
    this.used[i] = ++this.clock;
    return i;
  }

  /** Remember what `m` is; returns its entry. */
  add(m: M, id: number, length: number, full: boolean): number {
    let i = 0;
    for (let j = 1; j < ENTRIES; j++) if ((this.used[j] as number) < (this.used[i] as number)) i = j;
    this.used[i] = ++this.clock;
    this.last = i;
    this.filled = true;
    this.mapping[i] = m;
    this.id[i] = id;
    this.length[i] = length;
    this.full[i] = full ? 1 : 0;
    return i;
  }

  /** Forget every entry. */
  clear(): void {
    if (!this.filled) return;
    this.filled = false;
    for (let i = 0; i < ENTRIES; i++) {
      this.mapping[i] = null;
      this.used[i] = 0;
    }
  }
}
