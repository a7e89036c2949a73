/** `dmasim profile show NAME`: one machine profile in full (memory map, NUMA, devices). */
import { formatSize } from "../../core/address.ts";
import { MemoryMap } from "../../machine/memory-map.ts";
import { renderTable } from "../../report/text-table.ts";
import type { CliIo } from "../io.ts";
import { resolveProfile } from "../resolve-profile.ts";
import { ramBytes } from "./list.ts";

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(12, "0")}`;
}

export function profileShowCommand(io: CliIo, name: string, opts: { json?: boolean }): number {
  const p = resolveProfile(name, io.cwd);
  if (opts.json === true) {
    io.stdout(JSON.stringify(p, null, 2) + "\n");
    return 0;
  }
  const map = new MemoryMap(p);
  const out: string[] = [];
  out.push(`${io.style("bold", p.name)}${p.description === "" ? "" : ` — ${p.description}`}`);
  out.push(`  architecture ${p.arch}, ${p.cpus} CPUs, cache line ${p.cacheLineSize} bytes`);
  out.push(`  RAM ${formatSize(ramBytes(p))} in ${p.nodes} NUMA node${p.nodes === 1 ? "" : "s"}${p.nodes > 1 ? ` (${Array.from({ length: p.nodes }, (_, n) => `node ${n}: ${formatSize(map.nodeRamBytes(n))}`).join(", ")})` : ""}`);
  if (p.nodes > 1) out.push(`  distances ${Array.from({ length: p.nodes }, (_, a) => `[${Array.from({ length: p.nodes }, (_, b) => map.distance(a, b)).join(" ")}]`).join(" ")}`);
  out.push(`  IOMMU ${p.iommu.enabled ? `on (${p.iommu.addressWidth}-bit)` : "off"}`);
  out.push("", io.style("bold", "Memory map"));
  const regions = map.regions.map((r) => ({ start: hex(r.base), end: hex(r.base + r.length - 1), size: formatSize(r.length), type: r.type, node: r.node, label: r.label }));
  out.push(renderTable(regions).trimEnd());
  out.push("", io.style("bold", "Devices"));
  const devices = p.devices.map((d) => ({ name: d.name, bus: d.bus, model: d.model, irq: d.irq ?? null, dma: d.dmaChannels?.join(",") ?? null, cca: d.cca ?? null, node: d.node ?? null, remapping: d.remapping ?? null }));
  out.push(devices.length === 0 ? "  (none)" : renderTable(devices).trimEnd());
  io.stdout(out.join("\n") + "\n");
  return 0;
}
