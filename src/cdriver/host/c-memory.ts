/**
 * The host's view of the driver's address space: reads and writes at C
 * pointers, wherever they point. The driver's own memory is read directly;
 * a window address goes through the simulated CPU (k.cpu: cache model,
 * alignment faults, observers, MMIO); anything else is a bad pointer and bug
 * checks 0x50 PAGE_FAULT_IN_NONPAGED_AREA at that address, as a kernel-mode
 * access to it would.
 */
import { BugCheckError, BUGCHECK } from "../../core/bugcheck.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { LOCAL_HIGH, LOCAL_LOW } from "../abi/memory-layout.ts";
import { AddressWindow } from "./address-window.ts";

/** A 32-bit C pointer as a bug-check parameter. */
export function pointerParam(addr: number): bigint {
  return BigInt(addr >>> 0);
}

export class CMemory {
  readonly k: Kernel;
  readonly window: AddressWindow;
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly dv: DataView;

  constructor(k: Kernel, memory: WebAssembly.Memory, window: AddressWindow) {
    this.k = k;
    this.memory = memory;
    this.window = window;
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
  }

  static isLocal(addr: number, bytes: number): boolean {
    return addr >= LOCAL_LOW && addr + bytes <= LOCAL_HIGH;
  }

  /** The bug check a kernel access to a bad C pointer raises. */
  badPointer(addr: number, write: boolean, what: string): BugCheckError {
    const a = addr >>> 0;
    const kind = a < LOCAL_LOW ? (a < 0x1000 ? "a NULL pointer" : "an invalid low address") : AddressWindow.contains(a) ? "a window address mapped to no simulated memory" : "an address outside the driver's memory";
    return new BugCheckError(BUGCHECK.PAGE_FAULT_IN_NONPAGED_AREA, pointerParam(a), write ? 1 : 0, 0, 0, `${what}: ${write ? "write to" : "read from"} 0x${a.toString(16).padStart(8, "0")}, ${kind}`);
  }

  /**
   * The kernel VA behind a window pointer; bug check 0x50 for an unmapped
   * window page or a bad pointer. The driver's own memory has no kernel VA:
   * a routine that needs one (an MDL, a physical address) gets a RangeError
   * saying so (a limit of dmasim, not a bug of the driver).
   */
  kernelVa(addr: number, write: boolean, what: string): number {
    const a = addr >>> 0;
    if (AddressWindow.contains(a)) {
      const v = this.window.toKernel(a);
      if (v >= 0) return v;
    }
    if (CMemory.isLocal(a, 1)) throw new RangeError(`${what}: 0x${a.toString(16).padStart(8, "0")} is the driver's own memory (its globals, stack or device extension), which dmasim does not simulate as kernel memory: use pool (ExAllocatePool2) or a common buffer`);
    throw this.badPointer(a, write, what);
  }

  /** The kernel VA of a window pointer for an access by the host; bug check 0x50 for anything else. */
  private simVa(addr: number, write: boolean, what: string): number {
    const v = AddressWindow.contains(addr) ? this.window.toKernel(addr) : -1;
    if (v >= 0) return v;
    throw this.badPointer(addr, write, what);
  }

  /** A C pointer for a kernel VA (0 for null). */
  cPointer(va: number | null): number {
    return va === null || va === 0 ? 0 : this.window.toC(va);
  }

  u8At(addr: number, what = "read"): number {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 1)) return this.u8[a] as number;
    return this.k.cpu.readU8(this.simVa(a, false, what));
  }
  u16At(addr: number, what = "read"): number {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 2)) return this.dv.getUint16(a, true);
    return this.k.cpu.readU16(this.simVa(a, false, what));
  }
  u32At(addr: number, what = "read"): number {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 4)) return this.dv.getUint32(a, true);
    return this.k.cpu.readU32(this.simVa(a, false, what));
  }
  i32At(addr: number, what = "read"): number {
    return this.u32At(addr, what) | 0;
  }
  u64At(addr: number, what = "read"): bigint {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 8)) return this.dv.getBigUint64(a, true);
    return this.k.cpu.readU64(this.simVa(a, false, what));
  }
  i64At(addr: number, what = "read"): bigint {
    return BigInt.asIntN(64, this.u64At(addr, what));
  }
  setU8(addr: number, v: number, what = "write"): void {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 1)) this.u8[a] = v;
    else this.k.cpu.writeU8(this.simVa(a, true, what), v & 0xff);
  }
  setU16(addr: number, v: number, what = "write"): void {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 2)) this.dv.setUint16(a, v, true);
    else this.k.cpu.writeU16(this.simVa(a, true, what), v & 0xffff);
  }
  setU32(addr: number, v: number, what = "write"): void {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 4)) this.dv.setUint32(a, v >>> 0, true);
    else this.k.cpu.writeU32(this.simVa(a, true, what), v >>> 0);
  }
  setU64(addr: number, v: bigint, what = "write"): void {
    const a = addr >>> 0;
    if (CMemory.isLocal(a, 8)) this.dv.setBigUint64(a, BigInt.asUintN(64, v), true);
    else this.k.cpu.writeU64(this.simVa(a, true, what), v);
  }

  /** Copy `length` bytes from C memory (any kind) into a new array. */
  readBytes(addr: number, length: number, what = "read"): Uint8Array {
    const a = addr >>> 0;
    if (length === 0) return new Uint8Array(0);
    if (CMemory.isLocal(a, length)) return this.u8.slice(a, a + length);
    return this.k.cpu.readBytes(this.simVa(a, false, what), length);
  }

  /** Store bytes at a C pointer (any kind). */
  writeBytes(addr: number, data: Uint8Array, what = "write"): void {
    const a = addr >>> 0;
    if (data.length === 0) return;
    if (CMemory.isLocal(a, data.length)) this.u8.set(data, a);
    else this.k.cpu.writeBytes(this.simVa(a, true, what), data);
  }

  /** A NUL-terminated 8-bit string (at most `max` bytes), or "(null)" for a NULL pointer. */
  cString(addr: number, max = 4096): string {
    if (addr === 0) return "(null)";
    let s = "";
    for (let i = 0; i < max; i++) {
      const c = this.u8At(addr + i, "string");
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** A NUL-terminated WCHAR string, or "(null)". */
  wString(addr: number, max = 4096): string {
    if (addr === 0) return "(null)";
    let s = "";
    for (let i = 0; i < max; i++) {
      const c = this.u16At(addr + 2 * i, "string");
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** A UNICODE_STRING's text (Length bytes of Buffer), or "(null)". */
  unicodeString(addr: number): string {
    if (addr === 0) return "(null)";
    const len = this.u16At(addr);
    const buf = this.u32At(addr + 4);
    let s = "";
    for (let i = 0; i < len / 2; i++) s += String.fromCharCode(this.u16At(buf + 2 * i, "string"));
    return s;
  }
}
