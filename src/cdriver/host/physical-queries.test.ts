import { describe, expect, it } from "vitest";
import type { Finding } from "../../core/findings.ts";
import { bootMachine } from "../../kernel/kernel.ts";
import type { CFrame } from "./c-stack.ts";
import { notePhysicalQuery, withPhysicalQuerySites } from "./physical-queries.ts";

const frame = (fn: string, line: number): CFrame => ({ function: fn, file: "/src/drv/driver.c", line, column: 12, approximate: false });
const group = { time: 0, seq: 0, count: 1, lastTime: 0, occurrences: [] };
const physicalUsed = (address: number): Finding => ({ code: "DMA_PHYSICAL_ADDRESS_USED", device: "nic0", message: "nic0 read at its physical address", params: { address, length: 16, write: false, logical: 0x1000 }, ...group });

describe("MmGetPhysicalAddress sites of C drivers in DMA_PHYSICAL_ADDRESS_USED", () => {
  it("a device's use of a page a C driver got from MmGetPhysicalAddress names that C line and function (the first caller of the page)", () => {
    const k = bootMachine("x64-desktop", { seed: 1 });
    notePhysicalQuery(k, 0x7_0010, frame("NicRingBase", 121));
    notePhysicalQuery(k, 0x7_0020, frame("Other", 9));
    const [f] = withPhysicalQuerySites(k, [physicalUsed(0x7_0100)]);
    expect(f?.message).toMatch(/^nic0 read at its physical address; the driver took the address of page 0x000000070000 from MmGetPhysicalAddress at \S*driver\.c:121:12 \(NicRingBase\)$/);
  });

  it("an address in a later page of a buffer handed over by its base finds the base's site; an unrelated address and other codes are left as they are", () => {
    const k = bootMachine("x64-desktop", { seed: 1 });
    notePhysicalQuery(k, 0x10_0000, frame("Base", 5));
    expect(withPhysicalQuerySites(k, [physicalUsed(0x10_3008)])[0]?.message).toMatch(/\(Base\)$/);
    const far = physicalUsed(0x900_0000);
    expect(withPhysicalQuerySites(k, [far])[0]).toBe(far);
    const other: Finding = { code: "DMA_COMMON_BUFFER_LEAKED", message: "leaked", ...group };
    expect(withPhysicalQuerySites(k, [other])[0]).toBe(other);
  });

  it("each machine keeps its own sites", () => {
    const a = bootMachine("x64-desktop", { seed: 1 });
    const b = bootMachine("x64-desktop", { seed: 1 });
    notePhysicalQuery(a, 0x7_0000, frame("A", 1));
    expect(withPhysicalQuerySites(b, [physicalUsed(0x7_0000)])[0]?.message).toBe("nic0 read at its physical address");
  });
});
