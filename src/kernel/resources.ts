/**
 * The hardware resources of a device as the PnP manager hands them to its
 * driver in IRP_MN_START_DEVICE: a raw and a translated CM_RESOURCE_LIST,
 * one CM_PARTIAL_RESOURCE_DESCRIPTOR per BAR (memory or port, in BAR order),
 * then the interrupt, then the ISA DMA channels.
 *
 * Raw is what the bus sees, translated what the CPU uses. On a PC memory and
 * port addresses are the same in both; an interrupt's raw descriptor holds
 * the bus's IRQ line (Level = Vector = line) and the translated one the DIRQL
 * in Level and the vector the driver connects to (dmasim's vectors are the
 * line numbers; IoConnectInterrupt takes them). ISA interrupts are latched
 * (edge) and exclusive, PCI lines level-sensitive and shared.
 */
import type { PHYSICAL_ADDRESS } from "../core/address.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";
import { dirqlOfLine } from "./interrupt.ts";
import type { Kernel } from "./kernel.ts";

/** CM_PARTIAL_RESOURCE_DESCRIPTOR.Type values (wdm.h). */
export const CmResourceTypeNull = 0;
/** An I/O port range (u.Port). */
export const CmResourceTypePort = 1;
/** An interrupt (u.Interrupt). */
export const CmResourceTypeInterrupt = 2;
/** A memory range: an MMIO BAR (u.Memory). */
export const CmResourceTypeMemory = 3;
/** An ISA DMA channel (u.Dma). */
export const CmResourceTypeDma = 4;

/** ShareDisposition values. */
export const CmResourceShareUndetermined = 0;
/** ShareDisposition: this device only. */
export const CmResourceShareDeviceExclusive = 1;
export const CmResourceShareDriverExclusive = 2;
/** ShareDisposition: shared (PCI interrupt lines). */
export const CmResourceShareShared = 3;

/** Flags of a port descriptor. */
export const CM_RESOURCE_PORT_MEMORY = 0x0000;
/** Port descriptor flag: the range is in I/O space. */
export const CM_RESOURCE_PORT_IO = 0x0001;
export const CM_RESOURCE_PORT_16_BIT_DECODE = 0x0004;
/** Flags of a memory descriptor. */
export const CM_RESOURCE_MEMORY_READ_WRITE = 0x0000;
/** Flags of an interrupt descriptor. */
export const CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE = 0x0000;
/** Interrupt descriptor flag: edge-triggered (ISA). */
export const CM_RESOURCE_INTERRUPT_LATCHED = 0x0001;
/** Flags of a DMA descriptor. */
export const CM_RESOURCE_DMA_8 = 0x0000;
/** DMA descriptor flag: a 16-bit channel (5-7). */
export const CM_RESOURCE_DMA_16 = 0x0001;

/** INTERFACE_TYPE of the bus a resource list describes (wdm.h). */
export const Internal = 0;
export const Isa = 1;
export const PCIBus = 5;

/** One resource: a port or memory range, an interrupt, or a DMA channel (Type says which member of `u` is set). */
export interface CM_PARTIAL_RESOURCE_DESCRIPTOR {
  /** CmResourceType*. */
  readonly Type: number;
  /** CmResourceShare*. */
  readonly ShareDisposition: number;
  /** CM_RESOURCE_* flags of the type. */
  readonly Flags: number;
  /** The resource itself. */
  readonly u: {
    readonly Port?: { readonly Start: PHYSICAL_ADDRESS; readonly Length: number };
    readonly Memory?: { readonly Start: PHYSICAL_ADDRESS; readonly Length: number };
    /** Raw: Level and Vector are the bus's line. Translated: Level is the DIRQL, Vector the system vector. */
    readonly Interrupt?: { readonly Level: number; readonly Vector: number; readonly Affinity: bigint };
    readonly Dma?: { readonly Channel: number; readonly Port: number; readonly Reserved1: number };
  };
}

/** The descriptors of one bus. */
export interface CM_PARTIAL_RESOURCE_LIST {
  /** 1. */
  readonly Version: number;
  /** 1. */
  readonly Revision: number;
  /** Descriptors that follow. */
  readonly Count: number;
  /** In BAR order, then the interrupt, then DMA channels. */
  readonly PartialDescriptors: readonly CM_PARTIAL_RESOURCE_DESCRIPTOR[];
}

/** The resources on one bus. */
export interface CM_FULL_RESOURCE_DESCRIPTOR {
  /** The bus type (Isa, PCIBus, Internal). */
  readonly InterfaceType: number;
  /** 0. */
  readonly BusNumber: number;
  /** The descriptors. */
  readonly PartialResourceList: CM_PARTIAL_RESOURCE_LIST;
}

/** A resource list, as in Parameters.StartDevice (one full descriptor per bus: dmasim gives one). */
export interface CM_RESOURCE_LIST {
  /** Full descriptors that follow. */
  readonly Count: number;
  /** The full descriptors. */
  readonly List: readonly CM_FULL_RESOURCE_DESCRIPTOR[];
}

/** The raw and translated resource lists of a device. */
export interface DeviceResources {
  /** As the bus sees them (AllocatedResources): interrupt lines. */
  readonly raw: CM_RESOURCE_LIST;
  /** As the CPU sees them (AllocatedResourcesTranslated): DIRQLs and vectors; what a driver maps and connects. */
  readonly translated: CM_RESOURCE_LIST;
}

/**
 * The resource lists the PnP manager builds for a device (by PDO, or any
 * device object over it, or by profile name): one descriptor per BAR in BAR
 * order, then the interrupt, then the DMA channels. `startDevice` sends
 * these in Parameters.StartDevice.
 *
 * @example
 * ```ts
 * import { bootMachine, deviceResources, CmResourceTypeMemory, CmResourceTypePort, CmResourceTypeInterrupt } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const list = deviceResources(k, "plx9656").translated.List[0]?.PartialResourceList;
 * console.log(list?.PartialDescriptors.map((d) => d.Type === CmResourceTypeMemory ? "memory" : d.Type === CmResourceTypePort ? "port" : d.Type === CmResourceTypeInterrupt ? "interrupt" : d.Type)); // [ 'memory', 'port', 'memory', 'interrupt' ]
 * ```
 */
export function deviceResources(k: Kernel, device: DEVICE_OBJECT | string): DeviceResources {
  const name = typeof device === "string" ? device : device.pdo.config.name;
  const d = k.board.device(name);
  const isa = d.config.bus === "isa";
  const raw: CM_PARTIAL_RESOURCE_DESCRIPTOR[] = [];
  const translated: CM_PARTIAL_RESOURCE_DESCRIPTOR[] = [];
  for (const b of d.bars) {
    const r: CM_PARTIAL_RESOURCE_DESCRIPTOR =
      b.kind === "port"
        ? { Type: CmResourceTypePort, ShareDisposition: CmResourceShareDeviceExclusive, Flags: CM_RESOURCE_PORT_IO | (isa ? CM_RESOURCE_PORT_16_BIT_DECODE : 0), u: { Port: { Start: { QuadPart: BigInt(b.base) }, Length: b.size } } }
        : { Type: CmResourceTypeMemory, ShareDisposition: CmResourceShareDeviceExclusive, Flags: CM_RESOURCE_MEMORY_READ_WRITE, u: { Memory: { Start: { QuadPart: BigInt(b.base) }, Length: b.size } } };
    raw.push(r);
    translated.push(r);
  }
  if (d.irq !== null) {
    const line = d.irq.line;
    const flags = isa ? CM_RESOURCE_INTERRUPT_LATCHED : CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
    const share = isa ? CmResourceShareDeviceExclusive : CmResourceShareShared;
    const affinity = (1n << BigInt(Math.min(k.profile.cpus, 64))) - 1n;
    raw.push({ Type: CmResourceTypeInterrupt, ShareDisposition: share, Flags: flags, u: { Interrupt: { Level: line, Vector: line, Affinity: affinity } } });
    translated.push({ Type: CmResourceTypeInterrupt, ShareDisposition: share, Flags: flags, u: { Interrupt: { Level: dirqlOfLine(line), Vector: line, Affinity: affinity } } });
  }
  for (const ch of d.config.dmaChannels ?? []) {
    const r: CM_PARTIAL_RESOURCE_DESCRIPTOR = { Type: CmResourceTypeDma, ShareDisposition: CmResourceShareDeviceExclusive, Flags: ch >= 4 ? CM_RESOURCE_DMA_16 : CM_RESOURCE_DMA_8, u: { Dma: { Channel: ch, Port: 0, Reserved1: 0 } } };
    raw.push(r);
    translated.push(r);
  }
  const interfaceType = d.config.bus === "pci" ? PCIBus : isa ? Isa : Internal;
  const list = (descs: CM_PARTIAL_RESOURCE_DESCRIPTOR[]): CM_RESOURCE_LIST => ({ Count: 1, List: [{ InterfaceType: interfaceType, BusNumber: 0, PartialResourceList: { Version: 1, Revision: 1, Count: descs.length, PartialDescriptors: descs } }] });
  return { raw: list(raw), translated: list(translated) };
}

/** The descriptors of one type in a resource list, in order. */
export function descriptorsOfType(list: CM_RESOURCE_LIST, type: number): CM_PARTIAL_RESOURCE_DESCRIPTOR[] {
  return list.List.flatMap((f) => f.PartialResourceList.PartialDescriptors.filter((d) => d.Type === type));
}
