/**
 * The report's timeline: trace events folded into time bins per device
 * (bytes read and written by DMA, interrupts), plus the rare events
 * (allocations, frees, faults) as individual markers. The page gets these
 * aggregates, never the raw event log.
 */
import { TRACE_KIND, type TraceLog } from "../trace/trace-log.ts";

/** Counts over a whole trace (the --json `trace` object); bytes are bytes. */
export interface TraceSummary {
  readonly events: number;
  readonly dropped: number;
  readonly dmaReads: number;
  readonly dmaReadBytes: number;
  readonly dmaWrites: number;
  readonly dmaWriteBytes: number;
  readonly faults: number;
  readonly interrupts: number;
  readonly allocations: number;
  readonly frees: number;
}

/** Count a trace's events by kind, and the bytes devices read and wrote. */
export function summarizeTrace(t: TraceLog): TraceSummary {
  const c = t.columns();
  let dmaReads = 0;
  let dmaReadBytes = 0;
  let dmaWrites = 0;
  let dmaWriteBytes = 0;
  let faults = 0;
  let interrupts = 0;
  let allocations = 0;
  let frees = 0;
  for (let i = 0; i < c.kind.length; i++) {
    const k = c.kind[i];
    const len = c.length[i] as number;
    if (k === TRACE_KIND.dmaRead) {
      dmaReads++;
      dmaReadBytes += len;
    } else if (k === TRACE_KIND.dmaWrite) {
      dmaWrites++;
      dmaWriteBytes += len;
    } else if (k === TRACE_KIND.dmaFault) faults++;
    else if (k === TRACE_KIND.interrupt) interrupts++;
    else if (k === TRACE_KIND.allocate) allocations++;
    else if (k === TRACE_KIND.free) frees++;
  }
  return { events: c.kind.length, dropped: t.dropped, dmaReads, dmaReadBytes, dmaWrites, dmaWriteBytes, faults, interrupts, allocations, frees };
}

/** An allocation, free or fault drawn as a marker on the timeline (fields as in a TraceEvent). */
export interface TimelineMarker {
  readonly kind: "allocate" | "free" | "dmaFault";
  readonly time: number;
  readonly device: string;
  readonly a: number;
  readonly b: number;
  readonly length: number;
}

/** A trace folded into time slices for the report's timeline ({@link buildTimeline}). */
export interface TimelineData {
  /** Simulated ns of the first and last event (equal when there is at most one). */
  readonly start: number;
  readonly end: number;
  readonly binCount: number;
  readonly devices: readonly string[];
  /** [device][bin] bytes. */
  readonly readBytes: readonly (readonly number[])[];
  readonly writeBytes: readonly (readonly number[])[];
  readonly interrupts: readonly (readonly number[])[];
  readonly markers: readonly TimelineMarker[];
  readonly summary: TraceSummary;
}

function addAt(a: Float64Array, i: number, v: number): void {
  a[i] = (a[i] as number) + v;
}

/** Fold a trace into `binCount` bins; at most `maxMarkers` markers are kept (the first ones). */
export function buildTimeline(t: TraceLog, binCount = 240, maxMarkers = 500): TimelineData {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`buildTimeline: binCount must be a whole number >= 1, got ${binCount}`);
  const c = t.columns();
  const n = c.kind.length;
  let start = Infinity;
  let end = -Infinity;
  for (let i = 0; i < n; i++) {
    const tm = c.time[i] as number;
    if (tm < start) start = tm;
    if (tm > end) end = tm;
  }
  if (n === 0) {
    start = 0;
    end = 0;
  }
  const span = end - start;
  const devs = c.devices.length;
  const mk = (): Float64Array[] => Array.from({ length: devs }, () => new Float64Array(binCount));
  const rd = mk();
  const wr = mk();
  const irq = mk();
  const markers: TimelineMarker[] = [];
  for (let i = 0; i < n; i++) {
    const k = c.kind[i];
    const tm = c.time[i] as number;
    const d = c.device[i] as number;
    const bin = span === 0 ? 0 : Math.min(binCount - 1, Math.floor(((tm - start) / span) * binCount));
    if (k === TRACE_KIND.dmaRead) addAt(rd[d] as Float64Array, bin, c.length[i] as number);
    else if (k === TRACE_KIND.dmaWrite) addAt(wr[d] as Float64Array, bin, c.length[i] as number);
    else if (k === TRACE_KIND.interrupt) addAt(irq[d] as Float64Array, bin, 1);
    else if (markers.length < maxMarkers) {
      const kind = k === TRACE_KIND.allocate ? "allocate" : k === TRACE_KIND.free ? "free" : "dmaFault";
      markers.push({ kind, time: tm, device: c.devices[d] as string, a: c.a[i] as number, b: c.b[i] as number, length: c.length[i] as number });
    }
  }
  return {
    start,
    end,
    binCount,
    devices: [...c.devices],
    readBytes: rd.map((a) => Array.from(a)),
    writeBytes: wr.map((a) => Array.from(a)),
    interrupts: irq.map((a) => Array.from(a)),
    markers,
    summary: summarizeTrace(t),
  };
}
