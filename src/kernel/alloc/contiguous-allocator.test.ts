import { describe, expect, it } from "vitest";
import { type ContiguousAllocator, contiguousRequest } from "./contiguous-allocator.ts";
import { FastContiguousAllocator } from "./fast-contiguous-allocator.ts";
import { LinearScanAllocator } from "./linear-scan-allocator.ts";

/** One conformance suite, run against every ContiguousAllocator implementation. */
const implementations: [string, (pages: number) => ContiguousAllocator][] = [
  ["LinearScanAllocator", (n) => new LinearScanAllocator(n)],
  ["FastContiguousAllocator", (n) => new FastContiguousAllocator(n)],
  ["FastContiguousAllocator (32-frame leaves)", (n) => new FastContiguousAllocator(n, { leafShift: 5 })],
];

function allFree(make: (pages: number) => ContiguousAllocator, pages: number): ContiguousAllocator {
  const a = make(pages);
  a.markFree(0, pages);
  return a;
}

function snapshot(a: ContiguousAllocator): string {
  const words: number[] = [];
  for (let i = 0; i * 32 < a.pageCount; i++) words.push(a.freeWord(i));
  return `${a.freePages}:${words.join(",")}`;
}

describe.each(implementations)("%s conforms to ContiguousAllocator", (_name, make) => {
  it("starts with every page frame in use (boot marks RAM free)", () => {
    const a = make(100);
    expect(a.freePages).toBe(0);
    expect(a.isFree(0)).toBe(false);
    expect(a.find(contiguousRequest(1, 0, 99))).toBe(-1);
  });

  it("lowest placement returns the lowest fitting start", () => {
    const a = allFree(make, 256);
    a.markUsed(0, 10);
    expect(a.find(contiguousRequest(5, 0, 255))).toBe(10);
    a.markUsed(12, 1);
    expect(a.find(contiguousRequest(5, 0, 255))).toBe(13);
  });

  it("highest placement returns the highest fitting start", () => {
    const a = allFree(make, 256);
    expect(a.find(contiguousRequest(5, 0, 255, { placement: "highest" }))).toBe(251);
    a.markUsed(253, 1);
    expect(a.find(contiguousRequest(5, 0, 255, { placement: "highest" }))).toBe(248);
  });

  it("the whole run stays inside [lowPfn, highPfn]", () => {
    const a = allFree(make, 256);
    expect(a.find(contiguousRequest(8, 100, 107))).toBe(100);
    expect(a.find(contiguousRequest(8, 100, 106))).toBe(-1);
    expect(a.find(contiguousRequest(8, 100, 120, { placement: "highest" }))).toBe(113);
  });

  it("alignment moves the start to the next multiple", () => {
    const a = allFree(make, 512);
    a.markUsed(0, 1);
    expect(a.find(contiguousRequest(4, 0, 511, { alignPages: 16 }))).toBe(16);
    expect(a.find(contiguousRequest(4, 0, 511, { alignPages: 16, placement: "highest" }))).toBe(496);
  });

  it("a run never crosses a multiple of the boundary (64 KiB = 16 pages)", () => {
    const a = allFree(make, 512);
    a.markUsed(0, 10);
    // 10..15 has only 6 pages before the 16-page boundary.
    expect(a.find(contiguousRequest(8, 0, 511, { boundaryPages: 16 }))).toBe(16);
    expect(a.find(contiguousRequest(6, 0, 511, { boundaryPages: 16 }))).toBe(10);
    expect(a.find(contiguousRequest(17, 0, 511, { boundaryPages: 16 }))).toBe(-1);
  });

  it("highest placement with a boundary ends just below the crossed boundary", () => {
    const a = allFree(make, 64);
    a.markUsed(52, 12);
    // 44..51 would cross 48, so the run ends at 47.
    expect(a.find(contiguousRequest(8, 0, 63, { boundaryPages: 16, placement: "highest" }))).toBe(40);
  });

  it("allocate takes the run and a second allocate gets the next one", () => {
    const a = allFree(make, 64);
    expect(a.allocate(contiguousRequest(10, 0, 63))).toBe(0);
    expect(a.allocate(contiguousRequest(10, 0, 63))).toBe(10);
    expect(a.freePages).toBe(44);
    expect(a.isFree(19)).toBe(false);
    expect(a.isFree(20)).toBe(true);
  });

  it("an unsatisfiable request returns -1 and changes nothing", () => {
    const a = allFree(make, 64);
    a.markUsed(32, 1);
    const before = snapshot(a);
    expect(a.allocate(contiguousRequest(33, 0, 63))).toBe(-1);
    expect(snapshot(a)).toBe(before);
  });

  it("markUsed of a page that is not free is a RangeError and changes nothing", () => {
    const a = allFree(make, 64);
    a.markUsed(5, 1);
    const before = snapshot(a);
    expect(() => a.markUsed(0, 10)).toThrow(/page frame 5 is not free/);
    expect(snapshot(a)).toBe(before);
  });

  it("markFree of a free page is a RangeError and changes nothing", () => {
    const a = make(64);
    a.markFree(10, 1);
    const before = snapshot(a);
    expect(() => a.markFree(8, 4)).toThrow(/page frame 10 is already free/);
    expect(snapshot(a)).toBe(before);
  });

  it("markUsedMany and markFreeMany flip scattered frames in any order", () => {
    const a = allFree(make, 200);
    a.markUsedMany([150, 3, 64, 65, 7]);
    expect(a.freePages).toBe(195);
    expect(a.find(contiguousRequest(60, 0, 199))).toBe(66);
    a.markFreeMany([64, 150, 65, 7, 3]);
    expect(a.freePages).toBe(200);
    expect(a.largestFreeRun(0, 199)).toBe(200);
  });

  it("markUsedMany of a used or twice-listed frame is a RangeError and changes nothing", () => {
    const a = allFree(make, 100);
    a.markUsed(50, 1);
    const before = snapshot(a);
    expect(() => a.markUsedMany([1, 2, 50])).toThrow(/page frame 50 is not free/);
    expect(() => a.markUsedMany([1, 2, 1])).toThrow(/page frame 1 is not free \(or is listed twice\)/);
    expect(() => a.markUsedMany([1, 100])).toThrow(/runs past the last page frame 99/);
    expect(() => a.markFreeMany([50, 3])).toThrow(/page frame 3 is already free/);
    expect(snapshot(a)).toBe(before);
  });

  it("markUsedWords and markFreeWords flip the frames of each word's mask", () => {
    const a = allFree(make, 200);
    // Word 0: frames 3 and 7; word 2: frames 64 and 65; word 4: frame 150 (bit 22).
    a.markUsedWords([0, 2, 4], new Uint32Array([0x88, 0x3, 1 << 22]), 3);
    expect(a.freePages).toBe(195);
    expect(a.isFree(3)).toBe(false);
    expect(a.isFree(150)).toBe(false);
    expect(a.find(contiguousRequest(60, 0, 199))).toBe(66);
    a.markFreeWords(new Int32Array([0, 2, 4]), new Int32Array([0x88, 0x3, 1 << 22]), 3);
    expect(a.freePages).toBe(200);
    expect(a.largestFreeRun(0, 199)).toBe(200);
    // Only the first `count` words count; bit 31 (a negative Int32) is a frame like any other.
    a.markUsedWords(new Int32Array([1, 3]), new Int32Array([1 << 31, 1]), 1);
    expect(a.freePages).toBe(199);
    expect(a.isFree(63)).toBe(false);
    expect(a.isFree(96)).toBe(true);
  });

  it("markUsedWords of a used frame, or words out of order or range, is a RangeError and changes nothing", () => {
    const a = allFree(make, 100);
    a.markUsed(50, 1);
    const before = snapshot(a);
    expect(() => a.markUsedWords([0, 1], [0x6, 1 << 18], 2)).toThrow(/markUsedWords: page frame 50 is not free/);
    expect(() => a.markUsedWords([1, 1], [0x1, 0x2], 2)).toThrow(/strictly ascending/);
    expect(() => a.markUsedWords([2, 0], [0x1, 0x1], 2)).toThrow(/strictly ascending/);
    expect(() => a.markUsedWords([4], [0x1], 1)).toThrow(/at most 3 \(page frames up to 99\)/);
    expect(() => a.markUsedWords([3], [1 << 4], 1)).toThrow(/names a page frame past the last page frame 99/);
    expect(() => a.markUsedWords([0], [1], 2)).toThrow(/count must be a whole number in \[0, 1\], got 2/);
    expect(() => a.markFreeWords([0, 1], [0x1, 0x1], 2)).toThrow(/markFreeWords: page frame 0 is already free/);
    expect(snapshot(a)).toBe(before);
  });

  it("bad requests are RangeErrors naming the value and change nothing", () => {
    const a = allFree(make, 64);
    const before = snapshot(a);
    expect(() => a.find(contiguousRequest(0, 0, 63))).toThrow(/pages .* got 0/);
    expect(() => a.find(contiguousRequest(1, 9, 3))).toThrow(/lowPfn \(9\) is above highPfn \(3\)/);
    expect(() => a.find(contiguousRequest(1, 0, 63, { alignPages: 3 }))).toThrow(/alignPages .* got 3/);
    expect(() => a.find(contiguousRequest(1, 0, 63, { boundaryPages: 24 }))).toThrow(/boundaryPages .* got 24/);
    expect(() => a.allocate(contiguousRequest(1.5, 0, 63))).toThrow(/got 1.5/);
    expect(() => a.markUsed(60, 10)).toThrow(/runs past the last page frame 63/);
    expect(() => a.markFree(-1, 1)).toThrow(/got -1/);
    expect(() => a.nextFree(Number.NaN)).toThrow(/fromPfn .* got NaN/);
    expect(() => a.largestFreeRun(0, 2.5)).toThrow(/highPfn .* got 2.5/);
    expect(() => a.countFree(-4, 10)).toThrow(/startPfn .* got -4/);
    expect(snapshot(a)).toBe(before);
  });

  it("nextFree finds the lowest free frame at or after a position", () => {
    const a = make(300);
    a.markFree(200, 5);
    expect(a.nextFree(0)).toBe(200);
    expect(a.nextFree(203)).toBe(203);
    expect(a.nextFree(205)).toBe(-1);
  });

  it("largestFreeRun measures inside the range only", () => {
    const a = allFree(make, 300);
    a.markUsed(100, 1);
    expect(a.largestFreeRun(0, 299)).toBe(199);
    expect(a.largestFreeRun(50, 150)).toBe(50);
    expect(a.largestFreeRun(100, 100)).toBe(0);
  });

  it("freeWord reports 32 frames per word and zero past the last frame", () => {
    const a = make(40);
    a.markFree(0, 40);
    expect(a.freeWord(0)).toBe(0xffffffff);
    expect(a.freeWord(1)).toBe(0xff);
    expect(a.freeWord(2)).toBe(0);
  });

  it("countFree counts free frames in [start, end), clipped to the machine", () => {
    const a = make(100);
    a.markFree(10, 50);
    expect(a.countFree(0, 100)).toBe(50);
    expect(a.countFree(20, 30)).toBe(10);
    expect(a.countFree(55, 500)).toBe(5);
    expect(a.countFree(70, 60)).toBe(0);
  });

  it("reports its metadata size", () => {
    expect(make(1 << 12).metadataBytes).toBeGreaterThan(0);
  });
});

describe("FastContiguousAllocator metadata", () => {
  it("costs at most 1 byte per page frame at 2^24 frames", () => {
    const a = new FastContiguousAllocator(1 << 24);
    expect(a.metadataBytes / (1 << 24)).toBeLessThanOrEqual(1);
  });

  it("rejects a leafShift outside [5, 16] naming the value", () => {
    expect(() => new FastContiguousAllocator(100, { leafShift: 3 })).toThrow(/leafShift .* got 3/);
  });
});
