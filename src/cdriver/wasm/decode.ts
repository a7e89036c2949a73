/**
 * A small WebAssembly binary reader: sections, imports, exports, function
 * names, custom sections, and a walk over every instruction of every
 * function body with its byte offset. dmasim uses it to check what a driver
 * module may contain (no bulk-memory, atomic read-modify-write, SIMD or
 * memory.grow instructions, which the memory instrumentation cannot see) and
 * to map code offsets in stack traces back to C source lines.
 */

export class Reader {
  pos: number;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw new RangeError("wasm: unexpected end of module");
    return this.bytes[this.pos++] as number;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new RangeError("wasm: LEB128 too long");
    }
  }
  /** Signed LEB128 (up to 64 bits), skipped rather than decoded exactly beyond 2^53. */
  s64(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.u8();
      if (shift < 53) result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while ((b & 0x80) !== 0);
    if (shift < 53 && (b & 0x40) !== 0) result -= 2 ** shift;
    return result;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  skip(n: number): void {
    this.pos += n;
  }
}

export interface Section {
  readonly id: number;
  /** Offset of the section's id byte. */
  readonly header: number;
  /** Custom sections' name ("" otherwise). */
  readonly name: string;
  /** Offset of the section's payload (after its id and size; for custom sections, after the name). */
  readonly start: number;
  readonly end: number;
}

export interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly typeIndex: number;
}

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface FunctionBody {
  /** Function index (imports come first). */
  readonly index: number;
  /** Offsets in the module: of the body's size field, of its first instruction, of its end. */
  readonly start: number;
  readonly codeStart: number;
  readonly end: number;
}

export interface ModuleInfo {
  readonly sections: readonly Section[];
  readonly types: readonly FuncType[];
  readonly imports: readonly FunctionImport[];
  /** Type index of each defined function. */
  readonly functionTypes: readonly number[];
  readonly exports: ReadonlyMap<string, { kind: number; index: number }>;
  readonly bodies: readonly FunctionBody[];
  /** Function names from the name section, by function index. */
  readonly names: ReadonlyMap<number, string>;
  /** Offset of the code section's payload (DWARF addresses count from here). */
  readonly codeStart: number;
  custom(name: string): Uint8Array | null;
}

export function parseModule(bytes: Uint8Array): ModuleInfo {
  const r = new Reader(bytes, 8);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new RangeError("wasm: not a WebAssembly module");
  const sections: Section[] = [];
  while (r.pos < bytes.length) {
    const header = r.pos;
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    let name = "";
    let start = r.pos;
    if (id === 0) {
      name = r.name();
      start = r.pos;
    }
    sections.push({ id, header, name, start, end });
    r.pos = end;
  }
  const types: FuncType[] = [];
  const imports: FunctionImport[] = [];
  const functionTypes: number[] = [];
  const exports = new Map<string, { kind: number; index: number }>();
  const bodies: FunctionBody[] = [];
  const names = new Map<number, string>();
  let codeStart = 0;
  for (const s of sections) {
    const q = new Reader(bytes, s.start);
    if (s.id === 1) {
      const n = q.u32();
      for (let i = 0; i < n; i++) {
        const form = q.u8();
        if (form !== 0x60) throw new RangeError(`wasm: type form 0x${form.toString(16)} is not a function type`);
        const params = Array.from({ length: q.u32() }, () => q.u8());
        const results = Array.from({ length: q.u32() }, () => q.u8());
        types.push({ params, results });
      }
    } else if (s.id === 2) {
      const n = q.u32();
      for (let i = 0; i < n; i++) {
        const module = q.name();
        const name = q.name();
        const kind = q.u8();
        if (kind === 0) imports.push({ module, name, typeIndex: q.u32() });
        else if (kind === 1) {
          q.u8();
          limits(q);
        } else if (kind === 2) limits(q);
        else if (kind === 3) q.skip(2);
        else if (kind === 4) {
          q.u8();
          q.u32();
        }
      }
    } else if (s.id === 3) {
      const n = q.u32();
      for (let i = 0; i < n; i++) functionTypes.push(q.u32());
    } else if (s.id === 7) {
      const n = q.u32();
      for (let i = 0; i < n; i++) {
        const name = q.name();
        const kind = q.u8();
        exports.set(name, { kind, index: q.u32() });
      }
    } else if (s.id === 10) {
      codeStart = s.start;
      const n = q.u32();
      for (let i = 0; i < n; i++) {
        const start = q.pos;
        const size = q.u32();
        const end = q.pos + size;
        const locals = q.u32();
        for (let l = 0; l < locals; l++) {
          q.u32();
          q.u8();
        }
        bodies.push({ index: imports.length + i, start, codeStart: q.pos, end });
        q.pos = end;
      }
    } else if (s.id === 0 && s.name === "name") {
      while (q.pos < s.end) {
        const sub = q.u8();
        const size = q.u32();
        const subEnd = q.pos + size;
        if (sub === 1) {
          const n = q.u32();
          for (let i = 0; i < n; i++) {
            const idx = q.u32();
            names.set(idx, q.name());
          }
        }
        q.pos = subEnd;
      }
    }
  }
  return {
    sections,
    types,
    imports,
    functionTypes,
    exports,
    bodies,
    names,
    codeStart,
    custom(name: string): Uint8Array | null {
      const s = sections.find((x) => x.id === 0 && x.name === name);
      return s === undefined ? null : bytes.subarray(s.start, s.end);
    },
  };
}

function limits(q: Reader): void {
  const flags = q.u8();
  q.u32();
  if ((flags & 1) !== 0) q.u32();
}

/** What walkCode reports for each instruction that matters to dmasim. */
export interface InstructionVisitor {
  /** call (direct): target function index. */
  call?(offset: number, target: number): void;
  /** call_indirect (through the table). */
  callIndirect?(offset: number): void;
  /** A load or store: bytes accessed, its folded constant offset. */
  memory?(offset: number, opcode: number, memOffset: number, store: boolean): void;
  /** An instruction the memory instrumentation does not see ("memory.fill", ...). */
  uninstrumented?(offset: number, what: string): void;
}

const LOADS = new Set([0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35]);
const STORES = new Set([0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e]);
const NO_IMMEDIATE = new Set([
  0x00, 0x01, 0x05, 0x0b, 0x0f, 0x1a, 0x1b, 0xd1,
  ...Array.from({ length: 0xc4 - 0x45 + 1 }, (_, i) => 0x45 + i),
  // sign-extension operators
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4,
]);
const FC_NAMES: Record<number, string> = { 8: "memory.init", 9: "data.drop", 10: "memory.copy", 11: "memory.fill" };

function blockType(q: Reader): void {
  const b = q.bytes[q.pos] as number;
  if (b === 0x40 || (b >= 0x6f && b <= 0x7f) || b === 0x63 || b === 0x64) q.pos++;
  else q.s64();
}

/** Walk every instruction of one function body, reporting calls, memory accesses and instructions dmasim refuses. */
export function walkCode(bytes: Uint8Array, body: FunctionBody, v: InstructionVisitor): void {
  const q = new Reader(bytes, body.codeStart);
  while (q.pos < body.end) {
    const at = q.pos;
    const op = q.u8();
    if (NO_IMMEDIATE.has(op)) continue;
    if (LOADS.has(op) || STORES.has(op)) {
      const align = q.u32();
      if ((align & 0x40) !== 0) q.u32();
      const off = q.u32();
      v.memory?.(at, op, off, STORES.has(op));
      continue;
    }
    switch (op) {
      case 0x02:
      case 0x03:
      case 0x04:
        blockType(q);
        break;
      case 0x0c:
      case 0x0d:
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
      case 0x24:
      case 0x25:
      case 0x26:
      case 0xd2:
        q.u32();
        break;
      case 0x0e: {
        const n = q.u32();
        for (let i = 0; i <= n; i++) q.u32();
        break;
      }
      case 0x10: {
        // Read the immediate first: an optional call would skip evaluating it when no visitor wants calls.
        const target = q.u32();
        v.call?.(at, target);
        break;
      }
      case 0x11:
        q.u32();
        q.u32();
        v.callIndirect?.(at);
        break;
      case 0x12: {
        const target = q.u32();
        v.call?.(at, target);
        break;
      }
      case 0x13:
        q.u32();
        q.u32();
        v.callIndirect?.(at);
        break;
      case 0x1c: {
        const n = q.u32();
        q.skip(n);
        break;
      }
      case 0x3f:
        q.u8();
        break;
      case 0x40:
        q.u8();
        v.uninstrumented?.(at, "memory.grow");
        break;
      case 0x41:
      case 0x42:
        q.s64();
        break;
      case 0x43:
        q.skip(4);
        break;
      case 0x44:
        q.skip(8);
        break;
      case 0xd0:
        q.u8();
        break;
      case 0xfc: {
        const sub = q.u32();
        if (sub <= 7) break;
        const name = FC_NAMES[sub];
        if (name !== undefined) v.uninstrumented?.(at, `${name} (bulk memory)`);
        if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
          q.u32();
          q.u32();
        } else q.u32();
        break;
      }
      case 0xfe: {
        const sub = q.u32();
        if (sub === 0x03) {
          q.u8();
          break;
        }
        q.u32();
        q.u32();
        v.uninstrumented?.(at, sub >= 0x1e ? "an atomic read-modify-write" : sub <= 0x02 ? "atomic wait/notify" : "an atomic load or store");
        break;
      }
      case 0xfd:
        v.uninstrumented?.(at, "a SIMD instruction");
        // The rest of this body cannot be decoded reliably without a full SIMD table: stop here.
        return;
      default:
        throw new RangeError(`wasm: unknown opcode 0x${op.toString(16)} at 0x${at.toString(16)}`);
    }
  }
}
