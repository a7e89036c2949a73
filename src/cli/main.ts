#!/usr/bin/env node
/** The `dmasim` executable: wires the real process to the command line. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { styleText } from "node:util";
import { pendingWork } from "./pending.ts";
import { runCli } from "./program.ts";

// A reader that stops early (`dmasim demo | head -1`) closes the pipe: that ends the run, quietly and successfully.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

// The event loop emptied while the command still awaits user code: nothing can settle it any more.
process.on("beforeExit", () => {
  const pending = pendingWork();
  if (pending === undefined) return;
  process.stderr.write(`dmasim: ${pending}\n`);
  process.exit(1);
});

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
