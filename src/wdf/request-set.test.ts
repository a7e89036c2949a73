import { describe, expect, it } from "vitest";
import { RequestSet } from "./request-set.ts";

describe("RequestSet", () => {
  it("holds each member once, in insertion order, as a Set does; delete says whether it was there", () => {
    const s = new RequestSet<string>();
    const ref = new Set<string>();
    const ops: [string, string][] = [["add", "a"], ["add", "b"], ["add", "a"], ["delete", "a"], ["add", "c"], ["delete", "x"], ["add", "a"], ["delete", "b"]];
    for (const [op, v] of ops) {
      if (op === "add") {
        s.add(v);
        ref.add(v);
      } else expect(s.delete(v)).toBe(ref.delete(v));
      expect([...s]).toEqual([...ref]);
      expect(s.size).toBe(ref.size);
      for (const probe of ["a", "b", "c", "x"]) expect(s.has(probe)).toBe(ref.has(probe));
    }
    expect([...s]).toEqual(["c", "a"]);
  });
});
