/**
 * Simulated physical memory: sparse, backed lazily in 2 MiB chunks (Node caps a
 * single typed array, and untouched memory should cost no host memory). A chunk
 * comes into being on its first write, filled with the fill pattern, so
 * never-written memory reads as the pattern, not zeros: Windows does not zero
 * common buffers. Bulk reads and writes are one typed-array copy per chunk
 * crossed.
 */
export const CHUNK_SHIFT = 21;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

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

/** Copies up to this many bytes (aligned to 4) go word by word instead of through a subarray. */
const SMALL = 128;

let patternWordView: Uint32Array | undefined;
function patternWords(): Uint32Array {
  patternWordView ??= new Uint32Array(pattern().buffer);
  return patternWordView;
}

export class PhysicalMemory {
  /** Size of the address space covered, in bytes. */
  readonly size: number;
  private readonly chunks: (Uint8Array | undefined)[];
  private materialized = 0;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`physical memory size must be a positive whole number of bytes, got ${size}`);
    this.size = size;
    this.chunks = new Array<Uint8Array | undefined>(Math.ceil(size / CHUNK_SIZE));
    this.chunkWords = new Array<Uint32Array | undefined>(this.chunks.length);
  }

  /** Host bytes in use for backing (materialized chunks). */
  get backedBytes(): number {
    return this.materialized * CHUNK_SIZE;
  }

  private check(pa: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pa) || pa < 0 || !Number.isSafeInteger(len) || len < 0 || pa + len > this.size) {
      throw new RangeError(`${what}: physical range [0x${pa.toString(16)}, +0x${len.toString(16)}) is outside simulated memory (size 0x${this.size.toString(16)})`);
    }
  }

  private chunkForWrite(index: number): Uint8Array {
    let c = this.chunks[index];
    if (c === undefined) {
      c = new Uint8Array(CHUNK_SIZE);
      c.set(pattern());
      this.chunks[index] = c;
      this.materialized++;
    }
    return c;
  }

  /** Copy [pa, pa + dst.length) into dst. */
  read(pa: number, dst: Uint8Array): void {
    this.check(pa, dst.length, "read");
    if (dst.length <= SMALL && ((pa | dst.byteOffset | dst.length) & 3) === 0 && (pa & CHUNK_MASK) + dst.length <= CHUNK_SIZE) {
      this.smallCopy(pa, dst, false);
      return;
    }
    let done = 0;
    while (done < dst.length) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(dst.length - done, CHUNK_SIZE - off);
      const src = this.chunks[Math.floor(a / CHUNK_SIZE)] ?? pattern();
      dst.set(src.subarray(off, off + n), done);
      done += n;
    }
  }

  /** Copy src to [pa, pa + src.length). */
  write(pa: number, src: Uint8Array): void {
    this.check(pa, src.length, "write");
    if (src.length <= SMALL && ((pa | src.byteOffset | src.length) & 3) === 0 && (pa & CHUNK_MASK) + src.length <= CHUNK_SIZE) {
      this.smallCopy(pa, src, true);
      return;
    }
    let done = 0;
    while (done < src.length) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(src.length - done, CHUNK_SIZE - off);
      this.chunkForWrite(Math.floor(a / CHUNK_SIZE)).set(src.subarray(done, done + n), off);
      done += n;
    }
  }

  // Small aligned copies (64-byte descriptors): a 32-bit word loop over cached
  // views costs a third of creating the subarray that TypedArray.set needs.
  private words: Uint32Array | undefined;
  private wordsFor: Uint8Array | undefined;
  private readonly chunkWords: (Uint32Array | undefined)[];

  private smallCopy(pa: number, buf: Uint8Array, write: boolean): void {
    const idx = Math.floor(pa / CHUNK_SIZE);
    let cw: Uint32Array;
    if (write || this.chunks[idx] !== undefined) {
      const w = this.chunkWords[idx];
      if (w === undefined) {
        const chunk = this.chunkForWrite(idx);
        cw = new Uint32Array(chunk.buffer, chunk.byteOffset, CHUNK_SIZE / 4);
        this.chunkWords[idx] = cw;
      } else cw = w;
    } else cw = patternWords();
    if (this.wordsFor !== buf) {
      this.wordsFor = buf;
      this.words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    }
    const bw = this.words as Uint32Array;
    const n = buf.length >>> 2;
    const c = (pa & CHUNK_MASK) >>> 2;
    if (write) for (let i = 0; i < n; i++) cw[c + i] = bw[i] as number;
    else for (let i = 0; i < n; i++) bw[i] = cw[c + i] as number;
  }

  /** Set [pa, pa + len) to `byte`. */
  fill(pa: number, len: number, byte: number): void {
    this.check(pa, len, "fill");
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      this.chunkForWrite(Math.floor(a / CHUNK_SIZE)).fill(byte, off, off + n);
      done += n;
    }
  }

  /**
   * Put the fill pattern back over [pa, pa + len) (page-aligned callers keep the
   * pattern's phase). Costs nothing where memory was never written.
   */
  scrub(pa: number, len: number): void {
    this.check(pa, len, "scrub");
    let done = 0;
    const pat = pattern();
    while (done < len) {
      const a = pa + done;
      const off = a & CHUNK_MASK;
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const c = this.chunks[Math.floor(a / CHUNK_SIZE)];
      if (c !== undefined) c.set(pat.subarray(off, off + n), off);
      done += n;
    }
  }

  /** memmove within physical memory (used by compaction and bounce buffers). */
  copy(dstPa: number, srcPa: number, len: number): void {
    this.check(dstPa, len, "copy (destination)");
    this.check(srcPa, len, "copy (source)");
    if (len === 0) return;
    const overlaps = srcPa < dstPa + len && dstPa < srcPa + len;
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
      const sc = this.chunks[Math.floor(s / CHUNK_SIZE)];
      if (sc === undefined && this.chunks[Math.floor(d / CHUNK_SIZE)] === undefined) {
        // Both untouched: the destination already reads as the same pattern bytes only if phases match.
        if ((s & 3) === (d & 3)) {
          done += n;
          continue;
        }
      }
      const src = (sc ?? pattern()).subarray(s & CHUNK_MASK, (s & CHUNK_MASK) + n);
      this.chunkForWrite(Math.floor(d / CHUNK_SIZE)).set(src, d & CHUNK_MASK);
      done += n;
    }
  }

  /**
   * A live view of [pa, pa + len) when it lies in one chunk (materializing it),
   * for zero-copy device paths. Undefined when the range crosses a chunk.
   */
  view(pa: number, len: number): Uint8Array | undefined {
    this.check(pa, len, "view");
    const off = pa & CHUNK_MASK;
    if (off + len > CHUNK_SIZE) return undefined;
    return this.chunkForWrite(Math.floor(pa / CHUNK_SIZE)).subarray(off, off + len);
  }

  readU8(pa: number): number {
    this.check(pa, 1, "readU8");
    return (this.chunks[Math.floor(pa / CHUNK_SIZE)] ?? pattern())[pa & CHUNK_MASK] as number;
  }

  writeU8(pa: number, v: number): void {
    this.check(pa, 1, "writeU8");
    this.chunkForWrite(Math.floor(pa / CHUNK_SIZE))[pa & CHUNK_MASK] = v;
  }

  private readonly tmp8 = new Uint8Array(8);
  private readonly tmpView = new DataView(this.tmp8.buffer);

  readU16(pa: number): number {
    this.read(pa, this.tmp8.subarray(0, 2));
    return this.tmpView.getUint16(0, true);
  }

  readU32(pa: number): number {
    this.read(pa, this.tmp8.subarray(0, 4));
    return this.tmpView.getUint32(0, true);
  }

  readU64(pa: number): bigint {
    this.read(pa, this.tmp8);
    return this.tmpView.getBigUint64(0, true);
  }

  writeU16(pa: number, v: number): void {
    this.tmpView.setUint16(0, v, true);
    this.write(pa, this.tmp8.subarray(0, 2));
  }

  writeU32(pa: number, v: number): void {
    this.tmpView.setUint32(0, v >>> 0, true);
    this.write(pa, this.tmp8.subarray(0, 4));
  }

  writeU64(pa: number, v: bigint): void {
    this.tmpView.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(pa, this.tmp8);
  }
}
