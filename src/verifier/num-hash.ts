/**
 * An open-addressing hash from a non-negative integer key (< 2^53: page
 * numbers, VAs) to an int32 value, in one typed array (key and value side by
 * side, so a lookup touches one cache line): linear probing with
 * backward-shift deletion, so there are no tombstones and lookups stay short
 * under churn. The verifier's shadow tables are built on it (never a Map of
 * objects per page).
 *
 * The slot is a full avalanche of the key (a bijective 32-bit mixer), so no
 * key pattern — runs of page numbers at any base, strides of any power of
 * two, 40-bit logical pages — lands in one cluster; with the load kept at or
 * below one half, probe runs stay a few slots long (a test holds the bound).
 * `probes` counts every slot examined, for tests that bound the work.
 */
const EMPTY = -1;

/** A bijective 32-bit mixer (lowbias32): every input bit flips about half the output bits. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class NumHash {
  /** [key, value] pairs; key EMPTY marks a free slot. */
  private slots: Float64Array;
  private mask: number;
  private count = 0;
  /** Slots examined by every get, set and delete so far (including the shifts of deletes). */
  probes = 0;
  /** The longest single probe sequence of a get, set or delete so far. */
  longestProbe = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Float64Array(cap * 2).fill(EMPTY);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Slots in the table. */
  get capacity(): number {
    return this.mask + 1;
  }

  private slotOf(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    return mix32(hi === 0 ? lo : lo ^ mix32(hi)) & this.mask;
  }

  private tally(steps: number): void {
    this.probes += steps;
    if (steps > this.longestProbe) this.longestProbe = steps;
  }

  /** The value for key, or -1. */
  get(key: number): number {
    const s = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (let n = 1; ; n++) {
      const k = s[2 * i] as number;
      if (k === key || k === EMPTY) {
        this.tally(n);
        return k === EMPTY ? -1 : (s[2 * i + 1] as number);
      }
      i = (i + 1) & mask;
    }
  }

  /** Insert or replace. */
  set(key: number, val: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const s = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (let n = 1; ; n++) {
      const k = s[2 * i] as number;
      if (k === key) {
        s[2 * i + 1] = val;
        this.tally(n);
        return;
      }
      if (k === EMPTY) {
        s[2 * i] = key;
        s[2 * i + 1] = val;
        this.count++;
        this.tally(n);
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Remove key when its value is `expect` (or any value when expect is undefined). Returns true when removed. */
  delete(key: number, expect?: number): boolean {
    const s = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    let n = 1;
    for (; ; n++) {
      const k = s[2 * i] as number;
      if (k === EMPTY) {
        this.tally(n);
        return false;
      }
      if (k === key) break;
      i = (i + 1) & mask;
    }
    if (expect !== undefined && s[2 * i + 1] !== expect) {
      this.tally(n);
      return false;
    }
    // Backward-shift: move later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;; n++) {
      const k = s[2 * j] as number;
      if (k === EMPTY) break;
      const home = this.slotOf(k);
      // Move k when its home is not in (hole, j] (cyclically).
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        s[2 * hole] = k;
        s[2 * hole + 1] = s[2 * j + 1] as number;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    s[2 * hole] = EMPTY;
    this.count--;
    this.tally(n);
    return true;
  }

  /** Double the table; the rehash counts in `probes` (amortized work) but is no probe sequence of its own. */
  private grow(): void {
    const longest = this.longestProbe;
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Float64Array(cap * 2).fill(EMPTY);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i] as number;
      if (k !== EMPTY) this.set(k, old[i + 1] as number);
    }
    this.longestProbe = longest;
  }
}
