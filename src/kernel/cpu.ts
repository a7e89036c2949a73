/**
 * The CPU as driver code uses it: typed loads and stores at kernel VAs and the
 * Rtl* memory helpers. Every access goes VA -> page table -> memory system
 * (cache model) -> physical memory; an unmapped VA bug checks 0x50.
 */
import type { VaSpace } from "./va-space.ts";

/** Rtl fills and copies stage at most this many bytes at a time, so a 4 GiB RtlZeroMemory needs no 4 GiB host array. */
const STAGE = 1 << 20;

/**
 * `k.cpu`: the simulated processor's loads and stores at kernel VAs,
 * little-endian, with the access width the alignment rules see (ARM64 Device
 * memory faults on a misaligned or too-wide access), and the Rtl* helpers.
 */
export class Cpu {
  readonly va: VaSpace;
  private readonly b8 = new Uint8Array(8);
  private readonly dv = new DataView(this.b8.buffer);
  /** Reused staging buffer for Rtl copies and fills (no allocation per call). */
  private scratch = new Uint8Array(4096);

  constructor(va: VaSpace) {
    this.va = va;
  }

  /** A 8-bit load at `va` (unsigned). */
  readU8(va: number): number {
    return this.va.load(va, 1);
  }
  /** A 16-bit load at `va` (unsigned). */
  readU16(va: number): number {
    return this.va.load(va, 2);
  }
  /** A 32-bit load at `va` (unsigned). */
  readU32(va: number): number {
    return this.va.load(va, 4);
  }
  /** A 64-bit load at `va` (unsigned, as a bigint). */
  readU64(va: number): bigint {
    this.va.read(va, this.b8, 8);
    return this.dv.getBigUint64(0, true);
  }
  /** A 8-bit store of `v` at `va` (its low 8 bits). */
  writeU8(va: number, v: number): void {
    this.va.store(va, 1, v);
  }
  /** A 16-bit store of `v` at `va` (its low 16 bits). */
  writeU16(va: number, v: number): void {
    this.va.store(va, 2, v);
  }
  /** A 32-bit store of `v` at `va` (its low 32 bits). */
  writeU32(va: number, v: number): void {
    this.va.store(va, 4, v);
  }
  /** A 64-bit store of `v` at `va` (its low 64 bits). */
  writeU64(va: number, v: bigint): void {
    this.dv.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.va.write(va, this.b8, 8);
  }

  /** Copy `length` bytes at va into a new array (a byte copy, like memcpy). */
  readBytes(va: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.va.read(va, out);
    return out;
  }

  /** Store src at va (a byte copy, like memcpy). */
  writeBytes(va: number, src: Uint8Array): void {
    this.va.write(va, src);
  }

  /** RtlZeroMemory. */
  RtlZeroMemory(va: number, length: number): void {
    this.RtlFillMemory(va, length, 0);
  }

  /** RtlFillMemory. */
  RtlFillMemory(va: number, length: number, fill: number): void {
    if (length <= 0) return;
    const tmp = this.staging(Math.min(length, STAGE));
    tmp.fill(fill);
    for (let o = 0; o < length; o += STAGE) this.va.write(va + o, length - o >= STAGE ? tmp : tmp.subarray(0, length - o));
  }

  /** RtlCopyMemory between two kernel VAs (overlap is fine: long copies go backwards when the destination is above the source). */
  RtlCopyMemory(dstVa: number, srcVa: number, length: number): void {
    if (length <= 0) return;
    const tmp = this.staging(Math.min(length, STAGE));
    const backward = dstVa > srcVa && dstVa < srcVa + length;
    for (let i = 0; i < length; i += STAGE) {
      const n = Math.min(STAGE, length - i);
      const o = backward ? length - i - n : i;
      const t = n === tmp.length ? tmp : tmp.subarray(0, n);
      this.va.read(srcVa + o, t);
      this.va.write(dstVa + o, t);
    }
  }

  private staging(length: number): Uint8Array {
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    return this.scratch.subarray(0, length);
  }

  /** RtlMoveMemory: overlapping ranges are fine (we copy through a buffer). */
  RtlMoveMemory(dstVa: number, srcVa: number, length: number): void {
    this.RtlCopyMemory(dstVa, srcVa, length);
  }

  /** RtlCompareMemory: number of leading bytes that match. */
  RtlCompareMemory(aVa: number, bVa: number, length: number): number {
    const a = this.readBytes(aVa, length);
    const b = this.readBytes(bVa, length);
    let i = 0;
    while (i < length && a[i] === b[i]) i++;
    return i;
  }
}
