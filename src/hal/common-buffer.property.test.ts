import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, physicalAddress } from "../core/address.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { parseProfile } from "../machine/profile.ts";
import { adapterObject } from "./adapter.ts";
import { HalAllocateCommonBuffer } from "./hal-common-buffer.ts";
import { commonBufferAt } from "./hal-state.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, DmaWidth, InterfaceType } from "./types.ts";

const base = {
  arch: "x64",
  memory: [
    { base: 0, length: "636KiB", type: "ram" },
    { base: "636KiB", length: "388KiB", type: "reserved" },
    { base: "1MiB", length: "63MiB", type: "ram" },
  ],
} as const;
const plain = parseProfile({ ...base, name: "prop", devices: [{ name: "isa", bus: "isa" }, { name: "a", bus: "pci" }, { name: "b", bus: "pci" }] });
const remapped = parseProfile({ ...base, name: "prop-iommu", iommu: { enabled: true, addressWidth: 40 }, devices: [{ name: "isa", bus: "isa" }, { name: "a", bus: "pci", remapping: true }, { name: "b", bus: "pci", remapping: true }] });

const descriptions: [string, Partial<DEVICE_DESCRIPTION>][] = [
  ["isa", { Master: false, DmaChannel: 1, DmaWidth: DmaWidth.Width8Bits, InterfaceType: InterfaceType.Isa, AutoInitialize: true }],
  ["a", { Master: true, Version: 3, DmaAddressWidth: 25, InterfaceType: InterfaceType.PCIBus }],
  ["b", { Master: true, Version: 2, ScatterGather: true, Dma64BitAddresses: true, InterfaceType: InterfaceType.PCIBus }],
  ["b", { Master: true, Version: 2, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus }],
];

type Op = { kind: "alloc"; adapter: number; length: number; hal: boolean } | { kind: "free"; pick: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("alloc" as const), adapter: fc.nat({ max: descriptions.length - 1 }), length: fc.integer({ min: 1, max: 20 * PAGE_SIZE }), hal: fc.boolean() }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
);

interface Live {
  a: DMA_ADAPTER;
  va: number;
  la: bigint;
  length: number;
}

function snapshot(k: Kernel): string {
  const words: number[] = [];
  for (let i = 0; i * 32 < k.map.pageCount; i++) words.push(k.pfm.allocator.freeWord(i));
  const iova = k.iommu === null ? [] : Array.from({ length: k.iommu.domainCount }, (_, d) => k.iommu?.freeIovaRanges(d));
  return JSON.stringify({ words, iova, mappings: k.va.mappingCount, free: k.pfm.stats.freePages });
}

let allocated = 0;

function run(profile: typeof plain, ops: Op[]): void {
  const k = bootMachine(profile);
  const adapters = descriptions.map(([dev, d]) => IoGetDmaAdapter(k, k.pdo(dev), deviceDescription({ MaximumLength: 65536, ...d }), { value: 0 }) as DMA_ADAPTER);
  const before = snapshot(k);
  const live: Live[] = [];
  for (const o of ops) {
    if (o.kind === "alloc") {
      const a = adapters[o.adapter] as DMA_ADAPTER;
      const la = physicalAddress();
      const va = o.hal ? HalAllocateCommonBuffer(a, o.length, la, true) : (a.DmaOperations.AllocateCommonBuffer?.(a, o.length, la, true) ?? null);
      if (va !== null) {
        live.push({ a, va, la: la.QuadPart, length: o.length });
        allocated++;
      }
    } else if (live.length > 0) {
      const [b] = live.splice(o.pick % live.length, 1);
      if (b !== undefined) b.a.DmaOperations.FreeCommonBuffer?.(b.a, b.length, { QuadPart: b.la }, b.va, true);
    }
    check(k, live);
  }
  for (const b of live) b.a.DmaOperations.FreeCommonBuffer?.(b.a, b.length, { QuadPart: b.la }, b.va, true);
  expect(snapshot(k)).toBe(before);
}

function check(k: Kernel, live: Live[]): void {
  const frames = new Set<number>();
  const logical: [number, number, number][] = [];
  for (const b of live) {
    const cb = commonBufferAt(k, b.va);
    expect(cb).toBeDefined();
    if (cb === undefined) return;
    const ao = adapterObject(b.a);
    const first = cb.logical;
    const last = cb.logical + cb.pages * PAGE_SIZE - 1;
    // Inside the adapter's reach, not across its boundary.
    expect(last).toBeLessThanOrEqual(ao.reach.maxAddress);
    expect(Math.floor(first / ao.reach.boundary)).toBe(Math.floor(last / ao.reach.boundary));
    // No two live buffers share a page frame.
    for (const p of cb.pfns) {
      expect(frames.has(p)).toBe(false);
      frames.add(p);
    }
    logical.push([cb.remapped ? ao.busMaster.domain : -1, first, last]);
  }
  // No two live buffers overlap in one logical address space.
  logical.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (let i = 1; i < logical.length; i++) {
    const p = logical[i - 1] as [number, number, number];
    const c = logical[i] as [number, number, number];
    if (p[0] === c[0]) expect(c[1]).toBeGreaterThan(p[2]);
  }
}

describe("common buffers under random allocate/free sequences (property)", () => {
  it("live buffers never overlap, stay inside each adapter's reach and boundary, and freeing everything restores the allocator", () => {
    allocated = 0;
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => run(plain, ops)), { numRuns: 60, seed: 3 });
    expect(allocated).toBeGreaterThan(600);
  });

  it("the same holds with DMA remapping (IOVA spaces per device, scattered pages)", () => {
    allocated = 0;
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => run(remapped, ops)), { numRuns: 60, seed: 4 });
    expect(allocated).toBeGreaterThan(600);
  });
});
