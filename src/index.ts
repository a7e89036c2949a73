// dmasim's public API: an explicit list, grouped by layer.

// One copy per process: a second one (another path to dmasim) keeps its own machine state, unseen by the first's trace and report.
const copies = ((globalThis as { [k: symbol]: string[] | undefined })[Symbol.for("dmasim.copies")] ??= []);
if (!copies.includes(import.meta.url) && copies.push(import.meta.url) > 1) console.warn(`dmasim: a second copy of the library was loaded (${import.meta.url}, besides ${copies[0] ?? ""}): machines booted through one copy are invisible to the other; import "dmasim" (or one and the same file) everywhere`);

// core
export { Prng } from "./core/prng.ts";
export { STATUS, NT_SUCCESS, statusName, statusSymbol, type NTSTATUS, type NtStatusName } from "./core/ntstatus.ts";
export { BugCheckError, BUGCHECK, bugCheckName, type BugCheckParameter, type BugCheckTuple } from "./core/bugcheck.ts";
export { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, HIGH_LEVEL, irqlName, type KIRQL } from "./core/irql.ts";
export { PAGE_SIZE, BYTES_TO_PAGES, ROUND_TO_PAGES, KiB, MiB, GiB, TiB, parseSize, formatSize, hexAddr, physicalAddress, LowPart, HighPart, MAXULONG64, type PHYSICAL_ADDRESS } from "./core/address.ts";
export type { Finding, FindingInput, FindingInputOf, FindingFields, FindingGroupFields, FindingOccurrence, FindingSink, FindingParams, ParamValue } from "./core/findings.ts";

// machine
export { parseProfile, ProfileError, type MachineProfile, type MachineProfileInput, type DeviceConfig } from "./machine/profile.ts";
export { BUILTIN_PROFILES, builtinProfile } from "./machine/builtin-profiles.ts";
export { MemoryMap, type MemoryRegion, type PfnRange } from "./machine/memory-map.ts";
export { PhysicalMemory, FILL_PATTERN } from "./machine/physical-memory.ts";
export { Clock, type TimerHandle } from "./machine/clock.ts";
export { DmaBus, type BusMaster, type BusFault, type BusFaultReason, type BusObserver, type AddressTranslator } from "./machine/bus.ts";
export { CoherentMemorySystem, type MemorySystem, type CacheAttribute } from "./machine/memory-system.ts";

// kernel
export { Kernel, bootMachine, type BootOptions, type IrqlRule } from "./kernel/kernel.ts";
export { VaSpace, formatVa, type VaMapping, type MapOptions, type CpuAccessObserver, type RegisterPort } from "./kernel/va-space.ts";
export { Cpu } from "./kernel/cpu.ts";
export { createFdo, FILE_BYTE_ALIGNMENT, FILE_WORD_ALIGNMENT, FILE_LONG_ALIGNMENT, FILE_QUAD_ALIGNMENT, FILE_OCTA_ALIGNMENT, FILE_32_BYTE_ALIGNMENT, FILE_64_BYTE_ALIGNMENT, FILE_128_BYTE_ALIGNMENT, FILE_256_BYTE_ALIGNMENT, FILE_512_BYTE_ALIGNMENT, type DEVICE_OBJECT } from "./kernel/device-object.ts";
export { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, MmGetMdlByteCount, MmGetMdlByteOffset, MmGetMdlPfnArray, MmGetSystemAddressForMdlSafe, type MDL } from "./kernel/mdl.ts";
export {
  MmAllocateContiguousMemory,
  MmAllocateContiguousMemorySpecifyCache,
  MmAllocateContiguousMemorySpecifyCacheNode,
  MmAllocateContiguousNodeMemory,
  MmFreeContiguousMemory,
  MmFreeContiguousMemorySpecifyCache,
  MmGetPhysicalAddress,
} from "./kernel/contiguous-memory.ts";
export { PAGE_READWRITE, PAGE_NOCACHE, PAGE_WRITECOMBINE, type ContiguousRun } from "./kernel/contiguous-memory.ts";
export { PfnDatabase } from "./kernel/pfn-database.ts";
export { PageFrameManager, type ContiguousPagesRequest, type Effort, type NodePolicy, type PageKind, type RamRange } from "./kernel/page-frames.ts";
export { effortForIrql, type PageFrameOptions, type CompactionOptions, type AllocatePagesOptions, type PageFrameStats } from "./kernel/page-frames.ts";
export { FastContiguousAllocator } from "./kernel/alloc/fast-contiguous-allocator.ts";
export { LinearScanAllocator } from "./kernel/alloc/linear-scan-allocator.ts";
export { contiguousRequest, type ContiguousAllocator, type ContiguousRequest, type Placement } from "./kernel/alloc/contiguous-allocator.ts";
export { Workload, runUptime, type WorkloadOptions, type WorkloadStats } from "./kernel/workload.ts";
export { fragmentation, describeFragmentation, MAX_ORDER, type FragmentationReport, type FragmentationScope } from "./kernel/fragmentation.ts";

// hal
export {
  DEVICE_DESCRIPTION_VERSION,
  DEVICE_DESCRIPTION_VERSION1,
  DEVICE_DESCRIPTION_VERSION2,
  DEVICE_DESCRIPTION_VERSION3,
  InterfaceType,
  DmaWidth,
  DmaSpeed,
  deviceDescription,
  KeepObject,
  DeallocateObject,
  DeallocateObjectKeepRegisters,
  MmNonCached,
  MmCached,
  MmWriteCombined,
  MM_ANY_NODE_OK,
  DOMAIN_COMMON_BUFFER_LARGE_PAGE,
  type DEVICE_DESCRIPTION,
  type DMA_ADAPTER,
  type DMA_OPERATIONS,
  type DRIVER_CONTROL,
  type IO_ALLOCATION_ACTION,
  type MEMORY_CACHING_TYPE,
  type SCATTER_GATHER_LIST,
  type ULONG_OUT,
} from "./hal/types.ts";
export type { DMA_ADAPTER_INFO, DMA_ADAPTER_INFO_V1, INTERFACE_TYPE } from "./hal/types.ts";
export { IoGetDmaAdapter, MAX_MAP_REGISTERS_MASTER, MAX_MAP_REGISTERS_SUBORDINATE } from "./hal/io-get-dma-adapter.ts";
export { adapterObject, type AdapterObject, type CommonBuffer } from "./hal/adapter.ts";
export { adapterReach, type AdapterReach } from "./hal/reach.ts";
export { AllocateCommonBuffer, AllocateCommonBufferEx, AllocateCommonBufferWithBounds, FreeCommonBuffer } from "./hal/common-buffer.ts";
export { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "./hal/hal-common-buffer.ts";
export { PutDmaAdapter, GetDmaAlignment } from "./hal/adapter-routines.ts";
export { GetDmaAdapterInfo, DMA_ADAPTER_INFO_VERSION1 } from "./hal/adapter-info.ts";
export { buildDmaOperations, DMA_OPERATIONS_SIZE } from "./hal/dma-operations.ts";
export { addHalObserver, setDmaOsBuild, commonBufferAt, liveCommonBuffers, DMA_OS_BUILDS, type DmaOsBuild } from "./hal/hal-state.ts";
export type { HalObserver, AdapterEvent, CommonBufferEvent, CommonBufferRoutine } from "./hal/observer.ts";
export { Iommu, type IommuMapping, type IovaRequest } from "./machine/iommu.ts";
// hal: the version-3 DMA_OPERATIONS routines (Windows 8 and later), their structures, flags and callback statuses
export {
  DMA_TRANSFER_INFO_VERSION1,
  DMA_TRANSFER_INFO_VERSION2,
  DMA_TRANSFER_CONTEXT_SIZE_V1,
  DMA_SYNCHRONOUS_CALLBACK,
  DmaComplete,
  DmaAborted,
  DmaError,
  DmaCancelled,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeSubSection,
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeMax,
  CommonBufferHardwareAccessReadOnly,
  CommonBufferHardwareAccessWriteOnly,
  CommonBufferHardwareAccessReadWrite,
  CommonBufferHardwareAccessMax,
  MmHardwareCoherentCached,
  MmNonCachedUnordered,
  MmUSWCCached,
  type DMA_TRANSFER_INFO,
  type DMA_TRANSFER_INFO_V1,
  type DMA_TRANSFER_INFO_V2,
  type DMA_TRANSFER_CONTEXT,
  type DMA_COMPLETION_STATUS,
  type DMA_COMPLETION_ROUTINE,
  type DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION,
  type DMA_DOMAIN_HANDLE,
  type DMA_WIDTH,
  type DMA_SPEED,
  type MapRegisterBase,
  type SCATTER_GATHER_ELEMENT,
  type DRIVER_LIST_CONTROL,
} from "./hal/types.ts";
export { InitializeDmaTransferContext } from "./hal/transfer-context.ts";
export { GetDmaTransferInfo } from "./hal/transfer-info.ts";
export { AllocateAdapterChannelEx, CancelAdapterChannel, FreeAdapterObject } from "./hal/adapter-channel-ex.ts";
export { MapTransferEx, FlushAdapterBuffersEx, CancelMappedTransfer } from "./hal/map-transfer-ex.ts";
export { GetScatterGatherListEx, BuildScatterGatherListEx, BuildMdlFromScatterGatherList } from "./hal/scatter-gather-ex.ts";
export { ConfigureAdapterChannel, setSystemDmaExtension, type SystemDmaExtension } from "./hal/configure-channel.ts";
export { GetDmaDomain, JoinDmaDomain, LeaveDmaDomain, AllocateDomainCommonBuffer } from "./hal/dma-domain.ts";
export { CreateCommonBufferFromMdl } from "./hal/common-buffer-from-mdl.ts";
export { NEWEST_OS_BUILD } from "./hal/os-build.ts";
export { createDriverObject, IoCreateFdo, IoCallDriver, IoCompleteRequest, IoAllocateIrp, IoGetCurrentIrpStackLocation, type IRP_PARAMETERS, pnpAddDevice, pnpState, startDevice, stopDevice, removeDevice, driverObjectOf, IRP_MJ_PNP, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, IRP_MN_REMOVE_DEVICE, type IRP, type IO_STATUS_BLOCK, type DRIVER_OBJECT, type DRIVER_DISPATCH, type DRIVER_ADD_DEVICE, type PnpState } from "./kernel/pnp.ts";

// scenarios
export type { Scenario, ScenarioOptions, ScenarioResult } from "./scenarios/scenario.ts";
export { BUILTIN_SCENARIOS, builtinScenario, DEMO_PLAN } from "./scenarios/index.ts";
export { fragmentationScenario, runFragmentationStudy, studyParams, type FragmentationStudyParams, type ParamCheckingScenario } from "./scenarios/fragmentation.ts";

// trace
export { TraceLog, TRACE_KIND, pfnRuns, type TraceKind, type TraceEvent, type TraceJson, type TraceLogOptions, type AllocationRecord } from "./trace/trace-log.ts";
export { attachTrace, traceBus, traceHal, traceInterrupts, traceRegisters, TraceBusObserver, TraceHalObserver } from "./trace/attach.ts";

// report
export { runOutcome, runStop, type RunRecord, type RunOutcome, type RunStop } from "./report/run-record.ts";
export { renderTable, type TableOptions, type Cell } from "./report/text-table.ts";
export { renderRunSummary, renderRunsSummary, plain, type Style, type StyleName } from "./report/summary.ts";
export { runToJson, type Json } from "./report/json-result.ts";
export { traceFile, TRACE_FILE_FORMAT, TRACE_COLUMN_MEANING } from "./report/trace-file.ts";
export { runResultSchema, demoResultSchema, traceFileSchema, allocationSchema, findingSchema } from "./report/result-schema.ts";
export { renderHtmlReport, type HtmlReportOptions } from "./report/html-report.ts";
export { snapshotMemory, MAP_KINDS, type MemorySnapshot, type NodeMap, type MapKind } from "./report/memory-snapshot.ts";
export { buildTimeline, summarizeTrace, type TimelineData, type TimelineMarker, type TraceSummary } from "./report/timeline.ts";
export { collectBuffers, type BufferInfo } from "./report/buffers.ts";

// system DMA: interrupts, the 8237 pair, the SB16 card, DPCs/timers, adapter channels, MapTransfer, the sound-card driver
export { InterruptController, type InterruptSink, type InterruptEdgeObserver } from "./machine/interrupts.ts";
export { Dma8237Pair, DMA_MODE, DMA_REG, DMA_PAGE_PORT, DMA_BLOCK_RATE, dmaAddressPort, dmaCountPort, dmaControlPort, timeForUnits, unitsInTime, type DmaDevice, type Dma8237Observer, type DmaWrapEvent, type DmaChannelState } from "./machine/dma8237.ts";
export { Sb16, DSP, SB_PORT, SB16_DEFAULT_BASE, type Sb16Options, type Sb16Format } from "./devices/sb16.ts";
export { encodeWav, decodeWav, type PcmFormat, type WavInput, type DecodedWav } from "./devices/wav.ts";
export { KeInitializeDpc, KeInsertQueueDpc, IoInitializeDpcRequest, IoRequestDpc, KeRemoveQueueDpc, KeInitializeTimer, KeSetTimer, KeCancelTimer, KeReadStateTimer, addCatchUp, catchUpDevices, drainDpcs, dpcCount, type KDPC, type KTIMER, type KDEFERRED_ROUTINE, type IO_DPC_ROUTINE } from "./kernel/dpc.ts";
export { IoConnectInterrupt, IoDisconnectInterrupt, KeSynchronizeExecution, interruptControllerOf, interruptResources, dirqlOfLine, unclaimedInterrupts, LevelSensitive, Latched, type KINTERRUPT, type KSERVICE_ROUTINE, type KSYNCHRONIZE_ROUTINE, type KINTERRUPT_MODE, type InterruptResource } from "./kernel/interrupt.ts";
export { AllocateAdapterChannel, FreeAdapterChannel, holdsChannel, outstandingChannels } from "./hal/adapter-channel.ts";
export { FreeMapRegisters, outstandingMapRegisters, type MapRegisterFile, type OpenMapping } from "./hal/map-registers.ts";
export { MapTransfer, FlushAdapterBuffers } from "./hal/map-transfer.ts";
export { ReadDmaCounter, isaDmaOf, programChannel, maskChannel, readCountRegister, type ChannelProgram } from "./hal/system-dma.ts";
export { soundCardScenario, soundCardLateScenario, soundCardExhaustedScenario, runSoundCard, predictLateCapture, toneSource, soundCardParams, sameBytes, type SoundCardResult, type SoundCardParams, type ToneFormat, type SoundCardVariant } from "./scenarios/sound-card.ts";
export { SoundAddDevice, SoundStartDevice, SoundStartPlayback, SoundStopPlayback, SoundStopDevice, soundExtension, type SoundDeviceExtension, type SoundDriverConfig, type PlaybackStream } from "./scenarios/sound-card-driver.ts";
export { loadSoundDriver, soundPnpState, SOUND_DRIVER_NAME, type SoundPnpState } from "./scenarios/sound-card-wdm.ts";
export { soundCardPnpScenario, soundCardPnpLeakScenario, runSoundCardPnp, soundPnpParams, type SoundPnpParams } from "./scenarios/sound-card-pnp.ts";

// KMDF (WDF) objects, DMA enablers, common buffers, transactions; scatter/gather; the PLX 9656 model and the PLX9x5x-style driver
export { WdfObject, WdfGeneralObject, FxValidateObjectAttributes, WDF_OBJECT_ATTRIBUTES_INIT, WDF_NO_OBJECT_ATTRIBUTES, WDF_OBJECT_ATTRIBUTES_SIZE, WdfExecutionLevelInvalid, WdfExecutionLevelInheritFromParent, WdfExecutionLevelPassive, WdfExecutionLevelDispatch, WdfSynchronizationScopeInvalid, WdfSynchronizationScopeInheritFromParent, WdfSynchronizationScopeDevice, WdfSynchronizationScopeQueue, WdfSynchronizationScopeNone, type WDF_OBJECT_ATTRIBUTES, type WDF_OBJECT_CONTEXT_TYPE_INFO, type WdfObjectState } from "./wdf/object.ts";
export { WdfDriverGlobals, type WdfDriverOptions, type KmdfVersion } from "./wdf/globals.ts";
export { WdfDriver, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfObjectDelete, WdfObjectReference, WdfObjectDereference, WdfObjectCreate, WdfObjectGetTypedContext, type WDF_DRIVER_CONFIG, type HandleOut } from "./wdf/driver.ts";
export { WdfDevice, WdfDeviceCreate, WdfDeviceSetAlignmentRequirement, WdfDeviceGetAlignmentRequirement, WdfDeviceWdmGetDeviceObject, WdfDeviceWdmGetPhysicalDevice, wdfAddDevice, wdfRemoveDevice, type WDFDEVICE_INIT } from "./wdf/device.ts";
export { WdfDmaEnabler, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaEnablerGetMaximumLength, WdfDmaEnablerGetMaximumScatterGatherElements, WdfDmaEnablerSetMaximumScatterGatherElements, WdfDmaEnablerGetFragmentLength, WdfDmaEnablerWdmGetDmaAdapter, WdfDmaEnablerConfigureSystemProfile, DMA_PROFILES, WdfDmaProfileInvalid, WdfDmaProfilePacket, WdfDmaProfileScatterGather, WdfDmaProfilePacket64, WdfDmaProfileScatterGather64, WdfDmaProfileScatterGatherDuplex, WdfDmaProfileScatterGather64Duplex, WdfDmaProfileSystem, WdfDmaProfileSystemDuplex, WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION, WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER, type WDF_DMA_ENABLER_CONFIG, type WDF_DMA_PROFILE, type WDF_DMA_DIRECTION, type WDF_DMA_SYSTEM_PROFILE_CONFIG } from "./wdf/dma-enabler.ts";
export { WdfCommonBuffer, WdfCommonBufferCreate, WdfCommonBufferCreateWithConfig, WDF_COMMON_BUFFER_CONFIG_INIT, WdfCommonBufferGetAlignedVirtualAddress, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetLength, type WDF_COMMON_BUFFER_CONFIG } from "./wdf/common-buffer.ts";
export { WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionInitialize, WdfDmaTransactionExecute, WdfDmaTransactionDmaCompleted, WdfDmaTransactionDmaCompletedWithLength, WdfDmaTransactionDmaCompletedFinal, WdfDmaTransactionRelease, WdfDmaTransactionGetBytesTransferred, WdfDmaTransactionGetCurrentDmaTransferLength, WdfDmaTransactionGetDevice, WdfDmaTransactionSetMaximumLength, WdfDmaTransactionWdmGetTransferContext, WdfDmaTransactionSetSingleTransferRequirement, WdfDmaTransactionCancel, type EVT_WDF_PROGRAM_DMA, type DmaTransactionState } from "./wdf/dma-transaction.ts";
// KMDF DMA v3 and version-bound helpers: the config sizes per KMDF version, the system-profile config, the enabler's per-direction description
export { WDF_DMA_ENABLER_CONFIG_SIZE, WDF_DMA_ENABLER_CONFIG_V1_9_SIZE, WDF_DMA_ENABLER_UNLIMITED_FRAGMENTS, WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT, WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE, SCATTER_GATHER_LIST_HEADER_SIZE, SCATTER_GATHER_ELEMENT_SIZE, type KmdfBinding, type EVT_WDF_DMA_ENABLER_CALLBACK, type DmaProfileTraits, type FxDmaDescription, type DmaResourceDescriptor } from "./wdf/dma-enabler.ts";
export { WDF_COMMON_BUFFER_CONFIG_SIZE } from "./wdf/common-buffer.ts";
export { WdfInterrupt, WdfInterruptCreate, WDF_INTERRUPT_CONFIG_INIT, WdfInterruptQueueDpcForIsr, WdfInterruptAcquireLock, WdfInterruptReleaseLock, WdfInterruptGetDevice, type WDF_INTERRUPT_CONFIG } from "./wdf/interrupt.ts";
export { WDF_PNPPOWER_EVENT_CALLBACKS_INIT, WDF_PNPPOWER_EVENT_CALLBACKS_SIZE, WdfDeviceInitSetPnpPowerEventCallbacks, wdfStartDevice, wdfPnpState, wdfDeviceResourceLists, WdfCmResList, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WdfPowerDeviceInvalid, WdfPowerDeviceD0, WdfPowerDeviceD1, WdfPowerDeviceD2, WdfPowerDeviceD3, WdfPowerDeviceD3Final, WdfPowerDevicePrepareForHibernation, type WDF_PNPPOWER_EVENT_CALLBACKS, type WDF_POWER_DEVICE_STATE, type WdfPnpState } from "./wdf/pnp-power.ts";
export { GetScatterGatherList, PutScatterGatherList, CalculateScatterGatherList, BuildScatterGatherList } from "./hal/scatter-gather.ts";
export { Plx9656, PLX_REG, PLX_SRAM_SIZE, DTE_SIZE, type Plx9656Options, type PlxDescriptorRecord, type PlxBus } from "./devices/plx9656.ts";
export { loadPlxDriver, PlxDriverEntry, transferElementsFor, type PlxDriver, type PlxDriverOptions, type PlxBug, type PlxDeviceExtension } from "./scenarios/plx-driver.ts";
export { IOCTL_PLX9X5X_GET_STATISTICS, PLX_STATISTICS_SIZE } from "./scenarios/plx-control.ts";
// KMDF I/O: queues, requests, the transaction from a request, the PnP transitions a scenario drives
export { WdfIoQueue, WdfIoQueueCreate, WDF_IO_QUEUE_CONFIG_INIT, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfIoQueueDispatchSequential, WdfIoQueueDispatchParallel, WdfIoQueueDispatchManual, WdfDeviceConfigureRequestDispatching, WdfIoQueueGetDevice, WdfIoQueueRetrieveNextRequest, WdfRequestStopAcknowledge, WdfRequestStopActionSuspend, WdfRequestStopActionPurge, type WDF_IO_QUEUE_CONFIG } from "./wdf/queue.ts";
export { WdfRequest, WdfRequestComplete, WdfRequestCompleteWithInformation, WdfRequestSetInformation, WdfRequestRetrieveInputBuffer, WdfRequestRetrieveOutputBuffer, WdfRequestRetrieveInputWdmMdl, WdfRequestRetrieveOutputWdmMdl, WdfRequestTypeRead, WdfRequestTypeWrite, WdfRequestTypeDeviceControl, type BufferOut } from "./wdf/request.ts";
export { WdfDmaTransactionInitializeUsingRequest, WdfDmaTransactionGetRequest } from "./wdf/dma-transaction-request.ts";
export { WdfDmaTransactionInitializeUsingOffset, WdfDmaTransactionSetImmediateExecution } from "./wdf/dma-transaction-1-11.ts";
export { type EVT_WDF_RESERVE_DMA, WdfDmaTransactionAllocateResources, WdfDmaTransactionFreeResources } from "./wdf/dma-transaction-reserve.ts";
export { WdfDmaTransactionSetChannelConfigurationCallback, WdfDmaTransactionSetTransferCompleteCallback, WdfDmaTransactionSetDeviceAddressOffset, WdfDmaTransactionStopSystemTransfer, WdfDmaTransactionGetTransferInfo, type EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL, type EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE } from "./wdf/dma-transaction-system-api.ts";
export { WdfDeviceInitSetIoType } from "./wdf/device.ts";
export { WdfDeviceIoBuffered, WdfDeviceIoDirect, WdfDeviceIoNeither, WdfDriverWdmGetDriverObject } from "./wdf/driver.ts";
export { rebalanceDevice, surpriseRemoveDevice, queryStopDevice, cancelStopDevice } from "./kernel/pnp.ts";
export { E1000, e1000Model, E1000_REG, E1000_BAR0_SIZE, ethernetFcs, type E1000Device, type E1000Counters, type E1000Options } from "./devices/e1000.ts";
export { loadNicDriver, nicBuffers, NIC_BUFFER_SIZE, type NicAdapter, type NicDriver, type NicDriverOptions, type NicBuffer } from "./scenarios/nic-driver.ts";
export { plxScenario, attachPlx9656, allocateIoBuffer, transfer as plxTransfer, userBufferOf, writeReadBack, type IoBuffer, type PlxRunOutcome } from "./scenarios/plx.ts";
export { plxRingAbove4gScenario } from "./scenarios/plx-ring-above-4g.ts";
export { plxPnpScenario, plxPnpNoIoStopScenario, plxPnpD0ExitLeavesDmaScenario, plxPnpDoubleCompleteScenario, scatteredBuffer, plxPnpParams, type PlxPnpParams } from "./scenarios/plx-pnp.ts";
export { nicScenario, nicPhysicalAddressScenario, loopbackFrames, openNic, e1000DeviceOf, type NicApp, type TrafficEvent } from "./scenarios/nic.ts";

// verifier, cache model and cache maintenance
export { CacheMemorySystem, cacheModel, CACHE_LINE_SIZE, type CacheOptions, type CoherenceObserver, type LineState, type RefillPolicy } from "./machine/cache.ts";
export { KeFlushIoBuffers, KeMemoryBarrier, maintainMdlRange, type CacheOp } from "./kernel/flush.ts";
export { RtlCopyDeviceMemory, RtlFillDeviceMemory, RtlZeroDeviceMemory } from "./kernel/device-memory.ts";
export { Verifier, installVerifier, type VerifierMode, type VerifierOptions, type TransferSpec } from "./verifier/verifier.ts";
export { dmaCall } from "./verifier/checked-call.ts";
export { FINDING_CATALOGUE, OWN_CODES, DMASIM_VERIFIER_FINDING, STATUS_DATATYPE_MISALIGNMENT, ownCodeNumber, type CodeInfo, type OwnCode } from "./verifier/codes.ts";
export { AllocateCommonBufferVector, GetCommonBufferFromVectorByIndex, FreeCommonBufferFromVector, FreeCommonBufferVector, type DMA_COMMON_BUFFER_VECTOR } from "./hal/common-buffer-vector.ts";
export { FlushDmaBuffer } from "./hal/flush-dma-buffer.ts";

// the board and device models: the machine's hardware as one object, devices as plug-ins
export { Board, type BoardOptions, type BoardDevice } from "./machine/board.ts";
export { DeviceModelRegistry, barRequestsOf, type DeviceModel, type DeviceModelLookup, type DeviceContext, type DeviceInstance, type DeviceDma, type InterruptLine, type RegisterHandler, type BarRequest, type AssignedBar, type BarKind, type AccessSize } from "./machine/device-model.ts";
export { RegisterSpace, type RegisterAccessObserver } from "./machine/io-space.ts";
export { Hooks, ObserverSlot } from "./core/hooks.ts";
export { SmallSet } from "./core/small-set.ts";
export { deviceModels, registerDeviceModel } from "./devices/registry.ts";
export { genericModel, sb16Model, plx9656Model, sb16On, plx9656On, type Sb16Device, type Plx9656Device } from "./devices/builtin-models.ts";
export { machineSlot, type MachineSlot } from "./kernel/kernel.ts";
export { MmMapIoSpace, MmMapIoSpaceEx, MmUnmapIoSpace, READ_REGISTER_UCHAR, READ_REGISTER_USHORT, READ_REGISTER_ULONG, READ_REGISTER_ULONG64, WRITE_REGISTER_UCHAR, WRITE_REGISTER_USHORT, WRITE_REGISTER_ULONG, WRITE_REGISTER_ULONG64, READ_REGISTER_BUFFER, WRITE_REGISTER_BUFFER, READ_PORT_UCHAR, READ_PORT_USHORT, READ_PORT_ULONG, WRITE_PORT_UCHAR, WRITE_PORT_USHORT, WRITE_PORT_ULONG, READ_PORT_BUFFER, WRITE_PORT_BUFFER, PAGE_READONLY } from "./kernel/io-space.ts";
export { deviceResources, descriptorsOfType, CmResourceTypeNull, CmResourceTypePort, CmResourceTypeInterrupt, CmResourceTypeMemory, CmResourceTypeDma, CmResourceShareDeviceExclusive, CmResourceShareShared, CM_RESOURCE_PORT_IO, CM_RESOURCE_INTERRUPT_LATCHED, CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE, CM_RESOURCE_DMA_8, CM_RESOURCE_DMA_16, type CM_RESOURCE_LIST, type CM_FULL_RESOURCE_DESCRIPTOR, type CM_PARTIAL_RESOURCE_LIST, type CM_PARTIAL_RESOURCE_DESCRIPTOR, type DeviceResources } from "./kernel/resources.ts";

// the application side and the I/O manager: IRPs with their buffers, StartIo queues, cancellation
export { IoMarkIrpPending, IoSetCancelRoutine, IoAcquireCancelSpinLock, IoReleaseCancelSpinLock, IoCancelIrp, IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_CLEANUP, type DRIVER_CANCEL } from "./kernel/irp.ts";
export { CTL_CODE, DO_BUFFERED_IO, DO_DIRECT_IO, METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_OUT_DIRECT, METHOD_NEITHER, FILE_ANY_ACCESS, FILE_READ_ACCESS, FILE_WRITE_ACCESS, FILE_DEVICE_UNKNOWN, ioCreate, ioClose, ioRead, ioWrite, ioControl, ioCancel, type FILE_OBJECT, type IoRequest, type IoResult } from "./kernel/io-manager.ts";
export { IoStartPacket, IoStartNextPacket, queuedPackets, type DRIVER_STARTIO } from "./kernel/start-io.ts";
export { Application, IoHangError, STATUS_TIMEOUT, STATUS_OBJECT_NAME_NOT_FOUND, type UserBuffer, type HANDLE, type Overlapped } from "./app/application.ts";

// findings as typed data
export { FINDING_CODES, isFindingCode, type FindingCode } from "./core/finding-codes.ts";
export { paramsOf } from "./core/findings.ts";
export { verifierOf, type VerifierView, type VerifierStop } from "./verifier/registry.ts";
export { bugCheckText } from "./core/bugcheck.ts";

// types the routines above take or return (callback signatures, out-parameters, results)
export type { TransferEvent } from "./hal/observer.ts";
export type { ListOut } from "./hal/scatter-gather-ex.ts";
export type { FrameBitmaps } from "./kernel/page-frames.ts";
export type { UptimeControl } from "./kernel/workload.ts";
export type { NicRunOutcome } from "./scenarios/nic.ts";
export type { NicBug, NicTxRecord } from "./scenarios/nic-device.ts";
export type { EVT_WDF_DRIVER_DEVICE_ADD, EVT_WDF_DRIVER_UNLOAD } from "./wdf/driver.ts";
export type { EVT_WDF_OBJECT_CONTEXT_CLEANUP, EVT_WDF_OBJECT_CONTEXT_DESTROY } from "./wdf/object.ts";
export type { EVT_WDF_INTERRUPT_ISR, EVT_WDF_INTERRUPT_DPC, EVT_WDF_INTERRUPT_ENABLE, EVT_WDF_INTERRUPT_SYNCHRONIZE } from "./wdf/interrupt.ts";
export type {
  PnpDevice, PnpDeviceInit,
  EVT_WDF_DEVICE_PREPARE_HARDWARE, EVT_WDF_DEVICE_RELEASE_HARDWARE, EVT_WDF_DEVICE_D0_ENTRY, EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED,
  EVT_WDF_DEVICE_D0_EXIT, EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED, EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT, EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND, EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH, EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP,
  EVT_WDF_DEVICE_QUERY_STOP, EVT_WDF_DEVICE_QUERY_REMOVE, EVT_WDF_DEVICE_SURPRISE_REMOVAL,
} from "./wdf/pnp-power.ts";
export type {
  EVT_WDF_IO_QUEUE_IO_DEFAULT, EVT_WDF_IO_QUEUE_IO_READ, EVT_WDF_IO_QUEUE_IO_WRITE, EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL,
  EVT_WDF_IO_QUEUE_IO_STOP, EVT_WDF_IO_QUEUE_IO_RESUME, EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE, EVT_WDF_IO_QUEUE_STATE,
} from "./wdf/queue.ts";
export type { EVT_WDF_REQUEST_CANCEL } from "./wdf/request.ts";
export { nicPnpScenario, nicPnpNoIoStopScenario, nicPnpD0ExitLeavesDmaScenario, nicPnpParams, NIC_PNP_DEFAULTS, type NicPnpParams, type NicPnpOutcome } from "./scenarios/nic-pnp.ts";
export { MAX_NESTED_RUNS } from "./machine/clock.ts";
export { UptimeInterruptedError } from "./kernel/workload.ts";
