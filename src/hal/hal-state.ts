/**
 * Per-machine HAL state: the installed observer, the "OS build" that decides
 * how long a version-3 DMA_OPERATIONS table is, and every live common buffer
 * by VA (so a free on the wrong adapter, and the verifier's tail checks, can
 * find the buffer). Kept beside the Kernel (a WeakMap), not in it, because
 * the kernel layer sits below the HAL.
 */
import { Prng } from "../core/prng.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { CommonBuffer } from "./adapter.ts";
import type { HalObserver } from "./observer.ts";

/**
 * Windows builds that lengthened the version-3 table (reference windows-dma.md
 * §1.2; sizes are x64 byte offsets from the symbol dumps):
 * win8 0xE8 (the v3 set), win10 0x110 (+DMA domain routines),
 * win10-1803 0x118 (+AllocateCommonBufferWithBounds), win10-2004 0x138
 * (+common-buffer vectors), server2022 0x140 (+CreateCommonBufferFromMdl).
 */
export const DMA_OS_BUILDS = ["win8", "win10", "win10-1803", "win10-2004", "server2022"] as const;
export type DmaOsBuild = (typeof DMA_OS_BUILDS)[number];
export const NEWEST_OS_BUILD: DmaOsBuild = "server2022";

export interface HalState {
  /** Null = no observer: each call site costs one branch. */
  observer: HalObserver | null;
  osBuild: DmaOsBuild;
  /** Live common buffers of every adapter, by base VA. */
  readonly buffers: Map<number, CommonBuffer>;
  nextAdapterId: number;
  /** The HAL's own random stream (page scatter under an IOMMU), seeded from the machine's seed. */
  readonly prng: Prng;
}

const states = new WeakMap<Kernel, HalState>();

export function halState(k: Kernel): HalState {
  let s = states.get(k);
  if (s === undefined) {
    s = { observer: null, osBuild: NEWEST_OS_BUILD, buffers: new Map(), nextAdapterId: 1, prng: new Prng(`hal:${k.seed}`) };
    states.set(k, s);
  }
  return s;
}

/** Install (or remove, with null) the HAL observer of a machine. */
export function setHalObserver(k: Kernel, observer: HalObserver | null): void {
  halState(k).observer = observer;
}

/** Choose the Windows build whose v3 table IoGetDmaAdapter hands out (default the newest). Affects adapters created afterwards. */
export function setDmaOsBuild(k: Kernel, build: DmaOsBuild): void {
  if (!(DMA_OS_BUILDS as readonly string[]).includes(build)) throw new RangeError(`setDmaOsBuild: unknown build "${String(build)}" (known: ${DMA_OS_BUILDS.join(", ")})`);
  halState(k).osBuild = build;
}

/** The live common buffer whose base VA is va, on any adapter (for the verifier and reports). */
export function commonBufferAt(k: Kernel, va: number): CommonBuffer | undefined {
  return halState(k).buffers.get(va);
}

/** Every live common buffer of a machine. */
export function liveCommonBuffers(k: Kernel): CommonBuffer[] {
  return [...halState(k).buffers.values()];
}
