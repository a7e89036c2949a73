import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import type { DMA_ADAPTER, SCATTER_GATHER_LIST } from "../hal/types.ts";
import type { HandleOut } from "./driver.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { WdfDmaProfilePacket64, WDF_DMA_ENABLER_CONFIG_INIT, WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION, WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaEnablerSetMaximumScatterGatherElements, WdfDmaProfileScatterGather64Duplex } from "./dma-enabler.ts";
import {
  WdfDmaTransaction,
  WdfDmaTransactionCreate,
  WdfDmaTransactionDmaCompleted,
  WdfDmaTransactionDmaCompletedFinal,
  WdfDmaTransactionDmaCompletedWithLength,
  WdfDmaTransactionExecute,
  WdfDmaTransactionGetBytesTransferred,
  WdfDmaTransactionGetCurrentDmaTransferLength,
  WdfDmaTransactionInitialize,
  WdfDmaTransactionRelease,
  WdfDmaTransactionSetMaximumLength,
} from "./dma-transaction.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

function setup(flags = 0, profile = WdfDmaProfileScatterGather64Duplex): { tb: WdfTestbed; en: WdfDmaEnabler; tx: WdfDmaTransaction; buf: { va: number; mdl: MDL } } {
  const tb = wdfTestbed();
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  WdfDmaEnablerCreate(tb.device, { ...WDF_DMA_ENABLER_CONFIG_INIT(profile, 8192), Flags: flags }, null, en);
  const tx: HandleOut<WdfDmaTransaction> = { value: null };
  expect(WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, tx)).toBe(STATUS.SUCCESS);
  // Eight pages that are not physically adjacent, so each page is its own scatter/gather element.
  const pfns = Array.from({ length: 8 }, (_, i) => (tb.k.pfm.allocatePages(1, { effort: "full", hintPfn: 0x9000 + i * 7 }) as number[])[0] as number);
  const m = tb.k.va.map(pfns, "cached", "test");
  const mdl = IoAllocateMdl(tb.k, m.startVa + 0x200, 20000) as MDL;
  MmBuildMdlForNonPagedPool(tb.k, mdl);
  return { tb, en: en.value as WdfDmaEnabler, tx: tx.value as WdfDmaTransaction, buf: { va: m.startVa + 0x200, mdl } };
}

describe("WDFDMATRANSACTION", () => {
  it("Execute stages the first fragment (the enabler's 8 KiB) and EvtProgramDma runs at DISPATCH_LEVEL with its list", () => {
    const { tb, tx, buf } = setup();
    const calls: { irql: number; bytes: number; elements: number }[] = [];
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => {
      calls.push({ irql: tb.k.KeGetCurrentIrql(), bytes: sg.Elements.reduce((s, e) => s + e.Length, 0), elements: sg.NumberOfElements });
      return true;
    }, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 20000);
    expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
    expect(calls).toEqual([{ irql: DISPATCH_LEVEL, bytes: 8192, elements: calls[0]?.elements }]);
    expect(WdfDmaTransactionGetCurrentDmaTransferLength(tx)).toBe(8192);
  });

  it("DmaCompleted stages the next fragment (FALSE) until the last one completes the transaction (TRUE)", () => {
    const { tb, tx, buf } = setup();
    const lengths: number[] = [];
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => (lengths.push(sg.Elements.reduce((s, e) => s + e.Length, 0)), true), WdfDmaDirectionReadFromDevice, buf.mdl, buf.va, 20000);
    WdfDmaTransactionExecute(tx, null);
    const st = { value: 0 };
    const done = [0, 1, 2].map(() => tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, st)));
    expect(done).toEqual([false, false, true]);
    expect(lengths).toEqual([8192, 8192, 20000 - 16384]);
    expect(st.value).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(20000);
  });

  it("DmaCompletedWithLength short of the fragment restarts at the first byte not moved", () => {
    const { tb, tx, buf } = setup();
    const starts: bigint[] = [];
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => (starts.push(sg.Elements[0]?.Address.QuadPart ?? -1n), true), WdfDmaDirectionReadFromDevice, buf.mdl, buf.va, 20000);
    WdfDmaTransactionExecute(tx, null);
    const st = { value: 0 };
    expect(tb.k.atDispatch(() => WdfDmaTransactionDmaCompletedWithLength(tx, 1000, st))).toBe(false);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(1000);
    expect(starts[1]).toBe(BigInt(tb.k.va.physicalAddressOf(buf.va + 1000)));
  });

  it("DmaCompletedFinal ends the transaction at once", () => {
    const { tb, tx, buf } = setup();
    WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionReadFromDevice, buf.mdl, buf.va, 20000);
    WdfDmaTransactionExecute(tx, null);
    const st = { value: -1 };
    expect(tb.k.atDispatch(() => WdfDmaTransactionDmaCompletedFinal(tx, 100, st))).toBe(true);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(100);
  });

  it("WdfDmaTransactionSetMaximumLength caps each fragment", () => {
    const { tx, buf } = setup();
    const lengths: number[] = [];
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => (lengths.push(sg.Elements.reduce((s, e) => s + e.Length, 0)), true), WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 20000);
    WdfDmaTransactionSetMaximumLength(tx, 4096);
    WdfDmaTransactionExecute(tx, null);
    expect(lengths).toEqual([4096]);
  });

  it("Initialize gives STATUS_WDF_TOO_FRAGMENTED when a fragment spans more pages than WdfDmaEnablerSetMaximumScatterGatherElements allows", () => {
    const { en, tx, buf } = setup();
    WdfDmaEnablerSetMaximumScatterGatherElements(en, 2);
    // 8 KiB starting 0x200 into a page spans 3 pages.
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 8192)).toBe(STATUS.WDF_TOO_FRAGMENTED);
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va + 0xe00, 8192)).toBe(STATUS.SUCCESS);
  });

  it("with NO_SGLIST_PREALLOCATION the enabler keeps no list and transactions use GetScatterGatherList", () => {
    const { en, tx, buf } = setup(WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION);
    expect(en.sgListSize).toBe(0);
    let list: SCATTER_GATHER_LIST | null = null;
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => ((list = sg), true), WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 100);
    expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
    expect(list).not.toBeNull();
  });

  it("Initialize with Length 0 gives STATUS_INVALID_PARAMETER", () => {
    const { tx, buf } = setup();
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 0)).toBe(STATUS.INVALID_PARAMETER);
  });

  it("Execute without Initialize, or DmaCompleted with no transfer in flight, stops with WDF_VIOLATION 0x8", () => {
    const { tb, tx } = setup();
    for (const f of [() => WdfDmaTransactionExecute(tx, null), () => tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, { value: 0 }))]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(BugCheckError);
        expect((e as BugCheckError).params[0]).toBe(0x8);
      }
    }
  });

  it("Release makes the transaction reusable and gives back a list still held", () => {
    const { tx, buf } = setup();
    WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 100);
    WdfDmaTransactionExecute(tx, null);
    expect(WdfDmaTransactionRelease(tx)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 100)).toBe(STATUS.SUCCESS);
  });

  it("the transaction's parent is the enabler, and deleting the device mid-transfer gives the list back", () => {
    const { tb, en, tx, buf } = setup();
    expect(tx.parent).toBe(en);
    const findings: string[] = [];
    tb.k.findings = { report: (f) => findings.push(f.code) };
    WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 100);
    WdfDmaTransactionExecute(tx, null);
    tb.device.deleteObject();
    expect(tx.state).toBe("destroyed");
    expect(findings).toEqual([]);
  });

  it("a ParentObject in the attributes gives STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED: the parent is always the enabler", () => {
    const { tb, en } = setup();
    const out: HandleOut<WdfDmaTransaction> = { value: null };
    expect(WdfDmaTransactionCreate(en, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(out.value).toBeNull();
  });

  it("a packet-profile transaction gets one contiguous element for a scattered buffer (map-register double buffering)", () => {
    const { tx, buf } = setup(0, WdfDmaProfilePacket64);
    let n = -1;
    WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => ((n = sg.NumberOfElements), true), WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 8000);
    expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
    expect(n).toBe(1);
  });

  it("a packet-profile transaction may not run past its MDL (no chained MDLs): STATUS_INVALID_PARAMETER", () => {
    const { tx, buf } = setup(0, WdfDmaProfilePacket64);
    expect(WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 20001)).toBe(STATUS.INVALID_PARAMETER);
  });
  it("a list the HAL hands over after BuildScatterGatherList returned (the map registers were busy) programs the fragment then, with that fragment's length", () => {
    const { tb, en, tx, buf } = setup();
    const d = en.description(WdfDmaDirectionWriteToDevice);
    const real = d.AdapterObject as DMA_ADAPTER;
    let deliver: (() => void) | null = null;
    // The adapter as the HAL would run it with its map registers taken: the list-control routine runs later, at DISPATCH_LEVEL.
    d.AdapterObject = {
      ...real,
      DmaOperations: {
        ...real.DmaOperations,
        BuildScatterGatherList: (_a, dev, mdl, va, len, routine, ctx, w, sgBuf, size) =>
          real.DmaOperations.BuildScatterGatherList?.(real, dev, mdl, va, len, (d0, irp, sg, c) => (deliver = () => routine(d0, irp, sg, c)), ctx, w, sgBuf, size) ?? STATUS.NOT_SUPPORTED,
        PutScatterGatherList: (_a, sg, w) => real.DmaOperations.PutScatterGatherList?.(real, sg, w),
      },
    };
    try {
      const programmed: { bytes: number; irql: number }[] = [];
      WdfDmaTransactionInitialize(tx, (_t, _d, _c, _dir, sg) => (programmed.push({ bytes: sg.Elements.reduce((s, e) => s + e.Length, 0), irql: tb.k.KeGetCurrentIrql() }), true), WdfDmaDirectionWriteToDevice, buf.mdl, buf.va, 20000);
      expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
      expect(programmed).toEqual([]);
      expect(tx.txState).toBe("executing");
      tb.k.atDispatch(() => (deliver as unknown as () => void)());
      expect(programmed).toEqual([{ bytes: 8192, irql: DISPATCH_LEVEL }]);
      expect(WdfDmaTransactionGetCurrentDmaTransferLength(tx)).toBe(8192);
      // The next fragment's list comes late too; its length is the second fragment's.
      deliver = null;
      const st = { value: 0 };
      expect(tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, st))).toBe(false);
      expect(programmed).toHaveLength(1);
      tb.k.atDispatch(() => (deliver as unknown as () => void)());
      expect(programmed.map((p) => p.bytes)).toEqual([8192, 8192]);
      expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(8192);
    } finally {
      d.AdapterObject = real;
    }
  });

  it("a transaction reused after Release starts fresh: the next Initialize's transfer begins at its own first byte, nothing transferred, its own first fragment", () => {
    const { tb, tx, buf } = setup();
    const starts: bigint[] = [];
    const lengths: number[] = [];
    const program = (_t: unknown, _d: unknown, _c: unknown, _dir: unknown, sg: SCATTER_GATHER_LIST): boolean => (starts.push(sg.Elements[0]?.Address.QuadPart ?? -1n), lengths.push(sg.Elements.reduce((s, e) => s + e.Length, 0)), true);
    WdfDmaTransactionInitialize(tx, program, WdfDmaDirectionReadFromDevice, buf.mdl, buf.va, 20000);
    WdfDmaTransactionExecute(tx, null);
    const st = { value: 0 };
    expect(tb.k.atDispatch(() => WdfDmaTransactionDmaCompletedWithLength(tx, 1000, st))).toBe(false);
    expect(WdfDmaTransactionRelease(tx)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionInitialize(tx, program, WdfDmaDirectionWriteToDevice, buf.mdl, buf.va + 0x1000, 3000)).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(0);
    expect(WdfDmaTransactionExecute(tx, null)).toBe(STATUS.SUCCESS);
    expect(starts[2]).toBe(BigInt(tb.k.va.physicalAddressOf(buf.va + 0x1000)));
    expect(lengths[2]).toBe(3000);
    expect(WdfDmaTransactionGetCurrentDmaTransferLength(tx)).toBe(3000);
    expect(tb.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, st))).toBe(true);
    expect(WdfDmaTransactionGetBytesTransferred(tx)).toBe(3000);
  });
});
