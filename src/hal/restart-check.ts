/**
 * The verifier's restart check in IoGetDmaAdapter: a driver must give its
 * adapter back with PutDmaAdapter on IRP_MN_STOP_DEVICE (the device may come
 * back with other resources; KDOC devtest/dma-verification: adapter leaks are
 * among what DMA verification catches). A driver that kept it and calls
 * IoGetDmaAdapter again in the restart's IRP_MN_START_DEVICE overwrites the
 * pointer it kept: the old adapter can no longer be put.
 *
 * The device is "stopped" from IRP_MN_STOP_DEVICE until a start succeeds
 * (kernel/pnp.ts), so an adapter the device got in any other state was got
 * before the stop. One got during an earlier restart cannot be told from a
 * second adapter of this restart; the removal check (DMA_ADAPTER_NOT_PUT in
 * the verifier) still names it when the device goes.
 */
import type { Kernel } from "../kernel/kernel.ts";
import type { DEVICE_OBJECT } from "../kernel/device-object.ts";
import { pnpState, type PnpState } from "../kernel/pnp.ts";
import type { BusMaster } from "../machine/bus.ts";
import type { AdapterObject } from "./adapter.ts";
import { liveAdaptersOf } from "./domain-state.ts";

/** The PnP state each adapter's device was in when IoGetDmaAdapter made it, and whether its overwrite was reported. */
const gotIn = new WeakMap<AdapterObject, { readonly state: PnpState | undefined; reported: boolean }>();

/** Remember the device's PnP state at IoGetDmaAdapter. */
export function noteAdapterPnpState(k: Kernel, ao: AdapterObject): void {
  gotIn.set(ao, { state: ao.pdo === null ? undefined : pnpState(k, ao.pdo), reported: false });
}

/**
 * IoGetDmaAdapter for `pdo` while it is stopped: report each adapter it
 * still holds from before the stop (once each), as DMA_ADAPTER_NOT_PUT.
 */
export function checkAdapterKeptAcrossStop(k: Kernel, pdo: DEVICE_OBJECT | null, busMaster: BusMaster, routine: string): void {
  if (pdo === null || pnpState(k, pdo) !== "stopped") return;
  for (const old of liveAdaptersOf(k, busMaster)) {
    const g = gotIn.get(old);
    if (g === undefined || g.state === "stopped" || g.reported || old.pdo !== pdo) continue;
    g.reported = true;
    k.report({ code: "DMA_ADAPTER_NOT_PUT", routine, device: old.device, message: `${routine} on the restart of ${old.device} while its adapter 0x${old.address.toString(16).toUpperCase()} from before IRP_MN_STOP_DEVICE was never put: the pointer the driver kept is overwritten and that adapter leaks (PutDmaAdapter on IRP_MN_STOP_DEVICE)`, params: { adapter: old.address } });
  }
}
