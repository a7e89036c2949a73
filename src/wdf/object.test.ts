import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { STATUS } from "../core/ntstatus.ts";
import { type FindingInput } from "../core/findings.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { FILE_OCTA_ALIGNMENT } from "../kernel/device-object.ts";
import { wdfAddDevice, wdfRemoveDevice, WdfDevice, WdfDeviceCreate, WdfDeviceGetAlignmentRequirement, WdfDeviceSetAlignmentRequirement, type WDFDEVICE_INIT } from "./device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, WdfDriver, WdfDriverCreate, WdfObjectCreate, WdfObjectDelete, WdfObjectDereference, WdfObjectReference } from "./driver.ts";
import {
  FX_VALIDATE_OPTION_ATTRIBUTES_REQUIRED,
  FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED,
  FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG,
  FxValidateObjectAttributes,
  WDF_OBJECT_ATTRIBUTES_INIT,
  WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE,
  WdfExecutionLevelDispatch,
  WdfExecutionLevelInvalid,
  WdfGeneralObject,
  WdfObject,
  WdfSynchronizationScopeDevice,
} from "./object.ts";

function driver(k: Kernel, add?: (d: WdfDriver, init: WDFDEVICE_INIT) => number): WdfDriver {
  const out: HandleOut<WdfDriver> = { value: null };
  expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add ?? null), out)).toBe(STATUS.SUCCESS);
  return out.value as WdfDriver;
}

let currentDriver: WdfDriver | null = null;

function child(parent: WdfObject, log: string[], name: string): WdfGeneralObject {
  const out: HandleOut<WdfGeneralObject> = { value: null };
  const attrs = WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: parent, EvtCleanupCallback: () => log.push(`cleanup ${name}`), EvtDestroyCallback: () => log.push(`destroy ${name}`) });
  expect(WdfObjectCreate(currentDriver as WdfDriver, attrs, out)).toBe(STATUS.SUCCESS);
  return out.value as WdfGeneralObject;
}

function setup(): { k: Kernel; drv: WdfDriver } {
  const k = bootMachine("x64-desktop");
  const drv = driver(k);
  currentDriver = drv;
  return { k, drv };
}

describe("WDF object tree", () => {
  it("WdfObjectDelete cleans up children before the parent, deepest first, then destroys children before the parent", () => {
    const { drv } = setup();
    const log: string[] = [];
    const a = child(drv, log, "a");
    const a1 = child(a, log, "a1");
    child(a1, log, "a1x");
    child(a, log, "a2");
    WdfObjectDelete(a);
    expect(log).toEqual(["cleanup a1x", "cleanup a1", "cleanup a2", "cleanup a", "destroy a1x", "destroy a1", "destroy a2", "destroy a"]);
    expect(drv.children).not.toContain(a);
  });

  it("childless objects each get a list of their own with their first child: a child of one is no child of another; a deleted only child leaves an empty list", () => {
    const { drv } = setup();
    const log: string[] = [];
    const a = child(drv, log, "a");
    const b = child(drv, log, "b");
    expect([a.children.length, b.children.length]).toEqual([0, 0]);
    const a1 = child(a, log, "a1");
    expect(a.children).toEqual([a1]);
    expect(b.children).toEqual([]);
    const b1 = child(b, log, "b1");
    expect(b.children).toEqual([b1]);
    WdfObjectDelete(a1);
    expect(a.children).toEqual([]);
    expect(b.children).toEqual([b1]);
    expect(drv.children).toEqual([a, b]);
  });

  it("EvtCleanupCallback runs before EvtDestroyCallback for the same object", () => {
    const { drv } = setup();
    const log: string[] = [];
    WdfObjectDelete(child(drv, log, "x"));
    expect(log).toEqual(["cleanup x", "destroy x"]);
  });

  it("an object with an outstanding reference is cleaned up on delete but destroyed only when the reference is released", () => {
    const { drv } = setup();
    const log: string[] = [];
    const o = child(drv, log, "o");
    WdfObjectReference(o);
    WdfObjectDelete(o);
    expect(log).toEqual(["cleanup o"]);
    expect(o.state).toBe("deleted");
    WdfObjectDereference(o);
    expect(log).toEqual(["cleanup o", "destroy o"]);
    expect(o.state).toBe("destroyed");
  });

  it("a parent is destroyed only after a referenced child is released", () => {
    const { drv } = setup();
    const log: string[] = [];
    const p = child(drv, log, "p");
    const c = child(p, log, "c");
    WdfObjectReference(c);
    WdfObjectDelete(p);
    expect(log).toEqual(["cleanup c", "cleanup p"]);
    WdfObjectDereference(c);
    expect(log).toEqual(["cleanup c", "cleanup p", "destroy c", "destroy p"]);
  });

  it("WdfObjectDereference dropping the last reference of an undeleted object bug checks WDF_VIOLATION 0x7", () => {
    const { drv } = setup();
    const o = child(drv, [], "o");
    try {
      WdfObjectDereference(o);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BugCheckError);
      expect((e as BugCheckError).code).toBe(0x10d);
      expect((e as BugCheckError).params[0]).toBe(0x7);
    }
    expect(o.state).toBe("created");
  });

  it("a destroyed handle passed to a WDF routine bug checks WDF_VIOLATION 0x5 with the handle", () => {
    const { drv } = setup();
    const o = child(drv, [], "o");
    WdfObjectDelete(o);
    expect(() => WdfObjectReference(o)).toThrowError(/0x10D \(0x5, 0x/);
  });

  it("a handle of the wrong type bug checks WDF_VIOLATION 0x5", () => {
    const { drv } = setup();
    const o = child(drv, [], "o");
    expect(() => WdfDeviceSetAlignmentRequirement(o as unknown as WdfDevice, 0xf)).toThrowError(/WDF_VIOLATION/);
  });

  it("WdfObjectDelete on the WDFDRIVER is refused (STATUS_CANNOT_DELETE) and reported; the driver lives on", () => {
    const { k, drv } = setup();
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    WdfObjectDelete(drv);
    expect(drv.state).toBe("created");
    expect(seen.map((f) => f.code)).toEqual(["WDF_CANNOT_DELETE"]);
  });

  it("WdfObjectDelete above DISPATCH_LEVEL with the KMDF verifier on is the framework's finding WDF_WRONG_IRQL (not the HAL's DMA_WRONG_IRQL); the object is still deleted", () => {
    const k = bootMachine("x64-desktop");
    const out: HandleOut<WdfDriver> = { value: null };
    expect(WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(null), out, { verifier: true })).toBe(STATUS.SUCCESS);
    const driver = out.value;
    if (driver === null) throw new Error("WdfDriverCreate gave no driver");
    currentDriver = driver;
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const log: string[] = [];
    const o = child(driver, log, "o");
    k.atIrql(5, () => WdfObjectDelete(o));
    expect(seen.map((f) => f.code)).toEqual(["WDF_WRONG_IRQL"]);
    expect(seen[0]?.routine).toBe("WdfObjectDelete");
    expect(log).toEqual(["cleanup o", "destroy o"]);
  });

  it("WdfObjectDelete above DISPATCH_LEVEL without the KMDF verifier: the framework does not check, nothing is reported", () => {
    const { k, drv } = setup();
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const o = child(drv, [], "o");
    k.atIrql(5, () => WdfObjectDelete(o));
    expect(seen).toEqual([]);
  });
});

describe("WDF_OBJECT_ATTRIBUTES validation (FxValidateObjectAttributes)", () => {
  it("NULL attributes are accepted", () => {
    expect(FxValidateObjectAttributes(null)).toBe(STATUS.SUCCESS);
  });
  it("a wrong Size gives STATUS_INFO_LENGTH_MISMATCH", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ Size: 0x30 }))).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });
  it("zeroed attributes (ExecutionLevel Invalid) give STATUS_WDF_OBJECT_ATTRIBUTES_INVALID", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ExecutionLevel: WdfExecutionLevelInvalid }))).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
  });
  it("a context type with a size but no name gives STATUS_WDF_OBJECT_ATTRIBUTES_INVALID", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ContextTypeInfo: { Size: WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE, ContextName: null, ContextSize: 16 } }))).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
  });
  it("a context type info of the wrong Size gives STATUS_INFO_LENGTH_MISMATCH", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ContextTypeInfo: { Size: 8, ContextName: "X", ContextSize: 16 } }))).toBe(STATUS.INFO_LENGTH_MISMATCH);
  });
  it("ContextSizeOverride without a type, or smaller than the type, gives STATUS_WDF_OBJECT_ATTRIBUTES_INVALID", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ContextSizeOverride: 8 }))).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ContextSizeOverride: 8, ContextTypeInfo: { Size: WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE, ContextName: "X", ContextSize: 16 } }))).toBe(STATUS.WDF_OBJECT_ATTRIBUTES_INVALID);
  });
  it("a parent where none is allowed gives STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED", () => {
    const { drv } = setup();
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: drv }), FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED)).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
  });
  it("NULL attributes where they are required, or no parent where one is required, give STATUS_WDF_PARENT_NOT_SPECIFIED", () => {
    expect(FxValidateObjectAttributes(null, FX_VALIDATE_OPTION_ATTRIBUTES_REQUIRED)).toBe(STATUS.WDF_PARENT_NOT_SPECIFIED);
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT(), FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG)).toBe(STATUS.WDF_PARENT_NOT_SPECIFIED);
  });
  it("WdfDriverCreate with a ParentObject gives STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED", () => {
    const { k, drv } = setup();
    expect(WdfDriverCreate(k, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: drv }), WDF_DRIVER_CONFIG_INIT(null), { value: null })).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
  });
  it("a synchronization scope on an object that allows none gives STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ SynchronizationScope: WdfSynchronizationScopeDevice }))).toBe(STATUS.WDF_SYNCHRONIZATION_SCOPE_INVALID);
  });
  it("an execution level on an object that allows none gives STATUS_WDF_EXECUTION_LEVEL_INVALID", () => {
    expect(FxValidateObjectAttributes(WDF_OBJECT_ATTRIBUTES_INIT({ ExecutionLevel: WdfExecutionLevelDispatch }))).toBe(STATUS.WDF_EXECUTION_LEVEL_INVALID);
  });
});

describe("WDFDEVICE", () => {
  it("EvtDriverDeviceAdd creates a device over the PDO whose FDO starts with the cache-line alignment mask", () => {
    const k = bootMachine("x64-desktop");
    const drv = driver(k, (d, init) => WdfDeviceCreate(init, null, { value: null }));
    const { status, device } = wdfAddDevice(drv, "plx9656");
    expect(status).toBe(STATUS.SUCCESS);
    expect(device).toBeInstanceOf(WdfDevice);
    expect(device?.parent).toBe(drv);
    expect(WdfDeviceGetAlignmentRequirement(device as WdfDevice)).toBe(63);
    expect(k.pdo("plx9656").AttachedDevice).toBe(device?.fdo);
  });

  it("WdfDeviceSetAlignmentRequirement writes the mask into the device object", () => {
    const k = bootMachine("x64-desktop");
    const { device } = wdfAddDevice(driver(k, (d, init) => WdfDeviceCreate(init, null, { value: null })), "plx9656");
    WdfDeviceSetAlignmentRequirement(device as WdfDevice, FILE_OCTA_ALIGNMENT);
    expect(device?.fdo.AlignmentRequirement).toBe(0xf);
  });

  it("a device with a ParentObject in its attributes is refused with STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED", () => {
    const k = bootMachine("x64-desktop");
    let st = 0;
    const drv = driver(k, (d, init) => (st = WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT({ ParentObject: d }), { value: null })));
    expect(wdfAddDevice(drv, "plx9656").status).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(st).toBe(STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    expect(drv.children).toHaveLength(0);
  });

  it("a second WdfDeviceCreate with the same WDFDEVICE_INIT gives STATUS_INVALID_DEVICE_STATE", () => {
    const k = bootMachine("x64-desktop");
    let second = 0;
    const drv = driver(k, (d, init) => {
      const st = WdfDeviceCreate(init, null, { value: null });
      second = WdfDeviceCreate(init, null, { value: null });
      return st;
    });
    expect(wdfAddDevice(drv, "plx9656").status).toBe(STATUS.SUCCESS);
    expect(second).toBe(STATUS.INVALID_DEVICE_STATE);
    expect(drv.children).toHaveLength(1);
  });

  it("a failing EvtDriverDeviceAdd gets its half-made device deleted by the framework", () => {
    const k = bootMachine("x64-desktop");
    const log: string[] = [];
    const drv = driver(k, (d, init) => {
      WdfDeviceCreate(init, WDF_OBJECT_ATTRIBUTES_INIT({ EvtCleanupCallback: () => log.push("cleanup device") }), { value: null });
      return STATUS.INSUFFICIENT_RESOURCES;
    });
    const r = wdfAddDevice(drv, "plx9656");
    expect(r).toEqual({ status: STATUS.INSUFFICIENT_RESOURCES, device: null });
    expect(log).toEqual(["cleanup device"]);
  });

  it("WdfObjectDelete on a PnP device is refused; PnP remove deletes it and its children", () => {
    const k = bootMachine("x64-desktop");
    const seen: FindingInput[] = [];
    k.findings = { report: (f) => seen.push(f) };
    const { device } = wdfAddDevice(driver(k, (d, init) => WdfDeviceCreate(init, null, { value: null })), "plx9656");
    const dev = device as WdfDevice;
    WdfObjectDelete(dev);
    expect(dev.state).toBe("created");
    expect(seen[0]?.code).toBe("WDF_CANNOT_DELETE");
    wdfRemoveDevice(dev);
    expect(dev.state).toBe("destroyed");
    expect(dev.fdo.deleted).toBe(true);
  });
});

describe("WdfDriverCreate", () => {
  it("binds the driver to the KMDF version it asks for", () => {
    const k = bootMachine("x64-desktop");
    const out: HandleOut<WdfDriver> = { value: null };
    WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(null), out, { kmdfVersion: "1.9" });
    expect(out.value?.globals.isVersionAtLeast(1, 11)).toBe(false);
    expect(out.value?.globals.isVersionAtLeast(1, 9)).toBe(true);
  });
  it("rejects a version string that is not a KMDF version with a RangeError", () => {
    const k = bootMachine("x64-desktop");
    expect(() => WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(null), { value: null }, { kmdfVersion: "2.0" })).toThrow(RangeError);
    expect(() => WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(null), { value: null }, { kmdfVersion: "one" })).toThrow(RangeError);
  });
  it("a WDF_DRIVER_CONFIG with the wrong Size gives STATUS_INFO_LENGTH_MISMATCH and no driver", () => {
    const k = bootMachine("x64-desktop");
    const out: HandleOut<WdfDriver> = { value: null };
    expect(WdfDriverCreate(k, null, { ...WDF_DRIVER_CONFIG_INIT(null), Size: 8 }, out)).toBe(STATUS.INFO_LENGTH_MISMATCH);
    expect(out.value).toBeNull();
  });
});
