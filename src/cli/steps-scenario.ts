/**
 * A driver written as data: a JSON scenario file with `steps` (get an
 * adapter, allocate common buffers, touch them from the CPU and the device,
 * change IRQL, age the machine, free them). Each step calls the simulated
 * routine a C driver would call, through the adapter's DMA_OPERATIONS table
 * (or the legacy HalAllocateCommonBuffer), so the verifier and the report see
 * exactly what they would see for a TypeScript scenario. A step may state
 * what it expects (`"expect": "null"` for an allocation that must fail); the
 * run is ok when every expectation held.
 */
import { z } from "zod";
import { formatSize, hexAddr, parseSize, physicalAddress, type PHYSICAL_ADDRESS } from "../core/address.ts";
import type { Finding } from "../core/findings.ts";
import { APC_LEVEL, DISPATCH_LEVEL, irqlName, PASSIVE_LEVEL } from "../core/irql.ts";
import { HalAllocateCommonBuffer, HalFreeCommonBuffer } from "../hal/hal-common-buffer.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { formatVa } from "../kernel/va-space.ts";
import { type UptimeControl, Workload } from "../kernel/workload.ts";
import type { Row, Scenario, ScenarioOptions, ScenarioResult } from "../scenarios/scenario.ts";
import { bootScenario, uptimeControl } from "../scenarios/boot.ts";

/** A size: bytes as a number, or text such as "64KiB" or "0x1000". */
const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseSize(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});
const name = z.string().min(1);
const byte = z.number().int().min(0).max(255);

const adapterStep = z.strictObject({
  op: z.literal("adapter"),
  /** The profile device (its PDO) the adapter is for. */
  device: name,
  as: name.default("adapter"),
  /** DEVICE_DESCRIPTION.Version: 1, 2 or 3 (3 gets AllocateCommonBufferEx). */
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(3),
  /** DmaAddressWidth of the bus master: 32 or 64 bits. */
  addressWidth: z.union([z.literal(32), z.literal(64)]).default(64),
  maximumLength: size.default(1024 * 1024),
});
const allocateStep = z.strictObject({
  op: z.literal("allocate"),
  adapter: name.default("adapter"),
  as: name,
  length: size,
  routine: z.enum(["AllocateCommonBuffer", "AllocateCommonBufferEx", "HalAllocateCommonBuffer"]).default("AllocateCommonBuffer"),
  cacheEnabled: z.boolean().default(true),
  /** AllocateCommonBufferEx: highest acceptable logical address (inclusive). */
  maximumAddress: size.optional(),
  /** AllocateCommonBufferEx: PreferredNode (default MM_ANY_NODE_OK). */
  preferredNode: z.number().int().min(0).optional(),
  expect: z.enum(["success", "null"]).optional(),
});
const freeStep = z.strictObject({
  op: z.literal("free"),
  buffer: name,
  /** Length passed to FreeCommonBuffer; default the allocated length (a different one is a driver bug the verifier reports). */
  length: size.optional(),
  cacheEnabled: z.boolean().optional(),
});
const accessFields = {
  buffer: name,
  offset: size.default(0),
  /** Bytes; default the rest of the buffer's Length. */
  length: size.optional(),
};
const cpuWriteStep = z.strictObject({ op: z.literal("cpuWrite"), ...accessFields, fill: byte.default(0xa5) });
const cpuReadStep = z.strictObject({ op: z.literal("cpuRead"), ...accessFields, expectFill: byte.optional() });
const deviceFields = {
  ...accessFields,
  /** Which address the driver gave the device: the logical address (right) or MmGetPhysicalAddress's (wrong under an IOMMU). */
  address: z.enum(["logical", "physical"]).default("logical"),
};
const deviceWriteStep = z.strictObject({ op: z.literal("deviceWrite"), ...deviceFields, fill: byte.default(0x5a) });
const deviceReadStep = z.strictObject({ op: z.literal("deviceRead"), ...deviceFields, expectFill: byte.optional() });
const irqlStep = z.strictObject({ op: z.literal("irql"), level: z.enum(["PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"]) });
const advanceStep = z.strictObject({ op: z.literal("advance"), microseconds: z.number().min(0).max(3.6e9) });
const uptimeStep = z.strictObject({ op: z.literal("uptime"), seconds: z.number().min(0).max(86400) });
const putAdapterStep = z.strictObject({ op: z.literal("putAdapter"), adapter: name.default("adapter") });

export const stepSchema = z.discriminatedUnion("op", [adapterStep, allocateStep, freeStep, cpuWriteStep, cpuReadStep, deviceWriteStep, deviceReadStep, irqlStep, advanceStep, uptimeStep, putAdapterStep]);
export type Step = z.output<typeof stepSchema>;
export const stepsSchema = z.array(stepSchema).min(1);

interface Live {
  readonly va: number;
  readonly la: PHYSICAL_ADDRESS;
  readonly length: number;
  readonly cacheEnabled: boolean;
  readonly adapter: string;
  readonly routine: string;
  freed: boolean;
}

const LEVELS = { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL } as const;

/** Run the steps on a booted machine. */
function runSteps(k: Kernel, steps: readonly Step[], summary: string[], rows: Row[], control: UptimeControl): boolean {
  const adapters = new Map<string, { adapter: DMA_ADAPTER; device: string }>();
  const buffers = new Map<string, Live>();
  let ok = true;
  const fail = (i: number, msg: string): void => {
    summary.push(`step ${i + 1}: ${msg}`);
    ok = false;
  };
  const adapterOf = (n: string, i: number): { adapter: DMA_ADAPTER; device: string } => {
    const a = adapters.get(n);
    if (a === undefined) throw new RangeError(`steps[${i}]: no adapter "${n}" (get one with an "adapter" step first)`);
    return a;
  };
  const bufferOf = (n: string, i: number): Live => {
    const b = buffers.get(n);
    if (b === undefined) throw new RangeError(`steps[${i}]: no buffer "${n}" (allocate it first)`);
    return b;
  };
  const range = (b: Live, offset: number, length: number | undefined, i: number): number => {
    const len = length ?? b.length - offset;
    if (len <= 0) throw new RangeError(`steps[${i}]: nothing to access at offset ${offset} of a ${b.length}-byte buffer`);
    return len;
  };
  steps.forEach((s, i) => {
    switch (s.op) {
      case "adapter": {
        const nmr = { value: 0 };
        const a = IoGetDmaAdapter(k, k.pdo(s.device), deviceDescription({ Version: s.version, Master: true, ScatterGather: true, Dma64BitAddresses: s.addressWidth === 64, DmaAddressWidth: s.addressWidth, InterfaceType: InterfaceType.PCIBus, MaximumLength: s.maximumLength }), nmr);
        if (a === null) return fail(i, `IoGetDmaAdapter for ${s.device} returned NULL`);
        adapters.set(s.as, { adapter: a, device: s.device });
        summary.push(`${s.as}: IoGetDmaAdapter(${s.device}, version ${s.version}, ${s.addressWidth}-bit) -> ${nmr.value} map registers`);
        return;
      }
      case "allocate": {
        const { adapter, device } = adapterOf(s.adapter, i);
        const la = physicalAddress();
        const ops = adapter.DmaOperations;
        let va: number | null;
        if (s.routine === "HalAllocateCommonBuffer") va = HalAllocateCommonBuffer(adapter, s.length, la, s.cacheEnabled);
        else if (s.routine === "AllocateCommonBufferEx") {
          if (ops.AllocateCommonBufferEx === null) throw new RangeError(`steps[${i}]: AllocateCommonBufferEx needs a version-3 adapter`);
          va = ops.AllocateCommonBufferEx(adapter, s.maximumAddress === undefined ? null : physicalAddress(s.maximumAddress), s.length, la, s.cacheEnabled, s.preferredNode ?? 0x8000_0000);
        } else {
          if (ops.AllocateCommonBuffer === null) throw new RangeError(`steps[${i}]: the adapter has no AllocateCommonBuffer`);
          va = ops.AllocateCommonBuffer(adapter, s.length, la, s.cacheEnabled);
        }
        const expectNull = s.expect === "null";
        if (va === null) {
          summary.push(`${s.as}: ${s.routine}(${s.length}) at ${irqlName(k.KeGetCurrentIrql())} -> NULL${expectNull ? " (as expected)" : ""}`);
          if (!expectNull) fail(i, `${s.routine} for ${s.as} returned NULL`);
          return;
        }
        if (expectNull) fail(i, `${s.routine} for ${s.as} succeeded; the step expected NULL`);
        buffers.set(s.as, { va, la, length: s.length, cacheEnabled: s.cacheEnabled, adapter: s.adapter, routine: s.routine, freed: false });
        const m = k.va.find(va);
        const pa = k.va.physicalAddressOf(va);
        summary.push(`${s.as}: ${s.routine}(${formatSize(s.length)}) -> VA ${formatVa(va)}, logical ${hexAddr(Number(la.QuadPart))}, physical ${hexAddr(pa)}, ${m?.cache ?? "?"}${m?.deviceMemory === true ? " (Device memory)" : ""}`);
        rows.push({ buffer: s.as, device, routine: s.routine, va: formatVa(va), logical: hexAddr(Number(la.QuadPart)), physical: hexAddr(pa), length: s.length, cache: m?.cache ?? null });
        return;
      }
      case "free": {
        const b = bufferOf(s.buffer, i);
        const { adapter } = adapterOf(b.adapter, i);
        const length = s.length ?? b.length;
        const cached = s.cacheEnabled ?? b.cacheEnabled;
        if (b.routine === "HalAllocateCommonBuffer") HalFreeCommonBuffer(adapter, length, b.la, b.va, cached);
        else adapter.DmaOperations.FreeCommonBuffer?.(adapter, length, b.la, b.va, cached);
        b.freed = true;
        summary.push(`${s.buffer}: freed`);
        return;
      }
      case "cpuWrite": {
        const b = bufferOf(s.buffer, i);
        k.cpu.writeBytes(b.va + s.offset, new Uint8Array(range(b, s.offset, s.length, i)).fill(s.fill));
        return;
      }
      case "cpuRead": {
        const b = bufferOf(s.buffer, i);
        const data = k.cpu.readBytes(b.va + s.offset, range(b, s.offset, s.length, i));
        if (s.expectFill !== undefined && !data.every((x) => x === s.expectFill)) fail(i, `the CPU read of ${s.buffer} did not see 0x${s.expectFill.toString(16)} everywhere`);
        return;
      }
      case "deviceWrite":
      case "deviceRead": {
        const b = bufferOf(s.buffer, i);
        const { device } = adapterOf(b.adapter, i);
        const base = s.address === "logical" ? Number(b.la.QuadPart) : k.va.physicalAddressOf(b.va);
        const len = range(b, s.offset, s.length, i);
        const master = k.busMasterOf(device);
        if (s.op === "deviceWrite") {
          if (!k.bus.write(master, base + s.offset, new Uint8Array(len).fill(s.fill))) summary.push(`${s.buffer}: the device write at ${hexAddr(base + s.offset)} was blocked (${k.bus.faults[k.bus.faults.length - 1]?.reason ?? "fault"})`);
        } else {
          const data = new Uint8Array(len);
          const reached = k.bus.read(master, base + s.offset, data);
          if (!reached) summary.push(`${s.buffer}: the device read at ${hexAddr(base + s.offset)} was blocked (${k.bus.faults[k.bus.faults.length - 1]?.reason ?? "fault"})`);
          if (s.expectFill !== undefined && !data.every((x) => x === s.expectFill)) fail(i, `the device read of ${s.buffer} did not see 0x${s.expectFill.toString(16)} everywhere`);
        }
        return;
      }
      case "irql": {
        const target = LEVELS[s.level];
        const cur = k.KeGetCurrentIrql();
        if (target > cur) k.KeRaiseIrql(target);
        else if (target < cur) k.KeLowerIrql(target);
        return;
      }
      case "advance":
        k.clock.advanceBy(s.microseconds * 1000);
        return;
      case "uptime":
        new Workload(k.pfm, { seed: `steps:${k.seed}:${i}`, clock: k.clock }).run(s.seconds, control);
        summary.push(`aged the machine by ${s.seconds} s: ${formatSize(k.pfm.stats.freePages * 4096)} free`);
        return;
      case "putAdapter": {
        const { adapter } = adapterOf(s.adapter, i);
        adapter.DmaOperations.PutDmaAdapter?.(adapter);
        adapters.delete(s.adapter);
        return;
      }
    }
  });
  return ok;
}

/** A Scenario running `steps` (already validated by stepsSchema). */
export function stepsScenario(scenarioName: string, description: string, steps: readonly Step[]): Scenario & { readonly stepsUptimeSeconds: number } {
  return {
    name: scenarioName,
    // The steps' own uptime, checked with the run's against the profile's limit before boot (execute.ts).
    stepsUptimeSeconds: steps.reduce((t, s) => t + (s.op === "uptime" ? s.seconds : 0), 0),
    description,
    defaultProfile: "x64-desktop",
    run(opts: ScenarioOptions): ScenarioResult {
      const { k, verifier } = bootScenario("steps", opts);
      const summary: string[] = [];
      const rows: Row[] = [];
      const ok = runSteps(k, steps, summary, rows, uptimeControl(opts));
      const findings: Finding[] = verifier === null ? [] : [...verifier.findings];
      return { ok, summary, tables: { commonBuffers: rows }, stats: { steps: steps.length }, findings, machine: k };
    },
  };
}
