/**
 * What the verifier remembers about buffers beyond their shadow records
 * (buffer-table.ts), for grouping findings and for hints that help fix them:
 * - a serial number per allocation, so that findings on two buffers stay
 *   apart even when the second reuses the first one's table slot or VA;
 * - for recently freed common buffers, where (driver site) and when they were
 *   freed, so that a double free or a use after free can name the first free.
 * O(1) per allocation and free; at most FREED_REMEMBERED frees are kept.
 */

/** Freed common buffers remembered (the buffer table's quarantine keeps as many). */
export const FREED_REMEMBERED = 4096;

export interface FreeRecord {
  readonly serial: number;
  /** The routine that freed it (FreeCommonBuffer, HalFreeCommonBuffer, ...). */
  readonly routine: string;
  /** The driver line that called it ("file:line:col (function)"). */
  readonly site: string;
  /** Simulated ns. */
  readonly time: number;
}

export class BufferHistory {
  private serials = new Float64Array(1024);
  private nextSerial = 1;
  /** VA -> serial of the live or recently freed common buffer there. */
  private readonly byVa = new Map<number, number>();
  /** VA -> how it was freed, oldest first (Map order) for eviction. */
  private readonly freed = new Map<number, FreeRecord>();

  /** A buffer got table id `id` (and, for a common buffer, VA `va`): its serial number. */
  allocated(id: number, va: number | null): number {
    if (id >= this.serials.length) {
      const grown = new Float64Array(Math.max(this.serials.length * 2, id + 1));
      grown.set(this.serials);
      this.serials = grown;
    }
    const serial = this.nextSerial++;
    this.serials[id] = serial;
    if (va !== null) {
      this.byVa.set(va, serial);
      this.freed.delete(va);
    }
    return serial;
  }

  /** Serial number of the buffer now (or last) in table slot `id`; 0 when none. */
  serialOf(id: number): number {
    return id >= 0 && id < this.serials.length ? (this.serials[id] as number) : 0;
  }

  /** Serial number of the live or recently freed common buffer at `va`; 0 when none. */
  serialAtVa(va: number): number {
    return this.byVa.get(va) ?? 0;
  }

  /** The common buffer at `va` was freed by `routine` from `site` at `time`. */
  freedAt(va: number, routine: string, site: string, time: number): void {
    const serial = this.byVa.get(va) ?? 0;
    this.freed.delete(va);
    this.freed.set(va, { serial, routine, site, time });
    if (this.freed.size > FREED_REMEMBERED) {
      const oldest = this.freed.entries().next();
      if (oldest.done !== true) {
        const [ova, rec] = oldest.value;
        this.freed.delete(ova);
        if (this.byVa.get(ova) === rec.serial) this.byVa.delete(ova);
      }
    }
  }

  /** How the common buffer at `va` was freed, when it was freed recently and not reallocated since. */
  freeOf(va: number): FreeRecord | undefined {
    return this.freed.get(va);
  }
}
