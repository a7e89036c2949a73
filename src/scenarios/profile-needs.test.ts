import { describe, expect, it } from "vitest";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { needAnyDevice, needDevice, needIsaDma, needNamedDevice, noParams } from "./profile-needs.ts";

describe("profile needs (checked before a scenario boots)", () => {
  it("an ISA DMA controller: x64 has the 8237 pair, arm64 has none and the message names the scenario and the profile", () => {
    expect(() => needIsaDma("sound-card", builtinProfile("x64-desktop"))).not.toThrow();
    expect(() => needIsaDma("sound-card", builtinProfile("arm64-soc"))).toThrow(new RangeError("sound-card needs a profile with an ISA DMA controller (8237); arm64-soc (arm64) has none"));
  });

  it("a device of a model: the profile's first one, or params.device when it is on the profile and of that model", () => {
    expect(needDevice("nic", builtinProfile("x64-desktop"), "e1000")).toBe("nic0");
    expect(needDevice("nic", builtinProfile("x64-server"), "e1000")).toBe("nic1");
    expect(needDevice("nic", builtinProfile("x64-desktop"), "e1000", "nic0")).toBe("nic0");
    expect(() => needDevice("nic", builtinProfile("x64-1tib"), "e1000")).toThrow('nic needs a profile with a device of model "e1000"; x64-1tib has none');
    expect(() => needDevice("nic", builtinProfile("x64-desktop"), "e1000", "sb16")).toThrow('nic: params.device "sb16" on profile x64-desktop is of model "sb16", not "e1000"');
    expect(() => needDevice("nic", builtinProfile("x64-desktop"), "e1000", "eth9")).toThrow('nic: params.device "eth9" is not on profile x64-desktop (devices: sb16, plx9656, nic0)');
  });

  it("a device by name and model (the PLX driver binds \"plx9656\")", () => {
    expect(() => needNamedDevice("plx", builtinProfile("arm64-soc"), "plx9656", "plx9656")).not.toThrow();
    const renamed = { ...builtinProfile("x64-1tib"), devices: [] };
    expect(() => needNamedDevice("plx", renamed, "plx9656", "plx9656")).toThrow('plx needs a profile with a device "plx9656" of model "plx9656"; x64-1tib has none');
  });

  it("any device by name, and no params at all for a scenario that takes none", () => {
    expect(() => needAnyDevice("fragmentation", builtinProfile("x64-desktop"), "sb16")).not.toThrow();
    expect(() => needAnyDevice("fragmentation", builtinProfile("x64-1tib"), "sb16")).toThrow('fragmentation: params.device "sb16" is not on profile x64-1tib (devices: plx9656)');
    expect(() => noParams("plx-ring-above-4g", {})).not.toThrow();
    expect(() => noParams("plx-ring-above-4g", { transfers: 2 })).toThrow('plx-ring-above-4g: unknown param "transfers" (this scenario takes no params)');
  });
});
