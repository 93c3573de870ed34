import { abortableSleep, NEVER_ABORTED } from "../core/cancel.js";
import { type Clock, isClock, realClock } from "../core/clock.js";
import { OptionError } from "../core/errors.js";
import { childPath } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref } from "../operator/lowering.js";
import { assertOperator, callOperator, Operator } from "../operator/operator.js";

export const BACKOFFS = ["exponential", "linear", "fibonacci", "constant"] as const;

/** How the wait grows between attempts: base × 2^(n-1), base × n, base × fib(n), or base. */
export type Backoff = (typeof BACKOFFS)[number];

/** A validated retry policy. Holds configuration only: every run keeps its own count. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly backoff: Backoff;
  readonly jitter: boolean;
  readonly maxDelayMs: number | undefined;
  readonly shouldRetry: ((error: unknown, attempt: number) => boolean) | undefined;
  /** What the waits run on. Part of the policy so every runner of it (eager or a plan) uses it. */
  readonly clock: Clock;
}

export interface RetryPolicyOptions {
  /** Attempts in all, the first included; an integer >= 1. @default 3 */
  maxAttempts?: number;
  /** The base wait after the first failure. @default 1000 */
  retryDelayMs?: number;
  /** @default "exponential" */
  backoff?: Backoff;
  /** Wait a uniformly random time in [0, delay] instead (full jitter). @default false */
  jitter?: boolean;
  /** Upper bound on any one wait, applied before jitter. @default no bound */
  maxDelayMs?: number;
  /** Decides whether a failure is worth another attempt. @default every failure is */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** The clock the waits between attempts run on (a `FakeClock` in tests). @default realClock */
  clock?: Clock;
}

const POLICY_KEYS: readonly string[] = [
  "maxAttempts",
  "retryDelayMs",
  "backoff",
  "jitter",
  "maxDelayMs",
  "shouldRetry",
  "clock",
];

// setTimeout fires at once (with a warning) for delays past 2^31-1 ms, so longer waits
// from a steep backoff are clamped to that instead.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fills in defaults and validates, throwing an OptionError that names the bad option.
 * @example retryPolicy({ maxAttempts: 5, backoff: "linear", retryDelayMs: 200 })
 */
export function retryPolicy(
  options: RetryPolicyOptions = {},
  where = "retryPolicy()",
): RetryPolicy {
  for (const key of Object.keys(options)) {
    if (!POLICY_KEYS.includes(key))
      invalid(where, "unknown option", key, POLICY_KEYS, "unknown_option");
  }
  const { maxAttempts = 3, retryDelayMs = 1000, backoff = "exponential", jitter = false } = options;
  const { maxDelayMs, shouldRetry, clock = realClock } = options;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    invalid(where, "maxAttempts is", maxAttempts, ["an integer >= 1"]);
  }
  if (!isNonNegative(retryDelayMs))
    invalid(where, "retryDelayMs is", retryDelayMs, ["a number >= 0"]);
  if (!BACKOFFS.includes(backoff)) invalid(where, "backoff is", backoff, BACKOFFS);
  if (typeof jitter !== "boolean") invalid(where, "jitter is", jitter, ["true", "false"]);
  if (maxDelayMs !== undefined && !isNonNegative(maxDelayMs)) {
    invalid(where, "maxDelayMs is", maxDelayMs, ["a number >= 0"]);
  }
  if (shouldRetry !== undefined && typeof shouldRetry !== "function") {
    invalid(where, "shouldRetry is", shouldRetry, ["a function (error, attempt) => boolean"]);
  }
  if (!isClock(clock))
    invalid(where, "clock is", clock, ["a Clock { now, setTimeout, clearTimeout }"]);
  return Object.freeze({
    maxAttempts,
    retryDelayMs,
    backoff,
    jitter,
    maxDelayMs,
    shouldRetry,
    clock,
  });
}

/**
 * The wait after failed attempt `attempt` (1-based), before the next one. Deterministic
 * unless the policy asks for jitter, which scales the capped delay by `random()`.
 * @example backoffDelayMs(retryPolicy({ retryDelayMs: 10 }), 3) // 40
 */
export function backoffDelayMs(
  policy: Pick<RetryPolicy, "retryDelayMs" | "backoff" | "jitter" | "maxDelayMs">,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (!(Number.isInteger(attempt) && attempt >= 1)) {
    invalid("backoffDelayMs()", "attempt is", attempt, ["an integer >= 1"]);
  }
  const base = policy.retryDelayMs;
  let delay = base;
  if (policy.backoff === "linear") delay = base * attempt;
  else if (policy.backoff === "exponential") delay = base * 2 ** (attempt - 1);
  else if (policy.backoff === "fibonacci") delay = base * fibonacci(attempt);
  if (policy.maxDelayMs !== undefined) delay = Math.min(delay, policy.maxDelayMs);
  return policy.jitter ? random() * delay : delay;
}

/**
 * Runs `attempt(1)`, `attempt(2)`, … until one resolves, the policy gives up, or `signal`
 * aborts. Giving up rethrows the last attempt's error unchanged; an abort while waiting
 * rejects with the signal's reason. All state lives in this call, so nested and concurrent
 * retries never share a count. The waits run on the policy's clock.
 */
export async function runWithRetry<T>(
  attempt: (n: number, signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal = NEVER_ABORTED,
): Promise<T> {
  for (let n = 1; ; n++) {
    signal.throwIfAborted();
    try {
      return await attempt(n, signal);
    } catch (err) {
      // An aborted run is being cancelled, not failing: another attempt would be wasted.
      if (n >= policy.maxAttempts || signal.aborted) throw err;
      if (policy.shouldRetry && !policy.shouldRetry(err, n)) throw err;
    }
    const delayMs = Math.min(backoffDelayMs(policy, n), MAX_TIMER_MS);
    if (delayMs > 0) await abortableSleep(delayMs, signal, policy.clock);
  }
}

export interface RetryOptions<I, O> extends RetryPolicyOptions {
  /** The operator to call again when it fails. */
  operator: Operator<I, O>;
  /** @default "retry" */
  name?: string;
}

/**
 * Calls its operator until it succeeds or the policy gives up, waiting between attempts.
 *
 * @example
 * const robust = new RetryOperator({ operator: flakyModel, maxAttempts: 4, backoff: "fibonacci" });
 */
export class RetryOperator<I = unknown, O = unknown> extends Operator<I, O> {
  readonly operator: Operator<I, O>;
  readonly policy: RetryPolicy;
  override readonly effects: Effects;

  constructor(options: RetryOptions<I, O>) {
    super();
    const { operator, name, ...policy } = options;
    this.name = name ?? "retry";
    assertOperator(operator, childPath(this.name, "operator"));
    this.operator = operator;
    this.policy = retryPolicy(policy, "RetryOperator");
    this.effects = combineEffects([operator.effects]);
  }

  forward(input: I, ctx: CallContext): Promise<O> {
    const child = this.operator as unknown as Operator<unknown, unknown>;
    return runWithRetry(
      (_n, signal) => callOperator(child, input, { signal }) as Promise<O>,
      this.policy,
      ctx.signal,
    );
  }

  lower(b: Lowering, input: Ref): Ref {
    return b.control("retry", input, [this.operator], (value, signal, run) =>
      runWithRetry((_n, attempt) => run(0, value, attempt), this.policy, signal),
    );
  }
}

function fibonacci(n: number): number {
  let [previous, current] = [0, 1];
  for (let i = 1; i < n; i++) [previous, current] = [current, previous + current];
  return current;
}

function isNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function invalid(
  where: string,
  what: string,
  got: unknown,
  valid: readonly string[],
  code: "invalid_option" | "unknown_option" = "invalid_option",
): never {
  throw new OptionError(code, { where, what, got, valid });
}
