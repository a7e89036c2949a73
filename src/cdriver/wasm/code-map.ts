/**
 * From code offsets of the instrumented module (what V8 puts in a stack
 * frame: "wasm-function[12]:0x4f3") back to C source lines.
 *
 * The linked module carries DWARF line tables; instrumenting rewrites the
 * code, so offsets move. What does not move is order: within a function,
 * the instrumented code calls the same routines in the same order (its
 * original calls), and reaches the host's slow path once per original load
 * or store, in the order of the original accesses. So the k-th original call
 * (or access) of a function in the instrumented module is the k-th in the
 * linked one, whose DWARF row gives file, line and column. A function whose
 * counts do not agree keeps its name and loses its lines (never a wrong line).
 */
import { type ModuleInfo, parseModule, walkCode } from "./decode.ts";
import { parseDebugLine } from "./dwarf-line.ts";

export interface CLocation {
  /** As the compiler saw it: relative to the driver's folder, or absolute for dmasim's headers. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

interface FunctionMap {
  readonly name: string;
  /** Sorted offsets (in the instrumented module) of original calls, with their locations. */
  readonly calls: readonly number[];
  readonly callLocs: readonly (CLocation | null)[];
  /** Sorted offsets of slow-path calls (one per original load or store), with the access's location. */
  readonly accesses: readonly number[];
  readonly accessLocs: readonly (CLocation | null)[];
  /** The function's first line (for frames between known points). */
  readonly first: CLocation | null;
}

/** Serializable (cached with the module). */
export interface CodeMap {
  /** By function index in the instrumented module. */
  readonly functions: Readonly<Record<number, FunctionMap>>;
}

export interface Located {
  readonly function: string;
  /** null when no line is known for the offset. */
  readonly location: CLocation | null;
  /** True when the offset is not a call or access itself (a trap): the location is the nearest one before it. */
  readonly approximate: boolean;
}

interface Points {
  calls: number[];
  accesses: number[];
}

function points(bytes: Uint8Array, info: ModuleInfo, isSim: (target: number) => boolean, isOriginalCall: (target: number) => boolean): Points[] {
  return info.bodies.map((body) => {
    const p: Points = { calls: [], accesses: [] };
    walkCode(bytes, body, {
      call: (at, target) => {
        if (isSim(target)) p.accesses.push(at);
        else if (isOriginalCall(target)) p.calls.push(at);
      },
      callIndirect: (at) => p.calls.push(at),
    });
    return p;
  });
}

/** Build the map from the linked module (DWARF) and the instrumented one. */
export function buildCodeMap(linked: Uint8Array, before: ModuleInfo, instrumented: Uint8Array): CodeMap {
  const after = parseModule(instrumented);
  const dl = before.custom(".debug_line");
  const lines = dl === null ? null : parseDebugLine(dl, before.custom(".debug_line_str"));
  const loc = (offset: number): CLocation | null => {
    const row = lines?.lookup(offset - before.codeStart) ?? null;
    return row === null || row.line === 0 ? null : { file: row.file, line: row.line, column: row.column };
  };
  // Linked module: accesses are the loads and stores themselves.
  const origImports = before.imports.length;
  const origDefined = before.bodies.length;
  const orig = before.bodies.map((body) => {
    const p: Points = { calls: [], accesses: [] };
    walkCode(linked, body, {
      call: (at) => p.calls.push(at),
      callIndirect: (at) => p.calls.push(at),
      memory: (at) => p.accesses.push(at),
    });
    return p;
  });
  const afterImports = after.imports.length;
  const simImport = new Set(after.imports.flatMap((im, i) => (im.module === "dmasim_mem" && im.name !== "overflow" ? [i] : [])));
  const hookImport = new Set(after.imports.flatMap((im, i) => (im.module === "dmasim_mem" ? [i] : [])));
  const fin = points(
    instrumented,
    after,
    (t) => simImport.has(t),
    (t) => (t < afterImports ? !hookImport.has(t) : t - afterImports < origDefined),
  );
  const functions: Record<number, FunctionMap> = {};
  for (let d = 0; d < Math.min(origDefined, after.bodies.length); d++) {
    const o = orig[d] as Points;
    const f = fin[d] as Points;
    const body = before.bodies[d];
    const index = afterImports + d;
    const name = after.names.get(index) ?? before.names.get(origImports + d) ?? `function ${d}`;
    const first = body === undefined ? null : loc(body.codeStart);
    // The same function in both (by order, checked by name), with the same number of calls and accesses.
    const same = before.names.get(origImports + d) === undefined || before.names.get(origImports + d) === after.names.get(index);
    const callsOk = same && o.calls.length === f.calls.length;
    const accessOk = same && o.accesses.length === f.accesses.length;
    functions[index] = {
      name,
      calls: callsOk ? f.calls : [],
      callLocs: callsOk ? o.calls.map(loc) : [],
      accesses: accessOk ? f.accesses : [],
      accessLocs: accessOk ? o.accesses.map(loc) : [],
      first,
    };
  }
  return { functions };
}

function exactIndex(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

/** The C function and line at an offset of the instrumented module, or null for a function dmasim did not map. */
export function locate(map: CodeMap, functionIndex: number, offset: number): Located | null {
  const f = map.functions[functionIndex];
  if (f === undefined) return null;
  const c = exactIndex(f.calls, offset);
  if (c >= 0) return { function: f.name, location: f.callLocs[c] ?? null, approximate: false };
  const a = exactIndex(f.accesses, offset);
  if (a >= 0) return { function: f.name, location: f.accessLocs[a] ?? null, approximate: false };
  // Between known points (a trap): the nearest call or access before it.
  const ci = -c - 2;
  const ai = -a - 2;
  const cOff = ci >= 0 ? (f.calls[ci] as number) : -1;
  const aOff = ai >= 0 ? (f.accesses[ai] as number) : -1;
  const near = cOff < 0 && aOff < 0 ? f.first : cOff >= aOff ? (f.callLocs[ci] ?? null) : (f.accessLocs[ai] ?? null);
  return { function: f.name, location: near, approximate: true };
}
