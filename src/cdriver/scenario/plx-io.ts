/**
 * The `plx-io` workload: what an application does with a KMDF driver for
 * the PLX 9656 (the PLX9x5x sample's shape: a read queue, a write queue and
 * a control queue). The PnP manager starts the device (EvtDevicePrepareHardware,
 * EvtDeviceD0Entry, the interrupt enabled); the application opens it, sends
 * its IOCTLs (each with a one-byte output buffer, as the sample's
 * IOCTL_PLX9X5X_TOGGLE_SINGLE_TRANSFER takes), then writes seeded random
 * buffers to the card and reads each back, every byte compared; then the
 * device is removed (D0Exit, ReleaseHardware, the device's cleanup).
 */
import { PAGE_SIZE } from "../../core/address.ts";
import { NT_SUCCESS, statusName } from "../../core/ntstatus.ts";
import { Prng } from "../../core/prng.ts";
import { Application, STATUS_TIMEOUT } from "../../app/application.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import { pnpState, removeDevice, startDevice } from "../../kernel/pnp.ts";
import { allocateIoBuffer, REQUEST_TIMEOUT_NS, userBufferOf } from "../../scenarios/plx.ts";
import type { Row } from "../../scenarios/scenario.ts";
import type { CDriver } from "../host/c-driver.ts";

/** What the plx-io workload does (dmasim.json "workload": { "kind": "plx-io", "params": {...} }). */
export interface PlxIoParams {
  /** Buffers written and read back. */
  readonly transfers: number;
  /** Largest buffer (bytes); each is 1..maxLength, at a random page offset. */
  readonly maxLength: number;
  /** IOCTL codes the application sends first, each with a one-byte output buffer. */
  readonly ioctls: readonly number[];
}

const DEFAULTS: PlxIoParams = { transfers: 16, maxLength: 8192, ioctls: [] };

/** The workload's params from a config's or the command line's (RangeError naming a bad one). */
export function plxIoParams(p: Readonly<Record<string, unknown>>): PlxIoParams {
  const known = new Set(["transfers", "maxLength", "ioctls"]);
  for (const key of Object.keys(p)) if (!known.has(key)) throw new RangeError(`plx-io: unknown param "${key}" (known: ${[...known].join(", ")})`);
  const int = (key: "transfers" | "maxLength", min: number, max: number): number => {
    const v = p[key];
    if (v === undefined) return DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`plx-io: params.${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const ioctls = p["ioctls"] ?? [];
  if (!Array.isArray(ioctls) || ioctls.some((c) => typeof c !== "number" || !Number.isInteger(c) || c < 0 || c > 0xffff_ffff)) throw new RangeError(`plx-io: params.ioctls must be a list of IOCTL codes (ULONGs), got ${JSON.stringify(ioctls)}`);
  return { transfers: int("transfers", 1, 100_000), maxLength: int("maxLength", 1, 0x20000), ioctls: ioctls as number[] };
}

/** What the workload saw. */
export interface PlxIoOutcome {
  readonly ok: boolean;
  readonly summary: string[];
  readonly stats: Record<string, number>;
  readonly tables: Record<string, readonly Row[]>;
}

/** Start the device, run the application's I/O against it, remove it. */
export function runPlxIo(k: Kernel, d: CDriver, device: string, params: PlxIoParams, seed: number | string): PlxIoOutcome {
  const summary: string[] = [];
  const failures: string[] = [];
  const pdo = k.pdo(device);
  const started = startDevice(k, pdo).IoStatus.Status;
  summary.push(`IRP_MN_START_DEVICE: ${statusName(started)} (EvtDevicePrepareHardware, EvtDeviceD0Entry, interrupt enabled)`);
  const ioctlRows: Row[] = [];
  let bytes = 0;
  let mismatches = 0;
  let done = 0;
  const t0 = k.clock.now;
  if (NT_SUCCESS(started)) {
    const app = new Application(k);
    const interfaces = d.deviceInterfaces;
    const open = app.CreateFile(device);
    summary.push(`the application opened ${device}${interfaces.length === 0 ? "" : ` (device interface ${interfaces.join(", ")})`}: ${statusName(open.status)}`);
    if (open.handle !== null) {
      const h = open.handle;
      for (const code of params.ioctls) {
        const out = app.allocate(1);
        const r = app.DeviceIoControl(h, code, null, out);
        ioctlRows.push({ ioctl: `0x${code.toString(16).toUpperCase().padStart(8, "0")}`, status: statusName(r.status), information: r.information, output: r.information > 0 ? (out.read()[0] as number) : "" });
        out.free();
      }
      const prng = new Prng(`c-plx-io:${seed}`);
      for (let i = 0; i < params.transfers; i++) {
        const length = 1 + prng.int(params.maxLength);
        const out = allocateIoBuffer(k, length, prng.int(PAGE_SIZE), prng);
        const back = allocateIoBuffer(k, length, prng.int(PAGE_SIZE), prng);
        if (out === null || back === null) {
          failures.push(`transfer ${i}: no memory for a ${length}-byte buffer`);
          out?.free();
          back?.free();
          break;
        }
        const data = new Uint8Array(length);
        for (let j = 0; j < length; j++) data[j] = prng.int(256);
        k.cpu.writeBytes(out.va, data);
        k.cpu.RtlZeroMemory(back.va, length);
        const w = app.WriteFileOverlapped(h, userBufferOf(k, out)).wait(REQUEST_TIMEOUT_NS);
        const r = NT_SUCCESS(w.status) && w.status !== STATUS_TIMEOUT ? app.ReadFileOverlapped(h, userBufferOf(k, back)).wait(REQUEST_TIMEOUT_NS) : w;
        if (w.status === STATUS_TIMEOUT || r.status === STATUS_TIMEOUT) {
          // The device may still be using the buffers: leave them and stop here.
          failures.push(`transfer ${i} (${length} bytes): the request did not complete in ${REQUEST_TIMEOUT_NS / 1e6} ms`);
          break;
        }
        if (!NT_SUCCESS(w.status) || !NT_SUCCESS(r.status)) failures.push(`transfer ${i} (${length} bytes): write ${statusName(w.status)}, read ${statusName(r.status)}`);
        else if (w.information !== length || r.information !== length) failures.push(`transfer ${i}: ${w.information} bytes written and ${r.information} read of ${length}`);
        const got = k.cpu.readBytes(back.va, length);
        let same = true;
        for (let j = 0; same && j < length; j++) if (got[j] !== data[j]) same = false;
        if (!same) mismatches++;
        bytes += length;
        done++;
        out.free();
        back.free();
      }
      app.CloseHandle(h);
    }
  } else {
    failures.push(`the device did not start: ${statusName(started)}`);
  }
  const simulatedNs = k.clock.now - t0;
  const counts = d.interruptCounts;
  summary.push(`${done} buffer${done === 1 ? "" : "s"} (${bytes} bytes) written to the card by DMA and read back: ${mismatches !== 0 ? `${mismatches} differ` : done === 0 ? "nothing to compare" : "every byte matches"}`);
  summary.push(`${counts.isr} interrupt${counts.isr === 1 ? "" : "s"} (${counts.claimed} claimed by the ISR), ${counts.dpc} DPC${counts.dpc === 1 ? "" : "s"}, ${(simulatedNs / 1e6).toFixed(3)} ms simulated`);
  summary.push(...failures.slice(0, 5));
  if (pnpState(k, pdo) !== undefined && pnpState(k, pdo) !== "removed") summary.push(`IRP_MN_REMOVE_DEVICE: ${statusName(removeDevice(k, pdo).IoStatus.Status)} (EvtDeviceD0Exit, EvtDeviceReleaseHardware, cleanup)`);
  return {
    ok: NT_SUCCESS(started) && failures.length === 0 && mismatches === 0,
    summary,
    stats: { transfers: done, bytes, mismatches, failures: failures.length, interrupts: counts.isr, interruptsClaimed: counts.claimed, dpcs: counts.dpc, simulatedMs: simulatedNs / 1e6 },
    tables: ioctlRows.length === 0 ? {} : { ioctls: ioctlRows },
  };
}
