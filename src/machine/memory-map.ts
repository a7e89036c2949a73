import { PAGE_SIZE } from "../core/address.ts";
import type { MachineProfile, RegionType } from "./profile.ts";

/** One range of the physical address map: [base, base + length) in bytes. */
export interface MemoryRegion {
  /** First byte. */
  readonly base: number;
  /** Bytes in the range (the end, base + length, is exclusive). */
  readonly length: number;
  /** RAM, reserved (firmware), ACPI tables, MMIO, or a hole nothing decodes. */
  readonly type: RegionType | "hole";
  /** The NUMA node it belongs to. */
  readonly node: number;
  /** What the profile calls it ("PCI hole", "DRAM"), or "". */
  readonly label: string;
}

/** A run of RAM page frames [startPfn, endPfn) on one node. */
export interface PfnRange {
  readonly startPfn: number;
  readonly endPfn: number;
  readonly node: number;
}

/**
 * The physical address map (RAM / reserved / ACPI / MMIO / holes) and the NUMA
 * node of every range, built from a profile. Gaps between regions are holes.
 */
export class MemoryMap {
  readonly regions: readonly MemoryRegion[];
  /** RAM runs in address order. */
  readonly ram: readonly PfnRange[];
  /** One past the highest page frame described (RAM or not). */
  readonly pageCount: number;
  readonly nodeCount: number;
  readonly totalRamBytes: number;
  private readonly distances: readonly (readonly number[])[];
  private readonly ramStarts: Float64Array;

  constructor(profile: MachineProfile) {
    const sorted = [...profile.memory].sort((a, b) => a.base - b.base);
    const regions: MemoryRegion[] = [];
    let cursor = 0;
    for (const r of sorted) {
      if (r.base > cursor) regions.push({ base: cursor, length: r.base - cursor, type: "hole", node: r.node, label: "unmapped" });
      regions.push({ base: r.base, length: r.length, type: r.type, node: r.node, label: r.label ?? r.type });
      cursor = r.base + r.length;
    }
    this.regions = regions;
    this.ram = regions.filter((r) => r.type === "ram").map((r) => ({ startPfn: r.base / PAGE_SIZE, endPfn: (r.base + r.length) / PAGE_SIZE, node: r.node }));
    this.ramStarts = Float64Array.from(this.ram.map((r) => r.startPfn));
    this.pageCount = cursor / PAGE_SIZE;
    this.nodeCount = profile.nodes;
    this.totalRamBytes = this.ram.reduce((s, r) => s + (r.endPfn - r.startPfn) * PAGE_SIZE, 0);
    this.distances = profile.distances ?? Array.from({ length: profile.nodes }, (_, i) => Array.from({ length: profile.nodes }, (_, j) => (i === j ? 10 : 20)));
  }

  /** The RAM run holding `pfn`, or undefined for a hole, MMIO, reserved or ACPI page. */
  ramRangeOf(pfn: number): PfnRange | undefined {
    // Binary search over run starts.
    let lo = 0;
    let hi = this.ram.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ramStarts[mid] as number) <= pfn) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = this.ram[hi];
    return r !== undefined && pfn < r.endPfn ? r : undefined;
  }

  /** Whether page frame `pfn` is RAM (not a hole, MMIO, reserved or ACPI). */
  isRam(pfn: number): boolean {
    return this.ramRangeOf(pfn) !== undefined;
  }

  /** NUMA node of a RAM page frame, or -1 when it is not RAM. */
  nodeOfPfn(pfn: number): number {
    return this.ramRangeOf(pfn)?.node ?? -1;
  }

  /** The region (of any type) holding a physical address. */
  regionAt(pa: number): MemoryRegion | undefined {
    for (const r of this.regions) if (pa >= r.base && pa < r.base + r.length) return r;
    return undefined;
  }

  /** RAM runs of one node, in address order. */
  nodeRanges(node: number): PfnRange[] {
    if (!Number.isInteger(node) || node < 0 || node >= this.nodeCount) throw new RangeError(`node ${node} does not exist (this machine has ${this.nodeCount} node${this.nodeCount === 1 ? "" : "s"})`);
    return this.ram.filter((r) => r.node === node);
  }

  /** SLIT distance between two nodes (10 = local). */
  distance(a: number, b: number): number {
    return this.distances[a]?.[b] ?? 20;
  }

  /** Other nodes ordered by distance from `node` (nearest first, ties by number): the fallback order. */
  fallbackOrder(node: number): number[] {
    const others = Array.from({ length: this.nodeCount }, (_, i) => i).filter((i) => i !== node);
    return others.sort((a, b) => this.distance(node, a) - this.distance(node, b) || a - b);
  }

  /** Bytes of RAM on a node. */
  nodeRamBytes(node: number): number {
    return this.nodeRanges(node).reduce((s, r) => s + (r.endPfn - r.startPfn) * PAGE_SIZE, 0);
  }
}
