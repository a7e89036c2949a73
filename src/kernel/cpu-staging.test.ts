import { describe, expect, it } from "vitest";
import { MiB } from "../core/address.ts";
import { CoherentMemorySystem } from "../machine/memory-system.ts";
import { FILL_BYTES, PhysicalMemory } from "../machine/physical-memory.ts";
import { Cpu } from "./cpu.ts";
import { VaSpace } from "./va-space.ts";

function cpuWith(pages: number): { cpu: Cpu; va: number } {
  const mem = new PhysicalMemory(64 * MiB);
  const vas = new VaSpace(new CoherentMemorySystem(mem));
  const m = vas.map(Int32Array.from({ length: pages }, (_, i) => 16 + i), "cached", "test");
  return { cpu: new Cpu(vas), va: m.startVa };
}

describe("Cpu Rtl helpers stage long fills and copies in bounded pieces", () => {
  it("RtlFillMemory of several MiB fills every byte, the last piece partial", () => {
    const { cpu, va } = cpuWith(1024);
    const len = 3 * MiB + 123;
    cpu.RtlFillMemory(va, len, 0x3c);
    expect(cpu.readU8(va)).toBe(0x3c);
    expect(cpu.readU8(va + len - 1)).toBe(0x3c);
    // The byte after it still reads as the fill pattern (EF BE AD DE by address).
    expect(cpu.readU8(va + len)).toBe(FILL_BYTES[len & 3]);
  });

  it("RtlMoveMemory of overlapping multi-MiB ranges moves the bytes as memmove does, in either direction", () => {
    const { cpu, va } = cpuWith(2048);
    const len = 3 * MiB + 8;
    const src = Uint8Array.from({ length: len }, (_, i) => (i * 31 + (i >>> 20)) & 0xff);
    for (const shift of [4096 + 3, -(MiB + 5)]) {
      const base = va + 2 * MiB;
      cpu.writeBytes(base, src);
      cpu.RtlMoveMemory(base + shift, base, len);
      const got = cpu.readBytes(base + shift, len);
      let wrong = -1;
      for (let i = 0; i < len && wrong < 0; i++) if (got[i] !== src[i]) wrong = i;
      expect(wrong).toBe(-1);
    }
  });
});
