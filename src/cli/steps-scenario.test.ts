import { describe, expect, it } from "vitest";
import { scenarioFileProblems, scenarioFileSchema } from "./scenario-file.ts";
import { type Step, stepsScenario, stepsSchema } from "./steps-scenario.ts";

function steps(input: unknown[]): Step[] {
  return stepsSchema.parse(input);
}

const run = (list: unknown[], profile = "x64-desktop", verifier: "off" | "collect" = "collect") => stepsScenario("t", "", steps(list)).run({ profile, seed: 1, uptimeSeconds: 0, verifier }) as Exclude<ReturnType<ReturnType<typeof stepsScenario>["run"]>, Promise<unknown>>;

describe("JSON steps scenarios", () => {
  it("an adapter, an allocation, a CPU write and a device read that sees it: ok, one buffer row with its addresses", () => {
    const r = run([
      { op: "adapter", device: "plx9656" },
      { op: "allocate", as: "ring", length: 5000 },
      { op: "cpuWrite", buffer: "ring", fill: 0x11 },
      { op: "deviceRead", buffer: "ring", expectFill: 0x11 },
      { op: "free", buffer: "ring" },
      { op: "putAdapter" },
    ]);
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.tables?.["commonBuffers"]).toEqual([{ buffer: "ring", device: "plx9656", routine: "AllocateCommonBuffer", va: "0xFFFFC000`00000000", logical: "0x000001000000", physical: "0x000001000000", length: 5000, cache: "cached" }]);
  });

  it("a device write the CPU then reads back arrives (expectFill checks every byte)", () => {
    const good = run([{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "deviceWrite", buffer: "b", fill: 0x77 }, { op: "cpuRead", buffer: "b", expectFill: 0x77 }]);
    expect(good.ok).toBe(true);
    const bad = run([{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "deviceWrite", buffer: "b", fill: 0x77 }, { op: "cpuRead", buffer: "b", expectFill: 0x78 }]);
    expect(bad.ok).toBe(false);
    expect(bad.summary.at(-1)).toContain("did not see 0x78");
  });

  it("under an IOMMU, a device given the physical address is blocked and the verifier reports DMA_PHYSICAL_ADDRESS_USED", () => {
    const r = run([{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096 }, { op: "deviceWrite", buffer: "b", address: "physical" }], "x64-iommu");
    expect(r.findings?.map((f) => f.code)).toEqual(["DMA_PHYSICAL_ADDRESS_USED"]);
    expect(r.summary.some((l) => l.includes("was blocked (iommu-not-mapped)"))).toBe(true);
  });

  it("expect: null passes when the allocation fails and fails the run when it succeeds", () => {
    const tooBig = run([{ op: "adapter", device: "plx9656", addressWidth: 32 }, { op: "allocate", as: "huge", length: "3GiB", expect: "null" }]);
    expect(tooBig.ok).toBe(true);
    expect(tooBig.summary.at(-1)).toContain("-> NULL (as expected)");
    const small = run([{ op: "adapter", device: "plx9656" }, { op: "allocate", as: "b", length: 4096, expect: "null" }]);
    expect(small.ok).toBe(false);
  });

  it("IRQL steps raise and lower; AllocateCommonBuffer at DISPATCH_LEVEL is reported as DMA_WRONG_IRQL", () => {
    const r = run([{ op: "adapter", device: "plx9656" }, { op: "irql", level: "DISPATCH_LEVEL" }, { op: "allocate", as: "b", length: 4096 }, { op: "irql", level: "PASSIVE_LEVEL" }]);
    expect(r.findings?.map((f) => f.code)).toContain("DMA_WRONG_IRQL");
    expect(r.machine?.KeGetCurrentIrql()).toBe(0);
  });

  it("a step naming an unknown buffer or adapter is a RangeError naming the step", () => {
    expect(() => run([{ op: "free", buffer: "nope" }])).toThrow('steps[0]: no buffer "nope"');
    expect(() => run([{ op: "allocate", adapter: "x", as: "b", length: 1 }])).toThrow('steps[0]: no adapter "x"');
  });

  it("the file schema takes exactly one of scenario or steps and names a bad step field", () => {
    const both = scenarioFileSchema.safeParse({ scenario: "fragmentation", steps: [{ op: "advance", microseconds: 1 }] });
    expect(both.success).toBe(false);
    const neither = scenarioFileSchema.safeParse({});
    expect(neither.success ? "" : scenarioFileProblems(neither.error)).toContain('give exactly one of "scenario"');
    const badStep = scenarioFileSchema.safeParse({ steps: [{ op: "allocate", as: "b", length: "lots" }] });
    expect(badStep.success ? "" : scenarioFileProblems(badStep.error)).toContain('steps[0].length: not a size: "lots"');
    const badOp = scenarioFileSchema.safeParse({ steps: [{ op: "teleport" }] });
    expect(badOp.success ? "" : scenarioFileProblems(badOp.error)).toMatch(/^steps\[0\]\.op: /);
  });
});
