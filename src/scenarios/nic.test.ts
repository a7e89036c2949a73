import { describe, expect, it } from "vitest";
import type { UserBuffer } from "../app/application.ts";
import { PAGE_SIZE } from "../core/address.ts";
import { STATUS } from "../core/ntstatus.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { removeDevice, startDevice } from "../kernel/pnp.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { ETH_FRAME_LEN } from "./nic-device.ts";
import { loadNicDriver } from "./nic-driver.ts";
import { scatteredBuffer } from "./plx-pnp.ts";
import { Prng } from "../core/prng.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { nicPhysicalAddressScenario, nicScenario, openNic } from "./nic.ts";
import type { ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The NIC slot of each built-in profile, holding an e1000 (whatever model the profile itself puts there). */
const NIC_SLOT: Record<string, string> = { "x64-desktop": "nic0", "x64-iommu": "nic0", "arm64-soc": "nic-coherent" };

function withE1000(name: string): MachineProfile {
  const p = builtinProfile(name);
  return { ...p, devices: p.devices.map((d) => (d.name === NIC_SLOT[name] ? { ...d, model: "e1000" } : d)) };
}

function opts(profile: string | MachineProfile, over: Partial<ScenarioOptions> = {}): ScenarioOptions {
  return { profile, seed: 7, uptimeSeconds: 0, verifier: "collect", params: { frames: 96 }, ...over };
}

function run(o: ScenarioOptions, s = nicScenario): ScenarioResult {
  return s.run(o) as ScenarioResult;
}

describe("nic scenario (KMDF e1000 driver, loopback)", () => {
  for (const name of ["x64-desktop", "x64-iommu", "arm64-soc"]) {
    it(`on ${name} every frame comes back byte for byte, with the verifier on and no findings`, () => {
      const r = run(opts(withE1000(name)));
      expect(r.summary).toBeDefined();
      expect(r.findings).toEqual([]);
      expect(r.stats?.frames).toBe(96);
      expect(r.stats?.received).toBe(96);
      expect(r.stats?.mismatches).toBe(0);
      expect(r.ok).toBe(true);
    });
  }

  it("frames are 60..1514 bytes, interrupts are moderated (fewer than frames) and simulated time follows the 1 Gb/s wire", () => {
    const r = run(opts(withE1000("x64-desktop")));
    const bytes = r.stats?.bytes as number;
    expect(bytes).toBeGreaterThanOrEqual(96 * 60);
    expect(bytes).toBeLessThanOrEqual(96 * 1514);
    expect(r.stats?.interrupts as number).toBeGreaterThan(0);
    expect(r.stats?.interrupts as number).toBeLessThan(96);
    // Each frame occupies the wire for (length + FCS + preamble + gap) x 8 ns, back to back at best.
    expect((r.stats?.simulatedMs as number) * 1e6).toBeGreaterThanOrEqual((bytes + 96 * 24) * 8);
  });

  it("on arm64-soc with a non-coherent e1000 (_CCA = 0: common buffers are Device memory) the driver's aligned copies keep every byte right", () => {
    const p = builtinProfile("arm64-soc");
    const nonCoherent = { ...p, devices: p.devices.map((d) => (d.name === "plx9656" ? { ...d, model: "e1000" } : d)) };
    const r = run(opts(nonCoherent, { params: { frames: 48, device: "plx9656" } }));
    expect((r.tables?.commonBuffers ?? []).every((x) => x.deviceMemory === true)).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.stats?.received).toBe(48);
    expect(r.ok).toBe(true);
  });

  it("is deterministic per seed and differs between seeds", () => {
    const a = run(opts(withE1000("x64-desktop")));
    const b = run(opts(withE1000("x64-desktop")));
    const c = run(opts(withE1000("x64-desktop"), { seed: 8 }));
    expect(b.stats).toEqual(a.stats);
    expect(b.tables).toEqual(a.tables);
    expect(c.stats?.bytes).not.toBe(a.stats?.bytes);
  });

  it("lists its three common buffers (the rings and the RX packet buffers; frames are sent from the application's pages): rings 16-byte aligned and a multiple of 128 bytes, logical = physical without an IOMMU", () => {
    const r = run(opts(withE1000("x64-desktop")));
    const rows = r.tables?.commonBuffers ?? [];
    expect(rows.map((x) => x.buffer)).toEqual(["TX descriptor ring", "RX descriptor ring", "RX packet buffers"]);
    for (const row of rows) {
      expect(row.alignment).toBe("0xf");
      expect(row.logical).toBe(row.physical);
    }
    expect(rows.slice(0, 2).map((x) => (x.length as number) % 128)).toEqual([0, 0]);
  });

  it("behind the IOMMU the rings' logical addresses are not their physical addresses", () => {
    const rows = run(opts(withE1000("x64-iommu"))).tables?.commonBuffers ?? [];
    expect(rows.every((x) => x.logical !== x.physical)).toBe(true);
  });

  it("a profile without an e1000 fails with one line naming what is missing", () => {
    const p = builtinProfile("x64-desktop");
    const none = { ...p, devices: p.devices.filter((d) => d.model !== "e1000") };
    const r = run(opts(none));
    expect(r.ok).toBe(false);
    expect(r.summary[0]).toMatch(/has no e1000 device/);
  });

  it("refuses unknown params", () => {
    expect(() => run(opts(withE1000("x64-desktop"), { params: { frame: 3 } }))).toThrow(/unknown param "frame"/);
  });

  it("a 16-descriptor RX ring with no interrupt throttling still receives every frame in order", () => {
    const r = run(opts(withE1000("x64-desktop"), { params: { frames: 64, rxDescriptors: 16, txDescriptors: 16, interruptThrottle: 0 } }));
    expect(r.ok).toBe(true);
    expect(r.stats?.received).toBe(64);
  });
});

describe("nic-physical-address scenario (ring base from MmGetPhysicalAddress)", () => {
  it("behind the IOMMU the chip's descriptor fetch faults and the verifier reports DMA_PHYSICAL_ADDRESS_USED", () => {
    const r = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    expect(r.stats?.translated).toBe(true);
    expect(r.stats?.dmaFaults as number).toBeGreaterThan(0);
    expect(r.findings?.map((f) => f.code)).toContain("DMA_PHYSICAL_ADDRESS_USED");
    expect(r.stats?.received).toBe(0);
    expect(r.ok).toBe(true);
  });

  it("with the verifier in bugcheck mode the first device access stops the machine with the same diagnosis", () => {
    const r = run(opts(withE1000("x64-iommu"), { verifier: "bugcheck" }), nicPhysicalAddressScenario);
    expect(r.stats?.stopped).toBe(true);
    expect(r.summary.join("\n")).toMatch(/physical address/);
    expect(r.ok).toBe(true);
  });

  it("with the verifier off the bug still shows as the device's DMA fault (no frame moves)", () => {
    const r = run(opts(withE1000("x64-iommu"), { verifier: "off" }), nicPhysicalAddressScenario);
    expect(r.stats?.dmaFaults as number).toBeGreaterThan(0);
    expect(r.stats?.received).toBe(0);
    expect(r.ok).toBe(true);
  });

  it("on x64-desktop (no DMA remapping) the same driver works: every frame back, no findings", () => {
    const r = run(opts(withE1000("x64-desktop")), nicPhysicalAddressScenario);
    expect(r.stats?.translated).toBe(false);
    expect(r.findings).toEqual([]);
    expect(r.stats?.received).toBe(96);
    expect(r.ok).toBe(true);
  });

  it("is deterministic per seed", () => {
    const a = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    const b = run(opts(withE1000("x64-iommu")), nicPhysicalAddressScenario);
    expect(b.stats).toEqual(a.stats);
    expect(b.findings?.map((f) => f.message)).toEqual(a.findings?.map((f) => f.message));
  });
});

describe("the NIC driver sends each frame from the application's pages (a DMA transaction from the write request)", () => {
  it("a frame crossing a page boundary: the chip reads it from both of the application's pages (two TX descriptors), no copy; the loopback brings it back exact and the transaction goes back to the pool", () => {
    // Without DMA remapping the two pages are two scatter/gather elements (behind an IOMMU they would be one logical range).
    const k = bootMachine("x64-desktop", { seed: 3 });
    const v = installVerifier(k, { mode: "collect" });
    const drv = loadNicDriver(k, "nic0");
    if (typeof drv === "number") throw new Error(`AddDevice failed: ${drv}`);
    const a = drv.adapter;
    expect(startDevice(k, drv.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    while (!a.linkUp) k.clock.runUntil(k.clock.nextEventTime());
    const nic = openNic(k, "nic0", a.mac);
    const pool = a.txPool.length;
    const length = 600;
    const offset = PAGE_SIZE - 200;
    // Pages that lie apart, as an application's do.
    const buf = scatteredBuffer(k, length, offset, new Prng("nic-pages"));
    if (buf === null) throw new Error("no memory");
    const frame = new Uint8Array(length);
    frame.set(a.mac, 0);
    frame.set(a.mac, 6);
    for (let i = 12; i < length; i++) frame[i] = (i * 7) & 0xff;
    k.cpu.writeBytes(buf.va, frame);
    const straddling: UserBuffer = { va: buf.va, length, read: () => k.cpu.readBytes(buf.va, length), write: () => undefined, free: () => undefined };
    const pages = [k.va.physicalAddressOf(buf.va), k.va.physicalAddressOf(buf.va + 200)];
    expect(Math.floor(pages[1] as number / PAGE_SIZE)).not.toBe(Math.floor(pages[0] as number / PAGE_SIZE) + 1);
    const touched = new Set<number>();
    const off = k.bus.observers.add({ onDeviceAccess: (m, _la, pa, len, write) => void (m.name === "nic0" && !write && pages.some((p) => pa < Math.floor(p / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE && pa + len > Math.floor(p / PAGE_SIZE) * PAGE_SIZE) && touched.add(Math.floor(pa / PAGE_SIZE))), onFault: () => undefined });
    const back = nic.app.allocate(ETH_FRAME_LEN);
    const r = nic.app.ReadFileOverlapped(nic.handle, back);
    const tail = a.txTail;
    expect(nic.app.WriteFile(nic.handle, straddling, length)).toEqual({ status: STATUS.SUCCESS, information: length });
    expect((a.txTail - tail + a.options.txDescriptors) % a.options.txDescriptors).toBe(2);
    expect(r.wait()).toEqual({ status: STATUS.SUCCESS, information: length });
    expect(back.read().subarray(0, length)).toEqual(frame);
    off();
    expect(touched.size).toBe(2);
    expect(a.txPool.length).toBe(pool);
    buf.free();
    nic.app.CloseHandle(nic.handle);
    removeDevice(k, drv.pdo);
    expect(v.findings).toEqual([]);
  });
});
