import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import type { FindingInput } from "../core/findings.ts";
import { APC_LEVEL, DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { bootMachine } from "./kernel.ts";

describe("Kernel", () => {
  it("boots a built-in profile with a PDO per profile device", () => {
    const k = bootMachine("x64-desktop");
    expect(k.pdo("sb16").config.bus).toBe("isa");
    expect(() => k.pdo("nope")).toThrow(/no device "nope" on profile x64-desktop/);
    expect(k.pdo("plx9656").AlignmentRequirement).toBe(63);
  });

  it("KeRaiseIrql returns the old IRQL; raising to a lower IRQL bug checks 0x9", () => {
    const k = bootMachine("x64-desktop");
    expect(k.KeRaiseIrql(DISPATCH_LEVEL)).toBe(PASSIVE_LEVEL);
    expect(() => k.KeRaiseIrql(APC_LEVEL)).toThrow(BugCheckError);
    k.KeLowerIrql(PASSIVE_LEVEL);
    expect(k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
  });

  it("KeLowerIrql to a higher IRQL bug checks IRQL_NOT_LESS_OR_EQUAL (0xA)", () => {
    const k = bootMachine("x64-desktop");
    try {
      k.KeLowerIrql(DISPATCH_LEVEL);
      expect.unreachable();
    } catch (e) {
      expect((e as BugCheckError).code).toBe(0xa);
    }
  });

  it("checkIrql reports a DMA routine at the wrong IRQL as 0xE6 / 0x13 (P2 = 1 not expected, 2 above maximum)", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    k.KeRaiseIrql(DISPATCH_LEVEL);
    expect(k.checkIrql("AllocateCommonBuffer", { exact: PASSIVE_LEVEL })).toBe(false);
    expect(k.checkIrql("PutDmaAdapter", { max: DISPATCH_LEVEL })).toBe(true);
    k.KeRaiseIrql(5);
    expect(k.checkIrql("PutDmaAdapter", { max: DISPATCH_LEVEL })).toBe(false);
    expect(seen.map((f) => f.bugCheck)).toEqual([
      [0xe6, 0x13, 1, PASSIVE_LEVEL, DISPATCH_LEVEL],
      [0xe6, 0x13, 2, DISPATCH_LEVEL, 5],
    ]);
  });

  it("atIrql restores the old IRQL even when the callee throws", () => {
    const k = bootMachine("x64-desktop");
    expect(() => k.atDispatch(() => { throw new Error("boom"); })).toThrow("boom");
    expect(k.KeGetCurrentIrql()).toBe(PASSIVE_LEVEL);
  });
});
