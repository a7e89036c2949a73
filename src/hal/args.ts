/**
 * Argument checks shared by the HAL routines. A C caller cannot pass a
 * string where a ULONG goes or leave out a PHYSICAL_ADDRESS; a TypeScript or
 * JavaScript caller can, and would otherwise meet the engine's own TypeError
 * or SyntaxError deep inside a routine. Each check throws the emulator's
 * TypeError (wrong kind of value) or RangeError (right kind, out of range)
 * naming the routine and the parameter. Misuse Windows itself detects (a
 * NULL adapter, a wrong IRQL, a bad free) stays a finding or a bug check.
 */
import { MAXULONG, type PHYSICAL_ADDRESS } from "../core/address.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import type { MDL } from "../kernel/mdl.ts";

function show(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "string") return `string "${v}"`;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return `${typeof v} ${v}`;
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return `a ${typeof v}`;
}

/** A ULONG (integer 0..0xFFFFFFFF). */
export function checkUlong(v: unknown, routine: string, name: string): asserts v is number {
  if (typeof v !== "number") throw new TypeError(`${routine}: ${name} must be a ULONG number, got ${show(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > MAXULONG) throw new RangeError(`${routine}: ${name} must be a ULONG (0..0xFFFFFFFF), got ${v}`);
}

/** A ULONGLONG offset or size that dmasim holds as a number (integer 0..2^53-1). */
export function checkUlonglong(v: unknown, routine: string, name: string): asserts v is number {
  if (typeof v !== "number") throw new TypeError(`${routine}: ${name} must be a number, got ${show(v)}`);
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${routine}: ${name} must be a whole number >= 0, got ${v}`);
}

/** A BOOLEAN. */
export function checkBoolean(v: unknown, routine: string, name: string): asserts v is boolean {
  if (typeof v !== "boolean") throw new TypeError(`${routine}: ${name} must be a BOOLEAN (true/false), got ${show(v)}`);
}

/** A virtual address (PVOID as a number). */
export function checkVa(v: unknown, routine: string, name: string): asserts v is number {
  if (typeof v !== "number") throw new TypeError(`${routine}: ${name} must be a virtual address (a number), got ${show(v)}`);
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${routine}: ${name} must be a virtual address, got ${v}`);
}

/** A PHYSICAL_ADDRESS read by the routine ({ QuadPart: bigint }); `optional` allows NULL. */
export function checkPhysicalAddress(v: unknown, routine: string, name: string, optional = false): asserts v is PHYSICAL_ADDRESS | null {
  if (v === null && optional) return;
  const q = (v as { QuadPart?: unknown } | null | undefined)?.QuadPart;
  if (typeof v !== "object" || v === null || typeof q !== "bigint") throw new TypeError(`${routine}: ${name} must be a PHYSICAL_ADDRESS ({ QuadPart: bigint })${optional ? " or null" : ""}, got ${typeof v === "object" && v !== null ? `{ QuadPart: ${show(q)} }` : show(v)}`);
}

/** A PHYSICAL_ADDRESS the routine writes (an object to write QuadPart into). */
export function checkPhysicalAddressOut(v: unknown, routine: string, name: string): asserts v is PHYSICAL_ADDRESS {
  if (typeof v !== "object" || v === null) throw new TypeError(`${routine}: ${name} must be a PHYSICAL_ADDRESS out parameter ({ QuadPart }), got ${show(v)}`);
}

/** An out parameter ({ value }) such as PULONG or PVOID*; `optional` allows NULL. */
export function checkOutParam(v: unknown, routine: string, name: string, optional = false): void {
  if (v === null && optional) return;
  if (typeof v !== "object" || v === null) throw new TypeError(`${routine}: ${name} must be an out parameter ({ value })${optional ? " or null" : ""}, got ${show(v)}`);
}

/** An MDL (from IoAllocateMdl); `optional` allows NULL. */
export function checkMdl(v: unknown, routine: string, name = "Mdl", optional = false): asserts v is MDL | null {
  if (v === null && optional) return;
  const m = v as Partial<MDL> | null | undefined;
  if (typeof v !== "object" || v === null || !(m?.pfns instanceof Int32Array) || typeof m.StartVa !== "number" || typeof m.ByteCount !== "number") throw new TypeError(`${routine}: ${name} must be an MDL (IoAllocateMdl)${optional ? " or null" : ""}, got ${show(v)}`);
}

/** A DEVICE_OBJECT (a PDO or a device object over one). */
export function checkDeviceObject(v: unknown, routine: string, name = "DeviceObject"): asserts v is DEVICE_OBJECT {
  const d = v as Partial<DEVICE_OBJECT> | null | undefined;
  if (typeof v !== "object" || v === null || d?.Type !== 3 || typeof d.config !== "object") throw new TypeError(`${routine}: ${name} must be a DEVICE_OBJECT, got ${show(v)}`);
}

/** A routine pointer; `optional` allows NULL. */
export function checkRoutine(v: unknown, routine: string, name: string, optional = false): void {
  if (v === null && optional) return;
  if (typeof v !== "function") throw new TypeError(`${routine}: ${name} must be a function${optional ? " or null" : ""}, got ${show(v)}`);
}

/** A caller-allocated structure (a SCATTER_GATHER_LIST, a DMA_TRANSFER_INFO, ...). */
export function checkStruct(v: unknown, routine: string, name: string, optional = false): void {
  if (v === null && optional) return;
  if (typeof v !== "object" || v === null) throw new TypeError(`${routine}: ${name} must be a structure (an object)${optional ? " or null" : ""}, got ${show(v)}`);
}
