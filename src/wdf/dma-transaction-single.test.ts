import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import type { DMA_ADAPTER } from "../hal/types.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import type { HandleOut } from "./driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER,
  WdfDmaDirectionWriteToDevice,
  WdfDmaEnabler,
  WdfDmaEnablerCreate,
  WdfDmaEnablerSetMaximumScatterGatherElements,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfileScatterGather64Duplex,
} from "./dma-enabler.ts";
import { WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionDmaCompletedWithLength, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionRelease, WdfDmaTransactionSetSingleTransferRequirement } from "./dma-transaction.ts";
import { wdfTestbed } from "./test-support.ts";

/** An 8 KiB duplex enabler (DMA v3 unless `version` 2), one transaction, and eight scattered pages (a 20000-byte MDL over them). */
function setup(opts: { version?: number; flags?: number } = {}): { en: WdfDmaEnabler; tx: WdfDmaTransaction; mdl: MDL; va: number; programs: number[]; k: ReturnType<typeof wdfTestbed>["k"] } {
  const tb = wdfTestbed();
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64Duplex, 8192), WdmDmaVersionOverride: opts.version ?? 3, Flags: opts.flags ?? 0 }, null, en)).toBe(STATUS.SUCCESS);
  const tx: HandleOut<WdfDmaTransaction> = { value: null };
  expect(WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, tx)).toBe(STATUS.SUCCESS);
  const pfns = Array.from({ length: 8 }, (_, i) => (tb.k.pfm.allocatePages(1, { effort: "full", hintPfn: 0x9000 + i * 7 }) as number[])[0] as number);
  const m = tb.k.va.map(pfns, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa, 20000) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  return { en: en.value as WdfDmaEnabler, tx: tx.value as WdfDmaTransaction, mdl, va: m.startVa, programs: [], k: tb.k };
}

function init(s: ReturnType<typeof setup>, length: number): number {
  return WdfDmaTransactionInitialize(s.tx, (_t, _d, _c, _dir, sg) => (s.programs.push(sg.Elements.reduce((n, e) => n + e.Length, 0)), true), WdfDmaDirectionWriteToDevice, s.mdl, s.va, length);
}

describe("WdfDmaTransactionSetSingleTransferRequirement (KMDF 1.19, DMA v3)", () => {
  it("a transaction longer than the enabler's MaximumLength (20000 bytes on an 8 KiB enabler) fails Initialize with STATUS_WDF_TOO_MANY_TRANSFERS; it can be initialized again with one that fits", () => {
    const s = setup();
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, true);
    expect(init(s, 20000)).toBe(STATUS.WDF_TOO_MANY_TRANSFERS);
    expect(s.tx.txState).toBe("released");
    // The failed Initialize released the transaction, and with it the requirement (back to the enabler's: none).
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, true);
    expect(init(s, 8192)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionExecute(s.tx, null)).toBe(STATUS.SUCCESS);
    expect(s.programs).toEqual([8192]);
  });

  it("Initialize asks the HAL with GetDmaTransferInfo what the whole transaction takes: more elements than the enabler's limit is STATUS_WDF_TOO_FRAGMENTED", () => {
    const s = setup();
    const a = WdfDmaEnablerWdmGetDmaAdapter(s.en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER;
    const asked: number[] = [];
    const info = a.DmaOperations.GetDmaTransferInfo;
    a.DmaOperations.GetDmaTransferInfo = (ad, mdl, off, len, w, out) => (asked.push(len), info?.(ad, mdl, off, len, w, out) ?? STATUS.NOT_SUPPORTED);
    WdfDmaEnablerSetMaximumScatterGatherElements(s.en, 1);
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, true);
    expect(init(s, 8000)).toBe(STATUS.WDF_TOO_FRAGMENTED);
    expect(asked).toEqual([8000]);
  });

  it("more map registers than the adapter has (the HAL's GetDmaTransferInfo answer) is STATUS_WDF_NOT_ENOUGH_MAP_REGISTERS", () => {
    const s = setup();
    const a = WdfDmaEnablerWdmGetDmaAdapter(s.en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER;
    a.DmaOperations.GetDmaTransferInfo = (_a, _m, _o, _l, _w, out) => ((out.V1 = { MapRegisterCount: 1000, ScatterGatherElementCount: 1, ScatterGatherListSize: 64 }), STATUS.SUCCESS);
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, true);
    expect(init(s, 4096)).toBe(STATUS.WDF_NOT_ENOUGH_MAP_REGISTERS);
  });

  it("a completion that leaves bytes over ends the transaction with STATUS_WDF_TOO_MANY_TRANSFERS instead of staging another transfer", () => {
    const s = setup();
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, true);
    expect(init(s, 8192)).toBe(STATUS.SUCCESS);
    WdfDmaTransactionExecute(s.tx, null);
    const st = { value: 0 };
    expect(s.k.atDispatch(() => WdfDmaTransactionDmaCompletedWithLength(s.tx, 4096, st))).toBe(true);
    expect(st.value).toBe(STATUS.WDF_TOO_MANY_TRANSFERS);
    expect(s.programs).toEqual([8192]);
  });

  it("is ignored on a Version 2 enabler (KMDF breaks; DMA v3 is required) and after Initialize: the transaction is split as usual", () => {
    const v2 = setup({ version: 2 });
    WdfDmaTransactionSetSingleTransferRequirement(v2.tx, true);
    expect(v2.tx.requireSingleTransfer).toBe(false);
    expect(init(v2, 20000)).toBe(STATUS.SUCCESS);
    const late = setup();
    expect(init(late, 20000)).toBe(STATUS.SUCCESS);
    WdfDmaTransactionSetSingleTransferRequirement(late.tx, true);
    expect(late.tx.requireSingleTransfer).toBe(false);
    WdfDmaTransactionExecute(late.tx, null);
    const st = { value: 0 };
    while (!late.k.atDispatch(() => WdfDmaTransactionDmaCompleted(late.tx, st)));
    expect([st.value, late.programs]).toEqual([STATUS.SUCCESS, [8192, 8192, 20000 - 16384]]);
  });

  it("with WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER every transaction starts with the requirement; lifting it holds until Release", () => {
    const s = setup({ flags: WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER });
    expect(init(s, 20000)).toBe(STATUS.WDF_TOO_MANY_TRANSFERS);
    WdfDmaTransactionSetSingleTransferRequirement(s.tx, false);
    expect(init(s, 20000)).toBe(STATUS.SUCCESS);
    WdfDmaTransactionRelease(s.tx);
    expect(s.tx.requireSingleTransfer).toBe(true);
    expect(init(s, 20000)).toBe(STATUS.WDF_TOO_MANY_TRANSFERS);
  });
});
