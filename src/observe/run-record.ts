import type { Effects } from "../operator/effects.js";

/**
 * What a `RunRecorder` saw of one run: plain data (JSON-serialisable), times in milliseconds
 * from the run's start. `toTraceEvents` and `writeTimeline` render it; nothing in it refers to
 * a live operator, so a record can be kept, written to disk or sent elsewhere.
 */
export interface RunRecord {
  readonly version: 1;
  /** A label given to the recorder (`record(fn, { label })`), else undefined. */
  readonly label: string | undefined;
  /** Wall-clock time of the run's start, ISO 8601 (for display only). */
  readonly startedAt: string;
  /** From the recorder's start to its finish (or to the snapshot, while still running). */
  readonly wallMs: number;
  /** The run's bound (see `computeBound` in bound.ts): the earliest it could have finished. */
  readonly boundMs: number;
  /** Ids of the childless calls on the chain that sets `boundMs`, first to last. */
  readonly criticalPath: readonly number[];
  /** Every call the recorder saw, in start order. */
  readonly calls: readonly RecordedCall[];
  /** Every call the JIT started early, in the order it started them. */
  readonly speculations: readonly RecordedSpeculation[];
  readonly totals: RunTotals;
}

export type CallStatus = "ok" | "error" | "running";

export interface RecordedError {
  /** The error's class name (`AbortError`, `ProviderError`) or `typeof` for a non-error. */
  readonly name: string;
  readonly message: string;
}

/** One operator call. */
export interface RecordedCall {
  readonly id: number;
  /** The calling call's id; undefined for a root call (or one whose caller was not recorded). */
  readonly parentId: number | undefined;
  readonly name: string;
  /** Operator path from the root call: `qa/operators[3]/members[1]`. */
  readonly path: string;
  readonly effects: Effects;
  /** A leaf holds a budget slot while it runs (see `CallInfo.leaf`). */
  readonly leaf: boolean;
  /** When the call started (after its queue wait). */
  readonly startMs: number;
  /** When it finished; for a call still running at the snapshot, the snapshot time. */
  readonly endMs: number;
  /** Time spent waiting for a slot of the concurrency budget before `startMs`. */
  readonly waitMs: number;
  readonly status: CallStatus;
  readonly error: RecordedError | undefined;
  /** Model requests this call made itself (not its children's), failed ones included. */
  readonly requests: number;
  /** The model of its last request, when it made any. */
  readonly model: string | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Set when the JIT started this call early: what became of it so far. */
  readonly speculation: SpeculationOutcome | undefined;
  /** On the chain of `criticalPath` (a childless call on it, or one of its callers). */
  readonly critical: boolean;
  /** Start and finish of this call in the bound's schedule (see bound.ts). */
  readonly boundStartMs: number;
  readonly boundEndMs: number;
}

export type SpeculationOutcome = "pending" | "claimed" | "wasted";

/** One call the JIT started before `forward` asked for it. */
export interface RecordedSpeculation {
  readonly site: string;
  readonly path: string;
  readonly name: string;
  readonly atMs: number;
  readonly outcome: SpeculationOutcome;
  /** When it was claimed or declared wasted. */
  readonly resolvedMs: number | undefined;
  /** The call that ran for it, when one was seen (see speculation-links.ts for the match). */
  readonly callId: number | undefined;
  /** Usage of that call and of every call under it. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

export interface RunTotals {
  readonly calls: number;
  /** Calls that made no operator calls of their own: the work the bound is made of. */
  readonly childlessCalls: number;
  /** Calls that ended in an error, wasted speculative calls excluded. */
  readonly failedCalls: number;
  readonly runningCalls: number;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Usage reported outside any recorded call (`usage(undefined, …)`); included above. */
  readonly unattributedCostUsd: number;
  /** Summed queue waits of all calls. */
  readonly waitMs: number;
  readonly speculated: number;
  readonly claimed: number;
  readonly wasted: number;
  /** Cost of the wasted speculative calls (and their children); included in `costUsd`. */
  readonly wastedCostUsd: number;
  readonly wastedTokens: number;
}

/** `name (path)`, or just the name when the path is the name: how every view labels a call. */
export function callLabel(call: { readonly name: string; readonly path: string }): string {
  return call.path === call.name || call.path === "" ? call.name : `${call.name} (${call.path})`;
}
