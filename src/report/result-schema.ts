/**
 * The shapes of what the command writes for tools: `dmasim run --json`
 * (one run), `dmasim demo --json` ({ runs, report }) and the `--trace` file,
 * as zod schemas; `dmasim schema result|trace` prints them as JSON Schema.
 * Tests hold runToJson and traceFile to them, so the documented shape is the
 * real one.
 */
import { z } from "zod";

const hex = z.string().regex(/^0x[0-9A-F]+$/).describe('a hex string: "0x" and upper-case digits');
const va = z.string().regex(/^0x[0-9A-F]{16}$/).describe('a kernel VA, canonical 64-bit: "0xFFFFC00000001000"');
const ns = z.number().describe("simulated time in ns");
const paramValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** A common buffer in --json and the trace file. */
export const allocationSchema = z.object({
  id: z.number().int().describe("1, 2, ... in allocation order"),
  device: z.string().describe("the profile's device name"),
  routine: z.string().describe("the routine that allocated it"),
  va,
  logical: hex.nullable().describe("the logical address the device was given (an IOVA under an IOMMU); null when unknown"),
  physical: hex.nullable().describe("the physical address of its first byte"),
  length: z.number().int().describe("bytes the caller asked for"),
  pages: z.number().int().describe("whole pages allocated"),
  runs: z.array(z.object({ pfn: z.number().int(), pages: z.number().int() })).describe("physically contiguous runs of page frames, in VA order"),
  cache: z.string().describe('"cached", "noncached" or "writecombined"'),
  deviceMemory: z.boolean().describe("mapped as ARM64 Device memory"),
  allocatedAt: ns.nullable(),
  freedAt: ns.nullable().describe("null while live"),
}).strict();

const occurrenceSchema = z.object({
  time: ns,
  seq: z.number().int(),
  message: z.string(),
  params: z.record(z.string(), paramValue).optional(),
  bugCheck: z.array(hex).length(5).optional(),
}).strict();

/** A grouped finding in --json. */
export const findingSchema = z.object({
  code: z.string().describe("the finding code (README: the catalogue)"),
  message: z.string(),
  routine: z.string().optional(),
  device: z.string().optional(),
  bugCheck: z.array(hex).length(5).optional().describe("code, P1..P4"),
  params: z.record(z.string(), paramValue).optional().describe("addresses as hex strings (va canonical), counts as numbers"),
  time: ns.describe("the first occurrence"),
  seq: z.number().int(),
  count: z.number().int().min(1),
  lastTime: ns,
  occurrences: z.array(occurrenceSchema).optional().describe("the first occurrences (count has them all)"),
}).strict();

/** `dmasim run --json`. */
export const runResultSchema = z.object({
  scenario: z.string(),
  description: z.string(),
  profile: z.object({ name: z.string(), arch: z.enum(["x64", "arm64"]), nodes: z.number().int(), ramBytes: z.number(), iommu: z.boolean() }).strict(),
  seed: z.number(),
  uptimeSeconds: z.number(),
  verifier: z.enum(["off", "collect", "bugcheck"]),
  outcome: z.enum(["ok", "failed", "stopped"]),
  passed: z.boolean().describe("ok and no findings"),
  ok: z.boolean(),
  summary: z.array(z.string()),
  stats: z.record(z.string(), z.unknown()),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  allocations: z.array(allocationSchema),
  findings: z.array(findingSchema),
  findingOccurrences: z.number().int(),
  stop: z.object({ code: hex.nullable(), name: z.string(), params: z.array(hex), message: z.string(), finding: z.number().int().nullable().describe("index into findings") }).strict().optional(),
  trace: z.object({ events: z.number(), dropped: z.number(), dmaReads: z.number(), dmaReadBytes: z.number(), dmaWrites: z.number(), dmaWriteBytes: z.number(), faults: z.number(), interrupts: z.number(), allocations: z.number(), frees: z.number() }).strict().optional(),
  error: z.object({ kind: z.enum(["bugcheck", "error"]), message: z.string(), bugCheck: z.object({ code: hex, params: z.array(hex) }).strict().optional() }).strict().optional(),
}).strict();

/** `dmasim demo --json`. */
export const demoResultSchema = z.object({ runs: z.array(runResultSchema), report: z.string() }).strict();

const kinds = z.enum(["dmaRead", "dmaWrite", "dmaFault", "interrupt", "allocate", "free", "regRead", "regWrite"]);

/** The `--trace` file. */
export const traceFileSchema = z.object({
  format: z.literal("dmasim-trace"),
  version: z.literal(2),
  units: z.object({ timeNs: z.string(), length: z.string() }).strict(),
  kinds: z.array(kinds),
  devices: z.array(z.string()),
  count: z.number().int(),
  dropped: z.number().int(),
  columns: z.object({
    kind: z.array(z.number().int()).describe("index into kinds"),
    timeNs: z.array(z.number()),
    device: z.array(z.number().int()).describe("index into devices"),
    address: z.array(z.number()),
    detail: z.array(z.number()),
    length: z.array(z.number()),
  }).strict(),
  meaning: z.record(z.enum(["address", "detail", "length"]), z.record(kinds, z.string())),
  allocations: z.array(allocationSchema),
}).strict();
