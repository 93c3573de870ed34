import { linkedController } from "../core/cancel.js";
import type { WaitMeter } from "../operator/context.js";
import type { CallInfo, CallObserver } from "../operator/observer.js";
import type { AnyOperator } from "../operator/operator.js";
import { ProviderError, ProviderFailure } from "./errors.js";
import { acquireAll, type RateLimiter } from "./limiter.js";
import { costUsd } from "./prices.js";
import { responseCacheEntry } from "./response-cache.js";
import { withRetries } from "./retry.js";
import type { ChatResponse, ModelRequest, Provider, RetryPolicy } from "./types.js";
import { recordUsage } from "./usage.js";

/** Where a model call comes from; an operator's `CallContext` is one. */
export interface CallSite {
  readonly signal?: AbortSignal;
  /** Operator path for errors and usage records. */
  readonly path?: string;
  readonly operator?: AnyOperator | undefined;
  /** Told about time spent waiting for provider limits (the JIT's per-node queue time). */
  readonly meter?: WaitMeter | undefined;
  /** The observers of the calling operator's scope, told about the usage of every request. */
  readonly observer?: CallObserver | undefined;
  readonly call?: CallInfo | undefined;
}

/** A reply plus what it took to get it. */
export interface Completion extends ChatResponse {
  readonly attempts: number;
  readonly queueMs: number;
}

const NEVER_ABORTED = new AbortController().signal;
const CHARS_PER_TOKEN = 4;

/**
 * One model of one provider, with that provider's limits and retry policy attached. Get one
 * from the registry (`models.get("openai:gpt-4o-mini")`); every call goes through the same
 * steps: wait for the limits, send, retry what may be retried, record usage.
 */
export class Model {
  /** `provider:name`, e.g. `openai:gpt-4o-mini`. */
  readonly id: string;
  /** The name the provider knows: `gpt-4o-mini`. */
  readonly name: string;
  readonly provider: Provider;
  readonly retry: RetryPolicy;
  /** Model limiter first (if any), then the provider's: a call holds a lease in each. */
  readonly limiters: readonly RateLimiter[];

  constructor(
    id: string,
    name: string,
    provider: Provider,
    options: { retry: RetryPolicy; limiters: readonly RateLimiter[] },
  ) {
    this.id = id;
    this.name = name;
    this.provider = provider;
    this.retry = options.retry;
    this.limiters = options.limiters;
  }

  /** How the model prints: `sim:fast (simulated)`, `openai:gpt-4o (openai-compatible at …)`. */
  get label(): string {
    return `${this.id} (${this.provider.label})`;
  }

  toString(): string {
    return this.label;
  }

  /**
   * Sends one request, waiting for limits and retrying as the policy allows. Rejects with a
   * `ProviderError` when the provider keeps failing, or with the signal's reason on abort.
   */
  async complete(request: ModelRequest, site: CallSite = {}): Promise<Completion> {
    // The response cache (off unless configured): a hit costs nothing and sends nothing.
    const cached = responseCacheEntry(this.id, request);
    const hit = await cached?.get();
    if (hit) {
      this.report(site, { ok: true, attempts: 0, queueMs: 0, startedAt: performance.now(), hit });
      return { ...hit, attempts: 0, queueMs: 0 };
    }
    const signal = site.signal ?? NEVER_ABORTED;
    const startedAt = performance.now();
    const estimate = estimateTokens(request);
    let attempts = 0;
    let queueMs = 0;
    try {
      const reply = await withRetries(
        async (n) => {
          attempts = n;
          const lease = await acquireAll(this.limiters, estimate, signal);
          queueMs += lease.waitedMs;
          if (lease.waitedMs > 0) site.meter?.waited(lease.waitedMs);
          // A fresh child signal per attempt: the openai SDK adds an abort listener to the signal
          // it is given and never removes it, which would pile up on a long-lived caller signal.
          const { controller, dispose } = linkedController(signal);
          try {
            const r = await this.provider.complete(
              { ...request, model: this.name },
              { signal: controller.signal },
            );
            lease.release(r.usage.promptTokens + r.usage.completionTokens);
            return r;
          } catch (err) {
            lease.release(0);
            throw err;
          } finally {
            dispose();
          }
        },
        this.retry,
        signal,
      );
      this.report(site, { ok: true, usage: reply.usage, attempts, queueMs, startedAt });
      await cached?.set(reply);
      return { ...reply, attempts, queueMs };
    } catch (err) {
      this.report(site, { ok: false, attempts, queueMs, startedAt });
      if (signal.aborted) throw signal.reason;
      throw this.finalError(err, attempts, site.path ?? "");
    }
  }

  private finalError(err: unknown, attempts: number, path: string): ProviderError {
    const failure = err instanceof ProviderFailure ? err : undefined;
    return new ProviderError({
      path,
      model: this.id,
      attempts,
      status: failure?.status,
      retryAfterMs: failure?.retryAfterMs,
      detail: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }

  private report(
    site: CallSite,
    call: {
      ok: boolean;
      usage?: ChatResponse["usage"];
      attempts: number;
      queueMs: number;
      startedAt: number;
      /** A reply from the response cache: recorded as cached, with no tokens and no cost. */
      hit?: ChatResponse;
    },
  ): void {
    const promptTokens = call.usage?.promptTokens ?? 0;
    const completionTokens = call.usage?.completionTokens ?? 0;
    const cost = costUsd(this.id, promptTokens, completionTokens);
    recordUsage({
      model: this.id,
      simulated: this.provider.simulated,
      path: site.path ?? "",
      operator: site.operator,
      ok: call.ok,
      promptTokens,
      completionTokens,
      costUsd: cost ?? 0,
      priced: cost !== undefined || call.hit !== undefined,
      ...(call.hit ? { cached: true } : {}),
      attempts: call.attempts,
      queueMs: call.queueMs,
      durationMs: performance.now() - call.startedAt,
    });
    // The observer hook (withObserver) sees the same usage, attributed to the calling operator.
    site.observer?.usage?.(site.call, {
      model: this.id,
      ok: call.ok,
      promptTokens,
      completionTokens,
      costUsd: cost ?? 0,
      simulated: this.provider.simulated,
      ...(call.hit ? { cached: true } : {}),
    });
  }
}

/**
 * What a request may cost before its reply says: prompt characters / 4 plus `maxTokens`,
 * the way providers count a request against a tokens-per-minute limit.
 */
export function estimateTokens(request: ModelRequest): number {
  let chars = 0;
  for (const m of request.messages) chars += m.content.length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + (request.maxTokens ?? 0);
}
