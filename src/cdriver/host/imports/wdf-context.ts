/**
 * What the KMDF routines of one C driver share (wdf.ts, wdf-io.ts,
 * wdf-dma.ts): the driver context, the handle table, the WDFDRIVER and what
 * the framework's callbacks counted.
 */
import type { WdfDevice } from "../../../wdf/device.ts";
import type { WdfDriver } from "../../../wdf/driver.ts";
import type { DriverContext } from "../context.ts";
import type { WdfHandles } from "../wdf-handles.ts";

/** What the KMDF routines of one C driver share. */
export interface WdfContext {
  readonly ctx: DriverContext;
  readonly handles: WdfHandles;
  /** The driver's WDFDRIVER once WdfDriverCreate succeeded. */
  driver: WdfDriver | null;
  /** EvtDriverUnload (a table index; 0 for none). */
  unload: number;
  /** GUIDs of the device interfaces each device registered (WdfDeviceCreateDeviceInterface). */
  readonly interfaces: Map<WdfDevice, string[]>;
  /** Calls of the driver's ISRs, how many claimed the interrupt (TRUE), and DPC calls. */
  readonly counts: { isr: number; claimed: number; dpc: number };
}

/** A C callback's NTSTATUS (an i32 result) as the unsigned number the framework compares. */
export function statusOf(v: number | bigint): number {
  return Number(v) >>> 0;
}

