import { z } from "zod";
import { parseSize } from "../core/address.ts";

/** A size in a profile: a number of bytes or text such as "16GiB" or "0x1000". */
const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseSize(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** The highest physical address (exclusive) a profile's memory may reach: 8 TiB, 2^31 pages of 4 KiB. */
export const MAX_PHYSICAL_END = 2 ** 43;

export const REGION_TYPES = ["ram", "reserved", "acpi", "mmio"] as const;
export type RegionType = (typeof REGION_TYPES)[number];

const region = z.strictObject({
  base: size,
  length: size,
  type: z.enum(REGION_TYPES),
  /** NUMA node (SRAT proximity domain mapped to a node number). */
  node: z.number().int().min(0).default(0),
  label: z.string().optional(),
});

export const BUS_TYPES = ["pci", "isa", "internal"] as const;
export type BusType = (typeof BUS_TYPES)[number];

const device = z.strictObject({
  /** Unique name; also the PDO name. */
  name: z.string().min(1),
  bus: z.enum(BUS_TYPES),
  /** Which registered device model sits there ("sb16", "plx9656", "e1000", "generic", or a user's own). */
  model: z.string().min(1).default("generic"),
  /** ACPI _CCA: 1 = cache coherent, 0 = not. Absent = the platform default. */
  cca: z.union([z.literal(0), z.literal(1)]).optional(),
  /** NUMA proximity (_PXM mapped to a node). */
  node: z.number().int().min(0).optional(),
  /** System DMA channels (ISA), from the resource list. */
  dmaChannels: z.array(z.number().int().min(0).max(7)).optional(),
  irq: z.number().int().min(0).max(255).optional(),
  /** Opts in to DMA remapping (INF DmaRemappingCompatible / RemappingSupported). */
  remapping: z.boolean().optional(),
  /** Fixed BAR bases by BAR index (a physical address or a port; null = assigned by the board). */
  bars: z.array(z.union([size, z.null()])).optional(),
  /** Settings for the device model. */
  params: z.record(z.string(), z.unknown()).optional(),
});

export const profileSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().default(""),
    arch: z.enum(["x64", "arm64"]),
    cpus: z.number().int().min(1).max(1024).default(4),
    cacheLineSize: z.literal(64).default(64),
    nodes: z.number().int().min(1).max(64).default(1),
    /** SLIT-style distances; default 10 local, 20 remote. */
    distances: z.array(z.array(z.number().int().min(10).max(255))).optional(),
    memory: z.array(region).min(1),
    iommu: z.strictObject({ enabled: z.boolean(), addressWidth: z.number().int().min(32).max(64).default(48) }).default({ enabled: false, addressWidth: 48 }),
    devices: z.array(device).default([]),
  })
  .superRefine((p, ctx) => {
    const sorted = p.memory.map((r, i) => ({ ...r, i })).sort((a, b) => a.base - b.base);
    for (const r of sorted) {
      if (r.base % 4096 !== 0) ctx.addIssue({ code: "custom", path: ["memory", r.i, "base"], message: `base ${r.base} is not page aligned (4096)` });
      if (r.length === 0 || r.length % 4096 !== 0) ctx.addIssue({ code: "custom", path: ["memory", r.i, "length"], message: `length ${r.length} must be a non-zero multiple of 4096` });
      if (r.node >= p.nodes) ctx.addIssue({ code: "custom", path: ["memory", r.i, "node"], message: `node ${r.node} does not exist (the profile has ${p.nodes} node${p.nodes === 1 ? "" : "s"})` });
    }
    for (let k = 1; k < sorted.length; k++) {
      const a = sorted[k - 1];
      const b = sorted[k];
      if (a !== undefined && b !== undefined && a.base + a.length > b.base) ctx.addIssue({ code: "custom", path: ["memory", b.i, "base"], message: `region overlaps memory[${a.i}] (which ends at 0x${(a.base + a.length).toString(16)})` });
    }
    // The frame allocators index at most 2^31 pages; refuse a bigger machine here rather than fail at boot.
    for (const r of sorted) {
      if (r.base + r.length > MAX_PHYSICAL_END) ctx.addIssue({ code: "custom", path: ["memory", r.i], message: `region ends at 0x${(r.base + r.length).toString(16)}, beyond the 8 TiB (2^31 pages of 4 KiB) of physical address space a simulated machine may span` });
    }
    if (!p.memory.some((r) => r.type === "ram")) ctx.addIssue({ code: "custom", path: ["memory"], message: "the profile has no RAM region" });
    for (let n = 0; n < p.nodes; n++) {
      if (!p.memory.some((r) => r.type === "ram" && r.node === n)) ctx.addIssue({ code: "custom", path: ["nodes"], message: `node ${n} has no RAM` });
    }
    if (p.distances !== undefined && (p.distances.length !== p.nodes || p.distances.some((row) => row.length !== p.nodes))) ctx.addIssue({ code: "custom", path: ["distances"], message: `distances must be a ${p.nodes}x${p.nodes} matrix` });
    const names = new Set<string>();
    p.devices.forEach((d, i) => {
      if (names.has(d.name)) ctx.addIssue({ code: "custom", path: ["devices", i, "name"], message: `duplicate device name "${d.name}"` });
      names.add(d.name);
      if (d.node !== undefined && d.node >= p.nodes) ctx.addIssue({ code: "custom", path: ["devices", i, "node"], message: `node ${d.node} does not exist` });
      if (d.dmaChannels !== undefined && d.dmaChannels.length > 0 && p.arch !== "x64") ctx.addIssue({ code: "custom", path: ["devices", i, "dmaChannels"], message: `an ${p.arch} machine has no ISA DMA controller (8237): remove dmaChannels` });
      if (d.dmaChannels?.includes(4) === true) ctx.addIssue({ code: "custom", path: ["devices", i, "dmaChannels"], message: "channel 4 carries the cascade from DMA1 and cannot be a device's" });
    });
  });

/** The profile as written (sizes may be text). */
export type MachineProfileInput = z.input<typeof profileSchema>;
/** The validated profile (sizes in bytes, defaults filled in). */
export type MachineProfile = z.output<typeof profileSchema>;
/** One device entry of a validated profile: `name` (what `k.pdo(name)`, the trace and the report use), bus, model, irq, DMA channels, _CCA, node, params. */
export type DeviceConfig = MachineProfile["devices"][number];
export type RegionConfig = MachineProfile["memory"][number];

/** Thrown for a bad profile: one readable message that names the field. */
export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProfileError";
  }
}

/**
 * Validate a profile; throws ProfileError with one line per problem, each
 * naming its field. Sizes may be numbers or text ("16GiB", "0x1000"; see
 * {@link parseSize}); the result has them in bytes and every default filled in.
 *
 * @example
 * ```ts
 * import { parseProfile, bootMachine } from "dmasim";
 * const tiny = parseProfile({ name: "tiny", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] });
 * console.log(tiny.memory[0]?.length, bootMachine(tiny).profile.name); // 67108864 tiny
 * ```
 */
export function parseProfile(input: unknown, source = "profile"): MachineProfile {
  const r = profileSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.length === 0 ? "(root)" : i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    return `${path}: ${i.message}`;
  });
  throw new ProfileError(`invalid machine ${source}: ${lines.join("; ")}`);
}
