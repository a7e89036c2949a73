import { describe, expect, it } from "vitest";
import { parseProfile, ProfileError } from "./profile.ts";

const good = {
  name: "tiny",
  arch: "x64",
  memory: [{ base: 0, length: "64MiB", type: "ram" }],
};

describe("machine profiles", () => {
  it("memory beyond 8 TiB (16 TiB and 4 PiB machines) is refused at validation with the limit named", () => {
    for (const length of ["16TiB", 4 * 2 ** 50 - 4096]) {
      expect(() => parseProfile({ name: "huge", arch: "x64", memory: [{ base: 0, length, type: "ram" }] })).toThrow(/beyond the 8 TiB \(2\^31 pages of 4 KiB\)/);
    }
    expect(parseProfile({ name: "big", arch: "x64", memory: [{ base: 0, length: "8TiB", type: "ram" }] }).memory[0]?.length).toBe(2 ** 43);
  });

  it("accepts sizes as text (\"64MiB\", \"0x1000\") and fills defaults", () => {
    const p = parseProfile(good);
    expect(p.memory[0]?.length).toBe(64 * 1024 * 1024);
    expect(p.nodes).toBe(1);
    expect(p.iommu.enabled).toBe(false);
  });

  it("a bad profile gets one clear message naming the field", () => {
    expect(() => parseProfile({ ...good, memory: [{ base: 0, length: "64MiB", type: "ram", node: 2 }] })).toThrow(/memory\[0\]\.node: node 2 does not exist/);
    expect(() => parseProfile({ ...good, arch: "sparc" })).toThrow(ProfileError);
    expect(() => parseProfile({ ...good, arch: "sparc" })).toThrow(/arch:/);
    expect(() => parseProfile({ ...good, memory: [{ base: 0, length: "lots", type: "ram" }] })).toThrow(/memory\[0\]\.length: not a size: "lots"/);
    expect(() => parseProfile({ ...good, colour: "red" })).toThrow(/colour/);
  });

  it("rejects overlapping regions and unaligned bases", () => {
    expect(() =>
      parseProfile({ ...good, memory: [{ base: 0, length: "64MiB", type: "ram" }, { base: "32MiB", length: "64MiB", type: "ram" }] }),
    ).toThrow(/overlaps memory\[0\]/);
    expect(() => parseProfile({ ...good, memory: [{ base: 100, length: 4096, type: "ram" }] })).toThrow(/not page aligned/);
  });

  it("rejects a profile without RAM and a NUMA node without RAM", () => {
    expect(() => parseProfile({ ...good, memory: [{ base: 0, length: 4096, type: "mmio" }] })).toThrow(/no RAM region/);
    expect(() => parseProfile({ ...good, nodes: 2 })).toThrow(/node 1 has no RAM/);
  });
});
