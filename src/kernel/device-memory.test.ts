import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { bootMachine } from "./kernel.ts";
import { RtlCopyDeviceMemory, RtlFillDeviceMemory } from "./device-memory.ts";

/** The documented split: an unaligned head in 1/2/4-byte steps up to 8-byte alignment, an 8-byte middle as one access of width 8, a 4/2/1 tail. */
function split(va: number, length: number): string[] {
  const out: string[] = [];
  let a = va;
  const end = va + length;
  while (a < end && a % 8 !== 0) {
    const w = a % 2 !== 0 || end - a < 2 ? 1 : a % 4 !== 0 || end - a < 4 ? 2 : 4;
    out.push(`${a - va}+${w}/${w}`);
    a += w;
  }
  const mid = Math.floor((end - a) / 8) * 8;
  if (mid > 0) {
    out.push(`${a - va}+${mid}/8`);
    a += mid;
  }
  while (a < end) {
    const w = end - a >= 4 ? 4 : end - a >= 2 ? 2 : 1;
    out.push(`${a - va}+${w}/${w}`);
    a += w;
  }
  return out;
}

function machine() {
  const k = bootMachine("arm64-soc");
  const dev = k.va.map(k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" }) ?? [], "noncached", "uncached common buffer", { deviceMemory: true }).startVa;
  const ram = k.va.map(k.pfm.allocatePages(1, { effort: "full", kind: "unmovable" }) ?? [], "cached", "pool").startVa;
  const seen: string[] = [];
  k.va.observers.add({ onCpuAccess: (m, va, len, _write, width) => void (m.deviceMemory && seen.push(`${va - dev}+${len}/${width}`)) });
  return { k, dev, ram, seen };
}

describe("RtlCopyDeviceMemory and RtlFillDeviceMemory: naturally aligned accesses on the Device-memory side", () => {
  it("every start offset 0..15 and length 0..40 splits into the documented head, 8-byte middle and tail, and copies the bytes", () => {
    const { k, dev, ram, seen } = machine();
    for (let off = 0; off < 16; off++) {
      for (let len = 0; len <= 40; len++) {
        const data = Uint8Array.from({ length: len }, (_, i) => (off * 41 + len * 7 + i) & 0xff);
        k.cpu.writeBytes(ram, data);
        seen.length = 0;
        RtlCopyDeviceMemory(k, dev + off, ram, len);
        expect(seen).toEqual(split(off, len).map((p) => p.replace(/^(\d+)/, (x) => String(Number(x) + off))));
        expect(k.cpu.readBytes(dev + off, len)).toEqual(data);
        // Back out of Device memory: the source side (Device memory) is read with the same aligned widths.
        seen.length = 0;
        RtlCopyDeviceMemory(k, ram + 100, dev + off, len);
        expect(seen).toEqual(split(off, len).map((p) => p.replace(/^(\d+)/, (x) => String(Number(x) + off))));
        expect(k.cpu.readBytes(ram + 100, len)).toEqual(data);
      }
    }
  });

  it("a fill makes the same accesses and writes the byte everywhere", () => {
    const { k, dev, seen } = machine();
    seen.length = 0;
    RtlFillDeviceMemory(k, dev + 3, 29, 0x5a);
    expect(seen).toEqual(split(3, 29).map((p) => p.replace(/^(\d+)/, (x) => String(Number(x) + 3))));
    expect(k.cpu.readBytes(dev + 3, 29)).toEqual(new Uint8Array(29).fill(0x5a));
    expect(dev % PAGE_SIZE).toBe(0);
  });
});
