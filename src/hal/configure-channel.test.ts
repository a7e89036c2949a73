import { describe, expect, it } from "vitest";
import { STATUS } from "../core/ntstatus.ts";
import { setSystemDmaExtension } from "./configure-channel.ts";
import { machine, masterV3, systemV3 } from "./v3-test-support.ts";

/** The WDK sample HAL extension's one custom function (HalExtSampleDma.c). */
const CONFIGURE_ADD_REQ_CONFIG = 0x80000000;

describe("ConfigureAdapterChannel", () => {
  it("the PC's 8237 pair has no DMA extension: every function number is STATUS_NOT_IMPLEMENTED", () => {
    const { k, seen } = machine();
    const a = systemV3(k, 1);
    expect(a.DmaOperations.ConfigureAdapterChannel?.(a, 0, null)).toBe(STATUS.NOT_IMPLEMENTED);
    expect(a.DmaOperations.ConfigureAdapterChannel?.(a, CONFIGURE_ADD_REQ_CONFIG, {})).toBe(STATUS.NOT_IMPLEMENTED);
    expect(seen).toEqual([]);
  });

  it("with a controller's HAL extension registered the call reaches its ConfigureChannel with the adapter's channel, the function number and the driver's context", () => {
    const { k } = machine();
    const calls: unknown[] = [];
    setSystemDmaExtension(k, { ConfigureChannel: (ch, fn, ctx) => (calls.push([ch, fn, ctx]), fn === CONFIGURE_ADD_REQ_CONFIG ? STATUS.SUCCESS : STATUS.NOT_IMPLEMENTED) });
    const a = systemV3(k, 5);
    const cfg = { RequestLine: 0x15 };
    expect(k.atDispatch(() => a.DmaOperations.ConfigureAdapterChannel?.(a, CONFIGURE_ADD_REQ_CONFIG, cfg))).toBe(STATUS.SUCCESS);
    expect(a.DmaOperations.ConfigureAdapterChannel?.(a, 7, null)).toBe(STATUS.NOT_IMPLEMENTED);
    expect(calls).toEqual([[5, CONFIGURE_ADD_REQ_CONFIG, cfg], [5, 7, null]]);
    setSystemDmaExtension(k, null);
    expect(a.DmaOperations.ConfigureAdapterChannel?.(a, CONFIGURE_ADD_REQ_CONFIG, cfg)).toBe(STATUS.NOT_IMPLEMENTED);
  });

  it("is for system DMA adapters only: a bus master is DMA_WRONG_ADAPTER_KIND and STATUS_NOT_IMPLEMENTED; above DISPATCH_LEVEL is 0xE6 / 0x13", () => {
    const { k, seen } = machine();
    const m = masterV3(k);
    expect(m.DmaOperations.ConfigureAdapterChannel?.(m, 1, null)).toBe(STATUS.NOT_IMPLEMENTED);
    const a = systemV3(k, 1);
    k.atIrql(5, () => a.DmaOperations.ConfigureAdapterChannel?.(a, 1, null));
    expect(seen.map((f) => [f.code, f.bugCheck?.[1]])).toEqual([["DMA_WRONG_ADAPTER_KIND", undefined], ["DMA_WRONG_IRQL", 0x13]]);
  });

  it("an extension without ConfigureChannel, or a FunctionNumber that is no ULONG, is the emulator's TypeError / RangeError", () => {
    const { k } = machine();
    expect(() => setSystemDmaExtension(k, {} as never)).toThrow(TypeError);
    const a = systemV3(k, 1);
    expect(() => a.DmaOperations.ConfigureAdapterChannel?.(a, -1, null)).toThrow(/FunctionNumber/);
  });
});
