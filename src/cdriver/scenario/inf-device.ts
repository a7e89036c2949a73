/**
 * Which device a driver folder is for, from its INF (or .inx template): the
 * PCI hardware IDs of its models section (PCI\VEN_xxxx&DEV_yyyy), matched
 * against the device models dmasim has, as Plug and Play matches a driver
 * package to a device. Used when no dmasim.json names the device.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** PCI vendor:device IDs of dmasim's device models (the IDs their drivers' INFs list). */
export const PCI_IDS_OF_MODELS: Readonly<Record<string, string>> = {
  // The PLX PCI9656RDK-Lite as the PLX9x5x sample's INF lists it, and the 9656's own ID.
  "10B5:9601": "plx9656",
  "10B5:9656": "plx9656",
  "8086:100E": "e1000",
};

/** The PCI hardware IDs ("10B5:9601") in the INF / INX files of `path` (a folder, or the folder of a .c file). */
export function infHardwareIds(path: string): string[] {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  const ids: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(inf|inx)$/i.test(name)) continue;
    const text = readFileSync(join(dir, name), "latin1");
    for (const m of text.matchAll(/PCI\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})/g)) {
      const id = `${(m[1] as string).toUpperCase()}:${(m[2] as string).toUpperCase()}`;
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/** The dmasim device model the INF of `path` is for, or null when it names none dmasim has. */
export function infDeviceModel(path: string): string | null {
  for (const id of infHardwareIds(path)) {
    const model = PCI_IDS_OF_MODELS[id];
    if (model !== undefined) return model;
  }
  return null;
}
