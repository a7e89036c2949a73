import { describe, expect, it } from "vitest";
import { MiB, PAGE_SIZE, physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { DIRQL_MIN } from "../core/irql.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { runUptime } from "../kernel/workload.ts";
import { parseProfile } from "../machine/profile.ts";
import { commonBufferAt } from "./hal-state.ts";
import { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "./hal-common-buffer.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "./types.ts";

/** A small PC (256 MiB, no holes above 1 MiB) so that a simulated uptime runs in well under a second. */
const small = parseProfile({
  name: "small-pc",
  arch: "x64",
  memory: [
    { base: 0, length: "636KiB", type: "ram" },
    { base: "636KiB", length: "388KiB", type: "reserved" },
    { base: "1MiB", length: "255MiB", type: "ram" },
  ],
  devices: [{ name: "dev", bus: "pci" }],
});

function collect(k: Kernel): FindingInput[] {
  const list: FindingInput[] = [];
  k.findings = { report: (f) => list.push(f) };
  return list;
}

function adapter(k: Kernel): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo(k.profile.devices[0]?.name ?? ""), deviceDescription({ Version: 2, Master: true, ScatterGather: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: MiB }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

/** Pin every other page frame (unmovable), so no free run is longer than one page and compaction cannot help. */
function checkerboard(k: Kernel): void {
  for (const r of k.pfm.ramRanges()) {
    for (let p = r.start; p < r.end; p += 2) k.pfm.allocatePages(1, { effort: "full", kind: "unmovable", lowPfn: p, highPfn: p });
  }
}

describe("HalAllocateCommonBuffer", () => {
  it("at PASSIVE_LEVEL allocates whole pages, gives only Length bytes to the caller and returns the logical address", () => {
    const k = bootMachine("x64-desktop");
    const a = adapter(k);
    const la = physicalAddress();
    const va = HalAllocateCommonBuffer(a, 5000, la, true) as number;
    expect(commonBufferAt(k, va)).toMatchObject({ pages: 2, length: 5000, logical: Number(la.QuadPart), routine: "HalAllocateCommonBuffer" });
  });

  it("may be called at DISPATCH_LEVEL; above DISPATCH_LEVEL it is reported as 0xE6 / 0x13", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapter(k);
    expect(k.atDispatch(() => HalAllocateCommonBuffer(a, PAGE_SIZE, physicalAddress(), true))).not.toBeNull();
    expect(f).toHaveLength(0);
    k.atIrql(DIRQL_MIN, () => HalAllocateCommonBuffer(a, PAGE_SIZE, physicalAddress(), true));
    expect(f[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x13]);
  });

  it("ignores CacheEnabled on x64 (cached); ReactOS honours it, Windows does not", () => {
    const k = bootMachine("x64-desktop");
    const va = HalAllocateCommonBuffer(adapter(k), PAGE_SIZE, physicalAddress(), false) as number;
    expect(k.va.find(va)?.cache).toBe("cached");
  });

  it("on arm64-soc follows the device's _CCA like AllocateCommonBuffer: _CCA 0 gives uncached Device memory", () => {
    const k = bootMachine("arm64-soc");
    const nc = IoGetDmaAdapter(k, k.pdo("dma-noncoherent"), deviceDescription({ Version: 2, Master: true, ScatterGather: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.Internal, MaximumLength: MiB }), { value: 0 }) as DMA_ADAPTER;
    const c = IoGetDmaAdapter(k, k.pdo("nic-coherent"), deviceDescription({ Version: 2, Master: true, ScatterGather: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus, MaximumLength: MiB }), { value: 0 }) as DMA_ADAPTER;
    const va = HalAllocateCommonBuffer(nc, PAGE_SIZE, physicalAddress(), true) as number;
    const vb = HalAllocateCommonBuffer(c, PAGE_SIZE, physicalAddress(), false) as number;
    expect(k.va.find(va)).toMatchObject({ cache: "noncached", deviceMemory: true });
    expect(k.va.find(vb)).toMatchObject({ cache: "cached", deviceMemory: false });
  });

  it("HalFreeCommonBuffer with matching values (even at DISPATCH_LEVEL) returns the pages", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const a = adapter(k);
    const free0 = k.pfm.stats.freePages;
    const la = physicalAddress();
    const va = HalAllocateCommonBuffer(a, 3 * PAGE_SIZE, la, true) as number;
    k.atDispatch(() => HalFreeCommonBuffer(a, 3 * PAGE_SIZE, la, va, true));
    expect(k.pfm.stats.freePages).toBe(free0);
    expect(f).toHaveLength(0);
  });

  it("after a simulated uptime, at DISPATCH_LEVEL only one-page buffers can be had, at PASSIVE_LEVEL larger ones too (compaction)", () => {
    const k = bootMachine(small);
    runUptime(k.pfm, { seed: 7, seconds: 120 });
    const a = adapter(k);
    const dispatch = (pages: number) => k.atDispatch(() => HalAllocateCommonBuffer(a, pages * PAGE_SIZE, physicalAddress(), true));
    expect(dispatch(1)).not.toBeNull();
    expect(dispatch(16)).toBeNull();
    // Several one-page requests succeed where the one large request failed.
    for (let i = 0; i < 16; i++) expect(dispatch(1)).not.toBeNull();
    const before = k.pfm.stats.compactions;
    expect(HalAllocateCommonBuffer(a, 16 * PAGE_SIZE, physicalAddress(), true)).not.toBeNull();
    expect(k.pfm.stats.compactions).toBe(before + 1);
  });

  it("with the device behind the IOMMU, pages need not be contiguous: a multi-page buffer succeeds at DISPATCH_LEVEL after uptime", () => {
    const p = parseProfile({ ...small, name: "small-iommu", iommu: { enabled: true, addressWidth: 48 }, devices: [{ name: "dev", bus: "pci", remapping: true }] });
    const k = bootMachine(p);
    runUptime(k.pfm, { seed: 7, seconds: 120 });
    const a = adapter(k);
    expect(k.atDispatch(() => HalAllocateCommonBuffer(a, 16 * PAGE_SIZE, physicalAddress(), true))).not.toBeNull();
  });
});

describe("several one-page requests vs one large request", () => {
  it("on a fragmented machine 16 one-page AllocateCommonBuffer requests succeed where one 16-page request fails", () => {
    const k = bootMachine(small);
    checkerboard(k);
    const a = adapter(k);
    const free0 = k.pfm.stats.freePages;
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, 16 * PAGE_SIZE, physicalAddress(), true)).toBeNull();
    expect(k.pfm.stats.freePages).toBe(free0);
    const vas: number[] = [];
    for (let i = 0; i < 16; i++) {
      const va = a.DmaOperations.AllocateCommonBuffer?.(a, PAGE_SIZE, physicalAddress(), true) ?? null;
      expect(va).not.toBeNull();
      vas.push(va as number);
    }
    expect(k.pfm.stats.freePages).toBe(free0 - 16);
  });
});
