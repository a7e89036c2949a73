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

function pieces(va: number, length: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let a = va;
  const end = va + length;
  // Head: step up to 8-byte alignment with the widest aligned access that fits.
  while (a < end && a % 8 !== 0) {
    const w = a % 2 !== 0 || end - a < 2 ? 1 : a % 4 !== 0 || end - a < 4 ? 2 : 4;
    out.push([a, w, w]);
    a += w;
  }
  const mid = Math.floor((end - a) / 8) * 8;
  if (mid > 0) {
    out.push([a, mid, 8]);
    a += mid;
  }
  while (a < end) {
    const w = end - a >= 4 ? 4 : end - a >= 2 ? 2 : 1;
    out.push([a, w, w]);
    a += w;
  }
  return out;
}

/** RtlFillDeviceMemory(Destination, Length, Fill). */
export function RtlFillDeviceMemory(k: Kernel, Destination: number, Length: number, Fill: number): number {
  if (!Number.isSafeInteger(Length) || Length < 0) throw new RangeError(`RtlFillDeviceMemory: Length must be a byte count, got ${Length}`);
  for (const [a, n, w] of pieces(Destination, Length)) k.va.write(a, new Uint8Array(n).fill(Fill & 0xff), w);
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
  for (const [a, n, w] of pieces(base, Length)) {
    const off = a - base;
    // Staged through one reused buffer (a packet's worth per call would be garbage on every receive).
    if (staging.length < n) staging = new Uint8Array(Math.max(n, staging.length * 2));
    const tmp = n === staging.length ? staging : staging.subarray(0, n);
    // The Device-memory side is accessed with aligned widths; the other side is plain memory.
    k.va.read(Source + off, tmp, srcOnDevice ? w : 0);
    k.va.write(Destination + off, tmp, srcOnDevice ? 0 : w);
  }
  return Destination;
}

/** RtlCopyDeviceMemory's staging buffer (each piece is read whole, then written, before the next). */
let staging = new Uint8Array(4096);
