/**
 * The hardware half of the sample WDM driver for the SB16-like card (the
 * IRP half, DriverEntry and the dispatch routines, is sound-card-wdm.ts),
 * following "Using Common-Buffer System DMA" (seed 003) step by step:
 *
 * Start device (IRP_MN_START_DEVICE): IoGetDmaAdapter for a subordinate,
 * auto-initialize adapter on the card's 16-bit channel -> AllocateCommonBuffer
 * -> on NULL free what was claimed and fail with STATUS_INSUFFICIENT_RESOURCES
 * -> IoAllocateMdl + MmBuildMdlForNonPagedPool -> connect the interrupt.
 *
 * Playback of a stream (the PCM of one IRP_MJ_WRITE, locked by the I/O
 * manager and mapped at a system VA): fill the common buffer from it with
 * RtlMoveMemory, AllocateAdapterChannel, MapTransfer once (in the
 * AdapterControl routine, which returns KeepObject), start the card with a
 * block of half the buffer. Each block interrupt's ISR acknowledges the card
 * and queues a DPC; the DPC reads ReadDmaCounter to see which half the
 * controller is in and refills the other one, the half just played.
 *
 * The end of a stream: while the card plays the stream's last block the DPC
 * tells the DSP to end there — "exit auto-init after this block" (0xD9/0xDA)
 * when the block is full, else a single-cycle transfer of exactly the bytes
 * left — so the card stops on the stream's last sample, raises one more
 * interrupt, and the driver calls the stream's `onStreamEnd`.
 *
 * Stopping in the middle (a stop for a rebalance, a cancel, a removal):
 * pause the DSP, read ReadDmaCounter to learn how far the card got (the
 * blocks the DPC has counted plus the position in the current half), then
 * FlushAdapterBuffers and FreeAdapterChannel. A later playback from that
 * byte continues the stream sample for sample.
 *
 * Stop device: stop playing, disconnect the interrupt, free the MDL and the
 * common buffer, PutDmaAdapter.
 *
 * The "late" variant defers each refill to a kernel timer `refillDelayNs`
 * after the interrupt (one timer per half), as a driver that batches its work
 * would; when the delay exceeds the time one half takes to play, the card
 * replays the stale half for the difference.
 */
import { BYTES_TO_PAGES, type PHYSICAL_ADDRESS } from "../core/address.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { SB_PORT, DSP } from "../devices/sb16.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { READ_PORT_UCHAR, WRITE_PORT_UCHAR } from "../kernel/io-space.ts";
import { deviceDescription, DEVICE_DESCRIPTION_VERSION, type DMA_ADAPTER, DmaWidth, InterfaceType, KeepObject, type MapRegisterBase } from "../hal/types.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type KDPC, KeCancelTimer, KeInitializeDpc, KeInsertQueueDpc, KeSetTimer, KeInitializeTimer, type KTIMER } from "../kernel/dpc.ts";
import { IoConnectInterrupt, IoDisconnectInterrupt, type KINTERRUPT, Latched, LevelSensitive } from "../kernel/interrupt.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { CM_RESOURCE_INTERRUPT_LATCHED, type CM_RESOURCE_LIST, CmResourceShareShared, CmResourceTypeDma, CmResourceTypeInterrupt, CmResourceTypePort, descriptorsOfType } from "../kernel/resources.ts";

/** How the sample sound driver is set up (buffer size, format, refill delay). */
export interface SoundDriverConfig {
  /** Common buffer size in bytes (a multiple of PAGE_SIZE); the block is half of it. Default 16 KiB (the DDK SB16 sample's MAXLEN_DMA_BUFFER). */
  readonly bufferBytes: number;
  readonly sampleRate: number;
  /** PCM format: 16-bit signed (the card's 16-bit DMA channel) or 8-bit unsigned (its 8-bit channel). Default 16, stereo. */
  readonly bitsPerSample?: 8 | 16;
  readonly channels?: 1 | 2;
  /** 0 = refill in the DPC (correct); > 0 = refill that many ns after the interrupt (a late driver). Multiple of 100 ns. */
  readonly refillDelayNs: number;
  /**
   * A deliberate bug (sound-card-wdm.ts): "no-release-on-removal" stops the
   * card and fails the writes on a removal but never gives back what the
   * start claimed (common buffer, MDL, interrupt, adapter).
   */
  readonly bug?: "none" | "no-release-on-removal";
}

/** The PCM a write brings: locked-down memory at a system VA. */
export interface PlaybackStream {
  readonly va: number;
  readonly length: number;
}

/** What the driver keeps in its device extension. */
export interface SoundDeviceExtension {
  readonly kernel: Kernel;
  config: SoundDriverConfig;
  adapter: DMA_ADAPTER | null;
  numberOfMapRegisters: number;
  bufferVa: number;
  /** Storage the driver must provide for the logical address, ignored thereafter (seed 003). */
  bufferLogical: PHYSICAL_ADDRESS;
  mdl: MDL | null;
  mapRegisterBase: MapRegisterBase;
  interrupt: KINTERRUPT | null;
  dpc: KDPC | null;
  refillTimers: KTIMER[];
  refillDpcs: KDPC[];
  stream: PlaybackStream | null;
  /** The stream byte this run of playback started from (0, or where a stopped run left off). */
  playBase: number;
  /** Blocks of this run, and how many of them the DPC has seen end. */
  runBlocks: number;
  blocksDone: number;
  /** The card played the stream's last byte. */
  finished: boolean;
  /** Chunk (half-buffer) of the stream each half must get next, for the late refills. */
  pendingOffset: number[];
  playing: boolean;
  /** Called at DISPATCH_LEVEL (from the DPC) once the card has played the stream's last byte. */
  onStreamEnd: ((fdo: DEVICE_OBJECT) => void) | null;
  /** Figures for the scenario's report. */
  interrupts: number;
  dpcs: number;
  refills: number;
  /** Successful starts (a restart after a stop counts again) and the common buffer's logical address at each. */
  starts: number;
  startBuffers: bigint[];
  /** What each DPC saw and did: ReadDmaCounter's value and the half it refilled (or scheduled). */
  counterReads: number[];
  refilledHalves: number[];
  /** The card's first I/O port, from its translated port resource. */
  portBase: number;
}

/** The driver's device extension of its FDO. */
export function soundExtension(fdo: DEVICE_OBJECT): SoundDeviceExtension {
  return fdo.DeviceExtension as unknown as SoundDeviceExtension;
}

/** Initialise the device extension (AddDevice). */
export function SoundAddDevice(k: Kernel, fdo: DEVICE_OBJECT, config: SoundDriverConfig): void {
  const e: SoundDeviceExtension = {
    kernel: k,
    config,
    adapter: null,
    numberOfMapRegisters: 0,
    bufferVa: 0,
    bufferLogical: { QuadPart: 0n },
    mdl: null,
    mapRegisterBase: null,
    interrupt: null,
    dpc: null,
    refillTimers: [],
    refillDpcs: [],
    stream: null,
    playBase: 0,
    runBlocks: 0,
    blocksDone: 0,
    finished: false,
    pendingOffset: [0, 0],
    playing: false,
    onStreamEnd: null,
    interrupts: 0,
    dpcs: 0,
    refills: 0,
    starts: 0,
    startBuffers: [],
    counterReads: [],
    refilledHalves: [],
    portBase: 0,
  };
  fdo.DeviceExtension = e as unknown as Record<string, unknown>;
}

function bits(e: SoundDeviceExtension): 8 | 16 {
  return e.config.bitsPerSample ?? 16;
}

/** Bytes per frame (all channels of one sample instant): a write must be a whole number of them. */
export function soundBlockAlign(e: SoundDeviceExtension): number {
  return (bits(e) / 8) * (e.config.channels ?? 2);
}

/**
 * Claim the hardware for IRP_MN_START_DEVICE (PASSIVE_LEVEL). The card's
 * port base, interrupt and DMA channels come from the start IRP's
 * translated resources (Parameters.StartDevice.AllocatedResourcesTranslated):
 * 16-bit data on the 16-bit channel, 8-bit on the 8-bit one. A list without a
 * port, an interrupt or the channel fails the start with
 * STATUS_DEVICE_CONFIGURATION_ERROR.
 */
export function SoundStartDevice(k: Kernel, fdo: DEVICE_OBJECT, resources: CM_RESOURCE_LIST): NTSTATUS {
  const e = soundExtension(fdo);
  if (e.adapter !== null) return STATUS.INVALID_DEVICE_STATE;
  const size = e.config.bufferBytes;
  const port = descriptorsOfType(resources, CmResourceTypePort)[0]?.u.Port;
  const irq = descriptorsOfType(resources, CmResourceTypeInterrupt)[0];
  const channel = descriptorsOfType(resources, CmResourceTypeDma)
    .map((d) => d.u.Dma?.Channel ?? -1)
    .find((c) => (bits(e) === 16 ? c >= 5 : c >= 0 && c < 4));
  if (port === undefined || irq?.u.Interrupt === undefined || channel === undefined) return STATUS.DEVICE_CONFIGURATION_ERROR;
  e.portBase = Number(port.Start.QuadPart);
  const desc = deviceDescription({
    Version: DEVICE_DESCRIPTION_VERSION,
    Master: false,
    AutoInitialize: true,
    DmaChannel: channel,
    DmaWidth: bits(e) === 16 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits,
    InterfaceType: InterfaceType.Isa,
    MaximumLength: size,
  });
  const nmr = { value: 0 };
  const adapter = IoGetDmaAdapter(k, fdo.pdo, desc, nmr);
  if (adapter === null) return STATUS.INSUFFICIENT_RESOURCES;
  const ops = adapter.DmaOperations;
  // Step 1-2: the common buffer; on NULL free what was claimed and fail the start.
  const va = ops.AllocateCommonBuffer?.(adapter, size, e.bufferLogical, false) ?? null;
  if (va === null) {
    ops.PutDmaAdapter?.(adapter);
    return STATUS.INSUFFICIENT_RESOURCES;
  }
  // Steps 3-4: an MDL for the buffer, built for nonpaged memory.
  const mdl = IoAllocateMdl(k, va, size, false, false, null);
  if (mdl === null) {
    ops.FreeCommonBuffer?.(adapter, size, e.bufferLogical, va, false);
    ops.PutDmaAdapter?.(adapter);
    return STATUS.INSUFFICIENT_RESOURCES;
  }
  MmBuildMdlForNonPagedPool(k, mdl);
  const r = irq.u.Interrupt;
  const io: { value: KINTERRUPT | null } = { value: null };
  const mode = (irq.Flags & CM_RESOURCE_INTERRUPT_LATCHED) !== 0 ? Latched : LevelSensitive;
  const st = IoConnectInterrupt(k, io, SoundIsr, fdo, r.Vector, r.Level, r.Level, mode, irq.ShareDisposition === CmResourceShareShared);
  if (!NT_SUCCESS(st)) {
    IoFreeMdl(k, mdl);
    ops.FreeCommonBuffer?.(adapter, size, e.bufferLogical, va, false);
    ops.PutDmaAdapter?.(adapter);
    return st;
  }
  e.adapter = adapter;
  e.numberOfMapRegisters = nmr.value;
  e.bufferVa = va;
  e.mdl = mdl;
  e.interrupt = io.value;
  e.dpc = KeInitializeDpc(k, SoundDpc, fdo);
  e.refillTimers = [KeInitializeTimer(k), KeInitializeTimer(k)];
  e.refillDpcs = [0, 1].map((half) => KeInitializeDpc(k, SoundRefillDpc, { fdo, half }));
  // Reset the DSP (1 then 0 on the reset port; it answers 0xAA).
  WRITE_PORT_UCHAR(k, e.portBase + SB_PORT.RESET, 1);
  WRITE_PORT_UCHAR(k, e.portBase + SB_PORT.RESET, 0);
  if (READ_PORT_UCHAR(k, e.portBase + SB_PORT.READ_DATA) !== 0xaa) {
    SoundStopDevice(k, fdo);
    return STATUS.DEVICE_NOT_READY;
  }
  e.starts++;
  e.startBuffers.push(e.bufferLogical.QuadPart);
  return STATUS.SUCCESS;
}

function dsp(k: Kernel, e: SoundDeviceExtension, ...bytes: number[]): void {
  for (const b of bytes) WRITE_PORT_UCHAR(k, e.portBase + SB_PORT.WRITE, b);
}

/** Copy the next half-buffer of the stream (silence past its end) into one half of the common buffer. */
function copyChunk(k: Kernel, e: SoundDeviceExtension, half: number, streamOffset: number): void {
  const halfBytes = e.config.bufferBytes / 2;
  const dst = e.bufferVa + half * halfBytes;
  const s = e.stream;
  const n = s === null ? 0 : Math.max(0, Math.min(halfBytes, s.length - streamOffset));
  if (s !== null && n > 0) k.cpu.RtlMoveMemory(dst, s.va + streamOffset, n);
  // Silence past the end: 0 for signed 16-bit, 0x80 for unsigned 8-bit.
  if (n < halfBytes) k.cpu.RtlFillMemory(dst + n, halfBytes - n, bits(e) === 16 ? 0 : 0x80);
  e.refills++;
}

/** The DSP's transfer command for this format: 0xB0/0xC0 plus FIFO, with auto-init or single-cycle. */
function startCommand(e: SoundDeviceExtension, autoInit: boolean): number[] {
  const wide = bits(e) === 16;
  const mode = (wide ? DSP.MODE_SIGNED : 0) | ((e.config.channels ?? 2) === 2 ? DSP.MODE_STEREO : 0);
  return [(wide ? DSP.START_16 : DSP.START_8) | (autoInit ? DSP.CMD_AUTO_INIT : 0) | DSP.CMD_FIFO, mode];
}

/** A transfer of `bytes`: the DSP counts samples of the transfer width, minus one, low byte first. */
function transferLength(e: SoundDeviceExtension, bytes: number): number[] {
  const samples = bytes / (bits(e) / 8) - 1;
  return [samples & 0xff, samples >> 8];
}

/**
 * Play `stream` from byte `from` (<= DISPATCH_LEVEL, after a successful
 * start). `from` must be a whole number of frames short of the end.
 */
export function SoundStartPlayback(k: Kernel, fdo: DEVICE_OBJECT, stream: PlaybackStream, from = 0): NTSTATUS {
  const e = soundExtension(fdo);
  const adapter = e.adapter;
  if (adapter === null || e.playing) return STATUS.INVALID_DEVICE_STATE;
  if (!Number.isInteger(from) || from < 0 || from >= stream.length || from % soundBlockAlign(e) !== 0 || stream.length % soundBlockAlign(e) !== 0) return STATUS.INVALID_PARAMETER;
  e.stream = stream;
  const halfBytes = e.config.bufferBytes / 2;
  e.playBase = from;
  e.blocksDone = 0;
  e.finished = false;
  e.runBlocks = Math.ceil((stream.length - from) / halfBytes);
  // RtlMoveMemory: both halves before the card starts.
  copyChunk(k, e, 0, from);
  copyChunk(k, e, 1, from + halfBytes);
  e.pendingOffset = [from + 2 * halfBytes, from + 3 * halfBytes];
  // AllocateAdapterChannel is a DISPATCH_LEVEL routine.
  const st = k.atLeastIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.AllocateAdapterChannel?.(adapter, fdo, BYTES_TO_PAGES(e.config.bufferBytes), SoundProgramDma, fdo) ?? STATUS.NOT_SUPPORTED);
  if (!NT_SUCCESS(st)) return st;
  e.playing = true;
  // The DSP: output rate, then the transfer. A stream of one block or less is one single-cycle transfer of its bytes.
  const rate = e.config.sampleRate;
  dsp(k, e, DSP.SET_OUTPUT_RATE, rate >> 8, rate & 0xff);
  const single = e.runBlocks === 1;
  dsp(k, e, ...startCommand(e, !single), ...transferLength(e, single ? stream.length - from : halfBytes));
  return STATUS.SUCCESS;
}

/** AdapterControl (DISPATCH_LEVEL): MapTransfer once for the whole common buffer; keep the channel. */
function SoundProgramDma(fdo: DEVICE_OBJECT, _irp: unknown, MapRegisterBase: MapRegisterBase): 1 {
  const e = soundExtension(fdo);
  const adapter = e.adapter as DMA_ADAPTER;
  const mdl = e.mdl as MDL;
  e.mapRegisterBase = MapRegisterBase;
  const length = { value: e.config.bufferBytes };
  // The returned logical address is meaningless for system DMA; the HAL has programmed the 8237.
  adapter.DmaOperations.MapTransfer?.(adapter, mdl, MapRegisterBase, MmGetMdlVirtualAddress(mdl), length, true);
  return KeepObject;
}

/** ISR (DIRQL): is it our block interrupt? Acknowledge it and queue the DPC. */
function SoundIsr(_i: KINTERRUPT, ctx: unknown): boolean {
  const fdo = ctx as DEVICE_OBJECT;
  const e = soundExtension(fdo);
  const k = e.kernel;
  WRITE_PORT_UCHAR(k, e.portBase + SB_PORT.MIXER_INDEX, 0x82);
  const status = READ_PORT_UCHAR(k, e.portBase + SB_PORT.MIXER_DATA);
  // Mixer 0x82: bit 1 = the 16-bit DMA interrupt (acknowledged at base+0xF), bit 0 = the 8-bit one (base+0xE).
  // A card that is gone reads all ones: not an interrupt of ours (its line is down anyway).
  const bit = bits(e) === 16 ? 2 : 1;
  if ((status & bit) === 0 || status === 0xff) return false;
  READ_PORT_UCHAR(k, e.portBase + (bit === 2 ? SB_PORT.ACK_16 : SB_PORT.READ_STATUS));
  e.interrupts++;
  KeInsertQueueDpc(k, e.dpc as KDPC, null, null);
  return true;
}

/** DPC (DISPATCH_LEVEL): end the stream where it ends, and refill the half just played (the one the controller is not in). */
function SoundDpc(_d: KDPC, ctx: unknown): void {
  const fdo = ctx as DEVICE_OBJECT;
  const e = soundExtension(fdo);
  const k = e.kernel;
  if (!e.playing || e.adapter === null) return;
  e.dpcs++;
  e.blocksDone++;
  if (e.blocksDone >= e.runBlocks) {
    // The last block has played: the card stopped on the stream's last sample.
    e.finished = true;
    e.onStreamEnd?.(fdo);
    return;
  }
  const size = e.config.bufferBytes;
  const halfBytes = size / 2;
  // The card now plays the last block: end the transfer there (first, before the 8237 is touched, while the DSP is at the block's start).
  if (e.blocksDone === e.runBlocks - 1) {
    const left = (e.stream?.length ?? 0) - e.playBase - e.blocksDone * halfBytes;
    if (left === halfBytes) dsp(k, e, bits(e) === 16 ? DSP.EXIT_AUTO_INIT_16 : DSP.EXIT_AUTO_INIT_8);
    else dsp(k, e, ...startCommand(e, false), ...transferLength(e, left));
  }
  const left = e.adapter.DmaOperations.ReadDmaCounter?.(e.adapter) ?? 0;
  e.counterReads.push(left);
  // Position from the counter; 0 and the full size both mean "at the start" (ALSA's rule).
  const position = left === 0 || left >= size ? 0 : size - left;
  const playingHalf = position < halfBytes ? 0 : 1;
  const half = 1 - playingHalf;
  e.refilledHalves.push(half);
  const offset = e.pendingOffset[half] as number;
  e.pendingOffset[half] = offset + size;
  if (e.config.refillDelayNs <= 0) {
    copyChunk(k, e, half, offset);
  } else {
    // The late driver: the copy happens later, from a timer.
    const d = e.refillDpcs[half] as KDPC;
    d.DeferredContext = { fdo, half, offset };
    KeSetTimer(k, e.refillTimers[half] as KTIMER, -Math.round(e.config.refillDelayNs / 100), d);
  }
}

/** The late driver's deferred refill (timer DPC). */
function SoundRefillDpc(_d: KDPC, ctx: unknown): void {
  const { fdo, half, offset } = ctx as { fdo: DEVICE_OBJECT; half: number; offset: number };
  const e = soundExtension(fdo);
  if (!e.playing) return;
  copyChunk(e.kernel, e, half, offset);
}

/**
 * How far into the stream the card got (the DSP paused or stopped): the
 * blocks the DPC counted, then the position in the buffer from
 * ReadDmaCounter. A block end whose interrupt has not been handled yet
 * shows as the counter already in the next half.
 */
function playedBytes(e: SoundDeviceExtension, adapter: DMA_ADAPTER): number {
  const s = e.stream as PlaybackStream;
  if (e.finished) return s.length;
  const size = e.config.bufferBytes;
  const halfBytes = size / 2;
  const left = adapter.DmaOperations.ReadDmaCounter?.(adapter) ?? 0;
  const position = left === 0 || left >= size ? 0 : size - left;
  const intoBlock = (((position - (e.blocksDone % 2) * halfBytes) % size) + size) % size;
  return Math.min(s.length, e.playBase + e.blocksDone * halfBytes + intoBlock);
}

/**
 * Stop playing (<= DISPATCH_LEVEL): pause the card, learn how far it got,
 * flush and free the channel. Returns the stream bytes the card played
 * (the byte to resume from), or 0 when nothing was playing.
 */
export function SoundStopPlayback(k: Kernel, fdo: DEVICE_OBJECT): number {
  const e = soundExtension(fdo);
  const adapter = e.adapter;
  if (!e.playing || adapter === null) return 0;
  dsp(k, e, bits(e) === 16 ? DSP.PAUSE_16 : DSP.PAUSE_8);
  e.playing = false;
  for (const t of e.refillTimers) KeCancelTimer(k, t);
  const mdl = e.mdl as MDL;
  const played = k.atLeastIrql(DISPATCH_LEVEL, () => {
    const n = playedBytes(e, adapter);
    adapter.DmaOperations.FlushAdapterBuffers?.(adapter, mdl, e.mapRegisterBase, MmGetMdlVirtualAddress(mdl), e.config.bufferBytes, true);
    adapter.DmaOperations.FreeAdapterChannel?.(adapter);
    return n;
  });
  e.mapRegisterBase = null;
  e.stream = null;
  return played;
}

/** IRP_MN_STOP_DEVICE / SURPRISE_REMOVAL / REMOVE (PASSIVE_LEVEL): release everything start claimed. */
export function SoundStopDevice(k: Kernel, fdo: DEVICE_OBJECT): void {
  const e = soundExtension(fdo);
  if (k.KeGetCurrentIrql() !== PASSIVE_LEVEL) throw new RangeError("SoundStopDevice runs at PASSIVE_LEVEL");
  SoundStopPlayback(k, fdo);
  const adapter = e.adapter;
  if (e.interrupt !== null) IoDisconnectInterrupt(k, e.interrupt);
  e.interrupt = null;
  if (e.mdl !== null) IoFreeMdl(k, e.mdl);
  e.mdl = null;
  if (adapter !== null) {
    adapter.DmaOperations.FreeCommonBuffer?.(adapter, e.config.bufferBytes, e.bufferLogical, e.bufferVa, false);
    adapter.DmaOperations.PutDmaAdapter?.(adapter);
  }
  e.adapter = null;
  e.bufferVa = 0;
}
