import { describe, expect, it } from "vitest";
import { SmallSet } from "./small-set.ts";

describe("SmallSet", () => {
  it("holds each member once, in insertion order, as a Set does; delete says whether it was there", () => {
    const s = new SmallSet<string>();
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
    s.clear();
    expect([s.size, [...s], s.has("c")]).toEqual([0, [], false]);
  });
});

describe("SmallSet.addNew", () => {
  it("appends a new member as add does, without looking for it first", () => {
    const s = new SmallSet<number>();
    s.addNew(3).addNew(1);
    s.add(3);
    expect([...s]).toEqual([3, 1]);
    expect(s.delete(3)).toBe(true);
    expect([s.size, s.has(1), s.has(3)]).toEqual([1, true, false]);
  });
});
