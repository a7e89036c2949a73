/**
 * The host side of the instrumented loads and stores (see
 * wasm/instrument.ts): called only for addresses outside the driver's own
 * memory. A window address becomes its kernel VA and the access goes through
 * the CPU path (k.va: mapping, read-only and Device-memory alignment rules,
 * observers, cache model or MMIO) at the access's own width. Anything else
 * bug checks: below the stack, 0x7F (8, double fault) when the stack
 * pointer ran past the kernel stack, else 0x50 at the address.
 */
import { BugCheckError } from "../../core/bugcheck.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { LOCAL_LOW, SCRATCH } from "../abi/memory-layout.ts";
import { PENDING_COUNT, PENDING_ENTRIES } from "../wasm/instrument.ts";
import { AddressWindow } from "./address-window.ts";
import type { CMemory } from "./c-memory.ts";

/** UNEXPECTED_KERNEL_MODE_TRAP: how Windows x64 reports a kernel stack overflow (P1 = 8, a double fault). */
export const UNEXPECTED_KERNEL_MODE_TRAP = 0x7f;

export interface HookState {
  /** The module's __stack_pointer (to tell a stack overflow from a wild pointer). */
  stackPointer(): number;
}

export interface MemoryHooks {
  load(id: number, bytes: number, offset: number, ptr: number): number;
  store_i32(v: number): number;
  store_i64(v: bigint): number;
  store_f32(v: number): number;
  store_f64(v: number): number;
  overflow(id: number, offset: number): void;
}

export function memoryHooks(k: Kernel, mem: CMemory, state: HookState): MemoryHooks {
  const va = k.va;
  const window = mem.window;
  const u32 = new Uint32Array(mem.memory.buffer);
  const scratch = [1, 2, 4, 8].map((n) => new Uint8Array(mem.memory.buffer, SCRATCH, n));
  const stage = new Uint8Array(8);
  const stageView = new DataView(stage.buffer);
  const widths = [null, scratch[0], scratch[1], null, scratch[2], null, null, null, scratch[3]] as const;
  const countAt = PENDING_COUNT >>> 2;

  const fault = (ea: number, write: boolean): BugCheckError => {
    const sp = state.stackPointer();
    if (ea < LOCAL_LOW && sp < LOCAL_LOW) return new BugCheckError(UNEXPECTED_KERNEL_MODE_TRAP, 8, 0, 0, 0, `kernel stack overflow: the stack pointer (0x${(sp >>> 0).toString(16)}) is below the driver's 64 KiB kernel stack`);
    return mem.badPointer(ea, write, write ? "store" : "load");
  };
  const kernelVaOf = (ea: number, write: boolean): number => {
    if (AddressWindow.contains(ea)) {
      const v = window.toKernel(ea);
      if (v >= 0) return v;
    }
    throw fault(ea, write);
  };
  const staged = [stage, stage.subarray(0, 1), stage.subarray(0, 2), stage, stage.subarray(0, 4), stage, stage, stage, stage];
  /**
   * Pop the newest pending store and store the staged value through the CPU
   * path at its width; returns the next pending store's depth (the new
   * sim_top). No object per store: this runs once per simulated store.
   */
  const storeStaged = (): number => {
    const n = (u32[countAt] as number) - 1;
    const e = (PENDING_ENTRIES >>> 2) + n * 3;
    const ea = u32[e] as number;
    const bytes = u32[e + 1] as number;
    u32[countAt] = n;
    va.write(kernelVaOf(ea, true), staged[bytes] ?? stage, bytes);
    return n > 0 ? (u32[e - 1] as number) | 0 : -1;
  };
  return {
    load(_id, bytes, offset, ptr) {
      if (offset > SCRATCH) throw new RangeError(`dmasim: a load with a constant offset of ${offset} bytes cannot be redirected to simulated memory (offsets up to ${SCRATCH} are); split the access`);
      const ea = (ptr + offset) >>> 0;
      const kva = kernelVaOf(ea, false);
      const dst = widths[bytes];
      if (dst === undefined || dst === null) throw new RangeError(`dmasim: a ${bytes}-byte load is not instrumented`);
      va.read(kva, dst, bytes);
      return (SCRATCH - offset) | 0;
    },
    store_i32(v) {
      stageView.setUint32(0, v >>> 0, true);
      return storeStaged();
    },
    store_i64(v) {
      stageView.setBigUint64(0, BigInt.asUintN(64, v), true);
      return storeStaged();
    },
    store_f32(v) {
      stageView.setFloat32(0, v, true);
      return storeStaged();
    },
    store_f64(v) {
      stageView.setFloat64(0, v, true);
      return storeStaged();
    },
    overflow(_id, offset) {
      if (offset > SCRATCH) throw new RangeError(`dmasim: a store with a constant offset of ${offset} bytes cannot be redirected to simulated memory (offsets up to ${SCRATCH} are); split the access`);
      throw new RangeError("dmasim: more than 4096 stores to simulated memory are pending inside one another's value expressions (runaway recursion inside a store?)");
    },
  };
}
