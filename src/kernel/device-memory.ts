/**
 * RtlCopyDeviceMemory, RtlFillDeviceMemory and RtlZeroDeviceMemory (wdm.h,
 * volatileaccessk.lib): copies and fills that make only naturally aligned
 * accesses, for memory mapped as Device memory (on ARM64, uncached common
 * buffers), where memcpy, memset, RtlFillMemory and even RtlFillVolatileMemory
 * may make unaligned accesses and fault (KDOC nf-wdm-rtlzerodevicememory).
 * Each call splits the range into an unaligned head done with 1-, 2- and
 * 4-byte accesses, an 8-byte-aligned middle done as 8-byte accesses (one
 * bulk access tagged with width 8), and a tail done with 4-, 2- and 1-byte
 * accesses.
 */
import type { Kernel } from "./kernel.ts";

/**
 * The width of the access at `a` for a range ending at `end` (a < end): the
 * head steps up to 8-byte alignment with the widest aligned access that fits,
 * the 8-byte-aligned middle is one access of width 8 (its length is
 * {@link pieceLength}), the tail steps down with 4-, 2- and 1-byte accesses.
 * One call per piece, so a copy makes no list of pieces.
 */
function pieceWidth(a: number, end: number): 1 | 2 | 4 | 8 {
  if (a % 8 !== 0) return a % 2 !== 0 || end - a < 2 ? 1 : a % 4 !== 0 || end - a < 4 ? 2 : 4;
  const left = end - a;
  return left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

/** Bytes of the piece at `a` whose width pieceWidth gave (the whole aligned middle for width 8). */
function pieceLength(a: number, end: number, width: number): number {
  return width === 8 ? Math.floor((end - a) / 8) * 8 : width;
}

/** RtlFillDeviceMemory(Destination, Length, Fill). */
export function RtlFillDeviceMemory(k: Kernel, Destination: number, Length: number, Fill: number): number {
  if (!Number.isSafeInteger(Length) || Length < 0) throw new RangeError(`RtlFillDeviceMemory: Length must be a byte count, got ${Length}`);
  const end = Destination + Length;
  for (let a = Destination; a < end; ) {
    const w = pieceWidth(a, end);
    const n = pieceLength(a, end, w);
    k.va.write(a, new Uint8Array(n).fill(Fill & 0xff), w);
    a += n;
  }
  return Destination;
}

/** RtlZeroDeviceMemory(Destination, Length). */
export function RtlZeroDeviceMemory(k: Kernel, Destination: number, Length: number): number {
  return RtlFillDeviceMemory(k, Destination, Length, 0);
}

/**
 * RtlCopyDeviceMemory(Destination, Source, Length): the accesses are aligned
 * on the side that is Device memory (the destination's alignment decides the
 * split; the source is read with the same widths).
 */
export function RtlCopyDeviceMemory(k: Kernel, Destination: number, Source: number, Length: number): number {
  if (!Number.isSafeInteger(Length) || Length < 0) throw new RangeError(`RtlCopyDeviceMemory: Length must be a byte count, got ${Length}`);
  const srcOnDevice = k.va.find(Source)?.deviceMemory === true && k.va.find(Destination)?.deviceMemory !== true;
  const base = srcOnDevice ? Source : Destination;
  const end = base + Length;
  for (let a = base; a < end; ) {
    const w = pieceWidth(a, end);
    const n = pieceLength(a, end, w);
    const off = a - base;
    a += n;
    // Staged through one reused buffer (a packet's worth per call would be garbage on every receive); head and tail pieces through fixed views.
    if (staging.length < n) staging = new Uint8Array(Math.max(n, staging.length * 2));
    const tmp = n === 1 ? narrow1 : n === 2 ? narrow2 : n === 4 ? narrow4 : n === staging.length ? staging : staging.subarray(0, n);
    // The Device-memory side is accessed with aligned widths; the other side is plain memory.
    k.va.read(Source + off, tmp, srcOnDevice ? w : 0);
    k.va.write(Destination + off, tmp, srcOnDevice ? 0 : w);
  }
  return Destination;
}

/** RtlCopyDeviceMemory's staging buffer (each piece is read whole, then written, before the next). */
let staging = new Uint8Array(4096);
const narrowBytes = new Uint8Array(4);
const narrow1 = narrowBytes.subarray(0, 1);
const narrow2 = narrowBytes.subarray(0, 2);
const narrow4 = narrowBytes;
