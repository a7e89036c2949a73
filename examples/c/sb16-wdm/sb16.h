/*
 * An ISA sound driver for the SB16-compatible card, written the way the WDK
 * documentation's "Using Common-Buffer System DMA" describes: one common
 * buffer, the system DMA controller in auto-initialize mode, MapTransfer
 * once, the card interrupting after each half so the DPC can refill the half
 * just played.
 */
#ifndef SB16_H
#define SB16_H

/* The card's ports, relative to its base (the translated port resource). */
#define SB_MIXER_INDEX 0x4
#define SB_MIXER_DATA 0x5
#define SB_RESET 0x6
#define SB_READ_DATA 0xA
#define SB_WRITE 0xC
#define SB_READ_STATUS 0xE
#define SB_ACK_16 0xF
/* DSP commands. */
#define DSP_SET_OUTPUT_RATE 0x41
#define DSP_START_16 0xB0
#define DSP_START_8 0xC0
#define DSP_CMD_AUTO_INIT 0x04
#define DSP_CMD_FIFO 0x02
#define DSP_MODE_SIGNED 0x10
#define DSP_MODE_STEREO 0x20
#define DSP_PAUSE_8 0xD0
#define DSP_PAUSE_16 0xD5
/* Mixer register 0x82: which DMA interrupt is pending. */
#define MIXER_IRQ_STATUS 0x82

/* The default buffer: 16 KiB, like the DDK's SB16 sample (MAXLEN_DMA_BUFFER). */
#define SB16_DEFAULT_BUFFER_BYTES (16 * 1024)

/* IOCTL_SB16_SET_FORMAT (METHOD_BUFFERED): an SB16_FORMAT in; only before the device starts. */
#define IOCTL_SB16_SET_FORMAT CTL_CODE(FILE_DEVICE_SOUND, 0x800, METHOD_BUFFERED, FILE_WRITE_ACCESS)
/* IOCTL_SB16_GET_STATS (METHOD_BUFFERED): an SB16_STATS out. */
#define IOCTL_SB16_GET_STATS CTL_CODE(FILE_DEVICE_SOUND, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS)

typedef struct _SB16_FORMAT {
    ULONG SampleRate;
    USHORT BitsPerSample; /* 16: signed, on the card's 16-bit channel; 8: unsigned, on its 8-bit one */
    USHORT Channels;
    ULONG BufferBytes; /* a multiple of PAGE_SIZE, at most 64 KiB */
} SB16_FORMAT, *PSB16_FORMAT;

typedef struct _SB16_STATS {
    ULONG Interrupts;
    ULONG Dpcs;
    ULONG Refills;
    ULONG CounterReads[12]; /* ReadDmaCounter in the first DPCs */
    ULONG RefilledHalves[12];
} SB16_STATS, *PSB16_STATS;

typedef struct _DEVICE_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Lower;
    SB16_FORMAT Format;
    BOOLEAN Started;
    PUCHAR PortBase;
    /* DMA */
    PDMA_ADAPTER Adapter;
    ULONG NumberOfMapRegisters;
    PVOID BufferVa;
    PHYSICAL_ADDRESS BufferLogical; /* storage the driver must provide, ignored thereafter */
    PMDL Mdl;
    PVOID MapRegisterBase;
    PKINTERRUPT Interrupt;
    KDPC Dpc;
    /* Playback */
    PIRP WriteIrp; /* the pending IRP_MJ_WRITE whose data is playing */
    PUCHAR Stream;
    ULONG StreamLength;
    ULONG PendingOffset[2]; /* the stream offset each half gets next */
    BOOLEAN Playing;
    SB16_STATS Stats;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

/* dma.c */
NTSTATUS Sb16StartDma(PDEVICE_EXTENSION Ext, PCM_RESOURCE_LIST Resources);
VOID Sb16StopDma(PDEVICE_EXTENSION Ext);
NTSTATUS Sb16StartPlayback(PDEVICE_EXTENSION Ext, PUCHAR Stream, ULONG Length);
VOID Sb16StopPlayback(PDEVICE_EXTENSION Ext);

#endif
