import { describe, expect, it } from "vitest";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { Application } from "../app/application.ts";
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED } from "../kernel/io-manager.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { MmGetMdlByteCount, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, type WDFDEVICE_INIT } from "./device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "./driver.ts";
import { wdfStartDevice } from "./pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfIoQueue, WdfIoQueueCreate, WdfIoQueueDispatchManual, WdfIoQueueRetrieveNextRequest } from "./queue.ts";
import { type BufferOut, WdfRequest, WdfRequestCompleteWithInformation, WdfRequestRetrieveInputBuffer, WdfRequestRetrieveInputWdmMdl, WdfRequestRetrieveOutputBuffer, WdfRequestRetrieveOutputWdmMdl } from "./request.ts";

/** A started KMDF device (buffered I/O, the default) whose default queue is manual: the test retrieves the requests itself. */
function manualRig(): { app: Application; q: WdfIoQueue } {
  const k = bootMachine("x64-desktop");
  let q: WdfIoQueue | null = null;
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    const dev: HandleOut<WdfDevice> = { value: null };
    const st = WdfDeviceCreate(init, null, dev);
    if (!NT_SUCCESS(st) || dev.value === null) return st;
    const out: HandleOut<WdfIoQueue> = { value: null };
    const qs = WdfIoQueueCreate(dev.value, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual), null, out);
    q = out.value;
    return qs;
  };
  const drv: HandleOut<WdfDriver> = { value: null };
  expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv)).toBe(STATUS.SUCCESS);
  const { device } = wdfAddDevice(drv.value as WdfDriver, "plx9656");
  expect(wdfStartDevice(device as WdfDevice)).toBe(STATUS.SUCCESS);
  return { app: new Application(k), q: q as unknown as WdfIoQueue };
}

function next(q: WdfIoQueue): WdfRequest {
  const out: HandleOut<WdfRequest> = { value: null };
  expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.SUCCESS);
  return out.value as WdfRequest;
}

describe("WDFREQUEST buffers", () => {
  it("two requests' buffers asked for in turn each stay their own: a write's MDL over its system buffer is the same one until completion, a read's buffer its own system buffer", () => {
    const { app, q } = manualRig();
    const h = app.CreateFile("plx9656").handle;
    if (h === null) throw new Error("no handle");
    const w = app.WriteFileOverlapped(h, app.allocate(300));
    const r = app.ReadFileOverlapped(h, app.allocate(200));
    const write = next(q);
    const read = next(q);
    const mdl1: { value: MDL | null } = { value: null };
    expect(WdfRequestRetrieveInputWdmMdl(write, mdl1)).toBe(STATUS.SUCCESS);
    const rb: BufferOut = { value: 0 };
    const rl: BufferOut = { value: 0 };
    expect(WdfRequestRetrieveOutputBuffer(read, 1, rb, rl)).toBe(STATUS.SUCCESS);
    expect([rb.value, rl.value]).toEqual([read.irp.AssociatedIrp.SystemBuffer, 200]);
    const mdl2: { value: MDL | null } = { value: null };
    expect(WdfRequestRetrieveInputWdmMdl(write, mdl2)).toBe(STATUS.SUCCESS);
    const mdl = mdl1.value as MDL;
    expect(mdl2.value).toBe(mdl);
    expect([MmGetMdlVirtualAddress(mdl), MmGetMdlByteCount(mdl), mdl.freed]).toEqual([write.irp.AssociatedIrp.SystemBuffer, 300, false]);
    const wb: BufferOut = { value: 0 };
    expect(WdfRequestRetrieveInputBuffer(write, 300, wb)).toBe(STATUS.SUCCESS);
    expect(wb.value).toBe(write.irp.AssociatedIrp.SystemBuffer);
    WdfRequestCompleteWithInformation(read, STATUS.SUCCESS, 0);
    expect(mdl.freed).toBe(false);
    WdfRequestCompleteWithInformation(write, STATUS.SUCCESS, 300);
    expect(mdl.freed).toBe(true);
    expect([w.wait().status, r.wait().status]).toEqual([STATUS.SUCCESS, STATUS.SUCCESS]);
  });

  it("a failed retrieval between two good ones leaves them alone: a read has no input buffer (STATUS_INVALID_DEVICE_REQUEST), a too-large minimum is STATUS_BUFFER_TOO_SMALL", () => {
    const { app, q } = manualRig();
    const h = app.CreateFile("plx9656").handle;
    if (h === null) throw new Error("no handle");
    app.WriteFileOverlapped(h, app.allocate(64));
    app.ReadFileOverlapped(h, app.allocate(32));
    const write = next(q);
    const read = next(q);
    const b: BufferOut = { value: 7 };
    expect(WdfRequestRetrieveInputBuffer(read, 0, b)).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(b.value).toBe(0);
    expect(WdfRequestRetrieveInputBuffer(write, 65, b)).toBe(STATUS.BUFFER_TOO_SMALL);
    const len: BufferOut = { value: 0 };
    expect(WdfRequestRetrieveInputBuffer(write, 64, b, len)).toBe(STATUS.SUCCESS);
    expect([b.value, len.value]).toEqual([write.irp.AssociatedIrp.SystemBuffer, 64]);
    WdfRequestCompleteWithInformation(write, STATUS.SUCCESS, 64);
    WdfRequestCompleteWithInformation(read, STATUS.SUCCESS, 0);
  });
  it("a buffered IOCTL's input and output MDLs over its one system buffer are two MDLs (its two lengths), each handed out again as the same one, both freed at completion", () => {
    const { app, q } = manualRig();
    const h = app.CreateFile("plx9656").handle;
    if (h === null) throw new Error("no handle");
    const io = app.DeviceIoControlOverlapped(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), app.allocate(100), app.allocate(200));
    const r = next(q);
    const input: { value: MDL | null } = { value: null };
    const output: { value: MDL | null } = { value: null };
    expect(WdfRequestRetrieveInputWdmMdl(r, input)).toBe(STATUS.SUCCESS);
    expect(WdfRequestRetrieveOutputWdmMdl(r, output)).toBe(STATUS.SUCCESS);
    const [i, o] = [input.value as MDL, output.value as MDL];
    expect(i).not.toBe(o);
    expect([MmGetMdlVirtualAddress(i), MmGetMdlByteCount(i), MmGetMdlVirtualAddress(o), MmGetMdlByteCount(o)]).toEqual([r.irp.AssociatedIrp.SystemBuffer, 100, r.irp.AssociatedIrp.SystemBuffer, 200]);
    const again: { value: MDL | null } = { value: null };
    expect(WdfRequestRetrieveOutputWdmMdl(r, again)).toBe(STATUS.SUCCESS);
    expect(again.value).toBe(o);
    expect(WdfRequestRetrieveInputWdmMdl(r, again)).toBe(STATUS.SUCCESS);
    expect(again.value).toBe(i);
    WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, 0);
    expect([i.freed, o.freed]).toEqual([true, true]);
    expect(io.wait().status).toBe(STATUS.SUCCESS);
  });
});
