import { describe, expect, it } from "vitest";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { KeInitializeDpc, KeInitializeTimer, KeSetTimer } from "../kernel/dpc.ts";
import { CTL_CODE, DO_BUFFERED_IO, DO_DIRECT_IO, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED, METHOD_NEITHER, METHOD_OUT_DIRECT } from "../kernel/io-manager.ts";
import { IoCompleteRequest, IoGetCurrentIrpStackLocation, IoMarkIrpPending, IoReleaseCancelSpinLock, IoSetCancelRoutine, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, type IRP } from "../kernel/irp.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { MmGetMdlByteCount, MmGetSystemAddressForMdlSafe } from "../kernel/mdl.ts";
import { createDriverObject, IoCreateFdo, pnpAddDevice } from "../kernel/pnp.ts";
import { IoStartNextPacket, IoStartPacket } from "../kernel/start-io.ts";
import { Application, IoHangError, STATUS_OBJECT_NAME_NOT_FOUND, STATUS_TIMEOUT } from "./application.ts";

const IOCTL_ECHO = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
const IOCTL_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);
const IOCTL_NEITHER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS);

interface Options {
  readonly flags: number;
  /** Complete reads and writes 10 us later from a timer DPC, through a StartIo queue. */
  readonly async?: boolean;
  /** Never complete reads (a broken driver). */
  readonly dropReads?: boolean;
}

/** A WDM driver for a device with no hardware: it keeps what was written and hands it back on read. */
function loopbackDriver(k: Kernel, o: Options) {
  const stored: number[] = [];
  const seen: { major: number; systemBuffer: number; mdl: boolean; userBuffer: number }[] = [];
  const bufferOf = (irp: IRP): number => (irp.MdlAddress !== null ? (MmGetSystemAddressForMdlSafe(irp.MdlAddress) ?? 0) : irp.AssociatedIrp.SystemBuffer !== 0 ? irp.AssociatedIrp.SystemBuffer : irp.UserBuffer);
  const work = (irp: IRP): void => {
    const p = IoGetCurrentIrpStackLocation(irp).Parameters;
    if (irp.MajorFunction === IRP_MJ_WRITE) {
      const n = p.Write?.Length ?? 0;
      stored.push(...k.cpu.readBytes(bufferOf(irp), n));
      irp.IoStatus = { Status: STATUS.SUCCESS, Information: n };
    } else {
      const n = Math.min(p.Read?.Length ?? 0, stored.length);
      k.cpu.writeBytes(bufferOf(irp), Uint8Array.from(stored.splice(0, n)));
      irp.IoStatus = { Status: STATUS.SUCCESS, Information: n };
    }
  };
  let fdo: DEVICE_OBJECT | null = null;
  const timer = KeInitializeTimer(k);
  const dpc = KeInitializeDpc(
    k,
    () => {
      const dev = fdo as DEVICE_OBJECT;
      const irp = dev.CurrentIrp as IRP;
      work(irp);
      IoCompleteRequest(irp);
      IoStartNextPacket(k, dev);
    },
    null,
  );
  const driver = createDriverObject("\\Driver\\loopback", (d) => {
    d.AddDevice = (drv, pdo) => {
      fdo = IoCreateFdo(k, drv, pdo, "loopback0");
      fdo.Flags |= o.flags;
      return STATUS.SUCCESS;
    };
    const ok = (_dev: DEVICE_OBJECT, irp: IRP): NTSTATUS => {
      irp.IoStatus = { Status: STATUS.SUCCESS, Information: 0 };
      IoCompleteRequest(irp);
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_CREATE] = ok;
    d.MajorFunction[IRP_MJ_CLOSE] = ok;
    d.MajorFunction[IRP_MJ_CLEANUP] = ok;
    const rw = (dev: DEVICE_OBJECT, irp: IRP): NTSTATUS => {
      seen.push({ major: irp.MajorFunction, systemBuffer: irp.AssociatedIrp.SystemBuffer, mdl: irp.MdlAddress !== null, userBuffer: irp.UserBuffer });
      if (o.dropReads === true && irp.MajorFunction === IRP_MJ_READ) {
        IoMarkIrpPending(irp);
        return STATUS.PENDING;
      }
      if (o.async === true) {
        IoMarkIrpPending(irp);
        IoStartPacket(k, dev, irp);
        return STATUS.PENDING;
      }
      work(irp);
      IoCompleteRequest(irp);
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_READ] = rw;
    d.MajorFunction[IRP_MJ_WRITE] = rw;
    d.DriverStartIo = () => void KeSetTimer(k, timer, -100, dpc);
    d.MajorFunction[IRP_MJ_DEVICE_CONTROL] = (_dev, irp) => {
      const p = IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl;
      if (p === undefined) throw new Error("no parameters");
      if (p.IoControlCode === IOCTL_ECHO) {
        // Input and output share the system buffer: reverse the input in place.
        const data = k.cpu.readBytes(irp.AssociatedIrp.SystemBuffer, p.InputBufferLength).reverse();
        k.cpu.writeBytes(irp.AssociatedIrp.SystemBuffer, data);
        irp.IoStatus = { Status: STATUS.SUCCESS, Information: Math.min(data.length, p.OutputBufferLength) };
      } else if (p.IoControlCode === IOCTL_FILL) {
        const fill = k.cpu.readU8(irp.AssociatedIrp.SystemBuffer);
        const mdl = irp.MdlAddress;
        if (mdl === null) throw new Error("no MDL");
        k.cpu.RtlFillMemory(MmGetSystemAddressForMdlSafe(mdl) ?? 0, MmGetMdlByteCount(mdl), fill);
        irp.IoStatus = { Status: STATUS.SUCCESS, Information: MmGetMdlByteCount(mdl) };
      } else if (p.IoControlCode === IOCTL_NEITHER) {
        k.cpu.writeU32(irp.UserBuffer, k.cpu.readU32(p.Type3InputBuffer) + 1);
        irp.IoStatus = { Status: STATUS.SUCCESS, Information: 4 };
      } else irp.IoStatus = { Status: STATUS.INVALID_DEVICE_REQUEST, Information: 0 };
      IoCompleteRequest(irp);
      return irp.IoStatus.Status;
    };
    return STATUS.SUCCESS;
  });
  pnpAddDevice(k, driver, k.pdo("nic0"));
  const app = new Application(k);
  const open = app.CreateFile("nic0");
  if (open.handle === null) throw new Error(`open failed 0x${open.status.toString(16)}`);
  return { k, app, h: open.handle, seen, stored };
}

const bytes = (...v: number[]) => Uint8Array.from(v);

describe("an application's I/O through the I/O manager", () => {
  it("buffered I/O: the driver gets a system buffer (not the caller's VA) filled from a write; a read is copied back by Information bytes", () => {
    const { app, h, seen } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    const w = app.allocate(5);
    w.write(bytes(1, 2, 3, 4, 5));
    expect(app.WriteFile(h, w)).toEqual({ status: STATUS.SUCCESS, information: 5 });
    const r = app.allocate(8);
    r.write(new Uint8Array(8));
    expect(app.ReadFile(h, r)).toEqual({ status: STATUS.SUCCESS, information: 5 });
    expect(r.read()).toEqual(bytes(1, 2, 3, 4, 5, 0, 0, 0));
    expect(seen.map((s, i) => [s.systemBuffer !== 0, s.systemBuffer !== (i === 0 ? w.va : r.va), s.mdl])).toEqual([
      [true, true, false],
      [true, true, false],
    ]);
  });

  it("buffered I/O leaves no system buffer behind: pages and mappings are as before", () => {
    const { k, app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    const b = app.allocate(4096);
    const before = [k.pfm.stats.freePages, k.va.mappingCount];
    app.WriteFile(h, b);
    app.ReadFile(h, b);
    expect([k.pfm.stats.freePages, k.va.mappingCount]).toEqual(before);
  });

  it("direct I/O: MdlAddress describes the caller's own buffer, locked for the request", () => {
    const { k, app, h, seen } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_DIRECT_IO });
    const w = app.allocate(3);
    w.write(bytes(7, 8, 9));
    app.WriteFile(h, w);
    expect(seen[0]).toMatchObject({ systemBuffer: 0, mdl: true });
    const r = app.allocate(3);
    app.ReadFile(h, r);
    expect(r.read()).toEqual(bytes(7, 8, 9));
    expect(k.va.physicalAddressOf(r.va)).toBeGreaterThan(0);
  });

  it("neither buffered nor direct: the driver gets the caller's VA in UserBuffer", () => {
    const { app, h, seen } = loopbackDriver(bootMachine("x64-desktop"), { flags: 0 });
    const w = app.allocate(2);
    app.WriteFile(h, w);
    expect(seen[0]).toMatchObject({ systemBuffer: 0, mdl: false, userBuffer: w.va });
  });

  it("overlapped requests through a StartIo queue stay outstanding until the DPC completes each, in order", () => {
    const { k, app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO, async: true });
    const w = app.allocate(4);
    w.write(bytes(10, 11, 12, 13));
    const writes = [app.WriteFileOverlapped(h, w, 2), app.WriteFileOverlapped(h, w, 4)];
    expect(writes.map((o) => o.done)).toEqual([false, false]);
    const results = app.waitAll(writes);
    expect(results).toEqual([
      { status: STATUS.SUCCESS, information: 2 },
      { status: STATUS.SUCCESS, information: 4 },
    ]);
    // Each request took one 10 us timer: the second started when the first finished.
    expect(k.clock.now).toBe(20_000);
  });

  it("CancelIo cancels the queued requests (STATUS_CANCELLED); the one StartIo already has completes normally", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO, async: true });
    const b = app.allocate(1);
    const reqs = [0, 1, 2].map(() => app.WriteFileOverlapped(h, b, 1));
    expect(app.CancelIo(h)).toBe(2);
    expect(reqs.map((r) => r.result?.status ?? null)).toEqual([null, STATUS.CANCELLED, STATUS.CANCELLED]);
    expect(reqs[0]?.wait()).toEqual({ status: STATUS.SUCCESS, information: 1 });
  });

  it("a cancel routine the driver sets runs at DISPATCH_LEVEL with the cancel spin lock held, once", () => {
    const k = bootMachine("x64-desktop");
    const { app, h } = loopbackDriver(k, { flags: DO_BUFFERED_IO, dropReads: true });
    const o = app.ReadFileOverlapped(h, app.allocate(1));
    const irql: number[] = [];
    const irp = [...h.file.outstanding][0] as IRP;
    IoSetCancelRoutine(irp, (_d, i) => {
      irql.push(k.KeGetCurrentIrql());
      IoReleaseCancelSpinLock(k, i.CancelIrql);
      i.IoStatus = { Status: STATUS.CANCELLED, Information: 0 };
      IoCompleteRequest(i);
    });
    expect(app.CancelIo(h)).toBe(1);
    expect(app.CancelIo(h)).toBe(0);
    expect(irql).toEqual([2]);
    expect(o.result?.status).toBe(STATUS.CANCELLED);
  });

  it("a synchronous read the driver never completes is an IoHangError naming the request, not a hang", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO, dropReads: true });
    expect(() => app.ReadFile(h, app.allocate(4))).toThrow(IoHangError);
    expect(() => app.ReadFile(h, app.allocate(4))).toThrow(/ReadFile on nic0: the driver never completed the request \(dispatch returned STATUS_PENDING/);
  });

  it("a wait with a timeout returns STATUS_TIMEOUT and leaves the request outstanding", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO, async: true });
    const o = app.WriteFileOverlapped(h, app.allocate(1));
    expect(o.wait(5_000).status).toBe(STATUS_TIMEOUT);
    expect(o.done).toBe(false);
    expect(o.wait().status).toBe(STATUS.SUCCESS);
  });

  it("DeviceIoControl METHOD_BUFFERED shares one system buffer for input and output", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    const input = app.allocate(3);
    input.write(bytes(1, 2, 3));
    const output = app.allocate(3);
    expect(app.DeviceIoControl(h, IOCTL_ECHO, input, output)).toEqual({ status: STATUS.SUCCESS, information: 3 });
    expect(output.read()).toEqual(bytes(3, 2, 1));
  });

  it("DeviceIoControl METHOD_OUT_DIRECT: input buffered, output locked and described by MdlAddress", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    const input = app.allocate(1);
    input.write(bytes(0x5a));
    const output = app.allocate(6);
    expect(app.DeviceIoControl(h, IOCTL_FILL, input, output).information).toBe(6);
    expect(output.read()).toEqual(new Uint8Array(6).fill(0x5a));
  });

  it("DeviceIoControl METHOD_NEITHER: the caller's input VA in Type3InputBuffer, the output VA in UserBuffer", () => {
    const { k, app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    const input = app.allocate(4);
    k.cpu.writeU32(input.va, 41);
    const output = app.allocate(4);
    app.DeviceIoControl(h, IOCTL_NEITHER, input, output);
    expect(k.cpu.readU32(output.va)).toBe(42);
  });

  it("an unknown control code gets the driver's status (STATUS_INVALID_DEVICE_REQUEST)", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    expect(app.DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS), null, null).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });

  it("CreateFile of a name no device has is STATUS_OBJECT_NAME_NOT_FOUND; a closed handle cannot be used", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    expect(app.CreateFile("nosuch")).toEqual({ status: STATUS_OBJECT_NAME_NOT_FOUND, handle: null });
    expect(app.CreateFile("\\\\.\\nic0").handle).not.toBeNull();
    app.CloseHandle(h);
    expect(() => app.ReadFile(h, app.allocate(1))).toThrow(/closed/);
    expect(() => app.CloseHandle(h)).toThrow(/already closed/);
  });

  it("a length past the end of the buffer is the emulator's RangeError", () => {
    const { app, h } = loopbackDriver(bootMachine("x64-desktop"), { flags: DO_BUFFERED_IO });
    expect(() => app.ReadFile(h, app.allocate(4), 5)).toThrow(/length 5 does not fit the 4-byte buffer/);
  });

  it("completing an IRP twice bug checks MULTIPLE_IRP_COMPLETE_REQUESTS (0x44) with the IRP as P1", () => {
    const k = bootMachine("x64-desktop");
    const driver = createDriverObject("\\Driver\\twice", (d) => {
      d.AddDevice = (drv, pdo) => (IoCreateFdo(k, drv, pdo, "twice0"), STATUS.SUCCESS);
      d.MajorFunction[IRP_MJ_CREATE] = (_dev, irp) => {
        IoCompleteRequest(irp);
        IoCompleteRequest(irp);
        return STATUS.SUCCESS;
      };
      return STATUS.SUCCESS;
    });
    pnpAddDevice(k, driver, k.pdo("nic0"));
    expect(() => new Application(k).CreateFile("nic0")).toThrow(expect.objectContaining({ code: 0x44 }));
  });
});
