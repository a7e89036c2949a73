import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCDriverScenario } from "../../src/cdriver/scenario/c-scenario.ts";
import type { Kernel } from "../../src/kernel/kernel.ts";
import { attachTrace } from "../../src/trace/attach.ts";
import { TraceLog } from "../../src/trace/trace-log.ts";
import { EXAMPLES, haveToolchain, skipReason } from "./support.ts";

/** One run of the C SB16 driver with the CPU path's small-access fast path on or off: what it produced and its trace. */
async function run(fast: boolean, verifier: "off" | "collect") {
  const trace = new TraceLog();
  let machine: Kernel | undefined;
  const r = await loadCDriverScenario(join(EXAMPLES, "sb16-wdm")).run({
    profile: "x64-desktop",
    seed: 3,
    uptimeSeconds: 0,
    verifier,
    params: { seconds: 0.5 },
    onBoot: (k) => {
      machine = k;
      k.va.fastPath = fast;
      attachTrace(k, trace);
    },
  });
  return { r, trace: JSON.stringify(trace.toJSON()), now: machine?.clock.now, written: machine?.memory.writtenBytes };
}

describe.skipIf(!haveToolchain)(`C drivers: the CPU path's fast path changes nothing a run shows${skipReason}`, () => {
  for (const verifier of ["off", "collect"] as const) {
    it(`examples/c/sb16-wdm (verifier ${verifier}): the same sound bytes, stats, tables, findings, trace and simulated time with the fast path on and off`, async () => {
      const on = await run(true, verifier);
      const off = await run(false, verifier);
      expect(on.r.ok).toBe(true);
      expect(on.r.wav).toBeDefined();
      expect(Buffer.from(on.r.wav as Uint8Array).equals(Buffer.from(off.r.wav as Uint8Array))).toBe(true);
      expect(on.r.summary).toEqual(off.r.summary);
      expect(on.r.stats).toEqual(off.r.stats);
      expect(on.r.tables).toEqual(off.r.tables);
      expect(on.r.findings).toEqual(off.r.findings);
      expect(on.trace).toBe(off.trace);
      expect(on.trace.length).toBeGreaterThan(1000);
      expect(on.now).toBe(off.now);
      expect(on.written).toBe(off.written);
    }, 120_000);
  }
});
