/**
 * The host-cost cliffs of big common buffers, held by operation counts (never
 * by time): a 4 GiB - 4 KiB buffer on x64-server with the verifier on, and
 * several big live buffers above 4 GiB, cost the verifier a bounded number of
 * index operations per 2 MiB granule; writing a buffer backs it once.
 */
import { describe, expect, it } from "vitest";
import { GiB, MiB, physicalAddress } from "../core/address.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import { installVerifier, type Verifier } from "./verifier.ts";

const PAGE = 4096;
const GRANULE = 2 * MiB;
const BIG = 4 * GiB - PAGE;

interface Buf {
  readonly va: number;
  readonly la: number;
  readonly length: number;
}

function adapter(k: Kernel): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: MiB }), { value: 0 });
  if (a === null) throw new Error("IoGetDmaAdapter returned NULL");
  return a;
}

function allocate(a: DMA_ADAPTER, length: number): Buf {
  const la = physicalAddress();
  const va = a.DmaOperations.AllocateCommonBuffer?.(a, length, la, true) ?? null;
  if (va === null) throw new Error(`AllocateCommonBuffer(${length}) returned NULL`);
  return { va, la: Number(la.QuadPart), length };
}

function release(a: DMA_ADAPTER, b: Buf): void {
  a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, true);
}

/** The verifier's index work so far (hash probes plus entries written). */
function work(v: Verifier): number {
  return v.table.byPfn.work + v.table.byLpn.work;
}

/** Granules a buffer spans, the unit its bookkeeping may cost (the allocator's own work is pages / 32 bitmap words). */
function granules(b: Buf): number {
  return Math.floor((b.la + b.length - 1) / GRANULE) - Math.floor(b.la / GRANULE) + 1;
}

/**
 * A few operations per granule (directory lookup, insert, its share of the
 * directory's growth) and the pages of two partial granules: bounded by
 * size / 2 MiB, never per page (a per-page shadow costs granules x 512).
 */
function bound(b: Buf): number {
  return 16 * granules(b) + 2 * 512 + 64;
}

describe("big common buffers with the verifier on (operation counts, not time)", () => {
  it("a 4 GiB - 4 KiB common buffer on x64-server allocates above 4 GiB and frees with bounded verifier bookkeeping", () => {
    const k = bootMachine("x64-server");
    const v = installVerifier(k, { mode: "collect" });
    const a = adapter(k);
    const w0 = work(v);
    const b = allocate(a, BIG);
    expect(b.la).toBeGreaterThanOrEqual(4 * GiB);
    const allocWork = work(v) - w0;
    expect(allocWork).toBeLessThanOrEqual(bound(b));
    expect(v.table.byPfn.get(Math.floor((b.la + BIG - 1) / PAGE))).toBeGreaterThanOrEqual(0);
    release(a, b);
    // A free is quarantined (no index work); its registration goes when it leaves quarantine.
    expect(work(v) - w0 - allocWork).toBeLessThanOrEqual(bound(b));
    expect(v.findings).toEqual([]);
    // The fresh buffer cost no backing: its pages read as the fill pattern by mark.
    expect(k.memory.writtenBytes).toBe(0);
  });

  it("several live buffers above 4 GiB adding up past 2^19 pages, then a 737 MiB request: each costs the verifier a bound per granule", () => {
    const k = bootMachine("x64-server");
    const v = installVerifier(k, { mode: "collect" });
    const a = adapter(k);
    const live: Buf[] = [];
    for (const len of [1 * GiB, 1 * GiB, 1 * GiB, 512 * MiB, 300 * MiB, 737 * MiB, 737 * MiB, 737 * MiB]) {
      const w = work(v);
      const b = allocate(a, len);
      live.push(b);
      expect(work(v) - w, `allocating ${len / MiB} MiB`).toBeLessThanOrEqual(bound(b));
    }
    const pagesAbove4G = live.filter((b) => b.la >= 4 * GiB).reduce((s, b) => s + b.length / PAGE, 0);
    expect(pagesAbove4G).toBeGreaterThan(2 ** 19);
    for (const b of live) release(a, b);
    expect(v.findings).toEqual([]);
  });

  it("writing all of a 4 GiB - 4 KiB buffer backs about the bytes written, once; a new buffer over it releases the backing", () => {
    const k = bootMachine("x64-server");
    const v = installVerifier(k, { mode: "collect" });
    const a = adapter(k);
    const b = allocate(a, BIG);
    const rss0 = process.memoryUsage().rss;
    // The CPU fills it (RtlFillMemory stages a bounded piece, not a 4 GiB copy of it) ...
    k.cpu.RtlFillMemory(b.va, BIG, 0x5a);
    expect(k.memory.writtenBytes).toBe(BIG);
    // ... so the host grows by the bytes written, not twice that.
    expect(process.memoryUsage().rss - rss0).toBeLessThan(1.5 * BIG);
    // Backing is allocated in 2 MiB chunks: at most one chunk beyond the bytes written.
    expect(k.memory.backedBytes).toBeLessThanOrEqual(BIG + GRANULE);
    expect(k.memory.readU8(b.la + BIG - 1)).toBe(0x5a);
    // A device writing it again costs no more backing.
    const dev = k.busMasterOf("plx9656");
    expect(k.bus.write(dev, b.la + GiB, new Uint8Array(16 * MiB).fill(1))).toBe(true);
    expect(k.memory.writtenBytes).toBe(BIG);
    release(a, b);
    const again = allocate(a, BIG);
    expect(again.la).toBe(b.la);
    // Refilled with the pattern by mark: the chunks it covers are released.
    expect(k.memory.backedBytes).toBeLessThanOrEqual(GRANULE);
    expect(k.memory.readU32(again.la + 12345 * 4)).toBe(0xdeadbeef);
    release(a, again);
    expect(v.findings).toEqual([]);
  });
});
