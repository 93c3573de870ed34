/** A problem with how the CLI was called (a flag, a missing file or module): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Exit codes: every item ok, some items failed, bad usage, interrupted (128 + SIGINT). */
export const EXIT = { ok: 0, itemsFailed: 1, usage: 2, interrupted: 130 } as const;
