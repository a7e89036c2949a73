/**
 * The host's allocator for kernel objects it builds inside the driver's own
 * memory (DRIVER_OBJECT, DEVICE_OBJECTs and their extensions, IRPs, resource
 * lists, DMA_ADAPTERs, MDLs): first fit over a sorted free list, 16-byte
 * aligned, blocks zeroed on allocation. Bookkeeping lives in JS, never in the
 * driver's memory, so a driver that overruns an object cannot corrupt it.
 */

const ALIGN = 16;

export class LinearHeap {
  /** Free blocks [start, end), sorted and coalesced. */
  private readonly free: [number, number][];
  private readonly used = new Map<number, number>();
  private readonly bytes: Uint8Array;

  constructor(memory: Uint8Array, start: number, end: number) {
    const s = Math.ceil(start / ALIGN) * ALIGN;
    if (!(s < end)) throw new RangeError(`LinearHeap: no room between 0x${start.toString(16)} and 0x${end.toString(16)}`);
    this.free = [[s, end]];
    this.bytes = memory;
  }

  /** A zeroed block of at least `size` bytes; RangeError when the heap is exhausted. */
  alloc(size: number, what: string): number {
    const n = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i] as [number, number];
      if (b[1] - b[0] < n) continue;
      const at = b[0];
      b[0] += n;
      if (b[0] === b[1]) this.free.splice(i, 1);
      this.used.set(at, n);
      this.bytes.fill(0, at, at + n);
      return at;
    }
    throw new RangeError(`dmasim: no room for a ${size}-byte ${what} in the driver's memory (kernel objects fill it)`);
  }

  /** Free a block returned by alloc; RangeError for anything else (a host bug). */
  release(at: number): void {
    const n = this.used.get(at);
    if (n === undefined) throw new RangeError(`LinearHeap: 0x${at.toString(16)} is not an allocated block`);
    this.used.delete(at);
    let i = 0;
    while (i < this.free.length && (this.free[i] as [number, number])[0] < at) i++;
    this.free.splice(i, 0, [at, at + n]);
    const cur = this.free[i] as [number, number];
    const next = this.free[i + 1];
    if (next !== undefined && cur[1] === next[0]) {
      cur[1] = next[1];
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev !== undefined && prev[1] === cur[0]) {
      prev[1] = cur[1];
      this.free.splice(i, 1);
    }
  }

  /** Size of a live block, or undefined. */
  sizeOf(at: number): number | undefined {
    return this.used.get(at);
  }

  get liveBlocks(): number {
    return this.used.size;
  }
}
