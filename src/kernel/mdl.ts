/**
 * Memory descriptor lists: IoAllocateMdl, MmBuildMdlForNonPagedPool,
 * IoFreeMdl and the MmGetMdl* accessors. An MDL describes a virtually
 * contiguous buffer (StartVa page + ByteOffset, ByteCount) and, once built,
 * the page frame of each page it spans.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import type { Kernel } from "./kernel.ts";
import { formatVa } from "./va-space.ts";

export const MDL_MAPPED_TO_SYSTEM_VA = 0x0001;
export const MDL_PAGES_LOCKED = 0x0002;
export const MDL_SOURCE_IS_NONPAGED_POOL = 0x0004;
export const MDL_ALLOCATED_FIXED_SIZE = 0x0008;
export const MDL_PARTIAL = 0x0010;

/** Largest buffer one MDL can describe on x64 (MmSizeOfMdl limit in IoAllocateMdl docs: 4 GiB - 1 page... we use ULONG). */
const MAX_MDL_LENGTH = 0xffff_ffff;

export interface MDL {
  Next: MDL | null;
  /** Bytes of the structure in Windows (header + PFN array); informative. */
  readonly Size: number;
  MdlFlags: number;
  /** Page-aligned VA of the first page. */
  readonly StartVa: number;
  readonly ByteOffset: number;
  readonly ByteCount: number;
  MappedSystemVa: number;
  /** PFN array (MmGetMdlPfnArray); zeros until the MDL is built or locked. */
  readonly pfns: Int32Array;
  /** Set by IoFreeMdl; use after free is a bug. */
  freed: boolean;
}

/**
 * IoAllocateMdl(VirtualAddress, Length, SecondaryBuffer, ChargeQuota, Irp):
 * NULL when Length is 0 or too large (as Windows returns NULL rather than
 * failing hard). Callable at <= DISPATCH_LEVEL.
 */
export function IoAllocateMdl(k: Kernel, VirtualAddress: number, Length: number, SecondaryBuffer = false, ChargeQuota = false, Irp: { MdlAddress: MDL | null } | null = null): MDL | null {
  void ChargeQuota;
  irqlAtMost(k, "IoAllocateMdl", DISPATCH_LEVEL);
  if (!Number.isSafeInteger(VirtualAddress) || VirtualAddress < 0) throw new TypeError(`IoAllocateMdl: VirtualAddress must be an address, got ${VirtualAddress}`);
  if (!Number.isSafeInteger(Length) || Length <= 0 || Length > MAX_MDL_LENGTH) return null;
  const pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, Length);
  const mdl: MDL = {
    Next: null,
    Size: 48 + pages * 8,
    MdlFlags: 0,
    StartVa: VirtualAddress - (VirtualAddress % PAGE_SIZE),
    ByteOffset: VirtualAddress % PAGE_SIZE,
    ByteCount: Length,
    MappedSystemVa: 0,
    pfns: new Int32Array(pages),
    freed: false,
  };
  if (Irp !== null) {
    if (SecondaryBuffer) {
      let tail = Irp.MdlAddress;
      if (tail === null) throw new TypeError("IoAllocateMdl: SecondaryBuffer with an IRP that has no MdlAddress");
      while (tail.Next !== null) tail = tail.Next;
      tail.Next = mdl;
    } else {
      Irp.MdlAddress = mdl;
    }
  }
  return mdl;
}

/**
 * MmBuildMdlForNonPagedPool: fills the PFN array for a buffer in nonpaged
 * memory and marks it mapped to system VA. A VA in the range that is not
 * mapped bug checks PAGE_FAULT_IN_NONPAGED_AREA, as touching it would.
 */
export function MmBuildMdlForNonPagedPool(k: Kernel, mdl: MDL): void {
  irqlAtMost(k, "MmBuildMdlForNonPagedPool", DISPATCH_LEVEL);
  liveMdl(mdl, "MmBuildMdlForNonPagedPool");
  for (let i = 0; i < mdl.pfns.length; i++) {
    const va = mdl.StartVa + i * PAGE_SIZE;
    const pa = k.va.physicalAddressOf(va);
    if (pa < 0) throw new BugCheckError(BUGCHECK.PAGE_FAULT_IN_NONPAGED_AREA, BigInt(va) | 0xffff_0000_0000_0000n, 0, 0, 0, `MmBuildMdlForNonPagedPool: ${formatVa(va)} is not mapped`);
    mdl.pfns[i] = Math.floor(pa / PAGE_SIZE);
  }
  mdl.MappedSystemVa = mdl.StartVa + mdl.ByteOffset;
  mdl.MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA;
}

/** IoFreeMdl. Freeing twice is a use-after-free; Windows would corrupt pool — we refuse with a bug check. */
export function IoFreeMdl(k: Kernel, mdl: MDL): void {
  irqlAtMost(k, "IoFreeMdl", DISPATCH_LEVEL);
  if (mdl.freed) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x7, 0, 0, 0, "IoFreeMdl: MDL freed twice");
  mdl.freed = true;
}

export function MmGetMdlVirtualAddress(mdl: MDL): number {
  return mdl.StartVa + mdl.ByteOffset;
}
export function MmGetMdlByteCount(mdl: MDL): number {
  return mdl.ByteCount;
}
export function MmGetMdlByteOffset(mdl: MDL): number {
  return mdl.ByteOffset;
}
export function MmGetMdlPfnArray(mdl: MDL): Int32Array {
  return mdl.pfns;
}
export function MmGetSystemAddressForMdlSafe(mdl: MDL): number | null {
  return (mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) !== 0 ? mdl.MappedSystemVa : null;
}

function liveMdl(mdl: MDL, routine: string): void {
  if (mdl.freed) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x7, 0, 0, 0, `${routine}: MDL was already freed`);
}

function irqlAtMost(k: Kernel, routine: string, max: number): void {
  const cur = k.KeGetCurrentIrql();
  if (cur > max) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `${routine} called at ${irqlName(cur)} (maximum ${irqlName(max)})`);
}
