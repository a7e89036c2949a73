/**
 * Which DMA domain each device is in (dma-domain.ts keeps the domains; this
 * small module holds the books so that FreeCommonBuffer can find a domain
 * buffer without importing the domain routines).
 *
 * A DMA domain is a set of devices that share one logical address space:
 * under DMA remapping one IOMMU address space (machine/iommu.ts shareSpace),
 * without it the physical address space. Every device starts in a domain of
 * its own (its default domain), which all its adapters share.
 */
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import type { BusMaster } from "../machine/bus.ts";
import type { AdapterObject } from "./adapter.ts";
import type { DMA_DOMAIN_HANDLE } from "./types.ts";

/** The HAL's side of a domain handle (HALP_DMA_DOMAIN_OBJECT in the symbol dumps). */
export interface DmaDomain extends DMA_DOMAIN_HANDLE {
  readonly id: number;
  /** The IOMMU address space (a domain id) its devices translate through, or -1 for physical addresses. */
  readonly space: number;
  /** Whether its devices snoop the CPU caches (a domain's devices agree). */
  readonly coherent: boolean;
  readonly members: Set<BusMaster>;
}

interface DomainBooks {
  /** Each device's own domain. */
  readonly own: WeakMap<BusMaster, DmaDomain>;
  /** The domain each device is in now. */
  readonly current: WeakMap<BusMaster, DmaDomain>;
  /** Every adapter of a device (for the idle check and the domain's reach). */
  readonly adapters: WeakMap<BusMaster, Set<AdapterObject>>;
  readonly handles: WeakSet<object>;
  nextId: number;
}

const BOOKS = machineSlot<DomainBooks>("DMA domains", () => ({ own: new WeakMap(), current: new WeakMap(), adapters: new WeakMap(), handles: new WeakSet(), nextId: 1 }));

export function domainBooks(k: Kernel): DomainBooks {
  return k.slot(BOOKS);
}

/** Whether the adapter's device addresses memory through the IOMMU. */
export function isRemapped(ao: AdapterObject): boolean {
  return ao.busMaster.domain >= 0 && ao.kernel.iommu !== null;
}

/** Note a new adapter of its device (IoGetDmaAdapter). */
export function noteAdapter(ao: AdapterObject): void {
  const b = domainBooks(ao.kernel);
  let set = b.adapters.get(ao.busMaster);
  if (set === undefined) b.adapters.set(ao.busMaster, (set = new Set()));
  set.add(ao);
}

/** The adapters of a device that are not released. */
export function liveAdaptersOf(k: Kernel, device: BusMaster): AdapterObject[] {
  return [...(domainBooks(k).adapters.get(device) ?? [])].filter((a) => !a.released);
}

/** The domain the adapter's device is in now (its own domain until it joins another). */
export function currentDomain(ao: AdapterObject): DmaDomain {
  const b = domainBooks(ao.kernel);
  const bm = ao.busMaster;
  const cur = b.current.get(bm);
  if (cur !== undefined) return cur;
  const own: DmaDomain = { Type: "DMA_DOMAIN", id: b.nextId++, space: isRemapped(ao) ? ao.busMaster.domain : -1, coherent: bm.coherent, members: new Set([bm]) };
  b.own.set(bm, own);
  b.current.set(bm, own);
  b.handles.add(own);
  return own;
}
