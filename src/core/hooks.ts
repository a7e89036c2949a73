/**
 * Fan-out hooks: any number of observers attach and detach in any order
 * (the trace, the verifier, a user's probe). The list is replaced on every
 * change (copy on write), so a hot path reads one array and pays one
 * length check when nobody listens, and an observer that detaches while
 * being called does not disturb the iteration in progress.
 */
export class Hooks<T> {
  private items: readonly T[] = [];

  /** The observers now attached, in attach order. */
  get list(): readonly T[] {
    return this.items;
  }

  /** How many are attached. */
  get size(): number {
    return this.items.length;
  }

  /** Attach `hook`; returns the function that detaches it (idempotent). */
  add(hook: T): () => void {
    this.items = [...this.items, hook];
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.remove(hook);
    };
  }

  /** Detach `hook` (its first attachment); false when it was not attached. */
  remove(hook: T): boolean {
    const i = this.items.indexOf(hook);
    if (i < 0) return false;
    this.items = [...this.items.slice(0, i), ...this.items.slice(i + 1)];
    return true;
  }

  /** Whether `hook` is attached. */
  has(hook: T): boolean {
    return this.items.includes(hook);
  }
}

/**
 * Observers of one kind on one owner (the bus, the CPU path, the HAL, ...),
 * seen by the owner's hot path as a single `current` object: null when none
 * is attached (one branch), the observer itself when one is, and a fan-out
 * that calls each attached observer's method in attach order when several
 * are. `methods` names every optional hook the kind has, so a fan-out
 * forwards each of them (an observer without that method is skipped).
 */
export class ObserverSlot<T extends object> {
  private readonly hooks = new Hooks<T>();
  private readonly methods: readonly (keyof T & string)[];
  /** What the owner calls: null, the one observer, or the fan-out. */
  current: T | null = null;

  constructor(methods: readonly (keyof T & string)[]) {
    this.methods = methods;
  }

  /** The observers now attached, in attach order. */
  get list(): readonly T[] {
    return this.hooks.list;
  }

  /** Attach an observer; returns its detach function (idempotent). */
  add(observer: T): () => void {
    const detach = this.hooks.add(observer);
    this.rebuild();
    return () => {
      detach();
      this.rebuild();
    };
  }

  private rebuild(): void {
    const list = this.hooks.list;
    if (list.length === 0) this.current = null;
    else if (list.length === 1) this.current = list[0] as T;
    else {
      const fan: Record<string, (...args: unknown[]) => unknown> = {};
      for (const m of this.methods) {
        const fns = list.map((o) => (o as Record<string, unknown>)[m]).map((f, i) => (typeof f === "function" ? (f as (...a: unknown[]) => unknown).bind(list[i]) : null)).filter((f): f is (...a: unknown[]) => unknown => f !== null);
        if (fns.length === 0) continue;
        fan[m] = (...args: unknown[]) => {
          for (const f of fns) f(...args);
        };
      }
      this.current = fan as unknown as T;
    }
  }
}
