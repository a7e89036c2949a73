import { describe, expect, it } from "vitest";
import { liveCommonBuffers } from "../../src/hal/hal-state.ts";
import { IoGetDmaAdapter } from "../../src/hal/io-get-dma-adapter.ts";
import { deviceDescription, InterfaceType } from "../../src/hal/types.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import { checkInvariants, FUZZ_PROFILES, minimalSteps, runSequence } from "./api-fuzzer.ts";

describe("the public-API fuzzer", () => {
  it("short run: 60 seeded sequences of 60 steps over every profile and verifier mode break no invariant", () => {
    const bad: string[] = [];
    const profiles = new Set<string>();
    for (let n = 0; n < 60; n++) {
      const profile = FUZZ_PROFILES[n % FUZZ_PROFILES.length];
      if (profile === undefined) throw new Error("no profile");
      const r = runSequence(`t${n}`, 60, { profile, mode: (["off", "collect", "bugcheck"] as const)[Math.floor(n / FUZZ_PROFILES.length) % 3] ?? "collect" });
      profiles.add(r.profile);
      if (r.violation !== null) bad.push(`${r.seed} ${r.profile} ${r.mode}: step ${r.violation.step} ${r.violation.op}: ${r.violation.message}`);
    }
    expect(bad).toEqual([]);
    expect(profiles.size).toBe(FUZZ_PROFILES.length);
  });

  it("is deterministic: the same seed gives the same sequence and ending", () => {
    expect(runSequence("det", 80)).toEqual(runSequence("det", 80));
  });

  it("the invariant check catches a live buffer whose frames were freed behind the HAL's back", () => {
    const k = bootMachine("x64-desktop");
    const a = IoGetDmaAdapter(k, k.pdo("plx9656"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
    if (a === null) throw new Error("no adapter");
    a.DmaOperations.AllocateCommonBuffer?.(a, 8192, { QuadPart: 0n }, true);
    const m = { k, adapters: [], buffers: [], mdls: [], wdf: null, results: [] };
    expect(checkInvariants(m)).toBeNull();
    const cb = liveCommonBuffers(k)[0];
    if (cb === undefined) throw new Error("no buffer");
    k.pfm.freeContiguous(cb.pfns[0] ?? 0, cb.pages);
    expect(checkInvariants(m)).toMatch(/is free in the page-frame database/);
  });

  it("shrinking finds the fewest steps that still fail (a sequence that never fails shrinks to its length)", () => {
    expect(minimalSteps("t1", 10)).toBe(10);
  });
});
