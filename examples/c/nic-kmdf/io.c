/*
 * I/O: writes are copied into the TX packet buffer of the next free
 * descriptor and completed once the frame is on the ring (a write that finds
 * the ring full, or the link down, waits in the driver's FIFO for the DPC);
 * reads wait in the driver's FIFO for the next received frame. The ISR reads
 * ICR; the DPC reaps transmitted descriptors, sends what waited and hands
 * received frames to the waiting reads, giving each descriptor back (RDT).
 * EvtIoStop ends the requests the driver still holds when the device stops.
 */
#include "nic.h"
#include "io.tmh"

static VOID Push(NIC_REQUESTS *q, WDFREQUEST r) {
    q->Slot[(q->Head + q->Count) % NIC_REQUEST_SLOTS] = r;
    q->Count++;
}
static WDFREQUEST Pop(NIC_REQUESTS *q) {
    WDFREQUEST r = q->Slot[q->Head];
    q->Head = (q->Head + 1) % NIC_REQUEST_SLOTS;
    q->Count--;
    return r;
}

VOID NicResetRings(NIC_DEVICE *n) {
    E1000_RX_DESC *rx = (E1000_RX_DESC *)n->RxRing.Va;
    ULONG i;
    RtlZeroMemory(n->TxRing.Va, NIC_TX_DESCRIPTORS * sizeof(E1000_TX_DESC));
    for (i = 0; i < NIC_RX_DESCRIPTORS; i++) {
        rx[i].Address = (ULONGLONG)n->RxBuffers.La.QuadPart + (ULONGLONG)i * NIC_BUFFER_SIZE;
        rx[i].Length = 0;
        rx[i].Status = 0;
        rx[i].Errors = 0;
    }
    n->TxHead = n->TxTail = n->RxNext = 0;
}

/* Put one frame on the TX ring (the caller checked there is a free descriptor) and complete its write. */
static VOID NicSend(NIC_DEVICE *n, WDFREQUEST Request) {
    E1000_TX_DESC *d = (E1000_TX_DESC *)n->TxRing.Va + n->TxTail;
    PVOID frame;
    SIZE_T length;
    NTSTATUS status = WdfRequestRetrieveInputBuffer(Request, NIC_MIN_FRAME, &frame, &length);
    if (!NT_SUCCESS(status) || length > NIC_MAX_FRAME) {
        WdfRequestComplete(Request, NT_SUCCESS(status) ? STATUS_INVALID_BUFFER_SIZE : status);
        return;
    }
    RtlCopyMemory(n->TxBuffers.Va + n->TxTail * NIC_BUFFER_SIZE, frame, length);
    d->Address = (ULONGLONG)n->TxBuffers.La.QuadPart + (ULONGLONG)n->TxTail * NIC_BUFFER_SIZE;
    d->Length = (USHORT)length;
    d->Cso = 0;
    d->Css = 0;
    d->Special = 0;
    d->Status = 0;
    d->Cmd = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
    n->TxTail = (n->TxTail + 1) % NIC_TX_DESCRIPTORS;
    NicWrite(n, E1000_TDT, n->TxTail);
    n->Sent++;
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, length);
}

static BOOLEAN NicTxFull(NIC_DEVICE *n) {
    return (n->TxTail + 1) % NIC_TX_DESCRIPTORS == n->TxHead;
}

static VOID NicSendWaiting(NIC_DEVICE *n) {
    while (n->LinkUp && n->WaitingWrites.Count > 0 && !NicTxFull(n)) NicSend(n, Pop(&n->WaitingWrites));
}

/*
 * Received frames to waiting reads, in ring order. The descriptors go back to
 * the chip in batches, as Intel's e1000 driver does: one RDT write per 16 and
 * one for the rest at the end.
 */
static VOID NicDeliverRx(NIC_DEVICE *n) {
    E1000_RX_DESC *ring = (E1000_RX_DESC *)n->RxRing.Va;
    ULONG unreturned = 0, last = 0;
    while (n->WaitingReads.Count > 0) {
        E1000_RX_DESC *d = &ring[n->RxNext];
        WDFREQUEST read;
        PVOID out;
        SIZE_T room;
        ULONG length;
        NTSTATUS status;
        if ((d->Status & RXD_STAT_DD) == 0) break;
        length = d->Length;
        read = Pop(&n->WaitingReads);
        status = WdfRequestRetrieveOutputBuffer(read, length, &out, &room);
        if (NT_SUCCESS(status)) {
            RtlCopyMemory(out, n->RxBuffers.Va + n->RxNext * NIC_BUFFER_SIZE, length);
            n->Received++;
            WdfRequestCompleteWithInformation(read, STATUS_SUCCESS, length);
        } else WdfRequestComplete(read, status);
        d->Status = 0;
        last = n->RxNext;
        if (++unreturned == 16) {
            NicWrite(n, E1000_RDT, last);
            unreturned = 0;
        }
        n->RxNext = (n->RxNext + 1) % NIC_RX_DESCRIPTORS;
    }
    if (unreturned > 0) NicWrite(n, E1000_RDT, last);
}

/* Take `r` out of the FIFO wherever it is; FALSE when it is not there. */
static BOOLEAN Remove(NIC_REQUESTS *q, WDFREQUEST r) {
    ULONG i, found = q->Count;
    for (i = 0; i < q->Count; i++) if (q->Slot[(q->Head + i) % NIC_REQUEST_SLOTS] == r) found = i;
    if (found == q->Count) return FALSE;
    for (i = found; i + 1 < q->Count; i++) q->Slot[(q->Head + i) % NIC_REQUEST_SLOTS] = q->Slot[(q->Head + i + 1) % NIC_REQUEST_SLOTS];
    q->Count--;
    return TRUE;
}

/*
 * EvtIoStop: the device is leaving D0 (or being removed) while the driver
 * holds a write waiting for a descriptor or a read waiting for a frame: the
 * request ends now (a frame already on the ring had its write completed).
 */
VOID NicEvtIoStop(WDFQUEUE Queue, WDFREQUEST Request, ULONG ActionFlags) {
    NIC_DEVICE *n = NicGetDevice(WdfIoQueueGetDevice(Queue));
    UNREFERENCED_PARAMETER(ActionFlags);
    if (Remove(&n->WaitingWrites, Request) || Remove(&n->WaitingReads, Request)) WdfRequestComplete(Request, STATUS_CANCELLED);
}

VOID NicEvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    NIC_DEVICE *n = NicGetDevice(WdfIoQueueGetDevice(Queue));
    UNREFERENCED_PARAMETER(Length);
    if (n->WaitingWrites.Count == NIC_REQUEST_SLOTS) {
        WdfRequestComplete(Request, STATUS_DEVICE_BUSY);
        return;
    }
    Push(&n->WaitingWrites, Request);
    NicSendWaiting(n);
}

VOID NicEvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    NIC_DEVICE *n = NicGetDevice(WdfIoQueueGetDevice(Queue));
    UNREFERENCED_PARAMETER(Length);
    if (n->WaitingReads.Count == NIC_REQUEST_SLOTS) {
        WdfRequestComplete(Request, STATUS_DEVICE_BUSY);
        return;
    }
    Push(&n->WaitingReads, Request);
    NicDeliverRx(n);
}

BOOLEAN NicEvtIsr(WDFINTERRUPT Interrupt, ULONG MessageID) {
    NIC_DEVICE *n = NicGetDevice(WdfInterruptGetDevice(Interrupt));
    ULONG icr;
    UNREFERENCED_PARAMETER(MessageID);
    /* ICR is read-to-clear; 0 means another device on the shared line. */
    icr = NicRead(n, E1000_ICR);
    if (icr == 0) return FALSE;
    n->Interrupts++;
    n->PendingIcr |= icr;
    WdfInterruptQueueDpcForIsr(Interrupt);
    return TRUE;
}

VOID NicEvtDpc(WDFINTERRUPT Interrupt, WDFOBJECT Device) {
    NIC_DEVICE *n = NicGetDevice((WDFDEVICE)Device);
    E1000_TX_DESC *tx = (E1000_TX_DESC *)n->TxRing.Va;
    ULONG icr;
    n->Dpcs++;
    WdfInterruptAcquireLock(Interrupt);
    icr = n->PendingIcr;
    n->PendingIcr = 0;
    WdfInterruptReleaseLock(Interrupt);
    if (icr & ICR_LSC) {
        n->LinkUp = (NicRead(n, E1000_STATUS) & STATUS_LU) != 0;
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DPC, "link %s", n->LinkUp ? "up" : "down");
    }
    /* Every descriptor carries RS: DD marks each one done. */
    while (n->TxHead != n->TxTail && (tx[n->TxHead].Status & TXD_STAT_DD) != 0) n->TxHead = (n->TxHead + 1) % NIC_TX_DESCRIPTORS;
    NicSendWaiting(n);
    NicDeliverRx(n);
}

NTSTATUS NicEvtInterruptEnable(WDFINTERRUPT Interrupt, WDFDEVICE Device) {
    UNREFERENCED_PARAMETER(Interrupt);
    NicWrite(NicGetDevice(Device), E1000_IMS, IMS_ENABLE);
    return STATUS_SUCCESS;
}

NTSTATUS NicEvtInterruptDisable(WDFINTERRUPT Interrupt, WDFDEVICE Device) {
    UNREFERENCED_PARAMETER(Interrupt);
    NicWrite(NicGetDevice(Device), E1000_IMC, 0xFFFFFFFF);
    return STATUS_SUCCESS;
}
