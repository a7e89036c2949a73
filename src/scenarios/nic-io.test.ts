import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.ts";
import { E1000_REG, type E1000Device } from "../devices/e1000.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { startDevice } from "../kernel/pnp.ts";
import { loadNicDriver, type NicDriverOptions } from "./nic-driver.ts";
import { RX_BUFFER_WRITE } from "./nic-io.ts";
import { loopbackFrames, openNic } from "./nic.ts";

/** The driver started on x64-iommu's nic0 with the link up, and every value the CPU writes to RDT from then on. */
function started(options: NicDriverOptions = {}) {
  const k = bootMachine("x64-iommu", { seed: 9 });
  const drv = loadNicDriver(k, "nic0", options);
  if (typeof drv === "number") throw new Error(`AddDevice failed: ${drv}`);
  startDevice(k, drv.pdo);
  while (!drv.adapter.linkUp) k.clock.runUntil(k.clock.nextEventTime());
  const rdtAt = (k.board.device("nic0").bars[0] as { base: number }).base + E1000_REG.RDT;
  const rdt: number[] = [];
  k.board.mmio.observers.add({ onRegisterAccess: (_s, _d, address, _size, write, value) => void (write && address === rdtAt && rdt.push(value)) });
  const chip = k.board.instanceOf<E1000Device>("nic0", "e1000").nic;
  return { k, a: drv.adapter, chip, rdt, nic: openNic(k, "nic0", drv.adapter.mac) };
}

describe("the NIC driver hands receive descriptors back in batches (RDT)", () => {
  it("with interrupt moderation, one RDT write per DPC that received frames, not one per frame; every frame back in order", () => {
    const { k, a, chip, rdt, nic } = started();
    const dpcs = a.dpcs;
    const o = loopbackFrames(k, nic, 300, new Prng("rdt-batch"), { frameLength: 1500 });
    expect(o.received).toBe(300);
    expect(o.mismatches).toBe(0);
    expect(chip.counters.rxOverruns).toBe(0);
    // At the default ITR a DPC finds about ten frames: fewer than RX_BUFFER_WRITE, so one write each.
    expect(rdt.length).toBeLessThanOrEqual(a.dpcs - dpcs);
    expect(rdt.length).toBeLessThan(300 / 4);
    // The tail the chip holds is the descriptor before the next one the driver will clean.
    const n = a.options.rxDescriptors;
    expect(rdt.at(-1)).toBe((a.rxNext + n - 1) % n);
  });

  it(`a DPC that finds more than ${RX_BUFFER_WRITE} frames writes RDT every ${RX_BUFFER_WRITE} descriptors and once at the end`, () => {
    // ITR 1024 x 256 ns = 262 us: each DPC finds every frame the write queue let out since the last one (up to 31, 1.8 us each on the wire).
    const { k, a, rdt, nic } = started({ interruptThrottle: 1024 });
    const o = loopbackFrames(k, nic, 200, new Prng("rdt-16"), { frameLength: 200, reads: 64 });
    expect(o.received).toBe(200);
    expect(o.mismatches).toBe(0);
    // How far each write moves the tail (D0Entry left it at the last descriptor): never more than RX_BUFFER_WRITE, all of them together every frame.
    const n = a.options.rxDescriptors;
    let prev = n - 1;
    const steps = rdt.map((v) => {
      const s = (v - prev + n) % n;
      prev = v;
      return s;
    });
    expect(steps.reduce((x, y) => x + y, 0)).toBe(200);
    expect(Math.max(...steps)).toBe(RX_BUFFER_WRITE);
    expect(steps.some((s) => s < RX_BUFFER_WRITE)).toBe(true);
    expect(rdt.length).toBeLessThan(200 / 8);
  });
});
