/**
 * Every finding code, and the parameters each one carries: the one list both
 * the reporters (bus, kernel, HAL, KMDF, verifier) and the catalogue
 * (verifier/codes.ts, the README table) are typed against, so a misspelled
 * code or a parameter a code does not have is a compile error. It lives in
 * core/ because the lowest reporters sit far below verifier/.
 *
 * To add a code: append it to FINDING_CODES, give it a FindingParams entry,
 * and a catalogue entry in verifier/codes.ts (the compiler asks for both).
 */

type P = number | bigint;

/** Every finding code, in the catalogue's (and the README table's) order. */
export const FINDING_CODES = [
  "DMA_COMMON_BUFFER_DOUBLE_FREE",
  "DMA_COMMON_BUFFER_UNKNOWN_FREE",
  "DMA_COMMON_BUFFER_FREE_MISMATCH",
  "DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS",
  "DMA_ADAPTER_RELEASED_WITH_CHANNELS",
  "DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS",
  "DMA_ADAPTER_RELEASED_WITH_SCATTER_GATHER_LISTS",
  "DMA_ADAPTER_USED_AFTER_RELEASE",
  "DMA_MORE_THAN_ONE_ADAPTER_CHANNEL",
  "DMA_TOO_MANY_MAP_REGISTERS_REQUESTED",
  "DMA_TOO_MANY_MAP_REGISTERS_ALLOCATED",
  "DMA_TOO_MANY_ADAPTER_CHANNELS_FREED",
  "DMA_TOO_MANY_MAP_REGISTERS_FREED",
  "DMA_MAP_REGISTERS_FREED_WHILE_MAPPED",
  "DMA_MAP_REGISTER_COUNT_MISMATCH",
  "DMA_DEVICE_REQUEST_ALREADY_QUEUED",
  "DMA_BUFFERS_NOT_FLUSHED",
  "DMA_RANGE_ALREADY_MAPPED",
  "DMA_BUFFER_NOT_LOCKED",
  "DMA_BUFFER_NOT_SYSTEM_MAPPED",
  "DMA_INVALID_DMA_BUFFER",
  "DMA_ADDRESS_NOT_IN_MDL",
  "DMA_ZERO_LENGTH_MAP",
  "DMA_FLUSH_NOT_MAPPED",
  "DMA_FLUSH_NEVER_MAPPED",
  "DMA_FLUSH_PAST_END",
  "DMA_FLUSH_CHANNEL_NOT_DONE",
  "DMA_BUFFER_TOO_SMALL_FOR_LENGTH",
  "DMA_FLUSH_CURRENTVA_MISMATCH",
  "DMA_MAP_WITHOUT_MAP_REGISTERS",
  "DMA_CHANNEL_NOT_ALLOCATED",
  "DMA_TRANSFER_TOO_LONG",
  "DMA_AUTOINIT_BOUNCED",
  "DMA_NO_BOUNCE_PAGES",
  "DMA_NO_IOVA",
  "DMA_TOO_MANY_SCATTER_GATHER_LISTS_FREED",
  "DMA_SCATTER_GATHER_DIRECTION_MISMATCH",
  "DMA_TRANSFER_CONTEXT_MISUSE",
  "DMA_WRONG_ADAPTER_KIND",
  "WDF_WRONG_IRQL",
  "WDF_CANNOT_DELETE",
  "WDF_REQUEST_NOT_COMPLETED",
  "WDF_DMA_AFTER_D0_EXIT",
  "WDF_TRANSACTION_ACTIVE_AT_D0_EXIT",
  "WDF_INTERRUPT_AFTER_DISCONNECT",
  "IRP_PENDING_NOT_MARKED",
  "IRP_MARKED_PENDING_NOT_RETURNED",
  "DMA_WRONG_IRQL",
  "DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION",
  "DMA_IOMMU_FAULT",
  "DMA_USE_AFTER_FREE",
  "DMA_PHYSICAL_ADDRESS_USED",
  "CB_TAIL_ACCESS",
  "DMA_OUTSIDE_BUFFER",
  "DMA_UNINITIALIZED_READ",
  "DMA_STALE_DEVICE_READ",
  "DMA_STALE_CPU_READ",
  "DMA_WRITEBACK_CLOBBER",
  "DMA_UNDRAINED_WRITE_COMBINE",
  "DEVICE_MEMORY_BULK_ACCESS",
  "DMA_COMMON_BUFFER_LEAKED",
  "DMA_ADAPTER_NOT_PUT",
  "DMA_ROUTINE_NOT_AVAILABLE",
  "ISA_DMA_BOUNDARY_CROSSED",
  "ISA_DMA_ABOVE_16MB",
  "READ_DMA_COUNTER_ON_BUS_MASTER",
] as const;

/** One finding code: "DMA_PHYSICAL_ADDRESS_USED", "CB_TAIL_ACCESS", ... (the catalogue's names). */
export type FindingCode = (typeof FINDING_CODES)[number];

/** True when `s` is one of the catalogued codes. */
export function isFindingCode(s: string): s is FindingCode {
  return (FINDING_CODES as readonly string[]).includes(s);
}

/** No parameters. */
type None = Record<string, never>;

/** What the verifier adds to a free it has seen before: where and when the buffer was first freed. */
type FirstFree = {
  readonly firstFreeSite?: string;
  readonly firstFreeRoutine?: string;
  /** Simulated ns of the first free. */
  readonly firstFreeTime?: number;
};

/** A device address that looks like the never-written fill pattern (0xDEADBEEF): the verifier marks it. */
type FillPatternHint = {
  readonly fillPattern?: boolean;
};

/** A device address whose low 32 bits are a live buffer's logical address: the full address it was cut from. */
type TruncationHint = {
  readonly truncatedFrom?: number;
};

type Access = {
  readonly address: number;
  readonly length: number;
  readonly write: boolean;
};

type Released = { readonly adapter: bigint; readonly outstanding: number };

/** The parameters of each code (each reporter's `params`); the compiler checks both directions. */
export type FindingParams = Exact<{
  DMA_COMMON_BUFFER_DOUBLE_FREE: { readonly va: number; readonly length: number } & FirstFree;
  DMA_COMMON_BUFFER_UNKNOWN_FREE: { readonly va: number; readonly length: number };
  DMA_COMMON_BUFFER_FREE_MISMATCH: {
    readonly va: number;
    readonly length: number;
    readonly allocatedLength: number;
    readonly logical: bigint;
    readonly allocatedLogical: number;
    readonly cacheEnabled: boolean;
    readonly allocatedCacheEnabled: boolean;
  };
  DMA_ADAPTER_RELEASED_WITH_COMMON_BUFFERS: Released;
  DMA_ADAPTER_RELEASED_WITH_CHANNELS: Released;
  DMA_ADAPTER_RELEASED_WITH_MAP_REGISTERS: Released;
  DMA_ADAPTER_RELEASED_WITH_SCATTER_GATHER_LISTS: Released;
  DMA_ADAPTER_USED_AFTER_RELEASE: { readonly adapter: bigint };
  DMA_MORE_THAN_ONE_ADAPTER_CHANNEL: { readonly outstanding: number };
  DMA_TOO_MANY_MAP_REGISTERS_REQUESTED: { readonly required: number; readonly maximum: number };
  DMA_TOO_MANY_MAP_REGISTERS_ALLOCATED: { readonly allocated: number; readonly maximum: number };
  DMA_TOO_MANY_ADAPTER_CHANNELS_FREED: { readonly extraFrees: number };
  DMA_TOO_MANY_MAP_REGISTERS_FREED: { readonly extraFrees: number };
  DMA_MAP_REGISTERS_FREED_WHILE_MAPPED: { readonly stillMapped: number };
  DMA_MAP_REGISTER_COUNT_MISMATCH: { readonly given: number; readonly allocated: number };
  DMA_DEVICE_REQUEST_ALREADY_QUEUED: { readonly waiting: number };
  DMA_BUFFERS_NOT_FLUSHED: { readonly mapped: number; readonly maximum: number };
  DMA_RANGE_ALREADY_MAPPED: { readonly start: number; readonly end: number; readonly mapped: number };
  DMA_BUFFER_NOT_LOCKED: { readonly va: number; readonly pfn?: number };
  DMA_BUFFER_NOT_SYSTEM_MAPPED: { readonly va: number };
  /** violation: 1 VA before the first MDL, 2 after it, 3 extra length crosses a page, 4 VA / 5 length not cache aligned. */
  DMA_INVALID_DMA_BUFFER: { readonly violation: number; readonly va: number; readonly length: number };
  DMA_ADDRESS_NOT_IN_MDL: { readonly currentVa: number; readonly length: number };
  DMA_ZERO_LENGTH_MAP: None;
  DMA_FLUSH_NOT_MAPPED: None;
  DMA_FLUSH_NEVER_MAPPED: { readonly currentVa: number };
  DMA_FLUSH_PAST_END: { readonly bytesLeft: number; readonly requested: number };
  DMA_FLUSH_CHANNEL_NOT_DONE: { readonly controller: number; readonly channel: number };
  DMA_BUFFER_TOO_SMALL_FOR_LENGTH: { readonly unaccounted: number };
  DMA_FLUSH_CURRENTVA_MISMATCH: { readonly currentVa: number; readonly mapped: number };
  DMA_MAP_WITHOUT_MAP_REGISTERS: None;
  DMA_CHANNEL_NOT_ALLOCATED: { readonly channel: number };
  DMA_TRANSFER_TOO_LONG: { readonly length: number; readonly maximum: number };
  DMA_AUTOINIT_BOUNCED: { readonly channel: number; readonly length: number };
  DMA_NO_BOUNCE_PAGES: { readonly needed: number } & ({ readonly channel: number } | { readonly length: number });
  DMA_NO_IOVA: { readonly pages: number };
  DMA_TOO_MANY_SCATTER_GATHER_LISTS_FREED: { readonly allocated: number; readonly freed: number };
  DMA_SCATTER_GATHER_DIRECTION_MISMATCH: { readonly adapter: bigint };
  /** state: what the context is ("not initialized", "pending", "granted", "another adapter's"). */
  DMA_TRANSFER_CONTEXT_MISUSE: { readonly state: string };
  DMA_WRONG_ADAPTER_KIND: { readonly master: boolean };
  WDF_WRONG_IRQL: { readonly maximum: number; readonly current: number };
  WDF_CANNOT_DELETE: { readonly handle: number; readonly status: number };
  WDF_REQUEST_NOT_COMPLETED: { readonly request: number; readonly major: number; readonly queue: number };
  /** object: the WDFCOMMONBUFFER or WDFDMATRANSACTION handle the access hit (0 when it hit neither); state: "after EvtDeviceD0Exit" or "after EvtDeviceReleaseHardware". */
  WDF_DMA_AFTER_D0_EXIT: Access & { readonly object: number; readonly state: string };
  WDF_TRANSACTION_ACTIVE_AT_D0_EXIT: { readonly transaction: number; readonly bytesLeft: number };
  WDF_INTERRUPT_AFTER_DISCONNECT: { readonly line: number; readonly interrupt: number };
  /** The IRP's major and minor function, and what the dispatch routine returned. */
  IRP_PENDING_NOT_MARKED: { readonly major: number; readonly minor: number; readonly status: number };
  IRP_MARKED_PENDING_NOT_RETURNED: { readonly major: number; readonly minor: number; readonly status: number };
  DMA_WRONG_IRQL: { readonly expected: number; readonly current: number } | { readonly maximum: number; readonly current: number };
  DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION: { readonly version: number };
  DMA_IOMMU_FAULT: Access & { readonly reason: string } & TruncationHint & FillPatternHint;
  DMA_USE_AFTER_FREE: Access & { readonly va: number } & FirstFree;
  DMA_PHYSICAL_ADDRESS_USED: Access & { readonly logical: number };
  CB_TAIL_ACCESS: Access & { readonly bufferLength: number; readonly va: number };
  DMA_OUTSIDE_BUFFER: Access & { readonly physical: number } & TruncationHint & FillPatternHint;
  DMA_UNINITIALIZED_READ: { readonly address: number; readonly length: number; readonly offset: number; readonly va: number } & FillPatternHint;
  DMA_STALE_DEVICE_READ: { readonly address: number; readonly line: number };
  DMA_STALE_CPU_READ: { readonly address: number; readonly length: number; readonly line: number; readonly va: number };
  DMA_WRITEBACK_CLOBBER: { readonly address: number; readonly line: number };
  DMA_UNDRAINED_WRITE_COMBINE: { readonly address: number; readonly length: number; readonly line: number };
  DEVICE_MEMORY_BULK_ACCESS: { readonly va: number; readonly length: number; readonly write: boolean };
  DMA_COMMON_BUFFER_LEAKED: { readonly va: number; readonly length: number; readonly logical: number; readonly site: string };
  DMA_ADAPTER_NOT_PUT: { readonly adapter: bigint };
  DMA_ROUTINE_NOT_AVAILABLE: { readonly tableVersion: number; readonly size: number };
  ISA_DMA_BOUNDARY_CROSSED: { readonly address: number; readonly length: number; readonly channel: number; readonly to: number };
  ISA_DMA_ABOVE_16MB: { readonly address: number; readonly length: number; readonly channel: number; readonly truncated?: number };
  READ_DMA_COUNTER_ON_BUS_MASTER: { readonly address: bigint };
}>;

/** A parameter value: an address, length or count, a name, a flag. */
export type ParamValue = P | string | boolean;

/**
 * T when its keys are exactly the finding codes (a missing or unknown code is
 * an error here) and every parameter is a ParamValue.
 */
type Exact<T extends { readonly [C in FindingCode]: { readonly [k: string]: ParamValue | undefined } }> = Exclude<keyof T, FindingCode> extends never ? T : never;
