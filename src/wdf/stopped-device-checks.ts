/**
 * The KMDF verifier's watch over a device that left D0 (dmasim's own checks;
 * Windows has none, the symptoms are memory corruption and interrupt storms):
 *
 * - WDF_TRANSACTION_ACTIVE_AT_D0_EXIT: when EvtDeviceD0Exit returns, a DMA
 *   transaction of one of the device's enablers is still executing (no
 *   DmaCompleted / Release): its fragment may still be in flight;
 * - WDF_DMA_AFTER_D0_EXIT: from EvtDeviceD0Exit until the next D0 entry (or
 *   the removal), the device reads or writes memory: its common buffer, a
 *   transaction's buffer or anything else — the driver did not stop its DMA
 *   engine in D0Exit (or in ReleaseHardware, the state names which);
 * - WDF_INTERRUPT_AFTER_DISCONNECT: in the same window the device raises its
 *   interrupt line while its WDFINTERRUPTs are disconnected
 *   (EvtInterruptDisable did not quiet the hardware; no ISR claims it).
 * Each is reported once per object (or device) and power-down: the first
 * occurrence names the problem, the rest are the same one.
 *
 * The bus and interrupt-controller observers are attached only while some
 * framework device is out of D0, so a machine whose devices stay in D0 pays
 * nothing.
 */
import type { BusMaster } from "../machine/bus.ts";
import { type Kernel, machineSlot } from "../kernel/kernel.ts";
import type { WdfObject } from "./object.ts";
import { onWdfPowerTransition, type PnpDevice, pnpOf, type PowerTransition } from "./pnp-power.ts";

/** The device record the checks need (device.ts's WdfDevice, by shape). */
interface CheckedDevice extends PnpDevice {
  readonly dmaEnablers: ReadonlySet<WdfObject>;
}

/** A common buffer by shape (common-buffer.ts): its logical range. */
interface BufferShape extends WdfObject {
  readonly rawLa: number;
  readonly rawLength: number;
  readonly rawVa: number;
}

/** A transaction by shape (dma-transaction.ts). */
interface TransactionShape extends WdfObject {
  readonly txState: string;
  readonly length: number;
  readonly transferred: number;
}

interface Watched {
  readonly device: CheckedDevice;
  state: string;
  /** Objects (or 0: the device) already reported in this power-down. */
  readonly dmaReported: Set<number>;
  interruptReported: boolean;
}

interface ChecksSlot {
  installed: boolean;
  /** Devices out of D0, by device (profile) name. */
  readonly watched: Map<string, Watched>;
  detach: (() => void)[];
}

const CHECKS = machineSlot<ChecksSlot>("kmdf stopped-device checks", () => ({ installed: false, watched: new Map(), detach: [] }));

function dmaObjects(dev: CheckedDevice): { buffers: BufferShape[]; transactions: TransactionShape[] } {
  const buffers: BufferShape[] = [];
  const transactions: TransactionShape[] = [];
  for (const en of dev.dmaEnablers) {
    for (const c of en.children) {
      if (c.typeName === "WDFCOMMONBUFFER") buffers.push(c as BufferShape);
      else if (c.typeName === "WDFDMATRANSACTION") transactions.push(c as TransactionShape);
    }
  }
  return { buffers, transactions };
}

function onDeviceAccess(k: Kernel, s: ChecksSlot, master: BusMaster, logical: number, physical: number, length: number, write: boolean): void {
  const w = s.watched.get(master.name);
  if (w === undefined || w.device.state === "destroyed") return;
  const { buffers, transactions } = dmaObjects(w.device);
  const hit = buffers.find((b) => b.rawVa !== 0 && logical < b.rawLa + b.rawLength && logical + length > b.rawLa);
  const object = hit?.handle ?? transactions.find((t) => t.txState === "executing")?.handle ?? 0;
  if (w.dmaReported.has(object)) return;
  w.dmaReported.add(object);
  const what = hit !== undefined ? `its ${String(hit)}` : object !== 0 ? `the buffer of an executing transaction (0x${object.toString(16).toUpperCase()})` : "memory";
  k.report({
    code: "WDF_DMA_AFTER_D0_EXIT",
    routine: w.state === "after EvtDeviceReleaseHardware" ? "EvtDeviceReleaseHardware" : "EvtDeviceD0Exit",
    device: master.name,
    message: `${master.name} ${write ? "wrote" : "read"} ${length} bytes of ${what} at logical 0x${logical.toString(16)} ${w.state}: the driver left its DMA engine running when the device left D0`,
    params: { address: logical, length, write, object, state: w.state },
  });
  void physical;
}

function onInterruptEdge(k: Kernel, s: ChecksSlot, line: number): void {
  for (const [name, w] of s.watched) {
    if (w.interruptReported || w.device.state === "destroyed") continue;
    const p = pnpOf(w.device);
    const mine = p.interrupts.filter((i) => i.line === line);
    if (mine.length === 0 || mine.some((i) => i.connected)) continue;
    const hw = k.board.devices.get(name);
    if (hw === undefined || !hw.present || hw.irq === null || !hw.irq.asserted) continue;
    w.interruptReported = true;
    const i = mine[0] as (typeof mine)[number];
    k.report({
      code: "WDF_INTERRUPT_AFTER_DISCONNECT",
      routine: "EvtInterruptDisable",
      device: name,
      message: `${name} raised interrupt line ${line} ${w.state}, with its WDFINTERRUPT 0x${i.handle.toString(16).toUpperCase()} disconnected: EvtInterruptDisable (or D0Exit) did not stop the hardware from interrupting`,
      params: { line, interrupt: i.handle },
    });
  }
}

function attach(k: Kernel, s: ChecksSlot): void {
  if (s.detach.length > 0) return;
  s.detach.push(k.bus.observers.add({ onDeviceAccess: (m, la, pa, len, w) => onDeviceAccess(k, s, m, la, pa, len, w), onFault: () => undefined }));
  s.detach.push(k.interrupts.observers.add({ onInterruptEdge: (line) => onInterruptEdge(k, s, line) }));
}

function detachIfIdle(s: ChecksSlot): void {
  if (s.watched.size > 0) return;
  for (const d of s.detach.splice(0)) d();
}

function transition(k: Kernel, s: ChecksSlot, device: PnpDevice, t: PowerTransition): void {
  const dev = device as CheckedDevice;
  const name = dev.pdo.config.name;
  if (t === "d0-exit") {
    for (const tx of dmaObjects(dev).transactions) {
      if (tx.txState !== "executing") continue;
      k.report({
        code: "WDF_TRANSACTION_ACTIVE_AT_D0_EXIT",
        routine: "EvtDeviceD0Exit",
        device: name,
        message: `${String(tx)} of ${name} is still executing (${tx.length - tx.transferred} of ${tx.length} bytes not completed) when EvtDeviceD0Exit returns: stop the transfer and complete or release the transaction before leaving D0`,
        params: { transaction: tx.handle, bytesLeft: tx.length - tx.transferred },
      });
    }
    s.watched.set(name, { device: dev, state: "after EvtDeviceD0Exit", dmaReported: new Set(), interruptReported: false });
    attach(k, s);
  } else if (t === "hardware-released") {
    const w = s.watched.get(name);
    if (w !== undefined) w.state = "after EvtDeviceReleaseHardware";
  } else {
    s.watched.delete(name);
    detachIfIdle(s);
  }
}

/** Install the checks on a machine (once; device.ts calls it for every WDFDEVICE). */
export function installStoppedDeviceChecks(k: Kernel): void {
  const s = k.slot(CHECKS);
  if (s.installed) return;
  s.installed = true;
  onWdfPowerTransition(k, (device, t) => transition(k, s, device, t));
}
