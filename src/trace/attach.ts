/**
 * Plugging a TraceLog into a machine. The bus calls its observer only when
 * one is installed (one branch when tracing is off); when another observer
 * (the verifier) is already there, the trace observer forwards to it, so both
 * see every run and fault.
 */
import type { BusFault, BusMaster, BusObserver, DmaBus } from "../machine/bus.ts";
import type { Clock } from "../machine/clock.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { TraceLog } from "./trace-log.ts";

/** A BusObserver that records DMA runs and faults into a TraceLog, then forwards to `next`. */
export class TraceBusObserver implements BusObserver {
  readonly trace: TraceLog;
  readonly next: BusObserver | null;
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

/** Record the bus traffic of `bus` (keeping any observer already installed). Returns a function that detaches it. */
export function traceBus(bus: DmaBus, clock: Clock, trace: TraceLog): () => void {
  const obs = new TraceBusObserver(trace, clock, bus.observer);
  bus.observer = obs;
  return () => {
    if (bus.observer === obs) bus.observer = obs.next;
  };
}

/** Record a kernel's DMA traffic into `trace`; returns the detach function. */
export function attachTrace(kernel: Kernel, trace: TraceLog): () => void {
  return traceBus(kernel.bus, kernel.clock, trace);
}
