/*
 * A KMDF driver for the PLX 9656 bus master, written for dmasim in the shape
 * of Microsoft's PLX9x5x sample (a read queue and a write queue, each request
 * one DMA transaction through a ring of transfer elements in a common
 * buffer, an ISR and a DPC), with the two address-width fixes the sample
 * needs on a machine with memory above 4 GiB or an IOMMU: the rings come
 * from a second, 32-bit enabler (the chip's descriptor pointer holds 32
 * bits), and DMAMODE's DAC chain load makes the chip use each element's
 * upper address bits.
 */
#include <ntddk.h>
#include <wdf.h>
#include "trace.h"

/* BAR0 register offsets (the PLX 9656 data book's names). */
#define PLX_INTCSR   0x68
#define PLX_CNTRL    0x6C
#define PLX_DMAMODE(ch) ((ch) == 0 ? 0x80 : 0x94)
#define PLX_DMADPR(ch)  ((ch) == 0 ? 0x90 : 0xA4)
#define PLX_DMACSR(ch)  ((ch) == 0 ? 0xA8 : 0xA9)
#define PLX_DMADAC(ch)  ((ch) == 0 ? 0xB4 : 0xB8)

#define INTCSR_PCI_INT_ENABLE (1u << 8)
#define INTCSR_DMA_INT_ENABLE(ch) (1u << (18 + (ch)))
#define INTCSR_DMA_INT_ACTIVE(ch) (1u << (21 + (ch)))
#define DMAMODE_SG         (1u << 9)
#define DMAMODE_DONE_INT   (1u << 10)
#define DMAMODE_CLEAR_COUNT (1u << 16)
#define DMAMODE_INT_TO_PCI (1u << 17)
#define DMAMODE_DAC_CHAIN  (1u << 18)
#define DMACSR_ENABLE 0x01
#define DMACSR_START  0x02
#define DMACSR_CLEAR  0x08
#define DMACSR_DONE   0x10
#define DESC_IN_PCI   0x1
#define DESC_LAST     0x2
#define DESC_FROM_DEVICE 0x8

#define PLX_REGS_LENGTH 0x200
#define PLX_SRAM_LENGTH 0x20000
#define PLX_MAX_TRANSFER (8 * 1024)
#define PLX_ELEMENTS (PLX_MAX_TRANSFER / PAGE_SIZE + 1)
#define CH_WRITE 0
#define CH_READ 1

/* One transfer element, as the chip fetches it (32 bytes, 16-aligned). */
typedef struct _PLX_ELEMENT {
    ULONG PciLow;
    ULONG LocalAddress;
    ULONG Size;
    ULONG Next;
    ULONG PciHigh;
    ULONG Pad[3];
} PLX_ELEMENT;
C_ASSERT(sizeof(PLX_ELEMENT) == 32);

typedef struct _PLX_CHANNEL {
    WDFQUEUE Queue;
    WDFDMATRANSACTION Transaction;
    WDFCOMMONBUFFER Ring;
    PLX_ELEMENT *RingVa;
    PHYSICAL_ADDRESS RingLa;
    BOOLEAN Done;
} PLX_CHANNEL;

typedef struct _PLX_DEVICE {
    WDFDEVICE Device;
    PUCHAR Regs;
    ULONG RegsLength;
    WDFINTERRUPT Interrupt;
    WDFDMAENABLER Enabler;
    WDFDMAENABLER RingEnabler;
    PLX_CHANNEL Channel[2];
    PDMA_ADAPTER StatusAdapter;
    PVOID StatusBlock;
    PHYSICAL_ADDRESS StatusBlockLa;
    KIRQL IsrIrql;
} PLX_DEVICE;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(PLX_DEVICE, PlxGetDevice)

#define STATUS_BLOCK_LENGTH 256

FORCEINLINE ULONG PlxRead(PLX_DEVICE *p, ULONG off) { return READ_REGISTER_ULONG((PULONG)(p->Regs + off)); }
FORCEINLINE VOID PlxWrite(PLX_DEVICE *p, ULONG off, ULONG v) { WRITE_REGISTER_ULONG((PULONG)(p->Regs + off), v); }

EVT_WDF_IO_QUEUE_IO_READ PlxEvtIoRead;
EVT_WDF_IO_QUEUE_IO_WRITE PlxEvtIoWrite;
EVT_WDF_INTERRUPT_ISR PlxEvtIsr;
EVT_WDF_INTERRUPT_DPC PlxEvtDpc;
EVT_WDF_INTERRUPT_ENABLE PlxEvtInterruptEnable;
EVT_WDF_INTERRUPT_DISABLE PlxEvtInterruptDisable;
