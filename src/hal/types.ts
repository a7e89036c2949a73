/**
 * The HAL's DMA structures as drivers see them, with their WDK names:
 * DEVICE_DESCRIPTION, DMA_ADAPTER, DMA_OPERATIONS and friends. Routines are
 * called through the table with the adapter first, as in C:
 *   `adapter.DmaOperations.AllocateCommonBuffer?.(adapter, 4096, la, true)`.
 * A slot that the adapter's version does not offer is null.
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import type { NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { MDL } from "../kernel/mdl.ts";

/** DEVICE_DESCRIPTION.Version 0: the original fields; IgnoreCount is not read. IoGetDmaAdapter hands out a version-1 DMA_OPERATIONS table. */
export const DEVICE_DESCRIPTION_VERSION = 0;
/** Version 1: IgnoreCount is read (the 8237's count is not trusted); a version-1 table. */
export const DEVICE_DESCRIPTION_VERSION1 = 1;
/** Version 2: the same fields; asks for a version-2 table (CalculateScatterGatherList, BuildScatterGatherList). */
export const DEVICE_DESCRIPTION_VERSION2 = 2;
/**
 * Version 3 (Windows 8): adds DmaAddressWidth (a bus master must give it),
 * DmaControllerInstance, DmaRequestLine and DeviceAddress, and asks for a
 * version-3 table. A caller probes for it: IoGetDmaAdapter returns NULL
 * for a version it does not know.
 */
export const DEVICE_DESCRIPTION_VERSION3 = 3;

/** INTERFACE_TYPE values (wdm.h; DDI ne-wdm-_interface_type). */
export const InterfaceType = {
  InterfaceTypeUndefined: -1,
  Internal: 0,
  Isa: 1,
  Eisa: 2,
  MicroChannel: 3,
  TurboChannel: 4,
  PCIBus: 5,
  VMEBus: 6,
  NuBus: 7,
  PCMCIABus: 8,
  CBus: 9,
  MPIBus: 10,
  MPSABus: 11,
  ProcessorInternal: 12,
  InternalPowerBus: 13,
  PNPISABus: 14,
  PNPBus: 15,
  Vmcs: 16,
  ACPIBus: 17,
  MaximumInterfaceType: 18,
} as const;
/** The bus a device description names (DEVICE_DESCRIPTION.InterfaceType): one of InterfaceType's values. */
export type INTERFACE_TYPE = (typeof InterfaceType)[keyof typeof InterfaceType];

/** DMA_WIDTH values (system DMA only): the channel's transfer width — ISA channels 0-3 are 8-bit, 5-7 16-bit; EISA any of 8/16/32. */
export const DmaWidth = { Width8Bits: 0, Width16Bits: 1, Width32Bits: 2, Width64Bits: 3, MaximumDmaWidth: 4 } as const;
/** DEVICE_DESCRIPTION.DmaWidth: one of DmaWidth's values. */
export type DMA_WIDTH = (typeof DmaWidth)[keyof typeof DmaWidth];

/** DMA_SPEED values (system DMA, description versions 0-2): the ISA/EISA cycle timing. */
export const DmaSpeed = { Compatible: 0, TypeA: 1, TypeB: 2, TypeC: 3, TypeF: 4, MaximumDmaSpeed: 5 } as const;
/** DEVICE_DESCRIPTION.DmaSpeed: one of DmaSpeed's values. */
export type DMA_SPEED = (typeof DmaSpeed)[keyof typeof DmaSpeed];

/** DEVICE_DESCRIPTION; zero it (deviceDescription()) and fill what applies. */
export interface DEVICE_DESCRIPTION {
  Version: number;
  Master: boolean;
  ScatterGather: boolean;
  DemandMode: boolean;
  AutoInitialize: boolean;
  Dma32BitAddresses: boolean;
  IgnoreCount: boolean;
  Reserved1: boolean;
  Dma64BitAddresses: boolean;
  BusNumber: number;
  DmaChannel: number;
  InterfaceType: INTERFACE_TYPE;
  DmaWidth: DMA_WIDTH;
  DmaSpeed: DMA_SPEED;
  MaximumLength: number;
  DmaPort: number;
  /** Version 3 only. */
  DmaAddressWidth: number;
  DmaControllerInstance: number;
  DmaRequestLine: number;
  DeviceAddress: PHYSICAL_ADDRESS;
}

/** RtlZeroMemory(&desc, sizeof(desc)) — the documented first step. */
export function deviceDescription(fields: Partial<DEVICE_DESCRIPTION> = {}): DEVICE_DESCRIPTION {
  return {
    Version: 0,
    Master: false,
    ScatterGather: false,
    DemandMode: false,
    AutoInitialize: false,
    Dma32BitAddresses: false,
    IgnoreCount: false,
    Reserved1: false,
    Dma64BitAddresses: false,
    BusNumber: 0,
    DmaChannel: 0,
    InterfaceType: InterfaceType.Internal,
    DmaWidth: DmaWidth.Width8Bits,
    DmaSpeed: DmaSpeed.Compatible,
    MaximumLength: 0,
    DmaPort: 0,
    DmaAddressWidth: 0,
    DmaControllerInstance: 0,
    DmaRequestLine: 0,
    DeviceAddress: { QuadPart: 0n },
    ...fields,
  };
}

/** IO_ALLOCATION_ACTION KeepObject: the driver keeps the adapter channel and its map registers (a system DMA transfer in progress); FreeAdapterChannel releases them. */
export const KeepObject = 1;
/** DeallocateObject: the channel and the map registers are released when the execution routine returns. */
export const DeallocateObject = 2;
/** DeallocateObjectKeepRegisters: the channel is released, the map registers kept (a bus master); FreeMapRegisters releases them. */
export const DeallocateObjectKeepRegisters = 3;
/** What an adapter-control routine (DRIVER_CONTROL) returns: KeepObject, DeallocateObject or DeallocateObjectKeepRegisters. */
export type IO_ALLOCATION_ACTION = typeof KeepObject | typeof DeallocateObject | typeof DeallocateObjectKeepRegisters;

/** MEMORY_CACHING_TYPE MmNonCached: the CPU maps the memory uncached (ARM64: Device memory, no misaligned access). */
export const MmNonCached = 0;
/** MmCached: normal cached memory (x64 common buffers are cached and coherent). */
export const MmCached = 1;
/** MmWriteCombined: uncached, stores merged in write-combining buffers (drained by KeMemoryBarrier). */
export const MmWriteCombined = 2;
/** MmHardwareCoherentCached: cached, with coherence kept by the hardware. */
export const MmHardwareCoherentCached = 3;
/** MmNonCachedUnordered: uncached without ordering guarantees. */
export const MmNonCachedUnordered = 4;
/** MmUSWCCached: uncached speculative write combining. */
export const MmUSWCCached = 5;
/** A MEMORY_CACHING_TYPE value: how the CPU maps memory (MmNonCached ... MmUSWCCached). */
export type MEMORY_CACHING_TYPE = 0 | 1 | 2 | 3 | 4 | 5;

/** NODE_REQUIREMENT: a node number, or MM_ANY_NODE_OK. */
export const MM_ANY_NODE_OK = 0x80000000;

/** AllocateCommonBufferWithBounds flag: allocate in 2 MiB (512-page) granules. */
export const DOMAIN_COMMON_BUFFER_LARGE_PAGE = 0x1;

/** Opaque map-register base handle; null means "no map registers needed". */
export type MapRegisterBase = object | null;

/** PDRIVER_CONTROL: runs at DISPATCH_LEVEL when the adapter channel is granted. */
export type DRIVER_CONTROL = (DeviceObject: DEVICE_OBJECT, Irp: unknown, MapRegisterBase: MapRegisterBase, Context: unknown) => IO_ALLOCATION_ACTION;

/** One element of a scatter/gather list: a logical address and a length in bytes, for the device. */
export interface SCATTER_GATHER_ELEMENT {
  Address: PHYSICAL_ADDRESS;
  Length: number;
}
/** SCATTER_GATHER_LIST: the logical runs of a mapped transfer, as GetScatterGatherList hands them to the driver's list-control routine. */
export interface SCATTER_GATHER_LIST {
  NumberOfElements: number;
  Elements: SCATTER_GATHER_ELEMENT[];
}
/** PDRIVER_LIST_CONTROL: runs at DISPATCH_LEVEL with the built list. */
export type DRIVER_LIST_CONTROL = (DeviceObject: DEVICE_OBJECT, Irp: unknown, ScatterGather: SCATTER_GATHER_LIST, Context: unknown) => void;

/** DMA_ADAPTER_INFO_V1: the DMA controller's capabilities (GetDmaAdapterInfo; adapter-info.ts says what each holds). */
export interface DMA_ADAPTER_INFO_V1 {
  ReadDmaCounterAvailable: boolean;
  ScatterGatherLimit: number;
  DmaAddressWidth: number;
  Flags: number;
  MinimumTransferUnit: number;
}
/** DMA_ADAPTER_INFO: set Version to DMA_ADAPTER_INFO_VERSION1, and GetDmaAdapterInfo fills V1. */
export interface DMA_ADAPTER_INFO {
  Version: number;
  V1: DMA_ADAPTER_INFO_V1;
}

/** Out parameter for a ULONG (PULONG). */
export interface ULONG_OUT {
  value: number;
}

/** A DMA_OPERATIONS slot: the routine, or null when the table's version or OS build does not have it. */
type Op<F> = F | null;
type A = DMA_ADAPTER;

/**
 * DMA_OPERATIONS in table order. Size is the byte size of the populated table
 * (x64 offsets: v1 0x68, v2 0x80, v3 0xE8, then the optional tail).
 */
export interface DMA_OPERATIONS {
  Size: number;
  /** v1. Releases the adapter, after every common buffer, channel, map register and list is freed; <= DISPATCH_LEVEL. */
  PutDmaAdapter: Op<(a: A) => void>;
  /** v1. A common buffer: its VA, its logical address through LogicalAddress; NULL on failure. PASSIVE_LEVEL. */
  AllocateCommonBuffer: Op<(a: A, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean) => number | null>;
  /** v1. Frees a common buffer; every argument must match the allocation. PASSIVE_LEVEL. */
  FreeCommonBuffer: Op<(a: A, Length: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: number, CacheEnabled: boolean) => void>;
  /** v1. Reserves the adapter (system DMA channel) and map registers; ExecutionRoutine runs at DISPATCH_LEVEL when granted. Called at DISPATCH_LEVEL; STATUS_SUCCESS (ran or queued) or STATUS_INSUFFICIENT_RESOURCES. */
  AllocateAdapterChannel: Op<(a: A, DeviceObject: DEVICE_OBJECT, NumberOfMapRegisters: number, ExecutionRoutine: DRIVER_CONTROL, Context: unknown) => NTSTATUS>;
  /** v1. Ends a transfer mapped by MapTransfer: flushes the cache and copies bounce pages back. <= DISPATCH_LEVEL. */
  FlushAdapterBuffers: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: number, WriteToDevice: boolean) => boolean>;
  /** v1. Releases the channel AllocateAdapterChannel gave (and its map registers unless the routine kept them). DISPATCH_LEVEL. */
  FreeAdapterChannel: Op<(a: A) => void>;
  /** v1. Releases map registers kept with DeallocateObjectKeepRegisters. DISPATCH_LEVEL. */
  FreeMapRegisters: Op<(a: A, MapRegisterBase: MapRegisterBase, NumberOfMapRegisters: number) => void>;
  /** v1. Maps the next piece of an MDL for the device: returns its logical address, the mapped bytes through Length. <= DISPATCH_LEVEL. */
  MapTransfer: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: ULONG_OUT, WriteToDevice: boolean) => PHYSICAL_ADDRESS>;
  /** v1. The buffer alignment the device needs, in bytes (1 on Windows). PASSIVE_LEVEL. */
  GetDmaAlignment: Op<(a: A) => number>;
  /** v1. Bytes still to transfer on the adapter's system DMA channel. <= DISPATCH_LEVEL. */
  ReadDmaCounter: Op<(a: A) => number>;
  /** v1. Maps a whole MDL range and calls ExecutionRoutine at DISPATCH_LEVEL with the list; called at DISPATCH_LEVEL. */
  GetScatterGatherList: Op<(a: A, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean) => NTSTATUS>;
  /** v1. Ends a GetScatterGatherList / BuildScatterGatherList transfer and frees its list. DISPATCH_LEVEL. */
  PutScatterGatherList: Op<(a: A, ScatterGather: SCATTER_GATHER_LIST, WriteToDevice: boolean) => void>;
  // Version 2
  /** v2. The list size and map registers a transfer would need, for BuildScatterGatherList's buffer. Any IRQL. */
  CalculateScatterGatherList: Op<(a: A, Mdl: MDL | null, CurrentVa: number, Length: number, ScatterGatherListSize: ULONG_OUT, NumberOfMapRegisters: ULONG_OUT | null) => NTSTATUS>;
  /** v2. GetScatterGatherList into a caller-supplied buffer (no allocation in the HAL). DISPATCH_LEVEL. */
  BuildScatterGatherList: Op<(a: A, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number) => NTSTATUS>;
  /** v2, "reserved for system use". An MDL describing a built list. <= DISPATCH_LEVEL. */
  BuildMdlFromScatterGatherList: Op<(a: A, ScatterGather: SCATTER_GATHER_LIST, OriginalMdl: MDL | null, TargetMdl: { value: MDL | null }) => NTSTATUS>;
  // Version 3
  /** v3. The DMA controller's capabilities (DMA_ADAPTER_INFO, Version 1 only). <= DISPATCH_LEVEL. */
  GetDmaAdapterInfo: Op<(a: A, AdapterInfo: DMA_ADAPTER_INFO) => NTSTATUS>;
  /** v3. Map registers and list size a transfer of an MDL range needs (DMA_TRANSFER_INFO V1 or V2). <= DISPATCH_LEVEL. */
  GetDmaTransferInfo: Op<(a: A, Mdl: MDL, Offset: number, Length: number, WriteOnly: boolean, TransferInfo: DMA_TRANSFER_INFO) => NTSTATUS>;
  /** v3. Prepares a caller-allocated transfer context (DMA_TRANSFER_CONTEXT_SIZE_V1 bytes) for the Ex routines. <= DISPATCH_LEVEL. */
  InitializeDmaTransferContext: Op<(a: A, DmaTransferContext: DMA_TRANSFER_CONTEXT) => NTSTATUS>;
  /** v3. AllocateCommonBuffer with a highest acceptable address, a honoured CacheEnabled and a preferred NUMA node. PASSIVE_LEVEL. */
  AllocateCommonBufferEx: Op<(a: A, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean, PreferredNode: number) => number | null>;
  /** v3. AllocateAdapterChannel with a transfer context; with DMA_SYNCHRONOUS_CALLBACK it returns the map-register base instead of queueing. DISPATCH_LEVEL. */
  AllocateAdapterChannelEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, NumberOfMapRegisters: number, Flags: number, ExecutionRoutine: DRIVER_CONTROL | null, ExecutionContext: unknown, MapRegisterBase: { value: MapRegisterBase } | null) => NTSTATUS>;
  /** v3. Invokes a controller-specific function of the channel (FunctionNumber). <= DISPATCH_LEVEL. */
  ConfigureAdapterChannel: Op<(a: A, FunctionNumber: number, Context: unknown) => NTSTATUS>;
  /** v3. Cancels a pending AllocateAdapterChannelEx: TRUE if cancelled, FALSE if already granted. <= DISPATCH_LEVEL. */
  CancelAdapterChannel: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT) => boolean>;
  /** v3. MapTransfer by offset, filling a scatter/gather buffer; an optional completion routine for system DMA. <= DISPATCH_LEVEL. */
  MapTransferEx: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, DeviceOffset: number, Length: ULONG_OUT, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST | null, ScatterGatherBufferLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown) => NTSTATUS>;
  /** v3. GetScatterGatherList with a transfer context, flags and a completion routine (AllocateAdapterChannelEx + MapTransferEx in one). <= DISPATCH_LEVEL. */
  GetScatterGatherListEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: { value: SCATTER_GATHER_LIST | null } | null) => NTSTATUS>;
  /** v3. GetScatterGatherListEx into a caller-supplied buffer. DISPATCH_LEVEL. */
  BuildScatterGatherListEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: { value: SCATTER_GATHER_LIST | null } | null) => NTSTATUS>;
  /** v3. FlushAdapterBuffers by offset, returning an NTSTATUS. <= DISPATCH_LEVEL. */
  FlushAdapterBuffersEx: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, Length: number, WriteToDevice: boolean) => NTSTATUS>;
  /** v3. Releases an adapter channel granted through AllocateAdapterChannelEx, as the IO_ALLOCATION_ACTION says. <= DISPATCH_LEVEL. */
  FreeAdapterObject: Op<(a: A, AllocationAction: IO_ALLOCATION_ACTION) => void>;
  /** v3. Cancels a system DMA transfer started by MapTransferEx. <= DISPATCH_LEVEL. */
  CancelMappedTransfer: Op<(a: A, DmaTransferContext: DMA_TRANSFER_CONTEXT) => NTSTATUS>;
  // Optional tail (Windows 10+)
  /** Windows 10. A common buffer in a DMA domain's address space. PASSIVE_LEVEL. */
  AllocateDomainCommonBuffer: Op<(a: A, DomainHandle: DMA_DOMAIN_HANDLE, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: { value: number }) => NTSTATUS>;
  /** Windows 10. Makes an MDL's cache lines consistent for the device (needed only by devices that do not snoop). <= DISPATCH_LEVEL. */
  FlushDmaBuffer: Op<(a: A, Mdl: MDL, ReadOperation: boolean) => NTSTATUS>;
  /** Windows 10. Puts the adapter's device into a DMA domain (shared IOMMU translations). PASSIVE_LEVEL. */
  JoinDmaDomain: Op<(a: A, DomainHandle: DMA_DOMAIN_HANDLE) => NTSTATUS>;
  /** Windows 10. Takes the adapter's device out of its DMA domain. PASSIVE_LEVEL. */
  LeaveDmaDomain: Op<(a: A) => NTSTATUS>;
  /** Windows 10. The adapter's DMA domain handle, or NULL. PASSIVE_LEVEL. */
  GetDmaDomain: Op<(a: A) => DMA_DOMAIN_HANDLE | null>;
  /** Windows 10 1803. A common buffer between two inclusive logical bounds, with an explicit cache type and DOMAIN_COMMON_BUFFER_LARGE_PAGE. PASSIVE_LEVEL. */
  AllocateCommonBufferWithBounds: Op<(a: A, MinimumAddress: PHYSICAL_ADDRESS | null, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS) => number | null>;
  /** Windows 10 2004 (undocumented IRQL; dmasim: PASSIVE_LEVEL). NumberOfElements common buffers of one size behind one handle. */
  AllocateCommonBufferVector: Op<(a: A, LowAddress: PHYSICAL_ADDRESS, HighAddress: PHYSICAL_ADDRESS, CacheType: MEMORY_CACHING_TYPE, IdealNode: number, Flags: number, NumberOfElements: number, SizeOfElements: number, VectorOut: { value: DMA_COMMON_BUFFER_VECTOR | null }) => NTSTATUS>;
  /** Windows 10 2004. The VA and logical address of one element of a vector (dmasim: <= DISPATCH_LEVEL). */
  GetCommonBufferFromVectorByIndex: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number, VirtualAddressOut: { value: number }, LogicalAddressOut: PHYSICAL_ADDRESS) => void>;
  /** Windows 10 2004. Frees one element of a vector (dmasim: PASSIVE_LEVEL). */
  FreeCommonBufferFromVector: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number) => void>;
  /** Windows 10 2004. Frees a vector (its elements first; dmasim: PASSIVE_LEVEL). */
  FreeCommonBufferVector: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR) => void>;
  /** Windows Server 2022. A common buffer from memory the driver already has (an MDL), optionally limited by ExtendedConfigs. PASSIVE_LEVEL. */
  CreateCommonBufferFromMdl: Op<(a: A, Mdl: MDL, ExtendedConfigs: readonly DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION[] | null, ExtendedConfigsCount: number, LogicalAddress: PHYSICAL_ADDRESS) => NTSTATUS>;
}

/** DMA_ADAPTER: Version is always 1, whatever table was returned. */
export interface DMA_ADAPTER {
  readonly Version: 1;
  readonly Size: number;
  readonly DmaOperations: DMA_OPERATIONS;
}

/**
 * PDMA_COMMON_BUFFER_VECTOR: opaque to the driver. The HAL keeps the
 * elements behind the handle (hal/common-buffer-vector.ts).
 */
export interface DMA_COMMON_BUFFER_VECTOR {
  readonly Type: "DMA_COMMON_BUFFER_VECTOR";
  readonly adapter: DMA_ADAPTER;
  /** Set by FreeCommonBufferVector. */
  readonly freed: boolean;
}

// ---- Version 3 structures and constants (wdm.h, as the DDI pages describe them) ----

/** DMA_TRANSFER_INFO versions. */
export const DMA_TRANSFER_INFO_VERSION1 = 1;
/** DMA_TRANSFER_INFO version 2 (Windows 10 1809): adds LogicalPageCount. */
export const DMA_TRANSFER_INFO_VERSION2 = 2;

/** DMA_TRANSFER_INFO_V1: what a transfer needs (map registers, elements, list bytes). */
export interface DMA_TRANSFER_INFO_V1 {
  MapRegisterCount: number;
  ScatterGatherElementCount: number;
  ScatterGatherListSize: number;
}
/** DMA_TRANSFER_INFO_V2: V1 plus the number of logical pages. */
export interface DMA_TRANSFER_INFO_V2 extends DMA_TRANSFER_INFO_V1 {
  LogicalPageCount: number;
}
/** DMA_TRANSFER_INFO: Version selects which member GetDmaTransferInfo fills. */
export interface DMA_TRANSFER_INFO {
  Version: number;
  V1?: DMA_TRANSFER_INFO_V1;
  V2?: DMA_TRANSFER_INFO_V2;
}

/**
 * DMA_TRANSFER_CONTEXT_SIZE_V1 on 64-bit Windows: the caller allocates this
 * many bytes (a Uint8Array here) for InitializeDmaTransferContext.
 */
export const DMA_TRANSFER_CONTEXT_SIZE_V1 = 128;
/** A caller-allocated DMA transfer context (opaque; DMA_TRANSFER_CONTEXT_SIZE_V1 bytes). */
export type DMA_TRANSFER_CONTEXT = Uint8Array;

/** AllocateAdapterChannelEx / GetScatterGatherListEx / BuildScatterGatherListEx flag: no waiting; the routine runs in the caller's context. */
export const DMA_SYNCHRONOUS_CALLBACK = 0x01;

/** DMA_COMPLETION_STATUS. */
export const DmaComplete = 0;
/** DmaAborted: the transfer was stopped before it finished. */
export const DmaAborted = 1;
/** DmaError: the controller reported an error. */
export const DmaError = 2;
/** DmaCancelled: CancelMappedTransfer cancelled it. */
export const DmaCancelled = 3;
/** What a DMA_COMPLETION_ROUTINE is told: DmaComplete, DmaAborted, DmaError or DmaCancelled. */
export type DMA_COMPLETION_STATUS = typeof DmaComplete | typeof DmaAborted | typeof DmaError | typeof DmaCancelled;

/** PDMA_COMPLETION_ROUTINE: called at DISPATCH_LEVEL when a system DMA transfer completes or is cancelled. */
export type DMA_COMPLETION_ROUTINE = (DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, CompletionContext: unknown, Status: DMA_COMPLETION_STATUS) => void;

/** DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_TYPE: the configuration gives LogicalAddressLimits (CreateCommonBufferFromMdl's bounds, both inclusive). */
export const CommonBufferConfigTypeLogicalAddressLimits = 0;
/** The configuration gives SubSection: only a page-aligned part of the MDL (chain) becomes the common buffer. */
export const CommonBufferConfigTypeSubSection = 1;
/** The configuration gives HardwareAccessType: the device's read/write permission on the buffer (enforced under DMA remapping). */
export const CommonBufferConfigTypeHardwareAccessPermissions = 2;
/** One past the last configuration type (an invalid ConfigType). */
export const CommonBufferConfigTypeMax = 3;

/** DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_ACCESS_TYPE: the device may only read the buffer. */
export const CommonBufferHardwareAccessReadOnly = 0;
/** The device may only write the buffer. */
export const CommonBufferHardwareAccessWriteOnly = 1;
/** The device may read and write the buffer (the default). */
export const CommonBufferHardwareAccessReadWrite = 2;
/** One past the last access type (an invalid HardwareAccessType). */
export const CommonBufferHardwareAccessMax = 3;

/** DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION: ConfigType says which member counts. */
export interface DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION {
  ConfigType: number;
  /** Both bounds inclusive. */
  LogicalAddressLimits?: { MinimumAddress: PHYSICAL_ADDRESS; MaximumAddress: PHYSICAL_ADDRESS };
  /** Page-aligned offset into the MDL (chain) and page-aligned length. */
  SubSection?: { Offset: number; Length: number };
  HardwareAccessType?: number;
}

/** A DMA domain handle (HANDLE): opaque; from GetDmaDomain. */
export interface DMA_DOMAIN_HANDLE {
  readonly Type: "DMA_DOMAIN";
}
