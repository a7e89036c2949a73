/**
 * JSON scenario files: either a built-in scenario (`scenario`) or a driver
 * written as `steps` (see steps-scenario.ts), plus the settings to run it with
 * (profile name or an inline profile, seed, uptime, verifier mode,
 * scenario-specific params). Validated with zod; unknown keys are errors, so
 * a typo is reported instead of ignored.
 */
import { z } from "zod";
import { stepsSchema } from "./steps-scenario.ts";

export const scenarioFileSchema = z
  .strictObject({
  /** Editor hint ("$schema": "..."); ignored. */
  $schema: z.string().optional(),
  /** The built-in scenario to run (see `dmasim list`); or give `steps`. */
  scenario: z.string().min(1).optional(),
  /** A driver as a list of steps (adapter, allocate, cpuWrite, deviceRead, free, ...); or give `scenario`. */
  steps: stepsSchema.optional(),
  /** A name for this run in the summary and report; default the scenario's. */
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** A built-in profile name, or a whole profile object (validated like a profile file). */
  profile: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  seed: z.number().int().min(0).max(0xffff_ffff).optional(),
  /** Simulated uptime before the scenario: seconds, or text such as "2h". */
  uptime: z.union([z.number().min(0), z.string().min(1)]).optional(),
  verifier: z.enum(["off", "collect", "bugcheck"]).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.scenario === undefined) === (f.steps === undefined)) ctx.addIssue({ code: "custom", path: [], message: 'give exactly one of "scenario" (a built-in name) or "steps" (a list of driver steps)' });
  });

export type ScenarioFile = z.output<typeof scenarioFileSchema>;

/** One line naming every bad field, e.g. `seed: expected number, received string`. */
export function scenarioFileProblems(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.length === 0 ? "(root)" : i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
      return `${path}: ${i.message}`;
    })
    .join("; ");
}
