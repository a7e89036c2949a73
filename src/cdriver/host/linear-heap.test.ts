import { describe, expect, it } from "vitest";
import { LinearHeap } from "./linear-heap.ts";

describe("the host's heap for kernel objects in the driver's memory", () => {
  it("hands out 16-byte aligned, zeroed, non-overlapping blocks", () => {
    const mem = new Uint8Array(4096).fill(0xcc);
    const h = new LinearHeap(mem, 100, 4096);
    const a = h.alloc(10, "a");
    const b = h.alloc(40, "b");
    expect(a % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
    expect(mem.subarray(a, a + 16).every((x) => x === 0)).toBe(true);
    expect(h.sizeOf(b)).toBe(48);
  });

  it("reuses freed blocks and coalesces neighbours", () => {
    const h = new LinearHeap(new Uint8Array(1024), 0, 1024);
    const a = h.alloc(100, "a");
    const b = h.alloc(100, "b");
    const c = h.alloc(100, "c");
    h.release(a);
    h.release(b);
    expect(h.alloc(200, "ab")).toBe(a);
    h.release(c);
    expect(h.liveBlocks).toBe(1);
  });

  it("names what did not fit when the heap is full, and refuses to free what it did not hand out", () => {
    const h = new LinearHeap(new Uint8Array(256), 0, 256);
    h.alloc(200, "first");
    expect(() => h.alloc(100, "IRP")).toThrow(/no room for a 100-byte IRP/);
    expect(() => h.release(8)).toThrow(/not an allocated block/);
  });
});
