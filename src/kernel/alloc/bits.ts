/**
 * Word-level bit helpers for page-frame bitmaps (bit i of word w = frame 32*w + i).
 * Everything works on 32-bit words so bulk operations never loop per page.
 */

/** Number of set bits in a 32-bit word. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Count of trailing zero bits (32 for 0). */
export function ctz32(x: number): number {
  if (x === 0) return 32;
  return 31 - Math.clz32(x & -x);
}

/** Mask of bits [lo, hi) within one word (0 <= lo <= hi <= 32). */
export function bitRangeMask(lo: number, hi: number): number {
  if (hi <= lo) return 0;
  const upper = hi >= 32 ? 0xffffffff : (1 << hi) - 1;
  const lower = lo >= 32 ? 0xffffffff : (1 << lo) - 1;
  return (upper & ~lower) >>> 0;
}

/** Set bits of frames [start, end) in a bitmap. */
export function setBits(bits: Uint32Array, start: number, end: number): void {
  applyBits(bits, start, end, true);
}

/** Clear bits of frames [start, end) in a bitmap. */
export function clearBits(bits: Uint32Array, start: number, end: number): void {
  applyBits(bits, start, end, false);
}

function applyBits(bits: Uint32Array, start: number, end: number, on: boolean): void {
  if (end <= start) return;
  const w0 = Math.floor(start / 32);
  const w1 = Math.floor((end - 1) / 32);
  if (w0 === w1) {
    const m = bitRangeMask(start - w0 * 32, end - w0 * 32);
    bits[w0] = on ? (bits[w0] as number) | m : (bits[w0] as number) & ~m;
    return;
  }
  const m0 = bitRangeMask(start - w0 * 32, 32);
  const m1 = bitRangeMask(0, end - w1 * 32);
  bits[w0] = on ? (bits[w0] as number) | m0 : (bits[w0] as number) & ~m0;
  bits[w1] = on ? (bits[w1] as number) | m1 : (bits[w1] as number) & ~m1;
  if (w1 > w0 + 1) bits.fill(on ? 0xffffffff : 0, w0 + 1, w1);
}

/** Whether the bit of `pfn` is set. */
export function testBit(bits: Uint32Array, pfn: number): boolean {
  return (((bits[pfn >>> 5] as number) >>> (pfn & 31)) & 1) === 1;
}

/** Set bits among frames [start, end), reading words through `word` (so any bitmap source works). */
export function countBits(word: (index: number) => number, start: number, end: number): number {
  if (end <= start) return 0;
  const w0 = Math.floor(start / 32);
  const w1 = Math.floor((end - 1) / 32);
  if (w0 === w1) return popcount32(word(w0) & bitRangeMask(start - w0 * 32, end - w0 * 32));
  let n = popcount32(word(w0) & bitRangeMask(start - w0 * 32, 32)) + popcount32(word(w1) & bitRangeMask(0, end - w1 * 32));
  for (let w = w0 + 1; w < w1; w++) n += popcount32(word(w));
  return n;
}

/** Set bits among frames [start, end) of a Uint32Array bitmap (no callback per word). */
export function countBitsIn(bits: Uint32Array, start: number, end: number): number {
  if (end <= start) return 0;
  const w0 = Math.floor(start / 32);
  const w1 = Math.floor((end - 1) / 32);
  if (w0 === w1) return popcount32((bits[w0] as number) & bitRangeMask(start - w0 * 32, end - w0 * 32));
  let n = popcount32((bits[w0] as number) & bitRangeMask(start - w0 * 32, 32)) + popcount32((bits[w1] as number) & bitRangeMask(0, end - w1 * 32));
  for (let w = w0 + 1; w < w1; w++) {
    const x = bits[w] as number;
    if (x !== 0) n += popcount32(x);
  }
  return n;
}

/**
 * Calls `fn(start, length)` for every maximal run of set bits inside [start, end),
 * in address order, reading words through `word`. All-zero and all-one words
 * cost one comparison each.
 */
export function forEachRun(word: (index: number) => number, start: number, end: number, fn: (runStart: number, runLength: number) => void): void {
  if (end <= start) return;
  let runStart = -1;
  const w0 = Math.floor(start / 32);
  const w1 = Math.floor((end - 1) / 32);
  for (let w = w0; w <= w1; w++) {
    let x = word(w) >>> 0;
    const base = w * 32;
    if (w === w0 || w === w1) x = (x & bitRangeMask(w === w0 ? start - base : 0, w === w1 ? end - base : 32)) >>> 0;
    if (x === 0xffffffff) {
      if (runStart < 0) runStart = base;
      continue;
    }
    if (x === 0) {
      if (runStart >= 0) {
        fn(runStart, base - runStart);
        runStart = -1;
      }
      continue;
    }
    let bit = 0;
    while (bit < 32) {
      const rest = bit === 0 ? x : x >>> bit;
      if (runStart >= 0) {
        // Inside a run: it continues over the ones starting at `bit`.
        const ones = ctz32(~rest);
        if (bit + ones >= 32) break;
        fn(runStart, base + bit + ones - runStart);
        runStart = -1;
        bit += ones;
      } else {
        if (rest === 0) break;
        bit += ctz32(rest);
        runStart = base + bit;
      }
    }
  }
  if (runStart >= 0) fn(runStart, Math.min(end, (w1 + 1) * 32) - runStart);
}
