/**
 * The `dmasim` command line (commander). Exit codes: 0 success, 1 findings or
 * a failed run, 2 bad usage (unknown command, scenario, profile or option, a
 * malformed file). User mistakes print one line and never a stack trace.
 */
import { Command, CommanderError, Option } from "commander";
import { checkCommand } from "./commands/check.ts";
import { demoCommand } from "./commands/demo.ts";
import { listCommand, parseListWhat } from "./commands/list.ts";
import { profileShowCommand } from "./commands/profile-show.ts";
import { runCommand, type RunOptions } from "./commands/run.ts";
import { parseParam } from "./parse-options.ts";
import { schemaCommand } from "./commands/schema.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage-error.ts";
import { packageVersion } from "./version.ts";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** --debug, or DMASIM_DEBUG set to anything but "" or "0". */
export function debugWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env["DMASIM_DEBUG"];
  return argv.includes("--debug") || (v !== undefined && v !== "" && v !== "0");
}

function buildProgram(io: CliIo, setCode: (c: number) => void): Command {
  const program = new Command("dmasim");
  const debug = (): boolean => program.opts<{ debug?: boolean }>().debug === true || debugWanted([]);
  program
    .description("Emulate the Windows kernel DMA common-buffer subsystem: run scenarios on simulated machines, see where buffers land, catch DMA misuse.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--debug", "on a failure in user code, also print its stack frames (the user's frames only); or set DMASIM_DEBUG=1")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // One line per problem: commander puts its "(Did you mean ...?)" on a second line.
      outputError: (s, write) => write(`dmasim: ${s.replace(/^error: /, "").replace(/\n(?=.)/g, " ").trimEnd()}\n`),
    })
    .addHelpText("after", "\nExamples:\n  dmasim demo\n  dmasim list\n  dmasim run common-buffer-walkthrough --profile arm64-soc\n  dmasim run fragmentation --uptime 1m --report frag.html\n  dmasim run ./my-driver.ts --report r.html\n  dmasim check ./my-driver.ts\n  dmasim profile show x64-iommu");

  program
    .command("demo")
    .description("run the built-in scenarios, print a summary and write an HTML report")
    .option("--report <file>", "where to write the HTML report", "dmasim-report.html")
    .option("--seed <n>", "seed for every run (default 1)")
    .option("--json", "print the results as one JSON object")
    .addHelpText("after", "\nExample:\n  dmasim demo --report /tmp/report.html")
    .action(async (opts: { report: string; seed?: string; json?: boolean }) => setCode(await demoCommand(io, opts)));

  program
    .command("run")
    .description("run one scenario: a built-in name, a .ts/.js scenario module, or a .json scenario file")
    .argument("<scenario>", "built-in scenario name (see `dmasim list`) or a path")
    .option("--profile <p>", "machine profile: a built-in name or a path to a .json profile")
    .option("--seed <n>", "seed (a whole number; default 1)")
    .option("--uptime <duration>", "simulated uptime before the scenario, e.g. 0, 30s, 2m, 1h (default 0; host time grows with it)")
    .option("--memory-budget <size>", "host memory the simulated machine may commit for its memory, e.g. 512MiB, 8GiB (default half the host's); past it the run fails naming it")
    .addOption(new Option("--verifier <mode>", "DMA verifier: off, collect (report every finding; the default) or bugcheck (stop at the first, as Driver Verifier does)"))
    .option("--param <key=value>", "a scenario setting (repeatable; JSON values: trials=2, sizesPages=[1,512])", (v: string, prev: Record<string, unknown> | undefined) => parseParam(v, prev), undefined)
    .option("--report <file>", "also write an HTML report")
    .option("--trace <file>", "also write the event trace (DMA runs, faults, interrupts, allocations) as column-wise JSON")
    .option("--wav <file>", "also write the audio the device played as a WAV file (sound-card scenarios)")
    .option("--json", "print the results (allocations, findings, statistics) as one JSON object")
    .addHelpText("after", "\nExamples:\n  dmasim run common-buffer-walkthrough --profile x64-iommu --json\n  dmasim run ./my-driver.ts --verifier bugcheck\n  dmasim run fragmentation --profile x64-desktop --report frag.html\n  dmasim run fragmentation --param trials=1 --param sizesPages=[1,16,512]\n  dmasim run sound-card-late --wav late.wav")
    .action(async (scenario: string, opts: RunOptions) => setCode(await runCommand(io, scenario, { ...opts, debug: debug() })));

  program
    .command("list")
    .description("list the built-in scenarios and machine profiles")
    .argument("[what]", "scenarios or profiles (default both)")
    .option("--json", "print them as JSON")
    .addHelpText("after", "\nExamples:\n  dmasim list --json\n  dmasim list profiles")
    .action((what: string | undefined, opts: { json?: boolean }) => setCode(listCommand(io, opts, parseListWhat(what))));

  const profile = program.command("profile").description("inspect machine profiles").addHelpText("after", "\nExample:\n  dmasim profile show arm64-soc");
  profile
    .command("list")
    .description("list the built-in profiles (the same as `dmasim list profiles`)")
    .option("--json", "print them as JSON")
    .action((opts: { json?: boolean }) => setCode(listCommand(io, opts, "profiles")));
  profile
    .command("show")
    .description("show a profile: memory map, NUMA nodes, IOMMU, devices")
    .argument("<name>", "built-in profile name or a path to a .json profile")
    .option("--json", "print the validated profile as JSON")
    .addHelpText("after", "\nExamples:\n  dmasim profile show x64-server\n  dmasim profile show ./my-board.json --json")
    .action((name: string, opts: { json?: boolean }) => setCode(profileShowCommand(io, name, opts)));
  program
    .command("check")
    .description("type-check your TypeScript driver modules against dmasim's declarations (strict); exit 1 on type errors")
    .argument("<files...>", "the .ts (or .js) files to check")
    .addHelpText("after", "\nExample:\n  dmasim check ./my-driver.ts")
    .action(async (files: string[]) => setCode(await checkCommand(io, files)));
  program
    .command("schema")
    .description("print a JSON Schema: of scenario or profile files (for editor completion), or of what dmasim writes (result: run --json, demo: demo --json, trace: the --trace file)")
    .argument("[kind]", "scenario, profile, result, demo or trace", "scenario")
    .addHelpText("after", "\nExample:\n  dmasim schema scenario > scenario.schema.json   # then \"$schema\": \"./scenario.schema.json\" in your file")
    .action((kind: string) => setCode(schemaCommand(io, kind)));
  return program;
}

/** Run the command line (argv without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
      return EXIT.usage;
    }
    const debug = debugWanted(argv);
    if (e instanceof UsageError) {
      io.stderr(`dmasim: ${e.message.replace(/\n/g, " ")}\n`);
      if (debug && e.debugLines.length > 0) io.stderr(`${e.debugLines.join("\n")}\n`);
      return EXIT.usage;
    }
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    io.stderr(`dmasim: internal error: ${msg}${debug ? `\n${e instanceof Error ? e.stack : ""}` : " (run with --debug for the stack trace)"}\n`);
    return EXIT.failed;
  }
}
