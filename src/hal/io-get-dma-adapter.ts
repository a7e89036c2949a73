/**
 * IoGetDmaAdapter(PhysicalDeviceObject, DeviceDescription, NumberOfMapRegisters):
 * the DMA adapter for a device, or NULL.
 *
 * Sources: DDI nf-wdm-iogetdmaadapter and ns-wdm-_device_description;
 * KDOC kernel/getting-an-adapter-object; Geoff Chappell's IoGetDmaAdapter
 * study (InterfaceType resolution, the 0xCA bug check); ReactOS
 * hal/halx86/generic/dma.c HalGetAdapter (channel and width checks, map
 * register counts); reference windows-dma.md §2.
 */
import { BYTES_TO_PAGES } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { BusMaster } from "../machine/bus.ts";
import { type AdapterObject, registerAdapterObject } from "./adapter.ts";
import { buildDmaOperations, DMA_ADAPTER_SIZE } from "./dma-operations.ts";
import { halState } from "./hal-state.ts";
import { adapterReach } from "./reach.ts";
import { checkDescriptionShape, resolveDescription } from "./device-description.ts";
import { noteAdapter } from "./domain-state.ts";
import { checkAdapterKeptAcrossStop, noteAdapterPnpState } from "./restart-check.ts";
import { type DEVICE_DESCRIPTION, type DMA_ADAPTER, type INTERFACE_TYPE, InterfaceType, type ULONG_OUT } from "./types.ts";

/**
 * Most map registers one adapter gets (dmasim policy; "the HAL tries to give
 * one more than MaximumLength needs, else the largest number it can"):
 * 16 for an 8-bit system DMA channel (ReactOS's cap; one transfer moves at
 * most 64 KiB), 32 for a 16-bit channel (128 KiB), 256 (1 MiB) for bus
 * masters that need map registers.
 */
export const MAX_MAP_REGISTERS_SUBORDINATE = 16;
/** Most map registers for a 16-bit system DMA channel (ISA channels 5-7: 128 KiB per transfer, 32 pages). */
export const MAX_MAP_REGISTERS_SUBORDINATE_16BIT = 32;
/** Most map registers for a bus master that needs them (256 pages: 1 MiB per transfer). */
export const MAX_MAP_REGISTERS_MASTER = 256;

const BUS_INTERFACE: Record<"pci" | "isa" | "internal", INTERFACE_TYPE> = { pci: InterfaceType.PCIBus, isa: InterfaceType.Isa, internal: InterfaceType.Internal };

/** PhysicalDeviceObject: NULL or a DEVICE_OBJECT (the emulator's TypeError otherwise, naming it). */
export function checkPdoArgument(o: unknown, routine: string, name = "PhysicalDeviceObject"): void {
  if (o === null) return;
  const d = o as Partial<DEVICE_OBJECT> | undefined;
  if (typeof o !== "object" || d?.Type !== 3 || typeof d.config !== "object" || d.config === null || typeof d.isPdo !== "boolean") throw new TypeError(`${routine}: ${name} must be a DEVICE_OBJECT (k.pdo(name)) or null, got ${typeof o === "object" ? JSON.stringify(o) : typeof o}`);
}

/**
 * IoGetDmaAdapter. PASSIVE_LEVEL (a call at a higher IRQL is reported as
 * 0xE6 / 0x13). `PhysicalDeviceObject` may be null for a legacy request (the
 * description's InterfaceType then decides; Undefined means Isa). A device
 * object that is not a PDO bug checks PNP_DETECTED_FATAL_ERROR (0xCA) with
 * parameter 1 = 2 ("invalid PDO").
 *
 * NULL for a Version above DEVICE_DESCRIPTION_VERSION3 (callers rely on this
 * to probe for v3; reported as 0xE6 / 0x25) and for every description
 * device-description.ts refuses (Reserved1, InterfaceType, DmaAddressWidth
 * of a v3 master outside 24..64, the system DMA channel, width and speed);
 * the HAL keeps a copy with only the fields the version uses. Whether the
 * device actually owns the channel is not checked: the HAL has no view of
 * the resource list (neither Windows nor ReactOS check it).
 *
 * NumberOfMapRegisters: BYTES_TO_PAGES(MaximumLength) + 1 (the extra covers
 * a transfer that does not start on a page boundary); adapters that need map
 * registers get at most MAX_MAP_REGISTERS_SUBORDINATE(_16BIT) / _MASTER. A
 * scatter/gather bus master that reaches all memory (or is behind the IOMMU)
 * needs none, and is told the full count.
 *
 * @example
 * ```ts
 * import { bootMachine, IoGetDmaAdapter, deviceDescription, DEVICE_DESCRIPTION_VERSION3, InterfaceType, PutDmaAdapter } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * // A 32-bit PCI bus master doing scatter/gather, up to 64 KiB per transfer:
 * const desc = deviceDescription({ Version: DEVICE_DESCRIPTION_VERSION3, Master: true, ScatterGather: true, InterfaceType: InterfaceType.PCIBus, DmaAddressWidth: 32, MaximumLength: 65536 });
 * const mapRegisters = { value: 0 };
 * const adapter = IoGetDmaAdapter(k, k.pdo("plx9656"), desc, mapRegisters);
 * console.log(adapter !== null, mapRegisters.value); // true 17 — 16 pages, plus one for an unaligned start
 * console.log(IoGetDmaAdapter(k, k.pdo("plx9656"), { ...desc, DmaAddressWidth: 0 }, mapRegisters)); // null — a version-3 master must give its address width
 * if (adapter !== null) PutDmaAdapter(adapter);
 * ```
 */
export function IoGetDmaAdapter(k: Kernel, PhysicalDeviceObject: DEVICE_OBJECT | null, DeviceDescription: DEVICE_DESCRIPTION, NumberOfMapRegisters: ULONG_OUT): DMA_ADAPTER | null {
  const routine = "IoGetDmaAdapter";
  checkPdoArgument(PhysicalDeviceObject, routine);
  checkDescriptionShape(DeviceDescription, routine);
  if (typeof NumberOfMapRegisters !== "object" || NumberOfMapRegisters === null) throw new TypeError(`${routine}: NumberOfMapRegisters must be a ULONG out parameter ({ value }), got ${String(NumberOfMapRegisters)}`);
  const pdo = PhysicalDeviceObject;
  const device = pdo === null ? "legacy" : pdo.config.name;
  k.checkIrql(routine, { exact: PASSIVE_LEVEL }, device);
  if (pdo !== null && !pdo.isPdo) throw new BugCheckError(BUGCHECK.PNP_DETECTED_FATAL_ERROR, 0x2, 0, 0, 0, `${routine}: ${pdo.name} is not a physical device object`);
  const dd = DeviceDescription;
  if (dd.Version > 3) {
    k.report({ code: "DMA_UNKNOWN_DEVICE_DESCRIPTION_VERSION", bugCheck: [BUGCHECK.DRIVER_VERIFIER_DMA_VIOLATION, 0x25, 0, 0, 0], routine, device, message: `${routine}: DEVICE_DESCRIPTION Version ${dd.Version} is not supported (0..3); returning NULL`, params: { version: dd.Version } });
    return null;
  }
  // InterfaceTypeUndefined / PNPBus: a copy of the description gets the PDO's legacy bus type (Windows default Isa).
  let iface = dd.InterfaceType;
  if (iface === InterfaceType.InterfaceTypeUndefined || iface === InterfaceType.PNPBus) iface = pdo === null ? InterfaceType.Isa : BUS_INTERFACE[pdo.config.bus];
  const verdict = resolveDescription(dd, iface, k.board.isaDma !== null);
  if (verdict.desc === null) return null;
  const desc = verdict.desc;
  const version = dd.Version;
  const master = dd.Master;
  const reach = adapterReach(desc);
  const busMaster: BusMaster = pdo === null ? { name: "legacy", domain: -1, coherent: k.arch === "x64" } : k.busMasterOf(pdo);
  const remapped = master && busMaster.domain >= 0 && k.iommu !== null;
  const topOfRam = k.map.pageCount * 4096 - 1;
  const needsMapRegisters = !master || !desc.ScatterGather || (!remapped && reach.maxAddress < topOfRam);
  const need = BYTES_TO_PAGES(dd.MaximumLength) + 1;
  const cap = master ? MAX_MAP_REGISTERS_MASTER : dd.DmaChannel >= 4 ? MAX_MAP_REGISTERS_SUBORDINATE_16BIT : MAX_MAP_REGISTERS_SUBORDINATE;
  const mapRegisters = !needsMapRegisters ? need : Math.min(need, cap);
  checkAdapterKeptAcrossStop(k, pdo, busMaster, routine);
  const hal = halState(k);
  const tableVersion: 1 | 2 | 3 = version <= 1 ? 1 : version === 2 ? 2 : 3;
  const dma: DMA_ADAPTER = { Version: 1, Size: DMA_ADAPTER_SIZE, DmaOperations: buildDmaOperations(tableVersion, hal.osBuild) };
  const id = hal.nextAdapterId++;
  const ao: AdapterObject = {
    id,
    address: 0xffff_a000_0000_0000n + BigInt(id) * 0x200n,
    kernel: k,
    hal,
    pdo,
    device,
    description: desc,
    tableVersion,
    master,
    scatterGather: desc.ScatterGather,
    dmaChannel: master ? -1 : dd.DmaChannel,
    reach,
    mapRegisters,
    needsMapRegisters,
    busMaster,
    commonBuffers: new Map(),
    freedCommonBuffers: new Map(),
    counters: { commonBuffersAllocated: 0, commonBuffersFreed: 0, scatterGatherListsBuilt: 0, scatterGatherListsPut: 0, scatterGatherListsLive: 0 },
    released: false,
    dma,
  };
  registerAdapterObject(dma, ao);
  noteAdapter(ao);
  noteAdapterPnpState(k, ao);
  NumberOfMapRegisters.value = mapRegisters;
  const o = hal.observers.current;
  if (o !== null) o.onAdapterCreated?.({ adapter: dma, device, description: desc, mapRegisters, maxAddress: reach.maxAddress, time: k.clock.now });
  return dma;
}
