/**
 * DEVICE_OBJECT, reduced to what DMA code touches. Each device in the machine
 * profile gets a PDO at boot; a driver creates its FDO over it.
 */
import type { DeviceConfig } from "../machine/profile.ts";

export const FILE_BYTE_ALIGNMENT = 0x0;
export const FILE_WORD_ALIGNMENT = 0x1;
export const FILE_LONG_ALIGNMENT = 0x3;
export const FILE_QUAD_ALIGNMENT = 0x7;
export const FILE_OCTA_ALIGNMENT = 0xf;
export const FILE_32_BYTE_ALIGNMENT = 0x1f;
export const FILE_64_BYTE_ALIGNMENT = 0x3f;
export const FILE_128_BYTE_ALIGNMENT = 0x7f;
export const FILE_256_BYTE_ALIGNMENT = 0xff;
export const FILE_512_BYTE_ALIGNMENT = 0x1ff;

export interface DEVICE_OBJECT {
  readonly Type: 3;
  readonly name: string;
  /** True for a bus driver's physical device object. */
  readonly isPdo: boolean;
  /** The PDO at the bottom of this device's stack. */
  readonly pdo: DEVICE_OBJECT;
  /** The profile entry describing the hardware (bus, _CCA, node, channels). */
  readonly config: DeviceConfig;
  /** Driver-owned storage. */
  DeviceExtension: Record<string, unknown>;
  /** Mask (alignment - 1); IoCreateDevice sets the data-cache-line size - 1. */
  AlignmentRequirement: number;
  /** The IRP being processed (StartIo); passed to AdapterControl routines. */
  CurrentIrp: unknown;
  /** The device stacked on this one, if any. */
  AttachedDevice: DEVICE_OBJECT | null;
  /** Set when the device is deleted. */
  deleted: boolean;
  /** DO_BUFFERED_IO / DO_DIRECT_IO (neither: 0), set by the driver in AddDevice. */
  Flags: number;
}

export function createPdo(config: DeviceConfig, cacheLineSize: number): DEVICE_OBJECT {
  const pdo: DEVICE_OBJECT = {
    Type: 3,
    name: `\\Device\\${config.name}-PDO`,
    isPdo: true,
    get pdo() {
      return pdo;
    },
    config,
    DeviceExtension: {},
    AlignmentRequirement: cacheLineSize - 1,
    CurrentIrp: null,
    AttachedDevice: null,
    deleted: false,
    Flags: 0,
  };
  return pdo;
}

/** IoCreateDevice + IoAttachDeviceToDeviceStack in one: a functional device object over `pdo`. */
export function createFdo(pdo: DEVICE_OBJECT, name: string, cacheLineSize: number): DEVICE_OBJECT {
  if (!pdo.isPdo) throw new TypeError(`createFdo: ${pdo.name} is not a PDO`);
  const fdo: DEVICE_OBJECT = {
    Type: 3,
    name: `\\Device\\${name}`,
    isPdo: false,
    pdo,
    config: pdo.config,
    DeviceExtension: {},
    AlignmentRequirement: cacheLineSize - 1,
    CurrentIrp: null,
    AttachedDevice: null,
    deleted: false,
    Flags: 0,
  };
  pdo.AttachedDevice = fdo;
  return fdo;
}
