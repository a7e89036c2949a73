import { describe, expect, it } from "vitest";
import { BugCheckError } from "../core/bugcheck.ts";
import { bootMachine } from "../kernel/kernel.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { allocate, busMasterAdapter } from "../verifier/test-machine.ts";
import { installVerifier } from "../verifier/verifier.ts";
import { type RunRecord, runFindings, runOk, runOutcome, runPassed, runStop } from "./run-record.ts";

const base = { scenario: "s", description: "", profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0 } as const;

/** A machine whose verifier (in `mode`) saw the device use a buffer's physical address; the stop, if any, caught. */
function misuse(mode: "collect" | "bugcheck"): ReturnType<typeof bootMachine> {
  const k = bootMachine("x64-iommu", { seed: 1 });
  installVerifier(k, { mode });
  const b = allocate(busMasterAdapter(k, "plx9656"), 4096);
  try {
    k.bus.writeU32(k.busMasterOf("plx9656"), k.va.physicalAddressOf(b.va), 1);
  } catch (e) {
    if (!(e instanceof BugCheckError)) throw e;
  }
  return k;
}

describe("the run outcome rule", () => {
  it("ok and passed when the scenario did what it set out to do and nothing was found; ok but not passed with findings", () => {
    const clean: RunRecord = { ...base, verifier: "collect", result: { ok: true, summary: [] } };
    expect([runOk(clean), runPassed(clean)]).toEqual([true, true]);
    const k = misuse("collect");
    const findings = runFindings({ ...base, verifier: "collect", result: null, machine: k });
    const found: RunRecord = { ...base, verifier: "collect", result: { ok: true, summary: [], findings, machine: k } };
    expect(findings.map((f) => f.code)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    expect([runOk(found), runPassed(found), runStop(found)]).toEqual([true, false, undefined]);
  });

  it("failed when run() returned ok: false or threw something other than a bug check", () => {
    expect(runOutcome({ ...base, verifier: "off", result: { ok: false, summary: [] } })).toEqual({ kind: "failed", reason: "the scenario did not complete what it set out to do" });
    expect(runOutcome({ ...base, verifier: "off", result: null, error: { kind: "error", message: "RangeError: x" } })).toEqual({ kind: "failed", reason: "RangeError: x" });
  });

  it("stopped when the verifier stopped the machine, even if the scenario caught the stop and returned ok", () => {
    const k = misuse("bugcheck");
    const r: RunRecord = { ...base, verifier: "bugcheck", result: { ok: true, summary: [], machine: k } };
    const stop = runStop(r);
    expect([stop?.code, stop?.name, stop?.params[0], stop?.finding?.code]).toEqual([0xe6, "DRIVER_VERIFIER_DMA_VIOLATION", 0x26, "DMA_PHYSICAL_ADDRESS_USED"]);
    expect([runOk(r), runPassed(r)]).toEqual([false, false]);
  });

  it("stopped when a bug check escaped run(): the findings come from the machine's verifier, the stop from the record", () => {
    const k = misuse("bugcheck");
    const r: RunRecord = { ...base, verifier: "bugcheck", result: null, machine: k, error: { kind: "bugcheck", message: "*** STOP: 0xE6 (0x26, …)", bugCheck: { code: 0xe6, params: [0x26, 0n, 0n, 5] } } };
    expect(runFindings(r).map((f) => f.code)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    expect(runStop(r)).toMatchObject({ code: 0xe6, name: "DRIVER_VERIFIER_DMA_VIOLATION", message: "*** STOP: 0xE6 (0x26, …)" });
    expect(runOutcome(r).kind).toBe("stopped");
  });
});
