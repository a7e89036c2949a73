/**
 * Simulated physical memory: sparse, backed lazily in 2 MiB chunks (Node caps a
 * single typed array, and untouched memory should cost no host memory).
 * Memory that holds no written data reads as the fill pattern, not zeros:
 * Windows does not zero common buffers.
 *
 * "Reads as the pattern" is a mark, never bytes: a chunk never written has no
 * backing at all, and inside a backed chunk each 4 KiB page has a fresh bit
 * (scrub sets it; a write clears it). Every reader — bulk and small reads,
 * byte reads, copies, views — honours the mark, so refilling a freshly
 * allocated run with the pattern (scrub) costs a few bit operations per chunk
 * crossed and drops wholly covered chunks, and a page's backing is written
 * once, by the first write into it (a partial first write fills the rest of
 * its page with the pattern). A new chunk's pages all start fresh, so the host
 * commits only the pages written. Bulk reads and writes are one typed-array
 * copy per run of same-state pages within a chunk.
 */
export const CHUNK_SHIFT = 21;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;
const PAGE_SHIFT = 12;
const PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE - 1;
const PAGES_PER_CHUNK = CHUNK_SIZE / PAGE;
/** Fresh bitmap of a chunk: 16 words of page bits, then the count of set bits. */
const FRESH_WORDS = PAGES_PER_CHUNK / 32;
const COUNT = FRESH_WORDS;

/** The fill pattern, as a little-endian 32-bit word: bytes EF BE AD DE. */
export const FILL_PATTERN = 0xdeadbeef;
export const FILL_BYTES = [0xef, 0xbe, 0xad, 0xde] as const;

let patternChunk: Uint8Array | undefined;
function pattern(): Uint8Array {
  if (patternChunk === undefined) {
    patternChunk = new Uint8Array(CHUNK_SIZE);
    new Uint32Array(patternChunk.buffer).fill(FILL_PATTERN);
  }
  return patternChunk;
}

/** Chunks whose page views copy() keeps (at most 512 views each). */
const MAX_VIEW_CHUNKS = 256;

/** Copies up to this many bytes (aligned to 4) go word by word instead of through a subarray. */
const SMALL = 128;

let patternWordView: Uint32Array | undefined;
function patternWords(): Uint32Array {
  patternWordView ??= new Uint32Array(pattern().buffer);
  return patternWordView;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits lo..hi (inclusive, 0..31) of a word. */
function bitsMask(lo: number, hi: number): number {
  return hi - lo === 31 ? 0xffffffff : (((1 << (hi - lo + 1)) - 1) << lo) >>> 0;
}

function freshBit(f: Uint32Array, page: number): boolean {
  return (((f[page >>> 5] as number) >>> (page & 31)) & 1) === 1;
}

/** Set (on) or clear the bits of pages [a, b); returns how many changed. */
function setFreshRange(f: Uint32Array, a: number, b: number, on: boolean): number {
  let changed = 0;
  for (let w = a >>> 5; w <= (b - 1) >>> 5; w++) {
    const lo = w === a >>> 5 ? a & 31 : 0;
    const hi = w === (b - 1) >>> 5 ? (b - 1) & 31 : 31;
    const m = bitsMask(lo, hi);
    const old = f[w] as number;
    if (on) {
      changed += popcount((~old & m) >>> 0);
      f[w] = (old | m) >>> 0;
    } else {
      changed += popcount((old & m) >>> 0);
      f[w] = (old & ~m) >>> 0;
    }
  }
  return changed;
}

/** The first page in (p, end) whose fresh bit differs from page p's, or end. */
function runEnd(f: Uint32Array, p: number, end: number): number {
  const want = freshBit(f, p);
  let w = p >>> 5;
  const off = (p & 31) + 1;
  let x = (want ? ~(f[w] as number) : (f[w] as number)) >>> 0;
  x = off === 32 ? 0 : (x & ~((1 << off) - 1)) >>> 0;
  for (;;) {
    if (x !== 0) {
      const q = w * 32 + (31 - Math.clz32(x & -x));
      return q < end ? q : end;
    }
    w++;
    if (w * 32 >= end || w >= FRESH_WORDS) return end;
    x = (want ? ~(f[w] as number) : (f[w] as number)) >>> 0;
  }
}

/** Host memory a machine may commit for backing when no budget is given: 8 GiB (the CLI passes half the host's memory instead). */
export const DEFAULT_HOST_MEMORY_BUDGET = 8 * 2 ** 30;

/**
 * A write would commit backing past the machine's host-memory budget. A
 * RangeError so callers that report bad ranges report this too; its message
 * names the budget and what used it.
 */
export class HostMemoryBudgetError extends RangeError {
  /** The budget, bytes. */
  readonly budgetBytes: number;
  /** Backing committed when the write was refused, bytes. */
  readonly backedBytes: number;

  constructor(budgetBytes: number, backedBytes: number, writtenBytes: number) {
    super(
      `host-memory budget exceeded: backing one more ${CHUNK_SIZE / 2 ** 20} MiB chunk of simulated physical memory would pass the budget of ${mib(budgetBytes)} ` +
        `(already used: ${mib(backedBytes)} of backing for ${mib(writtenBytes)} of written pages); write less memory or raise the budget (BootOptions.hostMemoryBudget, --memory-budget)`,
    );
    this.name = "HostMemoryBudgetError";
    this.budgetBytes = budgetBytes;
    this.backedBytes = backedBytes;
  }
}

function checkBudget(bytes: number): number {
  if (!(bytes > 0)) throw new RangeError(`host-memory budget must be a number of bytes > 0, got ${String(bytes)}`);
  return bytes;
}

function mib(bytes: number): string {
  if (bytes < 2 ** 20) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

/**
 * The machine's RAM as the memory controller sees it: byte addresses, no
 * caches, no translation (see the file comment for the backing). The CPU
 * reaches it through the memory system and the VA space, devices through
 * the DMA bus; reading or writing it directly bypasses both, as a debugger's
 * physical-memory view does. Little-endian; an address outside the space is
 * a RangeError naming the access.
 */
export class PhysicalMemory {
  /** Size of the address space covered, in bytes. */
  readonly size: number;
  private readonly chunks: (Uint8Array | undefined)[];
  /** Per backed chunk with fresh pages: its fresh bitmap (see FRESH_WORDS); undefined = no page fresh. */
  private readonly fresh: (Uint32Array | undefined)[];
  private materialized = 0;
  /** Fresh pages inside backed chunks. */
  private freshPages = 0;

  private budget: number;
  /**
   * Bumped whenever written pages may read as the pattern again (scrub, a
   * pattern copy, a released chunk): views taken before are stale. The CPU
   * path's cached page translation (VaSpace) compares it.
   */
  epoch = 0;

  constructor(size: number, options: { readonly budgetBytes?: number } = {}) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`physical memory size must be a positive whole number of bytes, got ${size}`);
    this.budget = checkBudget(options.budgetBytes ?? DEFAULT_HOST_MEMORY_BUDGET);
    this.size = size;
    this.chunks = new Array<Uint8Array | undefined>(Math.ceil(size / CHUNK_SIZE));
    this.fresh = new Array<Uint32Array | undefined>(this.chunks.length);
    this.chunkWords = new Array<Uint32Array | undefined>(this.chunks.length);
  }

  /** Host bytes of backing this memory may commit (see HostMemoryBudgetError). */
  get budgetBytes(): number {
    return this.budget;
  }

  /** Set the budget (e.g. from the command line right after boot); backing already committed stays. */
  setBudget(bytes: number): void {
    this.budget = checkBudget(bytes);
  }

  /** Host bytes allocated for backing (2 MiB chunks that exist). */
  get backedBytes(): number {
    return this.materialized * CHUNK_SIZE;
  }

  /**
   * Bytes of backing that hold written data: pages of backed chunks not marked
   * fresh. A page counts once however often it is written; it stops counting
   * when scrubbed. What the host actually commits for simulated memory.
   */
  get writtenBytes(): number {
    return (this.materialized * PAGES_PER_CHUNK - this.freshPages) * PAGE;
  }

  private check(pa: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pa) || pa < 0 || !Number.isSafeInteger(len) || len < 0 || pa + len > this.size) {
      throw new RangeError(`${what}: physical range [0x${pa.toString(16)}, +0x${len.toString(16)}) is outside simulated memory (size 0x${this.size.toString(16)})`);
    }
  }

  /** The chunk, created with every page fresh when absent (zero-filled host memory the OS commits on first touch). */
  private chunkForWrite(index: number): Uint8Array {
    let c = this.chunks[index];
    if (c === undefined) {
      if ((this.materialized + 1) * CHUNK_SIZE > this.budget) throw new HostMemoryBudgetError(this.budgetBytes, this.backedBytes, this.writtenBytes);
      c = new Uint8Array(CHUNK_SIZE);
      const f = new Uint32Array(FRESH_WORDS + 1).fill(0xffffffff);
      f[COUNT] = PAGES_PER_CHUNK;
      this.chunks[index] = c;
      this.fresh[index] = f;
      this.freshPages += PAGES_PER_CHUNK;
      this.materialized++;
    }
    return c;
  }

  /**
   * The chunk, ready for a write of [off, off + n) (inside it): fresh pages the
   * write covers only partly get the pattern first (`all`: every fresh page in
   * the range does, for views the caller may read); all of them stop being fresh.
   */
  private prepareWrite(index: number, off: number, n: number, all = false): Uint8Array {
    const c = this.chunks[index] ?? this.chunkForWrite(index);
    const f = this.fresh[index];
    if (f === undefined) return c;
    const p0 = off >>> PAGE_SHIFT;
    const p1 = (off + n - 1) >>> PAGE_SHIFT;
    // Small writes (descriptors) into pages already written: nothing to do.
    if (p1 - p0 <= 1 && !freshBit(f, p0) && !freshBit(f, p1)) return c;
    if (all) {
      for (let p = p0; p <= p1; p++) if (freshBit(f, p)) c.set(pattern().subarray(0, PAGE), p * PAGE);
    } else {
      if (freshBit(f, p0) && ((off & PAGE_MASK) !== 0 || off + n < (p0 + 1) * PAGE)) c.set(pattern().subarray(0, PAGE), p0 * PAGE);
      if (p1 !== p0 && freshBit(f, p1) && ((off + n) & PAGE_MASK) !== 0) c.set(pattern().subarray(0, PAGE), p1 * PAGE);
    }
    const cleared = setFreshRange(f, p0, p1 + 1, false);
    if (cleared !== 0) {
      this.freshPages -= cleared;
      const left = (f[COUNT] as number) - cleared;
      f[COUNT] = left;
      if (left === 0) this.fresh[index] = undefined;
    }
    return c;
  }

  /** Copy [off, off + n) of chunk `index` into dst at dstOff, pattern where fresh. */
  private readPiece(index: number, off: number, n: number, dst: Uint8Array, dstOff: number): void {
    const c = this.chunks[index];
    const f = this.fresh[index];
    if (c === undefined || f === undefined) {
      dst.set((c ?? pattern()).subarray(off, off + n), dstOff);
      return;
    }
    const e = off + n;
    const endPage = ((e - 1) >>> PAGE_SHIFT) + 1;
    let a = off;
    let p = off >>> PAGE_SHIFT;
    while (a < e) {
      const q = runEnd(f, p, endPage);
      const b = Math.min(e, q * PAGE);
      dst.set((freshBit(f, p) ? pattern() : c).subarray(a, b), dstOff + (a - off));
      a = b;
      p = q;
    }
  }

  /** Copy [pa, pa + dst.length) into dst. */
  read(pa: number, dst: Uint8Array): void {
    // check()'s test in place (a length is a safe whole number already): it runs on every access.
    if (!Number.isSafeInteger(pa) || pa < 0 || pa + dst.length > this.size) this.check(pa, dst.length, "read");
    if (dst.length <= SMALL && ((pa | dst.byteOffset | dst.length) & 3) === 0 && (pa & CHUNK_MASK) + dst.length <= CHUNK_SIZE) {
      this.smallCopy(pa, dst, false);
      return;
    }
    let done = 0;
    while (done < dst.length) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(dst.length - done, CHUNK_SIZE - off);
      this.readPiece(Math.floor(a / CHUNK_SIZE), off, n, dst, done);
      done += n;
    }
  }

  /** Copy src to [pa, pa + src.length). */
  write(pa: number, src: Uint8Array): void {
    if (!Number.isSafeInteger(pa) || pa < 0 || pa + src.length > this.size) this.check(pa, src.length, "write");
    if (src.length <= SMALL && ((pa | src.byteOffset | src.length) & 3) === 0 && (pa & CHUNK_MASK) + src.length <= CHUNK_SIZE) {
      this.smallCopy(pa, src, true);
      return;
    }
    this.writeUnchecked(pa, src);
  }

  private writeUnchecked(pa: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(src.length - done, CHUNK_SIZE - off);
      this.prepareWrite(Math.floor(a / CHUNK_SIZE), off, n).set(n === src.length ? src : src.subarray(done, done + n), off);
      done += n;
    }
  }

  // Small aligned copies (64-byte descriptors): a 32-bit word loop over cached
  // views costs a third of creating the subarray that TypedArray.set needs.
  /** Word views of the last few small buffers copied (devices alternate a handful of descriptor buffers): buffer i's view is words[i]. */
  private readonly wordsFor: (Uint8Array | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly words: (Uint32Array | undefined)[] = [undefined, undefined, undefined, undefined];
  private wordsNext = 0;
  private readonly chunkWords: (Uint32Array | undefined)[];

  /** A 32-bit view of `buf` (4-byte aligned), from the small cache or made and kept there in place of the oldest. */
  private wordsOf(buf: Uint8Array): Uint32Array {
    const f = this.wordsFor;
    for (let i = 0; i < 4; i++) if (f[i] === buf) return this.words[i] as Uint32Array;
    const at = this.wordsNext;
    this.wordsNext = (at + 1) & 3;
    const w = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    f[at] = buf;
    this.words[at] = w;
    return w;
  }

  private smallCopy(pa: number, buf: Uint8Array, write: boolean): void {
    const idx = Math.floor(pa / CHUNK_SIZE);
    const off = pa & CHUNK_MASK;
    let cw: Uint32Array;
    const c = this.chunks[idx];
    if (write || c !== undefined) {
      if (write) this.prepareWrite(idx, off, buf.length);
      else {
        const f = this.fresh[idx];
        if (f !== undefined && (freshBit(f, off >>> PAGE_SHIFT) || freshBit(f, (off + buf.length - 1) >>> PAGE_SHIFT))) {
          this.readPiece(idx, off, buf.length, buf, 0);
          return;
        }
      }
      const w = this.chunkWords[idx];
      if (w === undefined) {
        const chunk = this.chunks[idx] as Uint8Array;
        cw = new Uint32Array(chunk.buffer, chunk.byteOffset, CHUNK_SIZE / 4);
        this.chunkWords[idx] = cw;
      } else cw = w;
    } else cw = patternWords();
    const bw = this.wordsOf(buf);
    const n = buf.length >>> 2;
    const o = off >>> 2;
    if (write) for (let i = 0; i < n; i++) cw[o + i] = bw[i] as number;
    else for (let i = 0; i < n; i++) bw[i] = cw[o + i] as number;
  }

  /** Set [pa, pa + len) to `byte`. */
  fill(pa: number, len: number, byte: number): void {
    this.check(pa, len, "fill");
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      this.prepareWrite(Math.floor(a / CHUNK_SIZE), off, n).fill(byte, off, off + n);
      done += n;
    }
  }

  /**
   * Put the fill pattern back over [pa, pa + len) (page-aligned callers keep the
   * pattern's phase) — as a mark, not bytes: whole pages become fresh, wholly
   * covered chunks are released, and only the bytes of partly covered pages
   * are written. Costs nothing where memory was never written. A view() into
   * the range is no longer memory afterwards.
   */
  scrub(pa: number, len: number): void {
    this.check(pa, len, "scrub");
    this.markFresh(pa, len);
  }

  private markFresh(pa: number, len: number): void {
    this.epoch++;
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const idx = Math.floor(a / CHUNK_SIZE);
      const c = this.chunks[idx];
      if (c !== undefined) {
        if (n === CHUNK_SIZE) this.release(idx);
        else this.markFreshIn(idx, c, off, n);
      }
      done += n;
    }
  }

  private markFreshIn(idx: number, c: Uint8Array, off: number, n: number): void {
    const e = off + n;
    const first = (off + PAGE_MASK) >>> PAGE_SHIFT; // first whole page
    const end = e >>> PAGE_SHIFT; // past the last whole page
    let f = this.fresh[idx];
    const fillPart = (s: number, t: number): void => {
      if (s < t && (f === undefined || !freshBit(f, s >>> PAGE_SHIFT))) c.set(pattern().subarray(s, t), s);
    };
    if (first >= end) {
      // Inside one page, or across one page boundary without a whole page.
      const mid = Math.min(e, first * PAGE);
      fillPart(off, mid);
      fillPart(mid, e);
      return;
    }
    fillPart(off, first * PAGE);
    fillPart(end * PAGE, e);
    if (f === undefined) {
      f = new Uint32Array(FRESH_WORDS + 1);
      this.fresh[idx] = f;
    }
    const added = setFreshRange(f, first, end, true);
    this.freshPages += added;
    f[COUNT] = (f[COUNT] as number) + added;
    if (f[COUNT] === PAGES_PER_CHUNK) this.release(idx);
  }

  /** Drop a chunk's backing: all of it reads as the pattern again. */
  private release(idx: number): void {
    const f = this.fresh[idx];
    if (f !== undefined) this.freshPages -= f[COUNT] as number;
    this.chunks[idx] = undefined;
    this.fresh[idx] = undefined;
    this.chunkWords[idx] = undefined;
    if (this.pageViews[idx] !== undefined) {
      this.pageViews[idx] = undefined;
      this.viewChunks.splice(this.viewChunks.indexOf(idx), 1);
    }
    this.materialized--;
  }

  /** True when every byte of [pa, pa + len) reads as the pattern by mark (never written, or scrubbed since). */
  isFresh(pa: number, len: number): boolean {
    this.check(pa, len, "isFresh");
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const idx = Math.floor(a / CHUNK_SIZE);
      if (this.chunks[idx] !== undefined) {
        const f = this.fresh[idx];
        if (f === undefined) return false;
        const p = off >>> PAGE_SHIFT;
        const endPage = ((off + n - 1) >>> PAGE_SHIFT) + 1;
        if (!freshBit(f, p) || runEnd(f, p, endPage) !== endPage) return false;
      }
      done += n;
    }
    return true;
  }

  /**
   * memmove within physical memory (used by compaction and bounce buffers):
   * one typed-array copy per run of written source pages; fresh source pages
   * mark the destination fresh instead of copying pattern bytes.
   */
  copy(dstPa: number, srcPa: number, len: number): void {
    this.check(dstPa, len, "copy (destination)");
    this.check(srcPa, len, "copy (source)");
    if (len === 0) return;
    const overlaps = srcPa < dstPa + len && dstPa < srcPa + len;
    // Compaction's case: written pages to written pages, each side inside one chunk.
    const so = srcPa & CHUNK_MASK;
    const dOff = dstPa & CHUNK_MASK;
    if (!overlaps && so + len <= CHUNK_SIZE && dOff + len <= CHUNK_SIZE) {
      const si = Math.floor(srcPa / CHUNK_SIZE);
      const di = Math.floor(dstPa / CHUNK_SIZE);
      const sc = this.chunks[si];
      const dc = this.chunks[di];
      if (sc !== undefined && dc !== undefined && this.fresh[si] === undefined && this.fresh[di] === undefined) {
        dc.set(len === PAGE && (so & PAGE_MASK) === 0 ? this.pageView(si, sc, so >>> PAGE_SHIFT) : sc.subarray(so, so + len), dOff);
        return;
      }
    }
    if (overlaps) {
      const tmp = new Uint8Array(len);
      this.read(srcPa, tmp);
      this.write(dstPa, tmp);
      return;
    }
    let done = 0;
    while (done < len) {
      const s = srcPa + done;
      const d = dstPa + done;
      const n = Math.min(len - done, CHUNK_SIZE - (s & CHUNK_MASK), CHUNK_SIZE - (d & CHUNK_MASK));
      this.copyPiece(d, s, n);
      done += n;
    }
  }

  /**
   * Copy page frame src[i] to page frame dst[i] (4 KiB each) for i < count,
   * in order, as copy() of each page would: a run contiguous on both sides is
   * one copy() (so one typed-array copy per backed stretch), and a lone page
   * between chunks that hold only written pages is one typed-array copy from
   * a cached view, with every frame checked once, up front (a bad list
   * changes nothing), rather than the byte ranges twice per page.
   * Compaction's migrations come here. Returns the number of copies made
   * (runs).
   */
  copyPages(dst: ArrayLike<number>, src: ArrayLike<number>, count: number): number {
    const pages = Math.floor(this.size / PAGE);
    if (!Number.isSafeInteger(count) || count < 0 || count > dst.length || count > src.length) {
      throw new RangeError(`copyPages: count must be a whole number in [0, ${Math.min(dst.length, src.length)}], got ${count}`);
    }
    // Every frame is checked before anything is copied: a bad list changes nothing.
    for (let k = 0; k < count; k++) {
      const s0 = src[k] as number;
      const d0 = dst[k] as number;
      if (!Number.isSafeInteger(s0) || !Number.isSafeInteger(d0) || s0 < 0 || d0 < 0 || s0 >= pages || d0 >= pages) {
        throw new RangeError(`copyPages: page ${k} copies frame ${s0} to frame ${d0}; both must be whole page frame numbers below ${pages} (simulated memory of 0x${this.size.toString(16)} bytes)`);
      }
    }
    let copies = 0;
    let i = 0;
    while (i < count) {
      const s0 = src[i] as number;
      const d0 = dst[i] as number;
      let j = i + 1;
      while (j < count && src[j] === s0 + (j - i) && dst[j] === d0 + (j - i)) j++;
      copies++;
      if (j === i + 1 && s0 !== d0) {
        // One page, each side inside one chunk: the common case when free frames are scattered.
        const si = Math.floor(s0 / PAGES_PER_CHUNK);
        const di = Math.floor(d0 / PAGES_PER_CHUNK);
        const sc = this.chunks[si];
        const dc = this.chunks[di];
        if (sc !== undefined && dc !== undefined && this.fresh[si] === undefined && this.fresh[di] === undefined) {
          dc.set(this.pageView(si, sc, s0 % PAGES_PER_CHUNK), (d0 % PAGES_PER_CHUNK) * PAGE);
          i = j;
          continue;
        }
      }
      this.copy(d0 * PAGE, s0 * PAGE, (j - i) * PAGE);
      i = j;
    }
    return copies;
  }

  /** copy() of n bytes that stay inside one source chunk and one destination chunk. */
  private copyPiece(d: number, s: number, n: number): void {
    const si = Math.floor(s / CHUNK_SIZE);
    const so = s & CHUNK_MASK;
    const c = this.chunks[si];
    const f = this.fresh[si];
    if (c === undefined || f === undefined) {
      if (c === undefined) this.copyPattern(d, s, n);
      else this.writeUnchecked(d, c.subarray(so, so + n));
      return;
    }
    const e = so + n;
    const endPage = ((e - 1) >>> PAGE_SHIFT) + 1;
    let a = so;
    let p = so >>> PAGE_SHIFT;
    while (a < e) {
      const q = runEnd(f, p, endPage);
      const b = Math.min(e, q * PAGE);
      if (freshBit(f, p)) this.copyPattern(d + (a - so), s + (a - so), b - a);
      else this.writeUnchecked(d + (a - so), c.subarray(a, b));
      a = b;
      p = q;
    }
  }

  // Cached 4 KiB views of source pages for page copies: making a subarray
  // costs about what copying its 4 KiB does. Indexed by chunk (no hashing on
  // the per-page path) and bounded: past MAX_VIEW_CHUNKS chunks with views,
  // the cache starts over.
  private readonly pageViews: ((Uint8Array | undefined)[] | undefined)[] = [];
  /** The chunks that have entries in pageViews (at most MAX_VIEW_CHUNKS). */
  private readonly viewChunks: number[] = [];

  private pageView(idx: number, c: Uint8Array, page: number): Uint8Array {
    let pv = this.pageViews[idx];
    if (pv === undefined) {
      if (this.viewChunks.length >= MAX_VIEW_CHUNKS) {
        for (const i of this.viewChunks) this.pageViews[i] = undefined;
        this.viewChunks.length = 0;
      }
      pv = new Array<Uint8Array | undefined>(PAGES_PER_CHUNK).fill(undefined);
      this.pageViews[idx] = pv;
      this.viewChunks.push(idx);
    }
    let v = pv[page];
    if (v === undefined) {
      v = c.subarray(page * PAGE, (page + 1) * PAGE);
      pv[page] = v;
    }
    return v;
  }

  /** The destination gets the pattern as it reads at the source: a mark when the phases agree. */
  private copyPattern(d: number, s: number, n: number): void {
    if (((s ^ d) & 3) === 0) this.markFresh(d, n);
    else this.writeUnchecked(d, pattern().subarray(s & CHUNK_MASK, (s & CHUNK_MASK) + n));
  }

  /**
   * A live view of [pa, pa + len) when it lies in one chunk (materializing it
   * and writing the pattern into its fresh pages), for zero-copy device paths.
   * Undefined when the range crosses a chunk. Valid until the range is scrubbed.
   */
  view(pa: number, len: number): Uint8Array | undefined {
    this.check(pa, len, "view");
    const off = pa & CHUNK_MASK;
    if (off + len > CHUNK_SIZE) return undefined;
    const idx = Math.floor(pa / CHUNK_SIZE);
    const c = len === 0 ? this.chunkForWrite(idx) : this.prepareWrite(idx, off, len, true);
    // A whole page (the CPU's cached page translation asks for these): the kept view, not a new subarray each time.
    if (len === PAGE && (off & PAGE_MASK) === 0) return this.pageView(idx, c, off >>> PAGE_SHIFT);
    return c.subarray(off, off + len);
  }

  /**
   * The live view of the 4 KiB page at page-aligned `pa` when that page holds
   * written data (backed and not fresh), else undefined: what isFresh() then
   * view() of the page give, without touching anything. The CPU's cached page
   * translation asks this; the view is memory until the page is scrubbed.
   */
  writtenPage(pa: number): Uint8Array | undefined {
    this.check(pa, PAGE, "writtenPage");
    if ((pa & PAGE_MASK) !== 0) throw new RangeError(`writtenPage: 0x${pa.toString(16)} is not the start of a page`);
    const idx = Math.floor(pa / CHUNK_SIZE);
    const c = this.chunks[idx];
    if (c === undefined) return undefined;
    const page = (pa & CHUNK_MASK) >>> PAGE_SHIFT;
    const f = this.fresh[idx];
    if (f !== undefined && freshBit(f, page)) return undefined;
    return this.pageView(idx, c, page);
  }

  /** The byte at physical address `pa` (the fill pattern's byte if never written). */
  readU8(pa: number): number {
    this.check(pa, 1, "readU8");
    const idx = Math.floor(pa / CHUNK_SIZE);
    const off = pa & CHUNK_MASK;
    const c = this.chunks[idx];
    const f = this.fresh[idx];
    return (c === undefined || (f !== undefined && freshBit(f, off >>> PAGE_SHIFT)) ? pattern() : c)[off] as number;
  }

  /** Store the byte `v` at `pa`. */
  writeU8(pa: number, v: number): void {
    this.check(pa, 1, "writeU8");
    const off = pa & CHUNK_MASK;
    this.prepareWrite(Math.floor(pa / CHUNK_SIZE), off, 1)[off] = v;
  }

  private readonly tmp8 = new Uint8Array(8);
  private readonly tmpView = new DataView(this.tmp8.buffer);

  /** The little-endian 16-bit value at `pa` (any alignment). */
  readU16(pa: number): number {
    this.read(pa, this.tmp8.subarray(0, 2));
    return this.tmpView.getUint16(0, true);
  }

  /** The little-endian 32-bit value at `pa` (any alignment). */
  readU32(pa: number): number {
    this.read(pa, this.tmp8.subarray(0, 4));
    return this.tmpView.getUint32(0, true);
  }

  /** The little-endian 64-bit value at `pa`, as a bigint. */
  readU64(pa: number): bigint {
    this.read(pa, this.tmp8);
    return this.tmpView.getBigUint64(0, true);
  }

  /** Store `v` as 16 bits, little-endian, at `pa`. */
  writeU16(pa: number, v: number): void {
    this.tmpView.setUint16(0, v, true);
    this.write(pa, this.tmp8.subarray(0, 2));
  }

  /** Store `v` as 32 bits (taken modulo 2^32), little-endian, at `pa`. */
  writeU32(pa: number, v: number): void {
    this.tmpView.setUint32(0, v >>> 0, true);
    this.write(pa, this.tmp8.subarray(0, 4));
  }

  /** Store `v` as 64 bits (taken modulo 2^64), little-endian, at `pa`. */
  writeU64(pa: number, v: bigint): void {
    this.tmpView.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(pa, this.tmp8);
  }
}
