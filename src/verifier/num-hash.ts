/**
 * An open-addressing hash from a non-negative integer key (< 2^53: page
 * numbers, VAs) to an int32 value, in typed arrays: linear probing with
 * backward-shift deletion, so there are no tombstones and lookups stay short
 * under churn. The verifier's shadow tables are built on it (never a Map of
 * objects per page).
 */
const EMPTY = -1;

export class NumHash {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) & this.mask;
  }

  /** The value for key, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = keys[i] as number;
      if (k === key) return this.vals[i] as number;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** Insert or replace. */
  set(key: number, val: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = keys[i] as number;
      if (k === key) {
        this.vals[i] = val;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.vals[i] = val;
        this.count++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Remove key when its value is `expect` (or any value when expect is undefined). Returns true when removed. */
  delete(key: number, expect?: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = keys[i] as number;
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    if (expect !== undefined && vals[i] !== expect) return false;
    // Backward-shift: move later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = keys[j] as number;
      if (k === EMPTY) break;
      const home = this.slotOf(k);
      // Move k when its home is not in (hole, j] (cyclically).
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        keys[hole] = k;
        vals[hole] = vals[j] as number;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    keys[hole] = EMPTY;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const cap = oldK.length * 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldK.length; i++) {
      const k = oldK[i] as number;
      if (k !== EMPTY) this.set(k, oldV[i] as number);
    }
  }
}
