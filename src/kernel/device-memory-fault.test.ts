import { describe, expect, it } from "vitest";
import { STATUS_DATATYPE_MISALIGNMENT } from "./va-space.ts";
import { bootMachine } from "./kernel.ts";

describe("ARM64 Device memory: the processor refuses misaligned access (seed 001), verifier or not", () => {
  function deviceMapping() {
    const k = bootMachine("arm64-soc");
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" });
    if (pfns === null) throw new Error("no page");
    return { k, va: k.va.map(pfns, "noncached", "uncached common buffer", { deviceMemory: true }).startVa };
  }

  it("a misaligned 4-byte load faults with the alignment exception (0x1E, STATUS_DATATYPE_MISALIGNMENT) with no verifier installed", () => {
    const { k, va } = deviceMapping();
    expect(() => k.cpu.readU32(va + 2)).toThrow(expect.objectContaining({ code: 0x1e, params: [STATUS_DATATYPE_MISALIGNMENT, 0, 0, expect.any(BigInt)] }));
  });

  it("a misaligned store faults too, with P3 = 1 (write)", () => {
    const { k, va } = deviceMapping();
    expect(() => k.cpu.writeU16(va + 1, 7)).toThrow(expect.objectContaining({ code: 0x1e, params: [STATUS_DATATYPE_MISALIGNMENT, 0, 1, expect.any(BigInt)] }));
  });

  it("naturally aligned accesses of every width work", () => {
    const { k, va } = deviceMapping();
    k.cpu.writeU32(va + 4, 0x01020304);
    k.cpu.writeU16(va + 8, 0x0506);
    k.cpu.writeU8(va + 11, 7);
    k.cpu.writeU64(va + 16, 9n);
    expect([k.cpu.readU32(va + 4), k.cpu.readU16(va + 8), k.cpu.readU8(va + 11), k.cpu.readU64(va + 16)]).toEqual([0x01020304, 0x0506, 7, 9n]);
  });

  it("the same misaligned access on normal (cached) memory is fine", () => {
    const k = bootMachine("arm64-soc");
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" }) ?? [];
    const va = k.va.map(pfns, "cached", "pool").startVa;
    k.cpu.writeU32(va + 2, 5);
    expect(k.cpu.readU32(va + 2)).toBe(5);
  });
});
