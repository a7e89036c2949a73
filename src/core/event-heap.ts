/**
 * A binary min-heap of timed events. Ties on time break by insertion order, so
 * same-time events run in a deterministic order.
 */
export class EventHeap<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  peekTime(): number {
    return this.times.length === 0 ? Infinity : (this.times[0] as number);
  }

  pop(): { time: number; item: T } | undefined {
    if (this.items.length === 0) return undefined;
    const time = this.times[0] as number;
    return { time, item: this.popItem() as T };
  }

  /** pop() without the pair: the earliest item (read its time with peekTime() first); undefined when empty. */
  popItem(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const item = this.items[0] as T;
    this.swap(0, n - 1);
    this.times.pop();
    this.seqs.pop();
    this.items.pop();
    if (n > 1) this.down(0);
    return item;
  }

  /** Remove every item matching `pred` (rare: cancelled timers). */
  removeWhere(pred: (item: T) => boolean): number {
    const keep: [number, number, T][] = [];
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i] as T;
      if (!pred(it)) keep.push([this.times[i] as number, this.seqs[i] as number, it]);
    }
    const removed = this.items.length - keep.length;
    if (removed > 0) {
      keep.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      this.times = keep.map((k) => k[0]);
      this.seqs = keep.map((k) => k[1]);
      this.items = keep.map((k) => k[2]);
    }
    return removed;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private swap(a: number, b: number): void {
    // Plain temporaries: a destructuring swap can allocate its arrays when the engine does not optimise it away.
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const t = times[a] as number;
    times[a] = times[b] as number;
    times[b] = t;
    const q = seqs[a] as number;
    seqs[a] = seqs[b] as number;
    seqs[b] = q;
    const x = items[a] as T;
    items[a] = items[b] as T;
    items[b] = x;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
