/**
 * KMDF system-mode DMA transactions (WdfDmaProfileSystem / SystemDuplex) on
 * the PC's 8237 with the SB16 card: what the framework calls in the HAL, in
 * which order and at which IRQL, what the controller moves, and the misuses
 * (fxdmatransactionsystem.cpp, fxdmatransactionpacket.cpp, fxdmatransactionapi.cpp).
 */
import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DSP, SB_PORT } from "../devices/sb16.ts";
import { sb16On } from "../devices/builtin-models.ts";
import { type DMA_ADAPTER, type DMA_COMPLETION_STATUS, DmaCancelled, DmaWidth } from "../hal/types.ts";
import { MmAllocateContiguousMemory } from "../kernel/contiguous-memory.ts";
import { WRITE_PORT_UCHAR } from "../kernel/io-space.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { installVerifier } from "../verifier/verifier.ts";
import type { HandleOut } from "./driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT,
  type WDF_DMA_DIRECTION,
  WdfDmaDirectionReadFromDevice,
  WdfDmaDirectionWriteToDevice,
  type WdfDmaEnabler,
  WdfDmaEnablerConfigureSystemProfile,
  WdfDmaEnablerCreate,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfileScatterGather64,
  WdfDmaProfileSystem,
  WdfDmaProfileSystemDuplex,
} from "./dma-enabler.ts";
import {
  type EVT_WDF_PROGRAM_DMA,
  type WdfDmaTransaction,
  WdfDmaTransactionCancel,
  WdfDmaTransactionCreate,
  WdfDmaTransactionDmaCompleted,
  WdfDmaTransactionDmaCompletedFinal,
  WdfDmaTransactionDmaCompletedWithLength,
  WdfDmaTransactionExecute,
  WdfDmaTransactionGetBytesTransferred,
  WdfDmaTransactionInitialize,
  WdfDmaTransactionRelease,
} from "./dma-transaction.ts";
import {
  WdfDmaTransactionGetTransferInfo,
  WdfDmaTransactionSetChannelConfigurationCallback,
  WdfDmaTransactionSetDeviceAddressOffset,
  WdfDmaTransactionSetTransferCompleteCallback,
  WdfDmaTransactionStopSystemTransfer,
} from "./dma-transaction-system-api.ts";
import type { WdfDriverOptions } from "./globals.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

/** Every routine called through the adapter's table, in order, into `log`. */
function recordCalls(a: DMA_ADAPTER, log: string[], args?: Map<string, unknown[]>): void {
  const ops = a.DmaOperations as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(ops)) {
    if (typeof f !== "function") continue;
    ops[name] = (...x: unknown[]): unknown => {
      log.push(name);
      args?.set(name, x);
      return (f as (...y: unknown[]) => unknown)(...x);
    };
  }
}

interface Rig {
  tb: WdfTestbed;
  en: WdfDmaEnabler;
  adapter: DMA_ADAPTER;
  log: string[];
  args: Map<string, unknown[]>;
  buf: { va: number; mdl: MDL; bytes: Uint8Array };
  tx(): WdfDmaTransaction;
  /** EvtProgramDma that starts the SB16 on the mapped bytes (8-bit mono, single-cycle or auto-init half blocks) and logs. */
  program: EVT_WDF_PROGRAM_DMA;
}

const RATE = 22050;

function dsp(k: WdfTestbed["k"], ...bytes: number[]): void {
  const base = sb16On(k.board, "sb16").base;
  for (const b of bytes) WRITE_PORT_UCHAR(k, base + SB_PORT.WRITE, b);
}

function rig(opts: { looped?: boolean; max?: number; length?: number; driver?: WdfDriverOptions; direction?: WDF_DMA_DIRECTION } = {}): Rig {
  const tb = wdfTestbed("x64-desktop", opts.driver ?? {}, "sb16");
  const k = tb.k;
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileSystem, opts.max ?? 16384), null, out)).toBe(STATUS.SUCCESS);
  const en = out.value as WdfDmaEnabler;
  const cfg = { ...WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0x22cn }, DmaWidth.Width8Bits, { Channel: 1, Port: 0 }), LoopedTransfer: opts.looped ?? false };
  const dir = opts.direction ?? WdfDmaDirectionWriteToDevice;
  expect(WdfDmaEnablerConfigureSystemProfile(en, cfg, dir)).toBe(STATUS.SUCCESS);
  const adapter = WdfDmaEnablerWdmGetDmaAdapter(en, dir) as DMA_ADAPTER;
  const log: string[] = [];
  const args = new Map<string, unknown[]>();
  recordCalls(adapter, log, args);
  const length = opts.length ?? 4096;
  // Below 16 MiB, so the 8237 reaches it without bouncing.
  const va = MmAllocateContiguousMemory(k, length, physicalAddress(0xff_ffff)) as number;
  const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
  k.va.write(va, bytes);
  const mdl = IoAllocateMdl(k, va, length) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  // Reset the DSP (it answers 0xAA) and set the output rate.
  const base = sb16On(k.board, "sb16").base;
  WRITE_PORT_UCHAR(k, base + SB_PORT.RESET, 1);
  WRITE_PORT_UCHAR(k, base + SB_PORT.RESET, 0);
  dsp(k, DSP.SET_OUTPUT_RATE, RATE >> 8, RATE & 0xff);
  const program: EVT_WDF_PROGRAM_DMA = (_t, _d, _c, _dir, sg) => {
    log.push(`EvtProgramDma ${sg.Elements[0]?.Length} @${irqlName(k.KeGetCurrentIrql())}`);
    const n = sg.Elements[0]?.Length ?? 0;
    // Auto-init: a block of half the buffer, looping; single-cycle: exactly the mapped bytes.
    const samples = (opts.looped === true ? n / 2 : n) - 1;
    dsp(k, DSP.START_8 | (opts.looped === true ? DSP.CMD_AUTO_INIT : 0) | DSP.CMD_FIFO, 0, samples & 0xff, samples >> 8);
    return true;
  };
  const tx = (): WdfDmaTransaction => {
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    expect(WdfDmaTransactionCreate(en, null, t)).toBe(STATUS.SUCCESS);
    return t.value as WdfDmaTransaction;
  };
  return { tb, en, adapter, log, args, buf: { va, mdl, bytes }, tx, program };
}

/** Run the machine until the card has stopped playing (or `ns` more simulated time passed). */
function playOut(r: Rig, ns = 2_000_000_000): void {
  const card = sb16On(r.tb.k.board, "sb16");
  r.tb.k.clock.runUntilDone(() => !card.playing, r.tb.k.clock.now + ns);
}

function dpc<T>(r: Rig, f: () => T): T {
  return r.tb.k.atIrql(DISPATCH_LEVEL, f);
}

describe("system-profile WDFDMATRANSACTION", () => {
  it("WdfDmaTransactionCreate on a WdfDmaProfileSystem enabler gives a transaction (it used to throw a TypeError)", () => {
    const r = rig();
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    expect(() => WdfDmaTransactionCreate(r.en, null, t)).not.toThrow();
    expect(t.value?.system).not.toBeNull();
    expect(t.value?.parent).toBe(r.en);
  });

  it("a normal transfer end to end: AllocateAdapterChannelEx, MapTransferEx programs the 8237, EvtProgramDma starts the card, the card plays exactly the buffer, DmaCompleted flushes and frees the channel", () => {
    const r = rig();
    const tx = r.tx();
    expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096)).toBe(STATUS.SUCCESS);
    expect(dpc(r, () => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    expect(r.log).toEqual(["InitializeDmaTransferContext", "AllocateAdapterChannelEx", "MapTransferEx", "EvtProgramDma 4096 @DISPATCH_LEVEL"]);
    // The framework asked for all the adapter's map registers and passed the chain offset 0.
    expect(r.args.get("AllocateAdapterChannelEx")?.[3]).toBe(r.en.description(WdfDmaDirectionWriteToDevice).NumberOfMapRegisters);
    expect(r.args.get("MapTransferEx")?.[3]).toBe(0);
    playOut(r);
    const played = sb16On(r.tb.k.board, "sb16").captured();
    expect(played).toEqual(r.buf.bytes);
    const status = { value: -1 };
    const v = installVerifier(r.tb.k, { mode: "collect" });
    expect(dpc(r, () => WdfDmaTransactionDmaCompleted(tx, status))).toBe(true);
    expect(status.value).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(4096);
    expect(r.log.slice(4)).toEqual(["FlushAdapterBuffersEx", "FreeAdapterChannel"]);
    // At terminal count the flush is clean.
    expect(v.findings.map((f) => f.code)).toEqual([]);
    v.uninstall();
    expect(WdfDmaTransactionRelease(tx)).toBe(STATUS.SUCCESS);
  });

  it("the same transaction object runs a second transaction after Release (the transfer context is reinitialized)", () => {
    const r = rig();
    const tx = r.tx();
    for (let round = 0; round < 2; round++) {
      expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048)).toBe(STATUS.SUCCESS);
      expect(dpc(r, () => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
      playOut(r);
      const status = { value: -1 };
      expect(dpc(r, () => WdfDmaTransactionDmaCompleted(tx, status))).toBe(true);
      expect(status.value).toBe(STATUS.SUCCESS);
      WdfDmaTransactionRelease(tx);
    }
    expect(sb16On(r.tb.k.board, "sb16").captured()).toEqual(new Uint8Array([...r.buf.bytes.subarray(0, 2048), ...r.buf.bytes.subarray(0, 2048)]));
  });

  it("a transaction longer than the enabler's fragment length goes in several transfers, each with its own MapTransferEx and EvtProgramDma; DmaCompleted is FALSE with STATUS_MORE_PROCESSING_REQUIRED until the last", () => {
    const r = rig({ max: 4096, length: 10000 });
    const tx = r.tx();
    expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 10000)).toBe(STATUS.SUCCESS);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    const results: [boolean, number][] = [];
    for (let i = 0; i < 3; i++) {
      playOut(r);
      const status = { value: -1 };
      results.push([dpc(r, () => WdfDmaTransactionDmaCompleted(tx, status)), status.value]);
    }
    expect(results).toEqual([
      [false, STATUS.MORE_PROCESSING_REQUIRED],
      [false, STATUS.MORE_PROCESSING_REQUIRED],
      [true, STATUS.SUCCESS],
    ]);
    expect(r.log.filter((s) => s.startsWith("EvtProgramDma"))).toEqual(["EvtProgramDma 4096 @DISPATCH_LEVEL", "EvtProgramDma 4096 @DISPATCH_LEVEL", "EvtProgramDma 1808 @DISPATCH_LEVEL"]);
    expect(r.log.filter((s) => s === "AllocateAdapterChannelEx" || s === "FreeAdapterChannel")).toEqual(["AllocateAdapterChannelEx", "FreeAdapterChannel"]);
    expect(sb16On(r.tb.k.board, "sb16").captured()).toEqual(r.buf.bytes);
  });

  it("the channel-configuration callback runs at DISPATCH_LEVEL before each MapTransferEx and EvtProgramDma, with the first MDL, the offset into the chain and the transfer's length", () => {
    const r = rig({ max: 4096, length: 6000 });
    const tx = r.tx();
    expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 6000)).toBe(STATUS.SUCCESS);
    const seen: unknown[] = [];
    WdfDmaTransactionSetChannelConfigurationCallback(
      tx,
      (t, dev, ctx, mdl, offset, length) => {
        r.log.push(`Configure ${offset}+${length} @${irqlName(r.tb.k.KeGetCurrentIrql())}`);
        seen.push([t === tx, dev === r.tb.device, ctx, mdl === r.buf.mdl]);
        return true;
      },
      "cfg",
    );
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    playOut(r);
    dpc(r, () => WdfDmaTransactionDmaCompleted(tx, { value: 0 }));
    expect(r.log.filter((s) => s !== "FlushAdapterBuffersEx" && s !== "InitializeDmaTransferContext" && s !== "AllocateAdapterChannelEx")).toEqual([
      "Configure 0+4096 @DISPATCH_LEVEL",
      "MapTransferEx",
      "EvtProgramDma 4096 @DISPATCH_LEVEL",
      "Configure 4096+1904 @DISPATCH_LEVEL",
      "MapTransferEx",
      "EvtProgramDma 1904 @DISPATCH_LEVEL",
    ]);
    expect(seen).toEqual([
      [true, true, "cfg", true],
      [true, true, "cfg", true],
    ]);
  });

  it("a channel-configuration callback that returns FALSE: nothing is mapped and EvtProgramDma does not run; the driver ends the transaction with DmaCompletedFinal", () => {
    const r = rig();
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096);
    WdfDmaTransactionSetChannelConfigurationCallback(tx, () => false, null);
    expect(dpc(r, () => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    expect(r.log).toEqual(["InitializeDmaTransferContext", "AllocateAdapterChannelEx"]);
    const status = { value: -1 };
    expect(dpc(r, () => WdfDmaTransactionDmaCompletedFinal(tx, 0, status))).toBe(true);
    expect(status.value).toBe(STATUS.SUCCESS);
    // Nothing was mapped, so nothing is flushed; the channel goes back.
    expect(r.log.slice(2)).toEqual(["FreeAdapterChannel"]);
  });

  it("WdfDmaTransactionSetDeviceAddressOffset reaches MapTransferEx as DeviceOffset; Initialize resets it to 0", () => {
    const r = rig({ length: 2048 });
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    WdfDmaTransactionSetDeviceAddressOffset(tx, 0x10);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(r.args.get("MapTransferEx")?.[4]).toBe(0x10);
    playOut(r);
    dpc(r, () => WdfDmaTransactionDmaCompleted(tx, { value: 0 }));
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(r.args.get("MapTransferEx")?.[4]).toBe(0);
    expect(() => WdfDmaTransactionSetDeviceAddressOffset(tx, -1)).toThrow(/Offset must be a ULONG, got -1/);
  });

  it("MapTransferEx gets the framework's completion routine only while a transfer-complete callback is set", () => {
    const r = rig({ length: 2048 });
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(r.args.get("MapTransferEx")?.[9]).toBeNull();
    playOut(r);
    dpc(r, () => WdfDmaTransactionDmaCompleted(tx, { value: 0 }));
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    WdfDmaTransactionSetTransferCompleteCallback(tx, () => undefined, null);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(typeof r.args.get("MapTransferEx")?.[9]).toBe("function");
  });

  it("LoopedTransfer: the 8237 auto-initializes over the buffer and the card plays it round and round; StopSystemTransfer cancels it, the transfer-complete callback gets DmaCancelled at DISPATCH_LEVEL, and DmaCompletedFinal flushes cleanly", () => {
    const r = rig({ looped: true, length: 4096 });
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096);
    const completions: string[] = [];
    WdfDmaTransactionSetTransferCompleteCallback(
      tx,
      (t, _dev, ctx, dir, st: DMA_COMPLETION_STATUS) => {
        completions.push(`${t === tx} ${String(ctx)} ${dir} ${st} @${irqlName(r.tb.k.KeGetCurrentIrql())}`);
        // The driver completes the transaction from the callback with the bytes the card took.
        const status = { value: -1 };
        completions.push(`final ${WdfDmaTransactionDmaCompletedFinal(tx, 4096, status)} ${status.value}`);
      },
      "ctx",
    );
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    const adapterObj = r.adapter;
    const card = sb16On(r.tb.k.board, "sb16");
    // 2.5 times round the buffer: 10240 bytes at 22050 bytes/s.
    r.tb.k.clock.runUntil(r.tb.k.clock.now + Math.round((10240 / RATE) * 1e9));
    expect(card.playing).toBe(true);
    const played = card.captured();
    expect(played.length).toBeGreaterThanOrEqual(10200);
    for (let i = 0; i < played.length; i++) if (played[i] !== r.buf.bytes[i % 4096]) throw new Error(`byte ${i}: ${played[i]} is not the buffer's ${r.buf.bytes[i % 4096]}`);
    expect(adapterObj.DmaOperations.ReadDmaCounter?.(adapterObj)).toBeGreaterThan(0);
    const v = installVerifier(r.tb.k, { mode: "collect" });
    dsp(r.tb.k, DSP.PAUSE_8);
    dpc(r, () => WdfDmaTransactionStopSystemTransfer(tx));
    expect(completions).toEqual([`true ctx ${WdfDmaDirectionWriteToDevice} ${DmaCancelled} @DISPATCH_LEVEL`, `final true ${STATUS.SUCCESS}`]);
    expect(r.log.slice(-3)).toEqual(["CancelMappedTransfer", "FlushAdapterBuffersEx", "FreeAdapterChannel"]);
    expect(v.findings.map((f) => f.code)).toEqual([]);
    v.uninstall();
  });

  it("StopSystemTransfer from inside EvtProgramDma: the transfer-complete callback waits until EvtProgramDma has returned", () => {
    const r = rig({ length: 2048 });
    const tx = r.tx();
    const order: string[] = [];
    WdfDmaTransactionInitialize(
      tx,
      () => {
        order.push("EvtProgramDma in");
        WdfDmaTransactionStopSystemTransfer(tx);
        order.push("EvtProgramDma out");
        return true;
      },
      WdfDmaDirectionWriteToDevice,
      r.buf.mdl,
      r.buf.va,
      2048,
    );
    WdfDmaTransactionSetTransferCompleteCallback(tx, (_t, _d, _c, _dir, st) => void order.push(`complete ${st}`), null);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(order).toEqual(["EvtProgramDma in", "EvtProgramDma out", `complete ${DmaCancelled}`]);
  });

  it("StopSystemTransfer in EvtProgramDma, then DmaCompletedFinal(0) in the deferred transfer-complete callback: the transaction ends and frees its channel, no findings; the HAL refuses to flush 0 bytes, and KMDF returns the flush's STATUS_INVALID_PARAMETER", () => {
    const r = rig({ length: 2048 });
    const v = installVerifier(r.tb.k, { mode: "collect" });
    const tx = r.tx();
    const status = { value: -1 };
    let done: boolean | null = null;
    WdfDmaTransactionInitialize(tx, () => (WdfDmaTransactionStopSystemTransfer(tx), true), WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    WdfDmaTransactionSetTransferCompleteCallback(tx, () => void (done = WdfDmaTransactionDmaCompletedFinal(tx, 0, status)), null);
    expect(dpc(r, () => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    expect([done, status.value, tx.txState]).toEqual([true, STATUS.INVALID_PARAMETER, "transferCompleted"]);
    expect(r.log.slice(2)).toEqual(["MapTransferEx", "CancelMappedTransfer", "FlushAdapterBuffersEx", "FreeAdapterChannel"]);
    expect(r.log.filter((s) => s === "FreeAdapterChannel")).toHaveLength(1);
    expect(v.findings.map((f) => f.code)).toEqual([]);
    // The channel is free again: the next transaction gets it at once.
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionSetTransferCompleteCallback(tx, null, null);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(r.log.at(-1)).toBe("EvtProgramDma 2048 @DISPATCH_LEVEL");
  });

  it("a second transaction on the same channel waits for it (DMA v3 queues, no STATUS_WDF_BUSY); WdfDmaTransactionCancel takes the waiting one off: TRUE, its EvtProgramDma never runs", () => {
    const r = rig({ length: 4096 });
    const first = r.tx();
    const second = r.tx();
    WdfDmaTransactionInitialize(first, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    let secondProgrammed = false;
    WdfDmaTransactionInitialize(second, () => (secondProgrammed = true), WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va + 2048, 2048);
    expect(dpc(r, () => WdfDmaTransactionExecute(first, null))).toBe(STATUS.SUCCESS);
    expect(dpc(r, () => WdfDmaTransactionExecute(second, null))).toBe(STATUS.SUCCESS);
    expect(secondProgrammed).toBe(false);
    expect(dpc(r, () => WdfDmaTransactionCancel(second))).toBe(true);
    expect(second.txState).toBe("transferFailed");
    playOut(r);
    expect(dpc(r, () => WdfDmaTransactionDmaCompleted(first, { value: 0 }))).toBe(true);
    expect(secondProgrammed).toBe(false);
  });

  it("a stopped transaction does not stage again: DmaCompletedWithLength of part of the transfer returns TRUE with STATUS_CANCELLED and frees the channel", () => {
    const r = rig({ length: 4096 });
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    r.tb.k.clock.runUntil(r.tb.k.clock.now + Math.round((1000 / RATE) * 1e9));
    dsp(r.tb.k, DSP.PAUSE_8);
    dpc(r, () => WdfDmaTransactionStopSystemTransfer(tx));
    const moved = 4096 - (r.adapter.DmaOperations.ReadDmaCounter?.(r.adapter) ?? 0);
    expect(moved).toBeGreaterThan(900);
    const status = { value: -1 };
    expect(dpc(r, () => WdfDmaTransactionDmaCompletedWithLength(tx, moved, status))).toBe(true);
    expect(status.value).toBe(STATUS.CANCELLED);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(moved);
    expect(r.log.slice(-3)).toEqual(["ReadDmaCounter", "FlushAdapterBuffersEx", "FreeAdapterChannel"]);
  });

  it("StopSystemTransfer before Execute: the HAL has nothing mapped, so the KMDF verifier bug checks WDF_VIOLATION 0x8; without it the mark stays and Execute's staging fails into a DmaCancelled completion", () => {
    const rv = rig({ driver: { verifier: true } });
    const tv = rv.tx();
    WdfDmaTransactionInitialize(tv, rv.program, WdfDmaDirectionWriteToDevice, rv.buf.mdl, rv.buf.va, 4096);
    let e: unknown = null;
    try {
      WdfDmaTransactionStopSystemTransfer(tv);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(BugCheckError);
    expect([(e as BugCheckError).code, (e as BugCheckError).params[0]]).toEqual([0x10d, 0x8]);
    const r = rig();
    const tx = r.tx();
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096);
    const got: number[] = [];
    WdfDmaTransactionSetTransferCompleteCallback(tx, (_t, _d, _c, _dir, st) => void got.push(st), null);
    WdfDmaTransactionStopSystemTransfer(tx);
    expect(dpc(r, () => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    expect(got).toEqual([DmaCancelled]);
    expect(r.log.some((s) => s.startsWith("EvtProgramDma") || s === "MapTransferEx")).toBe(false);
  });

  it("StopSystemTransfer on a transaction never initialized (KMDF has no adapter for it) is WDF_VIOLATION 0x8", () => {
    const r = rig();
    const tx = r.tx();
    expect(() => WdfDmaTransactionStopSystemTransfer(tx)).toThrow(/WdfDmaTransactionStopSystemTransfer on WDFDMATRANSACTION.* in state created/);
  });

  it("the callbacks stay set across WdfDmaTransactionRelease, as KMDF's source keeps them", () => {
    const r = rig({ length: 2048 });
    const tx = r.tx();
    let configured = 0;
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    WdfDmaTransactionSetChannelConfigurationCallback(tx, () => (configured++, true), null);
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(configured).toBe(1);
    WdfDmaTransactionSetChannelConfigurationCallback(tx, null, null);
    playOut(r);
    dpc(r, () => WdfDmaTransactionDmaCompleted(tx, { value: 0 }));
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 2048);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    expect(configured).toBe(1);
  });

  it("a read from the device: the card records into the buffer through the 8237 (8237 write transfer)", () => {
    const r = rig({ direction: WdfDmaDirectionReadFromDevice, length: 1024 });
    const tx = r.tx();
    expect(WdfDmaTransactionInitialize(tx, (_t, _d, _c, dir, sg) => {
      expect(dir).toBe(WdfDmaDirectionReadFromDevice);
      // DSP 0xC8: 8-bit input, single-cycle.
      const n = (sg.Elements[0]?.Length ?? 0) - 1;
      dsp(r.tb.k, DSP.START_8 | DSP.CMD_INPUT, 0, n & 0xff, n >> 8);
      return true;
    }, WdfDmaDirectionReadFromDevice, r.buf.mdl, r.buf.va, 1024)).toBe(STATUS.SUCCESS);
    dpc(r, () => WdfDmaTransactionExecute(tx, null));
    playOut(r);
    expect(dpc(r, () => WdfDmaTransactionDmaCompleted(tx, { value: 0 }))).toBe(true);
    // The default input is silence (0x80 for unsigned 8-bit): it overwrote the pattern.
    const back = new Uint8Array(1024);
    r.tb.k.va.read(r.buf.va, back);
    expect(back.every((b) => b === 0x80)).toBe(true);
  });

  it("WdfDmaProfileSystemDuplex: each direction's transaction uses its own channel's adapter; a direction never configured fails Initialize with STATUS_INVALID_PARAMETER", () => {
    const tb = wdfTestbed("x64-desktop", {}, "sb16");
    const out: HandleOut<WdfDmaEnabler> = { value: null };
    WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileSystemDuplex, 4096), null, out);
    const en = out.value as WdfDmaEnabler;
    expect(WdfDmaEnablerConfigureSystemProfile(en, WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0n }, DmaWidth.Width8Bits, { Channel: 1, Port: 0 }), WdfDmaDirectionWriteToDevice)).toBe(STATUS.SUCCESS);
    const va = MmAllocateContiguousMemory(tb.k, 4096, physicalAddress(0xff_ffff)) as number;
    const mdl = IoAllocateMdl(tb.k, va, 4096) as MDL;
    MmBuildMdlForNonPagedPool(tb.k, mdl);
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    WdfDmaTransactionCreate(en, null, t);
    const tx = t.value as WdfDmaTransaction;
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionReadFromDevice, mdl, va, 4096)).toBe(STATUS.INVALID_PARAMETER);
    expect(WdfDmaEnablerConfigureSystemProfile(en, WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0n }, DmaWidth.Width16Bits, { Channel: 5, Port: 0 }), WdfDmaDirectionReadFromDevice)).toBe(STATUS.SUCCESS);
    const logs = { r: [] as string[], w: [] as string[] };
    recordCalls(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice) as DMA_ADAPTER, logs.r);
    recordCalls(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER, logs.w);
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionReadFromDevice, mdl, va, 4096)).toBe(STATUS.SUCCESS);
    tb.k.atIrql(DISPATCH_LEVEL, () => WdfDmaTransactionExecute(tx, null));
    expect(logs).toEqual({ r: ["InitializeDmaTransferContext", "AllocateAdapterChannelEx", "MapTransferEx"], w: [] });
    expect(tb.k.board.isaDma?.channel(5).masked).toBe(false);
  });

  it("WdfDmaTransactionGetTransferInfo: DMA v3 (a system enabler) asks the HAL's GetDmaTransferInfo; DMA v2 counts the pages the MDL chain spans; not initialized is WDF_VIOLATION 0x8", () => {
    const r = rig({ length: 6000 });
    const tx = r.tx();
    const regs = { value: -1 };
    const elems = { value: -1 };
    expect(() => WdfDmaTransactionGetTransferInfo(tx, regs, elems)).toThrow(/WdfDmaTransactionGetTransferInfo on WDFDMATRANSACTION.* in state created/);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va + 100, 5000);
    WdfDmaTransactionGetTransferInfo(tx, regs, elems);
    expect(r.log).toContain("GetDmaTransferInfo");
    expect(r.args.get("GetDmaTransferInfo")?.slice(2, 5)).toEqual([100, 5000, true]);
    expect([regs.value, elems.value]).toEqual([2, 1]);
    WdfDmaTransactionGetTransferInfo(tx, null, null);
    // A 32-bit... here a 64-bit scatter/gather bus master on x64: DMA v2, counted from the MDL.
    const tb = wdfTestbed();
    const out: HandleOut<WdfDmaEnabler> = { value: null };
    WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, out);
    const va = MmAllocateContiguousMemory(tb.k, 3 * 4096, physicalAddress(0xffff_ffff)) as number;
    const mdl = IoAllocateMdl(tb.k, va + 0x200, 8192) as MDL;
    MmBuildMdlForNonPagedPool(tb.k, mdl);
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    WdfDmaTransactionCreate(out.value as WdfDmaEnabler, null, t);
    WdfDmaTransactionInitialize(t.value as WdfDmaTransaction, () => true, WdfDmaDirectionReadFromDevice, mdl, va + 0x200, 8192);
    WdfDmaTransactionGetTransferInfo(t.value as WdfDmaTransaction, regs, elems);
    expect([regs.value, elems.value]).toEqual([3, 3]);
  });
});

describe("system-only DDIs on a bus-master transaction", () => {
  it("SetTransferCompleteCallback, SetChannelConfigurationCallback, SetDeviceAddressOffset and StopSystemTransfer are ignored (KMDF traces them and breaks only under its verifier); the transfer runs as before", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfDmaEnabler> = { value: null };
    WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, out);
    const va = MmAllocateContiguousMemory(tb.k, 8192, physicalAddress(0xffff_ffff)) as number;
    const mdl = IoAllocateMdl(tb.k, va, 8192) as MDL;
    MmBuildMdlForNonPagedPool(tb.k, mdl);
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    WdfDmaTransactionCreate(out.value as WdfDmaEnabler, null, t);
    const tx = t.value as WdfDmaTransaction;
    expect(tx.system).toBeNull();
    const called: string[] = [];
    let programmed = 0;
    WdfDmaTransactionInitialize(tx, () => (programmed++, true), WdfDmaDirectionWriteToDevice, mdl, va, 8192);
    WdfDmaTransactionSetTransferCompleteCallback(tx, () => void called.push("complete"), null);
    WdfDmaTransactionSetChannelConfigurationCallback(tx, () => (called.push("configure"), true), null);
    WdfDmaTransactionSetDeviceAddressOffset(tx, 0x40);
    WdfDmaTransactionStopSystemTransfer(tx);
    const status = { value: -1 };
    tb.k.atIrql(DISPATCH_LEVEL, () => {
      expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
      expect(WdfDmaTransactionDmaCompleted(tx, status)).toBe(true);
    });
    expect([programmed, status.value, called]).toEqual([1, STATUS.SUCCESS, []]);
  });
});
