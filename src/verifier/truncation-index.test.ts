import { describe, expect, it } from "vitest";
import { TruncationIndex } from "./truncation-index.ts";

describe("truncation index (low 32 bits of logical addresses above 4 GiB)", () => {
  it("finds the buffer whose page above 4 GiB has the address's low 32 bits", () => {
    const t = new TruncationIndex();
    t.add(7, 0x3_0000_2000, 2);
    expect([t.find(0x2000), t.find(0x3fff), t.find(0x4000), t.find(0x1fff)]).toEqual([7, 7, -1, -1]);
    expect(t.find(0x3_0000_2000)).toBe(-1);
  });

  it("buffers below 4 GiB are not indexed; a buffer straddling 4 GiB indexes only its pages above", () => {
    const t = new TruncationIndex();
    t.add(1, 0x1000, 4);
    t.add(2, 0xffff_f000, 2);
    expect([t.find(0x1000), t.find(0xffff_f000), t.find(0x0)]).toEqual([-1, -1, 2]);
  });

  it("removing a buffer leaves a page another buffer took since", () => {
    const t = new TruncationIndex();
    t.add(1, 0x1_0000_0000, 1);
    t.add(2, 0x2_0000_0000, 1);
    t.remove(1, 0x1_0000_0000, 1);
    expect(t.find(0)).toBe(2);
    t.remove(2, 0x2_0000_0000, 1);
    expect(t.find(0)).toBe(-1);
  });
});
