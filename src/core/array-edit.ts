/**
 * In-place edits of an ordered array that allocate nothing: splice returns
 * the array of what it removed (an empty one for an insertion), which on a
 * per-request or per-mapping path is garbage every time.
 */

/**
 * Remove element `i` of `a` (0 <= i < a.length), keeping the order. Unlike
 * splice it allocates nothing (splice makes the array of what it removed),
 * which matters on a per-request path.
 */
export function removeAt<T>(a: T[], i: number): void {
  if (i === 0) {
    a.shift();
    return;
  }
  for (let j = i + 1; j < a.length; j++) a[j - 1] = a[j] as T;
  a.pop();
}

/** Insert `x` at index `i` of `a` (0 <= i <= a.length), moving the later elements up: splice(i, 0, x) without its result. */
export function insertAt<T>(a: T[], i: number, x: T): void {
  if (i === a.length) {
    a.push(x);
    return;
  }
  a.push(a[a.length - 1] as T);
  for (let j = a.length - 2; j > i; j--) a[j] = a[j - 1] as T;
  a[i] = x;
}
