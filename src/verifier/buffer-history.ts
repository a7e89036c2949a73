/**
 * What the verifier remembers about buffers beyond their shadow records
 * (buffer-table.ts), per table id, for grouping findings and for hints:
 * - a serial number per allocation, so that findings on two buffers stay
 *   apart even when the second reuses the first one's table slot or VA;
 * - for a freed common buffer, which routine freed it, from which driver
 *   site and when, so that a double free or a use after free can name the
 *   first free. Kept as long as the table keeps the freed record (its
 *   quarantine).
 * Typed arrays indexed by table id: a few stores per allocation and free.
 */

export interface FreeRecord {
  /** The routine that freed it (FreeCommonBuffer, HalFreeCommonBuffer, ...). */
  readonly routine: string;
  /** Index of the driver site in the verifier's free-site table. */
  readonly site: number;
  /** Simulated ns. */
  readonly time: number;
}

export class BufferHistory {
  private serials = new Float64Array(1024);
  /** Free routine index + 1 (0: not freed since allocation). */
  private freeRoutine = new Uint8Array(1024);
  private freeSite = new Int32Array(1024);
  private freeTime = new Float64Array(1024);
  private readonly routines: string[] = [];
  private lastRoutine = "";
  private lastRoutineIndex = -1;
  private nextSerial = 1;

  /** A buffer got table id `id`: its serial number. */
  allocated(id: number): number {
    if (id >= this.serials.length) this.grow(id);
    const serial = this.nextSerial++;
    this.serials[id] = serial;
    this.freeRoutine[id] = 0;
    return serial;
  }

  /** Serial number of the buffer now (or last) in table slot `id`; 0 when none. */
  serialOf(id: number): number {
    return id >= 0 && id < this.serials.length ? (this.serials[id] as number) : 0;
  }

  /** The buffer in slot `id` was freed by `routine` from free site `site` at `time`. */
  freed(id: number, routine: string, site: number, time: number): void {
    if (id >= this.serials.length) this.grow(id);
    let r = this.lastRoutineIndex;
    if (routine !== this.lastRoutine) {
      r = this.routines.indexOf(routine);
      if (r < 0) r = this.routines.push(routine) - 1;
      this.lastRoutine = routine;
      this.lastRoutineIndex = r;
    }
    this.freeRoutine[id] = r + 1;
    this.freeSite[id] = site;
    this.freeTime[id] = time;
  }

  /** How the buffer in slot `id` was freed, if it was freed since its allocation. */
  freeOf(id: number): FreeRecord | undefined {
    if (id < 0 || id >= this.serials.length) return undefined;
    const r = this.freeRoutine[id] as number;
    if (r === 0) return undefined;
    return { routine: this.routines[r - 1] ?? "?", site: this.freeSite[id] as number, time: this.freeTime[id] as number };
  }

  private grow(id: number): void {
    const n = Math.max(this.serials.length * 2, id + 1);
    const serials = new Float64Array(n);
    serials.set(this.serials);
    this.serials = serials;
    const routine = new Uint8Array(n);
    routine.set(this.freeRoutine);
    this.freeRoutine = routine;
    const site = new Int32Array(n);
    site.set(this.freeSite);
    this.freeSite = site;
    const time = new Float64Array(n);
    time.set(this.freeTime);
    this.freeTime = time;
  }
}
