/**
 * A KMDF driver for the Intel 8254x (e1000 model, devices/e1000.ts) in the
 * shape of a real NIC driver, with its descriptor rings and receive buffers
 * in common buffers, the canonical common-buffer consumer, and its sends as
 * DMA transactions from the write requests:
 *
 *   EvtDriverDeviceAdd: WdfDeviceInitSetPnpPowerEventCallbacks,
 *     WdfDeviceCreate, WdfInterruptCreate (ISR + DPC, EvtInterruptEnable /
 *     EvtInterruptDisable writing IMS / IMC), WdfDmaEnablerCreate
 *     (WdfDmaProfileScatterGather64: the 8254x masters 64-bit addresses) and
 *     three WdfCommonBufferCreateWithConfig: the TX and RX rings (16-byte
 *     aligned, a multiple of 128 bytes, as the SDM requires of TDBAL/RDBAL and
 *     TDLEN/RDLEN) and one 2 KiB receive buffer per RX descriptor; and one
 *     WdfDmaTransactionCreate per write the queue may present.
 *   EvtDevicePrepareHardware: BAR0 is the 128 KiB memory resource in the
 *     translated list; MmMapIoSpaceEx maps it uncached. EvtDeviceReleaseHardware
 *     unmaps it (MmUnmapIoSpace).
 *   EvtDeviceD0Entry: reset the chip (CTRL.RST), mask everything, read the
 *     station address from RAL0/RAH0, set CTRL.SLU, program TDBAL/TDBAH/TDLEN
 *     and RDBAL/RDBAH/RDLEN with the rings' LOGICAL addresses
 *     (WdfCommonBufferGetAlignedLogicalAddress), fill the RX ring with the
 *     buffers' logical addresses and give all but one descriptor to the chip
 *     (RDT), then RCTL (EN, BAM, 2 KiB buffers, strip CRC), TCTL (EN, PSP)
 *     and ITR. IMS is written in EvtInterruptEnable, which KMDF calls right
 *     after D0Entry with the ISR connected: an unmasked cause before that
 *     would interrupt a line nobody services yet.
 *   EvtDeviceD0Exit: receiver and transmitter off, then a reset, so the chip
 *     no longer masters the bus before its buffers are freed.
 *   ISR: read ICR (read-to-clear); 0 = not ours (the PCI line is shared);
 *     else keep the causes for the DPC and queue it.
 *   DPC: link changes (STATUS.LU), reap every TX descriptor with DD and
 *     complete their writes, give every RX descriptor with DD and EOP to a
 *     pending read, and hand them back in batches (one RDT write per 16
 *     descriptors and one at the end, as Intel's e1000 driver does). With
 *     ITR (default 488 x 256 ns, about 8000 interrupts/s) one interrupt and
 *     one DPC serve several frames.
 *   I/O (nic-io.ts, direct I/O): the application sends a frame with
 *     WriteFile (a parallel queue) and receives one with ReadFile (a manual
 *     queue of pending reads); each write's frame goes out through a DMA
 *     transaction from the request (the chip reads the application's pages);
 *     EvtIoStop keeps the writes a stop interrupts, D0Exit ends the
 *     transactions of the ones its reset drops and sends them again once the
 *     link is back;
 *     EvtDeviceSurpriseRemoval ends the pending reads.
 *
 * Every register access is READ_REGISTER_ULONG / WRITE_REGISTER_ULONG at the
 * mapped VA; descriptors and frames are written and read through the CPU
 * path (k.cpu, RtlCopyDeviceMemory: on an ARM64 non-coherent device the
 * common buffers are Device memory, where memcpy-style copies may fault).
 *
 * `ringAddress: "physical"` is the deliberate bug of the nic-physical-address
 * scenario: the ring bases get MmGetPhysicalAddress of the rings instead of
 * their logical addresses; right without an IOMMU, wrong behind one.
 */
import { HighPart, LowPart, type PHYSICAL_ADDRESS } from "../core/address.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import {
  E1000_BAR0_SIZE,
  E1000_CTRL_FD,
  E1000_CTRL_RST,
  E1000_CTRL_SLU,
  E1000_DESC_SIZE,
  E1000_ICR_LSC,
  E1000_ICR_RXDMT0,
  E1000_ICR_RXO,
  E1000_ICR_RXT0,
  E1000_ICR_TXDW,
  E1000_RCTL_BAM,
  E1000_RCTL_EN,
  E1000_RCTL_SECRC,
  E1000_RCTL_SZ_2048,
  E1000_REG,
  E1000_RING_LEN_MULTIPLE,
  E1000_STATUS_LU,
  E1000_TCTL_EN,
  E1000_TCTL_PSP,
} from "../devices/e1000.ts";
import { MmGetPhysicalAddress, PAGE_NOCACHE, PAGE_READWRITE } from "../kernel/contiguous-memory.ts";
import { RtlZeroDeviceMemory } from "../kernel/device-memory.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { MmMapIoSpaceEx, MmUnmapIoSpace } from "../kernel/io-space.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { pnpAddDevice } from "../kernel/pnp.ts";
import { CmResourceTypeMemory } from "../kernel/resources.ts";
import { WDF_COMMON_BUFFER_CONFIG_INIT, type WdfCommonBuffer, WdfCommonBufferCreateWithConfig, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetAlignedVirtualAddress } from "../wdf/common-buffer.ts";
import { type WdfDevice, WdfDeviceCreate, WdfDeviceInitSetIoType, type WDFDEVICE_INIT } from "../wdf/device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, WdfDeviceIoDirect, type WdfDriver, WdfDriverCreate, WdfDriverWdmGetDriverObject } from "../wdf/driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, type WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64 } from "../wdf/dma-enabler.ts";
import { type WdfDmaTransaction, WdfDmaTransactionCreate } from "../wdf/dma-transaction.ts";
import { WDF_INTERRUPT_CONFIG_INIT, type WdfInterrupt, WdfInterruptAcquireLock, WdfInterruptCreate, WdfInterruptQueueDpcForIsr, WdfInterruptReleaseLock } from "../wdf/interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "../wdf/object.ts";
import { WDF_PNPPOWER_EVENT_CALLBACKS_INIT, type WdfCmResList, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WdfDeviceInitSetPnpPowerEventCallbacks } from "../wdf/pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT, WdfDeviceConfigureRequestDispatching, WdfFalse, type WdfIoQueue, WdfIoQueueCreate, WdfIoQueueDispatchManual, WdfIoQueueDispatchParallel } from "../wdf/queue.ts";
import { WdfRequestTypeRead, WdfRequestTypeWrite } from "../wdf/request.ts";
import { NIC_BUFFER_SIZE, type NicAdapter, type NicBuffer, nicContext, type NicDriverOptions, rd, wr } from "./nic-device.ts";
import { deliverRx, endTransmits, failPendingReads, NicEvtIoStop, NicEvtIoWrite, reapTx, sendWaiting, settleForD0Exit } from "./nic-io.ts";

export { ETH_FRAME_LEN, NIC_BUFFER_SIZE, STATUS_INVALID_BUFFER_SIZE, type NicAdapter, type NicBuffer, type NicBug, type NicDriverOptions } from "./nic-device.ts";

/** FILE_OCTA_ALIGNMENT: the 16-byte alignment TDBAL/RDBAL need (bits 3:0 are ignored). */
const RING_ALIGNMENT_MASK = 0xf;
/** TCTL collision threshold and distance, the SDM's recommended full-duplex values. */
const TCTL_CT = 0x0f << 4;
const TCTL_COLD = 0x40 << 12;
/** The causes the driver services. */
const IMS_ENABLE = E1000_ICR_TXDW | E1000_ICR_LSC | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_RXT0;

/** A loaded driver with its one device, added by the PnP manager and not yet started. */
export interface NicDriver {
  readonly driver: WdfDriver;
  readonly adapter: NicAdapter;
  readonly pdo: DEVICE_OBJECT;
}

function checkCount(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 8 || n > 4096 || (n * E1000_DESC_SIZE) % E1000_RING_LEN_MULTIPLE !== 0) throw new RangeError(`NIC driver: ${what} must be a multiple of 8 from 8 to 4096 (the ring is a multiple of 128 bytes), got ${String(n)}`);
  return n;
}

/**
 * Load the driver (DriverEntry) and let the PnP manager add its device over
 * `pdoName` (EvtDriverDeviceAdd runs). The device is not started: the PnP
 * manager starts it (kernel/pnp.ts startDevice). Returns the driver or the
 * status AddDevice failed with.
 */
export function loadNicDriver(k: Kernel, pdoName: string, options: NicDriverOptions = {}): NicDriver | NTSTATUS {
  const itr = options.interruptThrottle ?? 488;
  if (!Number.isInteger(itr) || itr < 0 || itr > 0xffff) throw new RangeError(`NIC driver: interruptThrottle must be 0..65535 (256 ns units), got ${String(itr)}`);
  const opts = {
    txDescriptors: checkCount("txDescriptors", options.txDescriptors ?? 64),
    rxDescriptors: checkCount("rxDescriptors", options.rxDescriptors ?? 64),
    interruptThrottle: itr,
    ringAddress: options.ringAddress ?? "logical",
    bug: options.bug ?? "none",
  } as const;
  if (opts.ringAddress !== "logical" && opts.ringAddress !== "physical") throw new RangeError(`NIC driver: ringAddress must be "logical" or "physical", got ${JSON.stringify(opts.ringAddress)}`);
  if (!NIC_BUGS.includes(opts.bug)) throw new RangeError(`NIC driver: bug must be one of ${NIC_BUGS.join(", ")}, got ${JSON.stringify(opts.bug)}`);
  let adapter: NicAdapter | null = null;
  const deviceAdd = (_driver: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    WdfDeviceInitSetPnpPowerEventCallbacks(
      init,
      WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
        EvtDevicePrepareHardware: (d: WdfDevice, _raw, translated) => prepareHardware(ctx(d), translated),
        EvtDeviceReleaseHardware: (d: WdfDevice) => releaseHardware(ctx(d)),
        EvtDeviceD0Entry: (d: WdfDevice) => d0Entry(ctx(d)),
        EvtDeviceD0Exit: (d: WdfDevice) => d0Exit(ctx(d)),
        EvtDeviceSurpriseRemoval: opts.bug === "no-io-stop" ? null : (d: WdfDevice) => surpriseRemoval(ctx(d)),
      }),
    );
    WdfDeviceInitSetIoType(init, WdfDeviceIoDirect);
    const out: HandleOut<WdfDevice> = { value: null };
    let status = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT(), out);
    if (!NT_SUCCESS(status) || out.value === null) return status;
    const a: NicAdapter = {
      device: out.value,
      kernel: k,
      options: opts,
      interrupt: null,
      dmaEnabler: null,
      writeQueue: null,
      readQueue: null,
      txRing: null,
      rxRing: null,
      rxBuffers: null,
      regs: 0,
      regsLength: 0,
      mac: new Uint8Array(6),
      linkUp: false,
      txTail: 0,
      txHead: 0,
      txInFlight: 0,
      txWrites: new Array<null>(opts.txDescriptors).fill(null),
      txRecords: [],
      txPool: [],
      waitingForLink: [],
      resendPending: 0,
      rxNext: 0,
      pendingIcr: 0,
      surpriseRemoved: false,
      interrupts: 0,
      dpcs: 0,
      txCompleted: 0,
      rxIndicated: 0,
      rxErrors: 0,
      rxOverruns: 0,
      rxNoRead: 0,
      resent: 0,
      rxDrainedAtD0Exit: 0,
    };
    out.value.context["adapter"] = a;
    status = queuesCreate(a);
    if (!NT_SUCCESS(status)) return status;
    status = interruptCreate(a);
    if (!NT_SUCCESS(status)) return status;
    status = initializeDma(a);
    if (!NT_SUCCESS(status)) return status;
    adapter = a;
    return STATUS.SUCCESS;
  };
  const drvOut: HandleOut<WdfDriver> = { value: null };
  const st = WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(deviceAdd), drvOut, { ...(options.kmdf ?? {}), name: "E1000" });
  if (!NT_SUCCESS(st) || drvOut.value === null) return st;
  const pdo = k.pdo(pdoName);
  const st2 = pnpAddDevice(k, WdfDriverWdmGetDriverObject(drvOut.value), pdo);
  if (!NT_SUCCESS(st2) || adapter === null) return st2;
  return { driver: drvOut.value, adapter, pdo };
}

const ctx = nicContext;

/** Writes the queue may present at once: a frame takes up to two descriptors, and one descriptor stays free. */
function writesInFlight(a: NicAdapter): number {
  return Math.floor((a.options.txDescriptors - 1) / 2);
}
const NIC_BUGS: readonly string[] = ["none", "no-io-stop", "d0-exit-leaves-dma"];

/** The write queue (parallel: one request per free TX descriptor) and the read queue (manual, not power-managed). */
function queuesCreate(a: NicAdapter): NTSTATUS {
  const wq: HandleOut<WdfIoQueue> = { value: null };
  const wcfg = WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchParallel, a.options.bug === "no-io-stop" ? { EvtIoWrite: NicEvtIoWrite } : { EvtIoWrite: NicEvtIoWrite, EvtIoStop: NicEvtIoStop });
  wcfg.Settings.Parallel.NumberOfPresentedRequests = writesInFlight(a);
  let st = WdfIoQueueCreate(a.device, wcfg, null, wq);
  if (!NT_SUCCESS(st) || wq.value === null) return st;
  st = WdfDeviceConfigureRequestDispatching(a.device, wq.value, WdfRequestTypeWrite);
  if (!NT_SUCCESS(st)) return st;
  a.writeQueue = wq.value;
  const rq: HandleOut<WdfIoQueue> = { value: null };
  st = WdfIoQueueCreate(a.device, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual, { PowerManaged: WdfFalse }), null, rq);
  if (!NT_SUCCESS(st) || rq.value === null) return st;
  st = WdfDeviceConfigureRequestDispatching(a.device, rq.value, WdfRequestTypeRead);
  if (!NT_SUCCESS(st)) return st;
  a.readQueue = rq.value;
  return STATUS.SUCCESS;
}

function interruptCreate(a: NicAdapter): NTSTATUS {
  const cfg = WDF_INTERRUPT_CONFIG_INIT((i) => isr(a, i), () => dpc(a));
  cfg.EvtInterruptEnable = () => {
    wr(a, E1000_REG.IMS, IMS_ENABLE);
    return STATUS.SUCCESS;
  };
  cfg.EvtInterruptDisable = () => {
    wr(a, E1000_REG.IMC, 0xffff_ffff);
    return STATUS.SUCCESS;
  };
  const out: HandleOut<WdfInterrupt> = { value: null };
  const st = WdfInterruptCreate(a.device, cfg, null, out);
  a.interrupt = out.value;
  return st;
}

function commonBuffer(a: NicAdapter, name: string, length: number): NicBuffer | null {
  const out: HandleOut<WdfCommonBuffer> = { value: null };
  const st = WdfCommonBufferCreateWithConfig(a.dmaEnabler as WdfDmaEnabler, length, WDF_COMMON_BUFFER_CONFIG_INIT(RING_ALIGNMENT_MASK), null, out);
  if (!NT_SUCCESS(st) || out.value === null) return null;
  return { name, cb: out.value, va: WdfCommonBufferGetAlignedVirtualAddress(out.value), la: WdfCommonBufferGetAlignedLogicalAddress(out.value) };
}

/**
 * The DMA enabler, the three common buffers and the writes' transactions (in
 * EvtDriverDeviceAdd: they outlive stops, as in most NIC drivers).
 */
function initializeDma(a: NicAdapter): NTSTATUS {
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  const st = WdfDmaEnablerCreate(a.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 16 * 1024), null, en);
  if (!NT_SUCCESS(st) || en.value === null) return st;
  a.dmaEnabler = en.value;
  const { txDescriptors: nt, rxDescriptors: nr } = a.options;
  a.txRing = commonBuffer(a, "TX descriptor ring", nt * E1000_DESC_SIZE);
  a.rxRing = commonBuffer(a, "RX descriptor ring", nr * E1000_DESC_SIZE);
  a.rxBuffers = commonBuffer(a, "RX packet buffers", nr * NIC_BUFFER_SIZE);
  if (a.txRing === null || a.rxRing === null || a.rxBuffers === null) return STATUS.INSUFFICIENT_RESOURCES;
  // One transaction per write the queue may present: each frame goes out from the application's own pages.
  for (let i = 0; i < writesInFlight(a); i++) {
    const tx: HandleOut<WdfDmaTransaction> = { value: null };
    const st2 = WdfDmaTransactionCreate(en.value, null, tx);
    if (!NT_SUCCESS(st2) || tx.value === null) return st2;
    a.txPool.push(tx.value);
  }
  return STATUS.SUCCESS;
}

/** EvtDevicePrepareHardware: BAR0 is the translated memory resource the size of the 8254x register space. */
function prepareHardware(a: NicAdapter, translated: WdfCmResList): NTSTATUS {
  const n = WdfCmResourceListGetCount(translated);
  for (let i = 0; i < n; i++) {
    const d = WdfCmResourceListGetDescriptor(translated, i);
    const m = d?.u.Memory;
    if (d === null || d.Type !== CmResourceTypeMemory || m === undefined || m.Length !== E1000_BAR0_SIZE) continue;
    const va = MmMapIoSpaceEx(a.kernel, m.Start, m.Length, PAGE_READWRITE | PAGE_NOCACHE);
    if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
    a.regs = va;
    a.regsLength = m.Length;
    return STATUS.SUCCESS;
  }
  return STATUS.DEVICE_CONFIGURATION_ERROR;
}

function releaseHardware(a: NicAdapter): NTSTATUS {
  if (a.regs !== 0) MmUnmapIoSpace(a.kernel, a.regs, a.regsLength);
  a.regs = 0;
  return STATUS.SUCCESS;
}

/** The address a ring base register gets: the logical address, or (the bug) the physical one. */
function ringBase(a: NicAdapter, b: NicBuffer): PHYSICAL_ADDRESS {
  return a.options.ringAddress === "physical" ? MmGetPhysicalAddress(a.kernel, b.va) : b.la;
}

function writeDescriptorAddress(k: Kernel, descVa: number, la: number): void {
  k.cpu.writeU32(descVa, la >>> 0);
  k.cpu.writeU32(descVa + 4, Math.floor(la / 0x1_0000_0000));
}

/** EvtDeviceD0Entry(WdfPowerDeviceD3Final): reset and program the chip; interrupts stay masked until EvtInterruptEnable. */
function d0Entry(a: NicAdapter): NTSTATUS {
  const k = a.kernel;
  const R = E1000_REG;
  wr(a, R.CTRL, E1000_CTRL_RST);
  wr(a, R.IMC, 0xffff_ffff);
  rd(a, R.ICR);
  const ral = rd(a, R.RAL0);
  const rah = rd(a, R.RAH0);
  for (let i = 0; i < 4; i++) a.mac[i] = (ral >>> (8 * i)) & 0xff;
  a.mac[4] = rah & 0xff;
  a.mac[5] = (rah >>> 8) & 0xff;
  wr(a, R.CTRL, E1000_CTRL_SLU | E1000_CTRL_FD);
  const tx = a.txRing as NicBuffer;
  const rx = a.rxRing as NicBuffer;
  const rxb = a.rxBuffers as NicBuffer;
  const { txDescriptors: nt, rxDescriptors: nr } = a.options;
  RtlZeroDeviceMemory(k, tx.va, nt * E1000_DESC_SIZE);
  const txBase = ringBase(a, tx);
  wr(a, R.TDBAL, LowPart(txBase));
  wr(a, R.TDBAH, HighPart(txBase));
  wr(a, R.TDLEN, nt * E1000_DESC_SIZE);
  wr(a, R.TDH, 0);
  wr(a, R.TDT, 0);
  a.txHead = a.txTail = a.txInFlight = 0;
  const rxBufLa = Number(rxb.la.QuadPart);
  for (let i = 0; i < nr; i++) {
    const d = rx.va + i * E1000_DESC_SIZE;
    writeDescriptorAddress(k, d, rxBufLa + i * NIC_BUFFER_SIZE);
    k.cpu.writeU32(d + 8, 0);
    k.cpu.writeU32(d + 12, 0);
  }
  const rxBase = ringBase(a, rx);
  wr(a, R.RDBAL, LowPart(rxBase));
  wr(a, R.RDBAH, HighPart(rxBase));
  wr(a, R.RDLEN, nr * E1000_DESC_SIZE);
  wr(a, R.RDH, 0);
  // All descriptors but one belong to the chip: RDH == RDT would mean "none".
  wr(a, R.RDT, nr - 1);
  a.rxNext = 0;
  wr(a, R.ITR, a.options.interruptThrottle);
  wr(a, R.RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SZ_2048 | E1000_RCTL_SECRC);
  wr(a, R.TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | TCTL_CT | TCTL_COLD);
  return STATUS.SUCCESS;
}

/**
 * EvtDeviceD0Exit(WdfPowerDeviceD3Final): stop both units, settle the I/O
 * (writes the chip finished complete, frames it received go to pending
 * reads, the rest is sent again after the restart), then reset, so no DMA
 * outlives D0. After a surprise removal there is no chip to talk to.
 */
function d0Exit(a: NicAdapter): NTSTATUS {
  if (!a.surpriseRemoved) {
    // The bug: the receive unit is left on and the chip is not reset, so frames still on the wire land in the RX ring.
    const stopChip = a.options.bug !== "d0-exit-leaves-dma";
    if (stopChip) wr(a, E1000_REG.RCTL, 0);
    wr(a, E1000_REG.TCTL, 0);
    settleForD0Exit(a);
    if (stopChip) wr(a, E1000_REG.CTRL, E1000_CTRL_RST);
  } else {
    // No chip to ask: the writes still on the ring keep their requests (EvtIoStop ends them) but not their transactions.
    a.waitingForLink.unshift(...endTransmits(a));
  }
  a.linkUp = false;
  return STATUS.SUCCESS;
}

/** EvtDeviceSurpriseRemoval: the NIC is gone; the pending reads end now, EvtIoStop ends the writes. */
function surpriseRemoval(a: NicAdapter): void {
  a.surpriseRemoved = true;
  failPendingReads(a);
}

/** EvtInterruptIsr at DIRQL: ICR is read-to-clear; 0 means another device on the shared line. */
function isr(a: NicAdapter, i: WdfInterrupt): boolean {
  const icr = rd(a, E1000_REG.ICR);
  if (icr === 0) return false;
  a.interrupts++;
  a.pendingIcr |= icr;
  WdfInterruptQueueDpcForIsr(i);
  return true;
}

/** EvtInterruptDpc at DISPATCH_LEVEL. */
function dpc(a: NicAdapter): void {
  const interrupt = a.interrupt as WdfInterrupt;
  a.dpcs++;
  WdfInterruptAcquireLock(interrupt);
  const icr = a.pendingIcr;
  a.pendingIcr = 0;
  WdfInterruptReleaseLock(interrupt);
  if ((icr & E1000_ICR_LSC) !== 0) a.linkUp = (rd(a, E1000_REG.STATUS) & E1000_STATUS_LU) !== 0;
  sendWaiting(a);
  if ((icr & E1000_ICR_RXO) !== 0) a.rxOverruns++;
  // Every descriptor carries RS, so DD marks each transmit done; then the frames received, in ring order.
  reapTx(a);
  deliverRx(a);
}

/** The driver's common buffers, in allocation order. */
export function nicBuffers(a: NicAdapter): NicBuffer[] {
  return [a.txRing, a.rxRing, a.rxBuffers].filter((b): b is NicBuffer => b !== null);
}
