/**
 * Parsing the run options' text (seed, uptime, verifier mode). Each parser
 * throws a UsageError naming the option and the bad value.
 */
import { parseSize } from "../core/address.ts";
import { UsageError } from "./usage-error.ts";

export const VERIFIER_MODES = ["off", "collect", "bugcheck"] as const;
export type VerifierMode = (typeof VERIFIER_MODES)[number];

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A duration: plain seconds ("90") or amounts with units s, m, h, d, w
 * ("30s", "15m", "2h", "1h30m", "3d"). Returns whole or fractional seconds.
 */
export function parseDuration(text: string, option = "--uptime"): number {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)([smhdw])/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  if (t.length === 0 || pos !== t.length) throw new UsageError(`${option}: "${text}" is not a duration (try 0, 90s, 15m, 2h, 1h30m, 3d)`);
  return total;
}

/** A seed: a whole number 0..2^32-1, decimal or 0x hex. */
export function parseSeed(text: string, option = "--seed"): number {
  const t = text.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v) || v > 0xffff_ffff) throw new UsageError(`${option}: "${text}" is not a seed (a whole number from 0 to 4294967295)`);
  return v;
}

export function parseVerifier(text: string, option = "--verifier"): VerifierMode {
  const v = VERIFIER_MODES.find((m) => m === text);
  if (v === undefined) throw new UsageError(`${option}: "${text}" is not a verifier mode (off, collect or bugcheck)`);
  return v;
}

/** A host-memory budget: a size of at least 2 MiB (one chunk of backing), e.g. 512MiB, 8GiB. */
export function parseMemoryBudget(text: string, option = "--memory-budget"): number {
  let v: number;
  try {
    v = parseSize(text);
  } catch (e) {
    throw new UsageError(`${option}: ${(e as Error).message}`);
  }
  if (v < 2 ** 21) throw new UsageError(`${option}: "${text}" is below 2 MiB, one chunk of simulated memory's backing (try 512MiB, 8GiB)`);
  return v;
}

/** Seconds as "2h 30m", "45s", "0s". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const parts: string[] = [];
  let s = seconds;
  for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
  }
  if (s > 0) parts.push(`${Number.isInteger(s) ? s : s.toFixed(1)}s`);
  return parts.join(" ");
}

/**
 * `--param key=value` (repeatable): scenario settings from the command line.
 * The value is JSON when it parses as JSON (`trials=2`, `sizesPages=[1,16,512]`,
 * `late=true`), else the text itself (`device=nic0`).
 */
export function parseParam(text: string, into: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = text.indexOf("=");
  const key = eq < 0 ? "" : text.slice(0, eq).trim();
  if (eq < 0 || !/^[A-Za-z_][\w.-]*$/.test(key)) throw new UsageError(`--param: "${text}" is not key=value (e.g. --param trials=2)`);
  const raw = text.slice(eq + 1);
  return { ...into, [key]: jsonOrText(raw) };
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
