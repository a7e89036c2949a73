/**
 * Plugging a TraceLog into a machine: its DMA bus (every run and fault), its
 * interrupt controller (every request edge), its register spaces (every
 * MMIO and port access) and its HAL (every common-buffer allocation and
 * free). Each is one more observer beside any others (the verifier, a
 * user's probe), attached and detached in any order.
 */
import { addHalObserver } from "../hal/hal-state.ts";
import type { CommonBufferEvent, HalObserver } from "../hal/observer.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { BusFault, BusMaster, BusObserver } from "../machine/bus.ts";
import type { Clock } from "../machine/clock.ts";
import type { AccessSize } from "../machine/device-model.ts";
import type { RegisterAccessObserver } from "../machine/io-space.ts";
import type { TraceLog } from "./trace-log.ts";

/** A BusObserver that records DMA runs and faults into a TraceLog. */
export class TraceBusObserver implements BusObserver {
  readonly trace: TraceLog;
  private readonly clock: Clock;

  constructor(trace: TraceLog, clock: Clock) {
    this.trace = trace;
    this.clock = clock;
  }

  onDeviceAccess(device: BusMaster, logical: number, physical: number, length: number, write: boolean): void {
    this.trace.record(write ? "dmaWrite" : "dmaRead", this.clock.now, device.name, logical, physical, length);
  }

  /** Records the fault as a dmaFault event. */
  onFault(fault: BusFault): void {
    this.trace.record("dmaFault", this.clock.now, fault.device, fault.logical, fault.physical, fault.length);
  }
}

/** A HalObserver that records common-buffer allocations and frees. */
export class TraceHalObserver implements HalObserver {
  readonly trace: TraceLog;

  constructor(trace: TraceLog) {
    this.trace = trace;
  }

  /** Records the buffer (an allocation record and an allocate event). */
  onCommonBufferAllocated(e: CommonBufferEvent): void {
    this.trace.noteAllocation({ device: e.device, routine: e.routine, va: e.va, logical: e.logical, length: e.length, pages: e.pages, pfns: e.pfns, cache: e.cache, deviceMemory: e.deviceMemory, allocatedAt: e.time });
  }

  /** Notes the free on its record (and a free event). */
  onCommonBufferFreed(e: CommonBufferEvent): void {
    this.trace.noteFree(e.va, e.time);
  }
}

/** Record the bus traffic of a machine. Returns the detach function. */
export function traceBus(k: Kernel, trace: TraceLog): () => void {
  return k.bus.observers.add(new TraceBusObserver(trace, k.clock));
}

/** Record a machine's common-buffer allocations and frees. Returns the detach function. */
export function traceHal(k: Kernel, trace: TraceLog): () => void {
  return addHalObserver(k, new TraceHalObserver(trace));
}

/**
 * Record interrupt requests: each low-to-high edge a device drives on its
 * line (named after the profile device with that IRQ, else "irqN").
 */
export function traceInterrupts(k: Kernel, trace: TraceLog): () => void {
  const names = new Map<number, string>();
  for (const d of k.profile.devices) if (d.irq !== undefined && !names.has(d.irq)) names.set(d.irq, d.name);
  return k.interrupts.observers.add({ onInterruptEdge: (line) => trace.record("interrupt", k.clock.now, names.get(line) ?? `irq${line}`, line, 0, 0) });
}

/** Record every register access (MMIO and I/O ports), with the device that decoded it ("unclaimed" when none did). */
export function traceRegisters(k: Kernel, trace: TraceLog): () => void {
  const obs: RegisterAccessObserver = {
    onRegisterAccess: (_space, device: string | null, address: number, size: AccessSize, write: boolean, value: number) => trace.record(write ? "regWrite" : "regRead", k.clock.now, device ?? "unclaimed", address, value, size),
  };
  const detach = [k.board.mmio.observers.add(obs), k.board.ports.observers.add(obs)];
  return () => detach.forEach((d) => d());
}

/**
 * Record a kernel's DMA traffic, interrupts, register traffic and
 * common-buffer allocations into `trace`; returns the detach function. It is
 * one more observer: the verifier and your own probes see the same events.
 *
 * @example
 * ```ts
 * import { bootMachine, attachTrace, TraceLog, IoGetDmaAdapter, deviceDescription, InterfaceType, physicalAddress } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const trace = new TraceLog();
 * const detach = attachTrace(k, trace);
 * const pdo = k.pdo("plx9656");
 * const a = IoGetDmaAdapter(k, pdo, deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
 * const la = physicalAddress();
 * if (a !== null) a.DmaOperations.AllocateCommonBuffer?.(a, 4096, la, true);
 * k.bus.write(k.busMasterOf(pdo), Number(la.QuadPart), new Uint8Array(64));
 * detach();
 * console.log([...trace.events()].map((e) => `${e.kind} ${e.device} ${e.length}`)); // [ 'allocate plx9656 4096', 'dmaWrite plx9656 64' ]
 * ```
 */
export function attachTrace(kernel: Kernel, trace: TraceLog): () => void {
  const detach = [traceBus(kernel, trace), traceHal(kernel, trace), traceInterrupts(kernel, trace), traceRegisters(kernel, trace)];
  return () => detach.forEach((d) => d());
}
