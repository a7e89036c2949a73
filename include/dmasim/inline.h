/*
 * The WDK's header-only routines, written for dmasim from their documented
 * behaviour: IRP stack-location helpers, register access (plain volatile
 * loads and stores: on dmasim they go through the simulated CPU to the
 * device), MDL accessors, lists, interlocked operations, Rtl memory macros.
 */
#ifndef DMASIM_INLINE_H
#define DMASIM_INLINE_H

DMASIM_BEGIN_C

/* The C runtime dmasim links into every driver. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length);
VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString);
VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);

#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlSecureZeroMemory(Destination, Length) memset((Destination), 0, (Length))

/* ---- IRQL and spin locks ---- */
#define KeRaiseIrql(NewIrql, OldIrql) (*(OldIrql) = KfRaiseIrql(NewIrql))
#define KeAcquireSpinLock(SpinLock, OldIrql) (*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock))
FORCEINLINE VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock) { *SpinLock = 0; }
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrierWithoutFence() __asm__ __volatile__("" ::: "memory")
#define _ReadWriteBarrier() __asm__ __volatile__("" ::: "memory")
#define KeGetCurrentProcessorNumber() 0UL
#define KeQuerySystemTime(CurrentTime) KeQuerySystemTimePrecise(CurrentTime)

/* ---- ASSERT (live in checked builds: DBG) ---- */
#if DBG
#define ASSERT(exp) ((!(exp)) ? (RtlAssert((PVOID)#exp, (PVOID)__FILE__, __LINE__, NULL), FALSE) : TRUE)
#define ASSERTMSG(msg, exp) ((!(exp)) ? (RtlAssert((PVOID)#exp, (PVOID)__FILE__, __LINE__, (PSTR)(msg)), FALSE) : TRUE)
#define NT_ASSERT(exp) ASSERT(exp)
#define NT_ASSERTMSG(msg, exp) ASSERTMSG(msg, exp)
#define KdPrint(_x_) DbgPrint _x_
#define KdPrintEx(_x_) DbgPrintEx _x_
#define KdBreakPoint() DbgBreakPoint()
#else
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERT(exp) ((void)0)
#define NT_ASSERTMSG(msg, exp) ((void)0)
#define KdPrint(_x_)
#define KdPrintEx(_x_)
#define KdBreakPoint()
#endif
#define NT_VERIFY(exp) ((exp) ? TRUE : (ASSERT(exp), FALSE))

/* ---- IRPs ---- */
#define IoCallDriver(DeviceObject, Irp) IofCallDriver((DeviceObject), (Irp))
#define IoCompleteRequest(Irp, PriorityBoost) IofCompleteRequest((Irp), (PriorityBoost))
#define IoGetCurrentIrpStackLocation(Irp) ((Irp)->Tail.Overlay.CurrentStackLocation)
#define IoGetNextIrpStackLocation(Irp) ((Irp)->Tail.Overlay.CurrentStackLocation - 1)
#define IoSizeOfIrp(StackSize) ((USHORT)(sizeof(IRP) + ((StackSize) * sizeof(IO_STACK_LOCATION))))
FORCEINLINE VOID IoSkipCurrentIrpStackLocation(PIRP Irp) {
    Irp->CurrentLocation++;
    Irp->Tail.Overlay.CurrentStackLocation++;
}
FORCEINLINE VOID IoCopyCurrentIrpStackLocationToNext(PIRP Irp) {
    PIO_STACK_LOCATION cur = IoGetCurrentIrpStackLocation(Irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    /* Everything but the completion routine and its context, which belong to the caller. */
    memcpy(next, cur, FIELD_OFFSET(IO_STACK_LOCATION, CompletionRoutine));
    next->Control = 0;
}
FORCEINLINE VOID IoMarkIrpPending(PIRP Irp) {
    IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED;
}
FORCEINLINE VOID IoSetCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel) {
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    next->CompletionRoutine = CompletionRoutine;
    next->Context = Context;
    next->Control = 0;
    if (InvokeOnSuccess) next->Control = SL_INVOKE_ON_SUCCESS;
    if (InvokeOnError) next->Control |= SL_INVOKE_ON_ERROR;
    if (InvokeOnCancel) next->Control |= SL_INVOKE_ON_CANCEL;
}
FORCEINLINE PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine) {
    PDRIVER_CANCEL old = Irp->CancelRoutine;
    Irp->CancelRoutine = CancelRoutine;
    return old;
}
/* A device's DpcForIsr is the KDPC inside its DEVICE_OBJECT (wdm.h documents both as macros over it). */
#define IoInitializeDpcRequest(DeviceObject, DpcRoutine) KeInitializeDpc(&(DeviceObject)->Dpc, (PKDEFERRED_ROUTINE)(DpcRoutine), (DeviceObject))
#define IoRequestDpc(DeviceObject, Irp, Context) KeInsertQueueDpc(&(DeviceObject)->Dpc, (Irp), (Context))

/* ---- MDLs ---- */
#define MmGetMdlPfnArray(Mdl) ((PPFN_NUMBER)((Mdl) + 1))
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
#define MmGetMdlBaseVa(Mdl) ((Mdl)->StartVa)
#define MmGetSystemAddressForMdlSafe(Mdl, Priority) \
    (((Mdl)->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) ? ((Mdl)->MappedSystemVa) : MmMapLockedPagesSpecifyCache((Mdl), KernelMode, MmCached, NULL, FALSE, (Priority)))
#define ExAllocatePool(Type, Bytes) ExAllocatePoolWithTag((Type), (Bytes), 0x656e6f4e /* 'None' */)

/*
 * ---- Registers: a load or store at the mapped VA (MmMapIoSpace). dmasim
 * routes it through the CPU path to the device model, at the access's width.
 */
#define READ_REGISTER_UCHAR(Register) (*(volatile UCHAR *)(Register))
#define READ_REGISTER_USHORT(Register) (*(volatile USHORT *)(Register))
#define READ_REGISTER_ULONG(Register) (*(volatile ULONG *)(Register))
#define READ_REGISTER_ULONG64(Register) (*(volatile ULONG64 *)(Register))
#define WRITE_REGISTER_UCHAR(Register, Value) ((void)(*(volatile UCHAR *)(Register) = (Value)))
#define WRITE_REGISTER_USHORT(Register, Value) ((void)(*(volatile USHORT *)(Register) = (Value)))
#define WRITE_REGISTER_ULONG(Register, Value) ((void)(*(volatile ULONG *)(Register) = (Value)))
#define WRITE_REGISTER_ULONG64(Register, Value) ((void)(*(volatile ULONG64 *)(Register) = (Value)))
#define DMASIM_REGISTER_BUFFER(T, Name) \
    FORCEINLINE VOID READ_REGISTER_BUFFER_##Name(volatile T *Register, T *Buffer, ULONG Count) { while (Count--) *Buffer++ = *Register++; } \
    FORCEINLINE VOID WRITE_REGISTER_BUFFER_##Name(volatile T *Register, T *Buffer, ULONG Count) { while (Count--) *Register++ = *Buffer++; } \
    FORCEINLINE VOID READ_PORT_BUFFER_##Name(T *Port, T *Buffer, ULONG Count) { while (Count--) *Buffer++ = READ_PORT_##Name(Port); } \
    FORCEINLINE VOID WRITE_PORT_BUFFER_##Name(T *Port, T *Buffer, ULONG Count) { while (Count--) WRITE_PORT_##Name(Port, *Buffer++); }
DMASIM_REGISTER_BUFFER(UCHAR, UCHAR)
DMASIM_REGISTER_BUFFER(USHORT, USHORT)
DMASIM_REGISTER_BUFFER(ULONG, ULONG)

/* ---- Doubly linked lists ---- */
FORCEINLINE VOID InitializeListHead(PLIST_ENTRY ListHead) { ListHead->Flink = ListHead->Blink = ListHead; }
FORCEINLINE BOOLEAN IsListEmpty(const LIST_ENTRY *ListHead) { return (BOOLEAN)(ListHead->Flink == ListHead); }
FORCEINLINE BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
    PLIST_ENTRY f = Entry->Flink, b = Entry->Blink;
    b->Flink = f;
    f->Blink = b;
    return (BOOLEAN)(f == b);
}
FORCEINLINE PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY e = ListHead->Flink;
    RemoveEntryList(e);
    return e;
}
FORCEINLINE PLIST_ENTRY RemoveTailList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY e = ListHead->Blink;
    RemoveEntryList(e);
    return e;
}
FORCEINLINE VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY b = ListHead->Blink;
    Entry->Flink = ListHead;
    Entry->Blink = b;
    b->Flink = Entry;
    ListHead->Blink = Entry;
}
FORCEINLINE VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY f = ListHead->Flink;
    Entry->Flink = f;
    Entry->Blink = ListHead;
    f->Blink = Entry;
    ListHead->Flink = Entry;
}

/* ---- Interlocked operations (one processor: plain read-modify-write, no atomics instructions) ---- */
#define InterlockedIncrement(p) __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedDecrement(p) __atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedExchangeAdd(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedAdd(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedExchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedOr(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedAnd(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedExchangePointer(p, v) ((PVOID)__atomic_exchange_n((PVOID *)(p), (PVOID)(v), __ATOMIC_SEQ_CST))
FORCEINLINE LONG DmasimCompareExchange(volatile LONG *Destination, LONG Exchange, LONG Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE PVOID DmasimCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange, PVOID Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return Comperand;
}
#define InterlockedCompareExchange(d, e, c) DmasimCompareExchange((volatile LONG *)(d), (e), (c))
#define InterlockedCompareExchangePointer(d, e, c) DmasimCompareExchangePointer((PVOID volatile *)(d), (e), (c))

DMASIM_END_C

#endif /* DMASIM_INLINE_H */
