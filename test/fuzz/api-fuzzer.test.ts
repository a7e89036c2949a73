import { describe, expect, it } from "vitest";
import { liveCommonBuffers } from "../../src/hal/hal-state.ts";
import { IoGetDmaAdapter } from "../../src/hal/io-get-dma-adapter.ts";
import { deviceDescription, InterfaceType } from "../../src/hal/types.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool } from "../../src/kernel/mdl.ts";
import type { SCATTER_GATHER_LIST } from "../../src/hal/types.ts";
import { checkInvariants, checkList, FUZZ_PROFILES, minimalSteps, runSequence } from "./api-fuzzer.ts";

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
    const m = { k, adapters: [], deviceOf: new Map(), lists: [], broken: null, buffers: [], mdls: [], wdf: null, results: [] };
    expect(checkInvariants(m)).toBeNull();
    const cb = liveCommonBuffers(k)[0];
    if (cb === undefined) throw new Error("no buffer");
    k.pfm.freeContiguous(cb.pfns[0] ?? 0, cb.pages);
    expect(checkInvariants(m)).toMatch(/is free in the page-frame database/);
  });

  it("the list check holds a scatter/gather list to the MDL's physical runs through the IOMMU, and catches an element that leads elsewhere", () => {
    const k = bootMachine("x64-iommu");
    const a = IoGetDmaAdapter(k, k.pdo("nic0"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
    if (a === null) throw new Error("no adapter");
    expect(k.busMasterOf("nic0").domain).toBeGreaterThanOrEqual(0);
    const va = a.DmaOperations.AllocateCommonBuffer?.(a, 16384, { QuadPart: 0n }, true) ?? null;
    const mdl = va === null ? null : IoAllocateMdl(k, va, 16384);
    if (va === null || mdl === null) throw new Error("no buffer");
    MmBuildMdlForNonPagedPool(k, mdl);
    let got: SCATTER_GATHER_LIST | null = null;
    k.atDispatch(() => a.DmaOperations.GetScatterGatherList?.(a, k.pdo("nic0"), mdl, va + 100, 9000, (_d, _i, sg) => void (got = sg), null, true));
    const sg = got as SCATTER_GATHER_LIST | null;
    if (sg === null) throw new Error("no list");
    expect(checkList({ k }, "nic0", sg, mdl, va + 100, 9000, true)).toBeNull();
    expect(checkList({ k }, "nic0", sg, mdl, va + 100, 8000, true)).toMatch(/of 9000 bytes for a 8000-byte request/);
    const e = sg.Elements[0];
    if (e === undefined) throw new Error("no element");
    e.Address.QuadPart += 0x100000n;
    expect(checkList({ k }, "nic0", sg, mdl, va + 100, 9000, true)).toMatch(/does not translate|leads to physical runs/);
  });

  it("shrinking finds the fewest steps that still fail (a sequence that never fails shrinks to its length)", () => {
    expect(minimalSteps("t1", 10)).toBe(10);
  });
});
