/**
 * The PLX9x5x-style driver's control queue (the sample's Control.c): one
 * I/O control code. The sample's IOCTL_PLX9X5X_TOGGLE_SINGLE_TRANSFER needs
 * WdfDmaTransactionSetSingleTransferRequirement, which dmasim's WDF does not
 * have; this driver answers IOCTL_PLX9X5X_GET_STATISTICS instead: five
 * ULONGs (interrupts, DPCs, requests requeued by EvtIoStop, channels aborted
 * by EvtDeviceD0Exit, hardware preparations) in the METHOD_BUFFERED output.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { CTL_CODE, FILE_DEVICE_UNKNOWN, FILE_READ_ACCESS, METHOD_BUFFERED } from "../kernel/io-manager.ts";
import { type WdfIoQueue, WdfIoQueueGetDevice } from "../wdf/queue.ts";
import { type BufferOut, type WdfRequest, WdfRequestCompleteWithInformation, WdfRequestRetrieveOutputBuffer } from "../wdf/request.ts";
import { plxContext } from "./plx-device.ts";

/** The driver's statistics IOCTL (METHOD_BUFFERED, read access). */
export const IOCTL_PLX9X5X_GET_STATISTICS = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS);
/** The output: five ULONGs. */
export const PLX_STATISTICS_SIZE = 20;

/** PLxEvtIoDeviceControl. */
export function PLxEvtIoDeviceControl(Queue: WdfIoQueue, Request: WdfRequest, _OutputBufferLength: number, _InputBufferLength: number, IoControlCode: number): void {
  const e = plxContext(WdfIoQueueGetDevice(Queue));
  let status: NTSTATUS = STATUS.INVALID_DEVICE_REQUEST;
  let information = 0;
  if (IoControlCode === IOCTL_PLX9X5X_GET_STATISTICS) {
    const out: BufferOut = { value: 0 };
    status = WdfRequestRetrieveOutputBuffer(Request, PLX_STATISTICS_SIZE, out, null);
    if (NT_SUCCESS(status)) {
      const v = [e.interrupts, e.dpcs, e.requeued, e.aborted, e.prepares];
      v.forEach((x, i) => e.kernel.cpu.writeU32(out.value + 4 * i, x >>> 0));
      information = PLX_STATISTICS_SIZE;
    }
  }
  WdfRequestCompleteWithInformation(Request, status, information);
}
