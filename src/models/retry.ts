import { abortableSleep } from "../core/cancel.js";
import { type Clock, realClock } from "../core/clock.js";
import { OptionError } from "../core/errors.js";
import { ProviderFailure } from "./errors.js";
import type { RetryPolicy } from "./types.js";

/** Four attempts: the first, then after ~0.5 s, ~1 s and ~2 s (or what Retry-After says). */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Fills in a partial policy and rejects values that would retry forever or never wait. */
export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...partial };
  if (!(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) {
    throw new OptionError("invalid_option", {
      where: "retry.maxAttempts",
      what: "got",
      got: policy.maxAttempts,
      valid: ["an integer >= 1"],
    });
  }
  for (const key of ["baseDelayMs", "maxDelayMs"] as const) {
    if (!(policy[key] >= 0 && Number.isFinite(policy[key]))) {
      throw new OptionError("invalid_option", {
        where: `retry.${key}`,
        what: "got",
        got: policy[key],
        valid: ["a finite number >= 0"],
      });
    }
  }
  return policy;
}

/** Anything with a `get(name)` header lookup: fetch's Headers, the openai SDK's headers. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * Reads how long the server asked us to wait: `retry-after-ms` (OpenAI's precise form), then
 * `Retry-After` as seconds (fractions allowed) or as an HTTP date.
 */
export function parseRetryAfter(
  headers: HeaderLookup | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value.trim());
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before the next attempt after `failure`, or undefined when the failure is
 * final: a 4xx other than 429, anything that is not a ProviderFailure, or a Retry-After longer
 * than the policy allows (waiting minutes inside one call would hide the problem).
 */
export function retryDelayMs(
  failure: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (!(failure instanceof ProviderFailure)) return undefined;
  const status = failure.status;
  const retryable = status === undefined || status === 429 || status >= 500;
  if (!retryable) return undefined;
  if (status === 429 && failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs <= policy.maxDelayMs ? failure.retryAfterMs : undefined;
  }
  // "Equal jitter": half the exponential step is kept, half is random, so that callers that
  // failed together spread out but none retries at once.
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

/**
 * Runs `attempt(n)` until it succeeds, the failure is final, or `maxAttempts` is reached;
 * rethrows the last failure. Waits between attempts (on `clock`) end early when `signal` aborts.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  clock: Clock = realClock,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (failure) {
      if (signal.aborted || n >= policy.maxAttempts) throw failure;
      const delay = retryDelayMs(failure, n, policy);
      if (delay === undefined) throw failure;
      await abortableSleep(delay, signal, clock);
    }
  }
}
