/**
 * NTSTATUS values used by the simulated routines (values as in ntstatus.h and
 * wdfstatus.h), by name without the STATUS_ prefix: `STATUS.SUCCESS`,
 * `STATUS.INSUFFICIENT_RESOURCES`. Test them with {@link NT_SUCCESS}; print
 * them with {@link statusName}.
 */
export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  INVALID_PARAMETER: 0xc000000d,
  NO_MEMORY: 0xc0000017,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  BUFFER_TOO_SMALL: 0xc0000023,
  NOT_SUPPORTED: 0xc00000bb,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  INVALID_DEVICE_STATE: 0xc0000184,
  DEVICE_NOT_READY: 0xc00000a3,
  NONE_MAPPED: 0xc0000073,
  CANCELLED: 0xc0000120,
  DELETE_PENDING: 0xc0000056,
  DEVICE_REMOVED: 0xc00002b6,
  DEVICE_CONFIGURATION_ERROR: 0xc0000182,
  INVALID_HANDLE: 0xc0000008,
  // KMDF facility 0x20 (wdfstatus.h); 0xC0200209's message is "WDF_OBJECT_ATTRIBUTES was invalid".
  WDF_OBJECT_ATTRIBUTES_INVALID: 0xc0200209,
  WDF_PARENT_ALREADY_ASSIGNED: 0xc020020d,
  WDF_PARENT_IS_SELF: 0xc020020e,
  WDF_PARENT_ASSIGNMENT_NOT_ALLOWED: 0xc020020f,
  WDF_PARENT_NOT_SPECIFIED: 0xc0200212,
  // More KMDF statuses (wdfstatus.h): object-attribute validation and DMA transactions.
  WDF_SYNCHRONIZATION_SCOPE_INVALID: 0xc0200210,
  WDF_EXECUTION_LEVEL_INVALID: 0xc0200211,
  WDF_TOO_FRAGMENTED: 0xc020020a,
  // KMDF 1.19: a transaction that must complete in one transfer cannot (wdfstatus.h).
  WDF_TOO_MANY_TRANSFERS: 0xc0200213,
  WDF_NOT_ENOUGH_MAP_REGISTERS: 0xc0200214,
  CANNOT_DELETE: 0xc0000121,
  // I/O queues and requests (ntstatus.h, wdfstatus.h).
  NO_MORE_ENTRIES: 0x8000001a,
  OBJECT_NAME_EXISTS: 0x40000000,
  DEVICE_BUSY: 0x80000011,
  INTERNAL_ERROR: 0xc00000e5,
  NO_SUCH_DEVICE: 0xc000000e,
  WDF_INTERNAL_ERROR: 0xc0200201,
  WDF_PAUSED: 0xc0200203,
  WDF_BUSY: 0xc0200204,
  WDF_REQUEST_ALREADY_PENDING: 0xc0200207,
  WDF_NO_CALLBACK: 0xc020020b,
} as const;

/** A key of {@link STATUS}: "SUCCESS", "INSUFFICIENT_RESOURCES", ... (without the STATUS_ prefix). */
export type NtStatusName = keyof typeof STATUS;
/** An NTSTATUS value as the routines return it: a 32-bit code held as an unsigned number (0xC000009A). */
export type NTSTATUS = number;

/** NT_SUCCESS: severity bits 00 (success) or 01 (informational). */
export function NT_SUCCESS(status: NTSTATUS): boolean {
  return (status >>> 0) < 0x80000000;
}

const NAMES = new Map<number, string>(Object.entries(STATUS).map(([k, v]) => [v, `STATUS_${k}`]));

function statusHex(status: NTSTATUS): string {
  return `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

/**
 * The status with its value, for messages and reports:
 * "STATUS_INSUFFICIENT_RESOURCES (0xC000009A)"; a value dmasim has no name
 * for is its hex alone ("0xC0001234"). For the bare name use {@link statusSymbol}.
 *
 * @example
 * ```ts
 * import { STATUS, statusName, statusSymbol } from "dmasim";
 * console.log(statusName(STATUS.INSUFFICIENT_RESOURCES));   // STATUS_INSUFFICIENT_RESOURCES (0xC000009A)
 * console.log(statusSymbol(STATUS.INSUFFICIENT_RESOURCES)); // STATUS_INSUFFICIENT_RESOURCES
 * ```
 */
export function statusName(status: NTSTATUS): string {
  const name = NAMES.get(status >>> 0);
  return name === undefined ? statusHex(status) : `${name} (${statusHex(status)})`;
}

/**
 * The status's ntstatus.h name alone: "STATUS_INSUFFICIENT_RESOURCES" (to
 * compare or to print without the value); a value dmasim has no name for is
 * its hex ("0xC0001234"). {@link statusName} adds the value.
 */
export function statusSymbol(status: NTSTATUS): string {
  return NAMES.get(status >>> 0) ?? statusHex(status);
}
