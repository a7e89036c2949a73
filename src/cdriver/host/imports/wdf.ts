/**
 * KMDF for a C driver: the framework routines of <wdf.h> bound to dmasim's
 * KMDF (src/wdf/), which runs the PnP and power state machine, the queues,
 * the interrupt and the DMA objects exactly as for a TypeScript driver. This
 * file has the driver, device, PnP/power, resource, interrupt and object
 * routines; wdf-io.ts the queues and requests, wdf-dma.ts the DMA enabler,
 * common buffers and transactions. The driver's callbacks are table indices
 * the framework calls through closures (host.call), so the kernel delivers
 * the ISR at DIRQL and the DPC at DISPATCH_LEVEL as it does for any driver.
 */
import { BugCheckError, BUGCHECK } from "../../../core/bugcheck.ts";
import { NT_SUCCESS, STATUS } from "../../../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../../../kernel/device-object.ts";
import { WdfDevice, WdfDeviceCreate, WdfDeviceGetAlignmentRequirement, WdfDeviceInitSetIoType, WdfDeviceSetAlignmentRequirement, WdfDeviceWdmGetDeviceObject, WdfDeviceWdmGetPhysicalDevice } from "../../../wdf/device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_SIZE, type WDFDEVICE_INIT, WdfDriver, WdfDriverCreate, WdfObjectDelete } from "../../../wdf/driver.ts";
import { WDF_INTERRUPT_CONFIG_SIZE, WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptCreate, WdfInterruptGetDevice, WdfInterruptQueueDpcForIsr, WdfInterruptReleaseLock, WdfInterruptSynchronize } from "../../../wdf/interrupt.ts";
import { WdfObject } from "../../../wdf/object.ts";
import { WDF_PNPPOWER_EVENT_CALLBACKS_SIZE, WDF_PNPPOWER_EVENT_CALLBACKS_V1_9_SIZE, type WDF_PNPPOWER_EVENT_CALLBACKS, WdfCmResList, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WdfDeviceInitSetPnpPowerEventCallbacks } from "../../../wdf/pnp-power.ts";
import { bool, type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { writePartialDescriptor } from "../irps.ts";
import { fields, off } from "../layouts.ts";
import { frameworkSize, WdfHandles } from "../wdf-handles.ts";
import { statusOf, type WdfContext } from "./wdf-context.ts";
import { wdfDmaImports } from "./wdf-dma.ts";
import { wdfIoImports } from "./wdf-io.ts";

const CFG = fields("WDF_DRIVER_CONFIG", ["Size", "EvtDriverDeviceAdd", "EvtDriverUnload", "DriverInitFlags", "DriverPoolTag"]);
const PNP_SLOTS = ["EvtDeviceD0Entry", "EvtDeviceD0EntryPostInterruptsEnabled", "EvtDeviceD0Exit", "EvtDeviceD0ExitPreInterruptsDisabled", "EvtDevicePrepareHardware", "EvtDeviceReleaseHardware", "EvtDeviceSelfManagedIoCleanup", "EvtDeviceSelfManagedIoFlush", "EvtDeviceSelfManagedIoInit", "EvtDeviceSelfManagedIoSuspend", "EvtDeviceSelfManagedIoRestart", "EvtDeviceSurpriseRemoval", "EvtDeviceQueryRemove", "EvtDeviceQueryStop"] as const;
const PNP = fields("WDF_PNPPOWER_EVENT_CALLBACKS", ["Size", ...PNP_SLOTS]);
/** The KMDF 1.9 layout ends before EvtDeviceUsageNotificationEx. */
const PNP_V1_9 = off("WDF_PNPPOWER_EVENT_CALLBACKS", "EvtDeviceUsageNotificationEx");
const INTR = fields("WDF_INTERRUPT_CONFIG", ["Size", "SpinLock", "ShareVector", "FloatingSave", "AutomaticSerialization", "EvtInterruptIsr", "EvtInterruptDpc", "EvtInterruptEnable", "EvtInterruptDisable", "EvtInterruptWorkItem", "InterruptRaw", "InterruptTranslated", "WaitLock", "PassiveHandling"]);
const IDLE = fields("WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS", ["Size", "IdleCaps"]);
const WAKE = fields("WDF_DEVICE_POWER_POLICY_WAKE_SETTINGS", ["Size"]);
const DESC_SIZE = fields("CM_PARTIAL_RESOURCE_DESCRIPTOR", []).SIZE;
/** STATUS_POWER_STATE_INVALID: the bus driver says the device cannot wake. */
const STATUS_POWER_STATE_INVALID = 0xc00002d3;
const IdleCannotWakeFromS0 = 1;

function guidText(ctx: DriverContext, p: number): string {
  const b = ctx.host.mem.readBytes(p, 16);
  const h = (i: number): string => (b[i] as number).toString(16).padStart(2, "0");
  const le = (i: number, n: number): string => Array.from({ length: n }, (_, j) => h(i + n - 1 - j)).join("");
  return `{${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${h(8)}${h(9)}-${[10, 11, 12, 13, 14, 15].map(h).join("")}}`.toUpperCase();
}

/** Every <wdf.h> routine for one C driver, and the state the CDriver needs (the WDFDRIVER, EvtDriverUnload). */
export function wdfImports(ctx: DriverContext): { imports: ImportTable; wdf: WdfContext } {
  const { host } = ctx;
  const mem = () => host.mem;
  const handles = new WdfHandles(host);
  const wdf: WdfContext = { ctx, handles, driver: null, unload: 0, interfaces: new Map(), counts: { isr: 0, claimed: 0, dpc: 0 } };
  const h = (o: object | null): number => handles.handle(o);
  const device = (p: number, routine: string): WdfDevice => handles.object(u(p), WdfDevice, routine);
  const interrupt = (p: number, routine: string): WdfInterrupt => handles.object(u(p), WdfInterrupt, routine);
  const deviceInit = (p: number, routine: string): WDFDEVICE_INIT => {
    const o = handles.any(u(p));
    if (o === null || !("pdo" in o) || !("consumed" in o)) throw new BugCheckError(BUGCHECK.WDF_VIOLATION, 0x4, u(p), 0, 0, `${routine}: 0x${u(p).toString(16)} is not the PWDFDEVICE_INIT EvtDriverDeviceAdd was given (or WdfDeviceCreate already consumed it)`);
    return o as WDFDEVICE_INIT;
  };
  /** A C callback slot as a framework callback returning NTSTATUS, or null. */
  const statusCallback = (fn: number, what: string, args: (...a: never[]) => (number | bigint)[]): ((...a: never[]) => number) | null =>
    fn === 0 ? null : (...a: never[]) => statusOf(host.call(fn, args(...a), what));
  /** A driver-visible descriptor array for each resource list, written once. */
  const descriptors = new Map<WdfCmResList, number>();
  const resList = (p: number, routine: string): WdfCmResList => handles.object(u(p), WdfCmResList, routine);
  const cDevice = (d: DEVICE_OBJECT): number => ctx.objects.pdo(d);

  const imports: ImportTable = {
    // ---- Objects ----
    WdfObjectGetTypedContextWorker: (handle: number, typeInfo: number) => {
      const m = mem();
      const unique = u(typeInfo) === 0 ? 0 : m.u32At(u(typeInfo) + off("WDF_OBJECT_CONTEXT_TYPE_INFO", "UniqueType")) || u(typeInfo);
      return handles.context(u(handle), unique);
    },
    WdfObjectAllocateContext(handle: number, attrs: number, out: number): number {
      if (handles.any(u(handle)) === null) return STATUS.INVALID_HANDLE | 0;
      const at = handles.allocateContext(u(handle), u(attrs));
      if (at === 0) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID | 0;
      if (u(out) !== 0) mem().setU32(u(out), at);
      return STATUS.SUCCESS;
    },
    WdfObjectDelete: (o: number) => WdfObjectDelete(handles.object(u(o), WdfObject, "WdfObjectDelete")),

    // ---- Driver ----
    DmasimWdfDriverCreate(bindVersion: number, _drvObj: number, _regPath: number, attrs: number, config: number, out: number): number {
      const m = mem();
      const add = m.u32At(u(config) + CFG.EvtDriverDeviceAdd);
      const result: HandleOut<WdfDriver> = { value: null };
      const st = WdfDriverCreate(
        ctx.k,
        handles.attributes(u(attrs), "WdfDriverCreate"),
        {
          Size: frameworkSize(m.u32At(u(config) + CFG.Size), [[CFG.SIZE, WDF_DRIVER_CONFIG_SIZE]]),
          EvtDriverDeviceAdd: add === 0 ? null : (d, init) => statusOf(host.call(add, [h(d), h(init)], "EvtDriverDeviceAdd")),
          EvtDriverUnload: null,
          DriverInitFlags: m.u32At(u(config) + CFG.DriverInitFlags),
          DriverPoolTag: m.u32At(u(config) + CFG.DriverPoolTag),
        },
        result,
        { name: ctx.name, kmdfVersion: { major: u(bindVersion) >>> 16, minor: u(bindVersion) & 0xffff } },
      );
      if (!NT_SUCCESS(st) || result.value === null) return st | 0;
      wdf.driver = result.value;
      wdf.unload = m.u32At(u(config) + CFG.EvtDriverUnload);
      handles.allocateContext(h(result.value), u(attrs));
      if (u(out) !== 0) m.setU32(u(out), h(result.value));
      return STATUS.SUCCESS;
    },
    WdfDriverWdmGetDriverObject: (d: number) => (handles.object(u(d), WdfDriver, "WdfDriverWdmGetDriverObject"), ctx.driverObject),
    WdfGetDriver: () => h(wdf.driver),

    // ---- Device ----
    WdfDeviceInitSetIoType: (init: number, type: number) => WdfDeviceInitSetIoType(deviceInit(init, "WdfDeviceInitSetIoType"), u(type)),
    WdfDeviceInitSetPnpPowerEventCallbacks(init: number, p: number): void {
      const m = mem();
      const at = u(p);
      const slot = (name: (typeof PNP_SLOTS)[number]): number => m.u32At(at + PNP[name]);
      const dev = (fn: number, what: string) => statusCallback(fn, what, (d: WdfObject) => [h(d)]);
      const devState = (fn: number, what: string) => statusCallback(fn, what, (d: WdfObject, s: number) => [h(d), s]);
      const voidDev = (fn: number, what: string) => (fn === 0 ? null : (d: WdfObject) => void host.call(fn, [h(d)], what));
      const callbacks: WDF_PNPPOWER_EVENT_CALLBACKS = {
        Size: frameworkSize(m.u32At(at + PNP.Size), [[PNP.SIZE, WDF_PNPPOWER_EVENT_CALLBACKS_SIZE], [PNP_V1_9, WDF_PNPPOWER_EVENT_CALLBACKS_V1_9_SIZE]]),
        EvtDeviceD0Entry: devState(slot("EvtDeviceD0Entry"), "EvtDeviceD0Entry"),
        EvtDeviceD0EntryPostInterruptsEnabled: devState(slot("EvtDeviceD0EntryPostInterruptsEnabled"), "EvtDeviceD0EntryPostInterruptsEnabled"),
        EvtDeviceD0Exit: devState(slot("EvtDeviceD0Exit"), "EvtDeviceD0Exit"),
        EvtDeviceD0ExitPreInterruptsDisabled: devState(slot("EvtDeviceD0ExitPreInterruptsDisabled"), "EvtDeviceD0ExitPreInterruptsDisabled"),
        EvtDevicePrepareHardware: statusCallback(slot("EvtDevicePrepareHardware"), "EvtDevicePrepareHardware", (d: WdfObject, raw: WdfCmResList, tr: WdfCmResList) => [h(d), h(raw), h(tr)]),
        EvtDeviceReleaseHardware: statusCallback(slot("EvtDeviceReleaseHardware"), "EvtDeviceReleaseHardware", (d: WdfObject, tr: WdfCmResList) => [h(d), h(tr)]),
        EvtDeviceSelfManagedIoCleanup: voidDev(slot("EvtDeviceSelfManagedIoCleanup"), "EvtDeviceSelfManagedIoCleanup"),
        EvtDeviceSelfManagedIoFlush: voidDev(slot("EvtDeviceSelfManagedIoFlush"), "EvtDeviceSelfManagedIoFlush"),
        EvtDeviceSelfManagedIoInit: dev(slot("EvtDeviceSelfManagedIoInit"), "EvtDeviceSelfManagedIoInit"),
        EvtDeviceSelfManagedIoSuspend: dev(slot("EvtDeviceSelfManagedIoSuspend"), "EvtDeviceSelfManagedIoSuspend"),
        EvtDeviceSelfManagedIoRestart: dev(slot("EvtDeviceSelfManagedIoRestart"), "EvtDeviceSelfManagedIoRestart"),
        EvtDeviceSurpriseRemoval: voidDev(slot("EvtDeviceSurpriseRemoval"), "EvtDeviceSurpriseRemoval"),
        EvtDeviceQueryRemove: dev(slot("EvtDeviceQueryRemove"), "EvtDeviceQueryRemove"),
        EvtDeviceQueryStop: dev(slot("EvtDeviceQueryStop"), "EvtDeviceQueryStop"),
      };
      WdfDeviceInitSetPnpPowerEventCallbacks(deviceInit(init, "WdfDeviceInitSetPnpPowerEventCallbacks"), callbacks);
    },
    WdfDeviceCreate(initPtr: number, attrs: number, out: number): number {
      const m = mem();
      const init = deviceInit(m.u32At(u(initPtr)), "WdfDeviceCreate");
      const result: HandleOut<WdfDevice> = { value: null };
      const st = WdfDeviceCreate(init, handles.attributes(u(attrs), "WdfDeviceCreate"), result);
      if (!NT_SUCCESS(st) || result.value === null) return st | 0;
      handles.allocateContext(h(result.value), u(attrs));
      // The framework owns the init structure now: the driver's pointer is cleared, as KMDF does.
      handles.drop(init);
      m.setU32(u(initPtr), 0);
      m.setU32(u(out), h(result.value));
      return STATUS.SUCCESS;
    },
    WdfDeviceWdmGetDeviceObject: (d: number) => cDevice(WdfDeviceWdmGetDeviceObject(device(d, "WdfDeviceWdmGetDeviceObject"))),
    WdfDeviceWdmGetPhysicalDevice: (d: number) => cDevice(WdfDeviceWdmGetPhysicalDevice(device(d, "WdfDeviceWdmGetPhysicalDevice"))),
    WdfDeviceCreateDeviceInterface(d: number, guid: number, _ref: number): number {
      const dev = device(d, "WdfDeviceCreateDeviceInterface");
      if (u(guid) === 0) return STATUS.INVALID_PARAMETER | 0;
      // Registered now, enabled when the device starts (as KMDF does); applications open the device by it.
      const list = wdf.interfaces.get(dev) ?? [];
      list.push(guidText(ctx, u(guid)));
      wdf.interfaces.set(dev, list);
      return STATUS.SUCCESS;
    },
    WdfDeviceAssignS0IdleSettings(d: number, p: number): number {
      device(d, "WdfDeviceAssignS0IdleSettings");
      const m = mem();
      if (m.u32At(u(p) + IDLE.Size) !== IDLE.SIZE) return STATUS.INFO_LENGTH_MISMATCH | 0;
      // dmasim's PCI bus reports no wake capability (DeviceWake unspecified) and models no idle power-down.
      return (m.u32At(u(p) + IDLE.IdleCaps) === IdleCannotWakeFromS0 ? STATUS.NOT_SUPPORTED : STATUS_POWER_STATE_INVALID) | 0;
    },
    WdfDeviceAssignSxWakeSettings(d: number, p: number): number {
      device(d, "WdfDeviceAssignSxWakeSettings");
      if (mem().u32At(u(p) + WAKE.Size) !== WAKE.SIZE) return STATUS.INFO_LENGTH_MISMATCH | 0;
      // The bus driver's capabilities say the device cannot wake the system.
      return STATUS_POWER_STATE_INVALID | 0;
    },
    WdfDeviceSetAlignmentRequirement: (d: number, a: number) => WdfDeviceSetAlignmentRequirement(device(d, "WdfDeviceSetAlignmentRequirement"), u(a)),
    WdfDeviceGetAlignmentRequirement: (d: number) => WdfDeviceGetAlignmentRequirement(device(d, "WdfDeviceGetAlignmentRequirement")),

    // ---- Resources ----
    WdfCmResourceListGetCount: (l: number) => WdfCmResourceListGetCount(resList(l, "WdfCmResourceListGetCount")),
    WdfCmResourceListGetDescriptor(l: number, index: number): number {
      const list = resList(l, "WdfCmResourceListGetDescriptor");
      const desc = WdfCmResourceListGetDescriptor(list, u(index));
      if (desc === null) return 0;
      let at = descriptors.get(list);
      if (at === undefined) {
        at = host.heap.alloc(Math.max(1, list.descriptors.length) * DESC_SIZE, "CM_PARTIAL_RESOURCE_DESCRIPTORs");
        const base = at;
        list.descriptors.forEach((x, i) => writePartialDescriptor(mem(), base + i * DESC_SIZE, x));
        descriptors.set(list, at);
      }
      return at + u(index) * DESC_SIZE;
    },

    // ---- Interrupts ----
    WdfInterruptCreate(d: number, p: number, attrs: number, out: number): number {
      const m = mem();
      const at = u(p);
      const isr = m.u32At(at + INTR.EvtInterruptIsr);
      const dpc = m.u32At(at + INTR.EvtInterruptDpc);
      const enable = m.u32At(at + INTR.EvtInterruptEnable);
      const disable = m.u32At(at + INTR.EvtInterruptDisable);
      if (isr === 0) return STATUS.INVALID_PARAMETER | 0;
      const share = m.u32At(at + INTR.ShareVector);
      const result: HandleOut<WdfInterrupt> = { value: null };
      const st = WdfInterruptCreate(
        device(d, "WdfInterruptCreate"),
        {
          Size: frameworkSize(m.u32At(at + INTR.Size), [[INTR.SIZE, WDF_INTERRUPT_CONFIG_SIZE]]),
          ShareVector: share === 2 ? null : share === 1,
          AutomaticSerialization: bool(m.u8At(at + INTR.AutomaticSerialization)),
          EvtInterruptIsr: (i, msg) => {
            wdf.counts.isr++;
            const mine = bool(Number(host.call(isr, [h(i), msg], "EvtInterruptIsr")));
            if (mine) wdf.counts.claimed++;
            return mine;
          },
          EvtInterruptDpc:
            dpc === 0
              ? null
              : (i, o) => {
                  wdf.counts.dpc++;
                  host.call(dpc, [h(i), h(o)], "EvtInterruptDpc");
                },
          EvtInterruptEnable: enable === 0 ? null : (i, dv) => statusOf(host.call(enable, [h(i), h(dv)], "EvtInterruptEnable")),
          EvtInterruptDisable: disable === 0 ? null : (i, dv) => statusOf(host.call(disable, [h(i), h(dv)], "EvtInterruptDisable")),
        },
        handles.attributes(u(attrs), "WdfInterruptCreate"),
        result,
      );
      if (!NT_SUCCESS(st) || result.value === null) return st | 0;
      handles.allocateContext(h(result.value), u(attrs));
      m.setU32(u(out), h(result.value));
      return STATUS.SUCCESS;
    },
    WdfInterruptGetDevice: (i: number) => h(WdfInterruptGetDevice(interrupt(i, "WdfInterruptGetDevice"))),
    WdfInterruptQueueDpcForIsr: (i: number) => (WdfInterruptQueueDpcForIsr(interrupt(i, "WdfInterruptQueueDpcForIsr")) ? 1 : 0),
    WdfInterruptAcquireLock: (i: number) => WdfInterruptAcquireLock(interrupt(i, "WdfInterruptAcquireLock")),
    WdfInterruptReleaseLock: (i: number) => WdfInterruptReleaseLock(interrupt(i, "WdfInterruptReleaseLock")),
    WdfInterruptSynchronize: (i: number, fn: number, context: number) => (WdfInterruptSynchronize(interrupt(i, "WdfInterruptSynchronize"), (wi) => bool(Number(host.call(u(fn), [h(wi), u(context)], "EvtInterruptSynchronize"))), u(context)) ? 1 : 0),

    ...wdfIoImports(wdf),
    ...wdfDmaImports(wdf),
  };
  return { imports, wdf };
}
