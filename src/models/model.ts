import { linkedController } from "../core/cancel.js";
import { SpeculationMissed } from "../core/errors.js";
import type { WaitMeter } from "../operator/context.js";
import type { CallInfo, CallObserver } from "../operator/observer.js";
import type { AnyOperator } from "../operator/operator.js";
import { ProviderError, ProviderFailure } from "./errors.js";
import { acquireAll, type Lease, type RateLimiter } from "./limiter.js";
import { costUsd } from "./prices.js";
import { responseCacheEntry } from "./response-cache.js";
import { withRetries } from "./retry.js";
import type {
  ChatRequest,
  ChatResponse,
  ModelRequest,
  Provider,
  RetryPolicy,
  StreamChunk,
  TokenUsage,
  ToolCall,
} from "./types.js";
import { recordUsage } from "./usage.js";

/** Where a model call comes from; an operator's `CallContext` is one. */
export interface CallSite {
  readonly signal?: AbortSignal;
  /** Operator path for errors and usage records. */
  readonly path?: string;
  readonly operator?: AnyOperator | undefined;
  /** Told about time spent waiting for provider limits (the JIT's per-node queue time). */
  readonly meter?: WaitMeter | undefined;
  /** Told about each request's usage and each streamed delta (the call context's observer). */
  readonly observer?: CallObserver | undefined;
  /** The operator call the request belongs to, as the observer knows it. */
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

  /**
   * Streams one request: text deltas as they arrive (each also told to `site.observer.token`),
   * complete tool calls, and the usage last. Limits and retries apply as in `complete`: a
   * failure before the first chunk is retried like a failed request; a failure after it is
   * not (the text is already out) and rejects with a `ProviderError` carrying `partialText`.
   * Usage is recorded once, when the stream ends, however it ends. Ending the iteration
   * early (`break`) or aborting `site.signal` closes the connection. A provider without
   * `stream` is called through `complete` and its reply comes as one chunk.
   */
  stream(request: ModelRequest, site: CallSite = {}): AsyncIterable<StreamChunk> {
    return this.streamInto(request, site, newAccumulator());
  }

  /**
   * `complete` over a stream: the same reply, but every delta reaches `site.observer.token`
   * as it arrives. LLM operators use it when someone listens for tokens.
   */
  async completeStreaming(request: ModelRequest, site: CallSite = {}): Promise<Completion> {
    const acc = newAccumulator();
    for await (const _ of this.streamInto(request, site, acc)) {
      // The accumulator collects what the chunks carry.
    }
    return {
      text: acc.text,
      usage: acc.usage ?? { promptTokens: 0, completionTokens: 0 },
      ...(acc.toolCalls.length > 0 ? { toolCalls: acc.toolCalls } : {}),
      attempts: acc.attempts,
      queueMs: acc.queueMs,
    };
  }

  private async *streamInto(
    request: ModelRequest,
    site: CallSite,
    acc: Accumulator,
  ): AsyncGenerator<StreamChunk> {
    const signal = site.signal ?? NEVER_ABORTED;
    const startedAt = performance.now();
    const estimate = estimateTokens(request);
    let open: OpenStream | undefined;
    let outcome: "ok" | "failed" | undefined;
    try {
      try {
        open = await withRetries(
          async (n) => {
            acc.attempts = n;
            const lease = await acquireAll(this.limiters, estimate, signal);
            acc.queueMs += lease.waitedMs;
            if (lease.waitedMs > 0) site.meter?.waited(lease.waitedMs);
            const { controller, dispose } = linkedController(signal);
            const chunks = openProviderStream(
              this.provider,
              { ...request, model: this.name },
              controller.signal,
            );
            const iterator = chunks[Symbol.asyncIterator]();
            try {
              // The first chunk decides whether the attempt failed (and may be retried).
              const first = await iterator.next();
              return { lease, iterator, first, controller, dispose };
            } catch (err) {
              lease.release(0);
              dispose();
              throw err;
            }
          },
          this.retry,
          signal,
        );
      } catch (err) {
        outcome = "failed";
        if (signal.aborted) throw signal.reason;
        throw this.finalError(err, acc.attempts, site.path ?? "");
      }
      let step = open.first;
      while (!step.done) {
        const chunk = step.value;
        if (chunk.type === "text") {
          if (chunk.text !== "") {
            acc.text += chunk.text;
            site.observer?.token?.(site.call, chunk.text);
            yield chunk;
          }
        } else if (chunk.type === "tool_call") {
          acc.toolCalls.push(chunk.call);
          yield chunk;
        } else {
          acc.usage = chunk.usage;
        }
        try {
          step = await open.iterator.next();
        } catch (err) {
          outcome = "failed";
          if (signal.aborted) throw signal.reason;
          throw this.finalError(err, acc.attempts, site.path ?? "", acc.text);
        }
      }
      if (signal.aborted) {
        outcome = "failed";
        throw signal.reason;
      }
      outcome = "ok";
      // Reported before the usage chunk goes out, so a consumer that stops there still counts it.
      this.finish(open, acc, site, true, startedAt);
      open = undefined;
      if (acc.usage) yield { type: "usage", usage: acc.usage };
    } finally {
      if (open) {
        // Failed mid-stream, or the consumer stopped early: close the connection.
        open.controller.abort();
        await open.iterator.return?.().catch(() => undefined);
        this.finish(open, acc, site, outcome === "ok", startedAt);
      } else if (outcome === "failed") {
        this.report(site, {
          ok: false,
          attempts: acc.attempts,
          queueMs: acc.queueMs,
          startedAt,
        });
      }
    }
  }

  /** Frees the limits (with the real token count when it is known) and records usage once. */
  private finish(
    open: OpenStream,
    acc: Accumulator,
    site: CallSite,
    ok: boolean,
    startedAt: number,
  ): void {
    const u = acc.usage;
    // Without a usage report the estimate stays in the token window: the tokens were spent.
    open.lease.release(u ? u.promptTokens + u.completionTokens : undefined);
    open.dispose();
    this.report(site, {
      ok,
      usage: u,
      attempts: acc.attempts,
      queueMs: acc.queueMs,
      startedAt,
    });
  }

  private finalError(
    err: unknown,
    attempts: number,
    path: string,
    partialText?: string,
  ): ProviderError {
    const failure = err instanceof ProviderFailure ? err : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return new ProviderError({
      path,
      model: this.id,
      attempts,
      status: failure?.status,
      retryAfterMs: failure?.retryAfterMs,
      detail:
        partialText === undefined
          ? message
          : `stream broke off after ${partialText.length} characters: ${message}`,
      cause: err,
      partialText,
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
    // Aborted because the JIT started it early and nobody claimed it: wasted, not failed.
    const wasted = !call.ok && site.signal?.reason instanceof SpeculationMissed;
    // The observer hook (withObserver) sees each request once, attributed to the calling call.
    site.observer?.usage?.(site.call, {
      model: this.id,
      path: site.path ?? "",
      ok: call.ok,
      promptTokens,
      completionTokens,
      costUsd: cost ?? 0,
      simulated: this.provider.simulated,
      ...(call.hit ? { cached: true } : {}),
      ...(wasted ? { wasted: true } : {}),
    });
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
      ...(wasted ? { wasted: true } : {}),
      attempts: call.attempts,
      queueMs: call.queueMs,
      durationMs: performance.now() - call.startedAt,
    });
  }
}

interface Accumulator {
  attempts: number;
  queueMs: number;
  text: string;
  toolCalls: ToolCall[];
  usage: TokenUsage | undefined;
}

function newAccumulator(): Accumulator {
  return { attempts: 0, queueMs: 0, text: "", toolCalls: [], usage: undefined };
}

interface OpenStream {
  readonly lease: Lease;
  readonly iterator: AsyncIterator<StreamChunk>;
  readonly first: IteratorResult<StreamChunk>;
  readonly controller: AbortController;
  readonly dispose: () => void;
}

/** The provider's stream, or its `complete` reply as one stream. */
function openProviderStream(
  provider: Provider,
  request: ChatRequest,
  signal: AbortSignal,
): AsyncIterable<StreamChunk> {
  if (provider.stream) return provider.stream(request, { signal });
  return (async function* () {
    const reply = await provider.complete(request, { signal });
    if (reply.text !== "") yield { type: "text", text: reply.text };
    for (const call of reply.toolCalls ?? []) yield { type: "tool_call", call };
    yield { type: "usage", usage: reply.usage };
  })();
}

/**
 * What a request may cost before its reply says: prompt characters / 4 plus `maxTokens`,
 * the way providers count a request against a tokens-per-minute limit.
 */
export function estimateTokens(request: ModelRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    chars += m.content.length;
    if (m.role === "assistant") for (const c of m.toolCalls ?? []) chars += c.arguments.length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + (request.maxTokens ?? 0);
}

/**
 * Sends one request for an operator call: streamed when an observer listens for tokens
 * (`op.stream()`), so that tokens reach it as they arrive, and as one request otherwise,
 * which keeps the plain path as cheap as it was (one JSON body, no event parsing).
 */
export function sendRequest(
  model: Model,
  request: ModelRequest,
  site: CallSite,
): Promise<Completion> {
  return site.observer?.token
    ? model.completeStreaming(request, site)
    : model.complete(request, site);
}
