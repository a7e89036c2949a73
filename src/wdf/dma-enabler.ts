/**
 * WDFDMAENABLER: WdfDmaEnablerCreate with WDF_DMA_ENABLER_CONFIG, the
 * profile table, the adapters it gets from IoGetDmaAdapter (one, or a read
 * and a write adapter for duplex profiles), the default common-buffer
 * alignment, and the getters. Follows Windows-Driver-Frameworks
 * fxdmaenablerapi.cpp / fxdmaenabler.cpp (reference windows-dma.md §4.1-4.3).
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../core/address.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { DEVICE_DESCRIPTION_VERSION2, DEVICE_DESCRIPTION_VERSION3, type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, type DMA_WIDTH, InterfaceType } from "../hal/types.ts";
import { WdfDevice } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import { type KmdfVersion, WdfDriverGlobals } from "./globals.ts";
import { FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";
import { pnpPowerAdoptDma, type PowerManagedDma } from "./pnp-power.ts";

/** WDF_DMA_PROFILE: not a profile (WdfDmaEnablerCreate: STATUS_INVALID_PARAMETER). */
export const WdfDmaProfileInvalid = 0;
/** A 32-bit packet-mode bus master: one contiguous element per transfer (map registers double-buffer). */
export const WdfDmaProfilePacket = 1;
/** A 32-bit scatter/gather bus master. */
export const WdfDmaProfileScatterGather = 2;
/** A 64-bit packet-mode bus master. */
export const WdfDmaProfilePacket64 = 3;
/** A 64-bit scatter/gather bus master. */
export const WdfDmaProfileScatterGather64 = 4;
/** A 32-bit scatter/gather bus master with a read and a write adapter. */
export const WdfDmaProfileScatterGatherDuplex = 5;
/** A 64-bit scatter/gather bus master with a read and a write adapter. */
export const WdfDmaProfileScatterGather64Duplex = 6;
/** A system DMA (controller-driven) device; configured with WdfDmaEnablerConfigureSystemProfile; always DMA v3. */
export const WdfDmaProfileSystem = 7;
/** A system DMA device with a channel per direction. */
export const WdfDmaProfileSystemDuplex = 8;
/** WDF_DMA_PROFILE: one of the WdfDmaProfile* values. */
export type WDF_DMA_PROFILE = number;

/** WDF_DMA_DIRECTION. */
export const WdfDmaDirectionReadFromDevice = 0;
/** WDF_DMA_DIRECTION: memory to device. */
export const WdfDmaDirectionWriteToDevice = 1;
/** WDF_DMA_DIRECTION: WdfDmaDirectionReadFromDevice or WdfDmaDirectionWriteToDevice. */
export type WDF_DMA_DIRECTION = typeof WdfDmaDirectionReadFromDevice | typeof WdfDmaDirectionWriteToDevice;

/** WDF_DMA_ENABLER_CONFIG_FLAGS. */
export const WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION = 0x1;
/** WDF_DMA_ENABLER_CONFIG_FLAGS (KMDF 1.19, DMA v3 only): every transaction must complete in one transfer. */
export const WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER = 0x2;
/** WdfDmaEnablerGetMaximumScatterGatherElements before any limit is set: no limit. */
export const WDF_DMA_ENABLER_UNLIMITED_FRAGMENTS = 0xffff_ffff;

/** sizeof(WDF_DMA_ENABLER_CONFIG) on x64 for KMDF >= 1.11, and the 1.9 layout (no AddressWidthOverride, WdmDmaVersionOverride, Flags). */
export const WDF_DMA_ENABLER_CONFIG_SIZE = 0x50;
/** sizeof(WDF_DMA_ENABLER_CONFIG) in the KMDF 1.9 headers (what a 1.9 driver's WDF_DMA_ENABLER_CONFIG_INIT writes). */
export const WDF_DMA_ENABLER_CONFIG_V1_9_SIZE = 0x40;

/** EVT_WDF_DMA_ENABLER_FILL / FLUSH / ENABLE / DISABLE / SELFMANAGED_IO_START / STOP: a power-path callback of the enabler. */
export type EVT_WDF_DMA_ENABLER_CALLBACK = (DmaEnabler: WdfDmaEnabler) => NTSTATUS;

/** WDF_DMA_ENABLER_CONFIG: fill with WDF_DMA_ENABLER_CONFIG_INIT, then set what applies. */
export interface WDF_DMA_ENABLER_CONFIG {
  Size: number;
  Profile: WDF_DMA_PROFILE;
  MaximumLength: number;
  EvtDmaEnablerFill: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  EvtDmaEnablerFlush: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  EvtDmaEnablerDisable: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  EvtDmaEnablerEnable: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  EvtDmaEnablerSelfManagedIoStart: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  EvtDmaEnablerSelfManagedIoStop: EVT_WDF_DMA_ENABLER_CALLBACK | null;
  AddressWidthOverride: number;
  WdmDmaVersionOverride: number;
  Flags: number;
}

/**
 * The KMDF version whose headers a driver is compiled against: a version
 * ("1.9", { major, minor }), or any framework object or driver globals of
 * the driver (its bound version). Undefined: the newest (1.33).
 */
export type KmdfBinding = string | KmdfVersion | WdfDriverGlobals | { readonly globals: WdfDriverGlobals };

function boundVersion(b: KmdfBinding | undefined, routine: string): KmdfVersion {
  if (b === undefined) return { major: 1, minor: 33 };
  if (typeof b === "string") {
    const m = /^(\d+)\.(\d+)$/.exec(b);
    if (m === null) throw new RangeError(`${routine}: "${b}" is not a KMDF version such as "1.9"`);
    return { major: Number(m[1]), minor: Number(m[2]) };
  }
  if (b instanceof WdfDriverGlobals) return b.version;
  if ("globals" in b) return b.globals.version;
  return b;
}

function atLeast(v: KmdfVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * WDF_DMA_ENABLER_CONFIG_INIT(&config, Profile, MaximumLength). In C the
 * header of the driver's KMDF version supplies sizeof(WDF_DMA_ENABLER_CONFIG):
 * pass the driver's device, driver or version as `BoundTo` to get that
 * version's Size (0x40 before KMDF 1.11, 0x50 from 1.11 on), which is what
 * WdfDmaEnablerCreate expects from a driver bound to it.
 */
export function WDF_DMA_ENABLER_CONFIG_INIT(Profile: WDF_DMA_PROFILE, MaximumLength: number, BoundTo?: KmdfBinding): WDF_DMA_ENABLER_CONFIG {
  return {
    Size: atLeast(boundVersion(BoundTo, "WDF_DMA_ENABLER_CONFIG_INIT"), 1, 11) ? WDF_DMA_ENABLER_CONFIG_SIZE : WDF_DMA_ENABLER_CONFIG_V1_9_SIZE,
    Profile,
    MaximumLength,
    EvtDmaEnablerFill: null,
    EvtDmaEnablerFlush: null,
    EvtDmaEnablerDisable: null,
    EvtDmaEnablerEnable: null,
    EvtDmaEnablerSelfManagedIoStart: null,
    EvtDmaEnablerSelfManagedIoStop: null,
    AddressWidthOverride: 0,
    WdmDmaVersionOverride: 0,
    Flags: 0,
  };
}

/** What each profile means (the switch in FxDmaEnabler::Initialize). */
export interface DmaProfileTraits {
  readonly name: string;
  readonly busMaster: boolean;
  readonly scatterGather: boolean;
  readonly dma64: boolean;
  readonly duplex: boolean;
}

/** Each profile's traits, by WDF_DMA_PROFILE value. */
export const DMA_PROFILES: ReadonlyMap<number, DmaProfileTraits> = new Map([
  [WdfDmaProfilePacket, { name: "WdfDmaProfilePacket", busMaster: true, scatterGather: false, dma64: false, duplex: false }],
  [WdfDmaProfileScatterGather, { name: "WdfDmaProfileScatterGather", busMaster: true, scatterGather: true, dma64: false, duplex: false }],
  [WdfDmaProfilePacket64, { name: "WdfDmaProfilePacket64", busMaster: true, scatterGather: false, dma64: true, duplex: false }],
  [WdfDmaProfileScatterGather64, { name: "WdfDmaProfileScatterGather64", busMaster: true, scatterGather: true, dma64: true, duplex: false }],
  [WdfDmaProfileScatterGatherDuplex, { name: "WdfDmaProfileScatterGatherDuplex", busMaster: true, scatterGather: true, dma64: false, duplex: true }],
  [WdfDmaProfileScatterGather64Duplex, { name: "WdfDmaProfileScatterGather64Duplex", busMaster: true, scatterGather: true, dma64: true, duplex: true }],
  [WdfDmaProfileSystem, { name: "WdfDmaProfileSystem", busMaster: false, scatterGather: false, dma64: false, duplex: false }],
  [WdfDmaProfileSystemDuplex, { name: "WdfDmaProfileSystemDuplex", busMaster: false, scatterGather: false, dma64: false, duplex: true }],
]);

/** One direction's adapter and what the enabler learned about it (FxDmaDescription). */
export interface FxDmaDescription {
  DeviceDescription: DEVICE_DESCRIPTION;
  AdapterObject: DMA_ADAPTER | null;
  NumberOfMapRegisters: number;
  /** Bytes of a scatter/gather list for a maximum-length transfer (CalculateScatterGatherList). */
  PreallocatedSGListSize: number;
  MaximumFragmentLength: number;
}

function emptyDescription(): FxDmaDescription {
  return { DeviceDescription: deviceDescription(), AdapterObject: null, NumberOfMapRegisters: 0, PreallocatedSGListSize: 0, MaximumFragmentLength: 0 };
}

/** sizeof(SCATTER_GATHER_LIST) header and of one SCATTER_GATHER_ELEMENT on x64. */
export const SCATTER_GATHER_LIST_HEADER_SIZE = 16;
/** sizeof(SCATTER_GATHER_ELEMENT) on x64 (Address, Length, Reserved). */
export const SCATTER_GATHER_ELEMENT_SIZE = 24;

/** WDFDMAENABLER: the device's DMA adapters and what KMDF learned about them (FxDmaEnabler). */
export class WdfDmaEnabler extends WdfObject implements PowerManagedDma {
  readonly typeName = "WDFDMAENABLER";
  readonly device: WdfDevice;
  readonly profile: WDF_DMA_PROFILE;
  readonly traits: DmaProfileTraits;
  readonly maximumLength: number;
  /** Default alignment mask of WdfCommonBufferCreate (m_CommonBufferAlignment). */
  commonBufferAlignment = 0;
  maxSGElements = WDF_DMA_ENABLER_UNLIMITED_FRAGMENTS;
  requireSingleTransfer = false;
  /** Transactions use GetScatterGatherList instead of BuildScatterGatherList + lookaside. */
  noSgListPreallocation = false;
  /** Size of the enabler's preallocated scatter/gather lists (0 when none). */
  sgListSize = 0;
  readonly simplex: FxDmaDescription = emptyDescription();
  readonly duplexRead: FxDmaDescription = emptyDescription();
  readonly duplexWrite: FxDmaDescription = emptyDescription();
  private added = false;
  /** The driver's power callbacks (EvtDmaEnablerFill ... SelfManagedIoStop). */
  private readonly power: Pick<WDF_DMA_ENABLER_CONFIG, "EvtDmaEnablerFill" | "EvtDmaEnablerFlush" | "EvtDmaEnablerDisable" | "EvtDmaEnablerEnable" | "EvtDmaEnablerSelfManagedIoStart" | "EvtDmaEnablerSelfManagedIoStop">;
  /** Which power-up callback failed last (FxDmaEnabler's m_DmaEnabler*Failed): PowerDown skips the undo of what never happened. */
  private fillFailed = false;
  private enableFailed = false;
  private leavePowerPath: (() => void) | null = null;

  constructor(device: WdfDevice, config: WDF_DMA_ENABLER_CONFIG, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(device.globals, attributes);
    this.device = device;
    this.power = {
      EvtDmaEnablerFill: config.EvtDmaEnablerFill,
      EvtDmaEnablerFlush: config.EvtDmaEnablerFlush,
      EvtDmaEnablerDisable: config.EvtDmaEnablerDisable,
      EvtDmaEnablerEnable: config.EvtDmaEnablerEnable,
      EvtDmaEnablerSelfManagedIoStart: config.EvtDmaEnablerSelfManagedIoStart,
      EvtDmaEnablerSelfManagedIoStop: config.EvtDmaEnablerSelfManagedIoStop,
    };
    this.profile = config.Profile;
    this.traits = DMA_PROFILES.get(config.Profile) as DmaProfileTraits;
    // m_MaximumLength = (ULONG) Config->MaximumLength.
    this.maximumLength = config.MaximumLength % 0x1_0000_0000;
  }

  /** The profile is a bus master's (not WdfDmaProfileSystem / SystemDuplex). */
  get isBusMaster(): boolean {
    return this.traits.busMaster;
  }
  /** The profile does hardware scatter/gather (the ScatterGather profiles). */
  get isScatterGather(): boolean {
    return this.traits.scatterGather;
  }
  /** The profile has one adapter per direction (the Duplex profiles). */
  get isDuplex(): boolean {
    return this.traits.duplex;
  }

  /**
   * FxDmaEnabler::UsesDmaV3: the enabler's DEVICE_DESCRIPTION has Version 3
   * (ARM64's default, an AddressWidthOverride on Windows 8 and later, a
   * WdmDmaVersionOverride of 3, the system profiles). Its transactions then
   * call the version-3 routines (InitializeDmaTransferContext,
   * Get/BuildScatterGatherListEx, AllocateAdapterChannelEx, MapTransferEx,
   * FlushAdapterBuffersEx); KMDF decides by the description, not by the table.
   */
  get usesDmaV3(): boolean {
    return this.description(WdfDmaDirectionReadFromDevice).DeviceDescription.Version === DEVICE_DESCRIPTION_VERSION3;
  }

  /** FxDmaEnabler::SupportsChainedMdls: every enabler but a DMA v2 packet-mode bus master. */
  get supportsChainedMdls(): boolean {
    return this.usesDmaV3 || !this.traits.busMaster || this.traits.scatterGather;
  }

  /**
   * A DMA v2 packet transaction of this enabler holds the device's packet
   * slot (FxDevice::AcquireDmaPacketTransaction: one at a time per device).
   */
  packetTransactionHeld = false;

  /** True when any DMA enabler of the device holds the device's packet slot. */
  get packetTransactionBusy(): boolean {
    for (const e of this.device.dmaEnablers) if (e instanceof WdfDmaEnabler && e.packetTransactionHeld) return true;
    return this.packetTransactionHeld;
  }

  /** FxDmaEnabler::InitializeTransferContext: InitializeDmaTransferContext on the direction's adapter (DMA v3 only). */
  initializeTransferContext(context: Uint8Array, direction: WDF_DMA_DIRECTION): NTSTATUS {
    const a = this.description(direction).AdapterObject;
    if (a === null || !this.usesDmaV3) return STATUS.INVALID_DEVICE_REQUEST;
    return a.DmaOperations.InitializeDmaTransferContext?.(a, context) ?? STATUS.NOT_SUPPORTED;
  }

  /** GetDmaDescription(direction): the simplex description serves both directions. */
  description(direction: WDF_DMA_DIRECTION): FxDmaDescription {
    if (!this.traits.duplex) return this.simplex;
    return direction === WdfDmaDirectionReadFromDevice ? this.duplexRead : this.duplexWrite;
  }

  /** The adapter common buffers come from: the read-direction one (both directions address alike). */
  get readAdapter(): DMA_ADAPTER | null {
    return this.description(WdfDmaDirectionReadFromDevice).AdapterObject;
  }

  /** @internal WdfDmaEnablerCreate succeeded: the device and its power path know the enabler now. */
  markAdded(): void {
    this.device.dmaEnablers.add(this);
    this.added = true;
    this.leavePowerPath = pnpPowerAdoptDma(this.device, this);
  }

  /**
   * FxDmaEnabler::PowerUp at D0 entry: EvtDmaEnablerFill, EvtDmaEnablerEnable,
   * EvtDmaEnablerSelfManagedIoStart, stopping at the first that fails.
   */
  powerUp(): NTSTATUS {
    const c = this.power;
    this.fillFailed = false;
    this.enableFailed = false;
    let st = c.EvtDmaEnablerFill?.(this) ?? STATUS.SUCCESS;
    if (!NT_SUCCESS(st)) return (this.fillFailed = true), st;
    st = c.EvtDmaEnablerEnable?.(this) ?? STATUS.SUCCESS;
    if (!NT_SUCCESS(st)) return (this.enableFailed = true), st;
    return c.EvtDmaEnablerSelfManagedIoStart?.(this) ?? STATUS.SUCCESS;
  }

  /**
   * FxDmaEnabler::PowerDown at D0 exit: EvtDmaEnablerSelfManagedIoStop, then
   * EvtDmaEnablerDisable (not when Fill failed), then EvtDmaEnablerFlush (not
   * when Fill or Enable failed); every one runs, false when one failed.
   */
  powerDown(): boolean {
    const c = this.power;
    let good = NT_SUCCESS(c.EvtDmaEnablerSelfManagedIoStop?.(this) ?? STATUS.SUCCESS);
    if (!this.fillFailed && !NT_SUCCESS(c.EvtDmaEnablerDisable?.(this) ?? STATUS.SUCCESS)) good = false;
    if (!this.fillFailed && !this.enableFailed && !NT_SUCCESS(c.EvtDmaEnablerFlush?.(this) ?? STATUS.SUCCESS)) good = false;
    return good;
  }

  /** ReleaseResources: PutDmaAdapter on each adapter the enabler holds. */
  releaseResources(): void {
    for (const d of this.traits.duplex ? [this.duplexRead, this.duplexWrite] : [this.simplex]) {
      const a = d.AdapterObject;
      if (a !== null) {
        a.DmaOperations.PutDmaAdapter?.(a);
        d.AdapterObject = null;
      }
    }
  }

  protected override dispose(): void {
    // Children (common buffers, transactions) are already disposed: their buffers went back first.
    this.releaseResources();
    if (this.added) {
      this.device.dmaEnablers.delete(this);
      this.added = false;
    }
    this.leavePowerPath?.();
    this.leavePowerPath = null;
  }
}

/** InitializeResources: IoGetDmaAdapter for one direction, then the SG-list size and fragment length. */
function initializeResources(en: WdfDmaEnabler, d: FxDmaDescription): NTSTATUS {
  const k = en.globals.kernel;
  const nmr = { value: 0 };
  const a = IoGetDmaAdapter(k, en.device.pdo, d.DeviceDescription, nmr);
  if (a === null) return STATUS.UNSUCCESSFUL;
  d.AdapterObject = a;
  d.NumberOfMapRegisters = nmr.value;
  if (en.isScatterGather) {
    const calc = a.DmaOperations.CalculateScatterGatherList;
    if (calc === null) return STATUS.NOT_SUPPORTED;
    const size = { value: 0 };
    const regs = { value: 0 };
    const st = calc(a, null, 0, d.NumberOfMapRegisters * PAGE_SIZE, size, regs);
    if (!NT_SUCCESS(st)) return st;
    d.PreallocatedSGListSize = size.value;
  } else if (en.isBusMaster) {
    // Packet DMA: the HAL moves the data into one contiguous run, so one element.
    d.PreallocatedSGListSize = SCATTER_GATHER_LIST_HEADER_SIZE + SCATTER_GATHER_ELEMENT_SIZE;
  } else {
    d.PreallocatedSGListSize = SCATTER_GATHER_LIST_HEADER_SIZE + SCATTER_GATHER_ELEMENT_SIZE * d.NumberOfMapRegisters;
  }
  d.MaximumFragmentLength = Math.min(en.maximumLength, Math.max(0, d.NumberOfMapRegisters - 1) * 2 ** PAGE_SHIFT);
  return STATUS.SUCCESS;
}

function configureDmaAdapter(en: WdfDmaEnabler, desc: DEVICE_DESCRIPTION, direction: WDF_DMA_DIRECTION): NTSTATUS {
  const d = en.description(direction);
  d.DeviceDescription = { ...desc, DeviceAddress: { QuadPart: desc.DeviceAddress.QuadPart } };
  return initializeResources(en, d);
}

/** ConfigureBusMasterAdapters: the adapters, then (SG profiles) the default common-buffer alignment. */
function configureBusMasterAdapters(en: WdfDmaEnabler, desc: DEVICE_DESCRIPTION, config: WDF_DMA_ENABLER_CONFIG): NTSTATUS {
  desc.MaximumLength = en.maximumLength;
  let st = configureDmaAdapter(en, desc, WdfDmaDirectionReadFromDevice);
  if (!NT_SUCCESS(st)) return st;
  if (en.isDuplex) {
    st = configureDmaAdapter(en, desc, WdfDmaDirectionWriteToDevice);
    if (!NT_SUCCESS(st)) return st;
  }
  if (en.isScatterGather) {
    const read = en.description(WdfDmaDirectionReadFromDevice);
    const a = read.AdapterObject as DMA_ADAPTER;
    // GetDmaAlignment returns bytes; WDF keeps masks. KMDF < 1.11 keeps the old (off-by-one) value for compatibility.
    let alignment = a.DmaOperations.GetDmaAlignment?.(a) ?? 1;
    if (en.globals.isVersionAtLeast(1, 11) && alignment > 0) alignment -= 1;
    en.commonBufferAlignment = Math.max(en.device.fdo.AlignmentRequirement, alignment);
    const size = Math.max(read.PreallocatedSGListSize, en.description(WdfDmaDirectionWriteToDevice).PreallocatedSGListSize);
    if ((config.Flags & WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION) === 0) en.sgListSize = size;
  }
  return STATUS.SUCCESS;
}

/** FxDmaEnabler::Initialize: the base description, the profile, overrides, flags, adapters. */
function initialize(en: WdfDmaEnabler, config: WDF_DMA_ENABLER_CONFIG): NTSTATUS {
  const k = en.globals.kernel;
  const t = en.traits;
  // Version 2, except on ARM/ARM64 builds, which default to Version 3.
  const desc = deviceDescription({ Version: k.arch === "arm64" ? DEVICE_DESCRIPTION_VERSION3 : DEVICE_DESCRIPTION_VERSION2, Master: true, Dma32BitAddresses: true, InterfaceType: InterfaceType.PCIBus });
  if (t.busMaster) {
    desc.ScatterGather = t.scatterGather;
    desc.Dma64BitAddresses = t.dma64;
  } else {
    desc.Master = false;
    desc.Dma32BitAddresses = false;
    desc.Dma64BitAddresses = false;
    desc.Version = DEVICE_DESCRIPTION_VERSION3;
  }
  const width = config.AddressWidthOverride;
  if (width !== 0) {
    if (!t.busMaster) return STATUS.INVALID_PARAMETER;
    if (!desc.Dma64BitAddresses && width > 32) return STATUS.INVALID_PARAMETER;
    if (en.globals.isOsAtLeast(6, 2)) {
      desc.Version = DEVICE_DESCRIPTION_VERSION3;
      desc.DmaAddressWidth = width;
    } else {
      // Windows 7 has no DMA v3: fall back to the next lower of 64 / 32 bits; below 24 bits fails as v3 would.
      if (width < 64) desc.Dma64BitAddresses = false;
      if (width < 32) desc.Dma32BitAddresses = false;
      if (width < 24) return STATUS.UNSUCCESSFUL;
    }
  }
  if (config.WdmDmaVersionOverride !== 0) {
    if (config.WdmDmaVersionOverride < desc.Version) return STATUS.INVALID_PARAMETER;
    desc.Version = config.WdmDmaVersionOverride;
  }
  if (desc.Version >= DEVICE_DESCRIPTION_VERSION3 && desc.DmaAddressWidth === 0) desc.DmaAddressWidth = desc.Dma64BitAddresses ? 64 : desc.Dma32BitAddresses ? 32 : 24;
  if ((config.Flags & WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER) !== 0) {
    if (!en.globals.isVersionAtLeast(1, 19) || desc.Version !== DEVICE_DESCRIPTION_VERSION3) return STATUS.INVALID_PARAMETER;
    en.requireSingleTransfer = true;
  }
  en.noSgListPreallocation = (config.Flags & WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION) !== 0;
  if (t.busMaster) {
    const st = configureBusMasterAdapters(en, desc, config);
    if (!NT_SUCCESS(st)) {
      en.releaseResources();
      return st;
    }
  } else {
    // System profiles get their adapters in WdfDmaEnablerConfigureSystemProfile; keep the base description (Version 3) meanwhile, in both directions of a duplex enabler, so its transactions get a DMA v3 transfer context.
    en.simplex.DeviceDescription = desc;
    if (t.duplex) {
      en.duplexRead.DeviceDescription = { ...desc };
      en.duplexWrite.DeviceDescription = { ...desc };
    }
  }
  en.markAdded();
  return STATUS.SUCCESS;
}

/**
 * WdfDmaEnablerCreate(Device, Config, Attributes, DmaEnablerHandle) at
 * PASSIVE_LEVEL. The checks, in the framework's order: IRQL (KMDF verifier
 * only), attributes, the parent (>= 1.11: must have this device as an
 * ancestor, else STATUS_WDF_OBJECT_ATTRIBUTES_INVALID; < 1.11: silently the
 * device), Config->Size (STATUS_INFO_LENGTH_MISMATCH), the profile and
 * MaximumLength (STATUS_INVALID_PARAMETER); then the profile's description,
 * the overrides and the adapters (IoGetDmaAdapter NULL: STATUS_UNSUCCESSFUL).
 * A device (or parent) already being deleted — the device was removed and
 * the driver still holds a reference — gives STATUS_DELETE_PENDING, as
 * FxObject refuses children of an object past its Created state, and no
 * adapter is requested. On failure the half-made enabler is deleted and the
 * handle stays NULL.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT,
 *   WdfDmaProfileScatterGather64, WdfDmaProfilePacket, WdfDmaEnablerGetMaximumLength, WdfDmaEnablerWdmGetDmaAdapter, WdfDmaDirectionReadFromDevice,
 *   adapterObject, statusSymbol, type HandleOut, type WdfDriver, type WdfDmaEnabler } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null })), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * const enabler: HandleOut<WdfDmaEnabler> = { value: null };
 * // A 64-bit scatter/gather bus master moving up to 64 KiB per transfer: the framework asks IoGetDmaAdapter for it.
 * console.log(statusSymbol(WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, enabler))); // STATUS_SUCCESS
 * const adapter = WdfDmaEnablerWdmGetDmaAdapter(enabler.value!, WdfDmaDirectionReadFromDevice);
 * console.log(WdfDmaEnablerGetMaximumLength(enabler.value!), adapter !== null && adapterObject(adapter).reach.addressBits); // 65536 64
 * const packet: HandleOut<WdfDmaEnabler> = { value: null };        // a 32-bit packet-based device
 * WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfilePacket, 4096), null, packet);
 * const a32 = WdfDmaEnablerWdmGetDmaAdapter(packet.value!, WdfDmaDirectionReadFromDevice);
 * console.log(a32 !== null && adapterObject(a32).reach.addressBits); // 32
 * console.log(statusSymbol(WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 0), null, { value: null }))); // STATUS_INVALID_PARAMETER — MaximumLength 0
 * ```
 */
export function WdfDmaEnablerCreate(Device: WdfDevice, Config: WDF_DMA_ENABLER_CONFIG, Attributes: WDF_OBJECT_ATTRIBUTES | null, DmaEnablerHandle: HandleOut<WdfDmaEnabler>): NTSTATUS {
  const dev = validHandle(Device, WdfDevice, "WdfDmaEnablerCreate");
  const g = dev.globals;
  let status = g.checkIrql("WdfDmaEnablerCreate", PASSIVE_LEVEL);
  if (!NT_SUCCESS(status)) return status;
  DmaEnablerHandle.value = null;
  status = FxValidateObjectAttributes(Attributes);
  if (!NT_SUCCESS(status)) return status;
  let parent: WdfObject = dev;
  if (Attributes !== null && Attributes.ParentObject !== null) {
    const p = validHandle(Attributes.ParentObject, WdfObject, "WdfDmaEnablerCreate");
    if (g.isVersionAtLeast(1, 11)) {
      let search: WdfObject | null = p;
      while (search !== null && !(search instanceof WdfDevice)) search = search.parent;
      if (search !== dev) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID;
      parent = p;
    }
  }
  const expected = g.isVersionAtLeast(1, 11) ? WDF_DMA_ENABLER_CONFIG_SIZE : WDF_DMA_ENABLER_CONFIG_V1_9_SIZE;
  if (Config.Size !== expected) return STATUS.INFO_LENGTH_MISMATCH;
  // A 1.9 driver's structure has no override or flag fields: they read as zero.
  const config: WDF_DMA_ENABLER_CONFIG = expected === WDF_DMA_ENABLER_CONFIG_SIZE ? Config : { ...Config, Size: WDF_DMA_ENABLER_CONFIG_SIZE, AddressWidthOverride: 0, WdmDmaVersionOverride: 0, Flags: 0 };
  if (!DMA_PROFILES.has(config.Profile)) return STATUS.INVALID_PARAMETER;
  if (!Number.isInteger(config.MaximumLength) || config.MaximumLength < 0) throw new RangeError(`WdfDmaEnablerCreate: MaximumLength must be a size_t, got ${config.MaximumLength}`);
  if (config.MaximumLength === 0) return STATUS.INVALID_PARAMETER;
  // FxObject::AddChildObjectInternal: no child for an object already being deleted (a removed device held by a stale reference).
  if (parent.state !== "created" || dev.state !== "created") return STATUS.DELETE_PENDING;
  const en = new WdfDmaEnabler(dev, config, Attributes);
  en.commit(parent);
  status = initialize(en, config);
  if (!NT_SUCCESS(status)) {
    en.deleteFromFailedCreate();
    return status;
  }
  DmaEnablerHandle.value = en;
  return STATUS.SUCCESS;
}

/** WdfDmaEnablerGetMaximumLength. */
export function WdfDmaEnablerGetMaximumLength(DmaEnabler: WdfDmaEnabler): number {
  return validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerGetMaximumLength").maximumLength;
}

/** WdfDmaEnablerGetMaximumScatterGatherElements. */
export function WdfDmaEnablerGetMaximumScatterGatherElements(DmaEnabler: WdfDmaEnabler): number {
  return validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerGetMaximumScatterGatherElements").maxSGElements;
}

/** WdfDmaEnablerSetMaximumScatterGatherElements: 0 is ignored (traced by KMDF). */
export function WdfDmaEnablerSetMaximumScatterGatherElements(DmaEnabler: WdfDmaEnabler, MaximumFragments: number): void {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerSetMaximumScatterGatherElements");
  if (!NT_SUCCESS(en.globals.checkIrql("WdfDmaEnablerSetMaximumScatterGatherElements", PASSIVE_LEVEL))) return;
  if (MaximumFragments === 0) return;
  en.maxSGElements = MaximumFragments;
}

/** WdfDmaEnablerGetFragmentLength(direction): min(MaximumLength, (map registers - 1) pages). */
export function WdfDmaEnablerGetFragmentLength(DmaEnabler: WdfDmaEnabler, DmaDirection: WDF_DMA_DIRECTION): number {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerGetFragmentLength");
  if (DmaDirection !== WdfDmaDirectionReadFromDevice && DmaDirection !== WdfDmaDirectionWriteToDevice) return 0;
  return en.description(DmaDirection).MaximumFragmentLength;
}

/** WdfDmaEnablerWdmGetDmaAdapter(direction): the WDM adapter behind a direction (NULL for a bad direction). */
export function WdfDmaEnablerWdmGetDmaAdapter(DmaEnabler: WdfDmaEnabler, DmaDirection: WDF_DMA_DIRECTION): DMA_ADAPTER | null {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerWdmGetDmaAdapter");
  if (DmaDirection !== WdfDmaDirectionReadFromDevice && DmaDirection !== WdfDmaDirectionWriteToDevice) return null;
  return en.description(DmaDirection).AdapterObject;
}

/** The DMA resource a system-profile enabler is configured from (CM_PARTIAL_RESOURCE_DESCRIPTOR u.Dma). */
export interface DmaResourceDescriptor {
  readonly Channel: number;
  readonly Port: number;
}

/** sizeof(WDF_DMA_SYSTEM_PROFILE_CONFIG) on x64 (KMDF 1.11 and later; the same in every version that has it). */
export const WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE = 0x20;

/** WDF_DMA_SYSTEM_PROFILE_CONFIG: a system-profile enabler's channel, from its DMA resource. */
export interface WDF_DMA_SYSTEM_PROFILE_CONFIG {
  Size: number;
  DemandMode: boolean;
  LoopedTransfer: boolean;
  DmaWidth: DMA_WIDTH;
  DeviceAddress: { QuadPart: bigint };
  DmaDescriptor: DmaResourceDescriptor | null;
}

/** WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT(&config, Address, DmaWidth, DmaDescriptor): zeroed, Size set, the three fields filled. */
export function WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT(Address: { QuadPart: bigint }, DmaWidth: DMA_WIDTH, DmaDescriptor: DmaResourceDescriptor | null): WDF_DMA_SYSTEM_PROFILE_CONFIG {
  return { Size: WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE, DemandMode: false, LoopedTransfer: false, DmaWidth, DeviceAddress: { QuadPart: Address.QuadPart }, DmaDescriptor };
}

/**
 * WdfDmaEnablerConfigureSystemProfile: a Version 3, InterfaceType Internal
 * description from the DMA resource; a direction configured twice gives
 * STATUS_INVALID_PARAMETER; IoGetDmaAdapter NULL gives STATUS_UNSUCCESSFUL.
 */
export function WdfDmaEnablerConfigureSystemProfile(DmaEnabler: WdfDmaEnabler, ProfileConfig: WDF_DMA_SYSTEM_PROFILE_CONFIG | null, ConfigDirection: WDF_DMA_DIRECTION): NTSTATUS {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, "WdfDmaEnablerConfigureSystemProfile");
  if (ProfileConfig === null) return STATUS.INVALID_PARAMETER;
  if (ProfileConfig.Size !== WDF_DMA_SYSTEM_PROFILE_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  if (ProfileConfig.DmaDescriptor === null) return STATUS.INVALID_PARAMETER;
  if (ConfigDirection !== WdfDmaDirectionReadFromDevice && ConfigDirection !== WdfDmaDirectionWriteToDevice) return STATUS.INVALID_PARAMETER;
  if (en.isBusMaster) return STATUS.INVALID_PARAMETER;
  if (en.description(ConfigDirection).AdapterObject !== null) return STATUS.INVALID_PARAMETER;
  const desc = deviceDescription({
    Version: DEVICE_DESCRIPTION_VERSION3,
    MaximumLength: en.maximumLength,
    DemandMode: ProfileConfig.DemandMode,
    AutoInitialize: ProfileConfig.LoopedTransfer,
    DmaWidth: ProfileConfig.DmaWidth,
    DeviceAddress: { QuadPart: ProfileConfig.DeviceAddress.QuadPart },
    InterfaceType: InterfaceType.Internal,
    DmaChannel: ProfileConfig.DmaDescriptor.Channel,
    DmaRequestLine: ProfileConfig.DmaDescriptor.Port,
  });
  return configureDmaAdapter(en, desc, ConfigDirection);
}
