import { describe, expect, it } from "vitest";
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { Application } from "../app/application.ts";
import { KeInitializeDpc, KeInsertQueueDpc } from "../kernel/dpc.ts";
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_IN_DIRECT, METHOD_OUT_DIRECT } from "../kernel/io-manager.ts";
import { MmGetMdlByteCount } from "../kernel/mdl.ts";
import { WdfDeviceInitSetIoType, type WdfDevice } from "./device.ts";
import { type HandleOut, WdfDeviceIoDirect } from "./driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64 } from "./dma-enabler.ts";
import { WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionExecute, WdfDmaTransactionGetBytesTransferred, WdfDmaTransactionRelease } from "./dma-transaction.ts";
import { WdfDmaTransactionGetRequest, WdfDmaTransactionInitializeUsingRequest } from "./dma-transaction-request.ts";
import { WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfIoQueueCreate, WdfIoQueueDispatchParallel } from "./queue.ts";
import { WdfRequest, WdfRequestCompleteWithInformation, WdfRequestComplete } from "./request.ts";
import { wdfStartedDevice } from "./test-support.ts";

const IOCTL_IN = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x810, METHOD_IN_DIRECT, FILE_ANY_ACCESS);
const IOCTL_OUT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x811, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);

/** A driver whose every request becomes a DMA transaction; the "hardware" finishes each fragment in a DPC. */
function dmaDriver(direct: boolean, direction: (r: WdfRequest) => WDF_DMA_DIRECTION) {
  const seen: { status: NTSTATUS; length: number; mdlIsIrps: boolean; fragments: number[] }[] = [];
  let tx!: WdfDmaTransaction;
  const t = wdfStartedDevice(
    (dev: WdfDevice) => {
      const en: HandleOut<WdfDmaEnabler> = { value: null };
      let st = WdfDmaEnablerCreate(dev, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192, dev), null, en);
      if (!NT_SUCCESS(st)) return st;
      const txo: HandleOut<WdfDmaTransaction> = { value: null };
      st = WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, txo);
      if (!NT_SUCCESS(st)) return st;
      tx = txo.value as WdfDmaTransaction;
      const k = dev.kernel;
      const fragments: number[] = [];
      const dpc = KeInitializeDpc(k, () => {
        const done = { value: STATUS.SUCCESS as NTSTATUS };
        if (!WdfDmaTransactionDmaCompleted(tx, done)) return;
        const r = WdfDmaTransactionGetRequest(tx) as WdfRequest;
        const n = WdfDmaTransactionGetBytesTransferred(tx);
        WdfDmaTransactionRelease(tx);
        WdfRequestCompleteWithInformation(r, done.value, n);
      }, null);
      const onRequest = (_q: unknown, r: WdfRequest): void => {
        fragments.length = 0;
        const status = WdfDmaTransactionInitializeUsingRequest(tx, r, (_t, _d, _c, _dir, sg) => {
          fragments.push(sg.Elements.reduce((s, e) => s + e.Length, 0));
          expect(k.KeGetCurrentIrql()).toBe(DISPATCH_LEVEL);
          KeInsertQueueDpc(k, dpc);
          return true;
        }, direction(r));
        seen.push({ status, length: tx.length, mdlIsIrps: tx.transferMdl === r.irp.MdlAddress, fragments });
        if (!NT_SUCCESS(status)) return WdfRequestComplete(r, status);
        const ex = WdfDmaTransactionExecute(tx, null);
        if (!NT_SUCCESS(ex)) {
          WdfDmaTransactionRelease(tx);
          WdfRequestComplete(r, ex);
        }
      };
      return WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, { EvtIoRead: onRequest, EvtIoWrite: onRequest, EvtIoDeviceControl: onRequest, AllowZeroLengthRequests: true }), null, null);
    },
    direct ? (init) => WdfDeviceInitSetIoType(init, WdfDeviceIoDirect) : undefined,
  );
  const app = new Application(t.k);
  return { ...t, app, seen, get tx() {
    return tx;
  }, h: app.CreateFile("plx9656").handle! };
}

const natural = (r: WdfRequest): WDF_DMA_DIRECTION => (r.irp.MajorFunction === 0x03 ? WdfDmaDirectionReadFromDevice : WdfDmaDirectionWriteToDevice);

describe("WdfDmaTransactionInitializeUsingRequest", () => {
  it("a buffered 20000-byte write: the transaction takes the request's length and an MDL over its system buffer, runs in 8 KiB fragments from the DPC, and the request completes with every byte", () => {
    const t = dmaDriver(false, natural);
    const b = t.app.allocate(20000);
    expect(t.app.WriteFile(t.h, b)).toEqual({ status: STATUS.SUCCESS, information: 20000 });
    expect(t.seen).toEqual([{ status: STATUS.SUCCESS, length: 20000, mdlIsIrps: false, fragments: [8192, 8192, 3616] }]);
  });

  it("a direct-I/O read uses the IRP's own MDL", () => {
    const t = dmaDriver(true, natural);
    const b = t.app.allocate(5000);
    expect(t.app.ReadFile(t.h, b).information).toBe(5000);
    expect(t.seen[0]).toMatchObject({ status: STATUS.SUCCESS, length: 5000, mdlIsIrps: true });
    expect(MmGetMdlByteCount(t.tx.transferMdl as NonNullable<typeof t.tx.transferMdl>)).toBe(5000);
  });

  it("the wrong direction for the request type is STATUS_INVALID_DEVICE_REQUEST: a read written to the device, METHOD_IN_DIRECT read from it, METHOD_OUT_DIRECT written to it", () => {
    const t = dmaDriver(true, (r) => (r.irp.MajorFunction === 0x03 ? WdfDmaDirectionWriteToDevice : r.irp.Parameters.DeviceIoControl?.IoControlCode === IOCTL_IN ? WdfDmaDirectionReadFromDevice : WdfDmaDirectionWriteToDevice));
    const b = t.app.allocate(64);
    expect(t.app.ReadFile(t.h, b).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(t.app.DeviceIoControl(t.h, IOCTL_IN, b, b).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(t.app.DeviceIoControl(t.h, IOCTL_OUT, b, b).status).toBe(STATUS.INVALID_DEVICE_REQUEST);
  });

  it("METHOD_IN_DIRECT written to the device takes the output MDL and the output length", () => {
    const t = dmaDriver(true, () => WdfDmaDirectionWriteToDevice);
    const i = t.app.allocate(16);
    const o = t.app.allocate(3000);
    expect(t.app.DeviceIoControl(t.h, IOCTL_IN, i, o).status).toBe(STATUS.SUCCESS);
    expect(t.seen[0]).toMatchObject({ status: STATUS.SUCCESS, length: 3000, mdlIsIrps: true });
  });

  it("a zero-length write (let through by AllowZeroLengthRequests) has no buffer: STATUS_BUFFER_TOO_SMALL from the MDL retrieval", () => {
    const t = dmaDriver(false, natural);
    expect(t.app.WriteFile(t.h, t.app.allocate(8), 0).status).toBe(STATUS.BUFFER_TOO_SMALL);
  });

  it("the transaction holds a reference on the request until WdfDmaTransactionRelease: completed first, the request object lives on; released, its handle is stale (WDF_VIOLATION 0x5)", () => {
    let tx!: WdfDmaTransaction;
    let req!: WdfRequest;
    const t = wdfStartedDevice((dev) => {
      const en: HandleOut<WdfDmaEnabler> = { value: null };
      WdfDmaEnablerCreate(dev, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 8192, dev), null, en);
      const txo: HandleOut<WdfDmaTransaction> = { value: null };
      WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, txo);
      tx = txo.value as WdfDmaTransaction;
      return WdfIoQueueCreate(dev, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchParallel, {
        EvtIoWrite: (_q, r) => {
          req = r;
          expect(WdfDmaTransactionInitializeUsingRequest(tx, r, () => true, WdfDmaDirectionWriteToDevice)).toBe(STATUS.SUCCESS);
          WdfRequestComplete(r, STATUS.SUCCESS);
        },
      }), null, null);
    });
    const app = new Application(t.k);
    expect(app.WriteFile(app.CreateFile("plx9656").handle!, app.allocate(64)).status).toBe(STATUS.SUCCESS);
    expect(WdfDmaTransactionGetRequest(tx)).toBe(req);
    WdfDmaTransactionRelease(tx);
    expect(WdfDmaTransactionGetRequest(tx)).toBeNull();
    expect(() => WdfRequestComplete(req, STATUS.SUCCESS)).toThrow(expect.objectContaining({ params: [0x5, req.handle, 0, 0] }));
  });
});
