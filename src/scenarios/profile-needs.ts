/**
 * What a built-in scenario needs of the machine, checked before it boots
 * (from its checkParams): a missing controller or device is the user's
 * choice of profile, so the message says what they picked and what it lacks,
 * never which routine would have tripped over it later.
 */
import type { MachineProfile } from "../machine/profile.ts";

/** RangeError unless the profile's machine has the PC's 8237 pair (x64 boards; arm64 has none). */
export function needIsaDma(scenario: string, profile: MachineProfile): void {
  if (profile.arch !== "x64") throw new RangeError(`${scenario} needs a profile with an ISA DMA controller (8237); ${profile.name} (${profile.arch}) has none`);
}

/**
 * The device a scenario drives: `wanted` (its params.device) must be on the
 * profile and of `model`; without it, the profile's first device of `model`.
 * RangeError naming the scenario, the profile and what is missing.
 */
export function needDevice(scenario: string, profile: MachineProfile, model: string, wanted?: string | null): string {
  if (wanted !== undefined && wanted !== null) {
    const d = profile.devices.find((x) => x.name === wanted);
    if (d === undefined) throw new RangeError(`${scenario}: params.device "${wanted}" is not on profile ${profile.name} (devices: ${profile.devices.map((x) => x.name).join(", ") || "none"})`);
    if (d.model !== model) throw new RangeError(`${scenario}: params.device "${wanted}" on profile ${profile.name} is of model "${d.model}", not "${model}"`);
    return wanted;
  }
  const d = profile.devices.find((x) => x.model === model);
  if (d === undefined) throw new RangeError(`${scenario} needs a profile with a device of model "${model}"; ${profile.name} has none`);
  return d.name;
}

/** RangeError unless the profile has a device called `name` of `model` (a driver that binds that device by name). */
export function needNamedDevice(scenario: string, profile: MachineProfile, name: string, model: string): void {
  const d = profile.devices.find((x) => x.name === name);
  if (d === undefined || d.model !== model) throw new RangeError(`${scenario} needs a profile with a device "${name}" of model "${model}"; ${profile.name} has ${d === undefined ? "none" : `one of model "${d.model}"`}`);
}

/** RangeError unless the profile has the device `wanted` names (any model). */
export function needAnyDevice(scenario: string, profile: MachineProfile, wanted: string): void {
  if (!profile.devices.some((x) => x.name === wanted)) throw new RangeError(`${scenario}: params.device "${wanted}" is not on profile ${profile.name} (devices: ${profile.devices.map((x) => x.name).join(", ") || "none"})`);
}

/** RangeError when a scenario that takes no settings is given some. */
export function noParams(scenario: string, params: Readonly<Record<string, unknown>> = {}): void {
  const keys = Object.keys(params);
  if (keys.length > 0) throw new RangeError(`${scenario}: unknown param "${keys[0] ?? ""}" (this scenario takes no params)`);
}
