/**
 * Grouping findings: a driver that hands its device a physical address gets
 * one finding per access, thousands of identical lines. Occurrences with the
 * same code, site (routine and device, as the verifier sees them) and buffer
 * are one Finding with a count, the first and last simulated time and the
 * first few occurrences. One Map lookup per occurrence (no scan of the
 * findings), and memory bounded by the number of distinct groups (itself
 * capped) times the occurrence limit, however many accesses go wrong.
 */
import type { Finding, FindingInput, FindingOccurrence } from "../core/findings.ts";

/** Occurrences kept per finding by default (the count has them all). */
export const DEFAULT_OCCURRENCE_LIMIT = 16;

/** Distinct findings kept by default; beyond it, new ones are counted in one overflow finding per code. */
export const DEFAULT_GROUP_LIMIT = 10_000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Group = Mutable<Finding> & { occurrences: FindingOccurrence[] };

export interface GroupedOccurrence {
  readonly finding: Finding;
  /** The occurrence as recorded (its time and sequence number). */
  readonly seq: number;
  /** True when this occurrence opened a new finding. */
  readonly first: boolean;
}

export class FindingGroups {
  /** Grouped findings in order of first occurrence (the array the verifier exposes). */
  readonly list: Finding[] = [];
  private readonly byKey = new Map<string, Group>();
  private seq = 0;
  /** Occurrences over all findings. */
  occurrences = 0;
  readonly occurrenceLimit: number;
  readonly groupLimit: number;

  constructor(occurrenceLimit = DEFAULT_OCCURRENCE_LIMIT, groupLimit = DEFAULT_GROUP_LIMIT) {
    if (!Number.isInteger(occurrenceLimit) || occurrenceLimit < 1) throw new RangeError(`FindingGroups: occurrenceLimit must be a whole number >= 1, got ${occurrenceLimit}`);
    if (!Number.isInteger(groupLimit) || groupLimit < 1) throw new RangeError(`FindingGroups: groupLimit must be a whole number >= 1, got ${groupLimit}`);
    this.occurrenceLimit = occurrenceLimit;
    this.groupLimit = groupLimit;
  }

  /**
   * Record one occurrence at simulated time `time`. `buffer` names the buffer
   * it concerns ("" when none): occurrences on different buffers stay apart.
   */
  add(f: FindingInput, buffer: string, time: number): GroupedOccurrence {
    const seq = this.seq++;
    this.occurrences++;
    let key = `${f.code}\u0000${f.routine ?? ""}\u0000${f.device ?? ""}\u0000${buffer}`;
    let g = this.byKey.get(key);
    let overflow = false;
    if (g === undefined && this.byKey.size >= this.groupLimit) {
      // Too many distinct findings: fold the rest into one per code, so memory stays bounded.
      key = `${f.code}\u0000*`;
      g = this.byKey.get(key);
      overflow = true;
    }
    const occurrence = occurrenceOf(f, time, seq);
    if (g === undefined) {
      const message = overflow ? `(over ${this.groupLimit} distinct findings: every further ${f.code} from any site or buffer is counted here; the first was) ${f.message}` : f.message;
      g = { ...f, message, time, seq, count: 1, lastTime: time, occurrences: [occurrence] };
      this.byKey.set(key, g);
      this.list.push(g);
      return { finding: g, seq, first: true };
    }
    g.count++;
    g.lastTime = time;
    if (g.occurrences.length < this.occurrenceLimit) g.occurrences.push(occurrence);
    return { finding: g, seq, first: false };
  }
}

function occurrenceOf(f: FindingInput, time: number, seq: number): FindingOccurrence {
  return { time, seq, message: f.message, ...(f.params === undefined ? {} : { params: f.params }), ...(f.bugCheck === undefined ? {} : { bugCheck: f.bugCheck }) };
}
