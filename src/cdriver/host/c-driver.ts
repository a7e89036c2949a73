/**
 * A C driver loaded on a machine, as the kernel sees it: a driver object
 * whose AddDevice and dispatch routines are the C driver's, called through
 * its function table. `DriverEntry` runs at load, as the I/O manager runs it;
 * the kernel's PnP manager then adds, starts and removes its devices
 * (pnpAddDevice, startDevice, removeDevice) and applications send it IRPs,
 * exactly as for a TypeScript driver.
 */
import { PASSIVE_LEVEL } from "../../core/irql.ts";
import { NT_SUCCESS, STATUS, statusName } from "../../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../../kernel/device-object.ts";
import type { IRP } from "../../kernel/irp.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { createDriverObject, type DRIVER_OBJECT } from "../../kernel/pnp.ts";
import type { InstrumentedDriver } from "../wasm/instrument.ts";
import { CObjects, DEV, DRV, DRVX } from "./c-objects.ts";
import type { DriverContext, DriverMessage } from "./context.ts";
import { CDriverHost, type ImportTable } from "./driver-host.ts";
import { debugImports } from "./imports/debug.ts";
import { halImports } from "./imports/hal.ts";
import { ioImports, syncDeviceFlags } from "./imports/io.ts";
import { keImports } from "./imports/ke.ts";
import { mmImports } from "./imports/mm.ts";
import { portImports } from "./imports/ports.ts";
import type { WdfContext } from "./imports/wdf-context.ts";
import { wdfImports } from "./imports/wdf.ts";
import { WdfDriverWdmGetDriverObject } from "../../wdf/driver.ts";
import { IOSB, IrpBridge, IRPF } from "./irps.ts";

export interface CDriverOptions {
  /** The driver's name (\Driver\<name>, its service key). */
  readonly name: string;
  /** The folder its sources were compiled in (for C file paths in stacks). */
  readonly sourceRoot: string;
  /** Where DbgPrint and TraceEvents messages go (default: kept in `messages`, the newest 10 000). */
  readonly onMessage?: (m: DriverMessage) => void;
}

const MAX_KEPT_MESSAGES = 10_000;

/** Every kernel and framework routine a C driver can import, for one driver context; `wdf` is the driver's KMDF state. */
export function kernelImports(ctx: DriverContext): { imports: ImportTable; wdf: WdfContext } {
  const { imports: wdfRoutines, wdf } = wdfImports(ctx);
  return { imports: { ...ioImports(ctx), ...keImports(ctx), ...mmImports(ctx), ...halImports(ctx), ...portImports(ctx), ...debugImports(ctx), ...wdfRoutines }, wdf };
}

export class CDriver {
  readonly k: Kernel;
  readonly host: CDriverHost;
  readonly objects: CObjects;
  readonly irps: IrpBridge;
  /** The WDM bridge: AddDevice and dispatch call the C driver's own routines. */
  private readonly wdmDriver: DRIVER_OBJECT;
  /** The KMDF state (its WDFDRIVER once DriverEntry called WdfDriverCreate). */
  private wdf: WdfContext | null = null;
  /** Messages kept when no onMessage was given. */
  readonly messages: DriverMessage[] = [];
  private readonly ctx: DriverContext;
  private readonly cDriver: number;
  private readonly registryPath: number;

  /** Instantiate the driver on `k` (DriverEntry has not run yet: call `load`). */
  constructor(k: Kernel, module: WebAssembly.Module, built: Pick<InstrumentedDriver, "codeMap">, moduleName: string, opts: CDriverOptions) {
    this.k = k;
    const keep = (m: DriverMessage): void => {
      this.messages.push(m);
      if (this.messages.length > MAX_KEPT_MESSAGES) this.messages.shift();
    };
    const ctx: { -readonly [P in keyof DriverContext]: DriverContext[P] } = { host: null as never, k, objects: null as never, irps: null as never, message: opts.onMessage ?? keep, name: opts.name, driverObject: 0, tsDriver: null };
    this.host = new CDriverHost(k, module, { moduleName, codeMap: built.codeMap, sourceRoot: opts.sourceRoot }, (host) => {
      ctx.host = host;
      ctx.objects = new CObjects(host);
      ctx.irps = new IrpBridge(host, ctx.objects, () => ctx.driverObject);
      const all = kernelImports(ctx);
      this.wdf = all.wdf;
      return all.imports;
    });
    this.ctx = ctx;
    this.objects = ctx.objects;
    this.irps = ctx.irps;
    // IopInvalidDeviceRequest: what every dispatch slot holds until DriverEntry sets it.
    const [invalid] = this.host.thunks([{ params: ["i32", "i32"], results: ["i32"], fn: ((_dev: number, irp: number) => this.invalidRequest(irp >>> 0)) }]) as [number];
    this.cDriver = this.objects.driverObject(opts.name, invalid);
    ctx.driverObject = this.cDriver;
    this.registryPath = this.objects.unicodeString(`\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${opts.name}`);
    this.wdmDriver = createDriverObject(opts.name);
    ctx.tsDriver = this.wdmDriver;
    this.wdmDriver.AddDevice = (_d, pdo) => this.addDevice(pdo);
    for (let i = 0; i < this.wdmDriver.MajorFunction.length; i++) this.wdmDriver.MajorFunction[i] = (dev, irp) => this.dispatch(dev, irp);
    this.wdmDriver.DriverUnload = () => this.unload();
  }

  /**
   * The kernel's driver object for it: for a KMDF driver (DriverEntry called
   * WdfDriverCreate) the framework's, whose AddDevice and dispatch routines
   * are KMDF's; otherwise the bridge into the C driver's own routines.
   */
  get driver(): DRIVER_OBJECT {
    const w = this.wdf?.driver ?? null;
    if (w === null) return this.wdmDriver;
    const d = WdfDriverWdmGetDriverObject(w);
    // The framework's unload: EvtDriverUnload, then the WDFDRIVER's cleanup.
    d.DriverUnload ??= () => this.unloadKmdf();
    return d;
  }

  /** True once DriverEntry made a WDFDRIVER. */
  get isKmdf(): boolean {
    return (this.wdf?.driver ?? null) !== null;
  }

  /** The KMDF version the driver bound to ("1.19"), or null for a WDM driver. */
  get kmdfVersion(): string | null {
    const v = this.wdf?.driver?.globals.version;
    return v === undefined ? null : `${v.major}.${v.minor}`;
  }

  /** The KMDF driver's ISR calls (and how many claimed the interrupt) and DPC calls. */
  get interruptCounts(): { readonly isr: number; readonly claimed: number; readonly dpc: number } {
    return this.wdf?.counts ?? { isr: 0, claimed: 0, dpc: 0 };
  }

  /** The device interfaces the KMDF driver's devices registered (class GUIDs), in order. */
  get deviceInterfaces(): readonly string[] {
    return [...(this.wdf?.interfaces.values() ?? [])].flat();
  }

  private unloadKmdf(): void {
    const w = this.wdf;
    if (w === null || w.driver === null) return;
    const drv = w.driver;
    this.k.atIrql(PASSIVE_LEVEL, () => {
      if (w.unload !== 0) this.host.call(w.unload, [w.handles.handle(drv)], "EvtDriverUnload");
      drv.deleteObject();
    });
  }

  /** The driver's DRIVER_OBJECT in its memory. */
  get driverObject(): number {
    return this.cDriver;
  }

  /** DriverEntry(DriverObject, RegistryPath) at PASSIVE_LEVEL; its status (an error status fails the load, as on Windows). */
  load(): number {
    const entry = this.host.exports["DriverEntry"];
    if (typeof entry !== "function") throw new RangeError("dmasim: the driver module has no DriverEntry");
    const st = this.k.atIrql(PASSIVE_LEVEL, () => this.host.enter(() => Number((entry as (d: number, r: number) => number)(this.cDriver, this.registryPath)) >>> 0));
    if (!NT_SUCCESS(st)) throw new RangeError(`dmasim: DriverEntry failed with ${statusName(st)}`);
    return st;
  }

  private addDevice(pdo: DEVICE_OBJECT): number {
    const fn = this.host.mem.u32At(this.cDriver + DRV.DriverExtension);
    const add = fn === 0 ? 0 : this.host.mem.u32At(fn + DRVX.AddDevice);
    if (add === 0) return STATUS.NOT_SUPPORTED;
    const cPdo = this.objects.pdo(pdo);
    const st = Number(this.host.call(add, [this.cDriver, cPdo], "AddDevice")) >>> 0;
    this.syncAll();
    return st;
  }

  private dispatch(dev: DEVICE_OBJECT, irp: IRP): number {
    const c = this.objects.cDeviceOf(dev);
    if (c === undefined) throw new RangeError(`dmasim: an IRP for ${dev.name}, which is not one of the C driver's devices`);
    const cIrp = this.irps.fromKernel(irp, c.address);
    const st = this.irps.call(c.address, cIrp) >>> 0;
    this.syncAll();
    return st;
  }

  private invalidRequest(irp: number): number {
    const m = this.host.mem;
    m.setU32(irp + IRPF.IoStatus + IOSB.Status, STATUS.INVALID_DEVICE_REQUEST);
    m.setU32(irp + IRPF.IoStatus + IOSB.Information, 0);
    this.irps.complete(irp);
    return STATUS.INVALID_DEVICE_REQUEST | 0;
  }

  private unload(): void {
    const fn = this.host.mem.u32At(this.cDriver + DRV.DriverUnload);
    if (fn !== 0) this.k.atIrql(PASSIVE_LEVEL, () => this.host.call(fn, [this.cDriver], "DriverUnload"));
  }

  /** The kernel's view of the driver's device flags (DO_DIRECT_IO, ...) after the driver changed them. */
  private syncAll(): void {
    for (let p = this.host.mem.u32At(this.cDriver + DRV.DeviceObject); p !== 0; p = this.host.mem.u32At(p + DEV.NextDevice)) syncDeviceFlags(this.ctx, p);
  }
}
