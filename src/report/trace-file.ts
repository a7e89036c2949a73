/**
 * `dmasim run --trace FILE`: the event trace as a file for people and tools.
 * Column-wise (one array per field, no object per event), with named columns,
 * units, and what each column means for each kind of event stated in the
 * file itself. docs/json-output.md describes it; `TraceLog.toJSON()` is the
 * compact in-memory form it is built from.
 */
import type { TraceKind, TraceLog } from "../trace/trace-log.ts";
import { allocationJson, type Json } from "./json-result.ts";

/** The `format` and `version` a trace file declares. */
export const TRACE_FILE_FORMAT = { format: "dmasim-trace", version: 2 } as const;

const ALL: readonly TraceKind[] = ["dmaRead", "dmaWrite", "dmaFault", "interrupt", "allocate", "free", "regRead", "regWrite"];

/** What the `address`, `detail` and `length` columns hold for each kind of event. */
export const TRACE_COLUMN_MEANING: { readonly [column in "address" | "detail" | "length"]: { readonly [kind in TraceKind]: string } } = {
  address: {
    dmaRead: "the logical address the device read (what it was given: an IOVA under an IOMMU)",
    dmaWrite: "the logical address the device wrote",
    dmaFault: "the logical address the device used",
    interrupt: "the interrupt line",
    allocate: "the buffer's VA (a number: its low 48 bits; the canonical VA adds 0xFFFF000000000000)",
    free: "the buffer's VA (low 48 bits)",
    regRead: "the register's physical address (MMIO) or I/O port",
    regWrite: "the register's physical address (MMIO) or I/O port",
  },
  detail: {
    dmaRead: "the physical address reached",
    dmaWrite: "the physical address reached",
    dmaFault: "the physical address, or -1 when translation stopped before one",
    interrupt: "0",
    allocate: "the buffer's logical address (-1 when unknown)",
    free: "the buffer's logical address",
    regRead: "the value read",
    regWrite: "the value written",
  },
  length: {
    dmaRead: "bytes (one physically contiguous run)",
    dmaWrite: "bytes (one physically contiguous run)",
    dmaFault: "bytes of the blocked access",
    interrupt: "0",
    allocate: "bytes the caller asked for",
    free: "bytes of the buffer",
    regRead: "access size in bytes",
    regWrite: "access size in bytes",
  },
};

/**
 * The trace file's object: `format`, `version`, `units`, the `kinds` and
 * `devices` tables, `count` and `dropped`, `columns` (kind and device as
 * indices into the tables, timeNs, address, detail, length), `meaning` (the
 * per-kind meaning of address, detail and length) and the common-buffer
 * `allocations` in the --json shape.
 */
export function traceFile(trace: TraceLog): { [k: string]: Json } {
  const j = trace.toJSON();
  return {
    ...TRACE_FILE_FORMAT,
    units: { timeNs: "simulated nanoseconds since boot", length: "bytes" },
    kinds: [...ALL],
    devices: [...j.devices],
    count: j.count,
    dropped: j.dropped,
    columns: {
      kind: j.kind.map((k) => ALL.indexOf(j.kinds[k] as TraceKind)),
      timeNs: [...j.time],
      device: [...j.device],
      address: [...j.a],
      detail: [...j.b],
      length: [...j.length],
    },
    meaning: TRACE_COLUMN_MEANING,
    allocations: j.allocations.map((a) => allocationJson(a)),
  };
}
