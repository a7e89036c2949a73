/**
 * The DWARF line table (.debug_line, versions 2-5) of a wasm module: which
 * source file and line each code address belongs to. In wasm, addresses
 * count from the start of the code section's payload. dmasim builds with
 * -gdwarf-4; version 5 headers are read too.
 */
import { Reader } from "./decode.ts";

export interface LineRow {
  readonly address: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Rows sorted by address (end-of-sequence rows dropped; a gap maps to nothing). */
export class LineTable {
  private readonly addr: Float64Array;
  private readonly rows: LineRow[];
  /** Address ranges [start, end) covered by sequences. */
  private readonly ranges: [number, number][];

  constructor(rows: LineRow[], ranges: [number, number][]) {
    this.rows = rows.sort((a, b) => a.address - b.address);
    this.addr = Float64Array.from(this.rows, (r) => r.address);
    this.ranges = ranges;
  }

  get size(): number {
    return this.rows.length;
  }

  /** The row in effect at `address`, or null outside every sequence. */
  lookup(address: number): LineRow | null {
    if (!this.ranges.some(([s, e]) => address >= s && address < e)) return null;
    let lo = 0;
    let hi = this.addr.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.addr[mid] as number) <= address) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best < 0 ? null : (this.rows[best] ?? null);
  }
}

function cstr(r: Reader): string {
  const start = r.pos;
  while (r.u8() !== 0);
  return new TextDecoder().decode(r.bytes.subarray(start, r.pos - 1));
}

/** Parse .debug_line (with .debug_line_str for DWARF 5 string forms, when present). */
export function parseDebugLine(section: Uint8Array, lineStr: Uint8Array | null = null): LineTable {
  const rows: LineRow[] = [];
  const ranges: [number, number][] = [];
  const r = new Reader(section);
  const dv = new DataView(section.buffer, section.byteOffset, section.byteLength);
  const u16 = (): number => {
    const v = dv.getUint16(r.pos, true);
    r.pos += 2;
    return v;
  };
  const u32le = (): number => {
    const v = dv.getUint32(r.pos, true);
    r.pos += 4;
    return v;
  };
  const strAt = (off: number): string => {
    if (lineStr === null) return "";
    const q = new Reader(lineStr, off);
    return cstr(q);
  };
  while (r.pos + 4 <= section.length) {
    const unitLength = u32le();
    const unitEnd = r.pos + unitLength;
    const version = u16();
    if (version >= 5) r.pos += 2; // address_size, segment_selector_size
    const headerLength = u32le();
    const programStart = r.pos + headerLength;
    const minInst = r.u8();
    if (version >= 4) r.u8(); // maximum_operations_per_instruction
    const defaultIsStmt = r.u8();
    void defaultIsStmt;
    const lineBase = (r.u8() << 24) >> 24;
    const lineRange = r.u8();
    const opcodeBase = r.u8();
    const stdLengths = Array.from({ length: opcodeBase - 1 }, () => r.u8());
    const dirs: string[] = [];
    const files: string[] = [];
    if (version < 5) {
      dirs.push(".");
      for (let d = cstr(r); d !== ""; d = cstr(r)) dirs.push(d);
      files.push("");
      for (let f = cstr(r); f !== ""; f = cstr(r)) {
        const dir = r.u32();
        r.u32();
        r.u32();
        files.push(joinPath(dirs[dir] ?? ".", f));
      }
    } else {
      const readEntries = (): { path: string; dir: number }[] => {
        const formatCount = r.u8();
        const format: [number, number][] = Array.from({ length: formatCount }, () => [r.u32(), r.u32()]);
        const n = r.u32();
        const out: { path: string; dir: number }[] = [];
        for (let i = 0; i < n; i++) {
          let path = "";
          let dir = 0;
          for (const [content, form] of format) {
            let value: string | number = 0;
            if (form === 0x08) value = cstr(r); // DW_FORM_string
            else if (form === 0x1f || form === 0x0e) value = strAt(u32le()); // line_strp / strp
            else if (form === 0x0b) value = r.u8();
            else if (form === 0x05) value = u16();
            else if (form === 0x0f) value = r.u32();
            else if (form === 0x1e) r.pos += 16; // data16 (MD5)
            else if (form === 0x06) value = u32le();
            else if (form === 0x09) r.pos += r.u32(); // block
            else throw new RangeError(`DWARF: line table form 0x${form.toString(16)} not supported`);
            if (content === 1) path = String(value);
            else if (content === 2) dir = Number(value);
          }
          out.push({ path, dir });
        }
        return out;
      };
      for (const d of readEntries()) dirs.push(d.path);
      for (const f of readEntries()) files.push(joinPath(dirs[f.dir] ?? ".", f.path));
    }
    r.pos = programStart;
    let address = 0;
    let file = version >= 5 ? 0 : 1;
    let line = 1;
    let column = 0;
    let seqStart = -1;
    const emit = (): void => {
      if (seqStart < 0) seqStart = address;
      rows.push({ address, file: files[file] ?? "?", line, column });
    };
    while (r.pos < unitEnd) {
      const op = r.u8();
      if (op >= opcodeBase) {
        const adj = op - opcodeBase;
        address += Math.floor(adj / lineRange) * minInst;
        line += lineBase + (adj % lineRange);
        emit();
      } else if (op === 0) {
        const len = r.u32();
        const end = r.pos + len;
        const sub = r.u8();
        if (sub === 1) {
          // end_sequence
          if (seqStart >= 0) ranges.push([seqStart, address]);
          seqStart = -1;
          address = 0;
          file = version >= 5 ? 0 : 1;
          line = 1;
          column = 0;
        } else if (sub === 2) {
          address = len - 1 === 4 ? dv.getUint32(r.pos, true) : Number(dv.getBigUint64(r.pos, true));
        }
        r.pos = end;
      } else if (op === 1) emit();
      else if (op === 2) address += r.u32() * minInst;
      else if (op === 3) line += r.s64();
      else if (op === 4) file = r.u32();
      else if (op === 5) column = r.u32();
      else if (op === 6 || op === 7 || op === 10 || op === 11) {
        // negate_stmt, set_basic_block, set_prologue_end, set_epilogue_begin: nothing to track
      } else if (op === 8) address += Math.floor((255 - opcodeBase) / lineRange) * minInst;
      else if (op === 9) address += u16();
      else if (op === 12) r.u32();
      else for (let i = 0; i < (stdLengths[op - 1] ?? 0); i++) r.u32();
    }
    r.pos = unitEnd;
  }
  return new LineTable(rows, ranges);
}

function joinPath(dir: string, file: string): string {
  if (file.startsWith("/") || dir === "" || dir === ".") return file;
  return `${dir}/${file}`;
}
