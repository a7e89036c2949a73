import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, HIGH_LEVEL } from "../core/irql.ts";
import type { DeviceModel } from "../machine/device-model.ts";
import { parseProfile } from "../machine/profile.ts";
import { MmCached, MmNonCached, PAGE_NOCACHE, PAGE_WRITECOMBINE } from "./contiguous-memory.ts";
import { MmMapIoSpace, MmMapIoSpaceEx, MmUnmapIoSpace, PAGE_READONLY, READ_PORT_BUFFER, READ_PORT_UCHAR, READ_PORT_ULONG, READ_REGISTER_BUFFER, READ_REGISTER_UCHAR, READ_REGISTER_ULONG, READ_REGISTER_ULONG64, READ_REGISTER_USHORT, WRITE_PORT_UCHAR, WRITE_REGISTER_BUFFER, WRITE_REGISTER_ULONG, WRITE_REGISTER_ULONG64, WRITE_REGISTER_USHORT } from "./io-space.ts";
import { bootMachine, type Kernel } from "./kernel.ts";

const PAGE_READWRITE = 0x04;

/** A device whose BAR0 logs every access and keeps what was written; BAR1 is 8 ports that do the same. */
function loggingModel(log: string[]): DeviceModel {
  return {
    model: "logger",
    description: "logs register accesses",
    buses: ["pci"],
    bars: [
      { kind: "mmio", size: 0x100 },
      { kind: "port", size: 8 },
    ],
    create: () => {
      const mem = new DataView(new ArrayBuffer(0x100));
      const ports = new Uint8Array(8);
      const h = {
        read: (o: number, s: 1 | 2 | 4) => {
          log.push(`r${s}@${o.toString(16)}`);
          return s === 1 ? mem.getUint8(o) : s === 2 ? mem.getUint16(o, true) : mem.getUint32(o, true);
        },
        write: (o: number, s: 1 | 2 | 4, v: number) => {
          log.push(`w${s}@${o.toString(16)}=${v.toString(16)}`);
          if (s === 1) mem.setUint8(o, v);
          else if (s === 2) mem.setUint16(o, v, true);
          else mem.setUint32(o, v, true);
        },
      };
      return { registers: [h, { read: (o: number) => ports[o] ?? 0, write: (o: number, _s: number, v: number) => (ports[o] = v) }] };
    },
  };
}

function machine(): { k: Kernel; log: string[]; bar: number; port: number } {
  const log: string[] = [];
  const p = parseProfile({ name: "io", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }, { base: "3GiB", length: "1GiB", type: "mmio" }], devices: [{ name: "dev", bus: "pci", model: "logger", irq: 16 }] });
  const k = bootMachine(p, { deviceModels: [loggingModel(log)] });
  const d = k.board.device("dev");
  return { k, log, bar: d.bars[0]?.base ?? -1, port: d.bars[1]?.base ?? -1 };
}

describe("MmMapIoSpace and register access", () => {
  it("maps a BAR into system VA; READ/WRITE_REGISTER_* reach the device's handler with the access width", () => {
    const { k, log, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached);
    if (va === null) throw new Error("not mapped");
    WRITE_REGISTER_ULONG(k, va + 0x10, 0xdeadbeef);
    expect(READ_REGISTER_ULONG(k, va + 0x10)).toBe(0xdeadbeef);
    expect(READ_REGISTER_UCHAR(k, va + 0x13)).toBe(0xde);
    WRITE_REGISTER_USHORT(k, va + 0x20, 0xabcd);
    expect(READ_REGISTER_USHORT(k, va + 0x20)).toBe(0xabcd);
    expect(log).toEqual(["w4@10=deadbeef", "r4@10", "r1@13", "w2@20=abcd", "r2@20"]);
  });

  it("a 64-bit register access reaches the device as two 4-byte accesses, low half first", () => {
    const { k, log, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached) as number;
    WRITE_REGISTER_ULONG64(k, va + 0x40, 0x1122_3344_5566_7788n);
    expect(READ_REGISTER_ULONG64(k, va + 0x40)).toBe(0x1122_3344_5566_7788n);
    expect(log).toEqual(["w4@40=55667788", "w4@44=11223344", "r4@40", "r4@44"]);
  });

  it("a mapping at an offset inside a page returns the VA of that byte", () => {
    const { k, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar + 0x10) }, 4, MmNonCached) as number;
    expect(va % 4096).toBe(0x10);
    WRITE_REGISTER_ULONG(k, va, 7);
    const base = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached) as number;
    expect(READ_REGISTER_ULONG(k, base + 0x10)).toBe(7);
  });

  it("bytes of a mapped page beyond the BAR read all ones (no device decodes them); writes there are dropped", () => {
    const { k, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x1000, MmNonCached) as number;
    WRITE_REGISTER_ULONG(k, va + 0x800, 5);
    expect(READ_REGISTER_ULONG(k, va + 0x800)).toBe(0xffff_ffff);
    expect(k.board.mmio.unclaimed).toBe(2);
  });

  it("READ/WRITE_REGISTER_BUFFER move Count elements between successive registers and a buffer", () => {
    const { k, bar } = machine();
    const regs = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached) as number;
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" });
    if (pfns === null) throw new Error("no page");
    const buf = k.va.map(pfns, "cached", "buffer").startVa;
    for (let i = 0; i < 4; i++) k.cpu.writeU32(buf + 4 * i, 0x100 + i);
    WRITE_REGISTER_BUFFER(k, 4, regs + 0x80, buf, 4);
    expect([0, 1, 2, 3].map((i) => READ_REGISTER_ULONG(k, regs + 0x80 + 4 * i))).toEqual([0x100, 0x101, 0x102, 0x103]);
    READ_REGISTER_BUFFER(k, 4, regs + 0x80, buf + 64, 4);
    expect(k.cpu.readU32(buf + 64 + 12)).toBe(0x103);
  });

  it("MmMapIoSpaceEx honours PAGE_READONLY: a store through the mapping bug checks 0xBE", () => {
    const { k, bar } = machine();
    const va = MmMapIoSpaceEx(k, { QuadPart: BigInt(bar) }, 0x100, PAGE_READONLY | PAGE_NOCACHE) as number;
    expect(READ_REGISTER_ULONG(k, va)).toBe(0);
    expect(() => WRITE_REGISTER_ULONG(k, va, 1)).toThrow(expect.objectContaining({ code: 0xbe }));
  });

  it("MmMapIoSpaceEx gets NULL for no base protection, for both PAGE_NOCACHE and PAGE_WRITECOMBINE, and for zero bytes", () => {
    const { k, bar } = machine();
    const pa = { QuadPart: BigInt(bar) };
    expect(MmMapIoSpaceEx(k, pa, 0x100, PAGE_NOCACHE)).toBeNull();
    expect(MmMapIoSpaceEx(k, pa, 0x100, PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE)).toBeNull();
    expect(MmMapIoSpaceEx(k, pa, 0, PAGE_READWRITE)).toBeNull();
    expect(MmMapIoSpace(k, pa, 0, MmNonCached)).toBeNull();
  });

  it("a physical range that is RAM maps as memory with the cache type asked for", () => {
    const { k } = machine();
    const va = MmMapIoSpace(k, { QuadPart: 0x10_0000n }, 8192, MmCached) as number;
    const m = k.va.find(va);
    expect(m?.io).toBe(false);
    expect(m?.cache).toBe("cached");
    k.cpu.writeU32(va, 0x55aa55aa);
    expect(k.memory.readU32(0x10_0000)).toBe(0x55aa55aa);
  });

  it("a range that is half RAM and half not cannot be mapped (NULL)", () => {
    const { k } = machine();
    expect(MmMapIoSpace(k, { QuadPart: BigInt(64 * 1024 * 1024 - 4096) }, 8192, MmNonCached)).toBeNull();
  });

  it("MmUnmapIoSpace removes the mapping: a later access bug checks 0x50; a VA that is no I/O mapping bug checks too", () => {
    const { k, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached) as number;
    MmUnmapIoSpace(k, va, 0x100);
    expect(() => READ_REGISTER_ULONG(k, va)).toThrow(expect.objectContaining({ code: 0x50 }));
    expect(() => MmUnmapIoSpace(k, va, 0x100)).toThrow(BugCheckError);
  });

  it("MmUnmapIoSpace with a size that does not match the mapping is refused", () => {
    const { k, bar } = machine();
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached) as number;
    expect(() => MmUnmapIoSpace(k, va, 0x2000)).toThrow(/does not match the 1-page mapping/);
  });

  it("MmMapIoSpace above DISPATCH_LEVEL bug checks IRQL_NOT_LESS_OR_EQUAL; at DISPATCH_LEVEL it works", () => {
    const { k, bar } = machine();
    expect(k.atIrql(DISPATCH_LEVEL, () => MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached))).not.toBeNull();
    expect(() => k.atIrql(HIGH_LEVEL, () => MmMapIoSpace(k, { QuadPart: BigInt(bar) }, 0x100, MmNonCached))).toThrow(expect.objectContaining({ code: 0x0a }));
  });

  it("a PhysicalAddress that is not a PHYSICAL_ADDRESS is the emulator's TypeError naming the parameter", () => {
    const { k } = machine();
    expect(() => MmMapIoSpace(k, 0x1000 as unknown as { QuadPart: bigint }, 4, MmNonCached)).toThrow(/PhysicalAddress must be a PHYSICAL_ADDRESS/);
  });
});

describe("port I/O", () => {
  it("READ/WRITE_PORT_* reach the device decoding the port; a port nobody decodes reads all ones and ignores writes", () => {
    const { k, port } = machine();
    WRITE_PORT_UCHAR(k, port + 3, 0x5a);
    expect(READ_PORT_UCHAR(k, port + 3)).toBe(0x5a);
    expect(READ_PORT_UCHAR(k, 0x3f8)).toBe(0xff);
    expect(READ_PORT_ULONG(k, 0x3f8)).toBe(0xffff_ffff);
    WRITE_PORT_UCHAR(k, 0x3f8, 1);
    expect(() => READ_PORT_UCHAR(k, 0x10000)).toThrow(/Port must be 0..0xFFFF/);
  });

  it("READ_PORT_BUFFER reads the SAME port Count times (a string IN)", () => {
    const { k, port } = machine();
    WRITE_PORT_UCHAR(k, port, 9);
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" }) ?? [];
    const buf = k.va.map(pfns, "cached", "buffer").startVa;
    READ_PORT_BUFFER(k, 1, port, buf, 3);
    expect([0, 1, 2].map((i) => k.cpu.readU8(buf + i))).toEqual([9, 9, 9]);
  });
});
