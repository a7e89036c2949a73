/**
 * Adapter reach: the highest logical address a device can drive and the
 * boundary a buffer must not cross, from its DEVICE_DESCRIPTION
 * (reference windows-dma.md §2.5):
 *
 * - subordinate (system DMA, the 8237 pair): 24 bits (below 16 MiB); the
 *   page register does not carry, so an 8-bit channel (0-3) cannot cross a
 *   64 KiB line and a 16-bit channel (5-7), which counts words and whose page
 *   register holds A23-A17, cannot cross a 128 KiB line (AT DMA: channels
 *   5-7 move up to 128 KiB per block). ReactOS HalAllocateCommonBuffer keeps
 *   64 KiB for every channel; the hardware allows 128 KiB on 5-7 and dmasim
 *   follows the hardware.
 * - bus master, Version 0-2: Dma64BitAddresses -> 64 bits; Dma32BitAddresses
 *   -> 32 bits; ScatterGather on PCIBus -> 32 bits (DEVICE_DESCRIPTION docs:
 *   Dma32BitAddresses is assumed TRUE then — ReactOS differs and gives 24
 *   bits; dmasim follows Windows); otherwise 24 bits.
 * - bus master, Version 3: DmaAddressWidth bits (Dma32/Dma64 are ignored).
 * - bus masters never get a buffer that crosses a 4 GiB line (ReactOS uses a
 *   4 GiB BoundaryAddressMultiple for masters; the HAL's per-domain
 *   BoundaryAddressMultiple in the symbol dumps). dmasim applies the same line
 *   to v3 adapters (undocumented there) so that 32-bit descriptor fields
 *   holding the low part never wrap.
 *
 * Policy (not documented by Microsoft): a 64-bit adapter's common buffer may
 * land above 4 GiB.
 */
import { GiB, KiB } from "../core/address.ts";
import { type DEVICE_DESCRIPTION, InterfaceType } from "./types.ts";

/** What an adapter's device can address, from its DEVICE_DESCRIPTION (adapterReach; the rules are in the file comment). */
export interface AdapterReach {
  /** Address bits the device drives. */
  readonly addressBits: number;
  /** Highest reachable logical address (inclusive), saturating at 2^53 - 1. */
  readonly maxAddress: number;
  /** Power-of-two byte boundary no buffer may cross. */
  readonly boundary: number;
  /** Why, in words (for reports). */
  readonly reason: string;
}

export const ISA_BOUNDARY = 64 * KiB;
/** The 128 KiB page of the 16-bit channels 5-7. */
export const ISA_BOUNDARY_16BIT = 128 * KiB;
export const MASTER_BOUNDARY = 4 * GiB;

export function maxAddressForBits(bits: number): number {
  return bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
}

/** The reach of an adapter for a validated description whose InterfaceType is resolved. */
export function adapterReach(d: Readonly<DEVICE_DESCRIPTION>): AdapterReach {
  if (!d.Master) return d.DmaChannel >= 4 ? reach(24, ISA_BOUNDARY_16BIT, "16-bit system DMA channel: below 16 MiB, no 128 KiB crossing") : reach(24, ISA_BOUNDARY, "8-bit system DMA channel: below 16 MiB, no 64 KiB crossing");
  if (d.Version >= 3) return reach(d.DmaAddressWidth, MASTER_BOUNDARY, `version 3 bus master: DmaAddressWidth ${d.DmaAddressWidth}`);
  if (d.Dma64BitAddresses) return reach(64, MASTER_BOUNDARY, "bus master with Dma64BitAddresses");
  if (d.Dma32BitAddresses) return reach(32, MASTER_BOUNDARY, "bus master with Dma32BitAddresses");
  if (d.ScatterGather && d.InterfaceType === InterfaceType.PCIBus) return reach(32, MASTER_BOUNDARY, "scatter/gather PCI bus master (treated as 32-bit)");
  return reach(24, MASTER_BOUNDARY, "bus master without Dma32BitAddresses or Dma64BitAddresses: 24-bit");
}

function reach(bits: number, boundary: number, reason: string): AdapterReach {
  return { addressBits: bits, maxAddress: maxAddressForBits(bits), boundary, reason };
}
