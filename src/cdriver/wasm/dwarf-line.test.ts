import { describe, expect, it } from "vitest";
import { leb, sleb } from "../../../test/cdriver/wasm-bytes.ts";
import { parseDebugLine } from "./dwarf-line.ts";

/** A DWARF 4 line table for one sequence in file "drv.c" under directory "src". */
function table(program: number[]): Uint8Array {
  const cstr = (s: string): number[] => [...new TextEncoder().encode(s), 0];
  const opcodeBase = 13;
  const header = [1 /* min_inst */, 1 /* max ops */, 1 /* default_is_stmt */, (-5 & 0xff) /* line_base */, 14 /* line_range */, opcodeBase, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, ...cstr("src"), 0, ...cstr("drv.c"), 1, 0, 0, 0];
  const afterLength = [4, 0 /* version 4 */, ...u32(header.length), ...header, ...program];
  return new Uint8Array([...u32(afterLength.length), ...afterLength]);
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

describe("DWARF line tables (.debug_line)", () => {
  it("maps each address to the row in effect: set_address, advance_line, copy, special opcodes, end_sequence", () => {
    const program = [
      0, 5, 2, ...u32(0x10), // DW_LNE_set_address 0x10
      3, ...sleb(9), // advance_line +9 -> 10
      5, ...leb(3), // set_column 3
      1, // copy: row 0x10 line 10
      // special opcode: address += 4, line += 2: (2 - (-5)) + 14 * 4 + 13 = 76
      76,
      2, ...leb(6), // advance_pc 6 -> 0x1a
      0, 1, 1, // end_sequence
    ];
    const t = parseDebugLine(table(program));
    expect(t.lookup(0x10)).toEqual({ address: 0x10, file: "src/drv.c", line: 10, column: 3 });
    expect(t.lookup(0x13)?.line).toBe(10);
    expect(t.lookup(0x14)?.line).toBe(12);
    expect(t.lookup(0x19)?.line).toBe(12);
    expect(t.lookup(0x1a)).toBeNull();
    expect(t.lookup(0x0f)).toBeNull();
  });
});
