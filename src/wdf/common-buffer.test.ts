import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { STATUS } from "../core/ntstatus.ts";
import { FILE_OCTA_ALIGNMENT } from "../kernel/device-object.ts";
import { adapterObject } from "../hal/adapter.ts";
import { addHalObserver } from "../hal/hal-state.ts";
import type { CommonBufferEvent } from "../hal/observer.ts";
import { wdfRemoveDevice, WdfDeviceSetAlignmentRequirement } from "./device.ts";
import { type HandleOut, WdfObjectDelete } from "./driver.ts";
import {
  WDF_COMMON_BUFFER_CONFIG_INIT,
  WdfCommonBuffer,
  WdfCommonBufferCreate,
  WdfCommonBufferCreateWithConfig,
  WdfCommonBufferGetAlignedLogicalAddress,
  WdfCommonBufferGetAlignedVirtualAddress,
  WdfCommonBufferGetLength,
} from "./common-buffer.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WDF_DMA_ENABLER_CONFIG_V1_9_SIZE, WdfDmaDirectionReadFromDevice, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaEnablerWdmGetDmaAdapter, WdfDmaProfilePacket, WdfDmaProfileScatterGather64Duplex } from "./dma-enabler.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { wdfTestbed, type WdfTestbed } from "./test-support.ts";

function enabler(tb: WdfTestbed, profile = WdfDmaProfileScatterGather64Duplex, v19 = false): WdfDmaEnabler {
  const out: HandleOut<WdfDmaEnabler> = { value: null };
  const cfg = WDF_DMA_ENABLER_CONFIG_INIT(profile, 8192);
  if (v19) cfg.Size = WDF_DMA_ENABLER_CONFIG_V1_9_SIZE;
  expect(WdfDmaEnablerCreate(tb.device, cfg, null, out)).toBe(STATUS.SUCCESS);
  return out.value as WdfDmaEnabler;
}

/** Record the HAL's common-buffer events of a machine. */
function watch(tb: WdfTestbed): { allocated: CommonBufferEvent[]; freed: CommonBufferEvent[] } {
  const log = { allocated: [] as CommonBufferEvent[], freed: [] as CommonBufferEvent[] };
  addHalObserver(tb.k, { onCommonBufferAllocated: (e) => log.allocated.push(e), onCommonBufferFreed: (e) => log.freed.push(e) });
  return log;
}

function mk(en: WdfDmaEnabler, length: number, mask?: number): { status: number; cb: WdfCommonBuffer | null } {
  const out: HandleOut<WdfCommonBuffer> = { value: null };
  const status = mask === undefined ? WdfCommonBufferCreate(en, length, null, out) : WdfCommonBufferCreateWithConfig(en, length, WDF_COMMON_BUFFER_CONFIG_INIT(mask), null, out);
  return { status, cb: out.value };
}

describe("WdfCommonBufferCreate alignment (the documented examples)", () => {
  it("mask 0xF with 96 bytes on KMDF >= 1.11: raw 96 bytes (one page), aligned addresses equal the raw ones", () => {
    const tb = wdfTestbed();
    WdfDeviceSetAlignmentRequirement(tb.device, FILE_OCTA_ALIGNMENT);
    const log = watch(tb);
    const { status, cb } = mk(enabler(tb), 96);
    expect(status).toBe(STATUS.SUCCESS);
    const b = cb as WdfCommonBuffer;
    expect(log.allocated[0]?.length).toBe(96);
    expect(log.allocated[0]?.pages).toBe(1);
    expect(WdfCommonBufferGetAlignedVirtualAddress(b)).toBe(log.allocated[0]?.va);
    expect(WdfCommonBufferGetAlignedLogicalAddress(b).QuadPart).toBe(BigInt(log.allocated[0]?.logical ?? -1));
    expect(WdfCommonBufferGetLength(b)).toBe(96);
  });

  it("mask 0x1FFF with 0x1000 bytes: raw 0x2FFF bytes (3 pages), the LA is 8 KiB aligned and the VA moves by the same offset", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const b = mk(enabler(tb), 0x1000, 0x1fff).cb as WdfCommonBuffer;
    const raw = log.allocated[0] as CommonBufferEvent;
    expect(raw.length).toBe(0x2fff);
    expect(raw.pages).toBe(3);
    const la = Number(WdfCommonBufferGetAlignedLogicalAddress(b).QuadPart);
    expect(la % 0x2000).toBe(0);
    expect(la).toBe(Math.ceil(raw.logical / 0x2000) * 0x2000);
    expect(WdfCommonBufferGetAlignedVirtualAddress(b)).toBe(raw.va + (la - raw.logical));
    expect(WdfCommonBufferGetLength(b)).toBe(0x1000);
    // The aligned VA and LA name the same byte: a CPU store is what the device reads there.
    tb.k.cpu.writeU32(WdfCommonBufferGetAlignedVirtualAddress(b), 0xfeedf00d);
    const got = new Uint8Array(4);
    tb.k.bus.read(adapterObject(WdfDmaEnablerWdmGetDmaAdapter(b.enabler, WdfDmaDirectionReadFromDevice) as NonNullable<ReturnType<typeof WdfDmaEnablerWdmGetDmaAdapter>>).busMaster, la, got);
    expect(new DataView(got.buffer).getUint32(0, true)).toBe(0xfeedf00d);
  });

  it("an old KMDF (1.9) driver with mask 0x3F over-allocates: 64 bytes become 127 raw bytes, still one page, aligned = raw", () => {
    const tb = wdfTestbed("x64-desktop", { kmdfVersion: "1.9" });
    const log = watch(tb);
    const b = mk(enabler(tb, WdfDmaProfileScatterGather64Duplex, true), 64, 0x3f).cb as WdfCommonBuffer;
    expect(log.allocated[0]?.length).toBe(127);
    expect(log.allocated[0]?.pages).toBe(1);
    expect(WdfCommonBufferGetAlignedVirtualAddress(b)).toBe(log.allocated[0]?.va);
    expect(WdfCommonBufferGetLength(b)).toBe(64);
  });

  it("the same mask 0x3F on KMDF 1.33 does not over-allocate (64 raw bytes)", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    mk(enabler(tb), 64, 0x3f);
    expect(log.allocated[0]?.length).toBe(64);
  });

  it("WithConfig's AlignmentRequirement is not validated: a mask that is not 2^n - 1 (0x1001) is applied as given", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const b = mk(enabler(tb), 100, 0x1001).cb as WdfCommonBuffer;
    const raw = log.allocated[0] as CommonBufferEvent;
    expect(raw.length).toBe(100 + 0x1001);
    const expected = Number((BigInt(raw.logical) + 0x1001n) & ~0x1001n);
    expect(Number(WdfCommonBufferGetAlignedLogicalAddress(b).QuadPart)).toBe(expected);
  });

  it("the allocation goes to the enabler's read adapter with CacheEnabled TRUE", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const en = enabler(tb);
    mk(en, 4096);
    expect(log.allocated[0]?.adapter).toBe(WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice));
    expect(log.allocated[0]?.cacheEnabled).toBe(true);
  });

  it("on arm64-soc the non-coherent PLX (_CCA 0) gets an uncached Device-memory buffer although KMDF asks with CacheEnabled TRUE", () => {
    const tb = wdfTestbed("arm64-soc");
    const log = watch(tb);
    mk(enabler(tb), 96);
    expect(log.allocated[0]?.cacheEnabled).toBe(true);
    expect(log.allocated[0]?.cache).toBe("noncached");
    expect(log.allocated[0]?.deviceMemory).toBe(true);
  });

  it("under an IOMMU the aligned logical address is an IOVA of the device's domain, not the physical address", () => {
    const tb = wdfTestbed("x64-iommu");
    const b = mk(enabler(tb), 96).cb as WdfCommonBuffer;
    const la = Number(WdfCommonBufferGetAlignedLogicalAddress(b).QuadPart);
    expect(la).not.toBe(tb.k.va.physicalAddressOf(WdfCommonBufferGetAlignedVirtualAddress(b)));
  });
});

describe("WdfCommonBufferCreate errors", () => {
  it("Length 0 gives STATUS_INVALID_PARAMETER and a NULL handle", () => {
    expect(mk(enabler(wdfTestbed()), 0)).toEqual({ status: STATUS.INVALID_PARAMETER, cb: null });
  });
  it("a ParentObject in the attributes gives STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED", () => {
    const tb = wdfTestbed();
    const out: HandleOut<WdfCommonBuffer> = { value: null };
    expect(WdfCommonBufferCreate(enabler(tb), 64, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), out)).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(out.value).toBeNull();
  });
  it("WithConfig with a wrong Config->Size gives STATUS_INFO_LENGTH_MISMATCH", () => {
    const out: HandleOut<WdfCommonBuffer> = { value: null };
    expect(WdfCommonBufferCreateWithConfig(enabler(wdfTestbed()), 64, { Size: 4, AlignmentRequirement: 0 }, null, out)).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });
  it("when the HAL has no memory it gives STATUS_INSUFFICIENT_RESOURCES, a NULL handle, no child left and no callback run", () => {
    const tb = wdfTestbed();
    const en = enabler(tb);
    const log: string[] = [];
    const out: HandleOut<WdfCommonBuffer> = { value: null };
    // Take every free page frame first, big runs then small ones.
    for (const size of [1 << 18, 1 << 12, 1 << 6, 1]) {
      while (tb.k.pfm.allocateContiguous({ pages: size, lowPfn: 0, highPfn: tb.k.map.pageCount - 1, effort: "full" }) >= 0);
    }
    const st = WdfCommonBufferCreate(en, 96, WDF_OBJECT_ATTRIBUTES_INIT({ EvtCleanupCallback: () => log.push("cleanup") }), out);
    expect(st).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(out.value).toBeNull();
    expect(en.children).toHaveLength(0);
    expect(log).toEqual([]);
  });
  it("a raw length beyond a ULONG (Length + mask) quietly yields no buffer: STATUS_INSUFFICIENT_RESOURCES", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    expect(mk(enabler(tb), 0xffff_f000, 0x1fff).status).toBe(STATUS.INSUFFICIENT_RESOURCES);
    expect(log.allocated).toHaveLength(0);
  });
  it("a packet-profile enabler's buffers are byte aligned (mask 0)", () => {
    const tb = wdfTestbed();
    const en = enabler(tb, WdfDmaProfilePacket);
    expect(mk(en, 10).cb?.alignment).toBe(0);
  });
});

describe("WDFCOMMONBUFFER lifetime", () => {
  it("the parent is always the enabler", () => {
    const tb = wdfTestbed();
    const en = enabler(tb);
    expect(mk(en, 64).cb?.parent).toBe(en);
  });
  it("WdfObjectDelete frees the buffer with exactly the values it was allocated with", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const findings: string[] = [];
    tb.k.findings = { report: (f) => findings.push(f.code) };
    const b = mk(enabler(tb), 0x1000, 0x1fff).cb as WdfCommonBuffer;
    WdfObjectDelete(b);
    expect(log.freed).toHaveLength(1);
    expect(log.freed[0]?.va).toBe(log.allocated[0]?.va);
    expect(log.freed[0]?.length).toBe(0x2fff);
    expect(log.freed[0]?.logical).toBe(log.allocated[0]?.logical);
    expect(findings).toEqual([]);
    expect(b.state).toBe("destroyed");
  });
  it("removing the device frees every common buffer before the enabler releases its adapters", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const order: string[] = [];
    const findings: string[] = [];
    tb.k.findings = { report: (f) => findings.push(f.code) };
    const en = enabler(tb);
    for (let i = 0; i < 5; i++) mk(en, 96 + i * 1000);
    const a = WdfDmaEnablerWdmGetDmaAdapter(en, WdfDmaDirectionReadFromDevice) as NonNullable<ReturnType<typeof WdfDmaEnablerWdmGetDmaAdapter>>;
    addHalObserver(tb.k, { onCommonBufferFreed: () => order.push("free"), onAdapterReleased: () => order.push("put") });
    wdfRemoveDevice(tb.device);
    expect(log.freed).toHaveLength(5);
    expect(adapterObject(a).commonBuffers.size).toBe(0);
    expect(order).toEqual(["free", "free", "free", "free", "free", "put", "put"]);
    expect(findings).toEqual([]);
  });
  it("a buffer with an outstanding reference is freed at delete (dispose) even though the object lives on", () => {
    const tb = wdfTestbed();
    const log = watch(tb);
    const b = mk(enabler(tb), PAGE_SIZE).cb as WdfCommonBuffer;
    b.addRef();
    WdfObjectDelete(b);
    expect(log.freed).toHaveLength(1);
    expect(b.state).toBe("deleted");
  });

  it("with the KMDF verifier on, a call above PASSIVE_LEVEL gives STATUS_INVALID_DEVICE_REQUEST and a NULL handle", () => {
    const tb = wdfTestbed("x64-desktop", { verifier: true });
    const en = enabler(tb);
    const out: HandleOut<WdfCommonBuffer> = { value: null };
    expect(tb.k.atDispatch(() => WdfCommonBufferCreate(en, 64, null, out))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(out.value).toBeNull();
  });
});
