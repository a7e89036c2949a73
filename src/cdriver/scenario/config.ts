/**
 * A C driver folder's optional dmasim.json: which device of which profile the
 * driver is for, what to do with it once started (a workload), extra compile
 * flags, and what a broken example is expected to show. Validated with zod;
 * unknown keys are errors naming them.
 *
 *   {
 *     "description": "...",
 *     "profile": "x64-desktop",
 *     "device": "sb16",
 *     "sources": "../sb16-wdm",                 // compile another folder's sources (default: this one)
 *     "cflags": ["-DSB16_FORGET_FREE_ON_REMOVE"],
 *     "workload": { "kind": "sb16-playback", "params": { "seconds": 2 } },
 *     "expect": { "findings": ["DMA_COMMON_BUFFER_LEAKED"] }
 *   }
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";

export const CONFIG_FILE = "dmasim.json";

export const cDriverConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  profile: z.string().min(1).optional(),
  /** The profile device the driver drives (its PDO gets the driver); default the profile's only device. */
  device: z.string().min(1).optional(),
  sources: z.string().min(1).optional(),
  cflags: z.array(z.string()).optional(),
  workload: z
    .strictObject({
      kind: z.enum(["lifecycle", "sb16-playback", "plx-io", "nic-frames"]),
      params: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  /** A broken example: the run is "ok" when these finding codes appear (and the workload's own checks are not required). */
  expect: z.strictObject({ findings: z.array(z.string().min(1)).min(1) }).optional(),
});

export type CDriverConfig = z.output<typeof cDriverConfigSchema>;

export interface ResolvedConfig {
  readonly config: CDriverConfig;
  /** The folder (or .c file) to compile. */
  readonly sources: string;
  /** Where the config came from, or null when there is none. */
  readonly file: string | null;
}

/**
 * The config of a driver path: the dmasim.json of its folder (for a single .c
 * file, the one beside it; its "sources" then does not apply: the file is
 * what is compiled).
 */
export function readCDriverConfig(path: string): ResolvedConfig {
  const abs = resolve(path);
  const isDir = existsSync(abs) && statSync(abs).isDirectory();
  const file = join(isDir ? abs : dirname(abs), CONFIG_FILE);
  if (!existsSync(file)) return { config: {}, sources: abs, file: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new RangeError(`dmasim: ${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const r = cDriverConfigSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.length === 0 ? "(root)" : i.path.join(".")}: ${i.message}`).join("; ");
    throw new RangeError(`dmasim: ${file}: ${problems}`);
  }
  const sources = r.data.sources === undefined || !isDir ? abs : resolve(dirname(file), r.data.sources);
  return { config: r.data, sources, file };
}
