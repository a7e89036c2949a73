/**
 * Debug output, assertions and the C runtime's bulk memory routines:
 * DbgPrint / DbgPrintEx (KdPrint), WPP's TraceEvents (DmasimWppTrace: the
 * host formats the WPP specifiers), RtlAssert (a failed ASSERT stops the
 * machine as a checked build with no debugger does: a breakpoint nobody
 * handles, 0x1E with STATUS_BREAKPOINT), and DmasimCopyMemory /
 * DmasimFillMemory, which move a run of bytes in one step through the CPU
 * path (or directly, in the driver's own memory).
 */
import { BugCheckError, BUGCHECK } from "../../../core/bugcheck.ts";
import { type DriverContext, u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import { formatMessage } from "../format.ts";
import { CMemory } from "../c-memory.ts";

const STATUS_BREAKPOINT = 0x80000003;
const LEVELS = ["NONE", "FATAL", "ERROR", "WARNING", "INFORMATION", "VERBOSE"];

export function debugImports(ctx: DriverContext): ImportTable {
  const { host, k } = ctx;
  const mem = () => host.mem;
  const caller = (): { fn: string; file: string; line: number } => {
    const f = host.callerFrames()[0];
    return { fn: f?.function ?? "", file: f?.file ?? "", line: f?.line ?? 0 };
  };
  return {
    DbgPrint(fmt: number, args: number): number {
      const c = caller();
      const text = formatMessage(mem(), mem().cString(u(fmt)), u(args), { file: c.file, line: c.line, function: c.fn });
      ctx.message({ time: k.clock.now, level: "DbgPrint", flags: "", function: c.fn, file: c.file, line: c.line, text: text.replace(/\n$/, "") });
      return 0;
    },
    DbgPrintEx(_component: number, level: number, fmt: number, args: number): number {
      const c = caller();
      const text = formatMessage(mem(), mem().cString(u(fmt)), u(args), { file: c.file, line: c.line, function: c.fn });
      ctx.message({ time: k.clock.now, level: `DbgPrintEx(${u(level)})`, flags: "", function: c.fn, file: c.file, line: c.line, text: text.replace(/\n$/, "") });
      return 0;
    },
    DmasimWppTrace(file: number, line: number, fn: number, level: number, flags: number, fmt: number, args: number): void {
      const m = mem();
      const site = { file: m.cString(u(file)), line: u(line), function: m.cString(u(fn)), level: u(level), flags: m.cString(u(flags)) };
      const text = formatMessage(m, m.cString(u(fmt)), u(args), site);
      ctx.message({ time: k.clock.now, level: LEVELS[site.level] ?? String(site.level), flags: site.flags, function: site.function, file: site.file, line: site.line, text });
    },
    RtlAssert(expr: number, file: number, line: number, message: number): void {
      const m = mem();
      const note = u(message) === 0 ? "" : ` (${m.cString(u(message))})`;
      throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, STATUS_BREAKPOINT, 0, 0, 0, `ASSERT(${m.cString(u(expr))}) failed at ${m.cString(u(file))}:${u(line)}${note}`);
    },
    DbgBreakPoint(): void {
      throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, STATUS_BREAKPOINT, 0, 0, 0, "DbgBreakPoint with no kernel debugger attached");
    },
    DmasimCopyMemory(dst: number, src: number, length: number): void {
      const m = mem();
      const n = u(length);
      if (n === 0) return;
      const d = u(dst);
      const s = u(src);
      if (CMemory.isLocal(d, n) && CMemory.isLocal(s, n)) {
        m.u8.copyWithin(d, s, s + n);
        return;
      }
      // One CPU-path access per run (a string move), through a staging copy so overlap is fine.
      m.writeBytes(d, m.readBytes(s, n, "memcpy source"), "memcpy destination");
    },
    DmasimFillMemory(dst: number, length: number, fill: number): void {
      const m = mem();
      const n = u(length);
      if (n === 0) return;
      const d = u(dst);
      if (CMemory.isLocal(d, n)) m.u8.fill(fill & 0xff, d, d + n);
      else k.cpu.RtlFillMemory(m.kernelVa(d, true, "memset"), n, fill & 0xff);
    },
  };
}
