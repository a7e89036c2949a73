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

export const DEVICE_DESCRIPTION_VERSION = 0;
export const DEVICE_DESCRIPTION_VERSION1 = 1;
export const DEVICE_DESCRIPTION_VERSION2 = 2;
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
export type INTERFACE_TYPE = (typeof InterfaceType)[keyof typeof InterfaceType];

export const DmaWidth = { Width8Bits: 0, Width16Bits: 1, Width32Bits: 2, Width64Bits: 3, MaximumDmaWidth: 4 } as const;
export type DMA_WIDTH = (typeof DmaWidth)[keyof typeof DmaWidth];

export const DmaSpeed = { Compatible: 0, TypeA: 1, TypeB: 2, TypeC: 3, TypeF: 4, MaximumDmaSpeed: 5 } as const;
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

/** IO_ALLOCATION_ACTION, returned by an AdapterControl (DRIVER_CONTROL) routine. */
export const KeepObject = 1;
export const DeallocateObject = 2;
export const DeallocateObjectKeepRegisters = 3;
export type IO_ALLOCATION_ACTION = typeof KeepObject | typeof DeallocateObject | typeof DeallocateObjectKeepRegisters;

/** MEMORY_CACHING_TYPE. */
export const MmNonCached = 0;
export const MmCached = 1;
export const MmWriteCombined = 2;
export const MmHardwareCoherentCached = 3;
export const MmNonCachedUnordered = 4;
export const MmUSWCCached = 5;
export type MEMORY_CACHING_TYPE = 0 | 1 | 2 | 3 | 4 | 5;

/** NODE_REQUIREMENT: a node number, or MM_ANY_NODE_OK. */
export const MM_ANY_NODE_OK = 0x80000000;

/** AllocateCommonBufferWithBounds flag: allocate in 2 MiB (512-page) granules. */
export const DOMAIN_COMMON_BUFFER_LARGE_PAGE = 0x1;

/** Opaque map-register base handle; null means "no map registers needed". */
export type MapRegisterBase = object | null;

/** PDRIVER_CONTROL: runs at DISPATCH_LEVEL when the adapter channel is granted. */
export type DRIVER_CONTROL = (DeviceObject: DEVICE_OBJECT, Irp: unknown, MapRegisterBase: MapRegisterBase, Context: unknown) => IO_ALLOCATION_ACTION;

export interface SCATTER_GATHER_ELEMENT {
  Address: PHYSICAL_ADDRESS;
  Length: number;
}
export interface SCATTER_GATHER_LIST {
  NumberOfElements: number;
  Elements: SCATTER_GATHER_ELEMENT[];
}
/** PDRIVER_LIST_CONTROL: runs at DISPATCH_LEVEL with the built list. */
export type DRIVER_LIST_CONTROL = (DeviceObject: DEVICE_OBJECT, Irp: unknown, ScatterGather: SCATTER_GATHER_LIST, Context: unknown) => void;

export interface DMA_ADAPTER_INFO_V1 {
  ReadDmaCounterAvailable: boolean;
  ScatterGatherLimit: number;
  DmaAddressWidth: number;
  Flags: number;
  MinimumTransferUnit: number;
}
export interface DMA_ADAPTER_INFO {
  Version: number;
  V1: DMA_ADAPTER_INFO_V1;
}

/** Out parameter for a ULONG (PULONG). */
export interface ULONG_OUT {
  value: number;
}

type Op<F> = F | null;
type A = DMA_ADAPTER;

/**
 * DMA_OPERATIONS in table order. Size is the byte size of the populated table
 * (x64 offsets: v1 0x68, v2 0x80, v3 0xE8, then the optional tail).
 */
export interface DMA_OPERATIONS {
  Size: number;
  PutDmaAdapter: Op<(a: A) => void>;
  AllocateCommonBuffer: Op<(a: A, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean) => number | null>;
  FreeCommonBuffer: Op<(a: A, Length: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: number, CacheEnabled: boolean) => void>;
  AllocateAdapterChannel: Op<(a: A, DeviceObject: DEVICE_OBJECT, NumberOfMapRegisters: number, ExecutionRoutine: DRIVER_CONTROL, Context: unknown) => NTSTATUS>;
  FlushAdapterBuffers: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: number, WriteToDevice: boolean) => boolean>;
  FreeAdapterChannel: Op<(a: A) => void>;
  FreeMapRegisters: Op<(a: A, MapRegisterBase: MapRegisterBase, NumberOfMapRegisters: number) => void>;
  MapTransfer: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, CurrentVa: number, Length: ULONG_OUT, WriteToDevice: boolean) => PHYSICAL_ADDRESS>;
  GetDmaAlignment: Op<(a: A) => number>;
  ReadDmaCounter: Op<(a: A) => number>;
  GetScatterGatherList: Op<(a: A, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean) => NTSTATUS>;
  PutScatterGatherList: Op<(a: A, ScatterGather: SCATTER_GATHER_LIST, WriteToDevice: boolean) => void>;
  // Version 2
  CalculateScatterGatherList: Op<(a: A, Mdl: MDL | null, CurrentVa: number, Length: number, ScatterGatherListSize: ULONG_OUT, NumberOfMapRegisters: ULONG_OUT | null) => NTSTATUS>;
  BuildScatterGatherList: Op<(a: A, DeviceObject: DEVICE_OBJECT, Mdl: MDL, CurrentVa: number, Length: number, ExecutionRoutine: DRIVER_LIST_CONTROL, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number) => NTSTATUS>;
  BuildMdlFromScatterGatherList: Op<(a: A, ScatterGather: SCATTER_GATHER_LIST, OriginalMdl: MDL | null, TargetMdl: { value: MDL | null }) => NTSTATUS>;
  // Version 3
  GetDmaAdapterInfo: Op<(a: A, AdapterInfo: DMA_ADAPTER_INFO) => NTSTATUS>;
  GetDmaTransferInfo: Op<(a: A, Mdl: MDL, Offset: number, Length: number, WriteOnly: boolean, TransferInfo: DMA_TRANSFER_INFO) => NTSTATUS>;
  InitializeDmaTransferContext: Op<(a: A, DmaTransferContext: DMA_TRANSFER_CONTEXT) => NTSTATUS>;
  AllocateCommonBufferEx: Op<(a: A, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, LogicalAddress: PHYSICAL_ADDRESS, CacheEnabled: boolean, PreferredNode: number) => number | null>;
  AllocateAdapterChannelEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, NumberOfMapRegisters: number, Flags: number, ExecutionRoutine: DRIVER_CONTROL | null, ExecutionContext: unknown, MapRegisterBase: { value: MapRegisterBase } | null) => NTSTATUS>;
  ConfigureAdapterChannel: Op<(a: A, FunctionNumber: number, Context: unknown) => NTSTATUS>;
  CancelAdapterChannel: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT) => boolean>;
  MapTransferEx: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, DeviceOffset: number, Length: ULONG_OUT, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST | null, ScatterGatherBufferLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown) => NTSTATUS>;
  GetScatterGatherListEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: { value: SCATTER_GATHER_LIST | null } | null) => NTSTATUS>;
  BuildScatterGatherListEx: Op<(a: A, DeviceObject: DEVICE_OBJECT, DmaTransferContext: DMA_TRANSFER_CONTEXT, Mdl: MDL, Offset: number, Length: number, Flags: number, ExecutionRoutine: DRIVER_LIST_CONTROL | null, Context: unknown, WriteToDevice: boolean, ScatterGatherBuffer: SCATTER_GATHER_LIST, ScatterGatherLength: number, DmaCompletionRoutine: DMA_COMPLETION_ROUTINE | null, CompletionContext: unknown, ScatterGatherList: { value: SCATTER_GATHER_LIST | null } | null) => NTSTATUS>;
  FlushAdapterBuffersEx: Op<(a: A, Mdl: MDL, MapRegisterBase: MapRegisterBase, Offset: number, Length: number, WriteToDevice: boolean) => NTSTATUS>;
  FreeAdapterObject: Op<(a: A, AllocationAction: IO_ALLOCATION_ACTION) => void>;
  CancelMappedTransfer: Op<(a: A, DmaTransferContext: DMA_TRANSFER_CONTEXT) => NTSTATUS>;
  // Optional tail (Windows 10+)
  AllocateDomainCommonBuffer: Op<(a: A, DomainHandle: DMA_DOMAIN_HANDLE, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS, VirtualAddress: { value: number }) => NTSTATUS>;
  FlushDmaBuffer: Op<(a: A, Mdl: MDL, ReadOperation: boolean) => NTSTATUS>;
  JoinDmaDomain: Op<(a: A, DomainHandle: DMA_DOMAIN_HANDLE) => NTSTATUS>;
  LeaveDmaDomain: Op<(a: A) => NTSTATUS>;
  GetDmaDomain: Op<(a: A) => DMA_DOMAIN_HANDLE | null>;
  AllocateCommonBufferWithBounds: Op<(a: A, MinimumAddress: PHYSICAL_ADDRESS | null, MaximumAddress: PHYSICAL_ADDRESS | null, Length: number, Flags: number, CacheType: MEMORY_CACHING_TYPE | null, PreferredNode: number, LogicalAddress: PHYSICAL_ADDRESS) => number | null>;
  AllocateCommonBufferVector: Op<(a: A, LowAddress: PHYSICAL_ADDRESS, HighAddress: PHYSICAL_ADDRESS, CacheType: MEMORY_CACHING_TYPE, IdealNode: number, Flags: number, NumberOfElements: number, SizeOfElements: number, VectorOut: { value: DMA_COMMON_BUFFER_VECTOR | null }) => NTSTATUS>;
  GetCommonBufferFromVectorByIndex: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number, VirtualAddressOut: { value: number }, LogicalAddressOut: PHYSICAL_ADDRESS) => void>;
  FreeCommonBufferFromVector: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR, Index: number) => void>;
  FreeCommonBufferVector: Op<(a: A, Vector: DMA_COMMON_BUFFER_VECTOR) => void>;
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
export const DMA_TRANSFER_INFO_VERSION2 = 2;

export interface DMA_TRANSFER_INFO_V1 {
  MapRegisterCount: number;
  ScatterGatherElementCount: number;
  ScatterGatherListSize: number;
}
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
export const DmaAborted = 1;
export const DmaError = 2;
export const DmaCancelled = 3;
export type DMA_COMPLETION_STATUS = typeof DmaComplete | typeof DmaAborted | typeof DmaError | typeof DmaCancelled;

/** PDMA_COMPLETION_ROUTINE: called at DISPATCH_LEVEL when a system DMA transfer completes or is cancelled. */
export type DMA_COMPLETION_ROUTINE = (DmaAdapter: DMA_ADAPTER, DeviceObject: DEVICE_OBJECT, CompletionContext: unknown, Status: DMA_COMPLETION_STATUS) => void;

/** DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_TYPE. */
export const CommonBufferConfigTypeLogicalAddressLimits = 0;
export const CommonBufferConfigTypeSubSection = 1;
export const CommonBufferConfigTypeHardwareAccessPermissions = 2;
export const CommonBufferConfigTypeMax = 3;

/** DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION_ACCESS_TYPE. */
export const CommonBufferHardwareAccessReadOnly = 0;
export const CommonBufferHardwareAccessWriteOnly = 1;
export const CommonBufferHardwareAccessReadWrite = 2;
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
