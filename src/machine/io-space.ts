/**
 * The CPU's two register spaces: I/O ports (x64 IN/OUT) and memory-mapped
 * I/O (physical addresses that a device's BAR decodes instead of RAM). Each
 * is a sorted list of decoded ranges; an access goes to the one device
 * whose range holds it. Nobody decoding the address is what a PC does with
 * it: a read returns all ones (0xFF, 0xFFFF, 0xFFFFFFFF — a PCI master
 * abort, or the floating ISA bus), a write is dropped; observers see those
 * accesses too, with device null.
 */
import { ObserverSlot } from "../core/hooks.ts";
import type { AccessSize, RegisterHandler } from "./device-model.ts";

/** An observer of register traffic (trace, verifier, a user's probe). */
export interface RegisterAccessObserver {
  /** `device` is null when no device decodes the address. */
  onRegisterAccess(space: "port" | "mmio", device: string | null, address: number, size: AccessSize, write: boolean, value: number): void;
}

interface Decoded {
  readonly base: number;
  readonly end: number;
  readonly device: string;
  readonly bar: number;
  readonly handler: RegisterHandler;
}

const ONES = [0, 0xff, 0xffff, 0, 0xffff_ffff] as const;

/**
 * One register space (`k.board.ports` or `k.board.mmio`): the decoded ranges
 * of the devices' BARs, and the accesses the CPU makes to them
 * (`READ_REGISTER_*` and `READ_PORT_*` end here), seen by its observers.
 */
export class RegisterSpace {
  readonly kind: "port" | "mmio";
  /** Highest address + 1 (0x10000 ports; 2^52 for MMIO). */
  readonly limit: number;
  /** `space.observers.add(o)`: told of every register access. */
  readonly observers = new ObserverSlot<RegisterAccessObserver>(["onRegisterAccess"]);
  private ranges: Decoded[] = [];
  private last: Decoded | undefined;
  /** Accesses nobody decoded (reads and writes). */
  unclaimed = 0;

  constructor(kind: "port" | "mmio", limit: number) {
    this.kind = kind;
    this.limit = limit;
  }

  /** Decode [base, base + size) for a device's BAR; RangeError naming both devices on an overlap. */
  claim(device: string, bar: number, base: number, size: number, handler: RegisterHandler): void {
    const what = this.kind === "port" ? "I/O ports" : "MMIO";
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(size) || size <= 0 || base < 0 || base + size > this.limit) throw new RangeError(`${device} BAR${bar}: ${what} range 0x${base.toString(16)}+0x${size.toString(16)} is outside the ${this.kind} space`);
    for (const r of this.ranges) {
      if (base < r.end && r.base < base + size) throw new RangeError(`${device} BAR${bar}: ${what} 0x${base.toString(16)}-0x${(base + size - 1).toString(16)} overlaps ${r.device} BAR${r.bar} (0x${r.base.toString(16)}-0x${(r.end - 1).toString(16)})`);
    }
    this.ranges = [...this.ranges, { base, end: base + size, device, bar, handler }].sort((a, b) => a.base - b.base);
  }

  /** Stop decoding every range of `device` (it left the bus); returns how many ranges it had. */
  release(device: string): number {
    const before = this.ranges.length;
    this.ranges = this.ranges.filter((r) => r.device !== device);
    this.last = undefined;
    return before - this.ranges.length;
  }

  /** The device and BAR decoding `address`, or undefined. */
  decoderOf(address: number): { device: string; bar: number; base: number; size: number } | undefined {
    const r = this.find(address);
    return r === undefined ? undefined : { device: r.device, bar: r.bar, base: r.base, size: r.end - r.base };
  }

  /** True when some device decodes every byte of [address, address + length). */
  decodes(address: number, length: number): boolean {
    const r = this.find(address);
    return r !== undefined && address + length <= r.end;
  }

  /** A CPU load: the decoding device's value, or all ones when nobody decodes `address`. */
  read(address: number, size: AccessSize): number {
    const r = this.find(address);
    let v: number;
    if (r === undefined || address + size > r.end) {
      this.unclaimed++;
      v = ONES[size];
    } else v = r.handler.read(address - r.base, size) & ONES[size];
    v >>>= 0;
    const o = this.observers.current;
    if (o !== null) o.onRegisterAccess(this.kind, r?.device ?? null, address, size, false, v);
    return v;
  }

  /** A CPU store: to the decoding device, or dropped when nobody decodes `address`. */
  write(address: number, size: AccessSize, value: number): void {
    const r = this.find(address);
    const v = (value & ONES[size]) >>> 0;
    if (r === undefined || address + size > r.end) this.unclaimed++;
    else r.handler.write(address - r.base, size, v);
    const o = this.observers.current;
    if (o !== null) o.onRegisterAccess(this.kind, r?.device ?? null, address, size, true, v);
  }

  private find(address: number): Decoded | undefined {
    const l = this.last;
    if (l !== undefined && address >= l.base && address < l.end) return l;
    const rs = this.ranges;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((rs[mid] as Decoded).base <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = rs[hi];
    if (r !== undefined && address < r.end) {
      this.last = r;
      return r;
    }
    return undefined;
  }
}
