import { describe, expect, it } from "vitest";
import { InterruptController } from "./interrupts.ts";

function withSink() {
  const pic = new InterruptController(16);
  const got: number[] = [];
  pic.attach({ deliver: (l) => got.push(l) });
  return { pic, got };
}

describe("InterruptController", () => {
  it("a low-to-high edge delivers the line once", () => {
    const { pic, got } = withSink();
    pic.setLine(5, true);
    pic.setLine(5, true); // still high: no new edge
    expect(got).toEqual([5]);
    pic.setLine(5, false);
    pic.setLine(5, true);
    expect(got).toEqual([5, 5]);
  });

  it("a request on a masked line is latched and delivered when the line is unmasked", () => {
    const { pic, got } = withSink();
    pic.setMasked(7, true);
    pic.setLine(7, true);
    expect(got).toEqual([]);
    expect(pic.isPending(7)).toBe(true);
    pic.setMasked(7, false);
    expect(got).toEqual([7]);
    expect(pic.isPending(7)).toBe(false);
  });

  it("requests latched before a sink is attached are delivered on attach", () => {
    const pic = new InterruptController(16);
    pic.setLine(3, true);
    const got: number[] = [];
    pic.attach({ deliver: (l) => got.push(l) });
    expect(got).toEqual([3]);
  });

  it("rejects lines that do not exist", () => {
    const { pic } = withSink();
    expect(() => pic.setLine(16, true)).toThrow(RangeError);
    expect(() => new InterruptController(0)).toThrow(RangeError);
  });
});
