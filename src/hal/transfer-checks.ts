/**
 * Driver Verifier's checks of the buffer a transfer maps (bug check 0xE6 page,
 * KDOC debugger/bug-check-0xe6--driver-verifier-dma-violation; the DMA
 * Verification page lists "DMA on a pageable buffer", "an MDL with mangled
 * flags" and "an invalid system address ... before the first MDL, after its
 * end, or a length that crosses a page boundary beyond it"):
 *
 * - 0x0E: the MDL's pages were never locked — neither MDL_PAGES_LOCKED nor
 *   MDL_SOURCE_IS_NONPAGED_POOL (no MmBuildMdlForNonPagedPool /
 *   MmProbeAndLockPages) — or its PFN array names a frame that is not RAM;
 * - 0x1F / 1, 2, 3: CurrentVa before the MDL's buffer, at or after its end,
 *   or CurrentVa + Length past its end;
 * - 0x1F / 4, 5: for a device that does not snoop the CPU caches (ARM64
 *   _CCA 0), a device-to-memory buffer whose start or length is not a whole
 *   number of cache lines (the invalidate after the transfer would drop the
 *   neighbours' bytes on those lines) — reported, the transfer still goes;
 * - 0x22: the HAL must copy the data (map registers) but the MDL is not
 *   mapped in system VA.
 * P2/P3 name "the MDL" on the bug check page; dmasim's MDLs have no address
 * of their own, so the MDL's buffer VA stands in for it.
 */
import { BUGCHECK } from "../core/bugcheck.ts";
import { MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_SOURCE_IS_NONPAGED_POOL, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { formatVa } from "../kernel/va-space.ts";
import type { AdapterObject } from "./adapter.ts";

const PAGE = 4096;
const E6 = BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION;

/** 0x0E: the pages of [va, va + len) in `mdl` are locked RAM. False (reported) when not. */
export function checkLocked(ao: AdapterObject, routine: string, mdl: MDL, va: number, len: number): boolean {
  const k = ao.kernel;
  const mdlVa = MmGetMdlVirtualAddress(mdl);
  if ((mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) === 0) {
    k.report({ code: "DMA_BUFFER_NOT_LOCKED", bugCheck: [E6, 0x0e, BigInt(mdlVa), 0, 0], routine, device: ao.device, message: `${routine}: the MDL for ${formatVa(mdlVa)} was never locked (no MmBuildMdlForNonPagedPool or MmProbeAndLockPages): its PFN array is not filled in`, params: { va: mdlVa } });
    return false;
  }
  const first = Math.floor(va / PAGE) - Math.floor(mdl.StartVa / PAGE);
  const last = Math.floor((va + len - 1) / PAGE) - Math.floor(mdl.StartVa / PAGE);
  for (let i = first; i <= last; i++) {
    const pfn = mdl.pfns[i] as number;
    if (!k.map.isRam(pfn)) {
      k.report({ code: "DMA_BUFFER_NOT_LOCKED", bugCheck: [E6, 0x0e, BigInt(mdlVa), 0, 0], routine, device: ao.device, message: `${routine}: page ${i} of the MDL for ${formatVa(mdlVa)} names frame 0x${pfn.toString(16)}, which is not RAM (a mangled PFN array)`, params: { va: mdlVa, pfn } });
      return false;
    }
  }
  return true;
}

/** 0x1F / 1-3: [va, va + len) lies inside the MDL's buffer. False (reported) when not. */
export function checkInsideMdl(ao: AdapterObject, routine: string, mdl: MDL, va: number, len: number): boolean {
  const mdlVa = MmGetMdlVirtualAddress(mdl);
  const end = mdlVa + mdl.ByteCount;
  let violation = 0;
  let p3: number | bigint = 0;
  let p4: number | bigint = 0;
  let why = "";
  if (va < mdlVa) [violation, p3, p4, why] = [1, BigInt(va), BigInt(mdlVa), `CurrentVa ${formatVa(va)} is before the MDL's buffer at ${formatVa(mdlVa)}`];
  else if (va >= end) [violation, p3, p4, why] = [2, BigInt(va), BigInt(mdlVa), `CurrentVa ${formatVa(va)} is after the MDL's buffer [${formatVa(mdlVa)}, +0x${mdl.ByteCount.toString(16)})`];
  else if (va + len > end) [violation, p3, p4, why] = [3, BigInt(mdlVa), len, `${len} bytes from ${formatVa(va)} run ${va + len - end} bytes past the end of the MDL's buffer [${formatVa(mdlVa)}, +0x${mdl.ByteCount.toString(16)})`];
  if (violation === 0) return true;
  ao.kernel.report({ code: "DMA_INVALID_DMA_BUFFER", bugCheck: [E6, 0x1f, violation, p3, p4], routine, device: ao.device, message: `${routine}: invalid DMA buffer: ${why}`, params: { violation, va, length: len } });
  return false;
}

/** 0x1F / 4, 5: a non-coherent device's read into a buffer that does not cover whole cache lines (reported only). */
export function checkCacheAligned(ao: AdapterObject, routine: string, va: number, len: number, writeToDevice: boolean): void {
  if (ao.busMaster.coherent || writeToDevice) return;
  const line = ao.kernel.profile.cacheLineSize;
  const k = ao.kernel;
  if (va % line !== 0) {
    k.report({ code: "DMA_INVALID_DMA_BUFFER", bugCheck: [E6, 0x1f, 4, BigInt(va), 0], routine, device: ao.device, message: `${routine}: ${ao.device} does not snoop the CPU caches and the device-to-memory buffer at ${formatVa(va)} does not start on a ${line}-byte cache line: invalidating the line after the transfer drops the bytes before it`, params: { violation: 4, va, length: len } });
  } else if (len % line !== 0) {
    k.report({ code: "DMA_INVALID_DMA_BUFFER", bugCheck: [E6, 0x1f, 5, len, 0], routine, device: ao.device, message: `${routine}: ${ao.device} does not snoop the CPU caches and the device-to-memory buffer of ${len} bytes at ${formatVa(va)} is not a whole number of ${line}-byte cache lines`, params: { violation: 5, va, length: len } });
  }
}

/** 0x22: data the HAL copies must be mapped in system VA. False (reported) when the MDL is not. */
export function checkSystemMapped(ao: AdapterObject, routine: string, mdl: MDL): boolean {
  if ((mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) !== 0) return true;
  const mdlVa = MmGetMdlVirtualAddress(mdl);
  ao.kernel.report({ code: "DMA_BUFFER_NOT_SYSTEM_MAPPED", bugCheck: [E6, 0x22, BigInt(mdlVa), 0, 0], routine, device: ao.device, message: `${routine}: the transfer must be copied through map registers but the MDL for ${formatVa(mdlVa)} is not mapped in system VA (MDL_MAPPED_TO_SYSTEM_VA is clear)`, params: { va: mdlVa } });
  return false;
}
