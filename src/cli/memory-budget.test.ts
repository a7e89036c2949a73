import { describe, expect, it } from "vitest";
import { executeScenario } from "./execute.ts";
import { parseMemoryBudget } from "./parse-options.ts";
import { stepsScenario, stepsSchema } from "./steps-scenario.ts";
import { UsageError } from "./usage-error.ts";

const writeBig = stepsScenario("big", "", stepsSchema.parse([
  { op: "adapter", device: "plx9656" },
  { op: "allocate", as: "big", length: 16 << 20 },
  { op: "cpuWrite", buffer: "big", fill: 0x11 },
]));

describe("host-memory budget through the CLI (--memory-budget)", () => {
  it("a run that writes past the budget fails with one message naming the budget and what used it, not an abort", async () => {
    const r = await executeScenario(writeBig, { name: "big", seed: 1, uptimeSeconds: 0, verifier: "off", hostMemoryBudget: 8 << 20 });
    expect(r.result).toBeNull();
    expect(r.error?.kind).toBe("error");
    expect(r.error?.message).toMatch(/^HostMemoryBudgetError: host-memory budget exceeded: .* the budget of 8 MiB \(already used: 8 MiB of backing for 8 MiB of written pages\)/);
  });

  it("the same run within its budget passes", async () => {
    const r = await executeScenario(writeBig, { name: "big", seed: 1, uptimeSeconds: 0, verifier: "off", hostMemoryBudget: 64 << 20 });
    expect(r.error).toBeUndefined();
    expect(r.result?.ok).toBe(true);
  });

  it("--memory-budget takes a size of at least 2 MiB; anything else is a UsageError naming the option", () => {
    expect(parseMemoryBudget("512MiB")).toBe(512 * 2 ** 20);
    expect(parseMemoryBudget("8GiB")).toBe(8 * 2 ** 30);
    expect(() => parseMemoryBudget("1k")).toThrow(UsageError);
    expect(() => parseMemoryBudget("1k")).toThrow(/--memory-budget: "1k" is below 2 MiB/);
    expect(() => parseMemoryBudget("lots")).toThrow(/--memory-budget: not a size: "lots"/);
  });
});
