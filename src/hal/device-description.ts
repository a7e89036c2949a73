/**
 * IoGetDmaAdapter's reading of a DEVICE_DESCRIPTION, field by field and
 * version by version (DDI ns-wdm-_device_description, nf-wdm-iogetdmaadapter;
 * ReactOS HalGetAdapter / HalpDmaInitializeEisaAdapter for the 8237 checks;
 * Windows-Driver-Frameworks fxdmaenabler.cpp for the 24-bit floor of
 * DmaAddressWidth):
 *
 * - shape: every field must have its C type (BOOLEAN a boolean, ULONG an
 *   integer 0..0xFFFFFFFF, the enums integers, DeviceAddress a
 *   PHYSICAL_ADDRESS); anything else is a programming error of the caller and
 *   throws the emulator's TypeError / RangeError naming the field;
 * - refusals (IoGetDmaAdapter returns NULL): Reserved1 set ("must be FALSE");
 *   an InterfaceType outside INTERFACE_TYPE; for a version-3 bus master a
 *   DmaAddressWidth outside 24..64 (the DDI asks for 1..64; KMDF's source
 *   says DMA v3 fails widths below 24 and fails them itself on Windows 7);
 *   for a subordinate device no system DMA controller, a channel other than
 *   0-3 / 5-7, a DmaWidth the channel cannot do (0-3 8-bit, 5-7 16-bit;
 *   EISA any of 8/16/32), and in versions 0-2 a DmaSpeed outside DMA_SPEED;
 * - what each version uses (the rest is cleared in the HAL's copy):
 *   IgnoreCount from version 1; DemandMode only in version 2 (the DDI: not
 *   used in 0, 1 and 3 — KMDF's system profile nevertheless fills it in a
 *   version-3 description, and ReactOS applies it always; dmasim follows
 *   the DDI); Dma32BitAddresses, Dma64BitAddresses and DmaSpeed in 0-2;
 *   DmaAddressWidth in 3 for masters; DmaRequestLine and DeviceAddress in 3
 *   for subordinates; ScatterGather for masters; AutoInitialize, DemandMode
 *   and DmaWidth for subordinates.
 */
import { MAXULONG } from "../core/address.ts";
import { type DEVICE_DESCRIPTION, DmaSpeed, DmaWidth, type INTERFACE_TYPE, InterfaceType } from "./types.ts";

const BOOLEANS = ["Master", "ScatterGather", "DemandMode", "AutoInitialize", "Dma32BitAddresses", "IgnoreCount", "Reserved1", "Dma64BitAddresses"] as const;
const ULONGS = ["Version", "BusNumber", "DmaChannel", "MaximumLength", "DmaPort", "DmaAddressWidth", "DmaControllerInstance", "DmaRequestLine"] as const;
const ENUMS = ["InterfaceType", "DmaWidth", "DmaSpeed"] as const;

/** The lowest DmaAddressWidth a version-3 bus master may give (ISA's 24 bits). */
export const MIN_DMA_ADDRESS_WIDTH = 24;

/** Throw the emulator's TypeError / RangeError for a description whose fields do not have their C types. */
export function checkDescriptionShape(dd: unknown, routine: string): asserts dd is DEVICE_DESCRIPTION {
  if (typeof dd !== "object" || dd === null) throw new TypeError(`${routine}: DeviceDescription must be a DEVICE_DESCRIPTION (see deviceDescription()), got ${String(dd)}`);
  const r = dd as Record<string, unknown>;
  for (const f of BOOLEANS) if (typeof r[f] !== "boolean") throw new TypeError(`${routine}: DeviceDescription.${f} must be a BOOLEAN (true/false), got ${String(r[f])}`);
  for (const f of ULONGS) {
    const v = r[f];
    if (typeof v !== "number") throw new TypeError(`${routine}: DeviceDescription.${f} must be a ULONG number, got ${typeof v}`);
    if (!Number.isInteger(v) || v < 0 || v > MAXULONG) throw new RangeError(`${routine}: DeviceDescription.${f} must be a ULONG (0..0xFFFFFFFF), got ${v}`);
  }
  for (const f of ENUMS) {
    const v = r[f];
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${routine}: DeviceDescription.${f} must be an enumeration value (an integer), got ${String(v)}`);
  }
  const da = r.DeviceAddress as { QuadPart?: unknown } | null | undefined;
  if (typeof da !== "object" || da === null || typeof da.QuadPart !== "bigint") throw new TypeError(`${routine}: DeviceDescription.DeviceAddress must be a PHYSICAL_ADDRESS ({ QuadPart: bigint }), got ${da === null || typeof da !== "object" ? String(da) : `{ QuadPart: ${typeof da.QuadPart} }`}`);
}

/** Where the HAL's copy stands: the description it keeps, or why IoGetDmaAdapter returns NULL. */
export type DescriptionVerdict = { readonly desc: DEVICE_DESCRIPTION; readonly refused: null } | { readonly desc: null; readonly refused: string };

/**
 * Validate a well-shaped description of Version 0..3 (the caller handles
 * higher versions) and build the HAL's copy: `iface` is InterfaceType with
 * InterfaceTypeUndefined / PNPBus already resolved from the PDO;
 * `systemDma` whether the machine has the 8237 pair.
 */
export function resolveDescription(dd: Readonly<DEVICE_DESCRIPTION>, iface: INTERFACE_TYPE, systemDma: boolean): DescriptionVerdict {
  const v = dd.Version;
  if (dd.Reserved1) return refuse("Reserved1 must be FALSE");
  if (dd.InterfaceType < InterfaceType.InterfaceTypeUndefined || dd.InterfaceType >= InterfaceType.MaximumInterfaceType) return refuse(`InterfaceType ${dd.InterfaceType} is not an INTERFACE_TYPE`);
  const master = dd.Master;
  if (master) {
    if (v === 3 && (dd.DmaAddressWidth < MIN_DMA_ADDRESS_WIDTH || dd.DmaAddressWidth > 64)) return refuse(`DmaAddressWidth ${dd.DmaAddressWidth} is outside ${MIN_DMA_ADDRESS_WIDTH}..64`);
  } else {
    if (!systemDma) return refuse("this machine has no system DMA controller");
    const ch = dd.DmaChannel;
    if (ch > 7 || ch === 4) return refuse(`DmaChannel ${ch} is not a system DMA channel (0-3, 5-7; 4 is the cascade)`);
    if (dd.DmaWidth < 0 || dd.DmaWidth >= DmaWidth.MaximumDmaWidth) return refuse(`DmaWidth ${dd.DmaWidth} is not a DMA_WIDTH`);
    const eisa = iface === InterfaceType.Eisa;
    const widthOk = eisa ? dd.DmaWidth !== DmaWidth.Width64Bits : ch < 4 ? dd.DmaWidth === DmaWidth.Width8Bits : dd.DmaWidth === DmaWidth.Width16Bits;
    if (!widthOk) return refuse(`DmaWidth ${dd.DmaWidth} is not what channel ${ch} does`);
    if (v <= 2 && (dd.DmaSpeed < 0 || dd.DmaSpeed >= DmaSpeed.MaximumDmaSpeed)) return refuse(`DmaSpeed ${dd.DmaSpeed} is not a DMA_SPEED`);
  }
  const desc: DEVICE_DESCRIPTION = {
    ...dd,
    DeviceAddress: { QuadPart: v === 3 && !master ? dd.DeviceAddress.QuadPart : 0n },
    InterfaceType: iface,
    ScatterGather: master && dd.ScatterGather,
    DemandMode: !master && v === 2 && dd.DemandMode,
    AutoInitialize: !master && dd.AutoInitialize,
    IgnoreCount: v >= 1 && dd.IgnoreCount,
    Dma32BitAddresses: v <= 2 && dd.Dma32BitAddresses,
    Dma64BitAddresses: v <= 2 && dd.Dma64BitAddresses,
    DmaWidth: master ? DmaWidth.Width8Bits : dd.DmaWidth,
    DmaSpeed: !master && v <= 2 ? dd.DmaSpeed : DmaSpeed.Compatible,
    DmaAddressWidth: v === 3 && master ? dd.DmaAddressWidth : 0,
    DmaRequestLine: v === 3 && !master ? dd.DmaRequestLine : 0,
  };
  return { desc, refused: null };
}

function refuse(why: string): DescriptionVerdict {
  return { desc: null, refused: why };
}
