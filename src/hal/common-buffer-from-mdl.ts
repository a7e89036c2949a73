/**
 * CreateCommonBufferFromMdl (the Windows Server 2022 tail of the version-3
 * table; DDI nc-wdm-pcreate-common-buffer-from-mdl,
 * ns-wdm-dma_common_buffer_extended_configuration and its two enumerations):
 * the driver's own memory, described by an MDL, made a common buffer.
 * PASSIVE_LEVEL.
 *
 * The MDL must be resident and mapped in system VA (MmBuildMdlForNonPagedPool,
 * or locked and mapped), page aligned and a whole number of pages, and not
 * chained unless a SubSection picks a range inside one MDL of the chain.
 * Without DMA remapping its pages must be physically contiguous and within
 * the device's reach (and the limits): the logical address is the physical
 * one. Under remapping the pages are mapped at an IOVA range inside the
 * limits, with the requested hardware access: CommonBufferHardwareAccessReadOnly
 * lets the device only read, WriteOnly only write (both only possible with
 * remapping: STATUS_NOT_SUPPORTED otherwise).
 *
 * Extended configurations: LogicalAddressLimits (both bounds inclusive),
 * SubSection (page-aligned offset and length into the MDL chain) and
 * HardwareAccessPermissions; two of one type, an unknown type or a bad value
 * are STATUS_INVALID_PARAMETER, as is an MDL that breaks the rules above;
 * STATUS_INSUFFICIENT_RESOURCES when no IOVA range fits.
 *
 * FreeCommonBuffer with the buffer's system VA removes it; the MDL and its
 * pages stay the driver's (nothing of them is freed or unmapped).
 */
import { PAGE_SIZE, type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_SOURCE_IS_NONPAGED_POOL, type MDL } from "../kernel/mdl.ts";
import { type CommonBuffer, liveAdapter } from "./adapter.ts";
import { checkMdl, checkPhysicalAddressOut, checkUlong } from "./args.ts";
import { registerCommonBuffer } from "./common-buffer-core.ts";
import { isRemapped } from "./domain-state.ts";
import {
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeMax,
  CommonBufferConfigTypeSubSection,
  CommonBufferHardwareAccessReadOnly,
  CommonBufferHardwareAccessReadWrite,
  CommonBufferHardwareAccessWriteOnly,
  type DMA_ADAPTER,
  type DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION,
} from "./types.ts";

/** The configurations by type; null for a duplicate, an unknown type or a bad value. */
function readConfigs(list: readonly DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[], count: number): Map<number, DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION> | null {
  const byType = new Map<number, DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION>();
  for (let i = 0; i < count; i++) {
    const c = list[i] as DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION;
    if (typeof c !== "object" || c === null || !Number.isInteger(c.ConfigType)) throw new TypeError(`CreateCommonBufferFromMdl: ExtendedConfigs[${i}] must be a DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION`);
    if (c.ConfigType < 0 || c.ConfigType >= CommonBufferConfigTypeMax || byType.has(c.ConfigType)) return null;
    if (c.ConfigType === CommonBufferConfigTypeLogicalAddressLimits && (typeof c.LogicalAddressLimits?.MinimumAddress.QuadPart !== "bigint" || typeof c.LogicalAddressLimits.MaximumAddress.QuadPart !== "bigint")) return null;
    if (c.ConfigType === CommonBufferConfigTypeSubSection && (!Number.isSafeInteger(c.SubSection?.Offset) || !Number.isSafeInteger(c.SubSection?.Length))) return null;
    if (c.ConfigType === CommonBufferConfigTypeHardwareAccessPermissions && c.HardwareAccessType !== CommonBufferHardwareAccessReadOnly && c.HardwareAccessType !== CommonBufferHardwareAccessWriteOnly && c.HardwareAccessType !== CommonBufferHardwareAccessReadWrite) return null;
    byType.set(c.ConfigType, c);
  }
  return byType;
}

/** The MDL of the chain and the byte range in it that back the buffer, or null when they break the rules. */
function backing(first: MDL, sub: { Offset: number; Length: number } | undefined): { mdl: MDL; offset: number; length: number } | null {
  if (sub === undefined) {
    if (first.Next !== null) return null;
    return { mdl: first, offset: 0, length: first.ByteCount };
  }
  if (sub.Offset < 0 || sub.Length <= 0 || sub.Offset % PAGE_SIZE !== 0 || sub.Length % PAGE_SIZE !== 0) return null;
  let skip = sub.Offset;
  for (let m: MDL | null = first; m !== null; m = m.Next) {
    if (skip < m.ByteCount) return skip + sub.Length <= m.ByteCount ? { mdl: m, offset: skip, length: sub.Length } : null;
    skip -= m.ByteCount;
  }
  return null;
}

/**
 * CreateCommonBufferFromMdl(DmaAdapter, Mdl, ExtendedConfigs,
 * ExtendedConfigsCount, LogicalAddress).
 */
export function CreateCommonBufferFromMdl(DmaAdapter: DMA_ADAPTER, Mdl: MDL, ExtendedConfigs: readonly DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[] | null, ExtendedConfigsCount: number, LogicalAddress: PHYSICAL_ADDRESS): NTSTATUS {
  const routine = "CreateCommonBufferFromMdl";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkUlong(ExtendedConfigsCount, routine, "ExtendedConfigsCount");
  if (ExtendedConfigs !== null && !Array.isArray(ExtendedConfigs)) throw new TypeError(`${routine}: ExtendedConfigs must be an array of DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION or null`);
  if (ExtendedConfigsCount > (ExtendedConfigs?.length ?? 0)) throw new RangeError(`${routine}: ExtendedConfigsCount ${ExtendedConfigsCount} is more than the ${ExtendedConfigs?.length ?? 0} configurations given`);
  checkPhysicalAddressOut(LogicalAddress, routine, "LogicalAddress");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  const k = ao.kernel;
  k.checkIrql(routine, { exact: PASSIVE_LEVEL }, ao.device);
  const configs = readConfigs(ExtendedConfigs ?? [], ExtendedConfigsCount);
  if (configs === null) return STATUS.INVALID_PARAMETER;
  const limits = configs.get(CommonBufferConfigTypeLogicalAddressLimits)?.LogicalAddressLimits;
  const access = configs.get(CommonBufferConfigTypeHardwareAccessPermissions)?.HardwareAccessType ?? CommonBufferHardwareAccessReadWrite;
  const remapped = ao.master && isRemapped(ao);
  if (access !== CommonBufferHardwareAccessReadWrite && !remapped) return STATUS.NOT_SUPPORTED;
  const b = backing(Mdl, configs.get(CommonBufferConfigTypeSubSection)?.SubSection);
  if (b === null) return STATUS.INVALID_PARAMETER;
  const m = b.mdl;
  // Resident, mapped in system VA, page aligned, whole pages.
  if ((m.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) === 0 || (m.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) === 0) return STATUS.INVALID_PARAMETER;
  if (m.ByteOffset !== 0 || m.ByteCount % PAGE_SIZE !== 0) return STATUS.INVALID_PARAMETER;
  const va = m.MappedSystemVa + b.offset;
  const mapping = k.va.find(va);
  // The memory must be mapped, and not a common buffer already.
  if (mapping === undefined || ao.hal.buffers.has(va)) return STATUS.INVALID_PARAMETER;
  const pages = b.length / PAGE_SIZE;
  const firstPage = b.offset / PAGE_SIZE;
  const pfns = m.pfns.slice(firstPage, firstPage + pages);
  if (pfns.some((p) => !k.map.isRam(p))) return STATUS.INVALID_PARAMETER;
  const min = limits === undefined ? 0 : toNumberSaturating(BigInt.asUintN(64, limits.MinimumAddress.QuadPart));
  const max = Math.min(ao.reach.maxAddress, limits === undefined ? Number.MAX_SAFE_INTEGER : toNumberSaturating(BigInt.asUintN(64, limits.MaximumAddress.QuadPart)));
  if (max < min) return STATUS.INVALID_PARAMETER;
  let logical: number;
  if (remapped) {
    const iommu = k.iommu as NonNullable<typeof k.iommu>;
    const iova = iommu.allocateIova(ao.busMaster.domain, { pages, minAddress: min, maxAddress: max, boundary: ao.reach.boundary });
    if (iova < 0) return STATUS.INSUFFICIENT_RESOURCES;
    iommu.map(ao.busMaster.domain, iova, pfns, { read: access !== CommonBufferHardwareAccessWriteOnly, write: access !== CommonBufferHardwareAccessReadOnly });
    logical = iova;
  } else {
    // Without remapping the device uses the physical pages: they must be one run it reaches, inside its boundary.
    for (let i = 1; i < pfns.length; i++) if (pfns[i] !== (pfns[i - 1] as number) + 1) return STATUS.INVALID_PARAMETER;
    logical = (pfns[0] as number) * PAGE_SIZE;
    const end = logical + b.length - 1;
    if (logical < min || end > max || Math.floor(logical / ao.reach.boundary) !== Math.floor(end / ao.reach.boundary)) return STATUS.INVALID_PARAMETER;
  }
  const cb: CommonBuffer = { adapter: ao, routine, va, length: b.length, pages, logical, logicalQuad: BigInt(logical), physicalRuns: null, mapping, pfns, cache: mapping.cache, cacheEnabled: mapping.cache === "cached", deviceMemory: mapping.deviceMemory, remapped, ownsMemory: false, domain: null, time: k.clock.now };
  registerCommonBuffer(cb);
  LogicalAddress.QuadPart = cb.logicalQuad;
  return STATUS.SUCCESS;
}
