import { describe, expect, it } from "vitest";
import { deviceObjectAddress } from "../hal/adapter.ts";
import { busMasterAdapter, machine } from "./test-machine.ts";

describe("0xE6 / 0x26 parameters", () => {
  it("P2 is the faulting device's DEVICE_OBJECT (not an adapter), P3 the logical address, P4 the fault type", () => {
    const { k, v } = machine("x64-iommu");
    busMasterAdapter(k, "plx9656");
    expect(k.bus.write(k.busMasterOf("plx9656"), 0x7000_0000, new Uint8Array(4))).toBe(false);
    const pdo = deviceObjectAddress(k, "plx9656");
    expect(pdo).not.toBe(0n);
    expect(v.findings[0]?.bugCheck).toEqual([0xe6, 0x26, pdo, 0x7000_0000n, 5]);
    // Each device has its own device-object address.
    expect(deviceObjectAddress(k, "nic0")).not.toBe(pdo);
  });
});
