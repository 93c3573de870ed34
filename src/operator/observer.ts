import type { Effects } from "./effects.js";
import type { AnyOperator } from "./operator.js";

/**
 * One operator call as observers see it. `id` is unique in the process; `parentId` is the
 * call whose `forward` made this one (undefined for a root call), so observers can rebuild
 * the call tree (OpenTelemetry spans, timelines) without reading paths.
 */
export interface CallInfo {
  readonly id: number;
  readonly parentId: number | undefined;
  /** Operator path from the root call: `pipeline/operators[1]/judge`. */
  readonly path: string;
  /** The operator's own `name` (a user-given name, or the class name). */
  readonly name: string;
  readonly operator: AnyOperator;
  readonly effects: Effects;
  /** Leaf calls hold a budget slot; composites only wait for their children. */
  readonly leaf: boolean;
}

/** How a call ended. */
export type CallOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: unknown };

/** Tokens and cost of one model request, reported by the models layer to the call making it. */
export interface UsageReport {
  /** Model id: `openai:gpt-4o-mini`. */
  readonly model: string;
  readonly ok: boolean;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly simulated: boolean;
  /** Answered by the response cache: nothing was sent (tokens and cost are 0). */
  readonly cached?: boolean;
}

/** A call the JIT started before `forward` asked for it, and what became of it. */
export interface SpeculationInfo {
  /** The plan node (or traced site) the call belongs to: `qa/llm#0`. */
  readonly site: string;
  readonly path: string;
  readonly name: string;
}

/**
 * Receives the events of every call made while it is installed (see `withObserver`). All
 * methods are optional; a throwing observer is the observer's bug and is not caught here,
 * so observers must not throw. Times are `performance.now()` milliseconds.
 */
export interface CallObserver {
  callStarted?(call: CallInfo, at: number): void;
  callFinished?(call: CallInfo, at: number, outcome: CallOutcome): void;
  /** A leaf call waited `ms` for a slot of the concurrency budget before it started. */
  waited?(call: CallInfo, ms: number): void;
  /** A model request inside `call` finished (successfully or not). */
  usage?(call: CallInfo | undefined, usage: UsageReport): void;
  /** Streamed text from a model request inside `call`, as it arrives. */
  token?(call: CallInfo | undefined, text: string): void;
  /** The JIT started a call early; `claimed` or `wasted` follows for the same site. */
  speculated?(spec: SpeculationInfo, at: number): void;
  claimed?(spec: SpeculationInfo, at: number): void;
  /** An early call nobody claimed: its work (and cost) was wasted, not failed. */
  wasted?(spec: SpeculationInfo, at: number): void;
}

/** Several observers as one; each receives every event in order. */
export function combineObservers(
  outer: CallObserver | undefined,
  inner: CallObserver,
): CallObserver {
  if (!outer) return inner;
  const both = [outer, inner];
  const fan =
    <K extends keyof CallObserver>(key: K) =>
    (...args: Parameters<NonNullable<CallObserver[K]>>) => {
      for (const o of both) (o[key] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    callStarted: fan("callStarted"),
    callFinished: fan("callFinished"),
    waited: fan("waited"),
    usage: fan("usage"),
    token: fan("token"),
    speculated: fan("speculated"),
    claimed: fan("claimed"),
    wasted: fan("wasted"),
  };
}

let nextCallId = 1;

/** A fresh process-unique call id. */
export function newCallId(): number {
  return nextCallId++;
}
