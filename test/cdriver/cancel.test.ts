import { beforeAll, describe, expect, it } from "vitest";
import { Application, type HANDLE } from "../../src/app/application.ts";
import type { CDriver } from "../../src/cdriver/host/c-driver.ts";
import type { PreparedDriver } from "../../src/cdriver/load.ts";
import { STATUS } from "../../src/core/ntstatus.ts";
import type { Kernel } from "../../src/kernel/kernel.ts";
import { pnpAddDevice, startDevice } from "../../src/kernel/pnp.ts";
import { callExport, fixture, haveToolchain, instantiate, skipReason } from "./support.ts";

describe.skipIf(!haveToolchain)(`IRP cancellation reaches a C driver${skipReason}`, () => {
  let p: PreparedDriver;
  beforeAll(async () => {
    p = await fixture("cancel");
  }, 120_000);

  function opened(): { k: Kernel; d: CDriver; app: Application; h: HANDLE } {
    const { k, d } = instantiate(p);
    d.load();
    const pdo = k.pdo("plx9656");
    expect(pnpAddDevice(k, d.driver, pdo)).toBe(0);
    expect(startDevice(k, pdo).IoStatus.Status).toBe(0);
    const app = new Application(k);
    const open = app.CreateFile("plx9656");
    if (open.handle === null) throw new Error(`CreateFile failed 0x${open.status.toString(16)}`);
    return { k, d, app, h: open.handle };
  }

  it("CancelIo calls the C cancel routine once, at DISPATCH_LEVEL, with Irp->Cancel set and Irp->CancelRoutine cleared; IoReleaseCancelSpinLock(Irp->CancelIrql) returns to PASSIVE_LEVEL; the read completes STATUS_CANCELLED", () => {
    const { d, app, h } = opened();
    const read = app.ReadFileOverlapped(h, app.allocate(16));
    expect(read.result).toBeNull();
    expect(app.CancelIo(h)).toBe(1);
    expect(read.result?.status).toBe(STATUS.CANCELLED);
    expect(callExport(d, "t_cancel_runs")).toBe(1);
    expect(callExport(d, "t_cancel_irql")).toBe(2);
    expect(callExport(d, "t_after_release_irql")).toBe(0);
    expect(callExport(d, "t_saw_cancel")).toBe(1);
    expect(callExport(d, "t_saw_routine")).toBe(0);
    expect(callExport(d, "t_saw_device")).toBe(1);
    // Nothing left to cancel.
    expect(app.CancelIo(h)).toBe(0);
    expect(callExport(d, "t_cancel_runs")).toBe(1);
  });

  it("a read the driver completes first (IoSetCancelRoutine(NULL) got its routine back) is not cancelled: CancelIo finds no routine and the cancel routine never runs", () => {
    const { d, app, h } = opened();
    const read = app.ReadFileOverlapped(h, app.allocate(16));
    const w = app.allocate(4);
    expect(app.WriteFile(h, w)).toEqual({ status: STATUS.SUCCESS, information: 4 });
    expect(callExport(d, "t_write_completed_read")).toBe(1);
    expect(read.result?.status).toBe(STATUS.SUCCESS);
    expect(app.CancelIo(h)).toBe(0);
    expect(callExport(d, "t_cancel_runs")).toBe(0);
  });

  it("closing the handle with a read pending: the driver's IRP_MJ_CLEANUP clears the cancel routine and completes the read STATUS_CANCELLED itself (the cancel routine does not run)", () => {
    const { d, app, h } = opened();
    const read = app.ReadFileOverlapped(h, app.allocate(16));
    app.CloseHandle(h);
    expect(read.result?.status).toBe(STATUS.CANCELLED);
    expect(callExport(d, "t_cancel_runs")).toBe(0);
  });

  it("IoAcquireCancelSpinLock raises to DISPATCH_LEVEL and IoReleaseCancelSpinLock returns to the IRQL it saved", () => {
    const { d } = opened();
    expect(callExport(d, "t_lock")).toBe((2 << 8) | 0);
  });
});
