import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { insertAt, removeAt } from "./array-edit.ts";

describe("array edits without garbage", () => {
  it("removeAt removes one element at any index, keeping the others' order, exactly as splice(i, 1) does", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), fc.nat(), (xs, k) => {
        const i = k % xs.length;
        const a = [...xs];
        const ref = [...xs];
        ref.splice(i, 1);
        removeAt(a, i);
        expect(a).toEqual(ref);
      }),
      { seed: 13 },
    );
  });

  it("insertAt puts one element at any index from 0 to the length, exactly as splice(i, 0, x) does", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 40 }), fc.nat(), fc.integer(), (xs, k, x) => {
        const i = k % (xs.length + 1);
        const a = [...xs];
        const ref = [...xs];
        ref.splice(i, 0, x);
        insertAt(a, i, x);
        expect(a).toEqual(ref);
      }),
      { seed: 14 },
    );
  });
});
