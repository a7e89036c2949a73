/*
 * A KMDF driver in C for the Intel 8254x (e1000), written for dmasim in the
 * shape of a real NIC driver: descriptor rings and packet buffers in common
 * buffers from a 64-bit scatter/gather DMA enabler, an ISR that reads the
 * read-to-clear ICR and a DPC that reaps transmits and hands received frames
 * to waiting reads. An application sends a frame with WriteFile (copied into
 * a TX packet buffer, the request completed once the frame is on the ring)
 * and receives one with ReadFile.
 *
 * Built with -DNIC_RING_PHYSICAL_ADDRESS it has the classic bug: the ring
 * base registers get MmGetPhysicalAddress of the rings instead of their
 * logical addresses (right without an IOMMU, wrong behind one).
 */
#include <ntddk.h>
#include <wdf.h>
#include "trace.h"

/* Register offsets and bits (the 8254x developer's manual's names). */
#define E1000_CTRL   0x0000
#define E1000_STATUS 0x0008
#define E1000_ICR    0x00C0
#define E1000_ITR    0x00C4
#define E1000_IMS    0x00D0
#define E1000_IMC    0x00D8
#define E1000_RCTL   0x0100
#define E1000_TCTL   0x0400
#define E1000_RDBAL  0x2800
#define E1000_RDBAH  0x2804
#define E1000_RDLEN  0x2808
#define E1000_RDH    0x2810
#define E1000_RDT    0x2818
#define E1000_TDBAL  0x3800
#define E1000_TDBAH  0x3804
#define E1000_TDLEN  0x3808
#define E1000_TDH    0x3810
#define E1000_TDT    0x3818
#define E1000_RAL0   0x5400
#define E1000_RAH0   0x5404
#define E1000_BAR0_LENGTH 0x20000

#define CTRL_FD  (1u << 0)
#define CTRL_SLU (1u << 6)
#define CTRL_RST (1u << 26)
#define STATUS_LU (1u << 1)
#define ICR_TXDW  (1u << 0)
#define ICR_LSC   (1u << 2)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO   (1u << 6)
#define ICR_RXT0  (1u << 7)
#define RCTL_EN   (1u << 1)
#define RCTL_BAM  (1u << 15)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN   (1u << 1)
#define TCTL_PSP  (1u << 3)
#define TCTL_CT   (0x0Fu << 4)
#define TCTL_COLD (0x40u << 12)
#define TXD_CMD_EOP  0x01
#define TXD_CMD_IFCS 0x02
#define TXD_CMD_RS   0x08
#define TXD_STAT_DD  0x01
#define RXD_STAT_DD  0x01
#define RXD_STAT_EOP 0x02
#define IMS_ENABLE (ICR_TXDW | ICR_LSC | ICR_RXDMT0 | ICR_RXO | ICR_RXT0)

#define NIC_TX_DESCRIPTORS 64
#define NIC_RX_DESCRIPTORS 64
#define NIC_BUFFER_SIZE 2048
#define NIC_MAX_FRAME 1514
#define NIC_MIN_FRAME 60
#define NIC_REQUEST_SLOTS 256
/* 488 x 256 ns: about 8000 interrupts a second at most. */
#define NIC_ITR 488

/* Legacy descriptors (16 bytes, fixed-width fields: the same layout for the chip whatever the CPU). */
typedef struct _E1000_TX_DESC {
    ULONGLONG Address;
    USHORT Length;
    UCHAR Cso;
    UCHAR Cmd;
    UCHAR Status;
    UCHAR Css;
    USHORT Special;
} E1000_TX_DESC;
typedef struct _E1000_RX_DESC {
    ULONGLONG Address;
    USHORT Length;
    USHORT Checksum;
    UCHAR Status;
    UCHAR Errors;
    USHORT Special;
} E1000_RX_DESC;
C_ASSERT(sizeof(E1000_TX_DESC) == 16);
C_ASSERT(sizeof(E1000_RX_DESC) == 16);

/* A common buffer with its aligned addresses. */
typedef struct _NIC_BUFFER {
    WDFCOMMONBUFFER Buffer;
    PUCHAR Va;
    PHYSICAL_ADDRESS La;
} NIC_BUFFER;

/* A FIFO of requests the driver owns (writes waiting for a descriptor, reads waiting for a frame). */
typedef struct _NIC_REQUESTS {
    WDFREQUEST Slot[NIC_REQUEST_SLOTS];
    ULONG Head, Count;
} NIC_REQUESTS;

typedef struct _NIC_DEVICE {
    WDFDEVICE Device;
    WDFINTERRUPT Interrupt;
    WDFDMAENABLER Enabler;
    NIC_BUFFER TxRing, RxRing, TxBuffers, RxBuffers;
    PUCHAR Regs;
    ULONG RegsLength;
    UCHAR Mac[6];
    BOOLEAN LinkUp;
    ULONG TxHead, TxTail, RxNext;
    ULONG PendingIcr;
    NIC_REQUESTS WaitingWrites, WaitingReads;
    ULONG Interrupts, Dpcs, Sent, Received;
} NIC_DEVICE;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(NIC_DEVICE, NicGetDevice)

FORCEINLINE ULONG NicRead(NIC_DEVICE *n, ULONG Offset) { return READ_REGISTER_ULONG((PULONG)(n->Regs + Offset)); }
FORCEINLINE VOID NicWrite(NIC_DEVICE *n, ULONG Offset, ULONG Value) { WRITE_REGISTER_ULONG((PULONG)(n->Regs + Offset), Value); }

EVT_WDF_IO_QUEUE_IO_WRITE NicEvtIoWrite;
EVT_WDF_IO_QUEUE_IO_READ NicEvtIoRead;
EVT_WDF_IO_QUEUE_IO_STOP NicEvtIoStop;
EVT_WDF_INTERRUPT_ISR NicEvtIsr;
EVT_WDF_INTERRUPT_DPC NicEvtDpc;
EVT_WDF_INTERRUPT_ENABLE NicEvtInterruptEnable;
EVT_WDF_INTERRUPT_DISABLE NicEvtInterruptDisable;
VOID NicResetRings(NIC_DEVICE *n);
