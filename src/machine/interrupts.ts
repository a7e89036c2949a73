/**
 * Interrupt lines and the interrupt controller. A device drives its line as a
 * level (an SB16 holds IRQ high until its ISR reads the acknowledge port); the
 * controller latches a request on each low-to-high edge, as the PC's 8259 does
 * for ISA lines in edge-triggered mode, so a second block that completes
 * while the line is still high is not seen (a lost interrupt, as on hardware).
 * A latched request is delivered to the installed sink (the kernel's
 * interrupt dispatcher) at once when the line is unmasked, else when it is.
 */

import { ObserverSlot } from "../core/hooks.ts";

/** Observers of interrupt requests (trace, a user's probe): each low-to-high edge of a line. */
export interface InterruptEdgeObserver {
  /** Line `line` went from low to high (a request). */
  onInterruptEdge(line: number): void;
}

/** Where delivered interrupts go (the kernel). */
export interface InterruptSink {
  /** Run what is connected to `line` (its ISRs at DIRQL). */
  deliver(line: number): void;
}

/**
 * The machine's interrupt controller (`k.board.interrupts`): level lines (a PCI
 * line is the OR of its devices' levels), masks, and delivery to the kernel,
 * which runs the connected ISRs at their DIRQL.
 */
export class InterruptController {
  /** Number of lines (ISA: 16; the profile may name higher GSIs for PCI devices). */
  readonly lines: number;
  private readonly level: Uint8Array;
  private readonly pending: Uint8Array;
  private readonly masked: Uint8Array;
  /** Edges latched per line (for statistics and tests). */
  readonly edges: Float64Array;
  private sink: InterruptSink | null = null;
  /** `pic.observers.add(o)`: told of every request edge. */
  readonly observers = new ObserverSlot<InterruptEdgeObserver>(["onInterruptEdge"]);

  constructor(lines = 256) {
    if (!Number.isInteger(lines) || lines < 1 || lines > 256) throw new RangeError(`InterruptController: lines must be 1..256, got ${lines}`);
    this.lines = lines;
    this.level = new Uint8Array(lines);
    this.pending = new Uint8Array(lines);
    this.masked = new Uint8Array(lines);
    this.edges = new Float64Array(lines);
  }

  /** Install the sink (the kernel's dispatcher); requests latched before it are delivered now. */
  attach(sink: InterruptSink): void {
    this.sink = sink;
    for (let l = 0; l < this.lines; l++) this.tryDeliver(l);
  }

  private check(line: number, what: string): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.lines) throw new RangeError(`${what}: interrupt line ${line} does not exist (0..${this.lines - 1})`);
  }

  /** Current level of a line. */
  isHigh(line: number): boolean {
    this.check(line, "InterruptController.isHigh");
    return this.level[line] === 1;
  }

  /** Drive a line: a low-to-high edge latches a request. */
  setLine(line: number, high: boolean): void {
    this.check(line, "InterruptController.setLine");
    const was = this.level[line] === 1;
    this.level[line] = high ? 1 : 0;
    if (high && !was) {
      (this.edges[line] as number)++;
      const o = this.observers.current;
      if (o !== null) o.onInterruptEdge(line);
      this.pending[line] = 1;
      this.tryDeliver(line);
    }
  }

  /** Mask or unmask a line; unmasking delivers a latched request. */
  setMasked(line: number, masked: boolean): void {
    this.check(line, "InterruptController.setMasked");
    this.masked[line] = masked ? 1 : 0;
    if (!masked) this.tryDeliver(line);
  }

  /** Whether `line` is masked (its requests wait until unmasked). */
  isMasked(line: number): boolean {
    this.check(line, "InterruptController.isMasked");
    return this.masked[line] === 1;
  }

  /** A request latched but not yet delivered. */
  isPending(line: number): boolean {
    this.check(line, "InterruptController.isPending");
    return this.pending[line] === 1;
  }

  private tryDeliver(line: number): void {
    if (this.pending[line] !== 1 || this.masked[line] === 1 || this.sink === null) return;
    this.pending[line] = 0;
    this.sink.deliver(line);
  }
}
