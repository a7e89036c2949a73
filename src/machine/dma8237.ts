/**
 * The PC's pair of Intel 8237A DMA controllers (system DMA), register-exact
 * at the I/O ports: DMA1 at 0x00-0x0F (channels 0-3, byte transfers), DMA2 at
 * 0xC0-0xDF (channels 4-7, word transfers, registers on even ports), page
 * registers at 0x80-0x8F. Channel 4 cascades DMA1 into DMA2.
 *
 * Transfers advance lazily: a channel that is serviced moves
 * floor((now - anchor) * rate / 1e9) units since it last became active, where
 * rate is its device's request rate (single/demand mode) or the bus rate
 * (block mode). Every port access and every query catches up first, so the
 * current address and count are exact at any instant; each catch-up moves
 * memory in one bulk copy per contiguous run through the DMA bus.
 *
 * Facts (hardware.md §1): count registers hold N-1 and terminal count (TC) is
 * the step from 0 to 0xFFFF; at TC the channel masks itself unless
 * auto-initialize is set, in which case current address/count reload from
 * base; only the 16-bit address register counts, so a transfer wraps inside
 * its 64 KiB (8-bit) or 128 KiB (16-bit) page; the page latch supplies
 * A16-A23 (A17-A23 on DMA2, whose addresses are shifted left one bit), so
 * nothing above 16 MiB is reachable; TC status bits clear when read.
 */
import { ObserverSlot } from "../core/hooks.ts";
import type { BusMaster, DmaBus } from "./bus.ts";
import type { Clock } from "./clock.ts";

/** Mode register fields (port 0x0B / 0xD6). */
export const DMA_MODE = {
  VERIFY: 0x00,
  /** 8237 "write": device to memory (Linux DMA_MODE_READ). */
  WRITE: 0x04,
  /** 8237 "read": memory to device (Linux DMA_MODE_WRITE); a sound card playing uses this. */
  READ: 0x08,
  AUTOINIT: 0x10,
  DECREMENT: 0x20,
  DEMAND: 0x00,
  SINGLE: 0x40,
  BLOCK: 0x80,
  CASCADE: 0xc0,
} as const;

/** Register offsets within a controller (DMA1 port = offset; DMA2 port = 0xC0 + 2 * offset). */
export const DMA_REG = {
  STATUS_COMMAND: 8,
  REQUEST: 9,
  SINGLE_MASK: 10,
  MODE: 11,
  CLEAR_FLIP_FLOP: 12,
  TEMP_MASTER_CLEAR: 13,
  CLEAR_MASKS: 14,
  WRITE_ALL_MASKS: 15,
} as const;

/** Page register port of each channel (74LS612 latch). */
export const DMA_PAGE_PORT: readonly number[] = [0x87, 0x83, 0x81, 0x82, 0x8f, 0x8b, 0x89, 0x8a];

/** Transfer rate in block mode and for software requests (units per second): ISA bus speed, not device-paced. */
export const DMA_BLOCK_RATE = 1_000_000;

/** Port of a channel's address (or count) register. */
export function dmaAddressPort(channel: number): number {
  checkChannel(channel, "dmaAddressPort");
  return channel < 4 ? channel * 2 : 0xc0 + (channel - 4) * 4;
}
/** The I/O port of a channel's count register (0x01, 0x03, ... for 0-3; 0xC2, 0xC6, ... for 4-7). */
export function dmaCountPort(channel: number): number {
  checkChannel(channel, "dmaCountPort");
  return channel < 4 ? channel * 2 + 1 : 0xc2 + (channel - 4) * 4;
}
/** Port of a controller register for a channel's controller. */
export function dmaControlPort(channel: number, reg: number): number {
  checkChannel(channel, "dmaControlPort");
  return channel < 4 ? reg : 0xc0 + reg * 2;
}

function checkChannel(channel: number, what: string): void {
  if (!Number.isInteger(channel) || channel < 0 || channel > 7) throw new RangeError(`${what}: DMA channel ${channel} does not exist (0..7)`);
}

/** The device on a channel (it answers DACK). */
export interface DmaDevice {
  /** Memory to device (8237 read transfer): the bytes, in transfer order. */
  dmaRead?(channel: number, data: Uint8Array): void;
  /** Device to memory (8237 write transfer): fill dst with the next bytes. */
  dmaWrite?(channel: number, dst: Uint8Array): void;
  /** TC reached (the EOP pulse). */
  terminalCount?(channel: number): void;
  /** The channel started or stopped being serviced (mask, mode, reprogramming): predictions must be redone. */
  dmaStateChanged?(channel: number): void;
}

/** A wrap of the 16-bit address register inside its page during a transfer. */
export interface DmaWrapEvent {
  readonly channel: number;
  /** Physical address of the last unit before the wrap and of the next one after it. */
  readonly fromPhysical: number;
  readonly toPhysical: number;
  /** Page size the transfer wrapped in: 0x10000 (8-bit) or 0x20000 (16-bit). */
  readonly pageBytes: number;
  /** Simulated time of the catch-up that performed it (ns). */
  readonly time: number;
}

/** Observers (verifier, trace): defined here so the controller never imports them. */
export interface Dma8237Observer {
  /** A transfer crossed the end of its 64 KiB (8-bit) or 128 KiB (16-bit) page and wrapped inside it. */
  onWrap(e: DmaWrapEvent): void;
  /** A channel reached terminal count (masked itself, or reloaded when auto-initializing) at `time` ns. */
  onTerminalCount?(channel: number, autoInitialize: boolean, time: number): void;
}

/** A channel's registers and servicing state, as seen after catching up. */
export interface DmaChannelState {
  readonly channel: number;
  readonly baseAddress: number;
  readonly baseCount: number;
  readonly currentAddress: number;
  readonly currentCount: number;
  readonly page: number;
  readonly mode: number;
  readonly masked: boolean;
  readonly autoInitialize: boolean;
  /** Being serviced now (unmasked, requested, controller enabled, cascade path open). */
  readonly active: boolean;
  /** Physical address of the next unit. */
  readonly nextPhysical: number;
  /** Units moved since the device was attached. */
  readonly served: number;
}

const NS = 1e9;

/**
 * The PC's two cascaded 8237A DMA controllers (`k.board.isaDma`, x64 only),
 * register-exact at their ports: channels 0-3 move bytes, 5-7 words, 4
 * cascades. Transfers advance lazily with simulated time and are caught up
 * on every port access, so a count read is exact at any instant.
 */
export class Dma8237Pair {
  readonly clock: Clock;
  readonly bus: DmaBus;
  /** Observers of wraps and terminal counts (verifier, trace): `dma.observers.add(o)`. */
  readonly observers = new ObserverSlot<Dma8237Observer>(["onWrap", "onTerminalCount"]);

  private readonly baseAddr = new Uint16Array(8);
  private readonly baseCount = new Uint16Array(8);
  private readonly curAddr = new Uint16Array(8);
  private readonly curCount = new Uint16Array(8);
  private readonly mode = new Uint8Array(8);
  private readonly pageRegs = new Uint8Array(16);
  private readonly maskBits = new Uint8Array(2);
  private readonly swRequest = new Uint8Array(2);
  private readonly tcStatus = new Uint8Array(2);
  private readonly command = new Uint8Array(2);
  private readonly flipFlop = new Uint8Array(2);

  private readonly devices: (DmaDevice | null)[] = [null, null, null, null, null, null, null, null];
  private readonly masters: (BusMaster | null)[] = [null, null, null, null, null, null, null, null];
  /** Device request rate, units per second (0 = DREQ low). */
  private readonly dreqRate = new Float64Array(8);
  private readonly active = new Uint8Array(8);
  /** Channels now active: sync() runs before every CPU access, and with none active it is one compare. */
  private activeCount = 0;
  private readonly rate = new Float64Array(8);
  private readonly anchorTime = new Float64Array(8);
  private readonly anchorDone = new Float64Array(8);
  private readonly served = new Float64Array(8);
  private syncing = false;
  private readonly scratch = new Uint8Array(0x20000);
  /** Simulated cost of one port access (ns); 0 = the CPU is timeless (the default). See setIoAccessNs. */
  private ioNs: number;
  /** CPU time spent on port accesses at the current instant (never behind the clock). */
  private cpuTime = 0;
  /** Told when the first channel becomes active and when the last one stops (the board skips sync() in between). */
  private readonly onActivity: ((anyActive: boolean) => void) | null;

  /** `onActivity` hears when some channel starts being serviced (true) and when none is any more (false): sync() is a no-op in between. */
  constructor(opts: { clock: Clock; bus: DmaBus; ioAccessNs?: number; onActivity?: (anyActive: boolean) => void }) {
    this.clock = opts.clock;
    this.bus = opts.bus;
    this.onActivity = opts.onActivity ?? null;
    this.ioNs = 0;
    this.setIoAccessNs(opts.ioAccessNs ?? 0);
    // Power-on: all channels masked. Then what every PC BIOS does: channel 4 in cascade mode, unmasked.
    this.maskBits[0] = 0xf;
    this.maskBits[1] = 0xf;
    this.mode[4] = DMA_MODE.CASCADE;
    this.maskBits[1] = 0xe;
  }

  // ---- device side -------------------------------------------------------

  /** Connect a device to a channel's DREQ/DACK pair. */
  attach(channel: number, device: DmaDevice, name: string): void {
    checkChannel(channel, "Dma8237Pair.attach");
    if (channel === 4) throw new RangeError("Dma8237Pair.attach: channel 4 carries the cascade from DMA1 and cannot have a device");
    if (this.devices[channel] !== null) throw new RangeError(`Dma8237Pair.attach: channel ${channel} already has a device (${this.masters[channel]?.name ?? "?"})`);
    this.devices[channel] = device;
    this.masters[channel] = { name, domain: -1, coherent: true };
  }

  /** The device raises (rate > 0, in units per second) or drops (0) its DMA request. */
  setRequest(channel: number, unitsPerSecond: number): void {
    checkChannel(channel, "Dma8237Pair.setRequest");
    if (!(unitsPerSecond >= 0) || !Number.isFinite(unitsPerSecond)) throw new RangeError(`Dma8237Pair.setRequest: rate must be >= 0 units/s, got ${unitsPerSecond}`);
    this.sync();
    this.dreqRate[channel] = unitsPerSecond;
    this.refresh(channel);
  }

  /**
   * The device attached as `name` left the machine (Board.unplug): the DMA
   * requests of each channel it is attached to drop, as its DREQ lines go
   * with it. Returns those channels.
   */
  dropRequestsOf(name: string): number[] {
    const chans: number[] = [];
    for (let ch = 0; ch < 8; ch++) if (this.masters[ch]?.name === name) chans.push(ch);
    for (const ch of chans) this.setRequest(ch, 0);
    return chans;
  }

  /** Units moved on a channel since its device was attached (after catching up). */
  servedUnits(channel: number): number {
    checkChannel(channel, "Dma8237Pair.servedUnits");
    this.sync();
    return this.served[channel] as number;
  }

  /**
   * The earliest time at which servedUnits(channel) reaches `target` if
   * nothing changes; Infinity when the channel is not serviced or stops at
   * TC first (no auto-initialize).
   */
  timeOfServed(channel: number, target: number): number {
    checkChannel(channel, "Dma8237Pair.timeOfServed");
    this.sync();
    const need = target - (this.served[channel] as number);
    if (need <= 0) return this.clock.now;
    if (this.active[channel] !== 1) return Infinity;
    if (((this.mode[channel] as number) & DMA_MODE.AUTOINIT) === 0 && need > (this.curCount[channel] as number) + 1) return Infinity;
    const units = (this.anchorDone[channel] as number) + need;
    return Math.max(this.clock.now, (this.anchorTime[channel] as number) + timeForUnits(units, this.rate[channel] as number));
  }

  // ---- CPU side: I/O ports ------------------------------------------------

  /** True when `port` belongs to the DMA controllers or the page registers. */
  static decodes(port: number): boolean {
    return (port >= 0x00 && port <= 0x0f) || (port >= 0xc0 && port <= 0xdf && (port & 1) === 0) || (port >= 0x80 && port <= 0x8f);
  }

  /**
   * The controller's notion of now: the clock, or later when port accesses
   * cost time (ioAccessNs > 0): each access then happens ioAccessNs after the
   * previous one at the same instant, so the DMA moves between the two byte
   * reads of a count register and a read can tear on a borrow (what the
   * HAL's read-until-stable loop guards against).
   */
  private now(): number {
    const t = this.clock.now;
    if (this.cpuTime < t) this.cpuTime = t;
    return this.cpuTime;
  }

  /** Make each port access cost `ns` of simulated CPU time (ISA I/O takes about a microsecond). */
  setIoAccessNs(ns: number): void {
    if (!(ns >= 0) || !Number.isFinite(ns)) throw new RangeError(`Dma8237Pair: ioAccessNs must be a finite number >= 0, got ${ns}`);
    this.ioNs = ns;
  }

  /** What each port access costs in simulated ns ({@link setIoAccessNs}; 0 by default). */
  get ioAccessNs(): number {
    return this.ioNs;
  }

  private portAccess(): void {
    if (this.ioNs > 0) this.cpuTime = Math.max(this.cpuTime, this.clock.now) + this.ioNs;
    this.sync();
  }

  /** Byte read from an I/O port (READ_PORT_UCHAR). Undecoded ports float high (0xFF). */
  inb(port: number): number {
    checkPort(port);
    this.portAccess();
    if (port >= 0x80 && port <= 0x8f) return this.pageRegs[port - 0x80] as number;
    const r = this.decode(port);
    if (r === null) return 0xff;
    const { c, reg } = r;
    if (reg < 8) {
      const ch = c * 4 + (reg >> 1);
      const v = (reg & 1) === 0 ? (this.curAddr[ch] as number) : (this.curCount[ch] as number);
      return this.flip(c) ? (v >> 8) & 0xff : v & 0xff;
    }
    if (reg === DMA_REG.STATUS_COMMAND) {
      let req = 0;
      for (let i = 0; i < 4; i++) if (this.requesting(c * 4 + i)) req |= 1 << i;
      const v = (this.tcStatus[c] as number) | (req << 4);
      this.tcStatus[c] = 0; // TC bits clear on read
      return v;
    }
    if (reg === DMA_REG.TEMP_MASTER_CLEAR) return 0; // temporary register: memory-to-memory only, never used on PCs
    return 0xff;
  }

  /** Byte write to an I/O port (WRITE_PORT_UCHAR). */
  outb(port: number, value: number): void {
    checkPort(port);
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`Dma8237Pair.outb: value ${value} is not a byte`);
    this.portAccess();
    if (port >= 0x80 && port <= 0x8f) {
      this.pageRegs[port - 0x80] = value;
      return;
    }
    const r = this.decode(port);
    if (r === null) return;
    const { c, reg } = r;
    if (reg < 8) {
      const ch = c * 4 + (reg >> 1);
      const isCount = (reg & 1) === 1;
      const base = isCount ? this.baseCount : this.baseAddr;
      const cur = isCount ? this.curCount : this.curAddr;
      const old = base[ch] as number;
      const v = this.flip(c) ? (old & 0x00ff) | (value << 8) : (old & 0xff00) | value;
      base[ch] = v; // a write sets base and current together
      cur[ch] = v;
      return;
    }
    switch (reg) {
      case DMA_REG.STATUS_COMMAND:
        this.command[c] = value;
        this.refreshAll();
        return;
      case DMA_REG.REQUEST: {
        const ch = c * 4 + (value & 3);
        const bit = 1 << (value & 3);
        this.swRequest[c] = (value & 4) !== 0 ? (this.swRequest[c] as number) | bit : (this.swRequest[c] as number) & ~bit;
        this.refresh(ch);
        return;
      }
      case DMA_REG.SINGLE_MASK: {
        const bit = 1 << (value & 3);
        this.maskBits[c] = (value & 4) !== 0 ? (this.maskBits[c] as number) | bit : (this.maskBits[c] as number) & ~bit;
        this.refreshAll();
        return;
      }
      case DMA_REG.MODE:
        this.mode[c * 4 + (value & 3)] = value & 0xfc;
        this.refreshAll();
        return;
      case DMA_REG.CLEAR_FLIP_FLOP:
        this.flipFlop[c] = 0;
        return;
      case DMA_REG.TEMP_MASTER_CLEAR:
        // Master clear = hardware reset: masks set; command, status, request, flip-flop cleared.
        this.maskBits[c] = 0xf;
        this.command[c] = 0;
        this.tcStatus[c] = 0;
        this.swRequest[c] = 0;
        this.flipFlop[c] = 0;
        this.refreshAll();
        return;
      case DMA_REG.CLEAR_MASKS:
        this.maskBits[c] = 0;
        this.refreshAll();
        return;
      case DMA_REG.WRITE_ALL_MASKS:
        this.maskBits[c] = value & 0xf;
        this.refreshAll();
        return;
      default:
        return;
    }
  }

  /** 16-bit access helper: two byte accesses through the flip-flop (low first), as drivers do. */
  outw16(port: number, value: number): void {
    this.outb(port, value & 0xff);
    this.outb(port, (value >> 8) & 0xff);
  }

  // ---- inspection -----------------------------------------------------------

  /** A channel's registers after catching up (no side effects on flip-flop or status). */
  channel(channel: number): DmaChannelState {
    checkChannel(channel, "Dma8237Pair.channel");
    this.sync();
    const ch = channel;
    return {
      channel: ch,
      baseAddress: this.baseAddr[ch] as number,
      baseCount: this.baseCount[ch] as number,
      currentAddress: this.curAddr[ch] as number,
      currentCount: this.curCount[ch] as number,
      page: this.pageRegs[(DMA_PAGE_PORT[ch] as number) - 0x80] as number,
      mode: this.mode[ch] as number,
      masked: this.maskBit(ch),
      autoInitialize: ((this.mode[ch] as number) & DMA_MODE.AUTOINIT) !== 0,
      active: this.active[ch] === 1,
      nextPhysical: this.physical(ch, this.curAddr[ch] as number),
      served: this.served[ch] as number,
    };
  }

  /** Whether `channel`'s mask bit is set. */
  isMasked(channel: number): boolean {
    checkChannel(channel, "Dma8237Pair.isMasked");
    this.sync();
    return this.maskBit(channel);
  }

  private maskBit(channel: number): boolean {
    return (((this.maskBits[channel >> 2] as number) >> (channel & 3)) & 1) === 1;
  }

  /** Catch every channel up to the clock. */
  sync(): void {
    if (this.activeCount === 0 || this.syncing) return;
    this.syncing = true;
    try {
      for (let ch = 0; ch < 8; ch++) if (this.active[ch] === 1) this.syncChannel(ch);
    } finally {
      this.syncing = false;
    }
  }

  // ---- internals --------------------------------------------------------------

  private decode(port: number): { c: number; reg: number } | null {
    if (port <= 0x0f) return { c: 0, reg: port };
    if (port >= 0xc0 && port <= 0xdf && (port & 1) === 0) return { c: 1, reg: (port - 0xc0) >> 1 };
    return null;
  }

  /** Returns the flip-flop state before toggling: true = this access is the high byte. */
  private flip(c: number): boolean {
    const high = this.flipFlop[c] === 1;
    this.flipFlop[c] = high ? 0 : 1;
    return high;
  }

  private requesting(ch: number): boolean {
    return (this.dreqRate[ch] as number) > 0 || (((this.swRequest[ch >> 2] as number) >> (ch & 3)) & 1) === 1;
  }

  private physical(ch: number, addr: number): number {
    const page = this.pageRegs[(DMA_PAGE_PORT[ch] as number) - 0x80] as number;
    return ch < 4 ? page * 0x10000 + addr : (page & 0xfe) * 0x10000 + addr * 2;
  }

  private computeActive(ch: number): { on: boolean; rate: number } {
    const c = ch >> 2;
    const m = this.mode[ch] as number;
    const off = { on: false, rate: 0 };
    if (ch === 4 || (m & 0xc0) === DMA_MODE.CASCADE || (m & 0x0c) === 0x0c) return off;
    if (this.maskBit(ch) || ((this.command[c] as number) & 4) !== 0) return off;
    // DMA1 reaches the bus only through DMA2's channel 4 (cascade mode, unmasked, DMA2 enabled).
    if (c === 0 && (this.maskBit(4) || ((this.mode[4] as number) & 0xc0) !== DMA_MODE.CASCADE || ((this.command[1] as number) & 4) !== 0)) return off;
    const sw = (((this.swRequest[c] as number) >> (ch & 3)) & 1) === 1;
    const dreq = this.dreqRate[ch] as number;
    if (!sw && dreq <= 0) return off;
    // Block mode (and a software request) runs at bus speed once started; single/demand follow the device.
    const rate = sw || (m & 0xc0) === DMA_MODE.BLOCK ? DMA_BLOCK_RATE : dreq;
    return { on: true, rate };
  }

  private refreshAll(): void {
    for (let ch = 0; ch < 8; ch++) this.refresh(ch);
  }

  /** Recompute whether a channel is serviced; re-anchor its lazy clock when that or its rate changes. */
  private refresh(ch: number): void {
    const { on, rate } = this.computeActive(ch);
    const was = this.active[ch] === 1;
    if (on === was && (!on || rate === this.rate[ch])) return;
    this.active[ch] = on ? 1 : 0;
    if (on !== was) {
      this.activeCount += on ? 1 : -1;
      if (this.onActivity !== null && this.activeCount === (on ? 1 : 0)) this.onActivity(on);
    }
    this.rate[ch] = rate;
    this.anchorTime[ch] = this.now();
    this.anchorDone[ch] = 0;
    this.devices[ch]?.dmaStateChanged?.(ch);
  }

  private syncChannel(ch: number): void {
    const rate = this.rate[ch] as number;
    const due = Math.floor(((this.now() - (this.anchorTime[ch] as number)) * rate) / NS);
    let n = due - (this.anchorDone[ch] as number);
    if (n <= 0) return;
    this.anchorDone[ch] = due;
    while (n > 0) {
      const toTc = (this.curCount[ch] as number) + 1;
      const step = Math.min(n, toTc);
      this.move(ch, step, step === toTc);
      this.served[ch] = (this.served[ch] as number) + step;
      this.curCount[ch] = ((this.curCount[ch] as number) - step) & 0xffff;
      n -= step;
      if (step === toTc) {
        if (this.terminalCount(ch)) break;
      }
    }
  }

  /** TC: status bit, request cleared, EOP to the device, then reload or self-mask. True when the channel stopped. */
  private terminalCount(ch: number): boolean {
    const c = ch >> 2;
    const bit = 1 << (ch & 3);
    this.tcStatus[c] = (this.tcStatus[c] as number) | bit;
    this.swRequest[c] = (this.swRequest[c] as number) & ~bit;
    const auto = ((this.mode[ch] as number) & DMA_MODE.AUTOINIT) !== 0;
    this.observers.current?.onTerminalCount?.(ch, auto, this.now());
    this.devices[ch]?.terminalCount?.(ch);
    if (auto) {
      this.curAddr[ch] = this.baseAddr[ch] as number;
      this.curCount[ch] = this.baseCount[ch] as number;
      if (!this.requesting(ch)) {
        this.refresh(ch);
        return true;
      }
      return false;
    }
    this.maskBits[c] = (this.maskBits[c] as number) | bit;
    this.refresh(ch);
    return true;
  }

  /**
   * Move `units` units at the current address, wrapping the address register
   * inside its page. A roll-over is a wrap unless it coincides with TC (the
   * address then reloads or the channel stops), whether the next unit moves
   * in this catch-up or a later one.
   */
  private move(ch: number, units: number, endsAtTc: boolean): void {
    const m = this.mode[ch] as number;
    const type = m & 0x0c;
    const dec = (m & DMA_MODE.DECREMENT) !== 0;
    const unitBytes = ch < 4 ? 1 : 2;
    let left = units;
    while (left > 0) {
      const addr = this.curAddr[ch] as number;
      const chunk = Math.min(left, dec ? addr + 1 : 0x10000 - addr);
      const lowAddr = dec ? addr - chunk + 1 : addr;
      if (type !== DMA_MODE.VERIFY) this.copy(ch, type, this.physical(ch, lowAddr), chunk * unitBytes, dec, unitBytes);
      const next = dec ? (addr - chunk) & 0xffff : (addr + chunk) & 0xffff;
      this.curAddr[ch] = next;
      left -= chunk;
      const rolled = dec ? next === 0xffff : next === 0;
      const obs = this.observers.current;
      if (rolled && (left > 0 || !endsAtTc) && obs !== null) {
        const last = dec ? lowAddr : addr + chunk - 1;
        obs.onWrap({ channel: ch, fromPhysical: this.physical(ch, last), toPhysical: this.physical(ch, next), pageBytes: 0x10000 * unitBytes, time: this.now() });
      }
    }
  }

  private copy(ch: number, type: number, pa: number, bytes: number, dec: boolean, unitBytes: number): void {
    const dev = this.devices[ch] ?? null;
    const master = this.masters[ch] ?? { name: `isa-dma-${ch}`, domain: -1, coherent: true };
    const buf = this.scratch.subarray(0, bytes);
    if (type === DMA_MODE.READ) {
      this.bus.read(master, pa, buf);
      if (dec) reverseUnits(buf, unitBytes);
      dev?.dmaRead?.(ch, buf);
    } else {
      if (dev?.dmaWrite !== undefined) dev.dmaWrite(ch, buf);
      else buf.fill(0xff); // nobody drives the data lines
      if (dec) reverseUnits(buf, unitBytes);
      this.bus.write(master, pa, buf);
    }
  }
}

/** Smallest t (ns) with floor(t * rate / 1e9) >= units. */
export function timeForUnits(units: number, rate: number): number {
  let t = Math.ceil((units * NS) / rate);
  while (Math.floor((t * rate) / NS) < units) t++;
  while (t > 0 && Math.floor(((t - 1) * rate) / NS) >= units) t--;
  return t;
}

/** Units transferred within `ns` at `rate` units per second (the lazy rule). */
export function unitsInTime(ns: number, rate: number): number {
  return Math.floor((ns * rate) / NS);
}

function reverseUnits(buf: Uint8Array, unitBytes: number): void {
  if (unitBytes === 1) buf.reverse();
  else new Uint16Array(buf.buffer, buf.byteOffset, buf.length >> 1).reverse();
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`I/O port ${port} is not a port number (0..0xFFFF)`);
}
