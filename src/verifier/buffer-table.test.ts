import { describe, expect, it } from "vitest";
import { BufferTable, KIND_COMMON_BUFFER, KIND_TRANSFER, STATE_FREED, STATE_LIVE } from "./buffer-table.ts";

const PAGE = 4096;

function add(t: BufferTable, pfns: Int32Array | null, pfn0: number, pages: number, logical = pfn0 * PAGE): number {
  return t.addFields(KIND_COMMON_BUFFER, 0xc000_0000_0000 + pfn0 * 2 * PAGE, pages * PAGE, pages, logical, pfns, pfn0, 0, 0, 0);
}

describe("BufferTable", () => {
  it("a physically scattered buffer maps each of its page frames to its page index (runs, binary search)", () => {
    const t = new BufferTable();
    const pfns = Int32Array.of(900, 901, 902, 100, 101, 5000, 7);
    const id = add(t, pfns, 900, pfns.length, 0x7000_0000);
    for (let i = 0; i < pfns.length; i++) {
      expect(t.byPfn.get(pfns[i] as number)).toBe(id);
      expect(t.pageIndex(id, pfns[i] as number)).toBe(i);
      expect(t.physicalAt(id, i * PAGE + 12)).toBe((pfns[i] as number) * PAGE + 12);
    }
    expect(t.pageIndex(id, 903)).toBe(-1);
    expect(t.pageIndex(id, 8)).toBe(-1);
    expect(t.byLpn.get(0x7000_0000 / PAGE + 6)).toBe(id);
  });

  it("a freed buffer stays findable in quarantine, and a new buffer over its pages wins", () => {
    const t = new BufferTable();
    const a = add(t, null, 0x10_0000, 4);
    t.free(a);
    expect(t.stateOf(t.byPfn.get(0x10_0002))).toBe(STATE_FREED);
    const b = add(t, null, 0x10_0001, 2);
    expect(t.byPfn.get(0x10_0001)).toBe(b);
    expect(t.stateOf(b)).toBe(STATE_LIVE);
    expect(t.byPfn.get(0x10_0003)).toBe(a);
  });

  it("bookkeeping for a 4 GiB - 4 KiB buffer above 4 GiB is a few thousand index operations, not one per page", () => {
    const t = new BufferTable();
    const pages = 2 ** 20 - 1;
    const id = add(t, null, 2 ** 20, pages);
    expect(t.byPfn.work).toBeLessThan(8 * 2048 + 1024);
    expect(t.byPfn.get(2 ** 20 + pages - 1)).toBe(id);
    t.free(id);
    // Push it out of quarantine: 4096 later frees of one-page buffers.
    for (let i = 0; i < 4096; i++) t.free(add(t, null, 10 + i, 1));
    expect(t.byPfn.get(2 ** 20 + 77)).toBe(-1);
  });

  it("a scattered buffer of R runs costs about R index entries plus its whole granules", () => {
    const t = new BufferTable();
    const pfns = new Int32Array(64 * 1024);
    // 64 runs of 1024 pages, far apart and in descending order.
    for (let i = 0; i < pfns.length; i++) pfns[i] = (63 - (i >> 10)) * 8192 + (i & 1023) + 100;
    const w0 = t.byPfn.work;
    const id = add(t, pfns, pfns[0] as number, pfns.length, 2 ** 36);
    // Each run: one whole granule and two partial ones (412 + 100 pages).
    expect(t.byPfn.work - w0).toBeLessThan(64 * (3 * 8 + 1024));
    expect(t.pageIndex(id, 100)).toBe(63 * 1024);
    expect(t.byLpn.work).toBeLessThan(8 * 128 + 16);
  });
  it("a buffer added as initialised (a mapped transfer) reads as written everywhere, with no per-page bits kept", () => {
    const t = new BufferTable();
    const id = t.addFields(KIND_TRANSFER, 0, 3 * PAGE, 3, 0x50_0000 * PAGE, null, 0x50_0000, 0, -1, 0, true);
    expect(t.fullyInitialised(id)).toBe(true);
    expect(t.firstUninit(id, 0, 3 * PAGE)).toBe(-1);
    expect(t.initMore[id] ?? null).toBeNull();
    const other = add(t, null, 0x60_0000, 3);
    expect(t.firstUninit(other, 0, 3 * PAGE)).toBe(0);
    t.markInit(other, 0, PAGE);
    expect(t.firstUninit(other, 0, 3 * PAGE)).toBe(PAGE);
  });

  it("every allocation has its own key, also when it reuses a freed buffer's slot", () => {
    const t = new BufferTable();
    const a = add(t, null, 0x10_0000, 1);
    const keyA = t.allocationKey(a);
    t.free(a);
    // Push it out of quarantine, so that its slot is reused.
    for (let i = 0; i < 4096; i++) t.free(add(t, null, 10 + i, 1));
    const b = add(t, null, 0x20_0000, 1);
    expect(b).toBe(a);
    expect(t.allocationKey(b)).not.toBe(keyA);
    expect(t.allocationKey(b)).not.toBe(t.allocationKey(t.byPfn.get(10)));
  });

  it("a free is remembered (routine, site, time) while the record is, and forgotten when the slot is allocated again", () => {
    const t = new BufferTable();
    const a = add(t, null, 0x10_0000, 2);
    expect(t.freeOf(a)).toBeUndefined();
    t.free(a, "HalFreeCommonBuffer", 9, 77);
    expect(t.freeOf(a)).toEqual({ routine: "HalFreeCommonBuffer", site: 9, time: 77 });
    expect([t.stateOf(a), t.timeOf(a), t.pagesOf(a), t.kindOf(a), t.contiguous(a)]).toEqual([STATE_FREED, 77, 2, KIND_COMMON_BUFFER, true]);
    const b = add(t, null, 0x30_0000, 1);
    t.free(b, "FreeCommonBuffer", 4, 5);
    expect([t.freeOf(a)?.routine, t.freeOf(b)?.routine]).toEqual(["HalFreeCommonBuffer", "FreeCommonBuffer"]);
    // A free without a routine (an unmapped transfer) records nothing.
    const c = add(t, null, 0x40_0000, 1);
    t.free(c);
    expect(t.freeOf(c)).toBeUndefined();
    for (let i = 0; i < 4096; i++) t.free(add(t, null, 10 + i, 1));
    expect(t.freeOf(a)).toBeUndefined();
    expect(t.freeOf(-1)).toBeUndefined();
  });

  it("records beyond the first thousand grow the rows and keep what was there", () => {
    const t = new BufferTable();
    const ids: number[] = [];
    for (let i = 0; i < 3000; i++) ids.push(t.addFields(KIND_TRANSFER, 0, 2 * PAGE, 2, (5000 + 2 * i) * PAGE, null, 5000 + 2 * i, i % 7, i, i * 3, true));
    t.free(ids[5] as number, "FreeCommonBuffer", 1, 2);
    for (const [i, id] of ids.entries()) {
      expect([t.pfn0Of(id), t.pagesOf(id), t.deviceOf(id), t.siteOf(id), t.lengthOf(id)]).toEqual([5000 + 2 * i, 2, i % 7, i, 2 * PAGE]);
      expect(t.byPfn.get(5001 + 2 * i)).toBe(id);
    }
    expect(t.freeOf(ids[5] as number)?.time).toBe(2);
    expect(t.timeOf(ids[2999] as number)).toBe(2999 * 3);
    expect(t.live).toBe(2999);
  });

  it("a long free / allocate churn of one-page buffers costs a few index operations per pair, however many are live", () => {
    // The bench's map/unmap pattern: a ring of one-page buffers, the oldest freed, a new one allocated.
    for (const live of [1024, 65_536]) {
      const t = new BufferTable();
      const pool = live + 8192;
      for (let i = 0; i < live; i++) add(t, null, 0x10_0000 + i, 1);
      let head = 0;
      let tail = live;
      const w0 = t.byPfn.work + t.byLpn.work;
      const pairs = 100_000;
      for (let n = 0; n < pairs; n++) {
        const id = t.commonBufferAt(0x10_0000 + head, 0xc000_0000_0000 + (0x10_0000 + head) * 2 * PAGE);
        expect(id).toBeGreaterThanOrEqual(0);
        t.free(id, "FreeCommonBuffer", 0, n);
        add(t, null, 0x10_0000 + tail, 1);
        head = (head + 1) % pool;
        tail = (tail + 1) % pool;
      }
      expect(t.live).toBe(live);
      expect((t.byPfn.work + t.byLpn.work - w0) / pairs, `${live} live`).toBeLessThan(8);
    }
  });
});

