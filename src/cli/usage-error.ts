/** A mistake in what the user typed or wrote (exit code 2, one line, no stack trace). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
