/**
 * `dmasim schema [scenario|profile|result|demo|trace]`: the JSON Schema of
 * what a user writes (scenario files, profile files; for editor completion)
 * or of what the command writes (`run --json`, `demo --json`, `--trace`).
 */
import { z } from "zod";
import { profileSchema } from "../../machine/profile.ts";
import { demoResultSchema, runResultSchema, traceFileSchema } from "../../report/result-schema.ts";
import type { CliIo } from "../io.ts";
import { scenarioFileSchema } from "../scenario-file.ts";
import { UsageError } from "../usage-error.ts";

const SCHEMAS = {
  scenario: { schema: scenarioFileSchema, title: "dmasim scenario file", io: "input" },
  profile: { schema: profileSchema, title: "dmasim machine profile", io: "input" },
  result: { schema: runResultSchema, title: "dmasim run --json", io: "output" },
  demo: { schema: demoResultSchema, title: "dmasim demo --json", io: "output" },
  trace: { schema: traceFileSchema, title: "dmasim run --trace file", io: "output" },
} as const;

/** The names `dmasim schema` takes. */
export const SCHEMA_KINDS = Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[];

/** Print the JSON Schema of `kind`; a UsageError naming the kinds for anything else. */
export function schemaCommand(io: CliIo, kind: string): number {
  const entry = (SCHEMAS as Record<string, (typeof SCHEMAS)[keyof typeof SCHEMAS] | undefined>)[kind];
  if (entry === undefined) throw new UsageError(`schema: "${kind}" is not a schema (${SCHEMA_KINDS.join(", ")})`);
  // "input" for what a user writes (sizes as text or numbers, defaults optional); "output" for what dmasim writes.
  const schema = z.toJSONSchema(entry.schema, { io: entry.io, unrepresentable: "any" });
  io.stdout(JSON.stringify({ ...schema, title: entry.title }, null, 2) + "\n");
  return 0;
}
