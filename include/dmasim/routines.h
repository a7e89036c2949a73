/*
 * The kernel routines dmasim provides, with their documented prototypes
 * (WDK reference pages). Each is a WebAssembly import from module "dmasim"
 * that the host implements on the simulated machine; the host's import
 * table and this list are checked against each other by a test.
 */
#ifndef DMASIM_ROUTINES_H
#define DMASIM_ROUTINES_H

DMASIM_BEGIN_C

/* ---- I/O manager ---- */
DMASIM_IMPORT(IoCreateDevice) NTSTATUS IoCreateDevice(_In_ PDRIVER_OBJECT DriverObject, _In_ ULONG DeviceExtensionSize, _In_opt_ PUNICODE_STRING DeviceName, _In_ DEVICE_TYPE DeviceType, _In_ ULONG DeviceCharacteristics, _In_ BOOLEAN Exclusive, _Out_ PDEVICE_OBJECT *DeviceObject);
DMASIM_IMPORT(IoDeleteDevice) VOID IoDeleteDevice(_In_ PDEVICE_OBJECT DeviceObject);
DMASIM_IMPORT(IoAttachDeviceToDeviceStack) PDEVICE_OBJECT IoAttachDeviceToDeviceStack(_In_ PDEVICE_OBJECT SourceDevice, _In_ PDEVICE_OBJECT TargetDevice);
DMASIM_IMPORT(IoDetachDevice) VOID IoDetachDevice(_In_ PDEVICE_OBJECT TargetDevice);
DMASIM_IMPORT(IofCallDriver) NTSTATUS IofCallDriver(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp);
DMASIM_IMPORT(IofCompleteRequest) VOID IofCompleteRequest(_In_ PIRP Irp, _In_ CCHAR PriorityBoost);
DMASIM_IMPORT(IoForwardIrpSynchronously) BOOLEAN IoForwardIrpSynchronously(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp);
DMASIM_IMPORT(IoGetDmaAdapter) PDMA_ADAPTER IoGetDmaAdapter(_In_opt_ PDEVICE_OBJECT PhysicalDeviceObject, _In_ PDEVICE_DESCRIPTION DeviceDescription, _Out_ PULONG NumberOfMapRegisters);
DMASIM_IMPORT(IoAllocateMdl) PMDL IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length, _In_ BOOLEAN SecondaryBuffer, _In_ BOOLEAN ChargeQuota, _Inout_opt_ PIRP Irp);
DMASIM_IMPORT(IoFreeMdl) VOID IoFreeMdl(_In_ PMDL Mdl);
DMASIM_IMPORT(IoAcquireCancelSpinLock) VOID IoAcquireCancelSpinLock(_Out_ PKIRQL Irql);
DMASIM_IMPORT(IoReleaseCancelSpinLock) VOID IoReleaseCancelSpinLock(_In_ KIRQL Irql);
DMASIM_IMPORT(IoConnectInterrupt) NTSTATUS IoConnectInterrupt(_Out_ PKINTERRUPT *InterruptObject, _In_ PKSERVICE_ROUTINE ServiceRoutine, _In_opt_ PVOID ServiceContext, _In_opt_ PKSPIN_LOCK SpinLock, _In_ ULONG Vector, _In_ KIRQL Irql, _In_ KIRQL SynchronizeIrql, _In_ KINTERRUPT_MODE InterruptMode, _In_ BOOLEAN ShareVector, _In_ KAFFINITY ProcessorEnableMask, _In_ BOOLEAN FloatingSave);
DMASIM_IMPORT(IoDisconnectInterrupt) VOID IoDisconnectInterrupt(_In_ PKINTERRUPT InterruptObject);

/* ---- Kernel: IRQL, DPCs, timers, events, spin locks, time ---- */
DMASIM_IMPORT(KeGetCurrentIrql) KIRQL KeGetCurrentIrql(VOID);
DMASIM_IMPORT(KfRaiseIrql) KIRQL KfRaiseIrql(_In_ KIRQL NewIrql);
DMASIM_IMPORT(KeLowerIrql) VOID KeLowerIrql(_In_ KIRQL NewIrql);
DMASIM_IMPORT(KeRaiseIrqlToDpcLevel) KIRQL KeRaiseIrqlToDpcLevel(VOID);
DMASIM_IMPORT(KeInitializeDpc) VOID KeInitializeDpc(_Out_ PRKDPC Dpc, _In_ PKDEFERRED_ROUTINE DeferredRoutine, _In_opt_ PVOID DeferredContext);
DMASIM_IMPORT(KeInsertQueueDpc) BOOLEAN KeInsertQueueDpc(_Inout_ PRKDPC Dpc, _In_opt_ PVOID SystemArgument1, _In_opt_ PVOID SystemArgument2);
DMASIM_IMPORT(KeRemoveQueueDpc) BOOLEAN KeRemoveQueueDpc(_Inout_ PRKDPC Dpc);
DMASIM_IMPORT(KeInitializeTimer) VOID KeInitializeTimer(_Out_ PKTIMER Timer);
DMASIM_IMPORT(KeSetTimer) BOOLEAN KeSetTimer(_Inout_ PKTIMER Timer, _In_ LARGE_INTEGER DueTime, _In_opt_ PKDPC Dpc);
DMASIM_IMPORT(KeCancelTimer) BOOLEAN KeCancelTimer(_Inout_ PKTIMER Timer);
DMASIM_IMPORT(KeReadStateTimer) BOOLEAN KeReadStateTimer(_In_ PKTIMER Timer);
DMASIM_IMPORT(KeInitializeEvent) VOID KeInitializeEvent(_Out_ PRKEVENT Event, _In_ EVENT_TYPE Type, _In_ BOOLEAN State);
DMASIM_IMPORT(KeSetEvent) LONG KeSetEvent(_Inout_ PRKEVENT Event, _In_ KPRIORITY Increment, _In_ BOOLEAN Wait);
DMASIM_IMPORT(KeClearEvent) VOID KeClearEvent(_Inout_ PRKEVENT Event);
DMASIM_IMPORT(KeResetEvent) LONG KeResetEvent(_Inout_ PRKEVENT Event);
DMASIM_IMPORT(KeReadStateEvent) LONG KeReadStateEvent(_In_ PRKEVENT Event);
DMASIM_IMPORT(KeWaitForSingleObject) NTSTATUS KeWaitForSingleObject(_In_ PVOID Object, _In_ KWAIT_REASON WaitReason, _In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable, _In_opt_ PLARGE_INTEGER Timeout);
DMASIM_IMPORT(KeAcquireSpinLockRaiseToDpc) KIRQL KeAcquireSpinLockRaiseToDpc(_Inout_ PKSPIN_LOCK SpinLock);
DMASIM_IMPORT(KeReleaseSpinLock) VOID KeReleaseSpinLock(_Inout_ PKSPIN_LOCK SpinLock, _In_ KIRQL NewIrql);
DMASIM_IMPORT(KeAcquireSpinLockAtDpcLevel) VOID KeAcquireSpinLockAtDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);
DMASIM_IMPORT(KeReleaseSpinLockFromDpcLevel) VOID KeReleaseSpinLockFromDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);
DMASIM_IMPORT(KeSynchronizeExecution) BOOLEAN KeSynchronizeExecution(_Inout_ PKINTERRUPT Interrupt, _In_ PKSYNCHRONIZE_ROUTINE SynchronizeRoutine, _In_opt_ PVOID SynchronizeContext);
DMASIM_IMPORT(KeStallExecutionProcessor) VOID KeStallExecutionProcessor(_In_ ULONG MicroSeconds);
DMASIM_IMPORT(KeDelayExecutionThread) NTSTATUS KeDelayExecutionThread(_In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable, _In_ PLARGE_INTEGER Interval);
DMASIM_IMPORT(KeQueryInterruptTime) ULONGLONG KeQueryInterruptTime(VOID);
DMASIM_IMPORT(KeQuerySystemTimePrecise) VOID KeQuerySystemTimePrecise(_Out_ PLARGE_INTEGER CurrentTime);
DMASIM_IMPORT(KeQueryPerformanceCounter) LARGE_INTEGER KeQueryPerformanceCounter(_Out_opt_ PLARGE_INTEGER PerformanceFrequency);
DMASIM_IMPORT(KeFlushIoBuffers) VOID KeFlushIoBuffers(_In_ PMDL Mdl, _In_ BOOLEAN ReadOperation, _In_ BOOLEAN DmaOperation);
DMASIM_IMPORT(KeBugCheckEx) DECLSPEC_NORETURN VOID KeBugCheckEx(_In_ ULONG BugCheckCode, _In_ ULONG_PTR BugCheckParameter1, _In_ ULONG_PTR BugCheckParameter2, _In_ ULONG_PTR BugCheckParameter3, _In_ ULONG_PTR BugCheckParameter4);

/* ---- HAL (legacy entry points; DMA_OPERATIONS holds the rest) ---- */
DMASIM_IMPORT(HalAllocateCommonBuffer) PVOID HalAllocateCommonBuffer(_In_ PDMA_ADAPTER AdapterObject, _In_ ULONG Length, _Out_ PPHYSICAL_ADDRESS LogicalAddress, _In_ BOOLEAN CacheEnabled);
DMASIM_IMPORT(HalFreeCommonBuffer) VOID HalFreeCommonBuffer(_In_ PDMA_ADAPTER AdapterObject, _In_ ULONG Length, _In_ PHYSICAL_ADDRESS LogicalAddress, _In_ PVOID VirtualAddress, _In_ BOOLEAN CacheEnabled);

/* ---- Memory manager and pool ---- */
DMASIM_IMPORT(MmBuildMdlForNonPagedPool) VOID MmBuildMdlForNonPagedPool(_Inout_ PMDL MemoryDescriptorList);
DMASIM_IMPORT(MmMapLockedPagesSpecifyCache) PVOID MmMapLockedPagesSpecifyCache(_Inout_ PMDL MemoryDescriptorList, _In_ KPROCESSOR_MODE AccessMode, _In_ MEMORY_CACHING_TYPE CacheType, _In_opt_ PVOID RequestedAddress, _In_ ULONG BugCheckOnFailure, _In_ ULONG Priority);
DMASIM_IMPORT(MmGetPhysicalAddress) PHYSICAL_ADDRESS MmGetPhysicalAddress(_In_ PVOID BaseAddress);
DMASIM_IMPORT(MmMapIoSpace) PVOID MmMapIoSpace(_In_ PHYSICAL_ADDRESS PhysicalAddress, _In_ SIZE_T NumberOfBytes, _In_ MEMORY_CACHING_TYPE CacheType);
DMASIM_IMPORT(MmMapIoSpaceEx) PVOID MmMapIoSpaceEx(_In_ PHYSICAL_ADDRESS PhysicalAddress, _In_ SIZE_T NumberOfBytes, _In_ ULONG Protect);
DMASIM_IMPORT(MmUnmapIoSpace) VOID MmUnmapIoSpace(_In_ PVOID BaseAddress, _In_ SIZE_T NumberOfBytes);
DMASIM_IMPORT(MmGetSystemRoutineAddress) PVOID MmGetSystemRoutineAddress(_In_ PUNICODE_STRING SystemRoutineName);
DMASIM_IMPORT(MmAllocateContiguousMemory) PVOID MmAllocateContiguousMemory(_In_ SIZE_T NumberOfBytes, _In_ PHYSICAL_ADDRESS HighestAcceptableAddress);
DMASIM_IMPORT(MmAllocateContiguousMemorySpecifyCache) PVOID MmAllocateContiguousMemorySpecifyCache(_In_ SIZE_T NumberOfBytes, _In_ PHYSICAL_ADDRESS LowestAcceptableAddress, _In_ PHYSICAL_ADDRESS HighestAcceptableAddress, _In_opt_ PHYSICAL_ADDRESS BoundaryAddressMultiple, _In_ MEMORY_CACHING_TYPE CacheType);
DMASIM_IMPORT(MmFreeContiguousMemory) VOID MmFreeContiguousMemory(_In_ PVOID BaseAddress);
DMASIM_IMPORT(MmFreeContiguousMemorySpecifyCache) VOID MmFreeContiguousMemorySpecifyCache(_In_ PVOID BaseAddress, _In_ SIZE_T NumberOfBytes, _In_ MEMORY_CACHING_TYPE CacheType);
DMASIM_IMPORT(ExAllocatePoolWithTag) PVOID ExAllocatePoolWithTag(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);
DMASIM_IMPORT(ExAllocatePool2) PVOID ExAllocatePool2(_In_ ULONG64 Flags, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);
DMASIM_IMPORT(ExFreePoolWithTag) VOID ExFreePoolWithTag(_In_ PVOID P, _In_ ULONG Tag);
DMASIM_IMPORT(ExFreePool) VOID ExFreePool(_In_ PVOID P);

/* ---- I/O ports (READ_REGISTER_* / WRITE_REGISTER_* are loads and stores: dmasim/inline.h) ---- */
DMASIM_IMPORT(READ_PORT_UCHAR) UCHAR READ_PORT_UCHAR(_In_ PUCHAR Port);
DMASIM_IMPORT(READ_PORT_USHORT) USHORT READ_PORT_USHORT(_In_ PUSHORT Port);
DMASIM_IMPORT(READ_PORT_ULONG) ULONG READ_PORT_ULONG(_In_ PULONG Port);
DMASIM_IMPORT(WRITE_PORT_UCHAR) VOID WRITE_PORT_UCHAR(_In_ PUCHAR Port, _In_ UCHAR Value);
DMASIM_IMPORT(WRITE_PORT_USHORT) VOID WRITE_PORT_USHORT(_In_ PUSHORT Port, _In_ USHORT Value);
DMASIM_IMPORT(WRITE_PORT_ULONG) VOID WRITE_PORT_ULONG(_In_ PULONG Port, _In_ ULONG Value);

/* ---- Run-time library, debugging and tracing ---- */
DMASIM_IMPORT(RtlAssert) VOID RtlAssert(_In_ PVOID VoidFailedAssertion, _In_ PVOID VoidFileName, _In_ ULONG LineNumber, _In_opt_ PSTR MutableMessage);
DMASIM_IMPORT(DbgPrint) ULONG DbgPrint(_In_z_ _Printf_format_string_ PCSTR Format, ...);
DMASIM_IMPORT(DbgPrintEx) ULONG DbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ _Printf_format_string_ PCSTR Format, ...);
DMASIM_IMPORT(DbgBreakPoint) VOID DbgBreakPoint(VOID);

/* ---- dmasim's own: bulk copies for the C runtime, WPP trace messages ---- */
/* memcpy/memmove/memset call these for long runs that touch simulated memory: one CPU-path access per run. */
DMASIM_IMPORT(DmasimCopyMemory) VOID DmasimCopyMemory(PVOID Destination, const VOID *Source, SIZE_T Length);
DMASIM_IMPORT(DmasimFillMemory) VOID DmasimFillMemory(PVOID Destination, SIZE_T Length, UCHAR Fill);
/* One WPP message: the host formats it (%!STATUS!, %!FUNC!, %I64X, %p, ...) into the run's trace. */
DMASIM_IMPORT(DmasimWppTrace) VOID DmasimWppTrace(PCSTR File, ULONG Line, PCSTR Function, ULONG Level, PCSTR Flags, PCSTR Format, ...);

/*
 * Routines of the WDK that dmasim does not provide. They are declared (so a
 * driver calling one compiles) but not imported: the link fails naming the
 * routine, which is the point.
 */
NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName);
NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName);
NTSTATUS IoRegisterDeviceInterface(PDEVICE_OBJECT PhysicalDeviceObject, const GUID *InterfaceClassGuid, PUNICODE_STRING ReferenceString, PUNICODE_STRING SymbolicLinkName);
NTSTATUS IoSetDeviceInterfaceState(PUNICODE_STRING SymbolicLinkName, BOOLEAN Enable);
NTSTATUS PoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
VOID PoStartNextPowerIrp(PIRP Irp);
VOID IoStartPacket(PDEVICE_OBJECT DeviceObject, PIRP Irp, PULONG Key, PDRIVER_CANCEL CancelFunction);
VOID IoStartNextPacket(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable);
PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota);
VOID IoFreeIrp(PIRP Irp);
NTSTATUS IoWMIRegistrationControl(PDEVICE_OBJECT DeviceObject, ULONG Action);
NTSTATUS ZwClose(HANDLE Handle);

DMASIM_END_C

#endif /* DMASIM_ROUTINES_H */
