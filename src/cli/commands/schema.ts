/** `dmasim schema [scenario|profile]`: the JSON Schema of scenario files or profile files, for editor completion. */
import { z } from "zod";
import { profileSchema } from "../../machine/profile.ts";
import type { CliIo } from "../io.ts";
import { scenarioFileSchema } from "../scenario-file.ts";
import { UsageError } from "../usage-error.ts";

export function schemaCommand(io: CliIo, kind: string): number {
  if (kind !== "scenario" && kind !== "profile") throw new UsageError(`schema: "${kind}" is not a schema (scenario or profile)`);
  // io "input": the schema of what a user writes (sizes as text or numbers, defaults optional).
  const schema = z.toJSONSchema(kind === "scenario" ? scenarioFileSchema : profileSchema, { io: "input", unrepresentable: "any" });
  io.stdout(JSON.stringify({ ...schema, title: kind === "scenario" ? "dmasim scenario file" : "dmasim machine profile" }, null, 2) + "\n");
  return 0;
}
