import { describe, expect, it } from "vitest";
import { paramsOf } from "../core/findings.ts";
import { physicalAddress } from "../core/address.ts";
import { AllocateCommonBufferWithBounds } from "../hal/common-buffer.ts";
import type { DMA_ADAPTER } from "../hal/types.ts";
import { fillPatternAddressHint, firstFreeHint, formatNs, isFillPatternData, looksLikeFillPattern } from "./finding-hints.ts";
import { allocate, type Buffer, busMasterAdapter, machine } from "./test-machine.ts";

/** A common buffer with a logical address at or above 4 GiB (the HAL's logical allocator favours low addresses, so ask for it). */
function allocateAbove4g(a: DMA_ADAPTER, length: number): Buffer {
  const la = physicalAddress();
  const va = AllocateCommonBufferWithBounds(a, { QuadPart: 2n ** 32n }, null, length, 0, null, 0, la);
  if (va === null) throw new Error("AllocateCommonBufferWithBounds returned NULL");
  return { va, la: Number(la.QuadPart), length };
}
const free = (a: DMA_ADAPTER, b: Buffer): void => a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, true);
// Named so that the site the verifier captures (the driver's own frame that called the routine) shows in the message.
function firstFree(a: DMA_ADAPTER, b: Buffer): void {
  a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, true);
}

describe("finding hints: what would help fix a finding", () => {
  it("a double free names the routine, driver line and time of the first free", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    k.clock.runUntil(2500);
    firstFree(a, b);
    k.clock.runUntil(9000);
    free(a, b);
    const f = v.findings[0];
    expect(f?.code).toBe("DMA_COMMON_BUFFER_DOUBLE_FREE");
    expect(f?.message).toMatch(/first freed by FreeCommonBuffer at verifier\/finding-hints\.test\.ts:\d+:\d+ \(firstFree\) \(t = 2\.5 us\)/);
    expect(paramsOf(f ?? {})).toMatchObject({ firstFreeRoutine: "FreeCommonBuffer", firstFreeTime: 2500 });
  });

  it("a device access after the free names the first free too", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 4096);
    firstFree(a, b);
    k.bus.writeU32(k.busMasterOf("plx9656"), b.la, 1);
    expect(v.findings.map((f) => f.code)).toEqual(["DMA_USE_AFTER_FREE"]);
    expect(v.findings[0]?.message).toMatch(/first freed by FreeCommonBuffer at .*\(firstFree\)/);
  });

  it("an IOMMU fault at a live buffer's logical address cut to 32 bits names that buffer (a truncated 64-bit address)", () => {
    const { k, v } = machine("x64-iommu");
    const b = allocateAbove4g(busMasterAdapter(k, "plx9656"), 3 * 4096);
    expect(b.la).toBeGreaterThanOrEqual(2 ** 32);
    const low = (b.la + 4096 + 0x40) % 2 ** 32;
    k.bus.readU32(k.busMasterOf("plx9656"), low);
    const f = v.findings[0];
    expect(f?.code).toBe("DMA_IOMMU_FAULT");
    expect(f?.message).toContain("a 64-bit logical address truncated to 32 bits");
    expect(f?.message).toContain("common buffer at 0xFFFFC000`");
    expect(paramsOf(f ?? {}).truncatedFrom).toBe(b.la + 4096 + 0x40);
  });

  it("an IOMMU fault whose low 32 bits match no live buffer gets no truncation hint, nor does one after the buffer is freed", () => {
    const { k, v } = machine("x64-iommu");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocateAbove4g(a, 4096);
    const dev = k.busMasterOf("plx9656");
    k.bus.readU32(dev, 0x1234_5000);
    free(a, b);
    k.bus.readU32(dev, b.la % 2 ** 32);
    // Both concern no buffer: one finding, two occurrences.
    expect(v.findings.map((f) => [f.code, f.count])).toEqual([["DMA_IOMMU_FAULT", 2]]);
    expect(v.findings[0]?.occurrences.map((o) => [o.params?.["address"], o.message.includes("truncated")])).toEqual([
      [0x1234_5000, false],
      [b.la % 2 ** 32, false],
    ]);
  });

  it("a device access at an address made of the fill pattern says it is the never-written fill pattern (a finding apart from other wild accesses)", () => {
    const { k, v } = machine("x64-desktop");
    const dev = k.busMasterOf("plx9656");
    k.bus.write(dev, 0xdeadbeef_deadc000, new Uint8Array(16));
    k.bus.readU32(dev, 0xdeadbee0);
    k.bus.readU32(dev, 0x20_0000);
    expect(v.findings.map((f) => [f.code, f.count, paramsOf(f).fillPattern ?? false])).toEqual([
      ["DMA_OUTSIDE_BUFFER", 2, true],
      ["DMA_OUTSIDE_BUFFER", 1, false],
    ]);
    expect(v.findings[0]?.message).toContain("0xDEADBEEFDEADC000 is the never-written fill pattern");
    expect(v.findings[0]?.occurrences[1]?.message).toContain("0x0000DEADBEE0 is the never-written fill pattern");
  });

  it("a device read of never-written lines says it reads the fill pattern; memory written behind the verifier's back says so instead", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const fresh = allocate(a, 256);
    const poked = allocate(a, 256);
    k.memory.write(k.va.physicalAddressOf(poked.va), new Uint8Array(64).fill(7));
    const dev = k.busMasterOf("plx9656");
    k.bus.read(dev, fresh.la, new Uint8Array(16));
    k.bus.read(dev, poked.la, new Uint8Array(16));
    expect(v.findings.map((f) => [f.code, paramsOf(f).fillPattern])).toEqual([
      ["DMA_UNINITIALIZED_READ", true],
      ["DMA_UNINITIALIZED_READ", false],
    ]);
    expect(v.findings[0]?.message).toContain("it reads the never-written fill pattern EF BE AD DE (0xDEADBEEF)");
  });
});

describe("hint helpers", () => {
  it("fill-pattern addresses: high half 0xDEADBEEF above 4 GiB, or 0xDEADxxxx below; nothing else", () => {
    expect([0xdeadbeef_deadc000, 0xdeadbeef_00000000, 0xdeadbeef, 0xdeadbee0, 0xdead0000].map(looksLikeFillPattern)).toEqual([true, true, true, true, true]);
    expect([0, 0x20_0000, 0xdeae0000, 0x1_deadbeef, -1, NaN].map(looksLikeFillPattern)).toEqual([false, false, false, false, false, false]);
    expect(fillPatternAddressHint(0x1000)).toBe("");
  });

  it("fill-pattern data follows the address's phase (EF BE AD DE from a 4-byte boundary)", () => {
    expect(isFillPatternData(Uint8Array.of(0xef, 0xbe, 0xad, 0xde, 0xef), 0x1000)).toBe(true);
    expect(isFillPatternData(Uint8Array.of(0xbe, 0xad), 0x1001)).toBe(true);
    expect(isFillPatternData(Uint8Array.of(0xef, 0xbe), 0x1001)).toBe(false);
    expect(isFillPatternData(new Uint8Array(0), 0)).toBe(false);
  });

  it("first-free text and times", () => {
    expect(firstFreeHint(undefined)).toBe("");
    expect(firstFreeHint({ routine: "HalFreeCommonBuffer", site: "drv.ts:3:1", time: 1_500_000 })).toBe("; first freed by HalFreeCommonBuffer at drv.ts:3:1 (t = 1.5 ms)");
    expect([formatNs(850), formatNs(12_500), formatNs(2e9)]).toEqual(["850 ns", "12.5 us", "2 s"]);
  });
});
