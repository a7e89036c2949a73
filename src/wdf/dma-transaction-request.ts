/**
 * The request-driven side of WDFDMATRANSACTION
 * (fxdmatransactionapi.cpp): WdfDmaTransactionInitializeUsingRequest takes
 * the MDL and length from the request — a read's output MDL, a write's input
 * MDL (the IRP's for direct I/O, one the framework builds over the system
 * buffer for buffered I/O), an IOCTL's by its method — and keeps a reference
 * on the request until WdfDmaTransactionRelease; WdfDmaTransactionGetRequest
 * gives it back (the DPC completes it after DmaCompleted says the transfer
 * is done).
 *
 * The checks, in the framework's order: the direction; a read with
 * WdfDmaDirectionWriteToDevice, a write with ReadFromDevice, METHOD_IN_DIRECT
 * not writing, METHOD_OUT_DIRECT not reading, METHOD_NEITHER and other
 * request types: STATUS_INVALID_DEVICE_REQUEST; the MDL's retrieval status;
 * a zero length: STATUS_INVALID_DEVICE_REQUEST; a packet enabler (no chained
 * MDLs) with a length past the MDL: STATUS_INVALID_PARAMETER; then what
 * WdfDmaTransactionInitialize returns.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_OUT_DIRECT } from "../kernel/io-manager.ts";
import { IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE } from "../kernel/irp.ts";
import { MmGetMdlByteCount, MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, type WDF_DMA_DIRECTION } from "./dma-enabler.ts";
import { type EVT_WDF_PROGRAM_DMA, validTransaction, type WdfDmaTransaction, WdfDmaTransactionInitialize } from "./dma-transaction.ts";
import { IRP_MJ_INTERNAL_DEVICE_CONTROL } from "./fx-irp-dispatch.ts";
import { validRequest, WdfRequest, WdfRequestRetrieveInputWdmMdl, WdfRequestRetrieveOutputWdmMdl } from "./request.ts";

/** What requestMdl finds: the retrieval's status, the MDL and the transfer length. */
interface RequestMdl {
  status: NTSTATUS;
  mdl: MDL | null;
  length: number;
}

/** The one record (and MDL out-parameter) requestMdl fills in: InitializeUsingRequest reads it at once, so no objects per request. */
const result: RequestMdl = { status: STATUS.SUCCESS, mdl: null, length: 0 };
const mdlOut: { value: MDL | null } = { value: null };

function found(status: NTSTATUS, mdl: MDL | null, length: number): RequestMdl {
  result.status = status;
  result.mdl = mdl;
  result.length = length;
  return result;
}

function fail(status: NTSTATUS): RequestMdl {
  return found(status, null, 0);
}

/** The MDL and length a request gives a transaction in `direction`. */
function requestMdl(r: WdfRequest, direction: WDF_DMA_DIRECTION): RequestMdl {
  const irp = r.irp;
  const out = mdlOut;
  out.value = null;
  const reading = direction === WdfDmaDirectionReadFromDevice;
  switch (irp.MajorFunction) {
    case IRP_MJ_READ: {
      if (!reading) return fail(STATUS.INVALID_DEVICE_REQUEST);
      const st = WdfRequestRetrieveOutputWdmMdl(r, out);
      return found(st, out.value, irp.Parameters.Read?.Length ?? 0);
    }
    case IRP_MJ_WRITE: {
      if (reading) return fail(STATUS.INVALID_DEVICE_REQUEST);
      const st = WdfRequestRetrieveInputWdmMdl(r, out);
      return found(st, out.value, irp.Parameters.Write?.Length ?? 0);
    }
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL: {
      const io = irp.Parameters.DeviceIoControl;
      const method = (io?.IoControlCode ?? 0) & 3;
      if (method === METHOD_BUFFERED) {
        const length = (reading ? io?.OutputBufferLength : io?.InputBufferLength) ?? 0;
        const size = Math.max(io?.InputBufferLength ?? 0, io?.OutputBufferLength ?? 0);
        const mdl = size === 0 || irp.AssociatedIrp.SystemBuffer === 0 ? null : r.systemBufferMdl(irp.AssociatedIrp.SystemBuffer, size);
        return found(mdl === null ? STATUS.BUFFER_TOO_SMALL : STATUS.SUCCESS, mdl, length);
      }
      if ((method === METHOD_IN_DIRECT && reading) || (method === METHOD_OUT_DIRECT && !reading)) return fail(STATUS.INVALID_DEVICE_REQUEST);
      if (method !== METHOD_IN_DIRECT && method !== METHOD_OUT_DIRECT) return fail(STATUS.INVALID_DEVICE_REQUEST);
      const st = WdfRequestRetrieveOutputWdmMdl(r, out);
      return found(st, out.value, io?.OutputBufferLength ?? 0);
    }
    default:
      return fail(STATUS.INVALID_DEVICE_REQUEST);
  }
}

/** WdfDmaTransactionInitializeUsingRequest(DmaTransaction, Request, EvtProgramDmaFunction, DmaDirection). */
export function WdfDmaTransactionInitializeUsingRequest(DmaTransaction: WdfDmaTransaction, Request: WdfRequest, EvtProgramDmaFunction: EVT_WDF_PROGRAM_DMA, DmaDirection: WDF_DMA_DIRECTION): NTSTATUS {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionInitializeUsingRequest");
  if (typeof EvtProgramDmaFunction !== "function") throw new TypeError("WdfDmaTransactionInitializeUsingRequest: EvtProgramDmaFunction is NULL (WDF_VIOLATION 0x4 on Windows)");
  if (DmaDirection !== WdfDmaDirectionReadFromDevice && DmaDirection !== WdfDmaDirectionWriteToDevice) return STATUS.INVALID_PARAMETER;
  const r = validRequest(Request, "WdfDmaTransactionInitializeUsingRequest");
  const m = requestMdl(r, DmaDirection);
  const { status, mdl, length } = m;
  // The shared record keeps no MDL alive past this call.
  m.mdl = null;
  mdlOut.value = null;
  if (!NT_SUCCESS(status) || mdl === null) return NT_SUCCESS(status) ? STATUS.INVALID_DEVICE_REQUEST : status;
  if (length === 0) return STATUS.INVALID_DEVICE_REQUEST;
  if (!tx.enabler.supportsChainedMdls && length > MmGetMdlByteCount(mdl)) return STATUS.INVALID_PARAMETER;
  const st = WdfDmaTransactionInitialize(tx, EvtProgramDmaFunction, DmaDirection, mdl, MmGetMdlVirtualAddress(mdl), length);
  if (!NT_SUCCESS(st)) return st;
  tx.releaseRequest();
  r.addRef();
  tx.request = r;
  return STATUS.SUCCESS;
}

/** WdfDmaTransactionGetRequest: the request the transaction was initialized from, or NULL. */
export function WdfDmaTransactionGetRequest(DmaTransaction: WdfDmaTransaction): WdfRequest | null {
  const tx = validTransaction(DmaTransaction, "WdfDmaTransactionGetRequest");
  return tx.request instanceof WdfRequest ? tx.request : null;
}
