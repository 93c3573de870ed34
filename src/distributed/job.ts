/**
 * What travels through Redis: one job per leaf call, `{ name, input, path }`, and, when the
 * call fails, a failure reason that keeps the worker's error code. Only data crosses the
 * wire; the operator itself is looked up by name on the worker (code is never shipped).
 */
import type { UsageRecord } from "../models/usage.js";
import { RemoteError } from "./errors.js";

export interface JobData {
  /** The registered operator name the worker runs. */
  readonly name: string;
  readonly input: unknown;
  /** The call's path in the driver, for errors. */
  readonly path: string;
}

/** A model call's usage as it crosses the wire; the driver adds back its own path and operator. */
export type WireUsage = Omit<UsageRecord, "operator" | "path">;

/** What a job returns: the operator's output and the model calls it made on the worker. */
export interface JobResult {
  readonly output: unknown;
  readonly usage: readonly WireUsage[];
}

/** Strips what cannot or need not travel (the operator instance, the worker-side path). */
export function wireUsage(records: readonly UsageRecord[]): WireUsage[] {
  return records.map(({ operator: _o, path: _p, ...rest }) => rest);
}

/** The queue every executor and worker uses unless told otherwise. */
export const DEFAULT_QUEUE = "ember-xcs";

/** A failure as the worker reports it, JSON in the job's `failedReason`. */
export interface WireFailure {
  readonly code: string;
  readonly message: string;
  readonly name: string;
  readonly worker: string;
  readonly usage?: readonly WireUsage[];
}

const MARK = "ember-xcs-failure:";

export function encodeFailure(failure: WireFailure): string {
  return `${MARK}${JSON.stringify(failure)}`;
}

/**
 * Turns a `failedReason` back into an error. A reason that is not ours (BullMQ's own, such
 * as a job that stalled too often) becomes a `RemoteError` with `job_stalled` or `job_failed`.
 */
export function decodeFailure(reason: string, jobId: string, path: string): RemoteError {
  if (reason.startsWith(MARK)) {
    try {
      const f = JSON.parse(reason.slice(MARK.length)) as WireFailure;
      return new RemoteError({
        code: f.code,
        message: f.message,
        path,
        worker: f.worker,
        remoteName: f.name,
        jobId,
        usage: f.usage ?? [],
      });
    } catch {
      // Falls through: a truncated reason is still reported, as text.
    }
  }
  const code = /stalled/i.test(reason) ? "job_stalled" : "job_failed";
  return new RemoteError({
    code,
    message: `[${code}] at ${path}: ${reason}`,
    path,
    worker: "",
    remoteName: "Error",
    jobId,
  });
}

/**
 * A job id for one call: `runId|path#n`. BullMQ refuses `:` in custom ids (it reserves the
 * three-part form for repeatable jobs), so `:` and `%` in the path are percent-encoded; the
 * occurrence counter `n` tells apart the calls of one path in one run (the items of a map).
 */
export function jobIdFor(runId: string, path: string, occurrence: number): string {
  const safe = path.replace(/%/g, "%25").replace(/:/g, "%3A");
  return `${runId}|${safe}#${occurrence}`;
}

/**
 * Whether a value survives JSON unchanged in meaning: plain objects, arrays, strings, finite
 * numbers, booleans and null. A call whose input fails this runs in the driver instead.
 */
export function isWireSafe(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (Array.isArray(value)) return value.every((v) => isWireSafe(v, depth + 1));
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) return false;
        if (!isWireSafe(v, depth + 1)) return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0;
    }
    default:
      return false;
  }
}
