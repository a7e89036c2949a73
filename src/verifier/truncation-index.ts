/**
 * Live DMA targets whose logical address is at or above 4 GiB, indexed by
 * the low 32 bits of each page's logical address. A driver (or a chip's
 * 32-bit register) that truncates a 64-bit logical address sends the device
 * to LowPart; when that faults, one hash lookup names the buffer the address
 * was cut from. Only buffers above 4 GiB pay (one hash entry per page).
 */
import { NumHash } from "./num-hash.ts";

const PAGE = 4096;
const FOUR_GIB = 2 ** 32;
const PAGES_PER_4GIB = FOUR_GIB / PAGE;

export class TruncationIndex {
  private readonly byLowPage = new NumHash(256);

  /** Index buffer `id`: `pages` pages from `logical`. */
  add(id: number, logical: number, pages: number): void {
    if (logical + pages * PAGE <= FOUR_GIB) return;
    const first = Math.floor(logical / PAGE);
    for (let p = 0; p < pages; p++) {
      const lpn = first + p;
      if (lpn >= PAGES_PER_4GIB) this.byLowPage.set(lpn % PAGES_PER_4GIB, id);
    }
  }

  /** Drop buffer `id` (a page whose entry another buffer took since is left alone). */
  remove(id: number, logical: number, pages: number): void {
    if (logical + pages * PAGE <= FOUR_GIB) return;
    const first = Math.floor(logical / PAGE);
    for (let p = 0; p < pages; p++) {
      const lpn = first + p;
      if (lpn >= PAGES_PER_4GIB) this.byLowPage.delete(lpn % PAGES_PER_4GIB, id);
    }
  }

  /** The buffer one of whose pages at or above 4 GiB has the low 32 bits of `address` (below 4 GiB), or -1. */
  find(address: number): number {
    if (address < 0 || address >= FOUR_GIB) return -1;
    return this.byLowPage.get(Math.floor(address / PAGE));
  }
}
