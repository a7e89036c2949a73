/**
 * Host functions in C-visible tables (the DMA_OPERATIONS of an adapter): a C
 * driver calls them through function pointers, which on wasm32 are indices
 * into the module's function table. Node 20 cannot put a JS function in a
 * table directly (WebAssembly.Function needs a V8 flag), but an imported JS
 * function re-exported by a module is a table element: dmasim builds one
 * tiny module per batch (imports f0..fn with their wasm signatures, exports
 * them), grows the driver's table and stores the exports there. A call with
 * the wrong signature traps in call_indirect, as a type mismatch should.
 */
import type { WasmValue } from "../layout/ctypes.ts";

export interface ThunkSpec {
  readonly params: readonly WasmValue[];
  readonly results: readonly WasmValue[];
  readonly fn: (...args: never[]) => unknown;
}

const VALTYPE: Record<WasmValue, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** An unsigned LEB128 number, as the WebAssembly binary format writes sizes and indices. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}

/** The bytes of a module importing `specs.length` functions ("h", "f<i>") and exporting them as "f<i>". */
export function thunkModuleBytes(specs: readonly Pick<ThunkSpec, "params" | "results">[]): Uint8Array<ArrayBuffer> {
  const types: number[] = [...leb(specs.length)];
  for (const s of specs) types.push(0x60, ...leb(s.params.length), ...s.params.map((p) => VALTYPE[p]), ...leb(s.results.length), ...s.results.map((r) => VALTYPE[r]));
  const imports: number[] = [...leb(specs.length)];
  specs.forEach((_, i) => imports.push(...str("h"), ...str(`f${i}`), 0x00, ...leb(i)));
  const exports: number[] = [...leb(specs.length)];
  specs.forEach((_, i) => exports.push(...str(`f${i}`), 0x00, ...leb(i)));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports), ...section(7, exports)]);
}

/** Put host functions into a driver's table; returns their indices (C function pointers). */
export function installThunks(table: WebAssembly.Table, specs: readonly ThunkSpec[]): number[] {
  if (specs.length === 0) return [];
  const h: Record<string, (...args: never[]) => unknown> = {};
  specs.forEach((s, i) => (h[`f${i}`] = s.fn));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(thunkModuleBytes(specs)), { h });
  const first = table.grow(specs.length);
  return specs.map((_, i) => {
    table.set(first + i, inst.exports[`f${i}`]);
    return first + i;
  });
}
