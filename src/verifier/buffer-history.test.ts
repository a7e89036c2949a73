import { describe, expect, it } from "vitest";
import { BufferHistory } from "./buffer-history.ts";

describe("buffer history (serials and first frees, per table slot)", () => {
  it("every allocation gets a new serial, also when it reuses a table slot", () => {
    const h = new BufferHistory();
    const a = h.allocated(0);
    const b = h.allocated(0);
    expect(b).not.toBe(a);
    expect(h.serialOf(0)).toBe(b);
    expect([h.serialOf(5000), h.serialOf(-1)]).toEqual([0, 0]);
  });

  it("a free is remembered (routine, site, time) until the slot is allocated again", () => {
    const h = new BufferHistory();
    h.allocated(3);
    expect(h.freeOf(3)).toBeUndefined();
    h.freed(3, "HalFreeCommonBuffer", 9, 77);
    expect(h.freeOf(3)).toEqual({ routine: "HalFreeCommonBuffer", site: 9, time: 77 });
    h.allocated(3);
    expect(h.freeOf(3)).toBeUndefined();
  });

  it("slots beyond the first thousand grow the arrays and keep what was there", () => {
    const h = new BufferHistory();
    h.allocated(1);
    h.freed(1, "FreeCommonBuffer", 2, 3);
    h.freed(5000, "FreeCommonBufferFromVector", 4, 5);
    expect([h.freeOf(1)?.routine, h.freeOf(5000)?.routine, h.freeOf(4999)]).toEqual(["FreeCommonBuffer", "FreeCommonBufferFromVector", undefined]);
  });
});
