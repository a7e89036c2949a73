import { describe, expect, it } from "vitest";
import { bootMachine } from "../kernel/kernel.ts";
import { DMA_OPERATIONS_SIZE, slotOffset } from "./dma-operations.ts";
import { DMA_OS_BUILDS, setDmaOsBuild } from "./hal-state.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, type DMA_OPERATIONS, InterfaceType } from "./types.ts";

function adapter(version: number, build?: Parameters<typeof setDmaOsBuild>[1]): DMA_ADAPTER {
  const k = bootMachine("x64-desktop");
  if (build !== undefined) setDmaOsBuild(k, build);
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: version, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 4096 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

describe("DMA_OPERATIONS tables", () => {
  it("Version 0 and 1 get the version-1 table (0x68 bytes): common-buffer routines present, v2 and v3 slots null", () => {
    for (const v of [0, 1]) {
      const ops = adapter(v).DmaOperations;
      expect(ops.Size).toBe(0x68);
      expect(ops.AllocateCommonBuffer).not.toBeNull();
      expect(ops.FreeCommonBuffer).not.toBeNull();
      expect(ops.PutDmaAdapter).not.toBeNull();
      expect(ops.GetDmaAlignment).not.toBeNull();
      expect(ops.CalculateScatterGatherList).toBeNull();
      expect(ops.GetDmaAdapterInfo).toBeNull();
      expect(ops.AllocateCommonBufferEx).toBeNull();
      expect(ops.AllocateCommonBufferWithBounds).toBeNull();
    }
  });

  it("Version 2 gets the version-2 table (0x80 bytes) without any version-3 routine", () => {
    const ops = adapter(2).DmaOperations;
    expect(ops.Size).toBe(0x80);
    expect(ops.AllocateCommonBufferEx).toBeNull();
    expect(ops.GetDmaAdapterInfo).toBeNull();
  });

  it("Version 3 gets AllocateCommonBufferEx and GetDmaAdapterInfo; its size depends on the OS build (default the newest)", () => {
    expect(adapter(3).DmaOperations.Size).toBe(DMA_OPERATIONS_SIZE.server2022);
    const win8 = adapter(3, "win8").DmaOperations;
    expect(win8.Size).toBe(0xe8);
    expect(win8.AllocateCommonBufferEx).not.toBeNull();
    expect(win8.GetDmaAdapterInfo).not.toBeNull();
    expect(win8.AllocateCommonBufferWithBounds).toBeNull();
    expect(adapter(3, "win10").DmaOperations.AllocateCommonBufferWithBounds).toBeNull();
    const rs4 = adapter(3, "win10-1803").DmaOperations;
    expect(rs4.Size).toBe(0x118);
    expect(rs4.AllocateCommonBufferWithBounds).not.toBeNull();
  });

  it("a routine is called through the table with the adapter as its first argument", () => {
    const a = adapter(1);
    expect(a.DmaOperations.GetDmaAlignment?.(a)).toBe(1);
  });

  it("an unknown OS build is a RangeError", () => {
    const k = bootMachine("x64-desktop");
    expect(() => setDmaOsBuild(k, "win95" as never)).toThrow(/unknown build "win95"/);
  });

  it("each adapter gets its own table object", () => {
    expect(adapter(1).DmaOperations).not.toBe(adapter(1).DmaOperations);
  });

  it("no slot of the newest version-3 table is null: all 39 routines are there", () => {
    const ops = adapter(3).DmaOperations;
    const slots = Object.keys(ops).filter((k) => k !== "Size") as (keyof DMA_OPERATIONS)[];
    expect(slots).toHaveLength(39);
    expect(slots.filter((k) => ops[k] === null)).toEqual([]);
  });

  it("each table has exactly the routines whose x64 slot lies below its Size, for every version and OS build", () => {
    const tables: DMA_ADAPTER[] = [adapter(1), adapter(2), ...DMA_OS_BUILDS.map((b) => adapter(3, b))];
    for (const a of tables) {
      const ops = a.DmaOperations;
      for (const k of Object.keys(ops).filter((x) => x !== "Size") as Exclude<keyof DMA_OPERATIONS, "Size">[]) {
        expect([k, ops[k] !== null]).toEqual([k, slotOffset(k) < ops.Size]);
      }
    }
    // The documented slot positions: BuildMdlFromScatterGatherList is version 2, the domain routines the Windows 10 tail.
    expect(slotOffset("BuildMdlFromScatterGatherList")).toBe(0x78);
    expect(slotOffset("CancelMappedTransfer")).toBe(0xe0);
    expect(slotOffset("AllocateDomainCommonBuffer")).toBe(0xe8);
    expect(slotOffset("GetDmaDomain")).toBe(0x108);
    expect(slotOffset("CreateCommonBufferFromMdl")).toBe(0x138);
  });
});
