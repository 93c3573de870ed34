import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { abortableSleep } from "../core/cancel.js";
import { OptionError } from "../core/errors.js";
import { estimateTokens } from "../models/model.js";
import type { ChatRequest, ChatResponse, Provider } from "../models/types.js";

/** A provider quota shared by every process that uses the same Redis and key. */
export interface QuotaLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** The length of the "minute"; tests shorten it. @default 60000 */
  windowMs?: number;
}

/** A granted request; `release` settles its tokens to what the reply really used. */
export interface QuotaLease {
  release(actualTokens: number): Promise<void>;
}

/**
 * Requests and tokens per window for one provider across the whole cluster, counted in Redis
 * by rate-limiter-flexible's atomic counters (`consume(key, points)`), so two workers never
 * spend one quota twice. A request counts its estimate until its reply arrives, then its real
 * usage. A refused request waits out the window on the limiter's word (`msBeforeNext`) and
 * gives back the points the refused attempt added, so refusals do not eat the quota.
 */
export class ClusterQuota {
  readonly key: string;
  private readonly rpm: RateLimiterRedis | undefined;
  private readonly tpm: RateLimiterRedis | undefined;
  private readonly tokenPoints: number;
  /** Times a request had to wait for the window (observable; workers report it). */
  waits = 0;

  constructor(client: Redis, key: string, limits: QuotaLimits) {
    for (const name of ["requestsPerMinute", "tokensPerMinute", "windowMs"] as const) {
      const v = limits[name];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
        throw new OptionError("invalid_option", {
          where: `quota ${key}.${name}`,
          what: "got",
          got: v,
          valid: ["an integer >= 1"],
        });
      }
    }
    this.key = key;
    const duration = (limits.windowMs ?? 60_000) / 1000;
    const make = (kind: string, points: number) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `ember-xcs:quota:${kind}`,
        points,
        duration,
      });
    this.rpm = limits.requestsPerMinute ? make("rpm", limits.requestsPerMinute) : undefined;
    this.tpm = limits.tokensPerMinute ? make("tpm", limits.tokensPerMinute) : undefined;
    this.tokenPoints = limits.tokensPerMinute ?? Number.POSITIVE_INFINITY;
  }

  async acquire(tokens: number, signal: AbortSignal): Promise<QuotaLease> {
    // A request larger than the whole quota still runs, alone in an empty window.
    const estimate = Math.max(1, Math.min(tokens, this.tokenPoints));
    if (this.rpm) await this.take(this.rpm, 1, signal);
    if (this.tpm) await this.take(this.tpm, estimate, signal);
    const tpm = this.tpm;
    return {
      release: async (actual) => {
        if (!tpm) return;
        const diff = actual - estimate;
        if (diff > 0) await tpm.penalty(this.key, diff);
        else if (diff < 0) await tpm.reward(this.key, -diff);
      },
    };
  }

  private async take(
    limiter: RateLimiterRedis,
    points: number,
    signal: AbortSignal,
  ): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      try {
        await limiter.consume(this.key, points);
        return;
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        await limiter.reward(this.key, points);
        this.waits++;
        await abortableSleep(Math.max(1, refused.msBeforeNext), signal);
      }
    }
  }
}

/** A provider whose requests first take a lease from a cluster-wide quota. */
export function clusterLimited(provider: Provider, quota: ClusterQuota): Provider {
  return {
    label: provider.label,
    simulated: provider.simulated,
    async complete(request: ChatRequest, options: { signal: AbortSignal }): Promise<ChatResponse> {
      const lease = await quota.acquire(estimateTokens(request), options.signal);
      let used = 0;
      try {
        const reply = await provider.complete(request, options);
        used = reply.usage.promptTokens + reply.usage.completionTokens;
        return reply;
      } finally {
        await lease.release(used);
      }
    },
  };
}
