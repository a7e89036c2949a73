/** `dmasim list`: the built-in scenarios and machine profiles. */
import { formatSize } from "../../core/address.ts";
import { BUILTIN_PROFILES } from "../../machine/builtin-profiles.ts";
import type { MachineProfile } from "../../machine/profile.ts";
import { renderTable } from "../../report/text-table.ts";
import { BUILTIN_SCENARIOS } from "../../scenarios/index.ts";
import type { CliIo } from "../io.ts";
import { UsageError } from "../usage-error.ts";

export function ramBytes(p: MachineProfile): number {
  return p.memory.filter((m) => m.type === "ram").reduce((s, m) => s + m.length, 0);
}

/** What `dmasim list [what]` lists. */
export type ListWhat = "all" | "scenarios" | "profiles";

/** `dmasim list [scenarios|profiles]`; a UsageError naming the choices for anything else. */
export function parseListWhat(what: string | undefined): ListWhat {
  if (what === undefined) return "all";
  if (what === "scenarios" || what === "scenario") return "scenarios";
  if (what === "profiles" || what === "profile") return "profiles";
  throw new UsageError(`list: "${what}" is not something to list (scenarios or profiles)`);
}

/** Print the built-in scenarios and/or profiles, as tables or (--json) data. */
export function listCommand(io: CliIo, opts: { json?: boolean }, what: ListWhat = "all"): number {
  const scenarios = BUILTIN_SCENARIOS.map((s) => ({ name: s.name, defaultProfile: s.defaultProfile, description: s.description }));
  const profiles = [...BUILTIN_PROFILES.values()].map((p) => ({ name: p.name, arch: p.arch, cpus: p.cpus, nodes: p.nodes, ram: formatSize(ramBytes(p)), iommu: p.iommu.enabled ? "yes" : "no", devices: p.devices.map((d) => d.name).join(", "), description: p.description }));
  if (opts.json === true) {
    const profileData = profiles.map((p) => ({ ...p, ramBytes: ramBytes(BUILTIN_PROFILES.get(p.name) as MachineProfile) }));
    io.stdout(JSON.stringify(what === "scenarios" ? { scenarios } : what === "profiles" ? { profiles: profileData } : { scenarios, profiles: profileData }, null, 2) + "\n");
    return 0;
  }
  if (what !== "profiles") {
    io.stdout(io.style("bold", "Scenarios") + " (dmasim run NAME)\n");
  // Long descriptions are cut to keep one line per scenario (--json has them whole).
  const short = scenarios.map((s) => ({ ...s, description: s.description.length > 90 ? `${s.description.slice(0, 89)}…` : s.description }));
    io.stdout(scenarios.length === 0 ? "  (none registered yet)\n" : renderTable(short, { columns: ["name", "defaultProfile", "description"] }));
  }
  if (what !== "scenarios") {
    io.stdout((what === "all" ? "\n" : "") + io.style("bold", "Profiles") + " (--profile NAME, or --profile path/to/profile.json)\n");
    io.stdout(renderTable(profiles, { columns: ["name", "arch", "cpus", "nodes", "ram", "iommu", "devices"] }));
  }
  return 0;
}
