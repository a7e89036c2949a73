import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import type { E1000Device } from "../devices/e1000.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { startDevice } from "../kernel/pnp.ts";
import { loadNicDriver } from "./nic-driver.ts";
import { loopbackFrames, type NicApp, openNic } from "./nic.ts";

function linkedNic(): { k: Kernel; nic: NicApp } {
  const k = bootMachine("x64-iommu", { seed: 5 });
  const drv = loadNicDriver(k, "nic0");
  if (typeof drv === "number") throw new Error("AddDevice failed");
  startDevice(k, drv.pdo);
  while (!drv.adapter.linkUp) k.clock.runUntil(k.clock.nextEventTime());
  return { k, nic: openNic(k, "nic0", drv.adapter.mac) };
}

describe("loopbackFrames frameLength", () => {
  it("with frameLength 1500 every frame is 1500 bytes and comes back intact", () => {
    const { k, nic } = linkedNic();
    const o = loopbackFrames(k, nic, 40, new Prng("fixed"), { frameLength: 1500 });
    expect(o.received).toBe(40);
    expect(o.mismatches).toBe(0);
    expect(o.bytes).toBe(40 * 1500);
  });

  it("a frameLength outside 60..1514 bytes is refused, naming frameLength", () => {
    const { k, nic } = linkedNic();
    expect(() => loopbackFrames(k, nic, 1, new Prng("bad"), { frameLength: 1515 })).toThrow(/frameLength must be .* from 60 to 1514, got 1515/);
    expect(() => loopbackFrames(k, nic, 1, new Prng("bad"), { frameLength: 59 })).toThrow(RangeError);
  });
});

describe("loopbackFrames checks every byte", () => {
  it("a frame changed on the way in (a payload byte, the sequence number, the last byte) counts as a mismatch; the others match", () => {
    const { k, nic } = linkedNic();
    const dma = k.board.instanceOf<E1000Device>("nic0", "e1000").nic.dma;
    const write = dma.write.bind(dma);
    let frame = 0;
    // The chip's receive data writes (whole frames here): flip one byte of frames 3, 5 and 7 as they reach memory.
    dma.write = (la, src) => {
      if (src.length !== 1500) return write(la, src);
      const n = frame++;
      const at = n === 3 ? 700 : n === 5 ? 15 : n === 7 ? 1499 : -1;
      if (at < 0) return write(la, src);
      const bad = src.slice();
      bad[at] = (bad[at] as number) ^ 0x40;
      return write(la, bad);
    };
    const o = loopbackFrames(k, nic, 10, new Prng("flip"), { frameLength: 1500 });
    expect(o.received).toBe(10);
    expect(o.mismatches).toBe(3);
  });
});
