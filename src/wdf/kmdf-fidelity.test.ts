import { describe, expect, it } from "vitest";
import { PAGE_SIZE, physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { halState, liveCommonBuffers } from "../hal/hal-state.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { WDF_COMMON_BUFFER_CONFIG_INIT, WDF_COMMON_BUFFER_CONFIG_SIZE, type WdfCommonBuffer, WdfCommonBufferCreate } from "./common-buffer.ts";
import { wdfRemoveDevice } from "./device.ts";
import { type HandleOut, WdfObjectReference } from "./driver.ts";
import {
  WDF_DMA_ENABLER_CONFIG_INIT,
  WDF_DMA_ENABLER_CONFIG_SIZE,
  WDF_DMA_ENABLER_CONFIG_V1_9_SIZE,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT,
  WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE,
  WdfDmaDirectionWriteToDevice,
  type WdfDmaEnabler,
  WdfDmaEnablerCreate,
  WdfDmaEnablerWdmGetDmaAdapter,
  WdfDmaProfileScatterGather64,
} from "./dma-enabler.ts";
import type { DMA_ADAPTER } from "../hal/types.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { type WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionExecute, WdfDmaTransactionInitialize } from "./dma-transaction.ts";
import { wdfTestbed } from "./test-support.ts";

function enabler(tb: ReturnType<typeof wdfTestbed>): WdfDmaEnabler {
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192, tb.device), null, en)).toBe(STATUS.SUCCESS);
  return en.value as WdfDmaEnabler;
}

describe("KMDF INIT helpers write the sizes of the driver's bound KMDF version", () => {
  it("WDF_DMA_ENABLER_CONFIG_INIT bound to KMDF 1.9 writes the 1.9 size (0x40), to 1.11 and later the newer one (0x50); unbound, the newest", () => {
    expect(WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 4096, "1.9").Size).toBe(WDF_DMA_ENABLER_CONFIG_V1_9_SIZE);
    expect(WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 4096, { major: 1, minor: 11 }).Size).toBe(WDF_DMA_ENABLER_CONFIG_SIZE);
    expect(WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 4096).Size).toBe(WDF_DMA_ENABLER_CONFIG_SIZE);
    expect(() => WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 4096, "nine")).toThrow(/not a KMDF version/);
  });

  it("a driver bound to KMDF 1.9 creates its enabler from the helper's config (not STATUS_INFO_LENGTH_MISMATCH); the newest size is refused as KMDF refuses it", () => {
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.9" });
    const en: HandleOut<WdfDmaEnabler> = { value: null };
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192, tb.device), null, en)).toBe(STATUS.SUCCESS);
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192, tb.driver), null, { value: null })).toBe(STATUS.SUCCESS);
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192), null, { value: null })).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });

  it("WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT and WDF_COMMON_BUFFER_CONFIG_INIT zero the structure and set its Size", () => {
    expect(WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT({ QuadPart: 0x22cn }, 1, { Channel: 5, Port: 0 })).toEqual({ Size: WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE, DemandMode: false, LoopedTransfer: false, DmaWidth: 1, DeviceAddress: { QuadPart: 0x22cn }, DmaDescriptor: { Channel: 5, Port: 0 } });
    expect(WDF_COMMON_BUFFER_CONFIG_INIT(0xf)).toEqual({ Size: WDF_COMMON_BUFFER_CONFIG_SIZE, AlignmentRequirement: 0xf });
  });
});

describe("KMDF refuses children of an object being deleted (STATUS_DELETE_PENDING)", () => {
  it("after the device is removed, a stale reference to it makes WdfDmaEnablerCreate fail with STATUS_DELETE_PENDING and ask the HAL for no adapter", () => {
    const tb = wdfTestbed();
    WdfObjectReference(tb.device);
    wdfRemoveDevice(tb.device);
    const before = halState(tb.k).nextAdapterId;
    const en: HandleOut<WdfDmaEnabler> = { value: null };
    expect(WdfDmaEnablerCreate(tb.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192), null, en)).toBe(STATUS.DELETE_PENDING);
    expect(en.value).toBeNull();
    expect(halState(tb.k).nextAdapterId).toBe(before);
  });

  it("a stale reference to the removed device's enabler makes WdfCommonBufferCreate fail with STATUS_DELETE_PENDING; no common buffer is allocated (none leaks)", () => {
    const tb = wdfTestbed();
    const en = enabler(tb);
    WdfObjectReference(en);
    wdfRemoveDevice(tb.device);
    const cb: HandleOut<WdfCommonBuffer> = { value: null };
    expect(WdfCommonBufferCreate(en, PAGE_SIZE, null, cb)).toBe(STATUS.DELETE_PENDING);
    expect(cb.value).toBeNull();
    expect(liveCommonBuffers(tb.k)).toEqual([]);
  });
});

describe("KMDF routine misuse at the wrong IRQL is the framework's finding (WDF_WRONG_IRQL), not the HAL's DMA_WRONG_IRQL", () => {
  it("WdfCommonBufferCreate at DISPATCH_LEVEL with the KMDF verifier on: WDF_WRONG_IRQL and STATUS_INVALID_DEVICE_REQUEST; the HAL is not called", () => {
    const tb = wdfTestbed("x64-desktop", { verifier: true });
    const en = enabler(tb);
    const seen: FindingInput[] = [];
    tb.k.findings = { report: (f) => seen.push(f) };
    expect(tb.k.atDispatch(() => WdfCommonBufferCreate(en, PAGE_SIZE, null, { value: null }))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(seen.map((f) => f.code)).toEqual(["WDF_WRONG_IRQL"]);
    expect(liveCommonBuffers(tb.k)).toEqual([]);
  });

  it("WdfDmaTransactionExecute above DISPATCH_LEVEL with the KMDF verifier on is WDF_WRONG_IRQL", () => {
    const tb = wdfTestbed("x64-desktop", { verifier: true });
    const en = enabler(tb);
    const tx: HandleOut<WdfDmaTransaction> = { value: null };
    expect(WdfDmaTransactionCreate(en, null, tx)).toBe(STATUS.SUCCESS);
    const pfns = tb.k.pfm.allocatePages(1, { effort: "full" }) as number[];
    const m = tb.k.va.map(pfns, "cached", "test");
    const mdl = IoAllocateMdl(tb.k, m.startVa, 512) as MDL;
    MmBuildMdlForNonPagedPool(tb.k, mdl);
    WdfDmaTransactionInitialize(tx.value as WdfDmaTransaction, () => true, WdfDmaDirectionWriteToDevice, mdl, m.startVa, 512);
    const seen: FindingInput[] = [];
    tb.k.findings = { report: (f) => seen.push(f) };
    // Staging raises to DISPATCH_LEVEL, which from DIRQL is itself a stop; the framework's finding comes first.
    expect(() => tb.k.atIrql(DISPATCH_LEVEL + 3, () => WdfDmaTransactionExecute(tx.value as WdfDmaTransaction, null))).toThrow(/IRQL_NOT_GREATER_OR_EQUAL/);
    expect(seen.map((f) => f.code)).toContain("WDF_WRONG_IRQL");
    expect(seen.map((f) => f.code)).not.toContain("DMA_WRONG_IRQL");
  });
});

describe("the verifier on the KMDF removal path", () => {
  it("wdfRemoveDevice runs the removal leak check: a common buffer the driver took from the enabler's WDM adapter and never freed is DMA_COMMON_BUFFER_LEAKED; the enabler's own adapters are put by the framework (no DMA_ADAPTER_NOT_PUT)", () => {
    const tb = wdfTestbed();
    const v = installVerifier(tb.k, { mode: "collect" });
    const en = enabler(tb);
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionWriteToDevice) as DMA_ADAPTER;
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, 3000, physicalAddress(), true)).not.toBeNull();
    wdfRemoveDevice(tb.device);
    const codes = v.findings.map((f) => f.code);
    expect(codes).toContain("DMA_COMMON_BUFFER_LEAKED");
    expect(codes).not.toContain("DMA_ADAPTER_NOT_PUT");
  });
});
