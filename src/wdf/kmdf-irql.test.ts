import { describe, expect, it } from "vitest";
import { Application } from "../app/application.ts";
import type { FindingInput } from "../core/findings.ts";
import { DIRQL_MIN, DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS } from "../core/ntstatus.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { WdfDeviceGetAlignmentRequirement, WdfDeviceSetAlignmentRequirement } from "./device.ts";
import type { HandleOut } from "./driver.ts";
import type { WdfDriverOptions } from "./globals.ts";
import { WDF_INTERRUPT_CONFIG_INIT, type WdfInterrupt, WdfInterruptCreate, WdfInterruptSynchronize } from "./interrupt.ts";
import { WDF_OBJECT_ATTRIBUTES_INIT } from "./object.ts";
import { WDF_PNPPOWER_EVENT_CALLBACKS_INIT, WdfCmResourceListGetCount, WdfCmResourceListGetDescriptor, WdfDeviceInitSetPnpPowerEventCallbacks } from "./pnp-power.ts";
import { WDF_IO_QUEUE_CONFIG_INIT, WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE, WdfFalse, type WdfIoQueue, WdfIoQueueCreate, WdfIoQueueDispatchManual, WdfIoQueueRetrieveNextRequest, WdfIoQueueStart } from "./queue.ts";
import { type WdfRequest, WdfRequestCompleteWithInformation, WdfRequestGetInformation } from "./request.ts";
import { type WdfSpinLock, WdfSpinLockCreate } from "./spin-lock.ts";
import { wdfStartedDevice, wdfTestbed } from "./test-support.ts";
import { WDF_TIMER_CONFIG_INIT, type WdfTimer, WdfTimerCreate, WdfTimerStop } from "./timer.ts";

const KMDF_VERIFIER: WdfDriverOptions = { verifier: true };
const ABOVE_DISPATCH = DIRQL_MIN;

/** Collect what the machine reports from here on. */
function collect(k: Kernel): FindingInput[] {
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return seen;
}

const codes = (seen: readonly FindingInput[]): string[] => seen.map((f) => f.code);

describe("KMDF routines called above their IRQL: the framework's check (WDF_WRONG_IRQL, with the KMDF verifier on), never the HAL's DMA_WRONG_IRQL", () => {
  it("WdfDeviceSetAlignmentRequirement above DISPATCH_LEVEL: WDF_WRONG_IRQL naming the routine; the mask is still written (a void DDI: the verifier breaks, the call goes on)", () => {
    const tb = wdfTestbed("x64-desktop", KMDF_VERIFIER);
    const seen = collect(tb.k);
    tb.k.atIrql(ABOVE_DISPATCH, () => WdfDeviceSetAlignmentRequirement(tb.device, 0x7));
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL"]);
    expect(seen[0]?.routine).toBe("WdfDeviceSetAlignmentRequirement");
    expect(seen[0]?.message).toMatch(/requires DISPATCH_LEVEL or lower/);
    expect(WdfDeviceGetAlignmentRequirement(tb.device)).toBe(0x7);
  });

  it("without the KMDF verifier the framework does not check the IRQL: nothing is reported", () => {
    const tb = wdfTestbed();
    const seen = collect(tb.k);
    tb.k.atIrql(ABOVE_DISPATCH, () => WdfDeviceSetAlignmentRequirement(tb.device, 0x7));
    expect(seen).toEqual([]);
  });

  it("at DISPATCH_LEVEL (allowed) nothing is reported", () => {
    const tb = wdfTestbed("x64-desktop", KMDF_VERIFIER);
    const seen = collect(tb.k);
    tb.k.atDispatch(() => WdfDeviceSetAlignmentRequirement(tb.device, 0x3));
    expect(seen).toEqual([]);
  });

  it("WdfCmResourceListGetCount / GetDescriptor above DISPATCH_LEVEL in EvtDevicePrepareHardware: WDF_WRONG_IRQL for each, the list still read", () => {
    let seen: FindingInput[] = [];
    let count = -1;
    let first: unknown = null;
    wdfStartedDevice(
      () => STATUS.SUCCESS,
      (init) =>
        WdfDeviceInitSetPnpPowerEventCallbacks(
          init,
          WDF_PNPPOWER_EVENT_CALLBACKS_INIT({
            EvtDevicePrepareHardware: (d, _raw, translated) => {
              seen = collect(d.kernel);
              d.kernel.atIrql(ABOVE_DISPATCH, () => {
                count = WdfCmResourceListGetCount(translated);
                first = WdfCmResourceListGetDescriptor(translated, 0);
              });
              return STATUS.SUCCESS;
            },
          }),
        ),
      KMDF_VERIFIER,
    );
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL", "WDF_WRONG_IRQL"]);
    expect(seen.map((f) => f.routine)).toEqual(["WdfCmResourceListGetCount", "WdfCmResourceListGetDescriptor"]);
    expect(count).toBeGreaterThan(0);
    expect(first).not.toBeNull();
  });

  it("WdfIoQueueCreate above DISPATCH_LEVEL fails with STATUS_INVALID_DEVICE_REQUEST (WDF_WRONG_IRQL) and creates no queue", () => {
    const tb = wdfTestbed("x64-desktop", KMDF_VERIFIER);
    const seen = collect(tb.k);
    const q: HandleOut<WdfIoQueue> = { value: null };
    expect(tb.k.atIrql(ABOVE_DISPATCH, () => WdfIoQueueCreate(tb.device, WDF_IO_QUEUE_CONFIG_INIT(WdfIoQueueDispatchManual), null, q))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(q.value).toBeNull();
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL"]);
  });

  it("WdfSpinLockCreate and WdfTimerCreate above DISPATCH_LEVEL fail with STATUS_INVALID_DEVICE_REQUEST (WDF_WRONG_IRQL)", () => {
    const tb = wdfTestbed("x64-desktop", KMDF_VERIFIER);
    const seen = collect(tb.k);
    const l: HandleOut<WdfSpinLock> = { value: null };
    const t: HandleOut<WdfTimer> = { value: null };
    expect(tb.k.atIrql(ABOVE_DISPATCH, () => WdfSpinLockCreate(tb.driver, null, l))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(tb.k.atIrql(ABOVE_DISPATCH, () => WdfTimerCreate(WDF_TIMER_CONFIG_INIT(() => undefined), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), t))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(l.value).toBeNull();
    expect(t.value).toBeNull();
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL", "WDF_WRONG_IRQL"]);
  });

  it("WdfTimerStop(Wait = TRUE) at DISPATCH_LEVEL is WDF_WRONG_IRQL (it waits: PASSIVE_LEVEL only); Wait = FALSE there is fine", () => {
    const tb = wdfTestbed("x64-desktop", KMDF_VERIFIER);
    const t: HandleOut<WdfTimer> = { value: null };
    expect(WdfTimerCreate(WDF_TIMER_CONFIG_INIT(() => undefined), WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: tb.device }), t)).toBe(STATUS.SUCCESS);
    const seen = collect(tb.k);
    tb.k.atDispatch(() => WdfTimerStop(t.value as WdfTimer, false));
    expect(seen).toEqual([]);
    tb.k.atDispatch(() => WdfTimerStop(t.value as WdfTimer, true));
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL"]);
    expect(seen[0]?.message).toMatch(/requires PASSIVE_LEVEL/);
  });

  it("WdfInterruptSynchronize above DISPATCH_LEVEL is WDF_WRONG_IRQL", () => {
    let wi: WdfInterrupt | null = null;
    const tb = wdfStartedDevice(
      (dev) => {
        const out: HandleOut<WdfInterrupt> = { value: null };
        const st = WdfInterruptCreate(dev, WDF_INTERRUPT_CONFIG_INIT(() => false, null), null, out);
        wi = out.value;
        return st;
      },
      undefined,
      KMDF_VERIFIER,
    );
    const seen = collect(tb.k);
    // Its SynchronizeIrql is the line's DIRQL: called from above that, raising to it is itself a stop, after the framework's finding.
    try {
      tb.k.atIrql(DISPATCH_LEVEL + 10, () => WdfInterruptSynchronize(wi as unknown as WdfInterrupt, () => true, null));
    } catch {
      // the kernel's own IRQL stop
    }
    expect(codes(seen)[0]).toBe("WDF_WRONG_IRQL");
    expect(codes(seen)).not.toContain("DMA_WRONG_IRQL");
  });

  it("request and queue routines above DISPATCH_LEVEL (WdfIoQueueRetrieveNextRequest fails with STATUS_INVALID_DEVICE_REQUEST; WdfRequestGetInformation, WdfIoQueueStart report and go on) are WDF_WRONG_IRQL", () => {
    let manual: WdfIoQueue | null = null;
    const tb = wdfStartedDevice(
      (dev) => {
        const q: HandleOut<WdfIoQueue> = { value: null };
        const st = WdfIoQueueCreate(dev, { ...WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(WdfIoQueueDispatchManual), PowerManaged: WdfFalse }, null, q);
        manual = q.value;
        return st;
      },
      undefined,
      KMDF_VERIFIER,
    );
    const app = new Application(tb.k);
    const h = app.CreateFile("plx9656").handle;
    expect(h).not.toBeNull();
    const buf = app.allocate(16);
    const w = app.WriteFileOverlapped(h as NonNullable<typeof h>, buf);
    const q = manual as unknown as WdfIoQueue;
    const seen = collect(tb.k);
    const out: HandleOut<WdfRequest> = { value: null };
    expect(tb.k.atIrql(ABOVE_DISPATCH, () => WdfIoQueueRetrieveNextRequest(q, out))).toBe(STATUS.INVALID_DEVICE_REQUEST);
    expect(out.value).toBeNull();
    expect(WdfIoQueueRetrieveNextRequest(q, out)).toBe(STATUS.SUCCESS);
    const r = out.value as WdfRequest;
    expect(tb.k.atIrql(ABOVE_DISPATCH, () => WdfRequestGetInformation(r))).toBe(0);
    tb.k.atIrql(ABOVE_DISPATCH, () => WdfIoQueueStart(q));
    expect(codes(seen)).toEqual(["WDF_WRONG_IRQL", "WDF_WRONG_IRQL", "WDF_WRONG_IRQL"]);
    expect(seen.map((f) => f.routine)).toEqual(["WdfIoQueueRetrieveNextRequest", "WdfRequestGetInformation", "WdfIoQueueStart"]);
    // A completion from above DISPATCH_LEVEL is reported too, and the request completes.
    tb.k.atIrql(ABOVE_DISPATCH, () => WdfRequestCompleteWithInformation(r, STATUS.SUCCESS, 16));
    expect(seen[3]?.routine).toBe("WdfRequestCompleteWithInformation");
    expect(codes(seen)).not.toContain("DMA_WRONG_IRQL");
    expect(w.wait().status).toBe(STATUS.SUCCESS);
  });
});
