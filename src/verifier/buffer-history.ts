/**
 * What the verifier remembers about buffers beyond their shadow records
 * (buffer-table.ts), per table id, for grouping findings and for hints:
 * - a serial number per allocation, so that findings on two buffers stay
 *   apart even when the second reuses the first one's table slot or VA;
 * - for a freed common buffer, which routine freed it, from which driver
 *   site and when, so that a double free or a use after free can name the
 *   first free. Kept as long as the table keeps the freed record (its
 *   quarantine).
 * One typed-array row per table id: a few stores in one cache line per
 * allocation and per free.
 */

export interface FreeRecord {
  /** The routine that freed it (FreeCommonBuffer, HalFreeCommonBuffer, ...). */
  readonly routine: string;
  /** Index of the driver site in the verifier's free-site table. */
  readonly site: number;
  /** Simulated ns. */
  readonly time: number;
}

// One 32-byte row per table id, so that an allocation and a free each touch one cache line.
const R_SERIAL = 0;
/** Free routine index + 1 (0: not freed since allocation). */
const R_ROUTINE = 1;
const R_SITE = 2;
const R_TIME = 3;
const STRIDE = 4;

export class BufferHistory {
  private rows = new Float64Array(1024 * STRIDE);
  private readonly routines: string[] = [];
  private lastRoutine = "";
  private lastRoutineIndex = -1;
  private nextSerial = 1;

  /** A buffer got table id `id`: its serial number. */
  allocated(id: number): number {
    if ((id + 1) * STRIDE > this.rows.length) this.grow(id);
    const serial = this.nextSerial++;
    const o = id * STRIDE;
    this.rows[o + R_SERIAL] = serial;
    this.rows[o + R_ROUTINE] = 0;
    return serial;
  }

  /** Serial number of the buffer now (or last) in table slot `id`; 0 when none. */
  serialOf(id: number): number {
    return id >= 0 && (id + 1) * STRIDE <= this.rows.length ? (this.rows[id * STRIDE + R_SERIAL] as number) : 0;
  }

  /** The buffer in slot `id` was freed by `routine` from free site `site` at `time`. */
  freed(id: number, routine: string, site: number, time: number): void {
    if ((id + 1) * STRIDE > this.rows.length) this.grow(id);
    let r = this.lastRoutineIndex;
    if (routine !== this.lastRoutine) {
      r = this.routines.indexOf(routine);
      if (r < 0) r = this.routines.push(routine) - 1;
      this.lastRoutine = routine;
      this.lastRoutineIndex = r;
    }
    const o = id * STRIDE;
    this.rows[o + R_ROUTINE] = r + 1;
    this.rows[o + R_SITE] = site;
    this.rows[o + R_TIME] = time;
  }

  /** How the buffer in slot `id` was freed, if it was freed since its allocation. */
  freeOf(id: number): FreeRecord | undefined {
    if (id < 0 || (id + 1) * STRIDE > this.rows.length) return undefined;
    const o = id * STRIDE;
    const r = this.rows[o + R_ROUTINE] as number;
    if (r === 0) return undefined;
    return { routine: this.routines[r - 1] ?? "?", site: this.rows[o + R_SITE] as number, time: this.rows[o + R_TIME] as number };
  }

  private grow(id: number): void {
    const n = Math.max((this.rows.length / STRIDE) * 2, id + 1);
    const rows = new Float64Array(n * STRIDE);
    rows.set(this.rows);
    this.rows = rows;
  }
}
