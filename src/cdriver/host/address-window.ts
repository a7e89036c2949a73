/**
 * The window: how a 32-bit C pointer reaches a 48-bit simulated kernel VA.
 *
 * Kernel VAs the host hands to the driver (common buffers, mapped registers,
 * pool, MDL-described buffers) are given window addresses in the upper 2 GiB
 * of the driver's address space. Each VA mapping gets its own run of window
 * pages, allocated on first use and kept for the mapping's life: its pages
 * plus the kernel's guard page after it (so running past the end faults in
 * the kernel, as on Windows), then one window page mapped to nothing.
 * A page table (one Float64 per window page: the kernel VA of that page)
 * translates back in one lookup.
 *
 * A stale pointer keeps reaching the VA it was made for, as on Windows: if
 * the kernel reuses that VA for another mapping, the pointer reaches it.
 */
import { PAGE_SIZE } from "../../core/address.ts";
import type { VaMapping, VaSpace } from "../../kernel/va-space.ts";
import { WINDOW_BASE, WINDOW_BYTES } from "../abi/memory-layout.ts";

const PAGES = WINDOW_BYTES / PAGE_SIZE;

export class AddressWindow {
  /** Kernel VA of each window page (0: not mapped). */
  private readonly table = new Float64Array(PAGES);
  private readonly base = new WeakMap<VaMapping, number>();
  /** Window pages handed out so far (never reused: a window address means one VA for good). */
  private next = 0;
  private readonly va: VaSpace;

  constructor(va: VaSpace) {
    this.va = va;
  }

  /** Window pages in use. */
  get pagesUsed(): number {
    return this.next;
  }

  /** The C pointer for a kernel VA inside a live mapping; RangeError when the VA is not mapped (a host bug). */
  toC(va: number): number {
    const m = this.va.find(va);
    if (m === undefined) throw new RangeError(`dmasim: kernel VA 0x${va.toString(16)} is not mapped; no C pointer can name it`);
    let b = this.base.get(m);
    if (b === undefined) {
      const pages = m.pages + 1;
      if (this.next + pages + 1 > PAGES) throw new RangeError(`dmasim: the driver's 2 GiB window for simulated memory is full (${this.next} pages handed out); the run maps too much memory for one 32-bit driver`);
      const first = this.next;
      for (let i = 0; i < pages; i++) this.table[first + i] = m.startVa + i * PAGE_SIZE;
      this.next += pages + 1;
      b = WINDOW_BASE + first * PAGE_SIZE;
      this.base.set(m, b);
    }
    return b + (va - m.startVa);
  }

  /** The kernel VA behind a window address, or -1 for a window page mapped to nothing. */
  toKernel(addr: number): number {
    const page = (addr - WINDOW_BASE) >>> 12;
    if (page >= PAGES) return -1;
    const v = this.table[page] as number;
    return v === 0 ? -1 : v + (addr & 0xfff);
  }

  /** True for an address in the window's range (mapped or not). */
  static contains(addr: number): boolean {
    return addr >= WINDOW_BASE && addr < WINDOW_BASE + WINDOW_BYTES;
  }
}
