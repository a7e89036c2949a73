import { describe, expect, it } from "vitest";
import { bytesFloorNs } from "../../bench/nic-floor.ts";

describe("the NIC bytes floor (bench/nic-floor.ts)", () => {
  it("refuses a frame length the word loops cannot cover, naming the range", () => {
    expect(() => bytesFloorNs(1501, 1, 1)).toThrow(/multiple of 4 from 4 to 2048/);
    expect(() => bytesFloorNs(0, 1, 1)).toThrow(/length/);
    expect(() => bytesFloorNs(4096, 1, 1)).toThrow(/length/);
  });

  it("does every frame's work and reports a finite time per frame for a 1,500-byte frame", () => {
    const ns = bytesFloorNs(1500, 64, 1);
    expect(Number.isFinite(ns)).toBe(true);
    expect(ns).toBeGreaterThan(0);
  });
});
