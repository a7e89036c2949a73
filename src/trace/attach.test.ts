import { describe, expect, it } from "vitest";
import { physicalAddress } from "../core/address.ts";
import { addHalObserver, halState } from "../hal/hal-state.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import type { HalObserver } from "../hal/observer.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import type { BusObserver } from "../machine/bus.ts";
import { interruptControllerOf } from "../kernel/interrupt.ts";
import { plxScenario } from "../scenarios/plx.ts";
import { attachTrace } from "./attach.ts";
import { TraceLog } from "./trace-log.ts";

function adapter(k: Kernel): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

describe("attaching a trace to a machine", () => {
  it("an untraced machine has no bus observer (the hot path pays one null check)", () => {
    const k = bootMachine("x64-desktop");
    expect(k.bus.observers.current).toBeNull();
  });

  it("records device writes and reads with logical and physical address, length and simulated time", () => {
    const k = bootMachine("x64-desktop");
    const t = new TraceLog();
    attachTrace(k, t);
    const a = adapter(k);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 8192, la, true) ?? null;
    expect(va).not.toBeNull();
    k.clock.advanceBy(500);
    k.bus.write(k.busMasterOf("plx9656"), Number(la.QuadPart), new Uint8Array(100));
    const dma = [...t.events()].filter((e) => e.kind === "dmaWrite");
    expect(dma).toEqual([{ kind: "dmaWrite", time: 500, device: "plx9656", a: Number(la.QuadPart), b: Number(la.QuadPart), length: 100 }]);
  });

  it("records common-buffer allocations and frees from the HAL observer, with frames and cache attribute", () => {
    const k = bootMachine("x64-iommu");
    const t = new TraceLog();
    attachTrace(k, t);
    const a = adapter(k);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 5000, la, true) ?? null;
    if (va === null) throw new Error("allocation failed");
    expect(t.allocations).toHaveLength(1);
    const rec = t.allocations[0];
    expect(rec).toMatchObject({ device: "plx9656", routine: "AllocateCommonBuffer", va, logical: Number(la.QuadPart), length: 5000, pages: 2, cache: "cached", freedAt: null });
    expect(rec?.runs.reduce((s, r) => s + r[1], 0)).toBe(2);
    a.DmaOperations.FreeCommonBuffer?.(a, 5000, la, va, true);
    expect(t.allocations[0]?.freedAt).not.toBeNull();
  });

  it("an observer attached after the trace (the verifier) sees every event beside it", () => {
    const k = bootMachine("x64-desktop");
    const t = new TraceLog();
    attachTrace(k, t);
    const busSeen: number[] = [];
    const later: BusObserver = { onDeviceAccess: (_d, la) => busSeen.push(la), onFault: () => undefined };
    k.bus.observers.add(later);
    const halSeen: number[] = [];
    const hal: HalObserver = { onCommonBufferAllocated: (e) => halSeen.push(e.va) };
    addHalObserver(k, hal);
    const a = adapter(k);
    const la = physicalAddress();
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 4096, la, true) ?? null;
    k.bus.write(k.busMasterOf("plx9656"), Number(la.QuadPart), new Uint8Array(8));
    expect(halSeen).toEqual([va]);
    expect(busSeen).toEqual([Number(la.QuadPart)]);
    expect(t.allocations).toHaveLength(1);
    expect([...t.events()].filter((e) => e.kind === "dmaWrite")).toHaveLength(1);
  });

  it("an observer attached before the trace keeps seeing events, and detaching the trace leaves it alone", () => {
    const k = bootMachine("x64-desktop");
    const seen: number[] = [];
    const before: BusObserver = { onDeviceAccess: (_d, la) => seen.push(la), onFault: () => undefined };
    k.bus.observers.add(before);
    const t = new TraceLog();
    const detach = attachTrace(k, t);
    k.bus.write(k.busMasterOf("plx9656"), 0x10_0000, new Uint8Array(4));
    expect(seen).toEqual([0x10_0000]);
    expect(t.count).toBe(1);
    detach();
    expect(k.bus.observers.current).toBe(before);
    k.bus.write(k.busMasterOf("plx9656"), 0x10_0000, new Uint8Array(4));
    expect(seen).toEqual([0x10_0000, 0x10_0000]);
    expect(t.count).toBe(1);
  });

  it("bus faults are recorded as dmaFault events", () => {
    const k = bootMachine("x64-desktop");
    const t = new TraceLog();
    attachTrace(k, t);
    expect(k.bus.write(k.busMasterOf("plx9656"), 0xc000_0000, new Uint8Array(4))).toBe(false);
    expect(t.event(0)).toMatchObject({ kind: "dmaFault", device: "plx9656", a: 0xc000_0000, length: 4 });
  });
});

describe("tracing interrupts", () => {
  it("records each low-to-high edge on a line, named after the profile device with that IRQ; detaching stops it", () => {
    const k = bootMachine("x64-desktop");
    const t = new TraceLog();
    const detach = attachTrace(k, t);
    const pic = interruptControllerOf(k);
    k.clock.advanceBy(10);
    pic.setLine(5, true);
    pic.setLine(5, true); // still high: no new edge
    pic.setLine(5, false);
    pic.setLine(99, true);
    expect([...t.events()]).toEqual([
      { kind: "interrupt", time: 10, device: "sb16", a: 5, b: 0, length: 0 },
      { kind: "interrupt", time: 10, device: "irq99", a: 99, b: 0, length: 0 },
    ]);
    expect(pic.edges[5]).toBe(1);
    detach();
    pic.setLine(5, true);
    expect(t.count).toBe(2);
    expect(pic.edges[5]).toBe(2);
  });
});

describe("the trace does not hide HAL hooks it does not record", () => {
  it("optional hooks (transfer mapping) reach an observer attached beside the trace", () => {
    const k = bootMachine("x64-desktop");
    attachTrace(k, new TraceLog());
    const seen: string[] = [];
    addHalObserver(k, { onTransferMapped: (_key, e) => seen.push(`map ${e.device} ${e.length}`), onTransferUnmapped: () => seen.push("unmap") });
    const obs = halState(k).observers.current;
    const key = {};
    obs?.onTransferMapped?.(key, { device: "plx9656", logical: 0x1000, length: 64, pfns: [1] });
    obs?.onTransferUnmapped?.(key);
    expect(seen).toEqual(["map plx9656 64", "unmap"]);
  });

  it("the plx scenario's scatter/gather transfers stay legitimate DMA targets for the verifier when traced", async () => {
    const t = new TraceLog();
    const r = await plxScenario.run({ profile: "x64-desktop", seed: 1, uptimeSeconds: 0, verifier: "collect", onBoot: (kk) => attachTrace(kk, t) });
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([]);
    expect(t.count).toBeGreaterThan(0);
  });
});

describe("tracing register traffic", () => {
  it("records MMIO and port accesses with the decoding device, and ports nobody decodes as unclaimed reads of 0xFF", async () => {
    const { MmMapIoSpace, READ_PORT_UCHAR, READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } = await import("../kernel/io-space.ts");
    const k = bootMachine("x64-desktop");
    const t = new TraceLog();
    attachTrace(k, t);
    const bar0 = k.board.device("plx9656").bars[0];
    if (bar0 === undefined) throw new Error("no BAR0");
    const va = MmMapIoSpace(k, { QuadPart: BigInt(bar0.base) }, bar0.size, 0);
    if (va === null) throw new Error("no mapping");
    WRITE_REGISTER_ULONG(k, va + 0x80, 0x600);
    expect(READ_REGISTER_ULONG(k, va + 0x80)).toBe(0x600);
    expect(READ_PORT_UCHAR(k, 0x3f8)).toBe(0xff);
    const regs = [...t.events()].filter((e) => e.kind === "regRead" || e.kind === "regWrite");
    expect(regs).toEqual([
      { kind: "regWrite", time: 0, device: "plx9656", a: bar0.base + 0x80, b: 0x600, length: 4 },
      { kind: "regRead", time: 0, device: "plx9656", a: bar0.base + 0x80, b: 0x600, length: 4 },
      { kind: "regRead", time: 0, device: "unclaimed", a: 0x3f8, b: 0xff, length: 1 },
    ]);
  });
});
