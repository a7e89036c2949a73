/**
 * printf and WPP message formatting for DbgPrint, KdPrint and TraceEvents,
 * reading the arguments from the C call's argument buffer (wasm32 varargs:
 * 4-byte slots, 8-byte values 8-aligned).
 *
 * Standard conversions: %d %i %u %x %X %o %c %s %S %ws %wZ %Z %p %e %f %g %%,
 * flags "-+ #0", width and precision (numbers or *), sizes h hh l ll I64 I32
 * I z j t w. WPP's own: %!STATUS! %!HRESULT! %!WINERROR! (a status, shown by
 * name), %!bool! %!BOOLEAN! %!IRQL! %!GUID! (a GUID pointer), and %!FUNC!
 * %!FILE! %!LINE! %!LEVEL! %!FLAGS! (from the call site, no argument).
 */
import { irqlName } from "../../core/irql.ts";
import { statusName } from "../../core/ntstatus.ts";

/** What a formatter needs from C memory. */
export interface ArgSource {
  u32At(addr: number): number;
  u64At(addr: number): bigint;
  u8At(addr: number): number;
  cString(addr: number): string;
  wString(addr: number): string;
  unicodeString(addr: number): string;
}

export interface CallSite {
  readonly file: string;
  readonly line: number;
  readonly function: string;
  readonly level?: number;
  readonly flags?: string;
}

const LEVELS = ["NONE", "FATAL", "ERROR", "WARNING", "INFORMATION", "VERBOSE"];

class Args {
  private p: number;
  private readonly mem: ArgSource;
  constructor(mem: ArgSource, base: number) {
    this.mem = mem;
    this.p = base >>> 0;
  }
  i32(): number {
    const v = this.mem.u32At(this.p);
    this.p += 4;
    return v;
  }
  i64(): bigint {
    this.p = (this.p + 7) & ~7;
    const v = this.mem.u64At(this.p);
    this.p += 8;
    return v;
  }
  f64(): number {
    const b = this.i64();
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, b, true);
    return dv.getFloat64(0, true);
  }
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width, " ");
  if (zero) {
    const sign = /^[+\- ]/.test(s) ? (s[0] ?? "") : "";
    const prefix = /^[+\- ]?0[xX]/.test(s) ? s.slice(sign === "" ? 0 : 1, (sign === "" ? 0 : 1) + 2) : "";
    const body = s.slice(sign.length + prefix.length);
    return sign + prefix + body.padStart(width - sign.length - prefix.length, "0");
  }
  return s.padStart(width, " ");
}

function guidText(mem: ArgSource, p: number): string {
  if (p === 0) return "(null)";
  const h = (n: number | bigint, w: number): string => n.toString(16).padStart(w, "0");
  const d1 = mem.u32At(p);
  const d2 = mem.u32At(p + 4) & 0xffff;
  const d3 = mem.u32At(p + 4) >>> 16;
  const b = Array.from({ length: 8 }, (_, i) => mem.u8At(p + 8 + i));
  return `${h(d1, 8)}-${h(d2, 4)}-${h(d3, 4)}-${b.slice(0, 2).map((x) => h(x, 2)).join("")}-${b.slice(2).map((x) => h(x, 2)).join("")}`;
}

/** Format `fmt` with the arguments at `argsPtr` (a wasm32 varargs buffer). */
export function formatMessage(mem: ArgSource, fmt: string, argsPtr: number, site: CallSite): string {
  const a = new Args(mem, argsPtr);
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== "%") {
      out += ch;
      continue;
    }
    if (fmt[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    if (fmt[i + 1] === "!") {
      const end = fmt.indexOf("!", i + 2);
      if (end > 0) {
        const name = fmt.slice(i + 2, end);
        i = end;
        out += wppSpecial(mem, a, name, site);
        continue;
      }
    }
    // %[flags][width][.precision][size]conversion
    const start = i;
    let j = i + 1;
    let flags = "";
    while ("-+ #0".includes(fmt[j] ?? "x") && j < fmt.length) flags += fmt[j++];
    let width = 0;
    if (fmt[j] === "*") {
      width = a.i32() | 0;
      j++;
    } else while (/\d/.test(fmt[j] ?? "")) width = width * 10 + Number(fmt[j++]);
    let precision = -1;
    if (fmt[j] === ".") {
      j++;
      precision = 0;
      if (fmt[j] === "*") {
        precision = a.i32() | 0;
        j++;
      } else while (/\d/.test(fmt[j] ?? "")) precision = precision * 10 + Number(fmt[j++]);
    }
    let size = "";
    const rest = fmt.slice(j);
    const sm = /^(I64|I32|hh|ll|h|l|I|z|j|t|w|L)/.exec(rest);
    if (sm !== null) {
      size = sm[1] ?? "";
      j += size.length;
    }
    const conv = fmt[j] ?? "";
    i = j;
    const wide64 = size === "I64" || size === "ll" || size === "j" || size === "L";
    const left = flags.includes("-");
    const zero = flags.includes("0") && !left;
    let s: string;
    switch (conv) {
      case "d":
      case "i": {
        const v = wide64 ? BigInt.asIntN(64, a.i64()) : BigInt(size === "h" ? ((a.i32() << 16) >> 16) : size === "hh" ? ((a.i32() << 24) >> 24) : a.i32() | 0);
        s = v.toString();
        if (precision >= 0) s = s.startsWith("-") ? "-" + s.slice(1).padStart(precision, "0") : s.padStart(precision, "0");
        if (v >= 0n && flags.includes("+")) s = "+" + s;
        else if (v >= 0n && flags.includes(" ")) s = " " + s;
        break;
      }
      case "u":
      case "x":
      case "X":
      case "o": {
        const raw = wide64 ? a.i64() : BigInt(size === "h" ? a.i32() & 0xffff : size === "hh" ? a.i32() & 0xff : a.i32() >>> 0);
        s = raw.toString(conv === "u" ? 10 : conv === "o" ? 8 : 16);
        if (conv === "X") s = s.toUpperCase();
        if (precision >= 0) s = s.padStart(precision, "0");
        if (flags.includes("#") && raw !== 0n) s = (conv === "o" ? "0" : conv === "x" ? "0x" : conv === "X" ? "0X" : "") + s;
        break;
      }
      case "c":
        s = String.fromCharCode(a.i32() & (size === "w" || size === "l" ? 0xffff : 0xff));
        break;
      case "C":
        s = String.fromCharCode(a.i32() & 0xffff);
        break;
      case "s": {
        const p = a.i32();
        s = size === "w" || size === "l" ? mem.wString(p) : mem.cString(p);
        if (precision >= 0) s = s.slice(0, precision);
        break;
      }
      case "S": {
        s = mem.wString(a.i32());
        if (precision >= 0) s = s.slice(0, precision);
        break;
      }
      case "Z": {
        const p = a.i32();
        s = size === "w" ? mem.unicodeString(p) : p === 0 ? "(null)" : mem.cString(mem.u32At(p + 4));
        break;
      }
      case "p": {
        const p = a.i32() >>> 0;
        s = p.toString(16).toUpperCase().padStart(8, "0");
        break;
      }
      case "e":
      case "E":
      case "f":
      case "F":
      case "g":
      case "G": {
        const v = a.f64();
        const pr = precision < 0 ? 6 : precision;
        s = conv === "e" || conv === "E" ? v.toExponential(pr) : conv === "f" || conv === "F" ? v.toFixed(pr) : String(Number(v.toPrecision(Math.max(1, pr))));
        if (conv === "E" || conv === "G") s = s.toUpperCase();
        break;
      }
      case "n":
        a.i32();
        s = "";
        break;
      default:
        // Not a conversion: print it as written.
        s = fmt.slice(start, j + 1);
    }
    out += pad(s, width, left, zero && conv !== "s" && conv !== "c");
  }
  return out;
}

function wppSpecial(mem: ArgSource, a: Args, name: string, site: CallSite): string {
  switch (name) {
    case "FUNC":
      return site.function;
    case "FILE":
      return site.file.split("/").pop() ?? site.file;
    case "LINE":
      return String(site.line);
    case "LEVEL":
      return LEVELS[site.level ?? 0] ?? String(site.level ?? 0);
    case "FLAGS":
      return site.flags ?? "";
    case "STATUS":
    case "NTSTATUS":
      return statusName(a.i32() >>> 0);
    case "HRESULT":
    case "WINERROR":
      return `0x${(a.i32() >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
    case "bool":
      return a.i32() !== 0 ? "true" : "false";
    case "BOOLEAN":
      return (a.i32() & 0xff) !== 0 ? "TRUE" : "FALSE";
    case "IRQL":
      return irqlName(a.i32() & 0xff);
    case "GUID":
      return guidText(mem, a.i32() >>> 0);
    default:
      return `%!${name}!(0x${(a.i32() >>> 0).toString(16)})`;
  }
}
