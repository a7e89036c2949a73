/**
 * The catalogue of findings: every code any layer reports, with the bug check
 * it carries and what it means. Codes with a Windows bug check (0xE6 Driver
 * Verifier DMA violation, 0x1DC common-buffer vector error, 0x1E for an ARM64
 * alignment fault) carry that tuple; the rest are dmasim's own, for what no
 * Windows tool catches, and stop (in "bugcheck" mode) with
 * DMASIM_VERIFIER_FINDING (0xDA5E): P1 = the code's number below, P2..P4 = the
 * finding's address, length and device-or-detail values (P1 = 0 for a code
 * that another layer reports without a number of its own).
 */

import { BUGCHECK } from "../core/bugcheck.ts";
import { FINDING_CODES, type FindingCode } from "../core/finding-codes.ts";

/** Bug check code dmasim raises for its own findings (not a Windows code; named DMASIM_VERIFIER_FINDING in core/bugcheck.ts). */
export const DMASIM_VERIFIER_FINDING = BUGCHECK.DMASIM_VERIFIER_FINDING;

/** STATUS_DATATYPE_MISALIGNMENT, the exception code of an alignment fault. */
export const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;

/** One line of the finding catalogue ({@link FINDING_CATALOGUE}, the README table). */
export interface CodeInfo {
  /** The finding code, or "(bug check)" for a stop Windows always raises (no finding, no mode). */
  readonly code: FindingCode | "(bug check)";
  /** Bug check and parameters, as text for the README and reports. */
  readonly bugCheck: string;
  /** Who reports it (the layer that sees the misuse). */
  readonly reporter: string;
  /** What it means, in one line. */
  readonly meaning: string;
}

/** dmasim's own codes, numbered (P1 of DMASIM_VERIFIER_FINDING): append only. */
export const OWN_CODES = [
  "CB_TAIL_ACCESS",
  "DMA_OUTSIDE_BUFFER",
  "DMA_USE_AFTER_FREE",
  "DMA_PHYSICAL_ADDRESS_USED",
  "DMA_UNINITIALIZED_READ",
  "DMA_STALE_DEVICE_READ",
  "DMA_STALE_CPU_READ",
  "DMA_WRITEBACK_CLOBBER",
  "DMA_UNDRAINED_WRITE_COMBINE",
  "DEVICE_MEMORY_BULK_ACCESS",
  "DMA_COMMON_BUFFER_LEAKED",
  "DMA_ROUTINE_NOT_AVAILABLE",
  "ISA_DMA_BOUNDARY_CROSSED",
  "ISA_DMA_ABOVE_16MB",
  "READ_DMA_COUNTER_ON_BUS_MASTER",
  "DMA_COMMON_BUFFER_FREE_MISMATCH",
  "DMA_TRANSFER_CONTEXT_MISUSE",
  "DMA_WRONG_ADAPTER_KIND",
  "DMA_ADAPTER_NOT_PUT",
] as const satisfies readonly FindingCode[];
/** A code of dmasim's own (no Windows bug check parameters): P1 of DMASIM_VERIFIER_FINDING numbers them. */
export type OwnCode = (typeof OWN_CODES)[number];

/** P1 of DMASIM_VERIFIER_FINDING for an own code (1-based), or 0 when the code is not one of ours. */
export function ownCodeNumber(code: FindingCode): number {
  return (OWN_CODES as readonly string[]).indexOf(code) + 1;
}

const E6 = "0xE6";
const OWN = "0xDA5E";

type Entry = Omit<CodeInfo, "code">;

/** What each code means and carries: one entry per FINDING_CODES entry (the compiler checks both ways). */
const BY_CODE: { readonly [C in FindingCode]: Entry } = {
  DMA_COMMON_BUFFER_DOUBLE_FREE: { bugCheck: `${E6} (0x03, 1, 0, 0)`, reporter: "hal", meaning: "FreeCommonBuffer of a buffer already freed (too many common buffers freed)" },
  DMA_COMMON_BUFFER_UNKNOWN_FREE: { bugCheck: `${E6} (0x03, 1, 0, 0)`, reporter: "hal", meaning: "FreeCommonBuffer of an address that is not a common buffer of that adapter (never allocated, or another adapter's)" },
  DMA_COMMON_BUFFER_FREE_MISMATCH: { bugCheck: `${OWN} (16, VA, Length, 0)`, reporter: "hal", meaning: "FreeCommonBuffer with a Length, LogicalAddress or CacheEnabled that differs from the allocation (params name each); the buffer stays allocated" },
  DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS: { bugCheck: `${E6} (0x07, adapter, count, 0)`, reporter: "hal", meaning: "PutDmaAdapter while common buffers are still allocated" },
  DMA_ADAPTER_RELEASED_WITH_CHANNELS: { bugCheck: `${E6} (0x08, adapter, count, 0)`, reporter: "hal", meaning: "PutDmaAdapter while an adapter channel is still held" },
  DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS: { bugCheck: `${E6} (0x09, adapter, count, 0)`, reporter: "hal", meaning: "PutDmaAdapter while map registers are still allocated" },
  DMA_ADAPTER_RELEASED_WITH_SCATTER_GATHER_LISTS: { bugCheck: `${E6} (0x0A, adapter, count, 0)`, reporter: "hal", meaning: "PutDmaAdapter while scatter/gather lists are still built (no PutScatterGatherList)" },
  DMA_ADAPTER_USED_AFTER_RELEASE: { bugCheck: `${E6} (0x18, adapter, 0, 0)`, reporter: "hal", meaning: "a DMA routine called on an adapter PutDmaAdapter already released" },
  DMA_MORE_THAN_ONE_ADAPTER_CHANNEL: { bugCheck: `${E6} (0x0B, outstanding, 0, 0)`, reporter: "hal", meaning: "AllocateAdapterChannel while the adapter already holds or waits for a channel" },
  DMA_TOO_MANY_MAP_REGISTERS_REQUESTED: { bugCheck: `${E6} (0x0C, requested, maximum, 0)`, reporter: "hal", meaning: "AllocateAdapterChannel for more map registers than IoGetDmaAdapter granted" },
  DMA_TOO_MANY_MAP_REGISTERS_ALLOCATED: { bugCheck: `${E6} (0x15, allocated, maximum, 0)`, reporter: "hal", meaning: "a channel grant takes the adapter's map registers (those still kept from earlier grants plus the new ones) beyond what IoGetDmaAdapter granted" },
  DMA_TOO_MANY_ADAPTER_CHANNELS_FREED: { bugCheck: `${E6} (0x04, 1, 0, 0)`, reporter: "hal", meaning: "FreeAdapterChannel on an adapter that holds no channel" },
  DMA_TOO_MANY_MAP_REGISTERS_FREED: { bugCheck: `${E6} (0x05, 1, 0, 0)`, reporter: "hal", meaning: "FreeMapRegisters of registers that are not allocated" },
  DMA_MAP_REGISTERS_FREED_WHILE_MAPPED: { bugCheck: `${E6} (0x10, registers still mapped, 0, 0)`, reporter: "hal", meaning: "FreeMapRegisters while a transfer is still mapped (no FlushAdapterBuffers)" },
  DMA_MAP_REGISTER_COUNT_MISMATCH: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "FreeMapRegisters with a count other than the one allocated" },
  DMA_DEVICE_REQUEST_ALREADY_QUEUED: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "a second AllocateAdapterChannel for a device object that already has one waiting" },
  DMA_BUFFERS_NOT_FLUSHED: { bugCheck: `${E6} (0x0D, bytes mapped, maximum, 0)`, reporter: "hal", meaning: "MapTransfer (or MapTransferEx) maps more than the grant's map registers hold since the last FlushAdapterBuffers, or maps a system DMA channel again without flushing it" },
  DMA_RANGE_ALREADY_MAPPED: { bugCheck: `${E6} (0x1D, start VA, end VA, already mapped VA)`, reporter: "hal", meaning: "MapTransfer of a range of the MDL that is already mapped (no FlushAdapterBuffers in between)" },
  DMA_BUFFER_NOT_LOCKED: { bugCheck: `${E6} (0x0E, MDL buffer VA, 0, 0)`, reporter: "hal", meaning: "a transfer on an MDL whose pages were never locked (no MmBuildMdlForNonPagedPool / MmProbeAndLockPages) or whose PFN array names a page that is not RAM" },
  DMA_BUFFER_NOT_SYSTEM_MAPPED: { bugCheck: `${E6} (0x22, MDL buffer VA, 0, 0)`, reporter: "hal", meaning: "the HAL must copy a transfer through map registers but the MDL is not mapped in system VA (MDL_MAPPED_TO_SYSTEM_VA clear)" },
  DMA_INVALID_DMA_BUFFER: { bugCheck: `${E6} (0x1F, 1 VA before the MDL / 2 after it / 3 length past its end / 4 VA / 5 length not cache aligned, ...)`, reporter: "hal", meaning: "MapTransfer with CurrentVa or Length outside the MDL; for a device that does not snoop, a device-to-memory buffer whose start or length is not cache-line aligned" },
  DMA_ADDRESS_NOT_IN_MDL: { bugCheck: `${E6} (0x1B, VA, MDL buffer VA, 0)`, reporter: "hal", meaning: "FlushAdapterBuffers (or FlushAdapterBuffersEx) with an address outside the MDL it was given" },
  DMA_ZERO_LENGTH_MAP: { bugCheck: `${E6} (0x21, 0, 0, 0)`, reporter: "hal", meaning: "MapTransfer (or a scatter/gather list) of zero bytes" },
  DMA_FLUSH_NOT_MAPPED: { bugCheck: `${E6} (0x16, map-register VA or 0, 0, 0)`, reporter: "hal", meaning: "FlushAdapterBuffers with nothing mapped at that MapRegisterBase (flushed already)" },
  DMA_FLUSH_NEVER_MAPPED: { bugCheck: `${E6} (0x20, 0, VA, MDL buffer VA)`, reporter: "hal", meaning: "FlushAdapterBuffers on map registers no MapTransfer ever used" },
  DMA_FLUSH_PAST_END: { bugCheck: `${E6} (0x00, 1, bytes left in the MDL, bytes to flush)`, reporter: "hal", meaning: "FlushAdapterBuffers of more bytes than the MDL has from CurrentVa on" },
  DMA_FLUSH_CHANNEL_NOT_DONE: { bugCheck: `${E6} (0x23, 0, controller, channel)`, reporter: "hal", meaning: "FlushAdapterBuffersEx of a system DMA transfer that neither reached its terminal count nor was cancelled (CancelMappedTransfer)" },
  DMA_BUFFER_TOO_SMALL_FOR_LENGTH: { bugCheck: `${E6} (0x24, unaccounted length, 0, 0)`, reporter: "hal", meaning: "a scatter/gather request for more bytes than the MDL chain describes from its start offset" },
  DMA_FLUSH_CURRENTVA_MISMATCH: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "FlushAdapterBuffers with a CurrentVa other than the one given to MapTransfer" },
  DMA_MAP_WITHOUT_MAP_REGISTERS: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "MapTransfer with a MapRegisterBase that is not a live grant of the adapter" },
  DMA_CHANNEL_NOT_ALLOCATED: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "MapTransfer on a system DMA adapter that does not hold its channel" },
  DMA_TRANSFER_TOO_LONG: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "MapTransfer of more bytes than the 8237 channel can count; only the maximum is programmed" },
  DMA_AUTOINIT_BOUNCED: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "an auto-initialize system DMA transfer had to go through map registers (later writes to the buffer never reach the device)" },
  DMA_NO_BOUNCE_PAGES: { bugCheck: `${E6} (0x00, 2, map registers needed, 0)`, reporter: "hal", meaning: "MapTransfer needs contiguous map-register pages that are not available (out of contiguous map registers)" },
  DMA_NO_IOVA: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "MapTransfer finds no IOVA space in the device's IOMMU domain" },
  DMA_TOO_MANY_SCATTER_GATHER_LISTS_FREED: { bugCheck: `${E6} (0x06, lists allocated, lists freed, 0)`, reporter: "hal", meaning: "PutScatterGatherList of a list that is not live on the adapter (put twice, or never built)" },
  DMA_SCATTER_GATHER_DIRECTION_MISMATCH: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "hal", meaning: "PutScatterGatherList with WriteToDevice other than the list was built with" },
  DMA_TRANSFER_CONTEXT_MISUSE: { bugCheck: `${OWN} (17, 0, 0, 0)`, reporter: "hal", meaning: "a DMA transfer context used while not initialized (InitializeDmaTransferContext) for that adapter, used for a new request while its request is pending or granted, or re-initialized while its request is still pending (each request needs a unique context; a granted context may be re-initialized, as KMDF does on a reserved channel)" },
  DMA_WRONG_ADAPTER_KIND: { bugCheck: `${OWN} (18, 0, 0, 0)`, reporter: "hal", meaning: "a routine for system DMA adapters called on a bus master (ConfigureAdapterChannel, CancelMappedTransfer, a completion routine) or one for bus masters on a system DMA adapter (Get/BuildScatterGatherListEx)" },
  WDF_WRONG_IRQL: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "a KMDF routine called above its IRQL (the KMDF verifier's check; without it the framework does not check)" },
  WDF_CANNOT_DELETE: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "WdfObjectDelete on an object the driver may not delete" },
  WDF_REQUEST_NOT_COMPLETED: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "a request the driver owns is neither completed nor (on a power-down) acknowledged when the framework waits for it (EvtIoStop, a purge on removal, WdfIoQueueStop/PurgeSynchronously) and nothing left on the machine will: Windows waits forever" },
  WDF_DMA_AFTER_D0_EXIT: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "the device reads or writes memory (its common buffer, a transaction's buffer) after EvtDeviceD0Exit or EvtDeviceReleaseHardware: the driver did not stop its DMA engine when leaving D0" },
  WDF_TRANSACTION_ACTIVE_AT_D0_EXIT: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "a DMA transaction is still executing (no DmaCompleted/Release) when EvtDeviceD0Exit returns: its fragment may still be in flight" },
  IRP_PENDING_NOT_MARKED: { bugCheck: `${OWN} (20, major, minor, 0)`, reporter: "kernel", meaning: "a dispatch routine returned STATUS_PENDING without IoMarkIrpPending (the WDM MarkIrpPending2 rule): the I/O manager may finish the request before the driver completes it" },
  IRP_MARKED_PENDING_NOT_RETURNED: { bugCheck: `${OWN} (21, major, minor, status)`, reporter: "kernel", meaning: "a dispatch routine called IoMarkIrpPending and returned another status than STATUS_PENDING (the WDM MarkIrpPending rule, warning C28143)" },
  WDF_INTERRUPT_AFTER_DISCONNECT: { bugCheck: `${OWN} (0, 0, 0, 0)`, reporter: "wdf", meaning: "the device raises its interrupt after the framework disconnected its WDFINTERRUPT (EvtInterruptDisable did not quiet the hardware): no ISR claims it" },
  DMA_WRONG_IRQL: { bugCheck: `${E6} (0x13, 1 = not the required IRQL / 2 = above the maximum, expected, current)`, reporter: "kernel.checkIrql", meaning: "a DMA routine called at the wrong IRQL" },
  DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION: { bugCheck: `${E6} (0x25, 0, 0, 0)`, reporter: "hal", meaning: "IoGetDmaAdapter with a DEVICE_DESCRIPTION Version it does not know (returns NULL)" },
  DMA_IOMMU_FAULT: { bugCheck: `${E6} (0x26, DEVICE_OBJECT of the device, address, fault type)`, reporter: "verifier", meaning: "the IOMMU blocked a device access (unmapped logical address or missing permission); P4 = VT-d fault reason 5 (write) / 6 (read)" },
  DMA_USE_AFTER_FREE: { bugCheck: `${E6} (0x26, ...) under an IOMMU, else ${OWN} (3, address, length, 0)`, reporter: "verifier", meaning: "a device accessed a common buffer after it was freed" },
  DMA_PHYSICAL_ADDRESS_USED: { bugCheck: `${E6} (0x26, ...) under an IOMMU, else ${OWN} (4, address, length, 0)`, reporter: "verifier", meaning: "a device used a buffer's physical address (MmGetPhysicalAddress) where its logical address was required" },
  CB_TAIL_ACCESS: { bugCheck: `${E6} (0x0F, 5, buffer, address) for a write, else ${OWN} (1, address, length, 0)`, reporter: "verifier", meaning: "CPU or device access past Length into the inaccessible rest of a common buffer's last page" },
  DMA_OUTSIDE_BUFFER: { bugCheck: `${OWN} (2, address, length, 0)`, reporter: "verifier", meaning: "a device accessed memory that is no common buffer or mapped transfer (before or after a buffer, or a truncated pointer such as PLX's 28-bit descriptor address)" },
  DMA_UNINITIALIZED_READ: { bugCheck: `${OWN} (5, address, length, 0)`, reporter: "verifier", meaning: "a device read lines of a common buffer that neither the CPU nor a device wrote since allocation (it reads the fill pattern)" },
  DMA_STALE_DEVICE_READ: { bugCheck: `${OWN} (6, address, length, line)`, reporter: "cache model", meaning: "a non-coherent device read a line dirty in the CPU cache: missing clean (KeFlushIoBuffers) before the transfer" },
  DMA_STALE_CPU_READ: { bugCheck: `${OWN} (7, address, length, line)`, reporter: "cache model", meaning: "the CPU read a line it cached before a non-coherent device wrote it: missing invalidate (FlushAdapterBuffers) after the transfer" },
  DMA_WRITEBACK_CLOBBER: { bugCheck: `${OWN} (8, line, 0, 0)`, reporter: "cache model", meaning: "a dirty CPU line was written back over data a non-coherent device wrote after the line was cached" },
  DMA_UNDRAINED_WRITE_COMBINE: { bugCheck: `${OWN} (9, address, length, line)`, reporter: "cache model", meaning: "a device read bytes still held in a write-combining buffer (no fence before the doorbell)" },
  DEVICE_MEMORY_BULK_ACCESS: { bugCheck: `${OWN} (10, VA, length, 0)`, reporter: "verifier", meaning: "Device memory passed to a memcpy/memset-family routine (RtlCopyMemory, RtlFillMemory, RtlZeroMemory) that may access it unaligned; use the Rtl*DeviceMemory routines or a cached buffer" },
  DMA_COMMON_BUFFER_LEAKED: { bugCheck: `${OWN} (11, VA, Length, 0)`, reporter: "verifier", meaning: "a common buffer still allocated when its device is removed (named by allocation site)" },
  DMA_ADAPTER_NOT_PUT: { bugCheck: `${OWN} (19, 0, 0, 0)`, reporter: "verifier", meaning: "a device removed (IRP_MN_REMOVE_DEVICE) while an adapter IoGetDmaAdapter gave for it was never released with PutDmaAdapter (the adapter leaks)" },
  DMA_ROUTINE_NOT_AVAILABLE: { bugCheck: `${OWN} (12, 0, 0, 0)`, reporter: "verifier (dmaCall)", meaning: "a DMA_OPERATIONS routine called through a null slot (e.g. AllocateCommonBufferEx on a version 1/2 adapter)" },
  ISA_DMA_BOUNDARY_CROSSED: { bugCheck: `${OWN} (13, address, count, channel)`, reporter: "verifier (8237)", meaning: "a system DMA transfer crosses a 64 KiB (8-bit channel) or 128 KiB (16-bit channel) page: the 8237 wraps inside the page" },
  ISA_DMA_ABOVE_16MB: { bugCheck: `${OWN} (14, address, count, channel)`, reporter: "verifier (8237)", meaning: "a system DMA transfer targets memory at or above 16 MiB, which ISA DMA cannot reach" },
  READ_DMA_COUNTER_ON_BUS_MASTER: { bugCheck: `${OWN} (15, adapter, 0, 0)`, reporter: "verifier", meaning: "ReadDmaCounter called on a bus-master adapter (it has no system DMA counter)" },
};

/** Stops Windows raises whatever the verifier mode (there is no finding to collect). */
export const BUGCHECK_ONLY: readonly Entry[] = [
  { bugCheck: `${E6} (0x19, 0, 0, 0)`, reporter: "hal", meaning: "a NULL DMA_ADAPTER passed to a DMA routine: always a stop (there is no machine to report to)" },
  { bugCheck: "0x1DC (1, current IRQL, 0, 0)", reporter: "hal", meaning: "a common-buffer vector routine at the wrong IRQL (allocate and free: PASSIVE_LEVEL; lookup: at most DISPATCH_LEVEL)" },
  { bugCheck: "0x1DC (2, index, VA, logical address)", reporter: "hal", meaning: "FreeCommonBufferVector while an element is still allocated" },
  { bugCheck: "0x1DC (3, entries, index, 0)", reporter: "hal", meaning: "a vector index out of bounds" },
  { bugCheck: "0x1DC (4, index, 0, 0)", reporter: "hal", meaning: "a vector element used or freed after it was freed" },
  { bugCheck: "0x1DC (5, 0, 0, 0)", reporter: "hal", meaning: "PutDmaAdapter while a common-buffer vector of the adapter was never freed (common buffer leaked)" },
  { bugCheck: "0x1E (0x80000002 STATUS_DATATYPE_MISALIGNMENT, 0, write, VA)", reporter: "cpu", meaning: "ARM64 Device memory (uncached common buffer) accessed misaligned or wider than natural: the processor's alignment fault, verifier or not" },
  { bugCheck: "0xBE (VA, 0, 0, 0)", reporter: "cpu", meaning: "a store through a read-only mapping (MmMapIoSpaceEx with PAGE_READONLY)" },
  { bugCheck: "0x44 (IRP, 0, 0, 0)", reporter: "kernel", meaning: "IoCompleteRequest on an IRP that was already completed (MULTIPLE_IRP_COMPLETE_REQUESTS)" },
];

/** Every finding dmasim can report, one line each, in FINDING_CODES order, then the stops that are never findings: the README table is this list. */
export const FINDING_CATALOGUE: readonly CodeInfo[] = [...FINDING_CODES.map((code) => ({ code, ...BY_CODE[code] })), ...BUGCHECK_ONLY.map((e) => ({ code: "(bug check)" as const, ...e }))];
