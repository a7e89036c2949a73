import { describe, expect, it } from "vitest";
import { GiB, KiB, MiB, parseSize, TiB } from "./address.ts";

describe("parseSize", () => {
  it("reads whole bytes in decimal, hex and with _ separators", () => {
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize("4096")).toBe(4096);
    expect(parseSize("0x1000")).toBe(4096);
    expect(parseSize("1_000_000")).toBe(1_000_000);
    expect(parseSize("512b")).toBe(512);
  });

  it("reads KiB/MiB/GiB/TiB and the short K/M/G/T as powers of 1024, with or without a space", () => {
    expect(parseSize("64KiB")).toBe(64 * KiB);
    expect(parseSize("16 MiB")).toBe(16 * MiB);
    expect(parseSize("1.5GiB")).toBe(1.5 * GiB);
    expect(parseSize("1TiB")).toBe(TiB);
    expect(parseSize("2G")).toBe(2 * GiB);
    expect(parseSize("4k")).toBe(4 * KiB);
  });

  it('refuses "1 GB" (and KB, MB, TB) as ambiguous, naming both readings', () => {
    expect(() => parseSize("1 GB")).toThrow(/"1 GB" is ambiguous; write 1GiB \(powers of 1024\) or 1000000000 \(bytes\)/);
    expect(() => parseSize("64KB")).toThrow(/write 64KiB .* or 64000 \(bytes\)/);
    expect(() => parseSize("2MB")).toThrow(RangeError);
    expect(() => parseSize("1TB")).toThrow(/1TiB/);
  });

  it("refuses text that is no size, fractions of a byte and negative numbers, naming the text", () => {
    expect(() => parseSize("lots")).toThrow(/not a size: "lots"/);
    expect(() => parseSize("1.5")).toThrow(/not a whole number of bytes: "1.5"/);
    expect(() => parseSize(-1)).toThrow(/not a size: -1/);
  });
});
