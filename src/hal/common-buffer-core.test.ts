import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "./types.ts";

function remappedAdapter(): { k: ReturnType<typeof bootMachine>; a: DMA_ADAPTER } {
  const k = bootMachine("x64-iommu", { seed: 9 });
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 << 20 }), { value: 0 }) as DMA_ADAPTER;
  return { k, a };
}

describe("common buffers behind an IOMMU", () => {
  it("are mapped into the device's domain by physical run (Iommu.mapRuns), one IOMMU run per run taken, never page by page", () => {
    const { k, a } = remappedAdapter();
    const iommu = k.iommu;
    if (iommu === null) throw new Error("x64-iommu has an IOMMU");
    const calls: string[] = [];
    const map = iommu.map.bind(iommu);
    const mapRuns = iommu.mapRuns.bind(iommu);
    iommu.map = (...args: Parameters<typeof map>) => {
      calls.push("map");
      return map(...args);
    };
    iommu.mapRuns = (...args: Parameters<typeof mapRuns>) => {
      calls.push(`mapRuns:${args[2].length / 2}`);
      return mapRuns(...args);
    };
    const la = physicalAddress();
    const length = 64 * 4096;
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, length, la, true) ?? null;
    expect(va).not.toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^mapRuns:\d+$/);
    const domain = k.board.device("plx9656").busMaster.domain;
    const m = iommu.mappingAt(domain, Number(la.QuadPart));
    expect(m?.pages).toBe(64);
    // 64 pages taken in runs of at most 8 frames: scattered, so several runs, each one IOMMU run (adjacent ones joined).
    expect((m?.runs.length ?? 0) / 2).toBeLessThanOrEqual(Number(/\d+$/.exec(calls[0] ?? "")?.[0]));
    expect((m?.runs.length ?? 0) / 2).toBeGreaterThan(1);
    // Every page translates to the frame the CPU's mapping holds.
    const pfns = k.va.find(va as number)?.pfns ?? new Int32Array(0);
    for (let p = 0; p < 64; p++) expect(iommu.physicalAddressOf(domain, Number(la.QuadPart) + p * 4096)).toBe((pfns[p] as number) * 4096);
    a.DmaOperations.FreeCommonBuffer?.(a, length, la, va as number, true);
    expect(iommu.mappingAt(domain, Number(la.QuadPart))).toBeUndefined();
  });
});
