/**
 * The KMDF part of the shared type table: handle types, enums, the config
 * structures with their documented members in the documented order (the
 * newest layout of each; the host maps each structure's wasm32 size back to
 * the KMDF version whose layout it is) and the event callback types. Written
 * from the WDK documentation's pages for each structure, never from a
 * header. Enum values come from dmasim's TypeScript KMDF (src/wdf/), so C and
 * TypeScript drivers see the same constants.
 */
import { WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, WdfDmaProfileInvalid, WdfDmaProfilePacket, WdfDmaProfilePacket64, WdfDmaProfileScatterGather, WdfDmaProfileScatterGather64, WdfDmaProfileScatterGather64Duplex, WdfDmaProfileScatterGatherDuplex, WdfDmaProfileSystem, WdfDmaProfileSystemDuplex } from "../../wdf/dma-enabler.ts";
import { WdfDeviceIoBuffered, WdfDeviceIoDirect, WdfDeviceIoNeither, WdfDeviceIoUndefined } from "../../wdf/driver.ts";
import { WdfExecutionLevelDispatch, WdfExecutionLevelInheritFromParent, WdfExecutionLevelInvalid, WdfExecutionLevelPassive, WdfSynchronizationScopeDevice, WdfSynchronizationScopeInheritFromParent, WdfSynchronizationScopeInvalid, WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue } from "../../wdf/object.ts";
import { WdfPowerDeviceD0, WdfPowerDeviceD1, WdfPowerDeviceD2, WdfPowerDeviceD3, WdfPowerDeviceD3Final, WdfPowerDeviceInvalid, WdfPowerDeviceMaximum, WdfPowerDevicePrepareForHibernation } from "../../wdf/pnp-power.ts";
import { WdfFalse, WdfIoQueueDispatchInvalid, WdfIoQueueDispatchManual, WdfIoQueueDispatchMax, WdfIoQueueDispatchParallel, WdfIoQueueDispatchSequential, WdfTrue, WdfUseDefault } from "../../wdf/queue.ts";
import { WdfRequestTypeClose, WdfRequestTypeCreate, WdfRequestTypeDeviceControl, WdfRequestTypeDeviceControlInternal, WdfRequestTypeRead, WdfRequestTypeWrite } from "../../wdf/request.ts";
import type { Field, FunctionType, TypeTable } from "./ctypes.ts";

function f(type: string, name: string, count?: number): Field {
  return count === undefined ? { name, type } : { name, type, count };
}

/** The framework object handles (each a distinct pointer type, as DECLARE_HANDLE makes them). */
export const WDF_HANDLES = ["WDFDRIVER", "WDFDEVICE", "WDFQUEUE", "WDFREQUEST", "WDFINTERRUPT", "WDFDMAENABLER", "WDFCOMMONBUFFER", "WDFDMATRANSACTION", "WDFCMRESLIST", "WDFSPINLOCK", "WDFWAITLOCK", "WDFTIMER", "WDFMEMORY", "WDFKEY", "WDFSTRING", "WDFFILEOBJECT", "WDFWORKITEM", "WDFDPC", "WDFIOTARGET", "WDFCHILDLIST", "WDFCOLLECTION", "WDFUSBDEVICE", "WDFLOOKASIDE"] as const;

/** Event callbacks the host calls through the driver's function table (PFN_ + name is each one's pointer type unless it names another, as wdfdmatransaction.h's PFN_WDF_RESERVE_DMA). */
const callbacks: FunctionType[] = [
  { name: "EVT_WDF_DRIVER_DEVICE_ADD", result: "NTSTATUS", params: [["WDFDRIVER", "Driver"], ["PWDFDEVICE_INIT", "DeviceInit"]] },
  { name: "EVT_WDF_DRIVER_UNLOAD", result: "VOID", params: [["WDFDRIVER", "Driver"]] },
  { name: "EVT_WDF_OBJECT_CONTEXT_CLEANUP", result: "VOID", params: [["WDFOBJECT", "Object"]] },
  { name: "EVT_WDF_OBJECT_CONTEXT_DESTROY", result: "VOID", params: [["WDFOBJECT", "Object"]] },
  { name: "EVT_WDF_DEVICE_D0_ENTRY", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDF_POWER_DEVICE_STATE", "PreviousState"]] },
  { name: "EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDF_POWER_DEVICE_STATE", "PreviousState"]] },
  { name: "EVT_WDF_DEVICE_D0_EXIT", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDF_POWER_DEVICE_STATE", "TargetState"]] },
  { name: "EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDF_POWER_DEVICE_STATE", "TargetState"]] },
  { name: "EVT_WDF_DEVICE_PREPARE_HARDWARE", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDFCMRESLIST", "ResourcesRaw"], ["WDFCMRESLIST", "ResourcesTranslated"]] },
  { name: "EVT_WDF_DEVICE_RELEASE_HARDWARE", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDFCMRESLIST", "ResourcesTranslated"]] },
  { name: "EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP", result: "VOID", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH", result: "VOID", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT", result: "NTSTATUS", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND", result: "NTSTATUS", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART", result: "NTSTATUS", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_SURPRISE_REMOVAL", result: "VOID", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_QUERY_REMOVE", result: "NTSTATUS", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_QUERY_STOP", result: "NTSTATUS", params: [["WDFDEVICE", "Device"]] },
  { name: "EVT_WDF_DEVICE_USAGE_NOTIFICATION", result: "VOID", params: [["WDFDEVICE", "Device"], ["WDF_SPECIAL_FILE_TYPE", "NotificationType"], ["BOOLEAN", "IsInNotificationPath"]] },
  { name: "EVT_WDF_DEVICE_RELATIONS_QUERY", result: "VOID", params: [["WDFDEVICE", "Device"], ["DEVICE_RELATION_TYPE", "RelationType"]] },
  { name: "EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX", result: "NTSTATUS", params: [["WDFDEVICE", "Device"], ["WDF_SPECIAL_FILE_TYPE", "NotificationType"], ["BOOLEAN", "IsInNotificationPath"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_DEFAULT", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_READ", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"], ["SIZE_T", "Length"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_WRITE", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"], ["SIZE_T", "Length"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"], ["SIZE_T", "OutputBufferLength"], ["SIZE_T", "InputBufferLength"], ["ULONG", "IoControlCode"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"], ["SIZE_T", "OutputBufferLength"], ["SIZE_T", "InputBufferLength"], ["ULONG", "IoControlCode"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_STOP", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"], ["ULONG", "ActionFlags"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_RESUME", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"]] },
  { name: "EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE", result: "VOID", params: [["WDFQUEUE", "Queue"], ["WDFREQUEST", "Request"]] },
  { name: "EVT_WDF_INTERRUPT_ISR", result: "BOOLEAN", params: [["WDFINTERRUPT", "Interrupt"], ["ULONG", "MessageID"]] },
  { name: "EVT_WDF_INTERRUPT_DPC", result: "VOID", params: [["WDFINTERRUPT", "Interrupt"], ["WDFOBJECT", "AssociatedObject"]] },
  { name: "EVT_WDF_INTERRUPT_ENABLE", result: "NTSTATUS", params: [["WDFINTERRUPT", "Interrupt"], ["WDFDEVICE", "AssociatedDevice"]] },
  { name: "EVT_WDF_INTERRUPT_DISABLE", result: "NTSTATUS", params: [["WDFINTERRUPT", "Interrupt"], ["WDFDEVICE", "AssociatedDevice"]] },
  { name: "EVT_WDF_INTERRUPT_WORKITEM", result: "VOID", params: [["WDFINTERRUPT", "Interrupt"], ["WDFOBJECT", "AssociatedObject"]] },
  { name: "EVT_WDF_INTERRUPT_SYNCHRONIZE", result: "BOOLEAN", params: [["WDFINTERRUPT", "Interrupt"], ["WDFCONTEXT", "Context"]] },
  { name: "EVT_WDF_DMA_ENABLER_FILL", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_DMA_ENABLER_FLUSH", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_DMA_ENABLER_ENABLE", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_DMA_ENABLER_DISABLE", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_START", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP", result: "NTSTATUS", params: [["WDFDMAENABLER", "DmaEnabler"]] },
  { name: "EVT_WDF_PROGRAM_DMA", result: "BOOLEAN", params: [["WDFDMATRANSACTION", "Transaction"], ["WDFDEVICE", "Device"], ["WDFCONTEXT", "Context"], ["WDF_DMA_DIRECTION", "Direction"], ["PSCATTER_GATHER_LIST", "SgList"]] },
  { name: "EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL", result: "BOOLEAN", params: [["WDFDMATRANSACTION", "DmaTransaction"], ["WDFDEVICE", "Device"], ["PVOID", "Context"], ["PMDL", "Mdl"], ["SIZE_T", "Offset"], ["SIZE_T", "Length"]] },
  { name: "EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE", result: "VOID", params: [["WDFDMATRANSACTION", "Transaction"], ["WDFDEVICE", "Device"], ["WDFCONTEXT", "Context"], ["WDF_DMA_DIRECTION", "Direction"], ["DMA_COMPLETION_STATUS", "Status"]] },
  { name: "EVT_WDF_RESERVE_DMA", result: "VOID", params: [["WDFDMATRANSACTION", "DmaTransaction"], ["PVOID", "Context"]], pointer: "PFN_WDF_RESERVE_DMA" },
  { name: "EVT_WDF_REQUEST_CANCEL", result: "VOID", params: [["WDFREQUEST", "Request"]] },
  { name: "EVT_WDF_TIMER", result: "VOID", params: [["WDFTIMER", "Timer"]] },
];

/** Add the KMDF types to the table (after the WDM ones they use). */
export function addWdfTypes(t: TypeTable): void {
  for (const h of WDF_HANDLES) t.addAggregate({ name: `${h}__`, tag: `${h}__`, pointers: [h], opaque: true, kind: "struct", fields: [] });
  t.addAggregate({ name: "WDFDEVICE_INIT", pointers: ["PWDFDEVICE_INIT"], opaque: true, kind: "struct", fields: [] });
  t.addPointer("WDFOBJECT", "VOID");
  t.addPointer("WDFCONTEXT", "VOID");
  t.addPointer("PWDFOBJECT", "WDFOBJECT");

  t.addEnum({ name: "WDF_TRI_STATE", values: [["WdfFalse", WdfFalse], ["WdfTrue", WdfTrue], ["WdfUseDefault", WdfUseDefault]] });
  t.addEnum({ name: "WDF_EXECUTION_LEVEL", values: [["WdfExecutionLevelInvalid", WdfExecutionLevelInvalid], ["WdfExecutionLevelInheritFromParent", WdfExecutionLevelInheritFromParent], ["WdfExecutionLevelPassive", WdfExecutionLevelPassive], ["WdfExecutionLevelDispatch", WdfExecutionLevelDispatch]] });
  t.addEnum({ name: "WDF_SYNCHRONIZATION_SCOPE", values: [["WdfSynchronizationScopeInvalid", WdfSynchronizationScopeInvalid], ["WdfSynchronizationScopeInheritFromParent", WdfSynchronizationScopeInheritFromParent], ["WdfSynchronizationScopeDevice", WdfSynchronizationScopeDevice], ["WdfSynchronizationScopeQueue", WdfSynchronizationScopeQueue], ["WdfSynchronizationScopeNone", WdfSynchronizationScopeNone]] });
  t.addEnum({ name: "WDF_DEVICE_IO_TYPE", values: [["WdfDeviceIoUndefined", WdfDeviceIoUndefined], ["WdfDeviceIoNeither", WdfDeviceIoNeither], ["WdfDeviceIoBuffered", WdfDeviceIoBuffered], ["WdfDeviceIoDirect", WdfDeviceIoDirect], ["WdfDeviceIoBufferedOrDirect", 4], ["WdfDeviceIoMaximum", 5]] });
  t.addEnum({ name: "WDF_IO_QUEUE_DISPATCH_TYPE", values: [["WdfIoQueueDispatchInvalid", WdfIoQueueDispatchInvalid], ["WdfIoQueueDispatchSequential", WdfIoQueueDispatchSequential], ["WdfIoQueueDispatchParallel", WdfIoQueueDispatchParallel], ["WdfIoQueueDispatchManual", WdfIoQueueDispatchManual], ["WdfIoQueueDispatchMax", WdfIoQueueDispatchMax]] });
  t.addEnum({ name: "WDF_REQUEST_TYPE", values: [["WdfRequestTypeCreate", WdfRequestTypeCreate], ["WdfRequestTypeClose", WdfRequestTypeClose], ["WdfRequestTypeRead", WdfRequestTypeRead], ["WdfRequestTypeWrite", WdfRequestTypeWrite], ["WdfRequestTypeDeviceControl", WdfRequestTypeDeviceControl], ["WdfRequestTypeDeviceControlInternal", WdfRequestTypeDeviceControlInternal]] });
  t.addEnum({ name: "WDF_DMA_PROFILE", values: [["WdfDmaProfileInvalid", WdfDmaProfileInvalid], ["WdfDmaProfilePacket", WdfDmaProfilePacket], ["WdfDmaProfileScatterGather", WdfDmaProfileScatterGather], ["WdfDmaProfilePacket64", WdfDmaProfilePacket64], ["WdfDmaProfileScatterGather64", WdfDmaProfileScatterGather64], ["WdfDmaProfileScatterGatherDuplex", WdfDmaProfileScatterGatherDuplex], ["WdfDmaProfileScatterGather64Duplex", WdfDmaProfileScatterGather64Duplex], ["WdfDmaProfileSystem", WdfDmaProfileSystem], ["WdfDmaProfileSystemDuplex", WdfDmaProfileSystemDuplex]] });
  t.addEnum({ name: "WDF_DMA_DIRECTION", values: [["WdfDmaDirectionReadFromDevice", WdfDmaDirectionReadFromDevice], ["WdfDmaDirectionWriteToDevice", WdfDmaDirectionWriteToDevice]] });
  t.addEnum({ name: "WDF_POWER_DEVICE_STATE", values: [["WdfPowerDeviceInvalid", WdfPowerDeviceInvalid], ["WdfPowerDeviceD0", WdfPowerDeviceD0], ["WdfPowerDeviceD1", WdfPowerDeviceD1], ["WdfPowerDeviceD2", WdfPowerDeviceD2], ["WdfPowerDeviceD3", WdfPowerDeviceD3], ["WdfPowerDeviceD3Final", WdfPowerDeviceD3Final], ["WdfPowerDevicePrepareForHibernation", WdfPowerDevicePrepareForHibernation], ["WdfPowerDeviceMaximum", WdfPowerDeviceMaximum]] });
  t.addEnum({ name: "DEVICE_POWER_STATE", values: [["PowerDeviceUnspecified", 0], ["PowerDeviceD0", 1], ["PowerDeviceD1", 2], ["PowerDeviceD2", 3], ["PowerDeviceD3", 4], ["PowerDeviceMaximum", 5]] });
  t.addEnum({ name: "WDF_SPECIAL_FILE_TYPE", values: [["WdfSpecialFileUndefined", 0], ["WdfSpecialFilePaging", 1], ["WdfSpecialFileHibernation", 2], ["WdfSpecialFileDump", 3], ["WdfSpecialFileBoot", 4], ["WdfSpecialFileMax", 5]] });
  t.addEnum({ name: "DEVICE_RELATION_TYPE", values: [["BusRelations", 0], ["EjectionRelations", 1], ["PowerRelations", 2], ["RemovalRelations", 3], ["TargetDeviceRelation", 4], ["SingleBusRelations", 5], ["TransportRelations", 6]] });
  t.addEnum({ name: "WDF_POWER_POLICY_S0_IDLE_CAPABILITIES", values: [["IdleCapsInvalid", 0], ["IdleCannotWakeFromS0", 1], ["IdleCanWakeFromS0", 2], ["IdleUsbSelectiveSuspend", 3]] });
  t.addEnum({ name: "WDF_POWER_POLICY_S0_IDLE_USER_CONTROL", values: [["IdleUserControlInvalid", 0], ["IdleDoNotAllowUserControl", 1], ["IdleAllowUserControl", 2]] });
  t.addEnum({ name: "WDF_POWER_POLICY_IDLE_TIMEOUT_TYPE", values: [["DriverManagedIdleTimeout", 0], ["SystemManagedIdleTimeout", 1], ["SystemManagedIdleTimeoutWithHint", 2]] });
  t.addEnum({ name: "WDF_POWER_POLICY_SX_WAKE_USER_CONTROL", values: [["WakeUserControlInvalid", 0], ["WakeDoNotAllowUserControl", 1], ["WakeAllowUserControl", 2]] });

  for (const cb of callbacks) t.addFunction({ ...cb, pointer: cb.pointer ?? `PFN_${cb.name}` });

  t.addAggregate({ name: "WDF_OBJECT_CONTEXT_TYPE_INFO", pointers: ["PWDF_OBJECT_CONTEXT_TYPE_INFO", "PCWDF_OBJECT_CONTEXT_TYPE_INFO"], doc: "What WDF_DECLARE_CONTEXT_TYPE declares for a context type: its name and size; UniqueType points at the declaration itself.", kind: "struct", fields: [f("ULONG", "Size"), f("PCHAR", "ContextName"), f("SIZE_T", "ContextSize"), f("const struct _WDF_OBJECT_CONTEXT_TYPE_INFO*", "UniqueType"), f("PVOID", "EvtDriverGetUniqueContextType")] });
  t.addAggregate({ name: "WDF_OBJECT_ATTRIBUTES", doc: "Cleanup/destroy callbacks, execution level and synchronization scope, parent, and the context type of a new object.", kind: "struct", fields: [f("ULONG", "Size"), f("PFN_EVT_WDF_OBJECT_CONTEXT_CLEANUP", "EvtCleanupCallback"), f("PFN_EVT_WDF_OBJECT_CONTEXT_DESTROY", "EvtDestroyCallback"), f("WDF_EXECUTION_LEVEL", "ExecutionLevel"), f("WDF_SYNCHRONIZATION_SCOPE", "SynchronizationScope"), f("WDFOBJECT", "ParentObject"), f("SIZE_T", "ContextSizeOverride"), f("PCWDF_OBJECT_CONTEXT_TYPE_INFO", "ContextTypeInfo")] });
  t.addAggregate({ name: "WDF_DRIVER_CONFIG", kind: "struct", fields: [f("ULONG", "Size"), f("PFN_EVT_WDF_DRIVER_DEVICE_ADD", "EvtDriverDeviceAdd"), f("PFN_EVT_WDF_DRIVER_UNLOAD", "EvtDriverUnload"), f("ULONG", "DriverInitFlags"), f("ULONG", "DriverPoolTag")] });
  t.addAggregate({
    name: "WDF_PNPPOWER_EVENT_CALLBACKS",
    doc: "The PnP and power callbacks of a device (EvtDeviceUsageNotificationEx is the KMDF 1.11 addition).",
    kind: "struct",
    fields: [
      f("ULONG", "Size"),
      f("PFN_EVT_WDF_DEVICE_D0_ENTRY", "EvtDeviceD0Entry"),
      f("PFN_EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED", "EvtDeviceD0EntryPostInterruptsEnabled"),
      f("PFN_EVT_WDF_DEVICE_D0_EXIT", "EvtDeviceD0Exit"),
      f("PFN_EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED", "EvtDeviceD0ExitPreInterruptsDisabled"),
      f("PFN_EVT_WDF_DEVICE_PREPARE_HARDWARE", "EvtDevicePrepareHardware"),
      f("PFN_EVT_WDF_DEVICE_RELEASE_HARDWARE", "EvtDeviceReleaseHardware"),
      f("PFN_EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP", "EvtDeviceSelfManagedIoCleanup"),
      f("PFN_EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH", "EvtDeviceSelfManagedIoFlush"),
      f("PFN_EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT", "EvtDeviceSelfManagedIoInit"),
      f("PFN_EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND", "EvtDeviceSelfManagedIoSuspend"),
      f("PFN_EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART", "EvtDeviceSelfManagedIoRestart"),
      f("PFN_EVT_WDF_DEVICE_SURPRISE_REMOVAL", "EvtDeviceSurpriseRemoval"),
      f("PFN_EVT_WDF_DEVICE_QUERY_REMOVE", "EvtDeviceQueryRemove"),
      f("PFN_EVT_WDF_DEVICE_QUERY_STOP", "EvtDeviceQueryStop"),
      f("PFN_EVT_WDF_DEVICE_USAGE_NOTIFICATION", "EvtDeviceUsageNotification"),
      f("PFN_EVT_WDF_DEVICE_RELATIONS_QUERY", "EvtDeviceRelationsQuery"),
      f("PFN_EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX", "EvtDeviceUsageNotificationEx"),
    ],
  });
  t.addAggregate({
    name: "WDF_IO_QUEUE_CONFIG",
    doc: "A queue's dispatch type, power management and request callbacks (Driver is the KMDF 1.11 addition).",
    kind: "struct",
    fields: [
      f("ULONG", "Size"),
      f("WDF_IO_QUEUE_DISPATCH_TYPE", "DispatchType"),
      f("WDF_TRI_STATE", "PowerManaged"),
      f("BOOLEAN", "AllowZeroLengthRequests"),
      f("BOOLEAN", "DefaultQueue"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_DEFAULT", "EvtIoDefault"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_READ", "EvtIoRead"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_WRITE", "EvtIoWrite"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL", "EvtIoDeviceControl"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL", "EvtIoInternalDeviceControl"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_STOP", "EvtIoStop"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_RESUME", "EvtIoResume"),
      f("PFN_EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE", "EvtIoCanceledOnQueue"),
      { name: "Settings", type: { kind: "union", fields: [{ name: "Parallel", type: { kind: "struct", fields: [f("ULONG", "NumberOfPresentedRequests")] } }] } },
      f("WDFDRIVER", "Driver"),
    ],
  });
  t.addAggregate({
    name: "WDF_INTERRUPT_CONFIG",
    doc: "An interrupt's ISR, DPC, enable/disable callbacks and locking (the KMDF 1.11 layout).",
    kind: "struct",
    fields: [
      f("ULONG", "Size"),
      f("WDFSPINLOCK", "SpinLock"),
      f("WDF_TRI_STATE", "ShareVector"),
      f("BOOLEAN", "FloatingSave"),
      f("BOOLEAN", "AutomaticSerialization"),
      f("PFN_EVT_WDF_INTERRUPT_ISR", "EvtInterruptIsr"),
      f("PFN_EVT_WDF_INTERRUPT_DPC", "EvtInterruptDpc"),
      f("PFN_EVT_WDF_INTERRUPT_ENABLE", "EvtInterruptEnable"),
      f("PFN_EVT_WDF_INTERRUPT_DISABLE", "EvtInterruptDisable"),
      f("PFN_EVT_WDF_INTERRUPT_WORKITEM", "EvtInterruptWorkItem"),
      f("PCM_PARTIAL_RESOURCE_DESCRIPTOR", "InterruptRaw"),
      f("PCM_PARTIAL_RESOURCE_DESCRIPTOR", "InterruptTranslated"),
      f("WDFWAITLOCK", "WaitLock"),
      f("BOOLEAN", "PassiveHandling"),
      f("WDF_TRI_STATE", "ReportInactiveOnPowerDown"),
      f("BOOLEAN", "CanWakeDevice"),
    ],
  });
  t.addAggregate({
    name: "WDF_DMA_ENABLER_CONFIG",
    doc: "A DMA enabler's profile and maximum transfer length (AddressWidthOverride, WdmDmaVersionOverride and Flags are the KMDF 1.11 additions).",
    kind: "struct",
    fields: [
      f("ULONG", "Size"),
      f("WDF_DMA_PROFILE", "Profile"),
      f("SIZE_T", "MaximumLength"),
      f("PFN_EVT_WDF_DMA_ENABLER_FILL", "EvtDmaEnablerFill"),
      f("PFN_EVT_WDF_DMA_ENABLER_FLUSH", "EvtDmaEnablerFlush"),
      f("PFN_EVT_WDF_DMA_ENABLER_DISABLE", "EvtDmaEnablerDisable"),
      f("PFN_EVT_WDF_DMA_ENABLER_ENABLE", "EvtDmaEnablerEnable"),
      f("PFN_EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_START", "EvtDmaEnablerSelfManagedIoStart"),
      f("PFN_EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP", "EvtDmaEnablerSelfManagedIoStop"),
      f("ULONG", "AddressWidthOverride"),
      f("ULONG", "WdmDmaVersionOverride"),
      f("ULONG", "Flags"),
    ],
  });
  t.addAggregate({ name: "WDF_COMMON_BUFFER_CONFIG", kind: "struct", fields: [f("ULONG", "Size"), f("ULONG", "AlignmentRequirement")] });
  t.addAggregate({
    name: "WDF_DMA_SYSTEM_PROFILE_CONFIG",
    doc: "A system-mode enabler's channel (KMDF 1.11): the translated DMA resource, the device register's address and width, demand mode and looped (auto-initialize) transfers.",
    kind: "struct",
    fields: [f("ULONG", "Size"), f("BOOLEAN", "DemandMode"), f("BOOLEAN", "LoopedTransfer"), f("DMA_WIDTH", "DmaWidth"), f("PHYSICAL_ADDRESS", "DeviceAddress"), f("PCM_PARTIAL_RESOURCE_DESCRIPTOR", "DmaDescriptor")],
  });
  t.addAggregate({
    name: "WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS",
    kind: "struct",
    fields: [f("ULONG", "Size"), f("WDF_POWER_POLICY_S0_IDLE_CAPABILITIES", "IdleCaps"), f("DEVICE_POWER_STATE", "DxState"), f("ULONG", "IdleTimeout"), f("WDF_POWER_POLICY_S0_IDLE_USER_CONTROL", "UserControlOfIdleSettings"), f("WDF_TRI_STATE", "Enabled"), f("WDF_TRI_STATE", "PowerUpIdleDeviceOnSystemWake"), f("WDF_POWER_POLICY_IDLE_TIMEOUT_TYPE", "IdleTimeoutType"), f("WDF_TRI_STATE", "ExcludeD3Cold")],
  });
  t.addAggregate({
    name: "WDF_DEVICE_POWER_POLICY_WAKE_SETTINGS",
    kind: "struct",
    fields: [f("ULONG", "Size"), f("DEVICE_POWER_STATE", "DxState"), f("WDF_POWER_POLICY_SX_WAKE_USER_CONTROL", "UserControlOfWakeSettings"), f("WDF_TRI_STATE", "Enabled"), f("BOOLEAN", "ArmForWakeIfChildrenAreArmedForWake"), f("BOOLEAN", "IndicateChildWakeOnParentWake")],
  });
}
