/**
 * The verifier's handles of the transfers the HAL has mapped, by the HAL's
 * own record of each mapping (its key), until the HAL says it is unmapped.
 * A driver has a few dozen transfers in flight at most (a ring's worth),
 * mapped and unmapped once per I/O, nearly always in order: those sit in a
 * queue of SLOTS keys compared by identity, oldest first, so the unmap of
 * the oldest finds it at once (no hash, no object per transfer while it has
 * one handle). Past SLOTS a WeakMap takes the rest, so the work per call
 * stays bounded by SLOTS, a driver that never unmaps holds at most SLOTS
 * keys, and the keys beyond stay collectable.
 */

/** Keys the queue holds; more in flight go to the WeakMap. A power of two. */
export const SLOTS = 64;
const MASK = SLOTS - 1;

/** Transfer handles (buffer-table ids) per HAL mapping key. */
export class TransferKeys {
  /** The queue: slots [head, head + span) mod SLOTS, oldest first; null where a key was taken out of order. */
  private readonly keys: (object | null)[] = new Array<object | null>(SLOTS).fill(null);
  /** Each slot's first handle. */
  private readonly first = new Int32Array(SLOTS);
  /** Each slot's further handles (a scatter/gather list of several elements), or null. */
  private readonly more: (number[] | null)[] = new Array<number[] | null>(SLOTS).fill(null);
  private head = 0;
  private span = 0;
  private readonly overflow = new WeakMap<object, number[]>();
  /** Keys put in the WeakMap and not taken back (an upper bound on what it holds, for skipping it). */
  private spilled = 0;
  /** Keys in the queue now. */
  used = 0;

  /** Remember handle `h` for `key` (after any it has). */
  add(key: object, h: number): void {
    const keys = this.keys;
    // The key of the last call first (the elements of one list arrive in a row), then the rest.
    for (let i = this.span - 1; i >= 0; i--) {
      const s = (this.head + i) & MASK;
      if (keys[s] !== key) continue;
      const list = this.more[s];
      if (list === null || list === undefined) this.more[s] = [h];
      else list.push(h);
      return;
    }
    if (this.spilled > 0 && this.overflow.has(key)) return this.spill(key, h);
    if (this.span === SLOTS) this.compact();
    if (this.span === SLOTS) return this.spill(key, h);
    const s = (this.head + this.span) & MASK;
    keys[s] = key;
    this.first[s] = h;
    this.more[s] = null;
    this.span++;
    this.used++;
  }

  private spill(key: object, h: number): void {
    const list = this.overflow.get(key);
    if (list !== undefined) list.push(h);
    else {
      this.overflow.set(key, [h]);
      this.spilled++;
    }
  }

  /** Close the holes left by keys taken out of order (only when the queue is full). */
  private compact(): void {
    const keys = this.keys;
    let w = 0;
    for (let i = 0; i < this.span; i++) {
      const s = (this.head + i) & MASK;
      const k = keys[s] as object | null;
      if (k === null) continue;
      const d = (this.head + w) & MASK;
      if (d !== s) {
        keys[d] = k;
        this.first[d] = this.first[s] as number;
        this.more[d] = this.more[s] ?? null;
        keys[s] = null;
        this.more[s] = null;
      }
      w++;
    }
    this.span = w;
  }

  /**
   * Forget `key`, calling `each` with its handles in the order they were
   * added; nothing when the key has none.
   */
  take(key: object, each: (h: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < this.span; i++) {
      const s = (this.head + i) & MASK;
      if (keys[s] !== key) continue;
      keys[s] = null;
      this.used--;
      const list = this.more[s];
      this.more[s] = null;
      // The oldest taken: the queue starts at the next key still held.
      while (this.span > 0 && keys[this.head] === null) {
        this.head = (this.head + 1) & MASK;
        this.span--;
      }
      each(this.first[s] as number);
      if (list !== null && list !== undefined) for (const h of list) each(h);
      return;
    }
    if (this.spilled === 0) return;
    const list = this.overflow.get(key);
    if (list === undefined) return;
    this.overflow.delete(key);
    this.spilled--;
    for (const h of list) each(h);
  }
}
