/**
 * WDFDMATRANSACTION for scatter/gather bus masters — enough of KMDF's
 * transaction model for a PLX9x5x-style driver (Windows-Driver-Frameworks
 * fxdmatransactionapi.cpp, fxdmatransactionscattergather.cpp; DDI
 * wdfdmatransaction.h):
 *
 * - WdfDmaTransactionCreate (parent: always the enabler) for every profile;
 *   a system profile's transaction goes through the system DMA controller
 *   (dma-transaction-system.ts; its DDIs in dma-transaction-system-api.ts);
 * - WdfDmaTransactionInitialize(EvtProgramDma, direction, MDL, VA, Length);
 * - WdfDmaTransactionExecute: the first fragment — min(remaining,
 *   the enabler's fragment length, the transaction's maximum length) — gets
 *   its scatter/gather list from the HAL at DISPATCH_LEVEL (BuildScatterGatherList
 *   into the enabler's preallocated list, or GetScatterGatherList with
 *   WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION) and EvtProgramDma runs
 *   with it at DISPATCH_LEVEL; a packet profile maps it on an adapter
 *   channel instead (dma-transaction-packet.ts);
 * - an enabler that uses DMA version 3 (FxDmaEnabler::UsesDmaV3: its
 *   description has Version 3) gives each transaction a transfer context,
 *   initialized with InitializeDmaTransferContext at Initialize, and its
 *   lists come from GetScatterGatherListEx / BuildScatterGatherListEx with
 *   that context and the offset into the MDL chain
 *   (fxdmatransactionscattergather.hpp); WdfDmaTransactionWdmGetTransferContext
 *   hands the context out;
 * - WdfDmaTransactionDmaCompleted[WithLength|Final] (the DPC): PutScatterGatherList
 *   (packet: FlushAdapterBuffers[Ex]), count the bytes, and either stage the
 *   next fragment (FALSE) or finish (TRUE; packet: FreeMapRegisters);
 * - WdfDmaTransactionRelease makes the object reusable.
 * Calls in the wrong state stop with WDF_VIOLATION 0x8 (a DMA transaction
 * operation in the wrong state), as KMDF's verifier does.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { DMA_TRANSFER_CONTEXT_SIZE_V1, type SCATTER_GATHER_LIST, type DMA_ADAPTER } from "../hal/types.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { offsetInMdl, PacketTransfer } from "./dma-transaction-packet.ts";
import { prepareForSingleTransfer } from "./dma-transaction-single.ts";
import { SystemDmaSettings, SystemTransfer } from "./dma-transaction-system.ts";
import type { WdfDevice } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import { WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION, WdfDmaEnabler } from "./dma-enabler.ts";
import { FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED, FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WDF_VIOLATION_DMA_TRANSACTION_STATE, WdfObject } from "./object.ts";

/** EVT_WDF_PROGRAM_DMA: program the device with the list; TRUE when the transfer started. */
export type EVT_WDF_PROGRAM_DMA = (Transaction: WdfDmaTransaction, Device: WdfDevice, Context: unknown, Direction: WDF_DMA_DIRECTION, SgList: SCATTER_GATHER_LIST) => boolean;

/** Where a transaction is in its life (FxDmaTransactionState, as far as dmasim models it). */
export type DmaTransactionState = "created" | "reserved" | "initialized" | "executing" | "transferCompleted" | "transferFailed" | "released";

/** WDFDMATRANSACTION: one DMA transfer of a buffer, split into fragments the device can take. */
export class WdfDmaTransaction extends WdfObject {
  readonly typeName = "WDFDMATRANSACTION";
  readonly enabler: WdfDmaEnabler;
  txState: DmaTransactionState = "created";
  private program_: EVT_WDF_PROGRAM_DMA | null = null;
  direction: WDF_DMA_DIRECTION = WdfDmaDirectionReadFromDevice;
  private mdl: MDL | null = null;
  /** VA where the whole transaction starts. */
  private startVa = 0;
  length = 0;
  /** Bytes completed so far (WdfDmaTransactionGetBytesTransferred). */
  transferred = 0;
  /** Bytes of the fragment in flight (WdfDmaTransactionGetCurrentDmaTransferLength). */
  currentLength = 0;
  /** 0 = the enabler's fragment length. */
  maximumLength = 0;
  /** The whole transaction must go in one transfer: the enabler's WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER, or WdfDmaTransactionSetSingleTransferRequirement until the next Release. */
  requireSingleTransfer: boolean;
  /** With the single-transfer requirement: the fragment length (the enabler's MaximumLength) and a list size larger than the enabler's, else 0. */
  singleFragmentLength = 0;
  singleSgListSize = 0;
  private programContext: unknown = null;
  /** The request WdfDmaTransactionInitializeUsingRequest took (with a reference, dropped by Release), else null. */
  request: WdfObject | null = null;
  /** The list the HAL built for the fragment in flight, and whether it came from GetScatterGatherList. */
  private sgList: SCATTER_GATHER_LIST | null = null;
  /** Where the fragment being staged starts (locateFragment), kept on the object rather than in a result object per fragment. */
  private fragMdl: MDL | null = null;
  private fragVa = 0;
  /** The list the HAL handed over during the Build/Get call, the fragment length it is for, and whether stage() returned before it came (the map registers were busy). */
  private listNow: SCATTER_GATHER_LIST | null = null;
  private listLength = 0;
  private listWaiting = false;
  /** The enabler's preallocated list (lookaside) this transaction uses for BuildScatterGatherList. */
  private readonly sgBuffer: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
  /** Fragments programmed since Initialize (statistics). */
  fragments = 0;
  /** The DMA v3 transfer context (DMA_TRANSFER_CONTEXT_SIZE_V1 bytes), allocated with the object when the enabler uses DMA v3, else null. */
  readonly transferContext: Uint8Array | null;
  /** The packet profile's channel and map registers (system profile: the channel) while a transaction runs, or while WdfDmaTransactionAllocateResources reserves them. */
  private packet: PacketTransfer | SystemTransfer<WdfDmaTransaction> | null = null;
  /** @internal A system-profile transaction's callbacks and settings (null for a bus master; the system DDIs set them). */
  readonly system: SystemDmaSettings<WdfDmaTransaction> | null;
  /** m_Flags: DMA_SYNCHRONOUS_CALLBACK after WdfDmaTransactionSetImmediateExecution(TRUE), given to the HAL's Ex routines; Release clears it (FxDmaTransactionBase::Reset). */
  dmaFlags = 0;

  constructor(enabler: WdfDmaEnabler, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(enabler.globals, attributes);
    this.enabler = enabler;
    this.transferContext = enabler.usesDmaV3 ? new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1) : null;
    this.requireSingleTransfer = enabler.requireSingleTransfer;
    this.system = enabler.isBusMaster ? null : new SystemDmaSettings<WdfDmaTransaction>();
  }

  /** FxDmaTransactionBase::ReleaseForReuse: released, and the requirement back to the enabler's. */
  released(): void {
    this.txState = "released";
    // Reset clears the EvtReserveDma not yet called; a reservation itself stays.
    this.packet?.forgetReserveCallback();
    this.dmaFlags = 0;
    this.requireSingleTransfer = this.enabler.requireSingleTransfer;
    this.singleFragmentLength = 0;
    this.singleSgListSize = 0;
  }

  /** The transfer moves memory to the device (WdfDmaDirectionWriteToDevice). */
  /** The transfer's direction as the HAL routines take it (TRUE: memory to device). */
  get writeToDevice(): boolean {
    return this.direction === WdfDmaDirectionWriteToDevice;
  }

  private adapter(): DMA_ADAPTER {
    const a = this.enabler.description(this.direction).AdapterObject;
    if (a === null) throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_DMA_TRANSACTION_STATE, this.handle, 0, 0, `${String(this)}: the enabler has no adapter for this direction`);
    return a;
  }

  /** @internal A routine called in the wrong transaction state: WDF_VIOLATION, as the framework bug checks. */
  wrongState(routine: string): never {
    throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_DMA_TRANSACTION_STATE, this.handle, 0, 0, `${routine} on ${String(this)} in state ${this.txState}`);
  }

  /** @internal The state WdfDmaTransactionInitialize[UsingRequest] records once its checks pass. */
  initialize(program: EVT_WDF_PROGRAM_DMA, direction: WDF_DMA_DIRECTION, mdl: MDL, va: number, length: number): void {
    this.program_ = program;
    this.direction = direction;
    this.mdl = mdl;
    this.startVa = va;
    this.length = length;
    this.transferred = 0;
    this.currentLength = 0;
    this.fragments = 0;
    // FxDmaTransactionBase::Initialize: a DMA v3 enabler's transaction (re)initializes its transfer context for the direction's adapter.
    if (this.transferContext !== null) {
      this.enabler.initializeTransferContext(this.transferContext, direction);
      // A system transaction (always DMA v3) starts at device offset 0 and not stopped (InitializeResources).
      this.system?.initialized();
    }
    this.txState = "initialized";
  }

  /** Map registers WdfDmaTransactionAllocateResources reserved for this transaction (0: none). */
  get reservedRegisters(): number {
    return this.packet?.reservedRegisters ?? 0;
  }

  /** @internal _CalculateRequiredMapRegisters of the initialized transaction: the pages its buffer spans, MDL by MDL. */
  mapRegistersForTransaction(): number {
    return this.mdl === null ? 0 : pagesSpanned(this.mdl, this.startVa, 0, this.length);
  }

  /**
   * @internal ReserveAdapter once its checks pass: the transaction forgets
   * its buffer, (re)initializes its transfer context for `direction`, is
   * "reserved", and asks for the channel with `count` map registers;
   * `granted` (EvtReserveDma) runs when the AdapterControl routine does.
   */
  reserve(direction: WDF_DMA_DIRECTION, count: number, granted: () => void): NTSTATUS {
    this.direction = direction;
    this.mdl = null;
    this.startVa = 0;
    this.length = 0;
    this.transferred = 0;
    this.currentLength = 0;
    if (this.transferContext !== null) this.enabler.initializeTransferContext(this.transferContext, direction);
    this.system?.initialized();
    this.txState = "reserved";
    const p = this.system === null ? new PacketTransfer(this, this.adapter()) : new SystemTransfer<WdfDmaTransaction>(this, this.adapter(), this.system);
    this.packet = p;
    const st = p.reserve(count, granted);
    if (!NT_SUCCESS(st)) {
      this.packet = null;
      this.txState = "transferFailed";
    }
    return st;
  }

  /** The next fragment: where it starts in the MDL chain and how long it may be (the enabler's and the transaction's maximum). */
  nextFragment(): { mdl: MDL; va: number; offset: number; length: number; remaining: number } {
    const length = this.locateFragment();
    const mdl = this.fragMdl as MDL;
    return { mdl, va: this.fragVa, offset: offsetInMdl(mdl, this.fragVa), length, remaining: this.length - this.transferred };
  }

  /** nextFragment without an object: the fragment's MDL and VA into fragMdl / fragVa, its length returned. */
  private locateFragment(): number {
    const remaining = this.length - this.transferred;
    const fragMax = this.singleFragmentLength > 0 ? this.singleFragmentLength : this.enabler.description(this.direction).MaximumFragmentLength;
    let length = Math.min(remaining, fragMax > 0 ? fragMax : remaining);
    if (this.maximumLength > 0) length = Math.min(length, this.maximumLength);
    this.position(this.transferred);
    // Fewer map registers reserved than the transfer needs: cut it to what they map (StageTransfer; not for a single-transfer transaction).
    if (this.packet !== null && !this.requireSingleTransfer) length = Math.min(length, this.packet.reservedCap(this.fragVa));
    return length;
  }

  /** StartTransfer: the first fragment (scatter/gather: its list; packet: the adapter channel, then the map). */
  start(): NTSTATUS {
    if (this.enabler.isScatterGather) return this.stage();
    this.txState = "executing";
    // A reservation's channel and registers are used as they are (AllocateAdapterChannel(TRUE): no HAL request).
    if (this.packet !== null && this.packet.reservedRegisters > 0) return this.packet.start();
    const p = this.system === null ? new PacketTransfer(this, this.adapter()) : new SystemTransfer<WdfDmaTransaction>(this, this.adapter(), this.system);
    this.packet = p;
    const st = p.start();
    if (!NT_SUCCESS(st)) this.packet = null;
    return st;
  }

  /** A packet fragment is mapped: EvtProgramDma with its one-element list. */
  program(length: number, sg: SCATTER_GATHER_LIST): void {
    this.currentLength = length;
    this.txState = "executing";
    this.fragments++;
    this.callProgram(sg);
  }

  /** EvtProgramDma at DISPATCH_LEVEL (as k.atDispatch, without a closure per fragment). */
  private callProgram(sg: SCATTER_GATHER_LIST): void {
    const k = this.globals.kernel;
    const program = this.program_ as EVT_WDF_PROGRAM_DMA;
    const old = k.KeRaiseIrql(DISPATCH_LEVEL);
    try {
      program(this, this.enabler.device, this.programContext, this.direction, sg);
    } finally {
      k.restoreIrql(old);
    }
  }

  /** Stage the next fragment: build its list at DISPATCH_LEVEL and call EvtProgramDma (packet: map it on the registers held). */
  stage(): NTSTATUS {
    if (this.packet !== null) return this.packet.mapNext();
    const k = this.globals.kernel;
    const len = this.locateFragment();
    const a = this.adapter();
    // The list comes at once, or later when the adapter's map registers free up (the AdapterListControl routine runs then, as KMDF's _AdapterListControl does).
    this.listWaiting = false;
    this.listLength = len;
    this.listNow = null;
    const old = k.KeRaiseIrql(DISPATCH_LEVEL);
    let st: NTSTATUS;
    try {
      st = this.requestList(a, len);
    } finally {
      k.restoreIrql(old);
    }
    const list = this.listNow;
    this.listNow = null;
    if (!NT_SUCCESS(st)) return st;
    this.txState = "executing";
    if (list === null) {
      this.listWaiting = true;
      return STATUS.SUCCESS;
    }
    return this.listReady(list, len);
  }

  /** The HAL call for the fragment's list (at DISPATCH_LEVEL); the transaction is the list-control routine's context. */
  private requestList(a: DMA_ADAPTER, len: number): NTSTATUS {
    const en = this.enabler;
    const ops = a.DmaOperations;
    const mdl = this.fragMdl as MDL;
    const va = this.fragVa;
    const writeToDevice = this.writeToDevice;
    const ctx = this.transferContext;
    const get = en.noSgListPreallocation || en.sgListSize === 0;
    if (ctx !== null) {
      // DMA v3: the Ex routines with the transaction's context and flags; Build passes them only for drivers bound to KMDF 1.15 or later (as KMDF does, to avoid a regression).
      const offset = offsetInMdl(mdl, va);
      if (get) return ops.GetScatterGatherListEx?.(a, en.device.fdo, ctx, mdl, offset, len, this.dmaFlags, adapterListControl, this, writeToDevice, null, null, null) ?? STATUS.NOT_SUPPORTED;
      const flags = this.globals.isVersionAtLeast(1, 15) ? this.dmaFlags : 0;
      return ops.BuildScatterGatherListEx?.(a, en.device.fdo, ctx, mdl, offset, len, flags, adapterListControl, this, writeToDevice, this.sgBuffer, this.singleSgListSize || en.sgListSize, null, null, null) ?? STATUS.NOT_SUPPORTED;
    }
    if (get) return ops.GetScatterGatherList?.(a, en.device.fdo, mdl, va, len, adapterListControl, this, writeToDevice) ?? STATUS.NOT_SUPPORTED;
    return ops.BuildScatterGatherList?.(a, en.device.fdo, mdl, va, len, adapterListControl, this, writeToDevice, this.sgBuffer, en.sgListSize) ?? STATUS.NOT_SUPPORTED;
  }

  /** @internal The HAL ran the list-control routine: keep the list for stage(), or (it waited for map registers) program the fragment now. */
  listBuilt(sg: SCATTER_GATHER_LIST): void {
    if (this.listWaiting) {
      this.listWaiting = false;
      this.listReady(sg, this.listLength);
    } else {
      this.listNow = sg;
    }
  }

  /** The fragment's list is built: check it against the enabler's element limit and run EvtProgramDma with it. */
  private listReady(sg: SCATTER_GATHER_LIST, len: number): NTSTATUS {
    this.sgList = sg;
    if (sg.NumberOfElements > this.enabler.maxSGElements) {
      // More fragments than the device takes: give the list back and fail the transfer.
      this.putList();
      return STATUS.WDF_TOO_FRAGMENTED;
    }
    this.currentLength = len;
    this.txState = "executing";
    this.fragments++;
    this.callProgram(sg);
    return STATUS.SUCCESS;
  }

  /** CancelResourceAllocation: CancelAdapterChannel on the transaction's context; TRUE when its request was still waiting (the transaction failed). */
  cancelAllocation(): boolean {
    const a = this.adapter();
    const ctx = this.transferContext as Uint8Array;
    const cancelled = this.globals.kernel.atLeastIrql(DISPATCH_LEVEL, () => a.DmaOperations.CancelAdapterChannel?.(a, this.enabler.device.fdo, ctx) ?? false);
    if (cancelled) {
      this.txState = "transferFailed";
      // Nothing was granted: a packet transaction holds no map registers to free.
      this.packet = null;
    }
    return cancelled;
  }

  /** TransferCompleted: the fragment's resources back (PutScatterGatherList; packet: FlushAdapterBuffers[Ex] of the bytes that moved). */
  fragmentDone(moved: number): NTSTATUS {
    if (this.packet !== null) return this.packet.flush(moved);
    this.putList();
    return STATUS.SUCCESS;
  }

  /**
   * ReleaseResources(ForceRelease): what the transaction still holds (its
   * list; packet: the map registers and the device's packet slot). A
   * reservation is kept unless `force` (FreeResources, deletion).
   */
  releaseResources(force = false): void {
    this.putList();
    const p = this.packet;
    if (p === null) return;
    p.release(force);
    if (p.reservedRegisters === 0) this.packet = null;
  }

  /** The MDL in the chain and the VA where byte `offset` of the transaction lies, into fragMdl / fragVa. */
  private position(offset: number): void {
    let mdl = this.mdl as MDL;
    let va = this.startVa;
    let left = offset;
    for (;;) {
      const end = MmGetMdlVirtualAddress(mdl) + mdl.ByteCount;
      if (va + left < end || mdl.Next === null) {
        this.fragMdl = mdl;
        this.fragVa = va + left;
        return;
      }
      left -= end - va;
      mdl = mdl.Next;
      va = MmGetMdlVirtualAddress(mdl);
    }
  }

  /** Give the fragment's list back to the HAL (at DISPATCH_LEVEL, where the DPC already is). */
  putList(): void {
    const sg = this.sgList;
    if (sg === null) return;
    const a = this.adapter();
    const w = this.direction === WdfDmaDirectionWriteToDevice;
    const k = this.globals.kernel;
    const cur = k.KeGetCurrentIrql();
    const old = k.KeRaiseIrql(cur > DISPATCH_LEVEL ? cur : DISPATCH_LEVEL);
    try {
      a.DmaOperations.PutScatterGatherList?.(a, sg, w);
    } finally {
      k.restoreIrql(old);
    }
    this.sgList = null;
  }

  /** @internal The Context WdfDmaTransactionExecute passes on to EvtProgramDma. */
  setContext(c: unknown): void {
    this.programContext = c;
  }

  /** The transfer's MDL and where it starts (for the request path and the KMDF verifier checks). */
  get transferMdl(): MDL | null {
    return this.mdl;
  }

  /** Drop the request InitializeUsingRequest took (Release, or the transaction's deletion). */
  releaseRequest(): void {
    const r = this.request;
    this.request = null;
    if (r !== null && r.state !== "destroyed") r.release();
  }

  protected override dispose(): void {
    // A transaction deleted mid-transfer gives its list or map registers back, a reservation too (KMDF's Dispose: ReleaseResources(TRUE)).
    this.releaseResources(true);
    this.packet?.forgetReserveCallback();
    this.releaseRequest();
    this.txState = "released";
  }
}

/**
 * WdfDmaTransactionCreate(DmaEnabler, Attributes, DmaTransaction) (<= DISPATCH_LEVEL),
 * for every profile: a system profile's transaction (FxDmaSystemTransaction)
 * runs through the system DMA controller (dma-transaction-system.ts).
 * The parent is always the enabler: a ParentObject gives
 * STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED (fxdmatransactionapi.cpp validates
 * with FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED).
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, wdfStartDevice, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT,
 *   WdfDmaProfileScatterGather64, WdfDmaTransactionCreate, WdfDmaTransactionInitialize, WdfDmaTransactionExecute, WdfDmaTransactionDmaCompleted,
 *   WdfDmaTransactionGetBytesTransferred, WdfDmaTransactionRelease, WdfDmaDirectionWriteToDevice, MmAllocateContiguousMemory, IoAllocateMdl,
 *   MmBuildMdlForNonPagedPool, physicalAddress, statusSymbol, hexAddr, DISPATCH_LEVEL, type HandleOut, type WdfDriver, type WdfDmaEnabler, type WdfDmaTransaction } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null })), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * wdfStartDevice(device!);
 * const enabler: HandleOut<WdfDmaEnabler> = { value: null };
 * WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, enabler);
 * const tx: HandleOut<WdfDmaTransaction> = { value: null };
 * console.log(statusSymbol(WdfDmaTransactionCreate(enabler.value!, null, tx))); // STATUS_SUCCESS — one per transfer in flight, reused
 * // 8 KiB to send, described by an MDL:
 * const va = MmAllocateContiguousMemory(k, 8192, physicalAddress(0xffff_ffff)) ?? 0;
 * const mdl = IoAllocateMdl(k, va, 8192);
 * if (mdl === null) throw new Error("no MDL");
 * MmBuildMdlForNonPagedPool(k, mdl);
 * WdfDmaTransactionInitialize(tx.value!, (_tx, _dev, context, _dir, sg) => {
 *   // EvtProgramDma, at DISPATCH_LEVEL: give the device the list's logical addresses.
 *   console.log(context, sg.NumberOfElements, hexAddr(Number(sg.Elements[0]?.Address.QuadPart)), sg.Elements[0]?.Length); // ring 0 1 0x000000001000 8192
 *   return true;
 * }, WdfDmaDirectionWriteToDevice, mdl, va, 8192);
 * k.atIrql(DISPATCH_LEVEL, () => {
 *   WdfDmaTransactionExecute(tx.value!, "ring 0");
 *   // ... the device interrupts; in the DPC:
 *   const status = { value: 0 };
 *   console.log(WdfDmaTransactionDmaCompleted(tx.value!, status), WdfDmaTransactionGetBytesTransferred(tx.value!)); // true 8192 — the whole transfer is done
 * });
 * WdfDmaTransactionRelease(tx.value!);                           // ready for the next Initialize
 * ```
 */
export function WdfDmaTransactionCreate(DmaEnabler: WdfDmaEnabler, Attributes: WDF_OBJECT_ATTRIBUTES | null, DmaTransaction: HandleOut<WdfDmaTransaction>): NTSTATUS {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaTransactionCreate");
  DmaTransaction.value = null;
  const status = FxValidateObjectAttributes(Attributes, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED);
  if (!NT_SUCCESS(status)) return status;
  const tx = new WdfDmaTransaction(en, Attributes);
  tx.commit(en);
  DmaTransaction.value = tx;
  return STATUS.SUCCESS;
}

/**
 * WdfDmaTransactionInitialize(DmaTransaction, EvtProgramDmaFunction,
 * DmaDirection, Mdl, VirtualAddress, Length): STATUS_INVALID_PARAMETER for
 * Length 0, a bad direction, a direction the enabler has no adapter for, or
 * a VirtualAddress outside the first MDL; STATUS_WDF_TOO_FRAGMENTED when a
 * fragment would need more map registers (pages) than the enabler's
 * scatter/gather element limit (FxDmaScatterGatherTransaction::InitializeResources).
 */
export function WdfDmaTransactionInitialize(DmaTransaction: WdfDmaTransaction, EvtProgramDmaFunction: EVT_WDF_PROGRAM_DMA, DmaDirection: WDF_DMA_DIRECTION, Mdl: MDL, VirtualAddress: number, Length: number): NTSTATUS {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionInitialize");
  if (tx.txState === "initialized" || tx.txState === "executing") tx.wrongState("WdfDmaTransactionInitialize");
  if (typeof EvtProgramDmaFunction !== "function") throw new TypeError("WdfDmaTransactionInitialize: EvtProgramDmaFunction must be a function");
  if (Length === 0 || (DmaDirection !== WdfDmaDirectionReadFromDevice && DmaDirection !== WdfDmaDirectionWriteToDevice)) return STATUS.INVALID_PARAMETER;
  if (tx.enabler.description(DmaDirection).AdapterObject === null) return STATUS.INVALID_PARAMETER;
  const start = MmGetMdlVirtualAddress(Mdl);
  if (VirtualAddress < start || VirtualAddress >= start + Mdl.ByteCount) return STATUS.INVALID_PARAMETER;
  // DMA v2 packet profiles do not take chained MDLs (FxDmaEnabler::SupportsChainedMdls): the transfer must stay inside the first one.
  if (!tx.enabler.supportsChainedMdls && VirtualAddress + Length > start + Mdl.ByteCount) return STATUS.INVALID_PARAMETER;
  if (tx.requireSingleTransfer) {
    // PrepareForSingleTransfer (after the transfer context is initialized): GetDmaTransferInfo on the whole transaction; a failure releases it for reuse.
    tx.initialize(EvtProgramDmaFunction, DmaDirection, Mdl, VirtualAddress, Length);
    const plan = prepareForSingleTransfer(tx.enabler, DmaDirection, Mdl, VirtualAddress, Length);
    if (typeof plan === "number") {
      tx.released();
      return plan;
    }
    tx.singleFragmentLength = plan.maxFragmentLength;
    tx.singleSgListSize = plan.sgListSize;
    return STATUS.SUCCESS;
  }
  // InitializeResources: every fragment's map registers (pages spanned) must fit the enabler's scatter/gather element limit.
  const maxSg = tx.enabler.maxSGElements;
  const frag = tx.enabler.description(DmaDirection).MaximumFragmentLength || Length;
  for (let off = 0; off < Length; off += frag) {
    if (pagesSpanned(Mdl, VirtualAddress, off, Math.min(frag, Length - off)) > maxSg) return STATUS.WDF_TOO_FRAGMENTED;
  }
  tx.initialize(EvtProgramDmaFunction, DmaDirection, Mdl, VirtualAddress, Length);
  return STATUS.SUCCESS;
}

/** Pages spanned by `length` bytes starting `offset` bytes into the transfer at `va` in an MDL chain. */
function pagesSpanned(mdl0: MDL, va0: number, offset: number, length: number): number {
  let mdl: MDL | null = mdl0;
  let va = va0;
  let skip = offset;
  let left = length;
  let pages = 0;
  while (mdl !== null && left > 0) {
    const end = MmGetMdlVirtualAddress(mdl) + mdl.ByteCount;
    const avail = end - va;
    if (skip >= avail) {
      skip -= avail;
    } else {
      const start = va + skip;
      const n = Math.min(left, end - start);
      pages += Math.floor((start + n - 1) / 4096) - Math.floor(start / 4096) + 1;
      left -= n;
      skip = 0;
    }
    mdl = mdl.Next;
    if (mdl !== null) va = MmGetMdlVirtualAddress(mdl);
  }
  return pages;
}

/**
 * WdfDmaTransactionExecute(DmaTransaction, Context) (<= DISPATCH_LEVEL):
 * stage the first fragment. STATUS_WDF_TOO_FRAGMENTED when the list has more
 * elements than WdfDmaEnablerSetMaximumScatterGatherElements allows;
 * STATUS_INSUFFICIENT_RESOURCES when the HAL cannot map it.
 */
export function WdfDmaTransactionExecute(DmaTransaction: WdfDmaTransaction, Context: unknown): NTSTATUS {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionExecute");
  if (tx.txState !== "initialized") tx.wrongState("WdfDmaTransactionExecute");
  // The framework's own IRQL check (WDF_WRONG_IRQL under the KMDF verifier), not the HAL's DMA one.
  tx.globals.checkIrql("WdfDmaTransactionExecute", DISPATCH_LEVEL);
  tx.setContext(Context);
  const st = tx.start();
  if (!NT_SUCCESS(st)) tx.txState = "initialized";
  return st;
}

function completed(tx: WdfDmaTransaction, routine: string, transferred: number, status: { value: NTSTATUS }, final: boolean): boolean {
  if (tx.txState !== "executing") tx.wrongState(routine);
  tx.globals.checkIrql(routine, DISPATCH_LEVEL);
  if (!Number.isInteger(transferred) || transferred < 0 || transferred > tx.currentLength) throw new RangeError(`${routine}: TransferredLength ${transferred} is outside the fragment (0..${tx.currentLength})`);
  const flushed = tx.fragmentDone(transferred);
  tx.transferred += transferred;
  // A single-transfer transaction with bytes left over ends with STATUS_WDF_TOO_MANY_TRANSFERS (FxDmaTransactionBase::DmaCompleted).
  const single = NT_SUCCESS(flushed) && tx.requireSingleTransfer && tx.transferred < tx.length ? STATUS.WDF_TOO_MANY_TRANSFERS : flushed;
  if (!NT_SUCCESS(single) || final || tx.transferred >= tx.length) {
    // Done (or the flush failed): the map registers and the device's packet slot go back.
    tx.releaseResources();
    tx.txState = "transferCompleted";
    status.value = single;
    return true;
  }
  const st = tx.stage();
  if (!NT_SUCCESS(st)) {
    // The next fragment could not be mapped: the transaction ends with that status.
    tx.releaseResources();
    tx.txState = "transferCompleted";
    status.value = st;
    return true;
  }
  status.value = STATUS.MORE_PROCESSING_REQUIRED;
  return false;
}

/** WdfDmaTransactionDmaCompleted: the whole fragment moved. TRUE when the transaction is done. */
export function WdfDmaTransactionDmaCompleted(DmaTransaction: WdfDmaTransaction, Status: { value: NTSTATUS }): boolean {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionDmaCompleted");
  return completed(tx, "WdfDmaTransactionDmaCompleted", tx.currentLength, Status, false);
}

/** WdfDmaTransactionDmaCompletedWithLength: `TransferredLength` bytes of the fragment moved; the rest is staged next. */
export function WdfDmaTransactionDmaCompletedWithLength(DmaTransaction: WdfDmaTransaction, TransferredLength: number, Status: { value: NTSTATUS }): boolean {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionDmaCompletedWithLength");
  return completed(tx, "WdfDmaTransactionDmaCompletedWithLength", TransferredLength, Status, false);
}

/** WdfDmaTransactionDmaCompletedFinal: the transaction ends after `FinalTransferredLength` bytes of this fragment. */
export function WdfDmaTransactionDmaCompletedFinal(DmaTransaction: WdfDmaTransaction, FinalTransferredLength: number, Status: { value: NTSTATUS }): boolean {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionDmaCompletedFinal");
  return completed(tx, "WdfDmaTransactionDmaCompletedFinal", FinalTransferredLength, Status, true);
}

/** WdfDmaTransactionRelease: back to a reusable state (gives back a list still held). */
export function WdfDmaTransactionRelease(DmaTransaction: WdfDmaTransaction): NTSTATUS {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionRelease");
  tx.releaseResources();
  tx.releaseRequest();
  tx.released();
  return STATUS.SUCCESS;
}

/** WdfDmaTransactionGetBytesTransferred: bytes completed so far. */
export function WdfDmaTransactionGetBytesTransferred(DmaTransaction: WdfDmaTransaction): number {
  return validTransaction(DmaTransaction, "WdfDmaTransactionGetBytesTransferred").transferred;
}

/** WdfDmaTransactionGetCurrentDmaTransferLength: bytes of the fragment in flight. */
export function WdfDmaTransactionGetCurrentDmaTransferLength(DmaTransaction: WdfDmaTransaction): number {
  return validTransaction(DmaTransaction, "WdfDmaTransactionGetCurrentDmaTransferLength").currentLength;
}

/** WdfDmaTransactionGetDevice: the device of the transaction's enabler. */
export function WdfDmaTransactionGetDevice(DmaTransaction: WdfDmaTransaction): WdfDevice {
  return validTransaction(DmaTransaction, "WdfDmaTransactionGetDevice").enabler.device;
}

/** WdfDmaTransactionSetMaximumLength (before Execute): caps each fragment; must not exceed the enabler's maximum. */
export function WdfDmaTransactionSetMaximumLength(DmaTransaction: WdfDmaTransaction, MaximumLength: number): void {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionSetMaximumLength");
  if (tx.txState === "executing") tx.wrongState("WdfDmaTransactionSetMaximumLength");
  if (!Number.isInteger(MaximumLength) || MaximumLength <= 0 || MaximumLength > tx.enabler.maximumLength) throw new RangeError(`WdfDmaTransactionSetMaximumLength: ${MaximumLength} must be 1..${tx.enabler.maximumLength} (the enabler's MaximumLength)`);
  tx.maximumLength = MaximumLength;
}


/**
 * WdfDmaTransactionWdmGetTransferContext (<= DISPATCH_LEVEL): the DMA v3
 * transfer context KMDF gives the HAL for this transaction (for a driver
 * that calls the version-3 routines itself). NULL (KMDF traces and breaks
 * under its verifier) when the enabler does not use DMA v3, or when the
 * transaction is not initialized (created, released or deleted).
 */
export function WdfDmaTransactionWdmGetTransferContext(DmaTransaction: WdfDmaTransaction): Uint8Array | null {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionWdmGetTransferContext");
  if (tx.transferContext === null) return null;
  if (tx.txState === "created" || tx.txState === "released" || tx.state === "destroyed") return null;
  return tx.transferContext;
}

/**
 * WdfDmaTransactionSetSingleTransferRequirement(DmaTransaction,
 * RequireSingleTransfer) (KMDF 1.19, <= DISPATCH_LEVEL): before Initialize
 * (a created or released transaction), require (or not) that the next
 * transaction complete in one transfer; Release puts it back to the
 * enabler's WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER. Ignored — KMDF
 * traces and breaks into the debugger — when the enabler does not use DMA
 * v3 or the transaction is already initialized (dma-transaction-single.ts
 * has what Initialize then checks).
 */
export function WdfDmaTransactionSetSingleTransferRequirement(DmaTransaction: WdfDmaTransaction, RequireSingleTransfer: boolean): void {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionSetSingleTransferRequirement");
  if (typeof RequireSingleTransfer !== "boolean") throw new TypeError(`WdfDmaTransactionSetSingleTransferRequirement: RequireSingleTransfer must be a BOOLEAN, got ${typeof RequireSingleTransfer}`);
  if (!NT_SUCCESS(tx.globals.checkIrql("WdfDmaTransactionSetSingleTransferRequirement", DISPATCH_LEVEL))) return;
  if (!tx.enabler.usesDmaV3) return;
  if (tx.txState !== "created" && tx.txState !== "released") return;
  tx.requireSingleTransfer = RequireSingleTransfer;
}

/**
 * WdfDmaTransactionCancel(DmaTransaction) (KMDF 1.11, DMA v3, <=
 * DISPATCH_LEVEL): cancels the transaction's request for the adapter while
 * it still waits (CancelAdapterChannel with its transfer context). TRUE when
 * it was cancelled: EvtProgramDma never runs, the transaction has failed and
 * the driver releases it; FALSE when the adapter was already granted (or the
 * enabler does not use DMA v3, which KMDF only traces). A transaction that is
 * created or released cannot be cancelled (WDF_VIOLATION 0x8 here, KMDF's
 * verifier bug check).
 */
export function WdfDmaTransactionCancel(DmaTransaction: WdfDmaTransaction): boolean {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionCancel");
  if (!tx.enabler.usesDmaV3) return false;
  if (tx.txState === "created" || tx.txState === "released") tx.wrongState("WdfDmaTransactionCancel");
  return tx.cancelAllocation();
}

/** The transaction's list-control routine (KMDF's _AdapterListControl): its Context is the transaction, so one function serves every fragment. */
function adapterListControl(_device: unknown, _irp: unknown, sg: SCATTER_GATHER_LIST, context: unknown): void {
  (context as WdfDmaTransaction).listBuilt(sg);
}

/**
 * @internal validHandle for a WDFDMATRANSACTION: a call site that sees one
 * class only (the engine decides it in a few instructions); anything else
 * takes validHandle for its WDF_VIOLATION.
 */
export function validTransaction(obj: unknown, routine: string): WdfDmaTransaction {
  if (obj instanceof WdfDmaTransaction && obj.state !== "destroyed") return obj;
  return validHandle(obj, WdfDmaTransaction, routine);
}
