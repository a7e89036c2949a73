/**
 * The I/O manager's routines for a C driver: device objects and stacks,
 * IoCallDriver / IoCompleteRequest over the driver's IRPs, the cancel spin
 * lock (cancel routines reach C through the IRP, irps.ts), MDLs, interrupt
 * objects. Each is the kernel's own routine (src/index.ts) with the C
 * arguments read from, and results written to, the driver's memory.
 */
import { STATUS } from "../../../core/ntstatus.ts";
import { IoConnectInterrupt, IoDisconnectInterrupt, type KINTERRUPT, KeSynchronizeExecution } from "../../../kernel/interrupt.ts";
import { IoAcquireCancelSpinLock, IoReleaseCancelSpinLock } from "../../../kernel/irp.ts";
import { IoAllocateMdl, IoFreeMdl } from "../../../kernel/mdl.ts";
import { IoCreateFdo } from "../../../kernel/pnp.ts";
import { DEV, DRV } from "../c-objects.ts";
import { bool, type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { IRPF, LOC } from "../irps.ts";

const DO_BUFFERED_IO = 0x4;
const DO_DIRECT_IO = 0x10;

/** Copy the I/O-type flags and alignment the driver set on its device object to the kernel's (the I/O manager reads them). */
export function syncDeviceFlags(ctx: DriverContext, address: number): void {
  const d = ctx.objects.devices.get(address);
  if (d === undefined || d.ts === null || d.isPdo) return;
  const m = ctx.host.mem;
  d.ts.Flags = m.u32At(address + DEV.Flags) & (DO_BUFFERED_IO | DO_DIRECT_IO);
  d.ts.AlignmentRequirement = m.u32At(address + DEV.AlignmentRequirement);
}

export function ioImports(ctx: DriverContext): ImportTable {
  const { host, k, objects, irps } = ctx;
  const mem = () => host.mem;
  let forwardThunk = 0;
  const forwarded = new Set<number>();
  return {
    IoCreateDevice(driver: number, extensionSize: number, name: number, deviceType: number, characteristics: number, _exclusive: number, out: number): number {
      const n = u(name) === 0 ? null : mem().unicodeString(u(name)).replace(/^\\Device\\/i, "");
      const d = objects.createDevice(u(driver), u(extensionSize), u(deviceType), u(characteristics), n);
      mem().setU32(u(out), d.address);
      return STATUS.SUCCESS;
    },
    IoDeleteDevice(device: number): void {
      const d = objects.devices.get(u(device));
      if (d === undefined) return;
      // Unlink it from the driver's list; the memory stays (IRPs may still name it).
      const m = mem();
      let link = ctx.driverObject + DRV.DeviceObject;
      for (let p = m.u32At(link); p !== 0; p = m.u32At(link)) {
        if (p === d.address) {
          m.setU32(link, m.u32At(p + DEV.NextDevice));
          break;
        }
        link = p + DEV.NextDevice;
      }
      objects.deleteDevice(d);
    },
    IoAttachDeviceToDeviceStack(source: number, target: number): number {
      const s = objects.devices.get(u(source));
      const t = objects.devices.get(u(target));
      if (s === undefined || t === undefined) throw new RangeError("IoAttachDeviceToDeviceStack: both arguments must be device objects");
      if (!t.isPdo || t.ts === null) throw new RangeError(`IoAttachDeviceToDeviceStack: dmasim stacks a driver's device on its PDO only (${t.name} is not one)`);
      if (ctx.tsDriver === null) throw new RangeError("IoAttachDeviceToDeviceStack: called before DriverEntry returned");
      const fdo = IoCreateFdo(k, ctx.tsDriver, t.ts, s.name);
      objects.attach(s, fdo);
      const m = mem();
      m.setU8(u(source) + DEV.StackSize, m.u8At(u(target) + DEV.StackSize) + 1);
      m.setU32(u(target) + DEV.AttachedDevice, u(source));
      syncDeviceFlags(ctx, u(source));
      return u(target);
    },
    IoDetachDevice(target: number): void {
      mem().setU32(u(target) + DEV.AttachedDevice, 0);
    },
    IofCallDriver(device: number, irp: number): number {
      return irps.call(u(device), u(irp));
    },
    IofCompleteRequest(irp: number, _boost: number): void {
      irps.complete(u(irp));
    },
    IoForwardIrpSynchronously(device: number, irp: number): number {
      const m = mem();
      const a = u(irp);
      if (forwardThunk === 0) {
        // The completion routine IoForwardIrpSynchronously sets: note the completion, keep the IRP.
        [forwardThunk] = host.thunks([{ params: ["i32", "i32", "i32"], results: ["i32"], fn: ((_d: number, i: number) => (forwarded.add(u(i)), STATUS.MORE_PROCESSING_REQUIRED | 0)) }]) as [number];
      }
      const cur = m.u32At(a + IRPF["Tail.Overlay.CurrentStackLocation"]);
      const next = cur - (LOC.SIZE);
      m.writeBytes(next, m.readBytes(cur, LOC.CompletionRoutine));
      m.setU8(next + LOC.Control, 0x40 | 0x80 | 0x20);
      m.setU32(next + LOC.CompletionRoutine, forwardThunk);
      m.setU32(next + LOC.Context, 0);
      forwarded.delete(a);
      irps.call(u(device), a);
      while (!forwarded.has(a)) {
        const t = k.clock.nextEventTime();
        if (t === Infinity) throw new RangeError("IoForwardIrpSynchronously: the lower driver never completed the IRP");
        k.clock.runUntil(t);
      }
      forwarded.delete(a);
      return 1;
    },
    IoAllocateMdl(va: number, length: number, secondary: number, chargeQuota: number, irp: number): number {
      return host.fromCaller(() => {
        const m = mem();
        if (u(va) === 0) return 0;
        const kva = m.kernelVa(u(va), false, "IoAllocateMdl");
        const mdl = IoAllocateMdl(k, kva, u(length), bool(secondary), bool(chargeQuota), null);
        if (mdl === null) return 0;
        const at = objects.mirrorMdl(mdl);
        if (u(irp) !== 0) {
          if (!bool(secondary)) m.setU32(u(irp) + IRPF.MdlAddress, at);
          else {
            let tail = m.u32At(u(irp) + IRPF.MdlAddress);
            while (tail !== 0 && m.u32At(tail) !== 0) tail = m.u32At(tail);
            if (tail !== 0) {
              objects.mdl(tail, "IoAllocateMdl").Next = mdl;
              m.setU32(tail, at);
            }
          }
        }
        return at;
      });
    },
    IoFreeMdl(mdl: number): void {
      IoFreeMdl(k, objects.mdl(u(mdl), "IoFreeMdl"));
      objects.dropMdl(u(mdl));
    },
    IoConnectInterrupt(out: number, isr: number, context: number, _spinLock: number, vector: number, irql: number, syncIrql: number, mode: number, share: number, _affinity: number, _floatingSave: number): number {
      const io: { value: KINTERRUPT | null } = { value: null };
      let cInt = 0;
      const routine = u(isr);
      const st = host.fromCaller(() => IoConnectInterrupt(k, io, () => (Number(host.call(routine, [cInt, u(context)], "the ISR")) & 0xff) !== 0, u(context), u(vector), irql & 0xff, syncIrql & 0xff, mode === 1 ? 1 : 0, bool(share)));
      if (io.value !== null) {
        cInt = objects.addInterrupt(io.value);
        mem().setU32(u(out), cInt);
      }
      return st;
    },
    IoDisconnectInterrupt(interrupt: number): void {
      IoDisconnectInterrupt(k, objects.interrupt(u(interrupt), "IoDisconnectInterrupt"));
    },
    IoAcquireCancelSpinLock(irql: number): void {
      const old = IoAcquireCancelSpinLock(k);
      mem().setU8(u(irql), old);
    },
    IoReleaseCancelSpinLock(irql: number): void {
      IoReleaseCancelSpinLock(k, irql & 0xff);
    },
    KeSynchronizeExecution(interrupt: number, routine: number, context: number): number {
      const i = objects.interrupt(u(interrupt), "KeSynchronizeExecution");
      return KeSynchronizeExecution(k, i, () => (Number(host.call(u(routine), [u(context)], "the SynchronizeRoutine")) & 0xff) !== 0, u(context)) ? 1 : 0;
    },
  };
}
