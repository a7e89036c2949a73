/**
 * IRPs in the driver's memory. An IRP the kernel sends (PnP, or an
 * application's read, write or device control through the I/O manager)
 * becomes a C IRP with one stack location per device in the stack, built as
 * the I/O manager does: the next location filled, then IoCallDriver. The C
 * driver may complete it, pend it, or pass it down (IoSkip/IoCopy... then
 * IoCallDriver to the lower device: the PDO's bus driver, played by the host,
 * completes PnP and power IRPs with STATUS_SUCCESS and fails the rest).
 * IoCompleteRequest runs the completion routines upward, stops on
 * STATUS_MORE_PROCESSING_REQUIRED, and at the top completes the kernel's IRP
 * with the C IRP's IoStatus.
 */
import { BugCheckError } from "../../core/bugcheck.ts";
import { NT_SUCCESS, STATUS } from "../../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../../kernel/device-object.ts";
import { IoCompleteRequest, type IRP } from "../../kernel/irp.ts";
import type { CM_PARTIAL_RESOURCE_DESCRIPTOR, CM_RESOURCE_LIST } from "../../kernel/resources.ts";
import type { CMemory } from "./c-memory.ts";
import type { CDriverHost } from "./driver-host.ts";
import { type CObjects, DEV, DRV } from "./c-objects.ts";
import { fields, off, size } from "./layouts.ts";

export const IRPF = fields("IRP", ["Type", "Size", "MdlAddress", "Flags", "AssociatedIrp", "IoStatus", "RequestorMode", "PendingReturned", "StackCount", "CurrentLocation", "Cancel", "CancelIrql", "CancelRoutine", "UserBuffer", "Tail.Overlay.CurrentStackLocation", "Tail.Overlay.DriverContext"]);
export const IOSB = fields("IO_STATUS_BLOCK", ["Status", "Information"]);
export const LOC = fields("IO_STACK_LOCATION", ["MajorFunction", "MinorFunction", "Flags", "Control", "Parameters", "DeviceObject", "FileObject", "CompletionRoutine", "Context"]);
const P_READ_LENGTH = off("IO_STACK_LOCATION", "Parameters.Read.Length");
const P_READ_OFFSET = off("IO_STACK_LOCATION", "Parameters.Read.ByteOffset");
const P_IOCTL_OUT = off("IO_STACK_LOCATION", "Parameters.DeviceIoControl.OutputBufferLength");
const P_IOCTL_IN = off("IO_STACK_LOCATION", "Parameters.DeviceIoControl.InputBufferLength");
const P_IOCTL_CODE = off("IO_STACK_LOCATION", "Parameters.DeviceIoControl.IoControlCode");
const P_IOCTL_TYPE3 = off("IO_STACK_LOCATION", "Parameters.DeviceIoControl.Type3InputBuffer");
const P_START_RAW = off("IO_STACK_LOCATION", "Parameters.StartDevice.AllocatedResources");
const P_START_TRANSLATED = off("IO_STACK_LOCATION", "Parameters.StartDevice.AllocatedResourcesTranslated");
const LIST = fields("CM_RESOURCE_LIST", ["Count", "List"]);
const FULL = fields("CM_FULL_RESOURCE_DESCRIPTOR", ["InterfaceType", "BusNumber", "PartialResourceList"]);
const PART = fields("CM_PARTIAL_RESOURCE_LIST", ["Version", "Revision", "Count", "PartialDescriptors"]);
const DESC = fields("CM_PARTIAL_RESOURCE_DESCRIPTOR", ["Type", "ShareDisposition", "Flags", "u.Port.Start", "u.Port.Length", "u.Interrupt.Level", "u.Interrupt.Group", "u.Interrupt.Vector", "u.Interrupt.Affinity", "u.Dma.Channel", "u.Dma.Port", "u.Dma.Reserved1"]);
const LOC_SIZE = size("IO_STACK_LOCATION");

/** IO_TYPE_IRP. */
const IO_TYPE_IRP = 6;
const SL_PENDING_RETURNED = 0x01;
const SL_INVOKE_ON_CANCEL = 0x20;
const SL_INVOKE_ON_SUCCESS = 0x40;
const SL_INVOKE_ON_ERROR = 0x80;
/** NO_MORE_IRP_STACK_LOCATIONS and MULTIPLE_IRP_COMPLETE_REQUESTS. */
const NO_MORE_IRP_STACK_LOCATIONS = 0x35;
const MULTIPLE_IRP_COMPLETE_REQUESTS = 0x44;
const IRP_MJ_POWER = 0x16;
const IRP_MJ_PNP = 0x1b;

interface CIrp {
  readonly address: number;
  /** The kernel's IRP this one carries (null for none). */
  readonly ts: IRP | null;
  /** Heap blocks to free with it (resource lists, MDL copies). */
  readonly blocks: number[];
  readonly mdlCopies: number[];
  completed: boolean;
}

export class IrpBridge {
  private readonly irps = new Map<number, CIrp>();

  private readonly host: CDriverHost;
  private readonly objects: CObjects;
  /** The driver's DRIVER_OBJECT (its dispatch table). */
  private readonly driverObject: () => number;

  constructor(host: CDriverHost, objects: CObjects, driverObject: () => number) {
    this.host = host;
    this.objects = objects;
    this.driverObject = driverObject;
  }

  private get mem() {
    return this.host.mem;
  }

  /** IRPs the driver holds (sent and not yet completed). */
  get outstanding(): number {
    return this.irps.size;
  }

  /** Serialize a resource list into the driver's memory; returns its address. */
  resourceList(list: CM_RESOURCE_LIST, blocks: number[]): number {
    const fullSize = (n: number): number => FULL.PartialResourceList + PART.PartialDescriptors + n * DESC.SIZE;
    const bytes = LIST.List + list.List.reduce((s, f) => s + fullSize(f.PartialResourceList.PartialDescriptors.length), 0);
    const at = this.host.heap.alloc(bytes, "CM_RESOURCE_LIST");
    blocks.push(at);
    const m = this.mem;
    m.setU32(at + LIST.Count, list.Count);
    let p = at + LIST.List;
    for (const full of list.List) {
      m.setU32(p + FULL.InterfaceType, full.InterfaceType);
      m.setU32(p + FULL.BusNumber, full.BusNumber);
      const pl = p + FULL.PartialResourceList;
      m.setU16(pl + PART.Version, full.PartialResourceList.Version);
      m.setU16(pl + PART.Revision, full.PartialResourceList.Revision);
      m.setU32(pl + PART.Count, full.PartialResourceList.PartialDescriptors.length);
      let d = pl + PART.PartialDescriptors;
      for (const desc of full.PartialResourceList.PartialDescriptors) {
        writePartialDescriptor(m, d, desc);
        d += DESC.SIZE;
      }
      p += fullSize(full.PartialResourceList.PartialDescriptors.length);
    }
    return at;
  }

  /** A C IRP for a kernel IRP sent to `device` (a C device object): its top location filled from the kernel's. */
  fromKernel(ts: IRP, device: number): number {
    const m = this.mem;
    const stackCount = Math.max(1, m.u8At(device + DEV.StackSize));
    const at = this.host.heap.alloc(IRPF.SIZE + stackCount * LOC_SIZE, "IRP");
    const c: CIrp = { address: at, ts, blocks: [], mdlCopies: [], completed: false };
    this.irps.set(at, c);
    m.setU16(at + IRPF.Type, IO_TYPE_IRP);
    m.setU16(at + IRPF.Size, IRPF.SIZE + stackCount * LOC_SIZE);
    m.setU8(at + IRPF.StackCount, stackCount);
    m.setU8(at + IRPF.CurrentLocation, stackCount + 1);
    m.setU32(at + IRPF["Tail.Overlay.CurrentStackLocation"], at + IRPF.SIZE + stackCount * LOC_SIZE);
    m.setU32(at + IRPF.IoStatus + IOSB.Status, ts.IoStatus.Status);
    m.setU32(at + IRPF.IoStatus + IOSB.Information, ts.IoStatus.Information);
    if (ts.AssociatedIrp.SystemBuffer !== 0) m.setU32(at + IRPF.AssociatedIrp, m.cPointer(ts.AssociatedIrp.SystemBuffer));
    if (ts.UserBuffer !== 0) m.setU32(at + IRPF.UserBuffer, m.cPointer(ts.UserBuffer));
    if (ts.MdlAddress !== null) {
      const md = this.objects.mirrorMdl(ts.MdlAddress);
      c.mdlCopies.push(md);
      m.setU32(at + IRPF.MdlAddress, md);
    }
    const next = at + IRPF.SIZE + (stackCount - 1) * LOC_SIZE;
    m.setU8(next + LOC.MajorFunction, ts.MajorFunction);
    m.setU8(next + LOC.MinorFunction, ts.MinorFunction);
    const p = ts.Parameters;
    const rw = p.Read ?? p.Write;
    if (rw !== undefined) {
      m.setU32(next + P_READ_LENGTH, rw.Length);
      m.setU64(next + P_READ_OFFSET, BigInt.asUintN(64, rw.ByteOffset));
    }
    if (p.DeviceIoControl !== undefined) {
      m.setU32(next + P_IOCTL_OUT, p.DeviceIoControl.OutputBufferLength);
      m.setU32(next + P_IOCTL_IN, p.DeviceIoControl.InputBufferLength);
      m.setU32(next + P_IOCTL_CODE, p.DeviceIoControl.IoControlCode);
      m.setU32(next + P_IOCTL_TYPE3, p.DeviceIoControl.Type3InputBuffer === 0 ? 0 : m.cPointer(p.DeviceIoControl.Type3InputBuffer));
    }
    if (p.StartDevice !== undefined) {
      m.setU32(next + P_START_RAW, this.resourceList(p.StartDevice.AllocatedResources, c.blocks));
      m.setU32(next + P_START_TRANSLATED, this.resourceList(p.StartDevice.AllocatedResourcesTranslated, c.blocks));
    }
    this.bridgeCancel(ts, c);
    return at;
  }

  /**
   * The kernel's IRP reads its Cancel, CancelIrql and CancelRoutine from the
   * C IRP while the driver holds it: IoSetCancelRoutine is the header's
   * inline exchange on Irp->CancelRoutine, as on Windows, and IoCancelIrp
   * (an application's CancelIo, a cleanup) takes the C routine from there,
   * clears it, sets Irp->Cancel and Irp->CancelIrql where the C driver reads
   * them, and calls it through the function table at DISPATCH_LEVEL with the
   * cancel spin lock held.
   */
  private bridgeCancel(ts: IRP, c: CIrp): void {
    const live = (): boolean => !c.completed && this.irps.has(c.address);
    let cancel = ts.Cancel;
    let cancelIrql = ts.CancelIrql;
    const at = c.address;
    Object.defineProperty(ts, "Cancel", {
      configurable: true,
      enumerable: true,
      get: () => (live() ? this.mem.u8At(at + IRPF.Cancel) !== 0 : cancel),
      set: (v: boolean) => {
        cancel = v;
        if (live()) this.mem.setU8(at + IRPF.Cancel, v ? 1 : 0);
      },
    });
    Object.defineProperty(ts, "CancelIrql", {
      configurable: true,
      enumerable: true,
      get: () => (live() ? this.mem.u8At(at + IRPF.CancelIrql) : cancelIrql),
      set: (v: number) => {
        cancelIrql = v;
        if (live()) this.mem.setU8(at + IRPF.CancelIrql, v);
      },
    });
    // IoMarkIrpPending is the header's inline flag on the current stack location: the kernel reads the mark there while the driver holds the IRP.
    let pending = ts.PendingReturned;
    Object.defineProperty(ts, "PendingReturned", {
      configurable: true,
      enumerable: true,
      get: () => {
        if (!live()) return pending;
        const loc = this.mem.u32At(at + IRPF["Tail.Overlay.CurrentStackLocation"]);
        return pending || (loc !== 0 && (this.mem.u8At(loc + LOC.Control) & SL_PENDING_RETURNED) !== 0);
      },
      set: (v: boolean) => {
        pending = v;
      },
    });
    Object.defineProperty(ts, "CancelRoutine", {
      configurable: true,
      enumerable: true,
      get: () => {
        const routine = live() ? this.mem.u32At(at + IRPF.CancelRoutine) : 0;
        if (routine === 0) return null;
        return (dev: DEVICE_OBJECT) => void this.host.call(routine, [this.objects.cDeviceOf(dev)?.address ?? 0, at], "the cancel routine");
      },
      set: (v: unknown) => {
        if (v !== null) throw new RangeError("a C driver's IRP takes its cancel routine from the driver (IoSetCancelRoutine in C)");
        if (live()) this.mem.setU32(at + IRPF.CancelRoutine, 0);
      },
    });
  }

  private irp(address: number, routine: string): CIrp {
    const c = this.irps.get(address >>> 0);
    if (c === undefined) throw new BugCheckError(MULTIPLE_IRP_COMPLETE_REQUESTS, address >>> 0, 0, 0, 0, `${routine}: 0x${(address >>> 0).toString(16)} is not an IRP the driver holds (already completed, or never sent)`);
    return c;
  }

  /** IoCallDriver(DeviceObject, Irp): step down one location and give the IRP to that device's driver. */
  call(device: number, address: number): number {
    const m = this.mem;
    const c = this.irp(address, "IoCallDriver");
    const cur = m.u8At(c.address + IRPF.CurrentLocation) - 1;
    if (cur <= 0) throw new BugCheckError(NO_MORE_IRP_STACK_LOCATIONS, c.address, 0, 0, 0, `IoCallDriver: the IRP has no stack location left for ${this.objects.devices.get(device >>> 0)?.name ?? "the device"}`);
    m.setU8(c.address + IRPF.CurrentLocation, cur);
    const loc = m.u32At(c.address + IRPF["Tail.Overlay.CurrentStackLocation"]) - LOC_SIZE;
    m.setU32(c.address + IRPF["Tail.Overlay.CurrentStackLocation"], loc);
    m.setU32(loc + LOC.DeviceObject, device);
    const d = this.objects.devices.get(device >>> 0);
    if (d === undefined || d.deleted) throw new BugCheckError(0x1e, 0xc0000005, device >>> 0, 0, 0, `IoCallDriver: 0x${(device >>> 0).toString(16)} is not a device object`);
    if (d.isPdo) return this.busDriver(c, loc);
    const major = m.u8At(loc + LOC.MajorFunction);
    const routine = m.u32At(this.driverObject() + DRV.MajorFunction + 4 * major);
    return Number(this.host.call(routine, [device, c.address], `the dispatch routine for IRP major 0x${major.toString(16)}`)) | 0;
  }

  /** The PDO's driver (the bus driver, played by the host). */
  private busDriver(c: CIrp, loc: number): number {
    const m = this.mem;
    const major = m.u8At(loc + LOC.MajorFunction);
    let status = m.i32At(c.address + IRPF.IoStatus + IOSB.Status);
    if (major === IRP_MJ_PNP || major === IRP_MJ_POWER) {
      const minor = m.u8At(loc + LOC.MinorFunction);
      // The bus driver succeeds the state-changing PnP IRPs and leaves the others' status as it found it.
      if (major === IRP_MJ_POWER || minor <= 0x06 || minor === 0x17) status = STATUS.SUCCESS;
    } else status = STATUS.INVALID_DEVICE_REQUEST | 0;
    m.setU32(c.address + IRPF.IoStatus + IOSB.Status, status);
    this.complete(c.address);
    return status;
  }

  /** IoCompleteRequest: completion routines from the current location upward, then the kernel's IRP. */
  complete(address: number): void {
    const m = this.mem;
    const c = this.irp(address, "IoCompleteRequest");
    if (c.completed) throw new BugCheckError(MULTIPLE_IRP_COMPLETE_REQUESTS, c.address, 0, 0, 0, "IoCompleteRequest: the IRP was already completed");
    const stackCount = m.u8At(c.address + IRPF.StackCount);
    const status = (): number => m.i32At(c.address + IRPF.IoStatus + IOSB.Status);
    for (;;) {
      const cur = m.u8At(c.address + IRPF.CurrentLocation);
      if (cur > stackCount) break;
      const loc = m.u32At(c.address + IRPF["Tail.Overlay.CurrentStackLocation"]);
      const control = m.u8At(loc + LOC.Control);
      const routine = m.u32At(loc + LOC.CompletionRoutine);
      const context = m.u32At(loc + LOC.Context);
      m.setU8(c.address + IRPF.PendingReturned, control & SL_PENDING_RETURNED);
      m.setU8(loc + LOC.Control, 0);
      m.setU32(loc + LOC.CompletionRoutine, 0);
      m.setU8(c.address + IRPF.CurrentLocation, cur + 1);
      m.setU32(c.address + IRPF["Tail.Overlay.CurrentStackLocation"], loc + LOC_SIZE);
      const up = cur + 1 <= stackCount ? loc + LOC_SIZE : 0;
      const st = status();
      const cancelled = m.u8At(c.address + IRPF.Cancel) !== 0;
      const invoke = routine !== 0 && ((NT_SUCCESS(st) && (control & SL_INVOKE_ON_SUCCESS) !== 0) || (!NT_SUCCESS(st) && (control & SL_INVOKE_ON_ERROR) !== 0) || (cancelled && (control & SL_INVOKE_ON_CANCEL) !== 0));
      if (invoke) {
        const dev = up === 0 ? 0 : m.u32At(up + LOC.DeviceObject);
        const r = Number(this.host.call(routine, [dev, c.address, context], "an I/O completion routine")) >>> 0;
        if (r === STATUS.MORE_PROCESSING_REQUIRED) return;
      } else if ((control & SL_PENDING_RETURNED) !== 0 && up !== 0) m.setU8(up + LOC.Control, m.u8At(up + LOC.Control) | SL_PENDING_RETURNED);
    }
    c.completed = true;
    this.irps.delete(c.address);
    const ts = c.ts;
    if (ts !== null) {
      ts.IoStatus.Status = status() >>> 0;
      ts.IoStatus.Information = m.u32At(c.address + IRPF.IoStatus + IOSB.Information);
      if ((m.u8At(c.address + IRPF.PendingReturned) & 1) !== 0) ts.PendingReturned = true;
    }
    for (const md of c.mdlCopies) this.objects.dropMdl(md);
    for (const b of c.blocks) this.host.heap.release(b);
    this.host.heap.release(c.address);
    if (ts !== null) IoCompleteRequest(ts);
  }
}

/** Write one CM_PARTIAL_RESOURCE_DESCRIPTOR in the wasm32 layout at `d`. */
export function writePartialDescriptor(m: CMemory, d: number, desc: CM_PARTIAL_RESOURCE_DESCRIPTOR): void {
  m.setU8(d + DESC.Type, desc.Type);
  m.setU8(d + DESC.ShareDisposition, desc.ShareDisposition);
  m.setU16(d + DESC.Flags, desc.Flags);
  const range = desc.u.Port ?? desc.u.Memory;
  if (range !== undefined) {
    m.setU64(d + DESC["u.Port.Start"], BigInt.asUintN(64, range.Start.QuadPart));
    m.setU32(d + DESC["u.Port.Length"], range.Length);
  }
  const irq = desc.u.Interrupt;
  if (irq !== undefined) {
    m.setU16(d + DESC["u.Interrupt.Level"], irq.Level);
    m.setU16(d + DESC["u.Interrupt.Group"], 0);
    m.setU32(d + DESC["u.Interrupt.Vector"], irq.Vector);
    m.setU32(d + DESC["u.Interrupt.Affinity"], Number(BigInt.asUintN(32, irq.Affinity)));
  }
  const dma = desc.u.Dma;
  if (dma !== undefined) {
    m.setU32(d + DESC["u.Dma.Channel"], dma.Channel);
    m.setU32(d + DESC["u.Dma.Port"], dma.Port);
    m.setU32(d + DESC["u.Dma.Reserved1"], dma.Reserved1);
  }
}
