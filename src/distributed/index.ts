/**
 * `ember-xcs/distributed`: leaf calls run as BullMQ jobs on worker processes (DESIGN §9).
 * A separate entry point, so `ember-xcs` itself never loads bullmq, ioredis or
 * rate-limiter-flexible (optional peer dependencies).
 */
export type {
  BullMQExecutorOptions,
  ClusterLimits,
  ExecutorStats,
} from "./bullmq-executor.js";
export { BullMQExecutor } from "./bullmq-executor.js";
export type { RunWorkerOptions, WithBullMQOptions } from "./cli-worker.js";
export { loadOperator, runWorker, withBullMQ } from "./cli-worker.js";
export type { DistributedErrorCode } from "./errors.js";
export { DistributedError, RemoteError } from "./errors.js";
export type { JobData } from "./job.js";
export { DEFAULT_QUEUE } from "./job.js";
export type { QuotaLease, QuotaLimits } from "./quota.js";
export { ClusterQuota, clusterLimited } from "./quota.js";
export type { OperatorModule, OperatorRegistry } from "./registry.js";
export { collectOperators, mayRunRemotely, registerOperators } from "./registry.js";
export type { EmberWorker, WorkerEvent, WorkerOptions } from "./worker.js";
export { startWorker } from "./worker.js";
