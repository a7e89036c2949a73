/**
 * An Intel 82540EM (8254x family, "e1000") gigabit NIC: the legacy-descriptor
 * subset of Intel's "PCI/PCI-X Family of Gigabit Ethernet Controllers
 * Software Developer's Manual" (8254x SDM). Register offsets and bit values
 * were checked against the SDM's register chapter as Linux
 * drivers/net/ethernet/intel/e1000/e1000_hw.h and QEMU hw/net/e1000.c use
 * them.
 *
 * BAR0 decodes 128 KiB of registers (the 82540EM's MAC_DECODE_SIZE). The
 * subset, by register:
 *
 * - CTRL (0x0000): stored; RST (bit 26) resets the chip and reads back 0
 *   (self-clearing); SLU (bit 6) brings the link up `linkUpNs` later (the
 *   82540EM's internal PHY needs SLU set), clearing it takes the link down.
 * - STATUS (0x0008, read-only): FD, LU, SPEED (bits 7:6, from `speedMbps`).
 * - ICR (0x00C0): the causes; a read returns them and clears them all;
 *   writing 1s clears those bits. ICS (0x00C8, write-only) sets causes;
 *   IMS (0x00D0) sets mask bits and reads the mask; IMC (0x00D8, write-only)
 *   clears mask bits. The line (level, INTA#) is asserted while ICR & IMS is
 *   not 0, no sooner than ITR (0x00C4, bits 15:0, in 256 ns units; 0 = no
 *   throttling) after the previous assertion.
 * - Causes raised: TXDW (a descriptor with RS written back), TXQE (the
 *   transmit ring ran empty), LSC (link up or down), RXDMT0 (free receive
 *   descriptors at or below RCTL.RDMTS of the ring), RXO (a frame arrived
 *   with no free receive descriptor), RXT0 (a frame was stored: the receive
 *   timer, with RDTR = 0).
 * - RCTL (0x0100): EN, SBP, UPE, MPE, LPE, RDMTS, BAM, BSIZE + BSEX (256 B ..
 *   16 KiB buffers), SECRC. Other bits are stored and have no effect.
 * - TCTL (0x0400): EN, PSP (pad short frames to 60 bytes). Others stored.
 * - RDBAL/RDBAH/RDLEN/RDH/RDT (0x2800..0x2818), TDBAL/TDBAH/TDLEN/TDH/TDT
 *   (0x3800..0x3818): the rings (base bits 3:0 ignored, length a multiple of
 *   128 bytes, head and tail 16 bits).
 * - RAL/RAH (0x5400 + 8n, 16 entries): receive addresses; RAH.AV (bit 31)
 *   marks one valid. Entry 0 is loaded from the "EEPROM" (param `mac`) at reset.
 * - Statistics, read-to-clear: CRCERRS (0x4000), MPC (0x4010), GPRC (0x4074),
 *   GPTC (0x4080), RNBC (0x40A0).
 *
 * Everything else reads 0 and ignores writes. Not modelled: extended
 * (DEXT) descriptors (a DEXT descriptor is skipped, its DD still written
 * back), TCP segmentation, IP/TCP checksum offload (RXCSUM), VLANs,
 * multicast hashing (MTA), flow control, the delay timers RDTR/RADV/TIDV/TADV,
 * EEPROM and PHY access, MAC loopback (RCTL.LBM).
 *
 * Descriptors: each ring has the chip's 64-descriptor on-chip buffer
 * (e1000-descriptor-cache.ts): when it is empty and descriptors are
 * available, one bus read fetches as many as fit, up to the tail or the
 * ring's end (TXDCTL/RXDCTL are not modelled: their reset thresholds, no
 * prefetch before the buffer is empty, each descriptor written back at
 * once). A reset, or a write to the ring's base, length or head, empties it.
 * Transmit fetches after the TDT write; receive when a frame needs a
 * descriptor (the descriptors are the chip's from the RDT write on, so what
 * it reads is the same).
 *
 * Transmit: the engine takes the next descriptor, gathers
 * the buffer, and at EOP puts the frame on the wire (IC: the ones'-complement
 * sum from CSS to the end stored big-endian at CSO; PSP padding; IFCS
 * appends the CRC-32 FCS). The frame takes its wire time (preamble, frame,
 * FCS and inter-frame gap at `speedMbps`); then every descriptor of the frame
 * with RS gets DD written back and TDH moves past it.
 *
 * Receive: a frame from the wire (the loopback of what was sent, or
 * `inject`) is filtered (RAL/RAH, BAM, UPE, MPE), checked (runts, long
 * frames without LPE, bad FCS unless SBP), split over buffers of the RCTL
 * size at RDH..RDT-1 and written; each descriptor gets length, the packet
 * checksum (from offset 0, RXCSUM.PCSS's reset value), status DD | IXSM (and
 * EOP on the last) and errors written back, then RDH moves on.
 *
 * All host memory access is ctx.dma (logical addresses; IOMMU and coherence
 * apply). A descriptor fetch the bus blocks (an IOMMU fault) halts that unit
 * until the next reset, as a completion error would; a blocked data write is
 * posted and lost, and the unit carries on.
 */
import { SmallSet } from "../core/small-set.ts";
import { DescriptorCache } from "./e1000-descriptor-cache.ts";
import { ViewCache } from "./view-cache.ts";
import type { TimerHandle } from "../machine/clock.ts";
import type { AccessSize, DeviceContext, DeviceDma, DeviceInstance, DeviceModel, InterruptLine, RegisterHandler } from "../machine/device-model.ts";
import type { Clock } from "../machine/clock.ts";

/** Register offsets in BAR0 (8254x SDM register summary). */
export const E1000_REG = {
  CTRL: 0x0000,
  STATUS: 0x0008,
  ICR: 0x00c0,
  ITR: 0x00c4,
  ICS: 0x00c8,
  IMS: 0x00d0,
  IMC: 0x00d8,
  RCTL: 0x0100,
  TCTL: 0x0400,
  RDBAL: 0x2800,
  RDBAH: 0x2804,
  RDLEN: 0x2808,
  RDH: 0x2810,
  RDT: 0x2818,
  TDBAL: 0x3800,
  TDBAH: 0x3804,
  TDLEN: 0x3808,
  TDH: 0x3810,
  TDT: 0x3818,
  CRCERRS: 0x4000,
  MPC: 0x4010,
  GPRC: 0x4074,
  GPTC: 0x4080,
  RNBC: 0x40a0,
  RAL0: 0x5400,
  RAH0: 0x5404,
} as const;

/** BAR0 size: the 82540EM decodes 128 KiB of memory space. */
export const E1000_BAR0_SIZE = 0x20000;
/** Receive-address entries (RAL/RAH pairs). */
export const E1000_RAR_ENTRIES = 16;

/** CTRL bits. */
export const E1000_CTRL_FD = 1 << 0;
export const E1000_CTRL_SLU = 1 << 6;
export const E1000_CTRL_RST = 1 << 26;

/** STATUS bits. */
export const E1000_STATUS_FD = 1 << 0;
export const E1000_STATUS_LU = 1 << 1;
export const E1000_STATUS_SPEED_MASK = 0xc0;
export const E1000_STATUS_SPEED_10 = 0x00;
export const E1000_STATUS_SPEED_100 = 0x40;
export const E1000_STATUS_SPEED_1000 = 0x80;

/** Interrupt causes (ICR, ICS, IMS, IMC share the layout). */
export const E1000_ICR_TXDW = 1 << 0;
export const E1000_ICR_TXQE = 1 << 1;
export const E1000_ICR_LSC = 1 << 2;
export const E1000_ICR_RXDMT0 = 1 << 4;
export const E1000_ICR_RXO = 1 << 6;
export const E1000_ICR_RXT0 = 1 << 7;

/** RCTL bits. */
export const E1000_RCTL_EN = 1 << 1;
export const E1000_RCTL_SBP = 1 << 2;
export const E1000_RCTL_UPE = 1 << 3;
export const E1000_RCTL_MPE = 1 << 4;
export const E1000_RCTL_LPE = 1 << 5;
export const E1000_RCTL_RDMTS_HALF = 0 << 8;
export const E1000_RCTL_RDMTS_QUARTER = 1 << 8;
export const E1000_RCTL_RDMTS_EIGHTH = 2 << 8;
export const E1000_RCTL_BAM = 1 << 15;
/** BSIZE (bits 17:16): with BSEX = 0, 2048/1024/512/256; with BSEX = 1, -/16384/8192/4096. */
export const E1000_RCTL_SZ_2048 = 0 << 16;
export const E1000_RCTL_SZ_1024 = 1 << 16;
export const E1000_RCTL_SZ_512 = 2 << 16;
export const E1000_RCTL_SZ_256 = 3 << 16;
export const E1000_RCTL_SZ_16384 = 1 << 16;
export const E1000_RCTL_SZ_8192 = 2 << 16;
export const E1000_RCTL_SZ_4096 = 3 << 16;
export const E1000_RCTL_BSEX = 1 << 25;
export const E1000_RCTL_SECRC = 1 << 26;

/** TCTL bits. */
export const E1000_TCTL_EN = 1 << 1;
export const E1000_TCTL_PSP = 1 << 3;

/** RAH.AV: the entry is valid. */
export const E1000_RAH_AV = 0x8000_0000;

/** Legacy descriptors are 16 bytes; rings are multiples of 128 bytes, 16-byte aligned. */
export const E1000_DESC_SIZE = 16;
export const E1000_RING_ALIGN = 16;
export const E1000_RING_LEN_MULTIPLE = 128;

/** Legacy TX descriptor CMD byte (byte 11). */
export const E1000_TXD_CMD_EOP = 1 << 0;
export const E1000_TXD_CMD_IFCS = 1 << 1;
export const E1000_TXD_CMD_IC = 1 << 2;
export const E1000_TXD_CMD_RS = 1 << 3;
export const E1000_TXD_CMD_DEXT = 1 << 5;
/** TX descriptor STA (byte 12). */
export const E1000_TXD_STAT_DD = 1 << 0;

/** RX descriptor status (byte 12) and errors (byte 13). */
export const E1000_RXD_STAT_DD = 1 << 0;
export const E1000_RXD_STAT_EOP = 1 << 1;
export const E1000_RXD_STAT_IXSM = 1 << 2;
export const E1000_RXD_ERR_CE = 1 << 0;

/** Ethernet sizes: minimum frame 64 bytes with FCS (60 without), 1518 with FCS (1522 with a VLAN tag). */
export const ETH_FCS_LEN = 4;
export const ETH_ZLEN = 60;
export const ETH_MIN_FRAME = 64;
export const ETH_MAX_FRAME = 1522;
/** Bytes on the wire besides the frame: preamble + SFD (8) and the inter-frame gap (12). */
const WIRE_OVERHEAD = 20;
/** The largest packet the transmit gatherer keeps (a jumbo frame's worth); more is dropped. */
const TX_MAX_PACKET = 16384;

/** Bytes on the wire at `speedMbps` take this many ns each. */
function nsPerByte(speedMbps: number): number {
  return 8000 / speedMbps;
}

/**
 * CRC-32 tables for slicing by 8 (IEEE 802.3, reflected): table k (at
 * k * 256) advances a byte's contribution through k further bytes, so eight
 * bytes take one step of eight lookups instead of eight dependent steps.
 */
const CRC_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = ((t[c & 0xff] as number) ^ (c >>> 8)) >>> 0;
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** The Ethernet FCS (IEEE 802.3 CRC-32) of bytes; sent least significant byte first. */
export function ethernetFcs(bytes: Uint8Array, length = bytes.length): number {
  const t = CRC_TABLES;
  const b = bytes;
  let c = 0xffff_ffff;
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    const lo = (c ^ ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24))) >>> 0;
    const hi = (b[i + 4] as number) | ((b[i + 5] as number) << 8) | ((b[i + 6] as number) << 16) | ((b[i + 7] as number) << 24);
    c =
      (t[1792 + (lo & 0xff)] as number) ^
      (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (hi & 0xff)] as number) ^
      (t[512 + ((hi >>> 8) & 0xff)] as number) ^
      (t[256 + ((hi >>> 16) & 0xff)] as number) ^
      (t[hi >>> 24] as number);
  }
  for (; i < length; i++) c = (t[(c ^ (b[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffff_ffff) >>> 0;
}

/** The host stores a Uint32Array's words little-endian (every platform Node runs on; checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The 16-bit ones'-complement sum (not inverted) of bytes [start, end), big-endian words, as the packet checksum. */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number): number {
  return onesSum(bytes, start, end, null);
}

/**
 * onesComplementSum, with `words` (null, or an Int32Array over all of
 * bytes.buffer from byte 0) to sum whole words through without making a
 * view per call.
 */
function onesSum(bytes: Uint8Array, start: number, end: number, words: Int32Array | null): number {
  let s = 0;
  let i = start;
  const count = (end - start) >>> 2;
  const at = bytes.byteOffset + start;
  if (LITTLE_ENDIAN && count >= 16 && (at & 3) === 0) {
    // Whole 32-bit words at once (RFC 1071: the sum does not depend on byte order or word width):
    // the little-endian words' sum, folded to 16 bits and byte-swapped, is the big-endian words' sum.
    const w = words ?? new Int32Array(bytes.buffer, at, count);
    const first = words === null ? 0 : at >>> 2;
    // Each word as its two 16-bit halves (65536 = 1 mod 65535), four sums side by side: small integers, no carries to fold.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = first;
    const e = first + count;
    for (; k + 3 < e; k += 4) {
      const a = w[k] as number;
      const b = w[k + 1] as number;
      const c = w[k + 2] as number;
      const d = w[k + 3] as number;
      s0 += (a & 0xffff) + (a >>> 16);
      s1 += (b & 0xffff) + (b >>> 16);
      s2 += (c & 0xffff) + (c >>> 16);
      s3 += (d & 0xffff) + (d >>> 16);
    }
    for (; k < e; k++) {
      const a = w[k] as number;
      s0 += (a & 0xffff) + (a >>> 16);
    }
    let acc = s0 + s1 + s2 + s3;
    while (acc > 0xffff) acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
    s = ((acc & 0xff) << 8) | (acc >>> 8);
    i = start + count * 4;
  }
  for (; i + 1 < end; i += 2) s += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) s += (bytes[i] as number) << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** How an e1000 model is built (the profile's device options): link speed, wire, station address, link-up time. */
export interface E1000Options {
  /** Link speed: 10, 100 or 1000 Mbit/s (STATUS.SPEED and the wire time). Default 1000. */
  readonly speedMbps?: number;
  /** "loopback": what is sent is received (a loopback plug); "none": sent frames leave. Default "loopback". */
  readonly wire?: "loopback" | "none";
  /** The station address the EEPROM holds (loaded into RAL0/RAH0 at reset). */
  readonly mac: Uint8Array;
  /** Time from CTRL.SLU to link up (auto-negotiation). Default 10 us. */
  readonly linkUpNs?: number;
}

/** Counters of the model (what a test or report wants beyond the registers). */
export interface E1000Counters {
  framesTransmitted: number;
  bytesTransmitted: number;
  framesReceived: number;
  bytesReceived: number;
  /** Frames that arrived with no free receive descriptor (RXO). */
  rxOverruns: number;
  /** Frames dropped by the address filter, the length checks, a bad FCS or RCTL.EN = 0. */
  rxDropped: number;
  /** Frames sent while the link was down (lost). */
  txNoLink: number;
  /** Device accesses the bus blocked (IOMMU faults, not RAM). */
  dmaFaults: number;
  /** Low-to-high transitions of the interrupt line. */
  interrupts: number;
  /** DEXT descriptors skipped (outside the legacy subset). */
  extendedDescriptors: number;
}

/** The 8254x MAC in the legacy-descriptor subset (see the module comment). */
export class E1000 {
  readonly clock: Clock;
  readonly dma: DeviceDma;
  readonly irq: InterruptLine | null;
  readonly speedMbps: number;
  readonly wire: "loopback" | "none";
  readonly linkUpNs: number;
  readonly mac: Uint8Array;
  readonly counters: E1000Counters = { framesTransmitted: 0, bytesTransmitted: 0, framesReceived: 0, bytesReceived: 0, rxOverruns: 0, rxDropped: 0, txNoLink: 0, dmaFaults: 0, interrupts: 0, extendedDescriptors: 0 };
  /** Called with each frame (FCS included) as it leaves on the wire. */
  onTransmit: ((frame: Uint8Array) => void) | null = null;

  // Registers.
  private ctrl = 0;
  private status = 0;
  private icr = 0;
  private ims = 0;
  private itr = 0;
  private rctl = 0;
  private tctl = 0;
  private rdbal = 0;
  private rdbah = 0;
  private rdlen = 0;
  private rdh = 0;
  private rdt = 0;
  private tdbal = 0;
  private tdbah = 0;
  private tdlen = 0;
  private tdh = 0;
  private tdt = 0;
  private crcerrs = 0;
  private mpc = 0;
  private gprc = 0;
  private gptc = 0;
  private rnbc = 0;
  private readonly ra = new Uint32Array(E1000_RAR_ENTRIES * 2);

  // Engine state.
  private linkUp = false;
  private txBusy = false;
  private txHalted = false;
  private rxHalted = false;
  /** Next descriptor the transmit engine fetches (TDH moves when a frame is done). */
  private txFetch = 0;
  private txLen = 0;
  private readonly txBuf = new Uint8Array(TX_MAX_PACKET + ETH_FCS_LEN);
  /** txBuf's parts as the bus gets them (the gather reads, the frame, the receive writes of a looped-back frame). */
  private readonly txViews = new ViewCache(this.txBuf);
  /** txBuf as words, for the receive checksum of a looped-back frame. */
  private readonly txWords = new Int32Array(this.txBuf.buffer);
  /** The frame on the wire (a view of txBuf) until txDone. */
  private txFrame: Uint8Array = this.txBuf;
  /** The transmit engine's pending event: the fetch after a doorbell, or the frame's end on the wire (one at a time). */
  private txTimer: TimerHandle | null = null;
  /** The frame in txBuf ends in an FCS whose bytes are not written yet (TXD.IFCS; see writeTxFcs). */
  private txFcsPending = false;
  /** The frame's descriptors so far, each as index * 2 + RS (whether it asked for status); txPendingCount of them. */
  private txPending = new Int32Array(16);
  private txPendingCount = 0;
  /** The on-chip descriptors of each ring (fetched in bursts; see e1000-descriptor-cache.ts). */
  private readonly txCache = new DescriptorCache();
  private readonly rxCache = new DescriptorCache();
  private readonly wb = new Uint8Array(8);
  private readonly wbView = new DataView(this.wb.buffer);
  private readonly one = new Uint8Array(1);
  private line = false;
  private lastAssert = -Infinity;
  private throttle: TimerHandle | null = null;
  /** Other timers pending (link up after CTRL.SLU; a few at a time), cancelled by a reset; the transmit engine keeps its one in txTimer. */
  private readonly timers = new SmallSet<TimerHandle>();
  /** When the incoming wire is free again (injected frames are serialised on it). */
  private rxWireFree = 0;

  constructor(clock: Clock, dma: DeviceDma, irq: InterruptLine | null, opts: E1000Options) {
    const speed = opts.speedMbps ?? 1000;
    if (speed !== 10 && speed !== 100 && speed !== 1000) throw new RangeError(`e1000: speedMbps must be 10, 100 or 1000, got ${String(speed)}`);
    const linkUpNs = opts.linkUpNs ?? 10_000;
    if (!(linkUpNs >= 0) || !Number.isFinite(linkUpNs)) throw new RangeError(`e1000: linkUpNs must be >= 0, got ${String(linkUpNs)}`);
    if (!(opts.mac instanceof Uint8Array) || opts.mac.length !== 6) throw new RangeError("e1000: mac must be 6 bytes");
    this.clock = clock;
    this.dma = dma;
    this.irq = irq;
    this.speedMbps = speed;
    this.wire = opts.wire ?? "loopback";
    this.linkUpNs = linkUpNs;
    this.mac = opts.mac.slice();
    this.reset();
  }

  /** The register handler BAR0 decodes (32-bit registers; narrower accesses reach their dword). */
  readonly registers: RegisterHandler = {
    read: (offset: number, size: AccessSize) => {
      const base = offset & ~3;
      const v = this.readRegister(base);
      if (size === 4) return v;
      const shift = (offset & 3) * 8;
      return (v >>> shift) & (size === 1 ? 0xff : 0xffff);
    },
    write: (offset: number, size: AccessSize, value: number) => {
      const base = offset & ~3;
      if (size === 4) {
        this.writeRegister(base, value >>> 0);
        return;
      }
      // A narrow store becomes a dword store: the other byte lanes keep the register's value, or are 0 where a 1 would act (ICR, ICS, IMS, IMC).
      const shift = (offset & 3) * 8;
      const mask = (size === 1 ? 0xff : 0xffff) << shift;
      const R = E1000_REG;
      const old = base === R.ICR || base === R.ICS || base === R.IMS || base === R.IMC ? 0 : this.peekRegister(base);
      this.writeRegister(base, ((old & ~mask) | ((value << shift) & mask)) >>> 0);
    },
  };

  /** STATUS.LU. */
  get isLinkUp(): boolean {
    return this.linkUp;
  }

  /** Level of the interrupt line. */
  get interruptAsserted(): boolean {
    return this.line;
  }

  /** Number of descriptors in a ring of `len` bytes. */
  private static count(len: number): number {
    return Math.floor(len / E1000_DESC_SIZE);
  }

  private readRegister(o: number): number {
    const R = E1000_REG;
    switch (o) {
      case R.ICR: {
        const v = this.icr;
        this.icr = 0;
        this.updateIrq();
        return v;
      }
      case R.CRCERRS:
        return this.readClear("crcerrs");
      case R.MPC:
        return this.readClear("mpc");
      case R.GPRC:
        return this.readClear("gprc");
      case R.GPTC:
        return this.readClear("gptc");
      case R.RNBC:
        return this.readClear("rnbc");
      default:
        return this.peekRegister(o);
    }
  }

  private readClear(k: "crcerrs" | "mpc" | "gprc" | "gptc" | "rnbc"): number {
    const v = this[k];
    this[k] = 0;
    return v >>> 0;
  }

  /** A register's value without read side effects (write-only registers read 0). */
  private peekRegister(o: number): number {
    const R = E1000_REG;
    switch (o) {
      case R.CTRL:
        return this.ctrl;
      case R.STATUS:
        return this.status;
      case R.ICR:
        return this.icr;
      case R.ITR:
        return this.itr;
      case R.IMS:
        return this.ims;
      case R.RCTL:
        return this.rctl;
      case R.TCTL:
        return this.tctl;
      case R.RDBAL:
        return this.rdbal;
      case R.RDBAH:
        return this.rdbah;
      case R.RDLEN:
        return this.rdlen;
      case R.RDH:
        return this.rdh;
      case R.RDT:
        return this.rdt;
      case R.TDBAL:
        return this.tdbal;
      case R.TDBAH:
        return this.tdbah;
      case R.TDLEN:
        return this.tdlen;
      case R.TDH:
        return this.tdh;
      case R.TDT:
        return this.tdt;
      case R.CRCERRS:
        return this.crcerrs;
      case R.MPC:
        return this.mpc;
      case R.GPRC:
        return this.gprc;
      case R.GPTC:
        return this.gptc;
      case R.RNBC:
        return this.rnbc;
      default:
        if (o >= R.RAL0 && o < R.RAL0 + E1000_RAR_ENTRIES * 8) return this.ra[(o - R.RAL0) >>> 2] as number;
        return 0;
    }
  }

  private writeRegister(o: number, v: number): void {
    const R = E1000_REG;
    switch (o) {
      case R.CTRL:
        if ((v & E1000_CTRL_RST) !== 0) {
          this.reset();
          return;
        }
        this.setCtrl(v);
        return;
      case R.ICR:
        this.icr = (this.icr & ~v) >>> 0;
        this.updateIrq();
        return;
      case R.ICS:
        this.raise(v);
        return;
      case R.IMS:
        this.ims = (this.ims | v) >>> 0;
        this.updateIrq();
        return;
      case R.IMC:
        this.ims = (this.ims & ~v) >>> 0;
        this.updateIrq();
        return;
      case R.ITR:
        this.itr = v & 0xffff;
        return;
      case R.RCTL:
        this.rctl = v;
        return;
      case R.TCTL:
        this.tctl = v;
        this.kickTx();
        return;
      // A new ring base, length or head: what the chip holds on chip is no longer the ring's.
      case R.RDBAL:
        this.rdbal = v;
        this.rxCache.clear();
        return;
      case R.RDBAH:
        this.rdbah = v;
        this.rxCache.clear();
        return;
      case R.RDLEN:
        this.rdlen = v & 0x000f_ff80;
        this.rxCache.clear();
        return;
      case R.RDH:
        this.rdh = v & 0xffff;
        this.rxCache.clear();
        return;
      case R.RDT:
        this.rdt = v & 0xffff;
        this.rxCache.tailMoved(this.rdh, this.rdt, E1000.count(this.rdlen));
        return;
      case R.TDBAL:
        this.tdbal = v;
        this.txCache.clear();
        return;
      case R.TDBAH:
        this.tdbah = v;
        this.txCache.clear();
        return;
      case R.TDLEN:
        this.tdlen = v & 0x000f_ff80;
        this.txCache.clear();
        return;
      case R.TDH:
        this.tdh = v & 0xffff;
        if (!this.txBusy) {
          this.txFetch = this.tdh;
          this.txLen = 0;
          this.txPendingCount = 0;
          this.txCache.clear();
        }
        return;
      case R.TDT:
        this.tdt = v & 0xffff;
        this.txCache.tailMoved(this.txFetch, this.tdt, E1000.count(this.tdlen));
        this.kickTx();
        return;
      default:
        if (o >= R.RAL0 && o < R.RAL0 + E1000_RAR_ENTRIES * 8) this.ra[(o - R.RAL0) >>> 2] = v;
    }
  }

  /** Power-on / CTRL.RST: every register to its reset value, the engines stopped, RAL0/RAH0 from the EEPROM. */
  private reset(): void {
    for (const t of this.timers) this.clock.cancel(t);
    this.timers.clear();
    if (this.txTimer !== null) this.clock.cancel(this.txTimer);
    this.txTimer = null;
    if (this.throttle !== null) this.clock.cancel(this.throttle);
    this.throttle = null;
    this.ctrl = 0;
    this.status = E1000_STATUS_FD;
    this.linkUp = false;
    this.icr = 0;
    this.ims = 0;
    this.itr = 0;
    this.rctl = 0;
    this.tctl = 0;
    this.rdbal = this.rdbah = this.rdlen = this.rdh = this.rdt = 0;
    this.tdbal = this.tdbah = this.tdlen = this.tdh = this.tdt = 0;
    this.crcerrs = this.mpc = this.gprc = this.gptc = this.rnbc = 0;
    this.ra.fill(0);
    const m = this.mac;
    this.ra[0] = ((m[0] as number) | ((m[1] as number) << 8) | ((m[2] as number) << 16) | ((m[3] as number) << 24)) >>> 0;
    this.ra[1] = ((m[4] as number) | ((m[5] as number) << 8) | E1000_RAH_AV) >>> 0;
    this.txBusy = false;
    this.txHalted = false;
    this.rxHalted = false;
    this.txFetch = 0;
    this.txLen = 0;
    this.txFcsPending = false;
    this.txPendingCount = 0;
    this.txCache.clear();
    this.rxCache.clear();
    this.lastAssert = -Infinity;
    this.updateIrq();
  }

  private later(ns: number, fn: () => void, label: string): void {
    const h = this.clock.after(ns, () => {
      this.timers.delete(h);
      fn();
    }, label);
    this.timers.add(h);
  }

  private setCtrl(v: number): void {
    const was = (this.ctrl & E1000_CTRL_SLU) !== 0;
    this.ctrl = v & ~E1000_CTRL_RST;
    const slu = (v & E1000_CTRL_SLU) !== 0;
    if (slu && !was) this.later(this.linkUpNs, () => this.setLink(true), "e1000 link up");
    else if (!slu && was) this.setLink(false);
  }

  private setLink(up: boolean): void {
    if (up && (this.ctrl & E1000_CTRL_SLU) === 0) return;
    if (up === this.linkUp) return;
    this.linkUp = up;
    const speed = this.speedMbps === 1000 ? E1000_STATUS_SPEED_1000 : this.speedMbps === 100 ? E1000_STATUS_SPEED_100 : E1000_STATUS_SPEED_10;
    this.status = up ? E1000_STATUS_FD | E1000_STATUS_LU | speed : E1000_STATUS_FD;
    this.raise(E1000_ICR_LSC);
  }

  private raise(causes: number): void {
    this.icr = (this.icr | causes) >>> 0;
    this.updateIrq();
  }

  /** INTA# follows ICR & IMS, held back by the ITR interval after the previous assertion. */
  private updateIrq(): void {
    const want = (this.icr & this.ims) !== 0;
    if (!want) {
      this.setLine(false);
      return;
    }
    if (this.line) return;
    const interval = this.itr * 256;
    const earliest = this.lastAssert + interval;
    const now = this.clock.now;
    if (interval === 0 || now >= earliest) {
      this.lastAssert = now;
      this.setLine(true);
      return;
    }
    if (this.throttle === null) this.throttle = this.clock.at(earliest, this.onThrottle, "e1000 ITR");
  }

  /** The ITR interval is over: the line may go up now. */
  private readonly onThrottle = (): void => {
    this.throttle = null;
    this.updateIrq();
  };

  private setLine(level: boolean): void {
    if (level === this.line) return;
    this.line = level;
    if (level) this.counters.interrupts++;
    this.irq?.set(level);
  }

  // ---- Transmit ----

  private kickTx(): void {
    if (this.txBusy || this.txHalted || (this.tctl & E1000_TCTL_EN) === 0) return;
    const n = E1000.count(this.tdlen);
    if (n === 0 || this.tdt >= n || this.txFetch === this.tdt) return;
    this.txBusy = true;
    // The engine starts after the doorbell write completes, not inside it.
    this.txTimer = this.clock.after(0, this.onTxFetch, "e1000 tx fetch");
  }

  private readonly onTxFetch = (): void => {
    this.txTimer = null;
    this.txProcess();
  };

  private readonly onTxWire = (): void => {
    this.txTimer = null;
    this.txDone(this.txFrame);
  };

  private pushPending(index: number, rs: boolean): void {
    if (this.txPendingCount === this.txPending.length) {
      const bigger = new Int32Array(this.txPending.length * 2);
      bigger.set(this.txPending);
      this.txPending = bigger;
    }
    this.txPending[this.txPendingCount++] = index * 2 + (rs ? 1 : 0);
  }

  private txProcess(): void {
    const n = E1000.count(this.tdlen);
    const ringBase = this.tdbah * 0x1_0000_0000 + ((this.tdbal & ~0xf) >>> 0);
    while (true) {
      if ((this.tctl & E1000_TCTL_EN) === 0 || n === 0 || this.tdt >= n || this.txFetch >= n || this.txFetch === this.tdt) {
        this.txBusy = false;
        return;
      }
      const o = this.txCache.next(this.dma, ringBase, this.txFetch, this.tdt, n);
      if (o < 0) {
        this.fault("tx");
        return;
      }
      this.txCache.advance();
      const d = this.txCache.view;
      const addr = d.getUint32(o + 4, true) * 0x1_0000_0000 + d.getUint32(o, true);
      const length = d.getUint16(o + 8, true);
      const cso = d.getUint8(o + 10);
      const cmd = d.getUint8(o + 11);
      const css = d.getUint8(o + 13);
      const index = this.txFetch;
      this.txFetch = (this.txFetch + 1) % n;
      if ((cmd & E1000_TXD_CMD_DEXT) !== 0) {
        // Outside the legacy subset: consumed without data, its status still reported.
        this.counters.extendedDescriptors++;
        if ((cmd & E1000_TXD_CMD_RS) !== 0) {
          this.writeBackTx(ringBase, index);
          this.raise(E1000_ICR_TXDW);
        }
        if (this.txPendingCount === 0) this.tdh = this.txFetch;
        continue;
      }
      this.pushPending(index, (cmd & E1000_TXD_CMD_RS) !== 0);
      const take = Math.min(length, TX_MAX_PACKET - this.txLen);
      if (take > 0) {
        if (!this.dma.read(addr, this.txViews.view(this.txLen, take))) {
          this.fault("tx");
          return;
        }
        this.txLen += take;
      }
      if ((cmd & E1000_TXD_CMD_EOP) === 0) continue;
      const frame = this.finishFrame(cmd, cso, css);
      const ns = (frame.length + WIRE_OVERHEAD) * nsPerByte(this.speedMbps);
      this.txFrame = frame;
      this.txTimer = this.clock.after(ns, this.onTxWire, "e1000 tx wire");
      return;
    }
  }

  /** Checksum insertion, padding and FCS for the gathered packet; returns the frame as it goes on the wire. */
  private finishFrame(cmd: number, cso: number, css: number): Uint8Array {
    const buf = this.txBuf;
    let len = this.txLen;
    if ((cmd & E1000_TXD_CMD_IC) !== 0 && cso + 1 < len && css < len) {
      const sum = (~onesSum(buf, css, len, this.txWords)) & 0xffff;
      buf[cso] = sum >>> 8;
      buf[cso + 1] = sum & 0xff;
    }
    if ((this.tctl & E1000_TCTL_PSP) !== 0 && len < ETH_ZLEN) {
      buf.fill(0, len, ETH_ZLEN);
      len = ETH_ZLEN;
    }
    this.txFcsPending = false;
    if ((cmd & E1000_TXD_CMD_IFCS) !== 0) {
      // The FCS goes on the wire after the data; its bytes are computed when something can see them (writeTxFcs).
      this.txFcsPending = true;
      len += ETH_FCS_LEN;
    }
    this.txLen = 0;
    // The frame stays in txBuf while it is on the wire: the engine gathers the next one only after txDone.
    return this.txViews.view(0, len);
  }

  /** The FCS of the frame in txBuf (`frame`, FCS included) into its last four bytes, if not there yet. */
  private writeTxFcs(frame: Uint8Array): void {
    if (!this.txFcsPending) return;
    this.txFcsPending = false;
    const len = frame.length - ETH_FCS_LEN;
    const fcs = ethernetFcs(frame, len);
    frame[len] = fcs & 0xff;
    frame[len + 1] = (fcs >>> 8) & 0xff;
    frame[len + 2] = (fcs >>> 16) & 0xff;
    frame[len + 3] = fcs >>> 24;
  }

  private txDone(frame: Uint8Array): void {
    const n = E1000.count(this.tdlen);
    const ringBase = this.tdbah * 0x1_0000_0000 + ((this.tdbal & ~0xf) >>> 0);
    let written = false;
    const p = this.txPending;
    for (let i = 0; i < this.txPendingCount; i++) {
      const e = p[i] as number;
      if ((e & 1) !== 0) {
        this.writeBackTx(ringBase, e >>> 1);
        written = true;
      }
    }
    this.txPendingCount = 0;
    this.txFrame = this.txBuf;
    this.tdh = this.txFetch;
    this.counters.framesTransmitted++;
    this.counters.bytesTransmitted += frame.length;
    this.gptc++;
    if (this.onTransmit !== null) {
      this.writeTxFcs(frame);
      this.onTransmit(frame.slice());
    }
    if (!this.linkUp) this.counters.txNoLink++;
    else if (this.wire === "loopback") this.receive(frame, this.txFcsPending);
    this.txFcsPending = false;
    let causes = written ? E1000_ICR_TXDW : 0;
    if (n > 0 && this.tdh === this.tdt) causes |= E1000_ICR_TXQE;
    if (causes !== 0) this.raise(causes);
    this.txProcess();
  }

  /** STA.DD into descriptor `index` (a posted write: a blocked one is lost). */
  private writeBackTx(ringBase: number, index: number): void {
    this.one[0] = E1000_TXD_STAT_DD;
    if (!this.dma.write(ringBase + index * E1000_DESC_SIZE + 12, this.one)) this.counters.dmaFaults++;
  }

  private fault(unit: "tx" | "rx"): void {
    this.counters.dmaFaults++;
    if (unit === "tx") {
      this.txHalted = true;
      this.txBusy = false;
    } else this.rxHalted = true;
  }

  // ---- Receive ----

  /**
   * A frame from the outside (the packet source): `frame` without FCS; the
   * wire adds a good FCS and the frame arrives after its wire time, behind
   * any frame already arriving. Returns the arrival time.
   */
  inject(frame: Uint8Array): number {
    if (!(frame instanceof Uint8Array) || frame.length === 0 || frame.length > TX_MAX_PACKET) throw new RangeError(`e1000.inject: frame must be 1..${TX_MAX_PACKET} bytes`);
    const withFcs = new Uint8Array(frame.length + ETH_FCS_LEN);
    withFcs.set(frame);
    const fcs = ethernetFcs(frame);
    withFcs[frame.length] = fcs & 0xff;
    withFcs[frame.length + 1] = (fcs >>> 8) & 0xff;
    withFcs[frame.length + 2] = (fcs >>> 16) & 0xff;
    withFcs[frame.length + 3] = fcs >>> 24;
    const start = Math.max(this.clock.now, this.rxWireFree);
    const arrival = start + (withFcs.length + WIRE_OVERHEAD) * nsPerByte(this.speedMbps);
    this.rxWireFree = arrival;
    this.clock.at(arrival, () => {
      if (this.linkUp) this.receive(withFcs);
      else this.counters.rxDropped++;
    }, "e1000 rx wire");
    return arrival;
  }

  private accepts(frame: Uint8Array): boolean {
    const r = this.rctl;
    if ((r & E1000_RCTL_UPE) !== 0) return true;
    const first = frame[0] as number;
    let bcast = true;
    for (let i = 0; i < 6; i++) if (frame[i] !== 0xff) bcast = false;
    if (bcast) return (r & E1000_RCTL_BAM) !== 0;
    if ((first & 1) !== 0) return (r & E1000_RCTL_MPE) !== 0;
    const lo = ((frame[0] as number) | ((frame[1] as number) << 8) | ((frame[2] as number) << 16) | ((frame[3] as number) << 24)) >>> 0;
    const hi = (frame[4] as number) | ((frame[5] as number) << 8);
    for (let e = 0; e < E1000_RAR_ENTRIES; e++) {
      const h = this.ra[e * 2 + 1] as number;
      if ((h & E1000_RAH_AV) !== 0 && (h & 0xffff) === hi && this.ra[e * 2] === lo) return true;
    }
    return false;
  }

  /** Buffer size RCTL.BSIZE/BSEX selects. */
  get receiveBufferSize(): number {
    const sz = (this.rctl >>> 16) & 3;
    if ((this.rctl & E1000_RCTL_BSEX) !== 0) return sz === 1 ? 16384 : sz === 2 ? 8192 : sz === 3 ? 4096 : 2048;
    return sz === 0 ? 2048 : sz === 1 ? 1024 : sz === 2 ? 512 : 256;
  }

  /**
   * A frame (FCS included) at the receiver now. `ownFcs`: it is this chip's
   * own frame on the loopback wire with its FCS bytes not computed yet; that
   * FCS is right by construction, so the check passes without computing it,
   * and the bytes are made only if they are stored (RCTL.SECRC clear).
   */
  private receive(frame: Uint8Array, ownFcs = false): void {
    const r = this.rctl;
    if ((r & E1000_RCTL_EN) === 0 || frame.length < 6 + ETH_FCS_LEN || !this.accepts(frame)) {
      this.counters.rxDropped++;
      return;
    }
    const sbp = (r & E1000_RCTL_SBP) !== 0;
    const payload = frame.length - ETH_FCS_LEN;
    let errors = 0;
    if (ownFcs) {
      if ((r & E1000_RCTL_SECRC) === 0) this.writeTxFcs(frame);
    } else {
      const fcs = ethernetFcs(frame, payload);
      const got = ((frame[payload] as number) | ((frame[payload + 1] as number) << 8) | ((frame[payload + 2] as number) << 16) | ((frame[payload + 3] as number) << 24)) >>> 0;
      if (fcs !== got) {
        this.crcerrs++;
        errors |= E1000_RXD_ERR_CE;
      }
    }
    const runt = frame.length < ETH_MIN_FRAME;
    const long = frame.length > ETH_MAX_FRAME && (r & E1000_RCTL_LPE) === 0;
    if ((errors !== 0 || runt || long) && !sbp) {
      this.counters.rxDropped++;
      return;
    }
    const stored = (r & E1000_RCTL_SECRC) !== 0 ? payload : frame.length;
    const bufSize = this.receiveBufferSize;
    const n = E1000.count(this.rdlen);
    const needed = Math.max(1, Math.ceil(stored / bufSize));
    const free = n === 0 || this.rdh >= n || this.rdt >= n ? 0 : (this.rdt - this.rdh + n) % n;
    if (this.rxHalted || free < needed) {
      this.counters.rxOverruns++;
      this.mpc++;
      this.rnbc++;
      this.raise(E1000_ICR_RXO);
      return;
    }
    const ringBase = this.rdbah * 0x1_0000_0000 + ((this.rdbal & ~0xf) >>> 0);
    // The chip's own frame on the loopback is in txBuf: its parts and words are kept views of it.
    const own = frame.buffer === this.txBuf.buffer;
    const csum = onesSum(frame, 0, stored, own ? this.txWords : null);
    let off = 0;
    for (let k = 0; k < needed; k++) {
      const at = ringBase + this.rdh * E1000_DESC_SIZE;
      const o = this.rxCache.next(this.dma, ringBase, this.rdh, this.rdt, n);
      if (o < 0) {
        this.fault("rx");
        return;
      }
      this.rxCache.advance();
      const d = this.rxCache.view;
      const addr = d.getUint32(o + 4, true) * 0x1_0000_0000 + d.getUint32(o, true);
      const chunk = Math.min(bufSize, stored - off);
      const last = k === needed - 1;
      // A descriptor whose buffer address is 0 is skipped (written back without data).
      if (addr !== 0 && chunk > 0 && !this.dma.write(addr, own ? this.txViews.view(frame.byteOffset + off, chunk) : frame.subarray(off, off + chunk))) this.counters.dmaFaults++;
      const w = this.wbView;
      w.setUint16(0, addr === 0 ? 0 : chunk, true);
      w.setUint16(2, last ? csum : 0, true);
      w.setUint8(4, E1000_RXD_STAT_DD | E1000_RXD_STAT_IXSM | (last ? E1000_RXD_STAT_EOP : 0));
      w.setUint8(5, last ? errors : 0);
      w.setUint16(6, 0, true);
      if (!this.dma.write(at + 8, this.wb)) this.counters.dmaFaults++;
      off += chunk;
      this.rdh = (this.rdh + 1) % n;
    }
    this.counters.framesReceived++;
    this.counters.bytesReceived += stored;
    this.gprc++;
    let causes = E1000_ICR_RXT0;
    const left = (this.rdt - this.rdh + n) % n;
    const shift = ((r >>> 8) & 3) + 1;
    if (left * E1000_DESC_SIZE <= this.rdlen >>> shift) causes |= E1000_ICR_RXDMT0;
    this.raise(causes);
  }
}

/** The e1000 instance on a board. */
export interface E1000Device extends DeviceInstance {
  readonly nic: E1000;
}

function macParam(v: unknown, ctx: DeviceContext): Uint8Array {
  if (v === undefined) {
    // A locally administered unicast address of this device's own (seeded), as an unprogrammed EEPROM would not give one.
    const m = new Uint8Array(6);
    m[0] = 0x02;
    for (let i = 1; i < 6; i++) m[i] = ctx.prng.int(256);
    return m;
  }
  const s = typeof v === "string" ? /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(v) : null;
  if (s === null) throw new RangeError(`${ctx.name}: params.mac must be a MAC address such as "52:54:00:12:34:56", got ${JSON.stringify(v)}`);
  return Uint8Array.from(s.slice(1, 7).map((h) => parseInt(h, 16)));
}

const KNOWN_PARAMS = ["speedMbps", "wire", "mac", "linkUpNs"];

/**
 * Intel 82540EM (e1000) on PCI: BAR0 the 128 KiB register space, one
 * level-triggered interrupt (required), bus master. Profile `params`:
 * speedMbps (10/100/1000), wire ("loopback" | "none"), mac ("xx:xx:..."),
 * linkUpNs.
 */
export const e1000Model: DeviceModel<E1000Device> = {
  model: "e1000",
  description: "Intel 82540EM gigabit Ethernet (8254x legacy descriptors): 128 KiB registers at BAR0, TX/RX descriptor rings in host memory, loopback wire",
  buses: ["pci"],
  bars: [{ kind: "mmio", size: E1000_BAR0_SIZE }],
  interrupt: "required",
  busMaster: true,
  create(ctx) {
    const dma = ctx.dma;
    if (dma === null) throw new RangeError(`${ctx.name}: an e1000 is a bus master`);
    const p = ctx.params;
    for (const k of Object.keys(p)) if (!KNOWN_PARAMS.includes(k)) throw new RangeError(`${ctx.name}: unknown e1000 param "${k}" (known: ${KNOWN_PARAMS.join(", ")})`);
    const speed = p.speedMbps;
    if (speed !== undefined && typeof speed !== "number") throw new RangeError(`${ctx.name}: params.speedMbps must be 10, 100 or 1000, got ${JSON.stringify(speed)}`);
    const wire = p.wire;
    if (wire !== undefined && wire !== "loopback" && wire !== "none") throw new RangeError(`${ctx.name}: params.wire must be "loopback" or "none", got ${JSON.stringify(wire)}`);
    const linkUpNs = p.linkUpNs;
    if (linkUpNs !== undefined && typeof linkUpNs !== "number") throw new RangeError(`${ctx.name}: params.linkUpNs must be a number of ns, got ${JSON.stringify(linkUpNs)}`);
    const nic = new E1000(ctx.clock, dma, ctx.irq, {
      mac: macParam(p.mac, ctx),
      ...(speed === undefined ? {} : { speedMbps: speed }),
      ...(wire === undefined ? {} : { wire }),
      ...(linkUpNs === undefined ? {} : { linkUpNs }),
    });
    return { nic, registers: [nic.registers] };
  },
};
