/*
 * DriverEntry, EvtDeviceAdd and the PnP/power callbacks: the device's
 * queues, interrupt and DMA objects are made in EvtDeviceAdd; BAR0 is found
 * in the translated resources and mapped in EvtDevicePrepareHardware, and
 * unmapped in EvtDeviceReleaseHardware.
 */
#include "plx.h"
#include "driver.tmh"

static EVT_WDF_DRIVER_DEVICE_ADD PlxEvtDeviceAdd;
static EVT_WDF_DEVICE_PREPARE_HARDWARE PlxEvtPrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE PlxEvtReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY PlxEvtD0Entry;
static EVT_WDF_DEVICE_D0_EXIT PlxEvtD0Exit;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WPP_INIT_TRACING(DriverObject, RegistryPath);
    WDF_DRIVER_CONFIG_INIT(&config, PlxEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static NTSTATUS PlxCreateChannel(PLX_DEVICE *p, ULONG ch) {
    WDF_IO_QUEUE_CONFIG qc;
    NTSTATUS status;
    PLX_CHANNEL *c = &p->Channel[ch];
    WDF_IO_QUEUE_CONFIG_INIT(&qc, WdfIoQueueDispatchSequential);
    if (ch == CH_WRITE) qc.EvtIoWrite = PlxEvtIoWrite;
    else qc.EvtIoRead = PlxEvtIoRead;
    status = WdfIoQueueCreate(p->Device, &qc, WDF_NO_OBJECT_ATTRIBUTES, &c->Queue);
    if (!NT_SUCCESS(status)) return status;
    status = WdfDeviceConfigureRequestDispatching(p->Device, c->Queue, ch == CH_WRITE ? WdfRequestTypeWrite : WdfRequestTypeRead);
    if (!NT_SUCCESS(status)) return status;
    status = WdfCommonBufferCreate(p->RingEnabler, PLX_ELEMENTS * sizeof(PLX_ELEMENT), WDF_NO_OBJECT_ATTRIBUTES, &c->Ring);
    if (!NT_SUCCESS(status)) return status;
    c->RingVa = (PLX_ELEMENT *)WdfCommonBufferGetAlignedVirtualAddress(c->Ring);
    c->RingLa = WdfCommonBufferGetAlignedLogicalAddress(c->Ring);
    RtlZeroMemory(c->RingVa, PLX_ELEMENTS * sizeof(PLX_ELEMENT));
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT, "channel %u ring %p (#0x%I64X)", ch, c->RingVa, c->RingLa.QuadPart);
    return WdfDmaTransactionCreate(p->Enabler, WDF_NO_OBJECT_ATTRIBUTES, &c->Transaction);
}

static NTSTATUS PlxEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_INTERRUPT_CONFIG ic;
    WDF_DMA_ENABLER_CONFIG dc;
    WDFDEVICE device;
    PLX_DEVICE *p;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);

    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoDirect);
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = PlxEvtPrepareHardware;
    pnp.EvtDeviceReleaseHardware = PlxEvtReleaseHardware;
    pnp.EvtDeviceD0Entry = PlxEvtD0Entry;
    pnp.EvtDeviceD0Exit = PlxEvtD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, PLX_DEVICE);
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) return status;
    p = PlxGetDevice(device);
    p->Device = device;

    WDF_INTERRUPT_CONFIG_INIT(&ic, PlxEvtIsr, PlxEvtDpc);
    ic.EvtInterruptEnable = PlxEvtInterruptEnable;
    ic.EvtInterruptDisable = PlxEvtInterruptDisable;
    ic.AutomaticSerialization = TRUE;
    status = WdfInterruptCreate(device, &ic, WDF_NO_OBJECT_ATTRIBUTES, &p->Interrupt);
    if (!NT_SUCCESS(status)) return status;

    /* Elements are 16-byte aligned: the low 4 bits of a descriptor pointer are flags. */
    WdfDeviceSetAlignmentRequirement(device, FILE_OCTA_ALIGNMENT);
    WDF_DMA_ENABLER_CONFIG_INIT(&dc, WdfDmaProfileScatterGather64Duplex, PLX_MAX_TRANSFER);
    status = WdfDmaEnablerCreate(device, &dc, WDF_NO_OBJECT_ATTRIBUTES, &p->Enabler);
    if (!NT_SUCCESS(status)) return status;
    WdfDmaEnablerSetMaximumScatterGatherElements(p->Enabler, PLX_ELEMENTS);
    /* The rings from a 32-bit enabler: DMADPR holds only 32 bits of an address. */
    WDF_DMA_ENABLER_CONFIG_INIT(&dc, WdfDmaProfileScatterGather, PLX_MAX_TRANSFER);
    status = WdfDmaEnablerCreate(device, &dc, WDF_NO_OBJECT_ATTRIBUTES, &p->RingEnabler);
    if (!NT_SUCCESS(status)) return status;
    status = PlxCreateChannel(p, CH_WRITE);
    if (NT_SUCCESS(status)) status = PlxCreateChannel(p, CH_READ);
    return status;
}

static NTSTATUS PlxEvtPrepareHardware(WDFDEVICE Device, WDFCMRESLIST Raw, WDFCMRESLIST Translated) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    DEVICE_DESCRIPTION dd;
    ULONG mapRegisters;
    ULONG i;
    UNREFERENCED_PARAMETER(Raw);
    for (i = 0; i < WdfCmResourceListGetCount(Translated); i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = WdfCmResourceListGetDescriptor(Translated, i);
        if (d->Type == CmResourceTypeMemory && d->u.Memory.Length == PLX_REGS_LENGTH && p->Regs == NULL) {
            p->Regs = (PUCHAR)MmMapIoSpaceEx(d->u.Memory.Start, d->u.Memory.Length, PAGE_READWRITE | PAGE_NOCACHE);
            p->RegsLength = d->u.Memory.Length;
            TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "BAR0 [%I64X] mapped at %p", d->u.Memory.Start.QuadPart, p->Regs);
        }
    }
    if (p->Regs == NULL) return STATUS_DEVICE_CONFIGURATION_ERROR;
    /* A status block outside the framework's objects: the driver's own adapter and common buffer. */
    RtlZeroMemory(&dd, sizeof(dd));
    dd.Version = DEVICE_DESCRIPTION_VERSION;
    dd.Master = TRUE;
    dd.ScatterGather = TRUE;
    dd.Dma32BitAddresses = TRUE;
    dd.InterfaceType = PCIBus;
    dd.MaximumLength = STATUS_BLOCK_LENGTH;
    p->StatusAdapter = IoGetDmaAdapter(WdfDeviceWdmGetPhysicalDevice(Device), &dd, &mapRegisters);
    if (p->StatusAdapter == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    p->StatusBlock = p->StatusAdapter->DmaOperations->AllocateCommonBuffer(p->StatusAdapter, STATUS_BLOCK_LENGTH, &p->StatusBlockLa, FALSE);
    if (p->StatusBlock == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(p->StatusBlock, STATUS_BLOCK_LENGTH);
    return STATUS_SUCCESS;
}

static NTSTATUS PlxEvtReleaseHardware(WDFDEVICE Device, WDFCMRESLIST Translated) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    UNREFERENCED_PARAMETER(Translated);
    if (p->StatusAdapter != NULL) {
#ifndef PLX_FORGET_FREE_ON_REMOVE
        if (p->StatusBlock != NULL) p->StatusAdapter->DmaOperations->FreeCommonBuffer(p->StatusAdapter, STATUS_BLOCK_LENGTH, p->StatusBlockLa, p->StatusBlock, FALSE);
#endif
        p->StatusBlock = NULL;
        p->StatusAdapter->DmaOperations->PutDmaAdapter(p->StatusAdapter);
        p->StatusAdapter = NULL;
    }
    if (p->Regs != NULL) MmUnmapIoSpace(p->Regs, p->RegsLength);
    p->Regs = NULL;
    return STATUS_SUCCESS;
}

static NTSTATUS PlxEvtD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    UNREFERENCED_PARAMETER(PreviousState);
    PlxWrite(p, PLX_DMADAC(CH_WRITE), 0);
    PlxWrite(p, PLX_DMADAC(CH_READ), 0);
    return STATUS_SUCCESS;
}

static NTSTATUS PlxEvtD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    UNREFERENCED_PARAMETER(TargetState);
    /* Interrupts are already disabled: mask the channels' interrupts too. */
    PlxWrite(p, PLX_INTCSR, PlxRead(p, PLX_INTCSR) & ~(INTCSR_DMA_INT_ENABLE(0) | INTCSR_DMA_INT_ENABLE(1)));
    return STATUS_SUCCESS;
}
