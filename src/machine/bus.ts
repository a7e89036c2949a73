/**
 * The device side of the machine: every DMA access by a device model goes
 * through here — logical address -> IOMMU (when the device's domain
 * translates) -> memory system (snooping or not) -> physical memory. Bulk
 * transfers are one copy per physically contiguous run.
 */
import { ObserverSlot } from "../core/hooks.ts";
import type { MemoryMap } from "./memory-map.ts";
import type { MemorySystem } from "./memory-system.ts";

/** Who is doing the DMA. */
export interface BusMaster {
  readonly name: string;
  /** IOMMU domain id, or -1 when the device's addresses are physical. */
  readonly domain: number;
  /** The device snoops CPU caches (x64; ARM64 with _CCA = 1). */
  readonly coherent: boolean;
}

/** Why an access did not reach memory. */
export type BusFaultReason = "iommu-not-mapped" | "iommu-no-read" | "iommu-no-write" | "not-ram";

/** A device access that did not reach memory, as the bus's observers see it. */
export interface BusFault {
  /** The device (profile name) that made the access. */
  readonly device: string;
  /** The address the device used (its logical address). */
  readonly logical: number;
  /** Bytes of the access. */
  readonly length: number;
  /** True for a device write (memory would have changed), false for a read. */
  readonly write: boolean;
  /** Why: the IOMMU had no mapping or permission, or no RAM is there. */
  readonly reason: BusFaultReason;
  /** Physical address, when translation got that far. */
  readonly physical: number;
}

/**
 * The IOMMU as the bus sees it. `translate` fills `out` with physical runs
 * [pa, len, pa, len, ...] covering [la, la+len) and returns the run count, or
 * returns a fault reason when any byte is unmapped or the permission is missing.
 */
export interface AddressTranslator {
  /** Translate [la, la + len) of `domain` into physical runs in `out`; the run count, or why it cannot. */
  translate(domain: number, la: number, len: number, write: boolean, out: Float64Array): number | BusFaultReason;
}

/**
 * Observers of device accesses (verifier, trace, a user's probe). Defined here,
 * low, so the bus never imports them; with none attached the cost is one branch.
 */
export interface BusObserver {
  /** Called for each physically contiguous run that reached memory. */
  onDeviceAccess(device: BusMaster, logical: number, physical: number, length: number, write: boolean): void;
  /** Called for each access that did not reach memory (an IOMMU fault, no RAM). */
  onFault(fault: BusFault): void;
}

const MAX_RUNS = 4096;
/** A translated transfer is split so that its page runs always fit the run list. */
const SPLIT_BYTES = (MAX_RUNS / 2) * 4096;

/**
 * The path from devices to memory: a device's logical address, through the
 * IOMMU when the machine remaps, through the coherence model to physical
 * memory, one bulk copy per physically contiguous run. `k.bus`; a device
 * model uses its own `ctx.dma` instead. Reads and writes return false when
 * the access faulted (the observers are told why).
 */
export class DmaBus {
  readonly map: MemoryMap;
  readonly memory: MemorySystem;
  iommu: AddressTranslator | null = null;
  /** Attach with `bus.observers.add(o)` (returns the detach function). */
  readonly observers = new ObserverSlot<BusObserver>(["onDeviceAccess", "onFault"]);
  readonly faults: BusFault[] = [];
  private readonly runs = new Float64Array(MAX_RUNS * 2);
  private readonly ones = new Uint8Array(4096).fill(0xff);

  constructor(map: MemoryMap, memory: MemorySystem) {
    this.map = map;
    this.memory = memory;
  }

  /** Device read of dst.length bytes at logical address la. False when blocked (dst then holds all-ones, as a failed bus read returns). */
  read(dev: BusMaster, la: number, dst: Uint8Array): boolean {
    return this.access(dev, la, dst, false);
  }

  /** Device write of src at la. False when blocked (the write is dropped). */
  write(dev: BusMaster, la: number, src: Uint8Array): boolean {
    return this.access(dev, la, src, true);
  }

  /** 32-bit little-endian device read (descriptor fields). */
  readU32(dev: BusMaster, la: number): number {
    const b = this.scratch4;
    this.read(dev, la, b);
    return ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
  }

  /** 32-bit little-endian device write; false when it faulted. */
  writeU32(dev: BusMaster, la: number, v: number): boolean {
    const b = this.scratch4;
    b[0] = v & 0xff;
    b[1] = (v >>> 8) & 0xff;
    b[2] = (v >>> 16) & 0xff;
    b[3] = (v >>> 24) & 0xff;
    return this.write(dev, la, b);
  }

  private readonly scratch4 = new Uint8Array(4);

  private access(dev: BusMaster, la: number, buf: Uint8Array, write: boolean): boolean {
    const len = buf.length;
    if (len === 0) return true;
    let nRuns: number;
    const runs = this.runs;
    if (dev.domain >= 0 && this.iommu !== null) {
      if (len > SPLIT_BYTES) {
        // Keep the run list bounded: translate very large transfers in pieces.
        for (let o = 0; o < len; o += SPLIT_BYTES) {
          if (!this.access(dev, la + o, buf.subarray(o, Math.min(len, o + SPLIT_BYTES)), write)) return false;
        }
        return true;
      }
      const r = this.iommu.translate(dev.domain, la, len, write, runs);
      if (typeof r === "string") return this.fail(dev, la, len, write, r, -1, buf);
      nRuns = r;
    } else {
      runs[0] = la;
      runs[1] = len;
      nRuns = 1;
    }
    // Each run must be RAM; one check per run (a RAM run never spans a hole).
    let off = 0;
    for (let i = 0; i < nRuns; i++) {
      const pa = runs[2 * i] as number;
      const n = runs[2 * i + 1] as number;
      const range = this.map.ramRangeOf(Math.floor(pa / 4096));
      if (range === undefined || pa + n > range.endPfn * 4096) return this.fail(dev, la + off, n, write, "not-ram", pa, buf);
      off += n;
    }
    off = 0;
    for (let i = 0; i < nRuns; i++) {
      const pa = runs[2 * i] as number;
      const n = runs[2 * i + 1] as number;
      const part = nRuns === 1 ? buf : buf.subarray(off, off + n);
      if (write) this.memory.deviceWrite(pa, part, dev.coherent);
      else this.memory.deviceRead(pa, part, dev.coherent);
      const o = this.observers.current;
      if (o !== null) o.onDeviceAccess(dev, la + off, pa, n, write);
      off += n;
    }
    return true;
  }

  private fail(dev: BusMaster, la: number, len: number, write: boolean, reason: BusFaultReason, pa: number, buf: Uint8Array): false {
    const fault: BusFault = { device: dev.name, logical: la, length: len, write, reason, physical: pa };
    this.faults.push(fault);
    if (!write) {
      // A read that the bus rejects completes with all-ones data.
      for (let o = 0; o < buf.length; o += this.ones.length) buf.set(this.ones.subarray(0, Math.min(this.ones.length, buf.length - o)), o);
    }
    const o = this.observers.current;
    if (o !== null) o.onFault(fault);
    return false;
  }
}
