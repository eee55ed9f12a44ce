/** Exit codes and the error that carries one: shared by every command, importing nothing. */

/** Exit codes, documented in the README. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** A failure already reported to the user; carries the exit code. */
export class ExitError extends Error {
  constructor(message: string, readonly code: number = EXIT.failure) {
    super(message);
  }
}
