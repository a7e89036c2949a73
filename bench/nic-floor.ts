/**
 * The bytes floor of one loopback frame: the host time of the work on a
 * frame's bytes that any simulation of the loopback must do, with no
 * simulation around it. It is the NIC figures' physical limit on this host,
 * as a bulk copy is the compaction bytes path's:
 *
 *   1. the application puts the frame in its send buffer (one copy from its
 *      payload pool);
 *   2. the chip moves it over the wire from the TX buffer to an RX buffer
 *      (one copy in memory: the least a DMA read and a DMA write can cost);
 *   3. the chip sums it for the receive descriptor's packet checksum (the
 *      8254x writes one for every frame);
 *   4. the driver copies it from the RX buffer into the read request's buffer;
 *   5. the application compares it with what it sent.
 *
 * Copies are TypedArray.set / copyWithin; the sum and the compare read whole
 * words, four at a step. The best of several buffer placements (placements.ts)
 * over several rounds, so the floor is the fastest this host does it. The
 * compare's result is checked, so no step can be optimized away.
 */
import { OFFSETS } from "./placements.ts";

/** Bytes each buffer slot of the floor's rings holds (a frame and slack). */
const SLOT = 2048;
/** Slots in the floor's TX and RX rings (as many as the simulated rings: the frames' bytes do not all sit in the L1 cache). */
const SLOTS = 64;

/** A ring of SLOTS slots at byte offset `off` of its own backing store, as words. */
function ring(off: number): Int32Array {
  return new Int32Array(new ArrayBuffer(SLOTS * SLOT + 8192), off & ~3, (SLOTS * SLOT) / 4);
}

/** The 16-bit ones'-complement sum of `words` words from word `from`, as big-endian 16-bit words (the sum of little-endian halves, byte-swapped: RFC 1071). */
function onesSum(w: Int32Array, from: number, words: number): number {
  let a = 0;
  let b = 0;
  const end = from + words;
  let k = from;
  for (; k + 3 < end; k += 4) {
    const x = w[k] as number;
    const y = w[k + 1] as number;
    const z = w[k + 2] as number;
    const v = w[k + 3] as number;
    a += (x & 0xffff) + (y & 0xffff) + (z & 0xffff) + (v & 0xffff);
    b += (x >>> 16) + (y >>> 16) + (z >>> 16) + (v >>> 16);
  }
  for (; k < end; k++) {
    const x = w[k] as number;
    a += x & 0xffff;
    b += x >>> 16;
  }
  let s = a + b;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ((s & 0xff) << 8) | (s >>> 8);
}

/**
 * Best host nanoseconds for the bytes work of one `length`-byte frame (steps
 * 1-5 above), over `rounds` rounds of `frames` frames at each placement.
 * Throws if a compare fails (the floor's own copies lost bytes).
 */
export function bytesFloorNs(length: number, frames: number, rounds: number): number {
  if (!Number.isInteger(length) || length <= 0 || length > SLOT || length % 4 !== 0) throw new RangeError("bytesFloorNs: length must be a multiple of 4 from 4 to 2048");
  const words = length >>> 2;
  const pool = new Int32Array(8192);
  let x = 0x2545_f491;
  for (let k = 0; k < pool.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool[k] = x;
  }
  const got = new Int32Array(SLOT / 4);
  let best = Infinity;
  let checksum = 0;
  for (let r = 0; r < rounds; r++) {
    for (const off of OFFSETS) {
      const tx = ring(0);
      const rx = ring(off);
      const t0 = process.hrtime.bigint();
      for (let f = 0; f < frames; f++) {
        const slot = (f % SLOTS) * (SLOT / 4);
        const p = (f * 97) % (pool.length - words);
        tx.set(pool.subarray(p, p + words), slot); // 1
        rx.set(tx.subarray(slot, slot + words), slot); // 2
        checksum = (checksum + onesSum(rx, slot, words)) & 0xffff; // 3
        got.set(rx.subarray(slot, slot + words)); // 4
        let k = 0; // 5
        let bad = 0;
        for (; k + 3 < words; k += 4) bad |= ((got[k] as number) ^ (pool[p + k] as number)) | ((got[k + 1] as number) ^ (pool[p + k + 1] as number)) | ((got[k + 2] as number) ^ (pool[p + k + 2] as number)) | ((got[k + 3] as number) ^ (pool[p + k + 3] as number));
        for (; k < words; k++) bad |= (got[k] as number) ^ (pool[p + k] as number);
        if (bad !== 0) throw new Error(`the NIC bytes floor lost bytes in frame ${f}`);
      }
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / frames);
    }
  }
  // The sums feed the result's last bit (0 or 1 ns out of hundreds), so no engine can drop them.
  return best + (checksum & 1) * 1e-9;
}
