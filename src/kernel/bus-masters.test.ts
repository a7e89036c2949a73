import { describe, expect, it } from "vitest";
import { bootMachine } from "./kernel.ts";

describe("bus-master identities and the IOMMU at boot", () => {
  it("x64-desktop has no IOMMU: every device's logical addresses are physical (domain -1) and coherent", () => {
    const k = bootMachine("x64-desktop");
    expect(k.iommu).toBeNull();
    expect(k.bus.iommu).toBeNull();
    for (const name of ["sb16", "plx9656", "nic0"]) expect(k.busMasterOf(name)).toEqual({ name, domain: -1, coherent: true });
  });

  it("x64-iommu installs the IOMMU on the bus and gives each remapping device its own domain", () => {
    const k = bootMachine("x64-iommu");
    expect(k.iommu).not.toBeNull();
    expect(k.bus.iommu).toBe(k.iommu);
    const plx = k.busMasterOf("plx9656");
    const nic = k.busMasterOf("nic0");
    expect(plx.domain).toBeGreaterThanOrEqual(0);
    expect(nic.domain).toBeGreaterThanOrEqual(0);
    expect(plx.domain).not.toBe(nic.domain);
    // The ISA card does not opt in to remapping.
    expect(k.busMasterOf("sb16").domain).toBe(-1);
    expect(k.iommu?.domainName(plx.domain)).toBe("plx9656");
  });

  it("on arm64-soc a device is coherent only when its ACPI _CCA is 1", () => {
    const k = bootMachine("arm64-soc");
    expect(k.busMasterOf("nic-coherent").coherent).toBe(true);
    expect(k.busMasterOf("dma-noncoherent").coherent).toBe(false);
    expect(k.busMasterOf("plx9656").coherent).toBe(false);
  });

  it("busMasterOf accepts a PDO, a device object over it, or a name; an unknown name is a RangeError", () => {
    const k = bootMachine("x64-desktop");
    expect(k.busMasterOf(k.pdo("plx9656")).name).toBe("plx9656");
    expect(() => k.busMasterOf("nope")).toThrow(/no device "nope"/);
  });
});
