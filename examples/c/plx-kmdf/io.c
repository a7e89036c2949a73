/*
 * Reads and writes: each request is one DMA transaction; EvtProgramDma
 * writes the fragment's scatter/gather list into the channel's ring and
 * starts the channel; the ISR acknowledges the channel's interrupt and the
 * DPC completes the transaction (or lets the framework stage its next
 * fragment).
 */
#include "plx.h"
#include "io.tmh"

static BOOLEAN PlxProgram(PLX_DEVICE *p, ULONG ch, WDFDMATRANSACTION t, PSCATTER_GATHER_LIST sg) {
    PLX_CHANNEL *c = &p->Channel[ch];
    ULONG offset = (ULONG)WdfDmaTransactionGetBytesTransferred(t);
    ULONG i;
    for (i = 0; i < sg->NumberOfElements; i++) {
        PLX_ELEMENT *e = &c->RingVa[i];
        ULONG next = c->RingLa.LowPart + (i + 1) * sizeof(PLX_ELEMENT);
        e->PciLow = sg->Elements[i].Address.LowPart;
        e->PciHigh = (ULONG)sg->Elements[i].Address.HighPart;
        e->Size = sg->Elements[i].Length;
        e->LocalAddress = offset;
        e->Next = next | DESC_IN_PCI | (ch == CH_READ ? DESC_FROM_DEVICE : 0) | (i + 1 == sg->NumberOfElements ? DESC_LAST : 0);
        offset += sg->Elements[i].Length;
    }
    WdfInterruptAcquireLock(p->Interrupt);
    c->Done = FALSE;
    PlxWrite(p, PLX_DMAMODE(ch), PlxRead(p, PLX_DMAMODE(ch)) | DMAMODE_SG | DMAMODE_DONE_INT | DMAMODE_INT_TO_PCI | DMAMODE_DAC_CHAIN | DMAMODE_CLEAR_COUNT);
    PlxWrite(p, PLX_INTCSR, PlxRead(p, PLX_INTCSR) | INTCSR_PCI_INT_ENABLE | INTCSR_DMA_INT_ENABLE(ch));
    PlxWrite(p, PLX_DMADPR(ch), c->RingLa.LowPart | DESC_IN_PCI);
    WRITE_REGISTER_UCHAR(p->Regs + PLX_DMACSR(ch), DMACSR_ENABLE | DMACSR_START);
    WdfInterruptReleaseLock(p->Interrupt);
    return TRUE;
}

static BOOLEAN PlxProgramWrite(WDFDMATRANSACTION t, WDFDEVICE d, WDFCONTEXT ctx, WDF_DMA_DIRECTION dir, PSCATTER_GATHER_LIST sg) {
    UNREFERENCED_PARAMETER(ctx);
    UNREFERENCED_PARAMETER(dir);
    return PlxProgram(PlxGetDevice(d), CH_WRITE, t, sg);
}

static BOOLEAN PlxProgramRead(WDFDMATRANSACTION t, WDFDEVICE d, WDFCONTEXT ctx, WDF_DMA_DIRECTION dir, PSCATTER_GATHER_LIST sg) {
    UNREFERENCED_PARAMETER(ctx);
    UNREFERENCED_PARAMETER(dir);
    return PlxProgram(PlxGetDevice(d), CH_READ, t, sg);
}

static VOID PlxStart(WDFQUEUE Queue, WDFREQUEST Request, size_t Length, ULONG ch) {
    PLX_DEVICE *p = PlxGetDevice(WdfIoQueueGetDevice(Queue));
    WDFDMATRANSACTION t = p->Channel[ch].Transaction;
    NTSTATUS status;
    if (Length > PLX_SRAM_LENGTH) {
        WdfRequestComplete(Request, STATUS_INVALID_BUFFER_SIZE);
        return;
    }
    status = WdfDmaTransactionInitializeUsingRequest(t, Request, ch == CH_WRITE ? PlxProgramWrite : PlxProgramRead, ch == CH_WRITE ? WdfDmaDirectionWriteToDevice : WdfDmaDirectionReadFromDevice);
    if (NT_SUCCESS(status)) status = WdfDmaTransactionExecute(t, WDF_NO_CONTEXT);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_IO, "channel %u: %!STATUS!", ch, status);
        WdfDmaTransactionRelease(t);
        WdfRequestComplete(Request, status);
    }
}

VOID PlxEvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) { PlxStart(Queue, Request, Length, CH_WRITE); }
VOID PlxEvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) { PlxStart(Queue, Request, Length, CH_READ); }

BOOLEAN PlxEvtIsr(WDFINTERRUPT Interrupt, ULONG MessageID) {
    PLX_DEVICE *p = PlxGetDevice(WdfInterruptGetDevice(Interrupt));
    ULONG intcsr = PlxRead(p, PLX_INTCSR);
    BOOLEAN mine = FALSE;
    ULONG ch;
    UNREFERENCED_PARAMETER(MessageID);
    p->IsrIrql = KeGetCurrentIrql();
    for (ch = 0; ch < 2; ch++) {
        if ((intcsr & INTCSR_DMA_INT_ACTIVE(ch)) == 0) continue;
        if (READ_REGISTER_UCHAR(p->Regs + PLX_DMACSR(ch)) & DMACSR_DONE) p->Channel[ch].Done = TRUE;
        WRITE_REGISTER_UCHAR(p->Regs + PLX_DMACSR(ch), DMACSR_CLEAR);
        mine = TRUE;
    }
    if (mine) WdfInterruptQueueDpcForIsr(Interrupt);
    return mine;
}

VOID PlxEvtDpc(WDFINTERRUPT Interrupt, WDFOBJECT Device) {
    PLX_DEVICE *p = PlxGetDevice(WdfInterruptGetDevice(Interrupt));
    ULONG ch;
    UNREFERENCED_PARAMETER(Device);
    for (ch = 0; ch < 2; ch++) {
        WDFDMATRANSACTION t = p->Channel[ch].Transaction;
        NTSTATUS status;
        BOOLEAN done;
        WdfInterruptAcquireLock(Interrupt);
        done = p->Channel[ch].Done;
        p->Channel[ch].Done = FALSE;
        WdfInterruptReleaseLock(Interrupt);
        if (!done) continue;
        if (WdfDmaTransactionDmaCompleted(t, &status)) {
            WDFREQUEST r = WdfDmaTransactionGetRequest(t);
            size_t bytes = WdfDmaTransactionGetBytesTransferred(t);
            TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DPC, "channel %u: %Iu bytes, %!STATUS! (ISR at IRQL %u, DPC at %u)", ch, bytes, status, p->IsrIrql, KeGetCurrentIrql());
            WdfDmaTransactionRelease(t);
            WdfRequestCompleteWithInformation(r, status, bytes);
        }
    }
}

NTSTATUS PlxEvtInterruptEnable(WDFINTERRUPT Interrupt, WDFDEVICE Device) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    UNREFERENCED_PARAMETER(Interrupt);
    PlxWrite(p, PLX_INTCSR, PlxRead(p, PLX_INTCSR) | INTCSR_PCI_INT_ENABLE);
    return STATUS_SUCCESS;
}

NTSTATUS PlxEvtInterruptDisable(WDFINTERRUPT Interrupt, WDFDEVICE Device) {
    PLX_DEVICE *p = PlxGetDevice(Device);
    UNREFERENCED_PARAMETER(Interrupt);
    PlxWrite(p, PLX_INTCSR, PlxRead(p, PLX_INTCSR) & ~INTCSR_PCI_INT_ENABLE);
    return STATUS_SUCCESS;
}
