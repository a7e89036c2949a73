/** A mistake in what the user typed or wrote (exit code 2, one line, no stack trace). */
export class UsageError extends Error {
  /** Extra lines shown only with --debug / DMASIM_DEBUG=1 (the user's stack frames). */
  readonly debugLines: readonly string[];

  constructor(message: string, debugLines: readonly string[] = []) {
    super(message);
    this.name = "UsageError";
    this.debugLines = debugLines;
  }
}
