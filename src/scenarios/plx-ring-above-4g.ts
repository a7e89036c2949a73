/**
 * `plx-ring-above-4g`: the PLX9x5x sample as shipped — descriptor rings
 * allocated from its 64-bit (ScatterGather64Duplex) enabler — on a machine
 * where those rings land above 4 GiB. The sample links its transfer elements
 * and programs DMADPR with LA.LowPart >> 4 in a 28-bit field, so the chip
 * fetches its "descriptors" from the low 32 bits of the ring's address:
 * whatever RAM sits there. The write is never really done, the read-back
 * differs, and the verifier sees a device access outside any buffer.
 *
 * The machine boots with "highest" placement so that the 64-bit adapter's
 * common buffers come from the top of memory. Under DMA remapping the rings
 * would not land there: the HAL's logical allocator favours low logical
 * addresses (machine/iommu.ts), so the scenario refuses a profile with an
 * IOMMU rather than show something that machine would not do.
 */
import { hexAddr, LowPart } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import type { Finding } from "../core/findings.ts";
import { statusName } from "../core/ntstatus.ts";
import { Prng } from "../core/prng.ts";
import { WdfCommonBufferGetAlignedLogicalAddress } from "../wdf/common-buffer.ts";
import { bootPlx, needPlx, PLX_DEFAULTS, ringRows, writeReadBack } from "./plx.ts";
import { noParams } from "./profile-needs.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "./scenario.ts";

/** "plx-ring-above-4g": the sample as shipped, rings above 4 GiB; the chip fetches from the truncated address. */
export const plxRingAbove4gScenario: Scenario = {
  name: "plx-ring-above-4g",
  description: "The PLX9x5x sample as shipped with its descriptor rings above 4 GiB: the 28-bit descriptor pointer keeps only LA.LowPart, so the chip fetches descriptors from the wrong address",
  defaultProfile: "x64-desktop",
  checkParams(s) {
    noParams("plx-ring-above-4g", s.params);
    needPlx("plx-ring-above-4g", s.profile);
    if (s.profile?.iommu.enabled === true) throw new RangeError(`plx-ring-above-4g needs a profile without an IOMMU; ${s.profile.name} has one, and under DMA remapping the HAL's logical allocator gives the rings low logical addresses, which the chip reaches`);
  },
  run(opts: ScenarioOptions): ScenarioResult {
    // One write and its read-back: later buffers may land where the truncated pointers aim, and the chip would then follow whatever they hold.
    const params = { ...PLX_DEFAULTS, transfers: 1, ringsFrom: "transfer-enabler" as const };
    const { k, plx, drv, verifier } = bootPlx(opts, params, { placement: "highest" });
    if (typeof drv === "number") return { ok: false, summary: [`the driver failed to start: ${statusName(drv)}`], machine: k };
    const ringLa = Number(WdfCommonBufferGetAlignedLogicalAddress(drv.ext.writeCommonBuffer as NonNullable<typeof drv.ext.writeCommonBuffer>).QuadPart);
    const low = LowPart({ QuadPart: BigInt(ringLa) });
    let stop: BugCheckError | null = null;
    let mismatches = 0;
    const failures: string[] = [];
    plx.historyLimit = 4096;
    try {
      // A read whose chain moves nothing is restarted by the DPC forever: give up after 200 us of simulated time.
      const o = writeReadBack(k, drv, params.transfers, 8192, new Prng(`plx-data:${opts.seed}`), 200_000);
      mismatches = o.mismatches;
      failures.push(...o.failures);
    } catch (e) {
      if (!(e instanceof BugCheckError)) throw e;
      stop = e;
    }
    const fetches = plx.history().filter((r) => r.descriptorAddress >= 0);
    const first = fetches[0];
    const readLa = Number(drv.ext.readCommonBufferBaseLA.QuadPart);
    const inRing = (a: number, base: number): boolean => a >= base && a < base + 96;
    const wrong = fetches.filter((r) => !inRing(r.descriptorAddress, ringLa) && !inRing(r.descriptorAddress, readLa));
    const findings: readonly Finding[] = verifier?.findings ?? [];
    const faults = k.bus.faults;
    const fetchRows: Row[] = fetches.slice(0, 8).map((r) => ({ channel: r.channel, fetchedFrom: hexAddr(r.descriptorAddress), pciAddress: hexAddr(r.pciAddress), size: r.size, fromDevice: r.fromDevice, ok: r.ok }));
    // Shown when the ring is above 4 GiB and the chip went to its low part (or the verifier stopped it on the way there;
    // the run's outcome is then that stop, whatever this returns: see report/run-record.ts).
    const shown = ringLa >= 0x1_0000_0000 && ((first !== undefined && first.descriptorAddress === low) || stop !== null);
    return {
      ok: shown,
      summary: [
        `write ring at logical ${hexAddr(ringLa)} (above 4 GiB: ${ringLa >= 0x1_0000_0000}); the 28-bit DescPtr keeps LowPart ${hexAddr(low, 8)}`,
        first === undefined ? "the chip fetched no descriptor before the verifier stopped it" : `the chip fetched its first descriptor from ${hexAddr(first.descriptorAddress)}, not from the ring`,
        `${wrong.length} descriptor fetch${wrong.length === 1 ? "" : "es"} outside the rings, ${faults.length} bus fault${faults.length === 1 ? "" : "s"}${faults[0] === undefined ? "" : ` (first: ${faults[0].reason} at ${hexAddr(faults[0].logical)})`}, ${mismatches} of ${params.transfers} buffers read back wrong`,
        ...failures.slice(0, 2),
        stop !== null ? `the verifier stopped the machine: ${stop.message}` : `verifier (${opts.verifier}): ${findings.length} finding${findings.length === 1 ? "" : "s"}${findings[0] === undefined ? "" : `, first ${findings[0].code}: ${findings[0].message}`}`,
      ],
      tables: { rings: ringRows(k, drv), descriptorFetches: fetchRows },
      stats: { ringLogical: ringLa, ringLowPart: low, firstFetch: first?.descriptorAddress ?? -1, wrongFetches: wrong.length, busFaults: faults.length, mismatches, findings: findings.length, stopped: stop !== null },
      findings,
      machine: k,
    };
  },
};
