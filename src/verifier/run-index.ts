/**
 * Page number -> buffer id for the verifier's shadow, registered by run, not
 * by page. Pages are grouped in 2 MiB granules (512 pages): a granule a run
 * covers whole is one directory entry naming the buffer; a granule a run
 * covers in part gets a leaf (an Int32Array block of 512 ids) holding that
 * run's pages. So registering a run of P pages costs P / 512 directory
 * entries plus at most 2 x 511 leaf entries, whatever its address; a lookup
 * is one array read after the directory lookup, which a 256-entry
 * direct-mapped cache of granules answers for nearby pages (the directory
 * itself is a NumHash keyed by granule number).
 *
 * Registrations may overlap (a freed buffer stays findable in quarantine
 * while a new one takes its pages): the newest registration of a page wins,
 * as with a hash whose set() overwrites, and removing a registration leaves
 * alone pages a newer one took. A whole-granule registration clears the
 * granule's leaf (its entries are older, so overwritten), which keeps every
 * leaf entry newer than the granule's whole entry: a lookup takes the leaf
 * entry when there is one.
 */
import { NumHash } from "./num-hash.ts";

const GRANULE = 512;
/** Directory cache entries: room for the granules of several streams at once (device accesses, frees, quarantine exits, allocations), each moving through its own. */
const CACHE = 256;
/** Page numbers up to here (every page frame) take integer paths: granule page >>> 9, offset page & 511. */
const MAX_INT_PAGE = 0x7fff_ffff;

/** Cache line of granule g: higher bits folded in, so granules a power of two apart (a ring's head and tail) do not evict each other. */
function cacheIndex(g: number): number {
  return (g ^ (g >>> 8) ^ (g >>> 16)) & (CACHE - 1);
}

export class RunIndex {
  /** Granule number -> directory slot. */
  private readonly dir = new NumHash(64);
  /** Per slot: the id registered for the whole granule, or -1. */
  private whole = new Int32Array(64).fill(-1);
  /** Per slot: its leaf number, or -1. */
  private leafOf = new Int32Array(64).fill(-1);
  /** Per slot: page entries set in its leaf. */
  private used = new Int32Array(64);
  private readonly freeSlots: number[] = [];
  private slots = 0;
  private leaves = new Int32Array(GRANULE * 4).fill(-1);
  private readonly freeLeaves: number[] = [];
  private leafCount = 0;
  /** Direct-mapped cache of directory lookups: granule (or -1) and its slot (or -1 for none). */
  private readonly cacheG = new Float64Array(CACHE).fill(-1);
  private readonly cacheS = new Int32Array(CACHE).fill(-1);
  /** Leaf and directory entries written or cleared so far (with `dir.probes`, the work done). */
  entryWrites = 0;

  /** Slots examined in the directory hash so far. */
  get probes(): number {
    return this.dir.probes;
  }

  /** Work so far: directory probes plus entries written or cleared. */
  get work(): number {
    return this.dir.probes + this.entryWrites;
  }

  /** Directory entries (granules with any registration). */
  get granules(): number {
    return this.dir.size;
  }

  /** The id registered last for `page`, or -1. */
  get(page: number): number {
    // Page frames fit 31 bits (the common case): integer arithmetic.
    if (page >= 0 && page <= MAX_INT_PAGE) {
      const slot = this.slotOf(page >>> 9);
      if (slot < 0) return -1;
      const leaf = this.leafOf[slot] as number;
      const a = leaf < 0 ? -1 : (this.leaves[(leaf << 9) | (page & (GRANULE - 1))] as number);
      return a >= 0 ? a : (this.whole[slot] as number);
    }
    const g = Math.floor(page / GRANULE);
    const slot = this.slotOf(g);
    if (slot < 0) return -1;
    const leaf = this.leafOf[slot] as number;
    const a = leaf < 0 ? -1 : (this.leaves[leaf * GRANULE + (page - g * GRANULE)] as number);
    return a >= 0 ? a : (this.whole[slot] as number);
  }

  /** Register pages [start, start + count) for `id` (a non-negative int32). */
  addRun(start: number, count: number, id: number): void {
    if (count === 1) return this.addPage(start, id);
    const end = start + count;
    let p = start;
    while (p < end) {
      const g = Math.floor(p / GRANULE);
      const gs = g * GRANULE;
      const e = Math.min(end, gs + GRANULE);
      const slot = this.slotFor(g);
      this.entryWrites++;
      if (p === gs && e === gs + GRANULE) {
        this.whole[slot] = id;
        // Every page entry of the granule is older: overwritten.
        const leaf = this.leafOf[slot] as number;
        if (leaf >= 0) {
          this.leaves.fill(-1, leaf * GRANULE, (leaf + 1) * GRANULE);
          this.entryWrites += GRANULE;
          this.freeLeaves.push(leaf);
          this.leafOf[slot] = -1;
          this.used[slot] = 0;
        }
      } else {
        let leaf = this.leafOf[slot] as number;
        if (leaf < 0) {
          leaf = this.newLeaf();
          this.leafOf[slot] = leaf;
        }
        const l = this.leaves;
        const base = leaf * GRANULE - gs;
        let added = 0;
        for (let q = p; q < e; q++) {
          if ((l[base + q] as number) < 0) added++;
          l[base + q] = id;
        }
        this.used[slot] = (this.used[slot] as number) + added;
        this.entryWrites += e - p;
      }
      p = e;
    }
  }

  /** Register one page: addRun's common case (a one-page buffer), without its loop. */
  addPage(page: number, id: number): void {
    if (page >= 0 && page <= MAX_INT_PAGE) this.setEntry(this.slotFor(page >>> 9), page & (GRANULE - 1), id);
    else {
      const g = Math.floor(page / GRANULE);
      this.setEntry(this.slotFor(g), page - g * GRANULE, id);
    }
  }

  /** Entry `off` of the leaf of directory slot `slot` (made when there is none) becomes `id`. */
  private setEntry(slot: number, off: number, id: number): void {
    this.entryWrites += 2;
    let leaf = this.leafOf[slot] as number;
    if (leaf < 0) {
      leaf = this.newLeaf();
      this.leafOf[slot] = leaf;
    }
    const at = (leaf << 9) | off;
    if ((this.leaves[at] as number) < 0) this.used[slot] = (this.used[slot] as number) + 1;
    this.leaves[at] = id;
  }

  /** Remove `id`'s registration of pages [start, start + count); pages registered since by another id stay. */
  deleteRun(start: number, count: number, id: number): void {
    if (count === 1) return this.deletePage(start, id);
    const end = start + count;
    let p = start;
    while (p < end) {
      const g = Math.floor(p / GRANULE);
      const gs = g * GRANULE;
      const from = p;
      const e = Math.min(end, gs + GRANULE);
      p = e;
      const slot = this.slotOf(g);
      if (slot < 0) continue;
      this.entryWrites++;
      if (from === gs && e === gs + GRANULE) {
        if (this.whole[slot] === id) this.whole[slot] = -1;
      } else {
        const leaf = this.leafOf[slot] as number;
        if (leaf >= 0) {
          const l = this.leaves;
          const base = leaf * GRANULE - gs;
          let removed = 0;
          for (let q = from; q < e; q++) {
            if (l[base + q] === id) {
              l[base + q] = -1;
              removed++;
            }
          }
          this.entryWrites += e - from;
          const left = (this.used[slot] as number) - removed;
          this.used[slot] = left;
          if (left === 0) {
            this.freeLeaves.push(leaf);
            this.leafOf[slot] = -1;
          }
        }
      }
      if (this.whole[slot] === -1 && this.leafOf[slot] === -1) {
        this.dir.delete(g);
        this.freeSlots.push(slot);
        this.cacheS[cacheIndex(g)] = -1;
      }
    }
  }

  /** deleteRun of one page, without its loop. */
  deletePage(page: number, id: number): void {
    if (page >= 0 && page <= MAX_INT_PAGE) this.clearEntry(page >>> 9, page & (GRANULE - 1), id);
    else {
      const g = Math.floor(page / GRANULE);
      this.clearEntry(g, page - g * GRANULE, id);
    }
  }

  /** Entry `off` of granule g's leaf stops naming `id` (when it still does); an empty granule leaves the directory. */
  private clearEntry(g: number, off: number, id: number): void {
    const slot = this.slotOf(g);
    if (slot < 0) return;
    this.entryWrites++;
    const leaf = this.leafOf[slot] as number;
    if (leaf >= 0) {
      this.entryWrites++;
      const at = (leaf << 9) | off;
      if (this.leaves[at] === id) {
        this.leaves[at] = -1;
        const left = (this.used[slot] as number) - 1;
        this.used[slot] = left;
        if (left === 0) {
          this.freeLeaves.push(leaf);
          this.leafOf[slot] = -1;
        }
      }
    }
    if (this.whole[slot] === -1 && this.leafOf[slot] === -1) {
      this.dir.delete(g);
      this.freeSlots.push(slot);
      this.cacheS[cacheIndex(g)] = -1;
    }
  }

  /** The directory slot of granule g, or -1. */
  private slotOf(g: number): number {
    const c = cacheIndex(g);
    if (this.cacheG[c] === g) return this.cacheS[c] as number;
    const slot = this.dir.get(g);
    this.cacheG[c] = g;
    this.cacheS[c] = slot;
    return slot;
  }

  /** The directory slot of granule g, made when there is none. */
  private slotFor(g: number): number {
    let slot = this.slotOf(g);
    if (slot < 0) {
      slot = this.freeSlots.pop() ?? this.newSlot();
      this.whole[slot] = -1;
      this.leafOf[slot] = -1;
      this.used[slot] = 0;
      this.dir.set(g, slot);
      this.cacheS[cacheIndex(g)] = slot;
    }
    return slot;
  }

  private newSlot(): number {
    const slot = this.slots++;
    if (slot >= this.whole.length) {
      const n = this.whole.length * 2;
      const grow = (a: Int32Array, fill: number): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(n).fill(fill);
        b.set(a);
        return b;
      };
      this.whole = grow(this.whole, -1);
      this.leafOf = grow(this.leafOf, -1);
      this.used = grow(this.used, 0);
    }
    return slot;
  }

  private newLeaf(): number {
    const reused = this.freeLeaves.pop();
    if (reused !== undefined) return reused;
    const leaf = this.leafCount++;
    if ((leaf + 1) * GRANULE > this.leaves.length) {
      const b = new Int32Array(this.leaves.length * 2).fill(-1);
      b.set(this.leaves);
      this.leaves = b;
    }
    return leaf;
  }
}
