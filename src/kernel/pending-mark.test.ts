/**
 * IoCallDriver holds dispatch routines to the WDM rules MarkIrpPending2 and
 * MarkIrpPending: STATUS_PENDING is returned exactly when IoMarkIrpPending was
 * called, unless the IRP was passed to the driver below.
 */
import { describe, expect, it } from "vitest";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { FindingInput } from "../core/findings.ts";
import { bootMachine } from "./kernel.ts";
import { IoAllocateIrp, IoCompleteRequest, IoMarkIrpPending, IRP_MJ_READ, type IRP } from "./irp.ts";
import { createDriverObject, IoCallDriver, IoCreateFdo, type DRIVER_OBJECT } from "./pnp.ts";
import type { DEVICE_OBJECT } from "./device-object.ts";

function driverWith(read: (d: DEVICE_OBJECT, irp: IRP) => NTSTATUS): DRIVER_OBJECT {
  return createDriverObject("\\Driver\\PendingTest", (d) => {
    d.MajorFunction[IRP_MJ_READ] = read;
    return STATUS.SUCCESS;
  });
}

function send(read: (d: DEVICE_OBJECT, irp: IRP) => NTSTATUS): { seen: FindingInput[]; status: NTSTATUS } {
  const k = bootMachine("x64-desktop");
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  const fdo = IoCreateFdo(k, driverWith(read), k.pdo("plx9656"), "PendingTest0");
  const status = IoCallDriver(fdo, IoAllocateIrp(IRP_MJ_READ, 0, { Read: { Length: 0, ByteOffset: 0n } }, k));
  return { seen, status };
}

describe("IoCallDriver: the pending mark (MarkIrpPending / MarkIrpPending2)", () => {
  it("a dispatch routine returning STATUS_PENDING without IoMarkIrpPending is IRP_PENDING_NOT_MARKED, naming the device and the major function", () => {
    const { seen, status } = send(() => STATUS.PENDING);
    expect(status).toBe(STATUS.PENDING);
    expect(seen.map((f) => f.code)).toEqual(["IRP_PENDING_NOT_MARKED"]);
    expect(seen[0]?.device).toBe("plx9656");
    expect(seen[0]?.params).toEqual({ major: IRP_MJ_READ, minor: 0, status: STATUS.PENDING >>> 0 });
  });

  it("IoMarkIrpPending then a status other than STATUS_PENDING is IRP_MARKED_PENDING_NOT_RETURNED", () => {
    const { seen } = send((_d, irp) => {
      IoMarkIrpPending(irp);
      irp.IoStatus.Status = STATUS.SUCCESS;
      IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    });
    expect(seen.map((f) => f.code)).toEqual(["IRP_MARKED_PENDING_NOT_RETURNED"]);
  });

  it("marked and pending, or completed and not pending, is clean", () => {
    expect(send((_d, irp) => (IoMarkIrpPending(irp), STATUS.PENDING)).seen).toEqual([]);
    expect(send((_d, irp) => {
      irp.IoStatus.Status = STATUS.SUCCESS;
      IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    }).seen).toEqual([]);
  });

  it("a filter that passes the IRP down may return the lower driver's STATUS_PENDING unmarked; the lower driver is still held to the rule", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const pdo = k.pdo("plx9656");
    let lowerMarks = true;
    const lower = IoCreateFdo(k, driverWith((_d, irp) => {
      if (lowerMarks) IoMarkIrpPending(irp);
      return STATUS.PENDING;
    }), pdo, "Lower0");
    const upper = IoCreateFdo(k, driverWith((_d, irp) => IoCallDriver(lower, irp)), pdo, "Upper0");
    expect(IoCallDriver(upper, IoAllocateIrp(IRP_MJ_READ, 0, {}, k))).toBe(STATUS.PENDING);
    expect(seen).toEqual([]);
    lowerMarks = false;
    IoCallDriver(upper, IoAllocateIrp(IRP_MJ_READ, 0, {}, k));
    expect(seen.map((f) => f.code)).toEqual(["IRP_PENDING_NOT_MARKED"]);
  });
});
