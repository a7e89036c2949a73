import { GiB, KiB, MiB } from "../core/address.ts";
import { type MachineProfile, type MachineProfileInput, parseProfile } from "./profile.ts";

type Region = MachineProfileInput["memory"][number];

/**
 * The usual PC physical map (E820-style): RAM from 4 KiB to 636 KiB, the legacy hole up
 * to 1 MiB, RAM to just under 3 GiB, ACPI tables, a 1 GiB PCI hole below 4 GiB,
 * and the RAM that the hole displaced remapped above 4 GiB. `perNode` splits the
 * RAM above 4 GiB over NUMA nodes in equal shares (node 0 also owns low memory).
 */
function pcMemoryMap(totalRam: number, nodes: number): Region[] {
  const lowRamTop = 3 * GiB - 8 * MiB;
  const regions: Region[] = [
    // Page 0 holds the real-mode interrupt vector table and BIOS data area; firmware keeps it.
    { base: 0, length: 4 * KiB, type: "reserved", node: 0, label: "real-mode IVT, BIOS data area" },
    { base: 4 * KiB, length: 632 * KiB, type: "ram", node: 0, label: "conventional" },
    { base: 636 * KiB, length: 1 * MiB - 636 * KiB, type: "reserved", node: 0, label: "EBDA, VGA, option ROMs, BIOS" },
    { base: 1 * MiB, length: lowRamTop - 1 * MiB, type: "ram", node: 0, label: "low RAM" },
    { base: lowRamTop, length: 8 * MiB, type: "acpi", node: 0, label: "ACPI tables" },
    { base: 3 * GiB, length: 1 * GiB, type: "mmio", node: 0, label: "PCI hole (MMIO, APIC, firmware)" },
  ];
  const lowRam = 632 * KiB + (lowRamTop - 1 * MiB);
  const high = totalRam - lowRam;
  // Node shares: node 0 already has the low RAM, so it gets that much less above 4 GiB.
  const share = totalRam / nodes;
  let base = 4 * GiB;
  for (let n = 0; n < nodes; n++) {
    const len = n === 0 ? share - lowRam : n === nodes - 1 ? high - (base - 4 * GiB) : share;
    regions.push({ base, length: len, type: "ram", node: n, label: n === 0 ? "RAM above 4 GiB (remapped)" : `node ${n} RAM` });
    base += len;
  }
  return regions;
}

const pcDevices: MachineProfileInput["devices"] = [
  { name: "sb16", bus: "isa", model: "sb16", dmaChannels: [1, 5], irq: 5 },
  { name: "plx9656", bus: "pci", model: "plx9656", irq: 16 },
  { name: "nic0", bus: "pci", model: "e1000", irq: 17 },
];

const inputs: MachineProfileInput[] = [
  {
    name: "x64-desktop",
    description: "x64 PC, 16 GiB in one node, PCI hole below 4 GiB, coherent DMA, no IOMMU",
    arch: "x64",
    cpus: 8,
    nodes: 1,
    memory: pcMemoryMap(16 * GiB, 1),
    devices: pcDevices,
  },
  {
    name: "x64-iommu",
    description: "x64-desktop (16 GiB) with DMA remapping (an IOMMU domain per PCI device, Kernel DMA Protection)",
    arch: "x64",
    cpus: 8,
    nodes: 1,
    memory: pcMemoryMap(16 * GiB, 1),
    iommu: { enabled: true, addressWidth: 48 },
    devices: pcDevices.map((d) => ({ ...d, remapping: d.bus === "pci" })),
  },
  {
    name: "x64-server",
    description: "x64 server, 256 GiB over 2 NUMA nodes",
    arch: "x64",
    cpus: 32,
    nodes: 2,
    distances: [
      [10, 21],
      [21, 10],
    ],
    memory: pcMemoryMap(256 * GiB, 2),
    devices: [
      { name: "plx9656", bus: "pci", model: "plx9656", node: 0, irq: 16 },
      { name: "nic1", bus: "pci", model: "e1000", node: 1, irq: 17 },
    ],
  },
  {
    name: "arm64-soc",
    description: "ARM64 SoC, 8 GiB of DRAM at 2 GiB, per-device ACPI _CCA: one coherent device (nic-coherent), two non-coherent (dma-noncoherent, plx9656)",
    arch: "arm64",
    cpus: 8,
    nodes: 1,
    memory: [
      { base: 0, length: 0x4000_0000, type: "mmio", node: 0, label: "peripherals, GIC, PCIe ECAM" },
      { base: 0x4000_0000, length: 0x4000_0000, type: "reserved", node: 0, label: "firmware, secure world" },
      { base: 0x8000_0000, length: 8 * GiB, type: "ram", node: 0, label: "DRAM" },
    ],
    devices: [
      { name: "nic-coherent", bus: "pci", model: "e1000", cca: 1, irq: 40 },
      { name: "dma-noncoherent", bus: "internal", model: "generic", cca: 0, irq: 41 },
      { name: "plx9656", bus: "pci", model: "plx9656", cca: 0, irq: 42 },
    ],
  },
  {
    name: "x64-1tib",
    description: "x64 server, 1 TiB over 4 NUMA nodes",
    arch: "x64",
    cpus: 128,
    nodes: 4,
    distances: [
      [10, 16, 16, 22],
      [16, 10, 22, 16],
      [16, 22, 10, 16],
      [22, 16, 16, 10],
    ],
    memory: pcMemoryMap(1024 * GiB, 4),
    devices: [{ name: "plx9656", bus: "pci", model: "plx9656", node: 0, irq: 16 }],
  },
];

/** The built-in machine profiles, validated. */
export const BUILTIN_PROFILES: ReadonlyMap<string, MachineProfile> = new Map(inputs.map((p) => [p.name, parseProfile(p, `profile "${p.name}"`)]));

/**
 * A built-in profile by name ("x64-desktop", "x64-iommu", "x64-server",
 * "arm64-soc", "x64-1tib"); a RangeError listing them for any other name.
 */
export function builtinProfile(name: string): MachineProfile {
  const p = BUILTIN_PROFILES.get(name);
  if (p === undefined) throw new RangeError(`unknown profile "${name}" (built-in: ${[...BUILTIN_PROFILES.keys()].join(", ")})`);
  return p;
}
