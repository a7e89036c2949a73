/**
 * Closed-form start positions for a run of `n` pages that must start on a
 * multiple of `align` and must not cross a multiple of `boundary` (0 = none).
 * Both are powers of two. A run that would cross moves to the next boundary
 * (or, searching downward, ends just below the crossed boundary); that new
 * start is still aligned because crossing is only possible when align <
 * boundary, so the boundary is a multiple of the alignment.
 */

/** Lowest valid start >= x, or -1 when no start can satisfy the boundary (n > boundary). */
export function firstValidStart(x: number, n: number, align: number, boundary: number): number {
  let s = align === 1 ? x : Math.ceil(x / align) * align;
  if (boundary !== 0) {
    if (n > boundary) return -1;
    if (Math.floor(s / boundary) !== Math.floor((s + n - 1) / boundary)) s = (Math.floor(s / boundary) + 1) * boundary;
  }
  return s;
}

/** Highest valid start <= x, or -1 when none exists at or above 0. */
export function lastValidStart(x: number, n: number, align: number, boundary: number): number {
  if (x < 0) return -1;
  let s = align === 1 ? x : Math.floor(x / align) * align;
  if (boundary !== 0) {
    if (n > boundary) return -1;
    const m = Math.floor((s + n - 1) / boundary) * boundary;
    if (m > s) s = m - Math.ceil(n / align) * align;
  }
  return s;
}
