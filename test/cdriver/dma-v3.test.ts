import { beforeAll, describe, expect, it } from "vitest";
import type { CDriver } from "../../src/cdriver/host/c-driver.ts";
import { DMA_OPERATION_SLOTS } from "../../src/cdriver/layout/structs.ts";
import type { PreparedDriver } from "../../src/cdriver/load.ts";
import { STATUS } from "../../src/core/ntstatus.ts";
import type { DMA_OPERATIONS } from "../../src/hal/types.ts";
import type { Kernel } from "../../src/kernel/kernel.ts";
import { pnpAddDevice, removeDevice, startDevice } from "../../src/kernel/pnp.ts";
import { installVerifier } from "../../src/verifier/verifier.ts";
import { callExport, fixture, haveToolchain, instantiate, skipReason } from "./support.ts";

const BUFFER_BYTES = 2 * 4096 + 300;

describe.skipIf(!haveToolchain)(`a C WDM driver calls the version 3 DMA_OPERATIONS through the adapter's table${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("dma-v3");
  }, 120_000);

  function started(profile = "x64-desktop"): { k: Kernel; d: CDriver; findings: () => string[] } {
    const { k, d } = instantiate(p, profile);
    const v = installVerifier(k, { mode: "collect" });
    d.load();
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(0);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(0);
    return { k, d, findings: () => v.findings.map((f) => `${f.code}: ${f.message}`) };
  }
  const u = (v: number | bigint): number => Number(v) >>> 0;
  const tsAdapterOf = (d: CDriver): DMA_OPERATIONS => {
    const a = [...d.objects.adapters.values()][0];
    if (a === undefined) throw new Error("no adapter");
    return a.DmaOperations;
  };

  it("every routine the kernel's table has is a callable pointer in the C table (and every slot dmasim's table lacks is NULL), with Size counting wasm32 slots", () => {
    const { d } = started();
    const ts = tsAdapterOf(d);
    const bits = BigInt(callExport(d, "t_slots"));
    const count = callExport(d, "t_slot_count") as number;
    expect(count).toBe(Math.min(DMA_OPERATION_SLOTS.length, (ts.Size - 8) / 8));
    for (const [i, [slot, fn]] of DMA_OPERATION_SLOTS.entries()) {
      if (i >= count) break;
      const has = ts[slot as Exclude<keyof DMA_OPERATIONS, "Size">] !== null;
      expect({ slot, inC: ((bits >> BigInt(i)) & 1n) === 1n }).toEqual({ slot, inC: has });
      // Every slot has its documented prototype, so a C call through it type-checks and links.
      expect({ slot, typed: fn !== null }).toEqual({ slot, typed: true });
    }
  });

  it("GetDmaTransferInfo sizes the transfer for wasm32: map registers and elements of the buffer's pages, a list of 8 + 16 per element, V2's logical pages", () => {
    const { d } = started();
    const v1 = BigInt(callExport(d, "t_transfer_info", 1));
    const v2 = BigInt(callExport(d, "t_transfer_info", 2));
    // 2 pages + 300 bytes of page-aligned pool: 3 pages, 3 map registers.
    expect(Number(v1 >> 48n)).toBe(3);
    const elements = Number((v1 >> 32n) & 0xffffn);
    expect(elements).toBeGreaterThanOrEqual(1);
    expect(elements).toBeLessThanOrEqual(3);
    expect(Number(v1 & 0xffffn)).toBe(8 + 16 * elements);
    expect(Number((v2 >> 16n) & 0xffffn)).toBe(3);
    expect(Number(v2 & 0xffffn)).toBe(Number(v1 & 0xffffn));
  });

  it("InitializeDmaTransferContext writes the kernel's initial bytes into the driver's context; AllocateAdapterChannelEx (synchronous) + MapTransferEx map the buffer into the driver's list at its pages' physical addresses; FlushAdapterBuffersEx and FreeAdapterObject end it: zero findings", () => {
    const { k, d, findings } = started();
    const mapped = u(callExport(d, "t_map_ex", 0, BUFFER_BYTES));
    expect(mapped).toBe(BUFFER_BYTES);
    const ctx = d.host.mem.readBytes(callExport(d, "t_context") as number, 4);
    expect(String.fromCharCode(...ctx)).toBe("DMAC");
    const va = d.host.mem.kernelVa(callExport(d, "t_buffer") as number, false, "test");
    const n = callExport(d, "t_elements") as number;
    let covered = 0;
    for (let i = 0; i < n; i++) {
      expect(Number(callExport(d, "t_address", i))).toBe(k.va.physicalAddressOf(va + covered));
      covered += u(callExport(d, "t_length", i));
    }
    expect(covered).toBe(BUFFER_BYTES);
    // By offset: the second page on its own.
    expect(u(callExport(d, "t_map_ex", 4096, 4096))).toBe(4096);
    expect(callExport(d, "t_elements")).toBe(1);
    expect(Number(callExport(d, "t_address", 0))).toBe(k.va.physicalAddressOf(va + 4096));
    expect(findings()).toEqual([]);
  });

  it("MapTransferEx with a list buffer too small for one wasm32 element is STATUS_INVALID_PARAMETER", () => {
    const { d } = started();
    expect(u(callExport(d, "t_map_ex_small"))).toBe(STATUS.INVALID_PARAMETER >>> 0);
  });

  it("BuildScatterGatherListEx builds the list in the driver's own buffer and calls its list routine with that buffer; PutScatterGatherList ends it: zero findings", () => {
    const { d, findings } = started();
    expect(u(callExport(d, "t_build_ex"))).toBe(0);
    expect(callExport(d, "t_routine_runs")).toBe(1);
    expect(callExport(d, "t_routine_list")).toBe(callExport(d, "t_list"));
    let covered = 0;
    for (let i = 0; i < (callExport(d, "t_elements") as number); i++) covered += u(callExport(d, "t_length", i));
    expect(covered).toBe(BUFFER_BYTES);
    expect(findings()).toEqual([]);
  });

  it("GetScatterGatherListEx with DMA_SYNCHRONOUS_CALLBACK and no routine returns the list through its out pointer (offset one page); FreeAdapterObject releases the adapter; BuildMdlFromScatterGatherList gives the original MDL (nothing bounced); PutScatterGatherList frees it", () => {
    const { k, d, findings } = started();
    expect(u(callExport(d, "t_get_ex"))).toBe(0);
    const va = d.host.mem.kernelVa(callExport(d, "t_buffer") as number, false, "test");
    expect(Number(callExport(d, "t_address", 0))).toBe(k.va.physicalAddressOf(va + 4096));
    let covered = 0;
    for (let i = 0; i < (callExport(d, "t_elements") as number); i++) covered += u(callExport(d, "t_length", i));
    expect(covered).toBe(4096 + 300);
    expect(findings()).toEqual([]);
  });

  it("AllocateCommonBufferEx honours its highest address (below 16 MiB) and the buffer is memory the driver writes and reads; FreeCommonBuffer frees it", () => {
    const { d, findings } = started();
    const la = Number(callExport(d, "t_common_ex"));
    expect(la).toBeGreaterThan(1);
    expect(la + 2 * 4096 - 1).toBeLessThanOrEqual(0xffffff);
    expect(findings()).toEqual([]);
  });

  it("a common-buffer vector: AllocateCommonBufferVector, GetCommonBufferFromVectorByIndex (each element written and read), FreeCommonBufferFromVector, FreeCommonBufferVector: zero findings", () => {
    const { d, findings } = started();
    const la = Number(callExport(d, "t_vector"));
    expect(la).toBeGreaterThan(1);
    expect(findings()).toEqual([]);
  });

  it("CreateCommonBufferFromMdl over the driver's contiguous page with logical-address limits gives the page's physical address; freed by its VA", () => {
    const { d, findings } = started();
    const la = Number(callExport(d, "t_from_mdl"));
    expect(la).toBeGreaterThan(0x1000);
    expect(la % 4096).toBe(0);
    expect(la).toBeLessThanOrEqual(0xffffffff);
    expect(findings()).toEqual([]);
  });

  it("CancelAdapterChannel, ConfigureAdapterChannel, CancelMappedTransfer and GetDmaDomain answer as the kernel's table does (a bus master without DMA remapping: no domain)", () => {
    const { d } = started();
    callExport(d, "t_cancel_and_domain");
    const ts = tsAdapterOf(d);
    const adapter = [...d.objects.adapters.values()][0];
    // An idle, initialized context: its next request is cancelled before it is made (TRUE).
    expect(callExport(d, "t_cancelled")).toBe(1);
    // No controller-specific functions on a bus master; a mapped system-DMA transfer to cancel needs a system DMA adapter.
    expect(u(callExport(d, "t_configure"))).toBe(STATUS.NOT_IMPLEMENTED);
    expect(u(callExport(d, "t_mapped"))).toBe(STATUS.NOT_SUPPORTED);
    expect(callExport(d, "t_domain_is_null")).toBe(adapter !== undefined && ts.GetDmaDomain?.(adapter) === null ? 1 : 0);
  });

  it("after all of it, removal puts the adapter back with nothing leaked (zero findings)", () => {
    const { k, d, findings } = started();
    callExport(d, "t_map_ex", 0, BUFFER_BYTES);
    callExport(d, "t_build_ex");
    callExport(d, "t_get_ex");
    callExport(d, "t_common_ex");
    callExport(d, "t_vector");
    callExport(d, "t_from_mdl");
    removeDevice(k, k.pdo("plx9656"));
    expect(findings()).toEqual([]);
  });
});
