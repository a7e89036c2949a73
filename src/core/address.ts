/** Page and address helpers. Inside dmasim addresses are plain numbers (exact to 2^53). */
export const PAGE_SHIFT = 12;
/** The page size, 4 KiB, on both architectures dmasim models. */
export const PAGE_SIZE = 4096;
export const PAGE_MASK = PAGE_SIZE - 1;

/** 2^10 bytes. */
export const KiB = 1024;
/** 2^20 bytes. */
export const MiB = 1024 * KiB;
/** 2^30 bytes. */
export const GiB = 1024 * MiB;
/** 2^40 bytes. */
export const TiB = 1024 * GiB;

/** BYTES_TO_PAGES: pages spanned by `bytes` starting on a page boundary. */
export function BYTES_TO_PAGES(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE);
}

/** ROUND_TO_PAGES: `bytes` rounded up to a whole number of pages. */
export function ROUND_TO_PAGES(bytes: number): number {
  return BYTES_TO_PAGES(bytes) * PAGE_SIZE;
}

/** ADDRESS_AND_SIZE_TO_SPAN_PAGES: pages touched by [va, va + size). */
export function ADDRESS_AND_SIZE_TO_SPAN_PAGES(va: number, size: number): number {
  if (size === 0) return 0;
  return Math.floor((va + size - 1) / PAGE_SIZE) - Math.floor(va / PAGE_SIZE) + 1;
}

export function BYTE_OFFSET(va: number): number {
  return va % PAGE_SIZE;
}

export function PAGE_ALIGN(va: number): number {
  return va - (va % PAGE_SIZE);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export function alignDown(n: number, align: number): number {
  return Math.floor(n / align) * align;
}

/** Upper-case hex padded to `digits` (default 12): "0x000100000000", as the reports print physical and logical addresses. */
export function hexAddr(n: number | bigint, digits = 12): string {
  const s = n.toString(16).toUpperCase().padStart(digits, "0");
  return `0x${s}`;
}

/** Short human size: 4 KiB, 1.5 MiB, 16 GiB. */
export function formatSize(bytes: number): string {
  const units: [number, string][] = [[TiB, "TiB"], [GiB, "GiB"], [MiB, "MiB"], [KiB, "KiB"]];
  for (const [u, name] of units) {
    if (bytes >= u) {
      const v = bytes / u;
      return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 2 : 1)} ${name}`;
    }
  }
  return `${bytes} B`;
}

/**
 * Parse a size: a whole number of bytes (4096, "0x1000", "1_000_000"), or a
 * number with a binary unit: "64KiB", "16 MiB", "1.5GiB", "1TiB", or the short
 * K/M/G/T ("2G" = 2 GiB, as qemu's `-m 2G`). All units are powers of 1024.
 * "KB", "MB", "GB" and "TB" are refused: they mean 10^3n to some and 2^10n
 * to others (Windows shows GiB as "GB"), so the message asks for one or the other.
 * Throws a RangeError naming the text when it is not a size.
 *
 * @example
 * ```ts
 * import { parseSize } from "dmasim";
 * console.log(parseSize("64KiB"), parseSize("2G"), parseSize("0x1000")); // 65536 2147483648 4096
 * ```
 */
export function parseSize(text: string | number): number {
  if (typeof text === "number") {
    if (!Number.isSafeInteger(text) || text < 0) throw new RangeError(`not a size: ${text}`);
    return text;
  }
  const ambiguous = /^\s*([\d_.]+)\s*([kmgt])b\s*$/i.exec(text);
  if (ambiguous !== null) {
    const n = (ambiguous[1] ?? "").replace(/_/g, "");
    const u = (ambiguous[2] ?? "").toUpperCase();
    const decimal = Number(n) * 10 ** (3 * (" KMGT".indexOf(u)));
    throw new RangeError(`not a size: "${text}" is ambiguous; write ${n}${u}iB (powers of 1024)${Number.isSafeInteger(decimal) ? ` or ${decimal} (bytes)` : ""}`);
  }
  const m = /^\s*(0x[0-9a-f_]+|\d[\d_]*(?:\.\d+)?)\s*([kmgt](?:ib)?|b)?\s*$/i.exec(text);
  if (m === null) throw new RangeError(`not a size: "${text}" (try 4096, 0x1000, 64KiB, 16MiB, 1TiB)`);
  const numText = (m[1] ?? "").replace(/_/g, "");
  const base = numText.toLowerCase().startsWith("0x") ? parseInt(numText, 16) : Number(numText);
  const unit = (m[2] ?? "b").toLowerCase()[0];
  const mult = unit === "k" ? KiB : unit === "m" ? MiB : unit === "g" ? GiB : unit === "t" ? TiB : 1;
  const v = base * mult;
  if (!Number.isSafeInteger(v)) throw new RangeError(`not a whole number of bytes: "${text}"`);
  return v;
}

/**
 * PHYSICAL_ADDRESS as drivers see it: a 64-bit QuadPart. It is a bigint so that
 * values such as MaximumAddress = 0xFFFF_FFFF_FFFF_FFFF round-trip exactly.
 */
export interface PHYSICAL_ADDRESS {
  QuadPart: bigint;
}

/** 0xFFFFFFFFFFFFFFFF: "no limit" in a HighestAcceptableAddress or MaximumAddress. */
export const MAXULONG64 = 0xffff_ffff_ffff_ffffn;
export const MAXULONG = 0xffff_ffff;

/**
 * A PHYSICAL_ADDRESS holding `value` (default 0): pass one where a routine
 * writes an address back (the LogicalAddress of AllocateCommonBuffer) or
 * takes a bound (MmAllocateContiguousMemorySpecifyCache).
 *
 * @example
 * ```ts
 * import { physicalAddress, LowPart, HighPart } from "dmasim";
 * const la = physicalAddress(0x1_2345_6000n);
 * console.log(la.QuadPart, LowPart(la).toString(16), HighPart(la)); // 4886716416n 23456000 1
 * ```
 */
export function physicalAddress(value: number | bigint = 0n): PHYSICAL_ADDRESS {
  return { QuadPart: BigInt(value) };
}

/** LowPart of a PHYSICAL_ADDRESS (what 32-bit descriptor fields keep). */
export function LowPart(pa: PHYSICAL_ADDRESS): number {
  return Number(BigInt.asUintN(32, pa.QuadPart));
}

/** HighPart of a PHYSICAL_ADDRESS: its upper 32 bits (what a DAC descriptor field or an ADDR_HI register takes). */
export function HighPart(pa: PHYSICAL_ADDRESS): number {
  return Number(BigInt.asUintN(32, pa.QuadPart >> 32n));
}

/** A 64-bit address as a number, saturating at 2^53 (beyond any simulated memory). */
export function toNumberSaturating(v: bigint): number {
  if (v < 0n) return 0;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}
