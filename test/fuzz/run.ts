/**
 * `npm run fuzz -- --seconds N [--total T] [--steps S] [--seed X]`: run seeded
 * random sequences of S steps over the public API until N seconds have passed
 * (or, with --total, until T steps have run, whichever comes first); print the
 * sequences and steps run, and each failing seed with its minimal step count.
 * Exit 1 when any sequence broke an invariant.
 */
import { minimalSteps, runSequence } from "./api-fuzzer.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`fuzz: --${name} takes a positive number, got ${process.argv[i + 1] ?? "(nothing)"}\n`);
    process.exit(2);
  }
  return v;
}

const seconds = arg("seconds", 30);
const steps = Math.round(arg("steps", 200));
const first = Math.round(arg("seed", 1));
const target = arg("total", Infinity);
const started = Date.now();
const deadline = started + seconds * 1000;
let sequences = 0;
let total = 0;
let stops = 0;
const failures: { seed: string; profile: string; mode: string; message: string; op: string; minimal: number }[] = [];
for (let n = first; Date.now() < deadline && total < target; n++) {
  const seed = `s${n}`;
  const r = runSequence(seed, steps);
  sequences++;
  total += r.steps;
  if (r.stoppedBy !== null) stops++;
  if (r.violation !== null) {
    const minimal = minimalSteps(seed, steps);
    failures.push({ seed, profile: r.profile, mode: r.mode, message: r.violation.message, op: r.violation.op, minimal });
    process.stdout.write(`FAIL seed ${seed} (${r.profile}, verifier ${r.mode}): step ${r.violation.step} ${r.violation.op}: ${r.violation.message}; minimal: ${minimal} steps\n`);
  }
  if (sequences % 100 === 0 && process.stderr.isTTY) process.stderr.write(`\r${sequences} sequences, ${total} steps`);
}
if (process.stderr.isTTY) process.stderr.write("\n");
process.stdout.write(`${sequences} sequences, ${total} steps in ${((Date.now() - started) / 1000).toFixed(0)} s (${stops} ended in a bug check), ${failures.length} violations\n`);
process.exit(failures.length === 0 ? 0 : 1);
