/**
 * The #define constants of dmasim's headers, with their documented values.
 * Where dmasim's kernel or HAL has the constant, the value comes from there
 * (one source); the rest are the WDK documentation's values. Printed into
 * <dmasim/generated.h> with the types.
 */
import { PAGE_SIZE } from "../../core/address.ts";
import { STATUS } from "../../core/ntstatus.ts";
import { DMA_ADAPTER_INFO_VERSION1 } from "../../hal/adapter-info.ts";
import { DEVICE_DESCRIPTION_VERSION, DEVICE_DESCRIPTION_VERSION1, DEVICE_DESCRIPTION_VERSION2, DEVICE_DESCRIPTION_VERSION3, DMA_SYNCHRONOUS_CALLBACK, DMA_TRANSFER_CONTEXT_SIZE_V1, DMA_TRANSFER_INFO_VERSION1, DMA_TRANSFER_INFO_VERSION2, DOMAIN_COMMON_BUFFER_LARGE_PAGE, MM_ANY_NODE_OK } from "../../hal/types.ts";
import { DO_BUFFERED_IO, DO_DIRECT_IO, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, FILE_READ_ACCESS, FILE_WRITE_ACCESS, METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_NEITHER, METHOD_OUT_DIRECT } from "../../kernel/io-manager.ts";
import { IRP_MJ_CLEANUP, IRP_MJ_PNP, IRP_MJ_READ, IRP_MJ_WRITE } from "../../kernel/irp.ts";
import { IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE } from "../../kernel/pnp.ts";
import {
  CM_RESOURCE_DMA_16,
  CM_RESOURCE_DMA_8,
  CM_RESOURCE_INTERRUPT_LATCHED,
  CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE,
  CM_RESOURCE_PORT_IO,
  CmResourceShareDeviceExclusive,
  CmResourceShareShared,
  CmResourceTypeDma,
  CmResourceTypeInterrupt,
  CmResourceTypeMemory,
  CmResourceTypeNull,
  CmResourceTypePort,
} from "../../kernel/resources.ts";

/** [name, value, C type cast (e.g. "NTSTATUS"), or "" for a plain integer]. */
export type Constant = readonly [name: string, value: number, cast: string];

const hex = (n: number): string => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

const statuses: Constant[] = Object.entries(STATUS).map(([k, v]) => [`STATUS_${k}`, v, "NTSTATUS"]);
const extraStatuses: Constant[] = ([
  ["STATUS_TIMEOUT", 0x00000102, "NTSTATUS"],
  ["STATUS_OBJECT_NAME_NOT_FOUND", 0xc0000034, "NTSTATUS"],
  ["STATUS_BUFFER_OVERFLOW", 0x80000005, "NTSTATUS"],
  ["STATUS_INVALID_BUFFER_SIZE", 0xc0000206, "NTSTATUS"],
  ["STATUS_DEVICE_BUSY", 0x80000011, "NTSTATUS"],
  ["STATUS_IO_DEVICE_ERROR", 0xc0000185, "NTSTATUS"],
  ["STATUS_ACCESS_DENIED", 0xc0000022, "NTSTATUS"],
  ["STATUS_NO_SUCH_DEVICE", 0xc000000e, "NTSTATUS"],
  ["STATUS_NOT_FOUND", 0xc0000225, "NTSTATUS"],
  ["STATUS_DEVICE_DOES_NOT_EXIST", 0xc00000c0, "NTSTATUS"],
  ["STATUS_INVALID_USER_BUFFER", 0xc00000e8, "NTSTATUS"],
] as const satisfies readonly Constant[]).filter(([n]) => !statuses.some(([m]) => m === n));

export const CONSTANTS: readonly Constant[] = [
  ...statuses,
  ...extraStatuses,
  // IRP major and minor functions.
  ["IRP_MJ_CREATE", 0x00, ""],
  ["IRP_MJ_CLOSE", 0x02, ""],
  ["IRP_MJ_READ", IRP_MJ_READ, ""],
  ["IRP_MJ_WRITE", IRP_MJ_WRITE, ""],
  ["IRP_MJ_DEVICE_CONTROL", 0x0e, ""],
  ["IRP_MJ_INTERNAL_DEVICE_CONTROL", 0x0f, ""],
  ["IRP_MJ_CLEANUP", IRP_MJ_CLEANUP, ""],
  ["IRP_MJ_POWER", 0x16, ""],
  ["IRP_MJ_SYSTEM_CONTROL", 0x17, ""],
  ["IRP_MJ_PNP", IRP_MJ_PNP, ""],
  ["IRP_MJ_MAXIMUM_FUNCTION", 0x1b, ""],
  ["IRP_MN_START_DEVICE", IRP_MN_START_DEVICE, ""],
  ["IRP_MN_QUERY_REMOVE_DEVICE", 0x01, ""],
  ["IRP_MN_REMOVE_DEVICE", IRP_MN_REMOVE_DEVICE, ""],
  ["IRP_MN_CANCEL_REMOVE_DEVICE", 0x03, ""],
  ["IRP_MN_STOP_DEVICE", IRP_MN_STOP_DEVICE, ""],
  ["IRP_MN_QUERY_STOP_DEVICE", 0x05, ""],
  ["IRP_MN_CANCEL_STOP_DEVICE", 0x06, ""],
  ["IRP_MN_QUERY_DEVICE_RELATIONS", 0x07, ""],
  ["IRP_MN_QUERY_CAPABILITIES", 0x09, ""],
  ["IRP_MN_QUERY_PNP_DEVICE_STATE", 0x14, ""],
  ["IRP_MN_SURPRISE_REMOVAL", 0x17, ""],
  // IO_STACK_LOCATION.Control: when a completion routine runs.
  ["SL_PENDING_RETURNED", 0x01, ""],
  ["SL_INVOKE_ON_CANCEL", 0x20, ""],
  ["SL_INVOKE_ON_SUCCESS", 0x40, ""],
  ["SL_INVOKE_ON_ERROR", 0x80, ""],
  ["IO_NO_INCREMENT", 0, ""],
  ["IO_SOUND_INCREMENT", 8, ""],
  ["IO_SERIAL_INCREMENT", 2, ""],
  // DEVICE_OBJECT.Flags and Characteristics, device types.
  ["DO_VERIFY_VOLUME", 0x00000002, ""],
  ["DO_BUFFERED_IO", DO_BUFFERED_IO, ""],
  ["DO_EXCLUSIVE", 0x00000008, ""],
  ["DO_DIRECT_IO", DO_DIRECT_IO, ""],
  ["DO_MAP_IO_BUFFER", 0x00000020, ""],
  ["DO_DEVICE_INITIALIZING", 0x00000080, ""],
  ["DO_POWER_PAGABLE", 0x00002000, ""],
  ["DO_POWER_INRUSH", 0x00004000, ""],
  ["FILE_DEVICE_SECURE_OPEN", 0x00000100, ""],
  ["FILE_DEVICE_SOUND", 0x0000001d, ""],
  ["FILE_DEVICE_UNKNOWN", FILE_DEVICE_UNKNOWN, ""],
  ["FILE_DEVICE_NETWORK", 0x00000012, ""],
  ["FILE_DEVICE_BUS_EXTENDER", 0x0000002a, ""],
  // Alignment requirements.
  ["FILE_BYTE_ALIGNMENT", 0x0, ""],
  ["FILE_WORD_ALIGNMENT", 0x1, ""],
  ["FILE_LONG_ALIGNMENT", 0x3, ""],
  ["FILE_QUAD_ALIGNMENT", 0x7, ""],
  ["FILE_OCTA_ALIGNMENT", 0xf, ""],
  ["FILE_32_BYTE_ALIGNMENT", 0x1f, ""],
  ["FILE_64_BYTE_ALIGNMENT", 0x3f, ""],
  ["FILE_128_BYTE_ALIGNMENT", 0x7f, ""],
  ["FILE_256_BYTE_ALIGNMENT", 0xff, ""],
  ["FILE_512_BYTE_ALIGNMENT", 0x1ff, ""],
  // I/O control codes.
  ["METHOD_BUFFERED", METHOD_BUFFERED, ""],
  ["METHOD_IN_DIRECT", METHOD_IN_DIRECT, ""],
  ["METHOD_OUT_DIRECT", METHOD_OUT_DIRECT, ""],
  ["METHOD_NEITHER", METHOD_NEITHER, ""],
  ["FILE_ANY_ACCESS", FILE_ANY_ACCESS, ""],
  ["FILE_READ_ACCESS", FILE_READ_ACCESS, ""],
  ["FILE_WRITE_ACCESS", FILE_WRITE_ACCESS, ""],
  ["FILE_READ_DATA", FILE_READ_ACCESS, ""],
  ["FILE_WRITE_DATA", FILE_WRITE_ACCESS, ""],
  // Resources.
  ["CmResourceTypeNull", CmResourceTypeNull, ""],
  ["CmResourceTypePort", CmResourceTypePort, ""],
  ["CmResourceTypeInterrupt", CmResourceTypeInterrupt, ""],
  ["CmResourceTypeMemory", CmResourceTypeMemory, ""],
  ["CmResourceTypeDma", CmResourceTypeDma, ""],
  ["CmResourceTypeDeviceSpecific", 5, ""],
  ["CmResourceTypeBusNumber", 6, ""],
  ["CmResourceTypeMemoryLarge", 7, ""],
  ["CmResourceShareUndetermined", 0, ""],
  ["CmResourceShareDeviceExclusive", CmResourceShareDeviceExclusive, ""],
  ["CmResourceShareDriverExclusive", 2, ""],
  ["CmResourceShareShared", CmResourceShareShared, ""],
  ["CM_RESOURCE_PORT_MEMORY", 0x0000, ""],
  ["CM_RESOURCE_PORT_IO", CM_RESOURCE_PORT_IO, ""],
  ["CM_RESOURCE_PORT_10_BIT_DECODE", 0x0004, ""],
  ["CM_RESOURCE_PORT_16_BIT_DECODE", 0x0004, ""],
  ["CM_RESOURCE_MEMORY_READ_WRITE", 0x0000, ""],
  ["CM_RESOURCE_MEMORY_READ_ONLY", 0x0001, ""],
  ["CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE", CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE, ""],
  ["CM_RESOURCE_INTERRUPT_LATCHED", CM_RESOURCE_INTERRUPT_LATCHED, ""],
  ["CM_RESOURCE_INTERRUPT_MESSAGE", 0x0002, ""],
  ["CM_RESOURCE_DMA_8", CM_RESOURCE_DMA_8, ""],
  ["CM_RESOURCE_DMA_16", CM_RESOURCE_DMA_16, ""],
  ["CM_RESOURCE_DMA_32", 0x0002, ""],
  ["CM_RESOURCE_DMA_8_AND_16", 0x0004, ""],
  ["CM_RESOURCE_DMA_BUS_MASTER", 0x0008, ""],
  // DMA.
  ["DEVICE_DESCRIPTION_VERSION", DEVICE_DESCRIPTION_VERSION, ""],
  ["DEVICE_DESCRIPTION_VERSION1", DEVICE_DESCRIPTION_VERSION1, ""],
  ["DEVICE_DESCRIPTION_VERSION2", DEVICE_DESCRIPTION_VERSION2, ""],
  ["DEVICE_DESCRIPTION_VERSION3", DEVICE_DESCRIPTION_VERSION3, ""],
  ["DMA_ADAPTER_INFO_VERSION1", DMA_ADAPTER_INFO_VERSION1, ""],
  ["DMA_TRANSFER_INFO_VERSION1", DMA_TRANSFER_INFO_VERSION1, ""],
  ["DMA_TRANSFER_INFO_VERSION2", DMA_TRANSFER_INFO_VERSION2, ""],
  // The kernel's context size (x64's; 32-bit Windows has 64): the HAL needs this many bytes whatever the pointer width.
  ["DMA_TRANSFER_CONTEXT_SIZE_V1", DMA_TRANSFER_CONTEXT_SIZE_V1, ""],
  ["DMA_SYNCHRONOUS_CALLBACK", DMA_SYNCHRONOUS_CALLBACK, ""],
  ["DOMAIN_COMMON_BUFFER_LARGE_PAGE", DOMAIN_COMMON_BUFFER_LARGE_PAGE, ""],
  ["MM_ANY_NODE_OK", MM_ANY_NODE_OK, ""],
  // MDL flags.
  ["MDL_MAPPED_TO_SYSTEM_VA", 0x0001, ""],
  ["MDL_PAGES_LOCKED", 0x0002, ""],
  ["MDL_SOURCE_IS_NONPAGED_POOL", 0x0004, ""],
  ["MDL_ALLOCATED_FIXED_SIZE", 0x0008, ""],
  ["MDL_PARTIAL", 0x0010, ""],
  ["MDL_IO_SPACE", 0x0800, ""],
  ["MdlMappingNoExecute", 0x40000000, ""],
  // Memory.
  ["PAGE_SIZE", PAGE_SIZE, ""],
  ["PAGE_SHIFT", 12, ""],
  ["PAGE_NOACCESS", 0x01, ""],
  ["PAGE_READONLY", 0x02, ""],
  ["PAGE_READWRITE", 0x04, ""],
  ["PAGE_EXECUTE", 0x10, ""],
  ["PAGE_EXECUTE_READ", 0x20, ""],
  ["PAGE_EXECUTE_READWRITE", 0x40, ""],
  ["PAGE_NOCACHE", 0x200, ""],
  ["PAGE_WRITECOMBINE", 0x400, ""],
  ["POOL_FLAG_NON_PAGED", 0x40, ""],
  ["POOL_FLAG_NON_PAGED_EXECUTE", 0x80, ""],
  ["POOL_FLAG_PAGED", 0x100, ""],
  ["POOL_FLAG_UNINITIALIZED", 0x2, ""],
  // IRQLs (x64).
  ["PASSIVE_LEVEL", 0, ""],
  ["LOW_LEVEL", 0, ""],
  ["APC_LEVEL", 1, ""],
  ["DISPATCH_LEVEL", 2, ""],
  ["CLOCK_LEVEL", 13, ""],
  ["IPI_LEVEL", 14, ""],
  ["HIGH_LEVEL", 15, ""],
  // Event tracing levels (evntrace.h).
  ["TRACE_LEVEL_NONE", 0, ""],
  ["TRACE_LEVEL_CRITICAL", 1, ""],
  ["TRACE_LEVEL_FATAL", 1, ""],
  ["TRACE_LEVEL_ERROR", 2, ""],
  ["TRACE_LEVEL_WARNING", 3, ""],
  ["TRACE_LEVEL_INFORMATION", 4, ""],
  ["TRACE_LEVEL_VERBOSE", 5, ""],
  // DbgPrintEx components and levels.
  ["DPFLTR_IHVDRIVER_ID", 77, ""],
  ["DPFLTR_ERROR_LEVEL", 0, ""],
  ["DPFLTR_WARNING_LEVEL", 1, ""],
  ["DPFLTR_TRACE_LEVEL", 2, ""],
  ["DPFLTR_INFO_LEVEL", 3, ""],
];

/** `#define NAME ((CAST)0x...)` lines. */
export function constantLines(list: readonly Constant[] = CONSTANTS): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [name, value, cast] of list) {
    if (seen.has(name)) throw new RangeError(`constants: ${name} appears twice`);
    seen.add(name);
    out.push(cast === "" ? `#define ${name} ${value < 0 || value > 0xffff ? hex(value) + (value > 0x7fffffff ? "UL" : "") : value}` : `#define ${name} ((${cast})${hex(value)}L)`);
  }
  return out;
}
