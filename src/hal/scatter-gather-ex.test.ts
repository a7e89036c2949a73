import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { MmAllocateContiguousMemorySpecifyCache, MmCached } from "../kernel/contiguous-memory.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { adapterObject } from "./adapter.ts";
import { liveScatterGatherLists } from "./sg-list.ts";
import { DeallocateObject, DMA_SYNCHRONOUS_CALLBACK, type MapRegisterBase, type SCATTER_GATHER_LIST } from "./types.ts";
import { buffer, context, fdo, machine, masterV3, systemV3 } from "./v3-test-support.ts";

describe("GetScatterGatherListEx", () => {
  it("builds the list from Offset and runs the AdapterListControl routine at DISPATCH_LEVEL (callable from PASSIVE_LEVEL); PutScatterGatherList releases it", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x5001, 0x7000], 0, 3 * 4096);
    const got: unknown[] = [];
    let list: SCATTER_GATHER_LIST | null = null;
    const st = a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 100, 3 * 4096 - 100, 0, (_d, _i, sg, c) => {
      list = sg;
      got.push([sg.Elements.map((e) => [Number(e.Address.QuadPart), e.Length]), c, k.KeGetCurrentIrql()]);
    }, "c", true, null, null, null);
    expect(st).toBe(STATUS.SUCCESS);
    expect(got).toEqual([[[[0x5000 * 4096 + 100, 2 * 4096 - 100], [0x7000 * 4096, 4096]], "c", DISPATCH_LEVEL]]);
    expect(liveScatterGatherLists(adapterObject(a))).toBe(1);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, list as unknown as SCATTER_GATHER_LIST, true));
    expect(liveScatterGatherLists(adapterObject(a))).toBe(0);
    expect(seen).toEqual([]);
  });

  it("while the adapter's channel is held the request waits in its context; CancelAdapterChannel takes it off (the routine never runs)", () => {
    const { k } = machine();
    const a = masterV3(k);
    const held: { value: MapRegisterBase } = { value: null };
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, DMA_SYNCHRONOUS_CALLBACK, null, null, held));
    const b = buffer(k, [0x5000], 0, 4096);
    const ctx = context(a);
    let ran = 0;
    const dev = fdo(k);
    expect(a.DmaOperations.GetScatterGatherListEx?.(a, dev, ctx, b.mdl, 0, 4096, 0, () => void ran++, null, true, null, null, null)).toBe(STATUS.SUCCESS);
    expect(ran).toBe(0);
    expect(a.DmaOperations.CancelAdapterChannel?.(a, dev, ctx)).toBe(true);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    expect(ran).toBe(0);
    // A request that is not cancelled runs when the channel comes free.
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), 1, DMA_SYNCHRONOUS_CALLBACK, null, null, held));
    a.DmaOperations.GetScatterGatherListEx?.(a, dev, context(a), b.mdl, 0, 4096, 0, () => void ran++, null, true, null, null, null);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    expect(ran).toBe(1);
  });

  it("DMA_SYNCHRONOUS_CALLBACK without a routine returns the list in ScatterGatherList; the driver frees the adapter object, then puts the list", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    const out: { value: SCATTER_GATHER_LIST | null } = { value: null };
    expect(a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, DMA_SYNCHRONOUS_CALLBACK, null, null, false, null, null, out)).toBe(STATUS.SUCCESS);
    expect(out.value?.NumberOfElements).toBe(1);
    a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, out.value as SCATTER_GATHER_LIST, false));
    expect(seen).toEqual([]);
  });

  it("parameter rules: no routine without DMA_SYNCHRONOUS_CALLBACK, or without ScatterGatherList, a completion routine, a system DMA adapter: STATUS_INVALID_PARAMETER", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    const out = { value: null };
    expect(a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, 0, null, null, true, null, null, out)).toBe(STATUS.INVALID_PARAMETER);
    expect(a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, DMA_SYNCHRONOUS_CALLBACK, null, null, true, null, null, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, 0, () => undefined, null, true, () => undefined, null, null)).toBe(STATUS.INVALID_PARAMETER);
    const s = systemV3(k, 5);
    expect(s.DmaOperations.GetScatterGatherListEx?.(s, fdo(k, "sb16"), context(s), b.mdl, 0, 4096, 0, () => undefined, null, true, null, null, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => f.code)).toEqual(["DMA_WRONG_ADAPTER_KIND"]);
  });
});

describe("BuildScatterGatherListEx", () => {
  it("builds into the caller's buffer (the ScatterGatherList out pointer is that buffer); must be called at DISPATCH_LEVEL", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    const out: { value: SCATTER_GATHER_LIST | null } = { value: null };
    expect(k.atDispatch(() => a.DmaOperations.BuildScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, 0, () => undefined, null, true, sg, 4096, null, null, out))).toBe(STATUS.SUCCESS);
    expect(out.value).toBe(sg);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, sg, true));
    a.DmaOperations.BuildScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 4096, 0, () => undefined, null, true, { NumberOfElements: 0, Elements: [] }, 4096, null, null, null);
    expect(seen.map((f) => f.bugCheck?.slice(0, 3))).toEqual([[0xe6, 0x13, 1]]);
  });
});

describe("BuildMdlFromScatterGatherList", () => {
  it("for a list that needed no copy the target is the original MDL; for a bounced one a new MDL over the HAL's copy, whose bytes are the data", () => {
    const { k } = machine();
    const direct = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    let list: SCATTER_GATHER_LIST | null = null;
    k.atDispatch(() => direct.DmaOperations.GetScatterGatherList?.(direct, fdo(k), b.mdl, b.va, 4096, (_d, _i, sg) => void (list = sg), null, true));
    const t: { value: MDL | null } = { value: null };
    expect(direct.DmaOperations.BuildMdlFromScatterGatherList?.(direct, list as unknown as SCATTER_GATHER_LIST, b.mdl, t)).toBe(STATUS.SUCCESS);
    expect(t.value).toBe(b.mdl);
    // A 32-bit master and a buffer above 4 GiB: the HAL copies the data below 4 GiB.
    const narrow = masterV3(k, { DmaAddressWidth: 32 });
    const va = MmAllocateContiguousMemorySpecifyCache(k, 4096, physicalAddress(5 * 2 ** 30), physicalAddress(6 * 2 ** 30), physicalAddress(0), MmCached) as number;
    k.cpu.RtlFillMemory(va, 4096, 0x3c);
    const mdl = IoAllocateMdl(k, va, 4096) as MDL;
    MmBuildMdlForNonPagedPool(k, mdl);
    let bounced: SCATTER_GATHER_LIST | null = null;
    k.atDispatch(() => narrow.DmaOperations.GetScatterGatherList?.(narrow, fdo(k), mdl, va, 4096, (_d, _i, sg) => void (bounced = sg), null, true));
    const t2: { value: MDL | null } = { value: null };
    expect(narrow.DmaOperations.BuildMdlFromScatterGatherList?.(narrow, bounced as unknown as SCATTER_GATHER_LIST, mdl, t2)).toBe(STATUS.SUCCESS);
    expect(t2.value).not.toBe(mdl);
    const copy = t2.value as MDL;
    expect(copy.pfns[0]).toBeLessThan(2 ** 20);
    expect(k.cpu.readBytes(copy.MappedSystemVa, 4096).every((x) => x === 0x3c)).toBe(true);
    // A second call on the same list: STATUS_NONE_MAPPED.
    expect(narrow.DmaOperations.BuildMdlFromScatterGatherList?.(narrow, bounced as unknown as SCATTER_GATHER_LIST, mdl, { value: null })).toBe(STATUS.NONE_MAPPED);
  });

  it("a NULL OriginalMdl, or a list that is not live, is STATUS_INVALID_PARAMETER", () => {
    const { k } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000], 0, 4096);
    let list: SCATTER_GATHER_LIST | null = null;
    k.atDispatch(() => a.DmaOperations.GetScatterGatherList?.(a, fdo(k), b.mdl, b.va, 4096, (_d, _i, sg) => void (list = sg), null, true));
    const sg = list as unknown as SCATTER_GATHER_LIST;
    expect(a.DmaOperations.BuildMdlFromScatterGatherList?.(a, sg, null, { value: null })).toBe(STATUS.INVALID_PARAMETER);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, sg, true));
    expect(a.DmaOperations.BuildMdlFromScatterGatherList?.(a, sg, b.mdl, { value: null })).toBe(STATUS.INVALID_PARAMETER);
  });
});
