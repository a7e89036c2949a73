import { describe, expect, it } from "vitest";
import { MiB, physicalAddress } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import type { DMA_COMMON_BUFFER_VECTOR } from "./common-buffer-vector.ts";
import { setDmaOsBuild } from "./hal-state.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType, MM_ANY_NODE_OK, MmCached, MmWriteCombined } from "./types.ts";

function adapter(k: Kernel): DMA_ADAPTER {
  return IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: MiB }), { value: 0 }) as DMA_ADAPTER;
}

function vector(k: Kernel, a: DMA_ADAPTER, n = 4): DMA_COMMON_BUFFER_VECTOR {
  const out: { value: DMA_COMMON_BUFFER_VECTOR | null } = { value: null };
  expect(a.DmaOperations.AllocateCommonBufferVector?.(a, { QuadPart: 0n }, { QuadPart: 0xffff_ffffn }, MmCached, MM_ANY_NODE_OK, 0, n, 3000, out)).toBe(STATUS.SUCCESS);
  return out.value as DMA_COMMON_BUFFER_VECTOR;
}

function stop(fn: () => void): BugCheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BugCheckError) return e;
    throw e;
  }
  throw new Error("expected a bug check");
}

describe("common-buffer vectors (Windows 10 2004 tables)", () => {
  it("the vector slots are filled from the win10-2004 table on and null before", () => {
    const k = bootMachine("x64-desktop");
    expect(adapter(k).DmaOperations.AllocateCommonBufferVector).not.toBeNull();
    setDmaOsBuild(k, "win10-1803");
    expect(adapter(k).DmaOperations.AllocateCommonBufferVector).toBeNull();
  });

  it("AllocateCommonBufferVector gives N elements of SizeOfElements bytes below HighAddress, each its own page(s)", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const v = vector(k, a, 4);
    const vas = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const va = { value: 0 };
      const la = physicalAddress();
      a.DmaOperations.GetCommonBufferFromVectorByIndex?.(a, v, i, va, la);
      expect(la.QuadPart).toBeLessThanOrEqual(0xffff_ffffn);
      vas.add(va.value);
    }
    expect(vas.size).toBe(4);
  });

  it("bad arguments give STATUS_INVALID_PARAMETER and no vector", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const out: { value: DMA_COMMON_BUFFER_VECTOR | null } = { value: null };
    expect(a.DmaOperations.AllocateCommonBufferVector?.(a, { QuadPart: 0n }, { QuadPart: 0xffff_ffffn }, MmWriteCombined, MM_ANY_NODE_OK, 0, 2, 100, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(a.DmaOperations.AllocateCommonBufferVector?.(a, { QuadPart: 0n }, { QuadPart: 0xffff_ffffn }, MmCached, MM_ANY_NODE_OK, 1, 2, 100, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(a.DmaOperations.AllocateCommonBufferVector?.(a, { QuadPart: 0n }, { QuadPart: 0xffff_ffffn }, MmCached, MM_ANY_NODE_OK, 0, 0, 100, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(out.value).toBeNull();
  });

  it("when not every element fits, none is kept: STATUS_INSUFFICIENT_RESOURCES", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const free0 = k.pfm.stats.freePages;
    const out: { value: DMA_COMMON_BUFFER_VECTOR | null } = { value: null };
    expect(a.DmaOperations.AllocateCommonBufferVector?.(a, { QuadPart: 0n }, { QuadPart: 0x20_ffffn }, MmCached, MM_ANY_NODE_OK, 0, 1000, 4096, out)).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(k.pfm.stats.freePages).toBe(free0);
  });

  it("correct driver: every element freed, then the vector — no bug check", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const v = vector(k, a, 3);
    for (let i = 0; i < 3; i++) a.DmaOperations.FreeCommonBufferFromVector?.(a, v, i);
    a.DmaOperations.FreeCommonBufferVector?.(a, v);
    expect(v.freed).toBe(true);
  });

  it("broken driver: the vector freed with an element left is 0x1DC / 2 (index, VA, logical address)", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const v = vector(k, a, 3);
    const la = { QuadPart: 0n };
    a.DmaOperations.GetCommonBufferFromVectorByIndex?.(a, v, 1, { value: 0 }, la);
    a.DmaOperations.FreeCommonBufferFromVector?.(a, v, 0);
    const e = stop(() => a.DmaOperations.FreeCommonBufferVector?.(a, v));
    expect([e.code, e.params[0], e.params[1]]).toEqual([0x1dc, 2, 1]);
    expect(e.params[3]).toBe(la.QuadPart);
  });

  it("broken driver: an index past the end is 0x1DC / 3 (entries, index)", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const v = vector(k, a, 2);
    const e = stop(() => a.DmaOperations.GetCommonBufferFromVectorByIndex?.(a, v, 2, { value: 0 }, physicalAddress()));
    expect([e.code, ...e.params.slice(0, 3)]).toEqual([0x1dc, 3, 2, 2]);
  });

  it("broken driver: an element freed twice is 0x1DC / 4 (index)", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const v = vector(k, a, 2);
    a.DmaOperations.FreeCommonBufferFromVector?.(a, v, 1);
    const e = stop(() => a.DmaOperations.FreeCommonBufferFromVector?.(a, v, 1));
    expect([e.code, e.params[0], e.params[1]]).toEqual([0x1dc, 4, 1]);
  });

  it("broken driver: PutDmaAdapter with a vector never freed is 0x1DC / 5 (common buffer leaked); with the vector freed there is no stop", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    vector(k, a, 2);
    const e = stop(() => a.DmaOperations.PutDmaAdapter?.(a));
    expect([e.code, ...e.params]).toEqual([0x1dc, 5, 0, 0, 0]);
    const b = adapter(k);
    const v = vector(k, b, 1);
    b.DmaOperations.FreeCommonBufferFromVector?.(b, v, 0);
    b.DmaOperations.FreeCommonBufferVector?.(b, v);
    b.DmaOperations.PutDmaAdapter?.(b);
  });

  it("broken driver: allocating a vector at DISPATCH_LEVEL is 0x1DC / 1 (current IRQL)", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const e = stop(() => k.atDispatch(() => vector(k, a)));
    expect([e.code, e.params[0], e.params[1]]).toEqual([0x1dc, 1, DISPATCH_LEVEL]);
  });

  it("a Vector that did not come from AllocateCommonBufferVector is the emulator's TypeError naming the parameter", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const forged = { Type: "DMA_COMMON_BUFFER_VECTOR", adapter: a, freed: false } as const;
    expect(() => a.DmaOperations.FreeCommonBufferVector?.(a, forged)).toThrow(/Vector is not a DMA_COMMON_BUFFER_VECTOR from AllocateCommonBufferVector/);
  });
});
