/**
 * THE table of C types shared by dmasim's headers and its host: scalar
 * typedefs, enums, structures, callback and DMA_OPERATIONS function types.
 * Members and their order follow the WDK documentation's descriptions of
 * these structures (written from the docs, never from a header); members the
 * documentation calls reserved or opaque are kept as opaque storage.
 *
 * generate-header.ts prints it as <dmasim/generated.h> into every build; the host reads
 * and writes C memory with the offsets computed from it (ctypes.ts); a
 * compiled test asserts every offset and size against clang's.
 */
import {
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeMax,
  CommonBufferConfigTypeSubSection,
  CommonBufferHardwareAccessReadOnly,
  CommonBufferHardwareAccessReadWrite,
  CommonBufferHardwareAccessWriteOnly,
  DmaAborted,
  DmaCancelled,
  DmaComplete,
  DmaError,
  DmaSpeed,
  DmaWidth,
  InterfaceType,
} from "../../hal/types.ts";
import { type Aggregate, type Field, type FunctionType, TypeTable } from "./ctypes.ts";
import { addWdfTypes } from "./wdf-structs.ts";

function f(type: string | Aggregate, name: string, count?: number): Field {
  return count === undefined ? { name, type } : { name, type, count };
}
function struct(fields: Field[], pack?: number): Aggregate {
  return pack === undefined ? { kind: "struct", fields } : { kind: "struct", fields, pack };
}
function union(fields: Field[]): Aggregate {
  return { kind: "union", fields };
}

export const C = new TypeTable();

// ---- Scalars (ntdef.h's base types; LLP64 keeps long at 4 bytes, as wasm32 does) ----
const scalars: [string, string, 1 | 2 | 4 | 8, boolean, string[]][] = [
  ["CHAR", "char", 1, true, ["PCHAR", "PSTR", "PCSTR", "LPSTR"]],
  ["UCHAR", "unsigned char", 1, false, ["PUCHAR"]],
  ["BOOLEAN", "unsigned char", 1, false, ["PBOOLEAN"]],
  ["CCHAR", "char", 1, true, []],
  ["KIRQL", "unsigned char", 1, false, ["PKIRQL"]],
  ["KPROCESSOR_MODE", "char", 1, true, []],
  ["SHORT", "short", 2, true, ["PSHORT"]],
  ["CSHORT", "short", 2, true, []],
  ["USHORT", "unsigned short", 2, false, ["PUSHORT"]],
  ["WCHAR", "__WCHAR_TYPE__", 2, false, ["PWCHAR", "PWCH", "PWSTR", "PCWSTR", "LPWSTR"]],
  ["LONG", "long", 4, true, ["PLONG"]],
  ["ULONG", "unsigned long", 4, false, ["PULONG"]],
  ["INT", "int", 4, true, ["PINT"]],
  ["UINT", "unsigned int", 4, false, ["PUINT"]],
  ["NTSTATUS", "long", 4, true, ["PNTSTATUS"]],
  ["CLONG", "unsigned long", 4, false, []],
  ["LOGICAL", "unsigned long", 4, false, []],
  ["ACCESS_MASK", "unsigned long", 4, false, []],
  ["DEVICE_TYPE", "unsigned long", 4, false, []],
  ["KPRIORITY", "long", 4, true, []],
  // Pointer-sized integers: 4 bytes on wasm32 (8 on x64).
  ["LONG_PTR", "long", 4, true, ["PLONG_PTR"]],
  ["ULONG_PTR", "unsigned long", 4, false, ["PULONG_PTR"]],
  ["INT_PTR", "int", 4, true, []],
  ["UINT_PTR", "unsigned int", 4, false, []],
  ["SIZE_T", "unsigned long", 4, false, ["PSIZE_T"]],
  ["SSIZE_T", "long", 4, true, []],
  ["KAFFINITY", "unsigned long", 4, false, ["PKAFFINITY"]],
  ["KSPIN_LOCK", "unsigned long", 4, false, ["PKSPIN_LOCK"]],
  ["PFN_NUMBER", "unsigned long", 4, false, ["PPFN_NUMBER"]],
  ["LONGLONG", "long long", 8, true, ["PLONGLONG"]],
  ["ULONGLONG", "unsigned long long", 8, false, ["PULONGLONG"]],
  ["LONG64", "long long", 8, true, ["PLONG64"]],
  ["ULONG64", "unsigned long long", 8, false, ["PULONG64"]],
];
for (const [name, c, size, signed, ptrs] of scalars) C.addScalar({ kind: "scalar", name, c, size, signed }, ...ptrs);
C.addPointer("PVOID", "VOID");
C.addPointer("HANDLE", "VOID");
C.addPointer("PHANDLE", "HANDLE");

// ---- Enums (their constants from dmasim's own tables where it has them) ----
C.addEnum({ name: "INTERFACE_TYPE", values: Object.entries(InterfaceType) });
C.addEnum({ name: "DMA_WIDTH", values: Object.entries(DmaWidth) });
C.addEnum({ name: "DMA_SPEED", values: Object.entries(DmaSpeed) });
C.addEnum({ name: "MEMORY_CACHING_TYPE", values: [["MmNonCached", 0], ["MmCached", 1], ["MmWriteCombined", 2], ["MmHardwareCoherentCached", 3], ["MmNonCachedUnordered", 4], ["MmUSWCCached", 5], ["MmMaximumCacheType", 6], ["MmNotMapped", -1]] });
C.addEnum({ name: "KINTERRUPT_MODE", values: [["LevelSensitive", 0], ["Latched", 1]] });
C.addEnum({ name: "IO_ALLOCATION_ACTION", values: [["KeepObject", 1], ["DeallocateObject", 2], ["DeallocateObjectKeepRegisters", 3]] });
C.addEnum({ name: "POOL_TYPE", values: [["NonPagedPool", 0], ["NonPagedPoolExecute", 0], ["PagedPool", 1], ["NonPagedPoolMustSucceed", 2], ["DontUseThisType", 3], ["NonPagedPoolCacheAligned", 4], ["PagedPoolCacheAligned", 5], ["NonPagedPoolCacheAlignedMustS", 6], ["NonPagedPoolNx", 512], ["NonPagedPoolNxCacheAligned", 516]] });
C.addEnum({ name: "KWAIT_REASON", values: [["Executive", 0], ["FreePage", 1], ["PageIn", 2], ["PoolAllocation", 3], ["DelayExecution", 4], ["Suspended", 5], ["UserRequest", 6]] });
C.addEnum({ name: "EVENT_TYPE", values: [["NotificationEvent", 0], ["SynchronizationEvent", 1]] });
C.addEnum({ name: "MODE", values: [["KernelMode", 0], ["UserMode", 1], ["MaximumMode", 2]] });
C.addEnum({ name: "LOCK_OPERATION", values: [["IoReadAccess", 0], ["IoWriteAccess", 1], ["IoModifyAccess", 2]] });
C.addEnum({ name: "MM_PAGE_PRIORITY", values: [["LowPagePriority", 0], ["NormalPagePriority", 16], ["HighPagePriority", 32]] });

// ---- Basic aggregates ----
const lowHigh = struct([f("ULONG", "LowPart"), f("LONG", "HighPart")]);
C.addAggregate({ name: "LARGE_INTEGER", pointers: ["PLARGE_INTEGER"], ...union([f(lowHigh, ""), f(lowHigh, "u"), f("LONGLONG", "QuadPart")]), doc: "A 64-bit signed integer with its two halves." });
const lowHighU = struct([f("ULONG", "LowPart"), f("ULONG", "HighPart")]);
C.addAggregate({ name: "ULARGE_INTEGER", ...union([f(lowHighU, ""), f(lowHighU, "u"), f("ULONGLONG", "QuadPart")]) });
C.addAlias("PHYSICAL_ADDRESS", "LARGE_INTEGER", "PPHYSICAL_ADDRESS");
C.addAggregate({ name: "LIST_ENTRY", pointers: ["PLIST_ENTRY", "PRLIST_ENTRY"], ...struct([f("struct _LIST_ENTRY*", "Flink"), f("struct _LIST_ENTRY*", "Blink")]) });
C.addAggregate({ name: "SINGLE_LIST_ENTRY", ...struct([f("struct _SINGLE_LIST_ENTRY*", "Next")]) });
C.addAggregate({ name: "UNICODE_STRING", pointers: ["PUNICODE_STRING", "PCUNICODE_STRING"], ...struct([f("USHORT", "Length"), f("USHORT", "MaximumLength"), f("PWCH", "Buffer")]) });
C.addAggregate({ name: "STRING", pointers: ["PSTRING", "PANSI_STRING"], ...struct([f("USHORT", "Length"), f("USHORT", "MaximumLength"), f("PCHAR", "Buffer")]) });
C.addAggregate({ name: "GUID", tag: "_GUID", pointers: ["LPGUID", "PGUID"], ...struct([f("ULONG", "Data1"), f("USHORT", "Data2"), f("USHORT", "Data3"), f("UCHAR", "Data4", 8)]) });

// Dispatcher objects the driver allocates and the kernel keeps opaque.
C.addAggregate({ name: "DISPATCHER_HEADER", ...struct([f("UCHAR", "Type"), f("UCHAR", "Signalling"), f("UCHAR", "Size"), f("UCHAR", "Reserved1"), f("LONG", "SignalState"), f("LIST_ENTRY", "WaitListHead")]) });
C.addAggregate({ name: "KEVENT", pointers: ["PKEVENT", "PRKEVENT"], ...struct([f("DISPATCHER_HEADER", "Header")]) });
C.addAggregate({ name: "KTIMER", pointers: ["PKTIMER"], ...struct([f("DISPATCHER_HEADER", "Header"), f("ULARGE_INTEGER", "DueTime"), f("LIST_ENTRY", "TimerListEntry"), f("struct _KDPC*", "Dpc"), f("ULONG", "Processor"), f("LONG", "Period")]) });
C.addAggregate({ name: "KDPC", pointers: ["PKDPC", "PRKDPC"], doc: "Opaque to drivers; the kernel keeps the routine and context here.", ...struct([f("UCHAR", "Type"), f("UCHAR", "Importance"), f("USHORT", "Number"), f("LIST_ENTRY", "DpcListEntry"), f("KAFFINITY", "ProcessorHistory"), f("PKDEFERRED_ROUTINE", "DeferredRoutine"), f("PVOID", "DeferredContext"), f("PVOID", "SystemArgument1"), f("PVOID", "SystemArgument2"), f("PVOID", "DpcData")]) });
C.addAggregate({ name: "KINTERRUPT", pointers: ["PKINTERRUPT", "PRKINTERRUPT"], opaque: true, fields: [], kind: "struct" });
C.addAggregate({ name: "KDEVICE_QUEUE", ...struct([f("CSHORT", "Type"), f("CSHORT", "Size"), f("LIST_ENTRY", "DeviceListHead"), f("KSPIN_LOCK", "Lock"), f("BOOLEAN", "Busy")]) });
C.addAggregate({ name: "KDEVICE_QUEUE_ENTRY", ...struct([f("LIST_ENTRY", "DeviceListEntry"), f("ULONG", "SortKey"), f("BOOLEAN", "Inserted")]) });
C.addAggregate({ name: "IO_STATUS_BLOCK", ...struct([f(union([f("NTSTATUS", "Status"), f("PVOID", "Pointer")]), ""), f("ULONG_PTR", "Information")]) });

// Objects drivers only hold pointers to.
for (const name of ["FILE_OBJECT", "EPROCESS", "ETHREAD", "VPB", "IO_TIMER", "DEVICE_OBJECT_EXTENSION", "FAST_IO_DISPATCH", "IO_SECURITY_CONTEXT", "SECURITY_DESCRIPTOR", "ADAPTER_OBJECT"]) {
  const pointers = name === "EPROCESS" ? ["PEPROCESS", "PKPROCESS"] : name === "ETHREAD" ? ["PETHREAD", "PKTHREAD"] : name === "ADAPTER_OBJECT" ? ["PADAPTER_OBJECT"] : ["P" + name];
  C.addAggregate({ name, pointers, opaque: true, kind: "struct", fields: [] });
}

// ---- Resources (CM_*: packed to 4 in the WDK) ----
const startLength = struct([f("PHYSICAL_ADDRESS", "Start"), f("ULONG", "Length")]);
C.addAggregate({
  name: "CM_PARTIAL_RESOURCE_DESCRIPTOR",
  doc: "One resource: a port or memory range, an interrupt, a DMA channel, ...",
  ...struct(
    [
      f("UCHAR", "Type"),
      f("UCHAR", "ShareDisposition"),
      f("USHORT", "Flags"),
      f(
        union([
          f(startLength, "Generic"),
          f(startLength, "Port"),
          f(struct([f("USHORT", "Level"), f("USHORT", "Group"), f("ULONG", "Vector"), f("KAFFINITY", "Affinity")]), "Interrupt"),
          f(union([f(struct([f("USHORT", "Reserved"), f("USHORT", "MessageCount"), f("ULONG", "Vector"), f("KAFFINITY", "Affinity")]), "Raw"), f(struct([f("USHORT", "Level"), f("USHORT", "Group"), f("ULONG", "Vector"), f("KAFFINITY", "Affinity")]), "Translated")]), "MessageInterrupt"),
          f(startLength, "Memory"),
          f(struct([f("ULONG", "Channel"), f("ULONG", "Port"), f("ULONG", "Reserved1")]), "Dma"),
          f(struct([f("ULONG", "Channel"), f("ULONG", "RequestLine"), f("UCHAR", "TransferWidth"), f("UCHAR", "Reserved1"), f("UCHAR", "Reserved2"), f("UCHAR", "Reserved3")]), "DmaV3"),
          f(struct([f("ULONG", "Data", 3)]), "DevicePrivate"),
          f(struct([f("ULONG", "Start"), f("ULONG", "Length"), f("ULONG", "Reserved")]), "BusNumber"),
          f(struct([f("ULONG", "DataSize"), f("ULONG", "Reserved1"), f("ULONG", "Reserved2")]), "DeviceSpecificData"),
          f(struct([f("PHYSICAL_ADDRESS", "Start"), f("ULONG", "Length40")]), "Memory40"),
          f(struct([f("PHYSICAL_ADDRESS", "Start"), f("ULONG", "Length48")]), "Memory48"),
          f(struct([f("PHYSICAL_ADDRESS", "Start"), f("ULONG", "Length64")]), "Memory64"),
        ]),
        "u",
      ),
    ],
    4,
  ),
});
C.addAggregate({ name: "CM_PARTIAL_RESOURCE_LIST", ...struct([f("USHORT", "Version"), f("USHORT", "Revision"), f("ULONG", "Count"), f("CM_PARTIAL_RESOURCE_DESCRIPTOR", "PartialDescriptors", 1)], 4) });
C.addAggregate({ name: "CM_FULL_RESOURCE_DESCRIPTOR", ...struct([f("INTERFACE_TYPE", "InterfaceType"), f("ULONG", "BusNumber"), f("CM_PARTIAL_RESOURCE_LIST", "PartialResourceList")], 4) });
C.addAggregate({ name: "CM_RESOURCE_LIST", ...struct([f("ULONG", "Count"), f("CM_FULL_RESOURCE_DESCRIPTOR", "List", 1)], 4) });

// ---- DMA ----
C.addAggregate({
  name: "DEVICE_DESCRIPTION",
  doc: "What IoGetDmaAdapter is told about the device's DMA (zero it, then fill what applies).",
  ...struct([
    f("ULONG", "Version"),
    f("BOOLEAN", "Master"),
    f("BOOLEAN", "ScatterGather"),
    f("BOOLEAN", "DemandMode"),
    f("BOOLEAN", "AutoInitialize"),
    f("BOOLEAN", "Dma32BitAddresses"),
    f("BOOLEAN", "IgnoreCount"),
    f("BOOLEAN", "Reserved1"),
    f("BOOLEAN", "Dma64BitAddresses"),
    f("ULONG", "BusNumber"),
    f("ULONG", "DmaChannel"),
    f("INTERFACE_TYPE", "InterfaceType"),
    f("DMA_WIDTH", "DmaWidth"),
    f("DMA_SPEED", "DmaSpeed"),
    f("ULONG", "MaximumLength"),
    f("ULONG", "DmaPort"),
    f("ULONG", "DmaAddressWidth"),
    f("ULONG", "DmaControllerInstance"),
    f("ULONG", "DmaRequestLine"),
    f("PHYSICAL_ADDRESS", "DeviceAddress"),
  ]),
});
C.addAggregate({ name: "SCATTER_GATHER_ELEMENT", ...struct([f("PHYSICAL_ADDRESS", "Address"), f("ULONG", "Length"), f("ULONG_PTR", "Reserved")]) });
C.addAggregate({ name: "SCATTER_GATHER_LIST", ...struct([f("ULONG", "NumberOfElements"), f("ULONG_PTR", "Reserved"), f("SCATTER_GATHER_ELEMENT", "Elements", 1)]) });
C.addAggregate({ name: "DMA_ADAPTER_INFO_V1", ...struct([f("ULONG", "ReadDmaCounterAvailable"), f("ULONG", "ScatterGatherLimit"), f("ULONG", "DmaAddressWidth"), f("ULONG", "Flags"), f("ULONG", "MinimumTransferUnit")]) });
C.addAggregate({ name: "DMA_ADAPTER_INFO", ...struct([f("ULONG", "Version"), f(union([f("DMA_ADAPTER_INFO_V1", "V1")]), "")]) });
C.addAggregate({ name: "DMA_TRANSFER_INFO_V1", ...struct([f("ULONG", "MapRegisterCount"), f("ULONG", "ScatterGatherElementCount"), f("ULONG", "ScatterGatherListSize")]) });
C.addAggregate({ name: "DMA_TRANSFER_INFO_V2", ...struct([f("ULONG", "MapRegisterCount"), f("ULONG", "ScatterGatherElementCount"), f("ULONG", "ScatterGatherListSize"), f("ULONG", "LogicalPageCount")]) });
C.addAggregate({ name: "DMA_TRANSFER_INFO", doc: "What GetDmaTransferInfo fills: Version (1 or 2) selects the member.", ...struct([f("ULONG", "Version"), f(union([f("DMA_TRANSFER_INFO_V1", "V1"), f("DMA_TRANSFER_INFO_V2", "V2")]), "")]) });
C.addEnum({ name: "DMA_COMPLETION_STATUS", values: [["DmaComplete", DmaComplete], ["DmaAborted", DmaAborted], ["DmaError", DmaError], ["DmaCancelled", DmaCancelled]] });
C.addEnum({ name: "DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_TYPE", values: [["CommonBufferConfigTypeLogicalAddressLimits", CommonBufferConfigTypeLogicalAddressLimits], ["CommonBufferConfigTypeSubSection", CommonBufferConfigTypeSubSection], ["CommonBufferConfigTypeHardwareAccessPermissions", CommonBufferConfigTypeHardwareAccessPermissions], ["CommonBufferConfigTypeMax", CommonBufferConfigTypeMax]] });
C.addEnum({ name: "DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_ACCESS_TYPE", values: [["CommonBufferHardwareAccessReadOnly", CommonBufferHardwareAccessReadOnly], ["CommonBufferHardwareAccessWriteOnly", CommonBufferHardwareAccessWriteOnly], ["CommonBufferHardwareAccessReadWrite", CommonBufferHardwareAccessReadWrite], ["CommonBufferHardwareAccessMax", CommonBufferHardwareAccessReadWrite + 1]] });
C.addAggregate({
  name: "DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION",
  doc: "One constraint for CreateCommonBufferFromMdl; ConfigType says which member holds it.",
  ...struct([
    f("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_TYPE", "ConfigType"),
    f(
      union([
        f(struct([f("PHYSICAL_ADDRESS", "MinimumAddress"), f("PHYSICAL_ADDRESS", "MaximumAddress")]), "LogicalAddressLimits"),
        f(struct([f("ULONGLONG", "Offset"), f("ULONG", "Length")]), "SubSection"),
        f("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_ACCESS_TYPE", "HardwareAccessType"),
        f("ULONGLONG", "Reserved", 4),
      ]),
      "",
    ),
  ]),
});
C.addAggregate({ name: "DMA_COMMON_BUFFER_VECTOR", pointers: ["PDMA_COMMON_BUFFER_VECTOR"], opaque: true, kind: "struct", fields: [] });

/** The DMA_OPERATIONS slots in table order with their documented prototypes (null: a slot dmasim leaves NULL, typed generically). */
export const DMA_OPERATION_SLOTS: readonly (readonly [slot: string, fn: FunctionType | null])[] = [
  ["PutDmaAdapter", { name: "PUT_DMA_ADAPTER", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["AllocateCommonBuffer", { name: "ALLOCATE_COMMON_BUFFER", result: "PVOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["ULONG", "Length"], ["PPHYSICAL_ADDRESS", "LogicalAddress"], ["BOOLEAN", "CacheEnabled"]] }],
  ["FreeCommonBuffer", { name: "FREE_COMMON_BUFFER", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["ULONG", "Length"], ["PHYSICAL_ADDRESS", "LogicalAddress"], ["PVOID", "VirtualAddress"], ["BOOLEAN", "CacheEnabled"]] }],
  ["AllocateAdapterChannel", { name: "ALLOCATE_ADAPTER_CHANNEL", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["ULONG", "NumberOfMapRegisters"], ["PDRIVER_CONTROL", "ExecutionRoutine"], ["PVOID", "Context"]] }],
  ["FlushAdapterBuffers", { name: "FLUSH_ADAPTER_BUFFERS", result: "BOOLEAN", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PVOID", "MapRegisterBase"], ["PVOID", "CurrentVa"], ["ULONG", "Length"], ["BOOLEAN", "WriteToDevice"]] }],
  ["FreeAdapterChannel", { name: "FREE_ADAPTER_CHANNEL", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["FreeMapRegisters", { name: "FREE_MAP_REGISTERS", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PVOID", "MapRegisterBase"], ["ULONG", "NumberOfMapRegisters"]] }],
  ["MapTransfer", { name: "MAP_TRANSFER", result: "PHYSICAL_ADDRESS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PVOID", "MapRegisterBase"], ["PVOID", "CurrentVa"], ["PULONG", "Length"], ["BOOLEAN", "WriteToDevice"]] }],
  ["GetDmaAlignment", { name: "GET_DMA_ALIGNMENT", result: "ULONG", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["ReadDmaCounter", { name: "READ_DMA_COUNTER", result: "ULONG", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["GetScatterGatherList", { name: "GET_SCATTER_GATHER_LIST", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PMDL", "Mdl"], ["PVOID", "CurrentVa"], ["ULONG", "Length"], ["PDRIVER_LIST_CONTROL", "ExecutionRoutine"], ["PVOID", "Context"], ["BOOLEAN", "WriteToDevice"]] }],
  ["PutScatterGatherList", { name: "PUT_SCATTER_GATHER_LIST", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PSCATTER_GATHER_LIST", "ScatterGather"], ["BOOLEAN", "WriteToDevice"]] }],
  ["CalculateScatterGatherList", { name: "CALCULATE_SCATTER_GATHER_LIST_SIZE", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PVOID", "CurrentVa"], ["ULONG", "Length"], ["PULONG", "ScatterGatherListSize"], ["PULONG", "pNumberOfMapRegisters"]] }],
  ["BuildScatterGatherList", { name: "BUILD_SCATTER_GATHER_LIST", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PMDL", "Mdl"], ["PVOID", "CurrentVa"], ["ULONG", "Length"], ["PDRIVER_LIST_CONTROL", "ExecutionRoutine"], ["PVOID", "Context"], ["BOOLEAN", "WriteToDevice"], ["PVOID", "ScatterGatherBuffer"], ["ULONG", "ScatterGatherLength"]] }],
  ["BuildMdlFromScatterGatherList", { name: "BUILD_MDL_FROM_SCATTER_GATHER_LIST", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PSCATTER_GATHER_LIST", "ScatterGather"], ["PMDL", "OriginalMdl"], ["PMDL*", "TargetMdl"]] }],
  ["GetDmaAdapterInfo", { name: "GET_DMA_ADAPTER_INFO", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDMA_ADAPTER_INFO", "AdapterInfo"]] }],
  ["GetDmaTransferInfo", { name: "GET_DMA_TRANSFER_INFO", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["ULONGLONG", "Offset"], ["ULONG", "Length"], ["BOOLEAN", "WriteOnly"], ["PDMA_TRANSFER_INFO", "TransferInfo"]] }],
  ["InitializeDmaTransferContext", { name: "INITIALIZE_DMA_TRANSFER_CONTEXT", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PVOID", "DmaTransferContext"]] }],
  ["AllocateCommonBufferEx", { name: "ALLOCATE_COMMON_BUFFER_EX", result: "PVOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PPHYSICAL_ADDRESS", "MaximumAddress"], ["SIZE_T", "Length"], ["PPHYSICAL_ADDRESS", "LogicalAddress"], ["BOOLEAN", "CacheEnabled"], ["ULONG", "PreferredNode"]] }],
  ["AllocateAdapterChannelEx", { name: "ALLOCATE_ADAPTER_CHANNEL_EX", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PVOID", "DmaTransferContext"], ["ULONG", "NumberOfMapRegisters"], ["ULONG", "Flags"], ["PDRIVER_CONTROL", "ExecutionRoutine"], ["PVOID", "ExecutionContext"], ["PVOID*", "MapRegisterBase"]] }],
  ["ConfigureAdapterChannel", { name: "CONFIGURE_ADAPTER_CHANNEL", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["ULONG", "FunctionNumber"], ["PVOID", "Context"]] }],
  ["CancelAdapterChannel", { name: "CANCEL_ADAPTER_CHANNEL", result: "BOOLEAN", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PVOID", "DmaTransferContext"]] }],
  ["MapTransferEx", { name: "MAP_TRANSFER_EX", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PVOID", "MapRegisterBase"], ["ULONGLONG", "Offset"], ["ULONG", "DeviceOffset"], ["PULONG", "Length"], ["BOOLEAN", "WriteToDevice"], ["PSCATTER_GATHER_LIST", "ScatterGatherBuffer"], ["ULONG", "ScatterGatherBufferLength"], ["PDMA_COMPLETION_ROUTINE", "DmaCompletionRoutine"], ["PVOID", "CompletionContext"]] }],
  ["GetScatterGatherListEx", { name: "GET_SCATTER_GATHER_LIST_EX", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PVOID", "DmaTransferContext"], ["PMDL", "Mdl"], ["ULONGLONG", "Offset"], ["ULONG", "Length"], ["ULONG", "Flags"], ["PDRIVER_LIST_CONTROL", "ExecutionRoutine"], ["PVOID", "Context"], ["BOOLEAN", "WriteToDevice"], ["PDMA_COMPLETION_ROUTINE", "DmaCompletionRoutine"], ["PVOID", "CompletionContext"], ["PSCATTER_GATHER_LIST*", "ScatterGatherList"]] }],
  ["BuildScatterGatherListEx", { name: "BUILD_SCATTER_GATHER_LIST_EX", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PVOID", "DmaTransferContext"], ["PMDL", "Mdl"], ["ULONGLONG", "Offset"], ["ULONG", "Length"], ["ULONG", "Flags"], ["PDRIVER_LIST_CONTROL", "ExecutionRoutine"], ["PVOID", "Context"], ["BOOLEAN", "WriteToDevice"], ["PVOID", "ScatterGatherBuffer"], ["ULONG", "ScatterGatherLength"], ["PDMA_COMPLETION_ROUTINE", "DmaCompletionRoutine"], ["PVOID", "CompletionContext"], ["PSCATTER_GATHER_LIST*", "ScatterGatherList"]] }],
  ["FlushAdapterBuffersEx", { name: "FLUSH_ADAPTER_BUFFERS_EX", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PVOID", "MapRegisterBase"], ["ULONGLONG", "Offset"], ["ULONG", "Length"], ["BOOLEAN", "WriteToDevice"]] }],
  ["FreeAdapterObject", { name: "FREE_ADAPTER_OBJECT", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["IO_ALLOCATION_ACTION", "AllocationAction"]] }],
  ["CancelMappedTransfer", { name: "CANCEL_MAPPED_TRANSFER", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PVOID", "DmaTransferContext"]] }],
  ["AllocateDomainCommonBuffer", { name: "ALLOCATE_DOMAIN_COMMON_BUFFER", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["HANDLE", "DomainHandle"], ["PPHYSICAL_ADDRESS", "MaximumAddress"], ["ULONG", "Length"], ["ULONG", "Flags"], ["MEMORY_CACHING_TYPE*", "CacheType"], ["ULONG", "PreferredNode"], ["PPHYSICAL_ADDRESS", "LogicalAddress"], ["PVOID*", "VirtualAddress"]] }],
  ["FlushDmaBuffer", { name: "FLUSH_DMA_BUFFER", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["BOOLEAN", "ReadOperation"]] }],
  ["JoinDmaDomain", { name: "JOIN_DMA_DOMAIN", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["HANDLE", "DomainHandle"]] }],
  ["LeaveDmaDomain", { name: "LEAVE_DMA_DOMAIN", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["GetDmaDomain", { name: "GET_DMA_DOMAIN", result: "HANDLE", params: [["PDMA_ADAPTER", "DmaAdapter"]] }],
  ["AllocateCommonBufferWithBounds", { name: "ALLOCATE_COMMON_BUFFER_WITH_BOUNDS", result: "PVOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PPHYSICAL_ADDRESS", "MinimumAddress"], ["PPHYSICAL_ADDRESS", "MaximumAddress"], ["ULONG", "Length"], ["ULONG", "Flags"], ["MEMORY_CACHING_TYPE*", "CacheType"], ["ULONG", "PreferredNode"], ["PPHYSICAL_ADDRESS", "LogicalAddress"]] }],
  ["AllocateCommonBufferVector", { name: "ALLOCATE_COMMON_BUFFER_VECTOR", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PHYSICAL_ADDRESS", "LowAddress"], ["PHYSICAL_ADDRESS", "HighAddress"], ["MEMORY_CACHING_TYPE", "CacheType"], ["ULONG", "IdealNode"], ["ULONG", "Flags"], ["ULONG", "NumberOfElements"], ["ULONGLONG", "SizeOfElements"], ["PDMA_COMMON_BUFFER_VECTOR*", "VectorOut"]] }],
  ["GetCommonBufferFromVectorByIndex", { name: "GET_COMMON_BUFFER_FROM_VECTOR_BY_INDEX", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDMA_COMMON_BUFFER_VECTOR", "Vector"], ["ULONG", "Index"], ["PVOID*", "VirtualAddressOut"], ["PPHYSICAL_ADDRESS", "LogicalAddressOut"]] }],
  ["FreeCommonBufferFromVector", { name: "FREE_COMMON_BUFFER_FROM_VECTOR", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDMA_COMMON_BUFFER_VECTOR", "Vector"], ["ULONG", "Index"]] }],
  ["FreeCommonBufferVector", { name: "FREE_COMMON_BUFFER_VECTOR", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDMA_COMMON_BUFFER_VECTOR", "Vector"]] }],
  ["CreateCommonBufferFromMdl", { name: "CREATE_COMMON_BUFFER_FROM_MDL", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PMDL", "Mdl"], ["PDMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "ExtendedConfigs"], ["ULONG", "ExtendedConfigsCount"], ["PPHYSICAL_ADDRESS", "LogicalAddress"]] }],
];

/** Callbacks the host calls through the driver's function table. */
const callbacks: FunctionType[] = [
  { name: "DRIVER_INITIALIZE", result: "NTSTATUS", params: [["PDRIVER_OBJECT", "DriverObject"], ["PUNICODE_STRING", "RegistryPath"]] },
  { name: "DRIVER_ADD_DEVICE", result: "NTSTATUS", params: [["PDRIVER_OBJECT", "DriverObject"], ["PDEVICE_OBJECT", "PhysicalDeviceObject"]] },
  { name: "DRIVER_DISPATCH", result: "NTSTATUS", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"]] },
  { name: "DRIVER_STARTIO", result: "VOID", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"]] },
  { name: "DRIVER_UNLOAD", result: "VOID", params: [["PDRIVER_OBJECT", "DriverObject"]] },
  { name: "DRIVER_CANCEL", result: "VOID", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"]] },
  { name: "DRIVER_CONTROL", result: "IO_ALLOCATION_ACTION", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"], ["PVOID", "MapRegisterBase"], ["PVOID", "Context"]] },
  { name: "DRIVER_LIST_CONTROL", result: "VOID", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"], ["PSCATTER_GATHER_LIST", "ScatterGather"], ["PVOID", "Context"]] },
  { name: "IO_COMPLETION_ROUTINE", result: "NTSTATUS", params: [["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"], ["PVOID", "Context"]] },
  { name: "KSERVICE_ROUTINE", result: "BOOLEAN", params: [["PKINTERRUPT", "Interrupt"], ["PVOID", "ServiceContext"]] },
  { name: "KDEFERRED_ROUTINE", result: "VOID", params: [["PKDPC", "Dpc"], ["PVOID", "DeferredContext"], ["PVOID", "SystemArgument1"], ["PVOID", "SystemArgument2"]] },
  { name: "IO_DPC_ROUTINE", result: "VOID", params: [["PKDPC", "Dpc"], ["PDEVICE_OBJECT", "DeviceObject"], ["PIRP", "Irp"], ["PVOID", "Context"]] },
  { name: "KSYNCHRONIZE_ROUTINE", result: "BOOLEAN", params: [["PVOID", "SynchronizeContext"]] },
  { name: "DMA_COMPLETION_ROUTINE", result: "VOID", params: [["PDMA_ADAPTER", "DmaAdapter"], ["PDEVICE_OBJECT", "DeviceObject"], ["PVOID", "CompletionContext"], ["DMA_COMPLETION_STATUS", "Status"]] },
];
for (const cb of callbacks) C.addFunction(cb);
for (const [, fn] of DMA_OPERATION_SLOTS) if (fn !== null) C.addFunction(fn);
/** A slot dmasim leaves NULL: any prototype serves, the slot is a pointer. */
C.addFunction({ name: "DMA_OPERATION_RESERVED", result: "NTSTATUS", params: [["PDMA_ADAPTER", "DmaAdapter"]] });

C.addAggregate({ name: "DMA_OPERATIONS", doc: "The adapter's routines, called through these pointers; Size is the bytes this table has.", ...struct([f("ULONG", "Size"), ...DMA_OPERATION_SLOTS.map(([slot, fn]) => f("P" + (fn?.name ?? "DMA_OPERATION_RESERVED"), slot))]) });
C.addAggregate({ name: "DMA_ADAPTER", doc: "What IoGetDmaAdapter returns: Version 1, its size, the operations.", ...struct([f("USHORT", "Version"), f("USHORT", "Size"), f("PDMA_OPERATIONS", "DmaOperations")]) });

// ---- Memory descriptor lists ----
C.addAggregate({ name: "MDL", pointers: ["PMDL", "PMDLX"], doc: "Describes a buffer's pages; the page-frame array follows the structure.", ...struct([f("struct _MDL*", "Next"), f("CSHORT", "Size"), f("CSHORT", "MdlFlags"), f("PEPROCESS", "Process"), f("PVOID", "MappedSystemVa"), f("PVOID", "StartVa"), f("ULONG", "ByteCount"), f("ULONG", "ByteOffset")]) });

// ---- Driver, device, IRP ----
/** IRP_MJ_MAXIMUM_FUNCTION + 1 dispatch slots. */
export const MAJOR_FUNCTIONS = 0x1c;
C.addAggregate({ name: "DRIVER_EXTENSION", ...struct([f("struct _DRIVER_OBJECT*", "DriverObject"), f("PDRIVER_ADD_DEVICE", "AddDevice"), f("ULONG", "Count"), f("UNICODE_STRING", "ServiceKeyName")]) });
C.addAggregate({
  name: "DRIVER_OBJECT",
  ...struct([
    f("CSHORT", "Type"),
    f("CSHORT", "Size"),
    f("struct _DEVICE_OBJECT*", "DeviceObject"),
    f("ULONG", "Flags"),
    f("PVOID", "DriverStart"),
    f("ULONG", "DriverSize"),
    f("PVOID", "DriverSection"),
    f("PDRIVER_EXTENSION", "DriverExtension"),
    f("UNICODE_STRING", "DriverName"),
    f("PUNICODE_STRING", "HardwareDatabase"),
    f("PFAST_IO_DISPATCH", "FastIoDispatch"),
    f("PDRIVER_INITIALIZE", "DriverInit"),
    f("PDRIVER_STARTIO", "DriverStartIo"),
    f("PDRIVER_UNLOAD", "DriverUnload"),
    f("PDRIVER_DISPATCH", "MajorFunction", MAJOR_FUNCTIONS),
  ]),
});
C.addAggregate({
  name: "DEVICE_OBJECT",
  doc: "The driver's view of a device: its extension, flags, stack size and the DPC IoRequestDpc queues.",
  ...struct([
    f("CSHORT", "Type"),
    f("USHORT", "Size"),
    f("LONG", "ReferenceCount"),
    f("struct _DRIVER_OBJECT*", "DriverObject"),
    f("struct _DEVICE_OBJECT*", "NextDevice"),
    f("struct _DEVICE_OBJECT*", "AttachedDevice"),
    f("struct _IRP*", "CurrentIrp"),
    f("PIO_TIMER", "Timer"),
    f("ULONG", "Flags"),
    f("ULONG", "Characteristics"),
    f("PVPB", "Vpb"),
    f("PVOID", "DeviceExtension"),
    f("DEVICE_TYPE", "DeviceType"),
    f("CCHAR", "StackSize"),
    f(union([f("LIST_ENTRY", "ListEntry"), f("UCHAR", "Wcb", 48)]), "Queue"),
    f("ULONG", "AlignmentRequirement"),
    f("KDEVICE_QUEUE", "DeviceQueue"),
    f("KDPC", "Dpc"),
    f("ULONG", "ActiveThreadCount"),
    f("PSECURITY_DESCRIPTOR", "SecurityDescriptor"),
    f("KEVENT", "DeviceLock"),
    f("USHORT", "SectorSize"),
    f("USHORT", "Spare1"),
    f("PDEVICE_OBJECT_EXTENSION", "DeviceObjectExtension"),
    f("PVOID", "Reserved"),
  ]),
});
const byteOffsetTransfer = struct([f("ULONG", "Length"), f("ULONG", "Key"), f("LARGE_INTEGER", "ByteOffset")]);
C.addAggregate({
  name: "IO_STACK_LOCATION",
  doc: "One driver's part of an IRP: the function, its parameters, the completion routine set for it.",
  ...struct([
    f("UCHAR", "MajorFunction"),
    f("UCHAR", "MinorFunction"),
    f("UCHAR", "Flags"),
    f("UCHAR", "Control"),
    f(
      union([
        f(struct([f("PIO_SECURITY_CONTEXT", "SecurityContext"), f("ULONG", "Options"), f("USHORT", "FileAttributes"), f("USHORT", "ShareAccess"), f("ULONG", "EaLength")]), "Create"),
        f(byteOffsetTransfer, "Read"),
        f(byteOffsetTransfer, "Write"),
        f(struct([f("ULONG", "OutputBufferLength"), f("ULONG", "InputBufferLength"), f("ULONG", "IoControlCode"), f("PVOID", "Type3InputBuffer")]), "DeviceIoControl"),
        f(struct([f("PCM_RESOURCE_LIST", "AllocatedResources"), f("PCM_RESOURCE_LIST", "AllocatedResourcesTranslated")]), "StartDevice"),
        f(struct([f("ULONG", "SystemContext"), f("ULONG", "Type"), f("ULONG", "State"), f("ULONG", "ShutdownType")]), "Power"),
        f(struct([f("PVOID", "Argument1"), f("PVOID", "Argument2"), f("PVOID", "Argument3"), f("PVOID", "Argument4")]), "Others"),
      ]),
      "Parameters",
    ),
    f("PDEVICE_OBJECT", "DeviceObject"),
    f("PFILE_OBJECT", "FileObject"),
    f("PIO_COMPLETION_ROUTINE", "CompletionRoutine"),
    f("PVOID", "Context"),
  ]),
});
C.addAggregate({
  name: "IRP",
  doc: "An I/O request packet; its stack locations follow it in memory.",
  ...struct([
    f("CSHORT", "Type"),
    f("USHORT", "Size"),
    f("PMDL", "MdlAddress"),
    f("ULONG", "Flags"),
    f(union([f("struct _IRP*", "MasterIrp"), f("LONG", "IrpCount"), f("PVOID", "SystemBuffer")]), "AssociatedIrp"),
    f("LIST_ENTRY", "ThreadListEntry"),
    f("IO_STATUS_BLOCK", "IoStatus"),
    f("KPROCESSOR_MODE", "RequestorMode"),
    f("BOOLEAN", "PendingReturned"),
    f("CHAR", "StackCount"),
    f("CHAR", "CurrentLocation"),
    f("BOOLEAN", "Cancel"),
    f("KIRQL", "CancelIrql"),
    f("CCHAR", "ApcEnvironment"),
    f("UCHAR", "AllocationFlags"),
    f("PIO_STATUS_BLOCK", "UserIosb"),
    f("PKEVENT", "UserEvent"),
    f(union([f(struct([f("PVOID", "UserApcRoutine"), f("PVOID", "UserApcContext")]), "AsynchronousParameters"), f("LARGE_INTEGER", "AllocationSize")]), "Overlay"),
    f("PDRIVER_CANCEL", "CancelRoutine"),
    f("PVOID", "UserBuffer"),
    f(
      union([
        f(
          struct([
            f(union([f("KDEVICE_QUEUE_ENTRY", "DeviceQueueEntry"), f(struct([f("PVOID", "DriverContext", 4)]), "")]), ""),
            f("PETHREAD", "Thread"),
            f("PCHAR", "AuxiliaryBuffer"),
            f(struct([f("LIST_ENTRY", "ListEntry"), f(union([f("struct _IO_STACK_LOCATION*", "CurrentStackLocation"), f("ULONG", "PacketType")]), "")]), ""),
            f("PFILE_OBJECT", "OriginalFileObject"),
          ]),
          "Overlay",
        ),
        f("PVOID", "CompletionKey"),
      ]),
      "Tail",
    ),
  ]),
});

// ---- KMDF (wdf-structs.ts) ----
addWdfTypes(C);
