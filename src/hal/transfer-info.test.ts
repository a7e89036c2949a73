import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { setDmaOsBuild } from "./hal-state.ts";
import { listSize } from "./sg-list.ts";
import { DMA_SYNCHRONOUS_CALLBACK, type DMA_TRANSFER_INFO, DMA_TRANSFER_INFO_VERSION1, DMA_TRANSFER_INFO_VERSION2, type MapRegisterBase, type SCATTER_GATHER_LIST } from "./types.ts";
import { buffer, context, fdo, machine, masterV3, systemV3 } from "./v3-test-support.ts";

const v1 = (): DMA_TRANSFER_INFO => ({ Version: DMA_TRANSFER_INFO_VERSION1 });

describe("GetDmaTransferInfo", () => {
  it("for a scatter/gather master without an IOMMU: one element per physical run, the pages spanned as map registers, header + elements + the HAL's scratch as the list size", () => {
    const { k } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x5001, 0x7000], 0x100, 3 * 4096 - 0x200);
    const info = v1();
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 3 * 4096 - 0x200, true, info)).toBe(STATUS.SUCCESS);
    expect(info.V1).toEqual({ MapRegisterCount: 3, ScatterGatherElementCount: 2, ScatterGatherListSize: listSize(2) });
  });

  it("answers exactly what MapTransferEx then consumes: a list buffer of ScatterGatherListSize gets all ScatterGatherElementCount elements, one byte less does not", () => {
    const { k } = machine();
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x6000, 0x6001, 0x9000], 0, 4 * 4096);
    const info = v1();
    a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 4 * 4096, false, info);
    const need = info.V1 as NonNullable<DMA_TRANSFER_INFO["V1"]>;
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    const out: { value: MapRegisterBase } = { value: null };
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), context(a), need.MapRegisterCount, DMA_SYNCHRONOUS_CALLBACK, null, null, out));
    const len = { value: 4 * 4096 };
    expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, out.value, 0, 0, len, false, sg, need.ScatterGatherListSize, null, null))).toBe(STATUS.SUCCESS);
    expect([sg.NumberOfElements, len.value]).toEqual([need.ScatterGatherElementCount, 4 * 4096]);
    k.atDispatch(() => a.DmaOperations.FlushAdapterBuffersEx?.(a, b.mdl, out.value, 0, 4 * 4096, false));
    // One byte short of the size: the last run does not fit; MapTransferEx maps the rest and says so in *Length.
    const short = { value: 4 * 4096 };
    const sg2: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, out.value, 0, 0, short, false, sg2, need.ScatterGatherListSize - 1, null, null));
    expect(sg2.NumberOfElements).toBe(need.ScatterGatherElementCount - 1);
    expect(short.value).toBe(3 * 4096);
  });

  it("under the IOMMU runs that meet at page boundaries are one element (consecutive IOVA pages), and BuildScatterGatherListEx takes exactly ScatterGatherListSize", () => {
    const { k } = machine("x64-iommu");
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x6000, 0x7000], 0x80, 3 * 4096 - 0x100);
    const info = v1();
    a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 3 * 4096 - 0x100, true, info);
    expect(info.V1?.ScatterGatherElementCount).toBe(1);
    const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
    const size = info.V1?.ScatterGatherListSize as number;
    const call = (n: number): number | undefined => k.atDispatch(() => a.DmaOperations.BuildScatterGatherListEx?.(a, fdo(k), context(a), b.mdl, 0, 3 * 4096 - 0x100, 0, () => undefined, null, true, sg, n, null, null, null));
    expect(call(size - 1)).toBe(STATUS.BUFFER_TOO_SMALL);
    expect(call(size)).toBe(STATUS.SUCCESS);
    expect(sg.NumberOfElements).toBe(1);
  });

  it("a packet (non-scatter/gather) master's scattered buffer is one bounced element", () => {
    const { k } = machine();
    const a = masterV3(k, { ScatterGather: false, DmaAddressWidth: 32 });
    const b = buffer(k, [0x5000, 0x7000], 0, 8192);
    const info = v1();
    a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 8192, true, info);
    expect(info.V1).toEqual({ MapRegisterCount: 2, ScatterGatherElementCount: 1, ScatterGatherListSize: listSize(1) });
  });

  it("for system DMA one element per MapTransferEx call the 8237 will need: a run across the 16-bit channel's 128 KiB line is bounced through the map registers, the rest programmed directly", () => {
    const { k } = machine();
    const a = systemV3(k, 5);
    // 160 KiB of physically contiguous memory below 16 MiB starting 32 KiB before a 128 KiB line.
    const first = (0x20000 * 40 - 0x8000) / 4096;
    const b = buffer(k, Array.from({ length: 40 }, (_, i) => first + i), 0, 40 * 4096);
    const info = v1();
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 40 * 4096, true, info)).toBe(STATUS.SUCCESS);
    // 36 KiB through the 9 map registers (the first 128 KiB would cross the line), then the remaining 124 KiB inside one 128 KiB page.
    expect(info.V1?.ScatterGatherElementCount).toBe(2);
  });

  it("DMA_TRANSFER_INFO_VERSION2 adds LogicalPageCount on builds from Windows 10 1809 on; older builds and unknown versions are STATUS_NOT_SUPPORTED and nothing is written", () => {
    const { k } = machine("x64-iommu");
    const a = masterV3(k);
    const b = buffer(k, [0x5000, 0x7000], 0, 8192);
    const info: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION2 };
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 8192, true, info)).toBe(STATUS.SUCCESS);
    expect(info.V2).toEqual({ MapRegisterCount: 2, ScatterGatherElementCount: 1, ScatterGatherListSize: listSize(1), LogicalPageCount: 2 });
    setDmaOsBuild(k, "win10-1803");
    const old = masterV3(k);
    const info2: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION2 };
    expect(old.DmaOperations.GetDmaTransferInfo?.(old, b.mdl, 0, 8192, true, info2)).toBe(STATUS.NOT_SUPPORTED);
    const info3: DMA_TRANSFER_INFO = { Version: 9 };
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 8192, true, info3)).toBe(STATUS.NOT_SUPPORTED);
    expect(info2.V2).toBeUndefined();
    expect(info3).toEqual({ Version: 9 });
  });

  it("Offset and Length index the whole MDL chain: a range in the second MDL works; one past the chain's end is STATUS_INVALID_PARAMETER (0xE6 / 0x24)", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const b1 = buffer(k, [0x5000], 0, 4096);
    const b2 = buffer(k, [0x7000], 0, 4096);
    b1.mdl.Next = b2.mdl;
    const info = v1();
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b1.mdl, 4096 + 100, 200, true, info)).toBe(STATUS.SUCCESS);
    expect(info.V1?.ScatterGatherElementCount).toBe(1);
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b1.mdl, 4096, 8192, true, v1())).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => f.bugCheck?.slice(0, 3))).toEqual([[0xe6, 0x24, 4096]]);
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, b1.mdl, 0, 0, true, v1())).toBe(STATUS.INVALID_PARAMETER);
  });
});
