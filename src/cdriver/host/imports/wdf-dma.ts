/**
 * KMDF DMA for a C driver: DMA enablers, common buffers (their virtual
 * addresses are window pointers, so the driver's stores to its descriptor
 * rings go through the simulated CPU), and DMA transactions whose
 * EvtProgramDma gets the fragment's scatter/gather list written in the
 * wasm32 layout into a buffer of the transaction's own. System-mode DMA
 * (KMDF 1.11): ConfigureSystemProfile reads the driver's
 * WDF_DMA_SYSTEM_PROFILE_CONFIG and its DMA resource descriptor; the
 * channel-configuration and transfer-complete callbacks are C function
 * pointers called through the table; WdfDmaEnablerWdmGetDmaAdapter and
 * WdfDmaTransactionWdmGetTransferContext hand out pointers the HAL imports
 * accept (the same adapter and context behind them).
 */
import { NT_SUCCESS, STATUS } from "../../../core/ntstatus.ts";
import type { DMA_WIDTH, SCATTER_GATHER_LIST } from "../../../hal/types.ts";
import { WdfCommonBuffer, WdfCommonBufferCreate, WdfCommonBufferCreateWithConfig, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetAlignedVirtualAddress, WdfCommonBufferGetLength, WDF_COMMON_BUFFER_CONFIG_SIZE } from "../../../wdf/common-buffer.ts";
import { WdfDevice } from "../../../wdf/device.ts";
import type { HandleOut } from "../../../wdf/driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_SIZE,
  WDF_DMA_ENABLER_CONFIG_V1_9_SIZE,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE,
  type WDF_DMA_DIRECTION,
  type WDF_DMA_SYSTEM_PROFILE_CONFIG,
  WdfDmaEnabler,
  WdfDmaEnablerConfigureSystemProfile,
  WdfDmaEnablerCreate,
  WdfDmaEnablerGetFragmentLength,
  WdfDmaEnablerGetMaximumLength,
  WdfDmaEnablerGetMaximumScatterGatherElements,
  WdfDmaEnablerSetMaximumScatterGatherElements,
  WdfDmaEnablerWdmGetDmaAdapter,
} from "../../../wdf/dma-enabler.ts";
import {
  type EVT_WDF_PROGRAM_DMA,
  WdfDmaTransaction,
  WdfDmaTransactionCancel,
  WdfDmaTransactionCreate,
  WdfDmaTransactionDmaCompleted,
  WdfDmaTransactionDmaCompletedFinal,
  WdfDmaTransactionDmaCompletedWithLength,
  WdfDmaTransactionExecute,
  WdfDmaTransactionGetBytesTransferred,
  WdfDmaTransactionGetCurrentDmaTransferLength,
  WdfDmaTransactionGetDevice,
  WdfDmaTransactionInitialize,
  WdfDmaTransactionRelease,
  WdfDmaTransactionSetMaximumLength,
  WdfDmaTransactionSetSingleTransferRequirement,
  WdfDmaTransactionWdmGetTransferContext,
} from "../../../wdf/dma-transaction.ts";
import { WdfDmaTransactionInitializeUsingOffset, WdfDmaTransactionSetImmediateExecution } from "../../../wdf/dma-transaction-1-11.ts";
import { type EVT_WDF_RESERVE_DMA, WdfDmaTransactionAllocateResources, WdfDmaTransactionFreeResources } from "../../../wdf/dma-transaction-reserve.ts";
import { WdfDmaTransactionGetRequest, WdfDmaTransactionInitializeUsingRequest } from "../../../wdf/dma-transaction-request.ts";
import {
  type EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL,
  type EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE,
  WdfDmaTransactionGetTransferInfo,
  WdfDmaTransactionSetChannelConfigurationCallback,
  WdfDmaTransactionSetDeviceAddressOffset,
  WdfDmaTransactionSetTransferCompleteCallback,
  WdfDmaTransactionStopSystemTransfer,
} from "../../../wdf/dma-transaction-system-api.ts";
import { WdfRequest } from "../../../wdf/request.ts";
import { bool, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { fields, off } from "../layouts.ts";
import { frameworkSize } from "../wdf-handles.ts";
import { statusOf, type WdfContext } from "./wdf-context.ts";

const ECFG = fields("WDF_DMA_ENABLER_CONFIG", ["Size", "Profile", "MaximumLength", "EvtDmaEnablerFill", "EvtDmaEnablerFlush", "EvtDmaEnablerDisable", "EvtDmaEnablerEnable", "EvtDmaEnablerSelfManagedIoStart", "EvtDmaEnablerSelfManagedIoStop", "AddressWidthOverride", "WdmDmaVersionOverride", "Flags"]);
/** The KMDF 1.9 layout ends before AddressWidthOverride. */
const ECFG_V1_9 = off("WDF_DMA_ENABLER_CONFIG", "AddressWidthOverride");
const CBCFG = fields("WDF_COMMON_BUFFER_CONFIG", ["Size", "AlignmentRequirement"]);
const SGL = fields("SCATTER_GATHER_LIST", ["NumberOfElements", "Reserved", "Elements"]);
const SGE = fields("SCATTER_GATHER_ELEMENT", ["Address", "Length", "Reserved"]);
const SPCFG = fields("WDF_DMA_SYSTEM_PROFILE_CONFIG", ["Size", "DemandMode", "LoopedTransfer", "DmaWidth", "DeviceAddress", "DmaDescriptor"]);
/** The DMA channel resource SPCFG.DmaDescriptor points at (CM_PARTIAL_RESOURCE_DESCRIPTOR u.Dma). */
const DMA_CHANNEL = off("CM_PARTIAL_RESOURCE_DESCRIPTOR", "u.Dma.Channel");
const DMA_PORT = off("CM_PARTIAL_RESOURCE_DESCRIPTOR", "u.Dma.Port");

/** The DMA enabler, common buffer and transaction routines. */
export function wdfDmaImports(wdf: WdfContext): ImportTable {
  const { ctx, handles } = wdf;
  const { host } = ctx;
  const mem = () => host.mem;
  const h = (o: object | null): number => handles.handle(o);
  const enabler = (p: number, routine: string): WdfDmaEnabler => handles.object(u(p), WdfDmaEnabler, routine);
  const buffer = (p: number, routine: string): WdfCommonBuffer => handles.object(u(p), WdfCommonBuffer, routine);
  const tx = (p: number, routine: string): WdfDmaTransaction => handles.object(u(p), WdfDmaTransaction, routine);
  /** Each transaction's driver-visible scatter/gather list buffer: [address, element capacity]. */
  const lists = new Map<WdfDmaTransaction, [number, number]>();
  const cList = (t: WdfDmaTransaction, sg: SCATTER_GATHER_LIST): number => {
    let slot = lists.get(t);
    if (slot === undefined || slot[1] < sg.Elements.length) {
      if (slot !== undefined) host.heap.release(slot[0]);
      const n = Math.max(sg.Elements.length, 4);
      slot = [host.heap.alloc(SGL.Elements + n * SGE.SIZE, "SCATTER_GATHER_LIST"), n];
      lists.set(t, slot);
    }
    const m = mem();
    const at = slot[0];
    m.setU32(at + SGL.NumberOfElements, sg.NumberOfElements);
    m.setU32(at + SGL.Reserved, 0);
    sg.Elements.forEach((e, i) => {
      const p = at + SGL.Elements + i * SGE.SIZE;
      m.setU64(p + SGE.Address, BigInt.asUintN(64, e.Address.QuadPart));
      m.setU32(p + SGE.Length, e.Length);
      m.setU32(p + SGE.Reserved, 0);
    });
    return at;
  };
  const program = (fn: number): EVT_WDF_PROGRAM_DMA => (t, dev, context, direction, sg) => bool(Number(host.call(fn, [h(t), h(dev), u((context as number | null) ?? 0), direction, cList(t, sg)], "EvtProgramDma")));
  /** A C EvtDmaTransactionConfigureDmaChannel (0: none); Mdl is the transaction's first MDL, the driver's own pointer. */
  const configure = (fn: number): EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL | null =>
    fn === 0 ? null : (t, dev, context, mdl, offset, length) => bool(Number(host.call(fn, [h(t), h(dev), u((context as number | null) ?? 0), mdl === null ? 0 : ctx.objects.mirrorMdl(mdl), offset, length], "EvtDmaTransactionConfigureDmaChannel")));
  /** A C EvtDmaTransactionDmaTransferComplete (0: none). */
  const transferComplete = (fn: number): EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE | null =>
    fn === 0 ? null : (t, dev, context, direction, status) => void host.call(fn, [h(t), h(dev), u((context as number | null) ?? 0), direction, status], "EvtDmaTransactionDmaTransferComplete");
  /** A C EvtReserveDma; Context is the driver's pointer. NULL stays null, for the DDI's own check (KMDF's FxPointerNotNull) to name. */
  const reserveDma = (fn: number): EVT_WDF_RESERVE_DMA | null => (fn === 0 ? null : (t, context) => void host.call(fn, [h(t), u((context as number | null) ?? 0)], "EvtReserveDma"));
  /** The driver's WDF_DMA_SYSTEM_PROFILE_CONFIG (NULL: null); its wasm32 Size becomes the framework's. */
  const systemProfile = (p: number): WDF_DMA_SYSTEM_PROFILE_CONFIG | null => {
    if (p === 0) return null;
    const m = mem();
    const d = m.u32At(p + SPCFG.DmaDescriptor);
    return {
      Size: frameworkSize(m.u32At(p + SPCFG.Size), [[SPCFG.SIZE, WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE]]),
      DemandMode: bool(m.u8At(p + SPCFG.DemandMode)),
      LoopedTransfer: bool(m.u8At(p + SPCFG.LoopedTransfer)),
      DmaWidth: m.u32At(p + SPCFG.DmaWidth) as DMA_WIDTH,
      DeviceAddress: { QuadPart: m.i64At(p + SPCFG.DeviceAddress) },
      DmaDescriptor: d === 0 ? null : { Channel: m.u32At(d + DMA_CHANNEL), Port: m.u32At(d + DMA_PORT) },
    };
  };
  const created = <T extends object>(st: number, result: HandleOut<T>, attrs: number, out: number): number => {
    if (!NT_SUCCESS(st) || result.value === null) return st | 0;
    handles.allocateContext(h(result.value), u(attrs));
    mem().setU32(u(out), h(result.value));
    return STATUS.SUCCESS;
  };
  const completedWith = (status: number, done: boolean, st: { value: number }): number => {
    if (u(status) !== 0) mem().setU32(u(status), st.value);
    return done ? 1 : 0;
  };
  return {
    WdfDmaEnablerCreate(d: number, p: number, attrs: number, out: number): number {
      const m = mem();
      const at = u(p);
      const cb = (name: keyof typeof ECFG, what: string) => {
        const fn = m.u32At(at + ECFG[name]);
        return fn === 0 ? null : (e: WdfDmaEnabler) => statusOf(host.call(fn, [h(e)], what));
      };
      const size = frameworkSize(m.u32At(at + ECFG.Size), [[ECFG.SIZE, WDF_DMA_ENABLER_CONFIG_SIZE], [ECFG_V1_9, WDF_DMA_ENABLER_CONFIG_V1_9_SIZE]]);
      const newer = size === WDF_DMA_ENABLER_CONFIG_SIZE;
      const result: HandleOut<WdfDmaEnabler> = { value: null };
      const st = WdfDmaEnablerCreate(
        handles.object(u(d), WdfDevice, "WdfDmaEnablerCreate"),
        {
          Size: size,
          Profile: m.u32At(at + ECFG.Profile),
          MaximumLength: m.u32At(at + ECFG.MaximumLength),
          EvtDmaEnablerFill: cb("EvtDmaEnablerFill", "EvtDmaEnablerFill"),
          EvtDmaEnablerFlush: cb("EvtDmaEnablerFlush", "EvtDmaEnablerFlush"),
          EvtDmaEnablerDisable: cb("EvtDmaEnablerDisable", "EvtDmaEnablerDisable"),
          EvtDmaEnablerEnable: cb("EvtDmaEnablerEnable", "EvtDmaEnablerEnable"),
          EvtDmaEnablerSelfManagedIoStart: cb("EvtDmaEnablerSelfManagedIoStart", "EvtDmaEnablerSelfManagedIoStart"),
          EvtDmaEnablerSelfManagedIoStop: cb("EvtDmaEnablerSelfManagedIoStop", "EvtDmaEnablerSelfManagedIoStop"),
          AddressWidthOverride: newer ? m.u32At(at + ECFG.AddressWidthOverride) : 0,
          WdmDmaVersionOverride: newer ? m.u32At(at + ECFG.WdmDmaVersionOverride) : 0,
          Flags: newer ? m.u32At(at + ECFG.Flags) : 0,
        },
        handles.attributes(u(attrs), "WdfDmaEnablerCreate"),
        result,
      );
      return created(st, result, attrs, out);
    },
    WdfDmaEnablerSetMaximumScatterGatherElements: (e: number, n: number) => WdfDmaEnablerSetMaximumScatterGatherElements(enabler(e, "WdfDmaEnablerSetMaximumScatterGatherElements"), u(n)),
    WdfDmaEnablerGetMaximumScatterGatherElements: (e: number) => WdfDmaEnablerGetMaximumScatterGatherElements(enabler(e, "WdfDmaEnablerGetMaximumScatterGatherElements")),
    WdfDmaEnablerGetMaximumLength: (e: number) => WdfDmaEnablerGetMaximumLength(enabler(e, "WdfDmaEnablerGetMaximumLength")),
    WdfDmaEnablerGetFragmentLength: (e: number, direction: number) => WdfDmaEnablerGetFragmentLength(enabler(e, "WdfDmaEnablerGetFragmentLength"), u(direction) as WDF_DMA_DIRECTION),
    WdfDmaEnablerWdmGetDmaAdapter(e: number, direction: number): number {
      const a = WdfDmaEnablerWdmGetDmaAdapter(enabler(e, "WdfDmaEnablerWdmGetDmaAdapter"), u(direction) as WDF_DMA_DIRECTION);
      if (a === null) return 0;
      const write = ctx.writeAdapter;
      if (write === undefined) throw new Error("WdfDmaEnablerWdmGetDmaAdapter: the HAL imports are not installed");
      return ctx.objects.cAdapter(a, write);
    },
    WdfDmaEnablerConfigureSystemProfile: (e: number, p: number, direction: number) =>
      host.fromCaller(() => WdfDmaEnablerConfigureSystemProfile(enabler(e, "WdfDmaEnablerConfigureSystemProfile"), systemProfile(u(p)), u(direction) as WDF_DMA_DIRECTION)) | 0,

    WdfCommonBufferCreate(e: number, length: number, attrs: number, out: number): number {
      const result: HandleOut<WdfCommonBuffer> = { value: null };
      const st = host.fromCaller(() => WdfCommonBufferCreate(enabler(e, "WdfCommonBufferCreate"), u(length), handles.attributes(u(attrs), "WdfCommonBufferCreate"), result));
      return created(st, result, attrs, out);
    },
    WdfCommonBufferCreateWithConfig(e: number, length: number, p: number, attrs: number, out: number): number {
      const m = mem();
      const config = { Size: frameworkSize(m.u32At(u(p) + CBCFG.Size), [[CBCFG.SIZE, WDF_COMMON_BUFFER_CONFIG_SIZE]]), AlignmentRequirement: m.u32At(u(p) + CBCFG.AlignmentRequirement) };
      const result: HandleOut<WdfCommonBuffer> = { value: null };
      const st = host.fromCaller(() => WdfCommonBufferCreateWithConfig(enabler(e, "WdfCommonBufferCreateWithConfig"), u(length), config, handles.attributes(u(attrs), "WdfCommonBufferCreateWithConfig"), result));
      return created(st, result, attrs, out);
    },
    WdfCommonBufferGetAlignedVirtualAddress: (b: number) => mem().cPointer(WdfCommonBufferGetAlignedVirtualAddress(buffer(b, "WdfCommonBufferGetAlignedVirtualAddress"))),
    WdfCommonBufferGetAlignedLogicalAddress(ret: number, b: number): void {
      const la = WdfCommonBufferGetAlignedLogicalAddress(buffer(b, "WdfCommonBufferGetAlignedLogicalAddress"));
      mem().setU64(u(ret), BigInt.asUintN(64, la.QuadPart));
    },
    WdfCommonBufferGetLength: (b: number) => WdfCommonBufferGetLength(buffer(b, "WdfCommonBufferGetLength")),

    WdfDmaTransactionCreate(e: number, attrs: number, out: number): number {
      const result: HandleOut<WdfDmaTransaction> = { value: null };
      const st = WdfDmaTransactionCreate(enabler(e, "WdfDmaTransactionCreate"), handles.attributes(u(attrs), "WdfDmaTransactionCreate"), result);
      return created(st, result, attrs, out);
    },
    WdfDmaTransactionInitialize(t: number, fn: number, direction: number, mdl: number, va: number, length: number): number {
      const m = mem();
      const md = ctx.objects.mdl(u(mdl), "WdfDmaTransactionInitialize");
      return WdfDmaTransactionInitialize(tx(t, "WdfDmaTransactionInitialize"), program(u(fn)), u(direction) as WDF_DMA_DIRECTION, md, m.kernelVa(u(va), false, "WdfDmaTransactionInitialize VirtualAddress"), u(length)) | 0;
    },
    WdfDmaTransactionInitializeUsingRequest: (t: number, r: number, fn: number, direction: number) =>
      WdfDmaTransactionInitializeUsingRequest(tx(t, "WdfDmaTransactionInitializeUsingRequest"), handles.object(u(r), WdfRequest, "WdfDmaTransactionInitializeUsingRequest"), program(u(fn)), u(direction) as WDF_DMA_DIRECTION) | 0,
    WdfDmaTransactionExecute: (t: number, context: number) => WdfDmaTransactionExecute(tx(t, "WdfDmaTransactionExecute"), u(context)) | 0,
    WdfDmaTransactionDmaCompleted(t: number, status: number): number {
      const st = { value: 0 };
      return completedWith(status, WdfDmaTransactionDmaCompleted(tx(t, "WdfDmaTransactionDmaCompleted"), st), st);
    },
    WdfDmaTransactionDmaCompletedWithLength(t: number, length: number, status: number): number {
      const st = { value: 0 };
      return completedWith(status, WdfDmaTransactionDmaCompletedWithLength(tx(t, "WdfDmaTransactionDmaCompletedWithLength"), u(length), st), st);
    },
    WdfDmaTransactionDmaCompletedFinal(t: number, length: number, status: number): number {
      const st = { value: 0 };
      return completedWith(status, WdfDmaTransactionDmaCompletedFinal(tx(t, "WdfDmaTransactionDmaCompletedFinal"), u(length), st), st);
    },
    WdfDmaTransactionRelease: (t: number) => WdfDmaTransactionRelease(tx(t, "WdfDmaTransactionRelease")) | 0,
    WdfDmaTransactionGetBytesTransferred: (t: number) => WdfDmaTransactionGetBytesTransferred(tx(t, "WdfDmaTransactionGetBytesTransferred")),
    WdfDmaTransactionGetCurrentDmaTransferLength: (t: number) => WdfDmaTransactionGetCurrentDmaTransferLength(tx(t, "WdfDmaTransactionGetCurrentDmaTransferLength")),
    WdfDmaTransactionGetRequest: (t: number) => h(WdfDmaTransactionGetRequest(tx(t, "WdfDmaTransactionGetRequest"))),
    WdfDmaTransactionGetDevice: (t: number) => h(WdfDmaTransactionGetDevice(tx(t, "WdfDmaTransactionGetDevice"))),
    WdfDmaTransactionSetMaximumLength: (t: number, n: number) => WdfDmaTransactionSetMaximumLength(tx(t, "WdfDmaTransactionSetMaximumLength"), u(n)),
    WdfDmaTransactionSetSingleTransferRequirement: (t: number, require: number) => WdfDmaTransactionSetSingleTransferRequirement(tx(t, "WdfDmaTransactionSetSingleTransferRequirement"), bool(require)),
    WdfDmaTransactionInitializeUsingOffset(t: number, fn: number, direction: number, mdl: number, offset: number, length: number): number {
      const md = ctx.objects.mdl(u(mdl), "WdfDmaTransactionInitializeUsingOffset");
      return WdfDmaTransactionInitializeUsingOffset(tx(t, "WdfDmaTransactionInitializeUsingOffset"), program(u(fn)), u(direction) as WDF_DMA_DIRECTION, md, u(offset), u(length)) | 0;
    },
    WdfDmaTransactionSetImmediateExecution: (t: number, use: number) => WdfDmaTransactionSetImmediateExecution(tx(t, "WdfDmaTransactionSetImmediateExecution"), bool(use)),
    WdfDmaTransactionCancel: (t: number) => (WdfDmaTransactionCancel(tx(t, "WdfDmaTransactionCancel")) ? 1 : 0),
    WdfDmaTransactionWdmGetTransferContext(t: number): number {
      const c = WdfDmaTransactionWdmGetTransferContext(tx(t, "WdfDmaTransactionWdmGetTransferContext"));
      return c === null ? 0 : ctx.objects.cTransferContext(c);
    },
    WdfDmaTransactionGetTransferInfo(t: number, registers: number, elements: number): void {
      const r = { value: 0 };
      const e = { value: 0 };
      WdfDmaTransactionGetTransferInfo(tx(t, "WdfDmaTransactionGetTransferInfo"), u(registers) === 0 ? null : r, u(elements) === 0 ? null : e);
      if (u(registers) !== 0) mem().setU32(u(registers), r.value);
      if (u(elements) !== 0) mem().setU32(u(elements), e.value);
    },
    WdfDmaTransactionSetChannelConfigurationCallback: (t: number, fn: number, context: number) => WdfDmaTransactionSetChannelConfigurationCallback(tx(t, "WdfDmaTransactionSetChannelConfigurationCallback"), configure(u(fn)), u(context)),
    WdfDmaTransactionSetTransferCompleteCallback: (t: number, fn: number, context: number) => WdfDmaTransactionSetTransferCompleteCallback(tx(t, "WdfDmaTransactionSetTransferCompleteCallback"), transferComplete(u(fn)), u(context)),
    WdfDmaTransactionSetDeviceAddressOffset: (t: number, offset: number) => WdfDmaTransactionSetDeviceAddressOffset(tx(t, "WdfDmaTransactionSetDeviceAddressOffset"), u(offset)),
    WdfDmaTransactionStopSystemTransfer: (t: number) => WdfDmaTransactionStopSystemTransfer(tx(t, "WdfDmaTransactionStopSystemTransfer")),
    WdfDmaTransactionAllocateResources: (t: number, direction: number, registers: number, fn: number, context: number) =>
      WdfDmaTransactionAllocateResources(tx(t, "WdfDmaTransactionAllocateResources"), u(direction) as WDF_DMA_DIRECTION, u(registers), reserveDma(u(fn)) as EVT_WDF_RESERVE_DMA, u(context)) | 0,
    WdfDmaTransactionFreeResources: (t: number) => WdfDmaTransactionFreeResources(tx(t, "WdfDmaTransactionFreeResources")),
  };
}
