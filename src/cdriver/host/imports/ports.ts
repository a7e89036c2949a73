/**
 * I/O-port routines for a C driver: the kernel's READ_PORT_* / WRITE_PORT_*
 * (the port number is the pointer's value, as on x64 Windows).
 */
import { READ_PORT_UCHAR, READ_PORT_ULONG, READ_PORT_USHORT, WRITE_PORT_UCHAR, WRITE_PORT_ULONG, WRITE_PORT_USHORT } from "../../../kernel/io-space.ts";
import { type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";

export function portImports(ctx: DriverContext): ImportTable {
  const { k } = ctx;
  return {
    READ_PORT_UCHAR: (port: number) => READ_PORT_UCHAR(k, u(port)),
    READ_PORT_USHORT: (port: number) => READ_PORT_USHORT(k, u(port)),
    READ_PORT_ULONG: (port: number) => READ_PORT_ULONG(k, u(port)),
    WRITE_PORT_UCHAR: (port: number, v: number) => WRITE_PORT_UCHAR(k, u(port), v & 0xff),
    WRITE_PORT_USHORT: (port: number, v: number) => WRITE_PORT_USHORT(k, u(port), v & 0xffff),
    WRITE_PORT_ULONG: (port: number, v: number) => WRITE_PORT_ULONG(k, u(port), u(v)),
  };
}
