import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../core/address.ts";
import { builtinProfile } from "./builtin-profiles.ts";
import { type AddressTranslator, type BusObserver, DmaBus } from "./bus.ts";
import { MemoryMap } from "./memory-map.ts";
import { CoherentMemorySystem } from "./memory-system.ts";
import { PhysicalMemory } from "./physical-memory.ts";

function setup() {
  const map = new MemoryMap(builtinProfile("x64-desktop"));
  const mem = new PhysicalMemory(map.pageCount * PAGE_SIZE);
  return { map, mem, bus: new DmaBus(map, new CoherentMemorySystem(mem)) };
}
const dev = { name: "dev", domain: -1, coherent: true };

describe("DmaBus (the device path)", () => {
  it("without translation a device's logical address is the physical address", () => {
    const { bus, mem } = setup();
    expect(bus.write(dev, 0x200000, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(mem.readU8(0x200002)).toBe(3);
    const b = new Uint8Array(3);
    expect(bus.read(dev, 0x200000, b)).toBe(true);
    expect([...b]).toEqual([1, 2, 3]);
  });

  it("a device access to a hole or MMIO is blocked: reads return all-ones, writes are dropped, a fault is recorded", () => {
    const { bus } = setup();
    const b = new Uint8Array(4);
    expect(bus.read(dev, 0xc000_0000, b)).toBe(false);
    expect([...b]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(bus.faults[0]?.reason).toBe("not-ram");
  });

  it("with a translator, a transfer is split into physical runs and each run is copied once", () => {
    const { bus, mem } = setup();
    // A toy translator: logical page n -> physical page 1000 + 2n (scattered).
    const t: AddressTranslator = {
      translate(_d, la, len, _w, out) {
        let n = 0;
        let o = 0;
        while (o < len) {
          const a = la + o;
          const page = Math.floor(a / PAGE_SIZE);
          const run = Math.min(len - o, PAGE_SIZE - (a % PAGE_SIZE));
          out[2 * n] = (1000 + 2 * page) * PAGE_SIZE + (a % PAGE_SIZE);
          out[2 * n + 1] = run;
          n++;
          o += run;
        }
        return n;
      },
    };
    bus.iommu = t;
    const seen: number[] = [];
    const obs: BusObserver = { onDeviceAccess: (_d, _l, pa) => seen.push(pa), onFault: () => undefined };
    bus.observers.add(obs);
    const data = Uint8Array.from({ length: 2 * PAGE_SIZE }, (_, i) => i & 0xff);
    expect(bus.write({ name: "d", domain: 1, coherent: true }, 0, data)).toBe(true);
    expect(seen).toEqual([1000 * PAGE_SIZE, 1002 * PAGE_SIZE]);
    expect(mem.readU8(1002 * PAGE_SIZE + 5)).toBe(data[PAGE_SIZE + 5]);
  });

  it("a translator fault blocks the access and names the reason", () => {
    const { bus } = setup();
    bus.iommu = { translate: () => "iommu-not-mapped" };
    expect(bus.write({ name: "d", domain: 1, coherent: true }, 0x5000, Uint8Array.of(1))).toBe(false);
    expect(bus.faults[0]).toMatchObject({ device: "d", logical: 0x5000, reason: "iommu-not-mapped", write: true });
  });
});

describe("DmaBus scalar access", () => {
  it("readU32 returns values at and above 2^31 as unsigned numbers", () => {
    const { bus } = setup();
    bus.writeU32(dev, 0x300000, 0xdeadbeef);
    expect(bus.readU32(dev, 0x300000)).toBe(0xdeadbeef);
  });
});
