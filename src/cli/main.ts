#!/usr/bin/env node
/** The `dmasim` executable: wires the real process to the command line. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { styleText } from "node:util";
import { runCli } from "./program.ts";

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  // styleText checks the stream: no escapes to a pipe, a file or with NO_COLOR set.
  style: (s, t) => styleText(s, t, { stream: process.stdout }),
  stderrIsTty: process.stderr.isTTY === true,
  cwd: process.cwd(),
  writeFile: (path, data) => writeFileSync(resolve(process.cwd(), path), data),
});
process.exitCode = code;
