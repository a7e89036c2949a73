/**
 * Per-machine HAL state, kept on the machine (a kernel slot): the observers,
 * the OS build of the v3 table, the live common buffers. The HalState type
 * lives with the adapter object (adapter.ts) that refers to it.
 */
import { ObserverSlot } from "../core/hooks.ts";
import { Prng } from "../core/prng.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import type { CommonBuffer, HalState } from "./adapter.ts";
import { HAL_OBSERVER_METHODS, type HalObserver } from "./observer.ts";
import { DMA_OS_BUILDS, type DmaOsBuild, NEWEST_OS_BUILD } from "./os-build.ts";

export { DMA_OS_BUILDS, type DmaOsBuild, NEWEST_OS_BUILD };
export type { HalState };

const HAL = machineSlot<HalState>("hal", (k) => ({ observers: new ObserverSlot<HalObserver>(HAL_OBSERVER_METHODS), osBuild: NEWEST_OS_BUILD, buffers: new Map(), nextAdapterId: 1, prng: new Prng(`hal:${k.seed}`) }));

export function halState(k: Kernel): HalState {
  return k.slot(HAL);
}

/** Attach an observer of a machine's HAL (adapters, common buffers, mapped transfers); returns its detach function. */
export function addHalObserver(k: Kernel, observer: HalObserver): () => void {
  return halState(k).observers.add(observer);
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
