/**
 * The system-profile half of WDFDMATRANSACTION (KMDF 1.11+, Windows-Driver-
 * Frameworks fxdmatransactionsystem.cpp / .hpp, which derives from the packet
 * transaction of fxdmatransactionpacket.cpp): a transaction on a
 * WdfDmaProfileSystem / SystemDuplex enabler moves its buffer through the
 * system DMA controller on the direction's subordinate adapter. The enabler
 * always uses DMA version 3 there, so:
 *
 *   step               | routine
 *   channel            | AllocateAdapterChannelEx (all the adapter's map registers; the AdapterControl routine keeps the channel: KeepObject)
 *   before each map    | EvtDmaTransactionConfigureDmaChannel, if set (FALSE: no map, no EvtProgramDma)
 *   map a transfer     | MapTransferEx (offset into the MDL chain, the device address offset, the enabler's shared list, the completion routine when a transfer-complete callback is set)
 *   transfer completed | FlushAdapterBuffersEx
 *   transaction ends   | FreeAdapterChannel
 *   stop               | CancelMappedTransfer (WdfDmaTransactionStopSystemTransfer)
 *
 * The HAL's completion routine becomes EvtDmaTransactionDmaTransferComplete.
 * One that arrives while the transfer is being staged (before EvtProgramDma
 * has returned) waits until it has, and a DmaCompleted call from inside the
 * callbacks restages after them rather than inside them (the transfer
 * state of FxDmaPacketTransaction::StageTransfer). A staging that fails in
 * the AdapterControl routine (a stopped transfer) has no caller to return to:
 * the transfer-complete callback gets DmaCancelled (or DmaError) instead.
 * This file knows the transaction only through SystemHost (the transaction
 * imports it, not the reverse); the DDIs are in dma-transaction-system-api.ts.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { type DMA_ADAPTER, type DMA_COMPLETION_ROUTINE, type DMA_COMPLETION_STATUS, DmaCancelled, DmaError, type IO_ALLOCATION_ACTION, KeepObject, type MapRegisterBase, type SCATTER_GATHER_LIST } from "../hal/types.ts";
import type { MDL } from "../kernel/mdl.ts";
import type { WdfDevice } from "./device.ts";
import { WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION, type WdfDmaEnabler } from "./dma-enabler.ts";
import { reservedFragmentCap } from "./dma-transaction-reservation.ts";

/** What the system path needs of its transaction (WdfDmaTransaction). */
export interface SystemHost {
  readonly enabler: WdfDmaEnabler;
  readonly transferContext: Uint8Array | null;
  readonly writeToDevice: boolean;
  /** The transaction's flags for AllocateAdapterChannelEx (DMA_SYNCHRONOUS_CALLBACK: WdfDmaTransactionSetImmediateExecution). */
  readonly dmaFlags: number;
  readonly direction: WDF_DMA_DIRECTION;
  /** The first MDL of the transaction's chain. */
  readonly transferMdl: MDL | null;
  /** Bytes of the fragment being staged (set before the channel callback, as KMDF's m_CurrentFragmentLength is). */
  currentLength: number;
  nextFragment(): { mdl: MDL; va: number; offset: number; length: number; remaining: number };
  /** The fragment is mapped: run EvtProgramDma with its list. */
  program(length: number, sg: SCATTER_GATHER_LIST): void;
}

/** EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL as the engine stores it (T: the transaction). */
export type ConfigureChannelRoutine<T> = (DmaTransaction: T, Device: WdfDevice, Context: unknown, Mdl: MDL | null, Offset: number, Length: number) => boolean;
/** EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE as the engine stores it (T: the transaction). */
export type TransferCompleteRoutine<T> = (Transaction: T, Device: WdfDevice, Context: unknown, Direction: WDF_DMA_DIRECTION, Status: DMA_COMPLETION_STATUS) => void;

/**
 * What a system transaction keeps between transfers (FxDmaSystemTransaction's
 * fields). The callbacks stay set across WdfDmaTransactionRelease: KMDF's
 * Reuse would clear them, but nothing in the framework calls it (the docs
 * say Release clears the transfer-complete callback; the source keeps it).
 * The device address offset and the stop mark last until the next Initialize
 * (FxDmaPacketTransaction::InitializeResources).
 */
export class SystemDmaSettings<T> {
  configure: ConfigureChannelRoutine<T> | null = null;
  configureContext: unknown = null;
  complete: TransferCompleteRoutine<T> | null = null;
  completeContext: unknown = null;
  /** WdfDmaTransactionSetDeviceAddressOffset (MapTransferEx's DeviceOffset). */
  deviceAddressOffset = 0;
  /** WdfDmaTransactionStopSystemTransfer was called (m_IsCancelled): the next staging fails with STATUS_CANCELLED. */
  cancelled = false;

  /** InitializeResources: a new transaction starts at offset 0 and not stopped. */
  initialized(): void {
    this.deviceAddressOffset = 0;
    this.cancelled = false;
  }
}

/** The enabler's one list for MapTransferEx (m_SGList.SystemProfile.List: the HAL runs one system transfer at a time). */
const systemLists = new WeakMap<WdfDmaEnabler, SCATTER_GATHER_LIST>();

function systemList(en: WdfDmaEnabler): SCATTER_GATHER_LIST {
  let l = systemLists.get(en);
  if (l === undefined) systemLists.set(en, (l = { NumberOfElements: 0, Elements: [] }));
  return l;
}

/** m_SGListSize of a system enabler: the larger direction's preallocated list (a header and an element per map register). */
function systemListSize(en: WdfDmaEnabler): number {
  return Math.max(en.description(WdfDmaDirectionReadFromDevice).PreallocatedSGListSize, en.description(WdfDmaDirectionWriteToDevice).PreallocatedSGListSize);
}

/** Byte offset of (mdl, offset) from the start of the chain that begins with `first`. */
function chainOffset(first: MDL, mdl: MDL, offset: number): number {
  let n = 0;
  for (let m: MDL | null = first; m !== null && m !== mdl; m = m.Next) n += m.ByteCount;
  return n + offset;
}

/** The channel, its grant and the transfer in flight of one executing system transaction. */
export class SystemTransfer<T extends SystemHost> {
  private base: MapRegisterBase = null;
  private granted = false;
  /** The transfer mapped last (chain offset from the first MDL): what FlushAdapterBuffersEx is given. */
  private mapped: { offset: number; length: number } | null = null;
  // m_TransferState: a staging in progress defers a completion and a nested staging to itself.
  private staging = false;
  private rerunStaging = false;
  private rerunCompletion = false;
  private deferredStatus: DMA_COMPLETION_STATUS = DmaCancelled;
  private readonly completion: DMA_COMPLETION_ROUTINE;
  /** Map registers WdfDmaTransactionAllocateResources reserved (m_MapRegistersReserved); 0: no reservation. */
  reservedRegisters = 0;
  /** Map registers a transfer needs (all the adapter's, m_MapRegistersNeeded); above the reservation each transfer is cut to it. */
  private needed = 0;
  /** EvtReserveDma until the grant comes (Release and FreeResources clear it). */
  private onReserved: (() => void) | null = null;

  private readonly host: T;
  private readonly adapter: DMA_ADAPTER;
  private readonly settings: SystemDmaSettings<T>;

  constructor(host: T, adapter: DMA_ADAPTER, settings: SystemDmaSettings<T>) {
    this.host = host;
    this.adapter = adapter;
    this.settings = settings;
    this.completion = (_a, _d, _ctx, status) => this.halCompleted(status);
  }

  private atDispatch<R>(f: () => R): R {
    const k = this.host.enabler.globals.kernel;
    return k.atLeastIrql(DISPATCH_LEVEL, f);
  }

  /**
   * StartTransfer: AllocateAdapterChannelEx for all the adapter's map
   * registers; the AdapterControl routine (at once, or when the channel frees)
   * stages the first transfer and keeps the channel.
   */
  start(): NTSTATUS {
    const en = this.host.enabler;
    const a = this.adapter;
    const registers = en.description(this.host.direction).NumberOfMapRegisters;
    if (this.reservedRegisters > 0) return this.startReserved(registers);
    const control = (_d: unknown, _irp: unknown, MapRegisterBase: MapRegisterBase): IO_ALLOCATION_ACTION => {
      this.base = MapRegisterBase;
      this.granted = true;
      const st = this.mapNext();
      // No caller to hand a failed staging to: report it as the transfer's completion (_AdapterControl).
      if (!NT_SUCCESS(st)) this.notify(st === STATUS.CANCELLED ? DmaCancelled : DmaError);
      return KeepObject;
    };
    return this.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, en.device.fdo, this.host.transferContext as Uint8Array, registers, this.host.dmaFlags, control, null, null) ?? STATUS.NOT_SUPPORTED);
  }

  /**
   * ReserveAdapter: AllocateAdapterChannelEx for `count` map registers; the
   * AdapterControl routine keeps the channel (KeepObject) and runs
   * `onGranted` (EvtReserveDma) instead of staging a transfer.
   */
  reserve(count: number, onGranted: () => void): NTSTATUS {
    const en = this.host.enabler;
    const a = this.adapter;
    this.reservedRegisters = count;
    this.needed = count;
    this.onReserved = onGranted;
    const control = (_d: unknown, _irp: unknown, MapRegisterBase: MapRegisterBase): IO_ALLOCATION_ACTION => {
      this.base = MapRegisterBase;
      this.granted = true;
      const f = this.onReserved;
      this.onReserved = null;
      f?.();
      return KeepObject;
    };
    return this.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, en.device.fdo, this.host.transferContext as Uint8Array, count, this.host.dmaFlags, control, null, null) ?? STATUS.NOT_SUPPORTED);
  }

  /** Release / FreeResources before the grant: EvtReserveDma will not run. */
  forgetReserveCallback(): void {
    this.onReserved = null;
  }

  /** The longest transfer starting at `va` that the reservation can map (no cap without one). */
  reservedCap(va: number): number {
    return reservedFragmentCap(this.reservedRegisters, this.needed, va);
  }

  /** StartTransfer on a reservation: no channel request; the AdapterControl work (stage the first transfer) runs at once on the channel held. */
  private startReserved(registers: number): NTSTATUS {
    this.needed = registers;
    this.atDispatch(() => {
      const st = this.mapNext();
      if (!NT_SUCCESS(st)) this.notify(st === STATUS.CANCELLED ? DmaCancelled : DmaError);
    });
    return STATUS.SUCCESS;
  }

  /** StageTransfer: stage the next transfer, or (called from inside a staging) have the running one stage it after. */
  mapNext(): NTSTATUS {
    if (this.staging) {
      this.rerunStaging = true;
      return STATUS.SUCCESS;
    }
    this.staging = true;
    let st: NTSTATUS;
    for (;;) {
      st = this.stageOnce();
      if (this.rerunCompletion) {
        this.rerunCompletion = false;
        this.notify(this.deferredStatus);
      }
      if (!this.rerunStaging) break;
      this.rerunStaging = false;
    }
    this.staging = false;
    return st;
  }

  private stageOnce(): NTSTATUS {
    const host = this.host;
    const en = host.enabler;
    const f = host.nextFragment();
    const first = host.transferMdl as MDL;
    const offset = chainOffset(first, f.mdl, f.offset);
    host.currentLength = f.length;
    if (this.settings.cancelled) return STATUS.CANCELLED;
    // PreMapTransfer: FALSE means the driver took the transaction over (typically WdfDmaTransactionDmaCompletedFinal): nothing is mapped.
    const configure = this.settings.configure;
    if (configure !== null && !this.atDispatch(() => configure(host, en.device, this.settings.configureContext, first, offset, f.length))) return STATUS.SUCCESS;
    const a = this.adapter;
    const len = { value: f.length };
    const sg = systemList(en);
    const routine = this.settings.complete === null ? null : this.completion;
    const st = this.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, first, this.base, offset, this.settings.deviceAddressOffset, len, host.writeToDevice, sg, systemListSize(en), routine, host) ?? STATUS.NOT_SUPPORTED);
    if (!NT_SUCCESS(st)) return st;
    this.mapped = { offset, length: len.value };
    // A shorter mapping (the controller's 64 KiB / 128 KiB reach) leaves the rest for the next transfer.
    host.program(len.value, sg);
    return STATUS.SUCCESS;
  }

  /** _SystemDmaCompletion: the HAL says the transfer finished (or was cancelled); wait for a staging in progress. */
  private halCompleted(status: DMA_COMPLETION_STATUS): void {
    if (this.staging) {
      this.deferredStatus = status;
      this.rerunCompletion = true;
      return;
    }
    this.notify(status);
  }

  /** CallEvtDmaCompleted: the driver's transfer-complete callback, if any. */
  private notify(status: DMA_COMPLETION_STATUS): void {
    const s = this.settings;
    const f = s.complete;
    if (f === null) return;
    const h = this.host;
    this.atDispatch(() => f(h, h.enabler.device, s.completeContext, h.direction, status));
  }

  /** TransferCompleted: FlushAdapterBuffersEx of the `length` bytes that moved (nothing mapped, nothing to flush). */
  flush(length: number): NTSTATUS {
    const m = this.mapped;
    if (m === null) return STATUS.SUCCESS;
    this.mapped = null;
    const a = this.adapter;
    const mdl = this.host.transferMdl as MDL;
    return this.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, mdl, this.base, m.offset, length, this.host.writeToDevice) ?? STATUS.NOT_SUPPORTED);
  }

  /**
   * ReleaseResources: flush what is still mapped, then FreeAdapterChannel
   * (FreeMapRegistersAndAdapter of the system transaction). A reservation
   * stays unless `force` (FreeResources, deletion), and one not yet granted
   * stays even then.
   */
  release(force = true): void {
    if (this.mapped !== null) this.flush(this.mapped.length);
    if (this.reservedRegisters > 0 && (!force || !this.granted)) return;
    this.reservedRegisters = 0;
    if (!this.granted) return;
    this.granted = false;
    this.base = null;
    const a = this.adapter;
    this.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
  }
}
