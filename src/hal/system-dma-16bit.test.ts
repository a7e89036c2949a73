import { describe, expect, it } from "vitest";
import { KiB, physicalAddress } from "../core/address.ts";
import type { FindingInput } from "../core/findings.ts";
import { createFdo } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress } from "../kernel/mdl.ts";
import { adapterObject } from "./adapter.ts";
import { IoGetDmaAdapter, MAX_MAP_REGISTERS_SUBORDINATE, MAX_MAP_REGISTERS_SUBORDINATE_16BIT } from "./io-get-dma-adapter.ts";
import { isaDmaOf } from "./system-dma.ts";
import { deviceDescription, type DMA_ADAPTER, DmaWidth, InterfaceType, KeepObject, type MapRegisterBase } from "./types.ts";

function channel(k: Kernel, ch: number, maximumLength: number): { a: DMA_ADAPTER; n: number } {
  const out = { value: 0 };
  const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Master: false, DmaChannel: ch, DmaWidth: ch >= 4 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits, InterfaceType: InterfaceType.Isa, MaximumLength: maximumLength }), out);
  if (a === null) throw new Error("no adapter");
  return { a, n: out.value };
}

describe("16-bit ISA system DMA channels (5-7): words, 128 KiB pages", () => {
  it("a 16-bit channel's reach is below 16 MiB with a 128 KiB boundary; an 8-bit channel's boundary is 64 KiB", () => {
    const k = bootMachine("x64-desktop");
    expect(adapterObject(channel(k, 5, 4096).a).reach).toMatchObject({ maxAddress: 16 * 1024 * 1024 - 1, boundary: 128 * KiB });
    expect(adapterObject(channel(k, 1, 4096).a).reach.boundary).toBe(64 * KiB);
  });

  it("NumberOfMapRegisters is capped at 32 on a 16-bit channel (128 KiB) and at 16 on an 8-bit channel (64 KiB)", () => {
    const k = bootMachine("x64-desktop");
    expect(MAX_MAP_REGISTERS_SUBORDINATE).toBe(16);
    expect(MAX_MAP_REGISTERS_SUBORDINATE_16BIT).toBe(32);
    expect(channel(k, 5, 128 * KiB).n).toBe(32);
    expect(channel(k, 6, 96 * KiB).n).toBe(25);
    expect(channel(k, 1, 128 * KiB).n).toBe(16);
  });

  it("AllocateCommonBuffer of 128 KiB on channel 5 succeeds inside one 128 KiB page below 16 MiB; 128 KiB + 1 byte cannot be had", () => {
    const k = bootMachine("x64-desktop");
    const { a } = channel(k, 5, 128 * KiB);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 128 * KiB, la, true) ?? null;
    expect(va).not.toBeNull();
    const pa = Number(la.QuadPart);
    expect(pa + 128 * KiB).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(Math.floor(pa / (128 * KiB))).toBe(Math.floor((pa + 128 * KiB - 1) / (128 * KiB)));
    expect(a.DmaOperations.AllocateCommonBuffer?.(a, 128 * KiB + 1, physicalAddress(), true)).toBeNull();
    // The 8-bit channel still stops at 64 KiB.
    const b = channel(k, 1, 64 * KiB).a;
    expect(b.DmaOperations.AllocateCommonBuffer?.(b, 64 * KiB + 1, physicalAddress(), true)).toBeNull();
  });

  it("MapTransfer of a 128 KiB common buffer on channel 5 programs one 65536-word transfer with no finding", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const { a, n } = channel(k, 5, 128 * KiB);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 128 * KiB, la, true) as number;
    const mdl = IoAllocateMdl(k, va, 128 * KiB);
    if (mdl === null) throw new Error("no MDL");
    MmBuildMdlForNonPagedPool(k, mdl);
    let base: MapRegisterBase = null;
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannel?.(a, createFdo(k.pdo("sb16"), "f", 64), n, (_d, _i, b) => ((base = b), KeepObject), null));
    const len = { value: 128 * KiB };
    const mapped = k.atDispatch(() => a.DmaOperations.MapTransfer?.(a, mdl, base, MmGetMdlVirtualAddress(mdl), len, true));
    expect(mapped?.QuadPart).toBe(la.QuadPart);
    expect(isaDmaOf(k).channel(5).baseCount).toBe(0xffff);
    expect(seen).toEqual([]);
  });
});
