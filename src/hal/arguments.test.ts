import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "./hal-common-buffer.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType, MmCached } from "./types.ts";

function setup(): { k: Kernel; a: DMA_ADAPTER; va: number; la: bigint; mdl: MDL } {
  const k = bootMachine("x64-desktop");
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 }) as DMA_ADAPTER;
  const la = physicalAddress();
  const va = a.DmaOperations.AllocateCommonBuffer?.(a, 4096, la, true) as number;
  const mdl = IoAllocateMdl(k, va, 4096) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  return { k, a, va, la: la.QuadPart, mdl };
}

const bad = <T>(v: unknown): T => v as T;

describe("every HAL routine validates its arguments with the emulator's TypeError / RangeError naming the parameter", () => {
  it("FreeCommonBuffer: a NULL LogicalAddress, QuadPart \"x\", a VirtualAddress that is no number, a CacheEnabled that is no BOOLEAN", () => {
    const { a, va, la } = setup();
    const ops = a.DmaOperations;
    expect(() => ops.FreeCommonBuffer?.(a, 4096, bad(null), va, true)).toThrow(/FreeCommonBuffer: LogicalAddress must be a PHYSICAL_ADDRESS/);
    expect(() => ops.FreeCommonBuffer?.(a, 4096, bad({ QuadPart: "x" }), va, true)).toThrow(TypeError);
    expect(() => ops.FreeCommonBuffer?.(a, 4096, { QuadPart: la }, bad("0x1000"), true)).toThrow(/VirtualAddress must be a virtual address/);
    expect(() => ops.FreeCommonBuffer?.(a, 4096, { QuadPart: la }, va, bad(1))).toThrow(/CacheEnabled must be a BOOLEAN/);
    expect(() => ops.FreeCommonBuffer?.(a, -1, { QuadPart: la }, va, true)).toThrow(RangeError);
    // Nothing was freed by the rejected calls.
    ops.FreeCommonBuffer?.(a, 4096, { QuadPart: la }, va, true);
  });

  it("the Allocate routines: optional addresses must be PHYSICAL_ADDRESS or NULL, nodes and flags ULONGs, CacheType a MEMORY_CACHING_TYPE or NULL", () => {
    const { a } = setup();
    const ops = a.DmaOperations;
    expect(() => ops.AllocateCommonBuffer?.(a, 4096, physicalAddress(), bad("yes"))).toThrow(/CacheEnabled/);
    expect(() => ops.AllocateCommonBufferEx?.(a, bad({ QuadPart: 5 }), 4096, physicalAddress(), true, 0)).toThrow(/MaximumAddress must be a PHYSICAL_ADDRESS \(\{ QuadPart: bigint \}\) or null/);
    expect(() => ops.AllocateCommonBufferEx?.(a, null, 4096, physicalAddress(), true, -1)).toThrow(/PreferredNode/);
    expect(() => ops.AllocateCommonBufferWithBounds?.(a, bad(7), null, 4096, 0, null, 0, physicalAddress())).toThrow(/MinimumAddress/);
    expect(() => ops.AllocateCommonBufferWithBounds?.(a, null, null, 4096, bad("0"), null, 0, physicalAddress())).toThrow(/Flags/);
    expect(() => ops.AllocateCommonBufferWithBounds?.(a, null, null, 4096, 0, bad("cached"), 0, physicalAddress())).toThrow(/CacheType/);
    expect(() => ops.AllocateCommonBufferWithBounds?.(a, null, null, 4096, 0, MmCached, 0, bad(undefined))).toThrow(/LogicalAddress/);
  });

  it("HalAllocateCommonBuffer / HalFreeCommonBuffer check like AllocateCommonBuffer / FreeCommonBuffer", () => {
    const { a } = setup();
    expect(() => HalAllocateCommonBuffer(a, 4096, physicalAddress(), bad(null))).toThrow(/HalAllocateCommonBuffer: CacheEnabled/);
    expect(() => HalFreeCommonBuffer(a, 4096, bad(null), 0x1000, true)).toThrow(/HalFreeCommonBuffer: LogicalAddress/);
  });

  it("MapTransfer / FlushAdapterBuffers: the Mdl, CurrentVa, *Length, MapRegisterBase and WriteToDevice", () => {
    const { k, a, mdl, va } = setup();
    const ops = a.DmaOperations;
    k.atDispatch(() => {
      expect(() => ops.MapTransfer?.(a, bad({}), null, va, { value: 4096 }, true)).toThrow(/MapTransfer: Mdl must be an MDL/);
      expect(() => ops.MapTransfer?.(a, mdl, bad(5), va, { value: 4096 }, true)).toThrow(/MapRegisterBase/);
      expect(() => ops.MapTransfer?.(a, mdl, null, bad(null), { value: 4096 }, true)).toThrow(/CurrentVa/);
      expect(() => ops.MapTransfer?.(a, mdl, null, va, bad(null), true)).toThrow(/MapTransfer: Length must be an out parameter/);
      expect(() => ops.MapTransfer?.(a, mdl, null, va, { value: 2 ** 32 }, true)).toThrow(/\*Length must be a ULONG/);
      expect(() => ops.MapTransfer?.(a, mdl, null, va, { value: 4096 }, bad(0))).toThrow(/WriteToDevice/);
      expect(() => ops.FlushAdapterBuffers?.(a, bad(null), null, va, 4096, true)).toThrow(/FlushAdapterBuffers: Mdl/);
      expect(() => ops.FlushAdapterBuffers?.(a, mdl, null, va, bad("4096"), true)).toThrow(/FlushAdapterBuffers: Length/);
    });
  });

  it("AllocateAdapterChannel / FreeMapRegisters: DeviceObject, NumberOfMapRegisters, ExecutionRoutine", () => {
    const { k, a } = setup();
    const fdo = createFdo(k.pdo("plx9656"), "f", 64);
    const ops = a.DmaOperations;
    k.atDispatch(() => {
      expect(() => ops.AllocateAdapterChannel?.(a, bad({}), 1, () => 2, null)).toThrow(/AllocateAdapterChannel: DeviceObject must be a DEVICE_OBJECT/);
      expect(() => ops.AllocateAdapterChannel?.(a, fdo, bad("1"), () => 2, null)).toThrow(/NumberOfMapRegisters/);
      expect(() => ops.AllocateAdapterChannel?.(a, fdo, 1, bad(null), null)).toThrow(/ExecutionRoutine must be a function/);
      expect(() => ops.FreeMapRegisters?.(a, null, bad(-2))).toThrow(/FreeMapRegisters: NumberOfMapRegisters/);
    });
  });

  it("the scatter/gather routines: list buffers, lengths, out parameters and routines", () => {
    const { k, a, mdl, va } = setup();
    const fdo = createFdo(k.pdo("plx9656"), "f", 64);
    const ops = a.DmaOperations;
    expect(() => ops.CalculateScatterGatherList?.(a, null, va, 4096, bad(null), null)).toThrow(/ScatterGatherListSize/);
    expect(() => ops.CalculateScatterGatherList?.(a, bad(3), va, 4096, { value: 0 }, null)).toThrow(/Mdl must be an MDL \(IoAllocateMdl\) or null/);
    k.atDispatch(() => {
      expect(() => ops.GetScatterGatherList?.(a, fdo, mdl, va, 4096, bad(undefined), null, true)).toThrow(/GetScatterGatherList: ExecutionRoutine/);
      expect(() => ops.BuildScatterGatherList?.(a, fdo, mdl, va, 4096, () => undefined, null, true, bad(null), 4096)).toThrow(/ScatterGatherBuffer must be a structure/);
      expect(() => ops.PutScatterGatherList?.(a, bad(null), true)).toThrow(/PutScatterGatherList: ScatterGather/);
    });
  });

  it("FlushDmaBuffer and the vector routines", () => {
    const { a } = setup();
    const ops = a.DmaOperations;
    expect(() => ops.FlushDmaBuffer?.(a, bad(null), true)).toThrow(/FlushDmaBuffer: Mdl/);
    expect(() => ops.AllocateCommonBufferVector?.(a, bad(null), physicalAddress(-1n), MmCached, 0, 0, 1, 4096, { value: null })).toThrow(/LowAddress/);
    expect(() => ops.AllocateCommonBufferVector?.(a, physicalAddress(), physicalAddress(-1n), MmCached, 0, 0, 1, 4096, bad(null))).toThrow(/VectorOut/);
  });
});
