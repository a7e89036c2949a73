import { describe, expect, it } from "vitest";
import { type ArgSource, formatMessage } from "./format.ts";

/** A varargs buffer and strings in a little fake memory. */
function memory(): { mem: ArgSource; args: (...v: (number | bigint | string)[]) => number } {
  const bytes = new Uint8Array(4096);
  const dv = new DataView(bytes.buffer);
  let strings = 2048;
  const mem: ArgSource = {
    u8At: (a) => bytes[a] as number,
    u32At: (a) => dv.getUint32(a, true),
    u64At: (a) => dv.getBigUint64(a, true),
    cString: (a) => {
      let s = "";
      for (let i = a; bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i] as number);
      return s;
    },
    wString: (a) => {
      let s = "";
      for (let i = a; dv.getUint16(i, true) !== 0; i += 2) s += String.fromCharCode(dv.getUint16(i, true));
      return s;
    },
    unicodeString: (a) => {
      const len = dv.getUint16(a, true);
      const buf = dv.getUint32(a + 4, true);
      let s = "";
      for (let i = 0; i < len / 2; i++) s += String.fromCharCode(dv.getUint16(buf + 2 * i, true));
      return s;
    },
  };
  const args = (...v: (number | bigint | string)[]): number => {
    let p = 0;
    for (const x of v) {
      if (typeof x === "bigint") {
        p = (p + 7) & ~7;
        dv.setBigUint64(p, BigInt.asUintN(64, x), true);
        p += 8;
      } else if (typeof x === "string") {
        const at = strings;
        for (let i = 0; i < x.length; i++) bytes[at + i] = x.charCodeAt(i);
        bytes[at + x.length] = 0;
        strings += x.length + 1;
        dv.setUint32(p, at, true);
        p += 4;
      } else {
        dv.setUint32(p, x >>> 0, true);
        p += 4;
      }
    }
    return 0;
  };
  return { mem, args };
}

const site = { file: "sb16.c", line: 42, function: "Sb16StartDma", level: 4, flags: "DBG_DMA" };

describe("DbgPrint / WPP message formatting", () => {
  it("formats %d %u %x %X %08X %c %s %p %% with widths and flags", () => {
    const { mem, args } = memory();
    const p = args(-5, 4000000000, 255, 255, 0xbeef, 65, "abc", 0x80001000, 7);
    expect(formatMessage(mem, "%d %u %x %X %08X %c %s %p %-3d|%%", p, site)).toBe("-5 4000000000 ff FF 0000BEEF A abc 80001000 7  |%");
  });

  it("reads 64-bit arguments 8-aligned: %I64X, %08I64X, %I64d, %llu", () => {
    const { mem, args } = memory();
    const p = args(1, 0x1_2345_6789n, 0xabcn, -2n, 18446744073709551615n);
    expect(formatMessage(mem, "%d %I64X %08I64X %I64d %llu", p, site)).toBe("1 123456789 00000ABC -2 18446744073709551615");
  });

  it("formats WPP's %!STATUS! by name, %!FUNC! %!FILE! %!LINE! %!LEVEL! %!FLAGS! from the call site, %!IRQL! and %!bool!", () => {
    const { mem, args } = memory();
    const p = args(0xc000009a, 2, 1, 0x1234);
    expect(formatMessage(mem, "%!FUNC!: %!STATUS! at %!IRQL! (%!bool!) %!FILE!:%!LINE! %!LEVEL! %!FLAGS! %!WHAT!", p, site)).toBe("Sb16StartDma: STATUS_INSUFFICIENT_RESOURCES (0xC000009A) at DISPATCH_LEVEL (true) sb16.c:42 INFORMATION DBG_DMA %!WHAT!(0x1234)");
  });

  it("formats wide strings (%ws, %S) and counted strings (%wZ)", () => {
    const { mem } = memory();
    const dv = new DataView(new ArrayBuffer(4096));
    const m: ArgSource = { ...mem, u32At: (a) => dv.getUint32(a, true), wString: () => "wide", unicodeString: (a) => (a === 100 ? "\\Device\\Sb16" : "?") };
    dv.setUint32(0, 1, true);
    dv.setUint32(4, 2, true);
    dv.setUint32(8, 100, true);
    expect(formatMessage(m, "%ws %S %wZ", 0, site)).toBe("wide wide \\Device\\Sb16");
  });

  it("prints a conversion it does not know as written, and a NULL string as (null)", () => {
    const { mem, args } = memory();
    const p = args(0);
    expect(formatMessage({ ...mem, cString: (a) => (a === 0 ? "(null)" : mem.cString(a)) }, "%s %q", p, site)).toBe("(null) %q");
  });
});
