/**
 * The device models a profile can name: the built-in ones, and any a user
 * registers with registerDeviceModel before booting.
 */
import { type DeviceModel, DeviceModelRegistry } from "../machine/device-model.ts";
import { genericModel, plx9656Model, sb16Model } from "./builtin-models.ts";
import { e1000Model } from "./e1000.ts";

/** The process-wide registry bootMachine consults (models are configuration, not machine state). */
export const deviceModels = new DeviceModelRegistry();
for (const m of [genericModel, sb16Model, plx9656Model, e1000Model]) deviceModels.register(m);

/**
 * Register a device model by its name, process-wide, so profiles can say
 * `"model": "<name>"`. RangeError if the name is taken by another model. (To
 * use a model for one machine only: `bootMachine(profile, { deviceModels: [model] })`.)
 *
 * @example
 * ```ts
 * import { bootMachine, registerDeviceModel, parseProfile, type DeviceModel } from "dmasim";
 * const scratch: DeviceModel = {
 *   model: "scratch", description: "16 bytes of registers that keep what is written", buses: ["pci"],
 *   bars: [{ kind: "mmio", size: 16 }],
 *   create() {
 *     const r = new Uint32Array(4);
 *     return { registers: [{ read: (o) => r[o >>> 2] ?? 0, write: (o, _s, v) => void (r[o >>> 2] = v) }] };
 *   },
 * };
 * registerDeviceModel(scratch);
 * const k = bootMachine(parseProfile({ name: "one-card", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "card0", bus: "pci", model: "scratch" }] }));
 * console.log(k.board.device("card0").bars[0]?.size); // 16 — the BAR keeps its size; it is placed on a page of its own
 * ```
 */
export function registerDeviceModel(model: DeviceModel): void {
  deviceModels.register(model);
}
