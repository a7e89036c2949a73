/**
 * The common buffers of a run, for the report and --json: from the trace's
 * allocation records when the run was traced, else from the scenario's
 * "commonBuffers" table (columns va, logical, physical, length, cache, device).
 */
import type { Finding } from "../core/findings.ts";
import type { Row } from "../scenarios/scenario.ts";
import type { AllocationRecord } from "../trace/trace-log.ts";
import type { RunRecord } from "./run-record.ts";

/**
 * A common buffer as the report shows it: the trace's allocation record, except
 * that a buffer known only from a scenario's table has no allocation time.
 */
export type BufferInfo = Readonly<Omit<AllocationRecord, "allocatedAt" | "freedAt">> & {
  readonly allocatedAt: number | null;
  readonly freedAt: number | null;
};

/** Parse 0x-hex (with ` or _ separators), decimal, or a number; NaN otherwise. */
export function parseAddress(v: Row[string] | undefined): number {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return NaN;
  const t = v.replace(/[`_\s]/g, "");
  if (/^0x[0-9a-f]+$/i.test(t)) {
    const big = BigInt(t);
    // Canonical kernel VAs (0xFFFF....) are stored as their low 48 bits.
    return Number(big >= 0xffff_0000_0000_0000n ? big & 0xffff_ffff_ffffn : big);
  }
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

function pick(row: Row, names: readonly string[]): Row[string] | undefined {
  for (const [k, v] of Object.entries(row)) if (names.includes(k.toLowerCase().replace(/[^a-z]/g, ""))) return v;
  return undefined;
}

function fromRow(row: Row, i: number): BufferInfo | undefined {
  const va = parseAddress(pick(row, ["va", "virtualaddress", "virtual"]));
  const logical = parseAddress(pick(row, ["logical", "logicaladdress", "la"]));
  const physical = parseAddress(pick(row, ["physical", "physicaladdress", "pa"]));
  const length = parseAddress(pick(row, ["length", "bytes", "size"]));
  if (Number.isNaN(va) || Number.isNaN(length)) return undefined;
  const pagesCell = parseAddress(pick(row, ["pages"]));
  const pages = Number.isNaN(pagesCell) ? Math.ceil(length / 4096) : pagesCell;
  const cache = pick(row, ["cache", "cacheattribute", "caching"]);
  const device = pick(row, ["device", "owner"]);
  const routine = pick(row, ["routine"]);
  return {
    id: i + 1,
    device: typeof device === "string" ? device : "driver",
    routine: typeof routine === "string" ? routine : "",
    va,
    logical: Number.isNaN(logical) ? (Number.isNaN(physical) ? -1 : physical) : logical,
    length,
    pages,
    runs: Number.isNaN(physical) ? [] : [[Math.floor(physical / 4096), pages]],
    cache: typeof cache === "string" ? cache : "",
    deviceMemory: pick(row, ["devicememory"]) === true,
    allocatedAt: null,
    freedAt: null,
  };
}

/** The run's common buffers: the trace's records, else its "commonBuffers" table. */
export function collectBuffers(r: RunRecord): BufferInfo[] {
  const traced = r.trace?.allocations ?? [];
  if (traced.length > 0) return traced.map((a) => ({ ...a }));
  const rows = r.result?.tables?.["commonBuffers"] ?? [];
  const out: BufferInfo[] = [];
  rows.forEach((row, i) => {
    const b = fromRow(row, i);
    if (b !== undefined) out.push(b);
  });
  return out;
}

function numericParams(f: Finding): number[] {
  const out: number[] = [];
  for (const v of Object.values(f.params ?? {})) {
    if (typeof v === "number") out.push(v);
    // A canonical kernel VA (0xFFFF....) compares by its low 48 bits, as buffers store VAs.
    else if (typeof v === "bigint") out.push(Number(v >= 0xffff_0000_0000_0000n ? v & 0xffff_ffff_ffffn : v));
  }
  return out;
}

/**
 * The buffers a finding concerns: those whose VA range, logical range or
 * physical frames contain an address among the finding's parameters.
 */
export function buffersOfFinding(f: Finding, buffers: readonly BufferInfo[]): number[] {
  const values = numericParams(f);
  const ids: number[] = [];
  for (const b of buffers) {
    const span = b.pages * 4096;
    const hit = values.some((v) => (v >= b.va && v < b.va + span) || (b.logical >= 0 && v >= b.logical && v < b.logical + span) || b.runs.some(([p, n]) => v >= p * 4096 && v < (p + n) * 4096));
    if (hit) ids.push(b.id);
  }
  return ids;
}
