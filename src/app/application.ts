/**
 * The application side of a scenario: a user-mode client that opens a
 * device and issues ReadFile / WriteFile / DeviceIoControl, synchronously or
 * overlapped with several outstanding, cancels them (CancelIo) and closes the
 * handle — through the I/O manager (kernel/io-manager.ts), so the driver sees
 * the IRPs and buffers Windows would give it.
 *
 * A synchronous call runs the machine's clock until the request completes.
 * When nothing is left to run and the request is still pending, the driver
 * never completed it: Windows would wait forever; dmasim throws IoHangError
 * naming the request.
 */
import { BYTES_TO_PAGES } from "../core/address.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { type FILE_OBJECT, ioCancel, ioClose, ioControl, ioCreate, type IoRequest, type IoResult, ioRead, ioWrite } from "../kernel/io-manager.ts";
import { IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE } from "../kernel/irp.ts";
import type { Kernel } from "../kernel/kernel.ts";

/** STATUS_TIMEOUT: a wait that ran out before the request completed (the request goes on). */
export const STATUS_TIMEOUT = 0x0000_0102;

/** A synchronous request the driver never completed, with nothing left on the machine to complete it. */
export class IoHangError extends Error {
  /** `message` names the request and what the dispatch routine returned. */
  constructor(message: string) {
    super(message);
    this.name = "IoHangError";
  }
}

/** A buffer in the application's memory (pages mapped for it). */
export interface UserBuffer {
  /** Where it is (the application's pages are mapped in the one VA space). */
  readonly va: number;
  /** Its size in bytes. */
  readonly length: number;
  /** A copy of the buffer's bytes. */
  read(): Uint8Array;
  /** Store bytes into the buffer at `offset`. */
  write(data: Uint8Array, offset?: number): void;
  /** Give the pages back (once). */
  free(): void;
}

/** An open handle. */
export interface HANDLE {
  /** The file object the I/O manager created for it. */
  readonly file: FILE_OBJECT;
}

/** An overlapped request: poll `done`, or `wait()` for it. */
export interface Overlapped {
  /** The driver completed it. */
  readonly done: boolean;
  /** The result once done, else null. */
  readonly result: IoResult | null;
  /** Run the machine until the request completes (or `timeoutNs` of simulated time pass: STATUS_TIMEOUT). */
  wait(timeoutNs?: number): IoResult;
}

const MAJOR_NAME: Record<number, string> = { [IRP_MJ_READ]: "ReadFile", [IRP_MJ_WRITE]: "WriteFile", [IRP_MJ_DEVICE_CONTROL]: "DeviceIoControl" };

/**
 * A user-mode client of a driver: CreateFile, ReadFile / WriteFile /
 * DeviceIoControl (synchronous or overlapped), CancelIo, CloseHandle, through
 * the I/O manager, so the driver gets the IRPs and buffers (buffered, direct
 * or neither I/O) Windows would give it. A synchronous call runs the
 * machine's clock until the request completes; a request the driver never
 * completes is an {@link IoHangError}, not a hang.
 *
 * @example
 * ```ts
 * import { bootMachine, createDriverObject, IoCreateFdo, pnpAddDevice, IoCompleteRequest, IoMarkIrpPending, IoStartPacket, IoStartNextPacket,
 *   IoGetCurrentIrpStackLocation, Application, DO_BUFFERED_IO, IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_CLEANUP, IRP_MJ_WRITE, STATUS, statusSymbol, type IRP } from "dmasim";
 *
 * const k = bootMachine("x64-desktop");
 * const complete = (irp: IRP, information = 0): number => {
 *   irp.IoStatus = { Status: STATUS.SUCCESS, Information: information };
 *   IoCompleteRequest(irp);
 *   return STATUS.SUCCESS;
 * };
 * const driver = createDriverObject("\\Driver\\Sink", (d) => {
 *   d.AddDevice = (drv, pdo) => ((IoCreateFdo(k, drv, pdo, "Sink0").Flags |= DO_BUFFERED_IO), STATUS.SUCCESS);
 *   for (const mj of [IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_CLEANUP]) d.MajorFunction[mj] = (_dev, irp) => complete(irp);
 *   d.MajorFunction[IRP_MJ_WRITE] = (dev, irp) => {
 *     IoMarkIrpPending(irp);
 *     IoStartPacket(k, dev, irp); // StartIo now, or queued behind the current write
 *     return STATUS.PENDING;
 *   };
 *   d.DriverStartIo = (dev, irp) => {
 *     complete(irp, IoGetCurrentIrpStackLocation(irp).Parameters.Write?.Length ?? 0);
 *     IoStartNextPacket(k, dev);
 *   };
 *   return STATUS.SUCCESS;
 * });
 * pnpAddDevice(k, driver, k.pdo("plx9656"));
 *
 * const app = new Application(k);
 * const { handle } = app.CreateFile("plx9656");
 * if (handle === null) throw new Error("no device");
 * const r = app.WriteFile(handle, app.allocate(100));
 * console.log(statusSymbol(r.status), r.information); // STATUS_SUCCESS 100
 * app.CloseHandle(handle);
 * ```
 */
export class Application {
  /** The machine it runs on. */
  readonly k: Kernel;
  private readonly buffers = new Set<UserBuffer>();

  /** An application on machine `k`. */
  constructor(k: Kernel) {
    this.k = k;
  }

  /** Allocate a buffer of `length` bytes in the application's memory (initially the fill pattern, like fresh pages). */
  allocate(length: number): UserBuffer {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`allocate: length must be a byte count, got ${String(length)}`);
    const k = this.k;
    const pfns = k.pfm.allocatePages(Math.max(1, BYTES_TO_PAGES(length)), { effort: "full", kind: "movable" });
    if (pfns === null) throw new RangeError(`allocate: no memory for a ${length}-byte application buffer`);
    const m = k.va.map(pfns, "cached", "application buffer");
    const b: UserBuffer = {
      va: m.startVa,
      length,
      read: () => k.cpu.readBytes(m.startVa, length),
      write: (data, offset = 0) => {
        if (offset < 0 || offset + data.length > length) throw new RangeError(`UserBuffer.write: ${data.length} bytes at ${offset} do not fit in ${length}`);
        k.cpu.writeBytes(m.startVa + offset, data);
      },
      free: () => {
        if (!this.buffers.delete(b)) throw new RangeError("UserBuffer.free: already freed");
        k.va.unmap(m.startVa);
        k.pfm.freePages(pfns);
      },
    };
    this.buffers.add(b);
    return b;
  }

  /**
   * CreateFile: open a device by its profile name ("plx9656"), its symbolic
   * link ("\\\\.\\plx9656") or its device object name ("\\Device\\plx9656-FDO").
   * The IRP_MJ_CREATE goes to the top of the device's stack.
   */
  CreateFile(name: string): { status: NTSTATUS; handle: HANDLE | null } {
    const top = this.findDevice(name);
    if (top === null) return { status: STATUS_OBJECT_NAME_NOT_FOUND, handle: null };
    const r = ioCreate(this.k, top, name);
    return { status: r.status, handle: r.file === null ? null : { file: r.file } };
  }

  /** CloseHandle: IRP_MJ_CLEANUP (the handle's outstanding requests are cancelled), then IRP_MJ_CLOSE. */
  CloseHandle(h: HANDLE): void {
    ioClose(this.k, h.file);
  }

  /** CancelIo: cancel every request outstanding on the handle; returns how many had a cancel routine to run. */
  CancelIo(h: HANDLE): number {
    return ioCancel(this.k, h.file);
  }

  /** ReadFile, synchronous: `length` bytes into `buffer` (default all of it). */
  ReadFile(h: HANDLE, buffer: UserBuffer, length = buffer.length): IoResult {
    return this.ReadFileOverlapped(h, buffer, length).wait();
  }

  /** WriteFile, synchronous: `length` bytes from `buffer` (default all of it). */
  WriteFile(h: HANDLE, buffer: UserBuffer, length = buffer.length): IoResult {
    return this.WriteFileOverlapped(h, buffer, length).wait();
  }

  /** DeviceIoControl, synchronous: the code's method (CTL_CODE) decides how the driver sees the buffers. */
  DeviceIoControl(h: HANDLE, IoControlCode: number, input: UserBuffer | null, output: UserBuffer | null, inLength = input?.length ?? 0, outLength = output?.length ?? 0): IoResult {
    return this.DeviceIoControlOverlapped(h, IoControlCode, input, output, inLength, outLength).wait();
  }

  /** ReadFile with an OVERLAPPED: returns at once; `wait()` or {@link Application.waitAll} for the result. */
  ReadFileOverlapped(h: HANDLE, buffer: UserBuffer, length = buffer.length): Overlapped {
    checkLength("ReadFile", buffer, length);
    return this.overlapped(ioRead(this.k, h.file, buffer.va, length));
  }

  /** WriteFile with an OVERLAPPED: returns at once. */
  WriteFileOverlapped(h: HANDLE, buffer: UserBuffer, length = buffer.length): Overlapped {
    checkLength("WriteFile", buffer, length);
    return this.overlapped(ioWrite(this.k, h.file, buffer.va, length));
  }

  /** DeviceIoControl with an OVERLAPPED: returns at once. */
  DeviceIoControlOverlapped(h: HANDLE, IoControlCode: number, input: UserBuffer | null, output: UserBuffer | null, inLength = input?.length ?? 0, outLength = output?.length ?? 0): Overlapped {
    if (input !== null) checkLength("DeviceIoControl", input, inLength);
    if (output !== null) checkLength("DeviceIoControl", output, outLength);
    return this.overlapped(ioControl(this.k, h.file, IoControlCode >>> 0, input?.va ?? 0, input === null ? 0 : inLength, output?.va ?? 0, output === null ? 0 : outLength));
  }

  /** Run the machine until every request in `list` is done; their results in order. */
  waitAll(list: readonly Overlapped[], timeoutNs = Infinity): IoResult[] {
    return list.map((o) => o.wait(Math.max(0, timeoutNs)));
  }

  private overlapped(req: IoRequest): Overlapped {
    // A class instance, not an object literal with getters (those take the engine's slow path on every request).
    return new PendingIo(this.k, req);
  }

  private findDevice(name: string): DEVICE_OBJECT | null {
    const k = this.k;
    const bare = name.replace(/^\\\\\.\\/, "");
    for (const pdo of k.pdos.values()) {
      let top: DEVICE_OBJECT = pdo;
      while (top.AttachedDevice !== null) top = top.AttachedDevice;
      const names = [pdo.config.name, pdo.name];
      for (let d: DEVICE_OBJECT | null = pdo.AttachedDevice; d !== null; d = d.AttachedDevice) names.push(d.name);
      if (names.includes(bare) && top !== pdo && !top.deleted) return top;
    }
    return null;
  }
}

/** STATUS_OBJECT_NAME_NOT_FOUND: no device by that name (or no driver over it). */
export const STATUS_OBJECT_NAME_NOT_FOUND = 0xc000_0034;

function checkLength(what: string, b: UserBuffer, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > b.length) throw new RangeError(`${what}: length ${String(length)} does not fit the ${b.length}-byte buffer`);
}

function statusText(s: NTSTATUS): string {
  return s === STATUS.PENDING ? "STATUS_PENDING" : `0x${(s >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

/** An Overlapped for one request of an Application. */
class PendingIo implements Overlapped {
  private readonly k: Kernel;
  private readonly req: IoRequest;

  constructor(k: Kernel, req: IoRequest) {
    this.k = k;
    this.req = req;
  }

  get done(): boolean {
    return this.req.result !== null;
  }

  get result(): IoResult | null {
    return this.req.result;
  }

  /** Run the machine until the request completes (or `timeoutNs` of simulated time pass: STATUS_TIMEOUT). */
  wait(timeoutNs = Infinity): IoResult {
    const k = this.k;
    const req = this.req;
    const deadline = k.clock.now + timeoutNs;
    while (req.result === null) {
      const t = k.clock.nextEventTime();
      if (t === Infinity) {
        const what = MAJOR_NAME[req.irp.MajorFunction] ?? `IRP major 0x${req.irp.MajorFunction.toString(16)}`;
        throw new IoHangError(`${what} on ${req.file.name}: the driver never completed the request (dispatch returned ${statusText(req.dispatchStatus)}; nothing is left to run on the machine at ${k.clock.now} ns)`);
      }
      if (t > deadline) {
        k.clock.runUntil(deadline);
        return { status: STATUS_TIMEOUT, information: 0 };
      }
      k.clock.runUntil(t);
    }
    return req.result;
  }
}
