import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { FindingInput } from "../core/findings.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { adapterObject } from "./adapter.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType, type SCATTER_GATHER_LIST } from "./types.ts";

function adapter(k: Kernel, dma64: boolean, version = 2): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: version, Master: true, ScatterGather: true, Dma32BitAddresses: true, Dma64BitAddresses: dma64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 64 * 1024 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

/** A buffer of the given page frames, mapped and described by an MDL, starting at `offset` in its first page. */
function buffer(k: Kernel, pfns: number[], offset: number, length: number): { va: number; mdl: MDL } {
  for (const p of pfns) expect(k.pfm.allocatePages(1, { effort: "full", lowPfn: p, highPfn: p })?.[0]).toBe(p);
  const m = k.va.map(pfns, "cached", "test buffer");
  const mdl = IoAllocateMdl(k, m.startVa + offset, length) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  return { va: m.startVa + offset, mdl };
}

function get(k: Kernel, a: DMA_ADAPTER, mdl: MDL, va: number, len: number, write: boolean): { status: number; list: SCATTER_GATHER_LIST | null; irql: number } {
  let list: SCATTER_GATHER_LIST | null = null;
  let irql = -1;
  const status = k.atDispatch(() =>
    (a.DmaOperations.GetScatterGatherList as NonNullable<typeof a.DmaOperations.GetScatterGatherList>)(a, k.pdo("plx9656"), mdl, va, len, (_d, _i, sg) => {
      list = sg;
      irql = k.KeGetCurrentIrql();
    }, null, write),
  );
  return { status, list, irql };
}

describe("GetScatterGatherList / PutScatterGatherList", () => {
  it("without an IOMMU the list is the buffer's physical runs, adjacent pages merged, and the routine runs at DISPATCH_LEVEL", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, true);
    const b = buffer(k, [0x5000, 0x5001, 0x7000], 0x100, 3 * 4096 - 0x200);
    const r = get(k, a, b.mdl, b.va, 3 * 4096 - 0x200, true);
    expect(r.status).toBe(STATUS.SUCCESS);
    expect(r.irql).toBe(DISPATCH_LEVEL);
    expect(r.list?.Elements.map((e) => [Number(e.Address.QuadPart), e.Length])).toEqual([
      [0x5000 * 4096 + 0x100, 2 * 4096 - 0x100],
      [0x7000 * 4096, 4096 - 0x100],
    ]);
  });

  it("a list for part of the buffer starts at CurrentVa and covers Length bytes", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, true);
    const b = buffer(k, [0x5000, 0x6000], 0, 8192);
    const r = get(k, a, b.mdl, b.va + 4000, 200, false);
    expect(r.list?.Elements.map((e) => [Number(e.Address.QuadPart), e.Length])).toEqual([
      [0x5000 * 4096 + 4000, 96],
      [0x6000 * 4096, 104],
    ]);
  });

  it("under an IOMMU the pages are mapped at fresh IOVAs of the device's domain (one element) and unmapped by PutScatterGatherList", () => {
    const k = bootMachine("x64-iommu");
    const a = adapter(k, true);
    const b = buffer(k, [0x5000, 0x9000], 0x10, 5000);
    const r = get(k, a, b.mdl, b.va, 5000, true);
    expect(r.list?.NumberOfElements).toBe(1);
    const la = Number(r.list?.Elements[0]?.Address.QuadPart);
    const dom = adapterObject(a).busMaster.domain;
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    expect(la % 4096).toBe(0x10);
    expect(iommu.physicalAddressOf(dom, la)).toBe(0x5000 * 4096 + 0x10);
    expect(iommu.physicalAddressOf(dom, la - 0x10 + 4096)).toBe(0x9000 * 4096);
    // A write to the device maps the pages read-only for it.
    expect(k.bus.write(adapterObject(a).busMaster, la, new Uint8Array(4))).toBe(false);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, r.list as SCATTER_GATHER_LIST, true));
    expect(iommu.physicalAddressOf(dom, la)).toBe(-1);
  });

  it("a 32-bit adapter without an IOMMU bounces a buffer above 4 GiB through map registers: copied out for a write, back for a read", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, false);
    const high = 0x1_4000_0000 / 4096;
    const b = buffer(k, [high], 0x80, 256);
    k.cpu.writeBytes(b.va, new Uint8Array(256).fill(0x42));
    const w = get(k, a, b.mdl, b.va, 256, true);
    const la = Number(w.list?.Elements[0]?.Address.QuadPart);
    expect(la).toBeLessThan(2 ** 32);
    const seen = new Uint8Array(256);
    k.bus.read(adapterObject(a).busMaster, la, seen);
    expect(seen).toEqual(new Uint8Array(256).fill(0x42));
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, w.list as SCATTER_GATHER_LIST, true));
    const r = get(k, a, b.mdl, b.va, 256, false);
    const la2 = Number(r.list?.Elements[0]?.Address.QuadPart);
    k.bus.write(adapterObject(a).busMaster, la2, new Uint8Array(256).fill(0x17));
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, r.list as SCATTER_GATHER_LIST, false));
    expect(k.cpu.readBytes(b.va, 256)).toEqual(new Uint8Array(256).fill(0x17));
  });

  it("putting a list twice is Driver Verifier's 0xE6 / 0x06 (too many scatter/gather lists freed: P2 built, P3 freed) and changes nothing", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const a = adapter(k, true);
    const b = buffer(k, [0x5000], 0, 100);
    const r = get(k, a, b.mdl, b.va, 100, true);
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, r.list as SCATTER_GATHER_LIST, true));
    k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, r.list as SCATTER_GATHER_LIST, true));
    expect(seen.map((f) => [f.code, f.bugCheck])).toEqual([["DMA_TOO_MANY_SCATTER_GATHER_LISTS_FREED", [0xe6, 0x06, 1, 2, 0]]]);
  });

  it("GetScatterGatherList at PASSIVE_LEVEL is reported as a wrong-IRQL finding", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const a = adapter(k, true);
    const b = buffer(k, [0x5000], 0, 100);
    a.DmaOperations.GetScatterGatherList?.(a, k.pdo("plx9656"), b.mdl, b.va, 100, () => undefined, null, true);
    expect(seen[0]?.code).toBe("DMA_WRONG_IRQL");
  });
});

describe("CalculateScatterGatherList / BuildScatterGatherList", () => {
  it("the size is header + one element per page spanned + the HAL's scratch, and the map registers are the pages", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, true);
    const size = { value: 0 };
    const regs = { value: 0 };
    expect(a.DmaOperations.CalculateScatterGatherList?.(a, null, 0x10, 8192, size, regs)).toBe(STATUS.SUCCESS);
    expect(regs.value).toBe(3);
    expect(size.value).toBe(16 + 3 * 24 + 64);
  });

  it("the version-1 table has no CalculateScatterGatherList or BuildScatterGatherList", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, true, 1);
    expect(a.DmaOperations.CalculateScatterGatherList).toBeNull();
    expect(a.DmaOperations.BuildScatterGatherList).toBeNull();
    expect(a.DmaOperations.GetScatterGatherList).not.toBeNull();
  });

  it("BuildScatterGatherList into a buffer that is too small gives STATUS_BUFFER_TOO_SMALL; a big enough one is filled", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k, true);
    const b = buffer(k, [0x5000, 0x8000], 0, 8192);
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    const build = a.DmaOperations.BuildScatterGatherList as NonNullable<typeof a.DmaOperations.BuildScatterGatherList>;
    expect(k.atDispatch(() => build(a, k.pdo("plx9656"), b.mdl, b.va, 8192, () => undefined, null, true, sg, 40))).toBe(STATUS.BUFFER_TOO_SMALL);
    let called = 0;
    expect(k.atDispatch(() => build(a, k.pdo("plx9656"), b.mdl, b.va, 8192, () => called++, null, true, sg, 1024))).toBe(STATUS.SUCCESS);
    expect(called).toBe(1);
    expect(sg.NumberOfElements).toBe(2);
  });
});
