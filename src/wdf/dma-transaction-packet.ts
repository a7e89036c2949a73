/**
 * The packet-profile half of WDFDMATRANSACTION (Windows-Driver-Frameworks
 * fxdmatransactionpacket.cpp / .hpp): a packet-mode bus master gets its
 * transfer through an adapter channel and map registers, one contiguous
 * element per fragment, and which HAL routines KMDF calls depends on whether
 * the enabler uses DMA version 3 (its DEVICE_DESCRIPTION has Version 3 —
 * FxDmaEnabler::UsesDmaV3; the table is not consulted):
 *
 *   step               | DMA v2                 | DMA v3
 *   channel            | AllocateAdapterChannel | AllocateAdapterChannelEx (the transaction's transfer context and flags)
 *   map a fragment     | MapTransfer            | MapTransferEx (Offset into the MDL chain, DeviceOffset 0)
 *   fragment completed | FlushAdapterBuffers    | FlushAdapterBuffersEx
 *   transaction ends   | FreeMapRegisters       | FreeMapRegisters
 *
 * The AdapterControl routine keeps the map registers
 * (DeallocateObjectKeepRegisters). With DMA v2 one packet transaction per
 * device runs at a time (FxDevice::AcquireDmaPacketTransaction: another
 * Execute meanwhile is STATUS_WDF_BUSY); DMA v3 lets them queue for the
 * channel. The map registers asked for cover the first fragment, or the
 * worst-case page alignment of a fragment when the transaction takes
 * several (a partial completion can shift later fragments).
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from "../core/address.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { DeallocateObjectKeepRegisters, type DMA_ADAPTER, type IO_ALLOCATION_ACTION, type MapRegisterBase, type SCATTER_GATHER_LIST } from "../hal/types.ts";
import { SCATTER_GATHER_ELEMENT_SIZE, SCATTER_GATHER_LIST_HEADER_SIZE, type WdfDmaEnabler } from "./dma-enabler.ts";
import { reservedFragmentCap } from "./dma-transaction-reservation.ts";

/** What the packet path needs of its transaction. */
export interface PacketHost {
  readonly enabler: WdfDmaEnabler;
  readonly transferContext: Uint8Array | null;
  readonly writeToDevice: boolean;
  /** The transaction's flags for AllocateAdapterChannelEx (DMA_SYNCHRONOUS_CALLBACK: WdfDmaTransactionSetImmediateExecution). */
  readonly dmaFlags: number;
  /** Where the next fragment starts (MDL of the chain, VA, offset from that MDL's start VA) and how long it may be. */
  nextFragment(): { mdl: MDL; va: number; offset: number; length: number; remaining: number };
  /** The fragment is mapped: run EvtProgramDma with its one-element list. */
  program(length: number, sg: SCATTER_GATHER_LIST): void;
}

/** sizeof(SCATTER_GATHER_LIST) + one element: the list KMDF passes to MapTransferEx. */
const ONE_ELEMENT_LIST = SCATTER_GATHER_LIST_HEADER_SIZE + SCATTER_GATHER_ELEMENT_SIZE;

/** The channel, map registers and fragment of one packet transaction. */
export class PacketTransfer {
  private base: MapRegisterBase = null;
  private granted = false;
  private registers = 0;
  private holdsDevice = false;
  /** The fragment mapped last: what FlushAdapterBuffers(Ex) is given. */
  private mapped: { mdl: MDL; va: number; offset: number; length: number } | null = null;

  /** Map registers WdfDmaTransactionAllocateResources reserved (m_MapRegistersReserved); 0: no reservation. */
  reservedRegisters = 0;
  /** Map registers the running transfer needs (m_MapRegistersNeeded); above the reservation each fragment is cut to it. */
  private needed = 0;
  /** EvtReserveDma until the grant comes (Release and FreeResources clear it, as FxDmaTransactionBase::Reset does). */
  private onReserved: (() => void) | null = null;

  private readonly host: PacketHost;
  private readonly adapter: DMA_ADAPTER;

  constructor(host: PacketHost, adapter: DMA_ADAPTER) {
    this.host = host;
    this.adapter = adapter;
  }

  private get v3(): boolean {
    return this.host.enabler.usesDmaV3;
  }

  /**
   * StartTransfer: take the device (v2), ask for the channel with the map
   * registers the transaction needs, and map and program the first fragment
   * when the AdapterControl routine runs (at once, or when the channel frees).
   */
  start(): NTSTATUS {
    const en = this.host.enabler;
    if (this.reservedRegisters > 0) return this.startReserved();
    if (!this.v3) {
      if (en.packetTransactionBusy) return STATUS.WDF_BUSY;
      en.packetTransactionHeld = true;
      this.holdsDevice = true;
    }
    const f = this.host.nextFragment();
    this.registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(f.length === f.remaining ? f.va : PAGE_SIZE - 1, f.length);
    const a = this.adapter;
    const k = en.globals.kernel;
    const control = (_d: unknown, _irp: unknown, MapRegisterBase: MapRegisterBase): IO_ALLOCATION_ACTION => {
      this.base = MapRegisterBase;
      this.granted = true;
      this.mapNext();
      return DeallocateObjectKeepRegisters;
    };
    const st = k.atLeastIrql(DISPATCH_LEVEL, () =>
      this.v3 ? a.DmaOperations.AllocateAdapterChannelEx?.(a, en.device.fdo, this.host.transferContext as Uint8Array, this.registers, this.host.dmaFlags, control, null, null) ?? STATUS.NOT_SUPPORTED : a.DmaOperations.AllocateAdapterChannel?.(a, en.device.fdo, this.registers, control, null) ?? STATUS.NOT_SUPPORTED,
    );
    if (!NT_SUCCESS(st)) this.releaseDevice();
    return st;
  }

  /**
   * ReserveAdapter: AllocateAdapterChannelEx for `count` map registers (DMA
   * v3 only); the AdapterControl routine keeps them and runs `onGranted`
   * (EvtReserveDma) instead of mapping anything.
   */
  reserve(count: number, onGranted: () => void): NTSTATUS {
    const en = this.host.enabler;
    this.reservedRegisters = count;
    this.registers = count;
    this.needed = count;
    this.onReserved = onGranted;
    const a = this.adapter;
    const control = (_d: unknown, _irp: unknown, MapRegisterBase: MapRegisterBase): IO_ALLOCATION_ACTION => {
      this.base = MapRegisterBase;
      this.granted = true;
      const f = this.onReserved;
      this.onReserved = null;
      f?.();
      return DeallocateObjectKeepRegisters;
    };
    return en.globals.kernel.atLeastIrql(DISPATCH_LEVEL, () => a.DmaOperations.AllocateAdapterChannelEx?.(a, en.device.fdo, this.host.transferContext as Uint8Array, count, this.host.dmaFlags, control, null, null) ?? STATUS.NOT_SUPPORTED);
  }

  /** Release / FreeResources before the grant: EvtReserveDma will not run (the framework forgets its callback). */
  forgetReserveCallback(): void {
    this.onReserved = null;
  }

  /** The longest fragment starting at `va` that the reservation can map (no cap without one). */
  reservedCap(va: number): number {
    return reservedFragmentCap(this.reservedRegisters, this.needed, va);
  }

  /** StartTransfer on a reservation: no channel request; the AdapterControl work runs at once on the reserved registers. */
  private startReserved(): NTSTATUS {
    this.needed = 0;
    const f = this.host.nextFragment();
    this.needed = ADDRESS_AND_SIZE_TO_SPAN_PAGES(f.length === f.remaining ? f.va : PAGE_SIZE - 1, f.length);
    return this.host.enabler.globals.kernel.atLeastIrql(DISPATCH_LEVEL, () => this.mapNext());
  }

  /** StageTransfer: map the next fragment on the registers held (MapTransfer / MapTransferEx) and program it (always STATUS_SUCCESS). */
  mapNext(): NTSTATUS {
    const a = this.adapter;
    const f = this.host.nextFragment();
    const len = { value: f.length };
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    if (this.v3) {
      a.DmaOperations.MapTransferEx?.(a, f.mdl, this.base, f.offset, 0, len, this.host.writeToDevice, sg, ONE_ELEMENT_LIST, null, null);
    } else {
      const address = a.DmaOperations.MapTransfer?.(a, f.mdl, this.base, f.va, len, this.host.writeToDevice) ?? { QuadPart: 0n };
      sg.NumberOfElements = 1;
      sg.Elements = [{ Address: address, Length: len.value }];
    }
    this.mapped = { mdl: f.mdl, va: f.va, offset: f.offset, length: len.value };
    this.host.program(len.value, sg);
    return STATUS.SUCCESS;
  }

  /** TransferCompleted: FlushAdapterBuffers(Ex) of the `length` bytes of the fragment that moved. */
  flush(length: number): NTSTATUS {
    const m = this.mapped;
    if (m === null) return STATUS.SUCCESS;
    this.mapped = null;
    const a = this.adapter;
    const k = this.host.enabler.globals.kernel;
    return k.atLeastIrql(DISPATCH_LEVEL, () => {
      if (this.v3) return a.DmaOperations.FlushAdapterBuffersEx?.(a, m.mdl, this.base, m.offset, length, this.host.writeToDevice) ?? STATUS.NOT_SUPPORTED;
      return a.DmaOperations.FlushAdapterBuffers?.(a, m.mdl, this.base, m.va, length, this.host.writeToDevice) === true ? STATUS.SUCCESS : STATUS.UNSUCCESSFUL;
    });
  }

  /**
   * ReleaseResources: FreeMapRegisters of the grant (a NULL base is never
   * freed; a reservation's own count) and the device (v2). A reservation
   * stays unless `force` (FreeResources, deletion), and one not yet granted
   * stays even then (KMDF has no map register base to free).
   */
  release(force = true): void {
    if (this.mapped !== null) this.flush(this.mapped.length);
    if (this.reservedRegisters > 0 && (!force || !this.granted)) return;
    this.reservedRegisters = 0;
    if (this.granted) {
      this.granted = false;
      const base = this.base;
      this.base = null;
      if (base !== null) {
        const a = this.adapter;
        const k = this.host.enabler.globals.kernel;
        k.atLeastIrql(DISPATCH_LEVEL, () => a.DmaOperations.FreeMapRegisters?.(a, base, this.registers));
      }
    }
    this.releaseDevice();
  }

  private releaseDevice(): void {
    if (!this.holdsDevice) return;
    this.holdsDevice = false;
    this.host.enabler.packetTransactionHeld = false;
  }
}

/** The byte offset of `va` from the start of `mdl` (what the v3 routines take instead of a CurrentVa). */
export function offsetInMdl(mdl: MDL, va: number): number {
  return va - MmGetMdlVirtualAddress(mdl);
}
