/**
 * Buffer placements for bare-copy baselines. memcpy speed depends on where
 * source and destination sit relative to each other (4 KiB aliasing between
 * them stalls loads behind stores, severalfold), so a baseline is the best of
 * several placements, and a simulated path gets the same choice of source
 * placements.
 */

/** Byte offsets tried for each buffer: cache-line and page-phase variations. */
export const OFFSETS: readonly number[] = [0, 64, 1024 + 192, 2048 + 64, 4096 - 64];

/** One view of `length` bytes at each offset, each in its own backing store, filled with `byte` (the first bytes varied). */
export function placed(length: number, byte: number, offsets: readonly number[] = OFFSETS): Uint8Array[] {
  return offsets.map((off) => {
    const view = new Uint8Array(length + 8192).subarray(off, off + length);
    view.fill(byte);
    for (let i = 0; i < Math.min(256, length); i++) view[i] = i;
    return view;
  });
}

/** Best (smallest) ns per call of dst.set(src) over every source x destination placement, interleaved over rounds. */
export function bestCopyNs(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[], calls: number, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    for (const s of srcs) {
      for (const d of dsts) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) d.set(s);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / calls);
      }
    }
  }
  return best;
}
