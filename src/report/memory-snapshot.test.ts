import { describe, expect, it } from "vitest";
import { bootMachine } from "../kernel/kernel.ts";
import { parseProfile } from "../machine/profile.ts";
import { MAP_KINDS, snapshotMemory, toBase64 } from "./memory-snapshot.ts";

function decode(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

const small = parseProfile({
  name: "small",
  arch: "x64",
  memory: [
    { base: 0, length: "1MiB", type: "ram" },
    { base: "1MiB", length: "1MiB", type: "reserved" },
    { base: "4MiB", length: "4MiB", type: "ram" },
  ],
});

describe("memory snapshot for the report map", () => {
  it("base64 matches the standard encoding for every tail length", () => {
    for (const s of ["", "f", "fo", "foo", "foob", "fooba", "foobar"]) expect(toBase64(new TextEncoder().encode(s))).toBe(btoa(s));
  });

  it("page totals by kind add up to the node's span: RAM by state, non-RAM by region type, gaps as holes", () => {
    const k = bootMachine(small);
    const snap = snapshotMemory(k, 16);
    expect(snap.nodes).toHaveLength(1);
    const n = snap.nodes[0];
    if (n === undefined) throw new Error("no node");
    expect(n.startPfn).toBe(0);
    expect(n.endPfn).toBe(2048);
    expect(n.totals.free).toBe(256 + 1024);
    expect(n.totals.reserved).toBe(256);
    expect(n.totals.hole).toBe(512);
    expect(Object.values(n.totals).reduce((s, v) => s + v, 0)).toBe(2048);
  });

  it("each cell stores its kinds' shares scaled to 255; a lone pinned page still shows as at least 1", () => {
    const k = bootMachine(small);
    k.pfm.allocatePages(1, { effort: "full", kind: "unmovable", hintPfn: 1500 });
    const n = snapshotMemory(k, 16).nodes[0];
    if (n === undefined) throw new Error("no node");
    expect(n.cellPages).toBe(128);
    const cells = decode(n.cells);
    expect(cells.length).toBe(16 * MAP_KINDS.length);
    const c = Math.floor(1500 / 128);
    expect(cells[c * 8 + MAP_KINDS.indexOf("unmovable")]).toBe(2);
    expect(cells[c * 8 + MAP_KINDS.indexOf("free")]).toBe(253);
    // The first cell is all free RAM; cell 2 (pages 256..383) is reserved; cell 4 (pages 512..639) is hole.
    expect(cells[0]).toBe(255);
    expect(cells[2 * 8 + MAP_KINDS.indexOf("reserved")]).toBe(255);
    expect(cells[4 * 8 + MAP_KINDS.indexOf("hole")]).toBe(255);
  });

  it("one map per NUMA node; a 1 TiB machine aggregates to at most maxCells cells per node", () => {
    const k = bootMachine("x64-1tib");
    const snap = snapshotMemory(k, 4096);
    expect(snap.nodes.map((n) => n.node)).toEqual([0, 1, 2, 3]);
    for (const n of snap.nodes) {
      expect(n.cellCount).toBeLessThanOrEqual(4096);
      expect(decode(n.cells).length).toBe(n.cellCount * 8);
      expect(n.totals.free).toBe(k.pfm.summarize(n.startPfn, n.endPfn).free);
    }
  });

  it("rejects a cell count that is not a whole number >= 1", () => {
    expect(() => snapshotMemory(bootMachine(small), 0)).toThrow(RangeError);
  });
});
