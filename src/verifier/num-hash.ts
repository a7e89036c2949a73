/**
 * An open-addressing hash from a non-negative integer key (< 2^53: page
 * numbers, VAs) to an int32 value, in one typed array (key and value side by
 * side, so a lookup touches one cache line): linear probing with
 * backward-shift deletion, so there are no tombstones and lookups stay short
 * under churn. The verifier's shadow tables are built on it (never a Map of
 * objects per page).
 */
const EMPTY = -1;

export class NumHash {
  /** [key, value] pairs; key EMPTY marks a free slot. */
  private slots: Float64Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Float64Array(cap * 2).fill(EMPTY);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    // Page numbers arrive in runs: neighbours go two slots apart (cache
    // friendly, and the free slot between them keeps probe runs, and so
    // backward-shift deletes, short); bits above the run size are mixed in so
    // that distant runs do not land on the same slots.
    return ((lo << 1) ^ Math.imul((lo >>> 18) ^ hi, 0x9e3779b1)) & this.mask;
  }

  /** The value for key, or -1. */
  get(key: number): number {
    const s = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = s[2 * i] as number;
      if (k === key) return s[2 * i + 1] as number;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** Insert or replace. */
  set(key: number, val: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const s = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = s[2 * i] as number;
      if (k === key) {
        s[2 * i + 1] = val;
        return;
      }
      if (k === EMPTY) {
        s[2 * i] = key;
        s[2 * i + 1] = val;
        this.count++;
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
    for (;;) {
      const k = s[2 * i] as number;
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    if (expect !== undefined && s[2 * i + 1] !== expect) return false;
    // Backward-shift: move later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
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
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Float64Array(cap * 2).fill(EMPTY);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i] as number;
      if (k !== EMPTY) this.set(k, old[i + 1] as number);
    }
  }
}
