/*
 * Common-buffer system DMA in auto-initialize mode (WDK: "Using Common-Buffer
 * System DMA"), step by step:
 *
 * Start: IoGetDmaAdapter for a subordinate, auto-initialize ISA adapter on
 * the card's channel -> AllocateCommonBuffer (NULL: free what was claimed,
 * fail with STATUS_INSUFFICIENT_RESOURCES) -> IoAllocateMdl +
 * MmBuildMdlForNonPagedPool -> IoConnectInterrupt -> reset the DSP.
 *
 * Playback: copy both halves of the common buffer from the caller's locked
 * buffer (RtlMoveMemory), AllocateAdapterChannel; the AdapterControl routine
 * calls MapTransfer once for the whole buffer and keeps the channel. The card
 * interrupts after each half: the ISR acknowledges it and queues the DPC,
 * which reads ReadDmaCounter to see which half the controller is in and
 * refills the other one.
 *
 * Stop: pause the card, FlushAdapterBuffers, FreeAdapterChannel, disconnect
 * the interrupt, free the MDL and the common buffer, PutDmaAdapter.
 */
#include "precomp.h"
#include "dma.tmh"

DRIVER_CONTROL Sb16ProgramDma;
KSERVICE_ROUTINE Sb16Isr;
KDEFERRED_ROUTINE Sb16Dpc;

static VOID DspWrite(PDEVICE_EXTENSION Ext, UCHAR Value)
{
    WRITE_PORT_UCHAR(Ext->PortBase + SB_WRITE, Value);
}

static BOOLEAN Wide(PDEVICE_EXTENSION Ext)
{
    return Ext->Format.BitsPerSample == 16;
}

NTSTATUS Sb16StartDma(PDEVICE_EXTENSION Ext, PCM_RESOURCE_LIST Resources)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR port = NULL, irq = NULL;
    ULONG channel = MAXULONG;
    DEVICE_DESCRIPTION dd;
    PDMA_OPERATIONS ops;
    NTSTATUS status;
    ULONG i, j;

    /* The card's port base, interrupt and DMA channel, from the translated resources. */
    for (i = 0; Resources != NULL && i < Resources->Count; i++) {
        PCM_PARTIAL_RESOURCE_LIST list = &Resources->List[i].PartialResourceList;
        for (j = 0; j < list->Count; j++) {
            PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[j];
            if (d->Type == CmResourceTypePort && port == NULL) port = d;
            else if (d->Type == CmResourceTypeInterrupt && irq == NULL) irq = d;
            else if (d->Type == CmResourceTypeDma && channel == MAXULONG && (Wide(Ext) ? d->u.Dma.Channel >= 5 : d->u.Dma.Channel < 4)) channel = d->u.Dma.Channel;
        }
    }
    if (port == NULL || irq == NULL || channel == MAXULONG) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP, "resources incomplete (port %p, interrupt %p, channel %u)", port, irq, channel);
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    }
    Ext->PortBase = (PUCHAR)(ULONG_PTR)port->u.Port.Start.LowPart;

    RtlZeroMemory(&dd, sizeof(dd));
    dd.Version = DEVICE_DESCRIPTION_VERSION;
    dd.Master = FALSE;
    dd.AutoInitialize = TRUE;
    dd.DmaChannel = channel;
    dd.DmaWidth = Wide(Ext) ? Width16Bits : Width8Bits;
    dd.InterfaceType = Isa;
    dd.MaximumLength = Ext->Format.BufferBytes;
    Ext->Adapter = IoGetDmaAdapter(Ext->Pdo, &dd, &Ext->NumberOfMapRegisters);
    if (Ext->Adapter == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    ops = Ext->Adapter->DmaOperations;

    /* Steps 1-2: the common buffer; on NULL free what was claimed and fail the start. */
    Ext->BufferVa = ops->AllocateCommonBuffer(Ext->Adapter, Ext->Format.BufferBytes, &Ext->BufferLogical, FALSE);
    if (Ext->BufferVa == NULL) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA, "AllocateCommonBuffer(%u) returned NULL", Ext->Format.BufferBytes);
        ops->PutDmaAdapter(Ext->Adapter);
        Ext->Adapter = NULL;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* Steps 3-4: an MDL for the buffer, built for nonpaged memory. */
    Ext->Mdl = IoAllocateMdl(Ext->BufferVa, Ext->Format.BufferBytes, FALSE, FALSE, NULL);
    if (Ext->Mdl == NULL) {
        ops->FreeCommonBuffer(Ext->Adapter, Ext->Format.BufferBytes, Ext->BufferLogical, Ext->BufferVa, FALSE);
        ops->PutDmaAdapter(Ext->Adapter);
        Ext->Adapter = NULL;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(Ext->Mdl);
    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DMA, "channel %u: %u map registers, common buffer %p logical %08I64X", channel, Ext->NumberOfMapRegisters, Ext->BufferVa, Ext->BufferLogical.QuadPart);

    KeInitializeDpc(&Ext->Dpc, Sb16Dpc, Ext);
    status = IoConnectInterrupt(&Ext->Interrupt, Sb16Isr, Ext, NULL, irq->u.Interrupt.Vector, (KIRQL)irq->u.Interrupt.Level, (KIRQL)irq->u.Interrupt.Level,
                                (irq->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive, irq->ShareDisposition == CmResourceShareShared, irq->u.Interrupt.Affinity, FALSE);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP, "IoConnectInterrupt failed %!STATUS!", status);
        Sb16StopDma(Ext);
        return status;
    }
    /* Reset the DSP: 1 then 0 on the reset port; it answers 0xAA. */
    WRITE_PORT_UCHAR(Ext->PortBase + SB_RESET, 1);
    WRITE_PORT_UCHAR(Ext->PortBase + SB_RESET, 0);
    if (READ_PORT_UCHAR(Ext->PortBase + SB_READ_DATA) != 0xAA) {
        Sb16StopDma(Ext);
        return STATUS_DEVICE_NOT_READY;
    }
    return STATUS_SUCCESS;
}

/* Copy the stream's bytes for one half (silence past its end) into that half of the common buffer. */
static VOID CopyChunk(PDEVICE_EXTENSION Ext, ULONG Half, ULONG StreamOffset)
{
    ULONG half = Ext->Format.BufferBytes / 2;
    PUCHAR dst = (PUCHAR)Ext->BufferVa + Half * half;
    ULONG n = 0;

    if (Ext->Stream != NULL && StreamOffset < Ext->StreamLength) n = min(half, Ext->StreamLength - StreamOffset);
    if (n > 0) RtlMoveMemory(dst, Ext->Stream + StreamOffset, n);
    /* Silence: 0 for signed 16-bit samples, 0x80 for unsigned 8-bit ones. */
    if (n < half) RtlFillMemory(dst + n, half - n, Wide(Ext) ? 0 : 0x80);
    Ext->Stats.Refills++;
}

/* The caller's data is all in the common buffer: the write is done (the card goes on playing it). */
static VOID CompleteWriteWhenCopied(PDEVICE_EXTENSION Ext)
{
    PIRP irp = Ext->WriteIrp;
    if (irp == NULL || min(Ext->PendingOffset[0], Ext->PendingOffset[1]) < Ext->StreamLength) return;
    Ext->WriteIrp = NULL;
    Ext->Stream = NULL;
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = Ext->StreamLength;
    IoCompleteRequest(irp, IO_SOUND_INCREMENT);
}

NTSTATUS Sb16StartPlayback(PDEVICE_EXTENSION Ext, PUCHAR Stream, ULONG Length)
{
    ULONG half = Ext->Format.BufferBytes / 2;
    ULONG samples;
    UCHAR mode;
    KIRQL old;
    NTSTATUS status;

    Ext->Stream = Stream;
    Ext->StreamLength = Length;
    /* RtlMoveMemory: both halves before the card starts. */
    CopyChunk(Ext, 0, 0);
    CopyChunk(Ext, 1, half);
    Ext->PendingOffset[0] = 2 * half;
    Ext->PendingOffset[1] = 3 * half;
    /* AllocateAdapterChannel runs at DISPATCH_LEVEL. */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    status = Ext->Adapter->DmaOperations->AllocateAdapterChannel(Ext->Adapter, Ext->Self, BYTES_TO_PAGES(Ext->Format.BufferBytes), Sb16ProgramDma, Ext);
    KeLowerIrql(old);
    if (!NT_SUCCESS(status)) return status;
    Ext->Playing = TRUE;
    /* The DSP: output rate, then auto-init output, block = half the buffer in samples. */
    samples = half / (Wide(Ext) ? 2 : 1) - 1;
    mode = (Wide(Ext) ? DSP_MODE_SIGNED : 0) | (Ext->Format.Channels == 2 ? DSP_MODE_STEREO : 0);
    DspWrite(Ext, DSP_SET_OUTPUT_RATE);
    DspWrite(Ext, (UCHAR)(Ext->Format.SampleRate >> 8));
    DspWrite(Ext, (UCHAR)(Ext->Format.SampleRate & 0xFF));
    DspWrite(Ext, (UCHAR)((Wide(Ext) ? DSP_START_16 : DSP_START_8) | DSP_CMD_AUTO_INIT | DSP_CMD_FIFO));
    DspWrite(Ext, mode);
    DspWrite(Ext, (UCHAR)(samples & 0xFF));
    DspWrite(Ext, (UCHAR)(samples >> 8));
    CompleteWriteWhenCopied(Ext);
    return STATUS_SUCCESS;
}

/* AdapterControl (DISPATCH_LEVEL): MapTransfer once for the whole common buffer; keep the channel. */
_Use_decl_annotations_
IO_ALLOCATION_ACTION Sb16ProgramDma(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)Context;
    ULONG length = ext->Format.BufferBytes;

    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    ext->MapRegisterBase = MapRegisterBase;
    /* For system DMA the returned logical address means nothing: the HAL has programmed the controller. */
    (VOID)ext->Adapter->DmaOperations->MapTransfer(ext->Adapter, ext->Mdl, MapRegisterBase, MmGetMdlVirtualAddress(ext->Mdl), &length, TRUE);
    return KeepObject;
}

/* ISR (DIRQL): our block interrupt? Acknowledge it and queue the DPC. */
_Use_decl_annotations_
BOOLEAN Sb16Isr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)ServiceContext;
    UCHAR status, bit;

    UNREFERENCED_PARAMETER(Interrupt);
    WRITE_PORT_UCHAR(ext->PortBase + SB_MIXER_INDEX, MIXER_IRQ_STATUS);
    status = READ_PORT_UCHAR(ext->PortBase + SB_MIXER_DATA);
    /* Bit 1: the 16-bit DMA interrupt (acknowledged at base+0xF); bit 0: the 8-bit one (base+0xE). */
    bit = Wide(ext) ? 2 : 1;
    if ((status & bit) == 0) return FALSE;
    (VOID)READ_PORT_UCHAR(ext->PortBase + (bit == 2 ? SB_ACK_16 : SB_READ_STATUS));
    ext->Stats.Interrupts++;
    KeInsertQueueDpc(&ext->Dpc, NULL, NULL);
    return TRUE;
}

/* DPC (DISPATCH_LEVEL): refill the half just played (the one the controller is not in). */
_Use_decl_annotations_
VOID Sb16Dpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PDEVICE_EXTENSION ext = (PDEVICE_EXTENSION)DeferredContext;
    ULONG size = ext->Format.BufferBytes;
    ULONG left, position, half, offset;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    if (!ext->Playing || ext->Adapter == NULL) return;
    left = ext->Adapter->DmaOperations->ReadDmaCounter(ext->Adapter);
    /* Position from the counter; 0 and the full size both mean "at the start". */
    position = (left == 0 || left >= size) ? 0 : size - left;
    half = position < size / 2 ? 1 : 0;
    if (ext->Stats.Dpcs < RTL_NUMBER_OF(ext->Stats.CounterReads)) {
        ext->Stats.CounterReads[ext->Stats.Dpcs] = left;
        ext->Stats.RefilledHalves[ext->Stats.Dpcs] = half;
    }
    ext->Stats.Dpcs++;
    offset = ext->PendingOffset[half];
    ext->PendingOffset[half] = offset + size;
    CopyChunk(ext, half, offset);
    CompleteWriteWhenCopied(ext);
}

/* Stop playing (PASSIVE_LEVEL): pause the card, flush and free the channel. */
VOID Sb16StopPlayback(PDEVICE_EXTENSION Ext)
{
    KIRQL old;
    if (!Ext->Playing || Ext->Adapter == NULL) return;
    DspWrite(Ext, Wide(Ext) ? DSP_PAUSE_16 : DSP_PAUSE_8);
    Ext->Playing = FALSE;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    Ext->Adapter->DmaOperations->FlushAdapterBuffers(Ext->Adapter, Ext->Mdl, Ext->MapRegisterBase, MmGetMdlVirtualAddress(Ext->Mdl), Ext->Format.BufferBytes, TRUE);
    Ext->Adapter->DmaOperations->FreeAdapterChannel(Ext->Adapter);
    KeLowerIrql(old);
    Ext->MapRegisterBase = NULL;
    if (Ext->WriteIrp != NULL) {
        PIRP irp = Ext->WriteIrp;
        Ext->WriteIrp = NULL;
        irp->IoStatus.Status = STATUS_CANCELLED;
        irp->IoStatus.Information = 0;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
    Ext->Stream = NULL;
}

/* Release everything the start claimed (PASSIVE_LEVEL). */
VOID Sb16StopDma(PDEVICE_EXTENSION Ext)
{
    if (Ext->Interrupt != NULL) IoDisconnectInterrupt(Ext->Interrupt);
    Ext->Interrupt = NULL;
    if (Ext->Mdl != NULL) IoFreeMdl(Ext->Mdl);
    Ext->Mdl = NULL;
    if (Ext->Adapter != NULL) {
#ifndef SB16_FORGET_FREE_ON_REMOVE
        Ext->Adapter->DmaOperations->FreeCommonBuffer(Ext->Adapter, Ext->Format.BufferBytes, Ext->BufferLogical, Ext->BufferVa, FALSE);
#endif
        Ext->Adapter->DmaOperations->PutDmaAdapter(Ext->Adapter);
    }
    Ext->Adapter = NULL;
    Ext->BufferVa = NULL;
}
