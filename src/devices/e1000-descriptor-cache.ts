/**
 * The 8254x's on-chip descriptor buffer, one per ring. The SDM (3.2.4,
 * receive descriptor fetching; transmit fetching works the same way) says
 * the chip keeps 64 descriptors on chip and fetches them in bursts: when
 * the on-chip buffer is empty it fetches as soon as descriptors are
 * available, as many as it has room for, and never beyond the tail. With
 * RXDCTL/TXDCTL at their reset values (PTHRESH 0) it does not prefetch
 * before the buffer runs empty. A burst stops at the end of the ring (the
 * next one starts at the base: the addresses are not contiguous across the
 * wrap).
 *
 * What a burst read gives is what the ring held then; the descriptors it
 * covers are the chip's (between head and tail), so a driver keeping to
 * the ownership rule cannot tell when they were read.
 */
import type { DeviceDma } from "../machine/device-model.ts";

/** Descriptors the chip keeps on chip per ring (8254x SDM 3.2.4: 64). */
export const E1000_ON_CHIP_DESCRIPTORS = 64;
/** Legacy descriptors are 16 bytes. */
const DESC = 16;

/** A ring's on-chip descriptors: the ones fetched and not yet processed, in ring order from the head. */
export class DescriptorCache {
  /** The fetched descriptors, `count` of them, the next to process at `pos`. */
  readonly bytes = new Uint8Array(E1000_ON_CHIP_DESCRIPTORS * DESC);
  readonly view = new DataView(this.bytes.buffer);
  /** bytes[0, k * 16) for each burst length k (the bus takes exactly the part it fills). */
  private readonly bursts: Uint8Array[] = Array.from({ length: E1000_ON_CHIP_DESCRIPTORS + 1 }, (_, k) => this.bytes.subarray(0, k * DESC));
  private count = 0;
  private pos = 0;
  /** Bursts read from host memory (each one bus read). */
  fetches = 0;

  /** Descriptors fetched and not yet processed. */
  get held(): number {
    return this.count - this.pos;
  }

  /** Forget what is held (a reset, a new ring base or head). */
  clear(): void {
    this.count = 0;
    this.pos = 0;
  }

  /**
   * The byte offset in `bytes` of the descriptor at ring index `index` (the
   * ring's next to process), fetching a burst first when nothing is held:
   * up to E1000_ON_CHIP_DESCRIPTORS from `index`, no further than `tail` or
   * the ring's end. -1 when the bus blocked the burst (nothing is held then).
   */
  next(dma: DeviceDma, ringBase: number, index: number, tail: number, n: number): number {
    if (this.pos < this.count) return this.pos * DESC;
    const available = (tail - index + n) % n;
    const k = Math.min(E1000_ON_CHIP_DESCRIPTORS, available, n - index);
    this.count = 0;
    this.pos = 0;
    if (k <= 0) throw new RangeError(`e1000 descriptor fetch: no descriptor between index ${index} and tail ${tail} of a ${n}-descriptor ring`);
    this.fetches++;
    if (!dma.read(ringBase + index * DESC, this.bursts[k] as Uint8Array)) return -1;
    this.count = k;
    return 0;
  }

  /** The descriptor next() gave has been processed. */
  advance(): void {
    this.pos++;
  }

  /**
   * The tail moved to `tail` with the head at `index`: what is held must
   * still lie between them (a tail written backwards takes descriptors back,
   * a driver bug the chip does not survive gracefully either); if not,
   * forget it.
   */
  tailMoved(index: number, tail: number, n: number): void {
    if (this.held > 0 && (n === 0 || this.held > (tail - index + n) % n)) this.clear();
  }
}
