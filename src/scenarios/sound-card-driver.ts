/**
 * A sample WDM driver for the SB16-like card, written as a driver author
 * would write it, following "Using Common-Buffer System DMA" (seed 003)
 * step by step:
 *
 * Start device (IRP_MN_START_DEVICE): IoGetDmaAdapter for a subordinate,
 * auto-initialize adapter on the card's 16-bit channel -> AllocateCommonBuffer
 * -> on NULL free what was claimed and fail with STATUS_INSUFFICIENT_RESOURCES
 * -> IoAllocateMdl + MmBuildMdlForNonPagedPool -> connect the interrupt.
 *
 * Playback: fill the common buffer from the (locked-down) user buffer with
 * RtlMoveMemory, AllocateAdapterChannel, MapTransfer once (in the
 * AdapterControl routine, which returns KeepObject), start the card with a
 * block of half the buffer. Each block interrupt's ISR acknowledges the card
 * and queues a DPC; the DPC reads ReadDmaCounter to see which half the
 * controller is in and refills the other one, the half just played.
 *
 * Stop: stop the card, FlushAdapterBuffers, FreeAdapterChannel, disconnect
 * the interrupt, free the MDL and the common buffer, PutDmaAdapter.
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
import { type KDPC, KeCancelTimer, KeInitializeDpc, KeInitializeTimer, KeInsertQueueDpc, KeSetTimer, type KTIMER } from "../kernel/dpc.ts";
import { IoConnectInterrupt, IoDisconnectInterrupt, type KINTERRUPT, Latched, LevelSensitive } from "../kernel/interrupt.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { CM_RESOURCE_INTERRUPT_LATCHED, type CM_RESOURCE_LIST, CmResourceShareShared, CmResourceTypeDma, CmResourceTypeInterrupt, CmResourceTypePort, descriptorsOfType, deviceResources } from "../kernel/resources.ts";

export interface SoundDriverConfig {
  /** Common buffer size in bytes (a multiple of PAGE_SIZE); the block is half of it. Default 16 KiB (the DDK SB16 sample's MAXLEN_DMA_BUFFER). */
  readonly bufferBytes: number;
  readonly sampleRate: number;
  /** PCM format: 16-bit signed (the card's 16-bit DMA channel) or 8-bit unsigned (its 8-bit channel). Default 16, stereo. */
  readonly bitsPerSample?: 8 | 16;
  readonly channels?: 1 | 2;
  /** 0 = refill in the DPC (correct); > 0 = refill that many ns after the interrupt (a late driver). Multiple of 100 ns. */
  readonly refillDelayNs: number;
}

/** The "user buffer" an IRP brings: locked-down PCM at a kernel VA. */
export interface PlaybackStream {
  readonly va: number;
  readonly length: number;
}

/** What the driver keeps in its device extension. */
export interface SoundDeviceExtension {
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
  /** Next byte of the stream to copy into the common buffer. */
  streamOffset: number;
  /** Chunk (half-buffer) of the stream each half must get next, for the late refills. */
  pendingOffset: number[];
  playing: boolean;
  /** Figures for the scenario's report. */
  interrupts: number;
  dpcs: number;
  refills: number;
  /** What each DPC saw and did: ReadDmaCounter's value and the half it refilled (or scheduled). */
  counterReads: number[];
  refilledHalves: number[];
  /** The card's first I/O port, from its translated port resource. */
  portBase: number;
}

function ext(fdo: DEVICE_OBJECT): SoundDeviceExtension {
  return fdo.DeviceExtension as unknown as SoundDeviceExtension;
}

/** Initialise the device extension (AddDevice). */
export function SoundAddDevice(fdo: DEVICE_OBJECT, config: SoundDriverConfig): void {
  const e: SoundDeviceExtension = {
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
    streamOffset: 0,
    pendingOffset: [0, 0],
    playing: false,
    interrupts: 0,
    dpcs: 0,
    refills: 0,
    counterReads: [],
    refilledHalves: [],
    portBase: 0,
  };
  fdo.DeviceExtension = e as unknown as Record<string, unknown>;
}

function bits(e: SoundDeviceExtension): 8 | 16 {
  return e.config.bitsPerSample ?? 16;
}

/**
 * IRP_MN_START_DEVICE (PASSIVE_LEVEL). The card's port base, interrupt and
 * DMA channels come from the start IRP's translated resources
 * (AllocatedResourcesTranslated; by default the PnP manager's list for the
 * device): 16-bit data on the 16-bit channel, 8-bit on the 8-bit one. A list
 * without a port, an interrupt or the channel fails the start with
 * STATUS_DEVICE_CONFIGURATION_ERROR.
 */
export function SoundStartDevice(k: Kernel, fdo: DEVICE_OBJECT, resources: CM_RESOURCE_LIST = deviceResources(k, fdo).translated): NTSTATUS {
  const e = ext(fdo);
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

/** Start playing a stream of PCM in the configured format (PASSIVE_LEVEL, after a successful start). */
export function SoundStartPlayback(k: Kernel, fdo: DEVICE_OBJECT, stream: PlaybackStream): NTSTATUS {
  const e = ext(fdo);
  const adapter = e.adapter;
  if (adapter === null || e.playing) return STATUS.INVALID_DEVICE_STATE;
  e.stream = stream;
  const halfBytes = e.config.bufferBytes / 2;
  // RtlMoveMemory: both halves before the card starts.
  copyChunk(k, e, 0, 0);
  copyChunk(k, e, 1, halfBytes);
  e.streamOffset = 2 * halfBytes;
  e.pendingOffset = [2 * halfBytes, 3 * halfBytes];
  // AllocateAdapterChannel is a DISPATCH_LEVEL routine.
  const old = k.KeRaiseIrql(DISPATCH_LEVEL);
  const st = adapter.DmaOperations.AllocateAdapterChannel?.(adapter, fdo, BYTES_TO_PAGES(e.config.bufferBytes), SoundProgramDma, fdo) ?? STATUS.NOT_SUPPORTED;
  k.KeLowerIrql(old);
  if (!NT_SUCCESS(st)) return st;
  e.playing = true;
  // The DSP: output rate, then auto-init output (16-bit signed or 8-bit unsigned), block = half the buffer in samples.
  const rate = e.config.sampleRate;
  const wide = bits(e) === 16;
  const samples = halfBytes / (wide ? 2 : 1) - 1;
  const mode = (wide ? DSP.MODE_SIGNED : 0) | ((e.config.channels ?? 2) === 2 ? DSP.MODE_STEREO : 0);
  dsp(k, e, DSP.SET_OUTPUT_RATE, rate >> 8, rate & 0xff);
  dsp(k, e, (wide ? DSP.START_16 : DSP.START_8) | DSP.CMD_AUTO_INIT | DSP.CMD_FIFO, mode, samples & 0xff, samples >> 8);
  return STATUS.SUCCESS;
}

/** AdapterControl (DISPATCH_LEVEL): MapTransfer once for the whole common buffer; keep the channel. */
function SoundProgramDma(fdo: DEVICE_OBJECT, _irp: unknown, MapRegisterBase: MapRegisterBase): 1 {
  const e = ext(fdo);
  const adapter = e.adapter as DMA_ADAPTER;
  const mdl = e.mdl as MDL;
  e.mapRegisterBase = MapRegisterBase;
  const length = { value: e.config.bufferBytes };
  // The returned logical address is meaningless for system DMA; the HAL has programmed the 8237.
  adapter.DmaOperations.MapTransfer?.(adapter, mdl, MapRegisterBase, MmGetMdlVirtualAddress(mdl), length, true);
  return KeepObject;
}

/** ISR (DIRQL): is it our 16-bit block interrupt? Acknowledge it and queue the DPC. */
function SoundIsr(_i: KINTERRUPT, ctx: unknown): boolean {
  const fdo = ctx as DEVICE_OBJECT;
  const e = ext(fdo);
  const k = kernelOf(fdo);
  WRITE_PORT_UCHAR(k, e.portBase + SB_PORT.MIXER_INDEX, 0x82);
  const status = READ_PORT_UCHAR(k, e.portBase + SB_PORT.MIXER_DATA);
  // Mixer 0x82: bit 1 = the 16-bit DMA interrupt (acknowledged at base+0xF), bit 0 = the 8-bit one (base+0xE).
  const bit = bits(e) === 16 ? 2 : 1;
  if ((status & bit) === 0) return false;
  READ_PORT_UCHAR(k, e.portBase + (bit === 2 ? SB_PORT.ACK_16 : SB_PORT.READ_STATUS));
  e.interrupts++;
  KeInsertQueueDpc(k, e.dpc as KDPC, null, null);
  return true;
}

/** DPC (DISPATCH_LEVEL): refill the half just played (the one the controller is not in). */
function SoundDpc(_d: KDPC, ctx: unknown): void {
  const fdo = ctx as DEVICE_OBJECT;
  const e = ext(fdo);
  const k = kernelOf(fdo);
  if (!e.playing || e.adapter === null) return;
  e.dpcs++;
  const size = e.config.bufferBytes;
  const left = e.adapter.DmaOperations.ReadDmaCounter?.(e.adapter) ?? 0;
  e.counterReads.push(left);
  // Position from the counter; 0 and the full size both mean "at the start" (ALSA's rule).
  const position = left === 0 || left >= size ? 0 : size - left;
  const playingHalf = position < size / 2 ? 0 : 1;
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
  const e = ext(fdo);
  if (!e.playing) return;
  copyChunk(kernelOf(fdo), e, half, offset);
}

/** Stop playing (PASSIVE_LEVEL): stop the card, flush and free the channel. */
export function SoundStopPlayback(k: Kernel, fdo: DEVICE_OBJECT): void {
  const e = ext(fdo);
  const adapter = e.adapter;
  if (!e.playing || adapter === null) return;
  dsp(k, e, bits(e) === 16 ? DSP.PAUSE_16 : DSP.PAUSE_8);
  e.playing = false;
  for (const t of e.refillTimers) KeCancelTimer(k, t);
  const mdl = e.mdl as MDL;
  const old = k.KeRaiseIrql(DISPATCH_LEVEL);
  adapter.DmaOperations.FlushAdapterBuffers?.(adapter, mdl, e.mapRegisterBase, MmGetMdlVirtualAddress(mdl), e.config.bufferBytes, true);
  adapter.DmaOperations.FreeAdapterChannel?.(adapter);
  k.KeLowerIrql(old);
  e.mapRegisterBase = null;
  e.stream = null;
}

/** IRP_MN_STOP_DEVICE / REMOVE (PASSIVE_LEVEL): release everything start claimed. */
export function SoundStopDevice(k: Kernel, fdo: DEVICE_OBJECT): void {
  const e = ext(fdo);
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
}

/** Driver routines find their machine through the device object (the scenario registers it). */
const kernels = new WeakMap<DEVICE_OBJECT, Kernel>();
export function bindKernel(fdo: DEVICE_OBJECT, k: Kernel): void {
  kernels.set(fdo, k);
}
function kernelOf(fdo: DEVICE_OBJECT): Kernel {
  const k = kernels.get(fdo);
  if (k === undefined) throw new TypeError(`no machine bound to ${fdo.name}`);
  return k;
}
