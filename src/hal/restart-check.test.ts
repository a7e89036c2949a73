/**
 * IoGetDmaAdapter on a restart (resource rebalance): a WDM driver that puts
 * its adapter on IRP_MN_STOP_DEVICE gets a new one on the next start without
 * a finding; one that keeps the old adapter and gets another overwrites the
 * pointer it kept (DMA_ADAPTER_NOT_PUT at the restart, once per adapter).
 */
import { describe, expect, it } from "vitest";
import type { FindingInput } from "../core/findings.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { createDriverObject, IoCompleteRequest, IoCreateFdo, IRP_MJ_PNP, IRP_MN_REMOVE_DEVICE, IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE, type IRP, pnpAddDevice, rebalanceDevice, startDevice } from "../kernel/pnp.ts";
import { adapterObject } from "./adapter.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "./types.ts";

/** A bus-master driver; `putOnStop` says whether IRP_MN_STOP_DEVICE gives the adapter back; `adaptersPerStart` how many it gets at each start. */
function masterDriver(k: Kernel, putOnStop: boolean, adaptersPerStart = 1) {
  const got: DMA_ADAPTER[] = [];
  let held: DMA_ADAPTER[] = [];
  const put = (): void => {
    for (const a of held) a.DmaOperations.PutDmaAdapter?.(a);
    held = [];
  };
  const start = (fdo: DEVICE_OBJECT): NTSTATUS => {
    held = [];
    for (let i = 0; i < adaptersPerStart; i++) {
      const a = IoGetDmaAdapter(k, fdo.pdo, deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 65536 }), { value: 0 });
      if (a === null) return STATUS.INSUFFICIENT_RESOURCES;
      got.push(a);
      held.push(a);
    }
    return STATUS.SUCCESS;
  };
  const driver = createDriverObject("\\Driver\\master", (d) => {
    d.AddDevice = (drv, pdo) => {
      IoCreateFdo(k, drv, pdo, "master0");
      return STATUS.SUCCESS;
    };
    d.MajorFunction[IRP_MJ_PNP] = (fdo: DEVICE_OBJECT, irp: IRP) => {
      let status: NTSTATUS = STATUS.SUCCESS;
      if (irp.MinorFunction === IRP_MN_START_DEVICE) status = start(fdo);
      else if (irp.MinorFunction === IRP_MN_REMOVE_DEVICE || (irp.MinorFunction === IRP_MN_STOP_DEVICE && putOnStop)) put();
      irp.IoStatus.Status = status;
      IoCompleteRequest(irp);
      return status;
    };
    return STATUS.SUCCESS;
  });
  return { driver, got };
}

function collect(k: Kernel): FindingInput[] {
  const list: FindingInput[] = [];
  k.findings = { report: (f) => list.push(f) };
  return list;
}

/** The PLX 9656 bus master of the x64 desktop profile. */
function pciMaster(k: Kernel): DEVICE_OBJECT {
  return k.pdo("plx9656");
}

describe("IoGetDmaAdapter on a restart (adapter kept across IRP_MN_STOP_DEVICE)", () => {
  it("a driver that puts its adapter on stop gets a new one at the restart with no finding", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const pdo = pciMaster(k);
    const { driver, got } = masterDriver(k, true);
    pnpAddDevice(k, driver, pdo);
    startDevice(k, pdo);
    expect(rebalanceDevice(k, pdo).IoStatus.Status).toBe(STATUS.SUCCESS);
    expect(got).toHaveLength(2);
    expect(adapterObject(got[0] as DMA_ADAPTER).released).toBe(true);
    expect(f).toEqual([]);
  });

  it("a driver that keeps its adapter and gets another at the restart overwrites it: DMA_ADAPTER_NOT_PUT naming the old adapter", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const pdo = pciMaster(k);
    const { driver, got } = masterDriver(k, false);
    pnpAddDevice(k, driver, pdo);
    startDevice(k, pdo);
    rebalanceDevice(k, pdo);
    const old = adapterObject(got[0] as DMA_ADAPTER);
    expect(old.released).toBe(false);
    expect(f.map((x) => [x.code, x.routine, x.params])).toEqual([["DMA_ADAPTER_NOT_PUT", "IoGetDmaAdapter", { adapter: old.address }]]);
    expect(f[0]?.message).toContain("IRP_MN_STOP_DEVICE");
  });

  it("each kept adapter is reported once, and a second adapter got in the same restart is not", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const pdo = pciMaster(k);
    const { driver, got } = masterDriver(k, false, 2);
    pnpAddDevice(k, driver, pdo);
    startDevice(k, pdo);
    rebalanceDevice(k, pdo);
    expect(got).toHaveLength(4);
    expect(f.map((x) => x.params)).toEqual([{ adapter: adapterObject(got[0] as DMA_ADAPTER).address }, { adapter: adapterObject(got[1] as DMA_ADAPTER).address }]);
  });

  it("two adapters got during the first start are not an overwrite", () => {
    const k = bootMachine("x64-desktop");
    const f = collect(k);
    const pdo = pciMaster(k);
    const { driver, got } = masterDriver(k, false, 2);
    pnpAddDevice(k, driver, pdo);
    startDevice(k, pdo);
    expect(got).toHaveLength(2);
    expect(f).toEqual([]);
  });
});
