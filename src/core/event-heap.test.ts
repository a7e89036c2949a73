import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventHeap } from "./event-heap.ts";

/** The order a heap must give: by time, ties by insertion. */
function sorted(entries: readonly (readonly [number, number])[]): number[] {
  return [...entries].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[1]);
}

describe("EventHeap", () => {
  it("pops by time, same-time events in insertion order (pop and popItem alike, interleaved with pushes)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (ops) => {
        const h = new EventHeap<number>();
        const live: [number, number][] = [];
        let id = 0;
        for (const [time, popNow] of ops) {
          if (popNow && live.length > 0) {
            const want = sorted(live)[0] as number;
            const t = h.peekTime();
            const got = id % 2 === 0 ? h.popItem() : h.pop()?.item;
            expect(got).toBe(want);
            expect(t).toBe((live.find((e) => e[1] === want) as [number, number])[0]);
            live.splice(live.findIndex((e) => e[1] === want), 1);
          } else {
            h.push(time, id);
            live.push([time, id]);
          }
          id++;
          expect(h.size).toBe(live.length);
        }
        const rest: number[] = [];
        for (let x = h.popItem(); x !== undefined; x = h.popItem()) rest.push(x);
        expect(rest).toEqual(sorted(live));
        expect([h.peekTime(), h.pop(), h.popItem()]).toEqual([Infinity, undefined, undefined]);
      }),
      { seed: 7 },
    );
  });

  it("removeWhere drops the matching items and keeps the others' order", () => {
    const h = new EventHeap<string>();
    for (const [t, x] of [[5, "a"], [1, "b"], [5, "c"], [3, "d"], [1, "e"]] as const) h.push(t, x);
    expect(h.removeWhere((x) => x === "d" || x === "a")).toBe(2);
    const out: string[] = [];
    for (let x = h.popItem(); x !== undefined; x = h.popItem()) out.push(x);
    expect(out).toEqual(["b", "e", "c"]);
  });
});
