/**
 * What the kernel routines of one C driver share: the host (memory, calls),
 * the object maps, the IRP bridge, where trace messages go.
 */
import type { DMA_ADAPTER } from "../../hal/types.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import type { DRIVER_OBJECT } from "../../kernel/pnp.ts";
import type { CObjects } from "./c-objects.ts";
import type { CDriverHost } from "./driver-host.ts";
import type { IrpBridge } from "./irps.ts";

/** One DbgPrint / KdPrint / TraceEvents message. */
export interface DriverMessage {
  /** Simulated time, ns. */
  readonly time: number;
  /** "DbgPrint", or the WPP level name (INFORMATION, ERROR, ...). */
  readonly level: string;
  /** WPP flag name ("" for DbgPrint). */
  readonly flags: string;
  readonly function: string;
  /** Source file (as compiled) and line, when known. */
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

export interface DriverContext {
  readonly host: CDriverHost;
  readonly k: Kernel;
  readonly objects: CObjects;
  readonly irps: IrpBridge;
  readonly message: (m: DriverMessage) => void;
  /** The driver's name (its service name). */
  readonly name: string;
  /** The driver's DRIVER_OBJECT in its memory (0 before DriverEntry). */
  driverObject: number;
  /** The kernel's driver object standing for it (made after DriverEntry). */
  tsDriver: DRIVER_OBJECT | null;
  /** Writes a driver-visible DMA_ADAPTER for a kernel adapter (set by the HAL imports, which own its operations table and thunks). */
  writeAdapter?: (a: DMA_ADAPTER) => number;
}

/** i32 arguments arrive signed: a C pointer or ULONG as an unsigned number. */
export function u(v: number): number {
  return v >>> 0;
}

/** A C BOOLEAN argument (only its low byte counts). */
export function bool(v: number): boolean {
  return (v & 0xff) !== 0;
}
