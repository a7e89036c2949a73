import { describe, expect, it } from "vitest";
import { BufferHistory, FREED_REMEMBERED } from "./buffer-history.ts";

describe("buffer history (serials and first frees)", () => {
  it("every allocation gets a new serial, also when it reuses a table slot or a VA", () => {
    const h = new BufferHistory();
    const a = h.allocated(0, 0x1000);
    h.freedAt(0x1000, "FreeCommonBuffer", "drv.ts:1:1", 10);
    const b = h.allocated(0, 0x1000);
    expect(b).not.toBe(a);
    expect([h.serialOf(0), h.serialAtVa(0x1000)]).toEqual([b, b]);
    expect(h.serialOf(5000)).toBe(0);
  });

  it("a free is remembered until the VA is allocated again", () => {
    const h = new BufferHistory();
    h.allocated(3, 0x2000);
    h.freedAt(0x2000, "HalFreeCommonBuffer", "drv.ts:9:2", 77);
    expect(h.freeOf(0x2000)).toMatchObject({ routine: "HalFreeCommonBuffer", site: "drv.ts:9:2", time: 77 });
    h.allocated(4, 0x2000);
    expect(h.freeOf(0x2000)).toBeUndefined();
  });

  it(`at most ${FREED_REMEMBERED} frees are remembered: the oldest is forgotten first`, () => {
    const h = new BufferHistory();
    for (let i = 0; i <= FREED_REMEMBERED; i++) {
      h.allocated(i, i * 0x1000);
      h.freedAt(i * 0x1000, "FreeCommonBuffer", "s", i);
    }
    expect(h.freeOf(0)).toBeUndefined();
    expect(h.serialAtVa(0)).toBe(0);
    expect(h.freeOf(0x1000)?.time).toBe(1);
  });
});
