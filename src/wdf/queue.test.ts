import { describe, expect, it } from "vitest";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { Application } from "../app/application.ts";
import { KeInitializeDpc, KeInitializeTimer, KeSetTimer } from "../kernel/dpc.ts";
import { CTL_CODE, DO_BUFFERED_IO, DO_DIRECT_IO, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED, METHOD_NEITHER, METHOD_OUT_DIRECT } from "../kernel/io-manager.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { MmGetMdlByteCount, type MDL } from "../kernel/mdl.ts";
import { pnpState, startDevice, stopDevice } from "../kernel/pnp.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, WdfDeviceInitSetIoType, WdfDeviceInitSetRequestAttributes, type WDFDEVICE_INIT } from "./device.ts";
import { WDF_DECLARE_CONTEXT_TYPE_WITH_NAME, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE } from "./context.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, WdfDeviceIoDirect, WdfDeviceIoNeither, type WdfDriver, WdfDriverCreate, WdfObjectDelete, WdfObjectReference } from "./driver.ts";
import { wdfStartDevice } from "./pnp-power.ts";
import {
  WDF_IO_QUEUE_CONFIG_INIT,
  WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE,
  WdfDeviceConfigureRequestDispatching,
  WdfFalse,
  WdfIoQueue,
  WdfIoQueueCreate,
  WdfIoQueueDispatchManual,
  WdfIoQueueDispatchParallel,
  WdfIoQueueDispatchSequential,
  WdfIoQueueRetrieveNextRequest,
  WdfIoQueueStart,
  WdfIoQueueStop,
  WdfIoQueuePurge,
  WdfRequestForwardToIoQueue,
  WdfRequestGetIoQueue,
  WdfRequestMarkCancelable,
  WdfRequestMarkCancelableEx,
  WdfRequestRequeue,
  WdfRequestStopAcknowledge,
  WdfRequestStopActionSuspend,
  WdfRequestStopRequestCancelable,
  WdfRequestUnmarkCancelable,
  type WDF_IO_QUEUE_CONFIG,
} from "./queue.ts";
import {
  type BufferOut,
  WDF_REQUEST_PARAMETERS_INIT,
  WdfRequest,
  WdfRequestComplete,
  WdfRequestCompleteWithInformation,
  WdfRequestGetParameters,
  WdfRequestRetrieveInputBuffer,
  WdfRequestRetrieveInputWdmMdl,
  WdfRequestRetrieveOutputBuffer,
  WdfRequestRetrieveOutputWdmMdl,
  WdfRequestTypeRead,
  WdfRequestTypeWrite,
} from "./request.ts";

const IOCTL_ECHO = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
const IOCTL_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);
const IOCTL_NEITHER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS);

interface Rig {
  readonly k: Kernel;
  readonly app: Application;
  readonly device: WdfDevice;
  readonly log: string[];
}

/** A KMDF driver on the PLX PDO whose EvtDriverDeviceAdd is `setup`; added and started through the kernel's PnP manager. */
function rig(setup: (dev: WdfDevice, init: WDFDEVICE_INIT, log: string[]) => NTSTATUS, before?: (init: WDFDEVICE_INIT, log: string[]) => void): Rig {
  const k = bootMachine("x64-desktop");
  const log: string[] = [];
  const drv: HandleOut<WdfDriver> = { value: null };
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    before?.(init, log);
    const out: HandleOut<WdfDevice> = { value: null };
    const st = WdfDeviceCreate(init, null, out);
    if (!NT_SUCCESS(st) || out.value === null) return st;
    return setup(out.value, init, log);
  };
  expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv)).toBe(STATUS.SUCCESS);
  const { status, device } = wdfAddDevice(drv.value as WdfDriver, "plx9656");
  expect(status).toBe(STATUS.SUCCESS);
  expect(wdfStartDevice(device as WdfDevice)).toBe(STATUS.SUCCESS);
  return { k, app: new Application(k), device: device as WdfDevice, log };
}

function queue(dev: WdfDevice, config: WDF_IO_QUEUE_CONFIG): WdfIoQueue {
  const out: HandleOut<WdfIoQueue> = { value: null };
  expect(WdfIoQueueCreate(dev, config, null, out)).toBe(STATUS.SUCCESS);
  return out.value as WdfIoQueue;
}

/** A loopback: writes are kept, reads hand them back; IOCTL_ECHO returns its input. */
function loopback(k: Kernel, dispatch = WdfIoQueueDispatchSequential) {
  const stored: number[] = [];
  return (dev: WdfDevice, _init: WDFDEVICE_INIT, log: string[]): NTSTATUS => {
    queue(
      dev,
      WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(dispatch, {
        EvtIoWrite: (_q, r, len) => {
          log.push(`write ${len} @${k.KeGetCurrentIrql()}`);
          const b: BufferOut = { value: 0 };
          expect(WdfRequestRetrieveInputBuffer(r, len, b)).toBe(STATUS.SUCCESS);
          stored.push(...k.cpu.readBytes(b.value, len));
          WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, len);
        },
        EvtIoRead: (_q, r, len) => {
          log.push(`read ${len}`);
          const b: BufferOut = { value: 0 };
          expect(WdfRequestRetrieveOutputBuffer(r, 1, b)).toBe(STATUS.SUCCESS);
          const n = Math.min(len, stored.length);
          k.cpu.writeBytes(b.value, Uint8Array.from(stored.splice(0, n)));
          WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, n);
        },
        EvtIoDeviceControl: (_q, r, outLen, inLen, code) => {
          log.push(`ioctl 0x${code.toString(16)} out ${outLen} in ${inLen}`);
          const i: BufferOut = { value: 0 };
          const o: BufferOut = { value: 0 };
          const si = WdfRequestRetrieveInputBuffer(r, 0, i);
          const so = WdfRequestRetrieveOutputBuffer(r, 0, o);
          if (!NT_SUCCESS(si) || !NT_SUCCESS(so)) return WdfRequestComplete(r, NT_SUCCESS(si) ? so : si);
          k.cpu.writeBytes(o.value, k.cpu.readBytes(i.value, Math.min(inLen, outLen)));
          WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, Math.min(inLen, outLen));
        },
      }),
    );
    return STATUS.SUCCESS;
  };
}

describe("KMDF I/O path: the application's requests reach a default queue through the kernel's I/O manager", () => {
  it("a write and a read through a sequential default queue move the bytes (buffered I/O, the KMDF default: DO_BUFFERED_IO)", () => {
    const t = rig((dev, init, log) => loopback(dev.kernel)(dev, init, log));
    expect(t.device.fdo.Flags & DO_BUFFERED_IO).toBe(DO_BUFFERED_IO);
    const h = t.app.CreateFile("plx9656").handle;
    expect(h).not.toBeNull();
    const src = t.app.allocate(64);
    src.write(Uint8Array.from({ length: 64 }, (_, i) => i * 3));
    expect(t.app.WriteFile(h!, src)).toEqual({ status: STATUS.SUCCESS, information: 64 });
    const dst = t.app.allocate(64);
    expect(t.app.ReadFile(h!, dst)).toEqual({ status: STATUS.SUCCESS, information: 64 });
    expect(dst.read()).toEqual(src.read());
    expect(t.log).toEqual([`write 64 @${PASSIVE_LEVEL}`, "read 64"]);
  });

  it("METHOD_BUFFERED IOCTL: input and output share the system buffer; output copied back for Information bytes", () => {
    const t = rig((dev, init, log) => loopback(dev.kernel)(dev, init, log));
    const h = t.app.CreateFile("plx9656").handle!;
    const inb = t.app.allocate(8);
    inb.write(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const outb = t.app.allocate(16);
    expect(t.app.DeviceIoControl(h, IOCTL_ECHO, inb, outb)).toEqual({ status: STATUS.SUCCESS, information: 8 });
    expect([...outb.read().subarray(0, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(t.log).toEqual([`ioctl 0x${IOCTL_ECHO.toString(16)} out 16 in 8`]);
  });

  it("METHOD_NEITHER: the framework hands out no buffer (STATUS_INVALID_DEVICE_REQUEST); no input: STATUS_BUFFER_TOO_SMALL", () => {
    const t = rig((dev, init, log) => loopback(dev.kernel)(dev, init, log));
    const h = t.app.CreateFile("plx9656").handle!;
    const b = t.app.allocate(8);
    expect(t.app.DeviceIoControl(h, IOCTL_NEITHER, b, b).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(t.app.DeviceIoControl(h, IOCTL_ECHO, null, b).status).toBe(STATUS.BUFFER_TOO_SMALL);
  });

  it("a zero-length write completes with STATUS_SUCCESS without reaching EvtIoWrite (AllowZeroLengthRequests FALSE)", () => {
    const t = rig((dev, init, log) => loopback(dev.kernel)(dev, init, log));
    const h = t.app.CreateFile("plx9656").handle!;
    expect(t.app.WriteFile(h, t.app.allocate(4), 0)).toEqual({ status: STATUS.SUCCESS, information: 0 });
    expect(t.log).toEqual([]);
  });

  it("with no queue for the type the request fails with STATUS_INVALID_DEVICE_REQUEST; with no queue at all too", () => {
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => WdfRequestComplete(r, STATUS.SUCCESS) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const b = t.app.allocate(4);
    expect(t.app.WriteFile(h, b).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(t.app.ReadFile(h, b).status).toBe(STATUS.SUCCESS);
    const bare = rig(() => STATUS.SUCCESS);
    const h2 = bare.app.CreateFile("plx9656").handle!;
    expect(bare.app.ReadFile(h2, bare.app.allocate(4)).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });
});

describe("WdfIoQueueCreate checks, in the framework's order", () => {
  it("no callback on a sequential queue: STATUS_WDF_NO_CALLBACK; callbacks on a manual queue, a bad dispatch type, NumberOfPresentedRequests on a sequential queue: STATUS_INVALID_PARAMETER; wrong Size: STATUS_INFO_LENGTH_MISMATCH", () => {
    const seen: NTSTATUS[] = [];
    rig((dev) => {
      const out: HandleOut<WdfIoQueue> = { value: null };
      seen.push(WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchSequential), null, out));
      seen.push(WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual, { EvtIoRead: () => undefined }), null, out));
      seen.push(WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(7, { EvtIoRead: () => undefined }), null, out));
      seen.push(WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchSequential, { EvtIoRead: () => undefined, Settings: { Parallel: { NumberOfPresentedRequests: 2 } } }), null, out));
      seen.push(WdfIoQueueCreate(dev, { ...WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual), Size: 0x50 }, null, out));
      seen.push(WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual), null, null));
      expect(out.value).toBeNull();
      return STATUS.SUCCESS;
    });
    expect(seen).toEqual([STATUS.WDF_NO_CALLBACK, STATUS.INVALID_PARAMETER, STATUS.INVALID_PARAMETER, STATUS.INVALID_PARAMETER, STATUS.INFO_LENGTH_MISMATCH, STATUS.INVALID_PARAMETER]);
  });

  it("a second default queue is STATUS_UNSUCCESSFUL; a default queue after the start is STATUS_INVALID_DEVICE_STATE", () => {
    let second: NTSTATUS = 0;
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual));
      second = WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual), null, { value: null });
      return STATUS.SUCCESS;
    });
    expect(second).toBe(STATUS.UNSUCCESSFUL);
    expect(WdfIoQueueCreate(t.device, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual), null, { value: null })).toBe(STATUS.INVALID_DEVICE_STATE);
  });

  it("WdfDeviceConfigureRequestDispatching: a queue without a callback for the type or the default queue is STATUS_INVALID_DEVICE_REQUEST, a type already taken STATUS_WDF_BUSY", () => {
    const seen: NTSTATUS[] = [];
    rig((dev) => {
      const def = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoDefault: () => undefined }));
      const reads = queue(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchSequential, { EvtIoRead: () => undefined }));
      const manual = queue(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual));
      seen.push(WdfDeviceConfigureRequestDispatching(dev, reads, WdfRequestTypeWrite));
      seen.push(WdfDeviceConfigureRequestDispatching(dev, def, WdfRequestTypeRead));
      seen.push(WdfDeviceConfigureRequestDispatching(dev, reads, WdfRequestTypeRead));
      seen.push(WdfDeviceConfigureRequestDispatching(dev, manual, WdfRequestTypeRead));
      seen.push(WdfDeviceConfigureRequestDispatching(dev, manual, WdfRequestTypeWrite));
      return STATUS.SUCCESS;
    });
    expect(seen).toEqual([STATUS.INVALID_DEVICE_REQUEST, STATUS.INVALID_DEVICE_REQUEST, STATUS.SUCCESS, STATUS.WDF_BUSY, STATUS.SUCCESS]);
  });
});

describe("dispatch types", () => {
  /** Reads the driver holds until `finish` completes the oldest one. */
  function holding(dispatch: number, limit?: number) {
    const held: WdfRequest[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(dispatch, { EvtIoRead: (_q, r) => void held.push(r), ...(limit === undefined ? {} : { Settings: { Parallel: { NumberOfPresentedRequests: limit } } }) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const ops = [0, 1, 2].map(() => t.app.ReadFileOverlapped(h, t.app.allocate(8)));
    return { t, held, ops };
  }

  it("a sequential queue presents the next request only when the driver completes the current one", () => {
    const { held, ops } = holding(WdfIoQueueDispatchSequential);
    expect(held).toHaveLength(1);
    WdfRequestComplete(held[0] as WdfRequest, STATUS.SUCCESS);
    expect(ops[0]?.done).toBe(true);
    expect(held).toHaveLength(2);
  });

  it("a parallel queue presents them all at once; NumberOfPresentedRequests caps how many the driver holds", () => {
    expect(holding(WdfIoQueueDispatchParallel).held).toHaveLength(3);
    const capped = holding(WdfIoQueueDispatchParallel, 2);
    expect(capped.held).toHaveLength(2);
    WdfRequestComplete(capped.held[1] as WdfRequest, STATUS.SUCCESS);
    expect(capped.held).toHaveLength(3);
  });

  it("a manual queue: WdfIoQueueRetrieveNextRequest oldest first, then STATUS_NO_MORE_ENTRIES; a stopped queue gives STATUS_WDF_PAUSED; WdfRequestRequeue puts it back at the head", () => {
    let q!: WdfIoQueue;
    const t = rig((dev) => {
      q = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const a = t.app.WriteFileOverlapped(h, t.app.allocate(8), 3);
    const b = t.app.WriteFileOverlapped(h, t.app.allocate(8), 5);
    const out: HandleOut<WdfRequest> = { value: null };
    const p = WDF_REQUEST_PARAMETERS_INIT();
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.SUCCESS);
    const first = out.value as WdfRequest;
    WdfRequestGetParameters(first, p);
    expect(p.Parameters.Write.Length).toBe(3);
    expect(WdfRequestGetIoQueue(first)).toBe(q);
    expect(WdfRequestRequeue(first)).toBe(STATUS.SUCCESS);
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.SUCCESS);
    expect(out.value).toBe(first);
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.SUCCESS);
    WdfRequestGetParameters(out.value as WdfRequest, p);
    expect(p.Parameters.Write.Length).toBe(5);
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.NO_MORE_ENTRIES);
    WdfIoQueueStop(q, null, null);
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.WDF_PAUSED);
    WdfRequestComplete(first, STATUS.SUCCESS);
    expect(a.done && !b.done).toBe(true);
  });

  it("WdfRequestRequeue from a sequential queue is STATUS_INVALID_DEVICE_REQUEST", () => {
    const { held } = holding(WdfIoQueueDispatchSequential);
    expect(WdfRequestRequeue(held[0] as WdfRequest)).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });

  it("WdfIoQueueStop keeps accepting but presents nothing; StopComplete runs once the driver's requests complete; WdfIoQueueStart presents the waiting ones", () => {
    const held: WdfRequest[] = [];
    let q!: WdfIoQueue;
    const t = rig((dev) => {
      q = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const events: string[] = [];
    WdfIoQueueStop(q, () => events.push("stop complete"), null);
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    expect(held).toHaveLength(1);
    expect(events).toEqual([]);
    WdfRequestComplete(held[0] as WdfRequest, STATUS.SUCCESS);
    expect(events).toEqual(["stop complete"]);
    WdfIoQueueStart(q);
    expect(held).toHaveLength(2);
  });

  it("WdfIoQueuePurge cancels the queued requests (STATUS_CANCELLED), calls EvtRequestCancel for the driver's cancelable ones, and refuses new ones (STATUS_INVALID_DEVICE_STATE)", () => {
    const held: WdfRequest[] = [];
    let q!: WdfIoQueue;
    const t = rig((dev) => {
      q = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
        EvtIoRead: (_q, r) => {
          held.push(r);
          WdfRequestMarkCancelable(r, (c) => WdfRequestComplete(c, STATUS.CANCELLED));
        },
      }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const owned = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const waiting = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    let purged = false;
    WdfIoQueuePurge(q, () => (purged = true), null);
    expect(waiting.result?.status).toBe(STATUS.CANCELLED);
    expect(owned.result?.status).toBe(STATUS.CANCELLED);
    expect(purged).toBe(true);
    expect(t.app.ReadFile(h, t.app.allocate(8)).status).toBe(STATUS.INVALID_DEVICE_STATE);
  });
});

describe("cancellation", () => {
  it("a request cancelled while queued completes with STATUS_CANCELLED, or goes to EvtIoCanceledOnQueue when the queue has one", () => {
    for (const withCallback of [false, true]) {
      const seen: string[] = [];
      const t = rig((dev) => {
        queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual, withCallback ? { EvtIoCanceledOnQueue: (_q, r) => (seen.push("canceled on queue"), WdfRequestCompleteWithInformation(r, STATUS.CANCELLED, 0)) } : {}));
        return STATUS.SUCCESS;
      });
      const h = t.app.CreateFile("plx9656").handle!;
      const o = t.app.ReadFileOverlapped(h, t.app.allocate(8));
      expect(t.app.CancelIo(h)).toBe(1);
      expect(o.result?.status).toBe(STATUS.CANCELLED);
      expect(seen).toEqual(withCallback ? ["canceled on queue"] : []);
    }
  });

  it("a driver-owned request: not cancelable until marked; EvtRequestCancel runs once on CancelIo; UnmarkCancelable then says STATUS_CANCELLED", () => {
    const held: WdfRequest[] = [];
    const seen: string[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const o = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r = held[0] as WdfRequest;
    expect(t.app.CancelIo(h)).toBe(0);
    expect(o.done).toBe(false);
    // Already cancelled: MarkCancelableEx refuses, MarkCancelable calls the routine at once.
    expect(WdfRequestMarkCancelableEx(r, () => seen.push("ex"))).toBe(STATUS.CANCELLED);
    WdfRequestMarkCancelable(r, (c) => {
      seen.push(`cancel @${t.k.KeGetCurrentIrql()}`);
      WdfRequestComplete(c, STATUS.CANCELLED);
    });
    expect(seen).toEqual([`cancel @${PASSIVE_LEVEL}`]);
    expect(o.result?.status).toBe(STATUS.CANCELLED);

    const o2 = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r2 = held[1] as WdfRequest;
    let calls = 0;
    WdfRequestMarkCancelable(r2, () => calls++);
    expect(t.app.CancelIo(h)).toBe(1);
    expect(calls).toBe(1);
    expect(WdfRequestUnmarkCancelable(r2)).toBe(STATUS.CANCELLED);
    WdfRequestComplete(r2, STATUS.CANCELLED);
    expect(o2.result?.status).toBe(STATUS.CANCELLED);

    const o3 = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r3 = held[2] as WdfRequest;
    WdfRequestMarkCancelable(r3, () => calls++);
    expect(WdfRequestUnmarkCancelable(r3)).toBe(STATUS.SUCCESS);
    expect(t.app.CancelIo(h)).toBe(0);
    WdfRequestComplete(r3, STATUS.SUCCESS);
    expect(o3.result?.status).toBe(STATUS.SUCCESS);
    expect(calls).toBe(1);
  });
});

describe("completion", () => {
  it("completing a request twice is WDF_VIOLATION 0x10D, P1 = 0x5 (the completed request's handle is stale), P2 = the handle", () => {
    const held: WdfRequest[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r = held[0] as WdfRequest;
    WdfRequestComplete(r, STATUS.SUCCESS);
    let e: unknown = null;
    try {
      WdfRequestComplete(r, STATUS.SUCCESS);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(BugCheckError);
    expect((e as BugCheckError).code).toBe(BUGCHECK.WDF_VIOLATION);
    expect((e as BugCheckError).params.slice(0, 2)).toEqual([0x5, r.handle]);
  });

  it("a request the driver referenced survives completion; completing it again completes the IRP twice (0x44)", () => {
    const held: WdfRequest[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r = held[0] as WdfRequest;
    WdfObjectReference(r);
    WdfRequestComplete(r, STATUS.SUCCESS);
    expect(() => WdfRequestComplete(r, STATUS.SUCCESS)).toThrow(expect.objectContaining({ code: BUGCHECK.MULTIPLE_IRP_COMPLETE_REQUESTS }));
  });

  it("framework statuses are mapped to standard ones: STATUS_WDF_PAUSED completes as STATUS_DEVICE_BUSY, STATUS_WDF_TOO_FRAGMENTED as STATUS_INVALID_DEVICE_REQUEST", () => {
    const held: WdfRequest[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    const a = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const b = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    WdfRequestComplete(held[0] as WdfRequest, STATUS.WDF_PAUSED);
    WdfRequestComplete(held[1] as WdfRequest, STATUS.WDF_TOO_FRAGMENTED);
    expect([a.result?.status, b.result?.status]).toEqual([STATUS.DEVICE_BUSY, STATUS.INVALID_DEVICE_REQUEST]);
  });

  it("WdfRequestComplete above DISPATCH_LEVEL without the KMDF verifier: the framework does not check the IRQL, no finding (with it: WDF_WRONG_IRQL, kmdf-irql.test.ts)", () => {
    const held: WdfRequest[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => void held.push(r) }));
      return STATUS.SUCCESS;
    });
    const found: string[] = [];
    t.k.findings = { report: (f) => void found.push(f.code) };
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    t.k.atIrql(DISPATCH_LEVEL + 1, () => WdfRequestComplete(held[0] as WdfRequest, STATUS.SUCCESS));
    expect(found).toEqual([]);
  });
});

describe("buffers by I/O type", () => {
  it("direct I/O (WdfDeviceInitSetIoType(WdfDeviceIoDirect)) sets DO_DIRECT_IO; the read's output MDL is the IRP's, the buffer its system address", () => {
    const mdls: number[] = [];
    const t = rig(
      (dev) => {
        queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
          EvtIoRead: (_q, r, len) => {
            const mdl: { value: MDL | null } = { value: null };
            expect(WdfRequestRetrieveOutputWdmMdl(r, mdl)).toBe(STATUS.SUCCESS);
            expect(mdl.value).toBe(r.irp.MdlAddress);
            mdls.push(MmGetMdlByteCount(mdl.value as MDL));
            expect(WdfRequestRetrieveInputWdmMdl(r, mdl)).toBe(STATUS.INVALID_DEVICE_REQUEST);
            const b: BufferOut = { value: 0 };
            expect(WdfRequestRetrieveOutputBuffer(r, len + 1, b)).toBe(STATUS.BUFFER_TOO_SMALL);
            expect(b.value).toBe(0);
            expect(WdfRequestRetrieveOutputBuffer(r, len, b)).toBe(STATUS.SUCCESS);
            dev.kernel.cpu.writeBytes(b.value, new Uint8Array(len).fill(0x5a));
            WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, len);
          },
        }));
        return STATUS.SUCCESS;
      },
      (init) => WdfDeviceInitSetIoType(init, WdfDeviceIoDirect),
    );
    expect(t.device.fdo.Flags & (DO_DIRECT_IO | DO_BUFFERED_IO)).toBe(DO_DIRECT_IO);
    const h = t.app.CreateFile("plx9656").handle!;
    const b = t.app.allocate(5000);
    expect(t.app.ReadFile(h, b).information).toBe(5000);
    expect(mdls).toEqual([5000]);
    expect(b.read().every((x) => x === 0x5a)).toBe(true);
  });

  it("buffered I/O: the write's input MDL is one the framework builds over the system buffer; METHOD_OUT_DIRECT output is the IRP's MDL", () => {
    const seen: string[] = [];
    const t = rig((dev) => {
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
        EvtIoWrite: (_q, r, len) => {
          const mdl: { value: MDL | null } = { value: null };
          expect(WdfRequestRetrieveInputWdmMdl(r, mdl)).toBe(STATUS.SUCCESS);
          seen.push(`write mdl ${MmGetMdlByteCount(mdl.value as MDL)} own ${String(mdl.value === r.irp.MdlAddress)}`);
          WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, len);
        },
        EvtIoDeviceControl: (_q, r) => {
          const mdl: { value: MDL | null } = { value: null };
          expect(WdfRequestRetrieveOutputWdmMdl(r, mdl)).toBe(STATUS.SUCCESS);
          seen.push(`ioctl mdl own ${String(mdl.value === r.irp.MdlAddress)}`);
          WdfRequestComplete(r, STATUS.SUCCESS);
        },
      }));
      return STATUS.SUCCESS;
    });
    const h = t.app.CreateFile("plx9656").handle!;
    expect(t.app.WriteFile(h, t.app.allocate(100)).status).toBe(STATUS.SUCCESS);
    expect(t.app.DeviceIoControl(h, IOCTL_FILL, null, t.app.allocate(64)).status).toBe(STATUS.SUCCESS);
    expect(seen).toEqual(["write mdl 100 own false", "ioctl mdl own true"]);
  });

  it("neither I/O: read and write buffers are STATUS_INVALID_DEVICE_REQUEST; an unknown I/O type is a RangeError", () => {
    const got: NTSTATUS[] = [];
    const t = rig(
      (dev) => {
        queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
          EvtIoRead: (_q, r) => {
            got.push(WdfRequestRetrieveOutputBuffer(r, 0, { value: 0 }));
            WdfRequestComplete(r, STATUS.SUCCESS);
          },
        }));
        return STATUS.SUCCESS;
      },
      (init) => {
        expect(() => WdfDeviceInitSetIoType(init, 9)).toThrow(RangeError);
        WdfDeviceInitSetIoType(init, WdfDeviceIoNeither);
      },
    );
    expect(t.device.fdo.Flags & (DO_DIRECT_IO | DO_BUFFERED_IO)).toBe(0);
    t.app.ReadFile(t.app.CreateFile("plx9656").handle!, t.app.allocate(8));
    expect(got).toEqual([STATUS.INVALID_DEVICE_REQUEST]);
  });
});

describe("power-managed queues on a stop and restart (kernel PnP manager: query-stop, stop, start)", () => {
  /** A driver that holds reads until a 10 us timer completes them; EvtIoStop does what `onStop` says. */
  function timed(onStop: "requeue" | "keep" | "complete" | "nothing" | null, powerManaged = true) {
    const held: WdfRequest[] = [];
    const stops: string[] = [];
    let k!: Kernel;
    const t = rig((dev, _init, log) => {
      k = dev.kernel;
      const timer = KeInitializeTimer(k);
      const dpc = KeInitializeDpc(k, () => {
        const r = held.shift();
        if (r !== undefined && !r.completed) WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, 1);
      }, null);
      queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
        ...(powerManaged ? {} : { PowerManaged: WdfFalse }),
        EvtIoRead: (_q, r) => {
          log.push("read");
          held.push(r);
          KeSetTimer(k, timer, -10_000n, dpc);
        },
        ...(onStop === null
          ? {}
          : {
              EvtIoStop: (_q: WdfIoQueue, r: WdfRequest, flags: number) => {
                stops.push(`stop 0x${flags.toString(16)}`);
                if (onStop === "requeue") {
                  held.splice(held.indexOf(r), 1);
                  WdfRequestStopAcknowledge(r, true);
                } else if (onStop === "keep") WdfRequestStopAcknowledge(r, false);
                else if (onStop === "complete") {
                  held.splice(held.indexOf(r), 1);
                  WdfRequestComplete(r, STATUS.CANCELLED);
                }
              },
              EvtIoResume: () => void stops.push("resume"),
            }),
      }));
      return STATUS.SUCCESS;
    });
    return { t, held, stops, get k() {
      return k;
    } };
  }

  it("stop: EvtIoStop(Suspend) for the request the driver owns; acknowledged with Requeue it is presented again after the restart; waiting requests stay queued meanwhile", () => {
    const { t, stops } = timed("requeue");
    const h = t.app.CreateFile("plx9656").handle!;
    const a = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const b = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    stopDevice(t.k, t.device.pdo);
    expect(pnpState(t.k, t.device.pdo)).toBe("stopped");
    expect(stops).toEqual([`stop 0x${WdfRequestStopActionSuspend.toString(16)}`]);
    t.k.clock.runUntil(t.k.clock.now + 100_000);
    expect(a.done || b.done).toBe(false);
    expect(t.log).toEqual(["read"]);
    expect(startDevice(t.k, t.device.pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(t.app.waitAll([a, b]).map((r) => r.status)).toEqual([STATUS.SUCCESS, STATUS.SUCCESS]);
    expect(t.log).toEqual(["read", "read", "read"]);
  });

  it("acknowledged without Requeue the driver keeps it: EvtIoResume at the restart", () => {
    const { t, stops } = timed("keep");
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    stopDevice(t.k, t.device.pdo);
    startDevice(t.k, t.device.pdo);
    expect(stops).toEqual([`stop 0x${WdfRequestStopActionSuspend.toString(16)}`, "resume"]);
  });

  it("a cancelable request's EvtIoStop carries WdfRequestStopRequestCancelable; a stop the driver does not acknowledge waits for its completion", () => {
    const { t, stops, held } = timed("nothing");
    const h = t.app.CreateFile("plx9656").handle!;
    t.app.ReadFileOverlapped(h, t.app.allocate(8));
    WdfRequestMarkCancelable(held[0] as WdfRequest, (r) => WdfRequestComplete(r, STATUS.CANCELLED));
    // The driver neither completes nor acknowledges in EvtIoStop: the stop waits until the timer DPC completes it (not cancelable any more then).
    stopDevice(t.k, t.device.pdo);
    expect(stops).toEqual([`stop 0x${(WdfRequestStopActionSuspend | WdfRequestStopRequestCancelable).toString(16)}`]);
  });

  it("without EvtIoStop the stop waits for the driver to complete the request (the timer's DPC runs during the wait)", () => {
    const { t } = timed(null);
    const h = t.app.CreateFile("plx9656").handle!;
    const a = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const before = t.k.clock.now;
    stopDevice(t.k, t.device.pdo);
    expect(a.result?.status).toBe(STATUS.SUCCESS);
    expect(t.k.clock.now).toBeGreaterThanOrEqual(before + 10_000);
  });

  it("a queue that is not power-managed keeps presenting while the device is stopped", () => {
    const { t } = timed(null, false);
    const h = t.app.CreateFile("plx9656").handle!;
    stopDevice(t.k, t.device.pdo);
    expect(t.app.ReadFile(h, t.app.allocate(8)).status).toBe(STATUS.SUCCESS);
  });
});

describe("queue and request objects", () => {
  it("the default queue and a queue given a request type may not be deleted (WDF_CANNOT_DELETE); another queue's deletion cancels what waits in it", () => {
    let def!: WdfIoQueue;
    let side!: WdfIoQueue;
    let spare!: WdfIoQueue;
    const t = rig((dev) => {
      def = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual));
      side = queue(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual));
      spare = queue(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual));
      return WdfDeviceConfigureRequestDispatching(dev, side, WdfRequestTypeWrite);
    });
    const found: string[] = [];
    t.k.findings = { report: (f) => void found.push(f.code) };
    WdfObjectDelete(def);
    WdfObjectDelete(side);
    expect(found).toEqual(["WDF_CANNOT_DELETE", "WDF_CANNOT_DELETE"]);
    const h = t.app.CreateFile("plx9656").handle!;
    const w = t.app.WriteFileOverlapped(h, t.app.allocate(8));
    const out: HandleOut<WdfRequest> = { value: null };
    expect(WdfIoQueueRetrieveNextRequest(side, out)).toBe(STATUS.SUCCESS);
    expect(WdfRequestForwardToIoQueue(out.value as WdfRequest, spare)).toBe(STATUS.SUCCESS);
    expect(w.done).toBe(false);
    WdfObjectDelete(spare);
    expect(spare.state).toBe("destroyed");
    expect(w.result?.status).toBe(STATUS.CANCELLED);
  });

  it("WdfRequestForwardToIoQueue: the destination presents it again; the same queue or a cancelable request is STATUS_INVALID_DEVICE_REQUEST, a purged destination STATUS_WDF_BUSY", () => {
    const seen: string[] = [];
    let first!: WdfIoQueue;
    let second!: WdfIoQueue;
    const t = rig((dev) => {
      first = queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: (_q, r) => {
          seen.push("first");
          held.push(r);
        },
      }));
      second = queue(dev, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchSequential, {
        EvtIoRead: (q, r) => {
          seen.push("second");
          expect(WdfRequestGetIoQueue(r)).toBe(q);
          WdfRequestComplete(r, STATUS.SUCCESS);
        },
      }));
      return STATUS.SUCCESS;
    });
    const held: WdfRequest[] = [];
    const h = t.app.CreateFile("plx9656").handle!;
    const o = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    const r = held[0] as WdfRequest;
    expect(WdfRequestForwardToIoQueue(r, first)).toBe(STATUS.INVALID_DEVICE_REQUEST);
    WdfRequestMarkCancelable(r, () => undefined);
    expect(WdfRequestForwardToIoQueue(r, second)).toBe(STATUS.INVALID_DEVICE_REQUEST);
    WdfRequestUnmarkCancelable(r);
    WdfIoQueuePurge(second, null, null);
    expect(WdfRequestForwardToIoQueue(r, second)).toBe(STATUS.WDF_BUSY);
    WdfIoQueueStart(second);
    expect(WdfRequestForwardToIoQueue(r, second)).toBe(STATUS.SUCCESS);
    expect(o.result?.status).toBe(STATUS.SUCCESS);
    expect(seen).toEqual(["first", "second"]);
  });

  it("WdfDeviceInitSetRequestAttributes: every request gets the context type and its EvtCleanupCallback runs at completion, before the application sees the result", () => {
    const Ctx = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME("REQUEST_CONTEXT", () => ({ tag: 0 }));
    const events: string[] = [];
    let n = 0;
    const t = rig(
      (dev) => {
        queue(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, {
          EvtIoRead: (_q, r) => {
            Ctx.get(r).tag = ++n;
            WdfRequestComplete(r, STATUS.SUCCESS);
          },
        }));
        return STATUS.SUCCESS;
      },
      (init) => WdfDeviceInitSetRequestAttributes(init, WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(Ctx, { EvtCleanupCallback: (o) => void events.push(`cleanup ${Ctx.get(o).tag}`) })),
    );
    const h = t.app.CreateFile("plx9656").handle!;
    const o = t.app.ReadFileOverlapped(h, t.app.allocate(8));
    expect(o.done).toBe(true);
    events.push("done");
    t.app.ReadFile(h, t.app.allocate(8));
    expect(events).toEqual(["cleanup 1", "done", "cleanup 2"]);
  });
});

