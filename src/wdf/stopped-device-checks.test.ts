import { describe, expect, it } from "vitest";
import type { FindingInput } from "../core/findings.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { Application } from "../app/application.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { DeviceModel, RegisterHandler } from "../machine/device-model.ts";
import { parseProfile } from "../machine/profile.ts";
import { MmNonCached } from "../kernel/contiguous-memory.ts";
import { MmMapIoSpace, WRITE_REGISTER_ULONG } from "../kernel/io-space.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, type MDL, MmBuildMdlForNonPagedPool } from "../kernel/mdl.ts";
import { removeDevice, startDevice, stopDevice, surpriseRemoveDevice } from "../kernel/pnp.ts";
import { CmResourceTypeMemory } from "../kernel/resources.ts";
import { WdfCommonBuffer, WdfCommonBufferCreate, WdfCommonBufferGetAlignedLogicalAddress } from "./common-buffer.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, type WDFDEVICE_INIT } from "./device.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaDirectionWriteToDevice, WdfDmaEnabler, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64 } from "./dma-enabler.ts";
import { WdfDmaTransaction, WdfDmaTransactionCreate, WdfDmaTransactionExecute, WdfDmaTransactionInitialize } from "./dma-transaction.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "./driver.ts";
import { WDF_INTERRUPT_CONFIG_INIT, WdfInterruptCreate } from "./interrupt.ts";
import { WDF_PNPPOWER_EVENT_CALLBACKS_INIT, type WdfCmResList, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WdfDeviceInitSetPnpPowerEventCallbacks } from "./pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfIoQueueCreate, WdfIoQueueDispatchSequential } from "./queue.ts";
import type { WdfRequest } from "./request.ts";

const ADDR_LO = 0x0, ADDR_HI = 0x4, CTRL = 0x8;
const RUN = 1, IRQ_EN = 2;

/** Every 10 us while RUN it writes 4 bytes at its address; while IRQ_EN it pulses its interrupt line. */
const pinger: DeviceModel = {
  model: "pinger",
  description: "a bus master that writes every 10 us and interrupts while told to",
  buses: ["pci"],
  bars: [{ kind: "mmio", size: 0x1000 }],
  interrupt: "required",
  create(ctx) {
    const r = new Uint32Array(3);
    const tick = (): void => {
      const c = r[2] as number;
      if ((c & RUN) !== 0) ctx.dma?.write((r[1] as number) * 2 ** 32 + (r[0] as number), Uint8Array.of(1, 2, 3, 4));
      if ((c & IRQ_EN) !== 0) {
        ctx.irq?.set(false);
        ctx.irq?.set(true);
      } else ctx.irq?.set(false);
      if (c !== 0) ctx.clock.after(10_000, tick, "pinger tick");
    };
    const regs: RegisterHandler = {
      read: (offset) => r[offset >>> 2] ?? 0,
      write: (offset, _size, value) => {
        const was = r[2] as number;
        r[offset >>> 2] = value;
        if (offset === CTRL && was === 0 && value !== 0) ctx.clock.after(10_000, tick, "pinger tick");
        if (offset === CTRL && (value & IRQ_EN) === 0) ctx.irq?.set(false);
      },
    };
    return { registers: [regs] };
  },
};

interface Breakage {
  /** D0Exit leaves the DMA running. */
  readonly dmaInD0Exit?: boolean;
  /** EvtInterruptDisable leaves the interrupt enabled. */
  readonly irqInDisable?: boolean;
  /** A transaction executes and is never completed. */
  readonly openTransaction?: boolean;
}

function rig(broken: Breakage = {}) {
  const base = builtinProfile("x64-desktop");
  const profile = parseProfile({ ...base, name: "x64-desktop-pinger", devices: [...base.devices, { name: "pinger0", bus: "pci", model: "pinger", irq: 17 }] });
  const k: Kernel = bootMachine(profile, { deviceModels: [pinger] });
  const found: FindingInput[] = [];
  k.findings = { report: (f) => void found.push(f) };
  let regs = 0;
  let buffer!: WdfCommonBuffer;
  let tx!: WdfDmaTransaction;
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    WdfDeviceInitSetPnpPowerEventCallbacks(init, WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
      EvtDevicePrepareHardware: (_dev, _raw, tr: WdfCmResList) => {
        for (let i = 0; i < WdfCmResourceListGetCount(tr); i++) {
          const d = WdfCmResourceListGetDescriptor(tr, i);
          if (d?.Type === CmResourceTypeMemory && d.u.Memory !== undefined) regs = MmMapIoSpace(k, d.u.Memory.Start, d.u.Memory.Length, MmNonCached) ?? 0;
        }
        return STATUS.SUCCESS;
      },
      EvtDeviceD0Entry: () => {
        const la = WdfCommonBufferGetAlignedLogicalAddress(buffer).QuadPart;
        WRITE_REGISTER_ULONG(k, regs + ADDR_LO, Number(la & 0xffff_ffffn));
        WRITE_REGISTER_ULONG(k, regs + ADDR_HI, Number(la >> 32n));
        WRITE_REGISTER_ULONG(k, regs + CTRL, RUN);
        if (broken.openTransaction === true) {
          const pfns = k.pfm.allocatePages(1, { effort: "full" }) as number[];
          const m = k.va.map(pfns, "cached", "tx buffer");
          const mdl = IoAllocateMdl(k, m.startVa, 512) as MDL;
          MmBuildMdlForNonPagedPool(k, mdl);
          WdfDmaTransactionInitialize(tx, () => true, WdfDmaDirectionWriteToDevice, mdl, m.startVa, 512);
          WdfDmaTransactionExecute(tx, null);
        }
        return STATUS.SUCCESS;
      },
      EvtDeviceD0Exit: () => {
        if (broken.dmaInD0Exit !== true) WRITE_REGISTER_ULONG(k, regs + CTRL, broken.irqInDisable === true ? IRQ_EN : 0);
        return STATUS.SUCCESS;
      },
    }));
    const out: HandleOut<WdfDevice> = { value: null };
    let st = WdfDeviceCreate(init, null, out);
    if (!NT_SUCCESS(st)) return st;
    const dev = out.value as WdfDevice;
    const icfg = WDF_INTERRUPT_CONFIG_INIT(() => false, null);
    icfg.EvtInterruptEnable = () => (WRITE_REGISTER_ULONG(k, regs + CTRL, RUN | IRQ_EN), STATUS.SUCCESS);
    icfg.EvtInterruptDisable = () => (WRITE_REGISTER_ULONG(k, regs + CTRL, broken.irqInDisable === true ? RUN | IRQ_EN : RUN), STATUS.SUCCESS);
    st = WdfInterruptCreate(dev, icfg, null, { value: null });
    if (!NT_SUCCESS(st)) return st;
    const en: HandleOut<WdfDmaEnabler> = { value: null };
    st = WdfDmaEnablerCreate(dev, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 0x10000, dev), null, en);
    if (!NT_SUCCESS(st)) return st;
    const cb: HandleOut<WdfCommonBuffer> = { value: null };
    st = WdfCommonBufferCreate(en.value as WdfDmaEnabler, 4096, null, cb);
    buffer = cb.value as WdfCommonBuffer;
    const t: HandleOut<WdfDmaTransaction> = { value: null };
    WdfDmaTransactionCreate(en.value as WdfDmaEnabler, null, t);
    tx = t.value as WdfDmaTransaction;
    return st;
  };
  const drv: HandleOut<WdfDriver> = { value: null };
  WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv);
  const { device } = wdfAddDevice(drv.value as WdfDriver, "pinger0");
  const pdo = k.pdo("pinger0");
  expect(startDevice(k, pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
  return { k, pdo, found, device: device as WdfDevice, get buffer() {
    return buffer;
  }, get tx() {
    return tx;
  } };
}

const codes = (f: readonly FindingInput[]): string[] => f.map((x) => x.code);

describe("KMDF verifier checks on a device that left D0", () => {
  it("a clean driver (stops its DMA in D0Exit, its interrupt in EvtInterruptDisable) runs, stops, restarts and is removed with no finding", () => {
    const t = rig();
    t.k.clock.runUntil(100_000);
    // The device really works in D0: its writes are in the common buffer and its line pulsed.
    expect([...t.k.cpu.readBytes(t.buffer.alignedVa, 4)]).toEqual([1, 2, 3, 4]);
    expect(t.k.interrupts.edges[17]).toBeGreaterThan(5);
    stopDevice(t.k, t.pdo);
    t.k.clock.runUntil(300_000);
    startDevice(t.k, t.pdo);
    t.k.clock.runUntil(500_000);
    removeDevice(t.k, t.pdo);
    t.k.clock.runUntil(700_000);
    expect(t.found).toEqual([]);
  });

  it("DMA left running in D0Exit: WDF_DMA_AFTER_D0_EXIT once, naming the common buffer it hits and that the hardware was already released", () => {
    const t = rig({ dmaInD0Exit: true });
    t.k.clock.runUntil(100_000);
    stopDevice(t.k, t.pdo);
    t.k.clock.runUntil(300_000);
    expect(codes(t.found)).toEqual(["WDF_DMA_AFTER_D0_EXIT"]);
    const f = t.found[0] as Extract<FindingInput, { code: "WDF_DMA_AFTER_D0_EXIT" }>;
    expect(f.params).toMatchObject({ object: t.buffer.handle, state: "after EvtDeviceReleaseHardware", write: true, length: 4 });
    expect(f.device).toBe("pinger0");
    // Back in D0 the same accesses are the device's business again.
    startDevice(t.k, t.pdo);
    t.k.clock.runUntil(500_000);
    expect(t.found).toHaveLength(1);
  });

  it("an interrupt left enabled by EvtInterruptDisable: WDF_INTERRUPT_AFTER_DISCONNECT once, with the line and the WDFINTERRUPT", () => {
    const t = rig({ irqInDisable: true });
    t.k.clock.runUntil(100_000);
    stopDevice(t.k, t.pdo);
    t.k.clock.runUntil(300_000);
    expect(codes(t.found)).toEqual(["WDF_INTERRUPT_AFTER_DISCONNECT"]);
    expect(t.found[0]?.params).toMatchObject({ line: 17 });
  });

  it("a transaction still executing when D0Exit returns: WDF_TRANSACTION_ACTIVE_AT_D0_EXIT with the bytes left", () => {
    const t = rig({ openTransaction: true });
    stopDevice(t.k, t.pdo);
    expect(codes(t.found)).toEqual(["WDF_TRANSACTION_ACTIVE_AT_D0_EXIT"]);
    expect(t.found[0]?.params).toEqual({ transaction: t.tx.handle, bytesLeft: 512 });
  });

  it("after a surprise removal the device is off the board: its DMA and interrupts no longer reach anything, so nothing is reported", () => {
    const t = rig({ dmaInD0Exit: true, irqInDisable: true });
    surpriseRemoveDevice(t.k, t.pdo);
    t.k.clock.runUntil(300_000);
    removeDevice(t.k, t.pdo);
    expect(t.found).toEqual([]);
  });
});

describe("WDF_REQUEST_NOT_COMPLETED", () => {
  function holder(withStop: boolean) {
    const k = bootMachine("x64-desktop");
    const found: FindingInput[] = [];
    k.findings = { report: (f) => void found.push(f) };
    const held: WdfRequest[] = [];
    const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
      const out: HandleOut<WdfDevice> = { value: null };
      const st = WdfDeviceCreate(init, null, out);
      if (!NT_SUCCESS(st)) return st;
      return WdfIoQueueCreate(out.value as WdfDevice, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchSequential, { EvtIoRead: (_q, r) => void held.push(r), ...(withStop ? { EvtIoStop: () => undefined } : {}) }), null, null);
    };
    const drv: HandleOut<WdfDriver> = { value: null };
    WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), drv);
    wdfAddDevice(drv.value as WdfDriver, "plx9656");
    const pdo = k.pdo("plx9656");
    startDevice(k, pdo);
    const app = new Application(k);
    const h = app.CreateFile("plx9656").handle!;
    app.ReadFileOverlapped(h, app.allocate(8));
    return { k, pdo, found, held };
  }

  it("a request the driver never completes (and an EvtIoStop that neither completes nor acknowledges): reported at the stop's wait, naming the request", () => {
    const t = holder(true);
    stopDevice(t.k, t.pdo);
    expect(codes(t.found)).toEqual(["WDF_REQUEST_NOT_COMPLETED"]);
    expect(t.found[0]?.params).toMatchObject({ request: t.held[0]?.handle, major: 0x03 });
    expect(t.found[0]?.routine).toMatch(/power-down/);
  });

  it("a request still the driver's at the removal (no EvtIoStop): reported at the purge", () => {
    const t = holder(false);
    removeDevice(t.k, t.pdo);
    expect(codes(t.found)).toEqual(["WDF_REQUEST_NOT_COMPLETED", "WDF_REQUEST_NOT_COMPLETED"]);
    expect(t.found.map((f) => f.routine)).toEqual(["the power-down (EvtDeviceD0Exit)", "the purge of its queues (removal)"]);
  });
});
