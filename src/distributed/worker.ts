import { hostname } from "node:os";
import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { formatMessage } from "../core/errors.js";
import { models } from "../models/registry.js";
import { collectUsage, type UsageRecord } from "../models/usage.js";
import { callOperator } from "../operator/operator.js";
import { ownConnection } from "./connection.js";
import { DEFAULT_QUEUE, encodeFailure, type JobData, type JobResult, wireUsage } from "./job.js";
import { ClusterQuota, clusterLimited, type QuotaLimits } from "./quota.js";
import type { OperatorRegistry } from "./registry.js";

export interface WorkerOptions {
  redis: string | Redis;
  /** What this worker can run, by name (`registerOperators(module)`). */
  operators: OperatorRegistry;
  /** Jobs this process runs at once. @default 8 */
  concurrency?: number;
  /** @default "ember-xcs" */
  queue?: string;
  /** How the worker names itself in errors and job records. @default `host:pid` */
  name?: string;
  /**
   * Cluster-wide quotas per provider name (`{ openai: { tokensPerMinute: 90000 } }`), counted
   * in Redis and shared with every worker using the same Redis. The provider's in-process
   * limits are replaced by these in this process.
   */
  quotas?: Record<string, QuotaLimits>;
  /** How long a job's lock lasts without renewal; a dead worker's jobs stall after it. @default 30000 */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. @default 30000 */
  stalledIntervalMs?: number;
  /** How often one job may stall (its worker died) before it fails. @default 5 */
  maxStalledCount?: number;
  /** Told when each job starts and ends (the CLI prints them in verbose mode; tests read them). */
  onEvent?: (event: WorkerEvent) => void;
}

export interface WorkerEvent {
  readonly type: "started" | "completed" | "failed";
  readonly jobId: string;
  readonly name: string;
  readonly worker: string;
  /** The job's start count: 2 or more means an earlier attempt stalled (a worker died). */
  readonly attempt: number;
  readonly code?: string;
}

/** A running worker: `close()` stops taking jobs and lets running ones finish. */
export interface EmberWorker {
  readonly name: string;
  readonly quotas: ReadonlyMap<string, ClusterQuota>;
  close(): Promise<void>;
}

/**
 * Runs jobs for the operators it registered: each job names an operator and carries its
 * input; the worker calls that operator (its validation and `forward`, its model's retries)
 * and returns the output. A name it lacks fails that job with `unknown_operator`, naming the
 * name and the worker; any other error fails the job with the error's code and message.
 * Jobs are never retried on failure (the operator's own retries already ran); a job whose
 * worker dies stalls and goes back to the queue for another worker.
 */
export async function startWorker(options: WorkerOptions): Promise<EmberWorker> {
  const workerName = options.name ?? `${hostname()}:${process.pid}`;
  const queueName = options.queue ?? DEFAULT_QUEUE;
  const { client, owned } = ownConnection(options.redis, `ember-xcs worker ${workerName}`);
  const quotas = new Map<string, ClusterQuota>();
  for (const [provider, limits] of Object.entries(options.quotas ?? {})) {
    const quota = new ClusterQuota(client, provider, limits);
    quotas.set(provider, quota);
    // A model id of the provider finds its Provider; the registration keeps its retry policy.
    const model = models.get(`${provider}:quota`);
    models.register(provider, clusterLimited(model.provider, quota), { retry: model.retry });
  }
  const registry = options.operators;
  const emit = options.onEvent ?? (() => {});
  const names = [...registry.keys()];

  const worker = new Worker<JobData, JobResult>(
    queueName,
    async (job, _token, signal) => {
      const { name, input, path } = job.data;
      const base = { jobId: job.id ?? "", name, worker: workerName, attempt: job.attemptsStarted };
      emit({ type: "started", ...base });
      const op = registry.get(name);
      if (!op) {
        emit({ type: "failed", ...base, code: "unknown_operator" });
        throw new UnrecoverableError(
          encodeFailure({
            code: "unknown_operator",
            name: "DistributedError",
            worker: workerName,
            message: formatMessage("unknown_operator", {
              path,
              subject: `worker ${workerName}`,
              detail: `no operator named "${name}" is registered here (it has ${names.map((n) => `"${n}"`).join(", ") || "none"}); start the worker with the module that defines it`,
            }),
          }),
        );
      }
      // The model calls the job makes are sent back, so the driver's usage and cost are whole.
      const records: UsageRecord[] = [];
      try {
        const output = await collectUsage(records, () =>
          callOperator(op, input, signal ? { signal } : undefined),
        );
        emit({ type: "completed", ...base });
        return { output, usage: wireUsage(records) };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const failure = {
          code: typeof code === "string" ? code : "job_failed",
          name: err instanceof Error ? err.name : "Error",
          message: err instanceof Error ? err.message : String(err),
          worker: workerName,
          usage: wireUsage(records),
        };
        emit({ type: "failed", ...base, code: failure.code });
        throw new UnrecoverableError(encodeFailure(failure));
      }
    },
    {
      connection: client,
      name: workerName,
      concurrency: options.concurrency ?? 8,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 5,
      removeOnComplete: { age: 300 },
      removeOnFail: { age: 300 },
    },
  );
  worker.on("error", () => {
    // Connection errors while Redis is down; ioredis reconnects with backoff.
  });
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    name: workerName,
    quotas,
    close: () => {
      closing ??= (async () => {
        await worker.close();
        if (owned) await client.quit().catch(() => client.disconnect());
      })();
      return closing;
    },
  };
}
