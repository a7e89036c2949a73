/**
 * DMA domains (the Windows 10 tail of the version-3 table): GetDmaDomain,
 * JoinDmaDomain, LeaveDmaDomain and AllocateDomainCommonBuffer (DDI
 * nc-wdm-pget_dma_domain, nc-wdm-pjoin_dma_domain, nc-wdm-pleave_dma_domain,
 * nc-wdm-pallocate_domain_common_buffer; the symbol dumps'
 * HALP_DMA_DOMAIN_OBJECT keeps a domain's common buffers, its maximum address,
 * boundary and cache coherence). All four run at PASSIVE_LEVEL.
 *
 * A domain's devices share one logical address space: under DMA remapping
 * their IOMMU domains translate through one address space, so a domain
 * common buffer has one logical address every member can use; without
 * remapping they already share the physical space and the domain only
 * gathers its buffers. The DDI pages give signatures, IRQLs and "an
 * appropriate NTSTATUS" only; dmasim's rules, documented here:
 * - every device starts in a domain of its own (GetDmaDomain of any of its
 *   adapters returns it);
 * - JoinDmaDomain moves the adapter's device (every adapter of it: the IOMMU
 *   translates per device) into the domain; a device that is remapped cannot
 *   share with one that is not, nor a coherent device with one that does not
 *   snoop (STATUS_NOT_SUPPORTED); a remapped device changes address space
 *   only when none of its adapters holds buffers, map registers, lists or
 *   mappings (STATUS_INVALID_DEVICE_STATE); an unknown handle is
 *   STATUS_INVALID_HANDLE; joining the domain it is in is STATUS_SUCCESS;
 * - LeaveDmaDomain returns the device to its own domain, under the same
 *   idle rule; a device in its own domain has nothing to leave
 *   (STATUS_INVALID_DEVICE_REQUEST);
 * - AllocateDomainCommonBuffer takes a handle of the domain the adapter's
 *   device is in (else STATUS_INVALID_PARAMETER) and allocates below
 *   MaximumAddress and within every member adapter's reach and boundary;
 *   DOMAIN_COMMON_BUFFER_LARGE_PAGE allocates in 2 MiB granules; CacheType
 *   as AllocateCommonBufferWithBounds (NULL = platform default, only
 *   MmCached / MmNonCached); STATUS_INSUFFICIENT_RESOURCES when it cannot be
 *   had. FreeCommonBuffer of any member adapter frees it.
 */
import { type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { BusMaster } from "../machine/bus.ts";
import { type AdapterObject, liveAdapter } from "./adapter.ts";
import { checkOutParam, checkPhysicalAddress, checkPhysicalAddressOut, checkStruct, checkUlong } from "./args.ts";
import { allocateCommonBuffer } from "./common-buffer-core.ts";
import { checkCacheType, checkUlongLength, commonBufferCacheType } from "./common-buffer.ts";
import { outstandingMapRegisters, unregisteredMappings } from "./map-registers.ts";
import { currentDomain, type DmaDomain, domainBooks, isRemapped, liveAdaptersOf } from "./domain-state.ts";
import { liveScatterGatherLists } from "./sg-list.ts";
import { DOMAIN_COMMON_BUFFER_LARGE_PAGE, type DMA_ADAPTER, type DMA_DOMAIN_HANDLE, MM_ANY_NODE_OK, MmCached, type MEMORY_CACHING_TYPE, MmNonCached } from "./types.ts";

const AT_PASSIVE = { exact: PASSIVE_LEVEL } as const;

/** The domain behind a handle this HAL gave out, or null. */
function domainOf(ao: AdapterObject, h: unknown): DmaDomain | null {
  return typeof h === "object" && h !== null && domainBooks(ao.kernel).handles.has(h) ? (h as DmaDomain) : null;
}

/** A device with nothing mapped: no adapter of it holds buffers, map registers, lists or open mappings. */
function idle(ao: AdapterObject, device: BusMaster): boolean {
  return liveAdaptersOf(ao.kernel, device).every((a) => a.commonBuffers.size === 0 && outstandingMapRegisters(a) === 0 && liveScatterGatherLists(a) === 0 && unregisteredMappings(a).length === 0);
}

function move(ao: AdapterObject, to: DmaDomain): void {
  const b = domainBooks(ao.kernel);
  const bm = ao.busMaster;
  currentDomain(ao).members.delete(bm);
  to.members.add(bm);
  b.current.set(bm, to);
  if (to.space >= 0) ao.kernel.iommu?.shareSpace(bm.domain, to.space);
}

/** GetDmaDomain(DmaAdapter): the handle of the domain the adapter's device is in. */
export function GetDmaDomain(DmaAdapter: DMA_ADAPTER): DMA_DOMAIN_HANDLE | null {
  const routine = "GetDmaDomain";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return null;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  return currentDomain(ao);
}

/** JoinDmaDomain(DmaAdapter, DomainHandle). */
export function JoinDmaDomain(DmaAdapter: DMA_ADAPTER, DomainHandle: DMA_DOMAIN_HANDLE): NTSTATUS {
  const routine = "JoinDmaDomain";
  const ao = liveAdapter(DmaAdapter, routine);
  checkStruct(DomainHandle, routine, "DomainHandle");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  const to = domainOf(ao, DomainHandle);
  if (to === null) return STATUS.INVALID_HANDLE;
  if (to === currentDomain(ao)) return STATUS.SUCCESS;
  if ((to.space >= 0) !== isRemapped(ao) || to.coherent !== ao.busMaster.coherent) return STATUS.NOT_SUPPORTED;
  if (isRemapped(ao) && !idle(ao, ao.busMaster)) return STATUS.INVALID_DEVICE_STATE;
  move(ao, to);
  return STATUS.SUCCESS;
}

/** LeaveDmaDomain(DmaAdapter): back to the device's own domain. */
export function LeaveDmaDomain(DmaAdapter: DMA_ADAPTER): NTSTATUS {
  const routine = "LeaveDmaDomain";
  const ao = liveAdapter(DmaAdapter, routine);
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, AT_PASSIVE, ao.device);
  const cur = currentDomain(ao);
  const own = domainBooks(ao.kernel).own.get(ao.busMaster) as DmaDomain;
  if (cur === own) return STATUS.INVALID_DEVICE_REQUEST;
  if (isRemapped(ao) && !idle(ao, ao.busMaster)) return STATUS.INVALID_DEVICE_STATE;
  move(ao, own);
  return STATUS.SUCCESS;
}

/**
 * AllocateDomainCommonBuffer(DmaAdapter, DomainHandle, MaximumAddress,
 * Length, Flags, CacheType, PreferredNode, LogicalAddress, VirtualAddress).
 */
export function AllocateDomainCommonBuffer(DmaAdapter: DMA_ADAPTER, DomainHandle: DMA_DOMAIN_HANDLE, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: { value: number }): NTSTATUS {
  const routine = "AllocateDomainCommonBuffer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkStruct(DomainHandle, routine, "DomainHandle");
  checkPhysicalAddress(MaximumAddress, routine, "MaximumAddress", true);
  checkUlongLength(Length, routine);
  checkUlong(Flags, routine, "Flags");
  checkCacheType(CacheType, routine);
  checkUlong(PreferredNode, routine, "PreferredNode");
  checkPhysicalAddressOut(LogicalAddress, routine, "LogicalAddress");
  checkOutParam(VirtualAddress, routine, "VirtualAddress");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, AT_PASSIVE, ao.device);
  const dom = domainOf(ao, DomainHandle);
  if (dom === null || dom !== currentDomain(ao)) return STATUS.INVALID_PARAMETER;
  if (Length === 0 || (Flags & ~DOMAIN_COMMON_BUFFER_LARGE_PAGE) !== 0) return STATUS.INVALID_PARAMETER;
  if (CacheType !== null && CacheType !== MmCached && CacheType !== MmNonCached) return STATUS.INVALID_PARAMETER;
  const node = PreferredNode >>> 0 === MM_ANY_NODE_OK ? -1 : PreferredNode;
  if (node >= k.map.nodeCount) return STATUS.INVALID_PARAMETER;
  // Every member must reach the buffer and see it inside one boundary.
  let max = MaximumAddress === null ? ao.reach.maxAddress : Math.min(ao.reach.maxAddress, toNumberSaturating(BigInt.asUintN(64, MaximumAddress.QuadPart)));
  let boundary = ao.reach.boundary;
  for (const device of dom.members) {
    for (const a of liveAdaptersOf(k, device)) {
      max = Math.min(max, a.reach.maxAddress);
      boundary = Math.min(boundary, a.reach.boundary);
    }
  }
  const c = commonBufferCacheType(ao, CacheType);
  const cb = allocateCommonBuffer(ao, { routine, length: Length, minAddress: 0, maxAddress: max, cache: c.cache, deviceMemory: c.deviceMemory, cacheEnabled: c.cache === "cached", node, largePage: (Flags & DOMAIN_COMMON_BUFFER_LARGE_PAGE) !== 0, boundary, domain: dom });
  if (cb === null) return STATUS.INSUFFICIENT_RESOURCES;
  LogicalAddress.QuadPart = cb.logicalQuad;
  VirtualAddress.value = cb.va;
  return STATUS.SUCCESS;
}
