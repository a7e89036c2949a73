/**
 * The version-3 DMA routines, their structures and constants, and the KMDF
 * DMA v3 helpers come from the package entry: each exported routine is the
 * one the newest table holds, the constants have their wdm.h values, and a
 * driver can run a v3 transfer with nothing but the entry's exports.
 */
import { describe, expect, it } from "vitest";
import * as dmasim from "../../src/index.ts";
import {
  AllocateAdapterChannelEx,
  AllocateDomainCommonBuffer,
  bootMachine,
  BuildMdlFromScatterGatherList,
  BuildScatterGatherListEx,
  CancelAdapterChannel,
  CancelMappedTransfer,
  CommonBufferConfigTypeHardwareAccessPermissions,
  CommonBufferConfigTypeLogicalAddressLimits,
  CommonBufferConfigTypeMax,
  CommonBufferConfigTypeSubSection,
  CommonBufferHardwareAccessMax,
  CommonBufferHardwareAccessReadOnly,
  CommonBufferHardwareAccessReadWrite,
  CommonBufferHardwareAccessWriteOnly,
  ConfigureAdapterChannel,
  createFdo,
  CreateCommonBufferFromMdl,
  deviceDescription,
  DMA_SYNCHRONOUS_CALLBACK,
  DMA_TRANSFER_CONTEXT_SIZE_V1,
  DMA_TRANSFER_INFO_VERSION1,
  DMA_TRANSFER_INFO_VERSION2,
  DmaAborted,
  DmaCancelled,
  DmaComplete,
  DmaError,
  type DMA_TRANSFER_CONTEXT,
  type DMA_TRANSFER_INFO,
  type DMA_OPERATIONS,
  FlushAdapterBuffersEx,
  FreeAdapterObject,
  DeallocateObjectKeepRegisters,
  FreeMapRegisters,
  GetDmaDomain,
  GetDmaTransferInfo,
  GetScatterGatherListEx,
  InitializeDmaTransferContext,
  InterfaceType,
  IoAllocateMdl,
  IoGetDmaAdapter,
  JoinDmaDomain,
  LeaveDmaDomain,
  MapTransferEx,
  type MapRegisterBase,
  MmBuildMdlForNonPagedPool,
  MmAllocateContiguousMemory,
  NEWEST_OS_BUILD,
  physicalAddress,
  PutDmaAdapter,
  type SCATTER_GATHER_LIST,
  STATUS,
  WdfDmaTransactionWdmGetTransferContext,
  WDF_DMA_ENABLER_CONFIG_SIZE,
  WDF_DMA_ENABLER_CONFIG_V1_9_SIZE,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT,
} from "../../src/index.ts";

const V3_ROUTINES = {
  InitializeDmaTransferContext,
  GetDmaTransferInfo,
  AllocateAdapterChannelEx,
  CancelAdapterChannel,
  FreeAdapterObject,
  MapTransferEx,
  FlushAdapterBuffersEx,
  CancelMappedTransfer,
  GetScatterGatherListEx,
  BuildScatterGatherListEx,
  BuildMdlFromScatterGatherList,
  ConfigureAdapterChannel,
  GetDmaDomain,
  JoinDmaDomain,
  LeaveDmaDomain,
  AllocateDomainCommonBuffer,
  CreateCommonBufferFromMdl,
} satisfies { [K in keyof DMA_OPERATIONS]?: unknown };

describe("the package entry exports the version-3 DMA routines", () => {
  it("each of the 17 routines is exported and is the routine the newest table's slot holds", () => {
    const k = bootMachine("x64-desktop");
    expect(NEWEST_OS_BUILD).toBe("server2022");
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
    if (a === null) throw new Error("no adapter");
    for (const [name, routine] of Object.entries(V3_ROUTINES)) {
      expect(typeof routine, name).toBe("function");
      expect(a.DmaOperations[name as keyof typeof V3_ROUTINES], name).toBe(routine);
      expect((dmasim as Record<string, unknown>)[name], name).toBe(routine);
    }
    expect(Object.keys(V3_ROUTINES)).toHaveLength(17);
    PutDmaAdapter(a);
  });

  it("the constants have their wdm.h values: transfer-info versions, the context size, DMA_SYNCHRONOUS_CALLBACK, DMA_COMPLETION_STATUS, the common-buffer configuration and access types", () => {
    expect([DMA_TRANSFER_INFO_VERSION1, DMA_TRANSFER_INFO_VERSION2, DMA_TRANSFER_CONTEXT_SIZE_V1, DMA_SYNCHRONOUS_CALLBACK]).toEqual([1, 2, 128, 1]);
    expect([DmaComplete, DmaAborted, DmaError, DmaCancelled]).toEqual([0, 1, 2, 3]);
    expect([CommonBufferConfigTypeLogicalAddressLimits, CommonBufferConfigTypeSubSection, CommonBufferConfigTypeHardwareAccessPermissions, CommonBufferConfigTypeMax]).toEqual([0, 1, 2, 3]);
    expect([CommonBufferHardwareAccessReadOnly, CommonBufferHardwareAccessWriteOnly, CommonBufferHardwareAccessReadWrite, CommonBufferHardwareAccessMax]).toEqual([0, 1, 2, 3]);
  });

  it("the KMDF v3 helpers are exported: the per-version config sizes, the system-profile config, the transaction's transfer context", () => {
    expect([WDF_DMA_ENABLER_CONFIG_SIZE, WDF_DMA_ENABLER_CONFIG_V1_9_SIZE]).toEqual([0x50, 0x40]);
    expect(WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0x220n }, 1, { Channel: 5, Port: 0 }).Size).toBe(0x20);
    expect(typeof WdfDmaTransactionWdmGetTransferContext).toBe("function");
  });

  it("a driver runs a version-3 packet transfer with the entry's exports alone: context, GetDmaTransferInfo, AllocateAdapterChannelEx, MapTransferEx, FlushAdapterBuffersEx, FreeAdapterObject", () => {
    const k = bootMachine("x64-desktop");
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
    if (a === null) throw new Error("no adapter");
    const fdo = createFdo(k.pdo("plx9656"), "fdo", 0);
    const va = MmAllocateContiguousMemory(k, 8192, physicalAddress(0xffff_ffff)) ?? 0;
    const mdl = IoAllocateMdl(k, va, 8192);
    if (mdl === null) throw new Error("no MDL");
    MmBuildMdlForNonPagedPool(k, mdl);
    const ctx: DMA_TRANSFER_CONTEXT = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
    expect(InitializeDmaTransferContext(a, ctx)).toBe(STATUS.SUCCESS);
    const info: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION1 };
    expect(GetDmaTransferInfo(a, mdl, 0, 8192, true, info)).toBe(STATUS.SUCCESS);
    const base: { value: MapRegisterBase } = { value: null };
    const regs = info.V1?.MapRegisterCount ?? 0;
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    k.atDispatch(() => {
      expect(AllocateAdapterChannelEx(a, fdo, ctx, regs, DMA_SYNCHRONOUS_CALLBACK, null, null, base)).toBe(STATUS.SUCCESS);
      const len = { value: 8192 };
      expect(MapTransferEx(a, mdl, base.value, 0, 0, len, true, sg, info.V1?.ScatterGatherListSize ?? 0, null, null)).toBe(STATUS.SUCCESS);
      expect(len.value).toBe(8192);
      expect(sg.Elements.reduce((n, e) => n + e.Length, 0)).toBe(8192);
      expect(FlushAdapterBuffersEx(a, mdl, base.value, 0, 8192, true)).toBe(STATUS.SUCCESS);
      FreeAdapterObject(a, DeallocateObjectKeepRegisters);
      FreeMapRegisters(a, base.value, regs);
    });
    PutDmaAdapter(a);
  });
});
