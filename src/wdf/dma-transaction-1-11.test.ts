/**
 * WdfDmaTransactionInitializeUsingOffset and WdfDmaTransactionSetImmediateExecution
 * (KMDF 1.11; fxdmatransactionapi.cpp, fxdmatransactionbase.cpp).
 */
import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { type DMA_ADAPTER, DeallocateObject, DMA_SYNCHRONOUS_CALLBACK, DMA_TRANSFER_CONTEXT_SIZE_V1, KeepObject, type SCATTER_GATHER_LIST } from "../hal/types.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, type WDF_DMA_PROFILE, WdfDmaDirectionWriteToDevice, type WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaEnablerWdmGetDmaAdapter, WdfDmaProfilePacket64, WdfDmaProfileScatterGather64 } from "./dma-enabler.ts";
import { type WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionRelease } from "./dma-transaction.ts";
import { WdfDmaTransactionInitializeUsingOffset, WdfDmaTransactionSetImmediateExecution } from "./dma-transaction-1-11.ts";
import type { WdfDriverOptions } from "./globals.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

interface Rig {
  tb: WdfTestbed;
  en: WdfDmaEnabler;
  adapter: DMA_ADAPTER;
  /** Each HAL routine called, with its Flags argument where it has one. */
  calls: string[];
  t: WdfDmaTransaction;
  mdl: MDL;
  va: number;
}

/** An enabler (DMA v3 unless `version` says otherwise), a transaction, and a 20000-byte MDL 0x200 bytes into its first page. */
function rig(profile: WDF_DMA_PROFILE, version = 3, driver: WdfDriverOptions = {}): Rig {
  const tb = wdfTestbed("x64-desktop", driver);
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(profile, 8192), WdmDmaVersionOverride: version }, null, out)).toBe(STATUS.SUCCESS);
  const en = out.value as WdfDmaEnabler;
  const adapter = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER;
  const calls: string[] = [];
  const ops = adapter.DmaOperations as unknown as Record<string, unknown>;
  const flagArg: Record<string, number> = { AllocateAdapterChannelEx: 4, GetScatterGatherListEx: 6, BuildScatterGatherListEx: 6 };
  for (const [name, f] of Object.entries(ops)) {
    if (typeof f !== "function") continue;
    ops[name] = (...args: unknown[]): unknown => {
      const i = flagArg[name];
      calls.push(i === undefined ? name : `${name} flags=${String(args[i])}`);
      return (f as (...x: unknown[]) => unknown)(...args);
    };
  }
  const pages = tb.k.pfm.allocatePages(6, { effort: "full", kind: "unmovable" }) as number[];
  const m = tb.k.va.map(pages, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa + 0x200, 20000) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  const t: HandleOut<WdfDmaTransaction> = { value: null };
  expect(WdfDmaTransactionCreate(en, null, t)).toBe(STATUS.SUCCESS);
  return { tb, en, adapter, calls, t: t.value as WdfDmaTransaction, mdl, va: m.startVa + 0x200 };
}

/** The driver takes the adapter's channel itself; the returned function gives it back. */
function holdChannel(r: Rig): () => void {
  const a = r.adapter;
  const ctx = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
  a.DmaOperations.InitializeDmaTransferContext?.(a, ctx);
  r.tb.k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, r.en.device.fdo, ctx, 1, 0, () => KeepObject, null, null));
  r.calls.length = 0;
  return () => r.tb.k.atDispatch(() => a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject));
}

describe("WdfDmaTransactionInitializeUsingOffset", () => {
  it("starts the transaction Offset bytes into the MDL: EvtProgramDma gets the same list as Initialize at that virtual address", () => {
    const lists: SCATTER_GATHER_LIST[] = [];
    const program = (_t: unknown, _d: unknown, _c: unknown, _dir: unknown, sg: SCATTER_GATHER_LIST): boolean => (lists.push({ NumberOfElements: sg.NumberOfElements, Elements: sg.Elements.map((e) => ({ Address: { QuadPart: e.Address.QuadPart }, Length: e.Length })) }), true);
    const r = rig(WdfDmaProfileScatterGather64);
    expect(WdfDmaTransactionInitializeUsingOffset(r.t, program, WdfDmaDirectionWriteToDevice, r.mdl, 5000, 3000)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
    const st = { value: 0 };
    expect(r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(r.t, st))).toBe(true);
    WdfDmaTransactionRelease(r.t);
    expect(WdfDmaTransactionInitialize(r.t, program, WdfDmaDirectionWriteToDevice, r.mdl, r.va + 5000, 3000)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
    expect(lists).toHaveLength(2);
    expect(lists[0]).toEqual(lists[1]);
    expect(lists[0]?.Elements.reduce((n, e) => n + e.Length, 0)).toBe(3000);
  });

  it("an Offset at or past the end of the first MDL is STATUS_INVALID_PARAMETER (KMDF turns it into a virtual address and calls Initialize); a negative one a RangeError", () => {
    const r = rig(WdfDmaProfileScatterGather64);
    expect(WdfDmaTransactionInitializeUsingOffset(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, 20000, 100)).toBe(STATUS.INVALID_PARAMETER);
    expect(r.t.txState).toBe("created");
    expect(() => WdfDmaTransactionInitializeUsingOffset(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, -1, 100)).toThrow(/Offset must be a size_t/);
  });
});

describe("WdfDmaTransactionSetImmediateExecution", () => {
  for (const profile of [WdfDmaProfilePacket64, WdfDmaProfileScatterGather64]) {
    const name = profile === WdfDmaProfilePacket64 ? "packet" : "scatter/gather";
    it(`${name}: TRUE makes Execute ask with DMA_SYNCHRONOUS_CALLBACK and fail with STATUS_INSUFFICIENT_RESOURCES while the channel is held, instead of waiting; FALSE queues again`, () => {
      const r = rig(profile);
      const free = holdChannel(r);
      let programmed = 0;
      const program = (): boolean => (programmed++, true);
      expect(WdfDmaTransactionInitialize(r.t, program, WdfDmaDirectionWriteToDevice, r.mdl, r.va, 4000)).toBe(STATUS.SUCCESS);
      WdfDmaTransactionSetImmediateExecution(r.t, true);
      expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.INSUFFICIENT_RESOURCES);
      const asked = profile === WdfDmaProfilePacket64 ? "AllocateAdapterChannelEx" : "BuildScatterGatherListEx";
      expect(r.calls).toContain(`${asked} flags=${DMA_SYNCHRONOUS_CALLBACK}`);
      expect(r.t.txState).toBe("initialized");
      WdfDmaTransactionSetImmediateExecution(r.t, false);
      expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
      expect(r.calls.at(-1)).toBe(`${asked} flags=0`);
      expect(programmed).toBe(0);
      free();
      expect(programmed).toBe(1);
    });
  }

  it("with the channel free an immediate transaction runs at once; WdfDmaTransactionRelease clears the mark (FxDmaTransactionBase::Reset)", () => {
    const r = rig(WdfDmaProfilePacket64);
    WdfDmaTransactionInitialize(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, r.va, 4000);
    WdfDmaTransactionSetImmediateExecution(r.t, true);
    expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
    const st = { value: -1 };
    expect(r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(r.t, st))).toBe(true);
    expect(st.value).toBe(STATUS.SUCCESS);
    expect(r.calls).toContain(`AllocateAdapterChannelEx flags=${DMA_SYNCHRONOUS_CALLBACK}`);
    WdfDmaTransactionRelease(r.t);
    r.calls.length = 0;
    WdfDmaTransactionInitialize(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, r.va, 4000);
    expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
    expect(r.calls).toContain("AllocateAdapterChannelEx flags=0");
  });

  it("a driver bound to KMDF 1.13 gets no flags on BuildScatterGatherListEx (KMDF passes them from 1.15 on), so its immediate transaction still waits", () => {
    const r = rig(WdfDmaProfileScatterGather64, 3, { kmdfVersion: "1.13" });
    const free = holdChannel(r);
    WdfDmaTransactionInitialize(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, r.va, 4000);
    WdfDmaTransactionSetImmediateExecution(r.t, true);
    expect(WdfDmaTransactionExecute(r.t, null)).toBe(STATUS.SUCCESS);
    expect(r.calls).toContain("BuildScatterGatherListEx flags=0");
    free();
  });

  it("ignored on an enabler that does not use DMA v3 (KMDF only traces it): the transaction still waits for the channel", () => {
    const r = rig(WdfDmaProfilePacket64, 0);
    WdfDmaTransactionInitialize(r.t, () => true, WdfDmaDirectionWriteToDevice, r.mdl, r.va, 4000);
    WdfDmaTransactionSetImmediateExecution(r.t, true);
    expect(r.t.dmaFlags).toBe(0);
    expect(() => WdfDmaTransactionSetImmediateExecution(r.t, 1 as unknown as boolean)).toThrow(/must be a BOOLEAN/);
  });
});
