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

/** Register a device model by its name, so profiles can say `"model": "<name>"`. RangeError if the name is taken. */
export function registerDeviceModel(model: DeviceModel): void {
  deviceModels.register(model);
}
