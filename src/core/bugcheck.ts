/**
 * One bug-check parameter (P1..P4): a number, or a bigint where it holds a
 * 64-bit value (a canonical kernel VA such as 0xFFFFC000`00001000). Every
 * place that carries bug-check parameters uses this type: BugCheckError,
 * a finding's `bugCheck`, a run's stop; `--json` prints them all as "0x…" strings.
 */
export type BugCheckParameter = number | bigint;

/** A stop as data: the code, then P1..P4 (what a finding's `bugCheck` holds). */
export type BugCheckTuple = readonly [code: number, p1: BugCheckParameter, p2: BugCheckParameter, p3: BugCheckParameter, p4: BugCheckParameter];

/** Bug check codes dmasim raises, with their Windows values. */
export const BUGCHECK = {
  IRQL_NOT_LESS_OR_EQUAL: 0x0a,
  UNEXPECTED_KERNEL_MODE_TRAP: 0x7f,
  NO_MORE_IRP_STACK_LOCATIONS: 0x35,
  SPIN_LOCK_NOT_OWNED: 0x10,
  SPIN_LOCK_ALREADY_OWNED: 0x0f,
  MULTIPLE_IRP_COMPLETE_REQUESTS: 0x44,
  BAD_POOL_CALLER: 0xc2,
  PNP_DETECTED_FATAL_ERROR: 0xca,
  DRIVER_VERIFIER_DMA_VIOLATION: 0xe6,
  DMA_COMMON_BUFFER_VECTOR_ERROR: 0x1dc,
  IRQL_NOT_GREATER_OR_EQUAL: 0x09,
  DRIVER_IRQL_NOT_LESS_OR_EQUAL: 0xd1,
  PAGE_FAULT_IN_NONPAGED_AREA: 0x50,
  KMODE_EXCEPTION_NOT_HANDLED: 0x1e,
  ATTEMPTED_WRITE_TO_READONLY_MEMORY: 0xbe,
  WDF_VIOLATION: 0x10d,
  /** Not a Windows code: dmasim's stop for a finding no Windows tool catches (P1 = the code's number in verifier/codes.ts). */
  DMASIM_VERIFIER_FINDING: 0xda5e,
} as const;

const BUGCHECK_NAMES = new Map<number, string>(Object.entries(BUGCHECK).map(([k, v]) => [v, k]));

/** The bug check's name ("DRIVER_VERIFIER_DMA_VIOLATION" for 0xE6); "UNKNOWN_BUGCHECK" for a code dmasim never raises. */
export function bugCheckName(code: number): string {
  return BUGCHECK_NAMES.get(code) ?? "UNKNOWN_BUGCHECK";
}

function hex(n: BugCheckParameter): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** "0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x26, 0xFFFFA00000000200, 0xFFFFE000, 0x6)": a stop as one line. */
export function bugCheckText(code: number, params: readonly BugCheckParameter[]): string {
  return `${hex(code)} ${bugCheckName(code)} (${params.map(hex).join(", ")})`;
}

/**
 * A simulated stop: thrown where Windows would call KeBugCheckEx. Carries the
 * code and its four parameters, like a real stop screen.
 */
export class BugCheckError extends Error {
  /** The bug check code (0xE6, 0x50, ...): {@link BUGCHECK} names them. */
  readonly code: number;
  /** P1..P4, as the stop screen shows them. */
  readonly params: readonly [BugCheckParameter, BugCheckParameter, BugCheckParameter, BugCheckParameter];

  /** The stop `code` with its parameters; `detail` (what dmasim saw) follows the STOP line in the message. */
  constructor(code: number, p1: BugCheckParameter = 0, p2: BugCheckParameter = 0, p3: BugCheckParameter = 0, p4: BugCheckParameter = 0, detail?: string) {
    const params = [p1, p2, p3, p4] as const;
    super(`*** STOP: ${hex(code)} (${params.map(hex).join(", ")}) ${bugCheckName(code)}${detail === undefined ? "" : `: ${detail}`}`);
    this.name = "BugCheckError";
    this.code = code;
    this.params = params;
  }
}
