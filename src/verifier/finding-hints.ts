/**
 * Hints that help fix a finding, as text for its message: the never-written
 * fill pattern (memory nobody wrote reads EF BE AD DE, see
 * machine/physical-memory.ts, and every fresh contiguous run is refilled with
 * it), where a buffer was first freed, and which buffer a truncated address
 * was cut from.
 */
import { hexAddr } from "../core/address.ts";
import { FILL_PATTERN } from "../machine/physical-memory.ts";

const FOUR_GIB = 2 ** 32;

/**
 * True when a device address looks like a pointer read from never-written
 * memory: a 64-bit value whose high half is the fill pattern word, or a 32-bit
 * one whose high 16 bits are its high 16 bits (the chip masked or advanced the
 * low bits, e.g. 0xDEADBEE0 for a 16-byte aligned descriptor pointer).
 */
export function looksLikeFillPattern(address: number): boolean {
  if (!Number.isFinite(address) || address < 0) return false;
  if (address >= FOUR_GIB) return Math.floor(address / FOUR_GIB) === FILL_PATTERN;
  return Math.floor(address / 0x10000) === Math.floor(FILL_PATTERN / 0x10000);
}

/** "; 0x… is the never-written fill pattern …" for an address that looks like it, else "". */
export function fillPatternAddressHint(address: number): string {
  if (!looksLikeFillPattern(address)) return "";
  return `; ${hexAddr(address)} is the never-written fill pattern (0x${FILL_PATTERN.toString(16).toUpperCase()}): the device took this address from memory nobody initialised (a descriptor or pointer never written)`;
}

/** True when `bytes` are all the fill pattern, in place at physical address `pa` (the pattern's phase follows the address). */
export function isFillPatternData(bytes: Uint8Array, pa: number): boolean {
  if (bytes.length === 0) return false;
  for (let i = 0; i < bytes.length; i++) {
    const shift = ((pa + i) % 4) * 8;
    if (bytes[i] !== ((FILL_PATTERN >>> shift) & 0xff)) return false;
  }
  return true;
}

/** "; first freed by FreeCommonBuffer at driver.ts:12:3 (t = 1.5 us)". */
export function firstFreeHint(rec: { readonly routine: string; readonly site: string; readonly time: number } | undefined): string {
  if (rec === undefined) return "";
  return `; first freed by ${rec.routine} at ${rec.site} (t = ${formatNs(rec.time)})`;
}

/** Simulated time for messages: ns, us, ms or s. */
export function formatNs(ns: number): string {
  if (ns < 1000) return `${ns} ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)} us`;
  if (ns < 1e9) return `${trim(ns / 1e6)} ms`;
  return `${trim(ns / 1e9)} s`;
}

function trim(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
