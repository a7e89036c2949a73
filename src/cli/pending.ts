/**
 * What the command is waiting for, so that a run whose promise never settles
 * (the event loop empties while user code still awaits something nothing will
 * deliver) ends with a message naming it instead of Node's bare exit 13.
 * main.ts asks on "beforeExit".
 */
let current: (() => string) | undefined;

/** Declare what is awaited now (a function: the message is built only if it is needed). */
export function setPending(describe: () => string): void {
  current = describe;
}

export function clearPending(): void {
  current = undefined;
}

/** The message for a wait that can never end, or undefined when nothing is awaited. */
export function pendingWork(): string | undefined {
  return current?.();
}
