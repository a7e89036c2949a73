/**
 * Route every load and store of a driver module through the simulator where
 * it addresses simulated memory, with binaryen's instrument-memory pass.
 *
 * The pass wraps each access: `load(load_ptr(id, bytes, offset, ptr))` with
 * `load_val_T(id, value)` around it, and `store(store_ptr(...), store_val_T(id, value))`.
 * It observes rather than redirects (the access still runs at the address
 * load_ptr / store_ptr return), so dmasim defines those hooks inside the
 * module, inlined, as:
 *
 * - load_ptr: the driver's own memory (stack, globals, host-built objects:
 *   LOCAL_LOW..LOCAL_HIGH) returns ptr (one compare, full speed); any other
 *   address calls the host, which reads the simulated bytes through the CPU
 *   path into the scratch slot and returns `SCRATCH - offset`, so the
 *   original instruction loads them (with its own sign or zero extension).
 * - store_ptr: every store deepens a counter; a store to simulated memory
 *   pushes (address, bytes, depth) on a stack of pending stores in reserved
 *   memory and returns `SCRATCH - offset` (the store itself lands in scratch,
 *   harmlessly). The value expression runs between store_ptr and store_val
 *   and may hold further accesses and calls (it nests), hence the stack.
 * - store_val: when the depth is the one of the newest pending store, the
 *   host pops it and stores the value through the CPU path.
 *
 * memory.fill / memory.copy / memory.init, atomic read-modify-write, SIMD and
 * memory.grow are not seen by the pass: a module containing one is refused
 * (checkInstrumentable), naming the C function and line.
 */
import { Worker } from "node:worker_threads";
import { LOCAL_HIGH, LOCAL_LOW, PENDING_BASE, PENDING_MAX, SCRATCH, STACK_TOP } from "../abi/memory-layout.ts";
import { type CodeMap, buildCodeMap } from "./code-map.ts";
import { parseModule } from "./decode.ts";

/** Module name of the host's slow paths (the only imports the instrumented code adds). */
export const SIM_MODULE = "dmasim_mem";
/** Address of the pending-store count (entries follow at PENDING_ENTRIES, 12 bytes each). */
export const PENDING_COUNT = PENDING_BASE;
export const PENDING_ENTRIES = PENDING_BASE + 16;
/** Bumped when the instrumented code changes meaning. */
export const INSTRUMENT_FORMAT = "dmasim-instrument-3";

export interface InstrumentedDriver {
  readonly wasm: Uint8Array;
  readonly codeMap: CodeMap;
}

/**
 * The binaryen part runs in a worker thread started without the parent's
 * loader flags: under tsx (the `dmasim` command, benches) importing binaryen's
 * 14 MB module through the TypeScript loader takes tens of seconds, plain
 * Node takes one. The worker's code is plain JavaScript for the same reason.
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData: w } = require("node:worker_threads");
(async () => {
  const binaryen = (await import(w.url)).default;
  binaryen.setDebugInfo(true);
  const m = binaryen.readBinary(w.linked);
  try {
    m.runPasses(["instrument-memory"]);
    // Only the hooks added below may be inlined: the driver's own functions stay as they are, so that
    // their calls and accesses keep their order and count (the code map relies on it).
    binaryen.setPassArgument("no-inline", "*");
    m.runPasses(["no-inline"]);
    const { i32, i64, f32, f64, none } = binaryen;
    const T = { i32, i64, f32, f64 };
    const P = (i, t = i32) => m.local.get(i, t);
    m.addGlobal("dmasim_depth", i32, true, m.i32.const(0));
    m.addGlobal("dmasim_sim_top", i32, true, m.i32.const(-1));
    m.addGlobalExport("dmasim_depth", "dmasim_depth");
    m.addGlobalExport("dmasim_sim_top", "dmasim_sim_top");
    const ptrParams = binaryen.createType([i32, i32, i32, i32]);
    m.addFunctionImport("dmasim_sim_load", w.SIM_MODULE, "load", ptrParams, i32);
    m.addFunctionImport("dmasim_sim_overflow", w.SIM_MODULE, "overflow", binaryen.createType([i32, i32]), none);
    // Local iff LOCAL_LOW <= ptr + offset and ptr + offset + bytes <= LOCAL_HIGH: one unsigned compare.
    const isLocal = (ptr, off, bytes) => m.i32.lt_u(m.i32.sub(m.i32.add(ptr, off), m.i32.const(w.LOCAL_LOW)), m.i32.sub(m.i32.const(w.LOCAL_HIGH - w.LOCAL_LOW + 1), bytes));
    m.removeFunction("load_ptr");
    m.addFunction("load_ptr", ptrParams, i32, [], m.if(isLocal(P(3), P(2), P(1)), P(3), m.call("dmasim_sim_load", [P(0), P(1), P(2), P(3)], i32)));
    m.removeFunction("store_ptr");
    const depth = () => m.global.get("dmasim_depth", i32);
    const entry = () => m.i32.add(m.i32.mul(m.local.get(4, i32), m.i32.const(12)), m.i32.const(w.PENDING_ENTRIES));
    m.addFunction("store_ptr", ptrParams, i32, [i32], m.block(null, [
      m.global.set("dmasim_depth", m.i32.add(depth(), m.i32.const(1))),
      m.if(isLocal(P(3), P(2), P(1)), m.return(P(3)), m.block(null, [
        m.local.set(4, m.i32.load(0, 4, m.i32.const(w.PENDING_COUNT))),
        m.if(m.i32.or(m.i32.ge_u(m.local.get(4, i32), m.i32.const(w.PENDING_MAX)), m.i32.gt_u(P(2), m.i32.const(w.SCRATCH))), m.call("dmasim_sim_overflow", [P(0), P(2)], none)),
        m.i32.store(0, 4, entry(), m.i32.add(P(3), P(2))),
        m.i32.store(4, 4, entry(), P(1)),
        m.i32.store(8, 4, entry(), depth()),
        m.i32.store(0, 4, m.i32.const(w.PENDING_COUNT), m.i32.add(m.local.get(4, i32), m.i32.const(1))),
        m.global.set("dmasim_sim_top", depth()),
      ])),
      m.i32.sub(m.i32.const(w.SCRATCH), P(2)),
    ], i32));
    for (const t of ["i32", "i64", "f32", "f64"]) {
      const ty = T[t];
      m.removeFunction("load_val_" + t);
      m.addFunction("load_val_" + t, binaryen.createType([i32, ty]), ty, [], P(1, ty));
      m.removeFunction("store_val_" + t);
      m.addFunctionImport("dmasim_sim_store_" + t, w.SIM_MODULE, "store_" + t, ty, i32);
      m.addFunction("store_val_" + t, binaryen.createType([i32, ty]), ty, [], m.block(null, [
        m.if(m.i32.eq(depth(), m.global.get("dmasim_sim_top", i32)), m.global.set("dmasim_sim_top", m.call("dmasim_sim_store_" + t, [P(1, ty)], i32))),
        m.global.set("dmasim_depth", m.i32.sub(depth(), m.i32.const(1))),
        P(1, ty),
      ], ty));
    }
    for (const n of ["memory_grow_pre", "memory_grow_post"]) {
      m.removeFunction(n);
      m.addFunction(n, binaryen.createType([i32, i32]), i32, [], m.unreachable());
    }
    const sp = binaryen.getGlobalInfo(m.getGlobal("__stack_pointer"));
    if (sp.module) throw new Error("dmasim: the driver imports its stack pointer (a shared library?); link it as a module");
    m.removeGlobal("__stack_pointer");
    m.addGlobal("__stack_pointer", i32, true, m.i32.const(w.STACK_TOP));
    m.addGlobalExport("__stack_pointer", "__stack_pointer");
    binaryen.setAlwaysInlineMaxSize(1000);
    binaryen.setOneCallerInlineMaxSize(0);
    binaryen.setFlexibleInlineMaxSize(0);
    // No constant folding afterwards: an access at a constant address would lose its slow-path call, and with it
    // its place in the code map's order (V8 folds those checks when it compiles the module anyway).
    m.runPasses(["inlining", "remove-unused-module-elements", "simplify-locals-nostructure", "reorder-locals", "coalesce-locals"]);
    if (m.validate() !== 1) throw new Error("dmasim: the instrumented driver module does not validate (an instrumentation bug)");
    const out = m.emitBinary();
    parentPort.postMessage({ ok: true, wasm: out }, [out.buffer]);
  } finally {
    m.dispose();
  }
})().catch((e) => parentPort.postMessage({ ok: false, error: String(e && e.stack || e) }));
`;

/** Where binaryen's module is (resolved here, imported by file URL in the worker). */
function binaryenUrl(): string {
  return import.meta.resolve("binaryen");
}

/** Run binaryen's part in a worker; the instrumented module's bytes. */
function runWorker(linked: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const workerData = { url: binaryenUrl(), linked, SIM_MODULE, LOCAL_LOW, LOCAL_HIGH, SCRATCH, PENDING_COUNT, PENDING_ENTRIES, PENDING_MAX, STACK_TOP };
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData });
    w.once("message", (msg: { ok: boolean; wasm?: Uint8Array; error?: string }) => {
      void w.terminate();
      if (msg.ok && msg.wasm !== undefined) resolve(new Uint8Array(msg.wasm));
      else reject(new Error(msg.error ?? "dmasim: the instrumentation worker failed"));
    });
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error(`dmasim: the instrumentation worker exited with code ${code}`));
    });
  });
}

/**
 * Instrument a linked driver module. `moduleName` becomes the name-section
 * module name, so V8 stack frames ("wasm://wasm/<name>-...") identify it.
 */
export async function instrumentDriver(linked: Uint8Array, moduleName: string): Promise<InstrumentedDriver> {
  const before = parseModule(linked);
  const out = renameModule(stripDebugSections(await runWorker(linked)), moduleName);
  return { wasm: out, codeMap: buildCodeMap(linked, before, out) };
}

/** Drop the DWARF sections binaryen copied unchanged (their addresses no longer match): the code map has what they said. */
function stripDebugSections(wasm: Uint8Array): Uint8Array {
  const info = parseModule(wasm);
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const s of info.sections) {
    if (s.id === 0 && s.name.startsWith(".debug")) continue;
    parts.push(wasm.subarray(s.header, s.end));
  }
  return concat(parts);
}

function lebLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Set the name section's module name (subsection 0), keeping its other subsections. */
export function renameModule(wasm: Uint8Array, name: string): Uint8Array {
  const info = parseModule(wasm);
  const enc = new TextEncoder();
  const nameBytes = enc.encode(name);
  const sub0 = [0, ...leb(nameBytes.length + lebLength(nameBytes.length)), ...leb(nameBytes.length), ...nameBytes];
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let done = false;
  for (const s of info.sections) {
    if (s.id === 0 && s.name === "name") {
      // Keep subsections other than 0.
      const rest: number[] = [];
      let p = s.start;
      while (p < s.end) {
        const id = wasm[p] as number;
        let size = 0;
        let shift = 0;
        let q = p + 1;
        for (;;) {
          const b = wasm[q++] as number;
          size += (b & 0x7f) * 2 ** shift;
          shift += 7;
          if ((b & 0x80) === 0) break;
        }
        if (id !== 0) rest.push(...wasm.subarray(p, q + size));
        p = q + size;
      }
      const sectionName = enc.encode("name");
      const payload = [...leb(sectionName.length), ...sectionName, ...sub0, ...rest];
      parts.push(new Uint8Array([0, ...leb(payload.length), ...payload]));
      done = true;
      continue;
    }
    parts.push(wasm.subarray(s.header, s.end));
  }
  if (!done) {
    const sectionName = enc.encode("name");
    const payload = [...leb(sectionName.length), ...sectionName, ...sub0];
    parts.push(new Uint8Array([0, ...leb(payload.length), ...payload]));
  }
  return concat(parts);
}
