import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import type { FindingInput } from "../core/findings.ts";
import { FindingGroups } from "./finding-groups.ts";
import { allocate, busMasterAdapter, machine } from "./test-machine.ts";

const wrongIrql = (routine: string, device = "plx9656"): FindingInput => ({ code: "DMA_WRONG_IRQL", routine, device, message: `${routine} at DISPATCH_LEVEL`, params: { maximum: 0, current: 2 } });

describe("grouping findings by code, site and buffer", () => {
  it("a driver that hands its device a buffer's physical address 62 times gets one finding with count 62 and the first and last time", () => {
    const { k, v } = machine("x64-iommu");
    const a = busMasterAdapter(k, "plx9656");
    const b = allocate(a, 4096);
    const pa = k.va.physicalAddressOf(b.va);
    const dev = k.busMasterOf("plx9656");
    k.clock.runUntil(1000);
    for (let i = 0; i < 62; i++) {
      k.bus.writeU32(dev, pa + 4 * i, i);
      k.clock.advanceBy(10);
    }
    expect(v.findings).toHaveLength(1);
    const f = v.findings[0];
    expect(f?.code).toBe("DMA_PHYSICAL_ADDRESS_USED");
    expect([f?.count, f?.time, f?.lastTime]).toEqual([62, 1000, 1000 + 61 * 10]);
    expect(v.occurrences).toBe(62);
    // The first occurrences stay available, each with its own address.
    expect(f?.occurrences.slice(0, 2).map((o) => o.params?.["address"])).toEqual([pa, pa + 4]);
  });

  it("the same misuse on two buffers is two findings", () => {
    const { k, v } = machine("x64-iommu");
    const a = busMasterAdapter(k, "plx9656");
    const dev = k.busMasterOf("plx9656");
    for (const b of [allocate(a, 4096), allocate(a, 4096)]) for (let i = 0; i < 3; i++) k.bus.writeU32(dev, k.va.physicalAddressOf(b.va) + 4 * i, i);
    expect(v.findings.map((f) => [f.code, f.count])).toEqual([
      ["DMA_PHYSICAL_ADDRESS_USED", 3],
      ["DMA_PHYSICAL_ADDRESS_USED", 3],
    ]);
  });

  it("the same code from two routines (sites) or two devices is two findings; repeats of one are counted", () => {
    const g = new FindingGroups();
    for (const f of [wrongIrql("MapTransfer"), wrongIrql("MapTransfer"), wrongIrql("FreeCommonBuffer"), wrongIrql("MapTransfer", "nic")]) g.add(f, "", 5);
    expect(g.list.map((f) => [f.routine, f.device, f.count])).toEqual([
      ["MapTransfer", "plx9656", 2],
      ["FreeCommonBuffer", "plx9656", 1],
      ["MapTransfer", "nic", 1],
    ]);
    expect(g.list.map((f) => f.seq)).toEqual([0, 2, 3]);
  });

  it("memory stays bounded: 200 000 occurrences keep the occurrence limit's worth of detail and count them all", () => {
    const g = new FindingGroups(8);
    const f = wrongIrql("MapTransfer");
    for (let i = 0; i < 200_000; i++) g.add(f, "", i);
    expect(g.list).toHaveLength(1);
    expect(g.list[0]?.count).toBe(200_000);
    expect(g.list[0]?.occurrences).toHaveLength(8);
    expect([g.list[0]?.time, g.list[0]?.lastTime]).toEqual([0, 199_999]);
  });

  it("beyond the group limit, new distinct findings are counted in one finding per code that says so", () => {
    const g = new FindingGroups(4, 3);
    for (let i = 0; i < 10; i++) g.add(wrongIrql("MapTransfer"), `b${i}`, i);
    expect(g.list.map((f) => f.count)).toEqual([1, 1, 1, 7]);
    expect(g.list[3]?.message).toMatch(/^\(over 3 distinct findings: every further DMA_WRONG_IRQL/);
  });

  it("limits must be whole numbers of at least 1", () => {
    expect(() => new FindingGroups(0)).toThrow(/occurrenceLimit/);
    expect(() => new FindingGroups(4, 1.5)).toThrow(/groupLimit/);
  });

  it("installVerifier takes the occurrence limit", () => {
    const { k, v } = machine("x64-iommu", { occurrenceLimit: 2 });
    const b = allocate(busMasterAdapter(k, "plx9656"), 4096);
    for (let i = 0; i < 5; i++) k.bus.writeU32(k.busMasterOf("plx9656"), k.va.physicalAddressOf(b.va) + 4 * i, i);
    expect([v.findings[0]?.count, v.findings[0]?.occurrences.length]).toEqual([5, 2]);
  });

  it("in bugcheck mode the first occurrence stops the machine, recorded as the verifier's stop", () => {
    const { k, v } = machine("x64-iommu", { mode: "bugcheck" });
    const b = allocate(busMasterAdapter(k, "plx9656"), 4096);
    expect(() => k.bus.writeU32(k.busMasterOf("plx9656"), k.va.physicalAddressOf(b.va), 1)).toThrow(BugCheckError);
    expect(v.findings.map((f) => [f.code, f.count])).toEqual([["DMA_PHYSICAL_ADDRESS_USED", 1]]);
    expect(v.stop?.code).toBe(0xe6);
    expect(v.stop?.params[0]).toBe(0x26);
    expect(v.stop?.finding).toBe(v.findings[0]);
  });
});
