/**
 * Per-driver framework state (FX_DRIVER_GLOBALS): the kernel the driver runs
 * on, the KMDF version it was built against (behaviour changes at 1.11 and
 * 1.19), whether the KMDF verifier is on, and the Windows version the
 * framework believes it runs on (the AddressWidthOverride path differs before
 * Windows 8, NT 6.2).
 */
import { PASSIVE_LEVEL, irqlName } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { Kernel } from "../kernel/kernel.ts";

/** A KMDF (or Windows) version as major.minor: what the driver binds to decides behaviour that changed between releases. */
export interface KmdfVersion {
  readonly major: number;
  readonly minor: number;
}

/** WdfDriverCreate's stand-in for what a real driver gets from its INF and the system: the KMDF version, the KMDF verifier switch, the OS version. */
export interface WdfDriverOptions {
  /** The KMDF version the driver binds to: "1.33" (default), "1.11", "1.9", or {major, minor}. */
  readonly kmdfVersion?: string | KmdfVersion;
  /** KMDF verifier (VerifierOn): IRQL checks return STATUS_INVALID_DEVICE_REQUEST and are reported. Default false. */
  readonly verifier?: boolean;
  /** Windows version the framework runs on, e.g. "10.0" (default) or "6.1" (Windows 7). */
  readonly osVersion?: string;
}

function parseVersion(v: string | KmdfVersion, what: string): KmdfVersion {
  if (typeof v !== "string") {
    if (!Number.isInteger(v.major) || !Number.isInteger(v.minor) || v.major < 1 || v.minor < 0) throw new RangeError(`${what}: ${v.major}.${v.minor} is not a version`);
    return v;
  }
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (m === null) throw new RangeError(`${what}: "${v}" is not a version such as "1.33"`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** FX_DRIVER_GLOBALS: one per driver (see the file comment); every WDF object reaches it through `globals`. */
export class WdfDriverGlobals {
  readonly kernel: Kernel;
  readonly version: KmdfVersion;
  readonly os: KmdfVersion;
  readonly verifierOn: boolean;
  /** @internal The machine's WDF handle counter (object.ts), kept here once found so that making an object needs no slot lookup. */
  handles: { next: number } | null = null;

  constructor(kernel: Kernel, opts: WdfDriverOptions = {}) {
    this.kernel = kernel;
    this.version = parseVersion(opts.kmdfVersion ?? "1.33", "kmdfVersion");
    if (this.version.major !== 1 || this.version.minor < 0 || this.version.minor > 33) throw new RangeError(`kmdfVersion: ${this.version.major}.${this.version.minor} is not a KMDF version (1.0 .. 1.33)`);
    this.os = parseVersion(opts.osVersion ?? "10.0", "osVersion");
    this.verifierOn = opts.verifier ?? false;
  }

  /** IsVersionGreaterThanOrEqualTo(major, minor) for the driver's bound KMDF version. */
  isVersionAtLeast(major: number, minor: number): boolean {
    return this.version.major > major || (this.version.major === major && this.version.minor >= minor);
  }

  /** IsOsVersionGreaterThanOrEqualTo(major, minor). */
  isOsAtLeast(major: number, minor: number): boolean {
    return this.os.major > major || (this.os.major === major && this.os.minor >= minor);
  }

  /**
   * FxVerifierCheckIrqlLevel: only with the KMDF verifier on; a wrong IRQL
   * gives STATUS_INVALID_DEVICE_REQUEST (and a finding, the verifier's break).
   */
  checkIrql(routine: string, max = PASSIVE_LEVEL): NTSTATUS {
    if (!this.verifierOn) return STATUS.SUCCESS;
    const cur = this.kernel.KeGetCurrentIrql();
    if (cur <= max) return STATUS.SUCCESS;
    this.kernel.report({ code: "WDF_WRONG_IRQL", routine, message: `${routine} called at ${irqlName(cur)}; the KMDF verifier requires ${irqlName(max)} or lower`, params: { maximum: max, current: cur } });
    return STATUS.INVALID_DEVICE_REQUEST;
  }

  /** The bound KMDF version as text, "1.33". */
  get versionText(): string {
    return `${this.version.major}.${this.version.minor}`;
  }
}
