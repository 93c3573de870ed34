import { randomUUID } from "node:crypto";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { onAbort as subscribeAbort } from "../core/cancel.js";
import { type Clock, isClock, realClock, type TimerHandle } from "../core/clock.js";
import { AbortError, OptionError } from "../core/errors.js";
import { recordUsage } from "../models/usage.js";
import { type CallContext, type LeafExecutor, runInContext } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";
import { ownConnection } from "./connection.js";
import { RemoteError } from "./errors.js";
import {
  DEFAULT_QUEUE,
  decodeFailure,
  isWireSafe,
  type JobData,
  type JobResult,
  jobIdFor,
  type WireUsage,
} from "./job.js";
import { collectOperators, mayRunRemotely, type OperatorRegistry } from "./registry.js";

/** Limits that hold for the whole cluster, stored in Redis on the queue. */
export interface ClusterLimits {
  /** Jobs in flight at once across every worker of the queue (`queue.setGlobalConcurrency`). */
  maxConcurrency?: number;
  /**
   * Jobs started per window across every worker (`queue.setGlobalRateLimit`): a provider's
   * requests-per-minute when the queue carries that provider's calls.
   */
  rateLimit?: { max: number; durationMs: number };
}

export interface BullMQExecutorOptions {
  /** A Redis URL (the executor opens and closes its connection) or an ioredis client. */
  redis: string | Redis;
  /** The operators the driver may send: a registry, or an operator tree to collect one from. */
  operators: OperatorRegistry | AnyOperator;
  /** @default "ember-xcs" */
  queue?: string;
  /** Names this run's jobs (`runId|path#n`). @default a random UUID */
  runId?: string;
  limits?: ClusterLimits;
  /**
   * How often calls still pending since the last sweep are looked up in Redis, in case their
   * result event was lost (a stream trimmed under a slow listener). @default 10000
   */
  sweepMs?: number;
  /** The clock of the sweep. @default realClock */
  clock?: Clock;
}

/** What the executor did, for tests and the benchmark. */
export interface ExecutorStats {
  /** Jobs added (re-adds after a Redis restart included). */
  sent: number;
  /** Jobs added again because Redis had lost them. */
  resent: number;
  /** Calls answered by a job's result. */
  completed: number;
  failed: number;
  /** Results that arrived for a call already answered (at-least-once jobs) and were dropped. */
  ignored: number;
  /** Accepted calls run in the driver because their input would not survive JSON. */
  local: number;
  /** Redis reconnections seen. */
  reconnects: number;
}

interface Pending {
  readonly data: JobData;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const KEEP = { age: 300 };

/**
 * Runs accepted leaf calls as BullMQ jobs on workers that registered the same operators by
 * name (see worker.ts). Each call is one job `runId|path#n`, added once and answered once:
 * results come through one shared `QueueEvents` listener that maps job ids to pending calls,
 * and the first result per id wins. After a Redis reconnection the executor asks Redis about
 * every pending job, takes results it missed and adds again (same id) any job Redis lost.
 *
 * @example
 * const executor = await BullMQExecutor.open({ redis: "redis://127.0.0.1:6379", operators: pipeline });
 * try { await withExecutor(executor, () => pipeline(input)); } finally { await executor.close(); }
 */
export class BullMQExecutor implements LeafExecutor {
  readonly runId: string;
  readonly queueName: string;
  readonly stats: ExecutorStats = {
    sent: 0,
    resent: 0,
    completed: 0,
    failed: 0,
    ignored: 0,
    local: 0,
    reconnects: 0,
  };
  private readonly registry: OperatorRegistry;
  private readonly pending = new Map<string, Pending>();
  private readonly occurrences = new Map<string, number>();
  private closed = false;
  private sweepTimer: TimerHandle | undefined;
  /** Calls pending at the last sweep: still pending at the next one, they are looked up. */
  private suspects = new Set<string>();
  private sweepMs = 10_000;
  private clock: Clock = realClock;

  private constructor(
    private readonly client: Redis,
    private readonly ownsClient: boolean,
    private readonly eventsClient: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    registry: OperatorRegistry,
    private readonly limits: ClusterLimits,
    runId: string,
  ) {
    this.registry = registry;
    this.runId = runId;
    this.queueName = queue.name;
  }

  /** Connects, starts the one event listener and applies the cluster limits. */
  static async open(options: BullMQExecutorOptions): Promise<BullMQExecutor> {
    const queueName = options.queue ?? DEFAULT_QUEUE;
    const limits = checkLimits(options.limits ?? {});
    positive(options.sweepMs, "BullMQExecutor sweepMs");
    if (options.clock !== undefined && !isClock(options.clock)) {
      throw new OptionError("invalid_option", {
        where: "BullMQExecutor clock",
        what: "got",
        got: options.clock,
        valid: ["a Clock { now, setTimeout, clearTimeout }"],
      });
    }
    const registry =
      options.operators instanceof Map
        ? options.operators
        : collectOperators(options.operators as AnyOperator);
    // Auto-pipelining sends the adds of one tick (the ready nodes of a wave) in one write.
    const { client, owned } = ownConnection(options.redis, `ember-xcs driver ${queueName}`, true);
    const queue = new Queue(queueName, { connection: client });
    // QueueEvents blocks on its connection, so it gets its own, which the executor closes.
    const eventsClient = client.duplicate({ enableAutoPipelining: false });
    eventsClient.on("error", () => {});
    await queue.waitUntilReady();
    // The listener starts at the stream's current end, read now: QueueEvents' default ("$",
    // taken when its first blocking read is sent) would miss events of jobs added meanwhile.
    const newest = await client.xrevrange(queue.toKey("events"), "+", "-", "COUNT", 1);
    const lastEventId = newest[0]?.[0] ?? "0-0";
    const events = new QueueEvents(queueName, { connection: eventsClient, lastEventId });
    const executor = new BullMQExecutor(
      client,
      owned,
      eventsClient,
      queue,
      events,
      registry,
      limits,
      options.runId ?? randomUUID(),
    );
    executor.sweepMs = options.sweepMs ?? executor.sweepMs;
    executor.clock = options.clock ?? realClock;
    queue.on("error", () => {
      // Connection errors are retried by ioredis; the reconciliation on "ready" catches up.
    });
    events.on("error", () => {});
    events.on("completed", ({ jobId, returnvalue }) => executor.settle(jobId, true, returnvalue));
    events.on("failed", ({ jobId, failedReason }) => executor.settle(jobId, false, failedReason));
    await events.waitUntilReady();
    await executor.applyLimits();
    let connected = true;
    client.on("close", () => {
      connected = false;
    });
    client.on("ready", () => {
      if (connected || executor.closed) return;
      connected = true;
      executor.stats.reconnects++;
      void executor.reconcile().catch(() => {
        // A reconnection that drops again gets its own "ready" and its own reconciliation.
      });
    });
    return executor;
  }

  accepts(operator: AnyOperator): boolean {
    return mayRunRemotely(operator) && this.registry.get(operator.name) === operator;
  }

  run(operator: AnyOperator, input: unknown, ctx: CallContext): Promise<unknown> {
    if (this.closed) return Promise.reject(new AbortError("the BullMQ executor is closed"));
    if (!isWireSafe(input)) {
      // A class instance or a function would not survive JSON: the driver runs the call.
      this.stats.local++;
      const local = operator as unknown as { forward(i: unknown, c: CallContext): unknown };
      return Promise.resolve(runInContext(ctx, () => local.forward(input, ctx)));
    }
    return this.send(operator, input, ctx).then(
      (result) => {
        const { output, usage } = result as JobResult;
        replayUsage(usage, operator, ctx);
        return output;
      },
      (error: unknown) => {
        if (error instanceof RemoteError) replayUsage(error.usage, operator, ctx);
        throw error;
      },
    );
  }

  private send(operator: AnyOperator, input: unknown, ctx: CallContext): Promise<unknown> {
    const n = this.occurrences.get(ctx.path) ?? 0;
    this.occurrences.set(ctx.path, n + 1);
    const jobId = jobIdFor(this.runId, ctx.path, n);
    const data: JobData = { name: operator.name, input, path: ctx.path };
    const signal = ctx.signal;
    signal.throwIfAborted();
    return new Promise<unknown>((resolve, reject) => {
      const unsubscribe = subscribeAbort(signal, () => {
        if (!this.pending.delete(jobId)) return;
        // A waiting job is removed; an active one finishes and its result is dropped.
        this.queue.remove(jobId).catch(() => {});
        reject(signal.reason);
      });
      this.pending.set(jobId, {
        data,
        resolve: (value) => {
          unsubscribe();
          resolve(value);
        },
        reject: (error) => {
          unsubscribe();
          reject(error);
        },
      });
      this.add(jobId, data).catch((err: unknown) => this.fail(jobId, err));
      this.armSweep();
    });
  }

  /** Calls waiting for a worker's answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Stops listening and closes the connections it opened; pending calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new AbortError("the BullMQ executor was closed", { path: p.data.path }));
    }
    await this.events.close();
    await this.queue.close();
    this.eventsClient.disconnect();
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  private async add(jobId: string, data: JobData): Promise<void> {
    this.stats.sent++;
    await this.queue.add(data.name, data, {
      jobId,
      attempts: 1,
      removeOnComplete: KEEP,
      removeOnFail: KEEP,
    });
  }

  private settle(jobId: string, ok: boolean, value: unknown): void {
    const p = this.pending.get(jobId);
    if (!p) {
      if (jobId.startsWith(`${this.runId}|`)) this.stats.ignored++;
      return;
    }
    this.pending.delete(jobId);
    if (ok) {
      this.stats.completed++;
      p.resolve(value);
    } else {
      this.stats.failed++;
      p.reject(decodeFailure(String(value), jobId, p.data.path));
    }
  }

  private fail(jobId: string, error: unknown): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    this.stats.failed++;
    p.reject(error);
  }

  /**
   * After a reconnection: limits are stored in Redis and a restarted Redis may have lost
   * them, so they are set again; each pending job is looked up, and a result missed while
   * the listener was down is taken, a job Redis no longer has is added again under its id.
   */
  private async reconcile(): Promise<void> {
    await this.applyLimits();
    await this.lookUp([...this.pending.keys()]);
  }

  /** Settles the calls whose job finished without our hearing; adds again jobs Redis lost. */
  private async lookUp(jobIds: readonly string[]): Promise<void> {
    for (const jobId of jobIds) {
      const p = this.pending.get(jobId);
      if (!p) continue;
      const state = await this.queue.getJobState(jobId);
      if (!this.pending.has(jobId)) continue;
      if (state === "unknown") {
        this.stats.resent++;
        await this.add(jobId, p.data);
      } else if (state === "completed" || state === "failed") {
        const job = await this.queue.getJob(jobId);
        if (!job) continue;
        if (state === "completed") this.settle(jobId, true, job.returnvalue);
        else this.settle(jobId, false, job.failedReason);
      }
    }
  }

  private armSweep(): void {
    if (this.sweepTimer !== undefined || this.closed) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      const stale = [...this.suspects].filter((id) => this.pending.has(id));
      this.suspects = new Set(this.pending.keys());
      void this.lookUp(stale)
        .catch(() => {})
        .finally(() => {
          if (this.pending.size > 0) this.armSweep();
        });
    }, this.sweepMs);
  }

  private async applyLimits(): Promise<void> {
    const { maxConcurrency, rateLimit } = this.limits;
    if (maxConcurrency !== undefined) await this.queue.setGlobalConcurrency(maxConcurrency);
    if (rateLimit !== undefined) {
      await this.queue.setGlobalRateLimit(rateLimit.max, rateLimit.durationMs);
    }
  }
}

/**
 * Reports a job's model calls in the caller's context, as if they had been made here: the
 * driver's usage ledger, `withUsage` scopes and observers see every call the run made.
 */
function replayUsage(records: readonly WireUsage[], operator: AnyOperator, ctx: CallContext): void {
  if (!Array.isArray(records)) return;
  runInContext(ctx, () => {
    for (const r of records) recordUsage({ ...r, operator, path: ctx.path });
  });
}

function positive(value: unknown, where: string): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
    throw new OptionError("invalid_option", {
      where,
      what: "got",
      got: value,
      valid: ["an integer >= 1"],
    });
  }
}

function checkLimits(limits: ClusterLimits): ClusterLimits {
  positive(limits.maxConcurrency, "BullMQExecutor limits.maxConcurrency");
  positive(limits.rateLimit?.max, "BullMQExecutor limits.rateLimit.max");
  positive(limits.rateLimit?.durationMs, "BullMQExecutor limits.rateLimit.durationMs");
  return limits;
}
