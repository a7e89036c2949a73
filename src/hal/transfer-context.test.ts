import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import { DMA_TRANSFER_CONTEXT_SIZE_V1, KeepObject } from "./types.ts";
import { context, fdo, machine, masterV3 } from "./v3-test-support.ts";

describe("InitializeDmaTransferContext", () => {
  it("writes its initial values into a caller-allocated DMA_TRANSFER_CONTEXT_SIZE_V1 (128-byte) buffer and returns STATUS_SUCCESS", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    const ctx = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1).fill(0xcc);
    expect(DMA_TRANSFER_CONTEXT_SIZE_V1).toBe(128);
    expect(k.atDispatch(() => a.DmaOperations.InitializeDmaTransferContext?.(a, ctx))).toBe(STATUS.SUCCESS);
    expect(ctx.some((b) => b === 0xcc)).toBe(false);
    expect(seen).toEqual([]);
  });

  it("a buffer smaller than DMA_TRANSFER_CONTEXT_SIZE_V1 is STATUS_INVALID_PARAMETER; a context that is no buffer is the emulator's TypeError", () => {
    const { k } = machine();
    const a = masterV3(k);
    expect(a.DmaOperations.InitializeDmaTransferContext?.(a, new Uint8Array(64))).toBe(STATUS.INVALID_PARAMETER);
    expect(() => a.DmaOperations.InitializeDmaTransferContext?.(a, {} as never)).toThrow(/DmaTransferContext must be a caller-allocated buffer/);
  });

  it("re-initializing a context whose request is still pending (queued for a busy channel) is STATUS_INVALID_PARAMETER and DMA_TRANSFER_CONTEXT_MISUSE", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { ScatterGather: false, DmaAddressWidth: 32 });
    const held = context(a);
    const queued = context(a);
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), held, 1, 0, () => KeepObject, null, null));
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), queued, 1, 0, () => KeepObject, null, null));
    expect(a.DmaOperations.InitializeDmaTransferContext?.(a, queued)).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => [f.code, f.params])).toEqual([["DMA_TRANSFER_CONTEXT_MISUSE", { state: "pending" }]]);
  });

  it("re-initializing a context whose grant is held (KeepObject, as KMDF does before each transfer on a reserved channel) succeeds and keeps the grant: no new request under it until FreeAdapterChannel", () => {
    const { k, seen } = machine();
    const a = masterV3(k, { ScatterGather: false, DmaAddressWidth: 32 });
    const ctx = context(a);
    k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), ctx, 1, 0, () => KeepObject, null, null));
    expect(a.DmaOperations.InitializeDmaTransferContext?.(a, ctx)).toBe(STATUS.SUCCESS);
    expect(seen).toEqual([]);
    // Still the grant's context: a second request under it breaks the uniqueness rule.
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), ctx, 1, 0, () => KeepObject, null, null))).toBe(STATUS.INVALID_PARAMETER);
    expect(seen.map((f) => [f.code, f.params])).toEqual([["DMA_TRANSFER_CONTEXT_MISUSE", { state: "granted" }]]);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
    expect(k.atDispatch(() => a.DmaOperations.AllocateAdapterChannelEx?.(a, fdo(k), ctx, 1, 0, () => KeepObject, null, null))).toBe(STATUS.SUCCESS);
    k.atDispatch(() => a.DmaOperations.FreeAdapterChannel?.(a));
  });

  it("above DISPATCH_LEVEL is reported as 0xE6 / 0x13 (P2 = 2, above the maximum)", () => {
    const { k, seen } = machine();
    const a = masterV3(k);
    k.atIrql(DISPATCH_LEVEL + 1, () => a.DmaOperations.InitializeDmaTransferContext?.(a, new Uint8Array(128)));
    expect(seen.map((f) => f.bugCheck?.slice(0, 3))).toEqual([[0xe6, 0x13, 2]]);
  });
});
