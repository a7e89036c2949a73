/** Bug check codes dmasim raises, with their Windows values. */
export const BUGCHECK = {
  IRQL_NOT_LESS_OR_EQUAL: 0x0a,
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

export function bugCheckName(code: number): string {
  return BUGCHECK_NAMES.get(code) ?? "UNKNOWN_BUGCHECK";
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** "0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x26, 0xFFFFA00000000200, 0xFFFFE000, 0x6)": a stop as one line. */
export function bugCheckText(code: number, params: readonly (number | bigint)[]): string {
  return `${hex(code)} ${bugCheckName(code)} (${params.map(hex).join(", ")})`;
}

/**
 * A simulated stop: thrown where Windows would call KeBugCheckEx. Carries the
 * code and its four parameters, like a real stop screen.
 */
export class BugCheckError extends Error {
  readonly code: number;
  readonly params: readonly [number | bigint, number | bigint, number | bigint, number | bigint];

  constructor(code: number, p1: number | bigint = 0, p2: number | bigint = 0, p3: number | bigint = 0, p4: number | bigint = 0, detail?: string) {
    const params = [p1, p2, p3, p4] as const;
    super(`*** STOP: ${hex(code)} (${params.map(hex).join(", ")}) ${bugCheckName(code)}${detail === undefined ? "" : `: ${detail}`}`);
    this.name = "BugCheckError";
    this.code = code;
    this.params = params;
  }
}
