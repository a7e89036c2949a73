/**
 * The IOMMU (DMA remapping, VT-d style as modelled by QEMU hw/i386/intel_iommu.c):
 * one translation domain per remapped device ("memory sandboxing" under Kernel
 * DMA Protection), each with its own IO-virtual address (IOVA) space, an IOVA
 * allocator, and page-granular mappings with read/write permission. The bus
 * asks `translate` for every device access; an unmapped page or a missing
 * permission comes back as a fault reason (the bus records the fault, drops
 * writes and returns all-ones for reads, as a PCIe UR/CA completion does).
 *
 * State is per mapping, and inside a mapping per physically contiguous run
 * of page frames, never per page: mapping a 4 GiB contiguous buffer is one
 * record with one run, and map/unmap/translate cost the number of runs
 * touched. Lookups are binary searches over mapping starts (with a one-entry
 * cache) and over a mapping's run offsets.
 *
 * DMA domains (the HAL's JoinDmaDomain): a device's domain can be made to
 * translate through another domain's address space (shareSpace), so the
 * devices of one DMA domain see the same IOVAs; every call that takes a
 * domain id then works on the space it translates through.
 */
import { insertAt, removeAt } from "../core/array-edit.ts";
import type { AddressTranslator, BusFaultReason } from "./bus.ts";

const PAGE = 4096;

/** One mapped range of IOVA pages. */
export interface IommuMapping {
  /** First IOVA page number. */
  readonly iovaPage: number;
  readonly pages: number;
  /** Page frame behind each IOVA page (expanded from `runs` when first asked for: O(pages)). */
  readonly pfns: Int32Array;
  /** The page frames as physically contiguous runs in IOVA order: [pfn, pages, pfn, pages, ...]. */
  readonly runs: Float64Array;
  readonly read: boolean;
  readonly write: boolean;
}

/** offsets of every one-run mapping: [0]. */
const ONE_RUN_OFFSETS = new Float64Array(1);

/** A mapping stored by run; `offsets[r]` is the page offset (from iovaPage) where run r starts. */
class RunMapping implements IommuMapping {
  readonly iovaPage: number;
  readonly pages: number;
  readonly runs: Float64Array;
  readonly offsets: Float64Array;
  readonly read: boolean;
  readonly write: boolean;
  private expanded: Int32Array | undefined;

  constructor(iovaPage: number, runs: Float64Array, perm: { read: boolean; write: boolean }) {
    this.iovaPage = iovaPage;
    this.runs = runs;
    const n = runs.length >> 1;
    if (n === 1) {
      // The usual mapping, one physical run: its one offset is 0, shared (never written).
      this.offsets = ONE_RUN_OFFSETS;
      this.pages = runs[1] as number;
    } else {
      const offsets = new Float64Array(n);
      let pages = 0;
      for (let r = 0; r < n; r++) {
        offsets[r] = pages;
        pages += runs[2 * r + 1] as number;
      }
      this.offsets = offsets;
      this.pages = pages;
    }
    this.read = perm.read;
    this.write = perm.write;
  }

  get pfns(): Int32Array {
    if (this.expanded === undefined) {
      const out = new Int32Array(this.pages);
      for (let r = 0; r < this.offsets.length; r++) {
        const pfn = this.runs[2 * r] as number;
        const o = this.offsets[r] as number;
        const n = this.runs[2 * r + 1] as number;
        for (let i = 0; i < n; i++) out[o + i] = pfn + i;
      }
      this.expanded = out;
    }
    return this.expanded;
  }

  /** The run holding page offset idx (0 <= idx < pages). */
  runAt(idx: number): number {
    const off = this.offsets;
    if (off.length === 1) return 0;
    let lo = 0;
    let hi = off.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((off[mid] as number) <= idx) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Coalesce a page-frame list into [pfn, pages, ...] runs. */
function runsOf(pfns: ArrayLike<number>): Float64Array {
  const n = pfns.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (i === 0 || pfns[i] !== (pfns[i - 1] as number) + 1) count++;
  const out = new Float64Array(count * 2);
  let r = -1;
  for (let i = 0; i < n; i++) {
    const pfn = pfns[i] as number;
    if (i === 0 || pfn !== (pfns[i - 1] as number) + 1) {
      r++;
      out[2 * r] = pfn;
      out[2 * r + 1] = 1;
    } else out[2 * r + 1] = (out[2 * r + 1] as number) + 1;
  }
  return out;
}

/** The buddy block that holds `pages` pages: the next power of two. */
function buddyPages(pages: number): number {
  const b = 2 ** Math.ceil(Math.log2(pages));
  return b < pages ? 2 * b : b;
}

/** What Iommu.allocateIova is asked for: a number of pages within bounds, alignment and a boundary, as the HAL's adapter needs. */
export interface IovaRequest {
  readonly pages: number;
  /** Highest acceptable IOVA byte (inclusive); default the top of the domain's space. */
  readonly maxAddress?: number;
  /** Lowest acceptable IOVA byte; default 0 (page 0 is never handed out). */
  readonly minAddress?: number;
  /** Power-of-two byte boundary the range must not cross; 0 = none. */
  readonly boundary?: number;
  /** Power-of-two byte alignment of the start (a multiple of 4096); default one page. */
  readonly align?: number;
}

interface Domain {
  readonly id: number;
  readonly name: string;
  /** Free IOVA page ranges [start, end), sorted, disjoint, never adjacent. */
  readonly free: number[][];
  /** Live mappings sorted by iovaPage. */
  readonly maps: RunMapping[];
  /** Allocated IOVA runs: start page -> pages. */
  readonly allocated: Map<number, number>;
  last: RunMapping | undefined;
}

export class Iommu implements AddressTranslator {
  /** Guest address width in bits (profile iommu.addressWidth): IOVAs are below 2^addressWidth. */
  readonly addressWidth: number;
  /** IOVA pages per domain (page 0 is reserved so that a logical address of 0 is never valid). */
  readonly spacePages: number;
  private readonly domains: Domain[] = [];
  /** The address space each domain translates through (its own unless shareSpace moved it). */
  private readonly spaces: number[] = [];

  constructor(addressWidth: number) {
    if (!Number.isInteger(addressWidth) || addressWidth < 32 || addressWidth > 64) throw new RangeError(`Iommu: addressWidth must be a whole number of bits in 32..64, got ${addressWidth}`);
    this.addressWidth = addressWidth;
    // Addresses inside dmasim are numbers exact to 2^53: clip wider spaces there.
    this.spacePages = 2 ** (Math.min(addressWidth, 53) - 12);
  }

  /** Create a translation domain for a device; returns its id (what BusMaster.domain holds). */
  createDomain(name: string): number {
    const id = this.domains.length;
    this.domains.push({ id, name, free: [[1, this.spacePages]], maps: [], allocated: new Map(), last: undefined });
    this.spaces.push(id);
    return id;
  }

  /**
   * Make domain `domainId` translate through the address space of `spaceId`
   * (its own id: back to its own space). The mappings of the space it leaves
   * stay there, no longer reached through this domain.
   */
  shareSpace(domainId: number, spaceId: number): void {
    this.domain(domainId, "shareSpace");
    if (this.domains[spaceId] === undefined) throw new RangeError(`Iommu.shareSpace: no domain ${spaceId} (there are ${this.domains.length})`);
    this.spaces[domainId] = spaceId;
  }

  /** The address space (a domain id) domain `domainId` translates through now. */
  spaceOf(domainId: number): number {
    return this.domain(domainId, "spaceOf").id;
  }

  /** How many domains exist (createDomain: the board makes one per remapped device). */
  get domainCount(): number {
    return this.domains.length;
  }

  /** The domain's name (its device's, for reports); RangeError for an unknown id. */
  domainName(id: number): string {
    return this.domain(id, "domainName").name;
  }

  /**
   * Reserve `pages` IOVA pages as the HAL's logical allocator does: a buddy
   * allocator that favours low logical addresses and hands out power-of-two
   * blocks of 4 KiB and up, each on its own size's boundary (DDI
   * IOMMU_DMA_LOGICAL_ALLOCATOR_CONFIG, Remarks). So the block is `pages`
   * rounded up to a power of two, aligned to its size (or to `align` if
   * larger), the lowest one inside [minAddress, maxAddress]; the rounding is
   * reserved with it. A power-of-two block on its own boundary never crosses
   * a power-of-two boundary at least as large, so `boundary` only refuses a
   * request larger than itself. Returns the IOVA (bytes) or -1 when no block fits.
   */
  allocateIova(domainId: number, req: IovaRequest): number {
    const d = this.domain(domainId, "allocateIova");
    const pages = req.pages;
    if (!Number.isSafeInteger(pages) || pages < 1) throw new RangeError(`Iommu.allocateIova: pages must be a whole number >= 1, got ${pages}`);
    const boundary = req.boundary ?? 0;
    if (boundary !== 0 && (!Number.isSafeInteger(boundary) || boundary < PAGE || !Number.isInteger(Math.log2(boundary)))) throw new RangeError(`Iommu.allocateIova: boundary must be 0 or a power-of-two multiple of ${PAGE}, got ${boundary}`);
    const align = req.align ?? PAGE;
    if (!Number.isSafeInteger(align) || align < PAGE || !Number.isInteger(Math.log2(align))) throw new RangeError(`Iommu.allocateIova: align must be a power-of-two multiple of ${PAGE}, got ${align}`);
    if (boundary !== 0 && pages > boundary / PAGE) return -1;
    const block = buddyPages(pages);
    const step = Math.max(block, align / PAGE);
    const endPage = Math.min(this.spacePages, Math.floor(((req.maxAddress ?? Number.MAX_SAFE_INTEGER) + 1) / PAGE));
    const minPage = Math.max(1, Math.ceil((req.minAddress ?? 0) / PAGE));
    for (let i = 0; i < d.free.length; i++) {
      const r = d.free[i] as number[];
      if ((r[0] as number) >= endPage) break;
      const start = Math.ceil(Math.max(r[0] as number, minPage) / step) * step;
      if (start + block > Math.min(r[1] as number, endPage)) continue;
      this.take(d, i, start, start + block);
      d.allocated.set(start, pages);
      return start * PAGE;
    }
    return -1;
  }

  /** Release an IOVA run from allocateIova. RangeError (state unchanged) unless it is exactly a live run with no mapping left in it. */
  freeIova(domainId: number, iova: number, pages: number): void {
    const d = this.domain(domainId, "freeIova");
    const start = iova / PAGE;
    const live = d.allocated.get(start);
    if (live === undefined) throw new RangeError(`Iommu.freeIova: 0x${iova.toString(16)} does not start an allocated IOVA range in domain ${d.name}`);
    if (live !== pages) throw new RangeError(`Iommu.freeIova: the IOVA range at 0x${iova.toString(16)} has ${live} pages, not ${pages}`);
    const i = this.mapIndex(d, start + pages - 1);
    const m = d.maps[i];
    if (m !== undefined && m.iovaPage + m.pages > start) throw new RangeError(`Iommu.freeIova: the range at 0x${iova.toString(16)} still has a mapping at 0x${(m.iovaPage * PAGE).toString(16)}; unmap it first`);
    d.allocated.delete(start);
    this.release(d, start, start + buddyPages(pages));
  }

  /**
   * Map pfns at iova (page aligned) with the given permissions: stored as
   * the list's physically contiguous runs. RangeError on overlap with a live
   * mapping.
   */
  map(domainId: number, iova: number, pfns: ArrayLike<number>, perm: { read: boolean; write: boolean }): IommuMapping {
    this.domain(domainId, "map");
    if (pfns.length < 1) throw new RangeError("Iommu.map: at least one page frame is needed");
    return this.insert(domainId, iova, runsOf(pfns), perm, "map");
  }

  /**
   * Map physically contiguous runs at iova (page aligned), in order: `runs`
   * is [pfn, pages, pfn, pages, ...]. Costs the number of runs, not pages.
   * RangeError on a malformed run list or an overlap with a live mapping.
   */
  mapRuns(domainId: number, iova: number, runs: ArrayLike<number>, perm: { read: boolean; write: boolean }): IommuMapping {
    this.domain(domainId, "mapRuns");
    if (runs.length < 2 || runs.length % 2 !== 0) throw new RangeError(`Iommu.mapRuns: runs must be [pfn, pages, ...] pairs, at least one, got ${runs.length} numbers`);
    // Copy, and join runs that continue each other, so the record is canonical: count, then fill (no list in between).
    let count = 0;
    for (let i = 0; i < runs.length; i += 2) {
      const pfn = runs[i] as number;
      const n = runs[i + 1] as number;
      if (!Number.isSafeInteger(pfn) || pfn < 0 || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`Iommu.mapRuns: run ${i / 2} must be a page frame >= 0 and a page count >= 1, got [${pfn}, ${n}]`);
      if (i === 0 || (runs[i - 2] as number) + (runs[i - 1] as number) !== pfn) count++;
    }
    const out = new Float64Array(count * 2);
    let k = -2;
    for (let i = 0; i < runs.length; i += 2) {
      const pfn = runs[i] as number;
      const n = runs[i + 1] as number;
      if (k >= 0 && (out[k] as number) + (out[k + 1] as number) === pfn) out[k + 1] = (out[k + 1] as number) + n;
      else {
        k += 2;
        out[k] = pfn;
        out[k + 1] = n;
      }
    }
    return this.insert(domainId, iova, out, perm, "mapRuns");
  }

  private insert(domainId: number, iova: number, runs: Float64Array, perm: { read: boolean; write: boolean }, what: string): IommuMapping {
    const d = this.domain(domainId, what);
    if (!Number.isSafeInteger(iova) || iova % PAGE !== 0 || iova <= 0) throw new RangeError(`Iommu.${what}: iova must be a page-aligned address above 0, got ${iova}`);
    const start = iova / PAGE;
    const m = new RunMapping(start, runs, perm);
    const pages = m.pages;
    if (start + pages > this.spacePages) throw new RangeError(`Iommu.${what}: 0x${iova.toString(16)} + ${pages} pages is past the ${this.addressWidth}-bit IOVA space`);
    const at = this.mapIndex(d, start + pages - 1);
    const prev = d.maps[at];
    if (prev !== undefined && prev.iovaPage + prev.pages > start) throw new RangeError(`Iommu.${what}: 0x${iova.toString(16)} overlaps the mapping at 0x${(prev.iovaPage * PAGE).toString(16)}`);
    insertAt(d.maps, at + 1, m);
    return m;
  }

  /** Remove the mapping that starts exactly at iova. RangeError when there is none. */
  unmap(domainId: number, iova: number): IommuMapping {
    const d = this.domain(domainId, "unmap");
    const start = iova / PAGE;
    const i = this.mapIndex(d, start);
    const m = d.maps[i];
    if (m === undefined || m.iovaPage !== start) throw new RangeError(`Iommu.unmap: no mapping starts at 0x${iova.toString(16)} in domain ${d.name}`);
    removeAt(d.maps, i);
    if (d.last === m) d.last = undefined;
    return m;
  }

  /** The mapping holding iova, if any. */
  mappingAt(domainId: number, iova: number): IommuMapping | undefined {
    const d = this.domain(domainId, "mappingAt");
    return this.find(d, Math.floor(iova / PAGE));
  }

  /** Physical address behind iova, or -1 when unmapped. */
  physicalAddressOf(domainId: number, iova: number): number {
    const d = this.domain(domainId, "physicalAddressOf");
    const m = this.find(d, Math.floor(iova / PAGE));
    if (m === undefined) return -1;
    const idx = Math.floor(iova / PAGE) - m.iovaPage;
    const r = m.runAt(idx);
    return ((m.runs[2 * r] as number) + idx - (m.offsets[r] as number)) * PAGE + (iova & (PAGE - 1));
  }

  /** How many IOVA mappings the domain holds now (a leak check and the report's figure). */
  mappingCount(domainId: number): number {
    return this.domain(domainId, "mappingCount").maps.length;
  }

  /** Snapshot of the free IOVA ranges (bytes, [start, end)), for tests and reports. */
  freeIovaRanges(domainId: number): [number, number][] {
    return this.domain(domainId, "freeIovaRanges").free.map((r) => [(r[0] as number) * PAGE, (r[1] as number) * PAGE]);
  }

  translate(domainId: number, la: number, len: number, write: boolean, out: Float64Array): number | BusFaultReason {
    const d = this.domains[this.spaces[domainId] ?? -1];
    if (d === undefined || la < 0) return "iommu-not-mapped";
    let n = 0;
    let pos = la;
    let remaining = len;
    while (remaining > 0) {
      const page = Math.floor(pos / PAGE);
      const m = this.find(d, page);
      if (m === undefined) return "iommu-not-mapped";
      if (write ? !m.write : !m.read) return write ? "iommu-no-write" : "iommu-no-read";
      // One output piece per run of the mapping crossed (joined when physically adjacent).
      const runs = m.runs;
      const offsets = m.offsets;
      const nRuns = offsets.length;
      const idx = page - m.iovaPage;
      let off = idx * PAGE + (pos & (PAGE - 1));
      for (let r = m.runAt(idx); remaining > 0 && r < nRuns; r++) {
        const runStart = (offsets[r] as number) * PAGE;
        const runBytes = (runs[2 * r + 1] as number) * PAGE;
        const inRun = off - runStart;
        const pa = (runs[2 * r] as number) * PAGE + inRun;
        const chunk = Math.min(runBytes - inRun, remaining);
        if (n > 0 && (out[2 * n - 2] as number) + (out[2 * n - 1] as number) === pa) {
          out[2 * n - 1] = (out[2 * n - 1] as number) + chunk;
        } else {
          out[2 * n] = pa;
          out[2 * n + 1] = chunk;
          n++;
        }
        remaining -= chunk;
        pos += chunk;
        off = runStart + runBytes;
      }
    }
    return n;
  }

  // ---- internals ----

  /** The address space a domain id works on: its own, or the one shareSpace gave it. */
  private domain(id: number, what: string): Domain {
    const d = this.domains[this.spaces[id] ?? -1];
    if (d === undefined) throw new RangeError(`Iommu.${what}: no domain ${id} (there are ${this.domains.length})`);
    return d;
  }

  private find(d: Domain, page: number): RunMapping | undefined {
    const l = d.last;
    if (l !== undefined && page >= l.iovaPage && page < l.iovaPage + l.pages) return l;
    const m = d.maps[this.mapIndex(d, page)];
    if (m !== undefined && page < m.iovaPage + m.pages) {
      d.last = m;
      return m;
    }
    return undefined;
  }

  /** Index of the last mapping starting at or below page (-1 when none). */
  private mapIndex(d: Domain, page: number): number {
    let lo = 0;
    let hi = d.maps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((d.maps[mid] as RunMapping).iovaPage <= page) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** Cut [s, e) out of free range i. */
  private take(d: Domain, i: number, s: number, e: number): void {
    const r = d.free[i] as number[];
    const rs = r[0] as number;
    const re = r[1] as number;
    if (rs === s && re === e) removeAt(d.free, i);
    else if (rs === s) r[0] = e;
    else if (re === e) r[1] = s;
    else {
      r[1] = s;
      insertAt(d.free, i + 1, [e, re]);
    }
  }

  private release(d: Domain, s: number, e: number): void {
    let lo = 0;
    let hi = d.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (((d.free[mid] as number[])[0] as number) < s) lo = mid + 1;
      else hi = mid;
    }
    const prev = d.free[lo - 1];
    const next = d.free[lo];
    const joinPrev = prev !== undefined && prev[1] === s;
    const joinNext = next !== undefined && next[0] === e;
    if (joinPrev && joinNext) {
      prev[1] = next[1] as number;
      removeAt(d.free, lo);
    } else if (joinPrev) prev[1] = e;
    else if (joinNext) next[0] = s;
    else insertAt(d.free, lo, [s, e]);
  }
}
