import { describe, expect, it } from "vitest";
import { Board } from "../machine/board.ts";
import { parseProfile, ProfileError } from "../machine/profile.ts";
import {
  E1000_CTRL_RST,
  E1000_CTRL_SLU,
  E1000_ICR_LSC,
  E1000_ICR_RXDMT0,
  E1000_ICR_RXO,
  E1000_ICR_RXT0,
  E1000_ICR_TXDW,
  E1000_ICR_TXQE,
  E1000_RAH_AV,
  E1000_RCTL_BAM,
  E1000_RCTL_EN,
  E1000_RCTL_RDMTS_HALF,
  E1000_RCTL_SECRC,
  E1000_RCTL_SZ_256,
  E1000_RCTL_UPE,
  E1000_REG as R,
  E1000_RXD_STAT_DD,
  E1000_RXD_STAT_EOP,
  E1000_RXD_STAT_IXSM,
  E1000_STATUS_FD,
  E1000_STATUS_LU,
  E1000_STATUS_SPEED_100,
  E1000_STATUS_SPEED_1000,
  E1000_TCTL_EN,
  E1000_TCTL_PSP,
  E1000_TXD_CMD_DEXT,
  E1000_TXD_CMD_EOP,
  E1000_TXD_CMD_IC,
  E1000_TXD_CMD_IFCS,
  E1000_TXD_CMD_RS,
  E1000_TXD_STAT_DD,
  type E1000Device,
  e1000Model,
  ethernetFcs,
  onesComplementSum,
} from "./e1000.ts";
import { deviceModels } from "./registry.ts";

const MAC = "52:54:00:12:34:56";
const MAC_BYTES = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const TX_RING = 0x10_0000;
const RX_RING = 0x20_0000;
const TX_BUF = 0x30_0000;
const RX_BUF = 0x40_0000;

function makeBoard(params: Record<string, unknown> = {}, device: Record<string, unknown> = {}, iommu = false) {
  const profile = parseProfile({
    name: "e1000-test",
    arch: "x64",
    memory: [
      { base: 0, length: "64MiB", type: "ram" },
      { base: "0xC0000000", length: "256MiB", type: "mmio" },
    ],
    ...(iommu ? { iommu: { enabled: true, addressWidth: 48 } } : {}),
    devices: [{ name: "nic", bus: "pci", model: "e1000", irq: 17, params: { mac: MAC, ...params }, ...device }],
  });
  const b = new Board(profile, { models: deviceModels });
  const nic = b.instanceOf<E1000Device>("nic", "e1000").nic;
  const bar = (b.device("nic").bars[0] as { base: number }).base;
  return {
    b,
    nic,
    bar,
    w: (o: number, v: number) => b.mmio.write(bar + o, 4, v),
    r: (o: number) => b.mmio.read(bar + o, 4),
    mem: b.memory,
  };
}

type Nic = ReturnType<typeof makeBoard>;

function txDesc(t: Nic, index: number, addr: number, length: number, cmd: number, cso = 0, css = 0): void {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setUint32(0, addr, true);
  v.setUint32(4, 0, true);
  v.setUint16(8, length, true);
  v.setUint8(10, cso);
  v.setUint8(11, cmd);
  v.setUint8(12, 0);
  v.setUint8(13, css);
  t.mem.write(TX_RING + index * 16, d);
}

function rxDesc(t: Nic, index: number, addr: number): void {
  const d = new Uint8Array(16);
  new DataView(d.buffer).setUint32(0, addr, true);
  t.mem.write(RX_RING + index * 16, d);
}

function frameTo(dst: readonly number[], length: number, seed = 1): Uint8Array {
  const f = new Uint8Array(length);
  f.set(dst, 0);
  f.set(MAC_BYTES, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  for (let i = 14; i < length; i++) f[i] = (i * 7 + seed) & 0xff;
  return f;
}

/** Rings of 8 descriptors, TX enabled, RX enabled with 2 KiB buffers and `rxFree` descriptors given to the NIC, link up. */
function up(t: Nic, rctl = E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC, rxFree = 7): void {
  t.w(R.CTRL, E1000_CTRL_SLU);
  t.b.clock.advanceBy(20_000);
  t.w(R.TDBAL, TX_RING);
  t.w(R.TDBAH, 0);
  t.w(R.TDLEN, 128);
  t.w(R.TDH, 0);
  t.w(R.TDT, 0);
  t.w(R.TCTL, E1000_TCTL_EN | E1000_TCTL_PSP);
  for (let i = 0; i < 8; i++) rxDesc(t, i, RX_BUF + i * 0x1000);
  t.w(R.RDBAL, RX_RING);
  t.w(R.RDBAH, 0);
  t.w(R.RDLEN, 128);
  t.w(R.RDH, 0);
  t.w(R.RDT, rxFree);
  t.w(R.RCTL, rctl);
  t.r(R.ICR);
}

function send(t: Nic, frame: Uint8Array, cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS): void {
  const tdt = t.r(R.TDT);
  t.mem.write(TX_BUF + tdt * 0x1000, frame);
  txDesc(t, tdt, TX_BUF + tdt * 0x1000, frame.length, cmd);
  t.w(R.TDT, (tdt + 1) % 8);
}

describe("e1000 model: declaration", () => {
  it("is registered as the built-in model \"e1000\"", () => {
    expect(deviceModels.get("e1000")).toBe(e1000Model);
  });

  it("decodes a 128 KiB MMIO BAR0 and sits on PCI with a required interrupt", () => {
    const t = makeBoard();
    expect(t.b.device("nic").bars).toEqual([{ index: 0, kind: "mmio", base: t.bar, size: 0x20000 }]);
    const noIrq = parseProfile({ name: "x", arch: "x64", memory: [{ base: 0, length: "16MiB", type: "ram" }, { base: "0xC0000000", length: "16MiB", type: "mmio" }], devices: [{ name: "nic", bus: "pci", model: "e1000" }] });
    expect(() => new Board(noIrq, { models: deviceModels })).toThrow(ProfileError);
    expect(() => new Board(noIrq, { models: deviceModels })).toThrow(/needs an interrupt line/);
  });

  it("refuses unknown params and a malformed MAC with one message naming them", () => {
    expect(() => makeBoard({ speed: 1000 })).toThrow(/unknown e1000 param "speed"/);
    expect(() => makeBoard({ mac: "52:54:00" })).toThrow(/params.mac must be a MAC address/);
    expect(() => makeBoard({ speedMbps: 40 })).toThrow(/speedMbps must be 10, 100 or 1000/);
  });

  it("unimplemented registers read 0 and ignore writes; narrow reads see their byte lanes", () => {
    const t = makeBoard();
    t.w(0x0010, 0xffff_ffff);
    expect(t.r(0x0010)).toBe(0);
    t.w(0x1234 & ~3, 0x55aa);
    expect(t.r(0x1234 & ~3)).toBe(0);
    expect(t.b.mmio.read(t.bar + R.RAH0 + 1, 1)).toBe(0x56);
    expect(t.b.mmio.read(t.bar + R.RAL0 + 2, 2)).toBe(0x1200);
  });
});

describe("e1000 model: CTRL, STATUS and the link", () => {
  it("RAL0/RAH0 hold the EEPROM MAC with RAH.AV after reset", () => {
    const t = makeBoard();
    expect(t.r(R.RAL0)).toBe(0x1200_5452);
    expect(t.r(R.RAH0)).toBe((0x5634 | E1000_RAH_AV) >>> 0);
  });

  it("CTRL.SLU brings the link up after linkUpNs: STATUS shows LU, FD and 1000 Mb/s, and ICR.LSC is raised", () => {
    const t = makeBoard({ linkUpNs: 5000 });
    expect(t.r(R.STATUS) & E1000_STATUS_LU).toBe(0);
    t.w(R.CTRL, E1000_CTRL_SLU);
    t.b.clock.advanceBy(4999);
    expect(t.r(R.STATUS) & E1000_STATUS_LU).toBe(0);
    t.b.clock.advanceBy(1);
    expect(t.r(R.STATUS)).toBe(E1000_STATUS_FD | E1000_STATUS_LU | E1000_STATUS_SPEED_1000);
    expect(t.r(R.ICR)).toBe(E1000_ICR_LSC);
  });

  it("STATUS.SPEED follows params.speedMbps", () => {
    const t = makeBoard({ speedMbps: 100, linkUpNs: 0 });
    t.w(R.CTRL, E1000_CTRL_SLU);
    t.b.clock.advanceBy(1);
    expect(t.r(R.STATUS) & 0xc0).toBe(E1000_STATUS_SPEED_100);
  });

  it("clearing CTRL.SLU takes the link down and raises LSC", () => {
    const t = makeBoard({ linkUpNs: 0 });
    t.w(R.CTRL, E1000_CTRL_SLU);
    t.b.clock.advanceBy(1);
    t.r(R.ICR);
    t.w(R.CTRL, 0);
    expect(t.r(R.STATUS) & E1000_STATUS_LU).toBe(0);
    expect(t.r(R.ICR)).toBe(E1000_ICR_LSC);
  });

  it("CTRL.RST is self-clearing and resets the registers, the mask and the link", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    t.w(R.IMS, 0xff);
    t.w(R.RAL0, 0x1111_1111);
    t.w(R.CTRL, E1000_CTRL_SLU | E1000_CTRL_RST);
    expect(t.r(R.CTRL)).toBe(0);
    expect(t.r(R.IMS)).toBe(0);
    expect(t.r(R.RCTL)).toBe(0);
    expect(t.r(R.TDLEN)).toBe(0);
    expect(t.r(R.RDT)).toBe(0);
    expect(t.r(R.STATUS) & E1000_STATUS_LU).toBe(0);
    expect(t.r(R.RAL0)).toBe(0x1200_5452);
  });
});

describe("e1000 model: interrupt registers", () => {
  it("ICS sets causes; ICR reads them and is cleared by the read", () => {
    const t = makeBoard();
    t.w(R.ICS, E1000_ICR_TXDW | E1000_ICR_RXT0);
    expect(t.r(R.ICR)).toBe(E1000_ICR_TXDW | E1000_ICR_RXT0);
    expect(t.r(R.ICR)).toBe(0);
  });

  it("writing 1s to ICR clears just those causes", () => {
    const t = makeBoard();
    t.w(R.ICS, E1000_ICR_TXDW | E1000_ICR_RXT0);
    t.w(R.ICR, E1000_ICR_TXDW);
    expect(t.r(R.ICR)).toBe(E1000_ICR_RXT0);
  });

  it("IMS sets and IMC clears mask bits; ICS and IMC are write-only (read 0)", () => {
    const t = makeBoard();
    t.w(R.IMS, 0x85);
    t.w(R.IMC, 0x04);
    expect(t.r(R.IMS)).toBe(0x81);
    t.w(R.ICS, 0x1);
    expect(t.r(R.ICS)).toBe(0);
    expect(t.r(R.IMC)).toBe(0);
  });

  it("the level line is asserted exactly while ICR & IMS is not 0", () => {
    const t = makeBoard();
    const line = () => t.b.interrupts.isHigh(17);
    t.w(R.ICS, E1000_ICR_TXDW);
    expect(line()).toBe(false);
    t.w(R.IMS, E1000_ICR_TXDW);
    expect(line()).toBe(true);
    t.w(R.IMC, E1000_ICR_TXDW);
    expect(line()).toBe(false);
    t.w(R.IMS, E1000_ICR_TXDW);
    expect(line()).toBe(true);
    t.r(R.ICR);
    expect(line()).toBe(false);
    expect(t.nic.counters.interrupts).toBe(2);
  });

  it("ITR holds the next assertion back ITR x 256 ns after the previous one", () => {
    const t = makeBoard();
    t.w(R.ITR, 100);
    t.w(R.IMS, E1000_ICR_TXDW);
    const t0 = t.b.clock.now;
    t.w(R.ICS, E1000_ICR_TXDW);
    expect(t.nic.interruptAsserted).toBe(true);
    t.r(R.ICR);
    t.w(R.ICS, E1000_ICR_TXDW);
    expect(t.nic.interruptAsserted).toBe(false);
    t.b.clock.runUntil(t0 + 100 * 256 - 1);
    expect(t.nic.interruptAsserted).toBe(false);
    t.b.clock.runUntil(t0 + 100 * 256);
    expect(t.nic.interruptAsserted).toBe(true);
    expect(t.r(R.ITR)).toBe(100);
  });
});

describe("e1000 model: transmit", () => {
  it("a legacy descriptor with EOP|IFCS|RS: the frame takes its wire time, then DD is written back, TDH advances, TXDW and TXQE are raised", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    const frame = frameTo([1, 2, 3, 4, 5, 6], 100);
    send(t, frame);
    const t0 = t.b.clock.now;
    t.b.clock.runUntil(t0 + (100 + 4 + 20) * 8 - 1);
    expect(t.r(R.TDH)).toBe(0);
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(0);
    t.b.clock.runUntil(t0 + (100 + 4 + 20) * 8);
    expect(t.r(R.TDH)).toBe(1);
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(E1000_TXD_STAT_DD);
    expect(t.r(R.ICR)).toBe(E1000_ICR_TXDW | E1000_ICR_TXQE);
    expect(sent).toHaveLength(1);
    const wire = sent[0] as Uint8Array;
    expect(wire.length).toBe(104);
    expect(Array.from(wire.subarray(0, 100))).toEqual(Array.from(frame));
    const fcs = ethernetFcs(frame);
    expect(Array.from(wire.subarray(100))).toEqual([fcs & 0xff, (fcs >>> 8) & 0xff, (fcs >>> 16) & 0xff, fcs >>> 24]);
    expect(t.r(R.GPTC)).toBe(1);
    expect(t.r(R.GPTC)).toBe(0);
  });

  it("a frame gathered from two descriptors (EOP on the second) goes out whole; DD only where RS was set", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    const frame = frameTo([1, 2, 3, 4, 5, 6], 200);
    t.mem.write(TX_BUF, frame.subarray(0, 50));
    t.mem.write(TX_BUF + 0x1000, frame.subarray(50));
    txDesc(t, 0, TX_BUF, 50, E1000_TXD_CMD_IFCS);
    txDesc(t, 1, TX_BUF + 0x1000, 150, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
    t.w(R.TDT, 2);
    t.b.clock.runAll();
    expect(Array.from((sent[0] as Uint8Array).subarray(0, 200))).toEqual(Array.from(frame));
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(0);
    expect(t.mem.readU8(TX_RING + 16 + 12) & E1000_TXD_STAT_DD).toBe(E1000_TXD_STAT_DD);
    expect(t.r(R.TDH)).toBe(2);
  });

  it("a frame gathered from 40 descriptors of a 64-descriptor ring goes out whole; DD on exactly those with RS, TDH past them all", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    t.w(R.TDLEN, 64 * 16);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    const frame = frameTo([1, 2, 3, 4, 5, 6], 40 * 30);
    for (let i = 0; i < 40; i++) {
      t.mem.write(TX_BUF + i * 64, frame.subarray(i * 30, i * 30 + 30));
      const rs = i % 3 === 0 ? E1000_TXD_CMD_RS : 0;
      txDesc(t, i, TX_BUF + i * 64, 30, E1000_TXD_CMD_IFCS | rs | (i === 39 ? E1000_TXD_CMD_EOP : 0));
    }
    t.w(R.TDT, 40);
    t.b.clock.runAll();
    expect(sent).toHaveLength(1);
    expect(Array.from((sent[0] as Uint8Array).subarray(0, 1200))).toEqual(Array.from(frame));
    for (let i = 0; i < 40; i++) expect(t.mem.readU8(TX_RING + i * 16 + 12) & E1000_TXD_STAT_DD, `descriptor ${i}`).toBe(i % 3 === 0 ? E1000_TXD_STAT_DD : 0);
    expect(t.r(R.TDH)).toBe(40);
  });

  it("CTRL.RST while a frame is on the wire: its end never comes (no DD, nothing received, no cause), and after the restart the next frame goes out", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    send(t, frameTo(MAC_BYTES, 100));
    t.b.clock.runUntil(t.b.clock.now + 400);
    expect(t.nic.counters.framesTransmitted).toBe(0);
    t.w(R.CTRL, E1000_CTRL_RST);
    t.b.clock.runAll();
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(0);
    expect(t.nic.counters.framesTransmitted).toBe(0);
    expect(t.nic.counters.framesReceived).toBe(0);
    expect(t.r(R.ICR)).toBe(0);
    up(t);
    send(t, frameTo(MAC_BYTES, 100));
    t.b.clock.runAll();
    expect(t.nic.counters.framesTransmitted).toBe(1);
    expect(t.nic.counters.framesReceived).toBe(1);
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(E1000_TXD_STAT_DD);
  });

  it("without RS no DD is written back and TXDW is not raised (TXQE still is)", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    send(t, frameTo([1, 2, 3, 4, 5, 6], 80), E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS);
    t.b.clock.runAll();
    expect(t.mem.readU8(TX_RING + 12)).toBe(0);
    expect(t.r(R.ICR)).toBe(E1000_ICR_TXQE);
  });

  it("TCTL.PSP pads a short frame to 60 bytes before the FCS", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    send(t, frameTo([1, 2, 3, 4, 5, 6], 42));
    t.b.clock.runAll();
    const f = sent[0] as Uint8Array;
    expect(f.length).toBe(64);
    expect(Array.from(f.subarray(42, 60))).toEqual(new Array(18).fill(0));
  });

  it("CMD.IC inserts the ones'-complement checksum from CSS to the end at CSO", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    const frame = frameTo([1, 2, 3, 4, 5, 6], 90);
    frame[40] = 0;
    frame[41] = 0;
    t.mem.write(TX_BUF, frame);
    txDesc(t, 0, TX_BUF, 90, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IC | E1000_TXD_CMD_RS, 40, 34);
    t.w(R.TDT, 1);
    t.b.clock.runAll();
    const f = sent[0] as Uint8Array;
    const expected = ~onesComplementSum(frame, 34, 90) & 0xffff;
    expect((((f[40] as number) << 8) | (f[41] as number))).toBe(expected);
    // Without IFCS the frame leaves as given (software supplies the FCS).
    expect(f.length).toBe(90);
  });

  it("with TCTL.EN clear the ring is not processed; setting EN starts it", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    t.w(R.TCTL, 0);
    send(t, frameTo([1, 2, 3, 4, 5, 6], 64));
    t.b.clock.runAll();
    expect(t.r(R.TDH)).toBe(0);
    t.w(R.TCTL, E1000_TCTL_EN);
    t.b.clock.runAll();
    expect(t.r(R.TDH)).toBe(1);
  });

  it("a DEXT (extended) descriptor is outside the subset: skipped, DD still written back", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    txDesc(t, 0, TX_BUF, 64, E1000_TXD_CMD_DEXT | E1000_TXD_CMD_RS);
    t.w(R.TDT, 1);
    t.b.clock.runAll();
    expect(t.nic.counters.extendedDescriptors).toBe(1);
    expect(t.nic.counters.framesTransmitted).toBe(0);
    expect(t.mem.readU8(TX_RING + 12) & E1000_TXD_STAT_DD).toBe(E1000_TXD_STAT_DD);
    expect(t.r(R.TDH)).toBe(1);
  });
});

describe("e1000 model: receive over the loopback wire", () => {
  it("a sent frame is received: data in the buffer, length, checksum and DD|EOP|IXSM written back, RDH advances, RXT0 raised", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    const frame = frameTo(MAC_BYTES, 300);
    send(t, frame);
    t.b.clock.runAll();
    const got = new Uint8Array(300);
    t.mem.read(RX_BUF, got);
    expect(Array.from(got)).toEqual(Array.from(frame));
    expect(t.mem.readU16(RX_RING + 8)).toBe(300);
    expect(t.mem.readU16(RX_RING + 10)).toBe(onesComplementSum(frame, 0, 300));
    expect(t.mem.readU8(RX_RING + 12)).toBe(E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP | E1000_RXD_STAT_IXSM);
    expect(t.mem.readU8(RX_RING + 13)).toBe(0);
    expect(t.r(R.RDH)).toBe(1);
    expect(t.r(R.ICR) & E1000_ICR_RXT0).toBe(E1000_ICR_RXT0);
    expect(t.r(R.GPRC)).toBe(1);
  });

  it("without RCTL.SECRC the FCS is stored and counted in the length", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_EN);
    const frame = frameTo(MAC_BYTES, 100);
    send(t, frame);
    t.b.clock.runAll();
    expect(t.mem.readU16(RX_RING + 8)).toBe(104);
    const fcs = ethernetFcs(frame);
    expect(t.mem.readU32(RX_BUF + 100)).toBe(fcs);
  });

  it("a frame larger than the RCTL buffer size spans descriptors with EOP on the last", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_SZ_256);
    expect(t.nic.receiveBufferSize).toBe(256);
    const frame = frameTo(MAC_BYTES, 600);
    send(t, frame);
    t.b.clock.runAll();
    expect([0, 1, 2].map((i) => t.mem.readU16(RX_RING + i * 16 + 8))).toEqual([256, 256, 88]);
    expect([0, 1, 2].map((i) => t.mem.readU8(RX_RING + i * 16 + 12) & E1000_RXD_STAT_EOP)).toEqual([0, 0, E1000_RXD_STAT_EOP]);
    const tail = new Uint8Array(88);
    t.mem.read(RX_BUF + 0x2000, tail);
    expect(Array.from(tail)).toEqual(Array.from(frame.subarray(512)));
    expect(t.r(R.RDH)).toBe(3);
  });

  it("no free receive descriptor (RDH == RDT): the frame is lost, RXO raised, MPC and RNBC count it (read-to-clear)", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_EN | E1000_RCTL_SECRC, 0);
    send(t, frameTo(MAC_BYTES, 100));
    t.b.clock.runAll();
    expect(t.r(R.ICR) & E1000_ICR_RXO).toBe(E1000_ICR_RXO);
    expect(t.r(R.RDH)).toBe(0);
    expect(t.nic.counters.rxOverruns).toBe(1);
    expect(t.r(R.MPC)).toBe(1);
    expect(t.r(R.RNBC)).toBe(1);
    expect(t.r(R.MPC)).toBe(0);
  });

  it("RXDMT0 is raised when the free descriptors fall to RDMTS (half) of the ring", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF, 5);
    send(t, frameTo(MAC_BYTES, 64));
    t.b.clock.runAll();
    // 5 free -> 4 free: 4 x 16 = 64 bytes <= 128 / 2.
    expect(t.r(R.ICR) & E1000_ICR_RXDMT0).toBe(E1000_ICR_RXDMT0);
  });

  it("the address filter: another station's unicast is dropped unless UPE; broadcast needs BAM", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_EN | E1000_RCTL_SECRC);
    send(t, frameTo([2, 0, 0, 0, 0, 9], 64));
    send(t, frameTo([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 64));
    t.b.clock.runAll();
    expect(t.r(R.RDH)).toBe(0);
    expect(t.nic.counters.rxDropped).toBe(2);
    t.w(R.RCTL, E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_BAM);
    send(t, frameTo([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 64));
    t.b.clock.runAll();
    expect(t.r(R.RDH)).toBe(1);
    t.w(R.RCTL, E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_UPE);
    send(t, frameTo([2, 0, 0, 0, 0, 9], 64));
    t.b.clock.runAll();
    expect(t.r(R.RDH)).toBe(2);
  });

  it("with RCTL.EN clear arriving frames are dropped without an overrun", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t, E1000_RCTL_SECRC);
    send(t, frameTo(MAC_BYTES, 64));
    t.b.clock.runAll();
    expect(t.r(R.RDH)).toBe(0);
    expect(t.r(R.ICR) & E1000_ICR_RXO).toBe(0);
  });

  it("a frame whose software FCS is wrong (no IFCS) counts in CRCERRS and is dropped", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    const frame = frameTo(MAC_BYTES, 100);
    send(t, frame, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS);
    t.b.clock.runAll();
    expect(t.r(R.RDH)).toBe(0);
    expect(t.r(R.CRCERRS)).toBe(1);
  });

  it("inject() delivers frames from the packet source after their wire time, one behind the other", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    const t0 = t.b.clock.now;
    const a = t.nic.inject(frameTo(MAC_BYTES, 100));
    const b = t.nic.inject(frameTo(MAC_BYTES, 200, 3));
    expect(a).toBe(t0 + (104 + 20) * 8);
    expect(b).toBe(a + (204 + 20) * 8);
    t.b.clock.runUntil(a);
    expect(t.r(R.RDH)).toBe(1);
    t.b.clock.runUntil(b);
    expect(t.r(R.RDH)).toBe(2);
    expect(t.mem.readU16(RX_RING + 16 + 8)).toBe(200);
  });

  it("a frame sent while the link is down is lost", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    t.w(R.CTRL, 0);
    send(t, frameTo(MAC_BYTES, 64));
    t.b.clock.runAll();
    expect(t.nic.counters.txNoLink).toBe(1);
    expect(t.r(R.RDH)).toBe(0);
  });
});

/** The device's reads of [base, base + 128) (a ring of 8), as (offset in the ring, length) pairs, from now on. */
function ringReads(t: Nic, base: number): Array<[number, number]> {
  const seen: Array<[number, number]> = [];
  t.b.bus.observers.add({ onDeviceAccess: (_d, la, _pa, length, write) => void (!write && la >= base && la < base + 128 && seen.push([la - base, length])), onFault: () => undefined });
  return seen;
}

/** `frame` in TX descriptor `index` (EOP, IFCS, RS), its buffer at `at`, without moving TDT. */
function queue(t: Nic, index: number, frame: Uint8Array, at = TX_BUF + index * 0x1000): void {
  t.mem.write(at, frame);
  txDesc(t, index, at, frame.length, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
}

describe("e1000 model: the on-chip descriptor buffer (descriptors fetched in bursts)", () => {
  it("four frames given by one TDT write: their descriptors come in one 64-byte read, then each frame goes out", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const reads = ringReads(t, TX_RING);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    for (let i = 0; i < 4; i++) queue(t, i, frameTo([1, 2, 3, 4, 5, 6], 100, i));
    t.w(R.TDT, 4);
    t.b.clock.runAll();
    expect(reads).toEqual([[0, 64]]);
    expect(sent.map((f) => f[14])).toEqual([0, 1, 2, 3].map((i) => frameTo([1, 2, 3, 4, 5, 6], 100, i)[14]));
    expect(t.r(R.TDH)).toBe(4);
  });

  it("a burst stops at the tail and at the ring's end: frames in descriptors 6, 7, 0, 1 take two reads, the second from the base", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    t.w(R.TCTL, 0);
    t.w(R.TDH, 6);
    t.w(R.TDT, 6);
    t.w(R.TCTL, E1000_TCTL_EN | E1000_TCTL_PSP);
    const reads = ringReads(t, TX_RING);
    let sent = 0;
    t.nic.onTransmit = () => void sent++;
    for (const i of [6, 7, 0, 1]) queue(t, i, frameTo([1, 2, 3, 4, 5, 6], 100, i));
    t.w(R.TDT, 2);
    t.b.clock.runAll();
    expect(reads).toEqual([[6 * 16, 32], [0, 32]]);
    expect(sent).toBe(4);
    expect(t.r(R.TDH)).toBe(2);
  });

  it("descriptors the chip has fetched are used as fetched: rewriting one in memory afterwards does not change what is sent", () => {
    const t = makeBoard({ wire: "none", linkUpNs: 0 });
    up(t);
    const sent: Uint8Array[] = [];
    t.nic.onTransmit = (f) => sent.push(f.slice());
    queue(t, 0, frameTo([1, 2, 3, 4, 5, 6], 100, 1));
    queue(t, 1, frameTo([1, 2, 3, 4, 5, 6], 100, 2));
    t.w(R.TDT, 2);
    // The fetch runs right after the doorbell; the first frame is then on the wire for 992 ns.
    t.b.clock.advanceBy(100);
    queue(t, 1, frameTo([1, 2, 3, 4, 5, 6], 200, 3), TX_BUF + 0x7000);
    t.b.clock.runAll();
    expect(sent.map((f) => f.length)).toEqual([104, 104]);
    expect(Array.from(sent[1]?.subarray(0, 100) ?? [])).toEqual(Array.from(frameTo([1, 2, 3, 4, 5, 6], 100, 2)));
  });

  it("receive: the first frame fetches every descriptor from RDH to RDT in one read; the next frames use them without reading the ring", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    const reads = ringReads(t, RX_RING);
    for (let i = 0; i < 3; i++) send(t, frameTo(MAC_BYTES, 100, i));
    t.b.clock.runAll();
    expect(reads).toEqual([[0, 7 * 16]]);
    expect([0, 1, 2].map((i) => t.mem.readU8(RX_BUF + i * 0x1000 + 14))).toEqual([0, 1, 2].map((i) => frameTo(MAC_BYTES, 100, i)[14]));
    expect(t.r(R.RDH)).toBe(3);
  });

  it("CTRL.RST drops the fetched descriptors: after the restart the ring is read again and frames land in the buffers it names now", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    send(t, frameTo(MAC_BYTES, 100, 1));
    t.b.clock.runAll();
    t.w(R.CTRL, E1000_CTRL_RST);
    up(t);
    for (let i = 0; i < 8; i++) rxDesc(t, i, RX_BUF + 0x10_0000 + i * 0x1000);
    const reads = ringReads(t, RX_RING);
    send(t, frameTo(MAC_BYTES, 100, 2));
    t.b.clock.runAll();
    expect(reads).toEqual([[0, 7 * 16]]);
    expect(t.mem.readU8(RX_BUF + 0x10_0000 + 14)).toBe(frameTo(MAC_BYTES, 100, 2)[14]);
  });

  it("a tail written back over fetched descriptors takes them back: they are fetched again, as memory holds them then", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    send(t, frameTo(MAC_BYTES, 100, 1));
    t.b.clock.runAll();
    // Descriptors 1..6 are on chip; the tail goes back to 2 (only descriptor 1 is the chip's), descriptor 1 gets a new buffer, the tail returns to 7.
    t.w(R.RDT, 2);
    rxDesc(t, 1, RX_BUF + 0x20_0000);
    t.w(R.RDT, 7);
    const reads = ringReads(t, RX_RING);
    send(t, frameTo(MAC_BYTES, 100, 2));
    t.b.clock.runAll();
    expect(reads).toEqual([[16, 6 * 16]]);
    expect(t.mem.readU8(RX_BUF + 0x20_0000 + 14)).toBe(frameTo(MAC_BYTES, 100, 2)[14]);
  });
});

describe("e1000 model: the DMA path", () => {
  it("behind an IOMMU with nothing mapped the descriptor fetch faults and the transmit unit halts until reset", () => {
    const t = makeBoard({ linkUpNs: 0 }, { remapping: true }, true);
    up(t);
    send(t, frameTo(MAC_BYTES, 64));
    t.b.clock.runAll();
    expect(t.nic.counters.dmaFaults).toBe(1);
    expect(t.r(R.TDH)).toBe(0);
    t.w(R.TDT, 2);
    t.b.clock.runAll();
    expect(t.nic.counters.dmaFaults).toBe(1);
    t.w(R.CTRL, E1000_CTRL_RST);
    expect(t.r(R.TDT)).toBe(0);
  });

  it("the device's accesses reach the bus as this device (observers see its name)", () => {
    const t = makeBoard({ linkUpNs: 0 });
    const who = new Set<string>();
    t.b.bus.observers.add({ onDeviceAccess: (d) => void who.add(d.name), onFault: () => undefined });
    up(t);
    send(t, frameTo(MAC_BYTES, 64));
    t.b.clock.runAll();
    expect([...who]).toEqual(["nic"]);
  });
});

/** CRC-32 (IEEE 802.3, reflected) one bit at a time: the reference the table-driven FCS must equal. */
function bitwiseCrc32(bytes: Uint8Array, length: number): number {
  let c = 0xffff_ffff;
  for (let i = 0; i < length; i++) {
    c ^= bytes[i] as number;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffff_ffff) >>> 0;
}

/** The 16-bit ones'-complement sum of big-endian words, two bytes at a time: the reference for onesComplementSum. */
function wordSum(bytes: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) s += ((bytes[i] as number) << 8) | (i + 1 < end ? (bytes[i + 1] as number) : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe("e1000 model: FCS and checksum arithmetic", () => {
  const random = (n: number, seed: number): Uint8Array => {
    const b = new Uint8Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    return b;
  };

  it("ethernetFcs (slicing by 8) is the CRC-32 check value of \"123456789\" and equals a bitwise CRC-32 at every length, all-ones and all-zero data included", () => {
    expect(ethernetFcs(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    for (const fill of [0x00, 0xff]) {
      const b = new Uint8Array(40).fill(fill);
      for (let n = 0; n <= 40; n++) expect(ethernetFcs(b, n)).toBe(bitwiseCrc32(b, n));
    }
    const data = random(1600, 7);
    for (let n = 0; n <= 80; n++) expect(ethernetFcs(data, n)).toBe(bitwiseCrc32(data, n));
    for (const n of [1514, 1518, 1600]) expect(ethernetFcs(data, n)).toBe(bitwiseCrc32(data, n));
    // A view that does not start at the buffer's first byte.
    expect(ethernetFcs(data.subarray(3, 1503))).toBe(bitwiseCrc32(data.subarray(3), 1500));
  });

  it("onesComplementSum (32-bit words where aligned) equals the 16-bit big-endian sum at every alignment, start and odd or even length", () => {
    const data = random(2100, 11);
    for (let shift = 0; shift < 4; shift++) {
      const view = data.subarray(shift);
      for (const start of [0, 1, 2, 3, 4, 14, 34]) {
        for (const len of [0, 1, 2, 3, 63, 64, 65, 66, 67, 300, 1500, 1501, 2000]) expect(onesComplementSum(view, start, start + len)).toBe(wordSum(view, start, start + len));
      }
    }
    // Sums that fold to 0xFFFF and to 0.
    const ones = new Uint8Array(256).fill(0xff);
    expect(onesComplementSum(ones, 0, 256)).toBe(wordSum(ones, 0, 256));
    expect(onesComplementSum(new Uint8Array(256), 0, 256)).toBe(0);
  });

  it("a frame sent with IFCS passes the receiver's FCS check over the loopback: CRCERRS stays 0 with the FCS stripped (SECRC), and with it stored the bytes are the CRC-32 the wire carried", () => {
    const t = makeBoard({ linkUpNs: 0 });
    up(t);
    send(t, frameTo(MAC_BYTES, 1500));
    t.b.clock.runAll();
    expect(t.mem.readU8(RX_RING + 13)).toBe(0);
    expect(t.r(R.CRCERRS)).toBe(0);
    expect(t.r(R.GPRC)).toBe(1);
    const s = makeBoard({ linkUpNs: 0 });
    up(s, E1000_RCTL_EN);
    const wire: Uint8Array[] = [];
    s.nic.onTransmit = (f) => wire.push(f);
    const frame = frameTo(MAC_BYTES, 999);
    send(s, frame);
    s.b.clock.runAll();
    expect(s.r(R.CRCERRS)).toBe(0);
    expect(s.mem.readU16(RX_RING + 8)).toBe(1003);
    expect(s.mem.readU32(RX_BUF + 999)).toBe(bitwiseCrc32(frame, 999));
    expect(wire.length).toBe(1);
    expect(new DataView((wire[0] as Uint8Array).buffer).getUint32(999, true)).toBe(bitwiseCrc32(frame, 999));
  });
});
