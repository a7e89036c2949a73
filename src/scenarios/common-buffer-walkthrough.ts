/**
 * The common-buffer walkthrough: a bus-master driver gets an adapter,
 * allocates common buffers, lets the CPU and the device talk through one of
 * them, and frees everything — on whichever machine profile is chosen, with
 * a table of the buffers and one of every page (VA, logical and physical
 * address, cache attribute), and summary lines that explain what the profile did:
 *
 * - x64 (x64-desktop, x64-server): logical = physical, one physically
 *   contiguous run, cached (CacheEnabled is ignored by AllocateCommonBuffer;
 *   DMA is coherent); AllocateCommonBufferEx honours CacheEnabled = FALSE.
 * - x64-iommu: the logical address is an IOVA from the device's own domain,
 *   not the physical address; the pages may be physically scattered yet the
 *   device sees one contiguous range; the physical address itself faults.
 * - arm64-soc: a device whose ACPI _CCA is 0 gets uncached memory, mapped as
 *   Device memory, whatever CacheEnabled says.
 *
 * Params: device (default: the profile's first PCI bus master, or on
 * arm64-soc the non-coherent one).
 */
import { formatSize, hexAddr, PAGE_SIZE, physicalAddress } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { adapterObject, type CommonBuffer } from "../hal/adapter.ts";
import { commonBufferAt } from "../hal/hal-state.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import { MmGetPhysicalAddress } from "../kernel/contiguous-memory.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { formatVa } from "../kernel/va-space.ts";
import { bootScenario } from "./boot.ts";
import { needAnyDevice } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** The walkthrough's params and profile need, before it boots: params.device on the profile, else any device at all. */
function checkWalkthrough(params: Readonly<Record<string, unknown>> = {}, profile?: MachineProfile): void {
  const known = ["device"];
  for (const key of Object.keys(params)) if (!known.includes(key)) throw new RangeError(`common-buffer-walkthrough: unknown param "${key}" (known: ${known.join(", ")})`);
  const want = params.device;
  if (want !== undefined && typeof want !== "string") throw new RangeError(`common-buffer-walkthrough: params.device must be a device name, got ${JSON.stringify(want)}`);
  if (profile === undefined) return;
  if (want !== undefined) needAnyDevice("common-buffer-walkthrough", profile, want);
  else if (profile.devices.length === 0) throw new RangeError(`common-buffer-walkthrough needs a profile with at least one device; ${profile.name} has none`);
}

function pickDevice(k: Kernel, params: Readonly<Record<string, unknown>>): string {
  const known = ["device"];
  for (const key of Object.keys(params)) if (!known.includes(key)) throw new RangeError(`common-buffer-walkthrough: unknown param "${key}" (known: ${known.join(", ")})`);
  const want = params.device;
  if (want !== undefined) {
    if (typeof want !== "string") throw new RangeError(`common-buffer-walkthrough: params.device must be a device name, got ${JSON.stringify(want)}`);
    k.pdo(want);
    return want;
  }
  const devices = k.profile.devices;
  const nonCoherent = devices.find((d) => k.arch === "arm64" && d.cca !== 1);
  const pci = devices.find((d) => d.bus === "pci");
  const d = nonCoherent ?? pci ?? devices[0];
  if (d === undefined) throw new RangeError(`common-buffer-walkthrough: profile ${k.profile.name} has no devices`);
  return d.name;
}

/** One row per buffer (the report's "commonBuffers" columns). */
function bufferRow(k: Kernel, device: string, label: string, cb: CommonBuffer): Row {
  return {
    buffer: label,
    device,
    routine: cb.routine,
    va: formatVa(cb.va),
    logical: hexAddr(cb.logical),
    physical: hexAddr(Number(MmGetPhysicalAddress(k, cb.va).QuadPart)),
    length: cb.length,
    pages: cb.pages,
    physicallyContiguous: contiguous(cb.pfns),
    cache: cb.cache,
    deviceMemory: cb.deviceMemory,
  };
}

/** One row per page: where each page of the buffer is for the CPU, for the device and in memory. */
function pageRows(k: Kernel, label: string, cb: CommonBuffer): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < cb.pages; i++) {
    const va = cb.va + i * PAGE_SIZE;
    rows.push({
      buffer: label,
      page: i,
      va: formatVa(va),
      logical: hexAddr(cb.logical + i * PAGE_SIZE),
      physical: hexAddr(Number(MmGetPhysicalAddress(k, va).QuadPart)),
      cache: cb.cache,
      deviceMemory: cb.deviceMemory,
      callerBytes: Math.max(0, Math.min(PAGE_SIZE, cb.length - i * PAGE_SIZE)),
    });
  }
  return rows;
}

function contiguous(pfns: Int32Array): boolean {
  for (let i = 1; i < pfns.length; i++) if (pfns[i] !== (pfns[i - 1] as number) + 1) return false;
  return true;
}

export const commonBufferWalkthroughScenario: Scenario = {
  name: "common-buffer-walkthrough",
  description: "Allocate, use and free common buffers; shows VA, logical and physical addresses and cache attributes on the chosen profile",
  defaultProfile: "x64-desktop",
  checkParams: (s) => checkWalkthrough(s.params, s.profile),
  run(opts: ScenarioOptions): ScenarioResult {
    const { k, verifier } = bootScenario("walkthrough", opts);
    const findings = (): Finding[] => (verifier === null ? [] : verifier.findings);
    const device = pickDevice(k, opts.params ?? {});
    const pdo = k.pdo(device);
    const summary: string[] = [];
    const freeBefore = k.pfm.stats.freePages;

    // 1. The adapter: a version-3, 32-bit scatter/gather bus master.
    const nmr = { value: 0 };
    const a: DMA_ADAPTER | null = IoGetDmaAdapter(k, pdo, deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 32, InterfaceType: InterfaceType.InterfaceTypeUndefined, MaximumLength: 64 * 1024 }), nmr);
    if (a === null) return { ok: false, summary: [`IoGetDmaAdapter returned NULL for ${device}`], findings: findings(), machine: k };
    const ao = adapterObject(a);
    const ops = a.DmaOperations;
    summary.push(`${k.profile.name}: adapter for ${device} (${ao.reach.reason}); NumberOfMapRegisters = ${nmr.value}; DMA_OPERATIONS.Size = 0x${ops.Size.toString(16)}`);

    // 2. The buffers: 5000 bytes (two pages, the caller owns 5000), 64 KiB, and one page asked for uncached.
    const specs: { label: string; length: number; ex: boolean }[] = [
      { label: "A", length: 5000, ex: false },
      { label: "B", length: 16 * PAGE_SIZE, ex: false },
      { label: "C", length: PAGE_SIZE, ex: true },
    ];
    const got: { label: string; va: number; la: ReturnType<typeof physicalAddress>; length: number; cacheEnabled: boolean; cb: CommonBuffer }[] = [];
    for (const s of specs) {
      const la = physicalAddress();
      const va = s.ex ? (ops.AllocateCommonBufferEx?.(a, null, s.length, la, false, 0) ?? null) : (ops.AllocateCommonBuffer?.(a, s.length, la, true) ?? null);
      if (va === null) {
        summary.push(`${s.ex ? "AllocateCommonBufferEx" : "AllocateCommonBuffer"}(${s.length}) returned NULL — a driver would fail IRP_MN_START_DEVICE with STATUS_INSUFFICIENT_RESOURCES`);
        continue;
      }
      const cb = commonBufferAt(k, va);
      if (cb !== undefined) got.push({ label: s.label, va, la, length: s.length, cacheEnabled: !s.ex, cb });
    }
    const buffers = got.map((g) => bufferRow(k, device, g.label, g.cb));
    const rows = got.flatMap((g) => pageRows(k, g.label, g.cb));

    // 3. Use buffer A: the CPU writes a request, the device reads it at the logical address and answers.
    let exchanged = false;
    let physicalFaults = false;
    const first = got[0];
    if (first !== undefined) {
      const dev = k.busMasterOf(device);
      for (let i = 0; i < 16; i++) k.cpu.writeU32(first.va + 4 * i, 0xc0de_0000 + i);
      const seen = new Uint8Array(64);
      const readOk = k.bus.read(dev, Number(first.la.QuadPart), seen);
      const view = new DataView(seen.buffer);
      let match = readOk;
      for (let i = 0; i < 16 && match; i++) match = view.getUint32(4 * i, true) === 0xc0de_0000 + i;
      const wroteOk = k.bus.writeU32(dev, Number(first.la.QuadPart) + 64, 0xacce_55ed);
      exchanged = match && wroteOk && k.cpu.readU32(first.va + 64) === 0xacce_55ed;
      summary.push(exchanged ? `buffer A: the CPU wrote 64 bytes at ${formatVa(first.va)}; the device read them at logical ${hexAddr(Number(first.la.QuadPart))} and wrote its answer back` : "buffer A: the device did not see what the CPU wrote");
      const pa = Number(MmGetPhysicalAddress(k, first.va).QuadPart);
      // Show that the physical address is useless to a remapped device (in "bugcheck" mode the verifier stops the machine here).
      if (pa !== Number(first.la.QuadPart)) {
        const faultsBefore = k.bus.faults.length;
        k.bus.read(dev, pa, new Uint8Array(4));
        physicalFaults = k.bus.faults.length > faultsBefore;
      }
    }

    // 4. Explain what this platform did.
    for (const g of got) {
      const cb = g.cb;
      const pa = Number(MmGetPhysicalAddress(k, g.va).QuadPart);
      const tail = cb.pages * PAGE_SIZE - cb.length;
      const where = cb.remapped ? `logical ${hexAddr(cb.logical)} is an IOVA in ${device}'s IOMMU domain; MmGetPhysicalAddress gives ${hexAddr(pa)}` : `logical ${hexAddr(cb.logical)} = physical`;
      const layout = cb.pages === 1 ? "one page" : contiguous(cb.pfns) ? `${cb.pages} physically contiguous pages` : `${cb.pages} pages, physically scattered, logically contiguous`;
      const cache = cb.deviceMemory ? "uncached Device memory (aligned accesses only)" : cb.cache;
      summary.push(`buffer ${g.label} (${cb.routine}, ${formatSize(cb.length)}${tail > 0 ? `, last ${tail} bytes of the last page not the caller's` : ""}): ${layout}; ${where}; ${cache}`);
    }
    if (k.arch === "x64") summary.push("x64: AllocateCommonBuffer ignores CacheEnabled (cached, DMA is cache-coherent); AllocateCommonBufferEx honours CacheEnabled = FALSE (buffer C)");
    if (got.some((g) => g.cb.remapped)) summary.push(`DMA remapping: drivers must give the device the logical address — the physical one ${physicalFaults ? "faults in the IOMMU" : "is not mapped in the device's domain"}`);
    if (k.arch === "arm64") summary.push(k.busMasterOf(device).coherent ? `arm64: ${device} is cache-coherent (_CCA 1): CacheEnabled TRUE gives cached memory, FALSE uncached Device memory` : `arm64: ${device} has _CCA 0 (not coherent): every common buffer is uncached Device memory, even with CacheEnabled TRUE`);

    // 5. Free everything and release the adapter.
    for (const g of got) ops.FreeCommonBuffer?.(a, g.length, g.la, g.va, g.cacheEnabled);
    ops.PutDmaAdapter?.(a);
    const leaked = k.pfm.stats.freePages !== freeBefore;
    summary.push(leaked ? `freeing left ${freeBefore - k.pfm.stats.freePages} pages allocated` : "FreeCommonBuffer x3 and PutDmaAdapter returned every page");
    const fs = findings();
    // The deliberate access at the physical address under remapping is an IOMMU violation (0xE6 / 0x26) by design.
    const demo = fs.filter((f) => f.bugCheck?.[1] === 0x26);
    if (demo.length > 0) summary.push(`the verifier reported that access as ${demo[0]?.code ?? "an IOMMU violation"} (0xE6 / 0x26), as Kernel DMA Protection would`);
    const unexpected = fs.length - demo.length;
    return {
      ok: got.length === specs.length && exchanged && !leaked && unexpected === 0,
      summary,
      tables: { commonBuffers: buffers, pages: rows },
      stats: { buffers: got.length, pages: rows.length, mapRegisters: nmr.value, remapped: got.some((g) => g.cb.remapped), exchanged, leaked, unexpectedFindings: unexpected },
      findings: fs,
      machine: k,
    };
  },
};
