/**
 * Findings: what the verifier reports, as data. Lower layers (bus, kernel, HAL)
 * detect misuse where it is cheap and hand a FindingInput to the sink; the
 * verifier (verifier/) decides policy: ignore, collect (as Linux dma-debug
 * does) or stop with a bug check (as Windows Driver Verifier does). Defined
 * here, low, so nothing below verifier/ imports it.
 *
 * A FindingInput is one occurrence. The verifier groups occurrences by code,
 * site (routine and device) and buffer into one Finding with a count, the
 * first and last simulated time and a bounded list of the occurrences.
 */
import type { BugCheckTuple } from "./bugcheck.ts";
import type { FindingCode, FindingParams, ParamValue } from "./finding-codes.ts";

export type { FindingCode, FindingParams, ParamValue } from "./finding-codes.ts";

/** What every finding carries besides its code and parameters. */
export interface FindingFields {
  /** The bug check Windows raises for it (code, P1..P4), where one exists (0xE6, 0x1DC, ...). */
  readonly bugCheck?: BugCheckTuple;
  /** What happened, in one sentence naming the routine, device and addresses. */
  readonly message: string;
  /** The routine involved (e.g. "FreeCommonBuffer"). */
  readonly routine?: string;
  /** The device involved (its name). */
  readonly device?: string;
}

/** One occurrence of code C, with C's parameters. */
export type FindingInputOf<C extends FindingCode> = FindingFields & {
  /** Stable name from the catalogue (FINDING_CODES), e.g. "DMA_WRONG_IRQL", "CB_TAIL_ACCESS". */
  readonly code: C;
  /** Typed parameters (addresses, lengths, IRQLs): which ones depends on the code. */
  readonly params?: Readonly<FindingParams[C]>;
};

/** One occurrence of any code: a union discriminated by `code`. */
export type FindingInput = { [C in FindingCode]: FindingInputOf<C> }[FindingCode];

/** One occurrence within a grouped finding (the first ones are kept, up to the verifier's limit). */
export interface FindingOccurrence {
  /** Simulated time in ns. */
  readonly time: number;
  /** Sequence number within the run (over all occurrences). */
  readonly seq: number;
  /** This occurrence's message. */
  readonly message: string;
  /** This occurrence's parameters. */
  readonly params?: Readonly<Record<string, ParamValue | undefined>>;
  /** This occurrence's bug check, when the code has one. */
  readonly bugCheck?: BugCheckTuple;
}

/** What grouping adds to the first occurrence: counts, times, the kept occurrences. */
export interface FindingGroupFields {
  /** Simulated time in ns of the first occurrence. */
  readonly time: number;
  /** Sequence number of the first occurrence within the run. */
  readonly seq: number;
  /** How many times it happened (at least 1). */
  readonly count: number;
  /** Simulated time in ns of the last occurrence. */
  readonly lastTime: number;
  /** The first occurrences (at most the verifier's occurrence limit; `count` has them all). */
  readonly occurrences: readonly FindingOccurrence[];
}

/** A grouped finding: the first occurrence's fields, its count and times. */
export type Finding = FindingInput & FindingGroupFields;

/** Where the layers below the verifier hand misuse: `k.report(...)` forwards to the machine's sink. */
export interface FindingSink {
  /** One occurrence; the sink decides (drop, collect, or stop with a bug check). */
  report(f: FindingInput): void;
}

/** The sink used when no verifier is installed: findings are dropped. */
export const NO_FINDINGS: FindingSink = { report: () => undefined };

/** A finding's parameters as a plain record, for code that reads them without knowing the code. */
export function paramsOf(f: { readonly params?: object }): Readonly<Record<string, ParamValue | undefined>> {
  return (f.params ?? {}) as Readonly<Record<string, ParamValue | undefined>>;
}
