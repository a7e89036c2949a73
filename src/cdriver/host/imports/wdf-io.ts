/**
 * KMDF queues and requests for a C driver: WdfIoQueueCreate with the
 * driver's EvtIo* callbacks, request dispatching, and the request routines
 * (buffers and MDLs as driver-visible pointers, completion). A request's
 * handle, and the MDL copies the driver was given for it, are freed when the
 * driver completes it: after WdfRequestComplete the handle is no longer valid,
 * as on Windows.
 */
import { NT_SUCCESS, STATUS } from "../../../core/ntstatus.ts";
import type { MDL } from "../../../kernel/mdl.ts";
import type { HandleOut } from "../../../wdf/driver.ts";
import { WdfDevice } from "../../../wdf/device.ts";
import { WDF_IO_QUEUE_CONFIG_SIZE, WdfDeviceConfigureRequestDispatching, WdfDeviceGetDefaultQueue, WdfIoQueue, WdfIoQueueCreate, WdfIoQueueGetDevice, WdfIoQueuePurgeSynchronously, WdfIoQueueStart, WdfIoQueueStopSynchronously } from "../../../wdf/queue.ts";
import { type BufferOut, WdfRequest, WdfRequestComplete, WdfRequestCompleteWithInformation, WdfRequestGetInformation, WdfRequestGetStatus, WdfRequestRetrieveInputBuffer, WdfRequestRetrieveInputWdmMdl, WdfRequestRetrieveOutputBuffer, WdfRequestRetrieveOutputWdmMdl, WdfRequestSetInformation } from "../../../wdf/request.ts";
import { bool, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { fields } from "../layouts.ts";
import { frameworkSize } from "../wdf-handles.ts";
import type { WdfContext } from "./wdf-context.ts";

const QCFG = fields("WDF_IO_QUEUE_CONFIG", ["Size", "DispatchType", "PowerManaged", "AllowZeroLengthRequests", "DefaultQueue", "EvtIoDefault", "EvtIoRead", "EvtIoWrite", "EvtIoDeviceControl", "EvtIoInternalDeviceControl", "EvtIoStop", "EvtIoResume", "EvtIoCanceledOnQueue", "Settings.Parallel.NumberOfPresentedRequests", "Driver"]);

/** The queue and request routines. */
export function wdfIoImports(wdf: WdfContext): ImportTable {
  const { ctx, handles } = wdf;
  const { host } = ctx;
  const mem = () => host.mem;
  const h = (o: object | null): number => handles.handle(o);
  const queue = (p: number, routine: string): WdfIoQueue => handles.object(u(p), WdfIoQueue, routine);
  const request = (p: number, routine: string): WdfRequest => handles.object(u(p), WdfRequest, routine);
  /** MDL copies handed to the driver for each request (freed with its handle). */
  const mdlCopies = new Map<WdfRequest, number[]>();
  const completed = (r: WdfRequest): void => {
    for (const at of mdlCopies.get(r) ?? []) ctx.objects.dropMdl(at);
    mdlCopies.delete(r);
    handles.drop(r);
  };
  const giveMdl = (r: WdfRequest, st: number, mdl: MDL | null, out: number): number => {
    if (!NT_SUCCESS(st) || mdl === null) return st | 0;
    const at = ctx.objects.mirrorMdl(mdl);
    const list = mdlCopies.get(r) ?? [];
    if (!list.includes(at)) list.push(at);
    mdlCopies.set(r, list);
    mem().setU32(u(out), at);
    return STATUS.SUCCESS;
  };
  const giveBuffer = (st: number, buf: BufferOut, len: BufferOut, bufOut: number, lenOut: number): number => {
    const m = mem();
    m.setU32(u(bufOut), NT_SUCCESS(st) ? m.cPointer(buf.value) : 0);
    if (u(lenOut) !== 0) m.setU32(u(lenOut), NT_SUCCESS(st) ? len.value : 0);
    return st | 0;
  };
  return {
    WdfIoQueueCreate(d: number, p: number, attrs: number, out: number): number {
      const m = mem();
      const at = u(p);
      const slot = (name: keyof typeof QCFG): number => m.u32At(at + QCFG[name]);
      const call = (fn: number, what: string, args: (number | bigint)[]): void => void host.call(fn, args, what);
      const rw = (fn: number, what: string) => (fn === 0 ? null : (q: WdfIoQueue, r: WdfRequest, len: number) => call(fn, what, [h(q), h(r), len]));
      const ioctl = (fn: number, what: string) => (fn === 0 ? null : (q: WdfIoQueue, r: WdfRequest, o: number, i: number, code: number) => call(fn, what, [h(q), h(r), o, i, code]));
      const qr = (fn: number, what: string) => (fn === 0 ? null : (q: WdfIoQueue, r: WdfRequest) => call(fn, what, [h(q), h(r)]));
      const stop = slot("EvtIoStop");
      const result: HandleOut<WdfIoQueue> = { value: null };
      const st = WdfIoQueueCreate(
        handles.object(u(d), WdfDevice, "WdfIoQueueCreate"),
        {
          Size: frameworkSize(slot("Size"), [[QCFG.SIZE, WDF_IO_QUEUE_CONFIG_SIZE]]),
          DispatchType: slot("DispatchType"),
          PowerManaged: slot("PowerManaged"),
          AllowZeroLengthRequests: bool(m.u8At(at + QCFG.AllowZeroLengthRequests)),
          DefaultQueue: bool(m.u8At(at + QCFG.DefaultQueue)),
          EvtIoDefault: qr(slot("EvtIoDefault"), "EvtIoDefault"),
          EvtIoRead: rw(slot("EvtIoRead"), "EvtIoRead"),
          EvtIoWrite: rw(slot("EvtIoWrite"), "EvtIoWrite"),
          EvtIoDeviceControl: ioctl(slot("EvtIoDeviceControl"), "EvtIoDeviceControl"),
          EvtIoInternalDeviceControl: ioctl(slot("EvtIoInternalDeviceControl"), "EvtIoInternalDeviceControl"),
          EvtIoStop: stop === 0 ? null : (q, r, flags) => call(stop, "EvtIoStop", [h(q), h(r), flags]),
          EvtIoResume: qr(slot("EvtIoResume"), "EvtIoResume"),
          EvtIoCanceledOnQueue: qr(slot("EvtIoCanceledOnQueue"), "EvtIoCanceledOnQueue"),
          Settings: { Parallel: { NumberOfPresentedRequests: m.u32At(at + QCFG["Settings.Parallel.NumberOfPresentedRequests"]) } },
        },
        handles.attributes(u(attrs), "WdfIoQueueCreate"),
        result,
      );
      if (!NT_SUCCESS(st) || result.value === null) return st | 0;
      handles.allocateContext(h(result.value), u(attrs));
      if (u(out) !== 0) m.setU32(u(out), h(result.value));
      return STATUS.SUCCESS;
    },
    WdfDeviceConfigureRequestDispatching: (d: number, q: number, type: number) => WdfDeviceConfigureRequestDispatching(handles.object(u(d), WdfDevice, "WdfDeviceConfigureRequestDispatching"), queue(q, "WdfDeviceConfigureRequestDispatching"), u(type)) | 0,
    WdfDeviceGetDefaultQueue: (d: number) => h(WdfDeviceGetDefaultQueue(handles.object(u(d), WdfDevice, "WdfDeviceGetDefaultQueue"))),
    WdfIoQueueGetDevice: (q: number) => h(WdfIoQueueGetDevice(queue(q, "WdfIoQueueGetDevice"))),
    WdfIoQueueStart: (q: number) => WdfIoQueueStart(queue(q, "WdfIoQueueStart")),
    WdfIoQueueStopSynchronously: (q: number) => WdfIoQueueStopSynchronously(queue(q, "WdfIoQueueStopSynchronously")),
    WdfIoQueuePurgeSynchronously: (q: number) => WdfIoQueuePurgeSynchronously(queue(q, "WdfIoQueuePurgeSynchronously")),

    WdfRequestComplete(r: number, status: number): void {
      const req = request(r, "WdfRequestComplete");
      WdfRequestComplete(req, u(status));
      completed(req);
    },
    WdfRequestCompleteWithInformation(r: number, status: number, information: number): void {
      const req = request(r, "WdfRequestCompleteWithInformation");
      WdfRequestCompleteWithInformation(req, u(status), u(information));
      completed(req);
    },
    WdfRequestSetInformation: (r: number, information: number) => WdfRequestSetInformation(request(r, "WdfRequestSetInformation"), u(information)),
    WdfRequestGetInformation: (r: number) => WdfRequestGetInformation(request(r, "WdfRequestGetInformation")),
    WdfRequestGetStatus: (r: number) => WdfRequestGetStatus(request(r, "WdfRequestGetStatus")) | 0,
    WdfRequestRetrieveInputBuffer(r: number, min: number, bufOut: number, lenOut: number): number {
      const buf: BufferOut = { value: 0 };
      const len: BufferOut = { value: 0 };
      return giveBuffer(WdfRequestRetrieveInputBuffer(request(r, "WdfRequestRetrieveInputBuffer"), u(min), buf, len), buf, len, bufOut, lenOut);
    },
    WdfRequestRetrieveOutputBuffer(r: number, min: number, bufOut: number, lenOut: number): number {
      const buf: BufferOut = { value: 0 };
      const len: BufferOut = { value: 0 };
      return giveBuffer(WdfRequestRetrieveOutputBuffer(request(r, "WdfRequestRetrieveOutputBuffer"), u(min), buf, len), buf, len, bufOut, lenOut);
    },
    WdfRequestRetrieveInputWdmMdl(r: number, out: number): number {
      const req = request(r, "WdfRequestRetrieveInputWdmMdl");
      const mdl: { value: MDL | null } = { value: null };
      return giveMdl(req, WdfRequestRetrieveInputWdmMdl(req, mdl), mdl.value, out);
    },
    WdfRequestRetrieveOutputWdmMdl(r: number, out: number): number {
      const req = request(r, "WdfRequestRetrieveOutputWdmMdl");
      const mdl: { value: MDL | null } = { value: null };
      return giveMdl(req, WdfRequestRetrieveOutputWdmMdl(req, mdl), mdl.value, out);
    },
  };
}
