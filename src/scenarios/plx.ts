/**
 * The `plx` scenario: the PLX9x5x-style KMDF driver (plx-driver.ts) on a
 * PLX 9656 device model, writing many seeded random buffers to the card's
 * SRAM and reading each back, checking every byte. Buffers are scattered
 * nonpaged pages at random page offsets and lengths, so transfers take one
 * to three scatter/gather elements per 8 KiB fragment (one under an IOMMU)
 * and several fragments per request.
 */
import { BYTES_TO_PAGES, hexAddr, LowPart, PAGE_SIZE } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { NT_SUCCESS, statusName, type NTSTATUS } from "../core/ntstatus.ts";
import { STATUS_TIMEOUT, type UserBuffer } from "../app/application.ts";
import { Prng } from "../core/prng.ts";
import { plx9656On } from "../devices/builtin-models.ts";
import type { Plx9656 } from "../devices/plx9656.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import type { MachineProfile } from "../machine/profile.ts";
import type { BootOptions, Kernel } from "../kernel/kernel.ts";
import { formatVa } from "../kernel/va-space.ts";
import type { Verifier } from "../verifier/verifier.ts";
import { WdfCommonBufferGetAlignedLogicalAddress } from "../wdf/common-buffer.ts";
import { loadPlxDriver, type PlxDriver, type PlxDriverOptions } from "./plx-driver.ts";
import { needNamedDevice } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";
import { bootScenario } from "./boot.ts";

/** The PLX 9656 model behind the machine's device `name` (the board built it from the profile). */
export function attachPlx9656(k: Kernel, name = "plx9656"): Plx9656 {
  return plx9656On(k.board, name);
}

/** The profile with the PLX device's model settings (bus rate) set, as a profile file's `params` would. */
export function withPlxParams(profile: MachineProfile, name: string, params: Readonly<Record<string, unknown>>): MachineProfile {
  return { ...profile, devices: profile.devices.map((d) => (d.name === name ? { ...d, params: { ...d.params, ...params } } : d)) };
}

/** A buffer in the application's memory for its ReadFile / WriteFile (the I/O manager locks it and builds the MDL). */
export interface IoBuffer {
  readonly va: number;
  readonly length: number;
  /** Give the buffer back. */
  free(): void;
}

/** Allocate `length` bytes at page offset `offset` in nonpaged pages near a random frame, mapped cached (also the application's view of them). */
export function allocateIoBuffer(k: Kernel, length: number, offset: number, prng: Prng): (IoBuffer & UserBuffer) | null {
  const pages = BYTES_TO_PAGES(offset + length);
  const pfns = k.pfm.allocatePages(pages, { effort: "full", kind: "unmovable", hintPfn: prng.int(k.map.pageCount) });
  if (pfns === null) return null;
  const mapping = k.va.map(pfns, "cached", "I/O buffer");
  const va = mapping.startVa + offset;
  return {
    va,
    length,
    read: () => k.cpu.readBytes(va, length),
    write: (data, at = 0) => k.cpu.writeBytes(va + at, data),
    free: () => {
      k.va.unmap(mapping.startVa);
      k.pfm.freePages(pfns);
    },
  };
}

/** STATUS_IO_TIMEOUT: what the application sees when a request does not complete in time. */
export const STATUS_IO_TIMEOUT = 0xc00000b5;
/** Simulated time a request may take before the application gives up (8 KiB takes about 16 us). */
export const REQUEST_TIMEOUT_NS = 50_000_000;


/** The application's view of an I/O buffer (a UserBuffer over its pages). */
export function userBufferOf(k: Kernel, buf: IoBuffer): UserBuffer {
  // allocateIoBuffer's buffers are that view already (no four closures per request).
  if (typeof (buf as Partial<UserBuffer>).read === "function" && typeof (buf as Partial<UserBuffer>).write === "function") return buf as IoBuffer & UserBuffer;
  return {
    va: buf.va,
    length: buf.length,
    read: () => k.cpu.readBytes(buf.va, buf.length),
    write: (data, offset = 0) => k.cpu.writeBytes(buf.va + offset, data),
    free: () => buf.free(),
  };
}

/**
 * One request, synchronously: the application's WriteFile (to the card) or
 * ReadFile (back from it), the machine running until it completes. A request
 * still pending after REQUEST_TIMEOUT_NS (a driver that restarts a transfer
 * that moves nothing, forever) ends the wait with STATUS_IO_TIMEOUT; the
 * request and the machine are then left as they are.
 */
export function transfer(k: Kernel, drv: PlxDriver, direction: "read" | "write", buf: IoBuffer, timeoutNs = REQUEST_TIMEOUT_NS): { status: NTSTATUS; bytes: number } {
  const ub = userBufferOf(k, buf);
  const o = direction === "write" ? drv.app.WriteFileOverlapped(drv.handle, ub) : drv.app.ReadFileOverlapped(drv.handle, ub);
  const r = o.wait(timeoutNs);
  if (r.status === STATUS_TIMEOUT && !o.done) return { status: STATUS_IO_TIMEOUT, bytes: 0 };
  return { status: r.status, bytes: r.information };
}

export interface PlxRunParams {
  readonly transfers: number;
  readonly maxLength: number;
  readonly busRate: number;
  readonly ringsFrom: NonNullable<PlxDriverOptions["ringsFrom"]>;
  readonly dacChainLoad: boolean;
}

/** What writeReadBack saw: transfers run, bytes moved, buffers read back wrong, failure messages, simulated time (ns). */
export interface PlxRunOutcome {
  readonly transfers: number;
  readonly bytes: number;
  readonly mismatches: number;
  readonly failures: readonly string[];
  readonly simulatedNs: number;
}

/** Write-then-read-back of `transfers` random buffers; counts buffers whose bytes differ. */
export function writeReadBack(k: Kernel, drv: PlxDriver, transfers: number, maxLength: number, prng: Prng, timeoutNs = REQUEST_TIMEOUT_NS): PlxRunOutcome {
  const failures: string[] = [];
  let mismatches = 0;
  let bytes = 0;
  const t0 = k.clock.now;
  for (let i = 0; i < transfers; i++) {
    const length = 1 + prng.int(maxLength);
    const out = allocateIoBuffer(k, length, prng.int(PAGE_SIZE), prng);
    const back = allocateIoBuffer(k, length, prng.int(PAGE_SIZE), prng);
    if (out === null || back === null) {
      failures.push(`transfer ${i}: no memory for a ${length}-byte buffer`);
      out?.free();
      back?.free();
      break;
    }
    const data = new Uint8Array(length);
    for (let j = 0; j < length; j += 4) {
      const v = prng.nextU32();
      data[j] = v & 0xff;
      if (j + 1 < length) data[j + 1] = (v >>> 8) & 0xff;
      if (j + 2 < length) data[j + 2] = (v >>> 16) & 0xff;
      if (j + 3 < length) data[j + 3] = v >>> 24;
    }
    k.cpu.writeBytes(out.va, data);
    k.cpu.RtlZeroMemory(back.va, length);
    const w = transfer(k, drv, "write", out, timeoutNs);
    const r = NT_SUCCESS(w.status) ? transfer(k, drv, "read", back, timeoutNs) : w;
    const timedOut = w.status === STATUS_IO_TIMEOUT || r.status === STATUS_IO_TIMEOUT;
    if (!NT_SUCCESS(w.status) || !NT_SUCCESS(r.status)) failures.push(`transfer ${i} (${length} bytes): write ${statusName(w.status)}, read ${statusName(r.status)}`);
    else if (w.bytes !== length || r.bytes !== length) failures.push(`transfer ${i}: ${w.bytes} bytes written and ${r.bytes} read of ${length}`);
    const got = k.cpu.readBytes(back.va, length);
    let same = got.length === data.length;
    for (let j = 0; same && j < length; j++) if (got[j] !== data[j]) same = false;
    if (!same) mismatches++;
    bytes += length;
    if (timedOut) {
      // The device may still be using the buffers: leave them allocated and stop here.
      break;
    }
    out.free();
    back.free();
  }
  return { transfers, bytes, mismatches, failures, simulatedNs: k.clock.now - t0 };
}

function paramsOf(opts: Pick<ScenarioOptions, "params">, name: string, defaults: PlxRunParams): PlxRunParams {
  const p = opts.params ?? {};
  const known = new Set(["transfers", "maxLength", "busRate", "ringsFrom", "dacChainLoad"]);
  for (const key of Object.keys(p)) if (!known.has(key)) throw new RangeError(`${name}: unknown param "${key}" (known: ${[...known].join(", ")})`);
  const num = (key: keyof PlxRunParams, min: number, max: number): number => {
    const v = p[key];
    if (v === undefined) return defaults[key] as number;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new RangeError(`${name}: params.${key} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const rings = p.ringsFrom ?? defaults.ringsFrom;
  if (rings !== "ring-enabler" && rings !== "transfer-enabler") throw new RangeError(`${name}: params.ringsFrom must be "ring-enabler" or "transfer-enabler", got ${JSON.stringify(rings)}`);
  const dac = p.dacChainLoad ?? defaults.dacChainLoad;
  if (typeof dac !== "boolean") throw new RangeError(`${name}: params.dacChainLoad must be true or false`);
  return { transfers: Math.round(num("transfers", 1, 1e6)), maxLength: Math.round(num("maxLength", 1, 0x20000)), busRate: num("busRate", 1e6, 1e11), ringsFrom: rings, dacChainLoad: dac };
}

/** Boot, age, verify, attach the card and load the driver: what both PLX scenarios start with. */
export function bootPlx(opts: ScenarioOptions, params: PlxRunParams, boot: BootOptions = {}, driver: Pick<PlxDriverOptions, "bug"> = {}): { k: Kernel; plx: Plx9656; drv: PlxDriver | NTSTATUS; verifier: Verifier | null } {
  const profile = withPlxParams(typeof opts.profile === "string" ? builtinProfile(opts.profile) : opts.profile, "plx9656", { busRate: params.busRate });
  const { k, verifier } = bootScenario("plx", { ...opts, profile }, { boot });
  const plx = attachPlx9656(k, "plx9656");
  const drv = loadPlxDriver(k, "plx9656", { ringsFrom: params.ringsFrom, dacChainLoad: params.dacChainLoad, ...driver });
  return { k, plx, drv, verifier };
}

/** Rows describing the driver's rings (VA, logical, physical). */
export function ringRows(k: Kernel, drv: PlxDriver): Row[] {
  const e = drv.ext;
  const rows: Row[] = [];
  for (const [name, cb, va] of [["read ring", e.readCommonBuffer, e.readCommonBufferBase], ["write ring", e.writeCommonBuffer, e.writeCommonBufferBase]] as const) {
    if (cb === null) continue;
    const la = Number(WdfCommonBufferGetAlignedLogicalAddress(cb).QuadPart);
    rows.push({ ring: name, va: formatVa(va), logical: hexAddr(la), lowPart: hexAddr(LowPart({ QuadPart: BigInt(la) }), 8), physical: hexAddr(k.va.physicalAddressOf(va)), bytes: cb.length, alignment: `0x${cb.alignment.toString(16)}` });
  }
  return rows;
}

/** The PLX scenarios' profile need: the driver binds the device named "plx9656" (bootPlx), so it must be a PLX 9656. */
export function needPlx(scenario: string, profile: MachineProfile | undefined): void {
  if (profile !== undefined) needNamedDevice(scenario, profile, "plx9656", "plx9656");
}

export const PLX_DEFAULTS: PlxRunParams = { transfers: 64, maxLength: 32 * 1024, busRate: 528e6, ringsFrom: "ring-enabler", dacChainLoad: true };

/** "plx": seeded random buffers written to the PLX 9656 and read back, every byte checked. */
export const plxScenario: Scenario = {
  name: "plx",
  description: "KMDF PLX9x5x-style bus-master driver: DMA enabler (ScatterGather64Duplex), common-buffer descriptor rings, scatter/gather transactions; write-then-read-back of random buffers, every byte checked",
  defaultProfile: "x64-desktop",
  checkParams(s) {
    paramsOf(s, "plx", PLX_DEFAULTS);
    needPlx("plx", s.profile);
  },
  run(opts: ScenarioOptions): ScenarioResult {
    const params = paramsOf(opts, "plx", PLX_DEFAULTS);
    const { k, plx, drv, verifier } = bootPlx(opts, params);
    if (typeof drv === "number") return { ok: false, summary: [`the driver failed to start: ${statusName(drv)}`], machine: k, findings: verifier?.findings ?? [] };
    const o = writeReadBack(k, drv, params.transfers, params.maxLength, new Prng(`plx-data:${opts.seed}`));
    const findings: readonly Finding[] = verifier?.findings ?? [];
    const ok = o.mismatches === 0 && o.failures.length === 0 && findings.length === 0;
    const seconds = o.simulatedNs / 1e9;
    return {
      ok,
      summary: [
        `${o.transfers} buffers (${o.bytes} bytes) written to the card's SRAM and read back: ${o.mismatches === 0 ? "every byte matches" : `${o.mismatches} differ`}`,
        `${plx.elements} transfer elements, ${drv.ext.interrupts} interrupts, ${drv.ext.dpcs} DPCs, ${(o.simulatedNs / 1e6).toFixed(3)} ms simulated (${((2 * o.bytes) / seconds / 1e6).toFixed(1)} MB/s at a ${params.busRate / 1e6} MB/s bus)`,
        `rings from the ${params.ringsFrom === "ring-enabler" ? "32-bit ring enabler" : "64-bit transfer enabler (as the sample ships)"}; verifier ${opts.verifier}: ${findings.length} finding${findings.length === 1 ? "" : "s"}`,
        ...o.failures.slice(0, 5),
      ],
      tables: { rings: ringRows(k, drv) },
      stats: { transfers: o.transfers, bytes: o.bytes, mismatches: o.mismatches, failures: o.failures.length, elements: plx.elements, interrupts: drv.ext.interrupts, dpcs: drv.ext.dpcs, simulatedMs: o.simulatedNs / 1e6 },
      findings,
      machine: k,
    };
  },
};

