import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { NO_FINDINGS, paramsOf } from "../core/findings.ts";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import { halState } from "../hal/hal-state.ts";
import type { DMA_ADAPTER } from "../hal/types.ts";
import { DMASIM_VERIFIER_FINDING } from "./codes.ts";
import { allocate, type Buffer, busMasterAdapter, codes, machine, release } from "./test-machine.ts";
import { installVerifier, Verifier } from "./verifier.ts";

const bytes = (n: number, v = 0x5a) => new Uint8Array(n).fill(v);

describe("Verifier modes", () => {
  it("collect records every finding with simulated time and sequence and carries on", () => {
    const { k, v } = machine("x64-desktop");
    k.clock.runUntil(1234);
    k.report({ code: "DMA_ZERO_LENGTH_MAP", message: "one" });
    k.report({ code: "DMA_FLUSH_NOT_MAPPED", message: "two" });
    expect(v.findings.map((f) => [f.code, f.time, f.seq])).toEqual([
      ["DMA_ZERO_LENGTH_MAP", 1234, 0],
      ["DMA_FLUSH_NOT_MAPPED", 1234, 1],
    ]);
  });

  it("bugcheck stops at the first finding with the finding's own bug check tuple", () => {
    const { k } = machine("x64-desktop", { mode: "bugcheck" });
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 100);
    release(a, b);
    try {
      release(a, b);
      expect.unreachable("double free must stop the machine");
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect((e as BugCheckError).code).toBe(0xe6);
      expect((e as BugCheckError).params[0]).toBe(0x03);
    }
  });

  it("bugcheck stops a finding of our own with DMASIM_VERIFIER_FINDING (0xDA5E), P1 = the code's number", () => {
    const { k } = machine("x64-desktop", { mode: "bugcheck" });
    const dev = k.busMasterOf("plx9656");
    let err: unknown;
    try {
      k.bus.write(dev, 0x20_0000, bytes(16));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BugCheckError);
    expect((err as BugCheckError).code).toBe(DMASIM_VERIFIER_FINDING);
    expect((err as BugCheckError).params[0]).toBe(2);
    expect((err as BugCheckError).params[1]).toBe(0x20_0000);
  });

  it("off installs no observer and drops findings", () => {
    const { k, v } = machine("x64-desktop", { mode: "off" });
    k.report({ code: "DMA_ZERO_LENGTH_MAP", message: "dropped" });
    expect(v.findings).toEqual([]);
    expect(k.findings).toBe(NO_FINDINGS);
    expect(k.bus.observers.current).toBeNull();
    expect(k.va.observers.current).toBeNull();
  });

  it("uninstall removes every hook", () => {
    const { k, v } = machine("x64-desktop");
    v.uninstall();
    expect(k.bus.observers.current).toBeNull();
    expect(k.va.observers.current).toBeNull();
    expect(halState(k).observers.current).toBeNull();
    expect(k.board.isaDma?.observers.current).toBeNull();
    expect(k.findings).toBe(NO_FINDINGS);
  });

  it("an unknown mode is a RangeError naming it", () => {
    const { k } = machine("x64-desktop", { mode: "off" });
    expect(() => installVerifier(k, { mode: "loud" as "off" })).toThrow(/loud/);
    expect(() => new Verifier(k, { mode: "loud" as "off" })).toThrow(RangeError);
  });
});

describe("the inaccessible tail of a common buffer's last page", () => {
  it("broken driver: a CPU write past Length into the tail is CB_TAIL_ACCESS with 0xE6 / 0x0F / 5", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 5000);
    k.cpu.RtlZeroMemory(b.va, 5000);
    k.cpu.writeU32(b.va + 5000, 1);
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS"]);
    expect(v.findings[0]?.bugCheck?.slice(0, 3)).toEqual([0xe6, 0x0f, 5]);
    expect(v.findings[0]?.params).toMatchObject({ length: 4, bufferLength: 5000 });
  });

  it("broken driver: a CPU read of the tail is CB_TAIL_ACCESS without a bug check tuple (nothing is corrupted)", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 100);
    k.cpu.readBytes(b.va + 96, 8);
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS"]);
    expect(v.findings[0]?.bugCheck).toBeUndefined();
  });

  it("broken device: a device write past Length into the tail is CB_TAIL_ACCESS naming the device", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 1000);
    k.bus.write(k.busMasterOf("plx9656"), b.la + 992, bytes(16));
    expect(codes(v)).toEqual(["CB_TAIL_ACCESS"]);
    expect(v.findings[0]?.device).toBe("plx9656");
  });

  it("broken driver: a CPU access past the buffer's last page or before its first hits a guard page: bug check 0x50", () => {
    const { k } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 5000);
    expect(() => k.cpu.writeU32(b.va + 2 * PAGE_SIZE, 1)).toThrow(/0x50/);
    expect(() => k.cpu.readU32(b.va - 4)).toThrow(/0x50/);
  });

  it("correct driver and device: every access inside [0, Length) gives no finding", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 5000);
    k.cpu.RtlZeroMemory(b.va, 5000);
    k.cpu.writeU32(b.va + 4996, 7);
    k.bus.write(k.busMasterOf("plx9656"), b.la, bytes(5000));
    k.bus.read(k.busMasterOf("plx9656"), b.la, new Uint8Array(5000));
    expect(v.findings).toEqual([]);
  });
});

describe("device access before or after a buffer, or outside any", () => {
  it("broken device: a write just before the buffer's first page is DMA_OUTSIDE_BUFFER", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    allocate(a, PAGE_SIZE);
    const b = allocate(a, PAGE_SIZE);
    allocate(a, PAGE_SIZE);
    release(a, allocate(a, 64));
    // The page below b is another live buffer here, so aim at a page no one owns.
    const dev = k.busMasterOf("plx9656");
    const before = b.la - 3 * PAGE_SIZE;
    k.bus.write(dev, before, bytes(8));
    expect(codes(v)).toContain("DMA_OUTSIDE_BUFFER");
  });

  it("broken device: a read that runs off the end of the buffer's pages is reported once", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), PAGE_SIZE);
    k.cpu.RtlZeroMemory(b.va, PAGE_SIZE);
    k.bus.read(k.busMasterOf("plx9656"), b.la + PAGE_SIZE - 8, new Uint8Array(16));
    expect(codes(v)).toEqual(["DMA_OUTSIDE_BUFFER"]);
  });

  it("broken device (PLX-style): a 28-bit descriptor pointer that truncates a logical address above 4 GiB is a device access outside any buffer, named as truncated", () => {
    const { k, v } = machine("x64-desktop", { placement: "highest" });
    const b = allocate(busMasterAdapter(k, "plx9656"), PAGE_SIZE);
    expect(b.la).toBeGreaterThan(2 ** 32);
    k.cpu.RtlZeroMemory(b.va, PAGE_SIZE);
    const truncated = b.la % 2 ** 28;
    k.bus.read(k.busMasterOf("plx9656"), truncated, new Uint8Array(16));
    expect(codes(v)).toEqual(["DMA_OUTSIDE_BUFFER"]);
    expect(v.findings[0]?.message).toMatch(/truncated to 28 bits/);
  });

  it("with outsideBuffers off, accesses to undescribed memory are not reported", () => {
    const { k, v } = machine("x64-desktop", { outsideBuffers: false });
    k.bus.write(k.busMasterOf("plx9656"), 0x20_0000, bytes(8));
    expect(v.findings).toEqual([]);
  });
});

describe("DMA use after free", () => {
  it("broken device (no IOMMU): a write to a freed common buffer is DMA_USE_AFTER_FREE", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 256);
    release(a, b);
    k.bus.write(k.busMasterOf("plx9656"), b.la, bytes(4));
    expect(codes(v)).toEqual(["DMA_USE_AFTER_FREE"]);
    expect(v.findings[0]?.bugCheck).toBeUndefined();
  });

  it("broken device (IOMMU): the access faults and is DMA_USE_AFTER_FREE with 0xE6 / 0x26 and the write dropped", () => {
    const { k, v } = machine("x64-iommu");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 256);
    const pa = Number(MmGetPhysicalAddress(k, b.va).QuadPart);
    release(a, b);
    const before = k.memory.readU32(pa);
    expect(k.bus.write(k.busMasterOf("plx9656"), b.la, bytes(4))).toBe(false);
    expect(k.memory.readU32(pa)).toBe(before);
    expect(codes(v)).toEqual(["DMA_USE_AFTER_FREE"]);
    expect(v.findings[0]?.bugCheck).toEqual([0xe6, 0x26, expect.any(BigInt), BigInt(b.la), 5]);
  });

  it("correct driver: the device is stopped before the free; no finding", () => {
    const { k, v } = machine("x64-iommu");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 256);
    k.bus.write(k.busMasterOf("plx9656"), b.la, bytes(256));
    release(a, b);
    expect(v.findings).toEqual([]);
  });
});

describe("a physical address given where the logical one was required", () => {
  it("broken driver (IOMMU): MmGetPhysicalAddress handed to a remapped device faults: DMA_PHYSICAL_ADDRESS_USED with 0xE6 / 0x26", () => {
    const { k, v } = machine("x64-iommu");
    const b = allocate(busMasterAdapter(k, "plx9656"), PAGE_SIZE);
    const pa = Number(MmGetPhysicalAddress(k, b.va).QuadPart);
    expect(pa).not.toBe(b.la);
    const got = new Uint8Array(4);
    expect(k.bus.read(k.busMasterOf("plx9656"), pa, got)).toBe(false);
    expect([...got]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(codes(v)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    expect(v.findings[0]?.bugCheck?.slice(0, 2)).toEqual([0xe6, 0x26]);
    expect(v.findings[0]?.bugCheck?.[4]).toBe(6);
  });

  it("broken driver (no remapping for the device that uses it): the access reaches memory and is DMA_PHYSICAL_ADDRESS_USED without a bug check", () => {
    const { k, v } = machine("x64-iommu");
    const b = allocate(busMasterAdapter(k, "plx9656"), PAGE_SIZE);
    k.cpu.RtlZeroMemory(b.va, PAGE_SIZE);
    const pa = Number(MmGetPhysicalAddress(k, b.va).QuadPart);
    // A peer that is not behind the IOMMU is given the physical address of plx9656's buffer.
    k.bus.read({ name: "peer", domain: -1, coherent: true }, pa, new Uint8Array(4));
    expect(codes(v)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    expect(v.findings[0]?.bugCheck).toBeUndefined();
  });

  it("correct driver: the device uses the LogicalAddress; no finding", () => {
    const { k, v } = machine("x64-iommu");
    const b = allocate(busMasterAdapter(k, "plx9656"), PAGE_SIZE);
    k.cpu.RtlZeroMemory(b.va, PAGE_SIZE);
    expect(k.bus.read(k.busMasterOf("plx9656"), b.la, new Uint8Array(PAGE_SIZE))).toBe(true);
    expect(v.findings).toEqual([]);
  });
});

describe("IOMMU faults", () => {
  it("a device write to a logical address its domain does not map is DMA_IOMMU_FAULT (0xE6 / 0x26, P4 = 5 write) and is dropped", () => {
    const { k, v } = machine("x64-iommu");
    expect(k.bus.write(k.busMasterOf("plx9656"), 0x7000_0000, bytes(4))).toBe(false);
    expect(codes(v)).toEqual(["DMA_IOMMU_FAULT"]);
    expect(v.findings[0]?.bugCheck).toEqual([0xe6, 0x26, expect.any(BigInt), 0x7000_0000n, 5]);
    expect(k.bus.faults).toHaveLength(1);
  });

  it("a read of an unmapped logical address fails with all-ones and P4 = 6 (read)", () => {
    const { k, v } = machine("x64-iommu");
    const d = new Uint8Array(2);
    expect(k.bus.read(k.busMasterOf("plx9656"), 0x7000_0000, d)).toBe(false);
    expect([...d]).toEqual([0xff, 0xff]);
    expect(v.findings[0]?.bugCheck?.[4]).toBe(6);
  });

  it("a device write against a read-only mapping (a transfer mapped for WriteToDevice) is blocked: DMA_IOMMU_FAULT with P4 = 5", () => {
    const { k, v } = machine("x64-iommu", { outsideBuffers: false });
    const iommu = k.iommu;
    if (iommu === null) throw new Error("no IOMMU");
    const dev = k.busMasterOf("plx9656");
    const iova = iommu.allocateIova(dev.domain, { pages: 1 });
    iommu.map(dev.domain, iova, Int32Array.of(0x2000), { read: true, write: false });
    expect(k.bus.read(dev, iova, new Uint8Array(4))).toBe(true);
    expect(k.bus.write(dev, iova, bytes(4))).toBe(false);
    expect(codes(v)).toEqual(["DMA_IOMMU_FAULT"]);
    expect(paramsOf(v.findings[0] ?? {}).reason).toBe("iommu-no-write");
    expect(v.findings[0]?.bugCheck?.[4]).toBe(5);
  });

  it("the fault names the device's adapter in P2 once the driver has one", () => {
    const { k, v } = machine("x64-iommu");
    busMasterAdapter(k, "plx9656");
    k.bus.write(k.busMasterOf("plx9656"), 0x7000_0000, bytes(4));
    expect(v.findings[0]?.bugCheck?.[2]).not.toBe(0n);
  });
});

describe("device reads of memory nobody initialised", () => {
  it("broken driver: the device reads a fresh common buffer (fill pattern) — DMA_UNINITIALIZED_READ", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 256);
    const d = new Uint8Array(16);
    k.bus.read(k.busMasterOf("plx9656"), b.la, d);
    expect([...d.subarray(0, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(codes(v)).toEqual(["DMA_UNINITIALIZED_READ"]);
  });

  it("broken driver: initialising only the first line leaves the second one uninitialised", () => {
    const { k, v } = machine("x64-desktop");
    const b = allocate(busMasterAdapter(k, "plx9656"), 256);
    k.cpu.RtlZeroMemory(b.va, 64);
    k.bus.read(k.busMasterOf("plx9656"), b.la, new Uint8Array(128));
    expect(codes(v)).toEqual(["DMA_UNINITIALIZED_READ"]);
    expect(paramsOf(v.findings[0] ?? {}).offset).toBe(64);
  });

  it("correct driver: RtlZeroMemory first (as the PLX sample does), or bytes the device wrote itself — no finding", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 8192);
    k.cpu.RtlZeroMemory(b.va, 4096);
    const dev = k.busMasterOf("plx9656");
    k.bus.write(dev, b.la + 4096, bytes(4096));
    k.bus.read(dev, b.la, new Uint8Array(8192));
    expect(v.findings).toEqual([]);
  });

  it("with uninitialized off, the read is not reported", () => {
    const { k, v } = machine("x64-desktop", { uninitialized: false });
    const b = allocate(busMasterAdapter(k, "plx9656"), 256);
    k.bus.read(k.busMasterOf("plx9656"), b.la, new Uint8Array(16));
    expect(v.findings).toEqual([]);
  });

  it("a freed and reallocated buffer starts uninitialised again", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 256);
    k.cpu.RtlZeroMemory(b.va, 256);
    release(a, b);
    const c = allocate(a, 256);
    k.bus.read(k.busMasterOf("plx9656"), c.la, new Uint8Array(16));
    expect(codes(v)).toEqual(["DMA_UNINITIALIZED_READ"]);
  });

  it("a buffer the device read while fully initialised, then freed and reallocated at the same pages, starts uninitialised again (the device fast path forgets it)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const dev = k.busMasterOf("plx9656");
    const b = allocate(a, 256);
    k.cpu.RtlZeroMemory(b.va, 256);
    // Twice: the second read takes the fast path, which has seen the buffer fully initialised.
    k.bus.read(dev, b.la, new Uint8Array(16));
    k.bus.read(dev, b.la + 16, new Uint8Array(16));
    expect(v.findings).toEqual([]);
    release(a, b);
    k.bus.read(dev, b.la, new Uint8Array(16));
    const c = allocate(a, 256);
    expect(c.la).toBe(b.la);
    k.bus.read(dev, c.la + 32, new Uint8Array(16));
    expect(codes(v)).toEqual(["DMA_USE_AFTER_FREE", "DMA_UNINITIALIZED_READ"]);
  });
});

describe("wrong IRQL", () => {
  it("broken driver: AllocateCommonBuffer at DISPATCH_LEVEL is DMA_WRONG_IRQL (0xE6 / 0x13 / 1, PASSIVE expected)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    k.atIrql(DISPATCH_LEVEL, () => allocate(a, 100));
    expect(codes(v)).toEqual(["DMA_WRONG_IRQL"]);
    expect(v.findings[0]?.bugCheck).toEqual([0xe6, 0x13, 1, 0, DISPATCH_LEVEL]);
  });

  it("correct driver: at PASSIVE_LEVEL there is no finding", () => {
    const { k, v } = machine("x64-desktop");
    allocate(busMasterAdapter(k, "plx9656"), 100);
    expect(v.findings).toEqual([]);
  });
});

// Named so that the free site the verifier captures (the frame that called FreeCommonBuffer) tells the two apart.
function freeFromA(a: DMA_ADAPTER, b: Buffer): void {
  a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, true);
}
function freeFromB(a: DMA_ADAPTER, b: Buffer): void {
  a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, true);
}

describe("allocation and free sites", () => {
  it("alike buffers freed in turn through two adapters each name their own first free (a site is per adapter, routine and length)", () => {
    const { k, v } = machine("x64-desktop");
    const a = busMasterAdapter(k, "plx9656");
    const b = busMasterAdapter(k, "plx9656");
    const bufs = [allocate(a, 512), allocate(b, 512), allocate(a, 512), allocate(b, 512)];
    bufs.forEach((buf, i) => (i % 2 === 0 ? freeFromA(a, buf) : freeFromB(b, buf)));
    bufs.forEach((buf, i) => release(i % 2 === 0 ? a : b, buf));
    const sites = v.findings.map((f) => [f.code, paramsOf(f).firstFreeSite]);
    expect(sites).toEqual([
      ["DMA_COMMON_BUFFER_DOUBLE_FREE", expect.stringMatching(/\(freeFromA\)$/)],
      ["DMA_COMMON_BUFFER_DOUBLE_FREE", expect.stringMatching(/\(freeFromB\)$/)],
      ["DMA_COMMON_BUFFER_DOUBLE_FREE", expect.stringMatching(/\(freeFromA\)$/)],
      ["DMA_COMMON_BUFFER_DOUBLE_FREE", expect.stringMatching(/\(freeFromB\)$/)],
    ]);
  });
});

