import { describe, expect, it } from "vitest";
import { WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE } from "../../wdf/dma-enabler.ts";
import { CONSTANTS } from "./constants.ts";
import { generateHeader } from "./generate-header.ts";
import { C } from "./structs.ts";

describe("the KMDF system-mode DMA types in the shared table", () => {
  it("WDF_DMA_SYSTEM_PROFILE_CONFIG has the documented members in order with wasm32 natural alignment: DeviceAddress (a LARGE_INTEGER) at 16, the descriptor pointer at 24, 32 bytes (the x64 size too)", () => {
    const l = C.layout("WDF_DMA_SYSTEM_PROFILE_CONFIG");
    expect([...l.offsets.entries()].filter(([path]) => !path.includes("."))).toEqual([
      ["Size", 0],
      ["DemandMode", 4],
      ["LoopedTransfer", 5],
      ["DmaWidth", 8],
      ["DeviceAddress", 16],
      ["DmaDescriptor", 24],
    ]);
    expect(l.size).toBe(32);
    expect(l.size).toBe(WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE);
  });

  it("the header declares the two system-DMA callback types and their PFN_ pointers with the documented parameters", () => {
    const h = generateHeader(C, CONSTANTS);
    expect(h).toContain("typedef BOOLEAN EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL(WDFDMATRANSACTION DmaTransaction, WDFDEVICE Device, PVOID Context, PMDL Mdl, SIZE_T Offset, SIZE_T Length);");
    expect(h).toContain("typedef EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL *PFN_EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL;");
    expect(h).toContain("typedef VOID EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE(WDFDMATRANSACTION Transaction, WDFDEVICE Device, WDFCONTEXT Context, WDF_DMA_DIRECTION Direction, DMA_COMPLETION_STATUS Status);");
    expect(h).toContain("typedef EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE *PFN_EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE;");
  });

  it("the header declares EVT_WDF_RESERVE_DMA and its pointer under wdfdmatransaction.h's name, PFN_WDF_RESERVE_DMA (no PFN_EVT_ prefix)", () => {
    const h = generateHeader(C, CONSTANTS);
    expect(h).toContain("typedef VOID EVT_WDF_RESERVE_DMA(WDFDMATRANSACTION DmaTransaction, PVOID Context);");
    expect(h).toContain("typedef EVT_WDF_RESERVE_DMA *PFN_WDF_RESERVE_DMA;");
    expect(h).not.toContain("PFN_EVT_WDF_RESERVE_DMA");
  });
});
