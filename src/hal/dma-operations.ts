/**
 * The DMA_OPERATIONS table builder: which slots a version-1, -2 or -3 adapter
 * gets, and how long the version-3 table is for the chosen OS build
 * (reference windows-dma.md §1.2, offsets from the x64 symbol dumps).
 *
 * Every slot has its x64 offset (8 bytes per pointer after the ULONG Size);
 * a table of Size bytes has exactly the routines whose slot lies below Size
 * (v1 0x68: PutDmaAdapter .. PutScatterGatherList; v2 0x80: + Calculate,
 * Build and BuildMdlFromScatterGatherList; v3 by OS build: win8 0xE8 up to
 * CancelMappedTransfer, win10 0x110 + the DMA domain routines and
 * FlushDmaBuffer, win10-1803 0x118 + AllocateCommonBufferWithBounds,
 * win10-2004 0x138 + the common-buffer vectors, server2022 0x140 +
 * CreateCommonBufferFromMdl). Each routine comes from the file that
 * implements it.
 */
import { GetDmaAdapterInfo } from "./adapter-info.ts";
import { AllocateAdapterChannel, FreeAdapterChannel } from "./adapter-channel.ts";
import { AllocateAdapterChannelEx, CancelAdapterChannel, FreeAdapterObject } from "./adapter-channel-ex.ts";
import { GetDmaAlignment, PutDmaAdapter } from "./adapter-routines.ts";
import { AllocateCommonBuffer, AllocateCommonBufferEx, AllocateCommonBufferWithBounds, FreeCommonBuffer } from "./common-buffer.ts";
import { CreateCommonBufferFromMdl } from "./common-buffer-from-mdl.ts";
import { AllocateCommonBufferVector, FreeCommonBufferFromVector, FreeCommonBufferVector, GetCommonBufferFromVectorByIndex } from "./common-buffer-vector.ts";
import { ConfigureAdapterChannel } from "./configure-channel.ts";
import { AllocateDomainCommonBuffer, GetDmaDomain, JoinDmaDomain, LeaveDmaDomain } from "./dma-domain.ts";
import { FlushDmaBuffer } from "./flush-dma-buffer.ts";
import { FreeMapRegisters } from "./map-registers.ts";
import { FlushAdapterBuffers, MapTransfer } from "./map-transfer.ts";
import { CancelMappedTransfer, FlushAdapterBuffersEx, MapTransferEx } from "./map-transfer-ex.ts";
import type { DmaOsBuild } from "./os-build.ts";
import { BuildScatterGatherList, CalculateScatterGatherList, GetScatterGatherList, PutScatterGatherList } from "./scatter-gather.ts";
import { BuildMdlFromScatterGatherList, BuildScatterGatherListEx, GetScatterGatherListEx } from "./scatter-gather-ex.ts";
import { ReadDmaCounter } from "./system-dma.ts";
import { InitializeDmaTransferContext } from "./transfer-context.ts";
import { GetDmaTransferInfo } from "./transfer-info.ts";
import type { DMA_OPERATIONS } from "./types.ts";

/** Byte size of each table (x64): v1 13 slots incl. Size, v2 16, v3 by OS build. */
export const DMA_OPERATIONS_SIZE = {
  v1: 0x68,
  v2: 0x80,
  win8: 0xe8,
  win10: 0x110,
  "win10-1803": 0x118,
  "win10-2004": 0x138,
  server2022: 0x140,
} as const;

/** sizeof(DMA_ADAPTER) on x64: USHORT Version, USHORT Size, (padding), PDMA_OPERATIONS. */
export const DMA_ADAPTER_SIZE = 0x10;

type Slot = Exclude<keyof DMA_OPERATIONS, "Size">;

/** Every routine in table order; slot i (1-based) sits at byte offset 8 * i on x64. */
const ROUTINES: { readonly [S in Slot]: NonNullable<DMA_OPERATIONS[S]> } = {
  PutDmaAdapter,
  AllocateCommonBuffer,
  FreeCommonBuffer,
  AllocateAdapterChannel,
  FlushAdapterBuffers,
  FreeAdapterChannel,
  FreeMapRegisters,
  MapTransfer,
  GetDmaAlignment,
  ReadDmaCounter,
  GetScatterGatherList,
  PutScatterGatherList,
  CalculateScatterGatherList,
  BuildScatterGatherList,
  BuildMdlFromScatterGatherList,
  GetDmaAdapterInfo,
  GetDmaTransferInfo,
  InitializeDmaTransferContext,
  AllocateCommonBufferEx,
  AllocateAdapterChannelEx,
  ConfigureAdapterChannel,
  CancelAdapterChannel,
  MapTransferEx,
  GetScatterGatherListEx,
  BuildScatterGatherListEx,
  FlushAdapterBuffersEx,
  FreeAdapterObject,
  CancelMappedTransfer,
  AllocateDomainCommonBuffer,
  FlushDmaBuffer,
  JoinDmaDomain,
  LeaveDmaDomain,
  GetDmaDomain,
  AllocateCommonBufferWithBounds,
  AllocateCommonBufferVector,
  GetCommonBufferFromVectorByIndex,
  FreeCommonBufferFromVector,
  FreeCommonBufferVector,
  CreateCommonBufferFromMdl,
};

/** x64 byte offset of a slot in DMA_OPERATIONS. */
export function slotOffset(slot: Slot): number {
  return 8 * (Object.keys(ROUTINES).indexOf(slot) + 1);
}

function empty(size: number): DMA_OPERATIONS {
  return {
    Size: size,
    PutDmaAdapter: null,
    AllocateCommonBuffer: null,
    FreeCommonBuffer: null,
    AllocateAdapterChannel: null,
    FlushAdapterBuffers: null,
    FreeAdapterChannel: null,
    FreeMapRegisters: null,
    MapTransfer: null,
    GetDmaAlignment: null,
    ReadDmaCounter: null,
    GetScatterGatherList: null,
    PutScatterGatherList: null,
    CalculateScatterGatherList: null,
    BuildScatterGatherList: null,
    BuildMdlFromScatterGatherList: null,
    GetDmaAdapterInfo: null,
    GetDmaTransferInfo: null,
    InitializeDmaTransferContext: null,
    AllocateCommonBufferEx: null,
    AllocateAdapterChannelEx: null,
    ConfigureAdapterChannel: null,
    CancelAdapterChannel: null,
    MapTransferEx: null,
    GetScatterGatherListEx: null,
    BuildScatterGatherListEx: null,
    FlushAdapterBuffersEx: null,
    FreeAdapterObject: null,
    CancelMappedTransfer: null,
    AllocateDomainCommonBuffer: null,
    FlushDmaBuffer: null,
    JoinDmaDomain: null,
    LeaveDmaDomain: null,
    GetDmaDomain: null,
    AllocateCommonBufferWithBounds: null,
    AllocateCommonBufferVector: null,
    GetCommonBufferFromVectorByIndex: null,
    FreeCommonBufferFromVector: null,
    FreeCommonBufferVector: null,
    CreateCommonBufferFromMdl: null,
  };
}

/**
 * A fresh table for a DEVICE_DESCRIPTION version (0 and 1 give table v1) on
 * an OS build: Size is the byte size Windows reports for that table, and
 * every slot below it holds its routine; the slots past it are null.
 */
export function buildDmaOperations(tableVersion: 1 | 2 | 3, osBuild: DmaOsBuild): DMA_OPERATIONS {
  const size = tableVersion === 1 ? DMA_OPERATIONS_SIZE.v1 : tableVersion === 2 ? DMA_OPERATIONS_SIZE.v2 : DMA_OPERATIONS_SIZE[osBuild];
  const t = empty(size);
  let offset = 8;
  for (const [slot, routine] of Object.entries(ROUTINES)) {
    if (offset >= size) break;
    (t as unknown as Record<string, unknown>)[slot] = routine;
    offset += 8;
  }
  return t;
}
