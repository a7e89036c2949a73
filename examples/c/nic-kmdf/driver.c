/*
 * DriverEntry, EvtDeviceAdd and the PnP/power callbacks. EvtDeviceAdd makes
 * the queues, the interrupt, the DMA enabler and the four common buffers
 * (they outlive stops, as in most NIC drivers); EvtDevicePrepareHardware maps
 * BAR0 (the 128 KiB memory resource); EvtDeviceD0Entry resets and programs
 * the chip with the rings' logical addresses; EvtDeviceD0Exit stops both
 * units and resets the chip, so no DMA outlives D0.
 */
#include "nic.h"
#include "driver.tmh"

static EVT_WDF_DRIVER_DEVICE_ADD NicEvtDeviceAdd;
static EVT_WDF_DEVICE_PREPARE_HARDWARE NicEvtPrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE NicEvtReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY NicEvtD0Entry;
static EVT_WDF_DEVICE_D0_EXIT NicEvtD0Exit;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WPP_INIT_TRACING(DriverObject, RegistryPath);
    WDF_DRIVER_CONFIG_INIT(&config, NicEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

/* A common buffer 16-byte aligned (TDBAL/RDBAL ignore bits 3:0). */
static NTSTATUS NicCommonBuffer(NIC_DEVICE *n, NIC_BUFFER *b, SIZE_T Length) {
    WDF_COMMON_BUFFER_CONFIG config;
    NTSTATUS status;
    WDF_COMMON_BUFFER_CONFIG_INIT(&config, FILE_OCTA_ALIGNMENT);
    status = WdfCommonBufferCreateWithConfig(n->Enabler, Length, &config, WDF_NO_OBJECT_ATTRIBUTES, &b->Buffer);
    if (!NT_SUCCESS(status)) return status;
    b->Va = (PUCHAR)WdfCommonBufferGetAlignedVirtualAddress(b->Buffer);
    b->La = WdfCommonBufferGetAlignedLogicalAddress(b->Buffer);
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT, "common buffer of %Iu bytes at %p, logical %I64X", Length, b->Va, b->La.QuadPart);
    return STATUS_SUCCESS;
}

static NTSTATUS NicQueue(NIC_DEVICE *n, WDF_REQUEST_TYPE Type) {
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    NTSTATUS status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    if (Type == WdfRequestTypeWrite) config.EvtIoWrite = NicEvtIoWrite;
    else config.EvtIoRead = NicEvtIoRead;
    config.EvtIoStop = NicEvtIoStop;
    status = WdfIoQueueCreate(n->Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    if (!NT_SUCCESS(status)) return status;
    return WdfDeviceConfigureRequestDispatching(n->Device, queue, Type);
}

static NTSTATUS NicEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_INTERRUPT_CONFIG ic;
    WDF_DMA_ENABLER_CONFIG dc;
    WDFDEVICE device;
    NIC_DEVICE *n;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);

    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoBuffered);
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = NicEvtPrepareHardware;
    pnp.EvtDeviceReleaseHardware = NicEvtReleaseHardware;
    pnp.EvtDeviceD0Entry = NicEvtD0Entry;
    pnp.EvtDeviceD0Exit = NicEvtD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, NIC_DEVICE);
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) return status;
    n = NicGetDevice(device);
    n->Device = device;

    status = NicQueue(n, WdfRequestTypeWrite);
    if (NT_SUCCESS(status)) status = NicQueue(n, WdfRequestTypeRead);
    if (!NT_SUCCESS(status)) return status;

    WDF_INTERRUPT_CONFIG_INIT(&ic, NicEvtIsr, NicEvtDpc);
    ic.EvtInterruptEnable = NicEvtInterruptEnable;
    ic.EvtInterruptDisable = NicEvtInterruptDisable;
    status = WdfInterruptCreate(device, &ic, WDF_NO_OBJECT_ATTRIBUTES, &n->Interrupt);
    if (!NT_SUCCESS(status)) return status;

    /* The 8254x masters 64-bit addresses. */
    WDF_DMA_ENABLER_CONFIG_INIT(&dc, WdfDmaProfileScatterGather64, 16 * 1024);
    status = WdfDmaEnablerCreate(device, &dc, WDF_NO_OBJECT_ATTRIBUTES, &n->Enabler);
    if (!NT_SUCCESS(status)) return status;
    status = NicCommonBuffer(n, &n->TxRing, NIC_TX_DESCRIPTORS * sizeof(E1000_TX_DESC));
    if (NT_SUCCESS(status)) status = NicCommonBuffer(n, &n->RxRing, NIC_RX_DESCRIPTORS * sizeof(E1000_RX_DESC));
    if (NT_SUCCESS(status)) status = NicCommonBuffer(n, &n->TxBuffers, NIC_TX_DESCRIPTORS * NIC_BUFFER_SIZE);
    if (NT_SUCCESS(status)) status = NicCommonBuffer(n, &n->RxBuffers, NIC_RX_DESCRIPTORS * NIC_BUFFER_SIZE);
    return status;
}

static NTSTATUS NicEvtPrepareHardware(WDFDEVICE Device, WDFCMRESLIST Raw, WDFCMRESLIST Translated) {
    NIC_DEVICE *n = NicGetDevice(Device);
    ULONG i;
    UNREFERENCED_PARAMETER(Raw);
    for (i = 0; i < WdfCmResourceListGetCount(Translated); i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = WdfCmResourceListGetDescriptor(Translated, i);
        if (d->Type == CmResourceTypeMemory && d->u.Memory.Length == E1000_BAR0_LENGTH && n->Regs == NULL) {
            n->Regs = (PUCHAR)MmMapIoSpaceEx(d->u.Memory.Start, d->u.Memory.Length, PAGE_READWRITE | PAGE_NOCACHE);
            n->RegsLength = d->u.Memory.Length;
            TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "BAR0 [%I64X] mapped at %p", d->u.Memory.Start.QuadPart, n->Regs);
        }
    }
    return n->Regs == NULL ? STATUS_DEVICE_CONFIGURATION_ERROR : STATUS_SUCCESS;
}

static NTSTATUS NicEvtReleaseHardware(WDFDEVICE Device, WDFCMRESLIST Translated) {
    NIC_DEVICE *n = NicGetDevice(Device);
    UNREFERENCED_PARAMETER(Translated);
    if (n->Regs != NULL) MmUnmapIoSpace(n->Regs, n->RegsLength);
    n->Regs = NULL;
    return STATUS_SUCCESS;
}

/* The address a ring base register gets: the ring's logical address (or, the bug, its physical one). */
static PHYSICAL_ADDRESS NicRingBase(NIC_BUFFER *b) {
#ifdef NIC_RING_PHYSICAL_ADDRESS
    return MmGetPhysicalAddress(b->Va);
#else
    return b->La;
#endif
}

static NTSTATUS NicEvtD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState) {
    NIC_DEVICE *n = NicGetDevice(Device);
    PHYSICAL_ADDRESS base;
    ULONG ral, rah, i;
    UNREFERENCED_PARAMETER(PreviousState);

    NicWrite(n, E1000_CTRL, CTRL_RST);
    NicWrite(n, E1000_IMC, 0xFFFFFFFF);
    (VOID)NicRead(n, E1000_ICR);
    ral = NicRead(n, E1000_RAL0);
    rah = NicRead(n, E1000_RAH0);
    for (i = 0; i < 4; i++) n->Mac[i] = (UCHAR)(ral >> (8 * i));
    n->Mac[4] = (UCHAR)rah;
    n->Mac[5] = (UCHAR)(rah >> 8);
    NicWrite(n, E1000_CTRL, CTRL_SLU | CTRL_FD);
    NicResetRings(n);

    base = NicRingBase(&n->TxRing);
    NicWrite(n, E1000_TDBAL, base.LowPart);
    NicWrite(n, E1000_TDBAH, (ULONG)base.HighPart);
    NicWrite(n, E1000_TDLEN, NIC_TX_DESCRIPTORS * sizeof(E1000_TX_DESC));
    NicWrite(n, E1000_TDH, 0);
    NicWrite(n, E1000_TDT, 0);
    base = NicRingBase(&n->RxRing);
    NicWrite(n, E1000_RDBAL, base.LowPart);
    NicWrite(n, E1000_RDBAH, (ULONG)base.HighPart);
    NicWrite(n, E1000_RDLEN, NIC_RX_DESCRIPTORS * sizeof(E1000_RX_DESC));
    NicWrite(n, E1000_RDH, 0);
    /* All descriptors but one belong to the chip: RDH == RDT would mean none. */
    NicWrite(n, E1000_RDT, NIC_RX_DESCRIPTORS - 1);
    NicWrite(n, E1000_ITR, NIC_ITR);
    NicWrite(n, E1000_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
    NicWrite(n, E1000_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "D0Entry: MAC %02X:%02X:%02X:%02X:%02X:%02X, rings programmed", n->Mac[0], n->Mac[1], n->Mac[2], n->Mac[3], n->Mac[4], n->Mac[5]);
    return STATUS_SUCCESS;
}

static NTSTATUS NicEvtD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState) {
    NIC_DEVICE *n = NicGetDevice(Device);
    UNREFERENCED_PARAMETER(TargetState);
    NicWrite(n, E1000_RCTL, 0);
    NicWrite(n, E1000_TCTL, 0);
    NicWrite(n, E1000_CTRL, CTRL_RST);
    n->LinkUp = FALSE;
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "D0Exit: %u frames sent, %u received, %u interrupts, %u DPCs", n->Sent, n->Received, n->Interrupts, n->Dpcs);
    return STATUS_SUCCESS;
}
