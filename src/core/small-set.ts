import { removeAt } from "./array-edit.ts";

/**
 * A set of a few members at a time (the requests a queue's driver owns, a
 * device's pending engine timers), kept in an array in insertion order (what
 * a Set's iteration gives). A Set that goes from empty to one member and
 * back on every request rebuilds its table each time; this one does not.
 */
export class SmallSet<T> implements Iterable<T> {
  private readonly items: T[] = [];

  /** Members. */
  get size(): number {
    return this.items.length;
  }

  /** Whether `x` is a member. */
  has(x: T): boolean {
    return this.items.indexOf(x) >= 0;
  }

  /** Add `x` (once). */
  add(x: T): this {
    if (this.items.indexOf(x) < 0) this.items.push(x);
    return this;
  }

  /** Add `x`, which the caller knows is not a member (a new request): no membership scan. */
  addNew(x: T): this {
    this.items.push(x);
    return this;
  }

  /** Remove `x`; false when it was not a member. */
  delete(x: T): boolean {
    const i = this.items.indexOf(x);
    if (i < 0) return false;
    removeAt(this.items, i);
    return true;
  }

  /** Remove every member. */
  clear(): void {
    this.items.length = 0;
  }

  /** The members, oldest first. */
  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
