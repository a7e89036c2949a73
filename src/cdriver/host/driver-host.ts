/**
 * One C driver on one simulated machine: the instantiated module, its
 * memory (the driver's own part, the host's kernel objects in it, the window
 * onto simulated memory), the kernel routines it imports, and the calls into
 * it. Every call into the driver goes through `enter`: the outermost one
 * resets the instrumentation's pending-store state (a previous call may have
 * stopped in the middle of a store), and an error leaving the driver gets
 * the driver's C frames (function, file, line) in its message and stack; a
 * WebAssembly trap becomes the bug check Windows would raise for it.
 */
import { BugCheckError, BUGCHECK } from "../../core/bugcheck.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { LOCAL_HIGH, PENDING_BASE } from "../abi/memory-layout.ts";
import type { CodeMap } from "../wasm/code-map.ts";
import { SIM_MODULE } from "../wasm/instrument.ts";
import { AddressWindow } from "./address-window.ts";
import { type CFrame, cFramesOf, type ModuleRecord, rewriteStack, showLocation } from "./c-stack.ts";
import { CMemory } from "./c-memory.ts";
import { LinearHeap } from "./linear-heap.ts";
import { memoryHooks, UNEXPECTED_KERNEL_MODE_TRAP } from "./memory-hooks.ts";
import { trampolineFor } from "./site-trampoline.ts";
import { installThunks, type ThunkSpec } from "./thunks.ts";

/** Driver modules known to this process, by module name (for stack traces). */
export const DRIVER_MODULES = new Map<string, ModuleRecord>();

/** NTSTATUS codes of the exceptions a trap stands for. */
const STATUS_ILLEGAL_INSTRUCTION = 0xc000001d;
const STATUS_INTEGER_DIVIDE_BY_ZERO = 0xc0000094;
const STATUS_ACCESS_VIOLATION = 0xc0000005;
const STATUS_INTEGER_OVERFLOW = 0xc0000095;

export type ImportTable = Record<string, (...args: never[]) => unknown>;

export interface DriverHostOptions {
  /** "dmasim-<key>": the module's name section name. */
  readonly moduleName: string;
  readonly codeMap: CodeMap;
  /** The folder the compiler saw (relative DWARF paths are under it). */
  readonly sourceRoot: string;
}

export class CDriverHost {
  readonly k: Kernel;
  readonly moduleName: string;
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly mem: CMemory;
  readonly heap: LinearHeap;
  readonly window: AddressWindow;
  private readonly depthGlobal: WebAssembly.Global;
  private readonly simTopGlobal: WebAssembly.Global;
  private readonly stackPointer: WebAssembly.Global | null;
  private readonly pendingCount: Uint32Array;
  private entries = 0;
  private readonly record: ModuleRecord;

  /**
   * Instantiate `wasm` on machine `k`. `imports(host)` builds the kernel
   * routines (module "dmasim"); they may use the host's memory once
   * instantiation has finished.
   */
  constructor(k: Kernel, module: WebAssembly.Module, opts: DriverHostOptions, imports: (host: CDriverHost) => ImportTable) {
    this.k = k;
    this.moduleName = opts.moduleName;
    this.record = { name: opts.moduleName, codeMap: opts.codeMap, sourceRoot: opts.sourceRoot };
    DRIVER_MODULES.set(opts.moduleName, this.record);
    this.window = new AddressWindow(k.va);
    let hooks: ReturnType<typeof memoryHooks> | null = null;
    // Fixed-arity forwarders (the hooks need the instance's memory, so they are made after it): V8 calls these
    // from wasm without the arguments adaptation a rest-parameter wrapper costs on every simulated access.
    const h = (): ReturnType<typeof memoryHooks> => hooks as ReturnType<typeof memoryHooks>;
    const sim = {
      load: (id: number, bytes: number, offset: number, ptr: number): number => h().load(id, bytes, offset, ptr),
      store_i32: (v: number): number => h().store_i32(v),
      store_i64: (v: bigint): number => h().store_i64(v),
      store_f32: (v: number): number => h().store_f32(v),
      store_f64: (v: number): number => h().store_f64(v),
      overflow: (id: number, offset: number): void => h().overflow(id, offset),
    };
    // Imports may only touch memory after instantiation: they are called by driver code, which runs after it.
    const kernelImports = imports(this);
    const declared = WebAssembly.Module.imports(module);
    const missing = declared.filter((d) => d.kind === "function" && d.module === "dmasim" && !(d.name in kernelImports)).map((d) => d.name);
    if (missing.length > 0) throw new Error(`dmasim: the driver imports ${missing.join(", ")}, which dmasim's headers declare but its host does not implement (a dmasim bug)`);
    const other = declared.filter((d) => d.module !== "dmasim" && d.module !== SIM_MODULE);
    if (other.length > 0) throw new Error(`dmasim: the driver imports ${other.map((d) => `${d.module}.${d.name}`).join(", ")}: only dmasim's kernel routines can be imported`);
    this.instance = new WebAssembly.Instance(module, { dmasim: kernelImports, [SIM_MODULE]: sim });
    const ex = this.instance.exports;
    this.memory = ex["memory"] as WebAssembly.Memory;
    this.table = ex["__indirect_function_table"] as WebAssembly.Table;
    this.depthGlobal = ex["dmasim_depth"] as WebAssembly.Global;
    this.simTopGlobal = ex["dmasim_sim_top"] as WebAssembly.Global;
    this.stackPointer = (ex["__stack_pointer"] as WebAssembly.Global | undefined) ?? null;
    this.pendingCount = new Uint32Array(this.memory.buffer, PENDING_BASE, 1);
    this.mem = new CMemory(k, this.memory, this.window);
    const heapBase = (ex["__heap_base"] as WebAssembly.Global).value as number;
    this.heap = new LinearHeap(this.mem.u8, heapBase, LOCAL_HIGH);
    hooks = memoryHooks(k, this.mem, { stackPointer: () => (this.stackPointer === null ? LOCAL_HIGH : (this.stackPointer.value as number)) });
  }

  /** The module's exports (DriverEntry and whatever the driver marked for export). */
  get exports(): WebAssembly.Exports {
    return this.instance.exports;
  }

  /** True while driver code is on the stack. */
  get inDriver(): boolean {
    return this.entries > 0;
  }

  /** Run `fn` (which calls into the driver) as a call into the driver: see the module comment. */
  enter<T>(fn: () => T): T {
    if (this.entries > 0) {
      this.entries++;
      try {
        return fn();
      } finally {
        this.entries--;
      }
    }
    this.depthGlobal.value = 0;
    this.simTopGlobal.value = -1;
    this.pendingCount[0] = 0;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(limit, 64);
    this.entries = 1;
    try {
      return fn();
    } catch (e) {
      throw this.annotate(e);
    } finally {
      this.entries = 0;
      Error.stackTraceLimit = limit;
    }
  }

  /** Call a C function pointer (a table index) with wasm arguments; `what` names it in errors. */
  call(fnPtr: number, args: readonly (number | bigint)[], what: string): number | bigint {
    const idx = fnPtr >>> 0;
    const f = idx === 0 || idx >= this.table.length ? null : (this.table.get(idx) as ((...a: (number | bigint)[]) => number | bigint) | null);
    if (f === null) throw new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, STATUS_ACCESS_VIOLATION, idx, 0, 0, `${what}: the driver's routine pointer 0x${idx.toString(16)} is not a function`);
    return this.enter(() => f(...args) ?? 0);
  }

  /** Put host functions into the driver's function table (C function pointers). */
  thunks(specs: readonly ThunkSpec[]): number[] {
    return installThunks(this.table, specs);
  }

  /** The C frames on the stack right now, innermost first (for sites and messages). */
  callerFrames(): CFrame[] {
    const holder: { stack?: string } = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(limit, 64);
    Error.captureStackTrace(holder);
    Error.stackTraceLimit = limit;
    return cFramesOf(holder.stack ?? "", DRIVER_MODULES);
  }

  /**
   * Call a kernel routine so that stack readers see the C line that called
   * it (the verifier's allocation site): through a trampoline frame placed at
   * that line.
   */
  fromCaller<T>(fn: () => T): T {
    const frame = this.callerFrames()[0];
    const t = frame === undefined ? null : trampolineFor(frame);
    return t === null ? fn() : (t(fn) as T);
  }

  private annotate(e: unknown): unknown {
    if (!(e instanceof Error) || annotated.has(e)) return e;
    const stack = e.stack ?? "";
    const frames = cFramesOf(stack, DRIVER_MODULES);
    let out: Error = e;
    if (e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /Maximum call stack/.test(e.message))) out = trapBugCheck(e, frames[0]);
    if (frames.length > 0) {
      const lines = frames.slice(0, 12).map((f) => `    ${f.approximate ? "near" : "in"} ${f.function} (${showLocation(f)})`);
      out.message = `${out.message}\n  C stack:\n${lines.join("\n")}`;
    }
    out.stack = `${out.name}: ${out.message}\n${rewriteStack(stack, DRIVER_MODULES).split("\n").filter((l) => /^\s+at /.test(l)).join("\n")}`;
    annotated.add(out);
    return out;
  }
}

const annotated = new WeakSet<Error>();

/** The bug check a WebAssembly trap stands for (KMODE_EXCEPTION_NOT_HANDLED with the exception's code; 0x7F for a stack overflow). */
function trapBugCheck(e: Error, at: CFrame | undefined): BugCheckError {
  const where = at === undefined ? "" : ` in ${at.function}`;
  const msg = e.message;
  if (/Maximum call stack|call stack exhausted/.test(msg)) return new BugCheckError(UNEXPECTED_KERNEL_MODE_TRAP, 8, 0, 0, 0, `kernel stack overflow${where} (recursion too deep)`);
  const code = /divide by zero/.test(msg) ? STATUS_INTEGER_DIVIDE_BY_ZERO : /integer overflow|unrepresentable/.test(msg) ? STATUS_INTEGER_OVERFLOW : /unreachable/.test(msg) ? STATUS_ILLEGAL_INSTRUCTION : STATUS_ACCESS_VIOLATION;
  return new BugCheckError(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED, code, 0, 0, 0, `${msg}${where}`);
}
