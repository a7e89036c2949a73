/**
 * DMA for a C driver: IoGetDmaAdapter gives it a DMA_ADAPTER in its memory
 * whose DMA_OPERATIONS table holds function pointers to host thunks, one per
 * routine the kernel's table for that adapter has (a slot the kernel leaves
 * NULL stays NULL, so `if (ops->X)` tests work as on Windows). Each thunk
 * reads the C arguments, calls the adapter's own routine through the
 * kernel's table, and writes the results back; callbacks the driver passes
 * (AdapterControl, the scatter/gather list routine) are called through its
 * function table at the IRQL the HAL calls them at.
 */
import { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "../../../hal/hal-common-buffer.ts";
import { IoGetDmaAdapter } from "../../../hal/io-get-dma-adapter.ts";
import { listSize, SG_LIST_HEADER_SIZE } from "../../../hal/sg-list.ts";
import {
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeSubSection,
  type DEVICE_DESCRIPTION,
  deviceDescription,
  type DMA_ADAPTER,
  type DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION,
  type DMA_COMMON_BUFFER_VECTOR,
  type DMA_COMPLETION_ROUTINE,
  type DMA_DOMAIN_HANDLE,
  type DMA_OPERATIONS,
  type DMA_TRANSFER_CONTEXT,
  type DMA_TRANSFER_INFO,
  type DRIVER_CONTROL,
  type MapRegisterBase,
  type MEMORY_CACHING_TYPE,
  type SCATTER_GATHER_LIST,
} from "../../../hal/types.ts";
import type { MDL } from "../../../kernel/mdl.ts";
import { C, DMA_OPERATION_SLOTS } from "../../layout/structs.ts";
import { DEV } from "../c-objects.ts";
import { STATUS } from "../../../core/ntstatus.ts";
import { bool, type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { fields, off, size } from "../layouts.ts";
import type { ThunkSpec } from "../thunks.ts";

const DESC = fields("DEVICE_DESCRIPTION", ["Version", "Master", "ScatterGather", "DemandMode", "AutoInitialize", "Dma32BitAddresses", "IgnoreCount", "Reserved1", "Dma64BitAddresses", "BusNumber", "DmaChannel", "InterfaceType", "DmaWidth", "DmaSpeed", "MaximumLength", "DmaPort", "DmaAddressWidth", "DmaControllerInstance", "DmaRequestLine", "DeviceAddress"]);
const ADAPTER = fields("DMA_ADAPTER", ["Version", "Size", "DmaOperations"]);
const OPS_SIZE = size("DMA_OPERATIONS");
const OPS_FIELD = off("DMA_OPERATIONS", "Size");
const OPS_SLOT = new Map(DMA_OPERATION_SLOTS.map(([s]) => [s, off("DMA_OPERATIONS", s)]));
const SGL = fields("SCATTER_GATHER_LIST", ["NumberOfElements", "Reserved", "Elements"]);
const SGE = fields("SCATTER_GATHER_ELEMENT", ["Address", "Length", "Reserved"]);
const INFO_V1 = off("DMA_ADAPTER_INFO", "V1");
const V1 = fields("DMA_ADAPTER_INFO_V1", ["ReadDmaCounterAvailable", "ScatterGatherLimit", "DmaAddressWidth", "Flags", "MinimumTransferUnit"]);
const TI = fields("DMA_TRANSFER_INFO", ["Version", "V1", "V2"]);
const TI1 = fields("DMA_TRANSFER_INFO_V1", ["MapRegisterCount", "ScatterGatherElementCount", "ScatterGatherListSize"]);
const TI2 = fields("DMA_TRANSFER_INFO_V2", ["LogicalPageCount"]);
const CFG = {
  SIZE: size("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION"),
  ConfigType: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "ConfigType"),
  Min: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "LogicalAddressLimits.MinimumAddress"),
  Max: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "LogicalAddressLimits.MaximumAddress"),
  SubOffset: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "SubSection.Offset"),
  SubLength: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "SubSection.Length"),
  Access: off("DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION", "HardwareAccessType"),
};
/** Bytes per DMA_OPERATIONS slot on x64 (the kernel's Size) and on wasm32. */
const X64_SLOT = 8;

type Slot = Exclude<keyof DMA_OPERATIONS, "Size">;
type Fn = (...args: never[]) => unknown;

/** Read a DEVICE_DESCRIPTION from the driver's memory. */
function readDescription(ctx: DriverContext, p: number): DEVICE_DESCRIPTION {
  const m = ctx.host.mem;
  const b = (o: number): boolean => m.u8At(p + o) !== 0;
  return deviceDescription({
    Version: m.u32At(p + DESC.Version),
    Master: b(DESC.Master),
    ScatterGather: b(DESC.ScatterGather),
    DemandMode: b(DESC.DemandMode),
    AutoInitialize: b(DESC.AutoInitialize),
    Dma32BitAddresses: b(DESC.Dma32BitAddresses),
    IgnoreCount: b(DESC.IgnoreCount),
    Reserved1: b(DESC.Reserved1),
    Dma64BitAddresses: b(DESC.Dma64BitAddresses),
    BusNumber: m.u32At(p + DESC.BusNumber),
    DmaChannel: m.u32At(p + DESC.DmaChannel),
    InterfaceType: m.i32At(p + DESC.InterfaceType) as DEVICE_DESCRIPTION["InterfaceType"],
    DmaWidth: m.u32At(p + DESC.DmaWidth) as DEVICE_DESCRIPTION["DmaWidth"],
    DmaSpeed: m.u32At(p + DESC.DmaSpeed) as DEVICE_DESCRIPTION["DmaSpeed"],
    MaximumLength: m.u32At(p + DESC.MaximumLength),
    DmaPort: m.u32At(p + DESC.DmaPort),
    DmaAddressWidth: m.u32At(p + DESC.DmaAddressWidth),
    DmaControllerInstance: m.u32At(p + DESC.DmaControllerInstance),
    DmaRequestLine: m.u32At(p + DESC.DmaRequestLine),
    DeviceAddress: { QuadPart: m.i64At(p + DESC.DeviceAddress) },
  });
}

export function halImports(ctx: DriverContext): ImportTable {
  const { host, k, objects } = ctx;
  const mem = () => host.mem;
  /** Scatter/gather lists handed to the driver: C address -> the kernel's list. */
  const lists = new Map<number, SCATTER_GATHER_LIST>();
  const listOf = new Map<SCATTER_GATHER_LIST, number>();
  const op = <S extends Slot>(a: DMA_ADAPTER, slot: S): NonNullable<DMA_OPERATIONS[S]> => {
    const f = a.DmaOperations[slot];
    if (f === null) throw new RangeError(`${slot}: this adapter's DMA_OPERATIONS has no such routine`);
    return f;
  };
  const adapter = (p: number, routine: string): DMA_ADAPTER => objects.adapter(u(p), routine);
  const mdlOrNull = (p: number, routine: string): MDL | null => (u(p) === 0 ? null : objects.mdl(u(p), routine));
  /** A CurrentVa or buffer VA: the kernel VA of a window pointer; anything else passes as is for the HAL to refuse. */
  const va = (p: number): number => {
    const v = mem().window.toKernel(u(p));
    return v < 0 ? u(p) : v;
  };
  const mrb = (p: number): object | null => objects.fromToken(u(p));
  const phys = (p: number) => ({ QuadPart: mem().i64At(u(p)) });
  const cIrpOf = (cDev: number): number => mem().u32At(cDev + DEV.CurrentIrp);
  /** Lists in blocks dmasim allocated (GetScatterGatherList), as opposed to the driver's own buffers (BuildScatterGatherList). */
  const ownBlocks = new Set<number>();
  /** Write a list in the wasm32 layout at `at` (`register`: a list the driver later puts back, PutScatterGatherList). */
  const writeList = (at: number, sg: SCATTER_GATHER_LIST, register = true): void => {
    const m = mem();
    m.setU32(at + SGL.NumberOfElements, sg.NumberOfElements);
    sg.Elements.forEach((e, i) => {
      const p = at + SGL.Elements + i * SGE.SIZE;
      m.setU64(p + SGE.Address, BigInt.asUintN(64, e.Address.QuadPart));
      m.setU32(p + SGE.Length, e.Length);
      m.setU32(p + SGE.Reserved, 0);
    });
    if (!register) return;
    lists.set(at, sg);
    listOf.set(sg, at);
  };
  /** The driver-visible copy of a list the HAL built in its own memory. */
  const cList = (sg: SCATTER_GATHER_LIST): number => {
    const known = listOf.get(sg);
    if (known !== undefined) return known;
    const at = host.heap.alloc(SGL.Elements + sg.Elements.length * SGE.SIZE, "SCATTER_GATHER_LIST");
    ownBlocks.add(at);
    writeList(at, sg);
    return at;
  };
  const listControl = (routine: number, into: number | null = null) => (dev: unknown, _irp: unknown, sg: SCATTER_GATHER_LIST, context: unknown) => {
    const cDev = objects.cDeviceOf(dev as never)?.address ?? 0;
    if (into !== null) writeList(into, sg);
    host.call(routine, [cDev, cIrpOf(cDev), into ?? cList(sg), u(context as number)], "the scatter/gather list routine");
  };
  /** Elements a list for this transfer can need (one per page spanned), from the kernel's CalculateScatterGatherList. */
  const elementsFor = (ad: DMA_ADAPTER, mdl: MDL | null, cur: number, length: number): { st: number; elements: number; kernelSize: number } => {
    const size = { value: 0 };
    const count = { value: 0 };
    const st = op(ad, "CalculateScatterGatherList")(ad, mdl, cur, length, size, count);
    return { st, elements: count.value, kernelSize: size.value };
  };

  /** Transfer contexts by the driver's address (shared with the KMDF imports, whose transactions own theirs). */
  const transferContext = (p: number): DMA_TRANSFER_CONTEXT => objects.transferContext(u(p));
  /** A C completion routine (0: none) as the kernel calls it; the adapter is the driver's pointer it passed. */
  const completionRoutine = (cAdapter: number, routine: number): DMA_COMPLETION_ROUTINE | null => {
    const r = u(routine);
    if (r === 0) return null;
    return (_a, dev, context, status) => void host.call(r, [u(cAdapter), objects.cDeviceOf(dev)?.address ?? 0, u(context as number), status], "the DMA completion routine");
  };
  /** A wasm32 list buffer's length as the kernel measures one (x64 header and elements, its scratch): the same number of elements fits. */
  const kernelListLength = (cLength: number): number => {
    const elements = Math.floor((u(cLength) - SGL.Elements) / SGE.SIZE);
    return elements < 1 ? SG_LIST_HEADER_SIZE : listSize(elements);
  };
  /** One DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION from the driver's array (fixed-width fields: the x64 layout). */
  const readConfig = (p: number): DMA_COMMON_BUFFER_EXTENDED_CONFIGURATION => {
    const m = mem();
    const ConfigType = m.u32At(p + CFG.ConfigType);
    if (ConfigType === CommonBufferConfigTypeLogicalAddressLimits) return { ConfigType, LogicalAddressLimits: { MinimumAddress: { QuadPart: m.i64At(p + CFG.Min) }, MaximumAddress: { QuadPart: m.i64At(p + CFG.Max) } } };
    if (ConfigType === CommonBufferConfigTypeSubSection) return { ConfigType, SubSection: { Offset: Number(m.u64At(p + CFG.SubOffset)), Length: m.u32At(p + CFG.SubLength) } };
    if (ConfigType === CommonBufferConfigTypeHardwareAccessPermissions) return { ConfigType, HardwareAccessType: m.u32At(p + CFG.Access) };
    return { ConfigType };
  };

  /** The marshalling of each DMA_OPERATIONS slot: wasm arguments in, wasm result out. */
  const slots: Partial<Record<Slot, Fn>> = {
    PutDmaAdapter: (a: number) => op(adapter(a, "PutDmaAdapter"), "PutDmaAdapter")(adapter(a, "PutDmaAdapter")),
    AllocateCommonBuffer: (a: number, length: number, la: number, cache: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateCommonBuffer");
        const out = { QuadPart: 0n };
        const v = op(ad, "AllocateCommonBuffer")(ad, u(length), out, bool(cache));
        if (v === null) return 0;
        mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
        return mem().cPointer(v);
      }),
    FreeCommonBuffer: (a: number, length: number, la: number, v: number, cache: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "FreeCommonBuffer");
        op(ad, "FreeCommonBuffer")(ad, u(length), phys(la), va(v), bool(cache));
      }),
    AllocateAdapterChannel: (a: number, dev: number, count: number, routine: number, context: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateAdapterChannel");
        const cDev = u(dev);
        const r = u(routine);
        return op(ad, "AllocateAdapterChannel")(ad, objects.tsDevice(cDev, "AllocateAdapterChannel"), u(count), (_d, _irp, base) => Number(host.call(r, [cDev, cIrpOf(cDev), objects.token(base), u(context)], "the AdapterControl routine")) as 1 | 2 | 3, u(context));
      }),
    FlushAdapterBuffers: (a: number, mdl: number, base: number, cur: number, length: number, write: number) => {
      const ad = adapter(a, "FlushAdapterBuffers");
      return op(ad, "FlushAdapterBuffers")(ad, objects.mdl(u(mdl), "FlushAdapterBuffers"), mrb(base), va(cur), u(length), bool(write)) ? 1 : 0;
    },
    FreeAdapterChannel: (a: number) => op(adapter(a, "FreeAdapterChannel"), "FreeAdapterChannel")(adapter(a, "FreeAdapterChannel")),
    FreeMapRegisters: (a: number, base: number, count: number) => op(adapter(a, "FreeMapRegisters"), "FreeMapRegisters")(adapter(a, "FreeMapRegisters"), mrb(base), u(count)),
    MapTransfer: (ret: number, a: number, mdl: number, base: number, cur: number, lengthPtr: number, write: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "MapTransfer");
        const length = { value: mem().u32At(u(lengthPtr)) };
        const pa = op(ad, "MapTransfer")(ad, objects.mdl(u(mdl), "MapTransfer"), mrb(base), va(cur), length, bool(write));
        mem().setU32(u(lengthPtr), length.value);
        mem().setU64(u(ret), BigInt.asUintN(64, pa.QuadPart));
      }),
    GetDmaAlignment: (a: number) => op(adapter(a, "GetDmaAlignment"), "GetDmaAlignment")(adapter(a, "GetDmaAlignment")),
    ReadDmaCounter: (a: number) => op(adapter(a, "ReadDmaCounter"), "ReadDmaCounter")(adapter(a, "ReadDmaCounter")),
    GetScatterGatherList: (a: number, dev: number, mdl: number, cur: number, length: number, routine: number, context: number, write: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "GetScatterGatherList");
        return op(ad, "GetScatterGatherList")(ad, objects.tsDevice(u(dev), "GetScatterGatherList"), objects.mdl(u(mdl), "GetScatterGatherList"), va(cur), u(length), listControl(u(routine)), u(context), bool(write));
      }),
    PutScatterGatherList: (a: number, list: number, write: number) => {
      const ad = adapter(a, "PutScatterGatherList");
      const sg = lists.get(u(list));
      if (sg === undefined) throw new RangeError(`PutScatterGatherList: 0x${u(list).toString(16)} is not a scatter/gather list the HAL built`);
      op(ad, "PutScatterGatherList")(ad, sg, bool(write));
      lists.delete(u(list));
      listOf.delete(sg);
      if (ownBlocks.delete(u(list))) host.heap.release(u(list));
    },
    CalculateScatterGatherList: (a: number, mdl: number, cur: number, length: number, sizePtr: number, countPtr: number) => {
      const ad = adapter(a, "CalculateScatterGatherList");
      const r = elementsFor(ad, mdlOrNull(mdl, "CalculateScatterGatherList"), va(cur), u(length));
      // The kernel sizes the list for x64 (24-byte elements, its scratch); the driver's buffer holds the wasm32 list.
      mem().setU32(u(sizePtr), SGL.Elements + r.elements * SGE.SIZE);
      if (u(countPtr) !== 0) mem().setU32(u(countPtr), r.elements);
      return r.st;
    },
    BuildScatterGatherList: (a: number, dev: number, mdl: number, cur: number, length: number, routine: number, context: number, write: number, buffer: number, bufferLength: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "BuildScatterGatherList");
        const md = objects.mdl(u(mdl), "BuildScatterGatherList");
        const r = elementsFor(ad, md, va(cur), u(length));
        if (u(bufferLength) < SGL.Elements + r.elements * SGE.SIZE) return STATUS.BUFFER_TOO_SMALL | 0;
        // The kernel builds into a list object of its own; the driver's buffer receives the wasm32 copy.
        const into: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
        return op(ad, "BuildScatterGatherList")(ad, objects.tsDevice(u(dev), "BuildScatterGatherList"), md, va(cur), u(length), listControl(u(routine), u(buffer)), u(context), bool(write), into, r.kernelSize);
      }),
    GetDmaAdapterInfo: (a: number, info: number) => {
      const ad = adapter(a, "GetDmaAdapterInfo");
      const m = mem();
      const t = { Version: m.u32At(u(info)), V1: { ReadDmaCounterAvailable: false, ScatterGatherLimit: 0, DmaAddressWidth: 0, Flags: 0, MinimumTransferUnit: 0 } };
      const st = op(ad, "GetDmaAdapterInfo")(ad, t);
      const p = u(info) + INFO_V1;
      m.setU32(p + V1.ReadDmaCounterAvailable, t.V1.ReadDmaCounterAvailable ? 1 : 0);
      m.setU32(p + V1.ScatterGatherLimit, t.V1.ScatterGatherLimit);
      m.setU32(p + V1.DmaAddressWidth, t.V1.DmaAddressWidth);
      m.setU32(p + V1.Flags, t.V1.Flags);
      m.setU32(p + V1.MinimumTransferUnit, t.V1.MinimumTransferUnit);
      return st;
    },
    AllocateCommonBufferEx: (a: number, max: number, length: number, la: number, cache: number, node: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateCommonBufferEx");
        const out = { QuadPart: 0n };
        const v = op(ad, "AllocateCommonBufferEx")(ad, u(max) === 0 ? null : phys(max), u(length), out, bool(cache), u(node));
        if (v === null) return 0;
        mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
        return mem().cPointer(v);
      }),
    FreeAdapterObject: (a: number, action: number) => op(adapter(a, "FreeAdapterObject"), "FreeAdapterObject")(adapter(a, "FreeAdapterObject"), u(action) as 1 | 2 | 3),
    FlushDmaBuffer: (a: number, mdl: number, read: number) => op(adapter(a, "FlushDmaBuffer"), "FlushDmaBuffer")(adapter(a, "FlushDmaBuffer"), objects.mdl(u(mdl), "FlushDmaBuffer"), bool(read)),
    AllocateCommonBufferWithBounds: (a: number, min: number, max: number, length: number, flags: number, cacheType: number, node: number, la: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateCommonBufferWithBounds");
        const out = { QuadPart: 0n };
        const ct = u(cacheType) === 0 ? null : (mem().u32At(u(cacheType)) as 0 | 1 | 2 | 3 | 4 | 5);
        const v = op(ad, "AllocateCommonBufferWithBounds")(ad, u(min) === 0 ? null : phys(min), u(max) === 0 ? null : phys(max), u(length), u(flags), ct, u(node), out);
        if (v === null) return 0;
        mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
        return mem().cPointer(v);
      }),
    BuildMdlFromScatterGatherList: (a: number, list: number, original: number, target: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "BuildMdlFromScatterGatherList");
        const sg = lists.get(u(list));
        if (sg === undefined) throw new RangeError(`BuildMdlFromScatterGatherList: 0x${u(list).toString(16)} is not a scatter/gather list the HAL built`);
        const out: { value: MDL | null } = { value: null };
        const st = op(ad, "BuildMdlFromScatterGatherList")(ad, sg, mdlOrNull(original, "BuildMdlFromScatterGatherList"), out);
        if (u(target) !== 0) mem().setU32(u(target), out.value === null ? 0 : objects.mirrorMdl(out.value));
        return st;
      }),
    GetDmaTransferInfo: (a: number, mdl: number, offset: bigint, length: number, writeOnly: number, info: number) => {
      const ad = adapter(a, "GetDmaTransferInfo");
      const m = mem();
      const t: DMA_TRANSFER_INFO = { Version: m.u32At(u(info) + TI.Version) };
      const st = op(ad, "GetDmaTransferInfo")(ad, objects.mdl(u(mdl), "GetDmaTransferInfo"), Number(offset), u(length), bool(writeOnly), t);
      const v = t.V2 ?? t.V1;
      if (v !== undefined) {
        const p = u(info) + TI.V1;
        m.setU32(p + TI1.MapRegisterCount, v.MapRegisterCount);
        m.setU32(p + TI1.ScatterGatherElementCount, v.ScatterGatherElementCount);
        // The kernel sizes the list for x64; the driver's buffer holds the wasm32 list (header, 16-byte elements).
        m.setU32(p + TI1.ScatterGatherListSize, SGL.Elements + v.ScatterGatherElementCount * SGE.SIZE);
        if (t.V2 !== undefined) m.setU32(u(info) + TI.V2 + TI2.LogicalPageCount, t.V2.LogicalPageCount);
      }
      return st;
    },
    InitializeDmaTransferContext: (a: number, context: number) => {
      const ad = adapter(a, "InitializeDmaTransferContext");
      const c = transferContext(context);
      const st = op(ad, "InitializeDmaTransferContext")(ad, c);
      // The driver's bytes hold what the kernel wrote (opaque to it, as on Windows).
      if (st === STATUS.SUCCESS) mem().writeBytes(u(context), c, "InitializeDmaTransferContext");
      return st;
    },
    AllocateAdapterChannelEx: (a: number, dev: number, context: number, count: number, flags: number, routine: number, execContext: number, base: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateAdapterChannelEx");
        const cDev = u(dev);
        const r = u(routine);
        const control: DRIVER_CONTROL | null = r === 0 ? null : (_d, _irp, mrbase) => Number(host.call(r, [cDev, cIrpOf(cDev), objects.token(mrbase), u(execContext)], "the AdapterControl routine")) as 1 | 2 | 3;
        const out: { value: MapRegisterBase } | null = u(base) === 0 ? null : { value: null };
        const st = op(ad, "AllocateAdapterChannelEx")(ad, objects.tsDevice(cDev, "AllocateAdapterChannelEx"), transferContext(context), u(count), u(flags), control, u(execContext), out);
        if (out !== null && st === STATUS.SUCCESS) mem().setU32(u(base), objects.token(out.value));
        return st;
      }),
    ConfigureAdapterChannel: (a: number, fn: number, context: number) => {
      const ad = adapter(a, "ConfigureAdapterChannel");
      return op(ad, "ConfigureAdapterChannel")(ad, u(fn), u(context));
    },
    CancelAdapterChannel: (a: number, dev: number, context: number) => {
      const ad = adapter(a, "CancelAdapterChannel");
      return op(ad, "CancelAdapterChannel")(ad, objects.tsDevice(u(dev), "CancelAdapterChannel"), transferContext(context)) ? 1 : 0;
    },
    MapTransferEx: (a: number, mdl: number, base: number, offset: bigint, deviceOffset: number, lengthPtr: number, write: number, sgBuffer: number, sgLength: number, completion: number, completionContext: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "MapTransferEx");
        const length = { value: mem().u32At(u(lengthPtr)) };
        const into: SCATTER_GATHER_LIST | null = u(sgBuffer) === 0 ? null : { NumberOfElements: 0, Elements: [] };
        const st = op(ad, "MapTransferEx")(ad, objects.mdl(u(mdl), "MapTransferEx"), mrb(base), Number(offset), u(deviceOffset), length, bool(write), into, kernelListLength(sgLength), completionRoutine(a, completion), u(completionContext));
        mem().setU32(u(lengthPtr), length.value);
        if (into !== null && st === STATUS.SUCCESS) writeList(u(sgBuffer), into, false);
        return st;
      }),
    GetScatterGatherListEx: (a: number, dev: number, context: number, mdl: number, offset: bigint, length: number, flags: number, routine: number, listContext: number, write: number, completion: number, completionContext: number, listOut: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "GetScatterGatherListEx");
        const out: { value: SCATTER_GATHER_LIST | null } | null = u(listOut) === 0 ? null : { value: null };
        const st = op(ad, "GetScatterGatherListEx")(ad, objects.tsDevice(u(dev), "GetScatterGatherListEx"), transferContext(context), objects.mdl(u(mdl), "GetScatterGatherListEx"), Number(offset), u(length), u(flags), u(routine) === 0 ? null : listControl(u(routine)), u(listContext), bool(write), completionRoutine(a, completion), u(completionContext), out);
        if (out !== null && out.value !== null) mem().setU32(u(listOut), cList(out.value));
        return st;
      }),
    BuildScatterGatherListEx: (a: number, dev: number, context: number, mdl: number, offset: bigint, length: number, flags: number, routine: number, listContext: number, write: number, buffer: number, bufferLength: number, completion: number, completionContext: number, listOut: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "BuildScatterGatherListEx");
        const into: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
        const out: { value: SCATTER_GATHER_LIST | null } | null = u(listOut) === 0 ? null : { value: null };
        const st = op(ad, "BuildScatterGatherListEx")(ad, objects.tsDevice(u(dev), "BuildScatterGatherListEx"), transferContext(context), objects.mdl(u(mdl), "BuildScatterGatherListEx"), Number(offset), u(length), u(flags), u(routine) === 0 ? null : listControl(u(routine), u(buffer)), u(listContext), bool(write), into, kernelListLength(bufferLength), completionRoutine(a, completion), u(completionContext), out);
        if (out !== null && out.value !== null) {
          writeList(u(buffer), out.value);
          mem().setU32(u(listOut), u(buffer));
        }
        return st;
      }),
    FlushAdapterBuffersEx: (a: number, mdl: number, base: number, offset: bigint, length: number, write: number) => {
      const ad = adapter(a, "FlushAdapterBuffersEx");
      return op(ad, "FlushAdapterBuffersEx")(ad, objects.mdl(u(mdl), "FlushAdapterBuffersEx"), mrb(base), Number(offset), u(length), bool(write));
    },
    CancelMappedTransfer: (a: number, context: number) => {
      const ad = adapter(a, "CancelMappedTransfer");
      return op(ad, "CancelMappedTransfer")(ad, transferContext(context));
    },
    AllocateDomainCommonBuffer: (a: number, domain: number, max: number, length: number, flags: number, cacheType: number, node: number, la: number, vaOut: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateDomainCommonBuffer");
        const out = { QuadPart: 0n };
        const v = { value: 0 };
        const ct = u(cacheType) === 0 ? null : (mem().u32At(u(cacheType)) as MEMORY_CACHING_TYPE);
        const st = op(ad, "AllocateDomainCommonBuffer")(ad, objects.fromToken(u(domain)) as DMA_DOMAIN_HANDLE, u(max) === 0 ? null : phys(max), u(length), u(flags), ct, u(node), out, v);
        if (st === STATUS.SUCCESS) {
          mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
          mem().setU32(u(vaOut), mem().cPointer(v.value));
        }
        return st;
      }),
    JoinDmaDomain: (a: number, domain: number) => {
      const ad = adapter(a, "JoinDmaDomain");
      return op(ad, "JoinDmaDomain")(ad, objects.fromToken(u(domain)) as DMA_DOMAIN_HANDLE);
    },
    LeaveDmaDomain: (a: number) => op(adapter(a, "LeaveDmaDomain"), "LeaveDmaDomain")(adapter(a, "LeaveDmaDomain")),
    GetDmaDomain: (a: number) => objects.token(op(adapter(a, "GetDmaDomain"), "GetDmaDomain")(adapter(a, "GetDmaDomain"))),
    AllocateCommonBufferVector: (a: number, low: number, high: number, cacheType: number, node: number, flags: number, count: number, size: bigint, vectorOut: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "AllocateCommonBufferVector");
        const out: { value: DMA_COMMON_BUFFER_VECTOR | null } = { value: null };
        const st = op(ad, "AllocateCommonBufferVector")(ad, phys(low), phys(high), u(cacheType) as MEMORY_CACHING_TYPE, u(node), u(flags), u(count), Number(size), out);
        if (u(vectorOut) !== 0) mem().setU32(u(vectorOut), objects.token(out.value));
        return st;
      }),
    GetCommonBufferFromVectorByIndex: (a: number, vector: number, index: number, vaOut: number, laOut: number) => {
      const ad = adapter(a, "GetCommonBufferFromVectorByIndex");
      const v = { value: 0 };
      const la = { QuadPart: 0n };
      op(ad, "GetCommonBufferFromVectorByIndex")(ad, objects.fromToken(u(vector)) as DMA_COMMON_BUFFER_VECTOR, u(index), v, la);
      mem().setU32(u(vaOut), mem().cPointer(v.value));
      mem().setU64(u(laOut), BigInt.asUintN(64, la.QuadPart));
    },
    FreeCommonBufferFromVector: (a: number, vector: number, index: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "FreeCommonBufferFromVector");
        op(ad, "FreeCommonBufferFromVector")(ad, objects.fromToken(u(vector)) as DMA_COMMON_BUFFER_VECTOR, u(index));
      }),
    FreeCommonBufferVector: (a: number, vector: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "FreeCommonBufferVector");
        op(ad, "FreeCommonBufferVector")(ad, objects.fromToken(u(vector)) as DMA_COMMON_BUFFER_VECTOR);
      }),
    CreateCommonBufferFromMdl: (a: number, mdl: number, configs: number, count: number, la: number) =>
      host.fromCaller(() => {
        const ad = adapter(a, "CreateCommonBufferFromMdl");
        const out = { QuadPart: 0n };
        const list = u(configs) === 0 ? null : Array.from({ length: u(count) }, (_, i) => readConfig(u(configs) + i * CFG.SIZE));
        const st = op(ad, "CreateCommonBufferFromMdl")(ad, objects.mdl(u(mdl), "CreateCommonBufferFromMdl"), list, u(count), out);
        if (st === STATUS.SUCCESS) mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
        return st;
      }),
  };

  /** One thunk per marshalled slot, made on the first IoGetDmaAdapter and shared by every adapter. */
  let thunkIndex: Map<Slot, number> | null = null;
  const thunks = (): Map<Slot, number> => {
    if (thunkIndex !== null) return thunkIndex;
    const specs: ThunkSpec[] = [];
    const names: Slot[] = [];
    for (const [slot, fn] of DMA_OPERATION_SLOTS) {
      const impl = slots[slot as Slot];
      if (fn === null || impl === undefined) continue;
      const sig = C.signature(fn);
      specs.push({ params: sig.params, results: sig.results, fn: impl });
      names.push(slot as Slot);
    }
    const idx = host.thunks(specs);
    thunkIndex = new Map(names.map((n, i) => [n, idx[i] as number]));
    return thunkIndex;
  };

  /** The driver-visible DMA_ADAPTER for a kernel adapter: Version, Size and an operations table of thunks for the slots the adapter has. */
  const writeAdapter = (a: DMA_ADAPTER): number => {
    const t = thunks();
    const m = mem();
    const at = host.heap.alloc(ADAPTER.SIZE + OPS_SIZE, "DMA_ADAPTER");
    const ops = at + ADAPTER.SIZE;
    const slotCount = Math.min(DMA_OPERATION_SLOTS.length, Math.max(0, (a.DmaOperations.Size - X64_SLOT) / X64_SLOT));
    m.setU16(at + ADAPTER.Version, a.Version);
    m.setU16(at + ADAPTER.Size, ADAPTER.SIZE);
    m.setU32(at + ADAPTER.DmaOperations, ops);
    // Size: the bytes of the table this adapter has, in wasm32 slots (4 bytes each after the ULONG).
    m.setU32(ops + OPS_FIELD, 4 + slotCount * 4);
    for (let i = 0; i < slotCount; i++) {
      const slot = DMA_OPERATION_SLOTS[i]?.[0] as Slot;
      const has = a.DmaOperations[slot] !== null;
      m.setU32(ops + (OPS_SLOT.get(slot) ?? 0), has ? (t.get(slot) ?? 0) : 0);
    }
    return at;
  };
  ctx.writeAdapter = writeAdapter;

  return {
    IoGetDmaAdapter(pdo: number, desc: number, mapRegisters: number): number {
      return host.fromCaller(() => {
        const out = { value: 0 };
        const dev = u(pdo) === 0 ? null : objects.tsDevice(u(pdo), "IoGetDmaAdapter");
        const a = IoGetDmaAdapter(k, dev, readDescription(ctx, u(desc)), out);
        if (a === null) return 0;
        mem().setU32(u(mapRegisters), out.value);
        const at = writeAdapter(a);
        objects.addAdapter(at, a);
        return at;
      });
    },
    HalAllocateCommonBuffer(a: number, length: number, la: number, cache: number): number {
      return host.fromCaller(() => {
        const out = { QuadPart: 0n };
        const v = HalAllocateCommonBuffer(adapter(a, "HalAllocateCommonBuffer"), u(length), out, bool(cache));
        if (v === null) return 0;
        mem().setU64(u(la), BigInt.asUintN(64, out.QuadPart));
        return mem().cPointer(v);
      });
    },
    HalFreeCommonBuffer(a: number, length: number, la: number, v: number, cache: number): void {
      host.fromCaller(() => HalFreeCommonBuffer(adapter(a, "HalFreeCommonBuffer"), u(length), phys(la), va(v), bool(cache)));
    },
  };
}
