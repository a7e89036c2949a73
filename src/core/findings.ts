/**
 * Findings: what the verifier reports, as data. Lower layers (bus, kernel, HAL)
 * detect misuse where it is cheap and hand a FindingInput to the sink; the
 * verifier (verifier/) decides policy: ignore, collect (as Linux dma-debug
 * does) or stop with a bug check (as Windows Driver Verifier does). Defined
 * here, low, so nothing below verifier/ imports it.
 */

type P = number | bigint;

export interface FindingInput {
  /** Stable name, e.g. "DMA_DOUBLE_FREE", "DMA_WRONG_IRQL", "CB_TAIL_ACCESS". */
  readonly code: string;
  /** The bug check Windows raises for it (code, P1..P4), where one exists (0xE6, 0x1DC, ...). */
  readonly bugCheck?: readonly [number, P, P, P, P];
  readonly message: string;
  /** The routine involved (e.g. "FreeCommonBuffer"). */
  readonly routine?: string;
  /** The device involved (its name). */
  readonly device?: string;
  /** Typed parameters (addresses, lengths, IRQLs). */
  readonly params?: Readonly<Record<string, P | string | boolean>>;
}

export interface Finding extends FindingInput {
  /** Simulated time in ns. */
  readonly time: number;
  /** Sequence number within the run. */
  readonly seq: number;
}

export interface FindingSink {
  report(f: FindingInput): void;
}

/** The sink used when no verifier is installed: findings are dropped. */
export const NO_FINDINGS: FindingSink = { report: () => undefined };
