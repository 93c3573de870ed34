import { formatMessage } from "../core/errors.js";
import type { UsageRecord } from "../models/usage.js";

/** Codes of errors the distributed layer raises itself (a worker's own codes pass through). */
export type DistributedErrorCode =
  | "unknown_operator"
  | "duplicate_operator_name"
  | "job_stalled"
  | "job_failed";

/**
 * A leaf call that failed on a worker. `code` and the message are the worker's (a
 * `provider_error`, an `invalid_input`, an `unknown_operator`, …), so a caller handles a
 * remote failure the way it handles the same failure in-process; `worker` names who ran it.
 */
export class RemoteError extends Error {
  readonly code: string;
  readonly path: string;
  /** The worker that failed the job (`host:pid` unless the worker was named). */
  readonly worker: string;
  /** The class name of the error on the worker (`ProviderError`, `ValidationError`, …). */
  readonly remoteName: string;
  readonly jobId: string;
  /** Model calls the failed job made on the worker (they count in the driver's usage too). */
  readonly usage: readonly Omit<UsageRecord, "operator" | "path">[];
  constructor(fields: {
    code: string;
    message: string;
    path: string;
    worker: string;
    remoteName: string;
    jobId: string;
    usage?: readonly Omit<UsageRecord, "operator" | "path">[];
  }) {
    super(fields.message);
    this.name = "RemoteError";
    this.code = fields.code;
    this.path = fields.path;
    this.worker = fields.worker;
    this.remoteName = fields.remoteName;
    this.jobId = fields.jobId;
    this.usage = fields.usage ?? [];
  }
}

/** A problem of the distributed layer itself: a duplicate operator name, say. */
export class DistributedError extends Error {
  readonly code: DistributedErrorCode;
  readonly path: string;
  constructor(
    code: DistributedErrorCode,
    fields: { path?: string; subject?: string; detail: string; cause?: unknown },
  ) {
    super(formatMessage(code, fields), { cause: fields.cause });
    this.name = "DistributedError";
    this.code = code;
    this.path = fields.path ?? "";
  }
}
