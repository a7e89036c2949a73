/**
 * The C types that dmasim's headers and its host share, and their layout on
 * wasm32 (the WebAssembly C ABI: natural alignment, pointers and `long` 4
 * bytes, `long long` 8; `#pragma pack(n)` caps member alignment at n).
 *
 * One table (structs.ts) describes every structure the host reads or writes;
 * this file computes offsets from it for the host's accessors, and
 * generate-header.ts prints the same table as C. A compiled test checks the
 * computed offsets against clang's with _Static_assert, so the two cannot
 * drift apart.
 */

/** How a value crosses into WebAssembly: the wasm value type of a parameter or result. */
export type WasmValue = "i32" | "i64" | "f32" | "f64";

/** A scalar C type (typedef) with its C spelling. */
export interface ScalarType {
  readonly kind: "scalar";
  readonly name: string;
  /** What the typedef stands for in C ("unsigned long", "char", ...). */
  readonly c: string;
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  readonly float?: boolean;
}

/** A field of a struct or union: a named type, or an inline (possibly anonymous) aggregate. */
export interface Field {
  /** Empty for an anonymous struct/union member. */
  readonly name: string;
  readonly type: string | Aggregate;
  /** Array length (omitted for a single element). */
  readonly count?: number;
}

/** A struct or union, named (a top-level typedef) or inline. */
export interface Aggregate {
  readonly kind: "struct" | "union";
  readonly fields: readonly Field[];
  /** #pragma pack(n) in effect for this aggregate (default: none). */
  readonly pack?: number;
}

export interface NamedAggregate extends Aggregate {
  readonly name: string;
  /** C tag ("_MDL"); default "_" + name. */
  readonly tag?: string;
  /** Pointer typedef names (default ["P" + name]). */
  readonly pointers?: readonly string[];
  /** Emit the definition (false: only the forward typedef, an opaque type). */
  readonly opaque?: boolean;
  /** A one-line comment printed above it in the header. */
  readonly doc?: string;
}

/** A function type (callback or DMA_OPERATIONS slot): typedef RET NAME(params); typedef NAME *PNAME. */
export interface FunctionType {
  readonly name: string;
  readonly result: string;
  readonly params: readonly (readonly [type: string, name: string])[];
  /** Pointer typedef name (default "P" + name). */
  readonly pointer?: string;
}

/** An enum type: 4 bytes, its constants from one TS table. */
export interface EnumType {
  readonly name: string;
  readonly tag?: string;
  readonly values: readonly (readonly [string, number])[];
  /** Pointer typedef (default "P" + name). */
  readonly pointer?: string;
}

/** Computed layout of one aggregate. */
export interface Layout {
  readonly size: number;
  readonly align: number;
  /** Offsets of every field path: "u.Port.Start", "Elements" (first element), anonymous members flattened. */
  readonly offsets: ReadonlyMap<string, number>;
}

export const POINTER_SIZE = 4;

/** The type universe: scalars, pointers (any P... typedef or "T*"), aggregates, enums, function pointers. */
export class TypeTable {
  private readonly scalars = new Map<string, ScalarType>();
  private readonly aggregates = new Map<string, NamedAggregate>();
  private readonly enums = new Map<string, EnumType>();
  private readonly functions = new Map<string, FunctionType>();
  /** Pointer typedef name -> what it points to. */
  private readonly pointerNames = new Map<string, string>();
  /** Plain typedef aliases (PHYSICAL_ADDRESS -> LARGE_INTEGER), in definition order. */
  private readonly aliases = new Map<string, string>();
  private readonly layouts = new Map<string, Layout>();

  addScalar(s: ScalarType, ...pointers: string[]): void {
    this.define(s.name);
    this.scalars.set(s.name, s);
    for (const p of pointers) this.addPointer(p, s.name);
  }

  addAggregate(a: NamedAggregate): void {
    this.define(a.name);
    this.aggregates.set(a.name, a);
    for (const p of a.pointers ?? ["P" + a.name]) this.addPointer(p, a.name);
  }

  addEnum(e: EnumType): void {
    this.define(e.name);
    this.enums.set(e.name, e);
    this.addPointer(e.pointer ?? "P" + e.name, e.name);
  }

  addFunction(f: FunctionType): void {
    this.define(f.name);
    this.functions.set(f.name, f);
    this.addPointer(f.pointer ?? "P" + f.name, f.name);
  }

  addPointer(name: string, to: string): void {
    this.define(name);
    this.pointerNames.set(name, to);
  }

  /** typedef OF NAME, *POINTER...: the same type under another name. */
  addAlias(name: string, of: string, ...pointers: string[]): void {
    this.define(name);
    this.aliases.set(name, of);
    for (const p of pointers) this.addPointer(p, name);
  }

  private define(name: string): void {
    if (this.scalars.has(name) || this.aggregates.has(name) || this.enums.has(name) || this.functions.has(name) || this.pointerNames.has(name) || this.aliases.has(name)) throw new RangeError(`TypeTable: ${name} is defined twice`);
  }

  /** The type an alias stands for (itself when it is not an alias). */
  resolve(type: string): string {
    let t = type;
    for (let a = this.aliases.get(t); a !== undefined; a = this.aliases.get(t)) t = a;
    return t;
  }

  allAliases(): [string, string][] {
    return [...this.aliases.entries()];
  }

  /** True when `type` (after aliases) is a struct or union passed or returned by value. */
  isAggregate(type: string): boolean {
    return !this.isPointer(type) && this.aggregates.has(this.resolve(type));
  }

  scalar(name: string): ScalarType | undefined {
    return this.scalars.get(name);
  }
  aggregate(name: string): NamedAggregate | undefined {
    return this.aggregates.get(name);
  }
  functionType(name: string): FunctionType | undefined {
    return this.functions.get(name);
  }
  allScalars(): ScalarType[] {
    return [...this.scalars.values()];
  }
  allAggregates(): NamedAggregate[] {
    return [...this.aggregates.values()];
  }
  allEnums(): EnumType[] {
    return [...this.enums.values()];
  }
  allFunctions(): FunctionType[] {
    return [...this.functions.values()];
  }
  allPointers(): [string, string][] {
    return [...this.pointerNames.entries()];
  }

  /** True for any pointer spelling: a P... typedef, "T*", or a function pointer typedef. */
  isPointer(type: string): boolean {
    return type.endsWith("*") || this.pointerNames.has(type);
  }

  /** Size and alignment of a named type (a pack limit applies to the alignment of members, not here). */
  sizeAlign(name: string): { size: number; align: number } {
    const type = this.resolve(name);
    if (this.isPointer(type)) return { size: POINTER_SIZE, align: POINTER_SIZE };
    const s = this.scalars.get(type);
    if (s !== undefined) return { size: s.size, align: s.size };
    if (this.enums.has(type)) return { size: 4, align: 4 };
    if (this.aggregates.has(type)) {
      const l = this.layout(type);
      return { size: l.size, align: l.align };
    }
    throw new RangeError(`TypeTable: unknown type "${type}"`);
  }

  /** The layout of a named aggregate (cached). */
  layout(name: string): Layout {
    const cached = this.layouts.get(name);
    if (cached !== undefined) return cached;
    const a = this.aggregates.get(name);
    if (a === undefined) throw new RangeError(`TypeTable: no struct or union "${name}"`);
    if (a.opaque === true) throw new RangeError(`TypeTable: ${name} is opaque (no layout)`);
    const l = this.layoutOf(a, a.pack);
    this.layouts.set(name, l);
    return l;
  }

  private fieldSizeAlign(f: Field, pack: number | undefined): { size: number; align: number; inner: Layout | null } {
    let size: number;
    let align: number;
    let inner: Layout | null = null;
    if (typeof f.type === "string") {
      ({ size, align } = this.sizeAlign(f.type));
      if (this.isAggregate(f.type)) inner = this.layout(this.resolve(f.type));
    } else {
      inner = this.layoutOf(f.type, f.type.pack ?? pack);
      size = inner.size;
      align = inner.align;
    }
    if (pack !== undefined) align = Math.min(align, pack);
    return { size: size * (f.count ?? 1), align, inner };
  }

  private layoutOf(a: Aggregate, pack: number | undefined): Layout {
    const offsets = new Map<string, number>();
    let size = 0;
    let align = 1;
    for (const f of a.fields) {
      const fa = this.fieldSizeAlign(f, pack);
      const at = a.kind === "union" ? 0 : roundUp(size, fa.align);
      if (f.name !== "") {
        if (offsets.has(f.name)) throw new RangeError(`TypeTable: field ${f.name} appears twice`);
        offsets.set(f.name, at);
      }
      // Members of an array's elements are named through its first element ("List[0].BusNumber").
      const prefix = f.name === "" ? "" : f.count === undefined ? `${f.name}.` : `${f.name}[0].`;
      if (fa.inner !== null) for (const [p, o] of fa.inner.offsets) offsets.set(prefix + p, at + o);
      size = a.kind === "union" ? Math.max(size, fa.size) : at + fa.size;
      align = Math.max(align, fa.align);
    }
    return { size: roundUp(size, align), align, offsets };
  }

  /** The wasm value type a C type crosses as: 8-byte integers as i64, floats as f32/f64, everything else (pointers, small ints, enums) as i32; an aggregate by value as a pointer (i32). */
  wasmOf(name: string): WasmValue {
    const type = this.resolve(name);
    if (this.isPointer(type)) return "i32";
    const s = this.scalars.get(type);
    if (s !== undefined) return s.float === true ? (s.size === 8 ? "f64" : "f32") : s.size === 8 ? "i64" : "i32";
    if (this.enums.has(type) || this.aggregates.has(type)) return "i32";
    throw new RangeError(`TypeTable: unknown type "${type}"`);
  }

  /**
   * The wasm signature of a function type under the WebAssembly C ABI: an
   * aggregate returned by value comes back through a hidden pointer passed
   * first; an aggregate passed by value is passed as a pointer to a copy.
   */
  signature(fn: FunctionType): { params: WasmValue[]; results: WasmValue[]; indirectResult: boolean } {
    const params: WasmValue[] = [];
    let results: WasmValue[] = [];
    let indirectResult = false;
    if (fn.result !== "VOID") {
      if (this.isAggregate(fn.result)) {
        indirectResult = true;
        params.push("i32");
      } else results = [this.wasmOf(fn.result)];
    }
    for (const [t] of fn.params) params.push(this.wasmOf(t));
    return { params, results, indirectResult };
  }
}

export function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
