/**
 * What sits between the agents (CPU, devices) and physical memory: the place a
 * cache model plugs in. The default, CoherentMemorySystem, is what x64 gives:
 * caches are invisible because devices snoop them, so every access goes
 * straight to memory. A cache model (write-back lines, non-coherent devices,
 * write-combining buffers) implements the same interface.
 */
import type { PhysicalMemory } from "./physical-memory.ts";

/** How the CPU maps a page: the MEMORY_CACHING_TYPE it ended up with. */
export type CacheAttribute = "cached" | "noncached" | "writecombined";

/**
 * What sits between the CPU or a device and physical memory: the coherent
 * pass-through of x64 ({@link CoherentMemorySystem}) or the ARM64 cache model
 * ({@link CacheMemorySystem}). The CPU path and the bus call it; drivers never do.
 */
export interface MemorySystem {
  readonly memory: PhysicalMemory;
  /** CPU load of dst.length bytes at pa through a mapping with `attr`. */
  cpuRead(pa: number, dst: Uint8Array, attr: CacheAttribute): void;
  /** CPU store of src at pa through a mapping with `attr`. */
  cpuWrite(pa: number, src: Uint8Array, attr: CacheAttribute): void;
  /** Device (bus-master or system DMA) read; `coherent` = the device snoops CPU caches. */
  deviceRead(pa: number, dst: Uint8Array, coherent: boolean): void;
  /** Device write; a coherent device's write also invalidates CPU copies. */
  deviceWrite(pa: number, src: Uint8Array, coherent: boolean): void;
  /** Write back (clean) and/or invalidate CPU cache lines over [pa, pa+len) — KeFlushIoBuffers & co. */
  maintain(pa: number, len: number, op: "clean" | "invalidate" | "clean-invalidate"): void;
  /** Drain write-combining buffers (a fence). */
  fence(): void;
}

/** Coherent platform: no cache state is modelled; every access is memory. */
export class CoherentMemorySystem implements MemorySystem {
  readonly memory: PhysicalMemory;
  constructor(memory: PhysicalMemory) {
    this.memory = memory;
  }
  cpuRead(pa: number, dst: Uint8Array): void {
    this.memory.read(pa, dst);
  }
  cpuWrite(pa: number, src: Uint8Array): void {
    this.memory.write(pa, src);
  }
  deviceRead(pa: number, dst: Uint8Array): void {
    this.memory.read(pa, dst);
  }
  deviceWrite(pa: number, src: Uint8Array): void {
    this.memory.write(pa, src);
  }
  maintain(): void {
    // Nothing is cached out of sight of the devices.
  }
  fence(): void {
    // No write-combining buffers in this model.
  }
}
