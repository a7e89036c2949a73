import { describe, expect, it } from "vitest";
import { bootMachine } from "../../kernel/kernel.ts";
import { WINDOW_BASE } from "../abi/memory-layout.ts";
import { AddressWindow } from "./address-window.ts";

function mapped(pages: number) {
  const k = bootMachine("x64-desktop", { seed: 1 });
  const pfns = k.pfm.allocatePages(pages, { effort: "full", kind: "unmovable" }) ?? [];
  return { k, m: k.va.map(pfns, "cached", "test") };
}

describe("the window: 32-bit C pointers for simulated kernel VAs", () => {
  it("gives a mapping a run of window pages in the upper 2 GiB and translates both ways, byte for byte", () => {
    const { k, m } = mapped(3);
    const w = new AddressWindow(k.va);
    const c = w.toC(m.startVa + 5000);
    expect(c).toBeGreaterThanOrEqual(WINDOW_BASE);
    expect(w.toKernel(c)).toBe(m.startVa + 5000);
    expect(w.toC(m.startVa)).toBe(c - 5000);
    expect(w.toKernel(c - 5000 + 3 * 4096 - 1)).toBe(m.startVa + 3 * 4096 - 1);
  });

  it("maps the kernel's guard page after a mapping (so an overrun faults in the kernel), then leaves one window page unmapped", () => {
    const { k, m } = mapped(2);
    const w = new AddressWindow(k.va);
    const base = w.toC(m.startVa);
    expect(w.toKernel(base + 2 * 4096)).toBe(m.startVa + 2 * 4096);
    expect(k.va.find(m.startVa + 2 * 4096)).toBeUndefined();
    expect(w.toKernel(base + 3 * 4096)).toBe(-1);
    expect(w.pagesUsed).toBe(4);
  });

  it("keeps a window address meaning one VA: a second mapping gets new window pages; an unknown window address is -1", () => {
    const { k, m } = mapped(1);
    const w = new AddressWindow(k.va);
    const a = w.toC(m.startVa);
    const pfns = k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" }) ?? [];
    const m2 = k.va.map(pfns, "cached", "second");
    const b = w.toC(m2.startVa);
    expect(b).not.toBe(a);
    expect(w.toC(m.startVa)).toBe(a);
    expect(w.toKernel(0xf000_0000)).toBe(-1);
    expect(w.toKernel(0x1000)).toBe(-1);
    expect(AddressWindow.contains(0x7fff_ffff)).toBe(false);
  });

  it("refuses to name a VA no mapping holds (a host bug, not a driver's)", () => {
    const { k } = mapped(1);
    expect(() => new AddressWindow(k.va).toC(0x1234)).toThrow(/is not mapped/);
  });
});
