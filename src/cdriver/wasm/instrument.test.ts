import { beforeAll, describe, expect, it } from "vitest";
import { BugCheckError } from "../../core/bugcheck.ts";
import { callExport, fixture, haveToolchain, instantiate, simulatedPages, skipReason } from "../../../test/cdriver/support.ts";
import type { PreparedDriver } from "../load.ts";
import { WINDOW_BASE } from "../abi/memory-layout.ts";

describe.skipIf(!haveToolchain)(`memory instrumentation: the driver's loads and stores reach simulated memory through the CPU path${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("memory");
  }, 120_000);

  it("loads from simulated memory return its bytes with the instruction's own width and sign extension", () => {
    const { k, d } = instantiate(p);
    const s = simulatedPages(k, d, 1);
    k.cpu.writeBytes(s.va, Uint8Array.of(0xfe, 0x80, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12));
    expect(s.c >>> 0).toBeGreaterThanOrEqual(WINDOW_BASE);
    expect(callExport(d, "t_load8s", s.c)).toBe(-2);
    expect(callExport(d, "t_load8u", s.c)).toBe(0xfe);
    expect(callExport(d, "t_load16s", s.c)).toBe(-32514);
    expect((callExport(d, "t_load32", s.c + 4) as number) >>> 0).toBe(0x12345678);
    expect(callExport(d, "t_load64", s.c)).toBe(0x12345678123480fen);
  });

  it("stores to simulated memory write exactly their width there (and nothing lands in the driver's memory)", () => {
    const { k, d } = instantiate(p);
    const s = simulatedPages(k, d, 1);
    k.cpu.writeBytes(s.va, new Uint8Array(16).fill(0xaa));
    callExport(d, "t_store8", s.c, 0x1ff);
    callExport(d, "t_store16", s.c + 2, 0x12345);
    callExport(d, "t_store32", s.c + 4, 0xdeadbeef | 0);
    callExport(d, "t_store64", s.c + 8, 0x0102030405060708n);
    expect([...k.cpu.readBytes(s.va, 16)]).toEqual([0xff, 0xaa, 0x45, 0x23, 0xef, 0xbe, 0xad, 0xde, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("a store whose value expression stores (directly or in a called function) lands both values at their own addresses", () => {
    const { k, d } = instantiate(p);
    const s = simulatedPages(k, d, 1);
    callExport(d, "t_nested", s.c, s.c + 16);
    expect(k.cpu.readU32(s.va)).toBe(6);
    expect(k.cpu.readU32(s.va + 16)).toBe(5);
    callExport(d, "t_nested_call", s.c + 32, s.c + 48);
    expect(k.cpu.readU32(s.va + 32)).toBe(43);
    expect(k.cpu.readU32(s.va + 48)).toBe(21);
    // Mixed: the outer store to simulated memory, the inner to the driver's own global.
    const g = callExport(d, "t_global") as number;
    callExport(d, "t_nested", s.c + 64, g);
    expect(k.cpu.readU32(s.va + 64)).toBe(6);
    expect(d.host.mem.u32At(g)).toBe(5);
  });

  it("a constant offset folded into the instruction is honoured (p[1000] reads 4000 bytes on)", () => {
    const { k, d } = instantiate(p);
    const s = simulatedPages(k, d, 2);
    k.cpu.writeU32(s.va + 4000, 0xcafe);
    expect(callExport(d, "t_offset", s.c)).toBe(0xcafe);
  });

  it("RtlCopyMemory and RtlFillMemory of simulated memory go through the CPU path in one run each", () => {
    const { k, d } = instantiate(p);
    const a = simulatedPages(k, d, 2);
    const b = simulatedPages(k, d, 2);
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff);
    k.cpu.writeBytes(a.va, data);
    let runs = 0;
    const off = k.va.observers.add({ onCpuAccess: () => void runs++ });
    callExport(d, "t_copy", b.c, a.c, 5000);
    off();
    expect(k.cpu.readBytes(b.va, 5000)).toEqual(data);
    expect(runs).toBe(2); // one read run, one write run
    callExport(d, "t_fill", b.c + 100, 3000, 0x5a);
    expect(k.cpu.readBytes(b.va + 100, 3000).every((x) => x === 0x5a)).toBe(true);
    expect(k.cpu.readU8(b.va + 99)).toBe(data[99]);
  });

  it("the driver's own stack and globals stay in its memory: no CPU-path access at all", () => {
    const { k, d } = instantiate(p);
    let seen = 0;
    k.va.observers.add({ onCpuAccess: () => void seen++ });
    const r = callExport(d, "t_local", 1000) as number;
    expect(r >>> 0).toBeGreaterThan(0);
    expect(seen).toBe(0);
  });

  it("a NULL pointer dereference bug checks 0x50 at the address, naming the C function and line", () => {
    const { d } = instantiate(p);
    let err: unknown;
    try {
      callExport(d, "t_load32", 8);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BugCheckError);
    const b = err as BugCheckError;
    expect(b.code).toBe(0x50);
    expect(b.params[0]).toBe(8n);
    expect(b.message).toMatch(/in t_load32 \(.*memory\.c:\d+/);
    expect(b.stack).toMatch(/at t_load32 \(.*memory\.c:\d+:\d+\)/);
  });

  it("a window address mapped to nothing bug checks 0x50; a freed mapping's VA faults in the kernel", () => {
    const { k, d } = instantiate(p);
    expect(() => callExport(d, "t_store32", 0xf000_0000 | 0, 1)).toThrow(/0x50.*PAGE_FAULT_IN_NONPAGED_AREA/);
    const s = simulatedPages(k, d, 1);
    k.va.unmap(s.va);
    expect(() => callExport(d, "t_load32", s.c)).toThrow(BugCheckError);
  });

  it("running past the end of a mapping hits the kernel's guard page (0x50 at the guard VA)", () => {
    const { k, d } = instantiate(p);
    const s = simulatedPages(k, d, 1);
    try {
      callExport(d, "t_load32", s.c + 4096);
      expect.unreachable();
    } catch (e) {
      expect((e as BugCheckError).code).toBe(0x50);
      expect(BigInt.asUintN(48, (e as BugCheckError).params[0] as bigint)).toBe(BigInt(s.va + 4096));
    }
  });

  it("recursing past the 64 KiB kernel stack bug checks 0x7F (double fault)", () => {
    const { d } = instantiate(p);
    try {
      callExport(d, "t_recurse", 200);
      expect.unreachable();
    } catch (e) {
      expect((e as BugCheckError).code).toBe(0x7f);
      expect((e as BugCheckError).params[0]).toBe(8);
    }
  });

  it("a failed ASSERT stops the machine as a checked build does (0x1E, STATUS_BREAKPOINT), naming the expression and line", () => {
    const { d } = instantiate(p);
    expect(() => callExport(d, "t_assert", 41)).toThrow(/0x1E[\s\S]*0x80000003[\s\S]*ASSERT\(v == 42\) failed at memory\.c:\d+/);
    expect(() => callExport(d, "t_assert", 42)).not.toThrow();
  });

  it("the driver's own memory is not kernel memory: MmGetPhysicalAddress gives 0 for it, IoAllocateMdl refuses it saying why; simulated memory has its physical address", () => {
    const { k, d } = instantiate(p);
    expect(callExport(d, "t_pa_of_global")).toBe(0n);
    expect(() => callExport(d, "t_mdl_of_global")).toThrow(/IoAllocateMdl: 0x[0-9a-f]{8} is the driver's own memory .* use pool \(ExAllocatePool2\) or a common buffer/);
    const s = simulatedPages(k, d, 1);
    expect(callExport(d, "t_pa_of", s.c + 12)).toBe(BigInt(k.va.physicalAddressOf(s.va + 12)));
  });

  it("after a bug check the next call starts clean (no pending store left from the interrupted one)", () => {
    const { k, d } = instantiate(p);
    expect(() => callExport(d, "t_nested", 0xf000_0000 | 0, 0xf000_0000 | 0)).toThrow(BugCheckError);
    const s = simulatedPages(k, d, 1);
    callExport(d, "t_nested", s.c, s.c + 4);
    expect([k.cpu.readU32(s.va), k.cpu.readU32(s.va + 4)]).toEqual([6, 5]);
  });
});
