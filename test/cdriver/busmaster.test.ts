import { beforeAll, describe, expect, it } from "vitest";
import { BugCheckError } from "../../src/core/bugcheck.ts";
import type { CDriver } from "../../src/cdriver/host/c-driver.ts";
import type { PreparedDriver } from "../../src/cdriver/load.ts";
import type { Kernel } from "../../src/kernel/kernel.ts";
import { pnpAddDevice, removeDevice, startDevice } from "../../src/kernel/pnp.ts";
import { installVerifier } from "../../src/verifier/verifier.ts";
import { callExport, fixture, haveToolchain, instantiate, skipReason } from "./support.ts";

describe.skipIf(!haveToolchain)(`a C bus-master driver on the PLX 9656: pool, MDLs, scatter/gather lists, registers, timers${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("busmaster");
  }, 120_000);

  function started(): { k: Kernel; d: CDriver } {
    const { k, d } = instantiate(p);
    d.load();
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(0);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(0);
    return { k, d };
  }

  it("GetScatterGatherList hands the driver's list routine one element per page of its pool buffer, at the pages' physical addresses", () => {
    const { k, d } = started();
    expect(callExport(d, "t_statuses")).toBe(0n);
    const n = callExport(d, "t_get_elements") as number;
    const va = d.host.mem.kernelVa(callExport(d, "t_buffer") as number, false, "test");
    // 3 pages + 100 bytes of pool at a page start: 4 pages, merged where the frames are contiguous.
    let covered = 0;
    for (let i = 0; i < n; i++) {
      const la = Number(callExport(d, "t_get_address", i));
      expect(la).toBe(k.va.physicalAddressOf(va + covered));
      covered += (callExport(d, "t_get_length", i) as number) >>> 0;
    }
    expect(covered).toBe(3 * 4096 + 100);
  });

  it("CalculateScatterGatherList sizes the list for wasm32, and BuildScatterGatherList builds it in the driver's own buffer with the same elements", () => {
    const { d } = started();
    const n = callExport(d, "t_get_elements") as number;
    expect(callExport(d, "t_build_elements")).toBe(n);
    for (let i = 0; i < n; i++) expect(callExport(d, "t_build_address", i)).toBe(callExport(d, "t_get_address", i));
    // header 8 + 16 per element, for each of the 4 pages spanned
    expect(callExport(d, "t_list_size")).toBe(8 + 16 * 4);
  });

  it("a register read at the mapped BAR0 (READ_REGISTER_ULONG, a plain load) reaches the device model as one 4-byte MMIO read", () => {
    const { k, d } = instantiate(p);
    d.load();
    const pdo = k.pdo("plx9656");
    pnpAddDevice(k, d.driver, pdo);
    const reads: { device: string | null; size: number; value: number }[] = [];
    k.board.mmio.observers.add({ onRegisterAccess: (_space, device, _address, size, write, value) => void (write ? 0 : reads.push({ device, size, value })) });
    startDevice(k, pdo);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ device: "plx9656", size: 4 });
    expect((callExport(d, "t_bar0") as number) >>> 0).toBe((reads[0]?.value ?? -1) >>> 0);
  });

  it("a timer set by the driver queues its DPC when it expires, at DISPATCH_LEVEL", () => {
    const { k, d } = started();
    expect(callExport(d, "t_timer_runs")).toBe(0);
    k.clock.runUntil(k.clock.now + 20_000_000);
    expect(callExport(d, "t_timer_runs")).toBe(1);
  });

  it("removal frees the pool, the MDL, the adapter and the mapping: no findings, no live kernel mappings left by the driver", () => {
    const { k, d } = instantiate(p);
    const v = installVerifier(k, { mode: "collect" });
    d.load();
    const pdo = k.pdo("plx9656");
    pnpAddDevice(k, d.driver, pdo);
    const before = k.va.mappingCount;
    startDevice(k, pdo);
    expect(k.va.mappingCount).toBeGreaterThan(before);
    removeDevice(k, pdo);
    expect(k.va.mappingCount).toBe(before);
    expect(v.findings).toEqual([]);
  });

  it("acquiring a spin lock the processor already holds bug checks 0x0F SPIN_LOCK_ALREADY_OWNED (it would spin forever)", () => {
    const { d } = started();
    try {
      callExport(d, "t_double_lock");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect((e as BugCheckError).code).toBe(0x0f);
    }
  });
});
