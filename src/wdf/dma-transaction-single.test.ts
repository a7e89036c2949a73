import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaDirectionWriteToDevice, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64Duplex } from "./dma-enabler.ts";
import { WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionSetSingleTransferRequirement } from "./dma-transaction.ts";
import { wdfTestbed } from "./test-support.ts";

/** A transaction on an 8 KiB enabler over a `length`-byte buffer, and how many times EvtProgramDma ran. */
function transaction(length: number): { tx: WdfDmaTransaction; programs: () => number } {
  const tb = wdfTestbed();
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64Duplex, 8192), null, en)).toBe(STATUS.SUCCESS);
  const tx: HandleOut<WdfDmaTransaction> = { value: null };
  expect(WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, tx)).toBe(STATUS.SUCCESS);
  const pfns = tb.k.pfm.allocatePages(8, { effort: "full" }) as number[];
  const m = tb.k.va.map(pfns, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa, length) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  let n = 0;
  expect(WdfDmaTransactionInitialize(tx.value as WdfDmaTransaction, () => (n++, true), WdfDmaDirectionWriteToDevice, mdl, m.startVa, length)).toBe(STATUS.SUCCESS);
  return { tx: tx.value as WdfDmaTransaction, programs: () => n };
}

describe("WdfDmaTransactionSetSingleTransferRequirement", () => {
  it("a transaction longer than one transfer (20000 bytes on an 8 KiB enabler) fails Execute with STATUS_WDF_TOO_FRAGMENTED, programming nothing", () => {
    const { tx, programs } = transaction(20000);
    WdfDmaTransactionSetSingleTransferRequirement(tx, true);
    expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.WDF_TOO_FRAGMENTED);
    expect(programs()).toBe(0);
  });

  it("one that fits in one transfer runs as usual; without the requirement a long one is split", () => {
    const short = transaction(8192);
    WdfDmaTransactionSetSingleTransferRequirement(short.tx, true);
    expect(WdfDmaTransactionExecute(short.tx, null)).toBe(STATUS.SUCCESS);
    expect(short.programs()).toBe(1);
    const long = transaction(20000);
    WdfDmaTransactionSetSingleTransferRequirement(long.tx, false);
    expect(WdfDmaTransactionExecute(long.tx, null)).toBe(STATUS.SUCCESS);
    expect(long.programs()).toBe(1);
  });
});
