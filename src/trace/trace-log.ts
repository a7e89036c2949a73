/**
 * A compact event log of what happened on a simulated machine: DMA traffic,
 * bus faults, interrupts and common-buffer allocations. Columns are typed
 * arrays that grow by doubling (never an object per event); device names are
 * interned to small numbers. Nothing records until a TraceLog is attached
 * (see attach.ts), so an untraced machine pays only the bus's null check.
 */

/** What an event is; the numbers are the stored kind codes. */
export const TRACE_KIND = {
  dmaRead: 0,
  dmaWrite: 1,
  dmaFault: 2,
  interrupt: 3,
  allocate: 4,
  free: 5,
  /** A CPU register access (MMIO or port): a = address or port, b = value, length = access size; device "unclaimed" when no device decodes it. */
  regRead: 6,
  regWrite: 7,
} as const;
/** The kind of a trace event: "dmaRead", "dmaWrite", "dmaFault", "interrupt", "allocate", "free", "regRead", "regWrite". */
export type TraceKind = keyof typeof TRACE_KIND;
const KIND_NAMES = Object.keys(TRACE_KIND) as TraceKind[];

/** One event as the report reads it (only built on export, never stored). */
export interface TraceEvent {
  readonly kind: TraceKind;
  /** Simulated time in ns. */
  readonly time: number;
  readonly device: string;
  /** dma*: logical address; interrupt: vector or line; allocate/free: VA. */
  readonly a: number;
  /** dma*: physical address (-1 when not translated); allocate/free: logical address. */
  readonly b: number;
  /** Length in bytes (0 for interrupts). */
  readonly length: number;
}

/** The JSON export: columns of equal length plus the device table. */
export interface TraceJson {
  readonly devices: readonly string[];
  readonly kinds: readonly TraceKind[];
  readonly count: number;
  /** Per event: kind code (index into `kinds`), time ns, device index, a, b, length. */
  readonly kind: readonly number[];
  readonly time: readonly number[];
  readonly device: readonly number[];
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly length: readonly number[];
  /** Events not stored because the log reached its limit. */
  readonly dropped: number;
  readonly allocations: readonly AllocationRecord[];
}

/**
 * A common-buffer allocation as the report shows it. Allocations are rare next
 * to DMA runs, so each one keeps a small record (physical frames as runs).
 */
export interface AllocationRecord {
  /** 1, 2, ... in allocation order. */
  readonly id: number;
  readonly device: string;
  /** The routine that allocated it (AllocateCommonBuffer, HalAllocateCommonBuffer, ...). */
  readonly routine: string;
  readonly va: number;
  readonly logical: number;
  /** Bytes the caller asked for. */
  readonly length: number;
  readonly pages: number;
  /** Physical page runs [pfn, pages][] in VA order. */
  readonly runs: readonly (readonly [number, number])[];
  readonly cache: string;
  readonly deviceMemory: boolean;
  readonly allocatedAt: number;
  /** Simulated time it was freed, or null while live. */
  freedAt: number | null;
}

/** Page frames in VA order -> [pfn, pages] runs. */
export function pfnRuns(pfns: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < pfns.length; i++) {
    const p = pfns[i] as number;
    const last = out[out.length - 1];
    if (last !== undefined && last[0] + last[1] === p) last[1]++;
    else out.push([p, 1]);
  }
  return out;
}

/** Options of a {@link TraceLog}. */
export interface TraceLogOptions {
  /** Most events kept (later ones are counted in `dropped`); default 1,000,000. */
  readonly limit?: number;
}

/**
 * The event log (see the file comment): fill it with {@link attachTrace};
 * read it with `events()`, `event(i)`, `allocations`, or `toJSON()`
 * (`dmasim run --trace` writes the documented file form, report/trace-file.ts).
 */
export class TraceLog {
  private kinds = new Uint8Array(256);
  private times = new Float64Array(256);
  private devices = new Uint16Array(256);
  private as = new Float64Array(256);
  private bs = new Float64Array(256);
  private lengths = new Float64Array(256);
  private n = 0;
  private droppedCount = 0;
  private readonly limit: number;
  private readonly deviceNames: string[] = [];
  private readonly deviceIndex = new Map<string, number>();
  private readonly allocs: AllocationRecord[] = [];

  constructor(options: TraceLogOptions = {}) {
    const limit = options.limit ?? 1_000_000;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`TraceLog: limit must be a whole number >= 1, got ${limit}`);
    this.limit = limit;
  }

  /** Events stored. */
  get count(): number {
    return this.n;
  }

  /** Events not stored because the log was full (its `limit`). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Append one event. */
  record(kind: TraceKind, time: number, device: string, a: number, b: number, length: number): void {
    const code = TRACE_KIND[kind];
    if (code === undefined) throw new RangeError(`TraceLog.record: unknown event kind "${String(kind)}"`);
    if (this.n >= this.limit) {
      this.droppedCount++;
      return;
    }
    if (this.n === this.kinds.length) this.grow();
    const i = this.n++;
    this.kinds[i] = code;
    this.times[i] = time;
    this.devices[i] = this.internDevice(device);
    this.as[i] = a;
    this.bs[i] = b;
    this.lengths[i] = length;
  }

  /** Common-buffer allocations seen so far (live and freed), in order. */
  get allocations(): readonly AllocationRecord[] {
    return this.allocs;
  }

  /** Record a common-buffer allocation (an "allocate" event plus its record). */
  noteAllocation(a: Omit<AllocationRecord, "id" | "freedAt" | "runs"> & { readonly pfns: ArrayLike<number> }): AllocationRecord {
    const rec: AllocationRecord = { id: this.allocs.length + 1, device: a.device, routine: a.routine, va: a.va, logical: a.logical, length: a.length, pages: a.pages, runs: pfnRuns(a.pfns), cache: a.cache, deviceMemory: a.deviceMemory, allocatedAt: a.allocatedAt, freedAt: null };
    this.allocs.push(rec);
    this.record("allocate", a.allocatedAt, a.device, a.va, a.logical, a.length);
    return rec;
  }

  /** Record the free of the live allocation at `va` (a "free" event); false when none is live there. */
  noteFree(va: number, time: number): boolean {
    for (let i = this.allocs.length - 1; i >= 0; i--) {
      const a = this.allocs[i] as AllocationRecord;
      if (a.va === va && a.freedAt === null) {
        a.freedAt = time;
        this.record("free", time, a.device, a.va, a.logical, a.length);
        return true;
      }
    }
    return false;
  }

  /** Event i (0 <= i < count). */
  event(i: number): TraceEvent {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new RangeError(`TraceLog.event: index ${i} is outside 0..${this.n - 1}`);
    return {
      kind: KIND_NAMES[this.kinds[i] as number] as TraceKind,
      time: this.times[i] as number,
      device: this.deviceNames[this.devices[i] as number] as string,
      a: this.as[i] as number,
      b: this.bs[i] as number,
      length: this.lengths[i] as number,
    };
  }

  /** Every event in order (for tests and small logs). */
  *events(): IterableIterator<TraceEvent> {
    for (let i = 0; i < this.n; i++) yield this.event(i);
  }

  /** Columnar JSON (compact: no per-event objects). */
  toJSON(): TraceJson {
    const n = this.n;
    return {
      devices: [...this.deviceNames],
      kinds: KIND_NAMES,
      count: n,
      kind: Array.from(this.kinds.subarray(0, n)),
      time: Array.from(this.times.subarray(0, n)),
      device: Array.from(this.devices.subarray(0, n)),
      a: Array.from(this.as.subarray(0, n)),
      b: Array.from(this.bs.subarray(0, n)),
      length: Array.from(this.lengths.subarray(0, n)),
      dropped: this.droppedCount,
      allocations: this.allocs.map((a) => ({ ...a })),
    };
  }

  /** Raw columns for aggregation without copies (views valid until the next record). */
  columns(): { kind: Uint8Array; time: Float64Array; device: Uint16Array; a: Float64Array; b: Float64Array; length: Float64Array; devices: readonly string[] } {
    const n = this.n;
    return {
      kind: this.kinds.subarray(0, n),
      time: this.times.subarray(0, n),
      device: this.devices.subarray(0, n),
      a: this.as.subarray(0, n),
      b: this.bs.subarray(0, n),
      length: this.lengths.subarray(0, n),
      devices: this.deviceNames,
    };
  }

  private lastDevice = "";
  private lastDeviceIndex = -1;

  private internDevice(name: string): number {
    // Runs of events from one device are the common case: skip the Map then.
    if (name === this.lastDevice && this.lastDeviceIndex >= 0) return this.lastDeviceIndex;
    let i = this.deviceIndex.get(name);
    if (i === undefined) {
      if (this.deviceNames.length >= 0xffff) throw new RangeError("TraceLog: more than 65535 distinct devices");
      i = this.deviceNames.length;
      this.deviceNames.push(name);
      this.deviceIndex.set(name, i);
    }
    this.lastDevice = name;
    this.lastDeviceIndex = i;
    return i;
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const k = new Uint8Array(size);
    k.set(this.kinds);
    this.kinds = k;
    const t = new Float64Array(size);
    t.set(this.times);
    this.times = t;
    const d = new Uint16Array(size);
    d.set(this.devices);
    this.devices = d;
    const a = new Float64Array(size);
    a.set(this.as);
    this.as = a;
    const b = new Float64Array(size);
    b.set(this.bs);
    this.bs = b;
    const l = new Float64Array(size);
    l.set(this.lengths);
    this.lengths = l;
  }
}
