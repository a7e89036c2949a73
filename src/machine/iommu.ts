/**
 * The IOMMU (DMA remapping, VT-d style as modelled by QEMU hw/i386/intel_iommu.c):
 * one translation domain per remapped device ("memory sandboxing" under Kernel
 * DMA Protection), each with its own IO-virtual address (IOVA) space, an IOVA
 * allocator, and page-granular mappings with read/write permission. The bus
 * asks `translate` for every device access; an unmapped page or a missing
 * permission comes back as a fault reason (the bus records the fault, drops
 * writes and returns all-ones for reads, as a PCIe UR/CA completion does).
 *
 * State is per mapping (one record per mapped run, with an Int32Array of page
 * frames), never per page; lookups are binary searches over run starts with a
 * one-entry cache.
 */
import type { AddressTranslator, BusFaultReason } from "./bus.ts";

const PAGE = 4096;

/** One mapped run of IOVA pages. */
export interface IommuMapping {
  /** First IOVA page number. */
  readonly iovaPage: number;
  readonly pages: number;
  /** Page frame behind each IOVA page. */
  readonly pfns: Int32Array;
  readonly read: boolean;
  readonly write: boolean;
}

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
  readonly maps: IommuMapping[];
  /** Allocated IOVA runs: start page -> pages. */
  readonly allocated: Map<number, number>;
  last: IommuMapping | undefined;
}

export class Iommu implements AddressTranslator {
  /** Guest address width in bits (profile iommu.addressWidth): IOVAs are below 2^addressWidth. */
  readonly addressWidth: number;
  /** IOVA pages per domain (page 0 is reserved so that a logical address of 0 is never valid). */
  readonly spacePages: number;
  private readonly domains: Domain[] = [];

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
    return id;
  }

  get domainCount(): number {
    return this.domains.length;
  }

  domainName(id: number): string {
    return this.domain(id, "domainName").name;
  }

  /**
   * Reserve `pages` IOVA pages: the highest fitting range at or below
   * maxAddress (top-down, so that a 32-bit device's addresses come from just
   * below 4 GiB and differ visibly from the physical ones). Returns the IOVA
   * (bytes) or -1 when no range fits.
   */
  allocateIova(domainId: number, req: IovaRequest): number {
    const d = this.domain(domainId, "allocateIova");
    const pages = req.pages;
    if (!Number.isSafeInteger(pages) || pages < 1) throw new RangeError(`Iommu.allocateIova: pages must be a whole number >= 1, got ${pages}`);
    const boundary = req.boundary ?? 0;
    if (boundary !== 0 && (!Number.isSafeInteger(boundary) || boundary < PAGE || !Number.isInteger(Math.log2(boundary)))) throw new RangeError(`Iommu.allocateIova: boundary must be 0 or a power-of-two multiple of ${PAGE}, got ${boundary}`);
    const bPages = boundary / PAGE;
    const align = req.align ?? PAGE;
    if (!Number.isSafeInteger(align) || align < PAGE || !Number.isInteger(Math.log2(align))) throw new RangeError(`Iommu.allocateIova: align must be a power-of-two multiple of ${PAGE}, got ${align}`);
    const aPages = align / PAGE;
    if (bPages !== 0 && pages > bPages) return -1;
    const maxPage = Math.min(this.spacePages - 1, Math.floor(((req.maxAddress ?? Number.MAX_SAFE_INTEGER) + 1) / PAGE) - 1);
    const minPage = Math.max(1, Math.ceil((req.minAddress ?? 0) / PAGE));
    for (let i = d.free.length - 1; i >= 0; i--) {
      const r = d.free[i] as number[];
      const s = Math.max(r[0] as number, minPage);
      let end = Math.min(r[1] as number, maxPage + 1);
      if (end - s < pages) continue;
      let start = Math.floor((end - pages) / aPages) * aPages;
      if (bPages !== 0 && Math.floor(start / bPages) !== Math.floor((start + pages - 1) / bPages)) {
        end = Math.floor((start + pages - 1) / bPages) * bPages;
        start = Math.floor((end - pages) / aPages) * aPages;
      }
      if (start < s) continue;
      this.take(d, i, start, start + pages);
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
    this.release(d, start, start + pages);
  }

  /** Map pfns at iova (page aligned) with the given permissions. RangeError on overlap with a live mapping. */
  map(domainId: number, iova: number, pfns: ArrayLike<number>, perm: { read: boolean; write: boolean }): IommuMapping {
    const d = this.domain(domainId, "map");
    if (!Number.isSafeInteger(iova) || iova % PAGE !== 0 || iova <= 0) throw new RangeError(`Iommu.map: iova must be a page-aligned address above 0, got ${iova}`);
    const pages = pfns.length;
    if (pages < 1) throw new RangeError("Iommu.map: at least one page frame is needed");
    const start = iova / PAGE;
    if (start + pages > this.spacePages) throw new RangeError(`Iommu.map: 0x${iova.toString(16)} + ${pages} pages is past the ${this.addressWidth}-bit IOVA space`);
    const at = this.mapIndex(d, start + pages - 1);
    const prev = d.maps[at];
    if (prev !== undefined && prev.iovaPage + prev.pages > start) throw new RangeError(`Iommu.map: 0x${iova.toString(16)} overlaps the mapping at 0x${(prev.iovaPage * PAGE).toString(16)}`);
    const m: IommuMapping = { iovaPage: start, pages, pfns: Int32Array.from(pfns), read: perm.read, write: perm.write };
    d.maps.splice(at + 1, 0, m);
    return m;
  }

  /** Remove the mapping that starts exactly at iova. RangeError when there is none. */
  unmap(domainId: number, iova: number): IommuMapping {
    const d = this.domain(domainId, "unmap");
    const start = iova / PAGE;
    const i = this.mapIndex(d, start);
    const m = d.maps[i];
    if (m === undefined || m.iovaPage !== start) throw new RangeError(`Iommu.unmap: no mapping starts at 0x${iova.toString(16)} in domain ${d.name}`);
    d.maps.splice(i, 1);
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
    const m = this.mappingAt(domainId, iova);
    if (m === undefined) return -1;
    const page = Math.floor(iova / PAGE);
    return (m.pfns[page - m.iovaPage] as number) * PAGE + (iova % PAGE);
  }

  mappingCount(domainId: number): number {
    return this.domain(domainId, "mappingCount").maps.length;
  }

  /** Snapshot of the free IOVA ranges (bytes, [start, end)), for tests and reports. */
  freeIovaRanges(domainId: number): [number, number][] {
    return this.domain(domainId, "freeIovaRanges").free.map((r) => [(r[0] as number) * PAGE, (r[1] as number) * PAGE]);
  }

  translate(domainId: number, la: number, len: number, write: boolean, out: Float64Array): number | BusFaultReason {
    const d = this.domains[domainId];
    if (d === undefined || la < 0) return "iommu-not-mapped";
    let n = 0;
    let pos = la;
    let remaining = len;
    while (remaining > 0) {
      const page = Math.floor(pos / PAGE);
      const m = this.find(d, page);
      if (m === undefined) return "iommu-not-mapped";
      if (write ? !m.write : !m.read) return write ? "iommu-no-write" : "iommu-no-read";
      let idx = page - m.iovaPage;
      let off = pos % PAGE;
      const pfns = m.pfns;
      while (remaining > 0 && idx < m.pages) {
        const pa = (pfns[idx] as number) * PAGE + off;
        const chunk = Math.min(PAGE - off, remaining);
        if (n > 0 && (out[2 * n - 2] as number) + (out[2 * n - 1] as number) === pa) {
          out[2 * n - 1] = (out[2 * n - 1] as number) + chunk;
        } else {
          out[2 * n] = pa;
          out[2 * n + 1] = chunk;
          n++;
        }
        remaining -= chunk;
        pos += chunk;
        off = 0;
        idx++;
      }
    }
    return n;
  }

  // ---- internals ----

  private domain(id: number, what: string): Domain {
    const d = this.domains[id];
    if (d === undefined) throw new RangeError(`Iommu.${what}: no domain ${id} (there are ${this.domains.length})`);
    return d;
  }

  private find(d: Domain, page: number): IommuMapping | undefined {
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
      if ((d.maps[mid] as IommuMapping).iovaPage <= page) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** Cut [s, e) out of free range i. */
  private take(d: Domain, i: number, s: number, e: number): void {
    const r = d.free[i] as number[];
    const rs = r[0] as number;
    const re = r[1] as number;
    if (rs === s && re === e) d.free.splice(i, 1);
    else if (rs === s) r[0] = e;
    else if (re === e) r[1] = s;
    else {
      r[1] = s;
      d.free.splice(i + 1, 0, [e, re]);
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
      d.free.splice(lo, 1);
    } else if (joinPrev) prev[1] = e;
    else if (joinNext) next[0] = s;
    else d.free.splice(lo, 0, [s, e]);
  }
}
