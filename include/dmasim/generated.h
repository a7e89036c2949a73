/* Generated from src/cdriver/layout/structs.ts by src/cdriver/layout/generate-header.ts: do not edit. */
/* The layouts here are the ones the dmasim host reads and writes; a compiled test checks them. */
#ifndef DMASIM_GENERATED_H
#define DMASIM_GENERATED_H

#ifndef VOID
#define VOID void
#endif

typedef char CHAR;
typedef unsigned char UCHAR;
typedef unsigned char BOOLEAN;
typedef char CCHAR;
typedef unsigned char KIRQL;
typedef char KPROCESSOR_MODE;
typedef short SHORT;
typedef short CSHORT;
typedef unsigned short USHORT;
typedef __WCHAR_TYPE__ WCHAR;
typedef long LONG;
typedef unsigned long ULONG;
typedef int INT;
typedef unsigned int UINT;
typedef long NTSTATUS;
typedef unsigned long CLONG;
typedef unsigned long LOGICAL;
typedef unsigned long ACCESS_MASK;
typedef unsigned long DEVICE_TYPE;
typedef long KPRIORITY;
typedef long LONG_PTR;
typedef unsigned long ULONG_PTR;
typedef int INT_PTR;
typedef unsigned int UINT_PTR;
typedef unsigned long SIZE_T;
typedef long SSIZE_T;
typedef unsigned long KAFFINITY;
typedef unsigned long KSPIN_LOCK;
typedef unsigned long PFN_NUMBER;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef long long LONG64;
typedef unsigned long long ULONG64;

#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3L)
#define STATUS_NONE_MAPPED ((NTSTATUS)0xC0000073L)
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120L)
#define STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056L)
#define STATUS_DEVICE_REMOVED ((NTSTATUS)0xC00002B6L)
#define STATUS_DEVICE_CONFIGURATION_ERROR ((NTSTATUS)0xC0000182L)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#define STATUS_WDF_OBJECT_ATTRIBUTES_INVALID ((NTSTATUS)0xC0200209L)
#define STATUS_WDF_PARENT_ALREADY_ASSIGNED ((NTSTATUS)0xC020020DL)
#define STATUS_WDF_PARENT_IS_SELF ((NTSTATUS)0xC020020EL)
#define STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED ((NTSTATUS)0xC020020FL)
#define STATUS_WDF_PARENT_NOT_SPECIFIED ((NTSTATUS)0xC0200212L)
#define STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID ((NTSTATUS)0xC0200210L)
#define STATUS_WDF_EXECUTION_LEVEL_INVALID ((NTSTATUS)0xC0200211L)
#define STATUS_WDF_TOO_FRAGMENTED ((NTSTATUS)0xC020020AL)
#define STATUS_CANNOT_DELETE ((NTSTATUS)0xC0000121L)
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001AL)
#define STATUS_DEVICE_BUSY ((NTSTATUS)0x80000011L)
#define STATUS_INTERNAL_ERROR ((NTSTATUS)0xC00000E5L)
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000EL)
#define STATUS_WDF_INTERNAL_ERROR ((NTSTATUS)0xC0200201L)
#define STATUS_WDF_PAUSED ((NTSTATUS)0xC0200203L)
#define STATUS_WDF_BUSY ((NTSTATUS)0xC0200204L)
#define STATUS_WDF_REQUEST_ALREADY_PENDING ((NTSTATUS)0xC0200207L)
#define STATUS_WDF_NO_CALLBACK ((NTSTATUS)0xC020020BL)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#define STATUS_INVALID_BUFFER_SIZE ((NTSTATUS)0xC0000206L)
#define STATUS_IO_DEVICE_ERROR ((NTSTATUS)0xC0000185L)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#define STATUS_DEVICE_DOES_NOT_EXIST ((NTSTATUS)0xC00000C0L)
#define STATUS_INVALID_USER_BUFFER ((NTSTATUS)0xC00000E8L)
#define IRP_MJ_CREATE 0
#define IRP_MJ_CLOSE 2
#define IRP_MJ_READ 3
#define IRP_MJ_WRITE 4
#define IRP_MJ_DEVICE_CONTROL 14
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 15
#define IRP_MJ_CLEANUP 18
#define IRP_MJ_POWER 22
#define IRP_MJ_SYSTEM_CONTROL 23
#define IRP_MJ_PNP 27
#define IRP_MJ_MAXIMUM_FUNCTION 27
#define IRP_MN_START_DEVICE 0
#define IRP_MN_QUERY_REMOVE_DEVICE 1
#define IRP_MN_REMOVE_DEVICE 2
#define IRP_MN_CANCEL_REMOVE_DEVICE 3
#define IRP_MN_STOP_DEVICE 4
#define IRP_MN_QUERY_STOP_DEVICE 5
#define IRP_MN_CANCEL_STOP_DEVICE 6
#define IRP_MN_QUERY_DEVICE_RELATIONS 7
#define IRP_MN_QUERY_CAPABILITIES 9
#define IRP_MN_QUERY_PNP_DEVICE_STATE 20
#define IRP_MN_SURPRISE_REMOVAL 23
#define SL_PENDING_RETURNED 1
#define SL_INVOKE_ON_CANCEL 32
#define SL_INVOKE_ON_SUCCESS 64
#define SL_INVOKE_ON_ERROR 128
#define IO_NO_INCREMENT 0
#define IO_SOUND_INCREMENT 8
#define IO_SERIAL_INCREMENT 2
#define DO_VERIFY_VOLUME 2
#define DO_BUFFERED_IO 4
#define DO_EXCLUSIVE 8
#define DO_DIRECT_IO 16
#define DO_MAP_IO_BUFFER 32
#define DO_DEVICE_INITIALIZING 128
#define DO_POWER_PAGABLE 8192
#define DO_POWER_INRUSH 16384
#define FILE_DEVICE_SECURE_OPEN 256
#define FILE_DEVICE_SOUND 29
#define FILE_DEVICE_UNKNOWN 34
#define FILE_DEVICE_NETWORK 18
#define FILE_DEVICE_BUS_EXTENDER 42
#define FILE_BYTE_ALIGNMENT 0
#define FILE_WORD_ALIGNMENT 1
#define FILE_LONG_ALIGNMENT 3
#define FILE_QUAD_ALIGNMENT 7
#define FILE_OCTA_ALIGNMENT 15
#define FILE_32_BYTE_ALIGNMENT 31
#define FILE_64_BYTE_ALIGNMENT 63
#define FILE_128_BYTE_ALIGNMENT 127
#define FILE_256_BYTE_ALIGNMENT 255
#define FILE_512_BYTE_ALIGNMENT 511
#define METHOD_BUFFERED 0
#define METHOD_IN_DIRECT 1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER 3
#define FILE_ANY_ACCESS 0
#define FILE_READ_ACCESS 1
#define FILE_WRITE_ACCESS 2
#define FILE_READ_DATA 1
#define FILE_WRITE_DATA 2
#define CmResourceTypeNull 0
#define CmResourceTypePort 1
#define CmResourceTypeInterrupt 2
#define CmResourceTypeMemory 3
#define CmResourceTypeDma 4
#define CmResourceTypeDeviceSpecific 5
#define CmResourceTypeBusNumber 6
#define CmResourceTypeMemoryLarge 7
#define CmResourceShareUndetermined 0
#define CmResourceShareDeviceExclusive 1
#define CmResourceShareDriverExclusive 2
#define CmResourceShareShared 3
#define CM_RESOURCE_PORT_MEMORY 0
#define CM_RESOURCE_PORT_IO 1
#define CM_RESOURCE_PORT_10_BIT_DECODE 4
#define CM_RESOURCE_PORT_16_BIT_DECODE 4
#define CM_RESOURCE_MEMORY_READ_WRITE 0
#define CM_RESOURCE_MEMORY_READ_ONLY 1
#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE 0
#define CM_RESOURCE_INTERRUPT_LATCHED 1
#define CM_RESOURCE_INTERRUPT_MESSAGE 2
#define CM_RESOURCE_DMA_8 0
#define CM_RESOURCE_DMA_16 1
#define CM_RESOURCE_DMA_32 2
#define CM_RESOURCE_DMA_8_AND_16 4
#define CM_RESOURCE_DMA_BUS_MASTER 8
#define DEVICE_DESCRIPTION_VERSION 0
#define DEVICE_DESCRIPTION_VERSION1 1
#define DEVICE_DESCRIPTION_VERSION2 2
#define DEVICE_DESCRIPTION_VERSION3 3
#define DMA_ADAPTER_INFO_VERSION1 1
#define DOMAIN_COMMON_BUFFER_LARGE_PAGE 1
#define MM_ANY_NODE_OK 0x80000000UL
#define MDL_MAPPED_TO_SYSTEM_VA 1
#define MDL_PAGES_LOCKED 2
#define MDL_SOURCE_IS_NONPAGED_POOL 4
#define MDL_ALLOCATED_FIXED_SIZE 8
#define MDL_PARTIAL 16
#define MDL_IO_SPACE 2048
#define MdlMappingNoExecute 0x40000000
#define PAGE_SIZE 4096
#define PAGE_SHIFT 12
#define PAGE_NOACCESS 1
#define PAGE_READONLY 2
#define PAGE_READWRITE 4
#define PAGE_EXECUTE 16
#define PAGE_EXECUTE_READ 32
#define PAGE_EXECUTE_READWRITE 64
#define PAGE_NOCACHE 512
#define PAGE_WRITECOMBINE 1024
#define POOL_FLAG_NON_PAGED 64
#define POOL_FLAG_NON_PAGED_EXECUTE 128
#define POOL_FLAG_PAGED 256
#define POOL_FLAG_UNINITIALIZED 2
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define HIGH_LEVEL 15
#define TRACE_LEVEL_NONE 0
#define TRACE_LEVEL_CRITICAL 1
#define TRACE_LEVEL_FATAL 1
#define TRACE_LEVEL_ERROR 2
#define TRACE_LEVEL_WARNING 3
#define TRACE_LEVEL_INFORMATION 4
#define TRACE_LEVEL_VERBOSE 5
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3

typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal = 0,
    Isa = 1,
    Eisa = 2,
    MicroChannel = 3,
    TurboChannel = 4,
    PCIBus = 5,
    VMEBus = 6,
    NuBus = 7,
    PCMCIABus = 8,
    CBus = 9,
    MPIBus = 10,
    MPSABus = 11,
    ProcessorInternal = 12,
    InternalPowerBus = 13,
    PNPISABus = 14,
    PNPBus = 15,
    Vmcs = 16,
    ACPIBus = 17,
    MaximumInterfaceType = 18
} INTERFACE_TYPE;
typedef enum _DMA_WIDTH {
    Width8Bits = 0,
    Width16Bits = 1,
    Width32Bits = 2,
    Width64Bits = 3,
    MaximumDmaWidth = 4
} DMA_WIDTH;
typedef enum _DMA_SPEED {
    Compatible = 0,
    TypeA = 1,
    TypeB = 2,
    TypeC = 3,
    TypeF = 4,
    MaximumDmaSpeed = 5
} DMA_SPEED;
typedef enum _MEMORY_CACHING_TYPE {
    MmNonCached = 0,
    MmCached = 1,
    MmWriteCombined = 2,
    MmHardwareCoherentCached = 3,
    MmNonCachedUnordered = 4,
    MmUSWCCached = 5,
    MmMaximumCacheType = 6,
    MmNotMapped = -1
} MEMORY_CACHING_TYPE;
typedef enum _KINTERRUPT_MODE {
    LevelSensitive = 0,
    Latched = 1
} KINTERRUPT_MODE;
typedef enum _IO_ALLOCATION_ACTION {
    KeepObject = 1,
    DeallocateObject = 2,
    DeallocateObjectKeepRegisters = 3
} IO_ALLOCATION_ACTION;
typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    NonPagedPoolExecute = 0,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    DontUseThisType = 3,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolCacheAlignedMustS = 6,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = 516
} POOL_TYPE;
typedef enum _KWAIT_REASON {
    Executive = 0,
    FreePage = 1,
    PageIn = 2,
    PoolAllocation = 3,
    DelayExecution = 4,
    Suspended = 5,
    UserRequest = 6
} KWAIT_REASON;
typedef enum _EVENT_TYPE {
    NotificationEvent = 0,
    SynchronizationEvent = 1
} EVENT_TYPE;
typedef enum _MODE {
    KernelMode = 0,
    UserMode = 1,
    MaximumMode = 2
} MODE;
typedef enum _LOCK_OPERATION {
    IoReadAccess = 0,
    IoWriteAccess = 1,
    IoModifyAccess = 2
} LOCK_OPERATION;
typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority = 0,
    NormalPagePriority = 16,
    HighPagePriority = 32
} MM_PAGE_PRIORITY;

typedef union _LARGE_INTEGER LARGE_INTEGER;
typedef union _ULARGE_INTEGER ULARGE_INTEGER;
typedef struct _LIST_ENTRY LIST_ENTRY;
typedef struct _SINGLE_LIST_ENTRY SINGLE_LIST_ENTRY;
typedef struct _UNICODE_STRING UNICODE_STRING;
typedef struct _STRING STRING;
typedef struct _GUID GUID;
typedef struct _DISPATCHER_HEADER DISPATCHER_HEADER;
typedef struct _KEVENT KEVENT;
typedef struct _KTIMER KTIMER;
typedef struct _KDPC KDPC;
typedef struct _KINTERRUPT KINTERRUPT;
typedef struct _KDEVICE_QUEUE KDEVICE_QUEUE;
typedef struct _KDEVICE_QUEUE_ENTRY KDEVICE_QUEUE_ENTRY;
typedef struct _IO_STATUS_BLOCK IO_STATUS_BLOCK;
typedef struct _FILE_OBJECT FILE_OBJECT;
typedef struct _EPROCESS EPROCESS;
typedef struct _ETHREAD ETHREAD;
typedef struct _VPB VPB;
typedef struct _IO_TIMER IO_TIMER;
typedef struct _DEVICE_OBJECT_EXTENSION DEVICE_OBJECT_EXTENSION;
typedef struct _FAST_IO_DISPATCH FAST_IO_DISPATCH;
typedef struct _IO_SECURITY_CONTEXT IO_SECURITY_CONTEXT;
typedef struct _SECURITY_DESCRIPTOR SECURITY_DESCRIPTOR;
typedef struct _ADAPTER_OBJECT ADAPTER_OBJECT;
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR CM_PARTIAL_RESOURCE_DESCRIPTOR;
typedef struct _CM_PARTIAL_RESOURCE_LIST CM_PARTIAL_RESOURCE_LIST;
typedef struct _CM_FULL_RESOURCE_DESCRIPTOR CM_FULL_RESOURCE_DESCRIPTOR;
typedef struct _CM_RESOURCE_LIST CM_RESOURCE_LIST;
typedef struct _DEVICE_DESCRIPTION DEVICE_DESCRIPTION;
typedef struct _SCATTER_GATHER_ELEMENT SCATTER_GATHER_ELEMENT;
typedef struct _SCATTER_GATHER_LIST SCATTER_GATHER_LIST;
typedef struct _DMA_ADAPTER_INFO_V1 DMA_ADAPTER_INFO_V1;
typedef struct _DMA_ADAPTER_INFO DMA_ADAPTER_INFO;
typedef struct _DMA_OPERATIONS DMA_OPERATIONS;
typedef struct _DMA_ADAPTER DMA_ADAPTER;
typedef struct _MDL MDL;
typedef struct _DRIVER_EXTENSION DRIVER_EXTENSION;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT;
typedef struct _DEVICE_OBJECT DEVICE_OBJECT;
typedef struct _IO_STACK_LOCATION IO_STACK_LOCATION;
typedef struct _IRP IRP;
typedef LARGE_INTEGER PHYSICAL_ADDRESS;

typedef CHAR *PCHAR;
typedef CHAR *PSTR;
typedef const CHAR *PCSTR;
typedef CHAR *LPSTR;
typedef UCHAR *PUCHAR;
typedef BOOLEAN *PBOOLEAN;
typedef KIRQL *PKIRQL;
typedef SHORT *PSHORT;
typedef USHORT *PUSHORT;
typedef WCHAR *PWCHAR;
typedef WCHAR *PWCH;
typedef WCHAR *PWSTR;
typedef const WCHAR *PCWSTR;
typedef WCHAR *LPWSTR;
typedef LONG *PLONG;
typedef ULONG *PULONG;
typedef INT *PINT;
typedef UINT *PUINT;
typedef NTSTATUS *PNTSTATUS;
typedef LONG_PTR *PLONG_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef SIZE_T *PSIZE_T;
typedef KAFFINITY *PKAFFINITY;
typedef KSPIN_LOCK *PKSPIN_LOCK;
typedef PFN_NUMBER *PPFN_NUMBER;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef LONG64 *PLONG64;
typedef ULONG64 *PULONG64;
typedef void *PVOID;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;
typedef INTERFACE_TYPE *PINTERFACE_TYPE;
typedef DMA_WIDTH *PDMA_WIDTH;
typedef DMA_SPEED *PDMA_SPEED;
typedef MEMORY_CACHING_TYPE *PMEMORY_CACHING_TYPE;
typedef KINTERRUPT_MODE *PKINTERRUPT_MODE;
typedef IO_ALLOCATION_ACTION *PIO_ALLOCATION_ACTION;
typedef POOL_TYPE *PPOOL_TYPE;
typedef KWAIT_REASON *PKWAIT_REASON;
typedef EVENT_TYPE *PEVENT_TYPE;
typedef MODE *PMODE;
typedef LOCK_OPERATION *PLOCK_OPERATION;
typedef MM_PAGE_PRIORITY *PMM_PAGE_PRIORITY;
typedef LARGE_INTEGER *PLARGE_INTEGER;
typedef ULARGE_INTEGER *PULARGE_INTEGER;
typedef PHYSICAL_ADDRESS *PPHYSICAL_ADDRESS;
typedef LIST_ENTRY *PLIST_ENTRY;
typedef LIST_ENTRY *PRLIST_ENTRY;
typedef SINGLE_LIST_ENTRY *PSINGLE_LIST_ENTRY;
typedef UNICODE_STRING *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;
typedef STRING *PSTRING;
typedef STRING *PANSI_STRING;
typedef GUID *LPGUID;
typedef GUID *PGUID;
typedef DISPATCHER_HEADER *PDISPATCHER_HEADER;
typedef KEVENT *PKEVENT;
typedef KEVENT *PRKEVENT;
typedef KTIMER *PKTIMER;
typedef KDPC *PKDPC;
typedef KDPC *PRKDPC;
typedef KINTERRUPT *PKINTERRUPT;
typedef KINTERRUPT *PRKINTERRUPT;
typedef KDEVICE_QUEUE *PKDEVICE_QUEUE;
typedef KDEVICE_QUEUE_ENTRY *PKDEVICE_QUEUE_ENTRY;
typedef IO_STATUS_BLOCK *PIO_STATUS_BLOCK;
typedef FILE_OBJECT *PFILE_OBJECT;
typedef EPROCESS *PEPROCESS;
typedef EPROCESS *PKPROCESS;
typedef ETHREAD *PETHREAD;
typedef ETHREAD *PKTHREAD;
typedef VPB *PVPB;
typedef IO_TIMER *PIO_TIMER;
typedef DEVICE_OBJECT_EXTENSION *PDEVICE_OBJECT_EXTENSION;
typedef FAST_IO_DISPATCH *PFAST_IO_DISPATCH;
typedef IO_SECURITY_CONTEXT *PIO_SECURITY_CONTEXT;
typedef SECURITY_DESCRIPTOR *PSECURITY_DESCRIPTOR;
typedef ADAPTER_OBJECT *PADAPTER_OBJECT;
typedef CM_PARTIAL_RESOURCE_DESCRIPTOR *PCM_PARTIAL_RESOURCE_DESCRIPTOR;
typedef CM_PARTIAL_RESOURCE_LIST *PCM_PARTIAL_RESOURCE_LIST;
typedef CM_FULL_RESOURCE_DESCRIPTOR *PCM_FULL_RESOURCE_DESCRIPTOR;
typedef CM_RESOURCE_LIST *PCM_RESOURCE_LIST;
typedef DEVICE_DESCRIPTION *PDEVICE_DESCRIPTION;
typedef SCATTER_GATHER_ELEMENT *PSCATTER_GATHER_ELEMENT;
typedef SCATTER_GATHER_LIST *PSCATTER_GATHER_LIST;
typedef DMA_ADAPTER_INFO_V1 *PDMA_ADAPTER_INFO_V1;
typedef DMA_ADAPTER_INFO *PDMA_ADAPTER_INFO;
typedef DMA_OPERATIONS *PDMA_OPERATIONS;
typedef DMA_ADAPTER *PDMA_ADAPTER;
typedef MDL *PMDL;
typedef MDL *PMDLX;
typedef DRIVER_EXTENSION *PDRIVER_EXTENSION;
typedef DRIVER_OBJECT *PDRIVER_OBJECT;
typedef DEVICE_OBJECT *PDEVICE_OBJECT;
typedef IO_STACK_LOCATION *PIO_STACK_LOCATION;
typedef IRP *PIRP;

typedef NTSTATUS DRIVER_INITIALIZE(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;
typedef NTSTATUS DRIVER_ADD_DEVICE(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;
typedef NTSTATUS DRIVER_DISPATCH(PDEVICE_OBJECT DeviceObject, PIRP Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef VOID DRIVER_STARTIO(PDEVICE_OBJECT DeviceObject, PIRP Irp);
typedef DRIVER_STARTIO *PDRIVER_STARTIO;
typedef VOID DRIVER_UNLOAD(PDRIVER_OBJECT DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;
typedef VOID DRIVER_CANCEL(PDEVICE_OBJECT DeviceObject, PIRP Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;
typedef IO_ALLOCATION_ACTION DRIVER_CONTROL(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context);
typedef DRIVER_CONTROL *PDRIVER_CONTROL;
typedef VOID DRIVER_LIST_CONTROL(PDEVICE_OBJECT DeviceObject, PIRP Irp, PSCATTER_GATHER_LIST ScatterGather, PVOID Context);
typedef DRIVER_LIST_CONTROL *PDRIVER_LIST_CONTROL;
typedef NTSTATUS IO_COMPLETION_ROUTINE(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;
typedef BOOLEAN KSERVICE_ROUTINE(PKINTERRUPT Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef VOID KDEFERRED_ROUTINE(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;
typedef VOID IO_DPC_ROUTINE(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);
typedef IO_DPC_ROUTINE *PIO_DPC_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;
typedef VOID PUT_DMA_ADAPTER(PDMA_ADAPTER DmaAdapter);
typedef PUT_DMA_ADAPTER *PPUT_DMA_ADAPTER;
typedef PVOID ALLOCATE_COMMON_BUFFER(PDMA_ADAPTER DmaAdapter, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress, BOOLEAN CacheEnabled);
typedef ALLOCATE_COMMON_BUFFER *PALLOCATE_COMMON_BUFFER;
typedef VOID FREE_COMMON_BUFFER(PDMA_ADAPTER DmaAdapter, ULONG Length, PHYSICAL_ADDRESS LogicalAddress, PVOID VirtualAddress, BOOLEAN CacheEnabled);
typedef FREE_COMMON_BUFFER *PFREE_COMMON_BUFFER;
typedef NTSTATUS ALLOCATE_ADAPTER_CHANNEL(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine, PVOID Context);
typedef ALLOCATE_ADAPTER_CHANNEL *PALLOCATE_ADAPTER_CHANNEL;
typedef BOOLEAN FLUSH_ADAPTER_BUFFERS(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, ULONG Length, BOOLEAN WriteToDevice);
typedef FLUSH_ADAPTER_BUFFERS *PFLUSH_ADAPTER_BUFFERS;
typedef VOID FREE_ADAPTER_CHANNEL(PDMA_ADAPTER DmaAdapter);
typedef FREE_ADAPTER_CHANNEL *PFREE_ADAPTER_CHANNEL;
typedef VOID FREE_MAP_REGISTERS(PDMA_ADAPTER DmaAdapter, PVOID MapRegisterBase, ULONG NumberOfMapRegisters);
typedef FREE_MAP_REGISTERS *PFREE_MAP_REGISTERS;
typedef PHYSICAL_ADDRESS MAP_TRANSFER(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice);
typedef MAP_TRANSFER *PMAP_TRANSFER;
typedef ULONG GET_DMA_ALIGNMENT(PDMA_ADAPTER DmaAdapter);
typedef GET_DMA_ALIGNMENT *PGET_DMA_ALIGNMENT;
typedef ULONG READ_DMA_COUNTER(PDMA_ADAPTER DmaAdapter);
typedef READ_DMA_COUNTER *PREAD_DMA_COUNTER;
typedef NTSTATUS GET_SCATTER_GATHER_LIST(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl, PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine, PVOID Context, BOOLEAN WriteToDevice);
typedef GET_SCATTER_GATHER_LIST *PGET_SCATTER_GATHER_LIST;
typedef VOID PUT_SCATTER_GATHER_LIST(PDMA_ADAPTER DmaAdapter, PSCATTER_GATHER_LIST ScatterGather, BOOLEAN WriteToDevice);
typedef PUT_SCATTER_GATHER_LIST *PPUT_SCATTER_GATHER_LIST;
typedef NTSTATUS CALCULATE_SCATTER_GATHER_LIST_SIZE(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID CurrentVa, ULONG Length, PULONG ScatterGatherListSize, PULONG pNumberOfMapRegisters);
typedef CALCULATE_SCATTER_GATHER_LIST_SIZE *PCALCULATE_SCATTER_GATHER_LIST_SIZE;
typedef NTSTATUS BUILD_SCATTER_GATHER_LIST(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl, PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine, PVOID Context, BOOLEAN WriteToDevice, PVOID ScatterGatherBuffer, ULONG ScatterGatherLength);
typedef BUILD_SCATTER_GATHER_LIST *PBUILD_SCATTER_GATHER_LIST;
typedef NTSTATUS BUILD_MDL_FROM_SCATTER_GATHER_LIST(PDMA_ADAPTER DmaAdapter, PSCATTER_GATHER_LIST ScatterGather, PMDL OriginalMdl, PMDL* TargetMdl);
typedef BUILD_MDL_FROM_SCATTER_GATHER_LIST *PBUILD_MDL_FROM_SCATTER_GATHER_LIST;
typedef NTSTATUS GET_DMA_ADAPTER_INFO(PDMA_ADAPTER DmaAdapter, PDMA_ADAPTER_INFO AdapterInfo);
typedef GET_DMA_ADAPTER_INFO *PGET_DMA_ADAPTER_INFO;
typedef PVOID ALLOCATE_COMMON_BUFFER_EX(PDMA_ADAPTER DmaAdapter, PPHYSICAL_ADDRESS MaximumAddress, SIZE_T Length, PPHYSICAL_ADDRESS LogicalAddress, BOOLEAN CacheEnabled, ULONG PreferredNode);
typedef ALLOCATE_COMMON_BUFFER_EX *PALLOCATE_COMMON_BUFFER_EX;
typedef VOID FREE_ADAPTER_OBJECT(PDMA_ADAPTER DmaAdapter, IO_ALLOCATION_ACTION AllocationAction);
typedef FREE_ADAPTER_OBJECT *PFREE_ADAPTER_OBJECT;
typedef NTSTATUS FLUSH_DMA_BUFFER(PDMA_ADAPTER DmaAdapter, PMDL Mdl, BOOLEAN ReadOperation);
typedef FLUSH_DMA_BUFFER *PFLUSH_DMA_BUFFER;
typedef PVOID ALLOCATE_COMMON_BUFFER_WITH_BOUNDS(PDMA_ADAPTER DmaAdapter, PPHYSICAL_ADDRESS MinimumAddress, PPHYSICAL_ADDRESS MaximumAddress, ULONG Length, ULONG Flags, MEMORY_CACHING_TYPE* CacheType, ULONG PreferredNode, PPHYSICAL_ADDRESS LogicalAddress);
typedef ALLOCATE_COMMON_BUFFER_WITH_BOUNDS *PALLOCATE_COMMON_BUFFER_WITH_BOUNDS;
typedef NTSTATUS DMA_OPERATION_RESERVED(PDMA_ADAPTER DmaAdapter);
typedef DMA_OPERATION_RESERVED *PDMA_OPERATION_RESERVED;

/* A 64-bit signed integer with its two halves. */
union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
};

union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
};

struct _LIST_ENTRY {
    struct _LIST_ENTRY* Flink;
    struct _LIST_ENTRY* Blink;
};

struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY* Next;
};

struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWCH Buffer;
};

struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
};

struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
};

struct _DISPATCHER_HEADER {
    UCHAR Type;
    UCHAR Signalling;
    UCHAR Size;
    UCHAR Reserved1;
    LONG SignalState;
    LIST_ENTRY WaitListHead;
};

struct _KEVENT {
    DISPATCHER_HEADER Header;
};

struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime;
    LIST_ENTRY TimerListEntry;
    struct _KDPC* Dpc;
    ULONG Processor;
    LONG Period;
};

/* Opaque to drivers; the kernel keeps the routine and context here. */
struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    USHORT Number;
    LIST_ENTRY DpcListEntry;
    KAFFINITY ProcessorHistory;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    PVOID DpcData;
};

struct _KDEVICE_QUEUE {
    CSHORT Type;
    CSHORT Size;
    LIST_ENTRY DeviceListHead;
    KSPIN_LOCK Lock;
    BOOLEAN Busy;
};

struct _KDEVICE_QUEUE_ENTRY {
    LIST_ENTRY DeviceListEntry;
    ULONG SortKey;
    BOOLEAN Inserted;
};

struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
};

/* One resource: a port or memory range, an interrupt, a DMA channel, ... */
#pragma pack(push, 4)
struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
    UCHAR Type;
    UCHAR ShareDisposition;
    USHORT Flags;
    union {
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Generic;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Port;
        struct {
            USHORT Level;
            USHORT Group;
            ULONG Vector;
            KAFFINITY Affinity;
        } Interrupt;
        union {
            struct {
                USHORT Reserved;
                USHORT MessageCount;
                ULONG Vector;
                KAFFINITY Affinity;
            } Raw;
            struct {
                USHORT Level;
                USHORT Group;
                ULONG Vector;
                KAFFINITY Affinity;
            } Translated;
        } MessageInterrupt;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Memory;
        struct {
            ULONG Channel;
            ULONG Port;
            ULONG Reserved1;
        } Dma;
        struct {
            ULONG Channel;
            ULONG RequestLine;
            UCHAR TransferWidth;
            UCHAR Reserved1;
            UCHAR Reserved2;
            UCHAR Reserved3;
        } DmaV3;
        struct {
            ULONG Data[3];
        } DevicePrivate;
        struct {
            ULONG Start;
            ULONG Length;
            ULONG Reserved;
        } BusNumber;
        struct {
            ULONG DataSize;
            ULONG Reserved1;
            ULONG Reserved2;
        } DeviceSpecificData;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length40;
        } Memory40;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length48;
        } Memory48;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length64;
        } Memory64;
    } u;
};
#pragma pack(pop)

#pragma pack(push, 4)
struct _CM_PARTIAL_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1];
};
#pragma pack(pop)

#pragma pack(push, 4)
struct _CM_FULL_RESOURCE_DESCRIPTOR {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    CM_PARTIAL_RESOURCE_LIST PartialResourceList;
};
#pragma pack(pop)

#pragma pack(push, 4)
struct _CM_RESOURCE_LIST {
    ULONG Count;
    CM_FULL_RESOURCE_DESCRIPTOR List[1];
};
#pragma pack(pop)

/* What IoGetDmaAdapter is told about the device's DMA (zero it, then fill what applies). */
struct _DEVICE_DESCRIPTION {
    ULONG Version;
    BOOLEAN Master;
    BOOLEAN ScatterGather;
    BOOLEAN DemandMode;
    BOOLEAN AutoInitialize;
    BOOLEAN Dma32BitAddresses;
    BOOLEAN IgnoreCount;
    BOOLEAN Reserved1;
    BOOLEAN Dma64BitAddresses;
    ULONG BusNumber;
    ULONG DmaChannel;
    INTERFACE_TYPE InterfaceType;
    DMA_WIDTH DmaWidth;
    DMA_SPEED DmaSpeed;
    ULONG MaximumLength;
    ULONG DmaPort;
    ULONG DmaAddressWidth;
    ULONG DmaControllerInstance;
    ULONG DmaRequestLine;
    PHYSICAL_ADDRESS DeviceAddress;
};

struct _SCATTER_GATHER_ELEMENT {
    PHYSICAL_ADDRESS Address;
    ULONG Length;
    ULONG_PTR Reserved;
};

struct _SCATTER_GATHER_LIST {
    ULONG NumberOfElements;
    ULONG_PTR Reserved;
    SCATTER_GATHER_ELEMENT Elements[1];
};

struct _DMA_ADAPTER_INFO_V1 {
    ULONG ReadDmaCounterAvailable;
    ULONG ScatterGatherLimit;
    ULONG DmaAddressWidth;
    ULONG Flags;
    ULONG MinimumTransferUnit;
};

struct _DMA_ADAPTER_INFO {
    ULONG Version;
    union {
        DMA_ADAPTER_INFO_V1 V1;
    };
};

/* The adapter's routines, called through these pointers; Size is the bytes this table has. */
struct _DMA_OPERATIONS {
    ULONG Size;
    PPUT_DMA_ADAPTER PutDmaAdapter;
    PALLOCATE_COMMON_BUFFER AllocateCommonBuffer;
    PFREE_COMMON_BUFFER FreeCommonBuffer;
    PALLOCATE_ADAPTER_CHANNEL AllocateAdapterChannel;
    PFLUSH_ADAPTER_BUFFERS FlushAdapterBuffers;
    PFREE_ADAPTER_CHANNEL FreeAdapterChannel;
    PFREE_MAP_REGISTERS FreeMapRegisters;
    PMAP_TRANSFER MapTransfer;
    PGET_DMA_ALIGNMENT GetDmaAlignment;
    PREAD_DMA_COUNTER ReadDmaCounter;
    PGET_SCATTER_GATHER_LIST GetScatterGatherList;
    PPUT_SCATTER_GATHER_LIST PutScatterGatherList;
    PCALCULATE_SCATTER_GATHER_LIST_SIZE CalculateScatterGatherList;
    PBUILD_SCATTER_GATHER_LIST BuildScatterGatherList;
    PBUILD_MDL_FROM_SCATTER_GATHER_LIST BuildMdlFromScatterGatherList;
    PGET_DMA_ADAPTER_INFO GetDmaAdapterInfo;
    PDMA_OPERATION_RESERVED GetDmaTransferInfo;
    PDMA_OPERATION_RESERVED InitializeDmaTransferContext;
    PALLOCATE_COMMON_BUFFER_EX AllocateCommonBufferEx;
    PDMA_OPERATION_RESERVED AllocateAdapterChannelEx;
    PDMA_OPERATION_RESERVED ConfigureAdapterChannel;
    PDMA_OPERATION_RESERVED CancelAdapterChannel;
    PDMA_OPERATION_RESERVED MapTransferEx;
    PDMA_OPERATION_RESERVED GetScatterGatherListEx;
    PDMA_OPERATION_RESERVED BuildScatterGatherListEx;
    PDMA_OPERATION_RESERVED FlushAdapterBuffersEx;
    PFREE_ADAPTER_OBJECT FreeAdapterObject;
    PDMA_OPERATION_RESERVED CancelMappedTransfer;
    PDMA_OPERATION_RESERVED AllocateDomainCommonBuffer;
    PFLUSH_DMA_BUFFER FlushDmaBuffer;
    PDMA_OPERATION_RESERVED JoinDmaDomain;
    PDMA_OPERATION_RESERVED LeaveDmaDomain;
    PDMA_OPERATION_RESERVED GetDmaDomain;
    PALLOCATE_COMMON_BUFFER_WITH_BOUNDS AllocateCommonBufferWithBounds;
    PDMA_OPERATION_RESERVED AllocateCommonBufferVector;
    PDMA_OPERATION_RESERVED GetCommonBufferFromVectorByIndex;
    PDMA_OPERATION_RESERVED FreeCommonBufferFromVector;
    PDMA_OPERATION_RESERVED FreeCommonBufferVector;
    PDMA_OPERATION_RESERVED CreateCommonBufferFromMdl;
};

/* What IoGetDmaAdapter returns: Version 1, its size, the operations. */
struct _DMA_ADAPTER {
    USHORT Version;
    USHORT Size;
    PDMA_OPERATIONS DmaOperations;
};

/* Describes a buffer's pages; the page-frame array follows the structure. */
struct _MDL {
    struct _MDL* Next;
    CSHORT Size;
    CSHORT MdlFlags;
    PEPROCESS Process;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
};

struct _DRIVER_EXTENSION {
    struct _DRIVER_OBJECT* DriverObject;
    PDRIVER_ADD_DEVICE AddDevice;
    ULONG Count;
    UNICODE_STRING ServiceKeyName;
};

struct _DRIVER_OBJECT {
    CSHORT Type;
    CSHORT Size;
    struct _DEVICE_OBJECT* DeviceObject;
    ULONG Flags;
    PVOID DriverStart;
    ULONG DriverSize;
    PVOID DriverSection;
    PDRIVER_EXTENSION DriverExtension;
    UNICODE_STRING DriverName;
    PUNICODE_STRING HardwareDatabase;
    PFAST_IO_DISPATCH FastIoDispatch;
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_STARTIO DriverStartIo;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[28];
};

/* The driver's view of a device: its extension, flags, stack size and the DPC IoRequestDpc queues. */
struct _DEVICE_OBJECT {
    CSHORT Type;
    USHORT Size;
    LONG ReferenceCount;
    struct _DRIVER_OBJECT* DriverObject;
    struct _DEVICE_OBJECT* NextDevice;
    struct _DEVICE_OBJECT* AttachedDevice;
    struct _IRP* CurrentIrp;
    PIO_TIMER Timer;
    ULONG Flags;
    ULONG Characteristics;
    PVPB Vpb;
    PVOID DeviceExtension;
    DEVICE_TYPE DeviceType;
    CCHAR StackSize;
    union {
        LIST_ENTRY ListEntry;
        UCHAR Wcb[48];
    } Queue;
    ULONG AlignmentRequirement;
    KDEVICE_QUEUE DeviceQueue;
    KDPC Dpc;
    ULONG ActiveThreadCount;
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    KEVENT DeviceLock;
    USHORT SectorSize;
    USHORT Spare1;
    PDEVICE_OBJECT_EXTENSION DeviceObjectExtension;
    PVOID Reserved;
};

/* One driver's part of an IRP: the function, its parameters, the completion routine set for it. */
struct _IO_STACK_LOCATION {
    UCHAR MajorFunction;
    UCHAR MinorFunction;
    UCHAR Flags;
    UCHAR Control;
    union {
        struct {
            PIO_SECURITY_CONTEXT SecurityContext;
            ULONG Options;
            USHORT FileAttributes;
            USHORT ShareAccess;
            ULONG EaLength;
        } Create;
        struct {
            ULONG Length;
            ULONG Key;
            LARGE_INTEGER ByteOffset;
        } Read;
        struct {
            ULONG Length;
            ULONG Key;
            LARGE_INTEGER ByteOffset;
        } Write;
        struct {
            ULONG OutputBufferLength;
            ULONG InputBufferLength;
            ULONG IoControlCode;
            PVOID Type3InputBuffer;
        } DeviceIoControl;
        struct {
            PCM_RESOURCE_LIST AllocatedResources;
            PCM_RESOURCE_LIST AllocatedResourcesTranslated;
        } StartDevice;
        struct {
            ULONG SystemContext;
            ULONG Type;
            ULONG State;
            ULONG ShutdownType;
        } Power;
        struct {
            PVOID Argument1;
            PVOID Argument2;
            PVOID Argument3;
            PVOID Argument4;
        } Others;
    } Parameters;
    PDEVICE_OBJECT DeviceObject;
    PFILE_OBJECT FileObject;
    PIO_COMPLETION_ROUTINE CompletionRoutine;
    PVOID Context;
};

/* An I/O request packet; its stack locations follow it in memory. */
struct _IRP {
    CSHORT Type;
    USHORT Size;
    PMDL MdlAddress;
    ULONG Flags;
    union {
        struct _IRP* MasterIrp;
        LONG IrpCount;
        PVOID SystemBuffer;
    } AssociatedIrp;
    LIST_ENTRY ThreadListEntry;
    IO_STATUS_BLOCK IoStatus;
    KPROCESSOR_MODE RequestorMode;
    BOOLEAN PendingReturned;
    CHAR StackCount;
    CHAR CurrentLocation;
    BOOLEAN Cancel;
    KIRQL CancelIrql;
    CCHAR ApcEnvironment;
    UCHAR AllocationFlags;
    PIO_STATUS_BLOCK UserIosb;
    PKEVENT UserEvent;
    union {
        struct {
            PVOID UserApcRoutine;
            PVOID UserApcContext;
        } AsynchronousParameters;
        LARGE_INTEGER AllocationSize;
    } Overlay;
    PDRIVER_CANCEL CancelRoutine;
    PVOID UserBuffer;
    union {
        struct {
            union {
                KDEVICE_QUEUE_ENTRY DeviceQueueEntry;
                struct {
                    PVOID DriverContext[4];
                };
            };
            PETHREAD Thread;
            PCHAR AuxiliaryBuffer;
            struct {
                LIST_ENTRY ListEntry;
                union {
                    struct _IO_STACK_LOCATION* CurrentStackLocation;
                    ULONG PacketType;
                };
            };
            PFILE_OBJECT OriginalFileObject;
        } Overlay;
        PVOID CompletionKey;
    } Tail;
};

#endif /* DMASIM_GENERATED_H */
