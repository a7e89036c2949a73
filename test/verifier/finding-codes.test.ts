import { describe, expect, it } from "vitest";
import { FINDING_CODES, isFindingCode } from "../../src/core/finding-codes.ts";
import type { FindingInput } from "../../src/core/findings.ts";
import { ownCodeNumber } from "../../src/verifier/codes.ts";

// The @ts-expect-error lines are checked by `npm run typecheck`: each must be an error, or the typecheck fails.
describe("finding codes are typed from the catalogue's list (core/finding-codes.ts)", () => {
  it("a misspelled code, a parameter the code does not have or a parameter of the wrong type is a compile error", () => {
    // @ts-expect-error -- no such code
    const misspelled: FindingInput = { code: "DMA_COMMON_BUFFER_DUBLE_FREE", message: "x" };
    // @ts-expect-error -- DMA_ZERO_LENGTH_MAP has no parameters
    const extra: FindingInput = { code: "DMA_ZERO_LENGTH_MAP", message: "x", params: { length: 1 } };
    // @ts-expect-error -- DMA_IOMMU_FAULT's reason is text
    const wrongType: FindingInput = { code: "DMA_IOMMU_FAULT", message: "x", params: { address: 0, length: 4, write: false, reason: 6 } };
    const right: FindingInput = { code: "DMA_IOMMU_FAULT", message: "x", params: { address: 0, length: 4, write: false, reason: "iommu-not-mapped" } };
    expect([misspelled, extra, wrongType, right].map((f) => isFindingCode(f.code))).toEqual([false, true, true, true]);
  });

  it("the params type follows the code (a discriminated union)", () => {
    const f = { code: "DMA_COMMON_BUFFER_LEAKED", message: "x", params: { va: 1, length: 2, logical: 3, site: "drv.ts:1:1" } } as FindingInput;
    if (f.code !== "DMA_COMMON_BUFFER_LEAKED") throw new Error("narrowing");
    // Narrowed by code: `site` is a string here without a cast.
    const site: string | undefined = f.params?.site;
    expect(site).toBe("drv.ts:1:1");
    // @ts-expect-error -- a leak has no `reason`
    expect(f.params?.reason).toBeUndefined();
  });

  it("the list has no duplicates and every own (0xDA5E) code is in it", () => {
    expect(new Set(FINDING_CODES).size).toBe(FINDING_CODES.length);
    expect(FINDING_CODES.filter((c) => ownCodeNumber(c) > 0)).toHaveLength(19);
  });
});
