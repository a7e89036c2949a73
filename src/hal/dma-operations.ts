/**
 * The DMA_OPERATIONS table builder: which slots a version-1, -2 or -3 adapter
 * gets, and how long the version-3 table is for the chosen OS build
 * (reference windows-dma.md §1.2, offsets from the x64 symbol dumps).
 *
 * Each routine comes from the file that implements it. The channel,
 * map-register and transfer routines (adapter-channel.ts, map-registers.ts,
 * map-transfer.ts, system-dma.ts) and the scatter/gather routines
 * (scatter-gather.ts) are added here, one import each, by their owners as they
 * land; until then those slots are null, as drivers test for.
 */
import { GetDmaAdapterInfo } from "./adapter-info.ts";
import { GetDmaAlignment, PutDmaAdapter } from "./adapter-routines.ts";
import { AllocateCommonBuffer, AllocateCommonBufferEx, AllocateCommonBufferWithBounds, FreeCommonBuffer } from "./common-buffer.ts";
import { AllocateCommonBufferVector, FreeCommonBufferFromVector, FreeCommonBufferVector, GetCommonBufferFromVectorByIndex } from "./common-buffer-vector.ts";
import { FlushDmaBuffer } from "./flush-dma-buffer.ts";
import type { DmaOsBuild } from "./os-build.ts";
import type { DMA_OPERATIONS } from "./types.ts";
import { AllocateAdapterChannel, FreeAdapterChannel } from "./adapter-channel.ts";
import { FreeMapRegisters } from "./map-registers.ts";
import { FlushAdapterBuffers, MapTransfer } from "./map-transfer.ts";
import { ReadDmaCounter } from "./system-dma.ts";
import { BuildScatterGatherList, CalculateScatterGatherList, GetScatterGatherList, PutScatterGatherList } from "./scatter-gather.ts";

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

/** Routines other HAL files contribute, by slot name (filled by their imports below). */
type Slots = Partial<Omit<DMA_OPERATIONS, "Size">>;
const v1Extra: Slots = { GetScatterGatherList, PutScatterGatherList, AllocateAdapterChannel, FreeAdapterChannel, FreeMapRegisters, MapTransfer, FlushAdapterBuffers, ReadDmaCounter };
const v2Extra: Slots = { CalculateScatterGatherList, BuildScatterGatherList };
const v3Extra: Slots = {};

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
 * an OS build. Size is the byte size Windows reports for that table; a slot
 * the table has but dmasim does not model (DMA domains, vectors, from-MDL) is
 * null rather than a routine that pretends to work.
 */
export function buildDmaOperations(tableVersion: 1 | 2 | 3, osBuild: DmaOsBuild): DMA_OPERATIONS {
  const size = tableVersion === 1 ? DMA_OPERATIONS_SIZE.v1 : tableVersion === 2 ? DMA_OPERATIONS_SIZE.v2 : DMA_OPERATIONS_SIZE[osBuild];
  const t = empty(size);
  t.PutDmaAdapter = PutDmaAdapter;
  t.AllocateCommonBuffer = AllocateCommonBuffer;
  t.FreeCommonBuffer = FreeCommonBuffer;
  t.GetDmaAlignment = GetDmaAlignment;
  Object.assign(t, v1Extra);
  if (tableVersion >= 2) Object.assign(t, v2Extra);
  if (tableVersion === 3) {
    t.GetDmaAdapterInfo = GetDmaAdapterInfo;
    t.AllocateCommonBufferEx = AllocateCommonBufferEx;
    Object.assign(t, v3Extra);
    if (size >= DMA_OPERATIONS_SIZE.win10) t.FlushDmaBuffer = FlushDmaBuffer;
    if (size >= DMA_OPERATIONS_SIZE["win10-1803"]) t.AllocateCommonBufferWithBounds = AllocateCommonBufferWithBounds;
    if (size >= DMA_OPERATIONS_SIZE["win10-2004"]) Object.assign(t, { AllocateCommonBufferVector, GetCommonBufferFromVectorByIndex, FreeCommonBufferFromVector, FreeCommonBufferVector });
  }
  return t;
}
