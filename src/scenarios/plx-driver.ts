/**
 * A KMDF driver for the PLX 9656 in the shape of Microsoft's PLX9x5x sample
 * (Windows-driver-samples general/PLX9x5x/sys: Pci9656.c, Init.c; the queue
 * callbacks are plx-io.ts, the interrupt plx-isr.ts), written against
 * dmasim's WDF as a user would write it. The PnP manager and the I/O manager
 * reach it only through its WDFDRIVER's DRIVER_OBJECT:
 *
 *   DriverEntry: WdfDriverCreate(EvtDriverDeviceAdd).
 *   PLxEvtDeviceAdd: WdfDeviceInitSetIoType(WdfDeviceIoDirect), the PnP and
 *     power callbacks, WdfDeviceCreate, then PLxInitializeDeviceExtension:
 *     three sequential queues (write, read, control) each given its request
 *     type with WdfDeviceConfigureRequestDispatching, PLxInterruptCreate and
 *     PLxInitializeDMA: WdfDeviceSetAlignmentRequirement(FILE_OCTA_ALIGNMENT),
 *     WdfDmaEnablerCreate(ScatterGather64Duplex, 8 KiB),
 *     WdfDmaEnablerSetMaximumScatterGatherElements, two WdfCommonBufferCreate
 *     rings of 3 DMA_TRANSFER_ELEMENTs, two WDFDMATRANSACTIONs.
 *   PLxEvtDevicePrepareHardware: BAR0 (the 0x200-byte memory range) and BAR2
 *     (the 128 KiB SRAM) in the translated resources, each mapped uncached
 *     with MmMapIoSpaceEx; STATUS_DEVICE_CONFIGURATION_ERROR without them.
 *   PLxEvtDeviceReleaseHardware: MmUnmapIoSpace both.
 *   PLxEvtDeviceD0Entry: PLxInitWrite / PLxInitRead (DMADAC 0, CSR copies clear).
 *   PLxEvtDeviceD0Exit: the sample resets the chip (EEPROM control soft
 *     reset, which the model does not have); here both channels are aborted
 *     (a request EvtIoStop requeued may still be running) and DMA interrupts
 *     masked, so the chip no longer masters the bus once the device is out of D0.
 *   PLxEvtDeviceSurpriseRemoval (not in the sample): note that the hardware
 *     is gone, so EvtIoStop ends the requests the chip will never finish.
 *
 * Differences from the sample:
 * - the rings are zeroed with RtlZeroDeviceMemory, not RtlZeroMemory: on
 *   ARM64 a non-coherent device's common buffer is Device memory, where
 *   memset-style routines may make unaligned accesses;
 * - `ringsFrom` and `dacChainLoad` (plx-device.ts): the sample's two
 *   address-width slips, fixed by default;
 * - EvtIoStop and EvtDeviceSurpriseRemoval (plx-io.ts): without them a
 *   surprise removal in the middle of a transfer leaves the framework waiting
 *   forever for a request the chip will never finish ("no-io-stop").
 * - the control queue answers IOCTL_PLX9X5X_GET_STATISTICS (plx-control.ts)
 *   instead of the sample's single-transfer toggle.
 */
import { BYTES_TO_PAGES, PAGE_SIZE, ROUND_TO_PAGES } from "../core/address.ts";
import { Application, type HANDLE } from "../app/application.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { DTE_SIZE, INTCSR_DMA0_INT_ENABLE, INTCSR_DMA1_INT_ENABLE, PLX_REG, PLX_SRAM_SIZE } from "../devices/plx9656.ts";
import { type DEVICE_OBJECT, FILE_OCTA_ALIGNMENT } from "../kernel/device-object.ts";
import { RtlZeroDeviceMemory } from "../kernel/device-memory.ts";
import { MmMapIoSpaceEx, MmUnmapIoSpace, PAGE_NOCACHE } from "../kernel/io-space.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { pnpAddDevice, startDevice } from "../kernel/pnp.ts";
import { CmResourceTypeMemory } from "../kernel/resources.ts";
import { WdfCommonBuffer, WdfCommonBufferCreate, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetAlignedVirtualAddress } from "../wdf/common-buffer.ts";
import { WdfDevice, WdfDeviceCreate, WdfDeviceInitSetIoType, WdfDeviceSetAlignmentRequirement, type WDFDEVICE_INIT } from "../wdf/device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, WdfDeviceIoDirect, type WdfDriver, WdfDriverCreate, WdfDriverWdmGetDriverObject } from "../wdf/driver.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaEnablerSetMaximumScatterGatherElements, WdfDmaProfileScatterGather, WdfDmaProfileScatterGather64Duplex } from "../wdf/dma-enabler.ts";
import { WdfDmaTransaction, WdfDmaTransactionCreate } from "../wdf/dma-transaction.ts";
import type { WdfDriverOptions } from "../wdf/globals.ts";
import { WDF_INTERRUPT_CONFIG_INIT, WdfInterrupt, WdfInterruptCreate } from "../wdf/interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "../wdf/object.ts";
import { type WdfCmResList, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WDF_PNPPOWER_EVENT_CALLBACKS_INIT, WdfDeviceInitSetPnpPowerEventCallbacks } from "../wdf/pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT, WdfDeviceConfigureRequestDispatching, WdfIoQueue, WdfIoQueueCreate, WdfIoQueueDispatchSequential } from "../wdf/queue.ts";
import { WdfRequestTypeDeviceControl, WdfRequestTypeRead, WdfRequestTypeWrite } from "../wdf/request.ts";
import { PLxEvtIoDeviceControl } from "./plx-control.ts";
import { PCI9656_MAXIMUM_TRANSFER_LENGTH, PLX_BAR0_LENGTH, plxContext, type PlxDeviceExtension, type PlxDriverOptions, readUlong, writeUlong } from "./plx-device.ts";
import { PLxEvtIoRead, PLxEvtIoStop, PLxEvtIoWrite } from "./plx-io.ts";
import { abortChannel, PLxEvtInterruptDisable, PLxEvtInterruptDpc, PLxEvtInterruptEnable, PLxEvtInterruptIsr } from "./plx-isr.ts";

export { PCI9656_MAXIMUM_TRANSFER_LENGTH, STATUS_INVALID_BUFFER_SIZE, type PlxBug, type PlxDeviceExtension, type PlxDriverOptions } from "./plx-device.ts";

/** PLxInitializeDeviceExtension's descriptor counts: BYTES_TO_PAGES(ROUND_TO_PAGES(max) + PAGE_SIZE). */
export function transferElementsFor(maximumTransferLength: number): number {
  return BYTES_TO_PAGES(ROUND_TO_PAGES(maximumTransferLength) + PAGE_SIZE);
}

const PAGE_READWRITE = 0x04;

/** DriverEntry: the WDFDRIVER whose EvtDriverDeviceAdd is PLxEvtDeviceAdd. The PnP manager then adds and starts the device. */
export function PlxDriverEntry(k: Kernel, options: PlxDriverOptions = {}, kmdf: WdfDriverOptions = {}): WdfDriver | NTSTATUS {
  const opts: Required<PlxDriverOptions> = { ringsFrom: options.ringsFrom ?? "ring-enabler", dacChainLoad: options.dacChainLoad ?? true, bug: options.bug ?? "none" };
  const out: HandleOut<WdfDriver> = { value: null };
  const st = WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((driver, init) => PLxEvtDeviceAdd(driver, init, opts)), out, { ...kmdf, name: "PLX9x5x" });
  if (!NT_SUCCESS(st) || out.value === null) return st;
  return out.value;
}

/** PLxEvtDeviceAdd. */
function PLxEvtDeviceAdd(driver: WdfDriver, init: WDFDEVICE_INIT, opts: Required<PlxDriverOptions>): NTSTATUS {
  WdfDeviceInitSetIoType(init, WdfDeviceIoDirect);
  const callbacks = WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
    EvtDevicePrepareHardware: PLxEvtDevicePrepareHardware,
    EvtDeviceReleaseHardware: PLxEvtDeviceReleaseHardware,
    EvtDeviceD0Entry: PLxEvtDeviceD0Entry,
    EvtDeviceD0Exit: PLxEvtDeviceD0Exit,
    EvtDeviceSurpriseRemoval: opts.bug === "no-io-stop" ? null : PLxEvtDeviceSurpriseRemoval,
  });
  WdfDeviceInitSetPnpPowerEventCallbacks(init, callbacks);
  const out: HandleOut<WdfDevice> = { value: null };
  let status = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT(), out);
  if (!NT_SUCCESS(status) || out.value === null) return status;
  const max = Math.min(PCI9656_MAXIMUM_TRANSFER_LENGTH, PLX_SRAM_SIZE);
  const n = transferElementsFor(max);
  const e: PlxDeviceExtension = {
    device: out.value,
    kernel: driver.kernel,
    options: opts,
    regs: 0,
    regsLength: 0,
    sram: 0,
    sramLength: 0,
    interrupt: null,
    dmaEnabler: null,
    ringEnabler: null,
    maximumTransferLength: max,
    readTransferElements: n,
    writeTransferElements: n,
    readCommonBuffer: null,
    writeCommonBuffer: null,
    readCommonBufferBase: 0,
    readCommonBufferBaseLA: { QuadPart: 0n },
    writeCommonBufferBase: 0,
    writeCommonBufferBaseLA: { QuadPart: 0n },
    readDmaTransaction: null,
    writeDmaTransaction: null,
    readQueue: null,
    writeQueue: null,
    controlQueue: null,
    intCsr: 0,
    dma0Csr: 0,
    dma1Csr: 0,
    readRequest: null,
    writeRequest: null,
    surpriseRemoved: false,
    interrupts: 0,
    dpcs: 0,
    requeued: 0,
    aborted: 0,
    prepares: 0,
  };
  out.value.context["ext"] = e;
  status = initializeQueues(e);
  if (!NT_SUCCESS(status)) return status;
  status = interruptCreate(e);
  if (!NT_SUCCESS(status)) return status;
  return initializeDma(e);
}

/** The queue part of PLxInitializeDeviceExtension: one sequential queue per request type (one transfer per channel at a time). */
function initializeQueues(e: PlxDeviceExtension): NTSTATUS {
  const stop = e.options.bug === "no-io-stop" ? null : PLxEvtIoStop;
  const queues: [WDF_REQUEST_TYPE_NAME, Parameters<typeof WDF_IO_QUEUE_CONFIG_INIT>[1]][] = [
    ["write", { EvtIoWrite: PLxEvtIoWrite, EvtIoStop: stop }],
    ["read", { EvtIoRead: PLxEvtIoRead, EvtIoStop: stop }],
    ["control", { EvtIoDeviceControl: PLxEvtIoDeviceControl }],
  ];
  for (const [name, fields] of queues) {
    const q: HandleOut<WdfIoQueue> = { value: null };
    let status = WdfIoQueueCreate(e.device, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchSequential, fields), null, q);
    if (!NT_SUCCESS(status) || q.value === null) return status;
    const type = name === "write" ? WdfRequestTypeWrite : name === "read" ? WdfRequestTypeRead : WdfRequestTypeDeviceControl;
    status = WdfDeviceConfigureRequestDispatching(e.device, q.value, type);
    if (!NT_SUCCESS(status)) return status;
    if (name === "write") e.writeQueue = q.value;
    else if (name === "read") e.readQueue = q.value;
    else e.controlQueue = q.value;
  }
  return STATUS.SUCCESS;
}

type WDF_REQUEST_TYPE_NAME = "write" | "read" | "control";

/** PLxInterruptCreate. */
function interruptCreate(e: PlxDeviceExtension): NTSTATUS {
  const cfg = WDF_INTERRUPT_CONFIG_INIT(PLxEvtInterruptIsr, PLxEvtInterruptDpc);
  cfg.EvtInterruptEnable = PLxEvtInterruptEnable;
  cfg.EvtInterruptDisable = PLxEvtInterruptDisable;
  cfg.AutomaticSerialization = true;
  const out: HandleOut<WdfInterrupt> = { value: null };
  const st = WdfInterruptCreate(e.device, cfg, null, out);
  e.interrupt = out.value;
  return st;
}

/** PLxInitializeDMA. */
function initializeDma(e: PlxDeviceExtension): NTSTATUS {
  // The transfer elements must be 16-byte aligned: the low 4 bits of DescPtr are flags.
  WdfDeviceSetAlignmentRequirement(e.device, FILE_OCTA_ALIGNMENT);
  const en: HandleOut<WdfDmaEnabler> = { value: null };
  let status = WdfDmaEnablerCreate(e.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64Duplex, e.maximumTransferLength, e.device), null, en);
  if (!NT_SUCCESS(status) || en.value === null) return status;
  e.dmaEnabler = en.value;
  WdfDmaEnablerSetMaximumScatterGatherElements(en.value, Math.min(e.readTransferElements, e.writeTransferElements));
  let ringSource = en.value;
  if (e.options.ringsFrom === "ring-enabler") {
    const ring: HandleOut<WdfDmaEnabler> = { value: null };
    status = WdfDmaEnablerCreate(e.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather, e.maximumTransferLength, e.device), null, ring);
    if (!NT_SUCCESS(status) || ring.value === null) return status;
    e.ringEnabler = ring.value;
    ringSource = ring.value;
  }
  const wb: HandleOut<WdfCommonBuffer> = { value: null };
  status = WdfCommonBufferCreate(ringSource, DTE_SIZE * e.writeTransferElements, null, wb);
  if (!NT_SUCCESS(status) || wb.value === null) return status;
  e.writeCommonBuffer = wb.value;
  e.writeCommonBufferBase = WdfCommonBufferGetAlignedVirtualAddress(wb.value);
  e.writeCommonBufferBaseLA = WdfCommonBufferGetAlignedLogicalAddress(wb.value);
  RtlZeroDeviceMemory(e.kernel, e.writeCommonBufferBase, DTE_SIZE * e.writeTransferElements);
  const rb: HandleOut<WdfCommonBuffer> = { value: null };
  status = WdfCommonBufferCreate(ringSource, DTE_SIZE * e.readTransferElements, null, rb);
  if (!NT_SUCCESS(status) || rb.value === null) return status;
  e.readCommonBuffer = rb.value;
  e.readCommonBufferBase = WdfCommonBufferGetAlignedVirtualAddress(rb.value);
  e.readCommonBufferBaseLA = WdfCommonBufferGetAlignedLogicalAddress(rb.value);
  RtlZeroDeviceMemory(e.kernel, e.readCommonBufferBase, DTE_SIZE * e.readTransferElements);
  // Sequential queues: one request per channel at a time, so one transaction each, created up front and reused.
  const rt: HandleOut<WdfDmaTransaction> = { value: null };
  status = WdfDmaTransactionCreate(en.value, null, rt);
  if (!NT_SUCCESS(status)) return status;
  e.readDmaTransaction = rt.value;
  const wt: HandleOut<WdfDmaTransaction> = { value: null };
  status = WdfDmaTransactionCreate(en.value, null, wt);
  if (!NT_SUCCESS(status)) return status;
  e.writeDmaTransaction = wt.value;
  return STATUS.SUCCESS;
}

/** PLxEvtDevicePrepareHardware -> PLxPrepareHardware: find BAR0 and BAR2 in the translated resources and map them. */
function PLxEvtDevicePrepareHardware(Device: WdfDevice, _Resources: WdfCmResList, ResourcesTranslated: WdfCmResList): NTSTATUS {
  const e = plxContext(Device);
  let regs: { Start: { QuadPart: bigint }; Length: number } | null = null;
  let sram: { Start: { QuadPart: bigint }; Length: number } | null = null;
  for (let i = 0; i < WdfCmResourceListGetCount(ResourcesTranslated); i++) {
    const desc = WdfCmResourceListGetDescriptor(ResourcesTranslated, i);
    if (desc === null) return STATUS.DEVICE_CONFIGURATION_ERROR;
    const m = desc.Type === CmResourceTypeMemory ? desc.u.Memory : undefined;
    if (m === undefined) continue;
    // The order the sample checks them in: BAR2 is the SRAM-sized range after BAR0, BAR0 the 0x200-byte one.
    if (regs !== null && sram === null && m.Length === PLX_SRAM_SIZE) sram = m;
    if (regs === null && m.Length === PLX_BAR0_LENGTH) regs = m;
  }
  if (regs === null || sram === null) return STATUS.DEVICE_CONFIGURATION_ERROR;
  const regsVa = MmMapIoSpaceEx(e.kernel, regs.Start, regs.Length, PAGE_READWRITE | PAGE_NOCACHE);
  if (regsVa === null) return STATUS.INSUFFICIENT_RESOURCES;
  e.regs = regsVa;
  e.regsLength = regs.Length;
  const sramVa = MmMapIoSpaceEx(e.kernel, sram.Start, sram.Length, PAGE_READWRITE | PAGE_NOCACHE);
  if (sramVa === null) return STATUS.INSUFFICIENT_RESOURCES;
  e.sram = sramVa;
  e.sramLength = sram.Length;
  e.prepares++;
  return STATUS.SUCCESS;
}

/** PLxEvtDeviceReleaseHardware: unmap what PrepareHardware mapped. */
function PLxEvtDeviceReleaseHardware(Device: WdfDevice): NTSTATUS {
  const e = plxContext(Device);
  if (e.regs !== 0) MmUnmapIoSpace(e.kernel, e.regs, e.regsLength);
  e.regs = 0;
  if (e.sram !== 0) MmUnmapIoSpace(e.kernel, e.sram, e.sramLength);
  e.sram = 0;
  return STATUS.SUCCESS;
}

/** PLxEvtDeviceD0Entry: PLxInitWrite and PLxInitRead. */
function PLxEvtDeviceD0Entry(Device: WdfDevice): NTSTATUS {
  const e = plxContext(Device);
  writeUlong(e, PLX_REG.DMADAC0, 0);
  e.dma0Csr = 0;
  writeUlong(e, PLX_REG.DMADAC1, 0);
  e.dma1Csr = 0;
  e.intCsr = 0;
  return STATUS.SUCCESS;
}

/**
 * PLxEvtDeviceD0Exit (interrupts already disabled): stop both channels —
 * a request EvtIoStop put back in its queue may still be moving data — end
 * their transactions, and mask the DMA interrupts. After a surprise removal
 * there is no hardware to touch.
 */
function PLxEvtDeviceD0Exit(Device: WdfDevice): NTSTATUS {
  const e = plxContext(Device);
  const touch = !e.surpriseRemoved && e.options.bug !== "d0-exit-leaves-dma";
  for (const direction of ["write", "read"] as const) if (abortChannel(e, direction, touch) && touch) e.aborted++;
  if (touch) writeUlong(e, PLX_REG.INTCSR, readUlong(e, PLX_REG.INTCSR) & ~(INTCSR_DMA0_INT_ENABLE | INTCSR_DMA1_INT_ENABLE));
  return STATUS.SUCCESS;
}

/** PLxEvtDeviceSurpriseRemoval: the card is gone; EvtIoStop ends what it will never finish. */
function PLxEvtDeviceSurpriseRemoval(Device: WdfDevice): void {
  plxContext(Device).surpriseRemoved = true;
}

/** A loaded driver with its one started device and an application holding it open. */
export interface PlxDriver {
  readonly driver: WdfDriver;
  readonly device: WdfDevice;
  readonly ext: PlxDeviceExtension;
  readonly options: Required<PlxDriverOptions>;
  readonly pdo: DEVICE_OBJECT;
  readonly app: Application;
  readonly handle: HANDLE;
}

/**
 * What the system does for a scenario: DriverEntry, then the PnP manager
 * adds the device over `pdoName` (AddDevice: EvtDriverDeviceAdd) and starts
 * it (IRP_MN_START_DEVICE: PrepareHardware, D0Entry, interrupts), then an
 * application opens it (CreateFile). Returns the driver or the failing status.
 */
export function loadPlxDriver(k: Kernel, pdoName: string, options: PlxDriverOptions & { readonly kmdf?: WdfDriverOptions } = {}): PlxDriver | NTSTATUS {
  const driver = PlxDriverEntry(k, options, options.kmdf);
  if (typeof driver === "number") return driver;
  const pdo = k.pdo(pdoName);
  const added = pnpAddDevice(k, WdfDriverWdmGetDriverObject(driver), pdo);
  if (!NT_SUCCESS(added)) return added;
  const device = driver.children.find((c): c is WdfDevice => c instanceof WdfDevice && c.pdo === pdo);
  if (device === undefined) return STATUS.NO_SUCH_DEVICE;
  const started = startDevice(k, pdo).IoStatus.Status;
  if (!NT_SUCCESS(started)) return started;
  const app = new Application(k);
  const open = app.CreateFile(pdoName);
  if (open.handle === null) return open.status;
  const ext = plxContext(device);
  return { driver, device, ext, options: ext.options, pdo, app, handle: open.handle };
}
