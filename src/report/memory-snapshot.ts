/**
 * The memory map the report draws, aggregated: per NUMA node, the node's
 * address span cut into at most `maxCells` equal cells, each holding the
 * share of its pages in every state (free, movable, unmovable/pool, driver
 * contiguous, reserved, ACPI, MMIO, hole). Counting is PageFrameManager.summarize
 * (word popcounts), so a 1 TiB machine costs a few million word operations and
 * the page receives a few kilobytes per node, never per-page data.
 */
import type { Kernel } from "../kernel/kernel.ts";

/** Cell states in storage order (8 bytes per cell). */
export const MAP_KINDS = ["free", "movable", "unmovable", "contiguous", "reserved", "acpi", "mmio", "hole"] as const;
/** One of {@link MAP_KINDS}. */
export type MapKind = (typeof MAP_KINDS)[number];

/** One NUMA node's memory map, aggregated into cells (what the report's canvas draws). */
export interface NodeMap {
  /** The node. */
  readonly node: number;
  /** First page frame of the span and one past the last. */
  readonly startPfn: number;
  readonly endPfn: number;
  /** Pages per cell (the last cell may cover fewer). */
  readonly cellPages: number;
  /** Cells (at most the snapshot's maxCells). */
  readonly cellCount: number;
  /**
   * Base64 of cellCount * 8 bytes: for cell c, byte c*8+k is the share of
   * kind MAP_KINDS[k], scaled to 0..255 (rounded, and at least 1 when any page
   * of that kind is there, so a lone pinned page still shows).
   */
  readonly cells: string;
  /** Page totals by kind over the span. */
  readonly totals: Readonly<Record<MapKind, number>>;
  /** The regions in the span (for labels). */
  readonly regions: readonly { readonly base: number; readonly length: number; readonly type: string; readonly label: string }[];
}

/** A machine's memory as the report draws it: one {@link NodeMap} per NUMA node ({@link snapshotMemory}). */
export interface MemorySnapshot {
  /** 4096. */
  readonly pageSize: number;
  readonly nodes: readonly NodeMap[];
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (no node: Buffer, so this layer stays portable). */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}${B64[n & 63]}`;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}=`;
  }
  return out;
}

/** Aggregate the kernel's physical memory, node by node, into at most `maxCells` cells each. */
export function snapshotMemory(k: Kernel, maxCells = 8192): MemorySnapshot {
  if (!Number.isInteger(maxCells) || maxCells < 1) throw new RangeError(`snapshotMemory: maxCells must be a whole number >= 1, got ${maxCells}`);
  const nodes: NodeMap[] = [];
  for (let node = 0; node < k.map.nodeCount; node++) {
    const regions = k.map.regions.filter((r) => r.node === node);
    if (regions.length === 0) continue;
    const startPfn = Math.floor(Math.min(...regions.map((r) => r.base)) / 4096);
    const endPfn = Math.ceil(Math.max(...regions.map((r) => r.base + r.length)) / 4096);
    const span = endPfn - startPfn;
    const cellPages = Math.max(1, Math.ceil(span / maxCells));
    const cellCount = Math.ceil(span / cellPages);
    const counts = new Float64Array(cellCount * 8);
    for (let c = 0; c < cellCount; c++) {
      const s = startPfn + c * cellPages;
      const e = Math.min(endPfn, s + cellPages);
      const sum = k.pfm.summarize(s, e);
      counts[c * 8] = sum.free;
      counts[c * 8 + 1] = sum.movable;
      counts[c * 8 + 2] = sum.unmovable;
      counts[c * 8 + 3] = sum.contiguous;
    }
    // Non-RAM pages by region type (a region belongs to one node's span).
    for (const r of regions) {
      if (r.type === "ram") continue;
      const kind = r.type === "reserved" ? 4 : r.type === "acpi" ? 5 : r.type === "mmio" ? 6 : 7;
      const rs = Math.floor(r.base / 4096);
      const re = Math.ceil((r.base + r.length) / 4096);
      for (let c = Math.floor((rs - startPfn) / cellPages); c < cellCount; c++) {
        const s = startPfn + c * cellPages;
        const e = Math.min(endPfn, s + cellPages);
        if (s >= re) break;
        const overlap = Math.min(e, re) - Math.max(s, rs);
        if (overlap > 0) counts[c * 8 + kind] = (counts[c * 8 + kind] as number) + overlap;
      }
    }
    const bytes = new Uint8Array(cellCount * 8);
    const totals = { free: 0, movable: 0, unmovable: 0, contiguous: 0, reserved: 0, acpi: 0, mmio: 0, hole: 0 };
    for (let c = 0; c < cellCount; c++) {
      const pages = Math.min(endPfn, startPfn + (c + 1) * cellPages) - (startPfn + c * cellPages);
      for (let kd = 0; kd < 8; kd++) {
        const v = counts[c * 8 + kd] as number;
        totals[MAP_KINDS[kd] as MapKind] += v;
        bytes[c * 8 + kd] = v === 0 ? 0 : Math.max(1, Math.min(255, Math.round((v / pages) * 255)));
      }
    }
    nodes.push({ node, startPfn, endPfn, cellPages, cellCount, cells: toBase64(bytes), totals, regions: regions.map((r) => ({ base: r.base, length: r.length, type: r.type, label: r.label })) });
  }
  return { pageSize: 4096, nodes };
}
