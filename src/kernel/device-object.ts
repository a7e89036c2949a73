/**
 * DEVICE_OBJECT, reduced to what DMA code touches. Each device in the machine
 * profile gets a PDO at boot; a driver creates its FDO over it.
 */
import type { DeviceConfig } from "../machine/profile.ts";

/** DEVICE_OBJECT.AlignmentRequirement mask for 1-byte alignment (1 - 1). */
export const FILE_BYTE_ALIGNMENT = 0x0;
/** DEVICE_OBJECT.AlignmentRequirement mask for 2-byte alignment (2 - 1). */
export const FILE_WORD_ALIGNMENT = 0x1;
/** DEVICE_OBJECT.AlignmentRequirement mask for 4-byte alignment (4 - 1). */
export const FILE_LONG_ALIGNMENT = 0x3;
/** DEVICE_OBJECT.AlignmentRequirement mask for 8-byte alignment (8 - 1). */
export const FILE_QUAD_ALIGNMENT = 0x7;
/** DEVICE_OBJECT.AlignmentRequirement mask for 16-byte alignment (16 - 1). */
export const FILE_OCTA_ALIGNMENT = 0xf;
/** DEVICE_OBJECT.AlignmentRequirement mask for 32-byte alignment (32 - 1). */
export const FILE_32_BYTE_ALIGNMENT = 0x1f;
/** DEVICE_OBJECT.AlignmentRequirement mask for 64-byte alignment (64 - 1). */
export const FILE_64_BYTE_ALIGNMENT = 0x3f;
/** DEVICE_OBJECT.AlignmentRequirement mask for 128-byte alignment (128 - 1). */
export const FILE_128_BYTE_ALIGNMENT = 0x7f;
/** DEVICE_OBJECT.AlignmentRequirement mask for 256-byte alignment (256 - 1). */
export const FILE_256_BYTE_ALIGNMENT = 0xff;
/** DEVICE_OBJECT.AlignmentRequirement mask for 512-byte alignment (512 - 1). */
export const FILE_512_BYTE_ALIGNMENT = 0x1ff;

/**
 * A device object: a PDO per profile device (`k.pdo("plx9656")`), and the FDO
 * a driver creates over it.
 *
 * Two names, not to be confused: `name` is the kernel object's name
 * ("\\Device\\plx9656-PDO", "\\Device\\MyFdo"), for messages;
 * `config.name` is the profile's device name ("plx9656"), the one `k.pdo()`,
 * `--profile` files, the trace, the report and findings' `device` use.
 */
export interface DEVICE_OBJECT {
  /** IO_TYPE_DEVICE (3). */
  readonly Type: 3;
  /** The object's name in the \\Device directory ("\\Device\\plx9656-PDO"); the profile's device name is `config.name`. */
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

/**
 * IoCreateDevice + IoAttachDeviceToDeviceStack in one: a functional device
 * object named "\\Device\\`name`" over `pdo`, with the PDO's profile entry
 * and an AlignmentRequirement of the cache line size - 1. TypeError when
 * `pdo` is not a PDO. (A WDM driver's AddDevice does this; `IoCreateFdo` is
 * the same with a DRIVER_OBJECT.)
 *
 * @example
 * ```ts
 * import { bootMachine, createFdo } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const fdo = createFdo(k.pdo("plx9656"), "Plx0", 64);
 * console.log(fdo.name, fdo.config.name, fdo.pdo === k.pdo("plx9656")); // \Device\Plx0 plx9656 true
 * ```
 */
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
