/**
 * WdfDmaTransactionAllocateResources / FreeResources: what the framework
 * asks of the HAL, when EvtReserveDma runs, how transfers on the reservation
 * reuse it, and the misuses (fxdmatransactionapi.cpp, fxdmatransactionpacket.cpp).
 */
import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DIRQL_MIN, DISPATCH_LEVEL, irqlName } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DSP, SB_PORT } from "../devices/sb16.ts";
import { sb16On } from "../devices/builtin-models.ts";
import { type DMA_ADAPTER, DmaWidth } from "../hal/types.ts";
import { MmAllocateContiguousMemory } from "../kernel/contiguous-memory.ts";
import { WRITE_PORT_UCHAR } from "../kernel/io-space.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { WdfObjectDelete, type HandleOut } from "./driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT,
  type WDF_DMA_PROFILE,
  WdfDmaDirectionReadFromDevice,
  WdfDmaDirectionWriteToDevice,
  type WdfDmaEnabler,
  WdfDmaEnablerConfigureSystemProfile,
  WdfDmaEnablerCreate,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfilePacket64,
  WdfDmaProfileScatterGather64,
  WdfDmaProfileSystem,
} from "./dma-enabler.ts";
import { type EVT_WDF_PROGRAM_DMA, type WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionRelease } from "./dma-transaction.ts";
import { WdfDmaTransactionSetImmediateExecution } from "./dma-transaction-1-11.ts";
import { WdfDmaTransactionAllocateResources, WdfDmaTransactionFreeResources } from "./dma-transaction-reserve.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

/** Every routine called through the adapter's table, in order, with its arguments. */
function recordCalls(a: DMA_ADAPTER, log: string[], args: Map<string, unknown[]>): void {
  const ops = a.DmaOperations as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(ops)) {
    if (typeof f !== "function") continue;
    ops[name] = (...x: unknown[]): unknown => {
      log.push(name);
      args.set(name, x);
      return (f as (...y: unknown[]) => unknown)(...x);
    };
  }
}

function newTx(en: WdfDmaEnabler): WdfDmaTransaction {
  const t: HandleOut<WdfDmaTransaction> = { value: null };
  expect(WdfDmaTransactionCreate(en, null, t)).toBe(STATUS.SUCCESS);
  return t.value as WdfDmaTransaction;
}

interface SystemRig {
  tb: WdfTestbed;
  en: WdfDmaEnabler;
  log: string[];
  args: Map<string, unknown[]>;
  buf: { va: number; mdl: MDL; bytes: Uint8Array };
  program: EVT_WDF_PROGRAM_DMA;
}

/** The SB16 on 8-bit channel 1 through a WdfDmaProfileSystem enabler; EvtProgramDma starts a single-cycle playback of the mapped bytes. */
function systemRig(): SystemRig {
  const tb = wdfTestbed("x64-desktop", {}, "sb16");
  const k = tb.k;
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileSystem, 16384), null, out)).toBe(STATUS.SUCCESS);
  const en = out.value as WdfDmaEnabler;
  expect(WdfDmaEnablerConfigureSystemProfile(en, WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0x22cn }, DmaWidth.Width8Bits, { Channel: 1, Port: 0 }), WdfDmaDirectionWriteToDevice)).toBe(STATUS.SUCCESS);
  const log: string[] = [];
  const args = new Map<string, unknown[]>();
  recordCalls(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER, log, args);
  const va = MmAllocateContiguousMemory(k, 8192, physicalAddress(0xff_ffff)) as number;
  const bytes = Uint8Array.from({ length: 8192 }, (_, i) => (i * 5 + 1) & 0xff);
  k.va.write(va, bytes);
  const mdl = IoAllocateMdl(k, va, 8192) as MDL;
  MmBuildMdlForNonPagedPool(k, mdl);
  const base = sb16On(k.board, "sb16").base;
  const dsp = (...b: number[]): void => b.forEach((x) => WRITE_PORT_UCHAR(k, base + SB_PORT.WRITE, x));
  WRITE_PORT_UCHAR(k, base + SB_PORT.RESET, 1);
  WRITE_PORT_UCHAR(k, base + SB_PORT.RESET, 0);
  dsp(DSP.SET_OUTPUT_RATE, 22050 >> 8, 22050 & 0xff);
  const program: EVT_WDF_PROGRAM_DMA = (_t, _d, _c, _dir, sg) => {
    const n = sg.Elements[0]?.Length ?? 0;
    log.push(`EvtProgramDma ${n}`);
    dsp(DSP.START_8 | DSP.CMD_FIFO, 0, (n - 1) & 0xff, (n - 1) >> 8);
    return true;
  };
  return { tb, en, log, args, buf: { va, mdl, bytes }, program };
}

/** The system adapter's map registers (what a driver asks for on a transaction not yet initialized; 0 needs an initialized one). */
function all(r: SystemRig): number {
  return r.en.description(WdfDmaDirectionWriteToDevice).NumberOfMapRegisters;
}

function playOut(r: SystemRig): void {
  const card = sb16On(r.tb.k.board, "sb16");
  r.tb.k.clock.runUntilDone(() => !card.playing, r.tb.k.clock.now + 2_000_000_000);
}

/** Initialize `length` bytes on `tx`, Execute, play, DmaCompleted (TRUE, STATUS_SUCCESS expected), Release. */
function oneTransfer(r: SystemRig, tx: WdfDmaTransaction, length: number): void {
  expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, length)).toBe(STATUS.SUCCESS);
  expect(r.tb.k.atDispatch(() => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
  playOut(r);
  const status = { value: -1 };
  expect(r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, status))).toBe(true);
  expect(status.value).toBe(STATUS.SUCCESS);
  expect(WdfDmaTransactionRelease(tx)).toBe(STATUS.SUCCESS);
}

/** A WDF_VIOLATION (0x10D) with parameter 1 = 0x8 (WDF_DMA_FATAL_ERROR). */
function expectDmaFatal(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BugCheckError);
    expect([(e as BugCheckError).code, (e as BugCheckError).params[0]]).toEqual([BUGCHECK.WDF_VIOLATION, 0x8]);
    return;
  }
  throw new Error("no bug check");
}

interface PacketRig {
  tb: WdfTestbed;
  en: WdfDmaEnabler;
  log: string[];
  args: Map<string, unknown[]>;
  buf: { va: number; mdl: MDL };
}

/** A bus-master enabler (default: Packet64 with DMA v3) and a 20000-byte buffer 0x200 into six scattered pages. */
function packetRig(profile: WDF_DMA_PROFILE = WdfDmaProfilePacket64, version = 3, maximumLength = 8192): PacketRig {
  const tb = wdfTestbed("x64-desktop");
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(profile, maximumLength), WdmDmaVersionOverride: version }, null, out)).toBe(STATUS.SUCCESS);
  const en = out.value as WdfDmaEnabler;
  const log: string[] = [];
  const args = new Map<string, unknown[]>();
  recordCalls(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice) as DMA_ADAPTER, log, args);
  const pfns = Array.from({ length: 6 }, (_, i) => (tb.k.pfm.allocatePages(1, { effort: "full", hintPfn: 0x9000 + i * 7 }) as number[])[0] as number);
  const m = tb.k.va.map(pfns, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa + 0x200, 20000) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  return { tb, en, log, args, buf: { va: m.startVa + 0x200, mdl } };
}

describe("WdfDmaTransactionAllocateResources / WdfDmaTransactionFreeResources (system profile)", () => {
  it("reserving: one AllocateAdapterChannelEx on the transaction's transfer context for all the adapter's map registers (RequiredMapRegisters 0 on a system enabler); EvtReserveDma runs at DISPATCH_LEVEL with the transaction and its context; nothing is mapped", () => {
    const r = systemRig();
    const tx = newTx(r.en);
    const seen: unknown[] = [];
    expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4096)).toBe(STATUS.SUCCESS);
    const st = WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, 0, (t, c) => seen.push([t === tx, c, irqlName(r.tb.k.KeGetCurrentIrql())]), "ctx");
    expect(st).toBe(STATUS.SUCCESS);
    expect(seen).toEqual([[true, "ctx", "DISPATCH_LEVEL"]]);
    expect(r.log).toEqual(["InitializeDmaTransferContext", "InitializeDmaTransferContext", "AllocateAdapterChannelEx"]);
    const a = r.args.get("AllocateAdapterChannelEx") as unknown[];
    expect(a[2]).toBe(tx.transferContext);
    expect(a[3]).toBe(r.en.description(WdfDmaDirectionWriteToDevice).NumberOfMapRegisters);
    expect(tx.txState).toBe("reserved");
    expect(tx.reservedRegisters).toBe(a[3]);
  });

  it("three transfers on one reservation: Execute asks the HAL for no channel (one AllocateAdapterChannelEx in all), DmaCompleted and Release keep it (no FreeAdapterChannel until FreeResources), the transfer context is re-initialized each time without DMA_TRANSFER_CONTEXT_MISUSE, and the card plays every buffer", () => {
    const r = systemRig();
    const v = installVerifier(r.tb.k, { mode: "collect" });
    const tx = newTx(r.en);
    expect(WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null)).toBe(STATUS.SUCCESS);
    for (const n of [1024, 2048, 512]) oneTransfer(r, tx, n);
    expect(r.log.filter((c) => c === "AllocateAdapterChannelEx")).toHaveLength(1);
    expect(r.log.filter((c) => c === "MapTransferEx")).toHaveLength(3);
    expect(r.log).not.toContain("FreeAdapterChannel");
    expect(r.log.filter((c) => c === "InitializeDmaTransferContext")).toHaveLength(4);
    expect(sb16On(r.tb.k.board, "sb16").captured()).toEqual(new Uint8Array([...r.buf.bytes.subarray(0, 1024), ...r.buf.bytes.subarray(0, 2048), ...r.buf.bytes.subarray(0, 512)]));
    r.tb.k.atDispatch(() => WdfDmaTransactionFreeResources(tx));
    expect(r.log.at(-1)).toBe("FreeAdapterChannel");
    expect(tx.reservedRegisters).toBe(0);
    expect(v.findings.map((f) => f.code)).toEqual([]);
    v.uninstall();
  });

  it("FreeResources releases the channel so another transaction's reservation, queued meanwhile, is granted then (its EvtReserveDma runs inside FreeResources' FreeAdapterChannel)", () => {
    const r = systemRig();
    const [a, b] = [newTx(r.en), newTx(r.en)];
    const order: string[] = [];
    expect(WdfDmaTransactionAllocateResources(a, WdfDmaDirectionWriteToDevice, all(r), () => order.push("a reserved"), null)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionAllocateResources(b, WdfDmaDirectionWriteToDevice, all(r), () => order.push("b reserved"), null)).toBe(STATUS.SUCCESS);
    expect(order).toEqual(["a reserved"]);
    WdfDmaTransactionFreeResources(a);
    expect(order).toEqual(["a reserved", "b reserved"]);
    expect(a.txState).toBe("released");
    oneTransfer(r, b, 1024);
    WdfDmaTransactionFreeResources(b);
  });

  it("Release keeps the reservation (the next Initialize / Execute runs on it); deleting the transaction frees it (KMDF's Dispose: ReleaseResources(TRUE) — FreeAdapterChannel)", () => {
    const r = systemRig();
    const tx = newTx(r.en);
    WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null);
    WdfDmaTransactionRelease(tx);
    expect(tx.reservedRegisters).toBeGreaterThan(0);
    oneTransfer(r, tx, 256);
    expect(r.log.filter((c) => c === "AllocateAdapterChannelEx")).toHaveLength(1);
    WdfObjectDelete(tx);
    expect(r.log.at(-1)).toBe("FreeAdapterChannel");
    // The channel is free again: a new transaction gets it at once.
    const seen: string[] = [];
    WdfDmaTransactionAllocateResources(newTx(r.en), WdfDmaDirectionWriteToDevice, all(r), () => seen.push("granted"), null);
    expect(seen).toEqual(["granted"]);
  });

  it("a transfer needing more map registers than were reserved is cut to what they map: with RequiredMapRegisters 1, 4096 bytes from 0x800 into a page go as 0x800 (to the page's end) and then 0x800", () => {
    const r = systemRig();
    const tx = newTx(r.en);
    WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, 1, () => undefined, null);
    expect(r.args.get("AllocateAdapterChannelEx")?.[3]).toBe(1);
    expect(WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va + 0x800, 4096)).toBe(STATUS.SUCCESS);
    expect(r.tb.k.atDispatch(() => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    const results: [boolean, number][] = [];
    for (let i = 0; i < 2; i++) {
      playOut(r);
      const status = { value: -1 };
      results.push([r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, status)), status.value]);
    }
    expect(results).toEqual([[false, STATUS.MORE_PROCESSING_REQUIRED], [true, STATUS.SUCCESS]]);
    expect(r.log.filter((c) => c.startsWith("EvtProgramDma"))).toEqual(["EvtProgramDma 2048", "EvtProgramDma 2048"]);
    expect(sb16On(r.tb.k.board, "sb16").captured()).toEqual(r.buf.bytes.subarray(0x800, 0x1800));
    WdfDmaTransactionRelease(tx);
    WdfDmaTransactionFreeResources(tx);
  });
});

describe("WdfDmaTransactionAllocateResources / WdfDmaTransactionFreeResources (packet profile, DMA v3)", () => {
  it("reserving 1 map register: AllocateAdapterChannelEx for 1, the register kept (DeallocateObjectKeepRegisters); Execute maps with MapTransferEx on it without a new request, each fragment cut to one page; FreeResources gives it back with FreeMapRegisters(1)", () => {
    const r = packetRig();
    const v = installVerifier(r.tb.k, { mode: "collect" });
    const tx = newTx(r.en);
    const granted: boolean[] = [];
    expect(WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, 1, () => granted.push(true), null)).toBe(STATUS.SUCCESS);
    expect(granted).toEqual([true]);
    expect(r.args.get("AllocateAdapterChannelEx")?.[3]).toBe(1);
    const lengths: number[] = [];
    expect(WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => (lengths.push(sg.Elements[0]?.Length ?? 0), true), WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 20000)).toBe(STATUS.SUCCESS);
    expect(r.tb.k.atDispatch(() => WdfDmaTransactionExecute(tx, null))).toBe(STATUS.SUCCESS);
    const st = { value: 0 };
    while (!r.tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, st)));
    expect(st.value).toBe(STATUS.SUCCESS);
    // One page: the rest of the first from 0x200, then whole pages, then the 32 bytes left.
    expect(lengths).toEqual([0xe00, 0x1000, 0x1000, 0x1000, 0x1000, 32]);
    expect(r.log.filter((c) => c === "MapTransferEx")).toHaveLength(6);
    expect(r.log.filter((c) => c === "AllocateAdapterChannelEx")).toHaveLength(1);
    expect(r.log).not.toContain("FreeMapRegisters");
    WdfDmaTransactionRelease(tx);
    r.tb.k.atDispatch(() => WdfDmaTransactionFreeResources(tx));
    expect(r.log.at(-1)).toBe("FreeMapRegisters");
    expect(r.args.get("FreeMapRegisters")?.[2]).toBe(1);
    expect(v.findings.map((f) => f.code)).toEqual([]);
    v.uninstall();
  });

  it("RequiredMapRegisters 0 on an initialized packet transaction reserves the pages its whole buffer spans (4000 bytes from 0x200: 2), and the transaction is reserved, not initialized (Execute before a new Initialize is WDF_VIOLATION 0x8); 20000 bytes span 6 pages, more than the adapter has: the HAL's STATUS_INSUFFICIENT_RESOURCES", () => {
    const r = packetRig();
    const tx = newTx(r.en);
    WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 4000);
    expect(WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, 0, () => undefined, null)).toBe(STATUS.SUCCESS);
    expect(r.args.get("AllocateAdapterChannelEx")?.[3]).toBe(2);
    expect(tx.txState).toBe("reserved");
    expectDmaFatal(() => WdfDmaTransactionExecute(tx, null));
    const big = newTx(r.en);
    WdfDmaTransactionInitialize(big, () => true, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 20000);
    expect(r.en.description(WdfDmaDirectionWriteToDevice).NumberOfMapRegisters).toBeLessThan(6);
    expect(WdfDmaTransactionAllocateResources(big, WdfDmaDirectionWriteToDevice, 0, () => undefined, null)).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(r.args.get("AllocateAdapterChannelEx")?.[3]).toBe(6);
  });

  it("more map registers than the adapter has: the HAL's STATUS_INSUFFICIENT_RESOURCES (its 0xE6 / 0x0C finding); the transaction has failed and holds nothing", () => {
    const r = packetRig();
    const v = installVerifier(r.tb.k, { mode: "collect" });
    const tx = newTx(r.en);
    const have = r.en.description(WdfDmaDirectionWriteToDevice).NumberOfMapRegisters;
    expect(WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, have + 1, () => undefined, null)).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(v.findings.map((f) => f.code)).toEqual(["DMA_TOO_MANY_MAP_REGISTERS_REQUESTED"]);
    expect([tx.txState, tx.reservedRegisters]).toEqual(["transferFailed", 0]);
    v.uninstall();
  });

  it("with WdfDmaTransactionSetImmediateExecution(TRUE) a reservation the adapter cannot grant at once is STATUS_INSUFFICIENT_RESOURCES instead of queueing", () => {
    const r = systemRig();
    const [a, b] = [newTx(r.en), newTx(r.en)];
    WdfDmaTransactionAllocateResources(a, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null);
    WdfDmaTransactionSetImmediateExecution(b, true);
    expect(WdfDmaTransactionAllocateResources(b, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null)).toBe(STATUS.INSUFFICIENT_RESOURCES);
    WdfDmaTransactionFreeResources(a);
  });
});

describe("WdfDmaTransactionAllocateResources / FreeResources misuse (KMDF's statuses and WDF_VIOLATION 0x8)", () => {
  it("a scatter/gather enabler, or a packet enabler without DMA v3, is STATUS_INVALID_DEVICE_REQUEST and the HAL is not called; FreeResources there does nothing", () => {
    for (const [profile, version] of [[WdfDmaProfileScatterGather64, 3], [WdfDmaProfilePacket64, 2]] as const) {
      const r = packetRig(profile, version);
      const tx = newTx(r.en);
      expect(WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, 1, () => undefined, null)).toBe(STATUS.INVALID_DEVICE_REQUEST);
      expect(() => WdfDmaTransactionFreeResources(tx)).not.toThrow();
      expect([tx.txState, r.log]).toEqual(["created", []]);
    }
  });

  it("a direction other than ReadFromDevice / WriteToDevice is STATUS_INVALID_PARAMETER", () => {
    const r = systemRig();
    expect(WdfDmaTransactionAllocateResources(newTx(r.en), 7 as never, 1, () => undefined, null)).toBe(STATUS.INVALID_PARAMETER);
    expect(r.log).toEqual([]);
  });

  it("RequiredMapRegisters 0 on a transaction that is not initialized, a second reservation, and a reservation while a transfer runs are WDF_VIOLATION 0x8", () => {
    const r = systemRig();
    expectDmaFatal(() => WdfDmaTransactionAllocateResources(newTx(r.en), WdfDmaDirectionWriteToDevice, 0, () => undefined, null));
    const tx = newTx(r.en);
    WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null);
    WdfDmaTransactionRelease(tx);
    expectDmaFatal(() => WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null));
    const running = newTx(r.en);
    WdfDmaTransactionFreeResources(tx);
    WdfDmaTransactionInitialize(running, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 512);
    r.tb.k.atDispatch(() => WdfDmaTransactionExecute(running, null));
    expectDmaFatal(() => WdfDmaTransactionAllocateResources(running, WdfDmaDirectionWriteToDevice, 1, () => undefined, null));
  });

  it("FreeResources on a created transaction or one whose transfer is running is WDF_VIOLATION 0x8; on a released one without a reservation it only releases", () => {
    const r = systemRig();
    expectDmaFatal(() => WdfDmaTransactionFreeResources(newTx(r.en)));
    const tx = newTx(r.en);
    WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null);
    WdfDmaTransactionInitialize(tx, r.program, WdfDmaDirectionWriteToDevice, r.buf.mdl, r.buf.va, 512);
    r.tb.k.atDispatch(() => WdfDmaTransactionExecute(tx, null));
    expectDmaFatal(() => WdfDmaTransactionFreeResources(tx));
    const plain = newTx(r.en);
    WdfDmaTransactionRelease(plain);
    WdfDmaTransactionFreeResources(plain);
    expect(plain.txState).toBe("released");
  });

  it("above DISPATCH_LEVEL: the DDIs check no IRQL, but KMDF's KeRaiseIrql(DISPATCH_LEVEL) around the HAL call bug checks IRQL_NOT_GREATER_OR_EQUAL (0x9)", () => {
    const r = systemRig();
    const tx = newTx(r.en);
    const stop = (f: () => unknown): number => {
      try {
        r.tb.k.atIrql(DIRQL_MIN, f);
      } catch (e) {
        return (e as BugCheckError).code;
      }
      return 0;
    };
    expect(stop(() => WdfDmaTransactionAllocateResources(tx, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null))).toBe(BUGCHECK.IRQL_NOT_GREATER_OR_EQUAL);
    const held = newTx(r.en);
    WdfDmaTransactionAllocateResources(held, WdfDmaDirectionWriteToDevice, all(r), () => undefined, null);
    expect(stop(() => WdfDmaTransactionFreeResources(held))).toBe(BUGCHECK.IRQL_NOT_GREATER_OR_EQUAL);
    expect(DISPATCH_LEVEL).toBeLessThan(DIRQL_MIN);
  });
});
