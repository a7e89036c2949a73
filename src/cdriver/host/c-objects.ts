/**
 * The kernel objects a C driver sees, in its own memory, and the simulator
 * objects behind them. The host builds them (DRIVER_OBJECT, DEVICE_OBJECTs,
 * MDLs, DMA_ADAPTERs, KINTERRUPTs) with the layouts of the shared type table
 * and keeps a two-way map: C address <-> the kernel's object. Objects the
 * driver allocates itself (KDPC, KTIMER, KEVENT, KSPIN_LOCK) are mapped by
 * the address it passed at initialization.
 */
import { BugCheckError, BUGCHECK } from "../../core/bugcheck.ts";
import { PAGE_SIZE } from "../../core/address.ts";
import { type DMA_ADAPTER, type DMA_TRANSFER_CONTEXT, DMA_TRANSFER_CONTEXT_SIZE_V1 } from "../../hal/types.ts";
import type { DEVICE_OBJECT } from "../../kernel/device-object.ts";
import type { KDPC, KTIMER } from "../../kernel/dpc.ts";
import type { KINTERRUPT } from "../../kernel/interrupt.ts";
import type { MDL } from "../../kernel/mdl.ts";
import type { CDriverHost } from "./driver-host.ts";
import { fields } from "./layouts.ts";

export const DEV = fields("DEVICE_OBJECT", ["Type", "Size", "ReferenceCount", "DriverObject", "NextDevice", "AttachedDevice", "CurrentIrp", "Flags", "Characteristics", "DeviceExtension", "DeviceType", "StackSize", "AlignmentRequirement", "Dpc"]);
export const DRV = fields("DRIVER_OBJECT", ["Type", "Size", "DeviceObject", "Flags", "DriverExtension", "DriverName", "DriverInit", "DriverStartIo", "DriverUnload", "MajorFunction"]);
export const DRVX = fields("DRIVER_EXTENSION", ["DriverObject", "AddDevice", "Count", "ServiceKeyName"]);
export const USTR = fields("UNICODE_STRING", ["Length", "MaximumLength", "Buffer"]);
export const MDLF = fields("MDL", ["Next", "Size", "MdlFlags", "Process", "MappedSystemVa", "StartVa", "ByteCount", "ByteOffset"]);
export const KDPCF = fields("KDPC", ["Type", "DeferredRoutine", "DeferredContext", "SystemArgument1", "SystemArgument2"]);
export const DISP = fields("DISPATCHER_HEADER", ["Type", "SignalState"]);

/** DEVICE_OBJECT.Type and DRIVER_OBJECT.Type (IO_TYPE_DEVICE / IO_TYPE_DRIVER). */
const IO_TYPE_DRIVER = 4;
const IO_TYPE_DEVICE = 3;
/** DpcObject, the KOBJECTS value a KDPC carries. */
const DPC_OBJECT = 0x13;

/** A driver-visible device object and what it stands for. */
export interface CDevice {
  readonly address: number;
  /** The kernel's device object (a PDO, or the FDO made when the driver attached it), null until then. */
  ts: DEVICE_OBJECT | null;
  readonly isPdo: boolean;
  readonly name: string;
  /** The block holding it (and its extension); 0 for none. */
  readonly block: number;
  deleted: boolean;
}

export class CObjects {
  private readonly host: CDriverHost;
  readonly devices = new Map<number, CDevice>();
  private readonly deviceOf = new Map<DEVICE_OBJECT, CDevice>();
  readonly adapters = new Map<number, DMA_ADAPTER>();
  private readonly adapterOf = new Map<DMA_ADAPTER, number>();
  readonly mdls = new Map<number, MDL>();
  private readonly mdlOf = new Map<MDL, number>();
  readonly dpcs = new Map<number, KDPC>();
  readonly timers = new Map<number, KTIMER>();
  readonly interrupts = new Map<number, KINTERRUPT>();
  private readonly interruptOf = new Map<KINTERRUPT, number>();
  /** Opaque handles (map register bases): token address -> object. */
  private readonly opaque = new Map<number, object>();
  private readonly opaqueOf = new WeakMap<object, number>();
  private readonly contexts = new Map<number, DMA_TRANSFER_CONTEXT>();
  private readonly contextAt = new WeakMap<DMA_TRANSFER_CONTEXT, number>();
  private deviceCount = 0;

  constructor(host: CDriverHost) {
    this.host = host;
  }

  private get mem() {
    return this.host.mem;
  }

  /** A UNICODE_STRING (and its buffer) for `text`, in the driver's memory. */
  unicodeString(text: string): number {
    const at = this.host.heap.alloc(USTR.SIZE + 2 * (text.length + 1), "UNICODE_STRING");
    const buf = at + USTR.SIZE;
    for (let i = 0; i < text.length; i++) this.mem.setU16(buf + 2 * i, text.charCodeAt(i));
    this.mem.setU16(at + USTR.Length, 2 * text.length);
    this.mem.setU16(at + USTR.MaximumLength, 2 * (text.length + 1));
    this.mem.setU32(at + USTR.Buffer, buf);
    return at;
  }

  /** The DRIVER_OBJECT for DriverEntry: every dispatch slot set to `invalidRequest` (IopInvalidDeviceRequest). */
  driverObject(name: string, invalidRequest: number): number {
    const d = this.host.heap.alloc(DRV.SIZE + DRVX.SIZE, "DRIVER_OBJECT");
    const x = d + DRV.SIZE;
    const m = this.mem;
    m.setU16(d + DRV.Type, IO_TYPE_DRIVER);
    m.setU16(d + DRV.Size, DRV.SIZE);
    m.setU32(d + DRV.DriverExtension, x);
    m.setU32(x + DRVX.DriverObject, d);
    const nameAt = this.unicodeString(`\\Driver\\${name}`);
    m.writeBytes(d + DRV.DriverName, m.readBytes(nameAt, USTR.SIZE));
    const key = this.unicodeString(name);
    m.writeBytes(x + DRVX.ServiceKeyName, m.readBytes(key, USTR.SIZE));
    for (let i = 0; i < 0x1c; i++) m.setU32(d + DRV.MajorFunction + 4 * i, invalidRequest);
    return d;
  }

  /** A driver-visible DEVICE_OBJECT for a kernel PDO (the bus driver's), made once. */
  pdo(ts: DEVICE_OBJECT): number {
    const known = this.deviceOf.get(ts);
    if (known !== undefined) return known.address;
    const at = this.host.heap.alloc(DEV.SIZE, "DEVICE_OBJECT");
    this.initDevice(at, 0, 0, 0);
    this.mem.setU32(at + DEV.Flags, 0);
    const d: CDevice = { address: at, ts, isPdo: true, name: ts.name, block: at, deleted: false };
    this.devices.set(at, d);
    this.deviceOf.set(ts, d);
    return at;
  }

  private initDevice(at: number, driver: number, extension: number, deviceType: number): void {
    const m = this.mem;
    m.setU16(at + DEV.Type, IO_TYPE_DEVICE);
    m.setU16(at + DEV.Size, DEV.SIZE + extension);
    m.setU32(at + DEV.DriverObject, driver);
    m.setU32(at + DEV.DeviceType, deviceType);
    m.setU8(at + DEV.StackSize, 1);
    m.setU32(at + DEV.AlignmentRequirement, this.host.k.profile.cacheLineSize - 1);
  }

  /** IoCreateDevice's object: DEVICE_OBJECT with its extension after it, linked into the driver's device list. */
  createDevice(driver: number, extensionSize: number, deviceType: number, characteristics: number, name: string | null): CDevice {
    const at = this.host.heap.alloc(DEV.SIZE + extensionSize, "DEVICE_OBJECT and extension");
    const m = this.mem;
    this.initDevice(at, driver, extensionSize, deviceType);
    m.setU32(at + DEV.DeviceExtension, extensionSize === 0 ? 0 : at + DEV.SIZE);
    m.setU32(at + DEV.Characteristics, characteristics);
    // DO_DEVICE_INITIALIZING until the driver clears it at the end of AddDevice.
    m.setU32(at + DEV.Flags, 0x80);
    m.setU32(at + DEV.NextDevice, m.u32At(driver + DRV.DeviceObject));
    m.setU32(driver + DRV.DeviceObject, at);
    const d: CDevice = { address: at, ts: null, isPdo: false, name: name ?? `${++this.deviceCount}`, block: at, deleted: false };
    this.devices.set(at, d);
    return d;
  }

  /** The kernel device object of a driver-visible one (RangeError naming the routine when it has none). */
  tsDevice(address: number, routine: string): DEVICE_OBJECT {
    const d = this.devices.get(address >>> 0);
    if (d === undefined || d.deleted) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, 0xc0000005, address >>> 0, 0, 0, `${routine}: 0x${(address >>> 0).toString(16)} is not a device object${d?.deleted === true ? " (it was deleted)" : ""}`);
    if (d.ts === null) throw new RangeError(`${routine}: the device object ${d.name} is not attached to a device stack yet (IoAttachDeviceToDeviceStack)`);
    return d.ts;
  }

  attach(d: CDevice, ts: DEVICE_OBJECT): void {
    d.ts = ts;
    this.deviceOf.set(ts, d);
  }

  cDeviceOf(ts: DEVICE_OBJECT): CDevice | undefined {
    return this.deviceOf.get(ts);
  }

  deleteDevice(d: CDevice): void {
    d.deleted = true;
    if (d.ts !== null) this.deviceOf.delete(d.ts);
    this.devices.delete(d.address);
  }

  // ---- DMA adapters ----
  addAdapter(address: number, a: DMA_ADAPTER): void {
    this.adapters.set(address, a);
    this.adapterOf.set(a, address);
  }
  /** The driver's pointer for a kernel adapter: the one IoGetDmaAdapter returned, else one `write` makes now (a KMDF enabler's, WdfDmaEnablerWdmGetDmaAdapter). */
  cAdapter(a: DMA_ADAPTER, write: (a: DMA_ADAPTER) => number): number {
    const known = this.adapterOf.get(a);
    if (known !== undefined) return known;
    const at = write(a);
    this.addAdapter(at, a);
    return at;
  }
  adapter(address: number, routine: string): DMA_ADAPTER {
    const a = this.adapters.get(address >>> 0);
    if (a === undefined) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, 0xc0000005, address >>> 0, 0, 0, `${routine}: 0x${(address >>> 0).toString(16)} is not a DMA adapter from IoGetDmaAdapter`);
    return a;
  }

  // ---- DMA v3 transfer contexts ----
  /** The kernel's context for the driver's buffer at `address` (the kernel keys its record by the buffer, the driver names it by pointer): made on first use. */
  transferContext(address: number): DMA_TRANSFER_CONTEXT {
    const at = address >>> 0;
    let c = this.contexts.get(at);
    if (c === undefined) {
      c = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
      this.contexts.set(at, c);
      this.contextAt.set(c, at);
    }
    return c;
  }
  /** The driver's pointer for a context the framework owns (WdfDmaTransactionWdmGetTransferContext): a block holding its bytes, made once. */
  cTransferContext(c: DMA_TRANSFER_CONTEXT): number {
    let at = this.contextAt.get(c);
    if (at === undefined) {
      at = this.host.heap.alloc(DMA_TRANSFER_CONTEXT_SIZE_V1, "DMA_TRANSFER_CONTEXT");
      this.contexts.set(at, c);
      this.contextAt.set(c, at);
    }
    // Opaque to the driver, as on Windows: what the kernel last wrote there.
    this.mem.writeBytes(at, c, "WdfDmaTransactionWdmGetTransferContext");
    return at;
  }

  // ---- MDLs ----
  /** A driver-visible MDL for a kernel MDL (header, then the PFN array): made, or refreshed when it exists. */
  mirrorMdl(mdl: MDL): number {
    let at = this.mdlOf.get(mdl);
    if (at === undefined) {
      at = this.host.heap.alloc(MDLF.SIZE + 4 * mdl.pfns.length, "MDL");
      this.mdls.set(at, mdl);
      this.mdlOf.set(mdl, at);
    }
    this.syncMdl(at, mdl);
    return at;
  }

  /** Copy the kernel MDL's state into its driver-visible copy. */
  syncMdl(at: number, mdl: MDL): void {
    const m = this.mem;
    m.setU32(at + MDLF.Next, mdl.Next === null ? 0 : this.mirrorMdl(mdl.Next));
    m.setU16(at + MDLF.Size, MDLF.SIZE + 4 * mdl.pfns.length);
    m.setU16(at + MDLF.MdlFlags, mdl.MdlFlags & 0xffff);
    m.setU32(at + MDLF.MappedSystemVa, mdl.MappedSystemVa === 0 ? 0 : m.cPointer(mdl.MappedSystemVa));
    m.setU32(at + MDLF.StartVa, m.cPointer(mdl.StartVa));
    m.setU32(at + MDLF.ByteCount, mdl.ByteCount);
    m.setU32(at + MDLF.ByteOffset, mdl.ByteOffset);
    for (let i = 0; i < mdl.pfns.length; i++) m.setU32(at + MDLF.SIZE + 4 * i, mdl.pfns[i] as number);
  }

  mdl(address: number, routine: string): MDL {
    const mdl = this.mdls.get(address >>> 0);
    if (mdl === undefined) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x7, address >>> 0, 0, 0, `${routine}: 0x${(address >>> 0).toString(16)} is not an MDL from IoAllocateMdl (or it was freed)`);
    return mdl;
  }

  dropMdl(address: number): void {
    const mdl = this.mdls.get(address);
    if (mdl === undefined) return;
    this.mdls.delete(address);
    this.mdlOf.delete(mdl);
    this.host.heap.release(address);
  }

  // ---- Interrupts ----
  addInterrupt(i: KINTERRUPT): number {
    const at = this.host.heap.alloc(16, "KINTERRUPT");
    this.interrupts.set(at, i);
    this.interruptOf.set(i, at);
    return at;
  }
  interrupt(address: number, routine: string): KINTERRUPT {
    const i = this.interrupts.get(address >>> 0);
    if (i === undefined) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, 0xc0000005, address >>> 0, 0, 0, `${routine}: 0x${(address >>> 0).toString(16)} is not an interrupt object from IoConnectInterrupt`);
    return i;
  }
  cInterruptOf(i: KINTERRUPT): number {
    return this.interruptOf.get(i) ?? 0;
  }

  // ---- DPCs ----
  /** Fill the driver's KDPC as KeInitializeDpc does (the kernel's own object lives beside it). */
  initDpc(address: number, routine: number, context: number, dpc: KDPC): void {
    const m = this.mem;
    m.setU8(address + KDPCF.Type, DPC_OBJECT);
    m.setU32(address + KDPCF.DeferredRoutine, routine);
    m.setU32(address + KDPCF.DeferredContext, context);
    this.dpcs.set(address >>> 0, dpc);
  }
  dpc(address: number, routine: string): KDPC {
    const d = this.dpcs.get(address >>> 0);
    if (d === undefined) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, 0xc0000005, address >>> 0, 0, 0, `${routine}: the KDPC at 0x${(address >>> 0).toString(16)} was never initialized (KeInitializeDpc)`);
    return d;
  }

  // ---- Opaque handles ----
  /** A token the driver holds for a kernel object it must only pass back (a map register base); 0 for null. */
  token(o: object | null): number {
    if (o === null) return 0;
    const known = this.opaqueOf.get(o);
    if (known !== undefined) return known;
    const at = this.host.heap.alloc(16, "map register base");
    this.opaque.set(at, o);
    this.opaqueOf.set(o, at);
    return at;
  }
  fromToken(address: number): object | null {
    return address === 0 ? null : (this.opaque.get(address >>> 0) ?? { invalid: address >>> 0 });
  }
}

/** Pages for `bytes` (at least one). */
export function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE_SIZE));
}
