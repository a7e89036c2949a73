import { describe, expect, it } from "vitest";
import { Hooks, ObserverSlot } from "./hooks.ts";

describe("Hooks (fan-out observers)", () => {
  it("calls every attached observer in attach order", () => {
    const h = new Hooks<(x: number) => void>();
    const seen: string[] = [];
    h.add((x) => seen.push(`a${x}`));
    h.add((x) => seen.push(`b${x}`));
    for (const f of h.list) f(1);
    expect(seen).toEqual(["a1", "b1"]);
  });

  it("detaches in any order, and detaching twice is harmless", () => {
    const h = new Hooks<string>();
    const da = h.add("a");
    const db = h.add("b");
    const dc = h.add("c");
    db();
    expect(h.list).toEqual(["a", "c"]);
    da();
    da();
    expect(h.list).toEqual(["c"]);
    dc();
    expect(h.size).toBe(0);
  });

  it("an observer detaching itself while called does not skip the next one", () => {
    const h = new Hooks<() => void>();
    const seen: string[] = [];
    const d1 = h.add(() => {
      seen.push("1");
      d1();
    });
    h.add(() => seen.push("2"));
    for (const f of h.list) f();
    for (const f of h.list) f();
    expect(seen).toEqual(["1", "2", "2"]);
  });
});

describe("ObserverSlot (one branch on the hot path, fan-out behind it)", () => {
  interface Obs {
    onA?(x: number): void;
    onB?(x: number): void;
  }
  it("is null with no observer and the observer itself with one", () => {
    const s = new ObserverSlot<Obs>(["onA", "onB"]);
    expect(s.current).toBeNull();
    const o: Obs = { onA: () => undefined };
    const d = s.add(o);
    expect(s.current).toBe(o);
    d();
    expect(s.current).toBeNull();
  });

  it("fans out to several observers in attach order, skipping those without the hook", () => {
    const s = new ObserverSlot<Obs>(["onA", "onB"]);
    const seen: string[] = [];
    s.add({ onA: (x) => seen.push(`1a${x}`) });
    const d2 = s.add({ onA: (x) => seen.push(`2a${x}`), onB: (x) => seen.push(`2b${x}`) });
    s.add({ onB: (x) => seen.push(`3b${x}`) });
    s.current?.onA?.(1);
    s.current?.onB?.(2);
    expect(seen).toEqual(["1a1", "2a1", "2b2", "3b2"]);
    d2();
    seen.length = 0;
    s.current?.onA?.(3);
    s.current?.onB?.(4);
    expect(seen).toEqual(["1a3", "3b4"]);
  });

  it("observers attach and detach in any order", () => {
    const s = new ObserverSlot<Obs>(["onA"]);
    const seen: number[] = [];
    const ds = [1, 2, 3].map((n) => s.add({ onA: () => seen.push(n) }));
    ds[0]?.();
    ds[2]?.();
    s.current?.onA?.(0);
    expect(seen).toEqual([2]);
  });
});
