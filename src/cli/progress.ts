/**
 * A one-line progress indicator on stderr ("\r" redraws), only when stderr is
 * a terminal: piped or redirected output never sees it, so stdout and logs
 * stay byte-for-byte deterministic.
 */
import type { CliIo } from "./io.ts";

export interface Progress {
  readonly update: (fraction: number, label: string) => void;
  readonly done: () => void;
}

export function makeProgress(io: CliIo, prefix = ""): Progress | undefined {
  if (!io.stderrIsTty) return undefined;
  let last = "";
  let shown = false;
  return {
    update: (fraction, label) => {
      const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      const width = 24;
      const fill = Math.round((pct / 100) * width);
      const line = `${prefix}[${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${label}`.slice(0, 100);
      if (line === last) return;
      io.stderr(`\r${line.padEnd(Math.max(last.length, line.length))}`);
      last = line;
      shown = true;
    },
    done: () => {
      if (shown) io.stderr(`\r${" ".repeat(last.length)}\r`);
      last = "";
      shown = false;
    },
  };
}
