import { type Clock, isClock, realClock, type TimerHandle } from "../core/clock.js";
import { OptionError } from "../core/errors.js";
import type { RateLimits } from "./types.js";

/** A granted request: release it when the reply (or failure) arrives. */
export interface Lease {
  /** Time spent queued before the grant, on the limiter's clock. */
  readonly waitedMs: number;
  /** Frees the concurrency slot; `actualTokens` replaces the estimate in the token window. */
  release(actualTokens?: number): void;
}

interface Waiter {
  readonly tokens: number;
  readonly queuedAt: number;
  grant(lease: Lease): void;
}

interface Spent {
  readonly at: number;
  tokens: number;
}

const DEFAULT_WINDOW_MS = 60_000;
const POSITIVE_LIMITS = [
  "maxConcurrency",
  "requestsPerMinute",
  "tokensPerMinute",
  "windowMs",
] as const;

/**
 * Enforces one set of `RateLimits` (a provider's or a model's) in first-come order: a call
 * waits until a concurrency slot is free, fewer than `requestsPerMinute` requests started in
 * the last window, and its tokens fit in `tokensPerMinute`. Windows slide: a request counts
 * for exactly `windowMs` after it started. A timer exists only while someone waits, so an
 * idle limiter leaves nothing behind. Windows, waits and that timer run on `clock`.
 */
export class RateLimiter {
  readonly limits: Readonly<RateLimits>;
  /** Requests holding a lease now. */
  inFlight = 0;
  peakInFlight = 0;
  private readonly windowMs: number;
  private readonly starts: number[] = [];
  private readonly spent: Spent[] = [];
  private readonly queue: Waiter[] = [];
  private timer: TimerHandle | undefined;

  constructor(
    limits: RateLimits,
    where = "limits",
    readonly clock: Clock = realClock,
  ) {
    for (const key of POSITIVE_LIMITS) {
      const value = limits[key];
      if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
        throw new OptionError("invalid_option", {
          where: `${where}.${key}`,
          what: "got",
          got: value,
          valid: ["an integer >= 1"],
        });
      }
    }
    if (!isClock(clock)) {
      throw new OptionError("invalid_option", {
        where: `${where} clock`,
        what: "got",
        got: clock,
        valid: ["a Clock { now, setTimeout, clearTimeout }"],
      });
    }
    this.limits = { ...limits };
    this.windowMs = limits.windowMs ?? DEFAULT_WINDOW_MS;
  }

  /** Calls waiting for a grant. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves with a lease once `tokens` (an estimate) may be spent; rejects if `signal` aborts. */
  acquire(tokens: number, signal?: AbortSignal): Promise<Lease> {
    // Checked before the fast path: an aborted caller must not take a slot it will never use.
    if (signal?.aborted) return Promise.reject(signal.reason);
    const queuedAt = this.clock.now();
    if (this.queue.length === 0 && this.canGrant(tokens, queuedAt)) {
      return Promise.resolve(this.grant(tokens, queuedAt, queuedAt));
    }
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        this.pump();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        tokens,
        queuedAt,
        grant: (lease) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(lease);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private grant(tokens: number, queuedAt: number, now: number): Lease {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    this.starts.push(now);
    const entry: Spent = { at: now, tokens };
    this.spent.push(entry);
    let released = false;
    return {
      waitedMs: now - queuedAt,
      release: (actualTokens) => {
        if (released) return;
        released = true;
        if (actualTokens !== undefined) entry.tokens = actualTokens;
        this.inFlight--;
        this.pump();
      },
    };
  }

  /** Grants waiters in order while they fit; otherwise sleeps until the window frees room. */
  private pump(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let now = this.clock.now();
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (!this.canGrant(head.tokens, now)) break;
      this.queue.shift();
      head.grant(this.grant(head.tokens, head.queuedAt, now));
      now = this.clock.now();
    }
    const head = this.queue[0];
    if (!head) return;
    // A full concurrency limit is freed by release(), which pumps again; only windows need a timer.
    const delay = this.windowDelay(head.tokens, now);
    if (delay > 0) this.timer = this.clock.setTimeout(() => this.pump(), Math.ceil(delay));
  }

  private canGrant(tokens: number, now: number): boolean {
    this.prune(now);
    const { maxConcurrency } = this.limits;
    if (maxConcurrency !== undefined && this.inFlight >= maxConcurrency) return false;
    return this.windowDelay(tokens, now) === 0;
  }

  /** Milliseconds until both windows have room for one more request of `tokens`. */
  private windowDelay(tokens: number, now: number): number {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits;
    let delay = 0;
    if (rpm !== undefined && this.starts.length >= rpm) {
      const oldestThatMustExpire = this.starts[this.starts.length - rpm] ?? now;
      delay = Math.max(delay, oldestThatMustExpire + this.windowMs - now);
    }
    if (tpm !== undefined) {
      let total = 0;
      for (const s of this.spent) total += s.tokens;
      // A request larger than the whole budget still runs once the window is empty.
      for (const s of this.spent) {
        if (total + tokens <= tpm) break;
        total -= s.tokens;
        delay = Math.max(delay, s.at + this.windowMs - now);
      }
    }
    return Math.max(0, delay);
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.starts.length > 0 && (this.starts[0] ?? now) <= cutoff) this.starts.shift();
    while (this.spent.length > 0 && (this.spent[0]?.at ?? now) <= cutoff) this.spent.shift();
  }
}

/**
 * Takes a lease from each limiter in order (model first, then provider) and returns one lease
 * for all of them; if a later acquire fails (abort), the earlier leases are given back.
 * Its `waitedMs` adds up the queue time of each lease, each measured on its limiter's clock,
 * so a grant that never queued reports exactly 0 (the time between awaits is not a wait).
 */
export async function acquireAll(
  limiters: readonly RateLimiter[],
  tokens: number,
  signal: AbortSignal,
): Promise<Lease> {
  const leases: Lease[] = [];
  try {
    for (const limiter of limiters) leases.push(await limiter.acquire(tokens, signal));
  } catch (err) {
    for (const lease of leases) lease.release(0);
    throw err;
  }
  return {
    waitedMs: leases.reduce((sum, l) => sum + l.waitedMs, 0),
    release: (actualTokens) => {
      for (const lease of leases) lease.release(actualTokens);
    },
  };
}
