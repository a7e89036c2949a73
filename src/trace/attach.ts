/**
 * Plugging a TraceLog into a machine: its DMA bus (every run and fault), its
 * interrupt controller (every request edge) and its HAL (every common-buffer
 * allocation and free). Both hooks hold a single
 * observer that the verifier may also want, possibly installed after the
 * trace; so the trace interposes on the hook property: whatever is installed
 * later becomes the trace observer's `next` and still sees every event. An
 * untraced machine keeps a plain null hook (one branch on the hot path).
 */
import { halState } from "../hal/hal-state.ts";
import type { CommonBufferEvent, HalObserver, TransferEvent } from "../hal/observer.ts";
import { interruptControllerOf } from "../kernel/interrupt.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { BusFault, BusMaster, BusObserver, DmaBus } from "../machine/bus.ts";
import type { Clock } from "../machine/clock.ts";
import type { TraceLog } from "./trace-log.ts";

/** A BusObserver that records DMA runs and faults into a TraceLog, then forwards to `next`. */
export class TraceBusObserver implements BusObserver {
  readonly trace: TraceLog;
  next: BusObserver | null;
  private readonly clock: Clock;

  constructor(trace: TraceLog, clock: Clock, next: BusObserver | null = null) {
    this.trace = trace;
    this.clock = clock;
    this.next = next;
  }

  onDeviceAccess(device: BusMaster, logical: number, physical: number, length: number, write: boolean): void {
    this.trace.record(write ? "dmaWrite" : "dmaRead", this.clock.now, device.name, logical, physical, length);
    if (this.next !== null) this.next.onDeviceAccess(device, logical, physical, length, write);
  }

  onFault(fault: BusFault): void {
    this.trace.record("dmaFault", this.clock.now, fault.device, fault.logical, fault.physical, fault.length);
    if (this.next !== null) this.next.onFault(fault);
  }
}

/** A HalObserver that records common-buffer allocations and frees, then forwards to `next`. */
export class TraceHalObserver implements HalObserver {
  readonly trace: TraceLog;
  next: HalObserver | null;

  constructor(trace: TraceLog, next: HalObserver | null = null) {
    this.trace = trace;
    this.next = next;
  }

  onAdapterCreated(e: Parameters<NonNullable<HalObserver["onAdapterCreated"]>>[0]): void {
    this.next?.onAdapterCreated?.(e);
  }

  onAdapterReleased(e: Parameters<NonNullable<HalObserver["onAdapterReleased"]>>[0]): void {
    this.next?.onAdapterReleased?.(e);
  }

  onCommonBufferAllocated(e: CommonBufferEvent): void {
    this.trace.noteAllocation({ device: e.device, routine: e.routine, va: e.va, logical: e.logical, length: e.length, pages: e.pages, pfns: e.pfns, cache: e.cache, deviceMemory: e.deviceMemory, allocatedAt: e.time });
    this.next?.onCommonBufferAllocated?.(e);
  }

  onCommonBufferFreed(e: CommonBufferEvent): void {
    this.trace.noteFree(e.va, e.time);
    this.next?.onCommonBufferFreed?.(e);
  }

  // Mapped transfers (MapTransfer, scatter/gather lists) are not traced here, but the next observer (the verifier) must see them.
  onTransferMapped(key: object, e: TransferEvent): void {
    this.next?.onTransferMapped?.(key, e);
  }

  onTransferUnmapped(key: object): void {
    this.next?.onTransferUnmapped?.(key);
  }
}

/**
 * Make `obj[key]` read as `exposed` (by default `inner`) while a write stores
 * into `inner.next`, so an observer installed later is chained behind the
 * trace instead of replacing it. Returns the function that restores a plain
 * property holding whatever is chained.
 */
function interpose<K extends string, T extends { next: unknown }>(obj: Record<K, unknown>, key: K, inner: T, exposed: object = inner): () => void {
  inner.next = obj[key] ?? null;
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get: () => exposed,
    set: (v: unknown) => {
      // Re-installing the trace itself keeps the chain intact.
      if (v !== exposed && v !== inner) inner.next = v ?? null;
    },
  });
  return () => {
    Object.defineProperty(obj, key, { configurable: true, enumerable: true, writable: true, value: inner.next });
  };
}

/**
 * The HAL observer interface grows optional hooks (transfer mapping, ...):
 * any hook the trace does not implement itself goes straight to the chained
 * observer, so the verifier behind the trace sees all of them.
 */
function forwardUnknownHooks(obs: TraceHalObserver): HalObserver {
  return new Proxy(obs, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      const next = target.next as Record<PropertyKey, unknown> | null;
      const v = next?.[prop];
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(next) : v;
    },
  });
}

/** Record the bus traffic of `bus` (chaining any observer installed before or after). Returns the detach function. */
export function traceBus(bus: DmaBus, clock: Clock, trace: TraceLog): () => void {
  return interpose(bus as unknown as Record<"observer", unknown>, "observer", new TraceBusObserver(trace, clock));
}

/** Record a machine's common-buffer allocations and frees. Returns the detach function. */
export function traceHal(k: Kernel, trace: TraceLog): () => void {
  const obs = new TraceHalObserver(trace);
  return interpose(halState(k) as unknown as Record<"observer", unknown>, "observer", obs, forwardUnknownHooks(obs));
}

/**
 * Record interrupt requests: each low-to-high edge a device drives on its
 * line (named after the profile device with that IRQ, else "irqN"). The
 * machine's controller gets an own setLine that records, then runs the
 * class's; detaching removes it again.
 */
export function traceInterrupts(k: Kernel, trace: TraceLog): () => void {
  const pic = interruptControllerOf(k);
  const names = new Map<number, string>();
  for (const d of k.profile.devices) if (d.irq !== undefined && !names.has(d.irq)) names.set(d.irq, d.name);
  const setLine = pic.setLine.bind(pic);
  const traced = (line: number, high: boolean): void => {
    if (high && Number.isInteger(line) && line >= 0 && line < pic.lines && !pic.isHigh(line)) trace.record("interrupt", k.clock.now, names.get(line) ?? `irq${line}`, line, 0, 0);
    setLine(line, high);
  };
  Object.defineProperty(pic, "setLine", { configurable: true, writable: true, value: traced });
  return () => {
    Reflect.deleteProperty(pic, "setLine");
  };
}

/** Record a kernel's DMA traffic, interrupts and common-buffer allocations into `trace`; returns the detach function. */
export function attachTrace(kernel: Kernel, trace: TraceLog): () => void {
  const detach = [traceBus(kernel.bus, kernel.clock, trace), traceHal(kernel, trace), traceInterrupts(kernel, trace)];
  return () => detach.forEach((d) => d());
}
