/**
 * `--profile P`: a built-in profile name or a path to a JSON profile file,
 * validated by parseProfile. Every problem becomes one UsageError line.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BUILTIN_PROFILES } from "../machine/builtin-profiles.ts";
import { type MachineProfile, parseProfile, ProfileError } from "../machine/profile.ts";
import { UsageError } from "./usage-error.ts";

function looksLikePath(spec: string): boolean {
  return spec.includes("/") || spec.includes("\\") || spec.endsWith(".json");
}

/** Validate an inline profile object (from a scenario file); `where` names its place. */
export function profileFromObject(input: unknown, where: string): MachineProfile {
  try {
    return parseProfile(input, where);
  } catch (e) {
    if (e instanceof ProfileError) throw new UsageError(e.message);
    throw e;
  }
}

export function resolveProfile(spec: string, cwd: string): MachineProfile {
  const builtin = BUILTIN_PROFILES.get(spec);
  if (builtin !== undefined) return builtin;
  if (!looksLikePath(spec)) throw new UsageError(`unknown profile "${spec}" (built-in: ${[...BUILTIN_PROFILES.keys()].join(", ")}; or give a path to a .json profile file)`);
  const path = resolve(cwd, spec);
  if (!existsSync(path)) throw new UsageError(`profile file not found: ${spec}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`profile file ${spec} is not valid JSON: ${(e as Error).message}`);
  }
  // An editor hint ("$schema", see `dmasim schema profile`) is not part of the profile.
  if (typeof data === "object" && data !== null && !Array.isArray(data) && "$schema" in data) {
    const { $schema: _hint, ...rest } = data as Record<string, unknown>;
    data = rest;
  }
  return profileFromObject(data, `profile file ${spec}`);
}
