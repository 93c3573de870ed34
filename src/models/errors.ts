import { inspect } from "node:util";
import { type Issue, OperatorError, ValidationError } from "../core/errors.js";

/**
 * One failed attempt, as a provider reports it. Retries read `status` and `retryAfterMs`;
 * when they give up, `Model` turns the last failure into a `ProviderError` with the operator
 * path and the attempt count. Custom providers throw this for HTTP-level failures.
 */
export class ProviderFailure extends Error {
  /** HTTP status; undefined for a network failure (no response at all). */
  readonly status: number | undefined;
  /** From `Retry-After` / `retry-after-ms`, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    fields: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: fields.cause });
    this.name = "ProviderFailure";
    this.status = fields.status;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** A model call that failed for good: after its retries, or at once for a non-retryable status. */
export class ProviderError extends OperatorError {
  declare readonly code: "provider_error";
  /** The model id: `openai:gpt-4o-mini`. */
  readonly model: string;
  readonly status: number | undefined;
  /** Requests sent, the first included. */
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  /** The text streamed before a stream broke off; undefined when nothing had been streamed. */
  readonly partialText: string | undefined;
  constructor(fields: {
    path: string;
    model: string;
    attempts: number;
    status?: number;
    retryAfterMs?: number;
    detail: string;
    cause?: unknown;
    partialText?: string;
  }) {
    const tries = fields.attempts === 1 ? "1 attempt" : `${fields.attempts} attempts`;
    const status = fields.status === undefined ? "failed" : `answered ${fields.status}`;
    super("provider_error", {
      path: fields.path,
      cause: fields.cause,
      subject: `${fields.model} ${status} after ${tries}`,
      detail: fields.detail,
    });
    this.name = "ProviderError";
    this.model = fields.model;
    this.status = fields.status;
    this.attempts = fields.attempts;
    this.retryAfterMs = fields.retryAfterMs;
    this.partialText = fields.partialText;
  }
}

const RAW_IN_MESSAGE = 200;

/**
 * A reply the operator could not use: not JSON, failing the output schema, or missing a line
 * the format requires. `rawText` is the whole reply, so it can be logged or repaired.
 */
export class ModelOutputError extends ValidationError {
  declare readonly code: "invalid_model_output";
  readonly rawText: string;
  constructor(fields: {
    path: string;
    rawText: string;
    detail: string;
    issues?: Issue[];
    cause?: unknown;
  }) {
    const raw =
      fields.rawText.length > RAW_IN_MESSAGE
        ? `${fields.rawText.slice(0, RAW_IN_MESSAGE)}…`
        : fields.rawText;
    super("invalid_model_output", {
      path: fields.path,
      cause: fields.cause,
      issues: fields.issues,
      detail: `${fields.detail}; raw reply: ${JSON.stringify(raw)}`,
    });
    this.name = "ModelOutputError";
    this.rawText = fields.rawText;
  }
}

const REDACTED = "[redacted]";

/** Replaces every occurrence of each secret (API keys) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings would blank out ordinary words; real keys are long.
    if (secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * The error to keep as a `cause`: the original when nothing in it mentions a secret, otherwise
 * a plain copy with the secret removed (a server may echo the key back in its error body).
 */
export function sanitizeCause(err: unknown, secrets: readonly string[]): unknown {
  const printed = inspect(err, { depth: 8 });
  if (redact(printed, secrets) === printed) return err;
  const message = err instanceof Error ? err.message : String(err);
  const copy = new Error(redact(message, secrets));
  copy.name = err instanceof Error ? err.name : "Error";
  return copy;
}
