/**
 * The version-3 transfer routines on every built-in profile with a bus
 * master (plain x64, the IOMMU machine, the NUMA server, the 1 TiB machine,
 * ARM64 with a non-coherent device): GetScatterGatherListEx and
 * BuildScatterGatherListEx give the device addresses that reach the data
 * (IOVAs under the IOMMU, with the CPU cache cleaned for a non-coherent
 * device), GetDmaTransferInfo's answer is exactly what MapTransferEx and
 * BuildScatterGatherListEx consume, and CancelAdapterChannel /
 * FreeAdapterObject behave alike everywhere.
 */
import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { BUILTIN_PROFILES } from "../machine/builtin-profiles.ts";
import { MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { DeallocateObject, DMA_SYNCHRONOUS_CALLBACK, type DMA_TRANSFER_INFO, DMA_TRANSFER_INFO_VERSION1, KeepObject, type MapRegisterBase, type SCATTER_GATHER_LIST } from "./types.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { context, fdo, machine, masterV3 } from "./v3-test-support.ts";

/** Each built-in profile with a bus master, and the device to use on it. */
const CASES = [...BUILTIN_PROFILES.values()].flatMap((p) => {
  const d = p.devices.find((x) => x.name === "dma-noncoherent") ?? p.devices.find((x) => x.name === "plx9656");
  return d === undefined ? [] : [{ profile: p.name, device: d.name }];
});

const list = (): SCATTER_GATHER_LIST => ({ NumberOfElements: 0, Elements: [] });

/** Three pages (the first two adjacent when the allocator gives them so), holding a known pattern written through the CPU (cached). */
function patterned(k: Kernel): { va: number; mdl: MDL; bytes: Uint8Array } {
  const first = k.pfm.allocatePages(2, { effort: "full" });
  const third = k.pfm.allocatePages(1, { effort: "full" });
  if (first === null || third === null) throw new Error("no pages");
  const m = k.va.map([...first, ...third], "cached", "test buffer");
  const mdl = IoAllocateMdl(k, m.startVa, 3 * 4096);
  if (mdl === null) throw new Error("no MDL");
  MmBuildMdlForNonPagedPool(k, mdl);
  const bytes = Uint8Array.from({ length: 3 * 4096 }, (_, i) => (i * 7 + 3) & 0xff);
  for (let i = 0; i < bytes.length; i += 4) k.cpu.writeU32(m.startVa + i, (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
  return { va: m.startVa, mdl, bytes };
}

/** What the device reads through the list's elements, in order. */
function deviceReads(k: Kernel, device: string, sg: SCATTER_GATHER_LIST): Uint8Array {
  const dev = k.busMasterOf(device);
  const out = new Uint8Array(sg.Elements.reduce((n, e) => n + e.Length, 0));
  let at = 0;
  for (const e of sg.Elements) {
    const part = new Uint8Array(e.Length);
    expect(k.bus.read(dev, Number(e.Address.QuadPart), part)).toBe(true);
    out.set(part, at);
    at += e.Length;
  }
  return out;
}

describe("version-3 transfer routines on every built-in profile", () => {
  it("the sweep covers the IOMMU machine and ARM64", () => {
    expect(CASES.map((c) => c.profile)).toEqual(expect.arrayContaining(["x64-desktop", "x64-iommu", "arm64-soc"]));
  });

  for (const { profile, device } of CASES) {
    it(`${profile}: GetScatterGatherListEx gives ${device} addresses that reach the data (IOVAs under an IOMMU, cache cleaned for a non-coherent device); PutScatterGatherList ends them`, () => {
      const { k, seen } = machine(profile);
      const a = masterV3(k, {}, device);
      const b = patterned(k);
      let got: SCATTER_GATHER_LIST | null = null;
      const st = k.atDispatch(() => a.DmaOperations.GetScatterGatherListEx?.(a, fdo(k, device), context(a), b.mdl, 0, 3 * 4096, 0, (_d, _i, sg) => void (got = sg), null, true, null, null, null));
      expect(st).toBe(STATUS.SUCCESS);
      const sg = got as unknown as SCATTER_GATHER_LIST;
      expect(deviceReads(k, device, sg)).toEqual(b.bytes);
      const physical = Number(MmGetPhysicalAddress(k, b.va).QuadPart);
      if (profile === "x64-iommu") expect(Number(sg.Elements[0]?.Address.QuadPart)).not.toBe(physical);
      else expect(Number(sg.Elements[0]?.Address.QuadPart)).toBe(physical);
      k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, sg, true));
      a.DmaOperations.PutDmaAdapter?.(a);
      expect(seen.map((f) => f.code)).toEqual([]);
    });

    it(`${profile}: GetDmaTransferInfo's ScatterGatherListSize and MapRegisterCount are exactly what BuildScatterGatherListEx and MapTransferEx consume for ${device}`, () => {
      const { k, seen } = machine(profile);
      const a = masterV3(k, {}, device);
      const b = patterned(k);
      const info: DMA_TRANSFER_INFO = { Version: DMA_TRANSFER_INFO_VERSION1 };
      expect(a.DmaOperations.GetDmaTransferInfo?.(a, b.mdl, 0, 3 * 4096, true, info)).toBe(STATUS.SUCCESS);
      const need = info.V1 as NonNullable<DMA_TRANSFER_INFO["V1"]>;
      // BuildScatterGatherListEx: the answered size builds the list; one byte less is STATUS_BUFFER_TOO_SMALL.
      const short = k.atDispatch(() => a.DmaOperations.BuildScatterGatherListEx?.(a, fdo(k, device), context(a), b.mdl, 0, 3 * 4096, 0, () => undefined, null, true, list(), need.ScatterGatherListSize - 1, null, null, null));
      expect(short).toBe(STATUS.BUFFER_TOO_SMALL);
      let built: SCATTER_GATHER_LIST | null = null;
      const st = k.atDispatch(() => a.DmaOperations.BuildScatterGatherListEx?.(a, fdo(k, device), context(a), b.mdl, 0, 3 * 4096, 0, (_d, _i, sg) => void (built = sg), null, true, list(), need.ScatterGatherListSize, null, null, null));
      expect(st).toBe(STATUS.SUCCESS);
      const sg = built as unknown as SCATTER_GATHER_LIST;
      expect(sg.NumberOfElements).toBe(need.ScatterGatherElementCount);
      k.atDispatch(() => a.DmaOperations.PutScatterGatherList?.(a, sg, true));
      // MapTransferEx on MapRegisterCount registers and a buffer of ScatterGatherListSize maps all of it in one call.
      const out: { value: MapRegisterBase } = { value: null };
      const ctx = context(a);
      k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k, device), ctx, need.MapRegisterCount, DMA_SYNCHRONOUS_CALLBACK, null, null, out));
      const len = { value: 3 * 4096 };
      const mapped = list();
      expect(k.atDispatch(() => a.DmaOperations.MapTransferEx?.(a, b.mdl, out.value, 0, 0, len, true, mapped, need.ScatterGatherListSize, null, null))).toBe(STATUS.SUCCESS);
      expect([len.value, mapped.NumberOfElements]).toEqual([3 * 4096, need.ScatterGatherElementCount]);
      expect(deviceReads(k, device, mapped)).toEqual(b.bytes);
      k.atDispatch(() => {
        a.DmaOperations.FlushAdapterBuffersEx?.(a, b.mdl, out.value, 0, 3 * 4096, true);
        a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
      });
      a.DmaOperations.PutDmaAdapter?.(a);
      expect(seen.map((f) => f.code)).toEqual([]);
    });

    it(`${profile}: a request waiting for the channel is cancelled by CancelAdapterChannel (TRUE, its routine never runs); FreeAdapterObject(KeepObject) changes nothing and DeallocateObject lets the next request in`, () => {
      const { k, seen } = machine(profile);
      const a = masterV3(k, {}, device);
      const ran: string[] = [];
      const first = context(a);
      const waiting = context(a);
      const dev = fdo(k, device);
      k.atDispatch(() => {
        expect(a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, first, 1, 0, () => (ran.push("first"), KeepObject), null, null)).toBe(STATUS.SUCCESS);
        expect(a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, waiting, 1, 0, () => (ran.push("waiting"), DeallocateObject), null, null)).toBe(STATUS.SUCCESS);
        expect(a.DmaOperations.CancelAdapterChannel?.(a, dev, waiting)).toBe(true);
        const third = context(a);
        expect(a.DmaOperations.AllocateAdapterChannelEx?.(a, dev, third, 1, 0, () => (ran.push("third"), DeallocateObject), null, null)).toBe(STATUS.SUCCESS);
        a.DmaOperations.FreeAdapterObject?.(a, KeepObject);
        expect(ran).toEqual(["first"]);
        a.DmaOperations.FreeAdapterObject?.(a, DeallocateObject);
      });
      expect(ran).toEqual(["first", "third"]);
      a.DmaOperations.PutDmaAdapter?.(a);
      expect(seen.map((f) => f.code)).toEqual([]);
    });
  }
});
