/**
 * Which HAL routines KMDF calls for a transaction: the version-3 routines
 * when the enabler uses DMA v3 (FxDmaEnabler::UsesDmaV3 — the description's
 * Version, not the table), the older ones otherwise, on every OS build's
 * table (fxdmatransactionscattergather.hpp, fxdmatransactionpacket.hpp,
 * fxdmatransactionbase.cpp).
 */
import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { DMA_OS_BUILDS, setDmaOsBuild, type DmaOsBuild } from "../hal/hal-state.ts";
import type { DMA_ADAPTER, DMA_OPERATIONS } from "../hal/types.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { installVerifier } from "../verifier/verifier.ts";
import type { HandleOut } from "./driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION,
  type WDF_DMA_PROFILE,
  WdfDmaDirectionReadFromDevice,
  WdfDmaDirectionWriteToDevice,
  WdfDmaEnabler,
  WdfDmaEnablerCreate,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfilePacket64,
  WdfDmaProfileScatterGather64,
} from "./dma-enabler.ts";
import { WdfCommonBuffer, WdfCommonBufferCreate } from "./common-buffer.ts";
import { WdfDmaTransaction, WdfDmaTransactionCancel, WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionRelease, WdfDmaTransactionWdmGetTransferContext } from "./dma-transaction.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { DeallocateObject, DMA_TRANSFER_CONTEXT_SIZE_V1, KeepObject } from "../hal/types.ts";
import type { WdfDriverOptions } from "./globals.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

/** Every routine called through the adapter's table, in order. */
function recordCalls(a: DMA_ADAPTER): string[] {
  const calls: string[] = [];
  const ops = a.DmaOperations as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(ops)) {
    if (typeof f !== "function") continue;
    ops[name] = (...args: unknown[]): unknown => (calls.push(name), (f as (...x: unknown[]) => unknown)(...args));
  }
  return calls;
}

interface Rig {
  tb: WdfTestbed;
  en: WdfDmaEnabler;
  calls: string[];
  tx(): WdfDmaTransaction;
  buf: { va: number; mdl: MDL };
}

function rig(opts: { profile?: WDF_DMA_PROFILE; machine?: string; build?: DmaOsBuild; version?: number; width?: number; flags?: number; driver?: WdfDriverOptions } = {}): Rig {
  const tb = wdfTestbed(opts.machine ?? "x64-desktop", opts.driver ?? {});
  if (opts.build !== undefined) setDmaOsBuild(tb.k, opts.build);
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  const config = { ...WDF_DMA_ENABLER_CONFIG_INIT(opts.profile ?? WdfDmaProfileScatterGather64, 8192), WdmDmaVersionOverride: opts.version ?? 0, AddressWidthOverride: opts.width ?? 0, Flags: opts.flags ?? 0 };
  expect(WdfDmaEnablerCreate(tb.device, config, null, out)).toBe(STATUS.SUCCESS);
  const en = out.value as WdfDmaEnabler;
  const calls = recordCalls(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice) as DMA_ADAPTER);
  // Six pages that are not physically adjacent; the buffer starts 0x200 bytes into the first.
  const pfns = Array.from({ length: 6 }, (_, i) => (tb.k.pfm.allocatePages(1, { effort: "full", hintPfn: 0x9000 + i * 7 }) as number[])[0] as number);
  const m = tb.k.va.map(pfns, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa + 0x200, 20000) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  const tx = (): WdfDmaTransaction => {
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    expect(WdfDmaTransactionCreate(en, null, t)).toBe(STATUS.SUCCESS);
    return t.value as WdfDmaTransaction;
  };
  return { tb, en, calls, tx, buf: { va: m.startVa + 0x200, mdl } };
}

/** Initialize, Execute and complete every fragment of a `length`-byte transaction; the routines called, duplicates collapsed. */
function runTransaction(r: Rig, length: number): string[] {
  const t = r.tx();
  expect(WdfDmaTransactionInitialize(t, () => true, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, length)).toBe(STATUS.SUCCESS);
  expect(WdfDmaTransactionExecute(t, null)).toBe(STATUS.SUCCESS);
  const st = { value: 0 };
  while (!r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(t, st)));
  expect(st.value).toBe(STATUS.SUCCESS);
  return r.calls.filter((c, i) => c !== r.calls[i - 1]);
}

const slots = (names: (keyof DMA_OPERATIONS)[]): string[] => names;

describe("KMDF calls the version-3 routines when the enabler uses DMA v3 (FxDmaEnabler::UsesDmaV3)", () => {
  for (const build of DMA_OS_BUILDS) {
    it(`${build}: a scatter/gather transaction of a Version 2 enabler (the x64 default) uses BuildScatterGatherList / PutScatterGatherList, never an Ex routine`, () => {
      const r = rig({ build });
      expect(r.en.usesDmaV3).toBe(false);
      expect(runTransaction(r, 20000)).toEqual(slots(["BuildScatterGatherList", "PutScatterGatherList", "BuildScatterGatherList", "PutScatterGatherList", "BuildScatterGatherList", "PutScatterGatherList"]));
    });

    it(`${build}: with WdmDmaVersionOverride 3 the transaction initializes its transfer context and uses BuildScatterGatherListEx`, () => {
      const r = rig({ build, version: 3 });
      expect(r.en.usesDmaV3).toBe(true);
      expect(runTransaction(r, 20000)).toEqual(slots(["InitializeDmaTransferContext", "BuildScatterGatherListEx", "PutScatterGatherList", "BuildScatterGatherListEx", "PutScatterGatherList", "BuildScatterGatherListEx", "PutScatterGatherList"]));
    });

    it(`${build}: a packet transaction maps on an adapter channel — v2 AllocateAdapterChannel / MapTransfer / FlushAdapterBuffers, v3 the Ex routines — and frees its map registers at the end`, () => {
      const v2 = rig({ build, profile: WdfDmaProfilePacket64 });
      expect(runTransaction(v2, 12000)).toEqual(slots(["AllocateAdapterChannel", "MapTransfer", "FlushAdapterBuffers", "MapTransfer", "FlushAdapterBuffers", "FreeMapRegisters"]));
      const v3 = rig({ build, profile: WdfDmaProfilePacket64, version: 3 });
      expect(runTransaction(v3, 12000)).toEqual(slots(["InitializeDmaTransferContext", "AllocateAdapterChannelEx", "MapTransferEx", "FlushAdapterBuffersEx", "MapTransferEx", "FlushAdapterBuffersEx", "FreeMapRegisters"]));
    });
  }

  it("WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION: GetScatterGatherList for Version 2, GetScatterGatherListEx for Version 3", () => {
    expect(runTransaction(rig({ flags: WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION }), 4000)).toEqual(slots(["GetScatterGatherList", "PutScatterGatherList"]));
    expect(runTransaction(rig({ flags: WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION, version: 3 }), 4000)).toEqual(slots(["InitializeDmaTransferContext", "GetScatterGatherListEx", "PutScatterGatherList"]));
  });

  it("on ARM64 the enabler defaults to Version 3, so its transactions use the Ex routines without an override", () => {
    const r = rig({ machine: "arm64-soc" });
    expect(r.en.usesDmaV3).toBe(true);
    expect(runTransaction(r, 4000)).toEqual(slots(["InitializeDmaTransferContext", "BuildScatterGatherListEx", "PutScatterGatherList"]));
  });

  it("an AddressWidthOverride means DMA v3 on Windows 8 and later; on Windows 7 (6.1) it falls back to Version 2 and the old routines", () => {
    expect(rig({ width: 48 }).en.usesDmaV3).toBe(true);
    const win7 = rig({ width: 48, driver: { osVersion: "6.1" } });
    expect(win7.en.usesDmaV3).toBe(false);
    expect(runTransaction(win7, 4000)).toEqual(slots(["BuildScatterGatherList", "PutScatterGatherList"]));
  });

  it("the Ex list starts at the transaction's byte offset into the MDL: a fragment after a partial completion gets the same addresses as the Version 2 list", () => {
    const addresses = (version: number): bigint[] => {
      const r = rig({ version });
      const t = r.tx();
      const seen: bigint[] = [];
      WdfDmaTransactionInitialize(t, (_t, _d, _c, _dir, sg) => (seen.push(sg.Elements[0]?.Address.QuadPart ?? -1n), true), WdfDmaDirectionReadFromDevice, r.buf.mdl, r.buf.va + 100, 10000);
      WdfDmaTransactionExecute(t, null);
      r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(t, { value: 0 }));
      return seen.map((a) => a - BigInt(r.tb.k.va.physicalAddressOf(r.buf.va) ?? 0));
    };
    expect(addresses(3)).toEqual(addresses(2));
    expect(addresses(3)).toHaveLength(2);
  });
});

describe("KMDF common buffers do not change with DMA v3", () => {
  it("WdfCommonBufferCreate calls AllocateCommonBuffer (CacheEnabled TRUE) for a Version 2 and a Version 3 enabler alike, never AllocateCommonBufferEx; deletion calls FreeCommonBuffer", () => {
    for (const version of [2, 3]) {
      const r = rig({ version });
      const cacheEnabled: unknown[] = [];
      const ops = (WdfDmaEnablerWdmGetDmaAdapter(r.en, WdfDmaDirectionReadFromDevice) as DMA_ADAPTER).DmaOperations;
      const allocate = ops.AllocateCommonBuffer;
      ops.AllocateCommonBuffer = (a, len, la, cached) => (cacheEnabled.push(cached), allocate?.(a, len, la, cached) ?? null);
      const cb: HandleOut<WdfCommonBuffer> = { value: null };
      expect(WdfCommonBufferCreate(r.en, 5000, null, cb)).toBe(STATUS.SUCCESS);
      (cb.value as WdfCommonBuffer).deleteObject();
      expect(r.calls).toEqual(["AllocateCommonBuffer", "FreeCommonBuffer"]);
      expect(cacheEnabled).toEqual([true]);
    }
  });
});

describe("DMA v3 transfer context and packet transactions", () => {
  it("WdfDmaTransactionWdmGetTransferContext: NULL for a Version 2 enabler; the context while a v3 transaction is initialized; NULL after Release", () => {
    const v2 = rig();
    const t2 = v2.tx();
    WdfDmaTransactionInitialize(t2, () => true, WdfDmaDirectionWriteToDevice, v2.buf.mdl, v2.buf.va, 4000);
    expect(WdfDmaTransactionWdmGetTransferContext(t2)).toBeNull();
    const v3 = rig({ version: 3 });
    const t3 = v3.tx();
    expect(WdfDmaTransactionWdmGetTransferContext(t3)).toBeNull();
    WdfDmaTransactionInitialize(t3, () => true, WdfDmaDirectionWriteToDevice, v3.buf.mdl, v3.buf.va, 4000);
    const ctx = WdfDmaTransactionWdmGetTransferContext(t3);
    expect(ctx).toBeInstanceOf(Uint8Array);
    expect(ctx?.length).toBe(128);
    WdfDmaTransactionRelease(t3);
    expect(WdfDmaTransactionWdmGetTransferContext(t3)).toBeNull();
  });

  it("DMA v2 runs one packet transaction per device at a time: a second Execute meanwhile is STATUS_WDF_BUSY; DMA v3 lets both run", () => {
    const v2 = rig({ profile: WdfDmaProfilePacket64 });
    const [a, b] = [v2.tx(), v2.tx()];
    for (const t of [a, b]) WdfDmaTransactionInitialize(t, () => true, WdfDmaDirectionWriteToDevice, v2.buf.mdl, v2.buf.va, 4000);
    expect(WdfDmaTransactionExecute(a, null)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionExecute(b, null)).toBe(STATUS.WDF_BUSY);
    v2.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(a, { value: 0 }));
    expect(WdfDmaTransactionExecute(b, null)).toBe(STATUS.SUCCESS);
    const v3 = rig({ profile: WdfDmaProfilePacket64, version: 3 });
    const [c, d] = [v3.tx(), v3.tx()];
    for (const t of [c, d]) WdfDmaTransactionInitialize(t, () => true, WdfDmaDirectionWriteToDevice, v3.buf.mdl, v3.buf.va, 4000);
    expect(WdfDmaTransactionExecute(c, null)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionExecute(d, null)).toBe(STATUS.SUCCESS);
  });

  it("a DMA v3 packet transaction may span a chained MDL (the HAL walks the chain); DMA v2 packet mode refuses it with STATUS_INVALID_PARAMETER", () => {
    for (const [version, expected] of [[2, STATUS.INVALID_PARAMETER], [3, STATUS.SUCCESS]] as const) {
      const r = rig({ profile: WdfDmaProfilePacket64, version });
      const first = IoAllocateMdl(r.tb.k, r.buf.va, 4096) as MDL;
      MmBuildMdlForNonPagedPool(r.tb.k, first);
      first.Next = IoAllocateMdl(r.tb.k, r.buf.va + 4096, 4096);
      MmBuildMdlForNonPagedPool(r.tb.k, first.Next as MDL);
      expect(WdfDmaTransactionInitialize(r.tx(), () => true, WdfDmaDirectionWriteToDevice, first, r.buf.va, 8192)).toBe(expected);
    }
  });

  it("under the verifier, v2 and v3 packet and scatter/gather transactions leave nothing behind: no finding, and the enabler's PutDmaAdapter sees no map registers or lists", () => {
    for (const profile of [WdfDmaProfilePacket64, WdfDmaProfileScatterGather64]) {
      for (const version of [2, 3]) {
        const r = rig({ profile, version });
        const v = installVerifier(r.tb.k, { mode: "collect" });
        runTransaction(r, 12000);
        r.en.deleteObject();
        expect(v.findings.map((f) => f.code)).toEqual([]);
      }
    }
  });

  it("a packet transaction deleted mid-transfer flushes and frees its map registers (no 0xE6 / 0x09 at PutDmaAdapter)", () => {
    for (const version of [2, 3]) {
      const r = rig({ profile: WdfDmaProfilePacket64, version });
      const v = installVerifier(r.tb.k, { mode: "collect" });
      const t = r.tx();
      WdfDmaTransactionInitialize(t, () => true, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4000);
      WdfDmaTransactionExecute(t, null);
      r.en.deleteObject();
      expect(r.calls.slice(-3)).toEqual(version === 3 ? ["FlushAdapterBuffersEx", "FreeMapRegisters", "PutDmaAdapter"] : ["FlushAdapterBuffers", "FreeMapRegisters", "PutDmaAdapter"]);
      expect(v.findings.map((f) => f.code)).toEqual([]);
    }
  });
});

/** The driver takes the enabler's adapter channel itself (AllocateAdapterChannelEx, KeepObject); the returned function frees it. */
function holdChannel(r: Rig): () => void {
  const a = WdfDmaEnablerWdmGetDmaAdapter(r.en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER;
  const ctx = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
  a.DmaOperations.InitializeDmaTransferContext?.(a, ctx);
  r.tb.k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, r.en.device.fdo, ctx, 1, 0, () => KeepObject, null, null));
  return () => r.tb.k.atDispatch(() => a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject));
}

describe("a DMA v3 transaction that waits for the adapter, and WdfDmaTransactionCancel", () => {
  for (const profile of [WdfDmaProfileScatterGather64, WdfDmaProfilePacket64]) {
    const name = profile === WdfDmaProfilePacket64 ? "packet" : "scatter/gather";
    it(`${name}: while the adapter's channel is held Execute succeeds and EvtProgramDma waits; it runs when the channel is freed, and the transaction completes`, () => {
      const r = rig({ profile, version: 3 });
      const free = holdChannel(r);
      const t = r.tx();
      let programmed = 0;
      WdfDmaTransactionInitialize(t, () => (programmed++, true), WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4000);
      expect(WdfDmaTransactionExecute(t, null)).toBe(STATUS.SUCCESS);
      expect(programmed).toBe(0);
      free();
      expect(programmed).toBe(1);
      const st = { value: -1 };
      expect(r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(t, st))).toBe(true);
      expect(st.value).toBe(STATUS.SUCCESS);
    });

    it(`${name}: WdfDmaTransactionCancel takes a waiting transaction's request off (TRUE, CancelAdapterChannel): EvtProgramDma never runs, the transaction has failed and Release makes it reusable`, () => {
      const r = rig({ profile, version: 3 });
      const free = holdChannel(r);
      const t = r.tx();
      let programmed = 0;
      WdfDmaTransactionInitialize(t, () => (programmed++, true), WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4000);
      WdfDmaTransactionExecute(t, null);
      expect(WdfDmaTransactionCancel(t)).toBe(true);
      expect(r.calls).toContain("CancelAdapterChannel");
      expect(t.txState).toBe("transferFailed");
      free();
      expect(programmed).toBe(0);
      WdfDmaTransactionRelease(t);
      expect(runTransaction(r, 4000)).toContain(profile === WdfDmaProfilePacket64 ? "MapTransferEx" : "BuildScatterGatherListEx");
    });
  }

  it("WdfDmaTransactionCancel of a transaction already granted is FALSE (it runs on); of a Version 2 enabler's FALSE; of a created transaction WDF_VIOLATION", () => {
    const r = rig({ version: 3 });
    const t = r.tx();
    WdfDmaTransactionInitialize(t, () => true, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4000);
    WdfDmaTransactionExecute(t, null);
    expect(WdfDmaTransactionCancel(t)).toBe(false);
    expect(t.txState).toBe("executing");
    const v2 = rig();
    const t2 = v2.tx();
    WdfDmaTransactionInitialize(t2, () => true, WdfDmaDirectionWriteToDevice, v2.buf.mdl, v2.buf.va, 4000);
    expect(WdfDmaTransactionCancel(t2)).toBe(false);
    expect(() => WdfDmaTransactionCancel(r.tx())).toThrow(BugCheckError);
  });
});
