/*
 * KMDF on dmasim. The structures and callback types are in
 * <dmasim/generated.h> (from the one layout table, src/cdriver/layout);
 * this file has the documented INIT helpers, the context-type macros and
 * the framework routines. Each routine is a WebAssembly import from module
 * "dmasim" named after it (a driver calls WdfDeviceCreate directly; the
 * WDK's WdfFunctions table has no use on wasm32), implemented by the host
 * on dmasim's framework (src/wdf/). A routine dmasim lacks is not declared
 * here: the compiler names it.
 */
#ifndef DMASIM_WDF_INNER_H
#define DMASIM_WDF_INNER_H
#include <wdm.h>

DMASIM_BEGIN_C

/* The framework version these headers describe (the newest layout of every structure). */
#ifndef KMDF_VERSION_MAJOR
#define KMDF_VERSION_MAJOR 1
#endif
#ifndef KMDF_VERSION_MINOR
#define KMDF_VERSION_MINOR 33
#endif

/* The version the driver binds to (what WdfVersionBind tells the framework on Windows): passed to WdfDriverCreate. */
#define DMASIM_KMDF_BIND_VERSION (((ULONG)KMDF_VERSION_MAJOR << 16) | (ULONG)KMDF_VERSION_MINOR)
/* Before KMDF 1.11 two structures ended earlier: their INIT helpers set the size of that version's layout. */
#if KMDF_VERSION_MAJOR == 1 && KMDF_VERSION_MINOR < 11
#define DMASIM_WDF_PNPPOWER_EVENT_CALLBACKS_SIZE ((ULONG)FIELD_OFFSET(WDF_PNPPOWER_EVENT_CALLBACKS, EvtDeviceUsageNotificationEx))
#define DMASIM_WDF_DMA_ENABLER_CONFIG_SIZE ((ULONG)FIELD_OFFSET(WDF_DMA_ENABLER_CONFIG, AddressWidthOverride))
#else
#define DMASIM_WDF_PNPPOWER_EVENT_CALLBACKS_SIZE ((ULONG)sizeof(WDF_PNPPOWER_EVENT_CALLBACKS))
#define DMASIM_WDF_DMA_ENABLER_CONFIG_SIZE ((ULONG)sizeof(WDF_DMA_ENABLER_CONFIG))
#endif

#define WDF_NO_OBJECT_ATTRIBUTES NULL
#define WDF_NO_EVENT_CALLBACK NULL
#define WDF_NO_HANDLE NULL
#define WDF_NO_CONTEXT NULL
#define WDF_NO_SEND_OPTIONS NULL
#define WDF_DRIVER_GLOBALS_NAME_LEN 32
#define WdfDriverInitNonPnpDriver 0x00000001
#define WdfDriverInitNoDispatchOverride 0x00000002
#define WDF_DMA_ENABLER_CONFIG_FLAG_REQUIRE_SINGLE_TRANSFER 0x00000001
#define IdleTimeoutDefaultValue 0

/* ---- Time: relative timeouts are negative, in 100 ns units ---- */
#define WDF_TIMEOUT_TO_SEC ((LONGLONG)1 * 10 * 1000 * 1000)
#define WDF_TIMEOUT_TO_MS ((LONGLONG)1 * 10 * 1000)
#define WDF_TIMEOUT_TO_US ((LONGLONG)1 * 10)
FORCEINLINE LONGLONG WDF_REL_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * -WDF_TIMEOUT_TO_SEC; }
FORCEINLINE LONGLONG WDF_ABS_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * WDF_TIMEOUT_TO_SEC; }
FORCEINLINE LONGLONG WDF_REL_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * -WDF_TIMEOUT_TO_MS; }
FORCEINLINE LONGLONG WDF_ABS_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * WDF_TIMEOUT_TO_MS; }
FORCEINLINE LONGLONG WDF_REL_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * -WDF_TIMEOUT_TO_US; }
FORCEINLINE LONGLONG WDF_ABS_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * WDF_TIMEOUT_TO_US; }

/* ---- Object attributes and context types ---- */
FORCEINLINE VOID WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES Attributes) {
    RtlZeroMemory(Attributes, sizeof(WDF_OBJECT_ATTRIBUTES));
    Attributes->Size = sizeof(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

/* The declaration of a context type: one (merged) WDF_OBJECT_CONTEXT_TYPE_INFO per type, whose address identifies it. */
#define WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype) _WDF_##_contexttype##_TYPE_INFO
#define WDF_GET_CONTEXT_TYPE_INFO(_contexttype) (&WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype))
#define WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, _castingfunction) \
    DECLSPEC_SELECTANY const WDF_OBJECT_CONTEXT_TYPE_INFO WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype) = { \
        sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), #_contexttype, sizeof(_contexttype), \
        &WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype), NULL }; \
    FORCEINLINE _contexttype *_castingfunction(WDFOBJECT Handle) { \
        return (_contexttype *)WdfObjectGetTypedContextWorker(Handle, WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType); \
    }
#define WDF_DECLARE_CONTEXT_TYPE(_contexttype) WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, WdfObjectGet_##_contexttype)
#define WdfObjectGetTypedContext(handle, type) \
    ((type *)WdfObjectGetTypedContextWorker((WDFOBJECT)(handle), WDF_GET_CONTEXT_TYPE_INFO(type)->UniqueType))
#define WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype) \
    ((_attributes)->ContextTypeInfo = WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType)
#define WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(_attributes, _contexttype) \
    (WDF_OBJECT_ATTRIBUTES_INIT(_attributes), WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype))

/* ---- Configuration structures: zero, Size, then the documented defaults ---- */
FORCEINLINE VOID WDF_DRIVER_CONFIG_INIT(PWDF_DRIVER_CONFIG Config, PFN_EVT_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd) {
    RtlZeroMemory(Config, sizeof(WDF_DRIVER_CONFIG));
    Config->Size = sizeof(WDF_DRIVER_CONFIG);
    Config->EvtDriverDeviceAdd = EvtDriverDeviceAdd;
}

FORCEINLINE VOID WDF_PNPPOWER_EVENT_CALLBACKS_INIT(PWDF_PNPPOWER_EVENT_CALLBACKS Callbacks) {
    RtlZeroMemory(Callbacks, sizeof(WDF_PNPPOWER_EVENT_CALLBACKS));
    Callbacks->Size = DMASIM_WDF_PNPPOWER_EVENT_CALLBACKS_SIZE;
}

FORCEINLINE VOID WDF_IO_QUEUE_CONFIG_INIT(PWDF_IO_QUEUE_CONFIG Config, WDF_IO_QUEUE_DISPATCH_TYPE DispatchType) {
    RtlZeroMemory(Config, sizeof(WDF_IO_QUEUE_CONFIG));
    Config->Size = sizeof(WDF_IO_QUEUE_CONFIG);
    Config->PowerManaged = WdfUseDefault;
    Config->DispatchType = DispatchType;
    if (Config->DispatchType == WdfIoQueueDispatchParallel) Config->Settings.Parallel.NumberOfPresentedRequests = (ULONG)-1;
}

FORCEINLINE VOID WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(PWDF_IO_QUEUE_CONFIG Config, WDF_IO_QUEUE_DISPATCH_TYPE DispatchType) {
    WDF_IO_QUEUE_CONFIG_INIT(Config, DispatchType);
    Config->DefaultQueue = TRUE;
}

FORCEINLINE VOID WDF_INTERRUPT_CONFIG_INIT(PWDF_INTERRUPT_CONFIG Configuration, PFN_EVT_WDF_INTERRUPT_ISR EvtInterruptIsr, PFN_EVT_WDF_INTERRUPT_DPC EvtInterruptDpc) {
    RtlZeroMemory(Configuration, sizeof(WDF_INTERRUPT_CONFIG));
    Configuration->Size = sizeof(WDF_INTERRUPT_CONFIG);
    Configuration->ShareVector = WdfUseDefault;
    Configuration->EvtInterruptIsr = EvtInterruptIsr;
    Configuration->EvtInterruptDpc = EvtInterruptDpc;
    Configuration->ReportInactiveOnPowerDown = WdfUseDefault;
}

FORCEINLINE VOID WDF_DMA_ENABLER_CONFIG_INIT(PWDF_DMA_ENABLER_CONFIG Config, WDF_DMA_PROFILE Profile, SIZE_T MaximumLength) {
    RtlZeroMemory(Config, sizeof(WDF_DMA_ENABLER_CONFIG));
    Config->Size = DMASIM_WDF_DMA_ENABLER_CONFIG_SIZE;
    Config->Profile = Profile;
    Config->MaximumLength = MaximumLength;
}

FORCEINLINE VOID WDF_COMMON_BUFFER_CONFIG_INIT(PWDF_COMMON_BUFFER_CONFIG Config, ULONG AlignmentRequirement) {
    RtlZeroMemory(Config, sizeof(WDF_COMMON_BUFFER_CONFIG));
    Config->Size = sizeof(WDF_COMMON_BUFFER_CONFIG);
    Config->AlignmentRequirement = AlignmentRequirement;
}

FORCEINLINE VOID WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS_INIT(PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS Settings, WDF_POWER_POLICY_S0_IDLE_CAPABILITIES IdleCaps) {
    RtlZeroMemory(Settings, sizeof(WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS));
    Settings->Size = sizeof(WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS);
    Settings->IdleTimeout = IdleTimeoutDefaultValue;
    Settings->UserControlOfIdleSettings = IdleAllowUserControl;
    Settings->Enabled = WdfUseDefault;
    Settings->PowerUpIdleDeviceOnSystemWake = WdfUseDefault;
    Settings->IdleTimeoutType = DriverManagedIdleTimeout;
    Settings->ExcludeD3Cold = WdfUseDefault;
    Settings->IdleCaps = IdleCaps;
    /* Cannot wake from S0: idle in D3; otherwise the deepest state the device can wake from. */
    Settings->DxState = IdleCaps == IdleCannotWakeFromS0 ? PowerDeviceD3 : PowerDeviceMaximum;
}

FORCEINLINE VOID WDF_DEVICE_POWER_POLICY_WAKE_SETTINGS_INIT(PWDF_DEVICE_POWER_POLICY_WAKE_SETTINGS Settings) {
    RtlZeroMemory(Settings, sizeof(WDF_DEVICE_POWER_POLICY_WAKE_SETTINGS));
    Settings->Size = sizeof(WDF_DEVICE_POWER_POLICY_WAKE_SETTINGS);
    Settings->Enabled = WdfUseDefault;
    Settings->DxState = PowerDeviceMaximum;
    Settings->UserControlOfWakeSettings = WakeAllowUserControl;
}

/* ---- Objects ---- */
DMASIM_IMPORT(WdfObjectGetTypedContextWorker) PVOID WdfObjectGetTypedContextWorker(_In_ WDFOBJECT Handle, _In_ PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo);
DMASIM_IMPORT(WdfObjectAllocateContext) NTSTATUS WdfObjectAllocateContext(_In_ WDFOBJECT Handle, _In_ PWDF_OBJECT_ATTRIBUTES ContextAttributes, _Outptr_opt_ PVOID *Context);
DMASIM_IMPORT(WdfObjectDelete) VOID WdfObjectDelete(_In_ WDFOBJECT Object);

/* ---- Driver ---- */
DMASIM_IMPORT(DmasimWdfDriverCreate) NTSTATUS DmasimWdfDriverCreate(_In_ ULONG BindVersion, _In_ PDRIVER_OBJECT DriverObject, _In_ PCUNICODE_STRING RegistryPath, _In_opt_ PWDF_OBJECT_ATTRIBUTES DriverAttributes, _In_ PWDF_DRIVER_CONFIG DriverConfig, _Out_opt_ WDFDRIVER *Driver);
/* As in the WDK, an inline routine: here it tells the framework the version the driver was built for. */
FORCEINLINE NTSTATUS WdfDriverCreate(_In_ PDRIVER_OBJECT DriverObject, _In_ PCUNICODE_STRING RegistryPath, _In_opt_ PWDF_OBJECT_ATTRIBUTES DriverAttributes, _In_ PWDF_DRIVER_CONFIG DriverConfig, _Out_opt_ WDFDRIVER *Driver) {
    return DmasimWdfDriverCreate(DMASIM_KMDF_BIND_VERSION, DriverObject, RegistryPath, DriverAttributes, DriverConfig, Driver);
}
DMASIM_IMPORT(WdfDriverWdmGetDriverObject) PDRIVER_OBJECT WdfDriverWdmGetDriverObject(_In_ WDFDRIVER Driver);
DMASIM_IMPORT(WdfGetDriver) WDFDRIVER WdfGetDriver(VOID);

/* ---- Device ---- */
DMASIM_IMPORT(WdfDeviceInitSetIoType) VOID WdfDeviceInitSetIoType(_In_ PWDFDEVICE_INIT DeviceInit, _In_ WDF_DEVICE_IO_TYPE IoType);
DMASIM_IMPORT(WdfDeviceInitSetPnpPowerEventCallbacks) VOID WdfDeviceInitSetPnpPowerEventCallbacks(_In_ PWDFDEVICE_INIT DeviceInit, _In_ PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks);
DMASIM_IMPORT(WdfDeviceCreate) NTSTATUS WdfDeviceCreate(_Inout_ PWDFDEVICE_INIT *DeviceInit, _In_opt_ PWDF_OBJECT_ATTRIBUTES DeviceAttributes, _Out_ WDFDEVICE *Device);
DMASIM_IMPORT(WdfDeviceWdmGetDeviceObject) PDEVICE_OBJECT WdfDeviceWdmGetDeviceObject(_In_ WDFDEVICE Device);
DMASIM_IMPORT(WdfDeviceWdmGetPhysicalDevice) PDEVICE_OBJECT WdfDeviceWdmGetPhysicalDevice(_In_ WDFDEVICE Device);
DMASIM_IMPORT(WdfDeviceCreateDeviceInterface) NTSTATUS WdfDeviceCreateDeviceInterface(_In_ WDFDEVICE Device, _In_ const GUID *InterfaceClassGUID, _In_opt_ PCUNICODE_STRING ReferenceString);
DMASIM_IMPORT(WdfDeviceAssignS0IdleSettings) NTSTATUS WdfDeviceAssignS0IdleSettings(_In_ WDFDEVICE Device, _In_ PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS Settings);
DMASIM_IMPORT(WdfDeviceAssignSxWakeSettings) NTSTATUS WdfDeviceAssignSxWakeSettings(_In_ WDFDEVICE Device, _In_ PWDF_DEVICE_POWER_POLICY_WAKE_SETTINGS Settings);
DMASIM_IMPORT(WdfDeviceConfigureRequestDispatching) NTSTATUS WdfDeviceConfigureRequestDispatching(_In_ WDFDEVICE Device, _In_ WDFQUEUE Queue, _In_ WDF_REQUEST_TYPE RequestType);
DMASIM_IMPORT(WdfDeviceSetAlignmentRequirement) VOID WdfDeviceSetAlignmentRequirement(_In_ WDFDEVICE Device, _In_ ULONG AlignmentRequirement);
DMASIM_IMPORT(WdfDeviceGetAlignmentRequirement) ULONG WdfDeviceGetAlignmentRequirement(_In_ WDFDEVICE Device);
DMASIM_IMPORT(WdfDeviceGetDefaultQueue) WDFQUEUE WdfDeviceGetDefaultQueue(_In_ WDFDEVICE Device);

/* ---- Resources ---- */
DMASIM_IMPORT(WdfCmResourceListGetCount) ULONG WdfCmResourceListGetCount(_In_ WDFCMRESLIST List);
DMASIM_IMPORT(WdfCmResourceListGetDescriptor) PCM_PARTIAL_RESOURCE_DESCRIPTOR WdfCmResourceListGetDescriptor(_In_ WDFCMRESLIST List, _In_ ULONG Index);

/* ---- Queues and requests ---- */
DMASIM_IMPORT(WdfIoQueueCreate) NTSTATUS WdfIoQueueCreate(_In_ WDFDEVICE Device, _In_ PWDF_IO_QUEUE_CONFIG Config, _In_opt_ PWDF_OBJECT_ATTRIBUTES QueueAttributes, _Out_opt_ WDFQUEUE *Queue);
DMASIM_IMPORT(WdfIoQueueGetDevice) WDFDEVICE WdfIoQueueGetDevice(_In_ WDFQUEUE Queue);
DMASIM_IMPORT(WdfIoQueueStart) VOID WdfIoQueueStart(_In_ WDFQUEUE Queue);
DMASIM_IMPORT(WdfIoQueueStopSynchronously) VOID WdfIoQueueStopSynchronously(_In_ WDFQUEUE Queue);
DMASIM_IMPORT(WdfIoQueuePurgeSynchronously) VOID WdfIoQueuePurgeSynchronously(_In_ WDFQUEUE Queue);
DMASIM_IMPORT(WdfRequestComplete) VOID WdfRequestComplete(_In_ WDFREQUEST Request, _In_ NTSTATUS Status);
DMASIM_IMPORT(WdfRequestCompleteWithInformation) VOID WdfRequestCompleteWithInformation(_In_ WDFREQUEST Request, _In_ NTSTATUS Status, _In_ ULONG_PTR Information);
DMASIM_IMPORT(WdfRequestSetInformation) VOID WdfRequestSetInformation(_In_ WDFREQUEST Request, _In_ ULONG_PTR Information);
DMASIM_IMPORT(WdfRequestGetInformation) ULONG_PTR WdfRequestGetInformation(_In_ WDFREQUEST Request);
DMASIM_IMPORT(WdfRequestGetStatus) NTSTATUS WdfRequestGetStatus(_In_ WDFREQUEST Request);
DMASIM_IMPORT(WdfRequestRetrieveInputBuffer) NTSTATUS WdfRequestRetrieveInputBuffer(_In_ WDFREQUEST Request, _In_ SIZE_T MinimumRequiredLength, _Outptr_ PVOID *Buffer, _Out_opt_ SIZE_T *Length);
DMASIM_IMPORT(WdfRequestRetrieveOutputBuffer) NTSTATUS WdfRequestRetrieveOutputBuffer(_In_ WDFREQUEST Request, _In_ SIZE_T MinimumRequiredSize, _Outptr_ PVOID *Buffer, _Out_opt_ SIZE_T *Length);
DMASIM_IMPORT(WdfRequestRetrieveInputWdmMdl) NTSTATUS WdfRequestRetrieveInputWdmMdl(_In_ WDFREQUEST Request, _Outptr_ PMDL *Mdl);
DMASIM_IMPORT(WdfRequestRetrieveOutputWdmMdl) NTSTATUS WdfRequestRetrieveOutputWdmMdl(_In_ WDFREQUEST Request, _Outptr_ PMDL *Mdl);

/* ---- Interrupts ---- */
DMASIM_IMPORT(WdfInterruptCreate) NTSTATUS WdfInterruptCreate(_In_ WDFDEVICE Device, _In_ PWDF_INTERRUPT_CONFIG Configuration, _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFINTERRUPT *Interrupt);
DMASIM_IMPORT(WdfInterruptGetDevice) WDFDEVICE WdfInterruptGetDevice(_In_ WDFINTERRUPT Interrupt);
DMASIM_IMPORT(WdfInterruptQueueDpcForIsr) BOOLEAN WdfInterruptQueueDpcForIsr(_In_ WDFINTERRUPT Interrupt);
DMASIM_IMPORT(WdfInterruptAcquireLock) VOID WdfInterruptAcquireLock(_In_ WDFINTERRUPT Interrupt);
DMASIM_IMPORT(WdfInterruptReleaseLock) VOID WdfInterruptReleaseLock(_In_ WDFINTERRUPT Interrupt);
DMASIM_IMPORT(WdfInterruptSynchronize) BOOLEAN WdfInterruptSynchronize(_In_ WDFINTERRUPT Interrupt, _In_ PFN_EVT_WDF_INTERRUPT_SYNCHRONIZE Callback, _In_ WDFCONTEXT Context);

/* ---- DMA: enablers, common buffers, transactions ---- */
DMASIM_IMPORT(WdfDmaEnablerCreate) NTSTATUS WdfDmaEnablerCreate(_In_ WDFDEVICE Device, _In_ PWDF_DMA_ENABLER_CONFIG Config, _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFDMAENABLER *DmaEnablerHandle);
DMASIM_IMPORT(WdfDmaEnablerSetMaximumScatterGatherElements) VOID WdfDmaEnablerSetMaximumScatterGatherElements(_In_ WDFDMAENABLER DmaEnabler, _In_ SIZE_T MaximumFragments);
DMASIM_IMPORT(WdfDmaEnablerGetMaximumScatterGatherElements) SIZE_T WdfDmaEnablerGetMaximumScatterGatherElements(_In_ WDFDMAENABLER DmaEnabler);
DMASIM_IMPORT(WdfDmaEnablerGetMaximumLength) SIZE_T WdfDmaEnablerGetMaximumLength(_In_ WDFDMAENABLER DmaEnabler);
DMASIM_IMPORT(WdfCommonBufferCreate) NTSTATUS WdfCommonBufferCreate(_In_ WDFDMAENABLER DmaEnabler, _In_ SIZE_T Length, _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFCOMMONBUFFER *CommonBuffer);
DMASIM_IMPORT(WdfCommonBufferCreateWithConfig) NTSTATUS WdfCommonBufferCreateWithConfig(_In_ WDFDMAENABLER DmaEnabler, _In_ SIZE_T Length, _In_ PWDF_COMMON_BUFFER_CONFIG Config, _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFCOMMONBUFFER *CommonBuffer);
DMASIM_IMPORT(WdfCommonBufferGetAlignedVirtualAddress) PVOID WdfCommonBufferGetAlignedVirtualAddress(_In_ WDFCOMMONBUFFER CommonBuffer);
DMASIM_IMPORT(WdfCommonBufferGetAlignedLogicalAddress) PHYSICAL_ADDRESS WdfCommonBufferGetAlignedLogicalAddress(_In_ WDFCOMMONBUFFER CommonBuffer);
DMASIM_IMPORT(WdfCommonBufferGetLength) SIZE_T WdfCommonBufferGetLength(_In_ WDFCOMMONBUFFER CommonBuffer);
DMASIM_IMPORT(WdfDmaTransactionCreate) NTSTATUS WdfDmaTransactionCreate(_In_ WDFDMAENABLER DmaEnabler, _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFDMATRANSACTION *DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionInitialize) NTSTATUS WdfDmaTransactionInitialize(_In_ WDFDMATRANSACTION DmaTransaction, _In_ PFN_EVT_WDF_PROGRAM_DMA EvtProgramDmaFunction, _In_ WDF_DMA_DIRECTION DmaDirection, _In_ PMDL Mdl, _In_ PVOID VirtualAddress, _In_ SIZE_T Length);
DMASIM_IMPORT(WdfDmaTransactionInitializeUsingRequest) NTSTATUS WdfDmaTransactionInitializeUsingRequest(_In_ WDFDMATRANSACTION DmaTransaction, _In_ WDFREQUEST Request, _In_ PFN_EVT_WDF_PROGRAM_DMA EvtProgramDmaFunction, _In_ WDF_DMA_DIRECTION DmaDirection);
DMASIM_IMPORT(WdfDmaTransactionExecute) NTSTATUS WdfDmaTransactionExecute(_In_ WDFDMATRANSACTION DmaTransaction, _In_opt_ WDFCONTEXT Context);
DMASIM_IMPORT(WdfDmaTransactionDmaCompleted) BOOLEAN WdfDmaTransactionDmaCompleted(_In_ WDFDMATRANSACTION DmaTransaction, _Out_ NTSTATUS *Status);
DMASIM_IMPORT(WdfDmaTransactionDmaCompletedWithLength) BOOLEAN WdfDmaTransactionDmaCompletedWithLength(_In_ WDFDMATRANSACTION DmaTransaction, _In_ SIZE_T TransferredLength, _Out_ NTSTATUS *Status);
DMASIM_IMPORT(WdfDmaTransactionDmaCompletedFinal) BOOLEAN WdfDmaTransactionDmaCompletedFinal(_In_ WDFDMATRANSACTION DmaTransaction, _In_ SIZE_T FinalTransferredLength, _Out_ NTSTATUS *Status);
DMASIM_IMPORT(WdfDmaTransactionRelease) NTSTATUS WdfDmaTransactionRelease(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionGetBytesTransferred) SIZE_T WdfDmaTransactionGetBytesTransferred(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionGetCurrentDmaTransferLength) SIZE_T WdfDmaTransactionGetCurrentDmaTransferLength(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionGetRequest) WDFREQUEST WdfDmaTransactionGetRequest(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionGetDevice) WDFDEVICE WdfDmaTransactionGetDevice(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionSetMaximumLength) VOID WdfDmaTransactionSetMaximumLength(_In_ WDFDMATRANSACTION DmaTransaction, _In_ SIZE_T MaximumLength);
DMASIM_IMPORT(WdfDmaTransactionSetSingleTransferRequirement) VOID WdfDmaTransactionSetSingleTransferRequirement(_In_ WDFDMATRANSACTION DmaTransaction, _In_ BOOLEAN RequireSingleTransfer);
DMASIM_IMPORT(WdfDmaTransactionInitializeUsingOffset) NTSTATUS WdfDmaTransactionInitializeUsingOffset(_In_ WDFDMATRANSACTION DmaTransaction, _In_ PFN_EVT_WDF_PROGRAM_DMA EvtProgramDmaFunction, _In_ WDF_DMA_DIRECTION DmaDirection, _In_ PMDL Mdl, _In_ SIZE_T Offset, _In_ SIZE_T Length);
DMASIM_IMPORT(WdfDmaTransactionSetImmediateExecution) VOID WdfDmaTransactionSetImmediateExecution(_In_ WDFDMATRANSACTION DmaTransaction, _In_ BOOLEAN UseImmediateExecution);
DMASIM_IMPORT(WdfDmaTransactionCancel) BOOLEAN WdfDmaTransactionCancel(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionWdmGetTransferContext) PVOID WdfDmaTransactionWdmGetTransferContext(_In_ WDFDMATRANSACTION DmaTransaction);
DMASIM_IMPORT(WdfDmaTransactionGetTransferInfo) VOID WdfDmaTransactionGetTransferInfo(_In_ WDFDMATRANSACTION DmaTransaction, _Out_opt_ ULONG *MapRegisterCount, _Out_opt_ ULONG *ScatterGatherElementCount);

/* ---- System-mode DMA (KMDF 1.11): WdfDmaProfileSystem / WdfDmaProfileSystemDuplex enablers ---- */
FORCEINLINE VOID WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT(_Out_ PWDF_DMA_SYSTEM_PROFILE_CONFIG DmaConfig, _In_ PHYSICAL_ADDRESS Address, _In_ DMA_WIDTH DmaWidth, _In_ PCM_PARTIAL_RESOURCE_DESCRIPTOR DmaDescriptor) {
    RtlZeroMemory(DmaConfig, sizeof(WDF_DMA_SYSTEM_PROFILE_CONFIG));
    DmaConfig->Size = sizeof(WDF_DMA_SYSTEM_PROFILE_CONFIG);
    DmaConfig->DeviceAddress = Address;
    DmaConfig->DmaWidth = DmaWidth;
    DmaConfig->DmaDescriptor = DmaDescriptor;
}
DMASIM_IMPORT(WdfDmaEnablerConfigureSystemProfile) NTSTATUS WdfDmaEnablerConfigureSystemProfile(_In_ WDFDMAENABLER DmaEnabler, _In_ PWDF_DMA_SYSTEM_PROFILE_CONFIG ProfileConfig, _In_ WDF_DMA_DIRECTION ConfigDirection);
DMASIM_IMPORT(WdfDmaEnablerGetFragmentLength) SIZE_T WdfDmaEnablerGetFragmentLength(_In_ WDFDMAENABLER DmaEnabler, _In_ WDF_DMA_DIRECTION DmaDirection);
DMASIM_IMPORT(WdfDmaEnablerWdmGetDmaAdapter) PDMA_ADAPTER WdfDmaEnablerWdmGetDmaAdapter(_In_ WDFDMAENABLER DmaEnabler, _In_ WDF_DMA_DIRECTION DmaDirection);
DMASIM_IMPORT(WdfDmaTransactionSetChannelConfigurationCallback) VOID WdfDmaTransactionSetChannelConfigurationCallback(_In_ WDFDMATRANSACTION DmaTransaction, _In_opt_ PFN_EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL ConfigureRoutine, _In_opt_ PVOID ConfigureContext);
DMASIM_IMPORT(WdfDmaTransactionSetTransferCompleteCallback) VOID WdfDmaTransactionSetTransferCompleteCallback(_In_ WDFDMATRANSACTION DmaTransaction, _In_opt_ PFN_EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE DmaCompletionRoutine, _In_opt_ PVOID DmaCompletionContext);
DMASIM_IMPORT(WdfDmaTransactionSetDeviceAddressOffset) VOID WdfDmaTransactionSetDeviceAddressOffset(_In_ WDFDMATRANSACTION DmaTransaction, _In_ ULONG Offset);
DMASIM_IMPORT(WdfDmaTransactionStopSystemTransfer) VOID WdfDmaTransactionStopSystemTransfer(_In_ WDFDMATRANSACTION DmaTransaction);
/* Reserving the channel and map registers (KMDF 1.11, DMA v3, packet and system profiles) */
DMASIM_IMPORT(WdfDmaTransactionAllocateResources) NTSTATUS WdfDmaTransactionAllocateResources(_In_ WDFDMATRANSACTION DmaTransaction, _In_ WDF_DMA_DIRECTION DmaDirection, _In_ ULONG RequiredMapRegisters, _In_ PFN_WDF_RESERVE_DMA EvtReserveDmaFunction, _In_ PVOID EvtReserveDmaContext);
DMASIM_IMPORT(WdfDmaTransactionFreeResources) VOID WdfDmaTransactionFreeResources(_In_ WDFDMATRANSACTION DmaTransaction);

DMASIM_END_C

#endif /* DMASIM_WDF_INNER_H */
