/*
 * SB16 WDM driver: DriverEntry, AddDevice, and the dispatch routines.
 *
 * IRP_MN_START_DEVICE goes to the bus driver first (IoForwardIrpSynchronously),
 * then Sb16StartDma claims the DMA adapter, the common buffer, its MDL and
 * the interrupt from the translated resources. IRP_MJ_WRITE (direct I/O)
 * plays the caller's PCM and stays pending until all of it is in the common
 * buffer. IRP_MN_REMOVE_DEVICE stops playback and releases everything.
 */
#include "precomp.h"
#include "sb16.tmh"

DRIVER_INITIALIZE DriverEntry;
DRIVER_ADD_DEVICE Sb16AddDevice;
DRIVER_UNLOAD Sb16Unload;
_Dispatch_type_(IRP_MJ_PNP) DRIVER_DISPATCH Sb16DispatchPnp;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Sb16DispatchCreateClose;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH Sb16DispatchWrite;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH Sb16DispatchDeviceControl;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, Sb16AddDevice)
#pragma alloc_text(PAGE, Sb16DispatchPnp)
#endif

static NTSTATUS Sb16Complete(_In_ PIRP Irp, _In_ NTSTATUS Status, _In_ ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

_Use_decl_annotations_
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WPP_INIT_TRACING(DriverObject, RegistryPath);
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT, "%!FUNC! %wZ", RegistryPath);
    DriverObject->DriverExtension->AddDevice = Sb16AddDevice;
    DriverObject->DriverUnload = Sb16Unload;
    DriverObject->MajorFunction[IRP_MJ_PNP] = Sb16DispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Sb16DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Sb16DispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Sb16DispatchWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Sb16DispatchDeviceControl;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID Sb16Unload(PDRIVER_OBJECT DriverObject)
{
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT, "%!FUNC!");
    WPP_CLEANUP(DriverObject);
}

_Use_decl_annotations_
NTSTATUS Sb16AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    PDEVICE_OBJECT fdo;
    PDEVICE_EXTENSION ext;
    UNICODE_STRING name;
    NTSTATUS status;

    PAGED_CODE();
    RtlInitUnicodeString(&name, L"\\Device\\Sb16Wave0");
    status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), &name, FILE_DEVICE_SOUND, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP, "IoCreateDevice failed %!STATUS!", status);
        return status;
    }
    ext = (PDEVICE_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(ext, sizeof(*ext));
    ext->Self = fdo;
    ext->Pdo = PhysicalDeviceObject;
    ext->Format.SampleRate = 44100;
    ext->Format.BitsPerSample = 16;
    ext->Format.Channels = 2;
    ext->Format.BufferBytes = SB16_DEFAULT_BUFFER_BYTES;
    ext->Lower = IoAttachDeviceToDeviceStack(fdo, PhysicalDeviceObject);
    if (ext->Lower == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags |= DO_DIRECT_IO;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "%!FUNC! fdo %p over %p", fdo, ext->Lower);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS Sb16DispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    PAGED_CODE();
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        /* The bus driver starts the device first; then this driver claims its resources. */
        IoForwardIrpSynchronously(ext->Lower, Irp);
        status = Irp->IoStatus.Status;
        if (NT_SUCCESS(status)) {
            status = Sb16StartDma(ext, stack->Parameters.StartDevice.AllocatedResourcesTranslated);
            ext->Started = NT_SUCCESS(status);
        }
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "IRP_MN_START_DEVICE: %!STATUS!", status);
        return Sb16Complete(Irp, status, 0);

    case IRP_MN_REMOVE_DEVICE:
        Sb16StopPlayback(ext);
        Sb16StopDma(ext);
        ext->Started = FALSE;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(ext->Lower, Irp);
        IoDetachDevice(ext->Lower);
        IoDeleteDevice(DeviceObject);
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "IRP_MN_REMOVE_DEVICE: %!STATUS!", status);
        return status;

    default:
        IoSkipCurrentIrpStackLocation(Irp);
        return IoCallDriver(ext->Lower, Irp);
    }
}

_Use_decl_annotations_
NTSTATUS Sb16DispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Sb16Complete(Irp, STATUS_SUCCESS, 0);
}

_Use_decl_annotations_
NTSTATUS Sb16DispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PVOID buffer = Irp->AssociatedIrp.SystemBuffer;

    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_SB16_SET_FORMAT: {
        PSB16_FORMAT f = (PSB16_FORMAT)buffer;
        if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(SB16_FORMAT)) return Sb16Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        if (ext->Started) return Sb16Complete(Irp, STATUS_INVALID_DEVICE_STATE, 0);
        if ((f->BitsPerSample != 8 && f->BitsPerSample != 16) || (f->Channels != 1 && f->Channels != 2) || f->SampleRate < 4000 || f->SampleRate > 48000 ||
            f->BufferBytes < 2 * PAGE_SIZE || f->BufferBytes > 64 * 1024 || (f->BufferBytes % PAGE_SIZE) != 0)
            return Sb16Complete(Irp, STATUS_INVALID_PARAMETER, 0);
        ext->Format = *f;
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_IO, "format %u Hz, %u-bit, %u channel(s), %u-byte buffer", f->SampleRate, f->BitsPerSample, f->Channels, f->BufferBytes);
        return Sb16Complete(Irp, STATUS_SUCCESS, 0);
    }
    case IOCTL_SB16_GET_STATS:
        if (stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(SB16_STATS)) return Sb16Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        RtlCopyMemory(buffer, &ext->Stats, sizeof(SB16_STATS));
        return Sb16Complete(Irp, STATUS_SUCCESS, sizeof(SB16_STATS));
    default:
        return Sb16Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

_Use_decl_annotations_
NTSTATUS Sb16DispatchWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG length = stack->Parameters.Write.Length;
    PUCHAR pcm;
    NTSTATUS status;

    if (!ext->Started || ext->Playing) return Sb16Complete(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    if (length == 0 || Irp->MdlAddress == NULL) return Sb16Complete(Irp, STATUS_SUCCESS, 0);
    /* Direct I/O: the caller's buffer is locked and described by the MDL. */
    pcm = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (pcm == NULL) return Sb16Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    IoMarkIrpPending(Irp);
    ext->WriteIrp = Irp;
    status = Sb16StartPlayback(ext, pcm, length);
    if (!NT_SUCCESS(status)) {
        ext->WriteIrp = NULL;
        Sb16Complete(Irp, status, 0);
    }
    return STATUS_PENDING;
}
