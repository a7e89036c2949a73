/**
 * Windows builds that lengthened the version-3 DMA_OPERATIONS table
 * (reference windows-dma.md §1.2; sizes are x64 byte offsets from the symbol
 * dumps): win8 0xE8 (the v3 set), win10 0x110 (+DMA domain routines),
 * win10-1803 0x118 (+AllocateCommonBufferWithBounds), win10-2004 0x138
 * (+common-buffer vectors), server2022 0x140 (+CreateCommonBufferFromMdl).
 */
export const DMA_OS_BUILDS = ["win8", "win10", "win10-1803", "win10-2004", "server2022"] as const;
/** A Windows build whose DMA_OPERATIONS table dmasim can hand out (setDmaOsBuild): it decides which optional slots are filled and the table's Size. */
export type DmaOsBuild = (typeof DMA_OS_BUILDS)[number];
/** The build IoGetDmaAdapter follows unless setDmaOsBuild chose another: the longest version-3 table. */
export const NEWEST_OS_BUILD: DmaOsBuild = "server2022";
