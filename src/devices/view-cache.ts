/**
 * Views of one byte buffer by (offset, length), kept for reuse. A device
 * model hands the bus a part of its own buffer as a Uint8Array of exactly
 * that part (DeviceDma.read/write take no offset); the same parts come back
 * access after access (a frame gathered at offset 0, a transfer's window of
 * SRAM), so the model reuses the view instead of making a subarray each
 * time. Only views are kept, never data: every access still goes to the bus.
 */

/** Direct-mapped: a (offset, length) that lands on a taken slot replaces what was there. */
export class ViewCache {
  /** The buffer the views are of. */
  readonly bytes: Uint8Array;
  /** offset * 2^32 + length of the view in each slot; -1 = empty. */
  private readonly keys: Float64Array;
  private readonly views: Uint8Array[];
  private readonly shift: number;

  /** A cache of views of `bytes` with 2^`bits` slots (1..12). */
  constructor(bytes: Uint8Array, bits = 6) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 12) throw new RangeError(`ViewCache: bits must be a whole number from 1 to 12, got ${String(bits)}`);
    this.bytes = bytes;
    this.keys = new Float64Array(1 << bits).fill(-1);
    this.views = new Array<Uint8Array>(1 << bits).fill(bytes);
    this.shift = 32 - bits;
  }

  /** bytes[offset, offset + length) as a view; the same object as last time when it is still in its slot. */
  view(offset: number, length: number): Uint8Array {
    const key = offset * 0x1_0000_0000 + length;
    const slot = (Math.imul(offset, 0x9e37_79b1) ^ Math.imul(length, 0x85eb_ca6b)) >>> this.shift;
    if (this.keys[slot] === key) return this.views[slot] as Uint8Array;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.bytes.length) throw new RangeError(`ViewCache.view: ${String(length)} bytes at ${String(offset)} are not inside the ${this.bytes.length}-byte buffer`);
    const v = this.bytes.subarray(offset, offset + length);
    this.keys[slot] = key;
    this.views[slot] = v;
    return v;
  }
}
