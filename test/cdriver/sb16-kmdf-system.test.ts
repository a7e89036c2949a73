/**
 * A KMDF system-mode DMA driver in C (fixtures/sb16-kmdf-system): the
 * routines a TypeScript driver has in src/wdf/dma-transaction-system*.ts,
 * called from C — WdfDmaEnablerConfigureSystemProfile with the card's DMA
 * resource, the channel-configuration and transfer-complete callbacks through
 * the wasm table, WdfDmaTransactionStopSystemTransfer / Cancel, the WDM
 * adapter and transfer context behind the framework's objects — on the
 * SB16 and the PC's 8237, as src/wdf/dma-transaction-system.test.ts runs them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BugCheckError } from "../../src/core/bugcheck.ts";
import { STATUS } from "../../src/core/ntstatus.ts";
import { loadCDriverScenario } from "../../src/cdriver/scenario/c-scenario.ts";
import type { PreparedDriver } from "../../src/cdriver/load.ts";
import { off } from "../../src/cdriver/host/layouts.ts";
import { sb16On } from "../../src/devices/builtin-models.ts";
import { DMA_TRANSFER_INFO_VERSION1, DmaCancelled, type DMA_TRANSFER_INFO } from "../../src/hal/types.ts";
import { pnpAddDevice, removeDevice, startDevice } from "../../src/kernel/pnp.ts";
import { installVerifier } from "../../src/verifier/verifier.ts";
import { callExport, fixture, FIXTURES, haveToolchain, instantiate, skipReason } from "./support.ts";

const EV_CONFIGURE = 1;
const EV_PROGRAM = 2;
const EV_COMPLETED = 3;
const EV_TRANSFER_COMPLETE = 4;
/** EvtReserveDma's: bit 0 its transaction was the driver's, 0x100 its Context, bit 31 DISPATCH_LEVEL. */
const EV_RESERVED = 5;
/** EvtProgramDma's log entry: the mapped length, bit 31 when it ran at DISPATCH_LEVEL. */
const AT_DISPATCH = 0x8000_0000;
const programmed = (length: number): number => (AT_DISPATCH | length) >>> 0;
/** EvtDmaTransactionDmaTransferComplete's: the status, 0x100 when its Context was the one the driver set. */
const OWN_CONTEXT = 0x100;
const u = (v: number | bigint): number => Number(v) >>> 0;

describe.skipIf(!haveToolchain)(`a KMDF system-mode DMA driver in C on the SB16 (WdfDmaProfileSystem)${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("sb16-kmdf-system");
  }, 120_000);

  /** The driver started (its start played the 12 KiB once); the card and the driver's event log. */
  function started() {
    const { k, d } = instantiate(p);
    d.load();
    const pdo = k.pdo("sb16");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(STATUS.SUCCESS);
    const card = sb16On(k.board, "sb16");
    const st = startDevice(k, pdo).IoStatus.Status;
    const events = (): [number, number][] => Array.from({ length: u(callExport(d, "t_events")) }, (_, i) => [u(callExport(d, "t_event", i)), u(callExport(d, "t_arg", i))]);
    return { k, d, pdo, card, st, events };
  }

  it("the start plays 12 KiB through the 8237 in three 4 KiB transfers (the enabler's MaximumLength): the card's capture is the driver's buffer byte for byte", () => {
    const { card, st, d } = started();
    expect(st).toBe(STATUS.SUCCESS);
    const expected = Uint8Array.from({ length: 12288 }, (_, i) => (i * 5 + 1) & 0xff);
    expect(card.captured()).toEqual(expected);
    expect(u(callExport(d, "t_transferred"))).toBe(12288);
    expect(d.messages.map((m) => m.text)).toContain("sb16-kmdf-system: played 12288 bytes in 3 transfers: 0x00000000");
  });

  it("the callbacks run in the documented order: EvtDmaTransactionConfigureDmaChannel (the first MDL, the transfer's offset in it) before each EvtProgramDma at DISPATCH_LEVEL; DmaCompleted stages the next transfer inside itself, FALSE until the last", () => {
    const { events } = started();
    expect(events()).toEqual([
      [EV_CONFIGURE, 0],
      [EV_PROGRAM, programmed(4096)],
      [EV_CONFIGURE, 4096],
      [EV_PROGRAM, programmed(4096)],
      [EV_COMPLETED, 0],
      [EV_CONFIGURE, 8192],
      [EV_PROGRAM, programmed(4096)],
      [EV_COMPLETED, 0],
      [EV_COMPLETED, 1],
    ]);
  });

  it("WdfDmaTransactionStopSystemTransfer mid-transfer: the transfer-complete callback gets DmaCancelled with the driver's context; the WDM adapter's ReadDmaCounter says what moved and DmaCompletedFinal ends the transaction after exactly the bytes the card received", () => {
    const { k, d, card, events } = started();
    callExport(d, "t_clear");
    const before = card.captured().length;
    expect(u(callExport(d, "t_start", 12288))).toBe(STATUS.SUCCESS);
    // 20 ms at 22 050 samples/s.
    k.clock.runUntil(k.clock.now + 20e6);
    expect(u(callExport(d, "t_stop"))).toBe(STATUS.SUCCESS);
    const moved = card.captured().length - before;
    expect(moved).toBe(441);
    expect(u(callExport(d, "t_transferred"))).toBe(moved);
    expect(u(callExport(d, "t_complete_callbacks"))).toBe(1);
    expect(events()).toEqual([
      [EV_CONFIGURE, 0],
      [EV_PROGRAM, programmed(4096)],
      [EV_TRANSFER_COMPLETE, OWN_CONTEXT | DmaCancelled],
    ]);
    // Stopped, the card gets nothing more; the transaction object plays again after its Release.
    k.clock.runUntil(k.clock.now + 50e6);
    expect(card.captured().length - before).toBe(moved);
    expect(u(callExport(d, "t_play", 4096))).toBe(STATUS.SUCCESS);
  });

  it("WdfDmaTransactionWdmGetTransferContext and WdfDmaEnablerWdmGetDmaAdapter name the framework's own context and adapter: the driver's CancelMappedTransfer with them stops the framework's transfer (STATUS_SUCCESS) and the framework's completion routine reaches the driver's transfer-complete callback with DmaCancelled", () => {
    const { k, d, card, events } = started();
    callExport(d, "t_clear");
    expect(u(callExport(d, "t_start", 4096))).toBe(STATUS.SUCCESS);
    k.clock.runUntil(k.clock.now + 10e6);
    const before = card.captured().length;
    expect(u(callExport(d, "t_cancel_mapped_via_wdm"))).toBe(STATUS.SUCCESS);
    expect(events().at(-1)).toEqual([EV_TRANSFER_COMPLETE, OWN_CONTEXT | DmaCancelled]);
    k.clock.runUntil(k.clock.now + 20e6);
    expect(card.captured().length).toBe(before);
  });

  it("a second transaction waits for the channel the first holds (DMA v3 queues); WdfDmaTransactionCancel takes it off: TRUE, its EvtProgramDma never runs", () => {
    const { k, d } = started();
    expect(u(callExport(d, "t_start", 12288))).toBe(STATUS.SUCCESS);
    expect(u(callExport(d, "t_cancel_waiting"))).toBe(1);
    k.clock.runUntil(k.clock.now + 5e6);
    expect(u(callExport(d, "t_stop"))).toBe(STATUS.SUCCESS);
  });

  it("WdfDmaEnablerGetFragmentLength, WdfDmaTransactionGetTransferInfo (3 map registers, the HAL's GetDmaTransferInfo for the whole 12 KiB) and WdfDmaTransactionWdmGetTransferContext (NULL before Initialize and after Release, one pointer while initialized)", () => {
    const { d } = started();
    expect(u(callExport(d, "t_fragment_length"))).toBe(4096);
    const info = u(callExport(d, "t_transfer_info", 12288));
    // The same question asked of the kernel adapter behind the driver's pointer.
    const a = d.objects.adapter(u(callExport(d, "t_adapter")), "test");
    const mdl = [...d.objects.mdls.values()].find((m) => m.ByteCount === 12288);
    expect(mdl).toBeDefined();
    const ti: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION1 };
    expect(a.DmaOperations.GetDmaTransferInfo?.(a, mdl as never, 0, 12288, true, ti)).toBe(STATUS.SUCCESS);
    expect(info >>> 16).toBe(3);
    expect(info >>> 16).toBe(ti.V1?.MapRegisterCount);
    expect(info & 0xffff).toBe(ti.V1?.ScatterGatherElementCount);
    expect(u(callExport(d, "t_transfer_context"))).toBe(7);
  });

  it("WdfDmaEnablerWdmGetDmaAdapter gives the enabler's adapter as a DMA_ADAPTER in the driver's memory (Version 1, its operations table), the same pointer each call, that the HAL imports accept", () => {
    const { d } = started();
    const at = u(callExport(d, "t_adapter"));
    expect(at).not.toBe(0);
    expect(u(callExport(d, "t_adapter"))).toBe(at);
    const m = d.host.mem;
    expect(m.u32At(at) & 0xffff).toBe(1);
    const ops = m.u32At(at + off("DMA_ADAPTER", "DmaOperations"));
    // The table's Size covers the version-3 routines a system adapter has (MapTransferEx, CancelMappedTransfer, ...).
    expect(m.u32At(ops)).toBeGreaterThan(4 + 4 * 20);
    expect(() => d.objects.adapter(at, "test")).not.toThrow();
  });

  it("bad input: a WDF_DMA_SYSTEM_PROFILE_CONFIG whose Size is not the structure's is STATUS_INFO_LENGTH_MISMATCH, as KMDF returns", () => {
    const { d } = started();
    expect(u(callExport(d, "t_configure_bad_size"))).toBe(STATUS.INFO_LENGTH_MISMATCH >>> 0);
  });

  it("bad input: WdfDmaTransactionStopSystemTransfer on a transaction never initialized is WDF_VIOLATION (0x10D) subcode 0x8 (WDF_DMA_FATAL_ERROR), at the C caller's line", () => {
    const { d } = started();
    const line = readFileSync(join(FIXTURES, "sb16-kmdf-system", "sysdma.c"), "utf8").split("\n").findIndex((l) => l.includes("WdfDmaTransactionStopSystemTransfer(fresh)")) + 1;
    let err: unknown;
    try {
      callExport(d, "t_stop_uninitialized");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BugCheckError);
    const b = err as BugCheckError;
    expect(b.code).toBe(0x10d);
    expect(b.params[0]).toBe(0x8);
    expect(b.message).toMatch(/WdfDmaTransactionStopSystemTransfer on WDFDMATRANSACTION 0x[0-9a-f]+ in state created/);
    expect(b.message).toMatch(new RegExp(`in t_stop_uninitialized \\(.*sysdma\\.c:${line}:\\d+\\)`));
  });

  it("WdfDmaTransactionAllocateResources once (RequiredMapRegisters 0 on the initialized transaction), then three plays on the reservation: EvtReserveDma once, at DISPATCH_LEVEL, with the transaction and the driver's context; every play reaches the card byte for byte (an Execute that asked for the channel again would wait behind the reservation for ever); meanwhile no other transaction gets the channel at once, after WdfDmaTransactionFreeResources one does; no findings from the reservation and its plays", () => {
    const { k, d, card, events } = started();
    const v = installVerifier(k, { mode: "collect" });
    callExport(d, "t_clear");
    expect(u(callExport(d, "t_reserve"))).toBe(STATUS.SUCCESS);
    expect(events()).toEqual([[EV_RESERVED, (AT_DISPATCH | OWN_CONTEXT | 1) >>> 0]]);
    const before = card.captured().length;
    for (const n of [4096, 8192, 2048]) expect(u(callExport(d, "t_play", n))).toBe(STATUS.SUCCESS);
    const buffer = Uint8Array.from({ length: 12288 }, (_, i) => (i * 5 + 1) & 0xff);
    expect(card.captured().subarray(before)).toEqual(new Uint8Array([...buffer.subarray(0, 4096), ...buffer.subarray(0, 8192), ...buffer.subarray(0, 2048)]));
    expect(events().filter(([e]) => e === EV_RESERVED)).toHaveLength(1);
    // Re-initializing the transfer context under the held channel is no DMA_TRANSFER_CONTEXT_MISUSE.
    expect(v.findings.map((f) => f.code)).toEqual([]);
    v.uninstall();
    expect(u(callExport(d, "t_probe_reserve"))).toBe(STATUS.INSUFFICIENT_RESOURCES >>> 0);
    callExport(d, "t_free");
    expect(u(callExport(d, "t_probe_reserve"))).toBe(STATUS.SUCCESS);
    // The transaction plays on without a reservation too (a channel per play again).
    expect(u(callExport(d, "t_play", 1024))).toBe(STATUS.SUCCESS);
  });

  it("bad input: WdfDmaTransactionFreeResources on a transaction never initialized or reserved is WDF_VIOLATION (0x10D) subcode 0x8, at the C caller's line", () => {
    const { d } = started();
    const line = readFileSync(join(FIXTURES, "sb16-kmdf-system", "sysdma.c"), "utf8").split("\n").findIndex((l) => l.includes("WdfDmaTransactionFreeResources(fresh)")) + 1;
    let err: unknown;
    try {
      callExport(d, "t_free_created");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BugCheckError);
    const b = err as BugCheckError;
    expect([b.code, b.params[0]]).toEqual([0x10d, 0x8]);
    expect(b.message).toMatch(new RegExp(`in t_free_created \\(.*sysdma\\.c:${line}:\\d+\\)`));
  });

  it("removal after the playbacks: the enabler, its adapter and the transaction go with the device", () => {
    const { k, pdo } = started();
    expect(removeDevice(k, pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
  });

  it("as dmasim run runs the folder (lifecycle: start, remove) under the verifier: ok, no findings, the driver's DbgPrint in the trace", async () => {
    const r = await loadCDriverScenario(join(FIXTURES, "sb16-kmdf-system")).run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect" });
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.summary).toContain("IRP_MN_START_DEVICE: STATUS_SUCCESS (0x00000000)");
    expect((r.tables?.["driverTrace"] ?? []).map((x) => x["message"])).toContain("sb16-kmdf-system: played 12288 bytes in 3 transfers: 0x00000000");
  }, 120_000);
});
