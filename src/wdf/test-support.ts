/**
 * Small helpers for WDF tests and examples: boot a machine, create a driver
 * bound to a KMDF version and add its device over a profile PDO.
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { bootMachine, type BootOptions, type Kernel } from "../kernel/kernel.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, type WDFDEVICE_INIT } from "./device.ts";
import { type HandleOut, WDF_DRIVER_CONFIG_INIT, type WdfDriver, WdfDriverCreate } from "./driver.ts";
import type { WdfDriverOptions } from "./globals.ts";
import { wdfStartDevice } from "./pnp-power.ts";

export interface WdfTestbed {
  readonly k: Kernel;
  readonly driver: WdfDriver;
  readonly device: WdfDevice;
}

/** Boot `profile`, create a driver with `options` and add its device over the PDO `pdo`. */
export function wdfTestbed(profile = "x64-desktop", options: WdfDriverOptions = {}, pdo = "plx9656", boot: BootOptions = {}): WdfTestbed {
  const k = bootMachine(profile, boot);
  const out: HandleOut<WdfDriver> = { value: null };
  const st = WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_d, init) => WdfDeviceCreate(init, null, { value: null })), out, options);
  if (st !== STATUS.SUCCESS || out.value === null) throw new Error(`WdfDriverCreate failed: 0x${st.toString(16)}`);
  const { status, device } = wdfAddDevice(out.value, pdo);
  if (status !== STATUS.SUCCESS || device === null) throw new Error(`EvtDriverDeviceAdd failed: 0x${status.toString(16)}`);
  return { k, driver: out.value, device };
}

/**
 * Boot x64-desktop, create a driver whose EvtDriverDeviceAdd runs `before`
 * on the DeviceInit, WdfDeviceCreate, then `setup` on the new device; add it
 * over the PLX PDO and start it through the kernel's PnP manager.
 */
export function wdfStartedDevice(setup: (device: WdfDevice, init: WDFDEVICE_INIT) => NTSTATUS, before?: (init: WDFDEVICE_INIT) => void, options: WdfDriverOptions = {}): WdfTestbed {
  const k = bootMachine("x64-desktop");
  const out: HandleOut<WdfDriver> = { value: null };
  const add = (_d: WdfDriver, init: WDFDEVICE_INIT): NTSTATUS => {
    before?.(init);
    const dev: HandleOut<WdfDevice> = { value: null };
    const st = WdfDeviceCreate(init, null, dev);
    return NT_SUCCESS(st) && dev.value !== null ? setup(dev.value, init) : st;
  };
  const st = WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT(add), out, options);
  if (st !== STATUS.SUCCESS || out.value === null) throw new Error(`WdfDriverCreate failed: 0x${st.toString(16)}`);
  const { status, device } = wdfAddDevice(out.value, "plx9656");
  if (status !== STATUS.SUCCESS || device === null) throw new Error(`EvtDriverDeviceAdd failed: 0x${status.toString(16)}`);
  const started = wdfStartDevice(device);
  if (started !== STATUS.SUCCESS) throw new Error(`the start failed: 0x${started.toString(16)}`);
  return { k, driver: out.value, device };
}
