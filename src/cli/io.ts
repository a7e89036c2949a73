/** What a command may touch of the outside world (injected, so tests can run the program in-process too). */
import type { Style } from "../report/summary.ts";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colour for stdout text (identity when stdout is not a terminal or NO_COLOR is set). */
  readonly style: Style;
  /** Progress lines go to stderr only when it is a terminal. */
  readonly stderrIsTty: boolean;
  readonly cwd: string;
  readonly writeFile: (path: string, data: string | Uint8Array) => void;
}
