/**
 * Memory descriptor lists: IoAllocateMdl, MmBuildMdlForNonPagedPool,
 * IoFreeMdl and the MmGetMdl* accessors. An MDL describes a virtually
 * contiguous buffer (StartVa page + ByteOffset, ByteCount) and, once built,
 * the page frame of each page it spans.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_MASK, PAGE_SIZE } from "../core/address.ts";
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

/** A memory descriptor list: a virtually contiguous buffer and the page frame behind each of its pages. */
export interface MDL {
  /** The next MDL of a chain (IoAllocateMdl with SecondaryBuffer), else null. */
  Next: MDL | null;
  /** Bytes of the structure in Windows (header + PFN array); informative. */
  readonly Size: number;
  /** MDL_* flags (MDL_SOURCE_IS_NONPAGED_POOL once built for nonpaged pool, ...). */
  MdlFlags: number;
  /** Page-aligned VA of the first page. */
  readonly StartVa: number;
  /** Offset of the buffer in its first page. */
  readonly ByteOffset: number;
  /** Bytes described. */
  readonly ByteCount: number;
  /** The system VA of the buffer once mapped (nonpaged pool: its own VA). */
  MappedSystemVa: number;
  /** PFN array (MmGetMdlPfnArray); zeros until the MDL is built or locked. */
  readonly pfns: Int32Array;
  /** Set by IoFreeMdl; use after free is a bug. */
  freed: boolean;
}

/**
 * IoAllocateMdl(VirtualAddress, Length, SecondaryBuffer, ChargeQuota, Irp):
 * NULL when Length is 0 or too large (as Windows returns NULL rather than
 * failing hard). Callable at <= DISPATCH_LEVEL. The PFN array is filled by
 * MmBuildMdlForNonPagedPool.
 *
 * @example
 * ```ts
 * import { bootMachine, IoAllocateMdl, MmBuildMdlForNonPagedPool, MmGetMdlPfnArray, MmGetMdlByteCount, IoFreeMdl, MmAllocateContiguousMemory, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const va = MmAllocateContiguousMemory(k, 8192, physicalAddress(0xffff_ffff)) ?? 0;
 * const mdl = IoAllocateMdl(k, va + 100, 5000);
 * if (mdl !== null) {
 *   MmBuildMdlForNonPagedPool(k, mdl);
 *   console.log(MmGetMdlByteCount(mdl), MmGetMdlPfnArray(mdl).length); // 5000 2
 *   IoFreeMdl(k, mdl);
 * }
 * ```
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
    StartVa: VirtualAddress - (VirtualAddress & PAGE_MASK),
    ByteOffset: VirtualAddress & PAGE_MASK,
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

/** MmGetMdlVirtualAddress: the VA of the buffer's first byte (StartVa + ByteOffset). */
export function MmGetMdlVirtualAddress(mdl: MDL): number {
  return mdl.StartVa + mdl.ByteOffset;
}
/** MmGetMdlByteCount: bytes the MDL describes. */
export function MmGetMdlByteCount(mdl: MDL): number {
  return mdl.ByteCount;
}
/** MmGetMdlByteOffset: the buffer's offset in its first page. */
export function MmGetMdlByteOffset(mdl: MDL): number {
  return mdl.ByteOffset;
}
/** MmGetMdlPfnArray: the page frame of each page (the live array, as in C). */
export function MmGetMdlPfnArray(mdl: MDL): Int32Array {
  return mdl.pfns;
}
/** MmGetSystemAddressForMdlSafe: the buffer's system VA (a direct-I/O IRP's MDL is mapped), or null when the MDL is not mapped. */
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
