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

/**
 * A driver package's DMA remapping directive (the DDI page "Enable DMA
 * remapping for device drivers"): the per-device `DMA Management` values
 * RemappingSupported / RemappingFlags (Windows 11 24H2 and later; they win
 * over the per-driver one), else the per-driver Parameters value
 * DmaRemappingCompatible. Read from any AddReg line of the INF / INX files,
 * whichever section it sits in.
 */
export interface InfDmaRemapping {
  readonly key: "RemappingSupported" | "DmaRemappingCompatible";
  readonly value: number;
  /** RemappingFlags (per-device only; absent = 0). */
  readonly flags: number;
  /** The INF file it came from (its name). */
  readonly file: string;
}

/** The value of an AddReg line `HKR,<subkey>,<name>,<flags>,<value>` for `name` in `text`, or undefined. */
function addRegValue(text: string, subkey: string, name: string): number | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/;.*$/, "");
    const f = line.split(",").map((x) => x.trim().replace(/^"(.*)"$/, "$1"));
    if (f.length < 5 || (f[0] as string).toUpperCase() !== "HKR" || (f[1] as string).toLowerCase() !== subkey.toLowerCase() || (f[2] as string).toLowerCase() !== name.toLowerCase()) continue;
    const v = Number(f[4]);
    if (Number.isInteger(v) && v >= 0) return v;
  }
  return undefined;
}

/** The DMA remapping directive in the INF / INX files of `path` (a folder, or the folder of a .c file), or null when there is none. */
export function infDmaRemapping(path: string): InfDmaRemapping | null {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  let perDriver: InfDmaRemapping | null = null;
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(inf|inx)$/i.test(name)) continue;
    const text = readFileSync(join(dir, name), "latin1");
    const supported = addRegValue(text, "DMA Management", "RemappingSupported");
    if (supported !== undefined) return { key: "RemappingSupported", value: supported, flags: addRegValue(text, "DMA Management", "RemappingFlags") ?? 0, file: name };
    const compatible = addRegValue(text, "Parameters", "DmaRemappingCompatible");
    if (compatible !== undefined && perDriver === null) perDriver = { key: "DmaRemappingCompatible", value: compatible, flags: 0, file: name };
  }
  return perDriver;
}

/**
 * Whether the directive opts the device in to DMA remapping, with DMA
 * verification on or off. dmasim's devices are all internal, so the
 * "external device" condition never holds; the Driver Verifier condition
 * does when the verifier runs. Null: the directive leaves it to the system
 * (an unknown value), and the profile's `remapping` decides.
 */
export function remappingOptIn(r: InfDmaRemapping, dmaVerification: boolean): boolean | null {
  if (r.key === "RemappingSupported") {
    if (r.value === 0) return false;
    if (r.value === 1) return r.flags === 1 ? dmaVerification : r.flags === 0 ? true : null;
    return null;
  }
  if (r.value === 0) return false;
  if (r.value === 1 || r.value === 3) return true;
  if (r.value === 2) return dmaVerification;
  return null;
}
